#!/usr/bin/env bash
# Import from blue's pg_stat_statements: the top statements by total time become
# cases named by their libpg_query fingerprint, so blue 15 and green 17 meet on
# the same names (queryid differs across major versions). Writers and
# greenlight's own catalog queries are skipped; a statement with $n and no
# values is "not comparable" on a 15 blue, runs with a params file, and is
# compared by its generic plan (EXPLAIN (GENERIC_PLAN), simple protocol) when
# both sides are 16+.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$GL_SOURCE_DIR/tests/integration/check_lib.sh"
. "$(dirname "$0")/qr_lib.sh"
gl_require_bin

a=$(gl_clone_db blue "$(gl_unique_name qr_pgss_a)")
b=$(gl_clone_db green "$(gl_unique_name qr_pgss_b)")
gl_sql blue "$a" "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
gl_sql blue "$a" "SELECT pg_stat_statements_reset()" >/dev/null
# The statements "the application" ran on blue (constants become $1 in pg_stat_statements).
for id in 7 8 9; do gl_sql blue "$a" "SELECT title FROM event WHERE event_id = $id" >/dev/null; done
gl_sql blue "$a" "SELECT count(*) FROM booking b JOIN ticket t ON t.booking_id = b.booking_id AND t.booked_at = b.booked_at" >/dev/null
gl_sql blue "$a" "UPDATE event SET title = title WHERE event_id = 1" >/dev/null
conn_a=$(gl_conninfo blue "$a")
conn_b=$(gl_conninfo green "$b")

jq -n '{plugins: {query_regression: {samples: 5, warmup: 1, pg_stat_statements: {top: 10}}}}' >"$GL_TMP/c1.json"
"$GL_BIN" check --no-color --out "$GL_TMP/o1" --plugins query_regression --config "$GL_TMP/c1.json" \
  --blue "$conn_a" --green "$conn_b" >"$GL_TMP/stdout1" 2>&1 || true
r=$GL_TMP/o1/report.json
assert_report_valid "$r"
assert_eq ok "$(json_get "$r" '.plugins[] | select(.name == "query_regression") | .status')" "plugin status"
# The join ran as is on both servers: same rows from 15 and 17, judged.
assert_eq 0 "$(qr_count "$r" query_regression.result_mismatch)" "the imported join returns the same rows on 15 and 17"
assert_eq 1 "$(json_get "$r" '.findings[] | select(.code == "query_regression.score") | .details.results_compared')" "one statement ran on both sides"
# The parameterised statement: not comparable on a 15 blue, and the finding says why.
nc=$(json_get "$r" '.findings[] | select(.code == "query_regression.not_comparable") | .message')
assert_contains "$nc" "PostgreSQL 15"
assert_contains "$nc" "GENERIC_PLAN"
assert_contains "$nc" "both sides on 16+"
assert_contains "$(json_get "$r" '.findings[] | select(.code == "query_regression.not_comparable") | .blue')" 'event_id = $1'
assert_contains "$(json_get "$r" '.findings[] | select(.code == "query_regression.not_comparable") | .object')" "pgss."
# Nothing else: the UPDATE, the reset and greenlight's own catalog queries are not imported.
assert_eq 0 "$(qr_count "$r" query_regression.query_refused)" "writers are skipped, not refused"
assert_eq 0 "$(qr_count "$r" query_regression.query_failed)" "no imported statement fails"
assert_eq 1 "$(qr_count "$r" query_regression.not_comparable)" "one statement not comparable"
assert_eq 1 "$(json_get "$r" '.findings[] | select(.code == "query_regression.score") | .details.judged')" "only the join is judged"

# With a params file (matched by fingerprint, not by text: other spacing and a constant).
cat >"$GL_TMP/params.json" <<'JSON'
{"format": "greenlight-workload/1", "queries": [
  {"name": "event_title", "sql": "select title from event   where event_id = 42", "params": [[7], [8]]}
]}
JSON
jq -n --arg p "$GL_TMP/params.json" '{plugins: {query_regression: {samples: 5, warmup: 1, pg_stat_statements: {top: 10, params: $p}}}}' >"$GL_TMP/c2.json"
"$GL_BIN" check --no-color --out "$GL_TMP/o2" --plugins query_regression --config "$GL_TMP/c2.json" \
  --blue "$conn_a" --green "$conn_b" >"$GL_TMP/stdout2" 2>&1 || true
r=$GL_TMP/o2/report.json
assert_report_valid "$r"
assert_eq 0 "$(qr_count "$r" query_regression.not_comparable)" "the params file makes it comparable"
assert_eq 3 "$(json_get "$r" '.findings[] | select(.code == "query_regression.score") | .details.results_compared')" "two parameter sets and the join"
assert_eq 0 "$(qr_count "$r" query_regression.result_mismatch)"

# Without pg_stat_statements in the database the import finds nothing, so the
# configured check measured nothing: it fails (the run holds, 70) saying why,
# never "ok" with a score of 0 of 0.
c=$(gl_clone_db blue "$(gl_unique_name qr_pgss_c)")
"$GL_BIN" check --no-color --out "$GL_TMP/o3" --plugins query_regression --config "$GL_TMP/c1.json" \
  --blue "$(gl_conninfo blue "$c")" --green "$conn_b" >"$GL_TMP/stdout3" 2>&1 || true
r=$GL_TMP/o3/report.json
assert_report_valid "$r"
assert_eq failed "$(json_get "$r" '.plugins[] | select(.name == "query_regression") | .status')"
assert_contains "$(json_get "$r" '.plugins[] | select(.name == "query_regression") | .error')" \
  "query_regression measured nothing: the workload gave 0 case(s) and none ran on both sides (0 refused, 0 not comparable); pg_stat_statements import: "
assert_contains "$(json_get "$r" '.plugins[] | select(.name == "query_regression") | .error')" "pg_stat_statements"
assert_eq 70 "$(json_get "$r" .decision.exit_code)"

# Both sides 16+ (two clones on the 17 server): a $n statement without values is
# compared by its generic plan, which names the index blue uses and green lacks.
x=$(gl_clone_db green "$(gl_unique_name qr_pgss_x)")
y=$(gl_clone_db green "$(gl_unique_name qr_pgss_y)")
gl_sql green "$x" "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
for id in 7 8; do
  gl_sql green "$x" "SELECT title FROM event WHERE event_id = $id" >/dev/null
  gl_sql green "$x" "SELECT ticket_id FROM ticket WHERE booking_id = $id" >/dev/null
done
gl_sql green "$y" "DROP INDEX ticket_booking_idx" >/dev/null
"$GL_BIN" check --no-color --out "$GL_TMP/o4" --plugins query_regression --config "$GL_TMP/c1.json" \
  --blue "$(gl_conninfo green "$x")" --green "$(gl_conninfo green "$y")" >"$GL_TMP/stdout4" 2>&1 || true
r=$GL_TMP/o4/report.json
assert_report_valid "$r"
assert_eq ok "$(json_get "$r" '.plugins[] | select(.name == "query_regression") | .status')" "plugin status (17 vs 17)"
assert_eq 0 "$(qr_count "$r" query_regression.not_comparable)" "17 against 17: generic plans make \$n statements comparable"
assert_eq 0 "$(qr_count "$r" query_regression.query_failed)" "generic plans (PREPARE + EXPLAIN EXECUTE) run"
assert_eq 2 "$(json_get "$r" '.findings[] | select(.code == "query_regression.score") | .details.plan_only')" "both statements compared by plan only"
assert_eq 0 "$(json_get "$r" '.findings[] | select(.code == "query_regression.score") | .details.judged')" "nothing runs without values"
pc='.findings[] | select(.code == "query_regression.plan_changed")'
assert_eq 1 "$(json_get "$r" "[$pc] | length")" "only the statement over the dropped index changed plan"
assert_contains "$(json_get "$r" "$pc | .object")" "pgss."
assert_contains "$(json_get "$r" "$pc | .blue")" "ticket_booking_idx" "blue's generic plan uses the index"
assert_not_contains "$(json_get "$r" "$pc | .green")" "ticket_booking_idx"
assert_contains "$(json_get "$r" "$pc | .green")" "Seq Scan"
# A plan change with no latency evidence (nothing is timed without values) holds by itself.
pu='.findings[] | select(.code == "query_regression.plan_changed_unmeasured")'
assert_eq 1 "$(json_get "$r" "[$pu] | length")" "the unmeasured plan change is a finding"
assert_eq error "$(json_get "$r" "$pu | .severity")"
assert_eq "$(json_get "$r" "$pc | .object")" "$(json_get "$r" "$pu | .object")"
assert_contains "$(json_get "$r" "$pu | .message")" "no latency measurement says the new plan is as fast (not timed)"
assert_eq hold "$(json_get "$r" .decision.action)" "the default policy holds on it"
