/*
 * exit — the one table from error classes to exit codes
 * (share/doc/exit-codes.md, "Error classes"). Every verb that fails with a
 * gl_error returns through gl_error_exit_code(): the CLI verbs in cli/ and the
 * deploy verbs in deploy/ (they live in the core library, below cli/).
 */
#ifndef GL_EXIT_H
#define GL_EXIT_H

#include "util/error.h"

/* The exit code for err's class: usage, too large and auth 64; unavailable
 * and conflict 69; no memory, internal and an error with no class 70;
 * config 78. */
int gl_error_exit_code(const gl_error *err);

#endif
