#!/usr/bin/env bash
# The two timed passes are independent: spread in time (pass_gap_ms, with
# jitter) and run on fresh connections (host->reconnect, ABI 1.3), so one
# burst of contention or one backend's state cannot produce both. The facts
# record each pass's backend pid per side; a side that cannot be reopened
# fails the check (fail closed), naming the side and the server's reason.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$GL_SOURCE_DIR/tests/integration/check_lib.sh"
. "$(dirname "$0")/qr_lib.sh"
gl_require_bin

a=$(gl_clone_db blue "$(gl_unique_name qr_fresh_a)")
b=$(gl_clone_db blue "$(gl_unique_name qr_fresh_b)")
cat >"$GL_TMP/workload.json" <<'JSON'
{"format": "greenlight-workload/1", "queries": [
  {"name": "genres", "sql": "SELECT genre_id, name FROM genre ORDER BY genre_id"},
  {"name": "venues", "sql": "SELECT count(*) FROM venue"}
]}
JSON

# A live run: each side's passes ran on two different backends, and each
# case's passes were at least pass_gap_ms (plus up to half of it) apart.
qr_config "$GL_TMP/config.json" "$GL_TMP/workload.json" '.pass_gap_ms = 300'
"$GL_BIN" check --no-color --out "$GL_TMP/live" --plugins query_regression --config "$GL_TMP/config.json" \
  --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo blue "$b")" >"$GL_TMP/live.out" 2>&1 || true
r=$GL_TMP/live/report.json
assert_report_valid "$r"
assert_eq ok "$(json_get "$r" '.plugins[] | select(.name == "query_regression") | .status')" "plugin status"
# The score finding shows each pass's backend per side (from the facts'
# settings.pass_backends); a snapshot shows the facts themselves.
score() { jq -r ".findings[] | select(.code == \"query_regression.score\") | .details | $1" "$r"; }
assert_eq true "$(score .fresh_connections)" "fresh connections on both sides"
for side in blue green; do
  assert_eq 2 "$(score ".pass_backends.$side | length")" "$side: one backend per pass"
  assert_eq true "$(score ".pass_backends.$side | all(. > 0)")" "$side: real backend pids"
  assert_eq true "$(score ".pass_backends.$side[0] != .pass_backends.$side[1]")" "$side: the passes ran on different backends"
done
assert_eq 4 "$(score '[.pass_backends[][]] | unique | length')" "four distinct backends: no side reuses another's"
# Each case's second-pass samples started at least pass_gap_ms after its first
# pass's ended (two tiny cases: far less than 300 ms of rounds, so it waited).
assert_eq true "$(score '.pass_separation_ms >= 300')" "every case's passes at least pass_gap_ms apart"
# The first pass's backends were closed when the second pass's were opened.
for pid in $(score '.pass_backends | [.blue[0], .green[0]] | .[]'); do
  assert_eq 0 "$(gl_sql blue postgres "SELECT count(*) FROM pg_stat_activity WHERE pid = $pid")" "backend $pid is gone"
done

# One live side (snapshot): its facts carry the gap and the two backends.
"$GL_BIN" snapshot --target "$(gl_conninfo blue "$a")" -o "$GL_TMP/snap.json" --plugins query_regression \
  --config "$GL_TMP/config.json" >/dev/null 2>&1 || gl_fail "snapshot failed"
st() { jq -r ".plugins.query_regression.facts.settings | $1" "$GL_TMP/snap.json"; }
assert_eq true "$(st .fresh_connections)" "snapshot: fresh connections"
assert_eq true "$(st '.pass_backends | length == 2 and .[0] != .[1] and all(. > 0)')" "snapshot: two backends"
assert_eq 300 "$(st .pass_gap_ms)" "snapshot: pass_gap_ms"
assert_eq true "$(st '.pass_gap_waited_ms >= 300 and .pass_gap_waited_ms <= 450')" "snapshot: the gap drawn"
assert_eq true "$(st '.pass_separation_ms >= .pass_gap_waited_ms')" "snapshot: each case's passes were that far apart"
assert_eq true "$(st '.timing_ms.pass_gap > 0')" "snapshot: a workload shorter than the gap waited"

# pass_gap_ms is validated like the other settings.
qr_config "$GL_TMP/bad.json" "$GL_TMP/workload.json" '.pass_gap_ms = 60001'
assert_exit 70 "$GL_BIN" check --no-color --out "$GL_TMP/bad" --plugins query_regression --config "$GL_TMP/bad.json" \
  --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo blue "$b")"
assert_eq "query_regression: config pass_gap_ms must be an integer in [0, 60000] (the pause between the two timed passes), not 60001" \
  "$(json_get "$GL_TMP/bad/report.json" '.plugins[0].error')"

# A side that cannot be reopened fails the check: a role allowed one
# connection has it in use when the second pass asks for a fresh one.
role=$(gl_unique_name qr_one_conn)
trap 'rc=$?; gl__closing_line $rc; gl_sql blue postgres "DROP ROLE IF EXISTS $role" >/dev/null 2>&1; exit $rc' EXIT
gl_sql blue postgres "CREATE ROLE $role LOGIN CONNECTION LIMIT 1 IN ROLE pg_read_all_data" >/dev/null
qr_config "$GL_TMP/one.json" "$GL_TMP/workload.json" '.pass_gap_ms = 0'
assert_exit 70 "$GL_BIN" check --no-color --out "$GL_TMP/one" --plugins query_regression --config "$GL_TMP/one.json" \
  --blue "$(gl_conninfo blue "$a" | sed "s/user=postgres/user=$role/")" --green "$(gl_conninfo blue "$b")"
r=$GL_TMP/one/report.json
assert_report_valid "$r"
assert_eq failed "$(json_get "$r" '.plugins[0].status')"
err=$(json_get "$r" '.plugins[0].error')
assert_contains "$err" "query_regression: the second timed pass needs a fresh connection to blue, which could not be opened: blue side ("
assert_contains "$err" "too many connections for role \"$role\""
assert_eq hold "$(json_get "$r" .decision.action)"
