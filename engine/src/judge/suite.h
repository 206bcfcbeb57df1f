/*
 * suite — `greenlight policy test`: runs policy test files (*_test.lua) and
 * measures rule coverage, like `opa test`. The file format and the
 * expectations are in share/doc/policy.md ("Testing policies").
 *
 * Results are a gl_value, so the CLI can print them, write JUnit from them
 * and tests can inspect them:
 *   {"tests": [{"file", "name", "policy", "status": "pass"|"fail",
 *               "message" (why it failed, "" on pass), "duration_ms",
 *               "decision" (or null)}],
 *    "coverage": [{"policy", "rules": [...], "fired": [...], "percent"}],
 *    "passed", "failed", "rules", "rules_fired", "percent"}
 *
 * Failure: -1 with err set only when the run could not happen (a PATH that
 * does not exist, no test files: GL_ERR_USAGE). A test file that does not
 * load is a failed test, not an error.
 */
#ifndef GL_SUITE_H
#define GL_SUITE_H

#include <stddef.h>

#include "util/error.h"
#include "value/value.h"

/* paths: files or directories (searched recursively for *_test.lua).
 * policies_dir: where a test's `policy` is looked for last (the shipped
 * policies), may be NULL. */
int gl_policy_suite_run(const char *const *paths, size_t n_paths, const char *policies_dir,
                        gl_value **out_results, gl_error *err);

/* Writes results as JUnit XML (libxml2's xmlTextWriter): one <testsuite>
 * per test file. */
int gl_policy_suite_write_junit(const gl_value *results, const char *path, gl_error *err);

#endif
