# shellcheck shell=bash
# Helpers shared by the `greenlight check` integration tests (sourced after lib.sh).

# assert_report_valid FILE: FILE validates against share/schema/report.schema.json.
assert_report_valid() {
  GL_ASSERTIONS=$((GL_ASSERTIONS + 1))
  /usr/bin/python3 "$GL_SOURCE_DIR/tests/integration/validate.py" \
    "$GL_SOURCE_DIR/share/schema/report.schema.json" "$1" >"$GL_TMP/validate.out" 2>&1 ||
    gl_fail "report $1 does not match the schema: $(cat "$GL_TMP/validate.out")"
}

# gl_check OUTDIR ARGS...: run greenlight check writing OUTDIR/report.json.
gl_check() {
  local out=$1
  shift
  "$GL_BIN" check --no-color --out "$out" "$@"
}

# finding_codes FILE: the sorted finding codes of a report, one per line.
finding_codes() {
  jq -r '.findings[].code' "$1" | sort
}
