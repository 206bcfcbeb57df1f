#!/usr/bin/env bash
# A parameter changed on green: undeclared -> hold naming the setting; declared
# (in any unit) -> switchover; declared with another value -> hold.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin

a=$(gl_clone_db blue "$(gl_unique_name param_a)")
b=$(gl_clone_db blue "$(gl_unique_name param_b)")
gl_sql blue postgres "ALTER DATABASE \"$b\" SET work_mem = '64MB'" >/dev/null
blue=$(gl_conninfo blue "$a")
green=$(gl_conninfo blue "$b")

assert_exit 1 gl_check "$GL_TMP/undeclared" --blue "$blue" --green "$green"
r=$GL_TMP/undeclared/report.json
assert_report_valid "$r"
assert_eq hold "$(json_get "$r" .decision.action)"
assert_eq "parameters.changed" "$(json_get "$r" '.findings[] | select(.object == "work_mem") | .code')"
assert_eq 1 "$(json_get "$r" '[.decision.reasons[] | select(.message | contains("work_mem"))] | length')" "reason names work_mem"
assert_contains "$(json_get "$r" '.decision.reasons[0].findings | join(",")')" "work_mem"
assert_contains "$(cat "$GL_LAST_OUT")" "decision: hold (exit 1)"

# Declared in another unit: 65536kB is 64MB.
printf '{"id":"CHG-7","kind":"parameters","parameters":{"work_mem":"65536kB"}}' >"$GL_TMP/change.json"
assert_exit 0 gl_check "$GL_TMP/declared" --blue "$blue" --green "$green" --change "$GL_TMP/change.json"
assert_eq switchover "$(json_get "$GL_TMP/declared/report.json" .decision.action)"
assert_eq CHG-7 "$(json_get "$GL_TMP/declared/report.json" .change.id)"

# Declared as pg_settings writes it: a bare number in the setting's base unit
# (work_mem is in kB), as PostgreSQL reads it: 65536 is 64MB. As a JSON
# number and as a string.
for v in 65536 '"65536"'; do
  printf '{"id":"CHG-9","kind":"parameters","parameters":{"work_mem":%s}}' "$v" >"$GL_TMP/bare.json"
  assert_exit 0 gl_check "$GL_TMP/bare" --blue "$blue" --green "$green" --change "$GL_TMP/bare.json"
  assert_eq switchover "$(json_get "$GL_TMP/bare/report.json" .decision.action)" "work_mem: $v"
done
printf '{"id":"CHG-9","kind":"parameters","parameters":{"work_mem":32768}}' >"$GL_TMP/bare_wrong.json"
assert_exit 1 gl_check "$GL_TMP/bare_wrong" --blue "$blue" --green "$green" --change "$GL_TMP/bare_wrong.json"
assert_contains "$(json_get "$GL_TMP/bare_wrong/report.json" '[.decision.reasons[].message] | join(" ")')" \
  "declared work_mem=32768 but green has 64MB"
# A unit PostgreSQL refuses (units are case-sensitive) is refused before the run.
printf '{"id":"CHG-9","kind":"parameters","parameters":{"work_mem":"64mb"}}' >"$GL_TMP/badunit.json"
assert_exit 64 gl_check "$GL_TMP/badunit" --blue "$blue" --green "$green" --change "$GL_TMP/badunit.json"
assert_eq "greenlight: error: --change $GL_TMP/badunit.json: \$.parameters.work_mem: \"64mb\" is not a unit PostgreSQL accepts (units are case-sensitive): write \"64MB\"; memory units are \"B\", \"kB\", \"MB\", \"GB\", and \"TB\", time units are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\", and a bare number is in the setting's own unit (pg_settings.unit) (format: share/schema/change.schema.json)
(see \`greenlight check --help\`)" "$(cat "$GL_LAST_ERR")"

# Declared with a value green does not have.
printf '{"id":"CHG-8","kind":"parameters","parameters":{"work_mem":"32MB"}}' >"$GL_TMP/wrong.json"
assert_exit 1 gl_check "$GL_TMP/wrong" --blue "$blue" --green "$green" --change "$GL_TMP/wrong.json"
assert_contains "$(json_get "$GL_TMP/wrong/report.json" '.decision.reasons[].message')" "32MB"

# A bad change file is a usage error that names the file.
printf '{"id": 5' >"$GL_TMP/broken.json"
assert_exit 64 gl_check "$GL_TMP/x" --blue "$blue" --green "$green" --change "$GL_TMP/broken.json"
assert_contains "$(cat "$GL_LAST_ERR")" "broken.json"

# A waiver accepts the undeclared drift: the finding is marked waived, the
# report lists the waiver as used, and the default policy authorises.
printf '[{"code":"parameters.changed","object":"work_*","reason":"tuning ticket PERF-1","owner":"dba@example.com","expires":"2099-01-01"}]' >"$GL_TMP/waivers.json"
assert_exit 0 gl_check "$GL_TMP/waived" --blue "$blue" --green "$green" --waivers "$GL_TMP/waivers.json"
r=$GL_TMP/waived/report.json
assert_report_valid "$r"
assert_eq used "$(json_get "$r" '.waivers[0].status')"
assert_eq true "$(json_get "$r" '.findings[] | select(.object == "work_mem") | .waived')"
# An expired waiver no longer applies and is itself reported.
printf '[{"code":"parameters.changed","object":"work_mem","reason":"old","owner":"dba@example.com","expires":"2020-01-01"}]' >"$GL_TMP/expired.json"
assert_exit 1 gl_check "$GL_TMP/expired" --blue "$blue" --green "$green" --waivers "$GL_TMP/expired.json"
r=$GL_TMP/expired/report.json
assert_report_valid "$r"
assert_eq expired "$(json_get "$r" '.waivers[0].status')"
assert_contains "$(json_get "$r" '[.decision.reasons[].message] | join(" ")')" "work_mem"
