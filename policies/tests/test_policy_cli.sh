#!/usr/bin/env bash
# The policy toolkit through the CLI against the fixture's servers:
#   check --save-input writes an input that matches the JSON Schema and that
#   `policy eval` turns into the same decision; --explain traces every rule;
#   check --waivers marks findings, lists every waiver with its status and
#   default.lua accepts waived findings; `policy test` runs the shipped tests
#   of all three shipped policies with --coverage-min 100 (pass/fail,
#   coverage, JUnit) and exits 64 on bad usage.
. "$(dirname "$0")/../../tests/integration/lib.sh"
. "$GL_SOURCE_DIR/tests/integration/check_lib.sh"
gl_require_bin

blue=$(gl_conninfo blue "$GL_DB")
green=$(gl_conninfo green "$GL_DB")
schema=$GL_SOURCE_DIR/share/schema/policy-input.schema.json

# -- save the input of a real run, validate it, replay it ---------------------
assert_exit 1 gl_check "$GL_TMP/run" --blue "$blue" --green "$green" --save-input "$GL_TMP/input.json"
assert_file_exists "$GL_TMP/input.json"
assert_exit 0 /usr/bin/python3 "$GL_SOURCE_DIR/tests/integration/validate.py" "$schema" "$GL_TMP/input.json" \
  "$GL_SOURCE_DIR"/policies/tests/fixtures/*.json
assert_eq "$(json_get "$GL_TMP/run/report.json" '.findings | length')" "$(json_get "$GL_TMP/input.json" '.findings | length')"

assert_exit 1 "$GL_BIN" policy eval --input "$GL_TMP/input.json" --format json
assert_eq "$(json_get "$GL_TMP/run/report.json" '.decision.reasons | map(.rule + ":" + .message) | join("|")')" \
  "$(jq -r '.decision.reasons | map(.rule + ":" + .message) | join("|")' "$GL_LAST_OUT")" "eval repeats check's decision"
cp "$GL_LAST_OUT" "$GL_TMP/eval1.json"
assert_exit 1 "$GL_BIN" policy eval --input "$GL_TMP/input.json" --format json
cmp -s "$GL_TMP/eval1.json" "$GL_LAST_OUT" || gl_fail "two evaluations of one input differ"

assert_exit 1 "$GL_BIN" policy eval --input "$GL_TMP/input.json" --explain --stats
out=$(cat "$GL_LAST_OUT")
assert_contains "$out" "decision: hold"
assert_contains "$out" "rule major_upgrade: 1 verdict"
assert_contains "$out" "because of engine_version.major_upgrade:server [warning]"
assert_contains "$out" "rule downgrade: no objection"
assert_contains "$(cat "$GL_LAST_ERR")" "Lua heap peak"

printf '{"id":"CHG-17","kind":"major_upgrade","target_version":"17"}' >"$GL_TMP/change.json"
assert_exit 0 gl_check "$GL_TMP/declared" --blue "$blue" --green "$green" --change "$GL_TMP/change.json" \
  --save-input "$GL_TMP/declared.json"
assert_exit 0 "$GL_BIN" policy eval --input "$GL_TMP/declared.json"
assert_contains "$(cat "$GL_LAST_OUT")" "decision: switchover"
# the same input under strict.lua: no approvals -> hold
assert_exit 1 "$GL_BIN" policy eval --input "$GL_TMP/declared.json" --policy "$GL_SOURCE_DIR/policies/strict.lua"
assert_contains "$(cat "$GL_LAST_OUT")" "no approvals"

# One long call into C from Lua escapes the instruction budget: `policy eval`
# kills the evaluation at its wall budget (5 s) as check does, and holds (78).
cat >"$GL_TMP/slow.lua" <<'LUA'
local rules = {}
function rules.slow(input) table.move({}, 1, 1e12, 1, {}) end
return { name = "slow", rules = rules }
LUA
t0=$SECONDS
assert_exit 78 "$GL_BIN" policy eval --input "$GL_TMP/declared.json" --policy "$GL_TMP/slow.lua" --stats
assert_eq "$(cat "$GL_LAST_OUT")" "decision: hold (the policy failed: exit 78)
  $GL_TMP/slow.lua: wall-clock budget of 5000 ms exceeded: the evaluation was killed (one long call into C from Lua, which the instruction budget cannot stop)"
[ $((SECONDS - t0)) -lt 30 ] || gl_fail "policy eval ran $((SECONDS - t0)) s past a 5 s budget"

# -- waivers ---------------------------------------------------------------------
cat >"$GL_TMP/waivers.json" <<JSON
[
  {"code": "engine_version.major_upgrade", "object": "serv*", "reason": "upgrade approved in CHG-17",
   "owner": "dba@example.com", "created": "$(date -u +%F)", "expires": "2999-12-31"},
  {"code": "engine_version.major_upgrade", "object": "*", "reason": "old", "owner": "dba@example.com",
   "expires": "2001-01-01"},
  {"code": "schema.table.dropped", "object": "public.*", "reason": "nothing fires", "owner": "x",
   "expires": "2999-12-31"}
]
JSON
assert_exit 0 gl_check "$GL_TMP/waived" --blue "$blue" --green "$green" --waivers "$GL_TMP/waivers.json" \
  --save-input "$GL_TMP/waived.json"
r=$GL_TMP/waived/report.json
assert_report_valid "$r"
assert_eq switchover "$(json_get "$r" .decision.action)" "the waived major upgrade is accepted"
assert_eq "used,expired,unused" "$(json_get "$r" '[.waivers[].status] | join(",")')"
assert_eq "engine_version.major_upgrade:server" "$(json_get "$r" '.waivers[0].findings[0]')"
assert_eq "engine_version.major_upgrade:server" "$(json_get "$r" '.waivers[1].findings[0]')" "expired waiver says what it would have waived"
assert_eq "true 1" "$(json_get "$r" '.findings[] | select(.code == "engine_version.major_upgrade") | "\(.waived) \(.waiver)"')"
assert_exit 0 /usr/bin/python3 "$GL_SOURCE_DIR/tests/integration/validate.py" "$schema" "$GL_TMP/waived.json"
assert_eq 3 "$(json_get "$GL_TMP/waived.json" '.waivers | length')"

printf '[{"code": "x", "object": "y", "reason": "r", "owner": "o", "expires": "tomorrow"}]' >"$GL_TMP/bad.json"
assert_exit 64 gl_check "$GL_TMP/bad" --blue "$blue" --green "$green" --waivers "$GL_TMP/bad.json"
assert_contains "$(cat "$GL_LAST_ERR")" "bad.json: \$[0].expires: must be a calendar date YYYY-MM-DD, got \"tomorrow\""

# -- policy test ----------------------------------------------------------------
cd "$GL_SOURCE_DIR"
# every shipped policy is tested, and every one of its rules fires in some test
assert_exit 0 "$GL_BIN" policy test --coverage-min 100 policies/tests --junit "$GL_TMP/junit.xml"
out=$(cat "$GL_LAST_OUT")
assert_contains "$out" "PASS undeclared_parameter_holds (policies/default.lua)"
assert_contains "$out" "PASS long_lived_waiver_is_refused (policies/strict.lua)"
assert_contains "$out" "PASS blockers_hold_with_their_fix (policies/major_upgrade.lua)"
for p in default strict major_upgrade; do
  assert_contains "$out" "policies/$p.lua"
done
assert_not_contains "$out" "never fired"
assert_contains "$out" "0 failed; rule coverage 100.0%"
assert_contains "$(cat "$GL_TMP/junit.xml")" '<testsuites name="greenlight policy test"'
assert_not_contains "$(cat "$GL_TMP/junit.xml")" "<failure"

mkdir -p "$GL_TMP/t"
cat >"$GL_TMP/t/half.lua" <<'LUA'
return { name = "half", rules = {
  a = function(input) if #input.findings > 0 then return gl.hold("a", input.findings) end end,
  b = function() end } }
LUA
cat >"$GL_TMP/t/half_test.lua" <<'LUA'
return {
  fires = { policy = "half.lua", input = { findings = { { code = "x.y", object = "o", severity = "info" } } },
            expect = { action = "hold", reasons = { { rule = "a", findings = { "x.y:o" } } } } },
}
LUA
assert_exit 0 "$GL_BIN" policy test "$GL_TMP/t" --coverage-min 50
assert_exit 1 "$GL_BIN" policy test "$GL_TMP/t" --coverage-min 60
assert_contains "$(cat "$GL_LAST_OUT")" "never fired: b"
assert_contains "$(cat "$GL_LAST_OUT")" "below --coverage-min 60%"
printf 'return { bad = { policy = "half.lua", input = {}, expect = { action = "hold" } } }\n' >"$GL_TMP/t/bad_test.lua"
assert_exit 1 "$GL_BIN" policy test "$GL_TMP/t" --junit "$GL_TMP/j2.xml" -v
assert_contains "$(cat "$GL_LAST_OUT")" "FAIL bad (${GL_TMP}/t/half.lua)"
assert_contains "$(cat "$GL_LAST_OUT")" "expected action hold, got switchover"
assert_contains "$(cat "$GL_TMP/j2.xml")" 'failures="1"'

assert_exit 64 "$GL_BIN" policy test --coverage-min lots
assert_exit 64 "$GL_BIN" policy test /nonexistent/tests
assert_exit 64 "$GL_BIN" policy eval
assert_exit 64 "$GL_BIN" policy eval --input "$GL_TMP/input.json" --bogus
assert_exit 64 "$GL_BIN" policy frobnicate

# An empty directory is a usage error naming it (it once tripped UBSan: qsort on NULL).
mkdir -p "$GL_TMP/empty-tests"
assert_exit 64 "$GL_BIN" policy test "$GL_TMP/empty-tests"
assert_contains "$(cat "$GL_LAST_ERR")" "no *_test.lua files in $GL_TMP/empty-tests"
assert_not_contains "$(cat "$GL_LAST_ERR")" "runtime error"
