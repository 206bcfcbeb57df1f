/*
 * `greenlight deploy switchover|rollback`: option parsing for the two verbs
 * that move the serving side (engine/src/deploy/switch.h). cmd_deploy.c
 * dispatches here.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/exit.h"
#include "cli/output.h"
#include "deploy/record.h"
#include "deploy/switch.h"
#include "input/paths.h"


static void switch_usage(FILE *out, int rollback)
{
    if (rollback)
        fprintf(out,
                "usage: greenlight deploy rollback [--state DIR] [--timeout SECONDS] [--dry-run]\n"
                "  back from green to blue over the reverse replication; no acknowledged write is\n"
                "  lost, and a fresh forward path is left for the next switchover.\n");
    else
        fprintf(out,
                "usage: greenlight deploy switchover [--state DIR] [--timeout SECONDS] [--dry-run]\n"
                "         [--policy P] [--change FILE] [--config FILE] [--waivers FILE]\n"
                "         [--plugin-path DIR]... [--plugins A,B] [--jobs N] [--out DIR] [--format LIST]\n"
                "         [--sign-key KEY] [--audit-log FILE] [--policy-pub KEY] [--notify URL]...\n"
                "  run the gate; when it authorises: PAUSE PgBouncer, fence blue, wait until green\n"
                "  applied blue's last write, copy sequences, create the reverse slot, record the\n"
                "  commit point, point PgBouncer at green and RESUME, subscribe blue to green.\n");
    fprintf(out,
            "\n"
            "  --timeout SECONDS   bound from PAUSE to the commit point (default 30); past it, or on\n"
            "                      any failure before it, every step is undone and the source serves\n"
            "  --dry-run           run the checks (and the gate) and print the plan with the\n"
            "                      expected pause; change nothing\n"
            "  --blue/--green X    conninfo to use instead of the recorded ones (passwords come from\n"
            "                      PGPASSWORD, ~/.pgpass or a service file)\n"
            "  --format text|json  rollback: the summary on stdout as text or one JSON object\n");
    if (!rollback)
        fprintf(out,
                "\nThe gate's report and evidence (as `greenlight check`), written before anything\n"
                "moves; evidence that cannot be written stops the switchover. With --format json\n"
                "first, stdout carries the switchover's JSON summary and the text report goes to\n"
                "stderr.\n" GL_CLI_OUTPUT_HELP GL_CLI_EVIDENCE_HELP);
    fprintf(out,
            "\n"
            "exit: 0 done; 1 hold, 2 rollback recommended (the gate refused; nothing changed);\n"
            "64 refused (state, configuration); 69 a server or PgBouncer unavailable or the timeout\n"
            "ran out (undone: re-run); 70 internal. See share/doc/deploy.md.\n");
}

/* The gate's report through the shared output options (cli/output.h). */
static int gate_report(void *ud, gl_value *report, int exit_code)
{
    return gl_cli_output_report(ud, report, exit_code);
}

/* The options read: refuses what does not belong together, checks the
 * policy's signature and the outputs before anything runs (as check does).
 * -1 when the verb goes on, else the exit code. */
static int check_options(int rollback, int gate_options, gl_cli_output *output, gl_switch_options *o)
{
    const char *verb = rollback ? "deploy rollback" : "deploy switchover";
    char policy[4096];
    gl_error err;

    gl_error_clear(&err);
    if (rollback && gate_options)
        return gl_cli_fail(verb, GL_EXIT_USAGE, "the gate's options (--policy, --change, --config, "
                           "--waivers, --plugin-path, --plugins, --jobs, --out and the evidence options) belong to "
                           "`deploy switchover`: a rollback runs no gate");
    if (rollback && strcmp(output->format, "text") != 0 && strcmp(output->format, "json") != 0)
        return gl_cli_fail(verb, GL_EXIT_USAGE, "--format must be text or json");
    if (gl_cli_output_validate(output, &err) != 0)
        return gl_cli_fail(verb, GL_EXIT_USAGE, err.message);
    o->json = output->formats.list[0] == GL_FORMAT_JSON;
    if (!rollback) {
        if (gl_policy_resolve(o->gate.policy_path, policy, sizeof(policy), &err) != 0 ||
            gl_cli_output_check_policy(output, policy, &err) != 0 ||
            (output->out_dir != NULL &&
             gl_path_check_output_dir("--out", output->out_dir, "report.json", &err) != 0))
            return gl_cli_fail(verb, GL_EXIT_USAGE, err.message);
        /* with --format json first, stdout is the switchover's summary */
        if (o->json) {
            output->stream = stderr;
            output->formats.list[0] = GL_FORMAT_TEXT;
            output->color = 0;
        }
        o->gate_report = gate_report;
        o->gate_report_ud = output;
    }
    return -1;
}

int gl_cli_deploy_switch(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"state", required_argument, NULL, 's'},
        {"timeout", required_argument, NULL, 't'},
        {"dry-run", no_argument, NULL, 'n'},
        {"blue", required_argument, NULL, 'b'},
        {"green", required_argument, NULL, 'g'},
        GL_CLI_GATE_LONGOPTS,
        GL_CLI_OUTPUT_LONGOPTS,
        GL_CLI_EVIDENCE_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dirs[GL_CLI_MAX_PLUGIN_DIRS];
    const char *state = NULL;
    int rollback = strcmp(argv[0], "rollback") == 0;
    const char *verb = rollback ? "deploy rollback" : "deploy switchover";
    gl_switch_options o;
    gl_switch_outcome outcome;
    gl_error err;
    gl_cli_output output;
    char msg[256];
    int c, rc, gate, gate_options = 0;
    const char *why = NULL;

    gl_switch_options_default(&o);
    gl_cli_output_init(&output, verb);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': state = optarg; break;
        case 'n': o.dry_run = 1; break;
        case 'b': o.blue = optarg; break;
        case 'g': o.green = optarg; break;
        case 't': {
            long s;
            if (gl_cli_seconds(optarg, 1, 3600, &s) != 0)
                return gl_cli_fail(verb, GL_EXIT_USAGE, "--timeout takes seconds (1 to 3600)");
            o.timeout_s = (unsigned)s;
            break;
        }
        case 'h': switch_usage(stdout, rollback); return 0;
        default:
            if ((gate = gl_cli_gate_option(&o.gate, dirs, c, optarg, &why)) < 0)
                return gl_cli_fail(verb, GL_EXIT_USAGE, why);
            if (gate > 0 || gl_cli_output_option(&output, c, optarg)) {
                gate_options |= c != GL_CLI_OPT_FORMAT;
                break;
            }
            snprintf(msg, sizeof(msg), "unknown or incomplete option \"%s\"", argv[optind - 1]);
            return gl_cli_fail(verb, GL_EXIT_USAGE, msg);
        }
    }
    if (optind < argc) {
        snprintf(msg, sizeof(msg), "unexpected argument \"%s\"", argv[optind]);
        return gl_cli_fail(verb, GL_EXIT_USAGE, msg);
    }
    rc = check_options(rollback, gate_options, &output, &o);
    if (rc >= 0)
        return rc;
    o.gate.plugin_dirs = dirs;
    o.state_dir = gl_deploy_state_dir(state);
    if (rollback)
        return gl_deploy_rollback(&o, &err) == 0 ? 0 : gl_cli_exit_code(&err);
    if (gl_deploy_switchover(&o, &outcome, &err) != 0)
        return gl_cli_exit_code(&err);
    return outcome.gate_refused ? outcome.gate_exit : 0;
}
