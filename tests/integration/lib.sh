# shellcheck shell=bash
# Sourced by every integration test script:
#
#   #!/usr/bin/env bash
#   . "$(dirname "$0")/../../tests/integration/lib.sh"   # path from the test
#   db=$(gl_clone_db blue mytest)        # a private copy of the test database on blue
#   assert_exit 0 "$GL_BIN" check --blue "$(gl_conninfo blue "$db")" ...
#   assert_contains "$(cat "$GL_LAST_OUT")" "switchover"
#
# What it gives:
#   - the fixture's servers: GL_BLUE, GL_GREEN (conninfo, dbname=$GL_DB),
#     GL_BLUE_HOST/PORT, GL_GREEN_HOST/PORT, GL_PSQL, GL_TEST_PASSWORD...
#     (see tests/harness/clusters.sh), from $GL_CLUSTER_STATE/env.sh
#   - GL_DB: the dataset this run uses, "gltest" (tests/data/gltest, always
#     there) or "pagila" when ctest runs the test's Pagila variant
#     (GL_DATASET=pagila; the test skips with exit 77 and one line saying why
#     when Pagila is not loaded). See tests/README-data.md.
#   - gl_require_shared PATH...: skip (exit 77) when a file from ../shared is absent
#   - GL_BIN (the greenlight binary; default <build>/bin/greenlight),
#     GL_SOURCE_DIR (the repo)
#   - GL_TMP: a per-test temp dir, removed on exit (GL_KEEP_TMP=1 keeps it)
#   - assertions that stop the test at the first failure with a clear message,
#     and one closing line per test: "PASS name (N assertions)" or "FAIL name: ..."
#   - any command that fails outside an assertion also fails the test
#     (set -e), naming the command and line
#   - databases made with gl_clone_db are dropped on exit
set -eEuo pipefail

GL_TEST_NAME=$(basename "${0%.sh}")
GL_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GL_SOURCE_DIR=${GL_SOURCE_DIR:-$(cd "$GL_LIB_DIR/../.." && pwd)}
GL_ASSERTIONS=0
GL_FAILED=0

gl__closing_line() {
  local rc=$1 db side name
  trap - ERR
  set +e
  # Clones are listed in a file: gl_clone_db often runs in $(...), a subshell.
  if [ -n "${GL_TMP:-}" ] && [ -f "$GL_TMP/.cloned-dbs" ]; then
    while IFS=: read -r side name; do
      gl_sql "$side" postgres "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null 2>&1
    done <"$GL_TMP/.cloned-dbs"
  fi
  if [ -n "${GL_TMP:-}" ] && [ -d "$GL_TMP" ]; then
    if [ "${GL_KEEP_TMP:-0}" = 1 ]; then
      printf 'kept temp dir %s\n' "$GL_TMP"
    else
      rm -rf "$GL_TMP"
    fi
  fi
  if [ "$rc" -eq 0 ] && [ "$GL_FAILED" -eq 0 ]; then
    printf 'PASS %s (%d assertions)\n' "$GL_TEST_NAME" "$GL_ASSERTIONS"
  else
    printf 'FAIL %s (exit %d after %d assertions)\n' "$GL_TEST_NAME" "$rc" "$GL_ASSERTIONS"
  fi
}
trap 'gl__closing_line $?' EXIT
trap 'gl_fail "command failed (exit $?) at ${BASH_SOURCE[0]}:${LINENO}: ${BASH_COMMAND}"' ERR

# gl_fail MESSAGE: fail the test now.
gl_fail() {
  trap - ERR
  GL_FAILED=1
  printf 'FAIL %s: %s\n' "$GL_TEST_NAME" "$*" >&2
  exit 1
}

GL_TMP=$(mktemp -d "/tmp/gl-test-${GL_TEST_NAME:0:30}.XXXXXX")
export GL_TMP

if [ -z "${GL_CLUSTER_STATE:-}" ]; then
  gl_fail "GL_CLUSTER_STATE is not set: run through ctest, or start the servers with 'bash tests/harness/clusters.sh start DIR' and export GL_CLUSTER_STATE=DIR"
fi
if [ ! -f "$GL_CLUSTER_STATE/env.sh" ]; then
  gl_fail "no $GL_CLUSTER_STATE/env.sh: the clusters fixture is not running (bash tests/harness/clusters.sh start $GL_CLUSTER_STATE)"
fi
# shellcheck disable=SC1091
. "$GL_CLUSTER_STATE/env.sh"
# shellcheck source=../harness/pg.sh
. "$GL_SOURCE_DIR/tests/harness/pg.sh"

# Exit code ctest counts as "skipped" (SKIP_RETURN_CODE in tests/CMakeLists.txt).
GL_SKIP_CODE=77

# gl_skip REASON: skip the whole test, saying why in one line.
gl_skip() {
  trap - ERR EXIT
  [ -n "${GL_TMP:-}" ] && rm -rf "$GL_TMP"
  printf 'SKIP %s: %s\n' "$GL_TEST_NAME" "$*"
  exit "$GL_SKIP_CODE"
}

# The dataset: gltest unless ctest runs the Pagila variant of a test.
GL_DB=${GL_DATASET:-gltest}
case "$GL_DB" in
  gltest) ;;
  pagila)
    [ "${GL_HAVE_PAGILA:-0}" = 1 ] || gl_skip "Pagila suite skipped: ${GL_PAGILA_SKIP_REASON:-Pagila is not loaded}"
    GL_BLUE="host=$GL_BLUE_HOST port=$GL_BLUE_PORT user=postgres dbname=pagila"
    GL_GREEN="host=$GL_GREEN_HOST port=$GL_GREEN_PORT user=postgres dbname=pagila"
    GL_BLUE_TCP="host=127.0.0.1 port=$GL_BLUE_PORT user=postgres dbname=pagila"
    GL_GREEN_TCP="host=127.0.0.1 port=$GL_GREEN_PORT user=postgres dbname=pagila"
    ;;
  *) gl_fail "GL_DATASET must be gltest or pagila, got '$GL_DB'" ;;
esac
export GL_DB GL_BLUE GL_GREEN GL_BLUE_TCP GL_GREEN_TCP

# The shared material beside the checkout (CI has it, a user's clone does not).
GL_SHARED_DIR=$(cd "$GL_SOURCE_DIR/.." && pwd)/shared
export GL_SHARED_DIR

# gl_require_shared PATH...: each PATH (relative to $GL_SHARED_DIR) must exist,
# or the whole test is skipped with one line saying which file is missing. Call
# it directly, not in $(...); then use "$GL_SHARED_DIR/PATH".
gl_require_shared() {
  local p
  for p in "$@"; do
    [ -e "$GL_SHARED_DIR/$p" ] || gl_skip "needs ../shared/$p, which is absent beside this checkout (CI has it)"
  done
}

# --- assertions --------------------------------------------------------------

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
  GL_ASSERTIONS=$((GL_ASSERTIONS + 1))
  [ "$1" == "$2" ] || gl_fail "${3:-values differ}: expected '$1', got '$2'"
}

# assert_contains HAYSTACK NEEDLE [WHAT]
assert_contains() {
  GL_ASSERTIONS=$((GL_ASSERTIONS + 1))
  case "$1" in
    *"$2"*) ;;
    *) gl_fail "${3:-text lacks a string}: '$2' not found in: $(printf '%s' "$1" | head -c 2000)" ;;
  esac
}

# assert_not_contains HAYSTACK NEEDLE [WHAT]
assert_not_contains() {
  GL_ASSERTIONS=$((GL_ASSERTIONS + 1))
  case "$1" in
    *"$2"*) gl_fail "${3:-text has a forbidden string}: '$2' found in: $(printf '%s' "$1" | head -c 2000)" ;;
    *) ;;
  esac
}

# assert_file_exists PATH
assert_file_exists() {
  GL_ASSERTIONS=$((GL_ASSERTIONS + 1))
  [ -f "$1" ] || gl_fail "file $1 does not exist"
}

# assert_exit CODE COMMAND [ARGS...]: run it, check its exit code. Its output
# stays in files $GL_LAST_OUT and $GL_LAST_ERR (also shown on failure).
GL_LAST_OUT=$GL_TMP/last.out
GL_LAST_ERR=$GL_TMP/last.err
assert_exit() {
  local want=$1 got=0
  shift
  GL_ASSERTIONS=$((GL_ASSERTIONS + 1))
  "$@" >"$GL_LAST_OUT" 2>"$GL_LAST_ERR" || got=$?
  if [ "$got" -ne "$want" ]; then
    printf -- '--- stdout of: %s\n' "$*" >&2
    head -c 4000 "$GL_LAST_OUT" >&2
    printf -- '\n--- stderr:\n' >&2
    head -c 4000 "$GL_LAST_ERR" >&2
    printf '\n' >&2
    gl_fail "expected exit $want, got $got from: $*"
  fi
}

# json_get FILE JQ_EXPR: print jq -r's answer; the test fails if FILE is not
# JSON or the expression errors.
json_get() {
  local out
  [ -f "$1" ] || gl_fail "json_get: no file $1"
  out=$(jq -e -r "$2" "$1" 2>&1) || {
    # -e also fails on null/false; those are answers, not errors.
    case "$out" in
      null | false) ;;
      *) gl_fail "json_get: jq '$2' on $1 failed: $out" ;;
    esac
  }
  printf '%s\n' "$out"
}

# --- servers -------------------------------------------------------------------

gl__side() { # SIDE -> "HOST PORT"
  case "$1" in
    blue) printf '%s %s\n' "$GL_BLUE_HOST" "$GL_BLUE_PORT" ;;
    green) printf '%s %s\n' "$GL_GREEN_HOST" "$GL_GREEN_PORT" ;;
    *) gl_fail "side must be blue or green, got '$1'" ;;
  esac
}

# gl_conninfo SIDE DB: a libpq conninfo over the Unix socket (trust auth).
gl_conninfo() {
  local hp
  hp=$(gl__side "$1")
  printf 'host=%s port=%s user=postgres dbname=%s\n' "${hp% *}" "${hp#* }" "$2"
}

# gl_conninfo_tcp SIDE DB: over 127.0.0.1 (scram-sha-256: add password=...).
gl_conninfo_tcp() {
  local hp
  hp=$(gl__side "$1")
  printf 'host=127.0.0.1 port=%s user=postgres dbname=%s\n' "${hp#* }" "$2"
}

# gl_psql SIDE DB [psql args...]: psql with ON_ERROR_STOP, no psqlrc.
gl_psql() {
  local hp side=$1 db=$2
  shift 2
  hp=$(gl__side "$side")
  "$GL_PSQL" -X -q -v ON_ERROR_STOP=1 -h "${hp% *}" -p "${hp#* }" -U postgres -d "$db" "$@"
}

# gl_sql SIDE DB SQL: run SQL, print the result unaligned, tuples only.
gl_sql() {
  gl_psql "$1" "$2" -A -t -c "$3"
}

# gl_unique_name PREFIX: a database name no concurrent test will pick.
gl_unique_name() {
  printf '%s_%s_%s\n' "$1" "$$" "$RANDOM"
}

# gl_clone_db SIDE NAME [TEMPLATE]: CREATE DATABASE NAME (a copy of the
# dataset $GL_DB by default), dropped when the test exits. Prints NAME. Cheap:
# a file copy.
gl_clone_db() {
  local hp
  hp=$(gl__side "$1")
  gl_pg_clone_db "${hp% *}" "${hp#* }" "$2" "${3:-${GL_DB}_template}" || gl_fail "could not create database $2 on $1"
  printf '%s:%s\n' "$1" "$2" >>"$GL_TMP/.cloned-dbs"
  printf '%s\n' "$2"
}

# gl_require_bin: fail clearly when the CLI is not built.
gl_require_bin() {
  [ -x "$GL_BIN" ] || gl_fail "greenlight binary not found at $GL_BIN (build first; ctest sets GL_BIN)"
}
