/*
 * library — the `gl` table a policy calls: verdict constructors and a few
 * helpers for findings and PostgreSQL settings. Documented for policy authors
 * in share/doc/policy.md; keep the two in step.
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

static const char *const severities[] = {"info", "warning", "error", "critical"};

/* 1 (info) .. 4 (critical), 0 when s is not a severity. */
static int severity_rank(const char *s)
{
    for (int i = 0; s != NULL && i < 4; i++)
        if (strcmp(s, severities[i]) == 0)
            return i + 1;
    return 0;
}

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

/* Does the string field `key` of the table at idx satisfy pattern (via the
 * real string.find, saved before the policy could touch it)? */
static int field_matches(lua_State *L, int idx, const char *key, const char *pattern)
{
    int found;

    if (lua_getfield(L, idx, key) != LUA_TSTRING) {
        lua_pop(L, 1);
        return 0;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_STRING_FIND);
    lua_insert(L, -2);
    lua_pushstring(L, pattern);
    lua_call(L, 2, 1);
    found = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return found;
}

static int field_equals(lua_State *L, int idx, const char *key, const char *want)
{
    int equal = lua_getfield(L, idx, key) == LUA_TSTRING && strcmp(lua_tostring(L, -1), want) == 0;

    lua_pop(L, 1);
    return equal;
}

typedef struct finding_filter {
    const char *check, *code, *code_match, *severity, *object;
    int min_rank;
    int waived;                /* -1 any, 0 only not waived, 1 only waived */
    int under, outside;        /* stack index of a list of object names, or 0 */
    lua_Integer limit;         /* at most this many results; 0 for all */
} finding_filter;

static void read_filter(lua_State *L, int idx, finding_filter *f)
{
    static const char *const keys[] = {"check", "code", "code_match", "severity", "min_severity",
                                       "object", "waived", "under", "outside", "limit", NULL};
    const char **slots[] = {&f->check, &f->code, &f->code_match, &f->severity, NULL, &f->object, NULL,
                            NULL, NULL, NULL};

    memset(f, 0, sizeof(*f));
    f->waived = -1;
    if (lua_isnoneornil(L, idx))
        return;
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int k;
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "gl.findings: filter keys must be strings");
        for (k = 0; keys[k] != NULL && strcmp(keys[k], lua_tostring(L, -2)) != 0; k++)
            ;
        if (keys[k] == NULL)
            luaL_error(L, "gl.findings: unknown filter '%s' (expected check, code, code_match, "
                       "severity, min_severity, object, waived, under, outside or limit)", lua_tostring(L, -2));
        if (strcmp(keys[k], "limit") == 0) {
            if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1)
                luaL_error(L, "gl.findings: filter 'limit' must be a positive integer");
            f->limit = lua_tointeger(L, -1);
            lua_pop(L, 1);
            continue;
        }
        if (strcmp(keys[k], "under") == 0 || strcmp(keys[k], "outside") == 0) {
            lua_Integer n;
            if (lua_type(L, -1) != LUA_TTABLE)
                luaL_error(L, "gl.findings: filter '%s' must be a list of object names", keys[k]);
            n = luaL_len(L, -1);
            /* a plain copy on the stack: read with rawgeti, strings only */
            lua_createtable(L, (int)n, 0);
            for (lua_Integer i = 1; i <= n; i++) {
                if (lua_geti(L, -2, i) != LUA_TSTRING)
                    luaL_error(L, "gl.findings: filter '%s' must be a list of strings", keys[k]);
                lua_rawseti(L, -2, i);
            }
            lua_replace(L, -2);
            lua_insert(L, -2);           /* keep it below the key */
            *(keys[k][0] == 'u' ? &f->under : &f->outside) = lua_absindex(L, -2);
            continue;
        }
        if (strcmp(keys[k], "waived") == 0) {
            if (lua_type(L, -1) != LUA_TBOOLEAN)
                luaL_error(L, "gl.findings: filter 'waived' must be a boolean");
            f->waived = lua_toboolean(L, -1);
            lua_pop(L, 1);
            continue;
        }
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "gl.findings: filter '%s' must be a string", keys[k]);
        if (slots[k] != NULL) {
            *slots[k] = lua_tostring(L, -1); /* anchored in the filter table */
        } else {
            f->min_rank = severity_rank(lua_tostring(L, -1));
            if (f->min_rank == 0)
                luaL_error(L, "gl.findings: unknown severity '%s'", lua_tostring(L, -1));
        }
        lua_pop(L, 1);
    }
}

/* Is object one of the names at list, or beneath one ("public.film"
 * covers "public.film.title")? */
static int object_under(lua_State *L, int list, const char *object)
{
    size_t n = lua_rawlen(L, list), olen = strlen(object);

    for (size_t i = 1; i <= n; i++) {
        size_t len;
        const char *name;
        lua_rawgeti(L, list, (lua_Integer)i);
        name = lua_tolstring(L, -1, &len);
        lua_pop(L, 1); /* anchored by the list */
        if (olen >= len && memcmp(object, name, len) == 0 && (olen == len || object[len] == '.'))
            return 1;
    }
    return 0;
}

static int placed(lua_State *L, const char *object, const finding_filter *f)
{
    if (f->under && (object == NULL || !object_under(L, f->under, object)))
        return 0;
    if (f->outside && object != NULL && object_under(L, f->outside, object))
        return 0;
    return 1;
}

static int finding_selected(lua_State *L, int idx, const finding_filter *f)
{
    if (f->check && !field_equals(L, idx, "check", f->check))
        return 0;
    if (f->code && !field_equals(L, idx, "code", f->code))
        return 0;
    if (f->severity && !field_equals(L, idx, "severity", f->severity))
        return 0;
    if (f->min_rank) {
        lua_getfield(L, idx, "severity");
        int rank = severity_rank(lua_tostring(L, -1));
        if (rank == 0)
            luaL_error(L, "gl.findings: a finding has an unknown severity '%s'", luaL_tolstring(L, -1, NULL));
        lua_pop(L, 1);
        if (rank < f->min_rank)
            return 0;
    }
    if (f->waived >= 0) {
        int waived = lua_getfield(L, idx, "waived") == LUA_TBOOLEAN && lua_toboolean(L, -1);
        lua_pop(L, 1);
        if (waived != f->waived)
            return 0;
    }
    if (f->code_match && !field_matches(L, idx, "code", f->code_match))
        return 0;
    if (f->object && !field_matches(L, idx, "object", f->object))
        return 0;
    if (f->under || f->outside) {
        int ok = lua_getfield(L, idx, "object") == LUA_TSTRING ? placed(L, lua_tostring(L, -1), f)
                                                                : placed(L, NULL, f);
        lua_pop(L, 1);
        if (!ok)
            return 0;
    }
    return 1;
}

/* The fields filters look at, read once per finding per evaluation: a large
 * run's findings are scanned by several rules, and looking keys up in each
 * finding object every time costs more than the rules themselves. */
typedef struct finding_row {
    const gl_value *node;
    const char *check, *code, *severity, *object;   /* NULL when absent */
    int rank;                                        /* 0: not a severity */
    int waived;
} finding_row;

typedef struct finding_index {
    size_t n;
    int bad;                   /* an item that is not an object (1-based), or 0 */
    finding_row rows[];
} finding_index;

#define GL_JUDGE_REG_FINDING_INDEX "gl.finding_index"

/* The index of the findings array node (built on first use; a userdata in
 * the registry, so the memory budget counts it and lua_close frees it). */
static const finding_index *index_of(lua_State *L, const gl_value *array)
{
    finding_index *ix;
    size_t n = gl_value_len(array);

    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_FINDING_INDEX);
    if (lua_rawgetp(L, -1, array) == LUA_TUSERDATA) {
        ix = lua_touserdata(L, -1);
        lua_pop(L, 2);
        return ix;
    }
    lua_pop(L, 1);
    ix = lua_newuserdatauv(L, sizeof(*ix) + n * sizeof(ix->rows[0]), 0);
    ix->n = n;
    ix->bad = 0;
    for (size_t i = 0; i < n; i++) {
        const gl_value *f = gl_value_array_at(array, i), *w;
        finding_row *r = &ix->rows[i];

        memset(r, 0, sizeof(*r));
        r->node = f;
        if (gl_value_kind_of(f) != GL_VALUE_OBJECT) {
            if (!ix->bad)
                ix->bad = (int)i + 1;
            continue;
        }
        /* one walk over the members: cheaper than five key lookups */
        for (size_t m = 0, len = gl_value_len(f); m < len; m++) {
            const char *key = gl_value_object_key_at(f, m);
            const char **slot = NULL;
            w = gl_value_object_value_at(f, m);
            switch (key[0]) {
            case 'c': slot = strcmp(key, "check") == 0 ? &r->check : strcmp(key, "code") == 0 ? &r->code : NULL; break;
            case 's': slot = strcmp(key, "severity") == 0 ? &r->severity : NULL; break;
            case 'o': slot = strcmp(key, "object") == 0 ? &r->object : NULL; break;
            case 'w':
                if (strcmp(key, "waived") == 0)
                    r->waived = gl_value_kind_of(w) == GL_VALUE_BOOL && gl_value_get_bool(w);
                break;
            default: break;
            }
            if (slot != NULL)
                *slot = gl_value_kind_of(w) == GL_VALUE_STRING ? gl_value_get_string(w) : NULL;
        }
        r->rank = severity_rank(r->severity);
    }
    lua_rawsetp(L, -2, array);
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_FINDING_INDEX);
    lua_rawgetp(L, -1, array);
    ix = lua_touserdata(L, -1);
    lua_pop(L, 2);
    return ix;
}

static int text_equals(const char *s, const char *want)
{
    return s != NULL && strcmp(s, want) == 0;
}

/* Lua pattern match through the saved string.find. */
static int text_matches(lua_State *L, const char *s, const char *pattern)
{
    int found;

    if (s == NULL)
        return 0;
    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_STRING_FIND);
    lua_pushstring(L, s);
    lua_pushstring(L, pattern);
    lua_call(L, 2, 1);
    found = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return found;
}

/* finding_selected on an index row: no proxy is made for findings the
 * filter drops (most of them, in a large run). */
static int row_selected(lua_State *L, const finding_row *r, const finding_filter *filter)
{
    if (filter->check && !text_equals(r->check, filter->check))
        return 0;
    if (filter->code && !text_equals(r->code, filter->code))
        return 0;
    if (filter->severity && !text_equals(r->severity, filter->severity))
        return 0;
    if (filter->min_rank) {
        if (r->rank == 0)
            luaL_error(L, "gl.findings: a finding has an unknown severity '%s'", r->severity ? r->severity : "(none)");
        if (r->rank < filter->min_rank)
            return 0;
    }
    if (filter->waived >= 0 && r->waived != filter->waived)
        return 0;
    if (filter->code_match && !text_matches(L, r->code, filter->code_match))
        return 0;
    if (filter->object && !text_matches(L, r->object, filter->object))
        return 0;
    if ((filter->under || filter->outside) && !placed(L, r->object, filter))
        return 0;
    return 1;
}

/* gl.findings(input, filter) -> list of the findings that pass the filter. */
static int gl_findings(lua_State *L)
{
    finding_filter filter;
    gl_judge *j = gl_judge__of(L);
    lua_Integer n, kept = 0;
    int list, out;
    const gl_value *nodes;

    luaL_checktype(L, 1, LUA_TTABLE);
    read_filter(L, 2, &filter);
    lua_getfield(L, 1, "findings");
    list = lua_gettop(L);
    lua_newtable(L);
    out = lua_gettop(L);
    if (lua_type(L, list) != LUA_TTABLE)
        return 1; /* no findings (nil or null) */
    nodes = gl_judge__node(L, list);
    if (nodes != NULL && gl_value_kind_of(nodes) == GL_VALUE_ARRAY) {
        const finding_index *ix = index_of(L, nodes);

        if (ix->bad)
            return luaL_error(L, "gl.findings: input.findings[%d] is not a table", ix->bad);
        j->instructions += ix->n; /* C work the count hook does not see */
        for (size_t i = 0; i < ix->n && (filter.limit == 0 || kept < filter.limit); i++) {
            if (row_selected(L, &ix->rows[i], &filter)) {
                gl_judge__push_value(L, ix->rows[i].node);
                lua_rawseti(L, out, ++kept);
            }
        }
        return 1;
    }
    n = luaL_len(L, list);
    for (lua_Integer i = 1; i <= n && (filter.limit == 0 || kept < filter.limit); i++) {
        j->instructions += 10; /* C work the count hook does not see */
        if (lua_geti(L, list, i) != LUA_TTABLE)
            return luaL_error(L, "gl.findings: input.findings[%I] is not a table", i);
        if (finding_selected(L, lua_gettop(L), &filter))
            lua_rawseti(L, out, ++kept);
        else
            lua_pop(L, 1);
    }
    lua_settop(L, out);
    return 1;
}

static int gl_severity_rank(lua_State *L)
{
    const char *s = luaL_checkstring(L, 1);
    int rank = severity_rank(s);

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

static int gl_same_setting(lua_State *L)
{
    lua_settop(L, 2);
    lua_pushboolean(L, same_setting(L));
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
        {"findings", gl_findings},
        {"severity_rank", gl_severity_rank},
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
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_FINDING_INDEX);

    lua_createtable(L, 0, 16);
    luaL_setfuncs(L, functions, 0);
    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_NULL);
    lua_setfield(L, -2, "null");
    gl_judge__open_changes(L);
}
