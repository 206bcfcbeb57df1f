/*
 * pgbouncer — the PgBouncer actuator: its admin console over libpq (simple
 * query protocol, which is all the console speaks) and the atomic rewrite of
 * one [databases] entry of its ini file.
 *
 * A switchover PAUSEs one database (clients wait, none fails), repoints the
 * entry, RELOADs and RESUMEs. A pooler left paused is visible in SHOW
 * DATABASES (`paused` = 1), so any later run can resume it.
 *
 * Errors: -1 after gl_error_set(); GL_ERR_UNAVAILABLE when the console
 * cannot be reached, GL_ERR_USAGE for a configuration greenlight refuses
 * (session pool mode, unknown database alias, an ini it cannot rewrite),
 * GL_ERR_INTERNAL otherwise. Messages never carry the conninfo's password.
 */
#ifndef GL_ACT_PGBOUNCER_H
#define GL_ACT_PGBOUNCER_H

#include <stddef.h>

#include "util/error.h"

typedef struct gl_pgbouncer gl_pgbouncer;

/* One row of SHOW DATABASES that matters to a switchover. */
typedef struct gl_pgbouncer_db {
    char host[256];      /* empty: the default (Unix socket) */
    char port[16];
    char database[128];  /* the server-side database name */
    char pool_mode[16];  /* empty: the global pool_mode */
    int paused;
    int disabled;
} gl_pgbouncer_db;

/* Connects to the admin console (dbname must be "pgbouncer"). */
int gl_pgbouncer_connect(gl_pgbouncer **out, const char *admin_conninfo, gl_error *err);
void gl_pgbouncer_free(gl_pgbouncer *b);

/* SHOW DATABASES row of alias; error (GL_ERR_USAGE) when there is none. */
int gl_pgbouncer_database(gl_pgbouncer *b, const char *alias, gl_pgbouncer_db *out,
                          gl_error *err);

/*
 * Refuses (GL_ERR_USAGE) unless clients of alias are pooled per transaction
 * (or statement): the database's pool_mode, else the global one, and no
 * [users] entry in session mode. In session mode PAUSE waits for every client
 * to disconnect, so a switchover would hang.
 */
int gl_pgbouncer_check_pool_mode(gl_pgbouncer *b, const char *alias, gl_error *err);

/*
 * PAUSE alias: waits until every server connection of the pool is released
 * (open transactions finish), at most timeout_ms. On timeout or error the
 * pause is undone (RESUME over a fresh console connection) and -1 returned.
 */
int gl_pgbouncer_pause(gl_pgbouncer *b, const char *alias, double timeout_ms, gl_error *err);

/* RESUME alias; a pool that is not paused is left as it is (returns 0). */
int gl_pgbouncer_resume(gl_pgbouncer *b, const char *alias, gl_error *err);

/* RELOAD: PgBouncer re-reads its ini; changed entries reconnect. */
int gl_pgbouncer_reload(gl_pgbouncer *b, gl_error *err);

/*
 * Server-side pids (SHOW SERVERS remote_pid) of the pool's server
 * connections to database alias. *out is malloc'd (caller frees), *n_out may
 * be 0.
 */
int gl_pgbouncer_server_pids(gl_pgbouncer *b, const char *alias, int **out, size_t *n_out,
                             gl_error *err);

/* The target of one [databases] entry as written in the ini. */
typedef struct gl_pgbouncer_target {
    char host[256];
    char port[16];
    char dbname[128];
} gl_pgbouncer_target;

/*
 * In-memory ini work (the parser the fuzz target drives). `text` need not be
 * NUL-terminated. get: the host/port/dbname keys of alias's entry (missing
 * keys come back empty). rewrite: a copy of text with only alias's entry
 * changed to target's host/port/dbname, every other key of the entry and
 * every other line kept byte for byte; *out is malloc'd.
 * Values must be plain (letters, digits, `_./:-`); an entry or value greenlight
 * cannot rewrite safely is refused.
 */
int gl_pgbouncer_ini_get(const char *text, size_t len, const char *alias,
                         gl_pgbouncer_target *out, gl_error *err);
int gl_pgbouncer_ini_rewrite(const char *text, size_t len, const char *alias,
                             const gl_pgbouncer_target *target, char **out, size_t *out_len,
                             gl_error *err);

/* The same on a file; the rewrite is atomic and durable (temp file in the
 * same directory, same mode, fsync, rename, fsync of the directory). */
int gl_pgbouncer_ini_read_target(const char *path, const char *alias,
                                 gl_pgbouncer_target *out, gl_error *err);
int gl_pgbouncer_ini_write_target(const char *path, const char *alias,
                                  const gl_pgbouncer_target *target, gl_error *err);

#endif
