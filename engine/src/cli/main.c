/*
 * greenlight — the CLI. Verbs: check, snapshot, plugins, policy, version, help.
 * Exit codes: share/doc/exit-codes.md (0 switchover, 1 hold, 2 rollback,
 * 64 usage, 69 unavailable, 70 internal).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/error.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: greenlight <command> [options]\n"
            "\n"
            "commands:\n"
            "  check     --blue X --green Y   gate a blue/green switchover (exit 0 switchover,\n"
            "                                 1 hold, 2 rollback, 64 usage, 69 unavailable, 70 internal,\n"
            "                                 78 broken policy)\n"
            "  snapshot  --target X -o FILE   save the facts of one side for offline checks\n"
            "  plugins                        list check plugins and the ones refused\n"
            "  policy    test|eval            test policies (*_test.lua), explain one decision\n"
            "  rds       create|status|check|switchover|delete   the gate in front of Amazon RDS blue/green\n"
            "  deploy    create|status|cleanup  blue/green deployment lifecycle (share/doc/deploy.md)\n"
            "  report    --from FILE          re-render a saved report.json (--format, --out)\n"
            "  keygen    --out KEY            new Ed25519 key pair for signed records and policies\n"
            "  verify    FILE --pub KEY.pub   check a signed decision record or audit log\n"
            "  sign-policy --key KEY POLICY   sign a policy (checked with --policy-pub)\n"
            "  validate  FORMAT FILE...       check input files (change, config, waivers, ...)\n"
            "  version                        print the version and plugin ABI\n"
            "\n"
            "X and Y are libpq conninfo strings or URIs (PG* variables, .pgpass and service\n"
            "files are honoured) or snapshot files. `greenlight <command> --help` for options.\n");
}

int main(int argc, char **argv)
{
    const char *verb;

    if (argc < 2) {
        usage(stderr);
        return GL_EXIT_USAGE;
    }
    verb = argv[1];
    if (strcmp(verb, "check") == 0)
        return gl_cli_check(argc - 1, argv + 1);
    if (strcmp(verb, "snapshot") == 0)
        return gl_cli_snapshot(argc - 1, argv + 1);
    if (strcmp(verb, "plugins") == 0)
        return gl_cli_plugins(argc - 1, argv + 1);
    if (strcmp(verb, "policy") == 0)
        return gl_cli_policy(argc - 1, argv + 1);
    if (strcmp(verb, "rds") == 0)
        return gl_cli_rds(argc - 1, argv + 1);
    if (strcmp(verb, "deploy") == 0)
        return gl_cli_deploy(argc - 1, argv + 1);
    if (strcmp(verb, "report") == 0)
        return gl_cli_report(argc - 1, argv + 1);
    if (strcmp(verb, "keygen") == 0)
        return gl_cli_keygen(argc - 1, argv + 1);
    if (strcmp(verb, "sign-policy") == 0)
        return gl_cli_sign_policy(argc - 1, argv + 1);
    if (strcmp(verb, "verify") == 0)
        return gl_cli_verify(argc - 1, argv + 1);
    if (strcmp(verb, "validate") == 0)
        return gl_cli_validate(argc - 1, argv + 1);
    if (strcmp(verb, "version") == 0 || strcmp(verb, "--version") == 0) {
        printf("greenlight %s (plugin ABI %d.%d)\n", GL_VERSION, GL_PLUGIN_ABI_MAJOR, GL_PLUGIN_ABI_MINOR);
        return 0;
    }
    if (strcmp(verb, "help") == 0 || strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "greenlight: unknown command \"%s\"\n\n", verb);
    usage(stderr);
    return GL_EXIT_USAGE;
}
