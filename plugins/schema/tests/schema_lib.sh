# shellcheck shell=bash
# Shared by the schema plugin's integration tests (sourced after lib.sh).

# schema_check OUT BLUE GREEN [greenlight args...]: runs the schema check
# (JSON on stdout into OUT). Any decision is fine (exit 0, 1 or 2); 64, 69
# and 70 mean the check itself did not run and fail the test.
schema_check() {
  local out=$1 blue=$2 green=$3 rc=0
  shift 3
  "$GL_BIN" check --plugins schema --format json --blue "$blue" --green "$green" "$@" \
    >"$out" 2>"$out.err" || rc=$?
  GL_ASSERTIONS=$((GL_ASSERTIONS + 1))
  case "$rc" in
    0 | 1 | 2) ;;
    *) gl_fail "greenlight check exited $rc: $(head -c 2000 "$out.err") $(head -c 2000 "$out")" ;;
  esac
  assert_eq ok "$(json_get "$out" '.plugins[] | select(.name == "schema") | .status')" "schema plugin status"
}

# schema_findings OUT: one line per finding, "code severity object", sorted.
schema_findings() {
  jq -r '.findings[] | select(.check == "schema") | "\(.code) \(.severity) \(.object)"' "$1" | sort
}

# schema_pair PREFIX SETUP CONFIG: two clones of the dataset on blue, SETUP run
# in both, compared once with CONFIG (must give no finding). Sets SCHEMA_A
# (blue's database) and SCHEMA_B (green's: apply the changes there).
schema_pair() {
  SCHEMA_A=$(gl_clone_db blue "$(gl_unique_name "${1}_a")")
  SCHEMA_B=$(gl_clone_db blue "$(gl_unique_name "${1}_b")")
  gl_sql blue "$SCHEMA_A" "$2" >/dev/null
  gl_sql blue "$SCHEMA_B" "$2" >/dev/null
  schema_check "$GL_TMP/before.json" "$(gl_conninfo blue "$SCHEMA_A")" "$(gl_conninfo blue "$SCHEMA_B")" --config "$3"
  assert_eq "" "$(schema_findings "$GL_TMP/before.json")" "same setup on both sides"
}
