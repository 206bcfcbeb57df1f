/*
 * sandbox — the lua_State a policy runs in.
 *
 * Memory: a custom allocator refuses any growth past limits.memory_bytes
 * (garbage not yet collected counts) and remembers that it did.
 * CPU: a count hook every GL_JUDGE_HOOK_EVERY instructions charges the
 * instruction budget and checks the wall clock. Once a budget runs out the
 * hook fires on every instruction and raises each time, and the sandbox's
 * pcall/xpcall re-raise instead of returning, so a policy cannot swallow the
 * error and carry on (Redis luaMaskCountHook does the same).
 * Globals: the policy's _ENV is its own table whose __index is an
 * allow-listed base; library tables in the base are read-only proxies, the
 * string metatable is protected, string.dump / math.random are removed.
 */
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "judge/judge.h"

#define GL_JUDGE_HOOK_EVERY 1000

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* lua_Alloc with a cap. Shrinking never fails (Lua relies on that). */
static void *judge_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    gl_judge *j = ud;
    void *p;

    if (ptr == NULL)
        osize = 0; /* osize is then a type tag, not a size */
    if (nsize == 0) {
        free(ptr);
        j->memory_used -= osize;
        return NULL;
    }
    if (nsize > osize && nsize - osize > j->limits.memory_bytes - j->memory_used) {
        j->memory_refused = 1;
        return NULL;
    }
    p = realloc(ptr, nsize);
    if (p == NULL) {
        if (nsize > osize)
            j->memory_refused = 1;
        return NULL;
    }
    j->memory_used = j->memory_used - osize + nsize;
    if (j->memory_used > j->memory_peak)
        j->memory_peak = j->memory_used;
    return p;
}

double gl_judge__now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

gl_judge *gl_judge__of(lua_State *L)
{
    void *ud = NULL;

    lua_getallocf(L, &ud);
    return ud;
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
    gl_judge *j = gl_judge__of(L);

    if (j->tripped == GL_JUDGE_TRIP_NONE) {
        j->instructions += GL_JUDGE_HOOK_EVERY;
        if (j->memory_refused)
            j->tripped = GL_JUDGE_TRIP_MEMORY;
        else if (j->instructions > j->limits.instructions)
            j->tripped = GL_JUDGE_TRIP_INSTRUCTIONS;
        else if (now_ms() > j->deadline_ms)
            j->tripped = GL_JUDGE_TRIP_WALL;
        else
            return;
        if (lua_getinfo(L, "Sl", ar))
            snprintf(j->trip_where, sizeof(j->trip_where), "%s:%d", ar->short_src, ar->currentline);
        /* From now on every instruction raises: whatever pcall catches, the
         * next instruction after it raises again. */
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    }
    luaL_error(L, "policy budget exceeded");
}

lua_State *gl_judge__state_new(gl_judge *j)
{
    lua_State *L = lua_newstate(judge_alloc, j);

    if (L == NULL)
        return NULL;
    j->L = L;
    j->deadline_ms = now_ms() + j->limits.wall_ms;
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, GL_JUDGE_HOOK_EVERY);
    return L;
}

void gl_judge__state_close(gl_judge *j)
{
    if (j->L == NULL)
        return;
    /* Policies cannot install __gc (setmetatable refuses it), so closing runs
     * only the library's C finalizers; they must run to free their buffers. */
    lua_sethook(j->L, NULL, 0, 0);
    lua_close(j->L);
    j->L = NULL;
}

int gl_judge__budget_message(const gl_judge *j, gl_error *err)
{
    char where[400] = "";
    gl_judge_trip trip = j->tripped;

    /* A refusal that surfaced as an error before the hook saw it. */
    if (trip == GL_JUDGE_TRIP_NONE && j->memory_refused)
        trip = GL_JUDGE_TRIP_MEMORY;
    if (trip == GL_JUDGE_TRIP_NONE || trip == GL_JUDGE_TRIP_CLOSING)
        return 0;
    if (j->rule[0] != '\0' && j->trip_where[0] != '\0')
        snprintf(where, sizeof(where), " in rule '%s' at %s", j->rule, j->trip_where);
    else if (j->rule[0] != '\0')
        snprintf(where, sizeof(where), " in rule '%s'", j->rule);
    else if (j->trip_where[0] != '\0')
        snprintf(where, sizeof(where), " while loading the policy at %s", j->trip_where);
    else
        snprintf(where, sizeof(where), " while loading the policy");

    switch (trip) {
    case GL_JUDGE_TRIP_INSTRUCTIONS:
        gl_error_set(err, GL_ERR_CONFIG, "instruction budget of %llu instructions exceeded%s",
                 (unsigned long long)j->limits.instructions, where);
        break;
    case GL_JUDGE_TRIP_MEMORY:
        if (j->limits.memory_bytes % (1024 * 1024) == 0)
            gl_error_set(err, GL_ERR_CONFIG, "memory budget of %zu MiB exceeded%s",
                     j->limits.memory_bytes / (1024 * 1024), where);
        else
            gl_error_set(err, GL_ERR_CONFIG, "memory budget of %zu bytes exceeded%s", j->limits.memory_bytes, where);
        break;
    case GL_JUDGE_TRIP_OUTPUT:
        gl_error_set(err, GL_ERR_CONFIG, "output budget of %zu bytes exceeded%s: the rules returned too many "
                 "or too long reasons", j->limits.output_bytes, where);
        break;
    default:
        gl_error_set(err, GL_ERR_CONFIG, "wall-clock budget of %u ms exceeded%s", j->limits.wall_ms, where);
        break;
    }
    return 1;
}

/* As lua.c's msghandler: the message (or a description of a non-string
 * error object) followed by the traceback. */
int gl_judge__msghandler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    gl_judge *j = gl_judge__of(L);

    if (msg == NULL) {
        /* no policy code (__tostring) once a budget ran out: see
         * guarded_handler */
        if (j->tripped == GL_JUDGE_TRIP_NONE && !j->memory_refused &&
            luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Once a budget ran out, errors are passed on, never returned as values. */
static int rethrow_if_tripped(lua_State *L, int status)
{
    gl_judge *j = gl_judge__of(L);

    if (status == LUA_ERRMEM)
        j->memory_refused = 1;
    if (status != LUA_OK && (j->tripped != GL_JUDGE_TRIP_NONE || j->memory_refused))
        return lua_error(L);
    return 0;
}

static int sandbox_pcall(lua_State *L)
{
    int status;

    luaL_checkany(L, 1);
    status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    rethrow_if_tripped(L, status);
    lua_pushboolean(L, status == LUA_OK);
    lua_insert(L, 1);
    return status == LUA_OK ? lua_gettop(L) : 2;
}

/* The message handler xpcall really installs. Lua runs a handler at the
 * point of the error, and when the budget hook raised that error, hooks are
 * still off: a looping handler would then run unchecked. So once a budget
 * ran out the policy's handler is skipped and the error passed on. */
static int guarded_handler(lua_State *L)
{
    gl_judge *j = gl_judge__of(L);

    if (j->tripped != GL_JUDGE_TRIP_NONE || j->memory_refused)
        return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int sandbox_xpcall(lua_State *L)
{
    int n = lua_gettop(L), status;

    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, guarded_handler, 1);
    lua_replace(L, 2);
    lua_pushboolean(L, 1);  /* first result if no errors */
    lua_pushvalue(L, 1);    /* function */
    lua_rotate(L, 3, 2);    /* move them below the function's arguments */
    status = lua_pcall(L, n - 2, LUA_MULTRET, 2);
    rethrow_if_tripped(L, status);
    if (status != LUA_OK) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    return lua_gettop(L) - 2;
}

/* setmetatable without __gc: a finalizer would run policy code at times the
 * host does not control (and after the budgets are gone, at lua_close). */
static int sandbox_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "__gc metamethods are not allowed in policies");
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int readonly_newindex(lua_State *L)
{
    return luaL_error(L, "%s is read-only (tried to set '%s')", lua_tostring(L, lua_upvalueindex(1)),
                      luaL_tolstring(L, 2, NULL));
}

static int raw_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    if (lua_next(L, 1))
        return 2;
    lua_pushnil(L);
    return 1;
}

static int readonly_pairs(lua_State *L)
{
    lua_pushcfunction(L, raw_next);
    if (!lua_getmetatable(L, 1))
        return luaL_error(L, "not a read-only table");
    lua_getfield(L, -1, "__index");
    lua_remove(L, -2);
    lua_pushnil(L);
    return 3;
}

void gl_judge__push_readonly(lua_State *L, int idx, const char *what)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);                   /* the proxy: always empty */
    lua_createtable(L, 0, 4);          /* its metatable */
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, what);
    lua_pushcclosure(L, readonly_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, readonly_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

/* Copies the names from the table at src into the table at dst. */
static void copy_fields(lua_State *L, int dst, int src, const char *const *names)
{
    for (; *names != NULL; names++) {
        lua_getfield(L, src, *names);
        lua_setfield(L, dst, *names);
    }
}

/* Opens a standard library, drops the named functions, and stores a
 * read-only view of it in base[name]. Leaves the real table on the stack. */
static void open_lib(lua_State *L, int base, const char *name, lua_CFunction open,
                     const char *const *removed)
{
    luaL_requiref(L, name, open, 0);
    for (; removed != NULL && *removed != NULL; removed++) {
        lua_pushnil(L);
        lua_setfield(L, -2, *removed);
    }
    gl_judge__push_readonly(L, -1, name);
    lua_setfield(L, base, name);
}

void gl_judge__open_sandbox(lua_State *L)
{
    static const char *const base_names[] = {
        "assert", "error", "getmetatable", "ipairs", "pairs", "rawequal", "rawget", "rawlen",
        "select", "tonumber", "tostring", "type", "_VERSION", NULL};
    static const char *const string_removed[] = {"dump", NULL};
    static const char *const math_removed[] = {"random", "randomseed", NULL};
    int globals, base;

    /* luaopen_base fills the real globals table, which the policy never
     * sees: only the allow-listed names are copied into base. */
    luaL_requiref(L, "_G", luaopen_base, 0);
    globals = lua_gettop(L);
    lua_newtable(L);
    base = lua_gettop(L);
    copy_fields(L, base, globals, base_names);
    lua_pushcfunction(L, sandbox_pcall);
    lua_setfield(L, base, "pcall");
    lua_pushcfunction(L, sandbox_xpcall);
    lua_setfield(L, base, "xpcall");
    lua_getfield(L, globals, "setmetatable");
    lua_pushcclosure(L, sandbox_setmetatable, 1);
    lua_setfield(L, base, "setmetatable");
    lua_pushcfunction(L, gl_judge__next);
    lua_setfield(L, base, "next");

    open_lib(L, base, LUA_STRLIBNAME, luaopen_string, string_removed);
    lua_getfield(L, -1, "find");
    lua_setfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_STRING_FIND);
    lua_pop(L, 1);
    /* getmetatable("") now returns a string, so the string library behind
     * every string's methods cannot be reached and changed. */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushliteral(L, "protected");
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    open_lib(L, base, LUA_TABLIBNAME, luaopen_table, NULL);
    lua_pop(L, 1);
    open_lib(L, base, LUA_MATHLIBNAME, luaopen_math, math_removed);
    lua_pop(L, 1);
    open_lib(L, base, LUA_UTF8LIBNAME, luaopen_utf8, NULL);
    lua_pop(L, 1);

    gl_judge__open_values(L);
    gl_judge__open_library(L);
    gl_judge__push_readonly(L, -1, "gl");
    lua_setfield(L, base, "gl");
    lua_pop(L, 1);

    /* The environment: the policy's own globals over the base. */
    lua_newtable(L);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, base);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "sandbox environment");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_replace(L, globals);
    lua_settop(L, globals);
}
