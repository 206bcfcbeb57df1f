# shellcheck shell=bash
# Sourced library: a throwaway PgBouncer (Debian 1.18) in front of a harness
# PostgreSQL (tests/harness/pg.sh), for deploy tests, the bench and the demo.
#
# A bouncer lives in one short directory DIR:
#   DIR/pgbouncer.ini   the configuration (greenlight rewrites its [databases]
#                       entry on switchover; RELOAD re-reads it)
#   DIR/userlist.txt    postgres / $GL_TEST_PASSWORD (clients authenticate
#                       with scram-sha-256; PgBouncer reaches the servers over
#                       their Unix sockets, where the harness trusts)
#   DIR/.s.PGSQL.PORT   socket       DIR/pgbouncer.log   log
#   DIR/pgbouncer.pid   pid          DIR/gl-pgb.env      port
# It runs as the 'postgres' OS user when we are root, like pg.sh's servers.
# pool_mode is transaction unless told otherwise (a switchover refuses session
# mode: PAUSE would wait for every client to disconnect).
#
# Functions return non-zero with a message on stderr; none of them exits.
#   gl_pgb_init DIR ALIAS SERVER_DIR DBNAME [POOL_MODE]
#                                write the ini: [databases] ALIAS -> the pg.sh
#                                server in SERVER_DIR, database DBNAME
#   gl_pgb_start DIR             start (daemon); on a port clash pick another
#   gl_pgb_stop DIR              stop (SIGINT, then SIGKILL); never fails
#   gl_pgb_port DIR              print the port
#   gl_pgb_conninfo DIR ALIAS    print a client conninfo (no password: use
#                                PGPASSWORD=$GL_TEST_PASSWORD)
#   gl_pgb_admin_conninfo DIR    print the admin console conninfo
#   gl_pgb_admin DIR COMMAND     run one admin console command through psql
#   gl_pgb_target DIR ALIAS      print the ALIAS line of [databases]

gl_pgb__err() { printf 'pgbouncer.sh: %s\n' "$*" >&2; }

GL_PGBOUNCER=${GL_PGBOUNCER:-/usr/sbin/pgbouncer}

gl_pgb_port() {
  local line
  line=$(grep '^port=' "$1/gl-pgb.env" 2>/dev/null) || { gl_pgb__err "$1 is not a harness bouncer dir"; return 1; }
  printf '%s\n' "${line#port=}"
}

gl_pgb__write_ini() { # DIR ALIAS SERVER_DIR DBNAME POOL_MODE PORT
  local dir=$1 alias=$2 sdir=$3 db=$4 mode=$5 port=$6 sport
  sport=$(gl_pg_port "$sdir") || return 1
  cat >"$dir/pgbouncer.ini" <<EOF
; Written by tests/harness/pgbouncer.sh: a throwaway PgBouncer for tests.
[databases]
$alias = host=$sdir port=$sport dbname=$db

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir = $dir
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
admin_users = postgres
pool_mode = $mode
default_pool_size = 20
max_client_conn = 200
server_login_retry = 1
server_connect_timeout = 5
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
log_connections = 0
log_disconnections = 0
EOF
  printf 'port=%s\n' "$port" >"$dir/gl-pgb.env"
}

gl_pgb_init() { # DIR ALIAS SERVER_DIR DBNAME [POOL_MODE]
  local dir=$1 alias=$2 sdir=$3 db=$4 mode=${5:-transaction} port
  [ $# -ge 4 ] || { gl_pgb__err "usage: gl_pgb_init DIR ALIAS SERVER_DIR DBNAME [POOL_MODE]"; return 1; }
  [ -x "$GL_PGBOUNCER" ] || { gl_pgb__err "no PgBouncer at $GL_PGBOUNCER: run tests/harness/install-deps.sh as root"; return 1; }
  if [ ${#dir} -gt 80 ]; then
    gl_pgb__err "bouncer dir '$dir' is too long for a Unix socket path (keep it under 80 chars)"
    return 1
  fi
  mkdir -p "$dir" || return 1
  chmod 755 "$dir"
  port=$(gl_pg_free_port) || return 1
  printf '"postgres" "%s"\n' "$GL_TEST_PASSWORD" >"$dir/userlist.txt"
  chmod 600 "$dir/userlist.txt"
  gl_pgb__write_ini "$dir" "$alias" "$sdir" "$db" "$mode" "$port" || return 1
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$dir" || return 1; fi
  return 0
}

gl_pgb_start() { # DIR
  local dir=$1 tries port
  for ((tries = 0; tries < 5; tries++)); do
    rm -f "$dir/pgbouncer.log"
    if gl_pg__as_user "$GL_PGBOUNCER" -d -q "$dir/pgbouncer.ini" >"$dir/start.log" 2>&1; then
      # -d returns once the config is read; wait for the socket.
      port=$(gl_pgb_port "$dir") || return 1
      for ((i = 0; i < 100; i++)); do
        [ -S "$dir/.s.PGSQL.$port" ] && return 0
        grep -q -E 'Address already in use|FATAL' "$dir/pgbouncer.log" 2>/dev/null && break
        sleep 0.05
      done
    fi
    if grep -q 'Address already in use' "$dir/pgbouncer.log" "$dir/start.log" 2>/dev/null; then
      gl_pgb_stop "$dir"
      port=$(gl_pg_free_port) || return 1
      sed -i "s/^listen_port = .*/listen_port = $port/" "$dir/pgbouncer.ini"
      printf 'port=%s\n' "$port" >"$dir/gl-pgb.env"
      continue
    fi
    break
  done
  gl_pgb__err "could not start PgBouncer in $dir:"
  tail -n 20 "$dir/start.log" "$dir/pgbouncer.log" >&2 2>/dev/null
  return 1
}

gl_pgb_stop() { # DIR
  local dir=$1 pid i
  [ -f "$dir/pgbouncer.pid" ] || return 0
  pid=$(cat "$dir/pgbouncer.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pgbouncer ]; then
    kill -INT "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do
      [ -d "/proc/$pid" ] || break
      sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/pgbouncer.pid"
  return 0
}

gl_pgb_conninfo() { # DIR ALIAS
  local port
  port=$(gl_pgb_port "$1") || return 1
  printf 'host=%s port=%s user=postgres dbname=%s\n' "$1" "$port" "$2"
}

gl_pgb_admin_conninfo() { gl_pgb_conninfo "$1" pgbouncer; }

gl_pgb_admin() { # DIR COMMAND
  local port
  port=$(gl_pgb_port "$1") || return 1
  PGPASSWORD=$GL_TEST_PASSWORD "$GL_PSQL" -X -q -At -h "$1" -p "$port" -U postgres -d pgbouncer -c "$2"
}

gl_pgb_target() { # DIR ALIAS
  grep "^$2 = " "$1/pgbouncer.ini"
}
