/*
 * exit — the one table from error classes to exit codes
 * (share/doc/exit-codes.md, "Error classes"). Only cli/ turns an outcome into
 * an exit code: the modules below it (run/, deploy/, act/ ...) return 0, or -1
 * with a classed gl_error, or an outcome (a decision, a gate that refused),
 * and the verb in cli/ maps it here.
 */
#ifndef GL_CLI_EXIT_H
#define GL_CLI_EXIT_H

#include "util/error.h"

/* The exit code for err's class: usage, too large and auth 64; unavailable
 * and conflict 69; no memory, internal and an error with no class 70;
 * config 78. */
int gl_cli_exit_code(const gl_error *err);

#endif
