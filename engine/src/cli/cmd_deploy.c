/*
 * `greenlight deploy <create|status|cleanup>`: the deployment lifecycle
 * (engine/src/deploy/). One option parser for every sub-verb; each sub-verb
 * says which options it takes. The verbs return 0 or a classed error
 * (engine/src/deploy/deploy.h); cli/exit.c makes that the exit code.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/exit.h"
#include "cli/output.h"
#include "deploy/deploy.h"
#include "deploy/record.h"

_Static_assert(GL_CLI_MAX_PLUGIN_DIRS <= sizeof(((gl_deploy_options *)0)->plugin_dirs) / sizeof(const char *),
               "gl_deploy_options holds every --plugin-path the CLI accepts");

typedef struct sub_verb {
    const char *name;
    int (*run)(const gl_deploy_options *opts, gl_error *err);
    const char *usage;
} sub_verb;

static const sub_verb sub_verbs[] = {
    {"create", gl_deploy_create,
     "deploy create --blue X --green Y [--name N] [--timeout SECONDS] [--pg-dump PATH]\n"
     "              [--pgbouncer ADMIN_CONNINFO --pgbouncer-ini FILE --pgbouncer-db ALIAS]\n"
     "  copy blue's schema to green, publish/subscribe with the initial copy, wait until\n"
     "  every table is ready (--timeout, default 3600), fence green. Re-run to resume."},
    {"status", gl_deploy_status,
     "deploy status [--blue X --green Y]\n"
     "  the deployment's state rebuilt from the servers: sync, lag, slot, fence, DDL drift,\n"
     "  sequences, large objects, PgBouncer's target."},
    {"cleanup", gl_deploy_cleanup,
     "deploy cleanup [--blue X --green Y] [--force]\n"
     "  drop the subscription, slots, publication and fence, then the record (refused during\n"
     "  a switchover; --force cleans blue even when green is unreachable)."},
};

static void deploy_usage(FILE *out)
{
    fprintf(out, "usage: greenlight deploy <command> [options]\n\n");
    for (size_t i = 0; i < sizeof(sub_verbs) / sizeof(sub_verbs[0]); i++)
        fprintf(out, "%s\n\n", sub_verbs[i].usage);
    fprintf(out, "deploy switchover|rollback [--timeout SECONDS] [--dry-run] ...\n"
                 "  move clients to green through PgBouncer, or back to blue (--help for each)\n\n");
    fprintf(out,
            "common options:\n"
            "  --state DIR          the deployment's state directory (default $GREENLIGHT_STATE,\n"
            "                       else ./greenlight-deploy)\n"
            "  --format text|json   what to print on stdout (default text)\n"
            "  --plugin-path DIR    where to find the schema plugin (repeatable)\n"
            "  --blue/--green       libpq conninfo or URI; after create the recorded ones are used.\n"
            "                       Passwords are never recorded: give them through PGPASSWORD,\n"
            "                       ~/.pgpass or a service file (or in --blue/--green on each run)\n\n"
            "exit: 0 done, 64 usage or a refused prerequisite, 69 a server is unavailable (or\n"
            "--timeout ran out: re-run), 70 internal. See share/doc/deploy.md.\n");
}

static const sub_verb *find_verb(const char *name)
{
    for (size_t i = 0; i < sizeof(sub_verbs) / sizeof(sub_verbs[0]); i++)
        if (strcmp(name, sub_verbs[i].name) == 0)
            return &sub_verbs[i];
    return NULL;
}

/* Refuses options that belong to another deploy verb: -1 when the verb
 * goes on, else the exit code. */
static int check_options(const sub_verb *verb, const gl_deploy_options *opts, const char *format)
{
    char msg[512];

    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
        return gl_cli_fail("deploy --help", GL_EXIT_USAGE, "--format must be text or json");
    if (verb->run != gl_deploy_create &&
        (opts->name || opts->pg_dump || opts->pgbouncer_admin || opts->pgbouncer_ini || opts->pgbouncer_db)) {
        snprintf(msg, sizeof(msg), "--name, --pg-dump and --pgbouncer* belong to `deploy create`, not `deploy %s`",
                 verb->name);
        return gl_cli_fail("deploy --help", GL_EXIT_USAGE, msg);
    }
    if (verb->run != gl_deploy_cleanup && opts->force)
        return gl_cli_fail("deploy --help", GL_EXIT_USAGE, "--force belongs to `deploy cleanup`");
    return -1;
}

/* Reads the options of `deploy VERB` (argv[0] is VERB) into *opts, *format
 * and *state: -1 when the verb goes on, else the exit code. */
static int parse_options(const sub_verb *verb, int argc, char **argv, gl_deploy_options *opts, const char **format,
                         const char **state)
{
    static const struct option longopts[] = {
        {"blue", required_argument, NULL, 'b'},
        {"green", required_argument, NULL, 'g'},
        {"name", required_argument, NULL, 'n'},
        {"state", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'},
        {"timeout", required_argument, NULL, 't'},
        {"pg-dump", required_argument, NULL, 'D'},
        {"pgbouncer", required_argument, NULL, 'B'},
        {"pgbouncer-ini", required_argument, NULL, 'I'},
        {"pgbouncer-db", required_argument, NULL, 'A'},
        {"plugin-path", required_argument, NULL, 'P'},
        {"force", no_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char msg[512];
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': opts->blue = optarg; break;
        case 'g': opts->green = optarg; break;
        case 'n': opts->name = optarg; break;
        case 's': *state = optarg; break;
        case 'f': *format = optarg; break;
        case 'D': opts->pg_dump = optarg; break;
        case 'B': opts->pgbouncer_admin = optarg; break;
        case 'I': opts->pgbouncer_ini = optarg; break;
        case 'A': opts->pgbouncer_db = optarg; break;
        case 'F': opts->force = 1; break;
        case 'P':
            if (opts->n_plugin_dirs == GL_CLI_MAX_PLUGIN_DIRS)
                return gl_cli_fail("deploy --help", GL_EXIT_USAGE, GL_CLI_TOO_MANY_PLUGIN_DIRS);
            opts->plugin_dirs[opts->n_plugin_dirs++] = optarg;
            break;
        case 't': {
            long s;
            if (gl_cli_seconds(optarg, 1, 7 * 86400, &s) != 0)
                return gl_cli_fail("deploy --help", GL_EXIT_USAGE, "--timeout takes seconds (1 to 604800)");
            opts->timeout_s = (unsigned)s;
            break;
        }
        case 'h':
            printf("usage: greenlight %s\n", verb->usage);
            return 0;
        default:
            snprintf(msg, sizeof(msg), "unknown or incomplete option \"%s\"", argv[optind - 1]);
            return gl_cli_fail("deploy --help", GL_EXIT_USAGE, msg);
        }
    }
    if (optind < argc) {
        snprintf(msg, sizeof(msg), "unexpected argument \"%s\"", argv[optind]);
        return gl_cli_fail("deploy --help", GL_EXIT_USAGE, msg);
    }
    return -1;
}

int gl_cli_deploy(int argc, char **argv)
{
    gl_deploy_options opts;
    const sub_verb *verb;
    const char *format = "text", *state = NULL;
    gl_error err;
    char msg[512];
    int c;

    if (argc >= 2 && (strcmp(argv[1], "switchover") == 0 || strcmp(argv[1], "rollback") == 0))
        return gl_cli_deploy_switch(argc - 1, argv + 1);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        deploy_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? GL_EXIT_USAGE : 0;
    }
    verb = find_verb(argv[1]);
    if (verb == NULL) {
        snprintf(msg, sizeof(msg), "unknown deploy command \"%s\" (create, status, cleanup)", argv[1]);
        return gl_cli_fail("deploy --help", GL_EXIT_USAGE, msg);
    }
    gl_deploy_options_default(&opts);
    c = parse_options(verb, argc - 1, argv + 1, &opts, &format, &state);
    if (c >= 0)
        return c;
    c = check_options(verb, &opts, format);
    if (c >= 0)
        return c;
    opts.json = strcmp(format, "json") == 0;
    opts.progress = !opts.json && isatty(STDERR_FILENO);
    opts.state_dir = gl_deploy_state_dir(state);
    /* The verb has printed its error (with what it left behind). */
    return verb->run(&opts, &err) == 0 ? 0 : gl_cli_exit_code(&err);
}
