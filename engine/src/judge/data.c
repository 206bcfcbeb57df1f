/*
 * data — gl_policy_load_data: a Lua file that returns data (a policy test
 * file) run in the policy sandbox, with the same budgets, its result
 * converted to a gl_value. Test files are code too: they get no more power
 * than the policies they test.
 */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "judge/judge.h"

typedef struct data_load {
    const char *path;
    gl_value *result;
    char message[4096];
} data_load;

static int load_protected(lua_State *L)
{
    data_load *d = lua_touserdata(L, 1);
    int env, status;

    gl_judge__open_sandbox(L);
    env = lua_gettop(L);
    status = luaL_loadfilex(L, d->path, "t");
    if (status != LUA_OK) {
        snprintf(d->message, sizeof(d->message), "%s",
                 lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "cannot load the file");
        return 0;
    }
    lua_pushvalue(L, env);
    lua_setupvalue(L, -2, 1);
    lua_pushcfunction(L, gl_judge__msghandler);
    lua_insert(L, -2);
    status = lua_pcall(L, 0, 1, -2);
    if (status != LUA_OK) {
        snprintf(d->message, sizeof(d->message), "%s",
                 lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "the file failed");
        return 0;
    }
    d->result = gl_judge__to_value(L);
    return 0;
}

int gl_policy_load_data(const char *path, const gl_policy_limits *limits, gl_value **out,
                        gl_error *err)
{
    gl_judge judge;
    data_load d;
    lua_State *L;
    int status, rc = -1;

    *out = NULL;
    memset(&judge, 0, sizeof(judge));
    memset(&d, 0, sizeof(d));
    gl_judge__limits_resolve(&judge.limits, limits);
    d.path = path;
    L = gl_judge__state_new(&judge);
    if (L == NULL) {
        gl_error_set(err, GL_ERR_NOMEM, "cannot create a Lua state (out of memory)");
        return -1;
    }
    lua_pushcfunction(L, gl_judge__msghandler);
    lua_pushcfunction(L, load_protected);
    lua_pushlightuserdata(L, &d);
    status = lua_pcall(L, 1, 0, 1);
    if (gl_judge__budget_message(&judge, err))
        goto out;
    if (status != LUA_OK) {
        gl_error_set(err, GL_ERR_USAGE, "%s: %s", path,
                 lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "failed");
        goto out;
    }
    if (d.message[0] != '\0') {
        gl_error_set(err, GL_ERR_USAGE, "%s", d.message);
        goto out;
    }
    *out = d.result;
    d.result = NULL;
    rc = 0;
out:
    gl_value_free(d.result);
    gl_judge__state_close(&judge);
    return rc;
}
