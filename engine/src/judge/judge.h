/*
 * judge internals, shared by the files of engine/src/judge only:
 *   sandbox.c  the lua_State: allocator cap, budget hook, allow-listed base
 *   convert.c  input values as read-only Lua tables, the null sentinel
 *   library.c  the `gl` table policies call (verdicts and helpers)
 *   findings.c gl.findings: filters over an index of the input's findings
 *   findings_index.c  that index, built in the input budget walk (findings_index.h)
 *   units.c    PostgreSQL size / duration / version parsing (plain C)
 *   changes.c  gl.undeclared / gl.unrealised: declared vs observed change
 *   policy.c   gl_policy_evaluate: load, run the rules (the protected phase)
 *   policy_decision.c  then the decision and trace built outside Lua (policy_decision.h)
 *   data.c     gl_policy_load_data: a Lua data file (policy tests) as a value
 *   waiver.c   waiver files: load, match findings, status (public: waiver.h)
 *   suite.c    `policy test`: test files, cases, coverage, JUnit
 *   suite_case.c  a case's input filled in, its expectations checked (suite_case.h)
 *
 * Every judge function that touches Lua may raise a Lua error; they all run
 * under the one lua_pcall made by policy.c, so a raise never reaches C code
 * that holds malloc'd memory.
 */
#ifndef GL_JUDGE_H
#define GL_JUDGE_H

#include <lua.h>
#include <stdint.h>

#include "judge/policy.h"

typedef enum gl_judge_trip {
    GL_JUDGE_TRIP_NONE = 0,
    GL_JUDGE_TRIP_INSTRUCTIONS,
    GL_JUDGE_TRIP_MEMORY,
    GL_JUDGE_TRIP_WALL,
    GL_JUDGE_TRIP_OUTPUT,      /* the rules returned more than limits.output_bytes */
    GL_JUDGE_TRIP_CLOSING      /* lua_close runs: no more policy code */
} gl_judge_trip;

/* One evaluation. Reached from any lua_State callback via lua_getallocf. */
typedef struct gl_judge_index gl_judge_index;   /* findings.c */

typedef struct gl_judge {
    gl_policy_limits limits;
    const gl_value *input;
    lua_State *L;
    gl_judge_index *index;     /* of input.findings (index_array), or NULL */
    const gl_value *index_array;

    size_t memory_used;
    size_t memory_peak;
    size_t output_used;        /* bytes of reasons returned so far */
    int memory_refused;        /* the allocator said no at least once */
    uint64_t instructions;
    uint64_t deadline_ms;      /* monotonic clock */
    gl_judge_trip tripped;
    char trip_where[256];      /* "file:line" where a budget ran out */
    char rule[128];            /* rule running now ("" while loading) */
} gl_judge;

/* Registry keys (string keys under a "gl." prefix; the policy never sees the
 * registry). */
#define GL_JUDGE_REG_NULL "gl.null"
#define GL_JUDGE_REG_NODE_OF "gl.node_of"     /* proxy table -> light userdata node */
#define GL_JUDGE_REG_PROXY_OF "gl.proxy_of"   /* light userdata node -> proxy table */
#define GL_JUDGE_REG_ARRAY_MT "gl.array_mt"
#define GL_JUDGE_REG_OBJECT_MT "gl.object_mt"
#define GL_JUDGE_REG_VERDICT_MT "gl.verdict_mt"
#define GL_JUDGE_REG_VERDICTS "gl.verdicts"   /* verdict table -> its record */
#define GL_JUDGE_REG_STRING_FIND "gl.string_find"

/* sandbox.c */
lua_State *gl_judge__state_new(gl_judge *j);          /* NULL when out of memory */
void gl_judge__state_close(gl_judge *j);
gl_judge *gl_judge__of(lua_State *L);
/* Monotonic clock, milliseconds with a fraction (for stats). */
double gl_judge__now_ms(void);
/* Opens the allowed libraries and leaves the policy environment (_ENV) on
 * the stack. Raises on out of memory. */
void gl_judge__open_sandbox(lua_State *L);
/* Message handler for lua_pcall: message, then the traceback. */
int gl_judge__msghandler(lua_State *L);
/* Writes the budget message ("instruction budget of ... exceeded ...") when a
 * budget tripped; returns 1 if so, 0 otherwise. */
int gl_judge__budget_message(const gl_judge *j, gl_error *err);
/* Pushes a read-only proxy of the table at idx (library tables). */
void gl_judge__push_readonly(lua_State *L, int idx, const char *what);

/* convert.c */
void gl_judge__open_values(lua_State *L);
/* Pushes v: scalars as Lua values, null as the sentinel, containers as
 * read-only proxies (one proxy per node, so identity is stable). */
void gl_judge__push_value(lua_State *L, const gl_value *v);
/* The node behind a proxy, or NULL when idx is not an input proxy. */
const gl_value *gl_judge__node(lua_State *L, int idx);
int gl_judge__is_null(lua_State *L, int idx);
/* next() that understands proxies; falls back to the raw next. */
int gl_judge__next(lua_State *L);

/* Pops the value at the top and returns it as a gl_value (caller frees).
 * Raises on what JSON cannot hold; see gl_policy_load_data. The partial
 * tree is owned by a collectable box while converting, so a raise leaks
 * nothing. */
gl_value *gl_judge__to_value(lua_State *L);
/* Adds the size of v's JSON text (estimated) to *used; 1 once it exceeds
 * cap (it stops early then), else 0. */
int gl_judge__value_size(const gl_value *v, size_t cap, size_t *used);

/* changes.c: adds undeclared/unrealised (Lua, run in a private
 * environment) to the gl table at the top. Raises on out of memory. */
void gl_judge__open_changes(lua_State *L);
/* changes.c: runs a host Lua chunk against the gl table at the top (see
 * changes.c); raises on out of memory. */
void gl_judge__load_host_chunk(lua_State *L, const char *text, size_t len, const char *name);
/* rules.c: adds gl.present and gl.rules (rules every policy shares) to the
 * gl table at the top. Raises on out of memory. */
void gl_judge__open_rules(lua_State *L);

/* library.c: pushes the (writable, private) gl table. */
void gl_judge__open_library(lua_State *L);
/* Is the value at idx a verdict made by gl.hold/rollback/switchover? If so
 * pushes its record {action, message, findings} and returns 1. */
int gl_judge__push_verdict_record(lua_State *L, int idx);

/* findings.c: gl.findings (a lua_CFunction). Severities rank by
 * util/names.h. */
int gl_judge__findings(lua_State *L);
/* One walk over j->input (j->L created, no Lua run yet): checks the input
 * budget and builds the index of input.findings gl.findings uses. 0 ok, 1
 * over limits.input_bytes, -1 out of memory (the allocator refused: the
 * memory budget). free_index releases it (after lua_close; safe if none). */
int gl_judge__prepare_input(gl_judge *j);
void gl_judge__free_index(gl_judge *j);

/* units.c: 0 on success, -1 when s is not a valid value. */
int gl_judge__parse_size(const char *s, double *out_bytes, int *out_has_unit);
int gl_judge__parse_duration(const char *s, double *out_ms, int *out_has_unit);
/* Major version of "17.10", "9.6.24", "PostgreSQL 17.2", 170010, 90624: 17,
 * 9.6. -1 when none. */
int gl_judge__version_major_string(const char *s, double *out);
int gl_judge__version_major_number(double n, double *out);
/* PostgreSQL boolean spellings; -1 when s is not one. */
int gl_judge__parse_bool(const char *s);

/* The limits in force: defaults, overridden by each non-zero field of
 * `given` (which may be NULL). */
void gl_judge__limits_resolve(gl_policy_limits *out, const gl_policy_limits *given);

#endif
