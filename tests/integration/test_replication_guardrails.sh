#!/usr/bin/env bash
# The replication plugin's guardrails on a real deployment (deploy create on
# a private 15/17 pair behind PgBouncer): healthy -> no finding; then DDL on
# blue, an unfenced green with a writer, a long transaction, large objects,
# an unpopulated materialized view and clients that bypass PgBouncer each
# give their finding with measured value and threshold, and the default
# policy holds on each.
. "$(dirname "$0")/lib.sh"
# shellcheck source=../harness/bluegreen.sh
. "$GL_SOURCE_DIR/tests/harness/bluegreen.sh"
# shellcheck source=../harness/pgbouncer.sh
. "$GL_SOURCE_DIR/tests/harness/pgbouncer.sh"
gl_require_bin

BG=$(mktemp -d /tmp/glrg.XXXXXX)
X=$BG/x
trap 'rc=$?; kill $(jobs -p) 2>/dev/null || true; gl_pgb_stop "$X"; gl_bg_stop "$BG"; rm -rf "$BG"; gl__closing_line $rc' EXIT
gl_bg_start "$BG" || gl_fail "could not start the blue/green pair"
# shellcheck disable=SC1091
. "$BG/bg.env"
export PGPASSWORD=$GL_TEST_PASSWORD
gl_pgb_init "$X" app "$BG/blue" app
gl_pgb_start "$X" || gl_fail "could not start PgBouncer"
blue_sql() { gl_bg_sql "$BG" blue "$1"; }
green_sql() { gl_bg_sql "$BG" green "$1"; }
gate() { # OUTDIR [ARGS...]: the gate with the replication plugin only
  local out=$1
  shift
  "$GL_BIN" check --no-color --plugins replication --out "$out" --blue "$BG_BLUE" --green "$BG_GREEN" "$@"
}
finding() { # REPORT CODE JQ
  json_get "$1" "[.findings[] | select(.code == \"$2\")] | .[0] | $3"
}

green_sql "CREATE ROLE shop_reporting"
# Not a deployment yet: the plugin has nothing to guard, so it is skipped
# (with why), and a gate whose only check was skipped measured nothing: it
# holds (70), it does not authorise.
assert_exit 70 gate "$GL_TMP/none"
assert_eq 0 "$(json_get "$GL_TMP/none/report.json" '.findings | length')"
assert_eq skipped "$(json_get "$GL_TMP/none/report.json" '.plugins[0].status')"
assert_contains "$(json_get "$GL_TMP/none/report.json" '.plugins[0].error')" "no logical replication to guard"
assert_contains "$(json_get "$GL_TMP/none/report.json" '.errors[0].message')" "every check was skipped, so nothing was measured"

blue_sql "CREATE MATERIALIZED VIEW shop.category_count AS SELECT count(*) AS n FROM shop.categories"
assert_exit 0 "$GL_BIN" deploy create --blue "$BG_BLUE" --green "$BG_GREEN" --state "$GL_TMP/state" \
  --pgbouncer "$(gl_pgb_admin_conninfo "$X")" --pgbouncer-ini "$X/pgbouncer.ini" --pgbouncer-db app

# The schema copy leaves materialized views empty on green; create refreshes
# the ones blue has populated.
assert_contains "$(cat "$GL_LAST_ERR")" "matviews: refreshed 2 materialized view(s) on green (not replicated)"
assert_eq t "$(green_sql "SELECT bool_and(relispopulated) FROM pg_class WHERE relkind = 'm'")" "green's materialized views are populated"
# One emptied on green: hold until refreshed.
gl_pg_psql "$BG/green" app -c "SET default_transaction_read_only = off" \
  -c "REFRESH MATERIALIZED VIEW shop.category_count WITH NO DATA" >/dev/null
assert_exit 1 gate "$GL_TMP/mv"
r=$GL_TMP/mv/report.json
assert_eq error "$(finding "$r" replication.matview.needs_refresh .severity)"
assert_eq shop.category_count "$(finding "$r" replication.matview.needs_refresh .object)"
assert_contains "$(json_get "$r" '.decision.reasons[].message')" "replication.matview.needs_refresh:shop.category_count"
assert_eq 1 "$(json_get "$r" '[.findings[] | select(.code == "replication.matview.needs_refresh")] | length')" "only the emptied one"
gl_pg_psql "$BG/green" app -c "SET default_transaction_read_only = off" \
  -c "REFRESH MATERIALIZED VIEW shop.category_count" >/dev/null

# Healthy deployment: every guardrail passes.
assert_exit 0 gate "$GL_TMP/ok"
assert_eq 0 "$(json_get "$GL_TMP/ok/report.json" '.findings | length')" "a healthy deployment has no finding"
assert_eq switchover "$(json_get "$GL_TMP/ok/report.json" .decision.action)"

# DDL on blue after create: named per table, critical, holds.
blue_sql "ALTER TABLE shop.products ADD COLUMN weight_g int"
assert_exit 1 gate "$GL_TMP/ddl"
r=$GL_TMP/ddl/report.json
assert_eq critical "$(finding "$r" replication.ddl_drift .severity)"
assert_eq shop.products "$(finding "$r" replication.ddl_drift .object)"
assert_eq hold "$(json_get "$r" .decision.action)"
gl_pg_psql "$BG/green" app -c "SET default_transaction_read_only = off" \
  -c "ALTER TABLE shop.products ADD COLUMN weight_g int" >/dev/null

# Large objects on blue are not replicated.
blue_sql "SELECT lo_create(0)" >/dev/null
assert_exit 1 gate "$GL_TMP/lo"
r=$GL_TMP/lo/report.json
assert_eq 1 "$(finding "$r" replication.large_objects .details.measured)"
assert_eq 0 "$(finding "$r" replication.large_objects .details.threshold)"
blue_sql "SELECT lo_unlink(oid) FROM pg_largeobject_metadata" >/dev/null

# A long transaction on blue, against a 1 s limit from the plugin's config.
printf '{"plugins": {"replication": {"max_transaction_seconds": 1}}}' >"$GL_TMP/cfg.json"
gl_pg_psql "$BG/blue" app -c "BEGIN" -c "SELECT txid_current()" -c "SELECT pg_sleep(6)" -c "COMMIT" >/dev/null &
sleeper=$!
sleep 3
assert_exit 1 gate "$GL_TMP/long" --config "$GL_TMP/cfg.json"
r=$GL_TMP/long/report.json
assert_eq 1 "$(finding "$r" replication.blue.long_transaction .details.threshold)"
assert_eq true "$(json_get "$r" '[.findings[] | select(.code == "replication.blue.long_transaction")] | .[0].details.measured >= 2')"
wait "$sleeper"

# Unknown config keys are errors (the run holds, never authorises).
printf '{"plugins": {"replication": {"max_lag": 1}}}' >"$GL_TMP/bad.json"
rc=0
gate "$GL_TMP/bad" --config "$GL_TMP/bad.json" >/dev/null 2>&1 || rc=$?
assert_eq 70 "$rc" "a bad plugin config fails the plugin"
assert_contains "$(json_get "$GL_TMP/bad/report.json" '.errors[].message')" 'unknown config key "max_lag"'

# Green unfenced and written to by a client: critical.
gl_pg_psql "$BG/green" postgres -c "ALTER SYSTEM RESET default_transaction_read_only" -c "SELECT pg_reload_conf()" >/dev/null
gl_pg_psql "$BG/green" app -c "BEGIN" -c "SELECT txid_current()" -c "SELECT pg_sleep(5)" -c "COMMIT" >/dev/null &
writer=$!
sleep 2
assert_exit 1 gate "$GL_TMP/unfenced"
r=$GL_TMP/unfenced/report.json
assert_eq critical "$(finding "$r" replication.green.unfenced .severity)"
assert_eq 1 "$(finding "$r" replication.green.writes .details.measured)"
wait "$writer"

# The subscription disabled: critical; named config for the deployment works too.
gl_pg_psql "$BG/green" app -c "ALTER SUBSCRIPTION greenlight_app DISABLE" >/dev/null
printf '{"plugins": {"replication": {"subscription": "greenlight_app"}}}' >"$GL_TMP/named.json"
assert_exit 1 gate "$GL_TMP/disabled" --config "$GL_TMP/named.json"
assert_eq critical "$(finding "$GL_TMP/disabled/report.json" replication.subscription.disabled .severity)"
gl_pg_psql "$BG/green" app -c "ALTER SUBSCRIPTION greenlight_app ENABLE" >/dev/null
printf '{"plugins": {"replication": {"subscription": "nosuch"}}}' >"$GL_TMP/wrong.json"
assert_exit 1 gate "$GL_TMP/wrong" --config "$GL_TMP/wrong.json"
assert_eq nosuch "$(finding "$GL_TMP/wrong/report.json" replication.subscription.missing .object)"

gl_pg_psql "$BG/green" postgres -c "ALTER SYSTEM SET default_transaction_read_only = on" -c "SELECT pg_reload_conf()" >/dev/null

# --- clients that bypass PgBouncer ---------------------------------------------
# create wrote the gate's config: PgBouncer's server connections (none yet).
CFG=$GL_TMP/state/gate-config.json
assert_eq app "$(json_get "$CFG" .plugins.replication.endpoint.pgbouncer_db)"
assert_eq 0 "$(json_get "$CFG" '.plugins.replication.endpoint.server_pids | length')"
CLIENT=$(gl_pgb_conninfo "$X" app)
# A client through PgBouncer: its server connection stays in the pool.
"$GL_PSQL" -X -At "$CLIENT application_name=pooled" -c "SELECT 1" >/dev/null
pooled=$(blue_sql "SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = 'app' AND pid <> pg_backend_pid()")
assert_exit 0 "$GL_BIN" deploy status --state "$GL_TMP/state" --format json
assert_eq "$pooled" "$(json_get "$CFG" '.plugins.replication.endpoint.server_pids | map(tostring) | join(",")')" "status refreshed PgBouncer's server pids"
assert_exit 0 gate "$GL_TMP/pooled" --config "$CFG"
assert_eq 0 "$(json_get "$GL_TMP/pooled/report.json" '.findings | length')" "PgBouncer's own connections are not a bypass"

# Two clients straight to blue (Unix socket and TCP), idle in a sleep.
gl_pg_psql "$BG/blue" app -c "SET application_name = 'direct-socket'" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
"$GL_PSQL" -X -At "$BG_BLUE_TCP application_name=direct-tcp" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
for _ in $(seq 1 50); do
  [ "$(blue_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'direct-%'")" = 2 ] && break
  sleep 0.1
done
direct_pid=$(blue_sql "SELECT pid FROM pg_stat_activity WHERE application_name = 'direct-tcp'")
assert_exit 1 gate "$GL_TMP/bypass" --config "$CFG"
r=$GL_TMP/bypass/report.json
assert_eq error "$(finding "$r" replication.endpoint.bypassed .severity)"
assert_eq blue "$(finding "$r" replication.endpoint.bypassed .object)"
assert_eq 2 "$(finding "$r" replication.endpoint.bypassed .details.measured)"
assert_eq 0 "$(finding "$r" replication.endpoint.bypassed .details.threshold)"
assert_eq app "$(finding "$r" replication.endpoint.bypassed .details.pgbouncer_db)"
assert_eq "direct-socket,direct-tcp" "$(finding "$r" replication.endpoint.bypassed '[.details.sessions[].application_name] | sort | join(",")')"
assert_eq "127.0.0.1" "$(finding "$r" replication.endpoint.bypassed '.details.sessions[] | select(.application_name == "direct-tcp") | .address')"
assert_eq "$direct_pid" "$(finding "$r" replication.endpoint.bypassed '.details.sessions[] | select(.application_name == "direct-tcp") | .pid')"
assert_eq local "$(finding "$r" replication.endpoint.bypassed '.details.sessions[] | select(.application_name == "direct-socket") | .address')"
assert_contains "$(finding "$r" replication.endpoint.bypassed .message)" "2 client session(s) on blue bypass PgBouncer"
assert_contains "$(finding "$r" replication.endpoint.bypassed .message)" "a switchover repoints PgBouncer's database app only"
assert_contains "$(json_get "$r" '.decision.reasons[].message')" "replication.endpoint.bypassed"
# The switchover's own gate sees them too and changes nothing.
assert_exit 1 "$GL_BIN" deploy switchover --state "$GL_TMP/state" --plugins replication --out "$GL_TMP/sw"
assert_contains "$(cat "$GL_LAST_ERR")" "the gate did not authorise the switchover (exit 1): nothing was changed"
assert_eq 2 "$(finding "$GL_TMP/sw/report.json" replication.endpoint.bypassed .details.measured)"
assert_eq available "$(json_get "$GL_TMP/state/deployment.json" .state)"
# Without the endpoint (a plain check) there is nothing to compare against.
assert_exit 0 gate "$GL_TMP/plain"
blue_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'direct-%'" >/dev/null
wait
assert_exit 0 gate "$GL_TMP/gone" --config "$CFG"
assert_eq 0 "$(json_get "$GL_TMP/gone/report.json" '.findings | length')" "no bypass once they are gone"

# The pool grows while the switchover's gate runs (clients arriving through PgBouncer under
# load): the server connections opened after the gate read PgBouncer's are not a bypass,
# because the gate reads SHOW SERVERS again after blue's sessions. The switchover pauses
# right after writing the gate's config; two transactions through PgBouncer then need a
# second server connection. A policy that always holds keeps the deployment as it is.
printf 'return { name = "t", rules = { always = function(input) return gl.hold("test: hold") end } }\n' >"$GL_TMP/hold.lua"
GREENLIGHT_DEPLOY_PAUSE_AT=switchover:gate-config GREENLIGHT_DEPLOY_PAUSE_FILE=$GL_TMP/paused \
  "$GL_BIN" deploy switchover --state "$GL_TMP/state" --plugins replication --policy "$GL_TMP/hold.lua" \
  --out "$GL_TMP/grown" >"$GL_TMP/grown.out" 2>&1 &
sw=$!
for _ in $(seq 1 200); do [ -e "$GL_TMP/paused" ] && break; sleep 0.05; done
[ -e "$GL_TMP/paused" ] || gl_fail "the switchover never reached its pause point: $(cat "$GL_TMP/grown.out")"
grown_before=$(json_get "$CFG" '.plugins.replication.endpoint.server_pids | length')
for i in 1 2; do
  "$GL_PSQL" -X -At "$CLIENT application_name=grown$i" -c "BEGIN" -c "SELECT pg_sleep(4)" -c "COMMIT" >/dev/null 2>&1 &
done
for _ in $(seq 1 100); do
  [ "$(blue_sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = 'app' AND state = 'active' AND query LIKE '%pg_sleep(4)%' AND pid <> pg_backend_pid()")" = 2 ] && break
  sleep 0.05
done
grown=$(blue_sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = 'app' AND pid <> pg_backend_pid()")
[ "$grown" -gt "$grown_before" ] || gl_fail "the pool did not grow during the pause ($grown_before -> $grown server connections)"
rm -f "$GL_TMP/paused"
rc=0
wait "$sw" || rc=$?
assert_eq 1 "$rc" "the test policy holds: $(cat "$GL_TMP/grown.out")"
assert_eq 0 "$(json_get "$GL_TMP/grown/report.json" '[.findings[] | select(.code == "replication.endpoint.bypassed")] | length')" \
  "server connections PgBouncer opened while the gate ran are not a bypass"
assert_contains "$(json_get "$GL_TMP/grown/report.json" '.decision.reasons[].message')" "test: hold"
assert_eq available "$(json_get "$GL_TMP/state/deployment.json" .state)"
wait

# A malformed endpoint is refused by name.
printf '{"plugins": {"replication": {"endpoint": {"pgbouncer_db": "app", "server_pids": [], "pids": 1}}}}' >"$GL_TMP/ep.json"
assert_exit 70 gate "$GL_TMP/ep" --config "$GL_TMP/ep.json"
assert_contains "$(json_get "$GL_TMP/ep/report.json" '.errors[].message')" 'unknown config key "endpoint.pids"'
printf '{"plugins": {"replication": {"endpoint": {"pgbouncer_db": "app"}}}}' >"$GL_TMP/ep2.json"
assert_exit 70 gate "$GL_TMP/ep2" --config "$GL_TMP/ep2.json"
assert_contains "$(json_get "$GL_TMP/ep2/report.json" '.errors[].message')" 'config "endpoint" needs pgbouncer_db and server_pids'

assert_exit 0 "$GL_BIN" deploy cleanup --state "$GL_TMP/state"
