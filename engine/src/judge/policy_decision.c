/*
 * policy_decision — gl_policy_evaluate's second phase (policy.c runs the
 * first): outside Lua, read the results list with raw, allocation-free
 * accessors and build the decision (reasons in precedence order) and the
 * trace as gl_values.
 */
#include <string.h>

#include "judge/policy_decision.h"
#include "util/names.h"

/* 0 switchover, 1 hold, 2 rollback (util/names.h's order). */
static int precedence(const char *action)
{
    int r = gl_action_rank(action);
    return r ? r - GL_ACTION_SWITCHOVER : 0;
}

static const char *raw_string(lua_State *L, int table, int i)
{
    const char *s;

    lua_rawgeti(L, table, i);
    s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
    lua_pop(L, 1); /* still anchored by the table */
    return s;
}

/* A list of strings at idx as a gl_value array. */
static gl_value *string_list(lua_State *L, int idx)
{
    gl_value *list = gl_value_array();
    size_t n = lua_rawlen(L, idx);

    for (size_t i = 1; list != NULL && i <= n; i++) {
        if (gl_value_array_push(list, gl_value_string(raw_string(L, idx, (int)i))) != 0) {
            gl_value_free(list);
            list = NULL;
        }
    }
    return list;
}

static int reason_cmp(const gl_value *a, const gl_value *b)
{
    int d = precedence(gl_value_object_string(b, "action")) - precedence(gl_value_object_string(a, "action"));

    if (d != 0)
        return d;
    d = strcmp(gl_value_object_string(a, "rule"), gl_value_object_string(b, "rule"));
    if (d != 0)
        return d;
    return strcmp(gl_value_object_string(a, "message"), gl_value_object_string(b, "message"));
}

/* The results table at the top becomes the decision. */
int gl_judge__build_decision(lua_State *L, const gl_judge *j, gl_value **out, gl_error *err)
{
    int results = lua_gettop(L), reasons_idx, rc = -1, best = 0, set;
    gl_value *decision = gl_value_object(), *reasons = gl_value_array(), *fired = NULL;
    size_t n, omitted = 0;

    if (decision == NULL || reasons == NULL || !lua_checkstack(L, 8))
        goto out;
    lua_rawgeti(L, results, RESULT_REASONS);
    reasons_idx = lua_gettop(L);
    n = lua_rawlen(L, reasons_idx);
    for (size_t i = 1; i <= n; i++) {
        gl_value *reason = gl_value_object(), *ids;
        const char *action;

        lua_rawgeti(L, reasons_idx, (int)i);
        action = raw_string(L, -1, REASON_ACTION);
        if (precedence(action) > best)
            best = precedence(action);
        lua_rawgeti(L, -1, REASON_FINDINGS);
        ids = string_list(L, lua_gettop(L));
        lua_pop(L, 1);
        if (reason == NULL || ids == NULL) {
            gl_value_free(reason);
            gl_value_free(ids);
            goto out;
        }
        if (gl_value_object_set(reason, "rule", gl_value_string(raw_string(L, -1, REASON_RULE))) != 0 ||
            gl_value_object_set(reason, "action", gl_value_string(action)) != 0 ||
            gl_value_object_set(reason, "message", gl_value_string(raw_string(L, -1, REASON_MESSAGE))) != 0) {
            gl_value_free(reason);
            gl_value_free(ids);
            goto out;
        }
        if (gl_value_object_set(reason, "findings", ids) != 0) {
            gl_value_free(reason);
            goto out;
        }
        lua_pop(L, 1);
        if (gl_value_array_push(reasons, reason) != 0)
            goto out;
    }
    lua_pop(L, 1);
    if (gl_value_array_sort(reasons, reason_cmp) != 0)
        goto out;
    while (gl_value_len(reasons) > j->limits.max_reasons) {
        gl_value_free(gl_value_array_take(reasons, gl_value_len(reasons) - 1));
        omitted++;
    }
    lua_rawgeti(L, results, RESULT_FIRED);
    fired = string_list(L, lua_gettop(L));
    lua_pop(L, 1);
    if (fired == NULL)
        goto out;
    if (gl_value_object_set(decision, "action",
                            gl_value_string(gl_action_name(best + GL_ACTION_SWITCHOVER))) != 0)
        goto out;
    set = gl_value_object_set(decision, "reasons", reasons);
    reasons = NULL; /* the decision's now, even when set failed */
    if (set != 0)
        goto out;
    set = gl_value_object_set(decision, "rules_fired", fired);
    fired = NULL;
    if (set != 0)
        goto out;
    if (omitted > 0 && gl_value_object_set(decision, "reasons_omitted", gl_value_int((int64_t)omitted)) != 0)
        goto out;
    *out = decision;
    decision = NULL;
    rc = 0;
out:
    if (rc != 0)
        gl_error_set(err, GL_ERR_NOMEM, "out of memory while building the decision");
    gl_value_free(decision);
    gl_value_free(reasons);
    gl_value_free(fired);
    return rc;
}

/* One reason record (at the top) as {action, message, findings}. */
static gl_value *verdict_value(lua_State *L)
{
    gl_value *v = gl_value_object(), *ids;

    if (v == NULL)
        return NULL;
    lua_rawgeti(L, -1, REASON_FINDINGS);
    ids = string_list(L, lua_gettop(L));
    lua_pop(L, 1);
    if (gl_value_object_set(v, "action", gl_value_string(raw_string(L, -1, REASON_ACTION))) != 0 ||
        gl_value_object_set(v, "message", gl_value_string(raw_string(L, -1, REASON_MESSAGE))) != 0) {
        gl_value_free(ids);
        gl_value_free(v);
        return NULL;
    }
    if (ids == NULL || gl_value_object_set(v, "findings", ids) != 0) {
        gl_value_free(v);
        return NULL;
    }
    return v;
}

/* What each rule said, in the order the rules ran. */
int gl_judge__build_trace(lua_State *L, const gl_judge *j, gl_value **out)
{
    int results = lua_gettop(L), names, reasons, rc = -1;
    gl_value *trace = gl_value_object(), *rules = gl_value_array();
    size_t n_names, n_reasons, r = 1;

    if (trace == NULL || rules == NULL || !lua_checkstack(L, 8))
        goto out;
    lua_rawgeti(L, results, RESULT_NAME);
    if (gl_value_object_set(trace, "policy", gl_value_string(lua_tostring(L, -1))) != 0)
        goto out;
    lua_pop(L, 1);
    lua_rawgeti(L, results, RESULT_RULES);
    names = lua_gettop(L);
    lua_rawgeti(L, results, RESULT_REASONS);
    reasons = lua_gettop(L);
    n_names = lua_rawlen(L, names);
    n_reasons = lua_rawlen(L, reasons);
    for (size_t i = 1; i <= n_names; i++) {
        const char *name = raw_string(L, names, (int)i);
        gl_value *rule = gl_value_object(), *verdicts = gl_value_array();
        size_t omitted = 0;

        if (rule == NULL || verdicts == NULL) {
            gl_value_free(rule);
            gl_value_free(verdicts);
            goto out;
        }
        /* push and set take ownership, freeing on failure */
        if (gl_value_array_push(rules, rule) != 0 ||
            gl_value_object_set(rule, "rule", gl_value_string(name)) != 0) {
            gl_value_free(verdicts);
            goto out;
        }
        for (; r <= n_reasons; r++) {
            lua_rawgeti(L, reasons, (lua_Integer)r);
            if (strcmp(raw_string(L, -1, REASON_RULE), name) != 0) {
                lua_pop(L, 1);
                break;
            }
            if (gl_value_len(verdicts) >= j->limits.max_reasons) {
                omitted++;
            } else if (gl_value_array_push(verdicts, verdict_value(L)) != 0) {
                lua_pop(L, 1);
                gl_value_free(verdicts);
                goto out;
            }
            lua_pop(L, 1);
        }
        if (gl_value_object_set(rule, "verdicts", verdicts) != 0)
            goto out;
        if (omitted > 0 && gl_value_object_set(rule, "verdicts_omitted", gl_value_int((int64_t)omitted)) != 0)
            goto out;
    }
    lua_settop(L, results);
    if (gl_value_object_set(trace, "rules", rules) != 0) {
        rules = NULL;
        goto out;
    }
    rules = NULL;
    *out = trace;
    trace = NULL;
    rc = 0;
out:
    lua_settop(L, results);
    gl_value_free(trace);
    gl_value_free(rules);
    return rc;
}
