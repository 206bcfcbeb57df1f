#!/usr/bin/env bash
# Two identical databases on the same PostgreSQL 15: no drift, the default
# policy authorises the switchover (exit 0) and the report is schema-valid.
# gl-datasets: gltest pagila
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin

a=$(gl_clone_db blue "$(gl_unique_name ident_a)")
b=$(gl_clone_db blue "$(gl_unique_name ident_b)")
assert_exit 0 gl_check "$GL_TMP/r" --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo blue "$b")"
r=$GL_TMP/r/report.json
assert_file_exists "$r"
assert_report_valid "$r"
assert_eq switchover "$(json_get "$r" .decision.action)"
assert_eq 0 "$(json_get "$r" .decision.exit_code)"
assert_eq 0 "$(json_get "$r" '[.findings[] | select(.severity != "info")] | length')" "no warnings on identical pair"
assert_eq "ok" "$(json_get "$r" '[.plugins[].status] | unique | join(",")')"
assert_contains "$(json_get "$r" '[.plugins[].name] | join(",")')" "parameters"
assert_contains "$(json_get "$r" '[.plugins[].name] | join(",")')" "engine_version"
assert_eq live "$(json_get "$r" .targets.blue.kind)"
assert_contains "$(cat "$GL_LAST_OUT")" "decision: switchover (exit 0)"

# --format json prints the same report on stdout.
assert_exit 0 "$GL_BIN" check --format json --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo blue "$b")"
assert_eq switchover "$(jq -r .decision.action "$GL_LAST_OUT")"
