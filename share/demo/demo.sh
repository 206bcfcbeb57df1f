#!/usr/bin/env bash
# greenlight demo: the whole blue/green story, one command, on a fresh Debian 12, as root.
#
#   bash share/demo/demo.sh
#
#  1. installs what is missing (tests/harness/install-deps.sh)
#  2. builds greenlight (release, in build/)
#  3. starts blue = PostgreSQL 15 (production, the demo shop from share/demo/demo-db.sql)
#     and green = PostgreSQL 17 (empty) in a temp dir, and PgBouncer (transaction
#     pooling) in front of blue: the one endpoint clients use
#  4. on green, makes the change declared in share/demo/change.json (work_mem = 64MB,
#     with the major upgrade to 17)
#  5. greenlight deploy create: schema copy, publication, subscription, initial sync,
#     green fenced; then greenlight deploy status
#  6. starts writers: pgbench clients writing a ledger through PgBouncer, all along
#  7. greenlight deploy switchover: the gate (every check, the default policy) prints
#     its decision; authorised, greenlight pauses PgBouncer, fences blue, waits for
#     green, repoints PgBouncer to green and resumes; deploy status shows the reverse path
#  8. greenlight deploy rollback: back to blue over the reverse replication
#  9. stops the writers and counts: acknowledged writes missing on blue (must be 0),
#     client errors, the longest gap between acknowledged commits
# 10. greenlight deploy cleanup; stops every server, whatever happened
#
# It exits 0 when the story ran: the gate's decision is shown (when it does not
# authorise, the demo stops there and says why); non-zero if the build, the
# servers or greenlight fail, or a write was lost. Env: GL_DEMO_OUT (the gate's
# report dir, default ./greenlight-demo-report), GL_BUILD_DIR (default
# <repo>/build), GL_DEMO_SKIP_BUILD=1 (use the greenlight already built in
# GL_BUILD_DIR), GL_DEMO_WRITERS (pgbench clients, default 4), GL_DEMO_RATE
# (their transactions/s in total, default 100).
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${GL_BUILD_DIR:-$REPO_DIR/build}
OUT_DIR=${GL_DEMO_OUT:-$PWD/greenlight-demo-report}
CHANGE_FILE=$REPO_DIR/share/demo/change.json
POLICY=$REPO_DIR/policies/default.lua
WRITERS=${GL_DEMO_WRITERS:-4}
RATE=${GL_DEMO_RATE:-100}

say() { printf '\n==> %s\n' "$*"; }
die() {
  printf '\ndemo: ERROR: %s\n' "$*" >&2
  exit 1
}
# Runs greenlight, echoing the command line first (arguments with spaces quoted).
gl() {
  local a line='$ greenlight'
  for a in "$@"; do
    case $a in
      *[[:space:]]* | '') line+=" '$a'" ;;
      *) line+=" $a" ;;
    esac
  done
  printf '%s\n' "$line"
  "$GL_BIN" "$@"
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
# shellcheck source=../../tests/harness/bluegreen.sh
. "$REPO_DIR/tests/harness/bluegreen.sh"
# shellcheck source=../../tests/harness/pgbouncer.sh
. "$REPO_DIR/tests/harness/pgbouncer.sh"
# shellcheck source=../../tests/harness/ledger.sh
. "$REPO_DIR/tests/harness/ledger.sh"
RUN_DIR=$(mktemp -d /tmp/gl-demo.XXXXXX)
chmod 755 "$RUN_DIR"
STATE=$RUN_DIR/state
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local rc=$?
  gl_ledger_stop "$RUN_DIR/writers" 2>/dev/null || true
  gl_pgb_stop "$RUN_DIR/pgb" 2>/dev/null || true
  gl_bg_stop "$RUN_DIR"
  rm -rf "$RUN_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The harness's servers and PgBouncer take this password over TCP; greenlight
# and pgbench read it from the environment, never from a command line.
export PGPASSWORD=$GL_TEST_PASSWORD

say "Starting blue (PostgreSQL 15, the demo shop) and green (PostgreSQL 17, empty) in $RUN_DIR"
gl_bg_start "$RUN_DIR" demo || die "could not start blue and green"
# shellcheck disable=SC1091
. "$RUN_DIR/bg.env"
# Blue's roles must exist on green (on real servers: pg_dumpall --roles-only).
gl_pg_psql "$RUN_DIR/green" postgres -c "CREATE ROLE shop_reporting NOLOGIN" >/dev/null ||
  die "creating blue's role shop_reporting on green failed"
# The ledger the writers fill: one row per acknowledged transaction.
gl_ledger_sql | gl_pg_psql "$RUN_DIR/blue" demo >/dev/null || die "creating the ledger on blue failed"
printf '    blue  %s, port %s: %s orders\n' \
  "$(gl_bg_sql "$RUN_DIR" blue "SHOW server_version" | cut -d' ' -f1)" "$(gl_pg_port "$RUN_DIR/blue")" \
  "$(gl_bg_sql "$RUN_DIR" blue "SELECT count(*) FROM shop.orders")"
printf '    green %s, port %s: empty database\n' \
  "$(gl_bg_sql "$RUN_DIR" green "SHOW server_version" | cut -d' ' -f1)" "$(gl_pg_port "$RUN_DIR/green")"

PGB=$RUN_DIR/pgb
gl_pgb_init "$PGB" demo "$RUN_DIR/blue" demo || die "configuring PgBouncer failed"
gl_pgb_start "$PGB" || die "PgBouncer did not start"
CLIENT=$(gl_pgb_conninfo "$PGB" demo)
printf '    PgBouncer (transaction pooling) on port %s: clients connect to "%s"\n' "$(gl_pgb_port "$PGB")" "$CLIENT"
printf '    %s\n' "$(gl_pgb_target "$PGB" demo)"

# --- 4. the change on green --------------------------------------------------------
say "The change on green: work_mem = 64MB (declared in share/demo/change.json)"
gl_pg_psql "$RUN_DIR/green" postgres -c "ALTER SYSTEM SET work_mem = '64MB'" -c "SELECT pg_reload_conf()" >/dev/null ||
  die "ALTER SYSTEM on green failed"
for _ in $(seq 1 50); do
  [ "$(gl_bg_sql "$RUN_DIR" green "SHOW work_mem")" = 64MB ] && break
  sleep 0.1
done
[ "$(gl_bg_sql "$RUN_DIR" green "SHOW work_mem")" = 64MB ] || die "green did not take work_mem = 64MB"

# --- 5. create the deployment --------------------------------------------------------
say "Creating the deployment: green kept in sync with blue by logical replication"
gl deploy create --state "$STATE" --blue "$BG_BLUE" --green "$BG_GREEN" \
  --pgbouncer "$(gl_pgb_admin_conninfo "$PGB")" --pgbouncer-ini "$PGB/pgbouncer.ini" --pgbouncer-db demo ||
  die "greenlight deploy create failed"
say "Status"
gl deploy status --state "$STATE" || die "greenlight deploy status failed"

# --- 6. writers ------------------------------------------------------------------------
say "Starting $WRITERS writers through PgBouncer ($RATE transactions/s: INSERT into the ledger + UPDATE)"
gl_ledger_start "$RUN_DIR/writers" "$CLIENT" "$WRITERS" "$RATE"
sleep 2

# --- 7. the gate and the switchover --------------------------------------------------------
say "Switchover: the gate decides, then greenlight switches PgBouncer to green under load"
mkdir -p "$OUT_DIR"
rc=0
gl deploy switchover --state "$STATE" --change "$CHANGE_FILE" --policy "$POLICY" --out "$OUT_DIR" || rc=$?
case $rc in
  0) decision="SWITCHOVER (authorised)" ;;
  1) decision="HOLD (not authorised)" ;;
  2) decision="ROLLBACK (recommended)" ;;
  64) die "greenlight reported a usage/configuration error (exit 64)" ;;
  69) die "greenlight could not reach a server, or the switchover timed out and was undone (exit 69)" ;;
  *) die "greenlight failed (exit $rc)" ;;
esac
say "Decision: $decision   (greenlight exit code $rc)"
printf '    Report: %s\n' "$OUT_DIR"
find "$OUT_DIR" -maxdepth 1 -type f -printf '      %f\n' | sort
if [ "$rc" -ne 0 ]; then
  printf '    The gate did not authorise the switchover: nothing was changed, blue still serves.\n'
  exit 0
fi
printf '    clients now reach: PostgreSQL %s\n' \
  "$("$GL_PSQL" -X -At "$CLIENT" -c "SHOW server_version" | cut -d' ' -f1)"
sleep 2
say "Status after the switchover"
gl deploy status --state "$STATE" || die "greenlight deploy status failed"

# --- 8. rollback ---------------------------------------------------------------------------------
say "Rollback: back to blue over the reverse replication, still under load"
gl deploy rollback --state "$STATE" || die "greenlight deploy rollback failed"
printf '    clients now reach: PostgreSQL %s\n' \
  "$("$GL_PSQL" -X -At "$CLIENT" -c "SHOW server_version" | cut -d' ' -f1)"
sleep 2

# --- 9. the ledger --------------------------------------------------------------------------------
say "Stopping the writers; every acknowledged write must be on blue"
gl_ledger_stop "$RUN_DIR/writers"
ledger=$(gl_ledger_check "$RUN_DIR/writers" gl_pg_psql "$RUN_DIR/blue" demo -At)
printf '    ledger: %s\n' "$ledger"
printf '    (acked: transactions pgbench saw committed; lost: of those, missing on blue;\n'
printf '     errors: client errors; gap_ms: the longest wait between two acknowledged commits)\n'
case "$ledger" in
  *" lost=0 errors=0 "*) ;;
  *) die "writes were lost or clients saw errors: $ledger" ;;
esac

# --- 10. cleanup --------------------------------------------------------------------------------------
say "Cleaning up the deployment (subscription, slots, publications, fences)"
gl deploy cleanup --state "$STATE" || die "greenlight deploy cleanup failed"

say "Done: decision $decision; switched over to green and rolled back to blue under load, 0 writes lost"
exit 0
