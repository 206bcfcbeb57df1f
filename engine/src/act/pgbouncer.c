#include "act/pgbouncer.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/pgbouncer_internal.h"
#include "collect/target.h"

struct gl_pgbouncer {
    PGconn *conn;
    char *conninfo;  /* kept to reconnect after a timed-out PAUSE; never printed */
};

/* Copies a libpq message without its trailing newline. */
static void conn_message(PGconn *conn, char *buf, size_t cap)
{
    size_t n;

    snprintf(buf, cap, "%s", conn ? PQerrorMessage(conn) : "out of memory");
    n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
}

/* Database aliases go into console commands unquoted: keep them plain. */
int gl_pgbouncer__alias_ok(const char *alias, gl_error *err)
{
    size_t n = alias ? strlen(alias) : 0;

    if (n == 0 || n > 63 || strspn(alias, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789_.-") != n)
        return gl_error_set(err, GL_ERR_USAGE,
                            "PgBouncer database alias \"%s\" is not a plain name (letters, digits, "
                            "`_.-`, at most 63): rename the [databases] entry",
                            alias ? alias : "");
    return 0;
}

static int open_console(PGconn **out, const char *conninfo, gl_error *err)
{
    const char *keys[] = {"dbname", "application_name", NULL};
    const char *vals[] = {conninfo, "greenlight", NULL};
    PGconn *conn;
    char msg[512];

    /* PgBouncer rejects unknown startup parameters: application_name is one
     * it accepts; nothing else is sent. */
    conn = PQconnectdbParams(keys, vals, 1);
    if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
        char *shown = gl_conninfo_redact(conninfo);
        conn_message(conn, msg, sizeof(msg));
        gl_error_set(err, GL_ERR_UNAVAILABLE,
                     "cannot connect to the PgBouncer admin console (%s): %s",
                     shown ? shown : "?", msg);
        free(shown);
        PQfinish(conn);
        return -1;
    }
    if (strcmp(PQdb(conn), "pgbouncer") != 0) {
        gl_error_set(err, GL_ERR_USAGE,
                     "the PgBouncer admin conninfo names database \"%s\": it must be "
                     "dbname=pgbouncer (the admin console)", PQdb(conn));
        PQfinish(conn);
        return -1;
    }
    *out = conn;
    return 0;
}

int gl_pgbouncer_connect(gl_pgbouncer **out, const char *admin_conninfo, gl_error *err)
{
    gl_pgbouncer *b = calloc(1, sizeof(*b));
    int rc = -1;

    *out = NULL;
    if (b == NULL) {
        gl_error_nomem(err);
        goto out;
    }
    b->conninfo = strdup(admin_conninfo ? admin_conninfo : "");
    if (b->conninfo == NULL) {
        gl_error_nomem(err);
        goto out;
    }
    if (open_console(&b->conn, b->conninfo, err) != 0)
        goto out;
    *out = b;
    b = NULL;
    rc = 0;
out:
    gl_pgbouncer_free(b);
    return rc;
}

void gl_pgbouncer_free(gl_pgbouncer *b)
{
    if (b == NULL)
        return;
    PQfinish(b->conn);
    if (b->conninfo != NULL) {
        explicit_bzero(b->conninfo, strlen(b->conninfo));
        free(b->conninfo);
    }
    free(b);
}

/* Runs one console command; returns the result (caller PQclear()s) or NULL. */
static PGresult *console(gl_pgbouncer *b, const char *cmd, gl_error *err)
{
    PGresult *res = PQexec(b->conn, cmd);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    char msg[512];

    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return res;
    conn_message(b->conn, msg, sizeof(msg));
    if (res != NULL && PQresultErrorMessage(res)[0] != '\0')
        snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(res));
    msg[strcspn(msg, "\n")] = '\0';
    gl_error_set(err, PQstatus(b->conn) == CONNECTION_OK ? GL_ERR_INTERNAL : GL_ERR_UNAVAILABLE,
                 "PgBouncer admin command \"%s\" failed: %s", cmd, msg);
    PQclear(res);
    return NULL;
}

static const char *field(PGresult *res, int row, const char *name)
{
    int col = PQfnumber(res, name);

    if (col < 0 || PQgetisnull(res, row, col))
        return "";
    return PQgetvalue(res, row, col);
}

int gl_pgbouncer_database(gl_pgbouncer *b, const char *alias, gl_pgbouncer_db *out,
                          gl_error *err)
{
    PGresult *res = NULL;
    int rc = -1, found = 0;

    memset(out, 0, sizeof(*out));
    if (gl_pgbouncer__alias_ok(alias, err) != 0)
        goto out;
    res = console(b, "SHOW DATABASES", err);
    if (res == NULL)
        goto out;
    for (int i = 0; i < PQntuples(res); i++) {
        if (strcmp(field(res, i, "name"), alias) != 0)
            continue;
        snprintf(out->host, sizeof(out->host), "%s", field(res, i, "host"));
        snprintf(out->port, sizeof(out->port), "%s", field(res, i, "port"));
        snprintf(out->database, sizeof(out->database), "%s", field(res, i, "database"));
        snprintf(out->pool_mode, sizeof(out->pool_mode), "%s", field(res, i, "pool_mode"));
        out->paused = strcmp(field(res, i, "paused"), "1") == 0;
        out->disabled = strcmp(field(res, i, "disabled"), "1") == 0;
        found = 1;
    }
    if (!found) {
        gl_error_set(err, GL_ERR_USAGE,
                     "PgBouncer has no database \"%s\" (SHOW DATABASES): add it to the "
                     "[databases] section of its ini, or pass the right --pgbouncer-db", alias);
        goto out;
    }
    rc = 0;
out:
    PQclear(res);
    return rc;
}

int gl_pgbouncer_check_pool_mode(gl_pgbouncer *b, const char *alias, gl_error *err)
{
    gl_pgbouncer_db db;
    PGresult *res = NULL;
    char mode[32] = "";
    int rc = -1;

    if (gl_pgbouncer_database(b, alias, &db, err) != 0)
        goto out;
    if (db.pool_mode[0] != '\0') {
        snprintf(mode, sizeof(mode), "%s", db.pool_mode);
    } else {
        res = console(b, "SHOW CONFIG", err);
        if (res == NULL)
            goto out;
        for (int i = 0; i < PQntuples(res); i++)
            if (strcmp(field(res, i, "key"), "pool_mode") == 0)
                snprintf(mode, sizeof(mode), "%s", field(res, i, "value"));
        PQclear(res);
        res = NULL;
    }
    if (strcmp(mode, "transaction") != 0 && strcmp(mode, "statement") != 0) {
        gl_error_set(err, GL_ERR_USAGE,
                     "PgBouncer pools database \"%s\" in %s mode: a switchover needs "
                     "pool_mode = transaction (in session mode PAUSE waits for every client to "
                     "disconnect); set it in the ini and RELOAD",
                     alias, mode[0] ? mode : "an unknown");
        goto out;
    }
    res = console(b, "SHOW USERS", err);
    if (res == NULL)
        goto out;
    for (int i = 0; i < PQntuples(res); i++) {
        if (strcmp(field(res, i, "pool_mode"), "session") == 0) {
            gl_error_set(err, GL_ERR_USAGE,
                         "PgBouncer pools user \"%s\" in session mode ([users] section): a "
                         "switchover needs transaction pooling for every client; remove the "
                         "override and RELOAD", field(res, i, "name"));
            goto out;
        }
    }
    rc = 0;
out:
    PQclear(res);
    return rc;
}

/* RESUME over a fresh console connection, which replaces b->conn: used when
 * the command connection is stuck in a PAUSE that must be abandoned. */
static void resume_fresh(gl_pgbouncer *b, const char *alias)
{
    PGconn *fresh = NULL;
    gl_error ignored;
    gl_pgbouncer_db db;

    if (open_console(&fresh, b->conninfo, &ignored) != 0)
        return;
    PQfinish(b->conn);
    b->conn = fresh;
    if (gl_pgbouncer_database(b, alias, &db, &ignored) == 0 && db.paused)
        (void)gl_pgbouncer_resume(b, alias, &ignored);
}

int gl_pgbouncer_pause(gl_pgbouncer *b, const char *alias, double timeout_ms, gl_error *err)
{
    gl_pgbouncer_db db;
    char cmd[96], msg[512];
    double deadline;
    PGresult *res;
    int rc = -1, ok = 1;

    if (gl_pgbouncer_database(b, alias, &db, err) != 0)
        return -1;
    if (db.paused)
        return 0; /* left paused by an interrupted run: that pause is ours to finish */
    snprintf(cmd, sizeof(cmd), "PAUSE %s", alias);
    deadline = gl_time_ms() + timeout_ms;
    if (!PQsendQuery(b->conn, cmd)) {
        conn_message(b->conn, msg, sizeof(msg));
        return gl_error_set(err, GL_ERR_UNAVAILABLE, "PgBouncer admin command \"%s\" failed: %s",
                            cmd, msg);
    }
    while (PQisBusy(b->conn)) {
        struct pollfd pfd = {.fd = PQsocket(b->conn), .events = POLLIN};
        double left = deadline - gl_time_ms();
        int n;

        if (left <= 0) {
            gl_error_set(err, GL_ERR_UNAVAILABLE,
                         "PgBouncer did not finish PAUSE %s within %.0f ms (a transaction stayed "
                         "open): resumed the pool; retry, or raise --timeout", alias, timeout_ms);
            resume_fresh(b, alias);
            return -1;
        }
        n = poll(&pfd, 1, (int)(left < 1 ? 1 : left));
        if (n < 0 && errno != EINTR)
            break;
        if (n > 0 && !PQconsumeInput(b->conn))
            break;
    }
    while ((res = PQgetResult(b->conn)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(res));
            ok = 0;
        }
        PQclear(res);
    }
    if (PQstatus(b->conn) != CONNECTION_OK) {
        conn_message(b->conn, msg, sizeof(msg));
        ok = 0;
    }
    if (!ok) {
        msg[strcspn(msg, "\n")] = '\0';
        gl_error_set(err, GL_ERR_UNAVAILABLE, "PgBouncer admin command \"%s\" failed: %s", cmd,
                     msg);
        resume_fresh(b, alias);
        goto out;
    }
    rc = 0;
out:
    return rc;
}

int gl_pgbouncer_resume(gl_pgbouncer *b, const char *alias, gl_error *err)
{
    gl_pgbouncer_db db;
    PGresult *res;
    char cmd[96];

    if (gl_pgbouncer_database(b, alias, &db, err) != 0)
        return -1;
    if (!db.paused)
        return 0;
    snprintf(cmd, sizeof(cmd), "RESUME %s", alias);
    res = console(b, cmd, err);
    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

int gl_pgbouncer_reload(gl_pgbouncer *b, gl_error *err)
{
    PGresult *res = console(b, "RELOAD", err);

    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

int gl_pgbouncer_server_pids(gl_pgbouncer *b, const char *alias, int **out, size_t *n_out,
                             gl_error *err)
{
    PGresult *res = NULL;
    int *pids = NULL;
    size_t n = 0;
    int rc = -1;

    *out = NULL;
    *n_out = 0;
    if (gl_pgbouncer__alias_ok(alias, err) != 0)
        goto out;
    res = console(b, "SHOW SERVERS", err);
    if (res == NULL)
        goto out;
    pids = calloc((size_t)PQntuples(res) + 1, sizeof(*pids));
    if (pids == NULL) {
        gl_error_nomem(err);
        goto out;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        const char *pid = field(res, i, "remote_pid");
        if (strcmp(field(res, i, "database"), alias) == 0 && pid[0] != '\0' && atoi(pid) > 0)
            pids[n++] = atoi(pid);
    }
    *out = pids;
    *n_out = n;
    pids = NULL;
    rc = 0;
out:
    free(pids);
    PQclear(res);
    return rc;
}
