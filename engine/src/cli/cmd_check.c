#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/exit.h"
#include "cli/output.h"
#include "input/paths.h"
#include "report/report.h"
#include "run/run.h"
#include "util/names.h"
#include "util/units.h"
#include "value/value.h"


static void check_usage(FILE *out)
{
    fprintf(out,
            "usage: greenlight check --blue X --green Y [options]\n"
            "\n"
            "  --blue X              blue (production): conninfo, postgresql:// URI or snapshot file\n"
            "  --green Y             green (changed copy): same forms\n"
            "  --policy P            Lua policy: a file, or a shipped policy's name (default, strict,\n"
            "                        major_upgrade); default: the shipped default\n"
            "  --change FILE         the declared change (JSON; see share/doc/policy.md)\n"
            "  --config FILE         plugin configuration (JSON; see share/doc/configuration.md)\n"
            "  --waivers FILE        accepted findings (JSON; see checks/waivers.example.json)\n"
            "  --save-input FILE     save the policy input (JSON) for `greenlight policy eval`\n"
            GL_CLI_OUTPUT_HELP
            GL_CLI_EVIDENCE_HELP
            "  --plugin-path DIR     look for plugins in DIR first (repeatable)\n"
            "  --plugins a,b         run only these plugins\n"
            GL_CLI_JOBS_HELP
            "  --statement-timeout MS  per-statement limit on both sides (default 30000); a query\n"
            "                        unanswered 5 s past it gives its side up (the run holds)\n"
            "  --timeout S           the whole run's bound in seconds (default 1800): plugins\n"
            "                        still running then are killed and the run holds\n"
            "  --plugin-timeout S    one plugin call's bound in seconds (default 600)\n"
            "  --max-snapshot-age D  refuse a snapshot side older than D (30min, 12h, 7d): exit 64\n"
            "  -v, --verbose         say what each check does as it runs, list info findings too\n"
            "                        (twice: debug logs)\n"
            "\n"
            "exit: 0 switchover, 1 hold, 2 rollback, 64 usage, 69 a side is unavailable, 70 internal,\n"
            "      78 the policy is broken (Lua error, bad return, budget)\n");
}

/* --statement-timeout, --timeout, --plugin-timeout, --max-snapshot-age
 * (option code c) into opts: -1 when taken, else the exit code. */
static int limit_option(int c, const char *arg, gl_check_options *opts)
{
    switch (c) {
    case 'T': {
        char *end;
        long ms = strtol(arg, &end, 10);
        if (*end != '\0' || ms < 1 || ms > 86400000)
            return gl_cli_fail("check", GL_EXIT_USAGE, "--statement-timeout takes milliseconds (1 to 86400000)");
        opts->target.statement_timeout_ms = (unsigned)ms;
        return -1;
    }
    case 1001:
    case 1002: {
        long sec;
        if (gl_cli_seconds(arg, 1, 86400, &sec) != 0)
            return gl_cli_fail("check", GL_EXIT_USAGE, c == 1001 ? "--timeout takes seconds (1 to 86400)"
                                                                 : "--plugin-timeout takes seconds (1 to 86400)");
        *(c == 1001 ? &opts->timeout_s : &opts->plugin_timeout_s) = (unsigned)sec;
        return -1;
    }
    default: {
        const gl_unit *u;
        double v;
        if (gl_units_parse(arg, &v, &u) != 0 || u == NULL || u->kind != GL_UNIT_TIME || v <= 0)
            return gl_cli_fail("check", GL_EXIT_USAGE, "--max-snapshot-age takes a duration with "
                               "a unit: 30min, 12h, 7d (units: s, min, h, d)");
        opts->max_snapshot_age_s = gl_units_convert(v, u->base, 1e6);
        return -1;
    }
    }
}

/* Reads check's options into opts (plugin directories into dirs) and
 * output: -1 when the verb goes on, else the exit code. */
static int parse_options(int argc, char **argv, gl_check_options *opts, const char **dirs,
                         gl_cli_output *output)
{
    static const struct option longopts[] = {
        {"blue", required_argument, NULL, 'b'},
        {"green", required_argument, NULL, 'g'},
        GL_CLI_GATE_LONGOPTS,
        {"save-input", required_argument, NULL, 'I'},
        {"statement-timeout", required_argument, NULL, 'T'},
        {"timeout", required_argument, NULL, 1001},
        {"plugin-timeout", required_argument, NULL, 1002},
        {"max-snapshot-age", required_argument, NULL, 1003},
        {"verbose", no_argument, NULL, 'v'},
        GL_CLI_OUTPUT_LONGOPTS,
        GL_CLI_EVIDENCE_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char msg[256];
    int c, rc;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': opts->blue = optarg; break;
        case 'g': opts->green = optarg; break;
        case 'I': opts->save_input_path = optarg; break;
        case 'v': opts->verbose++; break;
        case 'T':
        case 1001:
        case 1002:
        case 1003:
            rc = limit_option(c, optarg, opts);
            if (rc >= 0)
                return rc;
            break;
        case 'h': check_usage(stdout); return 0;
        default: {
            const char *why = NULL;
            int gate = gl_cli_gate_option(opts, dirs, c, optarg, &why);
            if (gate < 0)
                return gl_cli_fail("check", GL_EXIT_USAGE, why);
            if (gate > 0 || gl_cli_output_option(output, c, optarg))
                break;
            snprintf(msg, sizeof(msg), "unknown or incomplete option \"%s\"", argv[optind - 1]);
            return gl_cli_fail("check", GL_EXIT_USAGE, msg);
        }
        }
    }
    if (optind < argc) {
        snprintf(msg, sizeof(msg), "unexpected argument \"%s\"", argv[optind]);
        return gl_cli_fail("check", GL_EXIT_USAGE, msg);
    }
    return -1;
}

int gl_cli_check(int argc, char **argv)
{
    gl_check_options opts;
    const char *dirs[GL_CLI_MAX_PLUGIN_DIRS];
    gl_cli_output output;
    gl_value *report = NULL;
    gl_error err;
    char policy[4096];
    int rc, exit_code = GL_EXIT_INTERNAL;

    gl_check_options_default(&opts);
    gl_cli_output_init(&output, "check");
    gl_error_clear(&err);
    rc = parse_options(argc, argv, &opts, dirs, &output);
    if (rc >= 0)
        return rc;
    if (gl_cli_output_validate(&output, &err) != 0)
        return gl_cli_fail("check", GL_EXIT_USAGE, err.message);
    if (opts.blue == NULL || opts.green == NULL)
        return gl_cli_fail("check", GL_EXIT_USAGE, "check needs --blue and --green");
    opts.plugin_dirs = dirs;
    if (gl_policy_resolve(opts.policy_path, policy, sizeof(policy), &err) != 0 ||
        gl_cli_output_check_policy(&output, policy, &err) != 0)
        return gl_cli_fail("check", GL_EXIT_USAGE, err.message);
    /* Outputs are checked before the run, not found unwritable after it. */
    if ((output.out_dir != NULL &&
         gl_path_check_output_dir("--out", output.out_dir, "report.json", &err) != 0) ||
        (opts.save_input_path != NULL &&
         gl_path_check_output_file("--save-input", opts.save_input_path, &err) != 0))
        return gl_cli_fail("check", GL_EXIT_USAGE, err.message);

    if (gl_check_run(&opts, &report, &exit_code, &err) != 0)
        return gl_cli_fail("check", gl_cli_exit_code(&err), err.message);
    output.all_findings = opts.verbose > 0;
    exit_code = gl_cli_output_report(&output, report, exit_code);
    gl_value_free(report);
    fflush(stdout);
    return exit_code;
}
