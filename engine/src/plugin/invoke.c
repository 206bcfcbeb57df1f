/*
 * invoke.c — calling into plugins: one gl_ctx per call, errors copied out,
 * selection and configuration of plugins for a run.
 */
#include "plugin/invoke.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "plugin/host.h"
#include "plugin/isolate.h"
#include "value/value.h"

/* The configuration of a plugin that has none: a process-lifetime empty
 * object, made once (plugins may be collected from several threads). */
static gl_value *empty_config;
static pthread_once_t empty_config_once = PTHREAD_ONCE_INIT;

static void empty_config_make(void)
{
    empty_config = gl_value_object();
}

const gl_value *gl_plugin_config(const gl_value *config, const char *name)
{
    const gl_value *c = gl_value_object_get(gl_value_object_get(config, "plugins"), name);

    if (c != NULL)
        return c;
    pthread_once(&empty_config_once, empty_config_make);
    return empty_config;
}

int gl_plugin_wanted(const char *only, const char *name)
{
    size_t n = strlen(name);
    const char *p = only;

    if (only == NULL || only[0] == '\0')
        return 1;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

int gl_plugins_select(gl_plugin_set *set, const char *only, gl_error *err)
{
    /* Refused plugins are a configuration error: a check that silently did
     * not run is how a gate fails open. */
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].state == GL_PLUGIN_REFUSED)
            return gl_error_set(err, GL_ERR_USAGE, "plugin refused: %s (remove it from the plugin path or rebuild it)",
                                set->items[i].refusal);
    for (const char *p = only; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int found = 0;
        for (size_t i = 0; i < set->count; i++)
            if (set->items[i].state == GL_PLUGIN_LOADED && strlen(set->items[i].desc->name) == len &&
                strncmp(set->items[i].desc->name, p, len) == 0)
                found = 1;
        if (!found)
            return gl_error_set(err, GL_ERR_USAGE, "--plugins: no plugin named \"%.*s\" (see `greenlight plugins`)",
                                (int)len, p);
        p = end ? end + 1 : NULL;
    }
    return 0;
}

/* The bounds of isolated calls (plugin/isolate.h), set per run. */
static double per_call_ms = GL_PLUGIN_TIMEOUT_DEFAULT_S * 1000.0;
static double run_deadline_ms;   /* 0: none */

void gl_plugins_set_deadline(double call_ms, double run_deadline)
{
    per_call_ms = call_ms > 0 ? call_ms : GL_PLUGIN_TIMEOUT_DEFAULT_S * 1000.0;
    run_deadline_ms = run_deadline;
}

static double call_deadline(void)
{
    double d = gl_time_ms() + per_call_ms;

    return run_deadline_ms > 0 && run_deadline_ms < d ? run_deadline_ms : d;
}

static void ctx_init(gl_ctx *ctx, const gl_plugin *desc, gl_target *targets[2],
                     const gl_value *config, int verbose)
{
    gl_ctx_init(ctx, desc->name, targets, gl_plugin_config(config, desc->name), NULL, verbose);
    ctx->abi_minor = desc->abi_minor;
}

/* ---------------------------------------------------------- in the child */

typedef struct call_args {
    const gl_plugin *desc;
    gl_side side;
    const gl_value *blue, *green;
} call_args;

static int child_collect(gl_ctx *ctx, void *arg, gl_value **out)
{
    const call_args *a = arg;

    *out = NULL;
    if (a->desc->collect(ctx, gl_host_table(), a->side, out) != 0 || *out == NULL) {
        gl_value_free(*out);
        *out = NULL;
        if (ctx->error[0] == '\0')
            snprintf(ctx->error, sizeof(ctx->error), "collect failed without a message (or returned no facts)");
        return -1;
    }
    return 0;
}

static int child_collect_pair(gl_ctx *ctx, void *arg, gl_value **out)
{
    const call_args *a = arg;
    gl_value *pair[2] = {NULL, NULL};

    *out = NULL;
    if (a->desc->collect_pair(ctx, gl_host_table(), &pair[0], &pair[1]) != 0 || !pair[0] || !pair[1]) {
        gl_value_free(pair[0]);
        gl_value_free(pair[1]);
        if (ctx->error[0] == '\0')
            snprintf(ctx->error, sizeof(ctx->error),
                     "collect_pair failed without a message (or returned no facts)");
        return -1;
    }
    *out = gl_value_array();
    if (gl_value_array_push(*out, pair[0]) != 0 || gl_value_array_push(*out, pair[1]) != 0) {
        gl_value_free(*out);
        *out = NULL;
        snprintf(ctx->error, sizeof(ctx->error), "out of memory");
        return -1;
    }
    return 0;
}

static int child_compare(gl_ctx *ctx, void *arg, gl_value **out)
{
    const call_args *a = arg;

    *out = NULL;
    ctx->findings = gl_value_array();
    ctx->in_compare = 1;
    if (ctx->findings == NULL)
        return -1;
    if (a->desc->compare(ctx, gl_host_table(), a->blue, a->green) != 0) {
        if (ctx->error[0] == '\0')
            snprintf(ctx->error, sizeof(ctx->error), "compare failed without a message");
        return -1;
    }
    if (ctx->skipped[0] != '\0') {
        /* {"skipped": why} instead of the findings: a skip says nothing was measured */
        if (gl_value_len(ctx->findings) > 0) {
            snprintf(ctx->error, sizeof(ctx->error), "compare called skip (\"%.200s\") and emitted "
                     "%zu finding(s): a skipped check measured nothing", ctx->skipped,
                     gl_value_len(ctx->findings));
            return -1;
        }
        *out = gl_value_object();
        if (*out == NULL || gl_value_object_set(*out, "skipped", gl_value_string(ctx->skipped)) != 0) {
            snprintf(ctx->error, sizeof(ctx->error), "out of memory");
            return -1;
        }
        return 0;
    }
    *out = ctx->findings;
    return 0;
}

/* --------------------------------------------------------- in the parent */

/* Runs fn in a child; on failure err gets "plugin NAME: what happened"
 * unless it is the plugin's own message. */
static int isolated(gl_ctx *ctx, gl_isolated_fn fn, call_args *a, gl_value **out,
                    gl_error *err)
{
    double deadline = call_deadline();
    int by_run = run_deadline_ms > 0 && deadline >= run_deadline_ms;
    int rc;

    *out = NULL;
    if (by_run && gl_time_ms() >= run_deadline_ms) {
        gl_ctx_destroy(ctx);
        gl_error_set(err, GL_ERR_INTERNAL, "not run: the run's deadline (--timeout) passed before this call");
        return -1;
    }
    rc = gl_isolate_run(ctx, deadline, fn, a, out, err);
    gl_ctx_destroy(ctx);
    if (rc == GL_ISOLATE_TIMED_OUT)
        gl_error_set(err, GL_ERR_INTERNAL, "%s at the %s", err->message,
                     by_run ? "run's deadline (--timeout)" : "bound of one plugin call (--plugin-timeout)");
    return rc == 0 ? 0 : -1;
}

/* A finding as the child sent it, checked member by member and rebuilt: a
 * plugin cannot add members, speak for another check or invent a severity. */
static gl_value *checked_finding(const char *plugin, const gl_value *f, gl_error *err)
{
    static const char *const members[] = {"id", "check", "code", "severity", "object",
                                          "blue", "green", "message", "details"};
    static const char *const severities[] = {"info", "warning", "error", "critical"};
    const char *check = gl_value_object_string(f, "check"), *sev = gl_value_object_string(f, "severity");
    gl_value *out;
    int ok_sev = 0, bad = 0;

    if (gl_value_kind_of(f) != GL_VALUE_OBJECT || gl_value_len(f) != 9) {
        gl_error_set(err, GL_ERR_INTERNAL, "returned a finding that is not an object of the 9 finding members");
        return NULL;
    }
    for (size_t i = 0; i < 9; i++)
        if (gl_value_object_get(f, members[i]) == NULL) {
            gl_error_set(err, GL_ERR_INTERNAL, "returned a finding without \"%s\"", members[i]);
            return NULL;
        }
    for (size_t i = 0; sev != NULL && i < 4; i++)
        ok_sev |= strcmp(sev, severities[i]) == 0;
    if (check == NULL || strcmp(check, plugin) != 0 ||
        !gl_host_valid_code(gl_value_object_string(f, "code")) || !ok_sev || gl_value_object_string(f, "object") == NULL ||
        gl_value_object_string(f, "message") == NULL ||
        gl_value_kind_of(gl_value_object_get(f, "id")) != GL_VALUE_NULL) {
        gl_error_set(err, GL_ERR_INTERNAL, "returned a forged finding (check \"%s\", code \"%s\", "
                     "severity \"%s\"): findings come from host->emit only",
                     check ? check : "?", gl_value_object_string(f, "code") ? gl_value_object_string(f, "code") : "?",
                     sev ? sev : "?");
        return NULL;
    }
    out = gl_value_object();
    bad = out == NULL;
    for (size_t i = 0; i < 9 && !bad; i++)
        bad = gl_value_object_set(out, members[i], gl_value_copy(gl_value_object_get(f, members[i]))) != 0;
    if (bad) {
        gl_value_free(out);
        gl_error_nomem(err);
        return NULL;
    }
    return out;
}

int gl_plugin_collect(const gl_plugin *desc, gl_target *targets[2], gl_side side,
                      const gl_value *config, int verbose, gl_value **out_facts,
                      gl_error *err)
{
    gl_ctx ctx;
    call_args a = {.desc = desc, .side = side};

    ctx_init(&ctx, desc, targets, config, verbose);
    return isolated(&ctx, child_collect, &a, out_facts, err);
}

int gl_plugin_collect_pair(const gl_plugin *desc, gl_target *targets[2], const gl_value *config,
                        int verbose, gl_value *out[2], gl_error *err)
{
    gl_ctx ctx;
    call_args a = {.desc = desc};
    gl_value *pair = NULL;

    out[0] = out[1] = NULL;
    if (!GL_PLUGIN_HAS(desc, collect_pair)) {
        gl_error_set(err, GL_ERR_INTERNAL, "collect_pair failed without a message (or returned no facts)");
        return -1;
    }
    ctx_init(&ctx, desc, targets, config, verbose);
    if (isolated(&ctx, child_collect_pair, &a, &pair, err) != 0)
        return -1;
    if (gl_value_kind_of(pair) != GL_VALUE_ARRAY || gl_value_len(pair) != 2) {
        gl_value_free(pair);
        gl_error_set(err, GL_ERR_INTERNAL, "collect_pair returned something other than the facts of both sides");
        return -1;
    }
    out[1] = gl_value_array_take(pair, 1);
    out[0] = gl_value_array_take(pair, 0);
    gl_value_free(pair);
    return 0;
}

int gl_plugin_compare(const gl_plugin *desc, gl_target *targets[2], const gl_value *config,
                       int verbose, const gl_value *blue, const gl_value *green,
                       gl_value *findings, gl_error *err)
{
    gl_ctx ctx;
    call_args a = {.desc = desc, .blue = blue, .green = green};
    gl_value *got = NULL, *checked = NULL;
    int rc = -1;

    ctx_init(&ctx, desc, targets, config, verbose);
    if (isolated(&ctx, child_compare, &a, &got, err) != 0)
        return -1;
    if (gl_value_kind_of(got) == GL_VALUE_OBJECT && gl_value_len(got) == 1 &&
        gl_value_object_string(got, "skipped") != NULL) {
        gl_error_set(err, GL_ERR_INTERNAL, "%s", gl_value_object_string(got, "skipped"));
        rc = 1;
        goto out;
    }
    if (gl_value_kind_of(got) != GL_VALUE_ARRAY) {
        gl_error_set(err, GL_ERR_INTERNAL, "compare returned something other than its findings");
        goto out;
    }
    checked = gl_value_array();
    if (checked == NULL) {
        gl_error_nomem(err);
        goto out;
    }
    for (size_t i = 0; i < gl_value_len(got); i++) {
        gl_value *f = checked_finding(desc->name, gl_value_array_at(got, i), err);
        if (f == NULL)
            goto out;
        if (gl_value_array_push(checked, f) != 0) {
            gl_error_nomem(err);
            goto out;
        }
    }
    /* All or nothing: the run's findings get this plugin's only when every one is sound. */
    if (gl_value_array_move_all(findings, checked) != 0) {
        gl_error_nomem(err);
        goto out;
    }
    rc = 0;
out:
    gl_value_free(got);
    gl_value_free(checked);
    return rc;
}
