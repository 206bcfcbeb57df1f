/*
 * policy — gl_policy_evaluate: one sandboxed lua_State per call.
 *
 * Two phases. Inside one lua_pcall (so no Lua error ever escapes into C):
 * open the sandbox, load the chunk (text only), check the table it returns,
 * run the rules in sorted name order, and copy every verdict into a Lua-side
 * list of reasons. Then, outside Lua, read that list with raw, allocation-free
 * accessors and build the decision as a gl_value (policy_decision.c).
 */
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge/judge.h"
#include "judge/policy_decision.h"

#define GL_POLICY_DEFAULT_INSTRUCTIONS 50000000u
#define GL_POLICY_DEFAULT_MEMORY (64u * 1024u * 1024u)
#define GL_POLICY_DEFAULT_WALL_MS 5000u
#define GL_POLICY_DEFAULT_MAX_REASONS 1000u
#define GL_POLICY_DEFAULT_INPUT_BYTES (256u * 1024u * 1024u)
#define GL_POLICY_DEFAULT_OUTPUT_BYTES (8u * 1024u * 1024u)
/* What a reason costs in the report besides its text (JSON punctuation,
 * keys): so a million empty reasons still count. */
#define GL_POLICY_REASON_OVERHEAD 64u

typedef struct evaluation {
    gl_judge *judge;
    const char *path;          /* a file, or */
    const char *source;        /* source text of `len` bytes named chunkname */
    size_t len;
    const char *chunkname;
    char message[4096];        /* set when the policy failed in a way Lua reported */
} evaluation;

void gl_policy_limits_default(gl_policy_limits *limits)
{
    limits->instructions = GL_POLICY_DEFAULT_INSTRUCTIONS;
    limits->memory_bytes = GL_POLICY_DEFAULT_MEMORY;
    limits->wall_ms = GL_POLICY_DEFAULT_WALL_MS;
    limits->max_reasons = GL_POLICY_DEFAULT_MAX_REASONS;
    limits->input_bytes = GL_POLICY_DEFAULT_INPUT_BYTES;
    limits->output_bytes = GL_POLICY_DEFAULT_OUTPUT_BYTES;
}

void gl_judge__limits_resolve(gl_policy_limits *out, const gl_policy_limits *given)
{
    gl_policy_limits_default(out);
    if (given == NULL)
        return;
    if (given->instructions)
        out->instructions = given->instructions;
    if (given->memory_bytes)
        out->memory_bytes = given->memory_bytes;
    if (given->wall_ms)
        out->wall_ms = given->wall_ms;
    if (given->max_reasons)
        out->max_reasons = given->max_reasons;
    if (given->input_bytes)
        out->input_bytes = given->input_bytes;
    if (given->output_bytes)
        out->output_bytes = given->output_bytes;
}

/* Calls the function below nargs arguments on top with the message handler;
 * on error copies "prefix: message + traceback" into e->message. */
static int call_policy(lua_State *L, evaluation *e, int nargs, const char *prefix)
{
    int base = lua_gettop(L) - nargs, status;

    lua_pushcfunction(L, gl_judge__msghandler);
    lua_insert(L, base);
    status = lua_pcall(L, nargs, 1, base);
    lua_remove(L, base);
    if (status != LUA_OK)
        snprintf(e->message, sizeof(e->message), "%s: %s", prefix,
                 lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(error object is not a string)");
    return status;
}

/* The table a policy returns: {name = string, description = string?,
 * rules = {name = function}}. Leaves rules on the stack. */
static int check_policy_table(lua_State *L, evaluation *e, int policy)
{
    int has_name = 0, rules = 0;

    if (lua_type(L, policy) != LUA_TTABLE) {
        snprintf(e->message, sizeof(e->message),
                 "the policy must return a table {name = ..., rules = {...}}, not a %s value",
                 luaL_typename(L, policy));
        return -1;
    }
    lua_pushnil(L);
    while (lua_next(L, policy)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
        int type = lua_type(L, -1);
        if (strcmp(key, "name") == 0 && type == LUA_TSTRING) {
            has_name = 1;
        } else if (strcmp(key, "description") == 0 && type == LUA_TSTRING) {
        } else if (strcmp(key, "rules") == 0 && type == LUA_TTABLE) {
            rules = 1;
        } else {
            snprintf(e->message, sizeof(e->message),
                     "the policy table has a bad field '%s' (%s): expected name (string), "
                     "description (string) and rules (table of functions)",
                     lua_type(L, -2) == LUA_TSTRING ? key : luaL_typename(L, -2), luaL_typename(L, -1));
            return -1;
        }
        lua_pop(L, 1);
    }
    if (!has_name || !rules) {
        snprintf(e->message, sizeof(e->message), "the policy table needs %s",
                 has_name ? "a 'rules' table" : "a 'name' string");
        return -1;
    }
    lua_pushliteral(L, "rules");
    lua_rawget(L, policy);
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Pushes two lists in sorted rule-name order: the names and the functions.
 * Taken before any rule runs, so a rule that edits the rules table changes
 * nothing (and cannot free a name still in use). Returns the count, or -1. */
static int sorted_rules(lua_State *L, evaluation *e, int rules)
{
    size_t n = 0, i = 0;
    const char **names;

    lua_pushnil(L);
    while (lua_next(L, rules)) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TFUNCTION) {
            snprintf(e->message, sizeof(e->message),
                     "rules[%s] must be a function named by a string (got a %s)",
                     lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : luaL_typename(L, -2),
                     luaL_typename(L, -1));
            lua_pop(L, 2);
            return -1;
        }
        n++;
        lua_pop(L, 1);
    }
    /* a userdata, not malloc: freed by the collector even if we raise */
    names = lua_newuserdatauv(L, (n ? n : 1) * sizeof(*names), 0);
    lua_pushnil(L);
    while (lua_next(L, rules)) {
        names[i++] = lua_tostring(L, -2); /* anchored by the rules table */
        lua_pop(L, 1);
    }
    qsort(names, n, sizeof(*names), compare_names);
    lua_createtable(L, (int)n, 0);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -3, (lua_Integer)i + 1);
        lua_pushstring(L, names[i]);
        lua_rawget(L, rules);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_remove(L, -3);
    return (int)n;
}

/* Charges a reason's size to the output budget; raises once it is spent
 * (outside the policy's own pcall: the policy cannot catch it). The record
 * is at the top. */
static void charge_output(lua_State *L, const char *rule)
{
    gl_judge *j = gl_judge__of(L);
    size_t bytes = GL_POLICY_REASON_OVERHEAD + strlen(rule), n;

    lua_getfield(L, -1, "message");
    bytes += lua_rawlen(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, -1, "findings");
    n = lua_rawlen(L, -1);
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i);
        bytes += lua_rawlen(L, -1) + 3;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    j->output_used += bytes;
    if (j->output_used > j->limits.output_bytes) {
        j->tripped = GL_JUDGE_TRIP_OUTPUT;
        luaL_error(L, "policy output budget exceeded");
    }
}

/* Appends {rule, action, message, findings} for the verdict at idx. */
static int add_reason(lua_State *L, int reasons, int idx, const char *rule)
{
    if (!gl_judge__push_verdict_record(L, idx))
        return -1;
    charge_output(L, rule);
    lua_createtable(L, 4, 0);
    lua_pushstring(L, rule);
    lua_rawseti(L, -2, REASON_RULE);
    lua_getfield(L, -2, "action");
    lua_rawseti(L, -2, REASON_ACTION);
    lua_getfield(L, -2, "message");
    lua_rawseti(L, -2, REASON_MESSAGE);
    lua_getfield(L, -2, "findings");
    lua_rawseti(L, -2, REASON_FINDINGS);
    lua_rawseti(L, reasons, (lua_Integer)lua_rawlen(L, reasons) + 1);
    lua_pop(L, 1);
    return 0;
}

/* What a rule returned, at the top: nil, a verdict, or a plain list of
 * verdicts. Returns the number of verdicts, or -1 (e->message set). */
static int collect_verdicts(lua_State *L, evaluation *e, int reasons, const char *rule)
{
    int result = lua_gettop(L);
    lua_Integer n;

    if (lua_isnil(L, result))
        return 0;
    if (add_reason(L, reasons, result, rule) == 0)
        return 1;
    if (lua_type(L, result) != LUA_TTABLE || lua_getmetatable(L, result))
        goto bad;
    n = (lua_Integer)lua_rawlen(L, result);
    /* a list and nothing else: every key is 1..n, every value a verdict */
    lua_pushnil(L);
    for (lua_Integer count = 0; lua_next(L, result); count++) {
        if (!lua_isinteger(L, -2) || lua_tointeger(L, -2) < 1 || lua_tointeger(L, -2) > n || count >= n) {
            lua_pop(L, 2);
            goto bad;
        }
        lua_pop(L, 1);
    }
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, result, i);
        if (add_reason(L, reasons, -1, rule) != 0) {
            snprintf(e->message, sizeof(e->message),
                     "rule '%s' returned a list whose item %lld is a %s, not a verdict "
                     "(make verdicts with gl.hold, gl.rollback or gl.switchover)",
                     rule, (long long)i, luaL_typename(L, -1));
            return -1;
        }
        lua_pop(L, 1);
    }
    return (int)(n > 0);
bad:
    snprintf(e->message, sizeof(e->message),
             "rule '%s' returned a %s that is not a verdict: return nil, a verdict "
             "(gl.hold, gl.rollback, gl.switchover) or a list of verdicts",
             rule, luaL_typename(L, result));
    return -1;
}

/* The protected phase. Returns {reasons, rules_fired}, or nothing with
 * e->message set. */
static int run_protected(lua_State *L)
{
    evaluation *e = lua_touserdata(L, 1);
    gl_judge *j = e->judge;
    int env, status, rules, names, functions, results, input, n;

    gl_judge__open_sandbox(L);
    env = lua_gettop(L);
    if (e->path != NULL) {
        status = luaL_loadfilex(L, e->path, "t");
    } else {
        lua_pushfstring(L, "@%s", e->chunkname);
        status = luaL_loadbufferx(L, e->source, e->len, lua_tostring(L, -1), "t");
        lua_remove(L, -2);
    }
    if (status != LUA_OK) {
        snprintf(e->message, sizeof(e->message), "%s",
                 lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "cannot load the policy");
        return 0;
    }
    lua_pushvalue(L, env);
    lua_setupvalue(L, -2, 1); /* the chunk's _ENV */
    if (call_policy(L, e, 0, "while loading the policy") != LUA_OK)
        return 0;
    if (check_policy_table(L, e, lua_gettop(L)) != 0)
        return 0;
    rules = lua_gettop(L);
    n = sorted_rules(L, e, rules);
    if (n < 0)
        return 0;
    names = lua_gettop(L) - 1;
    functions = lua_gettop(L);

    lua_createtable(L, 4, 0);
    results = lua_gettop(L);
    lua_newtable(L);
    lua_rawseti(L, results, RESULT_REASONS);
    lua_newtable(L);
    lua_rawseti(L, results, RESULT_FIRED);
    lua_pushvalue(L, names);
    lua_rawseti(L, results, RESULT_RULES);
    lua_pushliteral(L, "name");
    lua_rawget(L, rules - 1); /* the policy table, just below its rules */
    lua_rawseti(L, results, RESULT_NAME);
    gl_judge__push_value(L, j->input);
    input = lua_gettop(L);

    for (int i = 1; i <= n; i++) {
        char prefix[200];
        const char *name;
        int fired;

        lua_rawgeti(L, names, i);
        name = lua_tostring(L, -1); /* anchored by the names list */
        lua_pop(L, 1);
        snprintf(j->rule, sizeof(j->rule), "%s", name);
        snprintf(prefix, sizeof(prefix), "rule '%s' failed", name);
        lua_rawgeti(L, functions, i);
        lua_pushvalue(L, input);
        if (call_policy(L, e, 1, prefix) != LUA_OK)
            return 0;
        lua_rawgeti(L, results, RESULT_REASONS);
        lua_insert(L, -2);
        fired = collect_verdicts(L, e, lua_gettop(L) - 1, name);
        if (fired < 0)
            return 0;
        lua_settop(L, input);
        if (fired) {
            lua_rawgeti(L, results, RESULT_FIRED);
            lua_pushstring(L, name);
            lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
            lua_pop(L, 1);
        }
    }
    j->rule[0] = '\0';
    lua_pushvalue(L, results);
    return 1;
}

static int evaluate(evaluation *e, const gl_value *input, const gl_policy_limits *limits,
                    gl_value **out_decision, gl_value **out_trace, gl_policy_stats *stats,
                    gl_error *err)
{
    gl_judge judge;
    lua_State *L;
    int status, rc = -1;
    double t0 = gl_judge__now_ms();

    *out_decision = NULL;
    if (out_trace != NULL)
        *out_trace = NULL;
    gl_error_clear(err);
    memset(&judge, 0, sizeof(judge));
    gl_judge__limits_resolve(&judge.limits, limits);
    judge.input = input;
    e->judge = &judge;
    e->message[0] = '\0';
    if (stats != NULL)
        memset(stats, 0, sizeof(*stats));
    if (input == NULL || gl_value_kind_of(input) != GL_VALUE_OBJECT) {
        gl_error_set(err, GL_ERR_INTERNAL, "the policy input must be an object");
        return -1;
    }
    L = gl_judge__state_new(&judge);
    if (L == NULL) {
        gl_error_set(err, GL_ERR_NOMEM, "cannot create a Lua state (out of memory)");
        return -1;
    }
    /* Checked before any Lua runs: the proxies would read a huge input
     * lazily, but the host should not be asked to judge one at all. The
     * same walk indexes the findings for gl.findings. */
    status = gl_judge__prepare_input(&judge);
    if (status > 0) {
        gl_error_set(err, GL_ERR_CONFIG, "input budget of %zu bytes exceeded: the policy input is too large",
                 judge.limits.input_bytes);
        goto out;
    }
    if (status < 0) {
        if (!gl_judge__budget_message(&judge, err))
            gl_error_set(err, GL_ERR_NOMEM, "out of memory while indexing the findings");
        goto out;
    }

    lua_pushcfunction(L, gl_judge__msghandler);
    lua_pushcfunction(L, run_protected);
    lua_pushlightuserdata(L, e);
    status = lua_pcall(L, 1, 1, 1);

    if (gl_judge__budget_message(&judge, err))
        goto out;
    if (status != LUA_OK) {
        gl_error_set(err, GL_ERR_CONFIG, "%s",
                 lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "the policy failed");
        goto out;
    }
    if (e->message[0] != '\0' || lua_type(L, -1) != LUA_TTABLE) {
        gl_error_set(err, GL_ERR_CONFIG, "%s", e->message[0] ? e->message : "the policy failed");
        goto out;
    }
    if (out_trace != NULL && gl_judge__build_trace(L, &judge, out_trace) != 0) {
        gl_error_set(err, GL_ERR_NOMEM, "out of memory while building the trace");
        goto out;
    }
    rc = gl_judge__build_decision(L, &judge, out_decision, err);
    if (rc != 0 && out_trace != NULL) {
        gl_value_free(*out_trace);
        *out_trace = NULL;
    }
out:
    gl_judge__state_close(&judge);
    gl_judge__free_index(&judge);
    if (stats != NULL) {
        stats->instructions = judge.instructions;
        stats->memory_peak = judge.memory_peak;
        stats->duration_ms = gl_judge__now_ms() - t0;
    }
    return rc;
}

int gl_policy_evaluate(const char *policy_path, const gl_value *input,
                       const gl_policy_limits *limits, gl_value **out_decision,
                       gl_error *err)
{
    return gl_policy_evaluate_ex(policy_path, input, limits, out_decision, NULL, NULL, err);
}

int gl_policy_evaluate_ex(const char *policy_path, const gl_value *input,
                          const gl_policy_limits *limits, gl_value **out_decision,
                          gl_value **out_trace, gl_policy_stats *out_stats,
                          gl_error *err)
{
    evaluation e;

    memset(&e, 0, sizeof(e));
    e.path = policy_path;
    return evaluate(&e, input, limits, out_decision, out_trace, out_stats, err);
}

int gl_policy_evaluate_source(const char *source, size_t len, const char *chunkname,
                              const gl_value *input, const gl_policy_limits *limits,
                              gl_value **out_decision, gl_error *err)
{
    evaluation e;

    memset(&e, 0, sizeof(e));
    e.source = source;
    e.len = len;
    e.chunkname = chunkname != NULL ? chunkname : "policy";
    return evaluate(&e, input, limits, out_decision, NULL, NULL, err);
}
