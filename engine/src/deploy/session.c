/* session — writable libpq sessions for the lifecycle verbs, with messages
 * that name the side and never carry a password. */
#include "deploy/deploy.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/target.h"
#include "deploy/record.h"
#include "deploy/switch.h"

void gl_deploy_options_default(gl_deploy_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->timeout_s = 3600;
}

void gl_deploy_kill_point(const char *point)
{
    const char *at = getenv("GREENLIGHT_DEPLOY_KILL_AT");

    if (at != NULL && strcmp(at, point) == 0) {
        fprintf(stderr, "greenlight: GREENLIGHT_DEPLOY_KILL_AT=%s: killing myself (test hook)\n", point);
        fflush(stderr);
        kill(getpid(), SIGKILL);
    }
}

void gl_deploy_pause_point(const char *point)
{
    const char *at = getenv("GREENLIGHT_DEPLOY_PAUSE_AT");
    const char *file = getenv("GREENLIGHT_DEPLOY_PAUSE_FILE");
    FILE *f;

    if (at == NULL || file == NULL || strcmp(at, point) != 0)
        return;
    f = fopen(file, "w");
    if (f != NULL)
        fclose(f);
    for (int i = 0; i < 1200 && access(file, F_OK) == 0; i++)
        usleep(50 * 1000);
}

static void trim(char *s)
{
    size_t n = strlen(s);

    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
}

int gl_deploy_connect(gl_deploy_conn *c, const char *side, const char *spec, gl_error *err)
{
    const char *keys[] = {"dbname", "application_name", "connect_timeout", NULL};
    const char *vals[] = {spec, "greenlight-deploy", "10", NULL};
    static const char *const setup[] = {
        "SET default_transaction_read_only = off", "SET lock_timeout = '5s'",
        "SET statement_timeout = '300s'", "SET idle_in_transaction_session_timeout = '60s'",
        "SET client_min_messages = warning",
    };
    const char *p, *sv;

    memset(c, 0, sizeof(*c));
    c->side = side;
    if (spec == NULL || spec[0] == '\0')
        return gl_error_set(err, GL_ERR_USAGE, "--%s is empty: give a libpq conninfo or URI", side);
    c->display = gl_deploy_conninfo_strip(spec, err);
    if (c->display == NULL)
        return gl_error_prefix(err, "--%s", side);
    c->conn = PQconnectdbParams(keys, vals, 1);
    p = c->conn ? PQpass(c->conn) : NULL;
    if (p != NULL && p[0] != '\0') {
        c->password = strdup(p);
        if (c->password == NULL)
            return gl_error_nomem(err);
    }
    if (c->conn == NULL || PQstatus(c->conn) != CONNECTION_OK) {
        gl_error_set(err, GL_ERR_UNAVAILABLE, "%s (%s) is unavailable: %s", side, c->display,
                     c->conn ? PQerrorMessage(c->conn) : "out of memory");
        gl_scrub_secret(err->message, sizeof(err->message), c->password);
        trim(err->message);
        return -1;
    }
    for (size_t i = 0; i < sizeof(setup) / sizeof(setup[0]); i++)
        if (gl_deploy_sql(c, "setting up the session", setup[i], 0, NULL, NULL, err) != 0)
            return -1;
    c->version_num = PQserverVersion(c->conn);
    sv = PQparameterStatus(c->conn, "server_version");
    snprintf(c->version, sizeof(c->version), "%s", sv ? sv : "");
    snprintf(c->dbname, sizeof(c->dbname), "%s", PQdb(c->conn));
    return 0;
}

void gl_deploy_disconnect(gl_deploy_conn *c)
{
    if (c->conn != NULL)
        PQfinish(c->conn);
    free(c->display);
    if (c->password != NULL) {
        memset(c->password, 0, strlen(c->password));
        free(c->password);
    }
    memset(c, 0, sizeof(*c));
}

static gl_error_class class_for_sqlstate(const char *state)
{
    if (state == NULL)
        return GL_ERR_UNAVAILABLE; /* no result: the connection broke */
    if (strcmp(state, "42501") == 0)
        return GL_ERR_AUTH; /* insufficient_privilege: the fix is a GRANT */
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0 || strcmp(state, "55P03") == 0)
        return GL_ERR_UNAVAILABLE;
    return GL_ERR_INTERNAL;
}

int gl_deploy_sql_send(gl_deploy_conn *c, const char *doing, const char *sql, int nparams,
                       const char *const *params, gl_error *err)
{
    if (PQsendQueryParams(c->conn, sql, nparams, NULL, params, NULL, NULL, 0) == 1)
        return 0;
    gl_error_set(err, GL_ERR_UNAVAILABLE, "%s (%s): %s failed: %s", c->side, c->display, doing,
                 PQerrorMessage(c->conn));
    gl_scrub_secret(err->message, sizeof(err->message), c->password);
    trim(err->message);
    return -1;
}

int gl_deploy_sql_finish(gl_deploy_conn *c, const char *doing, PGresult **out, gl_error *err)
{
    PGresult *res = NULL, *next;
    ExecStatusType st;

    if (out != NULL)
        *out = NULL;
    /* The last result is the statement's (or its error); drain to NULL so
     * the connection is ready for the next query. */
    while ((next = PQgetResult(c->conn)) != NULL) {
        PQclear(res);
        res = next;
    }
    st = PQresultStatus(res);
    if (res == NULL || (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)) {
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
        gl_error_set(err, class_for_sqlstate(state), "%s (%s): %s failed: %s%s%s", c->side,
                     c->display, doing, m ? m : PQerrorMessage(c->conn), hint ? " Hint: " : "",
                     hint ? hint : "");
        if (state != NULL && strcmp(state, "42501") == 0) {
            size_t n = strlen(err->message);
            snprintf(err->message + n, sizeof(err->message) - n,
                     " (connect as a role with that privilege, e.g. a superuser, or GRANT it)");
        }
        gl_scrub_secret(err->message, sizeof(err->message), c->password);
        trim(err->message);
        PQclear(res);
        return -1;
    }
    if (out != NULL)
        *out = res;
    else
        PQclear(res);
    return 0;
}

int gl_deploy_sql(gl_deploy_conn *c, const char *doing, const char *sql, int nparams,
                  const char *const *params, PGresult **out, gl_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (gl_deploy_sql_send(c, doing, sql, nparams, params, err) != 0)
        return -1;
    return gl_deploy_sql_finish(c, doing, out, err);
}

int gl_deploy_sql_value(gl_deploy_conn *c, const char *doing, const char *sql, int nparams,
                        const char *const *params, char **out, gl_error *err)
{
    PGresult *res = NULL;

    *out = NULL;
    if (gl_deploy_sql(c, doing, sql, nparams, params, &res, err) != 0)
        return -1;
    *out = strdup(PQntuples(res) > 0 && PQnfields(res) > 0 ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    if (*out == NULL)
        return gl_error_nomem(err);
    return 0;
}

int gl_deploy_open(const gl_deploy_options *opts, int *lock_fd, gl_value **rec, gl_error *err)
{
    int rc;

    *rec = NULL;
    if (gl_deploy_lock(opts->state_dir, lock_fd, err) != 0)
        return -1;
    rc = gl_deploy_record_load(opts->state_dir, rec, err);
    if (rc == 1)
        gl_error_set(err, GL_ERR_USAGE,
                     "no deployment in %s (no %s there): create one with `greenlight deploy create`, "
                     "or give the right --state DIR / GREENLIGHT_STATE", opts->state_dir,
                     GL_DEPLOY_RECORD_FILE);
    /* A switchover or rollback that was interrupted is finished or undone
     * first, so no verb ever leaves PgBouncer paused (deploy/switch.h). */
    if (rc == 0 && gl_deploy_switch_recover(opts->state_dir, *rec, opts->blue, opts->green, NULL,
                                            err) != 0) {
        gl_value_free(*rec);
        *rec = NULL;
        rc = -1;
    }
    if (rc != 0) {
        gl_deploy_unlock(*lock_fd);
        *lock_fd = -1;
    }
    return rc;
}
