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

# A snapshot's age is in the report and on the terminal.
age=$(json_get "$r" .targets.blue.age_s)
[ "$age" -ge 0 ] && [ "$age" -lt 600 ] || gl_fail "age_s of a fresh snapshot: $age"
assert_eq "$(json_get "$GL_TMP/blue.json" .taken_at)" "$(json_get "$r" .targets.blue.taken_at)"
assert_eq null "$(json_get "$GL_TMP/live/report.json" '.targets.blue.age_s // null')" "a live side has no age"
assert_contains "$(cat "$GL_LAST_OUT")" "  blue   $GL_TMP/blue.json  (snapshot, PostgreSQL $(json_get "$r" .targets.blue.server_version), taken "
# --max-snapshot-age refuses a stale snapshot before anything runs (64, no
# report), naming the file, its age and the limit; a fresh one passes.
python3 - "$GL_TMP/blue.json" "$GL_TMP/old.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["taken_at"] = "2020-01-01T00:00:00.000Z"
json.dump(s, open(sys.argv[2], "w"))
PY
assert_exit 1 gl_check "$GL_TMP/fresh" --blue "$GL_TMP/blue.json" --green "$GL_TMP/green.json" --max-snapshot-age 1h
assert_exit 1 gl_check "$GL_TMP/nolimit" --blue "$GL_TMP/old.json" --green "$GL_TMP/green.json"
assert_exit 64 gl_check "$GL_TMP/stale" --blue "$GL_TMP/old.json" --green "$GL_TMP/green.json" --max-snapshot-age 12h
assert_contains "$(cat "$GL_LAST_ERR")" "greenlight: error: --blue $GL_TMP/old.json: the snapshot is "
assert_contains "$(cat "$GL_LAST_ERR")" " old (taken at 2020-01-01T00:00:00.000Z), older than --max-snapshot-age 12h: take it again (\`greenlight snapshot\`) or raise the limit"
[ ! -e "$GL_TMP/stale" ] || gl_fail "a refused snapshot wrote a report"
assert_exit 64 gl_check "$GL_TMP/badage" --blue "$GL_TMP/blue.json" --green "$GL_TMP/green.json" --max-snapshot-age 12
assert_contains "$(cat "$GL_LAST_ERR")" "--max-snapshot-age takes a duration with a unit: 30min, 12h, 7d"

printf '{"not":"a snapshot"}' >"$GL_TMP/bogus.json"
assert_exit 64 gl_check "$GL_TMP/b" --blue "$GL_TMP/bogus.json" --green "$GL_TMP/green.json"
assert_contains "$(cat "$GL_LAST_ERR")" "not a greenlight snapshot"

# A snapshot taken with a password in the conninfo never stores it.
assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo_tcp blue "$GL_DB") password=$GL_TEST_PASSWORD" -o "$GL_TMP/pw.json" -v
for f in "$GL_TMP/pw.json" "$GL_LAST_OUT" "$GL_LAST_ERR"; do
  assert_not_contains "$(cat "$f")" "$GL_TEST_PASSWORD" "password leaked into $f"
done
assert_contains "$(json_get "$GL_TMP/pw.json" .target)" "password=********"

# A snapshot that cannot be written names the path once (it printed "cannot
# write P: cannot write P: ..."). /proc passes the -o check (a writable
# directory for root) and refuses the temp file.
assert_exit 64 "$GL_BIN" snapshot --target "$(gl_conninfo blue "$GL_DB")" -o /proc/greenlight-snapshot.json
assert_eq "greenlight: error: cannot write /proc/greenlight-snapshot.json: No such file or directory" \
  "$(cat "$GL_LAST_ERR")"
