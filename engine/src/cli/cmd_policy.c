/*
 * greenlight policy test|eval — the policy author's tools.
 *   test [PATHS...]  run *_test.lua files, print pass/fail and rule coverage
 *   eval --input F   one decision from a saved policy input, with --explain
 * Exit: test 0 all passed (and coverage met), 1 otherwise; eval follows the
 * decision (0 switchover, 1 hold, 2 rollback; a failing policy is a hold);
 * 64 bad usage for both.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/exit.h"
#include "input/input.h"
#include "judge/policy.h"
#include "judge/suite.h"
#include "run/run.h"
#include "util/names.h"
#include "value/value.h"

#define MAX_TEST_PATHS 256

static void policy_usage(FILE *out)
{
    fprintf(out,
            "usage: greenlight policy test [PATHS...] [--coverage-min N] [--junit FILE] [-v]\n"
            "       greenlight policy eval --input FILE [--policy P] [--explain] [--format text|json] [--stats]\n"
            "\n"
            "test   runs the *_test.lua files under PATHS (default: policies/tests), prints\n"
            "       pass/fail per test and which rules of each policy fired in some test.\n"
            "       --coverage-min N   fail when under N%% of the rules fired\n"
            "       --junit FILE       also write JUnit XML\n"
            "       -v                 print every test's reasons\n"
            "       exit 0 all passed, 1 a test failed or coverage is short, 64 usage\n"
            "eval   evaluates a policy on a saved input (`greenlight check --save-input FILE`)\n"
            "       --policy P         the policy: a file or a shipped policy's name (default: default)\n"
            "       --explain          per rule: its verdicts and their findings, or no objection\n"
            "       --format json      print {decision, trace} as JSON\n"
            "       --stats            print instructions, Lua heap peak and time (stderr)\n"
            "       exit 0 switchover, 1 hold, 2 rollback, 64 usage, 78 the policy is broken\n"
            "See share/doc/policy.md.\n");
}

static int usage_error(const char *msg)
{
    return gl_cli_fail("policy", GL_EXIT_USAGE, msg);
}

/* The shipped policies directory: the default policy's. */
static void policies_dir(char *out, size_t len)
{
    const char *slash;

    snprintf(out, len, "%s", gl_default_policy_path());
    slash = strrchr(out, '/');
    if (slash != NULL)
        out[slash - out] = '\0';
}

static void print_coverage(const gl_value *results)
{
    const gl_value *coverage = gl_value_object_get(results, "coverage");

    printf("\nrule coverage:\n");
    for (size_t i = 0; i < gl_value_len(coverage); i++) {
        const gl_value *c = gl_value_array_at(coverage, i), *rules = gl_value_object_get(c, "rules"),
                       *fired = gl_value_object_get(c, "fired");
        int printed = 0;

        printf("  %-40s %zu/%zu rules (%.1f%%)", gl_value_object_string(c, "policy"), gl_value_len(fired),
               gl_value_len(rules), gl_value_get_number(gl_value_object_get(c, "percent")));
        for (size_t k = 0; k < gl_value_len(rules); k++) {
            const char *rule = gl_value_get_string(gl_value_array_at(rules, k));
            int hit = 0;
            for (size_t m = 0; m < gl_value_len(fired); m++)
                hit = hit || strcmp(gl_value_get_string(gl_value_array_at(fired, m)), rule) == 0;
            if (!hit)
                printf("%s%s", printed++ ? ", " : "  never fired: ", rule);
        }
        printf("\n");
    }
}

static void print_reasons(const gl_value *decision, const char *indent)
{
    const gl_value *reasons = gl_value_object_get(decision, "reasons");

    for (size_t i = 0; i < gl_value_len(reasons); i++) {
        const gl_value *r = gl_value_array_at(reasons, i), *ids = gl_value_object_get(r, "findings");
        printf("%s%s %s: %s", indent, gl_value_object_string(r, "action"), gl_value_object_string(r, "rule"),
               gl_value_object_string(r, "message"));
        for (size_t k = 0; k < gl_value_len(ids); k++)
            printf("%s%s", k ? ", " : " [", gl_value_get_string(gl_value_array_at(ids, k)));
        printf("%s\n", gl_value_len(ids) ? "]" : "");
    }
}

/* Each test of a suite run, grouped by file: PASS/FAIL, the failure's
 * message, and with verbose the decision and its reasons. */
static void print_tests(const gl_value *tests, int verbose)
{
    const char *file = NULL;

    for (size_t i = 0; i < gl_value_len(tests); i++) {
        const gl_value *t = gl_value_array_at(tests, i);
        int pass = strcmp(gl_value_object_string(t, "status"), "pass") == 0;
        if (file == NULL || strcmp(file, gl_value_object_string(t, "file")) != 0) {
            file = gl_value_object_string(t, "file");
            printf("%s\n", file);
        }
        printf("  %s %s", pass ? "PASS" : "FAIL", gl_value_object_string(t, "name"));
        if (gl_value_object_string(t, "policy") != NULL)
            printf(" (%s)", gl_value_object_string(t, "policy"));
        printf("\n");
        if (!pass)
            printf("       %s\n", gl_value_object_string(t, "message"));
        if (verbose && gl_value_kind_of(gl_value_object_get(t, "decision")) == GL_VALUE_OBJECT) {
            printf("       decision: %s\n", gl_value_object_string(gl_value_object_get(t, "decision"), "action"));
            print_reasons(gl_value_object_get(t, "decision"), "         ");
        }
    }
}

static int policy_test(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"coverage-min", required_argument, NULL, 'c'},
        {"junit", required_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *paths[MAX_TEST_PATHS], *junit = NULL;
    char dir[4096], default_tests[4200];
    size_t n_paths = 0;
    double coverage_min = -1;
    int c, verbose = 0, exit_code;
    gl_value *results = NULL;
    gl_error err;

    gl_error_clear(&err);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': {
            char *end;
            coverage_min = strtod(optarg, &end);
            if (*end != '\0' || end == optarg || coverage_min < 0 || coverage_min > 100)
                return usage_error("--coverage-min takes a percentage from 0 to 100");
            break;
        }
        case 'j': junit = optarg; break;
        case 'v': verbose++; break;
        case 'h': policy_usage(stdout); return 0;
        default: {
            char msg[256];
            snprintf(msg, sizeof(msg), "unknown or incomplete option \"%s\"", argv[optind - 1]);
            return usage_error(msg);
        }
        }
    }
    for (; optind < argc; optind++) {
        if (n_paths == MAX_TEST_PATHS)
            return usage_error("too many paths (limit 256)");
        paths[n_paths++] = argv[optind];
    }
    policies_dir(dir, sizeof(dir));
    if (n_paths == 0) {
        /* policies/tests here, else next to the shipped policies */
        FILE *probe = fopen("policies/tests", "r");
        if (probe != NULL) {
            fclose(probe);
            paths[n_paths++] = "policies/tests";
        } else {
            snprintf(default_tests, sizeof(default_tests), "%s/tests", dir);
            paths[n_paths++] = default_tests;
        }
    }
    if (gl_policy_suite_run(paths, n_paths, dir, &results, &err) != 0)
        return gl_cli_fail("policy", gl_cli_exit_code(&err), err.message);

    print_tests(gl_value_object_get(results, "tests"), verbose);
    print_coverage(results);
    double percent = gl_value_get_number(gl_value_object_get(results, "percent"));
    int64_t failed = gl_value_get_int(gl_value_object_get(results, "failed"));
    printf("\n%lld passed, %lld failed; rule coverage %.1f%% (%lld of %lld rules)\n",
           (long long)gl_value_get_int(gl_value_object_get(results, "passed")), (long long)failed, percent,
           (long long)gl_value_get_int(gl_value_object_get(results, "rules_fired")),
           (long long)gl_value_get_int(gl_value_object_get(results, "rules")));
    exit_code = failed > 0 ? 1 : 0;
    if (coverage_min >= 0 && percent + 1e-9 < coverage_min) {
        printf("rule coverage %.1f%% is below --coverage-min %g%%\n", percent, coverage_min);
        exit_code = 1;
    }
    if (junit != NULL && gl_policy_suite_write_junit(results, junit, &err) != 0) {
        gl_value_free(results);
        return gl_cli_fail(NULL, gl_cli_exit_code(&err), err.message);
    }
    gl_value_free(results);
    fflush(stdout);
    return exit_code;
}

/* The finding with id in input.findings, or NULL. */
static const gl_value *finding_by_id(const gl_value *input, const char *id)
{
    const gl_value *findings = gl_value_object_get(input, "findings");

    for (size_t i = 0; i < gl_value_len(findings); i++) {
        const char *fid = gl_value_object_string(gl_value_array_at(findings, i), "id");
        if (fid != NULL && strcmp(fid, id) == 0)
            return gl_value_array_at(findings, i);
    }
    return NULL;
}

static void print_explain(const gl_value *trace, const gl_value *input)
{
    const gl_value *rules = gl_value_object_get(trace, "rules");

    printf("\npolicy %s: %zu rules, in the order they ran\n", gl_value_object_string(trace, "policy"),
           gl_value_len(rules));
    for (size_t i = 0; i < gl_value_len(rules); i++) {
        const gl_value *r = gl_value_array_at(rules, i), *verdicts = gl_value_object_get(r, "verdicts");
        if (gl_value_len(verdicts) == 0) {
            printf("  rule %s: no objection\n", gl_value_object_string(r, "rule"));
            continue;
        }
        printf("  rule %s: %zu verdict%s\n", gl_value_object_string(r, "rule"), gl_value_len(verdicts),
               gl_value_len(verdicts) == 1 ? "" : "s");
        for (size_t k = 0; k < gl_value_len(verdicts); k++) {
            const gl_value *v = gl_value_array_at(verdicts, k), *ids = gl_value_object_get(v, "findings");
            printf("    %s: %s\n", gl_value_object_string(v, "action"), gl_value_object_string(v, "message"));
            for (size_t m = 0; m < gl_value_len(ids); m++) {
                const char *id = gl_value_get_string(gl_value_array_at(ids, m));
                const gl_value *f = finding_by_id(input, id);
                if (f == NULL) {
                    printf("      because of %s (not a finding of this input)\n", id);
                    continue;
                }
                printf("      because of %s [%s%s]: %s\n", id, gl_value_object_string(f, "severity") ?
                       gl_value_object_string(f, "severity") : "?",
                       gl_value_object_get(f, "waived") != NULL ? ", waived" : "",
                       gl_value_object_string(f, "message") ? gl_value_object_string(f, "message") : "");
            }
        }
        if (gl_value_object_get(r, "verdicts_omitted") != NULL)
            printf("    ... and %lld more\n", (long long)gl_value_get_int(gl_value_object_get(r, "verdicts_omitted")));
    }
}

/* {"decision", "trace"} on stdout; takes both (*decision and *trace become
 * NULL). -1 when out of memory. */
static int print_json(gl_value **decision, gl_value **trace)
{
    gl_value *both = gl_value_object();
    char *text = NULL;

    if (both != NULL && gl_value_object_set(both, "decision", *decision) == 0) {
        *decision = NULL;
        if (gl_value_object_set(both, "trace", *trace) == 0)
            text = gl_json_write(both, 1, NULL);
        *trace = NULL;
    }
    gl_value_free(both);
    if (text == NULL)
        return -1;
    fputs(text, stdout);
    free(text);
    return 0;
}

/* Resolves *policy into resolved (which *policy then points at), checks it
 * can be read and loads --input into *input. 0, or the exit code after the
 * error was printed. */
static int eval_inputs(const char **policy, char *resolved, size_t resolved_size, const char *input_path,
                       gl_value **input)
{
    gl_error ierr;
    char *source = NULL;

    gl_error_clear(&ierr);
    if (gl_policy_resolve(*policy, resolved, resolved_size, &ierr) != 0)
        return usage_error(ierr.message);
    *policy = resolved;
    /* An unreadable policy is a usage error, not a broken policy (78). */
    if (gl_file_read(*policy, GL_POLICY_MAX, &source, NULL, &ierr) != 0) {
        gl_error_prefix(&ierr, "--policy");
        return gl_cli_exit_code(&ierr) == GL_EXIT_USAGE ? usage_error(ierr.message)
                                                          : gl_cli_fail(NULL, gl_cli_exit_code(&ierr), ierr.message);
    }
    free(source);
    if (gl_input_load(GL_INPUT_POLICY_INPUT, "--input", input_path, input, &ierr) != 0)
        return usage_error(ierr.message);
    return 0;
}

static int policy_eval(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"input", required_argument, NULL, 'i'},
        {"policy", required_argument, NULL, 'p'},
        {"explain", no_argument, NULL, 'e'},
        {"format", required_argument, NULL, 'f'},
        {"stats", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *input_path = NULL, *policy = NULL, *format = "text";
    int c, explain = 0, stats_wanted = 0, exit_code;
    gl_value *input = NULL, *decision = NULL, *trace = NULL;
    gl_policy_stats stats;
    char msg[4096], resolved[4096];
    gl_error perr;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'i': input_path = optarg; break;
        case 'p': policy = optarg; break;
        case 'e': explain = 1; break;
        case 'f': format = optarg; break;
        case 's': stats_wanted = 1; break;
        case 'h': policy_usage(stdout); return 0;
        default:
            snprintf(msg, sizeof(msg), "unknown or incomplete option \"%s\"", argv[optind - 1]);
            return usage_error(msg);
        }
    }
    if (optind < argc) {
        snprintf(msg, sizeof(msg), "unexpected argument \"%s\"", argv[optind]);
        return usage_error(msg);
    }
    if (input_path == NULL)
        return usage_error("policy eval needs --input FILE (save one with `greenlight check --save-input FILE`)");
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
        return usage_error("--format must be text or json");
    c = eval_inputs(&policy, resolved, sizeof(resolved), input_path, &input);
    if (c != 0)
        return c;
    if (gl_policy_evaluate_ex_killable(policy, input, NULL, &decision, &trace, &stats, &perr) != 0) {
        /* fail closed, as check does: the policy's failure is a hold, and
         * exit 78 says nobody decided it (share/doc/exit-codes.md) */
        printf("decision: hold (the policy failed: exit 78)\n  %s\n", perr.message);
        exit_code = GL_EXIT_CONFIG;
        goto out;
    }
    exit_code = gl_action_exit_code(gl_value_object_string(decision, "action"));
    if (strcmp(format, "json") == 0) {
        if (print_json(&decision, &trace) != 0)
            exit_code = gl_cli_fail(NULL, GL_EXIT_INTERNAL, "out of memory writing the decision");
    } else {
        printf("decision: %s (policy %s)\n", gl_value_object_string(decision, "action"), policy);
        print_reasons(decision, "  ");
        if (gl_value_object_get(decision, "reasons_omitted") != NULL)
            printf("  ... %lld more reasons omitted\n",
                   (long long)gl_value_get_int(gl_value_object_get(decision, "reasons_omitted")));
        if (explain)
            print_explain(trace, input);
    }
out:
    if (stats_wanted)
        fprintf(stderr, "stats: %.1f ms, %llu instructions, Lua heap peak %.1f MiB\n", stats.duration_ms,
                (unsigned long long)stats.instructions, (double)stats.memory_peak / (1024.0 * 1024.0));
    gl_value_free(input);
    gl_value_free(decision);
    gl_value_free(trace);
    fflush(stdout);
    return exit_code;
}

int gl_cli_policy(int argc, char **argv)
{
    if (argc < 2) {
        policy_usage(stderr);
        return GL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "test") == 0)
        return policy_test(argc - 1, argv + 1);
    if (strcmp(argv[1], "eval") == 0)
        return policy_eval(argc - 1, argv + 1);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        policy_usage(stdout);
        return 0;
    }
    fprintf(stderr, "greenlight policy: unknown subcommand \"%s\" (test or eval)\n\n", argv[1]);
    policy_usage(stderr);
    return GL_EXIT_USAGE;
}
