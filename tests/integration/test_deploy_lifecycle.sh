#!/usr/bin/env bash
# deploy create | status | cleanup against a private blue (15) / green (17)
# pair (tests/harness/bluegreen.sh): prerequisites refused with their fix,
# passwords never recorded or printed, status rebuilt from the servers, DDL
# drift named, the lock, cleanup leaving no slot, and a create killed
# (SIGKILL) at every step that a re-run completes.
. "$(dirname "$0")/lib.sh"
# shellcheck source=../harness/bluegreen.sh
. "$GL_SOURCE_DIR/tests/harness/bluegreen.sh"
gl_require_bin

gl_bg_for_test
S=$GL_TMP/state
PW=$GL_TEST_PASSWORD
blue_sql() { gl_bg_sql "$BG" blue "$1"; }
green_sql() { gl_bg_sql "$BG" green "$1"; }
deploy() { "$GL_BIN" deploy "$@"; }
# An empty database on green again (after cleanup lifted the fence).
reset_green() {
  gl_pg_psql "$BG/green" postgres -c "DROP DATABASE IF EXISTS app WITH (FORCE)" -c "CREATE DATABASE app" >/dev/null
}
no_deployment_objects() { # WHAT
  assert_eq "" "$(blue_sql "SELECT slot_name FROM pg_replication_slots")" "$1: no slot left on blue"
  assert_eq "" "$(blue_sql "SELECT pubname FROM pg_publication")" "$1: no publication left on blue"
  assert_eq "" "$(green_sql "SELECT subname FROM pg_subscription")" "$1: no subscription left on green"
}

# --- prerequisites: refused with the fix, before anything changes ------------
blue_sql "CREATE TABLE shop.audit_log (at timestamptz DEFAULT now(), msg text)"
assert_exit 64 deploy create --blue "$BG_BLUE" --green "$BG_GREEN" --state "$S"
err=$(cat "$GL_LAST_ERR")
assert_contains "$err" "shop.audit_log" "a table without primary key is named"
assert_contains "$err" "REPLICA IDENTITY" "and the fix is given"
assert_contains "$err" "shop_reporting" "a role missing on green is named"
assert_contains "$err" "nothing was changed"
no_deployment_objects "refused create"
[ ! -f "$S/deployment.json" ] || gl_fail "a refused create must not record a deployment"
blue_sql "ALTER TABLE shop.audit_log REPLICA IDENTITY FULL"
green_sql "CREATE ROLE shop_reporting"

blue_sql "CREATE ROLE deployer LOGIN NOSUPERUSER"
assert_exit 64 deploy create --blue "$BG_BLUE user=deployer" --green "$BG_GREEN" --state "$S"
assert_contains "$(cat "$GL_LAST_ERR")" "role deployer is not a superuser; CREATE PUBLICATION ... FOR ALL TABLES needs SUPERUSER"
green_sql "CREATE ROLE deployer LOGIN NOSUPERUSER"

assert_exit 64 deploy create --blue "$BG_BLUE" --green "$BG_BLUE" --state "$S"
assert_contains "$(cat "$GL_LAST_ERR")" "reach the same database"

assert_exit 64 deploy create --blue "$BG_BLUE" --green "$BG_GREEN" --state "$S" --name 'Bad-Name'
assert_contains "$(cat "$GL_LAST_ERR")" "--name \"Bad-Name\""
assert_exit 64 deploy status --state "$S"
assert_contains "$(cat "$GL_LAST_ERR")" "no deployment in $S"
# --timeout is whole seconds in range, for every verb that takes it (one parser).
for bad in 0 '' 10s 604801; do
  assert_exit 64 deploy create --blue "$BG_BLUE" --green "$BG_GREEN" --state "$S" --timeout "$bad"
  assert_contains "$(cat "$GL_LAST_ERR")" "--timeout takes seconds (1 to 604800)"
done
for bad in 0 '' 10s 3601; do
  assert_exit 64 deploy switchover --state "$S" --timeout "$bad"
  assert_contains "$(cat "$GL_LAST_ERR")" "--timeout takes seconds (1 to 3600)"
done
[ ! -f "$S/deployment.json" ] || gl_fail "a bad --timeout must not record a deployment"

# --- create over TCP with passwords: none recorded or printed ----------------
assert_exit 0 deploy create --blue "$BG_BLUE_TCP password=$PW" --green "$BG_GREEN_TCP password=$PW" \
  --state "$S" --format json
assert_eq available "$(json_get "$GL_LAST_OUT" .state)"
assert_eq greenlight_app "$(json_get "$GL_LAST_OUT" .subscription)"
assert_eq /usr/lib/postgresql/15/bin/pg_dump "$(json_get "$GL_LAST_OUT" .schema_copy.pg_dump)" "which pg_dump was used is said"
for f in "$GL_LAST_OUT" "$GL_LAST_ERR" "$S"/*; do
  assert_not_contains "$(cat "$f")" "$PW" "password in $f"
done
assert_eq on "$(gl_pg_psql "$BG/green" app -At -c 'SHOW default_transaction_read_only')" "green is fenced"
assert_exit 1 gl_pg_psql "$BG/green" app -c "INSERT INTO shop.categories VALUES (900, 'by hand')"
assert_contains "$(cat "$GL_LAST_ERR")" "read-only transaction" "clients cannot write to green"
blue_sql "INSERT INTO shop.categories VALUES (901, 'replicated')"
for _ in $(seq 1 50); do
  [ "$(green_sql "SELECT count(*) FROM shop.categories WHERE category_id = 901")" = 1 ] && break
  sleep 0.2
done
assert_eq 1 "$(green_sql "SELECT count(*) FROM shop.categories WHERE category_id = 901")" "the apply worker writes through the fence"

# --- status: passwords from the environment, state from the servers ----------
assert_exit 69 env -u PGPASSWORD "$GL_BIN" deploy status --state "$S"
assert_contains "$(cat "$GL_LAST_ERR")" "blue (" "the unreachable side is named"
assert_exit 0 env PGPASSWORD="$PW" "$GL_BIN" deploy status --state "$S" --format json
out=$GL_TMP/status.json
cp "$GL_LAST_OUT" "$out"
assert_eq available "$(json_get "$out" .state)"
assert_eq 6 "$(json_get "$out" .subscription.tables_ready)"
assert_eq 6 "$(json_get "$out" .subscription.tables_total)"
assert_eq true "$(json_get "$out" .fence.read_only)"
assert_eq green "$(json_get "$out" .fence.side)"
assert_eq blue "$(json_get "$out" .serving)"
assert_eq "blue -> green" "$(json_get "$out" .replication)"
assert_eq reserved "$(json_get "$out" .slot.wal_status)"
assert_eq number "$(json_get "$out" '.lag.bytes | type')"
assert_eq 0 "$(json_get "$out" '.ddl_drift | length')"
assert_not_contains "$(cat "$out")" "$PW"
export PGPASSWORD=$PW

# DDL on blue after create: degraded, the object named, the repair given.
blue_sql "ALTER TABLE shop.products ADD COLUMN weight_g int"
assert_exit 0 deploy status --state "$S"
assert_contains "$(cat "$GL_LAST_OUT")" "deployment app: degraded"
assert_contains "$(cat "$GL_LAST_OUT")" "shop.products.weight_g (column) added"
assert_contains "$(cat "$GL_LAST_OUT")" "ALTER SUBSCRIPTION greenlight_app REFRESH PUBLICATION"
assert_eq degraded "$(json_get "$S/deployment.json" .state)" "the record follows the servers"
gl_pg_psql "$BG/green" app -c "SET default_transaction_read_only = off" \
  -c "ALTER TABLE shop.products ADD COLUMN weight_g int" >/dev/null
assert_exit 0 deploy status --state "$S" --format json
assert_eq available "$(json_get "$GL_LAST_OUT" .state)" "repaired on green: available again"

# The lock: a second greenlight on the same state dir is refused.
flock "$S/lock" sleep 3 &
locker=$!
sleep 0.5
assert_exit 69 deploy status --state "$S"
assert_contains "$(cat "$GL_LAST_ERR")" "is working on the deployment in $S"
wait "$locker"

# A record edited by hand is refused (unknown key).
cp "$S/deployment.json" "$GL_TMP/record.bak"
jq '.blue.password = "x"' "$GL_TMP/record.bak" >"$S/deployment.json"
assert_exit 64 deploy status --state "$S"
assert_contains "$(cat "$GL_LAST_ERR")" "unknown key \"blue.password\""
cp "$GL_TMP/record.bak" "$S/deployment.json"

# --- cleanup: killed after the subscription, re-run leaves nothing -----------
assert_exit 137 env GREENLIGHT_DEPLOY_KILL_AT=cleanup.subscription "$GL_BIN" deploy cleanup --state "$S"
assert_eq deleting "$(json_get "$S/deployment.json" .state)"
assert_exit 0 deploy cleanup --state "$S"
no_deployment_objects "cleanup"
assert_eq off "$(gl_pg_psql "$BG/green" app -At -c 'SHOW default_transaction_read_only')" "fence lifted"
[ ! -f "$S/deployment.json" ] || gl_fail "cleanup removes the record"

# --- green not empty: refused, naming why ------------------------------------
assert_exit 64 deploy create --blue "$BG_BLUE" --green "$BG_GREEN" --state "$S"
assert_contains "$(cat "$GL_LAST_ERR")" "on green has rows"
assert_exit 0 deploy cleanup --state "$S"

# --- SIGKILL at every step of create, then a re-run completes ----------------
for point in prerequisites schema.unrecorded publication.unrecorded subscription.unrecorded \
  sync.unrecorded fence.unrecorded; do
  reset_green
  assert_exit 137 env GREENLIGHT_DEPLOY_KILL_AT=$point "$GL_BIN" deploy create --blue "$BG_BLUE" \
    --green "$BG_GREEN" --state "$S"
  assert_exit 0 deploy create --state "$S"
  assert_eq "available" "$(json_get "$S/deployment.json" .state)" "killed at $point, re-run"
  assert_eq 6 "$(green_sql "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate = 'r'")" "killed at $point: every table ready"
  assert_eq 1 "$(blue_sql "SELECT count(*) FROM pg_replication_slots")" "killed at $point: one slot, no orphan"
  assert_exit 0 deploy cleanup --state "$S"
  no_deployment_objects "killed at $point"
done

# --- green unreachable mid-create: clear error, record kept, re-run completes -
reset_green
assert_exit 137 env GREENLIGHT_DEPLOY_KILL_AT=publication "$GL_BIN" deploy create --blue "$BG_BLUE" \
  --green "$BG_GREEN" --state "$S"
gl_pg_stop "$BG/green"
assert_exit 69 deploy create --state "$S"
assert_contains "$(cat "$GL_LAST_ERR")" "green ("
assert_contains "$(cat "$GL_LAST_ERR")" "is unavailable"
assert_eq publication "$(json_get "$S/deployment.json" '.steps | keys_unsorted | last')" "the record keeps what was done"
gl_pg_start "$BG/green"
assert_exit 0 deploy create --state "$S"
assert_exit 0 deploy cleanup --state "$S"
no_deployment_objects "after green came back"
