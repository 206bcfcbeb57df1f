#!/usr/bin/env bash
# Snapshots: `snapshot` saves the facts of a side; `check` accepts snapshots in
# place of conninfos and reaches the same decision offline.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin

assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo blue "$GL_DB")" -o "$GL_TMP/blue.json"
assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo green "$GL_DB")" -o "$GL_TMP/green.json"
assert_exit 0 /usr/bin/python3 "$GL_SOURCE_DIR/tests/integration/validate.py" \
  "$GL_SOURCE_DIR/share/schema/snapshot.schema.json" "$GL_TMP/blue.json" "$GL_TMP/green.json"
assert_eq 1 "$(json_get "$GL_TMP/blue.json" .greenlight_snapshot)"

assert_exit 1 gl_check "$GL_TMP/live" --blue "$(gl_conninfo blue "$GL_DB")" --green "$(gl_conninfo green "$GL_DB")"
assert_exit 1 gl_check "$GL_TMP/offline" --blue "$GL_TMP/blue.json" --green "$GL_TMP/green.json"
r=$GL_TMP/offline/report.json
assert_report_valid "$r"
assert_eq snapshot "$(json_get "$r" .targets.blue.kind)"
assert_eq "$(json_get "$GL_TMP/live/report.json" '[.findings[].id] | join(",")')" \
  "$(json_get "$r" '[.findings[].id] | join(",")')" "same findings live and offline"
assert_eq "$(json_get "$GL_TMP/live/report.json" .decision)" "$(json_get "$r" .decision)" "same decision"

printf '{"not":"a snapshot"}' >"$GL_TMP/bogus.json"
assert_exit 64 gl_check "$GL_TMP/b" --blue "$GL_TMP/bogus.json" --green "$GL_TMP/green.json"
assert_contains "$(cat "$GL_LAST_ERR")" "not a greenlight snapshot"

# A snapshot taken with a password in the conninfo never stores it.
assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo_tcp blue "$GL_DB") password=$GL_TEST_PASSWORD" -o "$GL_TMP/pw.json" -v
for f in "$GL_TMP/pw.json" "$GL_LAST_OUT" "$GL_LAST_ERR"; do
  assert_not_contains "$(cat "$f")" "$GL_TEST_PASSWORD" "password leaked into $f"
done
assert_contains "$(json_get "$GL_TMP/pw.json" .target)" "password=********"
