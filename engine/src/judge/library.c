/*
 * library — the `gl` table a policy calls: verdict constructors and a few
 * helpers for findings and PostgreSQL settings. Documented for policy authors
 * in share/doc/policy.md; keep the two in step.
 *
 * gl.findings is in findings.c.
 *
 * Verdicts are empty tables with a shared protected metatable; what they say
 * lives in a registry table the policy cannot reach, so a verdict cannot be
 * altered after gl.hold() made it and cannot be forged from a plain table.
 * Nothing here mallocs: every buffer is Lua's, so a raise leaks nothing.
 */
#include <ctype.h>
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "judge/judge.h"
#include "util/units.h"
#include "util/names.h"

/* Adds the id of the finding (or id string) at idx to the list at list. */
static void add_id(lua_State *L, int list, int idx, const char *fn, lua_Integer position)
{
    int type;

    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) == LUA_TTABLE) {
        lua_getfield(L, idx, "id");
    } else {
        lua_pushvalue(L, idx);
    }
    type = lua_type(L, -1);
    if (type != LUA_TSTRING && type != LUA_TNUMBER)
        luaL_error(L, "%s: findings[%I] is not a finding with an id (got %s)", fn, position,
                   luaL_typename(L, -1));
    lua_tostring(L, -1); /* ids are strings in the decision */
    lua_rawseti(L, list, (lua_Integer)lua_rawlen(L, list) + 1);
}

/* findings argument: nil, one finding, an id, or a list of findings/ids. */
static void collect_ids(lua_State *L, int arg, int list, const char *fn)
{
    int type = lua_type(L, arg);

    if (type == LUA_TNONE || type == LUA_TNIL)
        return;
    if (type == LUA_TSTRING) {
        add_id(L, list, arg, fn, 1);
        return;
    }
    if (type != LUA_TTABLE)
        luaL_error(L, "%s: findings must be a finding, a list of findings, or nil (got %s)", fn,
                   luaL_typename(L, arg));
    if (lua_getfield(L, arg, "id") != LUA_TNIL) {
        lua_pop(L, 1);
        add_id(L, list, arg, fn, 1);
        return;
    }
    lua_pop(L, 1);
    lua_Integer n = luaL_len(L, arg);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, arg, i);
        add_id(L, list, -1, fn, i);
        lua_pop(L, 1);
    }
}

/* Builds a verdict: the record goes to the registry, the empty table with
 * the verdict metatable is what the policy gets. */
static int make_verdict(lua_State *L, const char *action, int message_required)
{
    char fn[32];
    int record;

    snprintf(fn, sizeof(fn), "gl.%s", action);
    if (lua_type(L, 1) != LUA_TSTRING && !(lua_isnoneornil(L, 1) && !message_required))
        return luaL_error(L, "%s: message must be a string (got %s)", fn, luaL_typename(L, 1));
    if (message_required && lua_rawlen(L, 1) == 0)
        return luaL_error(L, "%s: message must not be empty", fn);

    lua_createtable(L, 0, 3);
    record = lua_gettop(L);
    lua_pushstring(L, action);
    lua_setfield(L, record, "action");
    if (lua_type(L, 1) == LUA_TSTRING)
        lua_pushvalue(L, 1);
    else
        lua_pushliteral(L, "no objection");
    lua_setfield(L, record, "message");
    lua_newtable(L);
    collect_ids(L, 2, lua_gettop(L), fn);
    lua_setfield(L, record, "findings");

    lua_newtable(L);
    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_VERDICT_MT);
    lua_setmetatable(L, -2);
    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_VERDICTS);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, record);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    return 1;
}

static int gl_hold(lua_State *L) { return make_verdict(L, "hold", 1); }
static int gl_rollback(lua_State *L) { return make_verdict(L, "rollback", 1); }
static int gl_switchover(lua_State *L) { return make_verdict(L, "switchover", 0); }

int gl_judge__push_verdict_record(lua_State *L, int idx)
{
    int is_verdict;

    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
        return 0;
    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_VERDICT_MT);
    is_verdict = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (!is_verdict)
        return 0;
    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_VERDICTS);
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    lua_remove(L, -2);
    return 1;
}

/* verdict.action, verdict.message, verdict.findings (a fresh copy). */
static int verdict_index(lua_State *L)
{
    const char *key = lua_tostring(L, 2);

    if (!gl_judge__push_verdict_record(L, 1) || key == NULL)
        return 0;
    if (strcmp(key, "findings") == 0) {
        lua_getfield(L, -1, "findings");
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        lua_createtable(L, (int)n, 0);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, -2, i);
            lua_rawseti(L, -2, i);
        }
        return 1;
    }
    if (strcmp(key, "action") == 0 || strcmp(key, "message") == 0) {
        lua_getfield(L, -1, key);
        return 1;
    }
    return 0;
}

static int verdict_newindex(lua_State *L)
{
    return luaL_error(L, "verdicts are read-only");
}

static int verdict_tostring(lua_State *L)
{
    if (!gl_judge__push_verdict_record(L, 1))
        return 0;
    lua_getfield(L, -1, "action");
    lua_getfield(L, -2, "message");
    lua_pushfstring(L, "%s: %s", lua_tostring(L, -2), lua_tostring(L, -1));
    return 1;
}

static int lua_severity_rank(lua_State *L)
{
    const char *s = luaL_checkstring(L, 1);
    int rank = gl_severity_rank(s);

    if (rank == 0)
        return luaL_error(L, "gl.severity_rank: unknown severity '%s' (expected info, warning, "
                          "error or critical)", s);
    lua_pushinteger(L, rank);
    return 1;
}

/* Integers stay integers so they print as 1024, not 1024.0. */
static void push_number(lua_State *L, double v)
{
    if (floor(v) == v && fabs(v) < 9.2e18)
        lua_pushinteger(L, (lua_Integer)v);
    else
        lua_pushnumber(L, v);
}

static int parse_units(lua_State *L, int (*parse)(const char *, double *, int *), const char *what)
{
    double v;
    int has_unit;

    if (lua_type(L, 1) == LUA_TNUMBER) {
        lua_settop(L, 1);
        return 1;
    }
    if (lua_type(L, 1) == LUA_TSTRING && strlen(lua_tostring(L, 1)) == lua_rawlen(L, 1) &&
        parse(lua_tostring(L, 1), &v, &has_unit) == 0) {
        push_number(L, v);
        return 1;
    }
    lua_pushfstring(L, "not a valid %s: %s", what, luaL_tolstring(L, 1, NULL));
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

static int gl_parse_size(lua_State *L) { return parse_units(L, gl_judge__parse_size, "size"); }
static int gl_parse_duration(lua_State *L) { return parse_units(L, gl_judge__parse_duration, "duration"); }

static int gl_version_major(lua_State *L)
{
    double major;
    int rc = -1;

    if (lua_type(L, 1) == LUA_TNUMBER)
        rc = gl_judge__version_major_number(lua_tonumber(L, 1), &major);
    else if (lua_type(L, 1) == LUA_TSTRING)
        rc = gl_judge__version_major_string(lua_tostring(L, 1), &major);
    if (rc != 0) {
        lua_pushfstring(L, "not a PostgreSQL version: %s", luaL_tolstring(L, 1, NULL));
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    push_number(L, major);
    return 1;
}

/* gl.declared_parameter(input, name): input.change.parameters[name], the
 * name compared without case as PostgreSQL does; nil when not declared. */
static int gl_declared_parameter(lua_State *L)
{
    const char *name;
    const gl_value *node;

    luaL_checktype(L, 1, LUA_TTABLE);
    name = luaL_checkstring(L, 2);
    if (lua_getfield(L, 1, "change") != LUA_TTABLE)
        return 0;
    if (lua_getfield(L, -1, "parameters") != LUA_TTABLE)
        return 0;
    if (lua_getfield(L, -1, name) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    node = gl_judge__node(L, -1);
    if (node != NULL) {
        for (size_t i = 0; i < gl_value_len(node); i++) {
            if (strcasecmp(gl_value_object_key_at(node, i), name) == 0) {
                gl_judge__push_value(L, gl_value_object_value_at(node, i));
                return 1;
            }
        }
        return 0;
    }
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_type(L, -2) == LUA_TSTRING && strcasecmp(lua_tostring(L, -2), name) == 0)
            return 1;
        lua_pop(L, 1);
    }
    return 0;
}

/* A setting value as a trimmed string; NULL for other types or strings with
 * an embedded NUL. */
static const char *setting_text(lua_State *L, int idx, size_t *len)
{
    const char *s;

    if (lua_type(L, idx) != LUA_TSTRING && lua_type(L, idx) != LUA_TNUMBER)
        return NULL;
    lua_pushvalue(L, idx);
    s = lua_tolstring(L, -1, len);
    lua_replace(L, idx);
    if (strlen(s) != *len)
        return NULL;
    while (*len > 0 && isspace((unsigned char)*s)) {
        s++;
        (*len)--;
    }
    while (*len > 0 && isspace((unsigned char)s[*len - 1]))
        (*len)--;
    return s;
}

static int is_word(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return 0;
    return len > 0;
}

/* Are a and b the same setting value once units are normalised? */
static int same_setting(lua_State *L)
{
    size_t la, lb;
    const char *a = setting_text(L, 1, &la), *b = setting_text(L, 2, &lb);
    double va, vb;
    int ua, ub;

    if (a == NULL || b == NULL)
        return 0;
    if (la == lb && memcmp(a, b, la) == 0)
        return 1;
    /* the parsers skip surrounding spaces, so the untrimmed copies serve */
    a = lua_tostring(L, 1);
    b = lua_tostring(L, 2);
    if (gl_judge__parse_size(a, &va, &ua) == 0 && gl_judge__parse_size(b, &vb, &ub) == 0 &&
        ua == ub)
        return fabs(va - vb) <= 1e-9 * fmax(fabs(va), fabs(vb));
    if (gl_judge__parse_duration(a, &va, &ua) == 0 && gl_judge__parse_duration(b, &vb, &ub) == 0 &&
        ua && ub)
        return fabs(va - vb) <= 1e-9 * fmax(fabs(va), fabs(vb));
    a = setting_text(L, 1, &la);
    b = setting_text(L, 2, &lb);
    {
        char ca[8] = "", cb[8] = "";
        if (la < sizeof(ca) && lb < sizeof(cb)) {
            memcpy(ca, a, la);
            memcpy(cb, b, lb);
            int ba = gl_judge__parse_bool(ca), bb = gl_judge__parse_bool(cb);
            if (ba >= 0 && bb >= 0)
                return ba == bb;
        }
    }
    /* enum settings are case-insensitive (wal_level = REPLICA) */
    return la == lb && is_word(a, la) && is_word(b, lb) && strncasecmp(a, b, la) == 0;
}

/* With the setting's pg_settings unit ("kB", "8kB", "ms"), a bare number
 * is in that unit, as PostgreSQL reads it: work_mem 65536 is 64MB. 1 or 0
 * when both read as quantities of the unit's kind, -1 when not. */
static int same_quantity(lua_State *L)
{
    const char *unit = lua_tostring(L, 3);
    gl_unit_kind kind;
    double base, q[2];

    if (gl_units_setting_unit(unit, &kind, &base) != 0 || kind == GL_UNIT_NONE)
        return -1;
    for (int i = 0; i < 2; i++) {
        const gl_unit *u;
        double v;
        if ((lua_type(L, i + 1) != LUA_TSTRING && lua_type(L, i + 1) != LUA_TNUMBER) ||
            gl_units_parse(lua_tostring(L, i + 1), &v, &u) != 0 || (u != NULL && u->kind != kind))
            return -1;
        q[i] = u != NULL ? v * u->base : v * base;
    }
    return fabs(q[0] - q[1]) <= 1e-9 * fmax(fabs(q[0]), fabs(q[1]));
}

static int gl_same_setting(lua_State *L)
{
    int same = -1;

    lua_settop(L, 3);
    if (lua_type(L, 3) == LUA_TSTRING)
        same = same_quantity(L);
    lua_pushboolean(L, same >= 0 ? same : same_setting(L));
    return 1;
}

/* gl.kind(v): "null", "array", "object" for input values; type(v) otherwise. */
static int gl_kind(lua_State *L)
{
    const gl_value *node;

    luaL_checkany(L, 1);
    if (gl_judge__is_null(L, 1)) {
        lua_pushliteral(L, "null");
        return 1;
    }
    node = gl_judge__node(L, 1);
    if (node != NULL)
        lua_pushstring(L, gl_value_kind_of(node) == GL_VALUE_ARRAY ? "array" : "object");
    else
        lua_pushstring(L, luaL_typename(L, 1));
    return 1;
}

void gl_judge__open_library(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"hold", gl_hold},
        {"rollback", gl_rollback},
        {"switchover", gl_switchover},
        {"findings", gl_judge__findings},
        {"severity_rank", lua_severity_rank},
        {"parse_size", gl_parse_size},
        {"parse_duration", gl_parse_duration},
        {"version_major", gl_version_major},
        {"declared_parameter", gl_declared_parameter},
        {"same_setting", gl_same_setting},
        {"kind", gl_kind},
        {NULL, NULL}};
    static const luaL_Reg verdict_methods[] = {
        {"__index", verdict_index}, {"__newindex", verdict_newindex},
        {"__tostring", verdict_tostring}, {NULL, NULL}};

    lua_createtable(L, 0, 5);
    luaL_setfuncs(L, verdict_methods, 0);
    lua_pushliteral(L, "verdict");
    lua_setfield(L, -2, "__metatable");
    lua_setfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_VERDICT_MT);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_VERDICTS);

    lua_createtable(L, 0, 16);
    luaL_setfuncs(L, functions, 0);
    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_NULL);
    lua_setfield(L, -2, "null");
    gl_judge__open_changes(L);
    gl_judge__open_rules(L);
}
