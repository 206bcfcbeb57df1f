#!/usr/bin/env bash
# The README's first command, end to end: share/demo/demo.sh run from a copy of
# the repository with no ../shared beside it (as in a user's clone), with this
# build (GL_DEMO_SKIP_BUILD=1). It must tell the whole story: create, status,
# the gate's decision, the switchover through PgBouncer under load, status of
# the reverse path, the rollback, 0 lost writes, cleanup; and leave no server
# or temp dir behind.
. "$(dirname "$0")/lib.sh"
gl_require_bin
[ "$(id -u)" -eq 0 ] || gl_skip "the demo runs as root (it installs what is missing)"

# A clone-like copy: what git tracks (and new files not ignored), nothing else.
CLONE=$GL_TMP/clone/greenlight
mkdir -p "$CLONE"
if git -C "$GL_SOURCE_DIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$GL_SOURCE_DIR" ls-files -z --cached --others --exclude-standard |
    (cd "$GL_SOURCE_DIR" && xargs -0 cp --parents -t "$CLONE" 2>/dev/null) || true
else
  cp -a "$GL_SOURCE_DIR"/{CMakeLists.txt,README.md,checks,engine,plugins,policies,share,tests} "$CLONE"
fi
assert_file_exists "$CLONE/share/demo/demo.sh"
[ ! -e "$CLONE/../shared" ] || gl_fail "the copy has a ../shared beside it"

out=$GL_TMP/demo.out
rc=0
(cd "$GL_TMP" && GL_DEMO_SKIP_BUILD=1 GL_BUILD_DIR="$GL_BUILD_DIR" GL_DEMO_OUT="$GL_TMP/report" \
  timeout 600 bash "$CLONE/share/demo/demo.sh") >"$out" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
  tail -n 60 "$out"
  gl_fail "the demo exited $rc"
fi
log=$(cat "$out")
assert_contains "$log" "==> Creating the deployment: green kept in sync with blue by logical replication"
assert_contains "$log" "deployment demo: available"
assert_contains "$log" "serving: blue; green is kept in sync by logical replication"
assert_contains "$log" "==> Decision: SWITCHOVER (authorised)   (greenlight exit code 0)"
assert_eq switchover "$(json_get "$GL_TMP/report/report.json" .decision.action)" "the gate's report"
assert_contains "$log" "switchover done in"
assert_contains "$log" "PgBouncer's demo now points at green"
assert_contains "$log" "deployment demo: switchover_completed"
assert_contains "$log" "reverse path: blue is kept in sync from green"
assert_contains "$log" "rollback done in"
assert_contains "$log" "PgBouncer's demo now points at blue"
# Clients reached 17 after the switchover and 15 after the rollback.
assert_eq "17 15" "$(grep -o 'clients now reach: PostgreSQL [0-9]*' "$out" | awk '{printf "%s%s", (NR > 1 ? " " : ""), $NF}' | sed 's/\.[0-9]*//g')"
ledger=$(grep -o 'ledger: acked=.*' "$out")
assert_contains "$ledger" " lost=0 errors=0 " "no acknowledged write lost, no client error"
acked=$(echo "$ledger" | sed 's/.*acked=\([0-9]*\).*/\1/')
[ "$acked" -gt 100 ] || gl_fail "too few writes to prove anything: $ledger"
assert_contains "$log" "==> Done: decision SWITCHOVER (authorised); switched over to green and rolled back to blue under load, 0 writes lost"
assert_not_contains "$log" "$GL_TEST_PASSWORD" "no password in the demo's output"
# Nothing left running or on disk.
run_dir=$(sed -n 's/^==> Starting blue .* in \(\/tmp\/gl-demo\.[A-Za-z0-9]*\)$/\1/p' "$out")
assert_contains "$run_dir" "/tmp/gl-demo." "the demo names its directory"
[ ! -e "$run_dir" ] || gl_fail "the demo left $run_dir behind"
assert_eq "" "$(pgrep -f "$run_dir" || true)" "no server or PgBouncer of the demo still runs"
