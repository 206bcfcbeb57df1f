#!/usr/bin/env bash
# The engine_version check's findings: the 15 -> 17 step, a downgrade,
# extensions missing / not installed / in another version, a parameter set on
# blue that green's PostgreSQL renamed, and minor steps from edited snapshots.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$GL_SOURCE_DIR/tests/integration/check_lib.sh"
gl_require_bin

run_check() { gl_check_decided engine_version "$@"; } # OUTDIR ARGS...
finding() { # REPORT CODE OBJECT JQ
  json_get "$1" "[.findings[] | select(.code == \"$2\" and .object == \"$3\")] | .[0] | $4"
}

# --- 15 -> 17 ---
run_check "$GL_TMP/up" --blue "$(gl_conninfo blue "$GL_DB")" --green "$(gl_conninfo green "$GL_DB")"
r=$GL_TMP/up/report.json
assert_report_valid "$r"
assert_eq 1 "$(json_get "$r" '[.findings[] | select(.code | startswith("engine_version.") and (endswith("upgrade") or endswith("downgrade")))] | length')"
assert_eq warning "$(finding "$r" engine_version.major_upgrade server .severity)"
assert_eq 15 "$(finding "$r" engine_version.major_upgrade server .details.blue_major)"
assert_eq 17 "$(finding "$r" engine_version.major_upgrade server .details.green_major)"
assert_contains "$(finding "$r" engine_version.major_upgrade server .blue)" "15."
assert_contains "$(finding "$r" engine_version.major_upgrade server .green)" "17."
assert_eq 0 "$(json_get "$r" '[.findings[] | select(.code | (startswith("engine_version.extension") or startswith("engine_version.parameter")) and . != "engine_version.parameter.default_changed")] | length')" "Pagila needs nothing 17 lacks"

# --- 17 -> 15 ---
run_check "$GL_TMP/down" --blue "$(gl_conninfo green "$GL_DB")" --green "$(gl_conninfo blue "$GL_DB")"
assert_eq critical "$(finding "$GL_TMP/down/report.json" engine_version.downgrade server .severity)"

# --- extensions and parameters ---
a=$(gl_clone_db blue "$(gl_unique_name ev_a)")
g=$(gl_clone_db green "$(gl_unique_name ev_g)")
gl_sql blue "$a" "CREATE EXTENSION hstore; CREATE EXTENSION adminpack; CREATE EXTENSION citext VERSION '1.6'" >/dev/null
gl_sql green "$g" "CREATE EXTENSION citext VERSION '1.5'" >/dev/null
gl_sql blue postgres "ALTER DATABASE \"$a\" SET force_parallel_mode = on" >/dev/null
gl_sql blue postgres "ALTER DATABASE \"$a\" SET myapp.tenant = 'blue'" >/dev/null
run_check "$GL_TMP/ext" --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo green "$g")"
r=$GL_TMP/ext/report.json
assert_report_valid "$r"
assert_eq critical "$(finding "$r" engine_version.extension.missing adminpack .severity)"
assert_eq warning "$(finding "$r" engine_version.extension.not_installed hstore .severity)"
assert_contains "$(finding "$r" engine_version.extension.not_installed hstore '.details.available_versions | join(",")')" "1.8"
assert_eq warning "$(finding "$r" engine_version.extension.version_changed citext .severity)" "older on green"
assert_eq 1.6 "$(finding "$r" engine_version.extension.version_changed citext .blue)"
assert_eq 1.5 "$(finding "$r" engine_version.extension.version_changed citext .green)"
assert_eq older "$(finding "$r" engine_version.extension.version_changed citext .details.direction)"
assert_eq error "$(finding "$r" engine_version.parameter.removed force_parallel_mode .severity)"
assert_eq debug_parallel_query "$(finding "$r" engine_version.parameter.removed force_parallel_mode .details.renamed_to)"
assert_eq "$a" "$(finding "$r" engine_version.parameter.removed force_parallel_mode '.details.db_role_settings[0].database')"
assert_eq warning "$(finding "$r" engine_version.parameter.removed myapp.tenant .severity)" "custom names are a module's or the application's"
assert_eq true "$(finding "$r" engine_version.parameter.removed myapp.tenant .details.custom)"

# green sets the custom name too: no longer missing
gl_sql green postgres "ALTER DATABASE \"$g\" SET myapp.tenant = 'green'" >/dev/null
run_check "$GL_TMP/ext2" --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo green "$g")"
assert_eq 0 "$(json_get "$GL_TMP/ext2/report.json" '[.findings[] | select(.object == "myapp.tenant")] | length')"

# --- minor steps, from a snapshot edited into a newer minor ---
assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo blue "$GL_DB")" -o "$GL_TMP/blue.json" --plugins engine_version
F='.plugins.engine_version.facts'
jq "$F.server_version_num = ($F.server_version_num + 1) | $F.server_version = \"15.99\" | del(.identity)" "$GL_TMP/blue.json" >"$GL_TMP/newer.json"
run_check "$GL_TMP/minor" --blue "$GL_TMP/blue.json" --green "$GL_TMP/newer.json"
assert_eq info "$(finding "$GL_TMP/minor/report.json" engine_version.minor_upgrade server .severity)"
assert_eq 15.99 "$(finding "$GL_TMP/minor/report.json" engine_version.minor_upgrade server .green)"
run_check "$GL_TMP/minor_down" --blue "$GL_TMP/newer.json" --green "$GL_TMP/blue.json"
assert_eq critical "$(finding "$GL_TMP/minor_down/report.json" engine_version.downgrade server .severity)" "a minor downgrade is a downgrade"
# (a copy without the identity: two snapshots of one side are refused)
jq 'del(.identity)' "$GL_TMP/blue.json" >"$GL_TMP/blue_copy.json"
run_check "$GL_TMP/same" --blue "$GL_TMP/blue.json" --green "$GL_TMP/blue_copy.json"
assert_eq 0 "$(json_get "$GL_TMP/same/report.json" '[.findings[] | select(.check == "engine_version")] | length')" "identical facts give no finding"
