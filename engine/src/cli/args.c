/*
 * args — what more than one verb reads or prints: the usage-error line, a
 * seconds option, the gate's input options (cli.h, output.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/output.h"

int gl_cli_fail(const char *verb, int code, const char *msg)
{
    fprintf(stderr, "greenlight: error: %s\n", msg);
    if (code == GL_EXIT_USAGE && verb)
        fprintf(stderr, "(see `greenlight %s --help`)\n", verb);
    return code;
}

int gl_cli_seconds(const char *text, long lo, long hi, long *out)
{
    char *end;
    long s = strtol(text, &end, 10);

    if (end == text || *end != '\0' || s < lo || s > hi)
        return -1;
    *out = s;
    return 0;
}

int gl_cli_gate_option(gl_check_options *g, const char **dirs, int c, const char *arg, const char **why)
{
    long jobs;

    switch (c) {
    case 'p': g->policy_path = arg; return 1;
    case 'c': g->change_path = arg; return 1;
    case 'C': g->config_path = arg; return 1;
    case 'W': g->waivers_path = arg; return 1;
    case 'L': g->only_plugins = arg; return 1;
    case 'P':
        if (g->n_plugin_dirs == GL_CLI_MAX_PLUGIN_DIRS) {
            *why = GL_CLI_TOO_MANY_PLUGIN_DIRS;
            return -1;
        }
        dirs[g->n_plugin_dirs++] = arg;
        return 1;
    case 'J':
        if (gl_cli_seconds(arg, 1, GL_RUN_JOBS_MAX, &jobs) != 0) {
            *why = GL_CLI_BAD_JOBS;
            return -1;
        }
        g->jobs = (unsigned)jobs;
        return 1;
    default: return 0;
    }
}
