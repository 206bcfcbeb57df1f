#!/usr/bin/env bash
# Identical clones of the dataset ($GL_DB) and its shipped workload
# (checks/$GL_DB/workload.json): every result digest and plan shape matches, no
# query is judged regressed, and the score is reported.
# gl-datasets: gltest pagila
# gl-timing: serial (latency is judged: run alone, not beside another test's load)
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$GL_SOURCE_DIR/tests/integration/check_lib.sh"
. "$(dirname "$0")/qr_lib.sh"
gl_require_bin

a=$(gl_clone_db blue "$(gl_unique_name qr_same_a)")
b=$(gl_clone_db blue "$(gl_unique_name qr_same_b)")
# A shared CI machine is noisy: judge at 99% confidence and a 50% tolerance here; the
# false-positive rate at the defaults is what tests/bench/query_regression_bench measures.
qr_config "$GL_TMP/config.json" "$GL_SOURCE_DIR/checks/$GL_DB/workload.json" '.confidence = 0.99 | .effect_tolerance = 1.5'


"$GL_BIN" check --no-color --out "$GL_TMP/out" --plugins query_regression --config "$GL_TMP/config.json" \
  --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo blue "$b")" >"$GL_TMP/stdout" 2>&1 || true
r=$GL_TMP/out/report.json
assert_report_valid "$r"
assert_eq ok "$(json_get "$r" '.plugins[] | select(.name == "query_regression") | .status')" "plugin status"
assert_eq 0 "$(qr_count "$r" query_regression.result_mismatch)" "no result mismatch on identical clones"
assert_eq 0 "$(qr_count "$r" query_regression.plan_changed)" "no plan change on identical clones"
assert_eq 0 "$(qr_count "$r" query_regression.latency_regressed)" "no regressed verdict on identical clones"
assert_eq 0 "$(qr_count "$r" query_regression.query_failed)" "every query runs"
assert_eq 0 "$(qr_count "$r" query_regression.query_refused)" "the shipped workload is all read-only"
assert_eq 0 "$(qr_count "$r" query_regression.statistics_missing)" "$GL_DB clones carry statistics"
assert_eq 1 "$(qr_count "$r" query_regression.score)" "one score finding"
judged=$(json_get "$r" '.findings[] | select(.code == "query_regression.score") | .details.judged')
# Every case of the workload runs (all but a few).
cases=$(jq '[.queries[] | (.params // [[]]) | length] | add' "$GL_SOURCE_DIR/checks/$GL_DB/workload.json")
[ "$judged" -ge $((cases - 5)) ] || gl_fail "expected >= $((cases - 5)) of $cases query cases judged, got $judged"
assert_eq "$judged" "$(json_get "$r" '.findings[] | select(.code == "query_regression.score") | .details.results_compared')" "every case's results compared"

# Blue 15 against green 17, same data: the digests still agree across versions.
"$GL_BIN" check --no-color --out "$GL_TMP/cross" --plugins query_regression --config "$GL_TMP/config.json" \
  --blue "$GL_BLUE" --green "$GL_GREEN" >"$GL_TMP/stdout2" 2>&1 || true
assert_report_valid "$GL_TMP/cross/report.json"
assert_eq 0 "$(qr_count "$GL_TMP/cross/report.json" query_regression.result_mismatch)" "15 and 17 return the same rows"
assert_eq 1 "$(qr_count "$GL_TMP/cross/report.json" query_regression.score)"
