#!/usr/bin/env bash
# A plugin cannot decide the run: each runs in its own process, so one that
# exits 0, crashes, hangs, writes garbage on its channel, forges a result or
# prints a verdict ends as a held run (exit 70) whose report names the plugin
# and what happened. A server that stops answering mid-query (its backend
# SIGSTOPped: statement_timeout cannot fire) holds within statement_timeout
# plus the 5 s grace, naming the side. tests/plugins/hostile.c is the plugin.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin
tp=$GL_BUILD_DIR/test-plugins/hostile
blue=$(gl_conninfo blue "$GL_DB")
green=$(gl_conninfo blue "$(gl_clone_db blue "$(gl_unique_name isolation)")")

# run_mode NAME EXIT CONFIG-JSON [check args...]: one check with the hostile plugin alone.
run_mode() {
  local name=$1 want=$2 conf=$3
  shift 3
  printf '{"plugins": {"hostile": %s}}\n' "$conf" >"$GL_TMP/$name.json"
  assert_exit "$want" gl_check "$GL_TMP/$name" --blue "$blue" --green "$green" --plugin-path "$tp" \
    --plugins hostile --config "$GL_TMP/$name.json" "$@"
}

# held NAME MESSAGE: the report holds, the plugin failed, and its error says MESSAGE.
held() {
  local r=$GL_TMP/$1/report.json
  assert_report_valid "$r"
  assert_eq hold "$(json_get "$r" .decision.action)"
  assert_eq failed "$(json_get "$r" '.plugins[] | select(.name == "hostile") | .status')"
  assert_eq hostile "$(json_get "$r" '.errors[0].plugin')"
  assert_contains "$(json_get "$r" '.errors[0].message')" "$2"
}

# The control: the same plugin behaving authorises, so the cases below can fail.
run_mode ok 0 '{"mode": "ok"}'
assert_eq switchover "$(json_get "$GL_TMP/ok/report.json" .decision.action)"

run_mode exit0 70 '{"mode": "exit0"}'
held exit0 "exited with status 0 without returning a result"

ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0" run_mode segv 70 '{"mode": "segv"}'
held segv "crashed: killed by signal 11 (Segmentation fault)"

run_mode abort 70 '{"mode": "abort"}'
held abort "crashed: killed by signal 6 (Aborted)"

start=$(date +%s)
run_mode hang 70 '{"mode": "hang"}' --plugin-timeout 2
held hang "did not finish within 2.0 s: killed at the bound of one plugin call (--plugin-timeout)"
[ $(($(date +%s) - start)) -lt 60 ] || gl_fail "a hung plugin held only after $(($(date +%s) - start)) s"

run_mode hang_run 70 '{"mode": "hang"}' --timeout 3
held hang_run "deadline (--timeout)"

run_mode garbage 70 '{"mode": "garbage"}'
held garbage "sent garbage instead of a message"

run_mode forge 70 '{"mode": "forge"}'
held forge 'returned a forged finding (check "schema"'
# Its stdout is greenlight's stderr: the verdict it printed is not the run's.
assert_not_contains "$(cat "$GL_LAST_OUT")" "decision: switchover"
assert_contains "$(cat "$GL_LAST_ERR")" "decision: switchover"

# Memory it scribbles is its own process's: the run goes on and holds.
run_mode scribble 70 '{"mode": "scribble"}'
assert_eq hold "$(json_get "$GL_TMP/scribble/report.json" .decision.action)"
assert_eq hostile "$(json_get "$GL_TMP/scribble/report.json" '.errors[0].plugin')"

# The connections survive a child that died: the next plugin's queries work.
run_mode after 70 '{"mode": "exit0"}' --plugins hostile,parameters
assert_eq ok "$(json_get "$GL_TMP/after/report.json" '.plugins[] | select(.name == "parameters") | .status')"

# A server that stops answering mid-query: SIGSTOP the backend running the
# plugin's pg_sleep. statement_timeout (1 s) cannot fire in a stopped process;
# the client-side bound (1 s + 5 s) gives the side up and the run holds.
stopped=
cont() { [ -n "$stopped" ] && kill -CONT "$stopped" 2>/dev/null; stopped=; }
trap 'rc=$?; cont; gl__closing_line $rc' EXIT
(
  for _ in $(seq 1 200); do
    pid=$(gl_sql blue postgres "SELECT pid FROM pg_stat_activity WHERE query LIKE '%hostile-sleep%' AND pid <> pg_backend_pid()" || true)
    if [ -n "$pid" ]; then
      kill -STOP "$pid"
      printf '%s\n' "$pid" >"$GL_TMP/stopped.pid"
      exit 0
    fi
    sleep 0.1
  done
) &
watcher=$!
start=$(date +%s)
run_mode frozen 70 '{"mode": "sleep", "seconds": 30}' --statement-timeout 1000
took=$(($(date +%s) - start))
wait "$watcher"
stopped=$(cat "$GL_TMP/stopped.pid" 2>/dev/null)
[ -n "$stopped" ] || gl_fail "the backend running the plugin's query was never seen"
cont
held frozen "the blue server did not answer a query within 6.0 s"
[ "$took" -lt 30 ] || gl_fail "a frozen server held only after $took s (bound 6 s)"


# The policy: one long call into C from Lua escapes the instruction hook; the
# evaluation is killed at its wall budget (5 s + 1 s) and the run holds.
cat >"$GL_TMP/slow.lua" <<'LUA'
return {
  name = "slow",
  description = "one C call that never returns to the hook",
  rules = {
    forever = function(input)
      table.move({}, 1, 1e12, 1, {})
      return {}
    end,
  },
}
LUA
start=$(date +%s)
assert_exit 78 gl_check "$GL_TMP/slowpol" --blue "$blue" --green "$green" --plugins parameters \
  --policy "$GL_TMP/slow.lua"
took=$(($(date +%s) - start))
r=$GL_TMP/slowpol/report.json
assert_report_valid "$r"
assert_eq hold "$(json_get "$r" .decision.action)"
assert_contains "$(json_get "$r" '[.errors[] | select(.stage == "policy") | .message] | join(" ")')" \
  "wall-clock budget of 5000 ms exceeded: the evaluation was killed"
[ "$took" -lt 60 ] || gl_fail "a policy stuck in one C call held only after $took s"
