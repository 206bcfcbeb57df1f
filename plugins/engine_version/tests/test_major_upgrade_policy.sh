#!/usr/bin/env bash
# policies/major_upgrade.lua through the real CLI and servers: gltest 15 -> 17
# is authorised; a downgrade rolls back; a column pg_upgrade refuses blocks
# (hold) with its fix in the reason; a table green never analyzed needs a
# human (hold, with the vacuumdb command); info findings are no reason; a
# change targeting another major holds.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$GL_SOURCE_DIR/tests/integration/check_lib.sh"
gl_require_bin

POLICY=$GL_SOURCE_DIR/policies/major_upgrade.lua
printf '{"id":"CHG-15-17","kind":"major_upgrade","target_version":"17"}' >"$GL_TMP/change.json"
decide() { # EXIT OUTDIR ARGS...
  local want=$1 out=$2
  shift 2
  assert_exit "$want" "$GL_BIN" check --no-color --policy "$POLICY" --change "$GL_TMP/change.json" \
    --out "$out" "$@"
  assert_report_valid "$out/report.json"
}
reason_of() { # REPORT FINDING-ID: the message of the reason naming it
  json_get "$1" "[.decision.reasons[] | select(.findings | index(\"$2\"))] | .[0].message"
}

blue=$(gl_conninfo blue "$GL_DB")
green=$(gl_conninfo green "$GL_DB")

# --- gltest 15 -> 17, every check: nothing blocks, nothing needs a human ---
decide 0 "$GL_TMP/ok" --blue "$blue" --green "$green"
r=$GL_TMP/ok/report.json
assert_eq switchover "$(json_get "$r" .decision.action)"
assert_eq 1 "$(json_get "$r" '[.findings[] | select(.code == "engine_version.parameter.default_changed")] | length')" "info findings are listed"
assert_eq 0 "$(json_get "$r" '[.decision.reasons[] | select(.action != "switchover")] | length')"

# --- downgrade: rollback ---
decide 2 "$GL_TMP/down" --plugins engine_version --blue "$green" --green "$blue"
r=$GL_TMP/down/report.json
assert_eq rollback "$(json_get "$r" .decision.action)"
assert_contains "$(reason_of "$r" engine_version.downgrade:server)" "Fix: Do not switch"

# --- a column pg_upgrade refuses: blocker, with the fix ---
b=$(gl_clone_db blue "$(gl_unique_name mup_b)")
gl_sql blue "$b" "CREATE TABLE jobs (id int, handler regprocedure)" >/dev/null
decide 1 "$GL_TMP/reg" --plugins engine_version --blue "$(gl_conninfo blue "$b")" --green "$green"
r=$GL_TMP/reg/report.json
assert_eq hold "$(json_get "$r" .decision.action)"
m=$(reason_of "$r" engine_version.upgrade.reg_type:public.jobs.handler)
assert_contains "$m" "blocker engine_version.upgrade.reg_type:public.jobs.handler"
assert_contains "$m" "Fix: Store the name instead"
assert_eq blockers "$(json_get "$r" '[.decision.reasons[] | select(.findings | index("engine_version.upgrade.reg_type:public.jobs.handler"))] | .[0].rule')"

# --- green never analyzed a table blue did: a human runs ANALYZE first ---
sb=$(gl_clone_db blue "$(gl_unique_name mup_sb)")
sg=$(gl_clone_db green "$(gl_unique_name mup_sg)")
for side in blue green; do
  db=$sb
  [ "$side" = green ] && db=$sg
  gl_sql "$side" "$db" "CREATE TABLE fresh (id int) WITH (autovacuum_enabled = false);
    INSERT INTO fresh SELECT generate_series(1, 500)" >/dev/null
done
gl_sql blue "$sb" "ANALYZE fresh" >/dev/null
decide 1 "$GL_TMP/stats" --plugins engine_version --blue "$(gl_conninfo blue "$sb")" --green "$(gl_conninfo green "$sg")"
r=$GL_TMP/stats/report.json
m=$(reason_of "$r" "engine_version.statistics.missing:$sg")
assert_contains "$m" "needs a human"
assert_contains "$m" "Fix: On green: vacuumdb --analyze-in-stages --dbname=$sg"
assert_eq 1 "$(json_get "$r" '[.decision.reasons[] | select(.action == "hold")] | length')" "the only hold"
assert_eq 0 "$(json_get "$r" '[.decision.reasons[].findings[] | select(startswith("engine_version.parameter.default_changed"))] | length')" "info is no reason"
gl_sql green "$sg" "ANALYZE fresh" >/dev/null
decide 0 "$GL_TMP/stats_fixed" --plugins engine_version --blue "$(gl_conninfo blue "$sb")" --green "$(gl_conninfo green "$sg")"

# --- the change targets 16, green runs 17 ---
printf '{"id":"CHG-15-16","kind":"major_upgrade","target_version":"16"}' >"$GL_TMP/change.json"
decide 1 "$GL_TMP/target" --plugins engine_version --blue "$blue" --green "$green"
assert_contains "$(reason_of "$GL_TMP/target/report.json" engine_version.major_upgrade:server)" "targets PostgreSQL 16 but green runs 17"
