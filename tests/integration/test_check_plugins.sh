#!/usr/bin/env bash
# Plugins: `greenlight plugins` lists the shipped ones; a refused plugin on the
# path stops `check` with 64 naming the file and ABI versions; a plugin whose
# collect fails holds with exit 70; findings from a plugin reach the policy.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin
tp=$GL_BUILD_DIR/test-plugins
blue=$(gl_conninfo blue "$GL_DB")
# green: another database of the same server (one database on both sides is refused)
green=$(gl_conninfo blue "$(gl_clone_db blue "$(gl_unique_name plugins)")")

assert_exit 0 "$GL_BIN" plugins
assert_contains "$(cat "$GL_LAST_OUT")" "parameters"
assert_contains "$(cat "$GL_LAST_OUT")" "engine_version"

assert_exit 64 "$GL_BIN" plugins --plugin-path "$tp/wrong_abi"
assert_contains "$(cat "$GL_LAST_OUT")" "wrong_abi.so: abi_major is 99"
assert_exit 64 gl_check "$GL_TMP/abi" --blue "$blue" --green "$green" --plugin-path "$tp/wrong_abi"
assert_contains "$(cat "$GL_LAST_ERR")" "wrong_abi.so"
assert_contains "$(cat "$GL_LAST_ERR")" "ABI 1.4"
assert_exit 64 gl_check "$GL_TMP/noentry" --blue "$blue" --green "$green" --plugin-path "$tp/no_entry"
assert_contains "$(cat "$GL_LAST_ERR")" "no greenlight_plugin symbol"

assert_exit 70 gl_check "$GL_TMP/fail" --blue "$blue" --green "$green" --plugin-path "$tp/failing_collect"
r=$GL_TMP/fail/report.json
assert_report_valid "$r"
assert_eq hold "$(json_get "$r" .decision.action)"
assert_eq failed "$(json_get "$r" '.plugins[] | select(.name == "failing_collect") | .status')"
assert_contains "$(json_get "$r" '.errors[0].message')" "simulated collect failure"

assert_exit 1 gl_check "$GL_TMP/emit" --blue "$blue" --green "$green" --plugin-path "$tp/finding_emitter" \
  --plugins finding_emitter
r=$GL_TMP/emit/report.json
assert_eq "finding_emitter.test:test.object" "$(json_get "$r" '.decision.reasons[0].findings[0]')"
assert_eq 0 "$(json_get "$r" '.findings[0].blue')"
assert_eq 1 "$(json_get "$r" '.findings[0].green')"

assert_exit 64 gl_check "$GL_TMP/x" --blue "$blue" --green "$green" --plugins nosuchplugin
assert_contains "$(cat "$GL_LAST_ERR")" "nosuchplugin"

# A FIFO named like a plugin is refused at once (dlopen would wait forever for
# a writer), and a plugin for another machine is refused as such (glibc says
# "No such file"): a copy of a real plugin with e_machine set to AArch64.
odd=$GL_TMP/odd-plugins
mkdir -p "$odd"
mkfifo "$odd/x.so"
assert_exit 64 timeout 60 "$GL_BIN" plugins --plugin-path "$odd"
assert_contains "$(cat "$GL_LAST_OUT")" "x.so: not a regular file (a FIFO)"
rm "$odd/x.so"
cp "$tp/hostile/hostile.so" "$odd/arm.so"
printf '\267\000' | dd of="$odd/arm.so" bs=1 seek=18 conv=notrunc status=none
assert_exit 64 "$GL_BIN" plugins --plugin-path "$odd"
assert_contains "$(cat "$GL_LAST_OUT")" "arm.so: wrong architecture: built for aarch64 (64-bit) but this greenlight runs on"
