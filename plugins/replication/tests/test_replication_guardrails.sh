#!/usr/bin/env bash
# The replication plugin's guardrails on a real deployment (deploy create on
# a private 15/17 pair): healthy -> no finding; then DDL on blue, an unfenced
# green with a writer, a long transaction, large objects and an unpopulated
# materialized view each give their finding with measured value and
# threshold, and the default policy holds on each.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
# shellcheck source=../../../tests/harness/bluegreen.sh
. "$GL_SOURCE_DIR/tests/harness/bluegreen.sh"
gl_require_bin

gl_bg_for_test
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
# Not a deployment yet: the plugin has nothing to guard.
assert_exit 0 gate "$GL_TMP/none"
assert_eq 0 "$(json_get "$GL_TMP/none/report.json" '.findings | length')"

blue_sql "CREATE MATERIALIZED VIEW shop.category_count AS SELECT count(*) AS n FROM shop.categories"
assert_exit 0 "$GL_BIN" deploy create --blue "$BG_BLUE" --green "$BG_GREEN" --state "$GL_TMP/state"

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

assert_exit 0 "$GL_BIN" deploy cleanup --state "$GL_TMP/state"
