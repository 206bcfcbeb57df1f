/*
 * convert — the policy input as Lua values.
 *
 * Scalars become Lua values; JSON null becomes the gl.null sentinel (a
 * userdata, so it is never confused with a missing key). Arrays and objects
 * become *proxies*: empty tables whose shared, protected metatable (one for
 * arrays, one for objects — that is the array/object tag) reads the
 * gl_value node behind them on each access. So the input is read-only by
 * construction (every write reaches __newindex and raises), is converted
 * lazily (facts with 10,000s of catalog rows cost nothing until read), and
 * keeps its insertion order for pairs(). One proxy per node, cached, so
 * `input.findings == input.findings`.
 *
 * The nodes are borrowed from the caller of gl_policy_evaluate and outlive
 * the lua_State.
 */
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge/judge.h"

/* The node behind the proxy at idx, through the proxy -> node table at
 * node_of_table; NULL when idx is not a proxy. */
static const gl_value *lookup_node(lua_State *L, int node_of_table, int idx)
{
    const gl_value *node;

    if (lua_type(L, idx) != LUA_TTABLE)
        return NULL;
    lua_pushvalue(L, idx);
    lua_rawget(L, node_of_table);
    node = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return node;
}

static const gl_value *node_of(lua_State *L, int idx)
{
    const gl_value *node;

    idx = lua_absindex(L, idx);
    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_NODE_OF);
    node = lookup_node(L, lua_gettop(L), idx);
    lua_pop(L, 1);
    return node;
}

/* node_of for the metamethods, which hold the proxy -> node table in their
 * first upvalue: no registry lookup on each access. */
static const gl_value *node_of_up(lua_State *L, int idx)
{
    return lookup_node(L, lua_upvalueindex(1), idx);
}

const gl_value *gl_judge__node(lua_State *L, int idx)
{
    return node_of(L, idx);
}

int gl_judge__is_null(lua_State *L, int idx)
{
    int is_null;

    idx = lua_absindex(L, idx);
    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_NULL);
    is_null = lua_rawequal(L, idx, -1);
    lua_pop(L, 1);
    return is_null;
}

static void push_proxy(lua_State *L, const gl_value *v)
{
    int kind_array = gl_value_kind_of(v) == GL_VALUE_ARRAY;

    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_PROXY_OF);
    if (lua_rawgetp(L, -1, v) != LUA_TNIL) {
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    lua_newtable(L);
    lua_getfield(L, LUA_REGISTRYINDEX, kind_array ? GL_JUDGE_REG_ARRAY_MT : GL_JUDGE_REG_OBJECT_MT);
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, -3, v);           /* proxy_of[node] = proxy */
    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_NODE_OF);
    lua_pushvalue(L, -2);
    lua_pushlightuserdata(L, (void *)v);
    lua_rawset(L, -3);               /* node_of[proxy] = node */
    lua_pop(L, 1);
    lua_remove(L, -2);
}

void gl_judge__push_value(lua_State *L, const gl_value *v)
{
    switch (v == NULL ? GL_VALUE_NULL : gl_value_kind_of(v)) {
    case GL_VALUE_NULL:
        lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_NULL);
        break;
    case GL_VALUE_BOOL:
        lua_pushboolean(L, gl_value_get_bool(v));
        break;
    case GL_VALUE_INT:
        lua_pushinteger(L, (lua_Integer)gl_value_get_int(v));
        break;
    case GL_VALUE_NUMBER:
        lua_pushnumber(L, (lua_Number)gl_value_get_number(v));
        break;
    case GL_VALUE_STRING:
        lua_pushlstring(L, gl_value_get_string(v), gl_value_string_length(v));
        break;
    default:
        push_proxy(L, v);
        break;
    }
}

/* __index: arrays take integer keys 1..n, objects string keys. Anything
 * else reads as nil, as on a plain table. Nothing is cached: a value read
 * once (the common case) would pay for the cache and keep it alive; short
 * strings are interned by Lua anyway, so reading one again allocates
 * nothing. */
static int proxy_index(lua_State *L)
{
    const gl_value *node = node_of_up(L, 1);
    const gl_value *child = NULL;

    if (node == NULL)
        return luaL_error(L, "not an input value");
    if (gl_value_kind_of(node) == GL_VALUE_ARRAY) {
        int is_int = 0;
        lua_Integer i = lua_type(L, 2) == LUA_TNUMBER ? lua_tointegerx(L, 2, &is_int) : 0;
        if (is_int && i >= 1 && (lua_Unsigned)i <= gl_value_len(node))
            child = gl_value_array_at(node, (size_t)(i - 1));
    } else if (lua_type(L, 2) == LUA_TSTRING) {
        size_t len;
        const char *key = lua_tolstring(L, 2, &len);
        if (strlen(key) == len) /* an embedded NUL can match no key */
            child = gl_value_object_get(node, key);
    }
    if (child == NULL) {
        lua_pushnil(L);
        return 1;
    }
    gl_judge__push_value(L, child);
    return 1;
}

static int proxy_newindex(lua_State *L)
{
    return luaL_error(L, "the policy input is read-only (tried to set '%s')", luaL_tolstring(L, 2, NULL));
}

static int proxy_len(lua_State *L)
{
    const gl_value *node = node_of_up(L, 1);

    lua_pushinteger(L, node != NULL && gl_value_kind_of(node) == GL_VALUE_ARRAY
                           ? (lua_Integer)gl_value_len(node) : 0);
    return 1;
}

static int proxy_tostring(lua_State *L)
{
    const gl_value *node = node_of_up(L, 1);

    lua_pushfstring(L, "%s (%d entries)",
                    node != NULL && gl_value_kind_of(node) == GL_VALUE_ARRAY ? "array" : "object",
                    node != NULL ? (int)gl_value_len(node) : 0);
    return 1;
}

/* Pushes entry i (0-based) of node as key, value; returns 2, or 1 (a nil)
 * past the end. */
static int push_entry(lua_State *L, const gl_value *node, size_t i)
{
    if (i >= gl_value_len(node)) {
        lua_pushnil(L);
        return 1;
    }
    if (gl_value_kind_of(node) == GL_VALUE_ARRAY) {
        lua_pushinteger(L, (lua_Integer)i + 1);
        gl_judge__push_value(L, gl_value_array_at(node, i));
    } else {
        lua_pushstring(L, gl_value_object_key_at(node, i));
        gl_judge__push_value(L, gl_value_object_value_at(node, i));
    }
    return 2;
}

/* The pairs() iterator: upvalue 1 the node, upvalue 2 the next position. */
static int proxy_iterate(lua_State *L)
{
    const gl_value *node = lua_touserdata(L, lua_upvalueindex(1));
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(2));

    lua_pushinteger(L, i + 1);
    lua_replace(L, lua_upvalueindex(2));
    return push_entry(L, node, (size_t)i);
}

static int proxy_pairs(lua_State *L)
{
    const gl_value *node = node_of_up(L, 1);

    if (node == NULL)
        return luaL_error(L, "not an input value");
    lua_pushlightuserdata(L, (void *)node);
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, proxy_iterate, 2);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

int gl_judge__next(lua_State *L)
{
    const gl_value *node = node_of(L, 1);
    size_t i = 0;

    if (node == NULL) {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 2);
        if (lua_next(L, 1))
            return 2;
        lua_pushnil(L);
        return 1;
    }
    if (lua_isnoneornil(L, 2)) {
        i = 0;
    } else if (gl_value_kind_of(node) == GL_VALUE_ARRAY) {
        lua_Integer k = lua_tointeger(L, 2);
        if (k < 1 || (lua_Unsigned)k > gl_value_len(node))
            return luaL_error(L, "invalid key to 'next'");
        i = (size_t)k;
    } else {
        const char *key = lua_tostring(L, 2);
        size_t n = gl_value_len(node);
        for (i = 0; key != NULL && i < n && strcmp(gl_value_object_key_at(node, i), key) != 0; i++)
            ;
        if (key == NULL || i == n)
            return luaL_error(L, "invalid key to 'next'");
        i++;
    }
    return push_entry(L, node, i);
}

static int null_tostring(lua_State *L)
{
    lua_pushliteral(L, "null");
    return 1;
}

/* The metamethods get the proxy -> node table as their upvalue. */
static void new_proxy_metatable(lua_State *L, const char *registry_key, const char *tag)
{
    static const luaL_Reg methods[] = {
        {"__index", proxy_index}, {"__newindex", proxy_newindex}, {"__len", proxy_len},
        {"__pairs", proxy_pairs}, {"__tostring", proxy_tostring}, {NULL, NULL}};

    lua_createtable(L, 0, 7);
    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_NODE_OF);
    luaL_setfuncs(L, methods, 1);
    lua_pushstring(L, tag);
    lua_setfield(L, -2, "__metatable");
    lua_setfield(L, LUA_REGISTRYINDEX, registry_key);
}

void gl_judge__open_values(lua_State *L)
{
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_NODE_OF);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_PROXY_OF);
    new_proxy_metatable(L, GL_JUDGE_REG_ARRAY_MT, "read-only input array");
    new_proxy_metatable(L, GL_JUDGE_REG_OBJECT_MT, "read-only input object");

    lua_newuserdatauv(L, 0, 0);
    lua_createtable(L, 0, 3);
    lua_pushcfunction(L, null_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "gl.null");
    lua_setfield(L, -2, "__name");
    lua_pushliteral(L, "gl.null");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_NULL);
}

/* ---- Lua values back to gl_value (policy test files) ---- */

#define GL_JUDGE_DATA_MAX_DEPTH 64

/* The box that owns the tree under construction: freed by the collector if
 * a raise abandons the conversion. */
static int box_gc(lua_State *L)
{
    gl_value **box = lua_touserdata(L, 1);

    gl_value_free(*box);
    *box = NULL;
    return 0;
}

static int compare_cstrings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static gl_value *new_or_raise(lua_State *L, gl_value *v)
{
    if (v == NULL)
        luaL_error(L, "out of memory while converting test data");
    return v;
}

/* Attaches item to parent (array when key NULL); raises on failure. */
static void attach(lua_State *L, gl_value *parent, const char *key, gl_value *item)
{
    int rc = key ? gl_value_object_set(parent, key, item) : gl_value_array_push(parent, item);

    if (rc != 0)
        luaL_error(L, "out of memory while converting test data");
}

static gl_value *convert(lua_State *L, int idx, int depth, const char *where);

/* The table at idx into container (already attached to the tree). */
static void convert_table(lua_State *L, int idx, gl_value **out, int depth, const char *where)
{
    lua_Integer n = 0, count = 0;
    int strings = 0;

    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) == LUA_TSTRING)
            strings++;
        else if (lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1)
            n = lua_tointeger(L, -2) > n ? lua_tointeger(L, -2) : n;
        else
            luaL_error(L, "%s: table keys must be strings or 1..n (got a %s key)", where,
                       luaL_typename(L, -2));
        count++;
        lua_pop(L, 1);
    }
    if (strings > 0 && strings != count)
        luaL_error(L, "%s: a table mixes string and integer keys", where);
    if (strings == 0 && n != count)
        luaL_error(L, "%s: a list has holes (keys up to %I, %I entries)", where, n, count);
    if (strings == 0) {
        *out = new_or_raise(L, gl_value_array());
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, i);
            attach(L, *out, NULL, convert(L, lua_gettop(L), depth + 1, where));
            lua_pop(L, 1);
        }
        return;
    }
    /* keys sorted: Lua's own order depends on hashing */
    const char **keys = lua_newuserdatauv(L, (size_t)count * sizeof(*keys), 0);
    int i = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        keys[i++] = lua_tostring(L, -2); /* anchored by the table */
        lua_pop(L, 1);
    }
    qsort(keys, (size_t)count, sizeof(*keys), compare_cstrings);
    *out = new_or_raise(L, gl_value_object());
    for (i = 0; i < count; i++) {
        char child[256];
        snprintf(child, sizeof(child), "%s.%s", where, keys[i]);
        lua_getfield(L, idx, keys[i]);
        attach(L, *out, keys[i], convert(L, lua_gettop(L), depth + 1, child));
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* the keys */
}

/* Converts the value at idx. Containers are converted into a tree owned by
 * a box on the stack until attached to its parent: a raise leaks nothing. */
static gl_value *convert(lua_State *L, int idx, int depth, const char *where)
{
    const gl_value *node;
    gl_value **box, *v;

    if (depth > GL_JUDGE_DATA_MAX_DEPTH)
        luaL_error(L, "%s: nested deeper than %d levels (a table that contains itself?)", where,
                   GL_JUDGE_DATA_MAX_DEPTH);
    luaL_checkstack(L, 8, "test data nested too deeply");
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
        return new_or_raise(L, gl_value_bool(lua_toboolean(L, idx)));
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            return new_or_raise(L, gl_value_int((int64_t)lua_tointeger(L, idx)));
        return new_or_raise(L, gl_value_number((double)lua_tonumber(L, idx)));
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        return new_or_raise(L, gl_value_string_len(s, len));
    }
    case LUA_TUSERDATA:
        if (gl_judge__is_null(L, idx))
            return new_or_raise(L, gl_value_null());
        break;
    case LUA_TTABLE:
        node = node_of(L, idx);
        if (node != NULL)
            return new_or_raise(L, gl_value_copy(node));
        if (lua_getmetatable(L, idx)) {
            lua_pop(L, 1);
            luaL_error(L, "%s: a table with a metatable (a verdict?) is not data", where);
        }
        box = lua_newuserdatauv(L, sizeof(*box), 0);
        *box = NULL;
        lua_createtable(L, 0, 1);
        lua_pushcfunction(L, box_gc);
        lua_setfield(L, -2, "__gc");
        lua_setmetatable(L, -2);
        convert_table(L, idx, box, depth, where);
        v = *box;
        *box = NULL;
        lua_pop(L, 1);
        return v;
    default:
        break;
    }
    return luaL_error(L, "%s: a %s cannot be test data (use strings, numbers, booleans, "
                      "tables and gl.null)", where, luaL_typename(L, idx)), NULL;
}

gl_value *gl_judge__to_value(lua_State *L)
{
    gl_value *v = convert(L, lua_gettop(L), 0, "the returned value");

    lua_pop(L, 1);
    return v;
}

/* Rough JSON size: text plus a few bytes of punctuation per item. */
int gl_judge__value_size(const gl_value *v, size_t cap, size_t *used)
{
    size_t n;

    *used += 8;
    switch (gl_value_kind_of(v)) {
    case GL_VALUE_STRING:
        *used += gl_value_string_length(v);
        break;
    case GL_VALUE_ARRAY:
        n = gl_value_len(v);
        for (size_t i = 0; i < n && *used <= cap; i++)
            gl_judge__value_size(gl_value_array_at(v, i), cap, used);
        break;
    case GL_VALUE_OBJECT:
        n = gl_value_len(v);
        for (size_t i = 0; i < n && *used <= cap; i++) {
            *used += strlen(gl_value_object_key_at(v, i));
            gl_judge__value_size(gl_value_object_value_at(v, i), cap, used);
        }
        break;
    default:
        break;
    }
    return *used > cap;
}
