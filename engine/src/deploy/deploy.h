/*
 * deploy — the deployment lifecycle verbs: create, status, cleanup (and, from
 * the switchover module, switchover and rollback). Each verb takes the lock on
 * the state directory for its whole run, works from the record
 * (deploy/record.h) and the servers, and returns 0 when done, or -1 with a
 * classed err that it has printed: usage (refused: configuration, a
 * prerequisite with its fix), unavailable (a server, or --timeout ran out:
 * re-run to continue), no memory or internal. cli/ makes the class an exit
 * code (cli/exit.c). Messages never hold a password.
 *
 * Passwords: the record keeps conninfo without passwords. Every verb connects
 * with --blue/--green when given, else with the recorded conninfo; libpq then
 * takes the password from PGPASSWORD, ~/.pgpass or a service file.
 */
#ifndef GL_DEPLOY_H
#define GL_DEPLOY_H

#include <stdio.h>

#include <libpq-fe.h>

#include "util/error.h"
#include "value/value.h"

typedef struct gl_deploy_options {
    const char *state_dir;       /* resolved with gl_deploy_state_dir */
    const char *blue;            /* conninfo/URI; NULL: the recorded one */
    const char *green;
    const char *name;            /* create: deployment name; NULL: from the database */
    const char *pgbouncer_admin; /* create: PgBouncer admin console conninfo */
    const char *pgbouncer_ini;
    const char *pgbouncer_db;
    const char *pg_dump;         /* create: pg_dump binary; NULL: search */
    const char *plugin_dirs[32]; /* status: where to find the schema plugin */
    size_t n_plugin_dirs;
    unsigned timeout_s;          /* create: bound on the initial sync (default 3600) */
    int json;                    /* --format json */
    int force;                   /* cleanup: also when the record is missing */
    int progress;                /* show progress on stderr (a terminal) */
} gl_deploy_options;

void gl_deploy_options_default(gl_deploy_options *opts);

int gl_deploy_create(const gl_deploy_options *opts, gl_error *err);
int gl_deploy_status(const gl_deploy_options *opts, gl_error *err);
int gl_deploy_cleanup(const gl_deploy_options *opts, gl_error *err);

/* ---- shared by the verbs (engine/src/deploy/session.c) ---------------- */

/* One writable session on a side, for the lifecycle verbs only (the gate's
 * sessions stay read-only). application_name=greenlight-deploy, lock_timeout 5s. */
typedef struct gl_deploy_conn {
    const char *side;        /* "blue" or "green" */
    PGconn *conn;
    char *display;           /* conninfo without password, for messages */
    char *password;          /* the password libpq used, to scrub; never printed */
    int version_num;
    char version[32];
    char dbname[128];
} gl_deploy_conn;

/* Connects; GL_ERR_UNAVAILABLE when the server cannot be reached,
 * GL_ERR_USAGE for a malformed conninfo. */
int gl_deploy_connect(gl_deploy_conn *c, const char *side, const char *spec, gl_error *err);
void gl_deploy_disconnect(gl_deploy_conn *c);

/* Runs sql (with optional text parameters). *out receives the result (caller
 * PQclear()s) when out is non-NULL. Errors name the side and what was being
 * done (`doing`), scrubbed of the password; the class follows the SQLSTATE:
 * privileges auth, connection/timeouts unavailable, anything else internal. */
int gl_deploy_sql(gl_deploy_conn *c, const char *doing, const char *sql, int nparams,
                  const char *const *params, PGresult **out, gl_error *err);

/* gl_deploy_sql in two halves, to overlap a statement on one server with work
 * on another: send returns at once (-1: could not send, 69); finish waits
 * for the result and fails like gl_deploy_sql. Every send needs its finish
 * before the connection runs anything else. */
int gl_deploy_sql_send(gl_deploy_conn *c, const char *doing, const char *sql, int nparams,
                       const char *const *params, gl_error *err);
int gl_deploy_sql_finish(gl_deploy_conn *c, const char *doing, PGresult **out, gl_error *err);

/* First column of the first row as a malloc'd string ("" for NULL/no row). */
int gl_deploy_sql_value(gl_deploy_conn *c, const char *doing, const char *sql, int nparams,
                        const char *const *params, char **out, gl_error *err);

/* A test hook: when GREENLIGHT_DEPLOY_KILL_AT equals point, the process
 * SIGKILLs itself (to prove a killed verb re-runs to completion). */
void gl_deploy_kill_point(const char *point);

/* A test hook: when GREENLIGHT_DEPLOY_PAUSE_AT equals point and
 * GREENLIGHT_DEPLOY_PAUSE_FILE names a file, the process creates that file
 * and waits (at most 60 s) until the test removes it: a test can act at an
 * exact step of a verb (grow PgBouncer's pool while the gate runs). */
void gl_deploy_pause_point(const char *point);

/* Opens the record under the lock; 1 when there is none (message set). */
int gl_deploy_open(const gl_deploy_options *opts, int *lock_fd, gl_value **rec, gl_error *err);

/*
 * Writes DIR/gate-config.json (atomically): user_config (a --config file, or
 * NULL for none) with plugins.replication.endpoint set, when the deployment
 * has PgBouncer, to {"pgbouncer_db": ALIAS, "server_pids": [...]} read now
 * from the admin console (SHOW SERVERS), for the replication guardrail
 * `replication.endpoint.bypassed`. An endpoint already in user_config is
 * kept. *out_path (when non-NULL) receives the file's path (caller frees).
 * Errors: the config's (usage), PgBouncer unreachable (unavailable), writing
 * the file (its class).
 */
int gl_deploy_gate_config_write(const char *state_dir, const gl_value *rec, const char *user_config,
                                char **out_path, gl_error *err);

/*
 * gl_check_options.after_collect for the deploy verbs' gate (ud: the
 * deployment record): reads PgBouncer's server connections again, after the
 * gate read blue's sessions, and adds the pids not yet in the config's
 * endpoint. A pool that grew between gl_deploy_gate_config_write and that
 * read (clients arriving through PgBouncer under load) would otherwise show
 * its new server connections as sessions bypassing PgBouncer: a false hold.
 * A pid is PgBouncer's for its backend's whole life, so the union of the two
 * reads names no bypassing session as pooled. Only an endpoint this module
 * wrote (same alias) is touched; PgBouncer unreachable leaves it as it was.
 */
void gl_deploy_gate_endpoint_refresh(void *rec, gl_value *config);

#endif
