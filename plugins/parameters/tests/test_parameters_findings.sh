#!/usr/bin/env bash
# The parameters check's findings, on live servers and on edited snapshots:
# values compared by unit (bytes), changed vs default_changed, only_on_*,
# pending_restart, the ignore list and its configuration.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$GL_SOURCE_DIR/tests/integration/check_lib.sh"
gl_require_bin

run_check() { gl_check_decided parameters "$@"; } # OUTDIR ARGS...
finding() { # REPORT OBJECT JQ: a field of the parameters finding about OBJECT
  json_get "$1" "[.findings[] | select(.check == \"parameters\" and .object == \"$2\")] | .[0] | $3"
}

# --- live: two databases of one server, one with ALTER DATABASE settings ---
a=$(gl_clone_db blue "$(gl_unique_name par_a)")
b=$(gl_clone_db blue "$(gl_unique_name par_b)")
gl_sql blue postgres "ALTER DATABASE \"$b\" SET temp_buffers = '16MB'" >/dev/null
gl_sql blue postgres "ALTER DATABASE \"$b\" SET work_mem = '4096kB'" >/dev/null      # = the 4MB default
gl_sql blue postgres "ALTER DATABASE \"$b\" SET statement_timeout = '5min'" >/dev/null # ignored
run_check "$GL_TMP/live" --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo blue "$b")"
r=$GL_TMP/live/report.json
assert_report_valid "$r"
assert_eq parameters.changed "$(finding "$r" temp_buffers .code)"
assert_eq warning "$(finding "$r" temp_buffers .severity)"
assert_eq 8MB "$(finding "$r" temp_buffers .blue)"
assert_eq 16MB "$(finding "$r" temp_buffers .green)"
assert_eq 16777216 "$(finding "$r" temp_buffers .details.normalised_green)"
assert_eq bytes "$(finding "$r" temp_buffers .details.normalised_unit)"
assert_eq database "$(finding "$r" temp_buffers .details.source_green)"
assert_eq default "$(finding "$r" temp_buffers .details.source_blue)"
assert_eq 8kB "$(finding "$r" temp_buffers .details.unit)"
assert_eq 0 "$(json_get "$r" '[.findings[] | select(.object == "work_mem")] | length')" "4096kB is the 4MB default"
assert_eq 0 "$(json_get "$r" '[.findings[] | select(.object == "statement_timeout")] | length')" "ignored by default"

printf '{"plugins":{"parameters":{"ignore_add":["TEMP_*"]}}}' >"$GL_TMP/ignore.json"
run_check "$GL_TMP/ignored" --config "$GL_TMP/ignore.json" --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo blue "$b")"
assert_eq 0 "$(json_get "$GL_TMP/ignored/report.json" '[.findings[] | select(.object == "temp_buffers")] | length')" "ignore_add patterns are case-insensitive globs"

# An ignore list that leaves nothing to compare is a failed check, not "ok".
printf '{"plugins":{"parameters":{"ignore":["*"]}}}' >"$GL_TMP/all.json"
assert_exit 70 "$GL_BIN" check --no-color --plugins parameters --out "$GL_TMP/all" --config "$GL_TMP/all.json" \
  --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo blue "$b")"
assert_eq failed "$(json_get "$GL_TMP/all/report.json" '.plugins[] | select(.name == "parameters") | .status')"
assert_contains "$(json_get "$GL_TMP/all/report.json" '.errors[0].message')" \
  "parameters: the ignore list leaves no setting to compare"
assert_eq hold "$(json_get "$GL_TMP/all/report.json" .decision.action)"

printf '{"plugins":{"parameters":{"ignore":"temp_buffers"}}}' >"$GL_TMP/bad.json"
rc=0
"$GL_BIN" check --no-color --plugins parameters --out "$GL_TMP/bad" --config "$GL_TMP/bad.json" \
  --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo blue "$b")" >"$GL_LAST_OUT" 2>"$GL_LAST_ERR" || rc=$?
assert_eq 64 "$rc" "a malformed ignore setting is refused before the run"
assert_contains "$(cat "$GL_LAST_ERR")" '$.plugins.parameters.ignore: expected an array, got a string'

# --- offline: a snapshot of blue, edited into a green ---
assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo blue "$GL_DB")" -o "$GL_TMP/blue.json" --plugins parameters
S='.plugins.parameters.facts.settings'
jq "$S.shared_buffers.setting = (($S.shared_buffers.setting | tonumber) * 8 | tostring) | $S.shared_buffers.unit = \"kB\"
  | $S.effective_cache_size.setting = \"1048576\" | $S.effective_cache_size.source = \"configuration file\"
  | $S.max_connections.pending_restart = true
  | $S.random_page_cost.setting = \"1.1\"
  | del($S.vacuum_defer_cleanup_age)
  | $S.zz_new_setting = {setting: \"on\", unit: null, source: \"default\", context: \"user\", vartype: \"bool\", boot_val: \"on\", reset_val: \"on\", pending_restart: false}
  | del(.identity)" \
  "$GL_TMP/blue.json" >"$GL_TMP/green.json"
# blue set vacuum_defer_cleanup_age in its configuration: losing it is a warning
jq "$S.vacuum_defer_cleanup_age.source = \"configuration file\"" "$GL_TMP/blue.json" >"$GL_TMP/blue2.json"
run_check "$GL_TMP/off" --blue "$GL_TMP/blue2.json" --green "$GL_TMP/green.json"
r=$GL_TMP/off/report.json
assert_report_valid "$r"
assert_eq 0 "$(json_get "$r" '[.findings[] | select(.object == "shared_buffers")] | length')" "16384 x 8kB = 131072 x kB"
assert_eq parameters.changed "$(finding "$r" effective_cache_size .code)"
assert_eq 8GB "$(finding "$r" effective_cache_size .green)"
assert_eq 8589934592 "$(finding "$r" effective_cache_size .details.normalised_green)"
assert_eq parameters.default_changed "$(finding "$r" random_page_cost .code)"
assert_eq info "$(finding "$r" random_page_cost .severity)"
assert_eq true "$(finding "$r" random_page_cost .details.default_on_both)"
assert_eq parameters.pending_restart "$(finding "$r" max_connections .code)"
assert_eq green "$(finding "$r" max_connections .details.side)"
assert_eq warning "$(finding "$r" max_connections .severity)"
assert_eq parameters.only_on_blue "$(finding "$r" vacuum_defer_cleanup_age .code)"
assert_eq warning "$(finding "$r" vacuum_defer_cleanup_age .severity)"
assert_eq parameters.only_on_green "$(finding "$r" zz_new_setting .code)"
assert_eq info "$(finding "$r" zz_new_setting .severity)"
assert_eq default "$(finding "$r" zz_new_setting .details.source_green)"
assert_eq 5 "$(json_get "$r" '[.findings[] | select(.check == "parameters")] | length')" "nothing else differs"

# the same facts from the unedited blue: only_on_blue is info when nobody set it
run_check "$GL_TMP/off2" --blue "$GL_TMP/blue.json" --green "$GL_TMP/green.json"
assert_eq info "$(finding "$GL_TMP/off2/report.json" vacuum_defer_cleanup_age .severity)"
