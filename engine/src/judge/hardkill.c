/*
 * hardkill.c — the policy evaluation of a run in a child process
 * (plugin/isolate.h), killed at its wall budget. The instruction hook stops
 * Lua code, but not one long call into C made from Lua (table.move over
 * 1e12 slots, a pathological string pattern): that ran for minutes and then
 * decided. Killed, it decides nothing and the run holds.
 */
#include "judge/policy.h"

#include <stdio.h>
#include <string.h>

#include "plugin/isolate.h"
#include "util/error.h"

/* Past the wall budget the in-process check gets this long to stop the
 * evaluation itself (with its own message) before the kill. */
#define HARD_KILL_GRACE_MS 1000.0

typedef struct eval_args {
    const char *path;      /* evaluate_ex on this file (with trace and stats), or */
    const char *source;    /* evaluate_source on these bytes */
    size_t len;
    const char *chunkname;
    const gl_value *input;
    const gl_policy_limits *limits;
} eval_args;

/* In the child: {"decision"[, "trace", "stats"]} or {"error": message}. */
static int child_evaluate(gl_ctx *ctx, void *arg, gl_value **out)
{
    const eval_args *a = arg;
    gl_value *decision = NULL, *trace = NULL, *stats = NULL;
    gl_policy_stats st = {0, 0, 0.0};
    gl_error msg;
    int rc;

    (void)ctx;
    *out = gl_value_object();
    if (*out == NULL)
        return -1;
    rc = a->path != NULL ? gl_policy_evaluate_ex(a->path, a->input, a->limits, &decision, &trace, &st, &msg)
                         : gl_policy_evaluate_source(a->source, a->len, a->chunkname, a->input, a->limits,
                                                     &decision, &msg);
    if (rc != 0)
        return gl_value_object_set(*out, "error", gl_value_string(msg.message));
    if (gl_value_object_set(*out, "decision", decision) != 0) {
        gl_value_free(trace);
        return -1;
    }
    if (a->path == NULL)
        return 0;
    if (gl_value_object_set(*out, "trace", trace) != 0 || (stats = gl_value_object()) == NULL ||
        gl_value_object_set(*out, "stats", stats) != 0)
        return -1;
    return gl_value_object_set(stats, "instructions", gl_value_int((int64_t)st.instructions)) ||
           gl_value_object_set(stats, "memory_peak", gl_value_int((int64_t)st.memory_peak)) ||
           gl_value_object_set(stats, "duration_ms", gl_value_number(st.duration_ms));
}

/* Runs a->... in a child killed past the wall budget; *result as the child
 * sent it, with a decision that has an action. */
static int evaluate_in_child(eval_args *a, gl_value **result, gl_error *err)
{
    gl_policy_limits lim;
    gl_target *none[2] = {NULL, NULL};
    gl_value *config = gl_value_object();
    gl_ctx ctx;
    gl_error why;
    int rc;

    *result = NULL;
    gl_policy_limits_default(&lim);
    if (a->limits != NULL)
        lim = *a->limits;
    if (lim.wall_ms == 0) {
        gl_policy_limits def;
        gl_policy_limits_default(&def);
        lim.wall_ms = def.wall_ms;
    }
    a->limits = &lim;
    if (config == NULL) {
        return gl_error_nomem(err);
    }
    gl_error_clear(&why);
    gl_ctx_init(&ctx, "policy", none, config, NULL, 0);
    rc = gl_isolate_run(&ctx, gl_time_ms() + lim.wall_ms + HARD_KILL_GRACE_MS, child_evaluate, a, result,
                        &why);
    gl_ctx_destroy(&ctx);
    gl_value_free(config);
    if (rc == GL_ISOLATE_TIMED_OUT) {
        gl_error_set(err, GL_ERR_CONFIG, "%s: wall-clock budget of %u ms exceeded: the evaluation was killed (one "
                 "long call into C from Lua, which the instruction budget cannot stop)", a->chunkname, lim.wall_ms);
        return -1;
    }
    if (rc != 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "%s: the evaluation's process %s", a->chunkname, why.message);
        return -1;
    }
    if (gl_value_object_string(*result, "error") != NULL) {
        gl_error_set(err, GL_ERR_CONFIG, "%s", gl_value_object_string(*result, "error"));
    } else if (gl_value_object_string(gl_value_object_get(*result, "decision"), "action") == NULL) {
        gl_error_set(err, GL_ERR_CONFIG, "%s: the evaluation returned no decision", a->chunkname);
    } else {
        return 0;
    }
    gl_value_free(*result);
    *result = NULL;
    return -1;
}

/* A copy of result[key] into *out; -1 (out of memory) when it cannot be made. */
static int take(const gl_value *result, const char *key, gl_value **out, gl_error *err)
{
    *out = gl_value_copy(gl_value_object_get(result, key));
    if (*out != NULL)
        return 0;
    return gl_error_nomem(err);
}

int gl_policy_evaluate_killable(const char *source, size_t len, const char *chunkname,
                                const gl_value *input, const gl_policy_limits *limits,
                                gl_value **out_decision, gl_error *err)
{
    eval_args a = {NULL, source, len, chunkname, input, limits};
    gl_value *result = NULL;
    int rc;

    *out_decision = NULL;
    if (evaluate_in_child(&a, &result, err) != 0)
        return -1;
    rc = take(result, "decision", out_decision, err);
    gl_value_free(result);
    return rc;
}

int gl_policy_evaluate_ex_killable(const char *policy_path, const gl_value *input,
                                   const gl_policy_limits *limits, gl_value **out_decision,
                                   gl_value **out_trace, gl_policy_stats *out_stats, gl_error *err)
{
    eval_args a = {policy_path, NULL, 0, policy_path, input, limits};
    gl_value *result = NULL;
    const gl_value *st;
    double t0 = gl_time_ms();
    int rc;

    *out_decision = NULL;
    *out_trace = NULL;
    memset(out_stats, 0, sizeof(*out_stats));
    if (evaluate_in_child(&a, &result, err) != 0) {
        out_stats->duration_ms = gl_time_ms() - t0;
        return -1;
    }
    st = gl_value_object_get(result, "stats");
    out_stats->instructions = (uint64_t)gl_value_get_int(gl_value_object_get(st, "instructions"));
    out_stats->memory_peak = (size_t)gl_value_get_int(gl_value_object_get(st, "memory_peak"));
    out_stats->duration_ms = gl_value_get_number(gl_value_object_get(st, "duration_ms"));
    rc = take(result, "decision", out_decision, err);
    if (rc == 0 && (rc = take(result, "trace", out_trace, err)) != 0) {
        gl_value_free(*out_decision);
        *out_decision = NULL;
    }
    gl_value_free(result);
    return rc;
}
