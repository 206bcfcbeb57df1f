#!/usr/bin/env bash
# A policy that fails never authorises: syntax error, runtime error, a return
# that is not a decision, infinite loop and memory bomb all give hold with the
# error in the report, and exit 78 (EX_CONFIG) so CI can tell a broken policy
# from a real hold (1); a missing policy file is a usage error (64).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin

blue=$(gl_conninfo blue "$GL_DB")
green=$(gl_conninfo blue "$(gl_clone_db blue "$(gl_unique_name polfail)")")  # identical copy: the default policy would say switchover

write_policy() { printf '%s\n' "$2" >"$GL_TMP/$1.lua"; }
write_policy syntax 'return { name = "t", rules = { broken = function(input) return gl.hold( end } }'
write_policy runtime 'return { name = "t", rules = { boom = function(input) return input.nothing.here end } }'
write_policy loop 'return { name = "t", rules = { spin = function(input) while true do end end } }'
write_policy pcall_loop 'return { name = "t", rules = { spin = function(input) while true do pcall(function() while true do end end) end end } }'
write_policy memory 'return { name = "t", rules = { eat = function(input) local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 1024) .. i end end } }'
write_policy badreturn 'return { name = "t", rules = { odd = function(input) return 42 end } }'
write_policy escape 'return { name = "t", rules = { esc = function(input) return os.execute("touch /tmp/gl-escaped") end } }'

for p in syntax runtime badreturn loop pcall_loop memory escape; do
  assert_exit 78 gl_check "$GL_TMP/$p" --blue "$blue" --green "$green" --policy "$GL_TMP/$p.lua"
  r=$GL_TMP/$p/report.json
  assert_report_valid "$r"
  assert_eq hold "$(json_get "$r" .decision.action)" "$p policy"
  assert_eq policy "$(json_get "$r" '.errors[0].stage')" "$p policy error recorded"
  assert_contains "$(json_get "$r" '.decision.reasons[0].rule')" "greenlight.fail_closed"
  assert_eq 78 "$(json_get "$r" .decision.exit_code)" "$p: the exit code in the report is the one returned"
  assert_contains "$(cat "$GL_LAST_OUT")" "(exit 78)"
done
# A real hold by a working policy stays 1.
write_policy holds 'return { name = "t", rules = { no = function(input) return gl.hold("not today") end } }'
assert_exit 1 gl_check "$GL_TMP/holds" --blue "$blue" --green "$green" --policy "$GL_TMP/holds.lua"
# policy eval: the same distinction on a saved input.
assert_exit 1 gl_check "$GL_TMP/saved" --blue "$blue" --green "$green" --policy "$GL_TMP/holds.lua" \
  --save-input "$GL_TMP/input.json"
assert_exit 78 "$GL_BIN" policy eval --input "$GL_TMP/input.json" --policy "$GL_TMP/runtime.lua"
assert_contains "$(cat "$GL_LAST_OUT")" "decision: hold (the policy failed: exit 78)"
assert_exit 1 "$GL_BIN" policy eval --input "$GL_TMP/input.json" --policy "$GL_TMP/holds.lua"
assert_contains "$(json_get "$GL_TMP/syntax/report.json" '.errors[0].message')" "syntax.lua:1"
assert_contains "$(json_get "$GL_TMP/runtime/report.json" '.errors[0].message')" "boom"
# An endless loop ends at the instruction budget; on a loaded machine (two cores,
# sanitizers, other suites) the wall-clock budget may come first: either is the
# policy's budget ending it, which is what this proves.
budget_ended() { # REPORT
  case "$(json_get "$1" '.errors[0].message')" in
    *"instruction budget"* | *"wall-clock budget"*) GL_ASSERTIONS=$((GL_ASSERTIONS + 1)) ;;
    *) gl_fail "$1: not ended by a budget: $(json_get "$1" '.errors[0].message')" ;;
  esac
}
budget_ended "$GL_TMP/pcall_loop/report.json"
assert_contains "$(json_get "$GL_TMP/escape/report.json" '.errors[0].message')" "os"
budget_ended "$GL_TMP/loop/report.json"
assert_contains "$(json_get "$GL_TMP/memory/report.json" '.errors[0].message')" "memory"
[ ! -e /tmp/gl-escaped ] || gl_fail "policy escaped the sandbox"

assert_exit 64 gl_check "$GL_TMP/none" --blue "$blue" --green "$green" --policy "$GL_TMP/does-not-exist.lua"
# The exact message: the path once, the reason, the usage hint (defect: the
# prefix used to be formatted into itself, "--policy: --policy: d...").
assert_eq "greenlight: error: --policy: cannot read $GL_TMP/does-not-exist.lua: No such file or directory
(see \`greenlight check --help\`)" "$(cat "$GL_LAST_ERR")"

# --policy NAME: a shipped policy by its name, as `policy test` finds it; the
# report names the file that ran and its digest.
assert_exit 1 gl_check "$GL_TMP/strict" --blue "$blue" --green "$green" --policy strict
assert_eq "$GL_SOURCE_DIR/policies/strict.lua" "$(json_get "$GL_TMP/strict/report.json" .policy.path)"
assert_eq "$(sha256sum "$GL_SOURCE_DIR/policies/strict.lua" | cut -d' ' -f1)" \
  "$(json_get "$GL_TMP/strict/report.json" .policy.sha256)"
assert_exit 1 gl_check "$GL_TMP/strict_lua" --blue "$blue" --green "$green" --policy strict.lua
assert_eq "$GL_SOURCE_DIR/policies/strict.lua" "$(json_get "$GL_TMP/strict_lua/report.json" .policy.path)"
assert_exit 64 gl_check "$GL_TMP/stirct" --blue "$blue" --green "$green" --policy stirct
assert_eq "greenlight: error: --policy stirct: no such file, and not a shipped policy (shipped: default, major_upgrade, strict); give a path to a .lua file or one of those names
(see \`greenlight check --help\`)" "$(cat "$GL_LAST_ERR")"
[ ! -e "$GL_TMP/stirct" ] || gl_fail "a usage error wrote a report"
assert_exit 64 "$GL_BIN" policy eval --input "$GL_TMP/input.json" --policy stirct
assert_contains "$(cat "$GL_LAST_ERR")" "not a shipped policy (shipped: default, major_upgrade, strict)"
assert_exit 1 "$GL_BIN" policy eval --input "$GL_TMP/input.json" --policy strict
assert_contains "$(cat "$GL_LAST_OUT")" "policies/strict.lua"
# An unreadable policy file is a usage error for policy eval too, not a broken policy.
assert_exit 64 "$GL_BIN" policy eval --input "$GL_TMP/input.json" --policy "$GL_TMP/does-not-exist.lua"
assert_contains "$(cat "$GL_LAST_ERR")" "--policy: cannot read $GL_TMP/does-not-exist.lua"

# A shipped policy that judges a check the run left out (--plugins) holds and
# names the plugin to add.
assert_exit 1 gl_check "$GL_TMP/mu_subset" --blue "$blue" --green "$green" --policy major_upgrade --plugins parameters
assert_contains "$(json_get "$GL_TMP/mu_subset/report.json" '[.decision.reasons[].message] | join(" ")')" \
  "the major_upgrade policy judges the engine_version check, which did not run: add engine_version to --plugins"
