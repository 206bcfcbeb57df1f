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

# gl_check_decided PLUGIN OUTDIR ARGS...: a check of one plugin whose decision
# is the policy's business, not the test's: it must end with a decision
# (exit 0, 1 or 2), with no sanitizer report and no errors in the run.
gl_check_decided() {
  local plugin=$1 out=$2 rc=0
  shift 2
  GL_ASSERTIONS=$((GL_ASSERTIONS + 1))
  "$GL_BIN" check --no-color --plugins "$plugin" --out "$out" "$@" >"$GL_LAST_OUT" 2>"$GL_LAST_ERR" || rc=$?
  case "$rc" in
    0 | 1 | 2) ;;
    *) gl_fail "check exited $rc: $(head -c 2000 "$GL_LAST_ERR") $(head -c 2000 "$GL_LAST_OUT")" ;;
  esac
  if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$GL_LAST_ERR"; then
    gl_fail "sanitizer report: $(head -c 4000 "$GL_LAST_ERR")"
  fi
  assert_eq '[]' "$(jq -c '.errors // []' "$out/report.json")" "no errors in the run"
}
