#!/usr/bin/env bash
# The ctest fixture 'clusters': blue = PostgreSQL 15, green = PostgreSQL 17,
# both with the Pagila sample database loaded.
#
#   clusters.sh start STATE_DIR   start both, load Pagila, write STATE_DIR/env.sh
#   clusters.sh stop  STATE_DIR   stop both, remove everything; never fails
#   clusters.sh clone STATE_DIR blue|green NAME   CREATE DATABASE NAME from Pagila
#
# Servers live in a short temp dir under /tmp (socket paths must be short, and
# the server user may not reach a root-owned checkout); STATE_DIR/env.sh says
# where. On each side:
#   pagila_template  Pagila as loaded, connections refused so it can always
#                    serve as a CREATE DATABASE template (gl_clone_db)
#   pagila           a copy tests may read; give writers their own clone
# Env: GL_PAGILA_DIR (default <repo>/../shared/datasets/pagila).
set -euo pipefail

HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$HARNESS_DIR/../.." && pwd)
# shellcheck source=pg.sh
. "$HARNESS_DIR/pg.sh"

say() { printf 'clusters: %s\n' "$*"; }
die() {
  printf 'clusters: ERROR: %s\n' "$*" >&2
  exit 1
}

usage() { die "usage: clusters.sh start|stop STATE_DIR | clone STATE_DIR blue|green NAME"; }

# Prints the temp dir a state dir points at (empty if none).
run_dir_of() {
  if [ -f "$1/run_dir" ]; then cat "$1/run_dir"; fi
}

do_stop() {
  local state=$1 run side
  run=$(run_dir_of "$state")
  if [ -n "$run" ] && [ -d "$run" ]; then
    for side in blue green; do
      [ -d "$run/$side" ] && gl_pg_stop "$run/$side"
    done
    rm -rf "$run"
  fi
  rm -rf "$state"
  say "stopped ($state)"
  return 0
}

# Runs in a background subshell per side: init, start, load Pagila.
setup_side() { # SIDE VERSION DIR PAGILA_DIR
  local side=$1 version=$2 dir=$3 pagila=$4 t0=$SECONDS
  gl_pg_init "$side" "$version" "$dir" auto || return 1
  gl_pg_start "$dir" || return 1
  gl_pg_psql "$dir" postgres -c "CREATE DATABASE pagila_template" || return 1
  gl_pg_load_sql "$dir" pagila_template "$pagila/pagila-schema.sql" "$pagila/pagila-data.sql" || return 1
  gl_pg_psql "$dir" pagila_template -c "ANALYZE" || return 1
  gl_pg_psql "$dir" postgres \
    -c "ALTER DATABASE pagila_template WITH IS_TEMPLATE true ALLOW_CONNECTIONS false" \
    -c "CREATE DATABASE pagila TEMPLATE pagila_template" || return 1
  say "$side: PostgreSQL $version on port $(gl_pg_port "$dir"), Pagila loaded in $((SECONDS - t0))s"
}

do_start() {
  local state=$1 pagila run t0=$SECONDS blue_pid green_pid rc=0 side
  pagila=${GL_PAGILA_DIR:-$REPO_DIR/../shared/datasets/pagila}
  if [ ! -f "$pagila/pagila-schema.sql" ] || [ ! -f "$pagila/pagila-data.sql" ]; then
    die "Pagila dataset not found at $pagila: integration tests need ../shared/datasets/pagila (set GL_PAGILA_DIR)"
  fi
  pagila=$(cd "$pagila" && pwd)
  gl_pg_bindir 15 >/dev/null || die "PostgreSQL 15 missing: run tests/harness/install-deps.sh as root"
  gl_pg_bindir 17 >/dev/null || die "PostgreSQL 17 missing: run tests/harness/install-deps.sh as root"
  [ -x "$GL_PSQL" ] || die "psql not found at $GL_PSQL"

  # A previous run may have been killed: stop what it left.
  [ -d "$state" ] && do_stop "$state" >/dev/null
  mkdir -p "$state"
  run=$(mktemp -d /tmp/gl-clusters.XXXXXX)
  chmod 755 "$run"
  printf '%s\n' "$run" >"$state/run_dir"

  # Both sides load at once: the load is most of the time and is one core each.
  setup_side blue 15 "$run/blue" "$pagila" >"$run/blue.setup.log" 2>&1 &
  blue_pid=$!
  setup_side green 17 "$run/green" "$pagila" >"$run/green.setup.log" 2>&1 &
  green_pid=$!
  wait "$blue_pid" || rc=1
  wait "$green_pid" || rc=1
  cat "$run/blue.setup.log" "$run/green.setup.log"
  if [ $rc -ne 0 ]; then
    do_stop "$state" >/dev/null
    die "could not start the clusters (see the messages above)"
  fi

  local blue_port green_port
  blue_port=$(gl_pg_port "$run/blue")
  green_port=$(gl_pg_port "$run/green")
  cat >"$state/env.sh.tmp" <<EOF
# Written by tests/harness/clusters.sh start: source it to reach the servers.
export GL_CLUSTER_RUN_DIR='$run'
export GL_BLUE_HOST='$run/blue'
export GL_BLUE_PORT='$blue_port'
export GL_BLUE_DATA='$run/blue/data'
export GL_BLUE_LOG='$run/blue/log/server.log'
export GL_GREEN_HOST='$run/green'
export GL_GREEN_PORT='$green_port'
export GL_GREEN_DATA='$run/green/data'
export GL_GREEN_LOG='$run/green/log/server.log'
export GL_PG15_BIN='$GL_PG15_BIN'
export GL_PG17_BIN='$GL_PG17_BIN'
export GL_PSQL='$GL_PSQL'
export GL_TEST_PASSWORD='$GL_TEST_PASSWORD'
export GL_PAGILA_DIR='$pagila'
export GL_BLUE='host=$run/blue port=$blue_port user=postgres dbname=pagila'
export GL_GREEN='host=$run/green port=$green_port user=postgres dbname=pagila'
export GL_BLUE_TCP='host=127.0.0.1 port=$blue_port user=postgres dbname=pagila'
export GL_GREEN_TCP='host=127.0.0.1 port=$green_port user=postgres dbname=pagila'
EOF
  mv "$state/env.sh.tmp" "$state/env.sh"
  say "ready in $((SECONDS - t0))s: blue 15 on $blue_port, green 17 on $green_port; env: $state/env.sh"
}

do_clone() { # STATE SIDE NAME
  local state=$1 side=$2 name=$3
  [ -f "$state/env.sh" ] || die "no clusters running for $state (run: clusters.sh start $state)"
  # shellcheck disable=SC1091
  . "$state/env.sh"
  case "$side" in
    blue) gl_pg_clone_db "$GL_BLUE_HOST" "$GL_BLUE_PORT" "$name" ;;
    green) gl_pg_clone_db "$GL_GREEN_HOST" "$GL_GREEN_PORT" "$name" ;;
    *) die "side must be blue or green, got '$side'" ;;
  esac
}

[ $# -ge 2 ] || usage
cmd=$1
state=$2
case "$state" in
  /*) ;;
  *) state=$(pwd)/$state ;;
esac
case "$cmd" in
  start) do_start "$state" ;;
  stop) do_stop "$state" ;;
  clone)
    [ $# -eq 4 ] || usage
    do_clone "$state" "$3" "$4"
    ;;
  *) usage ;;
esac
