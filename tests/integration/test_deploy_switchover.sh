#!/usr/bin/env bash
# deploy switchover | rollback on a private blue (15) / green (17) pair behind
# PgBouncer (transaction pooling), with pgbench clients writing a ledger
# through PgBouncer the whole time:
#   - switchover and rollback end to end, the dry run, refusals;
#   - greenlight SIGKILLed before every step of both, then re-run;
#   - green stopped mid-switchover, the timeout before the commit point, the
#     admin connection cut mid-PAUSE (greenlight killed while PAUSE waits);
# and after each: exactly one side takes writes, PgBouncer points at it and
# is not paused; at the end no acknowledged write is lost, no client saw an
# error, and blue and green hold the same rows.
. "$(dirname "$0")/lib.sh"
# shellcheck source=../harness/bluegreen.sh
. "$GL_SOURCE_DIR/tests/harness/bluegreen.sh"
# shellcheck source=../harness/pgbouncer.sh
. "$GL_SOURCE_DIR/tests/harness/pgbouncer.sh"
# shellcheck source=../harness/ledger.sh
. "$GL_SOURCE_DIR/tests/harness/ledger.sh"
gl_require_bin

BG=$(mktemp -d /tmp/glsw.XXXXXX)
X=$BG/x
S=$GL_TMP/state
W=$GL_TMP/writer
trap 'rc=$?; gl_ledger_stop "$W"; gl_pgb_stop "$X"; gl_bg_stop "$BG"; rm -rf "$BG"; gl__closing_line $rc' EXIT
gl_bg_start "$BG" || gl_fail "could not start the blue/green pair"
# shellcheck disable=SC1091
. "$BG/bg.env"
export PGPASSWORD=$GL_TEST_PASSWORD
blue_sql() { gl_bg_sql "$BG" blue "$1"; }
green_sql() { gl_bg_sql "$BG" green "$1"; }
gl_pg_psql "$BG/green" postgres -c "CREATE ROLE shop_reporting" >/dev/null
gl_ledger_sql | gl_pg_psql "$BG/blue" app >/dev/null

gl_pgb_init "$X" app "$BG/blue" app
gl_pgb_start "$X"
ADMIN=$(gl_pgb_admin_conninfo "$X")
CLIENT=$(gl_pgb_conninfo "$X" app)
# create checks PgBouncer before changing anything: the alias, the ini entry.
assert_exit 64 "$GL_BIN" deploy create --state "$S" --blue "$BG_BLUE" --green "$BG_GREEN" \
  --pgbouncer "$ADMIN" --pgbouncer-ini "$X/pgbouncer.ini" --pgbouncer-db nosuch
assert_contains "$(cat "$GL_LAST_ERR")" 'PgBouncer has no database "nosuch" (SHOW DATABASES)'
sed "s|^app = host=$BG/blue |app = host=$BG/green |" "$X/pgbouncer.ini" >"$GL_TMP/elsewhere.ini"
assert_exit 64 "$GL_BIN" deploy create --state "$S" --blue "$BG_BLUE" --green "$BG_GREEN" \
  --pgbouncer "$ADMIN" --pgbouncer-ini "$GL_TMP/elsewhere.ini" --pgbouncer-db app
assert_contains "$(cat "$GL_LAST_ERR")" "PgBouncer's entry app in $GL_TMP/elsewhere.ini points at host=$BG/green "
assert_contains "$(cat "$GL_LAST_ERR")" "not at blue (host=$BG/blue "
assert_eq "" "$(green_sql "SELECT subname FROM pg_subscription")" "nothing was changed"
assert_eq "" "$(blue_sql "SELECT pubname FROM pg_publication")" "nothing was changed on blue"
assert_exit 0 "$GL_BIN" deploy create --state "$S" --blue "$BG_BLUE" --green "$BG_GREEN" \
  --pgbouncer "$ADMIN" --pgbouncer-ini "$X/pgbouncer.ini" --pgbouncer-db app
assert_contains "$(cat "$GL_LAST_ERR")" "pgbouncer: app pooled per transaction, pointing at blue"

printf '{"id":"CHG-7","kind":"major_upgrade","target_version":"17"}\n' >"$GL_TMP/change.json"
# The steps below narrow the gate to one plugin (speed); the whole gate, with
# every plugin and no waiver, authorises a healthy deployment (first checks).
GATE=(--change "$GL_TMP/change.json" --plugins engine_version)
switchover() { "$GL_BIN" deploy switchover --state "$S" "${GATE[@]}" "$@"; }
rollback() { "$GL_BIN" deploy rollback --state "$S" "$@"; }

# serving SIDE: exactly SIDE takes writes, PgBouncer points at it, not paused.
serving() {
  local side=$1 other paused
  [ "$side" = blue ] && other=green || other=blue
  assert_contains "$(gl_pgb_target "$X" app)" "host=$BG/$side " "PgBouncer points at $side"
  paused=$(gl_pgb_admin "$X" "SHOW DATABASES" | awk -F'|' '$1 == "app" {print $12}')
  assert_eq 0 "$paused" "PgBouncer's pool is not paused"
  assert_eq off "$(gl_pg_psql "$BG/$side" app -At -c 'SHOW default_transaction_read_only')" "$side takes writes"
  assert_eq on "$(gl_pg_psql "$BG/$other" app -At -c 'SHOW default_transaction_read_only')" "$other is fenced"
  assert_eq "$([ "$side" = blue ] && echo 15 || echo 17)" \
    "$(psql_pgb -c "SELECT current_setting('server_version_num')::int / 10000")" "clients reach $side"
}
psql_pgb() { "$GL_PSQL" -X -At "$CLIENT" "$@"; }
state() { json_get "$S/deployment.json" .state; }

# --- refusals and the dry run -------------------------------------------------
assert_exit 64 rollback
assert_contains "$(cat "$GL_LAST_ERR")" "deployment app is available: \`deploy rollback\` needs it switchover_completed"
assert_exit 64 "$GL_BIN" deploy rollback --state "$S" --policy x.lua
assert_contains "$(cat "$GL_LAST_ERR")" "a rollback runs no gate"
printf 'return { name = "t", rules = { no = function(input) return gl.hold("held by the test") end } }\n' >"$GL_TMP/hold.lua"
assert_exit 1 "$GL_BIN" deploy switchover --state "$S" --policy "$GL_TMP/hold.lua" --plugins schema
assert_contains "$(cat "$GL_LAST_ERR")" "the gate did not authorise the switchover (exit 1): nothing was changed"
# The gate's evidence, as check writes it (share/doc/evidence.md): every
# format, a signed record and an audit line, for a held gate too.
assert_exit 0 "$GL_BIN" keygen --out "$GL_TMP/key"
assert_exit 1 "$GL_BIN" deploy switchover --state "$S" --policy "$GL_TMP/hold.lua" --plugins schema \
  --format junit,sarif,markdown --out "$GL_TMP/held" --sign-key "$GL_TMP/key" --audit-log "$GL_TMP/audit.log"
for f in report.json report.junit.xml report.sarif report.md decision.json; do
  assert_file_exists "$GL_TMP/held/$f"
done
assert_contains "$(cat "$GL_LAST_OUT")" "<testsuites" "the first format on stdout"
assert_exit 0 "$GL_BIN" verify "$GL_TMP/audit.log" --pub "$GL_TMP/key.pub"
assert_eq "hold deploy switchover" "$(jq -r '.record.decision + " " + .record.verb' "$GL_TMP/audit.log")"
# Evidence that cannot be written stops an authorised switchover before
# anything moves (the audit log here is a directory).
printf 'return { name = "t", rules = {} }\n' >"$GL_TMP/allow.lua"
assert_exit 70 "$GL_BIN" deploy switchover --state "$S" --policy "$GL_TMP/allow.lua" --plugins schema \
  --sign-key "$GL_TMP/key" --audit-log "$GL_TMP"
assert_contains "$(cat "$GL_LAST_ERR")" "the gate did not authorise the switchover (exit 70): nothing was changed"
assert_eq available "$(state)" "failed evidence changes nothing"
# A healthy deployment passes the whole gate (every plugin, the default
# policy, no waiver): greenlight's own publication, subscription and slot are
# not schema differences, and create refreshed green's materialized view.
assert_exit 0 "$GL_BIN" deploy switchover --state "$S" --change "$GL_TMP/change.json" --dry-run --format json --out "$GL_TMP/gate"
assert_eq switchover "$(json_get "$GL_TMP/gate/report.json" .decision.action)" "the whole gate authorises"
assert_eq "" "$(jq -r '.findings[] | select(.severity == "error" or .severity == "critical") | .id' "$GL_TMP/gate/report.json")" "no error finding"
assert_not_contains "$(cat "$GL_TMP/gate/report.json")" "schema.publication" "the deployment's publication is not a schema finding"
assert_eq t "$(green_sql "SELECT relispopulated FROM pg_class WHERE oid = 'shop.daily_revenue'::regclass")" "green's materialized view is populated"
assert_exit 0 switchover --dry-run
assert_contains "$(cat "$GL_LAST_OUT")" "dry run: switchover of deployment app, blue -> green; nothing was changed."
assert_contains "$(cat "$GL_LAST_OUT")" "expected pause of writes: about"
assert_eq available "$(state)" "a dry run changes nothing"

gl_ledger_start "$W" "$CLIENT" 4 40
sleep 1

# --- end to end ------------------------------------------------------------------
assert_exit 0 switchover
out=$(cat "$GL_LAST_OUT")
for step in pause fence lsn catchup sequences slot commit repoint cleanup; do
  assert_contains "$out" "  $step " "step $step is timed"
done
assert_contains "$out" "switchover done in"
assert_eq switchover_completed "$(state)"
serving green
assert_eq greenlight_app_rev "$(blue_sql "SELECT subname FROM pg_subscription")" "blue subscribes to green"
assert_eq "" "$(blue_sql "SELECT slot_name FROM pg_replication_slots")" "the forward slot is gone"
# status after the switchover describes the reverse path and how to roll back.
assert_exit 0 "$GL_BIN" deploy status --state "$S"
out=$(cat "$GL_LAST_OUT")
assert_contains "$out" "deployment app: switchover_completed"
assert_contains "$out" "serving: green (since the switchover; PgBouncer sends clients there)"
assert_contains "$out" "reverse path: blue is kept in sync from green by logical replication
    (publication greenlight_app_rev on green, subscription greenlight_app_rev on blue);"
assert_contains "$out" "roll back: greenlight deploy rollback --state $S"
assert_contains "$out" "subscription greenlight_app_rev on blue: enabled"
assert_contains "$out" "slot greenlight_app_rev on green: active"
assert_contains "$out" "fence: blue read-only"
assert_not_contains "$out" "  ! " "a healthy reverse path has no problem"
assert_exit 0 "$GL_BIN" deploy status --state "$S" --format json
assert_eq "green|green -> blue (reverse)|blue|true|0" \
  "$(jq -r '[.serving, .replication, .fence.side, .fence.read_only, (.problems | length)] | join("|")' "$GL_LAST_OUT")"
assert_eq switchover_completed "$(state)" "status keeps the switchover's state"
assert_exit 0 rollback --format json
assert_eq rolled_back "$(state)"
assert_eq blue "$(json_get "$GL_LAST_OUT" .serving)"
serving blue
assert_eq greenlight_app "$(green_sql "SELECT subname FROM pg_subscription")" "a fresh forward path"

# --- SIGKILL before every step of both, then the same verb again -----------------
# (GL_SWITCH_KILL_STEPS narrows the list while developing; CI runs them all.)
for step in ${GL_SWITCH_KILL_STEPS:-pause fence lsn catchup sequences slot commit repoint cleanup done}; do
  assert_exit 137 env GREENLIGHT_DEPLOY_KILL_AT="switchover:$step" "$GL_BIN" deploy switchover --state "$S" "${GATE[@]}"
  assert_exit 0 switchover
  serving green
  assert_exit 137 env GREENLIGHT_DEPLOY_KILL_AT="rollback:$step" "$GL_BIN" deploy rollback --state "$S"
  assert_exit 0 rollback
  serving blue
done

# --- faults ------------------------------------------------------------------------
# Green stops while blue is fenced: undone within the timeout, blue serves.
green_dir=$BG/green
assert_exit 69 env GREENLIGHT_DEPLOY_HOOK_AT=switchover:catchup \
  GREENLIGHT_DEPLOY_HOOK_CMD="runuser -u postgres -- $(gl_pg_bindir 17)/pg_ctl -D $green_dir/data -m immediate stop >/dev/null 2>&1 || $(gl_pg_bindir 17)/pg_ctl -D $green_dir/data -m immediate stop" \
  timeout 60 "$GL_BIN" deploy switchover --state "$S" "${GATE[@]}" --timeout 10
assert_contains "$(cat "$GL_LAST_ERR")" "switchover during step catchup. Blue serves, PgBouncer resumed; undoing the rest failed" "the abort says who serves"
assert_contains "$(gl_pgb_target "$X" app)" "host=$BG/blue " "PgBouncer still at blue"
assert_eq off "$(blue_sql 'SHOW default_transaction_read_only')" "blue unfenced"
gl_pg_start "$green_dir"
assert_exit 0 switchover
assert_contains "$(cat "$GL_LAST_ERR")" "before its commit point: undoing it" "the next run finishes the undo first"
serving green
assert_exit 0 rollback
serving blue

# The timeout runs out before the commit point: green's apply worker waits on
# a lock, so green never reaches blue's final position. Everything undone.
gpsql="$GL_PSQL -X -q -h $green_dir -p $(gl_pg_port "$green_dir") -U postgres -d app"
bpsql="$GL_PSQL -X -q -h $BG/blue -p $(gl_pg_port "$BG/blue") -U postgres -d app"
assert_exit 69 env GREENLIGHT_DEPLOY_HOOK_AT=switchover:pause \
  GREENLIGHT_DEPLOY_HOOK_CMD="($gpsql -c 'SET default_transaction_read_only = off' -c 'BEGIN' -c 'LOCK TABLE shop.categories IN ACCESS EXCLUSIVE MODE' -c 'SELECT pg_sleep(8)' -c 'COMMIT' >/dev/null 2>&1 &) ; sleep 0.5; $bpsql -c \"INSERT INTO shop.categories VALUES (950, 'waits for a lock on green')\"" \
  "$GL_BIN" deploy switchover --state "$S" "${GATE[@]}" --timeout 2
assert_contains "$(cat "$GL_LAST_ERR")" "the 2 s timeout ran out"
assert_contains "$(cat "$GL_LAST_ERR")" "Everything was undone: blue serves, PgBouncer resumed"
assert_eq rolled_back "$(state)" "the state before the attempt"
serving blue
assert_eq t "$(green_sql "SELECT subenabled FROM pg_subscription WHERE subname = 'greenlight_app'")" "the forward subscription still runs"

# The admin connection is cut mid-PAUSE: greenlight killed while PAUSE waits
# for an open transaction; the next verb (status) resumes the pool.
assert_exit 137 env GREENLIGHT_DEPLOY_HOOK_AT=switchover:pause \
  GREENLIGHT_DEPLOY_HOOK_CMD="($GL_PSQL -X -q -c 'SELECT pg_sleep(4)' '$CLIENT' >/dev/null 2>&1 &); sleep 0.5; (sleep 1; kill -9 \$PPID) >/dev/null 2>&1 &" \
  "$GL_BIN" deploy switchover --state "$S" "${GATE[@]}"
assert_contains "$(cat "$GL_LAST_ERR")" "running the test hook"
sleep 4
assert_eq 1 "$(gl_pgb_admin "$X" "SHOW DATABASES" | awk -F'|' '$1 == "app" {print $12}')" "the pool is left paused"
assert_exit 0 "$GL_BIN" deploy status --state "$S"
assert_contains "$(cat "$GL_LAST_ERR")" "before its commit point: undoing it"
serving blue

# --- the ledger ----------------------------------------------------------------------
sleep 1
gl_ledger_stop "$W"
res=$(gl_ledger_check "$W" gl_pg_psql "$BG/blue" app -At)
printf 'ledger: %s\n' "$res"
assert_contains "$res" "lost=0 " "no acknowledged write lost"
assert_contains "$res" "errors=0 " "no client saw an error"
[ "$(echo "$res" | sed 's/.*acked=\([0-9]*\).*/\1/')" -gt 100 ] || gl_fail "too few transactions: $res"
sum="SELECT count(*) || ':' || sum(hashtext(l::text)) FROM ledger l"
for _ in $(seq 1 100); do
  [ "$(blue_sql "$sum")" = "$(green_sql "$sum")" ] && break
  sleep 0.2
done
assert_eq "$(blue_sql "$sum")" "$(green_sql "$sum")" "blue and green hold the same ledger"
assert_eq "$(blue_sql "SELECT sum(v) FROM counters")" "$(green_sql "SELECT sum(v) FROM counters")" "and the same counters"
for f in "$S"/*; do assert_not_contains "$(cat "$f")" "$GL_TEST_PASSWORD" "password in $f"; done
