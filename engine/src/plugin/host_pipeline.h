/*
 * host_pipeline — host->query_read_only's transaction as one libpq pipeline,
 * one round trip to the server instead of four:
 *
 *     BEGIN READ ONLY; [SET LOCAL statement_timeout = N;] <statement>; Sync;
 *     ROLLBACK; Sync
 *
 * every message through the extended protocol (the simple one is not allowed
 * in a pipeline, and it would let the server split the text into several
 * statements). ROLLBACK comes after the first Sync: a statement that fails
 * makes the server skip what follows it up to that Sync only, so ROLLBACK
 * still runs and the session ends idle, in no transaction.
 *
 * Used by the in-process host (host.c: gl_pipeline__exec, blocking under the
 * query's client-side bound) and by an isolated plugin's parent
 * (isolate_serve.c: gl_pipeline__send, then gl_pipeline__read from its poll
 * loop). Internal to plugin/.
 */
#ifndef GL_HOST_PIPELINE_H
#define GL_HOST_PIPELINE_H

#include <libpq-fe.h>

#include "collect/target.h"

typedef struct gl_pipeline {
    int syncs;          /* PGRES_PIPELINE_SYNC results read: the pipeline is done at 2 */
    int nulls;          /* NULL results in a row: two mean nothing more will come */
    int done;           /* pipeline mode left (or given up): kept is the answer */
    PGresult *kept;     /* the statement's result, or the first error; NULL with done:
                         * the connection's error (PQerrorMessage) */
} gl_pipeline;

/* The most parameters one statement may carry (the protocol's limit). */
#define GL_PIPELINE_MAX_PARAMS 65535

/*
 * Enters pipeline mode on conn (idle, not in a pipeline), queues the whole
 * transaction above and flushes it. 0, or -1 when libpq refused (the
 * connection's error message says why; the connection may be left unusable:
 * fail the side's work). timeout_ms <= 0: no SET LOCAL, the session's
 * statement_timeout applies. *p is initialised either way.
 */
int gl_pipeline__send(PGconn *conn, gl_pipeline *p, const char *sql, int nparams,
                      const char *const *params, int timeout_ms);

/*
 * Takes every result libpq holds without waiting (call after
 * PQconsumeInput). 1 once the pipeline is done: pipeline mode is left and
 * p->kept holds the result to report; 0 while more is to come.
 */
int gl_pipeline__read(gl_pipeline *p, PGconn *conn);

/* Frees what p holds (kept). */
void gl_pipeline__clear(gl_pipeline *p);

/* The client-side bound of a pipelined statement on t, in ms: the query's
 * (gl_target_query_bound_ms), longer when timeout_ms is over the session's
 * statement_timeout (the server enforces timeout_ms then). */
double gl_pipeline__bound_ms(const gl_target *t, int timeout_ms);

/*
 * Sends and reads the whole pipeline on a live side, waiting at most its
 * bound. Returns the statement's result or its error (the caller PQclears
 * it), or NULL: the connection failed (PQerrorMessage says how) or the
 * bound passed (the side is abandoned, t->abandoned says so).
 */
PGresult *gl_pipeline__exec(gl_target *t, const char *sql, int nparams, const char *const *params,
                            int timeout_ms);

#endif
