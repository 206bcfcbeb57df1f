/*
 * greenlight rds — the gate in front of Amazon RDS blue/green deployments
 * (share/doc/rds.md). Verbs: create, status, check, switchover, delete.
 * check and switchover run the gate (gl_check_run) against the deployment's
 * blue and green endpoints; switchover calls the API only when the gate
 * authorises it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "act/rds.h"
#include "aws/rds.h"
#include "cli/cli.h"
#include "cli/exit.h"
#include "cli/output.h"
#include "input/paths.h"
#include "report/report.h"
#include "run/run.h"
#include "value/value.h"

#define CONNINFO_MAX 4096

typedef struct rds_args {
    const char *sub;
    const char *endpoint_url, *region, *deployment, *dbname, *source, *engine_version, *name, *param_group;
    const char *conninfo_extra;
    int delete_target, timeout_s;
    gl_cli_output output;    /* --format, --out, --no-color (shared with check) */
    int given_gate;          /* a gate option was given */
    gl_check_options gate;
    const char *dirs[GL_CLI_MAX_PLUGIN_DIRS];
} rds_args;

static void rds_usage(FILE *out)
{
    fprintf(out,
            "usage: greenlight rds <verb> [options]   (share/doc/rds.md)\n"
            "\n"
            "  create     --source ARN --target-engine-version V [--name N] [--target-parameter-group G]\n"
            "  status     [--deployment ID]      (without: every deployment in the region)\n"
            "  check      --deployment ID --dbname DB [gate options]\n"
            "  switchover --deployment ID --dbname DB [--timeout SECONDS] [gate options]\n"
            "  delete     --deployment ID [--delete-target]\n"
            "\n"
            "every verb:  --endpoint-url URL   RDS API endpoint (default https://rds.REGION.amazonaws.com)\n"
            "             --region R           else AWS_REGION, AWS_DEFAULT_REGION, the profile's region\n"
            "gate options (check, switchover): --policy FILE --change FILE --config FILE --waivers FILE\n"
            "             --plugin-path DIR --plugins a,b --jobs N -v, and as `check`:\n"
            GL_CLI_OUTPUT_HELP
            GL_CLI_EVIDENCE_HELP
            "             --conninfo 'KEYWORDS'   extra libpq keywords for both sides (user=, sslmode=, ...);\n"
            "                                  else PGUSER, PGPASSWORD, ~/.pgpass as libpq finds them\n"
            "--timeout: SwitchoverTimeout, 30 to 3600 seconds (default 300); greenlight follows the\n"
            "switchover that long. With --sign-key, switchover signs the decision (and appends it to\n"
            "--audit-log) before calling the API, and an outcome record (DIR/outcome.json) after.\n"
            "Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN or AWS_PROFILE.\n"
            "Signing: libcurl's SigV4 (default), or greenlight's OpenSSL signer with GREENLIGHT_AWS_SIGNER=openssl.\n"
            "\n"
            "exit: check/switchover 0 switchover (switchover: completed), 1 hold, 2 rollback,\n"
            "64 usage or refused by RDS, 69 RDS or a database unavailable, 70 switchover requested but not completed\n"
            "or evidence not written, 78 the policy is broken\n");
}

static int fail(const char *msg)
{
    return gl_cli_fail("rds", GL_EXIT_USAGE, msg);
}

/* RDS identifiers: a letter, then letters, digits, - : . _ (model pattern). */
static int valid_identifier(const char *s)
{
    if (s == NULL || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) || strlen(s) > 255)
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:._") == strlen(s);
}

static int parse_args(int argc, char **argv, rds_args *a)
{
    static const struct option longopts[] = {
        {"endpoint-url", required_argument, NULL, 'E'},
        {"region", required_argument, NULL, 'R'},
        {"deployment", required_argument, NULL, 'd'},
        {"dbname", required_argument, NULL, 'D'},
        {"source", required_argument, NULL, 's'},
        {"target-engine-version", required_argument, NULL, 'V'},
        {"name", required_argument, NULL, 'n'},
        {"target-parameter-group", required_argument, NULL, 'G'},
        {"delete-target", no_argument, NULL, 'X'},
        {"timeout", required_argument, NULL, 't'},
        {"conninfo", required_argument, NULL, 'K'},
        GL_CLI_GATE_LONGOPTS,
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        GL_CLI_OUTPUT_LONGOPTS,
        GL_CLI_EVIDENCE_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    int c, gate;
    const char *why = NULL;
    char msg[300];

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'E': a->endpoint_url = optarg; break;
        case 'R': a->region = optarg; break;
        case 'd': a->deployment = optarg; break;
        case 'D': a->dbname = optarg; break;
        case 's': a->source = optarg; break;
        case 'V': a->engine_version = optarg; break;
        case 'n': a->name = optarg; break;
        case 'G': a->param_group = optarg; break;
        case 'X': a->delete_target = 1; break;
        case 't': {
            long t;
            if (gl_cli_seconds(optarg, 30, 3600, &t) != 0)
                return fail("--timeout must be 30 to 3600 seconds (RDS SwitchoverTimeout)");
            a->timeout_s = (int)t;
            break;
        }
        case 'K': a->conninfo_extra = optarg; a->given_gate = 1; break;
        case 'v': a->gate.verbose++; break;
        case 'h': rds_usage(stdout); return 0;
        default:
            if ((gate = gl_cli_gate_option(&a->gate, a->dirs, c, optarg, &why)) < 0)
                return fail(why);
            if (gate > 0) {
                a->given_gate = 1;
                break;
            }
            if (gl_cli_output_option(&a->output, c, optarg)) {
                if (c != GL_CLI_OPT_NO_COLOR && c != GL_CLI_OPT_COLOR)
                    a->given_gate = 1;
                break;
            }
            snprintf(msg, sizeof(msg), "unknown or incomplete option \"%.200s\"", argv[optind - 1]);
            return fail(msg);
        }
    }
    if (optind < argc) {
        snprintf(msg, sizeof(msg), "unexpected argument \"%.200s\"", argv[optind]);
        return fail(msg);
    }
    return -1;  /* parsed: carry on */
}

/* The gate's own inputs (change, config, waivers, plugins), before any API
 * call: a usage error never waits for the RDS API. */
static int check_gate_inputs(rds_args *a, gl_error *err)
{
    a->gate.plugin_dirs = a->dirs;
    return gl_check_inputs_check(&a->gate, err);
}

/* Refuses options that belong to other verbs. */
static int check_verb_options(rds_args *a)
{
    int is_create = strcmp(a->sub, "create") == 0, is_delete = strcmp(a->sub, "delete") == 0;
    int is_switch = strcmp(a->sub, "switchover") == 0, gated = is_switch || strcmp(a->sub, "check") == 0;
    char msg[300];

    if (!is_create && (a->source || a->engine_version || a->name || a->param_group)) {
        snprintf(msg, sizeof(msg), "--source, --target-engine-version, --name and --target-parameter-group belong to `rds create`, not `rds %s`", a->sub);
        return fail(msg);
    }
    if (!gated && (a->dbname || a->given_gate)) {
        snprintf(msg, sizeof(msg), "--dbname and the gate's options belong to `rds check` and `rds switchover`, not `rds %s`", a->sub);
        return fail(msg);
    }
    if (!is_switch && a->timeout_s) {
        snprintf(msg, sizeof(msg), "--timeout belongs to `rds switchover`, not `rds %s`", a->sub);
        return fail(msg);
    }
    if (!is_delete && a->delete_target) {
        snprintf(msg, sizeof(msg), "--delete-target belongs to `rds delete`, not `rds %s`", a->sub);
        return fail(msg);
    }
    if (is_create) {
        if (a->source == NULL || a->engine_version == NULL)
            return fail("rds create needs --source ARN and --target-engine-version V");
        if (strncmp(a->source, "arn:", 4) != 0 || (strstr(a->source, ":cluster:") == NULL && strstr(a->source, ":db:") == NULL))
            return fail("--source must be the ARN of a DB cluster or instance (arn:aws:rds:REGION:ACCOUNT:cluster:NAME or :db:NAME)");
        return -1;
    }
    if (a->deployment == NULL && strcmp(a->sub, "status") == 0)
        return -1;      /* every deployment of the region */
    if (a->deployment == NULL) {
        snprintf(msg, sizeof(msg), "rds %s needs --deployment ID", a->sub);
        return fail(msg);
    }
    if (!valid_identifier(a->deployment))
        return fail("--deployment must be a blue/green deployment identifier (like bgd-abc123: a letter, then letters, digits, - : . _)");
    if (gated) {
        if (a->dbname == NULL || a->dbname[0] == '\0') {
            snprintf(msg, sizeof(msg), "rds %s needs --dbname DB (the database the gate checks on both sides)", a->sub);
            return fail(msg);
        }
        gl_error err;
        char policy[4096];
        if (gl_cli_output_validate(&a->output, &err) != 0)
            return fail(err.message);
        /* Before any API call: a policy that is not signed by --policy-pub
         * (or $GREENLIGHT_POLICY_PUB) and an --out that cannot be written. */
        if (gl_policy_resolve(a->gate.policy_path, policy, sizeof(policy), &err) != 0 ||
            gl_cli_output_check_policy(&a->output, policy, &err) != 0 ||
            check_gate_inputs(a, &err) != 0 ||
            (a->output.out_dir != NULL &&
             gl_path_check_output_dir("--out", a->output.out_dir, "report.json", &err) != 0))
            return gl_cli_fail(NULL, gl_cli_exit_code(&err), err.message);
    }
    return -1;
}

static int api_fail(gl_error *err)
{
    return gl_cli_fail(NULL, gl_cli_exit_code(err), err->message);
}

static void default_name(char *out, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(out, len, "greenlight-%Y%m%d-%H%M%S", &tm);
}

/* What greenlight did with the deployment (no secrets): DIR/rds.json and the
 * outcome record. NULL when out of memory. */
static gl_value *action_value(const char *action, const gl_rds_deployment *d, const char *error)
{
    gl_value *v = gl_value_object(), *members = gl_value_array();

    if (v == NULL || members == NULL) {
        gl_value_free(v);
        gl_value_free(members);
        return NULL;
    }
    for (size_t i = 0; i < d->n_members; i++) {
        gl_value *m = gl_value_object();
        if (m == NULL)
            continue;
        gl_value_object_set(m, "source", gl_value_string(d->members[i].source));
        gl_value_object_set(m, "target", gl_value_string(d->members[i].target));
        gl_value_object_set(m, "status", gl_value_string(d->members[i].status));
        gl_value_array_push(members, m);
    }
    gl_value_object_set(v, "action", gl_value_string(action));
    gl_value_object_set(v, "deployment", gl_value_string(d->id));
    gl_value_object_set(v, "status", gl_value_string(d->status));
    gl_value_object_set(v, "status_details", gl_value_string(d->status_details[0] ? d->status_details : NULL));
    gl_value_object_set(v, "source", gl_value_string(d->source));
    gl_value_object_set(v, "target", gl_value_string(d->target));
    gl_value_object_set(v, "members", members);
    gl_value_object_set(v, "error", gl_value_string(error));
    return v;
}

static void write_action(const rds_args *a, const gl_value *v)
{
    char path[4096];
    gl_error werr;

    if (a->output.out_dir == NULL || v == NULL)
        return;
    snprintf(path, sizeof(path), "%s/rds.json", a->output.out_dir);
    if (gl_json_write_file(v, 1, path, &werr) != 0)
        fprintf(stderr, "greenlight: warning: %s\n", werr.message);
}

static int decision_is_switchover(const gl_value *report)
{
    const gl_value *decision = gl_value_object_get(report, "decision");
    const char *action = decision ? gl_value_object_string(decision, "action") : NULL;

    return action != NULL && strcmp(action, "switchover") == 0;
}

/* The gate authorised it: SwitchoverBlueGreenDeployment, waited on, then
 * rds.json and the outcome record. Returns the exit code. */
static int switch_authorised(rds_args *a, gl_rds_client *client, const gl_rds_deployment *d,
                             gl_rds_deployment *final, const gl_value *report, gl_error *err)
{
    gl_value *done = NULL;
    int exit_code, switched;
    long poll_ms;

    poll_ms = 5000;
    if (getenv("GREENLIGHT_RDS_POLL_MS") != NULL) {
        poll_ms = strtol(getenv("GREENLIGHT_RDS_POLL_MS"), NULL, 10);
        if (poll_ms < 10 || poll_ms > 600000)
            poll_ms = 5000;
    }
    fprintf(stderr, "rds: the gate authorised the switchover; calling SwitchoverBlueGreenDeployment (timeout %d s)\n",
            a->timeout_s);
    switched = gl_rds_act_switchover(client, d->id, a->timeout_s, poll_ms, stderr, final, err) == 0;
    if (switched) {
        exit_code = GL_EXIT_SWITCHOVER;
        done = action_value("switchover", final, NULL);
        fprintf(stderr, "rds: switchover of %s completed: green is production\n", d->id);
    } else {
        exit_code = api_fail(err);
        done = action_value("switchover", final->id[0] ? final : d, err->message);
    }
    write_action(a, done);
    /* The second record: how the switchover the first one authorised ended. */
    {
        gl_error rec_err;
        gl_error_clear(&rec_err);
        if (done == NULL || gl_cli_output_outcome(&a->output, report, done, &rec_err) != 0) {
            char msg[2300];
            snprintf(msg, sizeof(msg), "the switchover %s, but its outcome record could not be written: %s",
                     switched ? "completed" : "did not complete",
                     done == NULL ? "out of memory" : rec_err.message);
            exit_code = gl_cli_fail(NULL, GL_EXIT_INTERNAL, msg);
        }
    }
    gl_value_free(done);
    return exit_code;
}

/* check and switchover: the gate against the deployment's endpoints. */
static int run_gated(rds_args *a, gl_rds_client *client, gl_error *err)
{
    gl_rds_deployment *d = calloc(1, sizeof(*d)), *final = calloc(1, sizeof(*final));
    char *blue = malloc(CONNINFO_MAX), *green = malloc(CONNINFO_MAX);
    gl_value *report = NULL, *done = NULL;
    int exit_code = GL_EXIT_INTERNAL, is_switch = strcmp(a->sub, "switchover") == 0;

    if (d == NULL || final == NULL || blue == NULL || green == NULL) {
        exit_code = gl_cli_fail(NULL, GL_EXIT_INTERNAL, "out of memory");
        goto out;
    }
    if (gl_rds_describe_deployment(client, a->deployment, d, err) != 0) {
        exit_code = api_fail(err);
        goto out;
    }
    if (is_switch && strcmp(d->status, "AVAILABLE") != 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "not switching over: the deployment %s is %s, and a switchover needs AVAILABLE",
                 d->id, d->status);
        exit_code = gl_cli_fail(NULL, GL_EXIT_HOLD, msg);
        goto out;
    }
    if (gl_rds_act_conninfo(client, d, a->dbname, a->conninfo_extra, blue, green, CONNINFO_MAX, err) != 0) {
        exit_code = api_fail(err);
        goto out;
    }
    fprintf(stderr, "rds: deployment %s is %s; gating blue %s against green %s\n", d->id, d->status, d->source,
            d->target);
    a->gate.blue = blue;
    a->gate.green = green;
    a->gate.plugin_dirs = a->dirs;
    if (gl_check_run(&a->gate, &report, &exit_code, err) != 0) {
        exit_code = gl_cli_fail("rds", gl_cli_exit_code(err), err->message);
        goto out;
    }
    {
        int gate_exit = exit_code;
        /* Writes every format (report.json first), then the signed record
         * and audit line, before anything moves: an output or record that
         * cannot be written turns the exit into GL_EXIT_INTERNAL (and the
         * report's decision into a hold), so Switchover is not called. */
        a->output.all_findings = a->gate.verbose > 0;
        exit_code = gl_cli_output_report(&a->output, report, exit_code);
        if (exit_code != gate_exit)
            goto out;
    }
    if (!is_switch)
        goto out;
    /* Both must say so: the exit code and the report's decision. */
    if (exit_code != GL_EXIT_SWITCHOVER || !decision_is_switchover(report)) {
        if (exit_code == GL_EXIT_SWITCHOVER)
            exit_code = GL_EXIT_INTERNAL;
        fprintf(stderr, "greenlight: not switching over: the gate did not authorise it (exit %d); "
                        "SwitchoverBlueGreenDeployment was not called\n", exit_code);
        done = action_value("refused", d, "the gate did not authorise the switchover");
        write_action(a, done);
        goto out;
    }
    exit_code = switch_authorised(a, client, d, final, report, err);
out:
    gl_value_free(done);
    gl_value_free(report);
    free(d);
    free(final);
    free(blue);
    free(green);
    return exit_code;
}

/* ---- the verbs that run no gate: each returns the exit code ---- */

static int rds_create(const rds_args *a, gl_rds_client *client, gl_rds_deployment *d, gl_error *err)
{
    gl_rds_create req = {a->name, a->source, a->engine_version, a->param_group};
    char name[64];

    if (req.name == NULL) {
        default_name(name, sizeof(name));
        req.name = name;
    }
    if (gl_rds_create_deployment(client, &req, d, err) != 0)
        return api_fail(err);
    gl_rds_act_print(d, stdout);
    printf("next: greenlight rds status --deployment %s\n", d->id);
    return 0;
}

/* status without --deployment: every blue/green deployment of the region. */
static int rds_list(gl_rds_client *client, gl_error *err)
{
    gl_rds_deployment *all = NULL;
    size_t n = 0;

    if (gl_rds_list_deployments(client, NULL, NULL, &all, &n, err) != 0)
        return api_fail(err);
    for (size_t i = 0; i < n; i++)
        printf("%s  %-24s %-22s %s -> %s\n", all[i].id, all[i].name, all[i].status, all[i].source, all[i].target);
    if (n == 0)
        printf("no blue/green deployments in %s\n", client->region);
    free(all);
    return 0;
}

static int rds_status(const rds_args *a, gl_rds_client *client, gl_rds_deployment *d, gl_error *err)
{
    if (gl_rds_describe_deployment(client, a->deployment, d, err) != 0)
        return api_fail(err);
    gl_rds_act_print(d, stdout);
    return 0;
}

static int rds_delete(const rds_args *a, gl_rds_client *client, gl_rds_deployment *d, gl_error *err)
{
    if (gl_rds_delete_deployment(client, a->deployment, a->delete_target, d, err) != 0)
        return api_fail(err);
    gl_rds_act_print(d, stdout);
    printf("deleted%s\n", a->delete_target ? " (with the green environment)" : " (the green environment is kept)");
    return 0;
}

int gl_cli_rds(int argc, char **argv)
{
    rds_args a;
    gl_rds_client *client = NULL;
    gl_rds_deployment *d = NULL;
    gl_error err;
    int rc;

    memset(&a, 0, sizeof(a));
    gl_check_options_default(&a.gate);
    gl_cli_output_init(&a.output, "rds");
    a.timeout_s = 0;
    gl_error_clear(&err);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        rds_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? GL_EXIT_USAGE : 0;
    }
    a.sub = argv[1];
    /* The verb decision records name. */
    a.output.verb = strcmp(a.sub, "switchover") == 0 ? "rds switchover" : strcmp(a.sub, "check") == 0 ? "rds check" : "rds";
    if (strcmp(a.sub, "create") != 0 && strcmp(a.sub, "status") != 0 && strcmp(a.sub, "check") != 0 &&
        strcmp(a.sub, "switchover") != 0 && strcmp(a.sub, "delete") != 0) {
        char msg[200];
        snprintf(msg, sizeof(msg), "unknown rds verb \"%.100s\" (create, status, check, switchover, delete)", a.sub);
        return fail(msg);
    }
    rc = parse_args(argc - 1, argv + 1, &a);
    if (rc >= 0)
        return rc;
    rc = check_verb_options(&a);
    if (rc >= 0)
        return rc;
    if (a.timeout_s == 0)
        a.timeout_s = 300;

    client = calloc(1, sizeof(*client));
    d = calloc(1, sizeof(*d));
    if (client == NULL || d == NULL) {
        rc = gl_cli_fail(NULL, GL_EXIT_INTERNAL, "out of memory");
        goto out;
    }
    if (gl_rds_client_init(client, a.region, a.endpoint_url, &err) != 0) {
        rc = api_fail(&err);
        goto out;
    }
    client->verbose = a.gate.verbose;
    if (strcmp(a.sub, "create") == 0)
        rc = rds_create(&a, client, d, &err);
    else if (strcmp(a.sub, "status") == 0 && a.deployment == NULL)
        rc = rds_list(client, &err);
    else if (strcmp(a.sub, "status") == 0)
        rc = rds_status(&a, client, d, &err);
    else if (strcmp(a.sub, "delete") == 0)
        rc = rds_delete(&a, client, d, &err);
    else
        rc = run_gated(&a, client, &err);
out:
    if (client)
        gl_rds_client_clear(client);
    free(client);
    free(d);
    fflush(stdout);
    return rc;
}
