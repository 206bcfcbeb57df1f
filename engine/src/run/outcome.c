/*
 * outcome.c — stage 6: fail closed and pick the exit code. With any error,
 * a switchover becomes a hold whose reasons quote each error; rollback stays
 * rollback (it is the stronger verdict). The exit code follows the decision
 * unless something failed: 69 when a side was unavailable, else 70 when a
 * plugin or an output failed, else 78 when the policy itself was broken, so
 * CI can tell "fix the policy" from a real hold (share/doc/exit-codes.md).
 */
#include "run/stages.h"
#include "util/names.h"

#include <stdio.h>
#include <string.h>

static gl_value *reason(const char *rule, const char *action, const char *message)
{
    gl_value *r = gl_value_object();

    if (r == NULL || gl_value_object_set(r, "rule", gl_value_string(rule)) != 0 ||
        gl_value_object_set(r, "action", gl_value_string(action)) != 0 ||
        gl_value_object_set(r, "message", gl_value_string(message)) != 0 ||
        gl_value_object_set(r, "findings", gl_value_array()) != 0) {
        gl_value_free(r);
        return NULL;
    }
    return r;
}

static int close_on_errors(gl_value *decision, const gl_value *errors)
{
    const char *action = gl_value_object_string(decision, "action");
    gl_value *reasons;

    if (gl_value_len(errors) == 0 || (action && strcmp(action, "switchover") != 0 &&
                                      strcmp(action, "hold") != 0))
        return 0;
    if (gl_value_object_set(decision, "action", gl_value_string("hold")) != 0)
        return -1;
    reasons = gl_value_object_get_mut(decision, "reasons");
    if (gl_value_kind_of(reasons) != GL_VALUE_ARRAY)
        return -1;
    for (size_t i = 0; i < gl_value_len(errors); i++) {
        const gl_value *e = gl_value_array_at(errors, i);
        char msg[2300];
        snprintf(msg, sizeof(msg), "%s failed: %s", gl_value_object_string(e, "stage"),
                 gl_value_object_string(e, "message"));
        if (gl_value_array_push(reasons, reason("greenlight.fail_closed", "hold", msg)) != 0)
            return -1;
    }
    return 0;
}

int gl_run_outcome(gl_run *run, gl_error *err)
{
    if (close_on_errors(run->decision, run->errors) != 0)
        return gl_error_nomem(err);
    run->exit_code = gl_action_exit_code(gl_value_object_string(run->decision, "action"));
    if (run->policy_failed)
        run->exit_code = GL_EXIT_CONFIG;
    if (run->internal)
        run->exit_code = GL_EXIT_INTERNAL;
    if (run->unavailable)
        run->exit_code = GL_EXIT_UNAVAILABLE;
    if (gl_value_object_set(run->decision, "exit_code", gl_value_int(run->exit_code)) != 0)
        return gl_error_nomem(err);
    return 0;
}
