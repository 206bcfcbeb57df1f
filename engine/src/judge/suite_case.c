/*
 * suite_case — one `policy test` case's input and expectation (suite.c runs
 * the cases): the input filled in with what the runner always provides, and
 * the decision (or the policy's failure) checked against the case's expect
 * table. Plain C over gl_values; internal to suite.c (suite_case.h).
 */
#include "judge/suite_case.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Sets key to a fresh value when it is missing. */
static int default_key(gl_value *object, const char *key, gl_value *(*make)(void))
{
    if (gl_value_object_get(object, key) != NULL)
        return 0;
    return gl_value_object_set(object, key, make());
}

static gl_value *empty_string(void)
{
    return gl_value_string("");
}

static gl_value *empty_facts(void)
{
    gl_value *f = gl_value_object();

    if (f != NULL && (gl_value_object_set(f, "blue", gl_value_object()) != 0 ||
                      gl_value_object_set(f, "green", gl_value_object()) != 0)) {
        gl_value_free(f);
        return NULL;
    }
    return f;
}

/* Fills in what the runner always provides, so a test can give only what
 * matters: the input's five keys, and per finding id (code:object), check
 * (the code's first part), blue, green, message and details. */
int gl_policy_suite__normalise_input(gl_value *input)
{
    gl_value *findings;

    if (default_key(input, "findings", gl_value_array) != 0 || default_key(input, "facts", empty_facts) != 0 ||
        default_key(input, "change", gl_value_null) != 0 || default_key(input, "waivers", gl_value_array) != 0 ||
        default_key(input, "errors", gl_value_array) != 0)
        return -1;
    findings = gl_value_object_get_mut(input, "findings");
    for (size_t i = 0; i < gl_value_len(findings); i++) {
        gl_value *f = gl_value_array_at_mut(findings, i);
        const char *code = gl_value_object_string(f, "code"), *object = gl_value_object_string(f, "object");
        const gl_value *details;

        if (gl_value_kind_of(f) != GL_VALUE_OBJECT)
            continue;
        if (gl_value_object_get(f, "id") == NULL && code != NULL && object != NULL &&
            gl_value_object_set(f, "id", gl_value_stringf("%s:%s", code, object)) != 0)
            return -1;
        if (gl_value_object_get(f, "check") == NULL && code != NULL &&
            gl_value_object_set(f, "check", gl_value_string_len(code, strcspn(code, "."))) != 0)
            return -1;
        if (default_key(f, "blue", gl_value_null) != 0 || default_key(f, "green", gl_value_null) != 0 ||
            default_key(f, "message", empty_string) != 0)
            return -1;
        details = gl_value_object_get(f, "details");
        /* `details = {}` in Lua is an empty list; findings' details are objects */
        if ((details == NULL || (gl_value_kind_of(details) == GL_VALUE_ARRAY && gl_value_len(details) == 0)) &&
            gl_value_object_set(f, "details", gl_value_object()) != 0)
            return -1;
    }
    return 0;
}

int gl_policy_suite__only_keys(const gl_value *object, const char *const *keys, char *why, size_t len,
                               const char *what)
{
    for (size_t i = 0; i < gl_value_len(object); i++) {
        const char *key = gl_value_object_key_at(object, i);
        size_t k = 0;
        while (keys[k] != NULL && strcmp(keys[k], key) != 0)
            k++;
        if (keys[k] == NULL) {
            snprintf(why, len, "%s has an unknown field \"%s\"", what, key);
            return -1;
        }
    }
    return 0;
}

static int list_has(const gl_value *list, const char *s)
{
    for (size_t i = 0; i < gl_value_len(list); i++) {
        const char *item = gl_value_get_string(gl_value_array_at(list, i));
        if (item != NULL && strcmp(item, s) == 0)
            return 1;
    }
    return 0;
}

static int reason_matches(const gl_value *want, const gl_value *got)
{
    static const char *const exact[] = {"rule", "action"};
    const char *msg = gl_value_object_string(want, "message");
    const gl_value *ids = gl_value_object_get(want, "findings");

    for (size_t k = 0; k < 2; k++) {
        const char *w = gl_value_object_string(want, exact[k]);
        if (w != NULL && strcmp(w, gl_value_object_string(got, exact[k])) != 0)
            return 0;
    }
    if (msg != NULL && strstr(gl_value_object_string(got, "message"), msg) == NULL)
        return 0;
    for (size_t i = 0; i < gl_value_len(ids); i++) {
        const char *id = gl_value_get_string(gl_value_array_at(ids, i));
        if (id == NULL || !list_has(gl_value_object_get(got, "findings"), id))
            return 0;
    }
    return 1;
}

/* "critical[hold] msg {id, id}; ..." for failure messages. */
static void describe_reasons(const gl_value *reasons, char *out, size_t len)
{
    size_t used = 0, n = gl_value_len(reasons);

    out[0] = '\0';
    if (n == 0) {
        snprintf(out, len, "no reasons");
        return;
    }
    for (size_t i = 0; i < n && used < len; i++) {
        const gl_value *r = gl_value_array_at(reasons, i), *ids = gl_value_object_get(r, "findings");
        used += (size_t)snprintf(out + used, len - used, "%s%s[%s] \"%s\" {", i ? "; " : "",
                                 gl_value_object_string(r, "rule"), gl_value_object_string(r, "action"),
                                 gl_value_object_string(r, "message"));
        for (size_t k = 0; k < gl_value_len(ids) && used < len; k++)
            used += (size_t)snprintf(out + used, len - used, "%s%s", k ? ", " : "",
                                     gl_value_get_string(gl_value_array_at(ids, k)));
        if (used < len)
            used += (size_t)snprintf(out + used, len - used, "}");
    }
}

/* 0 when the decision (or the policy's failure) meets expect; else -1 and
 * why says what differs. */
int gl_policy_suite__check_expectations(const gl_value *expect, const gl_value *decision,
                                         const char *policy_error, char *why, size_t len)
{
    static const char *const keys[] = {"action", "reasons", "reasons_count", "rules_fired", "not_fired",
                                       "error", NULL};
    static const char *const reason_keys[] = {"rule", "action", "message", "findings", NULL};
    const char *want_error = gl_value_object_string(expect, "error");
    const char *want_action = gl_value_object_string(expect, "action");
    const gl_value *reasons = gl_value_object_get(decision, "reasons");
    const gl_value *fired = gl_value_object_get(decision, "rules_fired");
    const gl_value *list;
    char got[2048];

    if (expect == NULL || gl_value_kind_of(expect) != GL_VALUE_OBJECT) {
        snprintf(why, len, "the case needs an expect table");
        return -1;
    }
    if (gl_policy_suite__only_keys(expect, keys, why, len, "expect") != 0)
        return -1;
    if (policy_error != NULL) {
        if (want_error != NULL && strstr(policy_error, want_error) != NULL)
            return 0;
        /* a long traceback is cut: its start says why */
        if ((size_t)snprintf(why, len, "the policy failed: %s", policy_error) >= len && len > 4)
            memcpy(why + len - 4, "...", 4);
        return -1;
    }
    if (want_error != NULL) {
        snprintf(why, len, "expected the policy to fail with \"%s\", but it decided %s", want_error,
                 gl_value_object_string(decision, "action"));
        return -1;
    }
    describe_reasons(reasons, got, sizeof(got));
    if (want_action != NULL && strcmp(want_action, gl_value_object_string(decision, "action")) != 0) {
        snprintf(why, len, "expected action %s, got %s (%s)", want_action,
                 gl_value_object_string(decision, "action"), got);
        return -1;
    }
    list = gl_value_object_get(expect, "reasons");
    for (size_t i = 0; i < gl_value_len(list); i++) {
        const gl_value *want = gl_value_array_at(list, i);
        size_t k = 0;
        if (gl_value_kind_of(want) != GL_VALUE_OBJECT || gl_policy_suite__only_keys(want, reason_keys, why, len, "an expected reason") != 0) {
            if (gl_value_kind_of(want) != GL_VALUE_OBJECT)
                snprintf(why, len, "expect.reasons[%zu] must be a table {rule=..., findings={...}}", i + 1);
            return -1;
        }
        while (k < gl_value_len(reasons) && !reason_matches(want, gl_value_array_at(reasons, k)))
            k++;
        if (k == gl_value_len(reasons)) {
            char *text = gl_json_write(want, 0, NULL);
            snprintf(why, len, "no reason matches expect.reasons[%zu] %s; got: %s", i + 1,
                     text ? text : "", got);
            free(text);
            return -1;
        }
    }
    if (gl_value_object_get(expect, "reasons_count") != NULL &&
        (size_t)gl_value_get_int(gl_value_object_get(expect, "reasons_count")) != gl_value_len(reasons)) {
        snprintf(why, len, "expected %lld reasons, got %zu: %s",
                 (long long)gl_value_get_int(gl_value_object_get(expect, "reasons_count")),
                 gl_value_len(reasons), got);
        return -1;
    }
    list = gl_value_object_get(expect, "rules_fired");
    for (size_t i = 0; i < gl_value_len(list); i++) {
        const char *rule = gl_value_get_string(gl_value_array_at(list, i));
        if (rule == NULL || !list_has(fired, rule)) {
            snprintf(why, len, "expected rule %s to fire; got: %s", rule ? rule : "(not a string)", got);
            return -1;
        }
    }
    list = gl_value_object_get(expect, "not_fired");
    for (size_t i = 0; i < gl_value_len(list); i++) {
        const char *rule = gl_value_get_string(gl_value_array_at(list, i));
        if (rule != NULL && list_has(fired, rule)) {
            snprintf(why, len, "expected rule %s not to fire; got: %s", rule, got);
            return -1;
        }
    }
    return 0;
}
