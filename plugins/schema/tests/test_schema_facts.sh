#!/usr/bin/env bash
# Facts read from a snapshot are validated: a missing kind, a kind of the wrong
# type, a record that is not a string or has the wrong number of fields, an
# unknown member or a bad count is a plugin error, so the run holds; never
# "no objects" (which would compare as "nothing changed").
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$GL_SOURCE_DIR/tests/integration/check_lib.sh"
gl_require_bin

"$GL_BIN" snapshot --plugins schema --target "$GL_BLUE" -o "$GL_TMP/blue.snap" >/dev/null
"$GL_BIN" snapshot --plugins schema --target "$GL_GREEN" -o "$GL_TMP/green.snap" >/dev/null
offline() { # OUT GREEN-SNAPSHOT
  "$GL_BIN" check --no-color --plugins schema --out "$1" --blue "$GL_TMP/blue.snap" --green "$2" >"$1.stdout" 2>&1
}

# The snapshots as taken compare clean.
assert_exit 0 offline "$GL_TMP/ok" "$GL_TMP/green.snap"
assert_eq switchover "$(json_get "$GL_TMP/ok/report.json" .decision.action)"

# bad JQ-EDIT EXPECTED-MESSAGE: green's facts edited so; the run holds on the plugin's error.
bad() {
  local out=$GL_TMP/bad rc=0
  rm -rf "$out" "$out.stdout"
  jq ".plugins.schema.facts |= ($1)" "$GL_TMP/green.snap" >"$GL_TMP/edited.snap"
  offline "$out" "$GL_TMP/edited.snap" || rc=$?
  GL_ASSERTIONS=$((GL_ASSERTIONS + 1))
  [ "$rc" -eq 70 ] || gl_fail "facts edited with '$1': expected exit 70 (plugin error), got $rc: $(head -c 2000 "$out.stdout")"
  assert_report_valid "$out/report.json"
  assert_eq hold "$(json_get "$out/report.json" .decision.action)" "'$1' holds"
  assert_eq failed "$(json_get "$out/report.json" '.plugins[] | select(.name == "schema") | .status')" "'$1': plugin status"
  assert_contains "$(json_get "$out/report.json" '[.errors[].message] | join(" ")')" "$2"
}
bad 'del(.tables)' 'schema: green facts: "tables" must be an object of table records (missing)'
bad '.tables = []' 'schema: green facts: "tables" must be an object of table records (wrong type)'
bad '.columns = "none"' '"columns" must be an object of column records (wrong type)'
bad '.tables["public.venue"] = 5' 'schema: green facts: table "public.venue" is not a record string'
bad '.tables["public.venue"] = "r"' 'schema: green facts: table "public.venue" has 1 fields, expected'
bad '.indexes = (.indexes | to_entries | map(.value += "\u001fextra") | from_entries)' 'has'
bad '.colour = {}' 'schema: green facts: unknown member "colour"'
bad '.large_objects = "0"' 'schema: green facts: "large_objects" must be a count'
bad 'del(.server_version_num)' 'schema: green facts: "server_version_num" must be a server version number'
bad '.format = 1' 'schema: green facts are not schema facts of format 5 (got 1)'

# An empty kind is valid facts, and reads as every table dropped: never as "same".
jq '.plugins.schema.facts.tables = {}' "$GL_TMP/green.snap" >"$GL_TMP/empty.snap"
rc=0
offline "$GL_TMP/empty" "$GL_TMP/empty.snap" || rc=$?
assert_eq 1 "$rc" "no tables on green holds"
assert_contains "$(schema_findings() { jq -r '.findings[] | "\(.code) \(.severity) \(.object)"' "$1"; }; schema_findings "$GL_TMP/empty/report.json")" "schema.table.dropped critical public.venue"
