#!/usr/bin/env bash
# Injected regressions on green: a dropped index changes the plan (and makes
# the query slower), a changed view definition changes the results.
# Latency verdicts of unaffected queries are machine noise on a shared CI box:
# the assertions say what each change must cause and what must never be claimed
# (a regression or a result difference where nothing changed), not the exact
# set of informational findings (latency_improved / inconclusive may come and go).
# gl-timing: serial (latency is judged: run alone, not beside another test's load)
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$GL_SOURCE_DIR/tests/integration/check_lib.sh"
. "$(dirname "$0")/qr_lib.sh"
gl_require_bin

a=$(gl_clone_db blue "$(gl_unique_name qr_reg_a)")
b=$(gl_clone_db blue "$(gl_unique_name qr_reg_b)")
gl_sql blue "$b" "DROP INDEX ticket_booking_idx" >/dev/null
gl_sql blue "$b" "ALTER VIEW event_listing RENAME TO event_listing_orig" >/dev/null
gl_sql blue "$b" "CREATE VIEW event_listing AS SELECT event_id, title, genre, venue, city, starts_at, base_price + 1 AS base_price FROM event_listing_orig" >/dev/null

cat >"$GL_TMP/workload.json" <<'JSON'
{"format": "greenlight-workload/1", "queries": [
  {"name": "tickets_of_booking", "sql": "SELECT ticket_id, seat_no FROM ticket WHERE booking_id = $1 ORDER BY ticket_id",
   "params": [[367]], "thresholds": {"samples": 15, "min_effect_ms": 0.2}},
  {"name": "circus_events", "sql": "SELECT event_id, title, base_price FROM event_listing WHERE genre = 'Circus' ORDER BY event_id"},
  {"name": "untouched", "sql": "SELECT count(*) FROM venue"}
]}
JSON
qr_config "$GL_TMP/config.json" "$GL_TMP/workload.json"

assert_exit 1 "$GL_BIN" check --no-color --out "$GL_TMP/out" --plugins query_regression --config "$GL_TMP/config.json" \
  --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo blue "$b")"
r=$GL_TMP/out/report.json
assert_report_valid "$r"

# The dropped index: plan shape names it on blue only; the query is slower.
assert_contains "$(qr_codes_for "$r" tickets_of_booking)" "query_regression.plan_changed"
assert_contains "$(json_get "$r" '.findings[] | select(.code == "query_regression.plan_changed" and .object == "tickets_of_booking") | .blue')" "ticket_booking_idx"
assert_not_contains "$(json_get "$r" '.findings[] | select(.code == "query_regression.plan_changed" and .object == "tickets_of_booking") | .green')" "ticket_booking_idx"
assert_contains "$(qr_codes_for "$r" tickets_of_booking)" "query_regression.latency_regressed" "a seq scan of ticket instead of an index scan is judged slower"
assert_eq 15 "$(json_get "$r" '.findings[] | select(.code == "query_regression.latency_regressed" and .object == "tickets_of_booking") | .green.samples')" "per-query samples threshold"
assert_not_contains "$(qr_codes_for "$r" tickets_of_booking)" "result_mismatch" "same rows without the index"

# The changed view: same row count, different rows, first difference shown. Its
# latency verdict is not asserted: the view does one more addition per row, noise decides.
mm='.findings[] | select(.object == "circus_events" and .code == "query_regression.result_mismatch")'
assert_eq 1 "$(json_get "$r" "[$mm] | length")" "the changed view is a result mismatch"
assert_eq critical "$(json_get "$r" "$mm | .severity")"
assert_eq 0 "$(json_get "$r" "$mm | .details.first_difference")"
assert_eq "$(json_get "$r" "$mm | .blue.rows")" "$(json_get "$r" "$mm | .green.rows")" "same row count"
bp=$(json_get "$r" "$mm | .details.blue_rows[0][2]")
gp=$(json_get "$r" "$mm | .details.green_rows[0][2]")
assert_eq "$(echo "$bp + 1" | bc)" "$gp" "the first differing row shows the changed price"

# The unaffected query: nothing wrong may be claimed about it.
for code in result_mismatch plan_changed latency_regressed query_failed; do
  assert_not_contains "$(qr_codes_for "$r" untouched)" "query_regression.$code" "an unaffected query has no $code"
done
assert_eq 3 "$(json_get "$r" '.findings[] | select(.code == "query_regression.score") | .details.judged')" "every case judged"
assert_eq hold "$(json_get "$r" .decision.action)"
