/*
 * judge.c — stage 5: build the policy input (findings, facts, change,
 * waivers, errors), save it when asked, and evaluate the policy. A policy
 * that fails yields `hold` and an error (stage "policy"): the judge never
 * turns a failure into a decision of its own.
 */
#include "run/stages.h"

#include <stdlib.h>
#include <string.h>

#include "judge/policy.h"

static gl_value *hold_decision(void)
{
    gl_value *d = gl_value_object();

    if (d == NULL || gl_value_object_set(d, "action", gl_value_string("hold")) != 0 ||
        gl_value_object_set(d, "reasons", gl_value_array()) != 0) {
        gl_value_free(d);
        return NULL;
    }
    return d;
}

/* The Lua source of the policy bytes as luaL_loadfile would read them: a
 * UTF-8 BOM and a first line starting with '#' are skipped (the newline is
 * kept, so line numbers in messages stay those of the file). */
static const char *lua_source(const char *text, size_t len, size_t *out_len)
{
    size_t at = 0;

    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        at = 3;
    if (at < len && text[at] == '#')
        while (at < len && text[at] != '\n')
            at++;
    *out_len = len - at;
    return text + at;
}

int gl_run_judge(gl_run *run, gl_error *err)
{
    const char *source;
    size_t source_len;
    gl_policy_limits limits;
    gl_error perr;

    /* Every part must arrive: a policy that saw an input missing its
     * findings could authorise what it should not. */
    int bad = (run->input = gl_value_object()) == NULL;
    bad |= gl_value_object_set(run->input, "findings", gl_value_copy(run->findings)) != 0;
    bad |= gl_value_object_set(run->input, "facts", run->facts) != 0;
    run->facts = NULL;
    bad |= gl_value_object_set(run->input, "change", gl_value_copy(run->change)) != 0;
    bad |= gl_value_object_set(run->input, "waivers", gl_value_copy(run->waiver_list)) != 0;
    bad |= gl_value_object_set(run->input, "errors", gl_value_copy(run->errors)) != 0;
    if (bad)
        return gl_error_set(err, GL_ERR_NOMEM, "out of memory building the policy input");
    {
        /* Signed decision records name the input by the digest of exactly the
         * bytes --save-input writes. */
        char *input_json = gl_json_write(run->input, 1, NULL);
        if (input_json != NULL)
            gl_sha256_hex(input_json, strlen(input_json), run->input_sha256);
        free(input_json);
    }
    if (run->opts->save_input_path != NULL) {
        gl_error serr;
        if (gl_json_write_file(run->input, 1, run->opts->save_input_path, &serr) != 0) {
            run->internal = 1;
            if (gl_run_error_push(run, "report", NULL, NULL, serr.message) != 0)
                return gl_error_nomem(err);
        }
    }
    gl_policy_limits_default(&limits);
    /* The exact bytes that were hashed for the report (policy.sha256), never
     * the file read again: it may have changed since. */
    source = lua_source(run->policy_text, run->policy_len, &source_len);
    if (gl_policy_evaluate_killable(source, source_len, run->policy_path, run->input, &limits,
                                    &run->decision, &perr) != 0) {
        run->decision = hold_decision();
        run->policy_failed = 1;
        if (gl_run_error_push(run, "policy", NULL, NULL, perr.message) != 0)
            return gl_error_nomem(err);
    }
    if (run->decision == NULL)
        return gl_error_nomem(err);
    return 0;
}
