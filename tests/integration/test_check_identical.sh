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
# A check with nothing to measure is "skipped" with why, never "ok": no
# workload is configured, and no logical replication links these two.
assert_eq "engine_version=ok,parameters=ok,query_regression=skipped,replication=skipped,schema=ok" \
  "$(json_get "$r" '[.plugins[] | "\(.name)=\(.status)"] | sort | join(",")')"
assert_contains "$(json_get "$r" '.plugins[] | select(.name == "query_regression") | .error')" \
  "no workload configured: give query_regression a \"workload\" file"
assert_contains "$(json_get "$r" '.plugins[] | select(.name == "replication") | .error')" \
  "no logical replication to guard"
assert_eq 0 "$(json_get "$r" '.errors | length')" "a skip is not an error"
assert_contains "$(grep query_regression "$GL_LAST_OUT")" "skipped"
assert_contains "$(grep query_regression "$GL_LAST_OUT")" "no workload configured"
assert_contains "$(json_get "$r" '[.plugins[].name] | join(",")')" "parameters"
assert_contains "$(json_get "$r" '[.plugins[].name] | join(",")')" "engine_version"
assert_eq live "$(json_get "$r" .targets.blue.kind)"
assert_contains "$(cat "$GL_LAST_OUT")" "decision: switchover (exit 0)"

# --format json prints the same report on stdout.
assert_exit 0 "$GL_BIN" check --format json --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo blue "$b")"
assert_eq switchover "$(jq -r .decision.action "$GL_LAST_OUT")"

# ... and in every report format.
assert_exit 0 gl_check "$GL_TMP/formats" --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo blue "$b")" \
  --format junit,markdown,html,sarif
d=$GL_TMP/formats
assert_contains "$(cat "$d/report.junit.xml")" '<skipped message="no workload configured'
assert_contains "$(cat "$d/report.md")" " — check skipped"
assert_contains "$(cat "$d/report.html")" "query_regression"
assert_contains "$(cat "$d/report.html")" "check skipped"
assert_contains "$(cat "$d/report.html")" "no logical replication to guard"
assert_contains "$(cat "$d/report.md")" "no logical replication to guard"
assert_contains "$(jq -r '.runs[0].invocations[0].toolExecutionNotifications[] | select(.level == "note") | .message.text' "$d/report.sarif")" \
  "check query_regression skipped: no workload configured"
