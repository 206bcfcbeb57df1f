/*
 * suite_case — one `policy test` case's input and expectation, shared by
 * suite.c (which runs the cases) and suite_case.c only.
 */
#ifndef GL_SUITE_CASE_H
#define GL_SUITE_CASE_H

#include <stddef.h>

#include "value/value.h"

/* Fills in what the runner always provides (suite_case.c says what); -1 out of memory. */
int gl_policy_suite__normalise_input(gl_value *input);
/* 0 when object has only keys (NULL-terminated); else -1 and why names the unknown field. */
int gl_policy_suite__only_keys(const gl_value *object, const char *const *keys, char *why, size_t len,
                               const char *what);
/* 0 when the decision (or the policy's failure) meets expect; else -1 and
 * why says what differs. */
int gl_policy_suite__check_expectations(const gl_value *expect, const gl_value *decision,
                                        const char *policy_error, char *why, size_t len);

#endif
