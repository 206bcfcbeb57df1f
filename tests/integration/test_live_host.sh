#!/usr/bin/env bash
# host->query_read_only (ABI 1.4) on the fixture's blue 15 and green 17, in
# process and isolated: tests/live/live_host_read_only.c (Criterion).
. "$(dirname "$0")/lib.sh"

live_bin=${GL_BUILD_DIR:-$(dirname "$GL_BIN")/..}/test-live/live_host_read_only
[ -x "$live_bin" ] || gl_fail "no $live_bin: build the project first"

export GL_LIVE_BLUE="$(gl_conninfo blue "$GL_DB")"
export GL_LIVE_GREEN="$(gl_conninfo green "$GL_DB")"
assert_exit 0 "$live_bin" --jobs 1
cat "$GL_LAST_OUT" "$GL_LAST_ERR"
assert_contains "$(cat "$GL_LAST_ERR")" "Failing: 0"
