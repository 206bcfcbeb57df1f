#!/usr/bin/env bash
# greenlight demo: one command, on a fresh Debian 12, as root.
#
#   bash share/demo/demo.sh
#
# 1. installs what is missing (tests/harness/install-deps.sh)
# 2. builds greenlight (release, in build/)
# 3. starts blue = PostgreSQL 15 and green = PostgreSQL 17 in a temp dir,
#    loads the demo shop (share/demo/demo-db.sql) into a database 'demo' on both
# 4. on green, makes the change the operator declares in share/demo/change.json
#    (work_mem = 64MB, with the major upgrade to 17)
# 5. runs 'greenlight check' and prints the decision and where the report is
# 6. stops both servers, whatever happened
#
# It exits 0 once a decision is shown, whichever it is; non-zero if the build,
# the servers or greenlight itself fail. Env: GL_DEMO_OUT (report dir, default
# ./greenlight-demo-report), GL_BUILD_DIR (default <repo>/build),
# GL_DEMO_SKIP_BUILD=1 (use the greenlight already built in GL_BUILD_DIR).
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${GL_BUILD_DIR:-$REPO_DIR/build}
OUT_DIR=${GL_DEMO_OUT:-$PWD/greenlight-demo-report}
CHANGE_FILE=$REPO_DIR/share/demo/change.json
DEMO_SQL=$REPO_DIR/share/demo/demo-db.sql

say() { printf '\n==> %s\n' "$*"; }
die() {
  printf '\ndemo: ERROR: %s\n' "$*" >&2
  exit 1
}

# --- 1. dependencies -------------------------------------------------------------
say "Checking dependencies"
if [ "$(id -u)" -eq 0 ]; then
  bash "$REPO_DIR/tests/harness/install-deps.sh" || die "installing dependencies failed"
else
  bash "$REPO_DIR/tests/harness/install-deps.sh" --check ||
    die "dependencies are missing: run this demo as root (or 'sudo bash tests/harness/install-deps.sh' first)"
fi

# --- 2. build --------------------------------------------------------------------
if [ "${GL_DEMO_SKIP_BUILD:-0}" = 1 ]; then
  say "Using the existing build in $BUILD_DIR"
else
  say "Building greenlight (release) in $BUILD_DIR"
  mkdir -p "$BUILD_DIR"
  cmake -S "$REPO_DIR" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DGL_TESTS=OFF >"$BUILD_DIR/demo-build.log" 2>&1 || {
    tail -n 40 "$BUILD_DIR/demo-build.log" >&2
    die "cmake configure failed (full log: $BUILD_DIR/demo-build.log)"
  }
  cmake --build "$BUILD_DIR" -j"$(nproc 2>/dev/null || echo 2)" >>"$BUILD_DIR/demo-build.log" 2>&1 || {
    tail -n 40 "$BUILD_DIR/demo-build.log" >&2
    die "build failed (full log: $BUILD_DIR/demo-build.log)"
  }
fi
GL_BIN=$BUILD_DIR/bin/greenlight
[ -x "$GL_BIN" ] || die "build produced no $GL_BIN"

# --- 3. servers ------------------------------------------------------------------
# shellcheck source=../../tests/harness/pg.sh
. "$REPO_DIR/tests/harness/pg.sh"
RUN_DIR=$(mktemp -d /tmp/gl-demo.XXXXXX)
chmod 755 "$RUN_DIR"
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local rc=$?
  gl_pg_stop "$RUN_DIR/blue" 2>/dev/null || true
  gl_pg_stop "$RUN_DIR/green" 2>/dev/null || true
  rm -rf "$RUN_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Starting blue (PostgreSQL 15) and green (PostgreSQL 17) in $RUN_DIR"
gl_pg_init blue 15 "$RUN_DIR/blue" auto || die "initdb of blue failed"
gl_pg_init green 17 "$RUN_DIR/green" auto || die "initdb of green failed"
gl_pg_start "$RUN_DIR/blue" || die "blue did not start"
gl_pg_start "$RUN_DIR/green" || die "green did not start"
for side in blue green; do
  gl_pg_psql "$RUN_DIR/$side" postgres -c "CREATE DATABASE demo" || die "CREATE DATABASE demo on $side failed"
  gl_pg_load_sql "$RUN_DIR/$side" demo "$DEMO_SQL" || die "loading $DEMO_SQL on $side failed"
  printf '    %-5s %s, port %s: %s orders loaded\n' "$side" \
    "$(gl_pg_psql "$RUN_DIR/$side" demo -A -t -c "SHOW server_version" | cut -d' ' -f1)" \
    "$(gl_pg_port "$RUN_DIR/$side")" \
    "$(gl_pg_psql "$RUN_DIR/$side" demo -A -t -c "SELECT count(*) FROM shop.orders")"
done

# --- 4. the change on green --------------------------------------------------------
say "Applying the change on green: work_mem = 64MB (declared in share/demo/change.json)"
gl_pg_psql "$RUN_DIR/green" demo -c "ALTER SYSTEM SET work_mem = '64MB'" -c "SELECT pg_reload_conf()" >/dev/null ||
  die "ALTER SYSTEM on green failed"
# The reload is asynchronous: wait until new sessions see it.
for _ in $(seq 1 50); do
  [ "$(gl_pg_psql "$RUN_DIR/green" demo -A -t -c "SHOW work_mem")" = 64MB ] && break
  sleep 0.1
done
[ "$(gl_pg_psql "$RUN_DIR/green" demo -A -t -c "SHOW work_mem")" = 64MB ] || die "green did not take work_mem = 64MB"
printf '    blue work_mem = %s, green work_mem = %s\n' \
  "$(gl_pg_psql "$RUN_DIR/blue" demo -A -t -c "SHOW work_mem")" \
  "$(gl_pg_psql "$RUN_DIR/green" demo -A -t -c "SHOW work_mem")"

# --- 5. greenlight check -------------------------------------------------------------
BLUE=$(gl_pg_conninfo "$RUN_DIR/blue" demo)
GREEN=$(gl_pg_conninfo "$RUN_DIR/green" demo)
mkdir -p "$OUT_DIR"
args=(check --blue "$BLUE" --green "$GREEN" --change "$CHANGE_FILE" --format text --out "$OUT_DIR")
if [ -f "$REPO_DIR/policies/default.lua" ]; then
  args+=(--policy "$REPO_DIR/policies/default.lua")
fi
say "Running: greenlight ${args[*]}"
rc=0
"$GL_BIN" "${args[@]}" || rc=$?

case $rc in
  0) decision="SWITCHOVER (authorised)" ;;
  1) decision="HOLD (not authorised)" ;;
  2) decision="ROLLBACK (recommended)" ;;
  64) die "greenlight reported a usage/configuration error (exit 64)" ;;
  69) die "greenlight could not reach a server (exit 69)" ;;
  *) die "greenlight failed (exit $rc)" ;;
esac

say "Decision: $decision   (greenlight exit code $rc)"
printf '    Report: %s\n' "$OUT_DIR"
find "$OUT_DIR" -maxdepth 1 -type f -printf '      %f\n' | sort
exit 0
