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
    const char *source;
    size_t len;
    const char *chunkname;
    const gl_value *input;
    const gl_policy_limits *limits;
} eval_args;

static int child_evaluate(gl_ctx *ctx, void *arg, gl_value **out)
{
    const eval_args *a = arg;
    gl_value *decision = NULL;
    char msg[2048];

    *out = gl_value_object();
    if (*out == NULL)
        return -1;
    if (gl_policy_evaluate_source(a->source, a->len, a->chunkname, a->input, a->limits, &decision, msg,
                                  sizeof(msg)) != 0)
        return gl_value_object_set(*out, "error", gl_value_string(msg));
    (void)ctx;
    return gl_value_object_set(*out, "decision", decision);
}

int gl_policy_evaluate_killable(const char *source, size_t len, const char *chunkname,
                                const gl_value *input, const gl_policy_limits *limits,
                                gl_value **out_decision, char *errbuf, size_t errlen)
{
    gl_policy_limits lim;
    eval_args a = {source, len, chunkname, input, &lim};
    gl_target *none[2] = {NULL, NULL};
    gl_value *result = NULL, *config = gl_value_object();
    const char *action;
    gl_ctx ctx;
    int rc;

    *out_decision = NULL;
    gl_policy_limits_default(&lim);
    if (limits != NULL)
        lim = *limits;
    if (lim.wall_ms == 0) {
        gl_policy_limits def;
        gl_policy_limits_default(&def);
        lim.wall_ms = def.wall_ms;
    }
    if (config == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    gl_ctx_init(&ctx, "policy", none, config, NULL, 0);
    rc = gl_isolate_run(&ctx, gl_time_ms() + lim.wall_ms + HARD_KILL_GRACE_MS, child_evaluate, &a, &result,
                        errbuf, errlen);
    gl_ctx_destroy(&ctx);
    gl_value_free(config);
    if (rc == GL_ISOLATE_TIMED_OUT) {
        snprintf(errbuf, errlen, "%s: wall-clock budget of %u ms exceeded: the evaluation was killed (one "
                 "long call into C from Lua, which the instruction budget cannot stop)", chunkname, lim.wall_ms);
        return -1;
    }
    if (rc != 0) {
        char why[1024];
        snprintf(why, sizeof(why), "%s", errbuf);
        snprintf(errbuf, errlen, "%s: the evaluation's process %s", chunkname, why);
        return -1;
    }
    if (gl_value_object_string(result, "error") != NULL) {
        snprintf(errbuf, errlen, "%s", gl_value_object_string(result, "error"));
        gl_value_free(result);
        return -1;
    }
    action = gl_value_object_string(gl_value_object_get(result, "decision"), "action");
    if (action == NULL) {
        snprintf(errbuf, errlen, "%s: the evaluation returned no decision", chunkname);
        gl_value_free(result);
        return -1;
    }
    *out_decision = gl_value_copy(gl_value_object_get(result, "decision"));
    gl_value_free(result);
    if (*out_decision == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    return 0;
}
