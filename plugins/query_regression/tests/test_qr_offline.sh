#!/usr/bin/env bash
# Offline (snapshot) checks hold where they once authorised:
# - a workload configured on one side only (a snapshot taken without it) holds;
# - thresholds an offline run is given go through the same validation as a
#   live run's (confidence 1.5 once silenced a regression);
# - facts with a wrong type or a missing section are a plugin error (hold),
#   never "no queries";
# - unknown config keys are refused with the nearest known one.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$GL_SOURCE_DIR/tests/integration/check_lib.sh"
. "$(dirname "$0")/qr_lib.sh"
gl_require_bin

a=$(gl_clone_db blue "$(gl_unique_name qr_off_a)")
b=$(gl_clone_db blue "$(gl_unique_name qr_off_b)")
cat >"$GL_TMP/workload.json" <<'JSON'
{"format": "greenlight-workload/1", "queries": [
  {"name": "genres", "sql": "SELECT genre_id, name FROM genre ORDER BY genre_id"}
]}
JSON
qr_config "$GL_TMP/config.json" "$GL_TMP/workload.json" '.samples = 3 | .warmup = 0'
snap() { # DB OUT [CONFIG]
  "$GL_BIN" snapshot --target "$(gl_conninfo blue "$1")" -o "$2" --plugins query_regression \
    ${3:+--config "$3"} >/dev/null 2>&1 || gl_fail "snapshot of $1 failed"
}
snap "$a" "$GL_TMP/a.json" "$GL_TMP/config.json"
snap "$b" "$GL_TMP/b.json" "$GL_TMP/config.json"
snap "$b" "$GL_TMP/b-none.json"
offline() { # OUT BLUE GREEN [CONFIG]
  "$GL_BIN" check --no-color --out "$1" --plugins query_regression ${4:+--config "$4"} \
    --blue "$2" --green "$3" >"$1.stdout" 2>&1
}

# plugin_error OUT BLUE GREEN [CONFIG] EXPECTED: the run holds on the plugin's error
# (exit 70 today; 64 if the engine comes to call it a configuration error).
plugin_error() {
  local rc=0
  offline "$1" "$2" "$3" "${4:-}" || rc=$?
  case $rc in 64 | 70) ;; *) gl_fail "expected a plugin error (exit 64/70), got $rc: $(cat "$1.stdout")" ;; esac
  assert_eq hold "$(json_get "$1/report.json" .decision.action)" "the decision is hold"
  assert_contains "$(json_get "$1/report.json" '[.errors[].message] | join(" ")')" "$5"
}

# The two snapshots with the workload agree: switchover.
assert_exit 0 offline "$GL_TMP/ok" "$GL_TMP/a.json" "$GL_TMP/b.json"

# Green's snapshot was taken without the workload: hold, naming what happened.
assert_exit 1 offline "$GL_TMP/one" "$GL_TMP/a.json" "$GL_TMP/b-none.json"
r=$GL_TMP/one/report.json
assert_report_valid "$r"
assert_eq query_regression.one_side_only "$(qr_codes_for "$r" workload)"
assert_eq error "$(json_get "$r" '.findings[] | select(.code == "query_regression.one_side_only") | .severity')"
assert_contains "$(json_get "$r" '.findings[] | select(.code == "query_regression.one_side_only") | .message')" "only blue ran the workload"

# A case only one side has holds too (both directions).
jq '.plugins.query_regression.facts.cases[0].name = "renamed"' "$GL_TMP/b.json" >"$GL_TMP/b-renamed.json"
assert_exit 1 offline "$GL_TMP/renamed" "$GL_TMP/a.json" "$GL_TMP/b-renamed.json"
r=$GL_TMP/renamed/report.json
assert_eq query_regression.one_side_only "$(qr_codes_for "$r" genres)" "blue-only case"
assert_eq query_regression.one_side_only "$(qr_codes_for "$r" renamed)" "green-only case"

# Offline thresholds: the same validation as live.
jq -n '{plugins: {query_regression: {confidence: 1.5}}}' >"$GL_TMP/conf15.json"
plugin_error "$GL_TMP/c15" "$GL_TMP/a.json" "$GL_TMP/b.json" "$GL_TMP/conf15.json" "confidence must be a number in [0.5, 0.999999]"
assert_report_valid "$GL_TMP/c15/report.json"
# ... and a snapshot whose own settings or thresholds are out of range.
jq '.plugins.query_regression.facts.settings.confidence = 1.5' "$GL_TMP/b.json" >"$GL_TMP/b-conf.json"
plugin_error "$GL_TMP/sc" "$GL_TMP/a.json" "$GL_TMP/b-conf.json" "" "green facts: settings.confidence must be a number"
jq '.plugins.query_regression.facts.cases[0].thresholds.effect_tolerance = 0.5' "$GL_TMP/a.json" >"$GL_TMP/a-tol.json"
plugin_error "$GL_TMP/tol" "$GL_TMP/a-tol.json" "$GL_TMP/b.json" "" "blue facts: cases[0].thresholds.effect_tolerance"

# Facts of the wrong shape: a plugin error, not "nothing to compare".
for edit in '.cases = "none"' 'del(.cases)' '.cases[0].latency_ms = "fast"' '.cases[0].latency_ms = ["x"]' \
  'del(.statistics)' '.enabled = "yes"' '.cases[0].name = 5'; do
  jq ".plugins.query_regression.facts |= ($edit)" "$GL_TMP/b.json" >"$GL_TMP/b-bad.json"
  plugin_error "$GL_TMP/bad" "$GL_TMP/a.json" "$GL_TMP/b-bad.json" "" "green facts:"
  rm -rf "$GL_TMP/bad" "$GL_TMP/bad.stdout"
done

# An unknown config key is refused before anything runs (exit 64, no report),
# with the JSON path and the nearest known key.
jq -n '{plugins: {query_regression: {sample: 5}}}' >"$GL_TMP/typo.json"
assert_exit 64 offline "$GL_TMP/typo" "$GL_TMP/a.json" "$GL_TMP/b.json" "$GL_TMP/typo.json"
assert_contains "$(cat "$GL_TMP/typo.stdout")" '$.plugins.query_regression.sample: unknown member (did you mean "samples"?)'

# A pass that only the noise made a pass (green x1.5 slower, the shift within the effect
# floor because the within-pass spread is wide) vouches for the plan as it was, not for a
# new one: with the plan unchanged it is an info finding (within_noise) and the run
# authorises; with the plan changed it is plan_changed_unmeasured, an error the default
# policy holds on. Blue: median 10 ms, MAD 4 ms in each pass; green the same times x1.5.
lat='.cases[0].latency_ms = [10, 14, 6, 10, 14, 6, 10] | .cases[0].latency_split = 3'
jq ".plugins.query_regression.facts |= ($lat)" "$GL_TMP/a.json" >"$GL_TMP/a-noisy.json"
jq ".plugins.query_regression.facts |= ($lat | .cases[0].latency_ms |= map(. * 1.5))" \
  "$GL_TMP/b.json" >"$GL_TMP/b-noisy.json"
assert_exit 0 offline "$GL_TMP/noisy" "$GL_TMP/a-noisy.json" "$GL_TMP/b-noisy.json"
assert_eq query_regression.within_noise "$(qr_codes_for "$GL_TMP/noisy/report.json" genres)"
jq '.plugins.query_regression.facts.cases[0].plan |= sub("Seq Scan"; "Index Scan")' \
  "$GL_TMP/b-noisy.json" >"$GL_TMP/b-noisy-plan.json"
assert_exit 1 offline "$GL_TMP/noisyplan" "$GL_TMP/a-noisy.json" "$GL_TMP/b-noisy-plan.json"
r=$GL_TMP/noisyplan/report.json
assert_eq query_regression.plan_changed,query_regression.plan_changed_unmeasured,query_regression.within_noise \
  "$(qr_codes_for "$r" genres)"
assert_eq "the plan of query genres changed on green and no latency measurement says the new plan is as fast (it was x1.50 slower on green, judged pass only because the shift is within the noise): measure it (parameter values, more samples, a quieter machine) or waive this finding" \
  "$(json_get "$r" '.findings[] | select(.code == "query_regression.plan_changed_unmeasured") | .message')"
assert_contains "$(json_get "$r" '[.decision.reasons[] | tostring] | join(" ")')" "plan_changed_unmeasured"
