/*
 * record — the durable deployment record: DIR/deployment.json under the state
 * directory (--state DIR, else $GREENLIGHT_STATE, else ./greenlight-deploy).
 *
 * The record says which deployment exists and which step a verb was in, so a
 * verb killed at any point can be re-run. The servers stay the source of truth
 * (`deploy status` rebuilds the state from them); the record is what greenlight
 * intended. It never holds a password: conninfo is stored with `password`
 * removed (libpq then finds it in PGPASSWORD, ~/.pgpass or a service file).
 *
 * Format (version 1; every key below is known, any other key is an error):
 *   {"greenlight_deployment": 1, "name", "database", "created_at", "updated_at",
 *    "state", "step", "steps": {step: RFC 3339 time it completed},
 *    "blue": {"conninfo", "server_version"}, "green": {...},
 *    "pgbouncer": null | {"admin", "ini", "db"},
 *    "publication", "subscription", "slot",
 *    "schema_copy": null | {"pg_dump", "version", "file"},
 *    "large_objects": int (count on blue at create),
 *    "last_error": null | string,
 *    "switchover": null | object (owned by the switchover/rollback verbs)}
 *
 * Writes are atomic (temp file, fsync, rename, fsync the directory). A verb
 * holds an exclusive lock (flock on DIR/lock) for its whole run.
 */
#ifndef GL_DEPLOY_RECORD_H
#define GL_DEPLOY_RECORD_H

#include <stddef.h>

#include <libpq-fe.h>

#include "util/error.h"
#include "value/value.h"

#define GL_DEPLOY_RECORD_VERSION 1
#define GL_DEPLOY_RECORD_FILE "deployment.json"
#define GL_DEPLOY_LOCK_FILE "lock"
#define GL_DEPLOY_DEFAULT_STATE "./greenlight-deploy"
#define GL_DEPLOY_NAME_MAX 40

/* The state directory: flag if given, else $GREENLIGHT_STATE, else the default. */
const char *gl_deploy_state_dir(const char *flag);

/*
 * Takes the deployment lock: creates DIR (0700) when missing, opens DIR/lock
 * and flock()s it exclusively without waiting. Returns 0 with *out_fd (keep it
 * open for the whole verb; gl_deploy_unlock releases), or -1: another process
 * holds it (GL_ERR_CONFLICT, naming its pid) or DIR is unusable (GL_ERR_USAGE).
 */
int gl_deploy_lock(const char *dir, int *out_fd, gl_error *err);
void gl_deploy_unlock(int fd);

/*
 * Loads DIR/deployment.json. Returns 1 with *out NULL when there is no record,
 * 0 with *out (caller frees) when it is valid, -1 when it is unreadable or
 * invalid (GL_ERR_USAGE; the message names the file, the key and the fix).
 */
int gl_deploy_record_load(const char *dir, gl_value **out, gl_error *err);

/* Strict check of a parsed record: 0, or -1 with a usage error in err naming
 * the key. */
int gl_deploy_record_validate(const gl_value *rec, gl_error *err);

/* Writes rec to DIR/deployment.json atomically (updates "updated_at" first). */
int gl_deploy_record_save(const char *dir, gl_value *rec, gl_error *err);

/* Removes DIR/deployment.json (and fsyncs DIR); absent is fine. */
int gl_deploy_record_remove(const char *dir, gl_error *err);

/* A new record in state "provisioning", step "prerequisites". Strings are
 * copied; conninfo must already be stripped of passwords. NULL when out of memory. */
gl_value *gl_deploy_record_new(const char *name, const char *database, const char *blue_conninfo,
                               const char *green_conninfo);

/* Sets "step" and stamps steps[done_step] with the current time (done_step may be NULL). */
int gl_deploy_record_step(gl_value *rec, const char *done_step, const char *next_step);
int gl_deploy_record_set_string(gl_value *rec, const char *key, const char *val);
const char *gl_deploy_record_string(const gl_value *rec, const char *key);
/* 1 when steps[step] is set (the step completed). */
int gl_deploy_record_done(const gl_value *rec, const char *step);

/* Is s one of the AWS-like states (provisioning, available, ...)? */
int gl_deploy_state_valid(const char *s);

/* Conninfo/URI with password and sslpassword removed (malloc'd), for the record.
 * NULL with a usage error when the conninfo does not parse ("invalid
 * connection string: <libpq's reason>"), or no memory. */
char *gl_deploy_conninfo_strip(const char *spec, gl_error *err);

/* The connection blue's subscription on green uses: where and how conn
 * connected (host, port, dbname, user, TLS...), password included — it lives
 * only in green's pg_subscription (superuser-readable), never in the record. */
char *gl_deploy_conninfo_for_subscription(PGconn *conn, gl_error *err);

#endif
