/*
 * policy_decision — the second phase of gl_policy_evaluate (policy.c): outside
 * Lua, the results table the protected phase left becomes the decision and
 * the trace. Shared by policy.c and policy_decision.c only.
 */
#ifndef GL_POLICY_DECISION_H
#define GL_POLICY_DECISION_H

#include <lua.h>

#include "judge/judge.h"

/* Reasons as the protected phase leaves them: arrays, read with rawgeti. */
enum { REASON_RULE = 1, REASON_ACTION, REASON_MESSAGE, REASON_FINDINGS };
enum { RESULT_REASONS = 1, RESULT_FIRED, RESULT_RULES, RESULT_NAME };

/* Outside Lua: the results table at the top becomes the decision. */
int gl_judge__build_decision(lua_State *L, const gl_judge *j, gl_value **out, gl_error *err);
/* Outside Lua: what each rule said, from the results table at the top. The
 * reasons list holds the rules' verdicts in the order the rules ran. */
int gl_judge__build_trace(lua_State *L, const gl_judge *j, gl_value **out);

#endif
