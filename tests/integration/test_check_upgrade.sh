#!/usr/bin/env bash
# Blue PostgreSQL 15 -> green 17, the same dataset on both: a major upgrade.
# Undeclared -> hold; declared -> switchover; green older than blue -> rollback
# (exit 2).
# gl-datasets: gltest pagila
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin

blue=$(gl_conninfo blue "$GL_DB")
green=$(gl_conninfo green "$GL_DB")

assert_exit 1 gl_check "$GL_TMP/undeclared" --blue "$blue" --green "$green"
r=$GL_TMP/undeclared/report.json
assert_report_valid "$r"
assert_eq hold "$(json_get "$r" .decision.action)"
assert_eq 1 "$(json_get "$r" '[.findings[] | select(.code == "engine_version.major_upgrade")] | length')"
assert_eq 15 "$(json_get "$r" '.targets.blue.server_version_num / 10000 | floor')"
assert_eq 17 "$(json_get "$r" '.targets.green.server_version_num / 10000 | floor')"
assert_contains "$(json_get "$r" '[.decision.reasons[].rule] | join(",")')" "major_upgrade"
# Built-in defaults that differ between 15 and 17 are not drift.
assert_eq 0 "$(json_get "$r" '[.decision.reasons[] | select(.rule == "undeclared_parameters")] | length')" "no parameter drift between default configs"
# The hold names the change-file line that declares the upgrade; adding
# exactly that line authorises.
m=$(json_get "$r" '.decision.reasons[] | select(.rule == "major_upgrade") | .message')
assert_eq 'undeclared major upgrade from 15' "${m%%.*}"
assert_contains "$m" ': if it is intended, declare it in the change file (--change): "kind": "major_upgrade", "target_version": "17"'
printf '{%s}' "${m#*--change): }" >"$GL_TMP/from_hint.json"
assert_exit 0 gl_check "$GL_TMP/from_hint" --blue "$blue" --green "$green" --change "$GL_TMP/from_hint.json"

printf '{"id":"CHG-15-17","kind":"major_upgrade","target_version":"17"}' >"$GL_TMP/change.json"
assert_exit 0 gl_check "$GL_TMP/declared" --blue "$blue" --green "$green" --change "$GL_TMP/change.json"
assert_eq switchover "$(json_get "$GL_TMP/declared/report.json" .decision.action)"

# Swap the sides: green would be older than blue -> rollback.
assert_exit 2 gl_check "$GL_TMP/down" --blue "$green" --green "$blue" --change "$GL_TMP/change.json"
r=$GL_TMP/down/report.json
assert_report_valid "$r"
assert_eq rollback "$(json_get "$r" .decision.action)"
assert_eq critical "$(json_get "$r" '.findings[] | select(.code == "engine_version.downgrade") | .severity')"
