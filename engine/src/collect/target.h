/*
 * target — one side of a run: a live PostgreSQL connection (libpq conninfo
 * string or URI; PG* environment, .pgpass and service files honoured) or a
 * snapshot file written by `greenlight snapshot`.
 *
 * Live connections are read-only (default_transaction_read_only=on), guarded
 * by statement_timeout and lock_timeout, and named application_name=greenlight.
 * The spec as given may hold a password: it is kept only to connect and is
 * never printed; `display` is the redacted form used in output and reports.
 */
#ifndef GL_TARGET_H
#define GL_TARGET_H

#include <libpq-fe.h>

#include "greenlight/plugin.h"
#include "util/error.h"

typedef struct gl_target_options {
    unsigned statement_timeout_ms;   /* default 30000 */
    unsigned lock_timeout_ms;        /* default 2000 */
    unsigned connect_timeout_s;      /* default 10, when the spec sets none */
} gl_target_options;

typedef struct gl_target {
    gl_side side;
    char *display;               /* redacted conninfo, or the snapshot path */
    PGconn *conn;                /* live connection, or NULL for a snapshot */
    gl_value *snapshot;          /* parsed snapshot file, or NULL */
    int server_version_num;
    char *server_version;        /* e.g. "15.18" */
    char *password;              /* to scrub from messages; never printed */
    /* What the side really is (share/schema/snapshot.schema.json "identity"):
     * system_identifier, database_oid, database, postmaster_start_time,
     * data_directory, host, port, user, server_address; NULL when unknown
     * (a snapshot written before identities were recorded). */
    gl_value *identity;
    char *snapshot_file_id;      /* "dev:inode" of a snapshot file, or NULL */
    unsigned statement_timeout_ms; /* the session's, for the client-side bound */
    /* Why the connection was given up (a query outlived its client-side
     * bound: the server or the network stopped answering), or "" while it is
     * usable. Later queries on the side fail at once with this message. */
    char abandoned[512];
    /* To open a fresh connection to the same side (gl_target_reopen): the
     * spec as given (it may hold the password: never printed, wiped when the
     * target is freed) and the session options. */
    char *spec;
    gl_target_options opts;
} gl_target;

void gl_target_options_default(gl_target_options *opts);

/* The network's share of a query's client-side bound, on top of
 * statement_timeout (which a stopped server cannot enforce). */
#define GL_QUERY_GRACE_MS 5000.0
/* The client-side bound of one query on t, in ms. */
double gl_target_query_bound_ms(const gl_target *t);
/* Gives the side up for the run: t->abandoned says the server or the
 * network stopped answering within the bound. */
void gl_target_abandon(gl_target *t);
/* PQexec under the client-side bound: a server that stops answering (a
 * stopped process, a cut network with the session up) makes it return NULL
 * with the side abandoned instead of waiting for ever. NULL too on out of
 * memory or a side already abandoned (t->abandoned is set then). */
PGresult *gl_target_exec(gl_target *t, const char *sql);

/*
 * Opens a side. A spec naming an existing regular file is a snapshot;
 * anything else is a conninfo. Errors: GL_ERR_UNAVAILABLE when the server
 * cannot be reached, GL_ERR_USAGE for a malformed conninfo or snapshot.
 */
int gl_target_open(gl_target **out, gl_side side, const char *spec,
                   const gl_target_options *opts, gl_error *err);
void gl_target_free(gl_target *t);

/*
 * Replaces a live side's connection with a fresh one (a new backend) opened
 * from the same spec, under the same session guard; the new session must
 * reach the same server and database (identity: system identifier, database
 * oid, postmaster start time, data directory, host, port, user, address) or
 * it is refused: a multi-host spec may land on another server. On failure
 * the old connection stays as it was and err says why (GL_ERR_UNAVAILABLE;
 * the password never appears). A snapshot or an abandoned side is refused.
 */
int gl_target_reopen(gl_target *t, gl_error *err);

/* 1 when gl_target_open would open spec as a live connection (not a
 * snapshot file). */
int gl_target_spec_is_live(const char *spec);

/*
 * For a second live connection to a side, opened from the same spec (a
 * plugin that runs beside others, run/collect.c): 0 when `other` reached the
 * server and database `first` did (identity as gl_target_reopen), or
 * GL_TARGET_OTHER_SERVER with err saying so (nothing may be measured on it).
 */
#define GL_TARGET_OTHER_SERVER (-2)
int gl_target_same_server(const gl_target *first, const gl_target *other, gl_error *err);

/* The age in seconds of a snapshot side (now minus its taken_at, never
 * negative): 0, or -1 for a live side or a taken_at that is not RFC 3339 UTC
 * ("2026-12-03T06:11:21.123Z", as `greenlight snapshot` writes it). */
int gl_target_snapshot_age(const gl_target *t, double *out_age_s);

/* Snapshot facts of a plugin, or NULL when the snapshot lacks them. */
const gl_value *gl_target_snapshot_facts(const gl_target *t, const char *plugin);

/* A conninfo/URI with password (and other secrets) removed, malloc'd. */
char *gl_conninfo_redact(const char *spec);

/* Replace every occurrence of secret in text (in place) with "********". */
void gl_scrub_secret(char *text, size_t cap, const char *secret);

const char *gl_side_name(gl_side side);

#endif
