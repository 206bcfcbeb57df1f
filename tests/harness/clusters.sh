#!/usr/bin/env bash
# The ctest fixture 'clusters': blue = PostgreSQL 15, green = PostgreSQL 17,
# both with greenlight's own test database (tests/data/gltest) loaded, and
# Pagila too when its files are there.
#
#   clusters.sh start STATE_DIR   start both, load the datasets, write STATE_DIR/env.sh
#   clusters.sh stop  STATE_DIR   stop both, remove everything; never fails
#   clusters.sh clone STATE_DIR blue|green NAME [DATASET]
#                                 CREATE DATABASE NAME from DATASET (default gltest)
#
# Servers live in a short temp dir under /tmp (socket paths must be short, and
# the server user may not reach a root-owned checkout); STATE_DIR/env.sh says
# where. On each side, for each dataset D (gltest always, pagila if present):
#   D_template  D as loaded and analyzed, connections refused so it can always
#               serve as a CREATE DATABASE template (gl_clone_db)
#   D           a copy tests may read; give writers their own clone
# Pagila is optional: it is loaded when GL_PAGILA_DIR (default
# <repo>/../shared/datasets/pagila) holds pagila-schema.sql and pagila-data.sql.
# Without it env.sh says GL_HAVE_PAGILA=0 and why (GL_PAGILA_SKIP_REASON), and
# the Pagila tests skip. An explicit GL_PAGILA_DIR without the files is an error.
# See tests/README-data.md.
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

usage() { die "usage: clusters.sh start|stop STATE_DIR | clone STATE_DIR blue|green NAME [DATASET]"; }

GLTEST_DIR=$REPO_DIR/tests/data/gltest

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

# load_dataset DIR NAME FILE...: NAME_template from FILEs, analyzed and
# frozen as a template, and NAME, a copy of it.
load_dataset() {
  local dir=$1 name=$2
  shift 2
  gl_pg_psql "$dir" postgres -c "CREATE DATABASE ${name}_template" || return 1
  gl_pg_load_sql "$dir" "${name}_template" "$@" || return 1
  gl_pg_psql "$dir" "${name}_template" -c "VACUUM ANALYZE" || return 1
  gl_pg_psql "$dir" postgres \
    -c "ALTER DATABASE ${name}_template WITH IS_TEMPLATE true ALLOW_CONNECTIONS false" \
    -c "CREATE DATABASE $name TEMPLATE ${name}_template" || return 1
}

# Runs in a background subshell per side: init, start, load the datasets.
setup_side() { # SIDE VERSION DIR PAGILA_DIR (empty: no Pagila)
  local side=$1 version=$2 dir=$3 pagila=$4 t0=$SECONDS t1
  gl_pg_init "$side" "$version" "$dir" auto || return 1
  gl_pg_start "$dir" || return 1
  load_dataset "$dir" gltest "$GLTEST_DIR/schema.sql" "$GLTEST_DIR/data.sql" "$GLTEST_DIR/post.sql" || return 1
  say "$side: PostgreSQL $version on port $(gl_pg_port "$dir"), gltest loaded in $((SECONDS - t0))s"
  if [ -n "$pagila" ]; then
    t1=$SECONDS
    load_dataset "$dir" pagila "$pagila/pagila-schema.sql" "$pagila/pagila-data.sql" || return 1
    say "$side: Pagila loaded in $((SECONDS - t1))s"
  fi
}

do_start() {
  local state=$1 pagila="" have_pagila=0 skip_reason="" run t0=$SECONDS blue_pid green_pid rc=0 side
  if [ -n "${GL_PAGILA_DIR:-}" ]; then
    # Asked for by name: missing files are a mistake to report, not to skip.
    [ -f "$GL_PAGILA_DIR/pagila-schema.sql" ] && [ -f "$GL_PAGILA_DIR/pagila-data.sql" ] ||
      die "GL_PAGILA_DIR=$GL_PAGILA_DIR has no pagila-schema.sql and pagila-data.sql: fix the path or unset GL_PAGILA_DIR"
    pagila=$(cd "$GL_PAGILA_DIR" && pwd)
  elif [ -f "$REPO_DIR/../shared/datasets/pagila/pagila-schema.sql" ] &&
    [ -f "$REPO_DIR/../shared/datasets/pagila/pagila-data.sql" ]; then
    pagila=$(cd "$REPO_DIR/../shared/datasets/pagila" && pwd)
  fi
  if [ -n "$pagila" ]; then
    have_pagila=1
  else
    skip_reason="Pagila not found at $REPO_DIR/../shared/datasets/pagila (set GL_PAGILA_DIR to a directory with pagila-schema.sql and pagila-data.sql to run the Pagila suite)"
    say "Pagila suite skipped: $skip_reason"
  fi
  for f in schema.sql data.sql post.sql; do
    [ -r "$GLTEST_DIR/$f" ] || die "test database file $GLTEST_DIR/$f is missing: the checkout is incomplete"
  done
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
# Datasets: gltest always; pagila when GL_HAVE_PAGILA=1 (tests/README-data.md).
# GL_BLUE & co. name gltest; a test run for Pagila (GL_DATASET=pagila) gets them
# renamed by tests/integration/lib.sh.
export GL_DB='gltest'
export GL_BLUE='host=$run/blue port=$blue_port user=postgres dbname=gltest'
export GL_GREEN='host=$run/green port=$green_port user=postgres dbname=gltest'
export GL_BLUE_TCP='host=127.0.0.1 port=$blue_port user=postgres dbname=gltest'
export GL_GREEN_TCP='host=127.0.0.1 port=$green_port user=postgres dbname=gltest'
export GL_DATASETS='gltest${pagila:+ pagila}'
export GL_HAVE_PAGILA='$have_pagila'
export GL_PAGILA_DIR='$pagila'
export GL_PAGILA_SKIP_REASON='$skip_reason'
EOF
  mv "$state/env.sh.tmp" "$state/env.sh"
  say "ready in $((SECONDS - t0))s: blue 15 on $blue_port, green 17 on $green_port; env: $state/env.sh"
}

do_clone() { # STATE SIDE NAME [DATASET]
  local state=$1 side=$2 name=$3 dataset=${4:-gltest}
  [ -f "$state/env.sh" ] || die "no clusters running for $state (run: clusters.sh start $state)"
  # shellcheck disable=SC1091
  . "$state/env.sh"
  case "$side" in
    blue) gl_pg_clone_db "$GL_BLUE_HOST" "$GL_BLUE_PORT" "$name" "${dataset}_template" ;;
    green) gl_pg_clone_db "$GL_GREEN_HOST" "$GL_GREEN_PORT" "$name" "${dataset}_template" ;;
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
    [ $# -eq 4 ] || [ $# -eq 5 ] || usage
    do_clone "$state" "$3" "$4" "${5:-gltest}"
    ;;
  *) usage ;;
esac
