/*
 * judge — runs a Lua 5.4 policy over the findings and facts of one run and
 * returns the decision. Owns: one sandboxed lua_State per evaluation (created
 * and closed inside each call; nothing survives between calls).
 *
 * The policy file format, the `gl` library and the default policy are
 * described in share/doc/policy.md.
 *
 * Failure: every function returns 0 or -1. On -1 no decision is returned and
 * err says what failed (a load error "file:line: message", a rule's error
 * with its traceback, or which budget was exceeded) with class config (the
 * policy is broken or over a budget), no memory, or internal (the
 * evaluation's process failed; a policy input that is not an object). The caller must treat -1
 * as `hold`: the judge never turns a failure into a decision of its own.
 */
#ifndef GL_POLICY_H
#define GL_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "value/value.h"

typedef struct gl_policy_limits {
    uint64_t instructions;   /* Lua VM instructions for the whole evaluation */
    size_t memory_bytes;     /* cap on the Lua heap, garbage included */
    unsigned wall_ms;        /* wall-clock time for the whole evaluation */
    size_t max_reasons;      /* reasons kept in the decision (the rest are counted) */
    size_t input_bytes;      /* cap on the input's size (JSON text, estimated) */
    size_t output_bytes;     /* cap on what the rules return: messages, ids, rules */
} gl_policy_limits;

/* What one evaluation cost (gl_policy_evaluate_ex). */
typedef struct gl_policy_stats {
    uint64_t instructions;   /* counted in steps of the hook interval */
    size_t memory_peak;      /* highest Lua heap size, bytes */
    double duration_ms;      /* wall clock, state creation to close */
} gl_policy_stats;

/* 50M instructions, 64 MiB, 5000 ms, 1000 reasons, 256 MiB of input, 8 MiB
 * of output. */
void gl_policy_limits_default(gl_policy_limits *limits);

/*
 * Evaluates the policy file at policy_path on input (an object: findings,
 * facts, change, waivers, errors; borrowed, never modified). limits may be
 * NULL for the defaults; a zero field means the default for that field.
 *
 * On success *out_decision (caller frees) is
 *   {"action": "switchover"|"hold"|"rollback",
 *    "reasons": [{"rule", "action", "message", "findings": [ids]}],
 *    "rules_fired": [rule names, sorted]}
 * plus "reasons_omitted": n when more than limits->max_reasons were given.
 */
int gl_policy_evaluate(const char *policy_path, const gl_value *input,
                       const gl_policy_limits *limits, gl_value **out_decision,
                       gl_error *err);

/*
 * As gl_policy_evaluate, and also, when the pointers are not NULL:
 * *out_trace (caller frees), what each rule said, for `policy eval --explain`
 * and rule coverage:
 *   {"policy": name, "rules": [{"rule": name, "verdicts": [{"action",
 *    "message", "findings": [ids]}], "verdicts_omitted"?: n}]}
 * every rule of the policy in the order they ran (sorted), verdicts in the
 * order the rule returned them (at most limits->max_reasons per rule);
 * *out_stats, the cost (filled on failure too).
 */
int gl_policy_evaluate_ex(const char *policy_path, const gl_value *input,
                          const gl_policy_limits *limits, gl_value **out_decision,
                          gl_value **out_trace, gl_policy_stats *out_stats,
                          gl_error *err);

/*
 * Runs a Lua data file (a policy test file) in the same sandbox, with the
 * same budgets, and returns the value it returns as a gl_value (*out, caller
 * frees): tables with keys 1..n become arrays, tables with string keys
 * objects (keys sorted, so the result is deterministic), the empty table an
 * empty array, gl.null null, input proxies their value. Functions, cycles,
 * mixed keys and other types are errors.
 */
int gl_policy_load_data(const char *path, const gl_policy_limits *limits, gl_value **out,
                        gl_error *err);

/* Same, with the policy given as Lua source text; chunkname names it in
 * messages (e.g. "inline.lua"). */
int gl_policy_evaluate_source(const char *source, size_t len, const char *chunkname,
                              const gl_value *input, const gl_policy_limits *limits,
                              gl_value **out_decision, gl_error *err);

/* Same, in a child process killed at the wall budget (plus a second's
 * grace): for the gate's own decision, where a long C call inside Lua that
 * the hooks cannot interrupt must end in `hold`, not in a late decision. */
int gl_policy_evaluate_killable(const char *source, size_t len, const char *chunkname,
                                const gl_value *input, const gl_policy_limits *limits,
                                gl_value **out_decision, gl_error *err);

/* gl_policy_evaluate_ex in a child process killed at the wall budget, for
 * `policy eval`: its decision is one CI can act on, so the same hard kill.
 * When killed, *out_stats has only the wall time. */
int gl_policy_evaluate_ex_killable(const char *policy_path, const gl_value *input,
                                   const gl_policy_limits *limits, gl_value **out_decision,
                                   gl_value **out_trace, gl_policy_stats *out_stats, gl_error *err);

#endif
