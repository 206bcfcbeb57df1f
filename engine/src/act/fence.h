/*
 * fence — one side of a switchover as the actuator sees it: a session that
 * may write (the gate's sessions are read-only), the write fence, and the
 * drain that proves nobody else can still commit.
 *
 * The fence is `default_transaction_read_only = on` at system level (ALTER
 * SYSTEM + pg_reload_conf()). ALTER SYSTEM lets transactions already open
 * commit and a session can SET it off again, so fencing also terminates every
 * client backend of the database that is not this session and then checks
 * that no other backend holds a transaction id and no transaction is
 * prepared. Replication workers and walsenders are not client backends and
 * keep running (the apply worker writes through the fence).
 *
 * Errors: -1 after gl_error_set(); GL_ERR_UNAVAILABLE when the server is
 * unreachable or the connection drops, GL_ERR_INTERNAL for a failed
 * statement or a deadline passed. `label` ("blue", "green") names the side
 * in every message; passwords never appear.
 */
#ifndef GL_ACT_FENCE_H
#define GL_ACT_FENCE_H

#include <libpq-fe.h>
#include <stddef.h>

#include "util/error.h"

/*
 * Opens an actuator session: application_name=greenlight,
 * default_transaction_read_only=off and synchronous_commit=on for this session
 * only, lock_timeout 2 s, statement_timeout 30 s. *out is the caller's
 * (PQfinish).
 */
int gl_act_connect(PGconn **out, const char *conninfo, const char *label, gl_error *err);

/*
 * Runs one statement with text parameters; returns the result (caller
 * PQclear()s) or NULL after setting err ("LABEL: WHAT failed: server message").
 */
PGresult *gl_act_query(PGconn *conn, const char *label, const char *what, const char *sql,
                       int n_params, const char *const *params, gl_error *err);

/* Sets (on=1) or removes (on=0) the fence and waits, until deadline_ms
 * (gl_time_ms() clock), for the server to have reloaded it. Idempotent. */
int gl_fence_set(PGconn *conn, const char *label, int on, double deadline_ms, gl_error *err);

/* *on_out = 1 when the server's configured default (not this session's) is
 * read-only. */
int gl_fence_get(PGconn *conn, const char *label, int *on_out, gl_error *err);

/*
 * Terminates every other client backend of this database and waits, until
 * deadline_ms, until no other backend of it holds a transaction id. Refuses
 * prepared transactions (they could still commit). *n_terminated may be NULL.
 */
int gl_fence_drain(PGconn *conn, const char *label, double deadline_ms, int *n_terminated,
                   gl_error *err);

#endif
