# shellcheck shell=bash
# Sourced library: a ledger written by pgbench clients through PgBouncer, to
# prove that a switchover or rollback loses no acknowledged write and to
# measure the longest gap between acknowledged commits.
#
# Each transaction inserts (client, n) into ledger (n counts that client's
# transactions: 1, 2, 3...) with a sequence-keyed id, and updates the
# client's row in counters. pgbench logs every acknowledged transaction, so
# client c's acknowledged writes are exactly (c, 1..acked_c).
#
#   gl_ledger_sql                  print the DDL (load it on blue before create)
#   gl_ledger_start DIR CONNINFO CLIENTS RATE [SECONDS]
#                                  start pgbench in the background (password from
#                                  PGPASSWORD), logs under DIR
#   gl_ledger_stop DIR             stop it (SIGINT) and wait
#   gl_ledger_check DIR PSQL...    print "acked=N lost=N errors=N gap_ms=N"
#                                  (PSQL...: a command that runs SQL given with -c
#                                  on the final primary and prints -At output)
GL_PGBENCH=${GL_PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}

gl_ledger_sql() {
  cat <<'EOF'
CREATE TABLE ledger (id bigserial PRIMARY KEY, client int NOT NULL, n int NOT NULL,
                     at timestamptz NOT NULL DEFAULT now(), UNIQUE (client, n));
CREATE TABLE counters (client int PRIMARY KEY, v bigint NOT NULL DEFAULT 0);
INSERT INTO counters SELECT g, 0 FROM generate_series(0, 63) g;
EOF
}

gl_ledger_start() { # DIR CONNINFO CLIENTS RATE [SECONDS]
  local dir=$1 conninfo=$2 clients=$3 rate=$4 seconds=${5:-3600}
  mkdir -p "$dir"
  printf '%s\n' '\set n :n + 1' 'BEGIN;' \
    'INSERT INTO ledger (client, n) VALUES (:client_id, :n);' \
    'UPDATE counters SET v = v + 1 WHERE client = :client_id;' 'END;' >"$dir/ledger.sql"
  rm -f "$dir"/ledger_log.*
  (cd "$dir" && exec "$GL_PGBENCH" -n -c "$clients" -j 1 -T "$seconds" -R "$rate" -D n=0 \
    -f "$dir/ledger.sql" -l --log-prefix="$dir/ledger_log" "$conninfo" >"$dir/pgbench.out" 2>&1) &
  printf '%s\n' "$!" >"$dir/pgbench.pid"
}

gl_ledger_stop() { # DIR
  local pid
  pid=$(cat "$1/pgbench.pid" 2>/dev/null) || return 0
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$1/pgbench.pid"
}

gl_ledger_check() { # DIR PSQL...
  local dir=$1 values acked lost errors gap
  shift
  # client -> acknowledged count; the commit times, for the longest gap.
  values=$(cat "$dir"/ledger_log.* 2>/dev/null | awk '{n[$1]++} END {for (c in n) printf "%s(%d,%d)", (i++ ? "," : ""), c, n[c]}')
  acked=$(cat "$dir"/ledger_log.* 2>/dev/null | wc -l)
  gap=$(cat "$dir"/ledger_log.* 2>/dev/null | awk 'NF >= 6 && $5 > 1000000000 {printf "%d%06d\n", $5, $6}' | sort -n |
    awk 'NR > 1 && $1 - p > m {m = $1 - p} {p = $1} END {printf "%.1f", m / 1000}')
  errors=$(grep -c -E 'aborted|error|FATAL' "$dir/pgbench.out" || true)
  if [ -z "$values" ]; then
    lost=0
  else
    lost=$("$@" -c "SELECT coalesce(sum(a.acked - (SELECT count(*) FROM ledger l WHERE l.client = a.client AND l.n <= a.acked)), 0) FROM (VALUES $values) AS a (client, acked)")
  fi
  printf 'acked=%s lost=%s errors=%s gap_ms=%s\n' "$acked" "$lost" "$errors" "$gap"
}
