#!/usr/bin/env bash
# Judgement rules over facts, made deterministic by setting the samples in a
# snapshot's facts (the offline path runs exactly the compare a live run does):
# - a slowdown every query of one side shares (another process next to that
#   side's server) is not a regression: the verdicts that do not stand once the
#   side-wide shift is divided out are inconclusive, with the reason, and a
#   workload warning says what happened; a query slower beyond that still regresses;
# - statistics readiness compares both sides.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$GL_SOURCE_DIR/tests/integration/check_lib.sh"
. "$(dirname "$0")/qr_lib.sh"
gl_require_bin

a=$(gl_clone_db blue "$(gl_unique_name qr_side)")
cat >"$GL_TMP/workload.json" <<'JSON'
{"format": "greenlight-workload/1", "queries": [
  {"name": "q1", "sql": "SELECT genre_id, name FROM genre ORDER BY genre_id"},
  {"name": "q2", "sql": "SELECT count(*) FROM venue"},
  {"name": "q3", "sql": "SELECT count(*) FROM customer"},
  {"name": "q4", "sql": "SELECT count(*) FROM event"},
  {"name": "q5", "sql": "SELECT count(*) FROM review"},
  {"name": "q6", "sql": "SELECT count(*) FROM ticket"}
]}
JSON
qr_config "$GL_TMP/config.json" "$GL_TMP/workload.json" '.samples = 10 | .warmup = 0'
"$GL_BIN" snapshot --target "$(gl_conninfo blue "$a")" -o "$GL_TMP/snap.json" --plugins query_regression \
  --config "$GL_TMP/config.json" >/dev/null 2>&1 || gl_fail "snapshot failed"
# Both sides are edited copies of one snapshot: without its identity, the
# same-database refusal does not apply (green stands for another server).
# Blue: ten samples around 10 ms on every case; green: each case times FACTOR.
facts() { # OUT FACTORS-JSON (one per case, q1..q6)
  jq --argjson f "$2" '.plugins.query_regression.facts.cases |= [range(length) as $i | .[$i] |
     .latency_ms = ([10, 10.4, 9.8, 10.9, 10.1, 9.7, 10.6, 10.2, 9.9, 10.3] | map(. * $f[$i]))]
     | del(.identity)' \
    "$GL_TMP/snap.json" >"$1"
}
facts "$GL_TMP/blue.json" '[1,1,1,1,1,1]'
offline() { # OUT GREEN-FACTORS
  facts "$GL_TMP/green-$1.json" "$2"
  "$GL_BIN" check --no-color --out "$GL_TMP/$1" --plugins query_regression \
    --blue "$GL_TMP/blue.json" --green "$GL_TMP/green-$1.json" >"$GL_TMP/$1.stdout" 2>&1 || true
  assert_report_valid "$GL_TMP/$1/report.json"
}

# One query x3 slower, the rest unchanged: a regression.
offline one '[3,1,1,1,1,1]'
r=$GL_TMP/one/report.json
assert_eq query_regression.latency_regressed "$(qr_codes_for "$r" q1)"
assert_eq 0 "$(qr_count "$r" query_regression.side_wide_shift)"

# Every query x2 (one side's server slowed for the whole check): never regressed.
offline all '[2,2,2,2,2,2]'
r=$GL_TMP/all/report.json
assert_eq 0 "$(qr_count "$r" query_regression.latency_regressed)" "a side-wide x2 is not six regressions"
assert_eq 6 "$(qr_count "$r" query_regression.inconclusive)"
assert_contains "$(json_get "$r" '.findings[] | select(.object == "q3") | .message')" \
  "query q3: median x2.00 on green, but the whole workload is x2.00 on green (median over 6 cases): a side-wide shift"
assert_eq true "$(json_get "$r" '.findings[] | select(.object == "q3") | .details.side_wide_shift')"
assert_eq 1 "$(qr_count "$r" query_regression.side_wide_shift)"
assert_contains "$(json_get "$r" '.findings[] | select(.code == "query_regression.side_wide_shift") | .message')" "6 verdict(s) that did not stand"
assert_eq warning "$(json_get "$r" '.findings[] | select(.code == "query_regression.side_wide_shift") | .severity')"

# Everything x2 and one query x6: x3 beyond the side-wide shift still regresses.
offline beyond '[6,2,2,2,2,2]'
r=$GL_TMP/beyond/report.json
assert_eq query_regression.latency_regressed "$(qr_codes_for "$r" q1)" "x6 under a side-wide x2 is a regression"
assert_eq query_regression.inconclusive "$(qr_codes_for "$r" q2)"

# Statistics readiness compares both sides.
jq '.plugins.query_regression.facts.statistics.missing = [{"relation": "public.genre", "reltuples": "-1"}, {"relation": "public.venue", "reltuples": "-1"}]' \
  "$GL_TMP/blue.json" >"$GL_TMP/blue-st.json"
jq '.plugins.query_regression.facts.statistics.missing = [{"relation": "public.genre", "reltuples": "-1"}, {"relation": "public.event", "reltuples": "-1"}]' \
  "$GL_TMP/blue.json" >"$GL_TMP/green-st.json"
"$GL_BIN" check --no-color --out "$GL_TMP/st" --plugins query_regression \
  --blue "$GL_TMP/blue-st.json" --green "$GL_TMP/green-st.json" >/dev/null 2>&1 || true
r=$GL_TMP/st/report.json
sm() { json_get "$r" ".findings[] | select(.code == \"query_regression.statistics_missing\" and .object == \"$1\") | .$2"; }
assert_eq info "$(sm public.genre severity)" "never analyzed on both: like for like"
assert_contains "$(sm public.genre message)" "no planner statistics on either side"
assert_eq warning "$(sm public.event severity)"
assert_contains "$(sm public.event message)" "on green (never analyzed) while blue has"
assert_eq warning "$(sm public.venue severity)"
assert_contains "$(sm public.venue message)" "on blue (never analyzed) while green has"
