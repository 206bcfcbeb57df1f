/*
 * rules — what every shipped policy wrote for itself, once:
 *   gl.present(v)       true unless v is nil or gl.null
 *   gl.rules.errors     a rule: each run error (input.errors) holds, as
 *                       "run error: <plugin, else stage, else run>: <message>"
 *   gl.rules.unrealised a rule: each item of gl.unrealised(input) (what the
 *                       change declares that did not happen on green) holds
 * A policy takes the rule by name (`rules.errors = gl.rules.errors`), so a
 * run error reads the same under every policy (share/doc/policy.md).
 *
 * A host chunk like changes.c: loaded into a private environment, run under
 * the policy's budgets.
 */
#include "judge/judge.h"

static const char rules_lua[] =
"local gl, loaded = ...\n"
"local G, S = loaded._G, loaded.string\n"
"local ipairs, tostring = G.ipairs, G.tostring\n"
"local format = S.format\n"
"local null, hold, kind, unrealised = gl.null, gl.hold, gl.kind, gl.unrealised\n"
"\n"
"local function present(v) return v ~= nil and v ~= null end\n"
"gl.present = present\n"
"\n"
"local rules = {}\n"
"\n"
"-- Something failed during the run (a plugin, a side): we do not know enough.\n"
"function rules.errors(input)\n"
"  if not present(input.errors) then\n"
"    return nil\n"
"  end\n"
"  local verdicts = {}\n"
"  for _, e in ipairs(input.errors) do\n"
"    local text = e\n"
"    if kind(e) == 'object' then\n"
"      local where = present(e.plugin) and e.plugin or (present(e.stage) and e.stage or 'run')\n"
"      text = format('%s: %s', where, tostring(e.message))\n"
"    end\n"
"    verdicts[#verdicts + 1] = hold(format('run error: %s', tostring(text)))\n"
"  end\n"
"  return verdicts\n"
"end\n"
"\n"
"-- What the change declares must have happened on green.\n"
"function rules.unrealised(input)\n"
"  local verdicts = {}\n"
"  for _, item in ipairs(unrealised(input)) do\n"
"    verdicts[#verdicts + 1] = hold(item.message)\n"
"  end\n"
"  return verdicts\n"
"end\n"
"\n"
"gl.rules = rules\n";

void gl_judge__open_rules(lua_State *L)
{
    gl_judge__load_host_chunk(L, rules_lua, sizeof(rules_lua) - 1, "=gl.rules");
    lua_getfield(L, -1, "rules"); /* gl.rules is read-only, as gl is */
    gl_judge__push_readonly(L, -1, "gl.rules");
    lua_setfield(L, -3, "rules");
    lua_pop(L, 1);
}
