/*
 * isolate — runs one plugin call in a child process, so that a plugin that
 * exits, crashes, hangs, scribbles memory or prints to stdout cannot decide
 * the run: the worst it can do is fail, and a failed plugin holds.
 *
 * The child (fork, no exec) keeps its copy of the plugin and of the run's
 * state, but not the servers: the parent keeps sole use of every connection
 * and runs the child's queries for it. Parent and child talk over one
 * socketpair per side (blue, green), so a plugin that queries both sides at
 * once from two threads still runs both queries at once. Each message is a
 * 4-byte big-endian length and a JSON document (yajl):
 *   child -> parent  {"query": {"sql": s, "simple": b, "params": [s|null...]}}
 *   child -> parent  {"query": {"sql": s, "simple": false, "params": [...],
 *                               "read_only": true, "timeout_ms": n}}
 *                                       (host->query_read_only: one pipeline, host_pipeline.h)
 *   parent -> child  {"columns": [s...], "rows": [[s|null...]...]} | {"error": s}
 *   child -> parent  {"reconnect": true}    (host->reconnect: the parent reopens the side)
 *   parent -> child  {"reconnected": true} | {"error": s}
 *   child -> parent  {"result": value} | {"error": s}      (last, on blue's channel)
 *   child -> parent  {"progress": {"done": n, "total": n, "label": s}}
 *                                       (on a third channel, shown by plugin/progress.c)
 * The parent bounds the call (a deadline, after which the child is killed)
 * and each query (a client-side deadline, after which the side is abandoned:
 * later queries on it fail at once). Result values are validated by the
 * caller (invoke.c): nothing the child sends is trusted.
 */
#ifndef GL_ISOLATE_H
#define GL_ISOLATE_H

#include <stddef.h>

#include "plugin/host.h"
#include "util/error.h"
#include "value/value.h"

/* Runs in the child with a ctx whose queries go to the parent. Returns 0
 * with *out set (the value sent back as "result"), or -1 with ctx->error set. */
typedef int (*gl_isolated_fn)(gl_ctx *ctx, void *arg, gl_value **out);

/*
 * Runs fn(ctx copy, arg) in a child until deadline_ms (gl_time_ms() clock).
 * Returns 0 with *out_result (the caller's), GL_ISOLATE_TIMED_OUT when the
 * deadline killed it, or -1; err (GL_ERR_INTERNAL) says what happened
 * ("crashed: killed by signal 11 (Segmentation fault)", "did not finish
 * within 2.0 s: killed", "exited with status 0 without returning a result", ...).
 */
#define GL_ISOLATE_TIMED_OUT (-2)
int gl_isolate_run(gl_ctx *ctx, double deadline_ms, gl_isolated_fn fn, void *arg,
                   gl_value **out_result, gl_error *err);

/*
 * Several calls at once, one per thread (run/collect.c). fork() copies only
 * the calling thread: a lock another thread held at that instant (malloc's,
 * stdio's, the sanitizers') stays held for ever in the child. So each thread
 * that runs calls beside others brackets its work with enter/leave: it holds
 * a share of one lock while it works and lets it go while it waits (poll,
 * sleep); gl_isolate_run forks holding the whole lock, when every other
 * thread is waiting. A thread that never entered (a lone run) forks as before.
 */
void gl_isolate_thread_enter(void);
void gl_isolate_thread_leave(void);

/* host->query_read_only's transaction around a query (plugin/host_pipeline.h). */
typedef struct gl_isolate_read_only {
    int timeout_ms;            /* SET LOCAL statement_timeout when > 0 */
} gl_isolate_read_only;

/* In the child: runs one query through the parent and replays its rows into
 * fn (same contract as gl_host.query); with ro (not simple), inside
 * host->query_read_only's one-round-trip transaction. */
int gl_isolate__query(gl_ctx *ctx, gl_side side, const char *sql, int simple, int nparams,
                      const char *const *params, const gl_isolate_read_only *ro, gl_row_fn fn,
                      void *userdata);

/* In the child: host->reconnect through the parent, which opens the fresh
 * connection (gl_target_reopen). 0, or -1 with ctx->error set. */
int gl_isolate__reconnect(gl_ctx *ctx, gl_side side);

/* In the child: sends host->progress to the parent (never blocks for long;
 * a progress the channel cannot take is dropped). */
void gl_isolate__progress(gl_ctx *ctx, size_t done, size_t total, const char *label);

/*
 * Server text as a value (NULL when out of memory). A SQL_ASCII database
 * hands out whatever bytes it holds; in a string that is not UTF-8 each
 * stray byte is written \xNN and a backslash \\, so the name stays readable,
 * distinct, and writable to every report format.
 */
gl_value *gl_isolate_text(const char *s);

#endif
