#!/usr/bin/env bash
# An extension installed on blue that green cannot provide (adminpack was
# removed in PostgreSQL 17) is critical: hold, naming the extension.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin

a=$(gl_clone_db blue "$(gl_unique_name ext_a)")
gl_sql blue "$a" "CREATE EXTENSION adminpack" >/dev/null
printf '{"id":"CHG-1","kind":"major_upgrade","target_version":"17"}' >"$GL_TMP/change.json"
assert_exit 1 gl_check "$GL_TMP/r" --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo green "$GL_DB")" \
  --change "$GL_TMP/change.json"
r=$GL_TMP/r/report.json
assert_report_valid "$r"
assert_eq hold "$(json_get "$r" .decision.action)"
assert_eq critical "$(json_get "$r" '.findings[] | select(.code == "engine_version.extension.missing") | .severity')"
assert_eq adminpack "$(json_get "$r" '.findings[] | select(.code == "engine_version.extension.missing") | .object')"
assert_contains "$(json_get "$r" '[.decision.reasons[].findings[]] | join(",")')" "engine_version.extension.missing:adminpack"
