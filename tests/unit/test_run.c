/* The gate's pipeline (engine/src/run/): exact messages, the policy bytes
 * that were hashed are the ones evaluated, a failed plugin's findings are
 * dropped, and no run exits 0 when anything was lost to a failed
 * allocation. Runs are offline: both sides are snapshot files. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/exit.h"
#include "run/stages.h"
#include "value/value.h"

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/gl-test-run-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

static const char *write_file(const char *name, const char *text)
{
    static char paths[8][512];
    static int next;
    char *path = paths[next++ % 8];
    FILE *f;

    snprintf(path, 512, "%s/%s", tmpdir, name);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* A snapshot of one side holding (empty) facts of the named plugin. */
static const char *snapshot(const char *name, const char *plugin)
{
    char text[512];
    snprintf(text, sizeof(text),
             "{\"greenlight_snapshot\": 1, \"greenlight_version\": \"test\", \"taken_at\": "
             "\"2026-01-01T00:00:00.000Z\", \"target\": \"%s\", \"server_version\": \"15.0\", "
             "\"server_version_num\": 150000, \"plugins\": {\"%s\": {\"version\": \"1.0\", "
             "\"facts\": {\"side\": 0}}}}",
             name, plugin);
    return write_file(name, text);
}

static char plugin_dir[4096];
static const char *plugin_dirs[1] = {plugin_dir};

static void options_for(gl_check_options *opts, const char *plugin)
{
    gl_check_options_default(opts);
    snprintf(plugin_dir, sizeof(plugin_dir), "%s/test-plugins/%s", GL_TEST_BUILD_DIR, plugin);
    opts->plugin_dirs = plugin_dirs;
    opts->n_plugin_dirs = 1;
    opts->only_plugins = plugin;
    opts->blue = snapshot("blue.json", plugin);
    opts->green = snapshot("green.json", plugin);
}

Test(run, error_set_may_quote_its_own_message)
{
    gl_error err;

    gl_error_set(&err, GL_ERR_USAGE, "cannot read %s: %s", "/x.lua", "No such file or directory");
    gl_error_set(&err, GL_ERR_USAGE, "--policy: %s", err.message);
    cr_assert_str_eq(err.message, "--policy: cannot read /x.lua: No such file or directory");
    gl_error_prefix(&err, "check %s", "--blue");
    cr_assert_str_eq(err.message, "check --blue: --policy: cannot read /x.lua: No such file or directory");
    cr_assert_eq(gl_cli_exit_code(&err), GL_EXIT_USAGE);
}

Test(run, missing_policy_is_a_usage_error_with_the_exact_message, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
    gl_check_options opts;
    gl_value *report = NULL;
    gl_error err;
    char want[600];
    int exit_code = -1;

    options_for(&opts, "finding_emitter");
    snprintf(want, sizeof(want), "%s/none.lua", tmpdir);
    opts.policy_path = want;
    cr_assert_eq(gl_check_run(&opts, &report, &exit_code, &err), -1);
    cr_assert_null(report);
    cr_assert_eq(gl_cli_exit_code(&err), GL_EXIT_USAGE);
    snprintf(want, sizeof(want), "--policy: cannot read %s/none.lua: No such file or directory", tmpdir);
    cr_assert_str_eq(err.message, want);
}

/* --change has its own limit (1 MiB), not the 512 MiB JSON cap. */
Test(run, change_file_over_its_limit_is_refused_by_size, .init = make_tmpdir, .fini = remove_tmpdir)
{
    gl_check_options opts;
    gl_value *report = NULL;
    gl_error err;
    char want[700];
    size_t n = 1024 * 1024 + 1;
    char *big = malloc(n + 1);
    int exit_code = -1;

    cr_assert_not_null(big);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    big[n] = '\0';
    options_for(&opts, "finding_emitter");
    opts.change_path = write_file("change.json", big);
    free(big);
    cr_assert_eq(gl_check_run(&opts, &report, &exit_code, &err), -1);
    cr_assert_eq(gl_cli_exit_code(&err), GL_EXIT_USAGE);
    snprintf(want, sizeof(want), "--change: %s: too large (1048577 bytes; the limit is 1 MiB)",
             opts.change_path);
    cr_assert_str_eq(err.message, want);
}

/* The digest in the report is of the bytes read once; the judge evaluates
 * those bytes even when the file changes on disk in between. */
Test(run, judge_evaluates_the_bytes_that_were_hashed, .init = make_tmpdir, .fini = remove_tmpdir)
{
    gl_check_options opts;
    gl_run run;
    gl_error err;
    const char *holds = "return { name = \"t\", rules = { r = function(input) return "
                        "gl.hold(\"the hashed policy ran\") end } }\n";
    const char *authorises = "return { name = \"t\", rules = { } }\n";

    options_for(&opts, "finding_emitter");
    opts.policy_path = write_file("policy.lua", holds);
    cr_assert_eq(gl_run_init(&run, &opts, &err), 0);
    cr_assert_eq(gl_run_inputs_load(&run, &err), 0, "%s", err.message);
    write_file("policy.lua", authorises);   /* swapped after it was hashed */
    cr_assert_eq(gl_run_collect(&run, &err), 0, "%s", err.message);
    cr_assert_eq(gl_run_compare(&run, &err), 0, "%s", err.message);
    cr_assert_eq(gl_run_findings_order(&run, &err), 0, "%s", err.message);
    cr_assert_eq(gl_run_judge(&run, &err), 0, "%s", err.message);
    cr_assert_str_eq(gl_value_object_string(run.decision, "action"), "hold");
    cr_assert_str_eq(gl_value_object_string(gl_value_array_at(gl_value_object_get(run.decision,
                                                                                  "reasons"), 0),
                                            "message"),
                     "the hashed policy ran");
    gl_run_free(&run);
}

Test(run, a_failed_compare_leaves_no_findings, .init = make_tmpdir, .fini = remove_tmpdir)
{
    gl_check_options opts;
    gl_value *report = NULL;
    gl_error err;
    int exit_code = -1;

    options_for(&opts, "emit_then_fail");
    cr_assert_eq(gl_check_run(&opts, &report, &exit_code, &err), 0, "%s", err.message);
    cr_assert_eq(exit_code, GL_EXIT_INTERNAL);
    cr_assert_eq(gl_value_len(gl_value_object_get(report, "findings")), 0);
    cr_assert_eq(gl_value_get_int(gl_value_object_get(gl_value_object_get(report, "summary"),
                                                      "findings")), 0);
    const gl_value *plugin = gl_value_array_at(gl_value_object_get(report, "plugins"), 0);
    cr_assert_str_eq(gl_value_object_string(plugin, "status"), "failed");
    cr_assert_str_eq(gl_value_object_string(plugin, "error"),
                     "compare failed after emitting one finding");
    const gl_value *decision = gl_value_object_get(report, "decision");
    cr_assert_str_eq(gl_value_object_string(decision, "action"), "hold");
    cr_assert_str_eq(gl_value_object_string(gl_value_array_at(gl_value_object_get(report, "errors"), 0),
                                            "message"),
                     "compare failed after emitting one finding");
    gl_value_free(report);
}

/* A plugin built against ABI 1.0 (no gl_finding.size) loads and its
 * finding arrives whole. */
Test(run, a_plugin_built_against_abi_1_0_still_works, .init = make_tmpdir, .fini = remove_tmpdir)
{
    gl_check_options opts;
    gl_value *report = NULL;
    gl_error err;
    int exit_code = -1;

    options_for(&opts, "abi_1_0");
    opts.blue = write_file("blue.json", "{\"greenlight_snapshot\": 1, \"greenlight_version\": \"test\", \"taken_at\": "
                                        "\"2026-01-01T00:00:00.000Z\", \"target\": \"blue\", \"server_version\": \"15.0\", "
                                        "\"server_version_num\": 150000, \"plugins\": {\"abi_1_0\": {\"version\": \"1.0\", "
                                        "\"facts\": {\"side\": \"blue\"}}}}");
    opts.green = write_file("green.json", "{\"greenlight_snapshot\": 1, \"greenlight_version\": \"test\", \"taken_at\": "
                                        "\"2026-01-01T00:00:00.000Z\", \"target\": \"green\", \"server_version\": \"15.0\", "
                                        "\"server_version_num\": 150000, \"plugins\": {\"abi_1_0\": {\"version\": \"1.0\", "
                                          "\"facts\": {\"side\": \"green\"}}}}");
    cr_assert_eq(gl_check_run(&opts, &report, &exit_code, &err), 0, "%s", err.message);
    const gl_value *plugin = gl_value_array_at(gl_value_object_get(report, "plugins"), 0);
    cr_assert_str_eq(gl_value_object_string(plugin, "status"), "ok");
    const gl_value *f = gl_value_array_at(gl_value_object_get(report, "findings"), 0);
    cr_assert_str_eq(gl_value_object_string(f, "id"), "abi_1_0.finding:old.layout");
    cr_assert_str_eq(gl_value_object_string(f, "severity"), "warning");
    cr_assert_str_eq(gl_value_object_string(f, "blue"), "blue");
    cr_assert_str_eq(gl_value_object_string(f, "green"), "green");
    cr_assert_str_eq(gl_value_object_string(f, "message"), "emitted by a plugin built against ABI 1.0");
    gl_value_free(report);
}

/* The plugin's error for each rule of plugin.h the host enforces. */
static void misbehave(const char *mode, const char *want)
{
    gl_check_options opts;
    gl_value *report = NULL;
    gl_error err;
    char config[128];
    int exit_code = -1;

    options_for(&opts, "misbehaving");
    snprintf(config, sizeof(config), "{\"plugins\": {\"misbehaving\": {\"mode\": \"%s\"}}}", mode);
    opts.config_path = write_file("config.json", config);
    cr_assert_eq(gl_check_run(&opts, &report, &exit_code, &err), 0, "%s", err.message);
    cr_assert_eq(exit_code, GL_EXIT_INTERNAL);
    const gl_value *plugin = gl_value_array_at(gl_value_object_get(report, "plugins"), 0);
    cr_assert_str_eq(gl_value_object_string(plugin, "status"), "failed");
    cr_assert_str_eq(gl_value_object_string(plugin, "error"), want);
    cr_assert_eq(gl_value_len(gl_value_object_get(report, "findings")), 0);
    gl_value_free(report);
}

Test(run, compare_must_not_query, .init = make_tmpdir, .fini = remove_tmpdir)
{
    misbehave("query", "compare must not query: it works on the facts alone (it may run offline "
                       "from two snapshots); read what compare needs in collect");
}

Test(run, a_finding_without_size_is_refused, .init = make_tmpdir, .fini = remove_tmpdir)
{
    misbehave("no_size", "emit: gl_finding.size is 0, not 64: initialise findings with GL_FINDING_INIT");
}


/* --- failure injection: an allocator that fails the Nth allocation --- */

static long alloc_count, alloc_fail_at;

static void *failing_malloc(size_t n)
{
    if (++alloc_count == alloc_fail_at)
        return NULL;
    return malloc(n);
}

static void *failing_realloc(void *p, size_t n)
{
    if (++alloc_count == alloc_fail_at)
        return NULL;
    return realloc(p, n);
}

static const gl_value_allocator failing = {failing_malloc, failing_realloc, free};

/* Drops what differs between two runs of the same inputs. */
static char *stable_json(gl_value *report)
{
    gl_value_object_remove(report, "run_id");
    gl_value_object_remove(report, "started_at");
    gl_value_object_remove(report, "finished_at");
    gl_value_object_remove(report, "duration_ms");
    gl_value *plugins = gl_value_object_get_mut(report, "plugins");
    for (size_t i = 0; i < gl_value_len(plugins); i++)
        gl_value_object_remove(gl_value_array_at_mut(plugins, i), "duration_ms");
    return gl_json_write(report, 0, NULL);
}

/* Sweeps N over every allocation of a whole run. With every N the run either
 * fails (no report: the CLI exits 70), or exits non-zero, or — only when
 * the run without failures authorises — produces exactly that report. */
static void sweep(const char *severity, int want_exit)
{
    gl_check_options opts;
    gl_value *report = NULL;
    gl_error err;
    char config[128], *want = NULL;
    int exit_code = -1, zero_exits = 0, failed_runs = 0;
    long n;

    options_for(&opts, "finding_emitter");
    snprintf(config, sizeof(config), "{\"plugins\": {\"finding_emitter\": {\"severity\": \"%s\"}}}",
             severity);
    opts.config_path = write_file("config.json", config);
    cr_assert_eq(gl_check_run(&opts, &report, &exit_code, &err), 0, "%s", err.message);
    cr_assert_eq(exit_code, want_exit);
    want = stable_json(report);
    gl_value_free(report);

    for (n = 1;; n++) {
        alloc_count = 0;
        alloc_fail_at = n;
        gl_value_set_allocator(&failing);
        report = NULL;
        exit_code = -1;
        int rc = gl_check_run(&opts, &report, &exit_code, &err);
        gl_value_set_allocator(NULL);
        if (alloc_count < n) {   /* nothing failed: the sweep is complete */
            cr_assert_eq(rc, 0);
            gl_value_free(report);
            break;
        }
        if (rc != 0) {
            failed_runs++;
            cr_assert_null(report);
            continue;
        }
        if (exit_code == GL_EXIT_SWITCHOVER) {
            zero_exits++;
            char *got = stable_json(report);
            cr_assert_eq(want_exit, GL_EXIT_SWITCHOVER,
                         "allocation %ld failed and the run exited 0 (baseline %d)", n, want_exit);
            cr_assert_str_eq(got, want, "allocation %ld failed, the run exited 0 with a different "
                             "report:\n%s\ninstead of\n%s", n, got, want);
            free(got);
        }
        gl_value_free(report);
    }
    cr_log_info("%s: %ld allocations swept, %d runs failed, %d exited 0", severity, n - 1,
                failed_runs, zero_exits);
    cr_assert_gt(n, 100, "the sweep covered only %ld allocations", n - 1);
    free(want);
}

Test(run, no_run_authorises_when_an_allocation_failed_hold, .init = make_tmpdir,
     .fini = remove_tmpdir, .timeout = 300)
{
    sweep("critical", GL_EXIT_HOLD);
}

Test(run, no_run_authorises_when_an_allocation_failed_switchover, .init = make_tmpdir,
     .fini = remove_tmpdir, .timeout = 300)
{
    sweep("info", GL_EXIT_SWITCHOVER);
}

static int failing_random(void *buf, size_t len)
{
    (void)buf;
    (void)len;
    errno = ENOSYS;
    return -1;
}

/* A random source that fails fails the run: never the all-zero run id every
 * such run would share (records and audit logs name runs by it). */
Test(run, a_failing_random_source_fails_the_run, .init = make_tmpdir, .fini = remove_tmpdir)
{
    gl_check_options opts;
    gl_value *report = NULL;
    gl_error err;
    int exit_code = -1;

    options_for(&opts, "finding_emitter");
    gl_error_clear(&err);
    gl_run_set_random_source(failing_random);
    cr_assert_eq(gl_check_run(&opts, &report, &exit_code, &err), -1);
    gl_run_set_random_source(NULL);
    cr_assert_null(report);
    cr_assert_eq(gl_cli_exit_code(&err), GL_EXIT_INTERNAL);
    cr_assert_str_eq(err.message, "cannot make a run id: the random source failed (getrandom: "
                                  "Function not implemented); nothing was checked");
}

/* host->skip (ABI 1.2): a check with nothing to measure is "skipped" with
 * why, never "ok"; a run whose every check skipped measured nothing and holds
 * (70); skip with findings fails the check. */
Test(run, a_skipped_check_is_never_ok, .init = make_tmpdir, .fini = remove_tmpdir)
{
    static const char *const configs[] = {
        "{\"plugins\": {\"skipper\": {}}}",
        "{\"plugins\": {\"skipper\": {\"emit\": true}}}",
    };
    static const char *const status[] = {"skipped", "failed"};
    static const char *const why[] = {
        "nothing configured for skipper: give it something to do",
        "compare called skip (\"nothing configured for skipper: give it something to do\") and "
        "emitted 1 finding(s): a skipped check measured nothing",
    };

    for (size_t i = 0; i < 2; i++) {
        gl_check_options opts;
        gl_value *report = NULL;
        const gl_value *p, *errors;
        gl_error err;
        int exit_code = -1;

        options_for(&opts, "skipper");
        opts.config_path = write_file("config.json", configs[i]);
        gl_error_clear(&err);
        cr_assert_eq(gl_check_run(&opts, &report, &exit_code, &err), 0, "%s", err.message);
        p = gl_value_array_at(gl_value_object_get(report, "plugins"), 0);
        errors = gl_value_object_get(report, "errors");
        cr_assert_str_eq(gl_value_object_string(p, "status"), status[i], "case %zu", i);
        cr_assert_str_eq(gl_value_object_string(p, "error"), why[i], "case %zu", i);
        cr_assert_eq(exit_code, GL_EXIT_INTERNAL, "case %zu", i);
        cr_assert_str_eq(gl_value_object_string(gl_value_object_get(report, "decision"), "action"), "hold");
        cr_assert_eq(gl_value_len(gl_value_object_get(report, "findings")), 0);
        if (i == 0)
            cr_assert_str_eq(gl_value_object_string(gl_value_array_at(errors, 0), "message"),
                             "every check was skipped, so nothing was measured: run the checks "
                             "that apply (--plugins) or configure them (--config)");
        gl_value_free(report);
    }
}
