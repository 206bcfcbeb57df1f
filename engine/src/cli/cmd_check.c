#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "run/run.h"
#include "report/report.h"
#include "value/value.h"

#define MAX_PLUGIN_DIRS 32

int gl_cli_fail(const char *verb, int code, const char *msg)
{
    fprintf(stderr, "greenlight: error: %s\n", msg);
    if (code == GL_EXIT_USAGE && verb)
        fprintf(stderr, "(see `greenlight %s --help`)\n", verb);
    return code;
}

static void check_usage(FILE *out)
{
    fprintf(out,
            "usage: greenlight check --blue X --green Y [options]\n"
            "\n"
            "  --blue X              blue (production): conninfo, postgresql:// URI or snapshot file\n"
            "  --green Y             green (changed copy): same forms\n"
            "  --policy FILE         Lua policy (default: the shipped policies/default.lua)\n"
            "  --change FILE         the declared change (JSON; see share/doc/policy.md)\n"
            "  --config FILE         plugin configuration (JSON; see share/doc/configuration.md)\n"
            "  --waivers FILE        accepted findings (JSON; see checks/waivers.example.json)\n"
            "  --save-input FILE     save the policy input (JSON) for `greenlight policy eval`\n"
            GL_CLI_OUTPUT_HELP
            GL_CLI_EVIDENCE_HELP
            "  --plugin-path DIR     look for plugins in DIR first (repeatable)\n"
            "  --plugins a,b         run only these plugins\n"
            "  --statement-timeout MS  per-statement limit on both sides (default 30000)\n"
            "  -v, --verbose         log what plugins do (twice for debug)\n"
            "\n"
            "exit: 0 switchover, 1 hold, 2 rollback, 64 usage, 69 a side is unavailable, 70 internal\n");
}

int gl_cli_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"blue", required_argument, NULL, 'b'},
        {"green", required_argument, NULL, 'g'},
        {"policy", required_argument, NULL, 'p'},
        {"change", required_argument, NULL, 'c'},
        {"config", required_argument, NULL, 'C'},
        {"waivers", required_argument, NULL, 'W'},
        {"save-input", required_argument, NULL, 'I'},
        {"plugin-path", required_argument, NULL, 'P'},
        {"plugins", required_argument, NULL, 'L'},
        {"statement-timeout", required_argument, NULL, 'T'},
        {"verbose", no_argument, NULL, 'v'},
        GL_CLI_OUTPUT_LONGOPTS,
        GL_CLI_EVIDENCE_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    gl_check_options opts;
    const char *dirs[MAX_PLUGIN_DIRS];
    gl_cli_output output;
    gl_value *report = NULL;
    gl_error err;
    int c, exit_code = GL_EXIT_INTERNAL;

    gl_check_options_default(&opts);
    gl_cli_output_init(&output, "check");
    gl_error_clear(&err);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': opts.blue = optarg; break;
        case 'g': opts.green = optarg; break;
        case 'p': opts.policy_path = optarg; break;
        case 'c': opts.change_path = optarg; break;
        case 'C': opts.config_path = optarg; break;
        case 'W': opts.waivers_path = optarg; break;
        case 'I': opts.save_input_path = optarg; break;
        case 'L': opts.only_plugins = optarg; break;
        case 'v': opts.verbose++; break;
        case 'P':
            if (opts.n_plugin_dirs == MAX_PLUGIN_DIRS)
                return gl_cli_fail("check", GL_EXIT_USAGE, "too many --plugin-path options (limit 32)");
            dirs[opts.n_plugin_dirs++] = optarg;
            break;
        case 'T': {
            char *end;
            long ms = strtol(optarg, &end, 10);
            if (*end != '\0' || ms < 1 || ms > 86400000)
                return gl_cli_fail("check", GL_EXIT_USAGE, "--statement-timeout takes milliseconds (1 to 86400000)");
            opts.target.statement_timeout_ms = (unsigned)ms;
            break;
        }
        case 'h': check_usage(stdout); return 0;
        default: {
            char msg[256];
            if (gl_cli_output_option(&output, c, optarg))
                break;
            snprintf(msg, sizeof(msg), "unknown or incomplete option \"%s\"", argv[optind - 1]);
            return gl_cli_fail("check", GL_EXIT_USAGE, msg);
        }
        }
    }
    if (optind < argc) {
        char msg[256];
        snprintf(msg, sizeof(msg), "unexpected argument \"%s\"", argv[optind]);
        return gl_cli_fail("check", GL_EXIT_USAGE, msg);
    }
    if (gl_cli_output_validate(&output, &err) != 0)
        return gl_cli_fail("check", GL_EXIT_USAGE, err.message);
    if (opts.blue == NULL || opts.green == NULL)
        return gl_cli_fail("check", GL_EXIT_USAGE, "check needs --blue and --green");
    opts.plugin_dirs = dirs;
    if (gl_cli_output_check_policy(&output, opts.policy_path ? opts.policy_path : gl_default_policy_path(), &err) != 0)
        return gl_cli_fail("check", GL_EXIT_USAGE, err.message);

    if (gl_check_run(&opts, &report, &exit_code, &err) != 0)
        return gl_cli_fail("check", err.exit_code ? err.exit_code : GL_EXIT_INTERNAL, err.message);

    exit_code = gl_cli_output_finish(&output, report, exit_code);
    gl_value_free(report);
    fflush(stdout);
    return exit_code;
}
