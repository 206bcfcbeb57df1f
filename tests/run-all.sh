#!/usr/bin/env bash
# The whole test suite, as CI runs it: install dependencies, build with
# AddressSanitizer + UBSan and -Werror, run every test under ctest (unit, fuzz
# replay, and integration tests against real PostgreSQL 15 and 17 servers that
# the 'clusters' fixture starts and stops). Exits with ctest's code.
#
#   bash tests/run-all.sh            # as root on Debian 12 (installs what is missing)
# Env: GL_BUILD_DIR (default <repo>/build-ci), GL_CTEST_ARGS (extra ctest args,
#      e.g. "-R integration"), CC (compiler; clang builds libFuzzer targets).
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${GL_BUILD_DIR:-$REPO_DIR/build-ci}
JOBS=$(nproc 2>/dev/null || echo 2)

say() { printf 'run-all: %s\n' "$*"; }

say "dependencies"
if [ "$(id -u)" -eq 0 ]; then
  bash "$REPO_DIR/tests/harness/install-deps.sh"
elif ! bash "$REPO_DIR/tests/harness/install-deps.sh" --check; then
  say "dependencies are missing and installing them needs root: run 'sudo bash tests/harness/install-deps.sh' once"
  exit 1
fi

say "configure $BUILD_DIR (Debug, GL_SANITIZE=ON, GL_WERROR=ON)"
cmake -S "$REPO_DIR" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Debug -DGL_SANITIZE=ON -DGL_WERROR=ON

say "build (-j$JOBS)"
cmake --build "$BUILD_DIR" -j"$JOBS"

# LeakSanitizer works here (as root, no ptrace restriction): leaks fail tests.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# The fuzz targets as real libFuzzer binaries (clang), a short run each, so
# CI exercises coverage-guided fuzzing and not only corpus replay. Run first
# so the main suite's summary closes the output.
if [ -z "${GL_CTEST_ARGS:-}" ] && command -v clang >/dev/null 2>&1; then
  FUZZ_DIR=${GL_FUZZ_BUILD_DIR:-$REPO_DIR/build-fuzz}
  say "libFuzzer targets with clang in $FUZZ_DIR"
  CC=clang cmake -S "$REPO_DIR" -B "$FUZZ_DIR" -DCMAKE_BUILD_TYPE=Debug -DGL_SANITIZE=ON >/dev/null
  targets=$(cd "$REPO_DIR/tests/fuzz" && ls fuzz_*.c | sed 's/\.c$//')
  # shellcheck disable=SC2086
  cmake --build "$FUZZ_DIR" -j"$JOBS" --target $targets
  ctest --test-dir "$FUZZ_DIR" --output-on-failure -R '^fuzz\.' || fuzz_rc=$?
  say "libFuzzer exit code ${fuzz_rc:-0}"
fi
# The Pagila suite (integration.pagila.*) needs Pagila beside the checkout (CI
# has it); without it those tests are counted as skipped. Say so up front.
pagila=${GL_PAGILA_DIR:-$REPO_DIR/../shared/datasets/pagila}
if [ ! -f "$pagila/pagila-schema.sql" ]; then
  say "Pagila suite skipped: no Pagila at $pagila (set GL_PAGILA_DIR to run it); every other test runs on the shipped database tests/data/gltest"
fi
say "ctest -j2"
rc=0
# shellcheck disable=SC2086
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 ${GL_CTEST_ARGS:-} || rc=$?
say "ctest exit code $rc"
[ "${fuzz_rc:-0}" -eq 0 ] || rc=$fuzz_rc

exit $rc
