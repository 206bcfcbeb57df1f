/* cli — one function per verb; each returns the process exit code. */
#ifndef GL_CLI_H
#define GL_CLI_H

#include "greenlight/plugin.h"

int gl_cli_check(int argc, char **argv);
int gl_cli_snapshot(int argc, char **argv);
int gl_cli_plugins(int argc, char **argv);
int gl_cli_policy(int argc, char **argv);
int gl_cli_rds(int argc, char **argv);
int gl_cli_deploy(int argc, char **argv);
int gl_cli_report(int argc, char **argv);
int gl_cli_deploy_switch(int argc, char **argv); /* deploy switchover|rollback */
int gl_cli_keygen(int argc, char **argv);
int gl_cli_sign_policy(int argc, char **argv);
int gl_cli_verify(int argc, char **argv);
int gl_cli_validate(int argc, char **argv);

/* Prints "greenlight: error: MSG" (and a hint to --help) and returns code. */
int gl_cli_fail(const char *verb, int code, const char *msg);

/* A whole number of seconds from lo to hi (a --timeout): 0 with it in *out,
 * or -1 when text is not one (the caller names the option and the range). */
int gl_cli_seconds(const char *text, long lo, long hi, long *out);

#endif
