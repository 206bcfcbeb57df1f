#include "act/fence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect/target.h"

/* Sleeps ms milliseconds (polling loops: a few ms, far below any timeout). */
static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static void first_line(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
    dst[strcspn(dst, "\n")] = '\0';
}

int gl_act_connect(PGconn **out, const char *conninfo, const char *label, gl_error *err)
{
    const char *keys[] = {"connect_timeout", "dbname", "application_name", NULL};
    const char *vals[] = {"10", conninfo, "greenlight", NULL};
    PGconn *conn = NULL;
    PGresult *res = NULL;
    char msg[512];
    int rc = -1;

    *out = NULL;
    conn = PQconnectdbParams(keys, vals, 1);
    if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
        char *shown = gl_conninfo_redact(conninfo);
        first_line(msg, sizeof(msg), conn ? PQerrorMessage(conn) : "out of memory");
        gl_error_set(err, GL_ERR_UNAVAILABLE, "cannot connect to %s (%s): %s", label,
                     shown ? shown : "?", msg);
        free(shown);
        goto out;
    }
    res = gl_act_query(conn, label, "session setup",
                       "SELECT pg_catalog.set_config('default_transaction_read_only', 'off', false),"
                       " pg_catalog.set_config('synchronous_commit', 'on', false),"
                       " pg_catalog.set_config('lock_timeout', '2s', false),"
                       " pg_catalog.set_config('statement_timeout', '30s', false),"
                       " pg_catalog.set_config('idle_in_transaction_session_timeout', '60s', false)",
                       0, NULL, err);
    if (res == NULL)
        goto out;
    *out = conn;
    conn = NULL;
    rc = 0;
out:
    PQclear(res);
    PQfinish(conn);
    return rc;
}

PGresult *gl_act_query(PGconn *conn, const char *label, const char *what, const char *sql,
                       int n_params, const char *const *params, gl_error *err)
{
    PGresult *res = PQexecParams(conn, sql, n_params, NULL, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    char msg[512];

    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return res;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int gone;

    if (res != NULL && PQresultErrorMessage(res)[0] != '\0')
        first_line(msg, sizeof(msg), PQresultErrorMessage(res));
    else
        first_line(msg, sizeof(msg), PQerrorMessage(conn));
    /* Lost connections and shutdowns (class 08, 57P01-57P03) mean the
     * server is unavailable, not that greenlight failed. */
    gone = PQstatus(conn) != CONNECTION_OK || state == NULL ||
           strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0;
    gl_error_set(err, gone ? GL_ERR_UNAVAILABLE : GL_ERR_INTERNAL,
                 "%s: %s failed: %s", label, what, msg);
    PQclear(res);
    return NULL;
}

int gl_fence_get(PGconn *conn, const char *label, int *on_out, gl_error *err)
{
    PGresult *res = gl_act_query(conn, label, "reading the write fence",
                                 "SELECT reset_val FROM pg_catalog.pg_settings"
                                 " WHERE name = 'default_transaction_read_only'",
                                 0, NULL, err);

    if (res == NULL)
        return -1;
    *on_out = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "on") == 0;
    PQclear(res);
    return 0;
}

int gl_fence_set(PGconn *conn, const char *label, int on, double deadline_ms, gl_error *err)
{
    PGresult *res = NULL;
    char before[64];
    const char *params[1];
    int rc = -1;

    res = gl_act_query(conn, label, on ? "fencing writes (ALTER SYSTEM)" : "removing the write fence",
                       on ? "ALTER SYSTEM SET default_transaction_read_only = on"
                          : "ALTER SYSTEM RESET default_transaction_read_only",
                       0, NULL, err);
    if (res == NULL)
        goto out;
    PQclear(res);
    res = gl_act_query(conn, label, "reloading the configuration",
                       "SELECT pg_catalog.pg_conf_load_time()::text, pg_catalog.pg_reload_conf()",
                       0, NULL, err);
    if (res == NULL)
        goto out;
    snprintf(before, sizeof(before), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    res = NULL;
    /* This session re-reads the files after the postmaster did, so once its
     * load time moves every new backend starts with the new value. */
    params[0] = before;
    for (;;) {
        int moved;

        res = gl_act_query(conn, label, "waiting for the configuration reload",
                           "SELECT pg_catalog.pg_conf_load_time() > $1::timestamptz", 1, params,
                           err);
        if (res == NULL)
            goto out;
        moved = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        PQclear(res);
        res = NULL;
        if (moved)
            break;
        if (gl_time_ms() > deadline_ms) {
            gl_error_set(err, GL_ERR_INTERNAL, "%s: the server did not reload its configuration "
                         "before the deadline (pg_reload_conf)", label);
            goto out;
        }
        nap_ms(1);
    }
    rc = 0;
out:
    PQclear(res);
    return rc;
}

int gl_fence_drain(PGconn *conn, const char *label, double deadline_ms, int *n_terminated,
                   gl_error *err)
{
    PGresult *res = NULL;
    int rc = -1, total = 0;

    if (n_terminated != NULL)
        *n_terminated = 0;
    res = gl_act_query(conn, label, "looking for prepared transactions",
                       "SELECT count(*), coalesce(string_agg(gid, ', ' ORDER BY gid), '')"
                       " FROM pg_catalog.pg_prepared_xacts WHERE database = current_database()",
                       0, NULL, err);
    if (res == NULL)
        goto out;
    if (strcmp(PQgetvalue(res, 0, 0), "0") != 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "%s: %s prepared transaction(s) (%s) could still "
                     "commit: COMMIT PREPARED or ROLLBACK PREPARED them, then retry", label,
                     PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
        goto out;
    }
    PQclear(res);
    res = NULL;
    for (;;) {
        int holders;

        /* Terminate whoever is (still or newly) connected, and count who
         * still holds a transaction id (a terminated backend holds it until
         * its rollback is done). Autovacuum writes no user data. */
        res = gl_act_query(conn, label, "terminating client sessions",
                           "SELECT count(pg_catalog.pg_terminate_backend(pid))"
                           "         FILTER (WHERE backend_type = 'client backend'),"
                           "       count(*) FILTER (WHERE backend_xid IS NOT NULL"
                           "                          AND backend_type <> 'autovacuum worker')"
                           "  FROM pg_catalog.pg_stat_activity"
                           " WHERE pid <> pg_catalog.pg_backend_pid()"
                           "   AND datname = current_database()"
                           "   AND (backend_type = 'client backend' OR backend_xid IS NOT NULL)",
                           0, NULL, err);
        if (res == NULL)
            goto out;
        total += atoi(PQgetvalue(res, 0, 0));
        holders = atoi(PQgetvalue(res, 0, 1));
        PQclear(res);
        res = NULL;
        if (holders == 0)
            break;
        if (gl_time_ms() > deadline_ms) {
            gl_error_set(err, GL_ERR_INTERNAL, "%s: %d backend(s) still hold a transaction id "
                         "after being terminated, at the deadline", label, holders);
            goto out;
        }
        nap_ms(1);
    }
    if (n_terminated != NULL)
        *n_terminated = total;
    rc = 0;
out:
    PQclear(res);
    return rc;
}
