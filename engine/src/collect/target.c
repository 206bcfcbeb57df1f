#include "collect/target.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "collect/target_secrets.h"
#include "input/input.h"
#include "util/buf.h"
#include "util/error.h"
#include "value/value.h"

const char *gl_side_name(gl_side side)
{
    return side == GL_SIDE_BLUE ? "blue" : "green";
}

void gl_target_options_default(gl_target_options *opts)
{
    opts->statement_timeout_ms = 30000;
    opts->lock_timeout_ms = 2000;
    opts->connect_timeout_s = 10;
}

static int spec_is_file(const char *spec)
{
    struct stat st;

    if (strcmp(spec, "-") == 0)
        return 1;   /* a snapshot on standard input */
    if (strchr(spec, '=') != NULL || strstr(spec, "://") != NULL)
        return 0;
    return stat(spec, &st) == 0 && S_ISREG(st.st_mode);
}

static int open_snapshot(gl_target *t, const char *path, gl_error *err)
{
    char flag[16], label[1100];
    const gl_value *v;
    struct stat st;

    snprintf(flag, sizeof(flag), "--%s", gl_side_name(t->side));
    if (gl_input_read_json(flag, path, 0, &t->snapshot, err) != 0)
        return -1;
    v = gl_value_object_get(t->snapshot, "greenlight_snapshot");
    if (gl_value_kind_of(v) != GL_VALUE_INT)
        return gl_error_set(err, GL_ERR_USAGE,
                            "%s side: %s is not a greenlight snapshot (version 1): write one with "
                            "`greenlight snapshot --target CONNINFO -o FILE`",
                            gl_side_name(t->side), path);
    snprintf(label, sizeof(label), "%s %s", flag, path);
    if (gl_input_validate(GL_INPUT_SNAPSHOT, t->snapshot, label, err) != 0)
        return -1;
    t->server_version_num = (int)gl_value_get_int(gl_value_object_get(t->snapshot, "server_version_num"));
    const char *sv = gl_value_object_string(t->snapshot, "server_version");
    t->server_version = strdup(sv ? sv : "");
    t->display = strdup(path);
    if (gl_value_object_get(t->snapshot, "identity") != NULL)
        t->identity = gl_value_copy(gl_value_object_get(t->snapshot, "identity"));
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0) {
        char fid[64];
        snprintf(fid, sizeof(fid), "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
        t->snapshot_file_id = strdup(fid);
    }
    if (t->server_version == NULL || t->display == NULL)
        return gl_error_nomem(err);
    return 0;
}

double gl_target_query_bound_ms(const gl_target *t)
{
    unsigned st = t != NULL && t->statement_timeout_ms > 0 ? t->statement_timeout_ms : 30000;

    return (double)st + GL_QUERY_GRACE_MS;
}

void gl_target_abandon(gl_target *t)
{
    snprintf(t->abandoned, sizeof(t->abandoned),
             "the %s server did not answer a query within %.1f s (statement_timeout %.1f s plus "
             "%.1f s for the network): the server or the network stopped answering; the side is "
             "given up for this run",
             gl_side_name(t->side), gl_target_query_bound_ms(t) / 1000.0, t->statement_timeout_ms / 1000.0,
             GL_QUERY_GRACE_MS / 1000.0);
}

PGresult *gl_target_exec(gl_target *t, const char *sql)
{
    double deadline = gl_time_ms() + gl_target_query_bound_ms(t);
    PGresult *last = NULL, *res;

    if (t->abandoned[0] != '\0' || !PQsendQuery(t->conn, sql))
        return NULL;
    for (;;) {
        while (PQisBusy(t->conn)) {
            struct pollfd p = {.fd = PQsocket(t->conn), .events = POLLIN};
            double left = deadline - gl_time_ms();
            if (left <= 0) {
                /* No PQcancel: libpq 15's waits for the server without a
                 * bound. The connection is not used again. */
                gl_target_abandon(t);
                PQclear(last);
                return NULL;
            }
            if (poll(&p, 1, (int)left + 1) < 0 && errno != EINTR)
                break;
            if (!PQconsumeInput(t->conn))
                break; /* the connection failed: PQgetResult says how */
        }
        res = PQgetResult(t->conn);
        if (res == NULL)
            return last;
        PQclear(last);
        last = res;
    }
}

static int guard_session(gl_target *t, const gl_target_options *opts, gl_error *err)
{
    char sql[1024];
    PGresult *res;
    int ok;

    /* Besides read-only and the server-side bounds, every setting that
     * changes how the server reads SQL text or how values are written is
     * pinned: a database with standard_conforming_strings = off once split a
     * literal into statements, and facts must read the same on both sides.
     * search_path is not pinned: workload statements resolve names with it.
     * A SQL_ASCII database holds bytes in no encoding, which the server
     * refuses to send as UTF8: those come as they are, and the host escapes
     * what is not UTF-8 (plugin/isolate.h gl_isolate_text). */
    const char *enc = PQparameterStatus(t->conn, "server_encoding");
    int sql_ascii = enc != NULL && strcmp(enc, "SQL_ASCII") == 0;

    snprintf(sql, sizeof(sql),
             "SET default_transaction_read_only = on; SET statement_timeout = %u; "
             "SET lock_timeout = %u; SET idle_in_transaction_session_timeout = 60000; "
             "SET application_name = 'greenlight'; "
             "SET standard_conforming_strings = on; SET backslash_quote = off; "
             "SET escape_string_warning = on; SET client_encoding = '%s'; "
             "SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; "
             "SET extra_float_digits = 1; SET bytea_output = 'hex'; SET TimeZone = 'UTC'",
             opts->statement_timeout_ms, opts->lock_timeout_ms, sql_ascii ? "SQL_ASCII" : "UTF8");
    res = gl_target_exec(t, sql);
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok)
        return gl_error_set(err, GL_ERR_UNAVAILABLE, "%s side (%s): cannot set up a read-only session: %s",
                            gl_side_name(t->side), t->display,
                            t->abandoned[0] ? t->abandoned : PQerrorMessage(t->conn));
    return 0;
}

/* One row, one column, as text, or NULL (no privilege, or an error). */
static char *query_text(gl_target *t, const char *sql)
{
    PGresult *res = gl_target_exec(t, sql);
    char *out = NULL;

    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
        out = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return out;
}

static gl_value *text_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? gl_value_string(s) : gl_value_null();
}

/* Reads who the live side really is. The system identifier needs
 * pg_control_system() (granted to superusers and pg_monitor-like roles) and
 * the data directory pg_read_all_settings: without them they are null and
 * the postmaster start time (microseconds) tells servers apart. */
#define GL_OWN_QUERY_MARK "/* greenlight */ "

static int read_identity(gl_target *t, gl_error *err)
{
    static const char sql[] = GL_OWN_QUERY_MARK
        "SELECT d.oid::bigint::text, current_database(), "
        "extract(epoch FROM pg_postmaster_start_time())::text, "
        "CASE WHEN pg_has_role('pg_read_all_settings', 'USAGE') "
        "THEN current_setting('data_directory') END, inet_server_addr()::text "
        "FROM pg_database d WHERE d.datname = current_database()";
    PGresult *res = gl_target_exec(t, sql);
    gl_value *id = NULL;
    char *allowed = NULL, *sysid = NULL;
    int rc = -1;

    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        gl_error_set(err, GL_ERR_UNAVAILABLE, "%s side (%s): cannot read the server's identity: %s",
                     gl_side_name(t->side), t->display,
                     t->abandoned[0] ? t->abandoned : PQerrorMessage(t->conn));
        goto out;
    }
    /* The marker keeps these out of a pg_stat_statements workload import. */
    allowed = query_text(t, GL_OWN_QUERY_MARK "SELECT has_function_privilege("
                                  "'pg_catalog.pg_control_system()', 'EXECUTE')::text");
    if (allowed != NULL && strcmp(allowed, "true") == 0)
        sysid = query_text(t, GL_OWN_QUERY_MARK
                           "SELECT system_identifier::text FROM pg_catalog.pg_control_system()");
    id = gl_value_object();
    if (id == NULL ||
        gl_value_object_set(id, "system_identifier", text_or_null(sysid)) != 0 ||
        gl_value_object_set(id, "database_oid", gl_value_int(strtoll(PQgetvalue(res, 0, 0), NULL, 10))) != 0 ||
        gl_value_object_set(id, "database", gl_value_string(PQgetvalue(res, 0, 1))) != 0 ||
        gl_value_object_set(id, "postmaster_start_time", gl_value_string(PQgetvalue(res, 0, 2))) != 0 ||
        gl_value_object_set(id, "data_directory", text_or_null(PQgetvalue(res, 0, 3))) != 0 ||
        gl_value_object_set(id, "host", text_or_null(PQhost(t->conn))) != 0 ||
        gl_value_object_set(id, "port", text_or_null(PQport(t->conn))) != 0 ||
        gl_value_object_set(id, "user", text_or_null(PQuser(t->conn))) != 0 ||
        gl_value_object_set(id, "server_address", text_or_null(PQgetvalue(res, 0, 4))) != 0) {
        gl_error_nomem(err);
        goto out;
    }
    t->identity = id;
    id = NULL;
    rc = 0;
out:
    PQclear(res);
    gl_value_free(id);
    free(allowed);
    free(sysid);
    return rc;
}

/* Client-side bounds on every connection, whatever the spec says: the spec
 * may choose its own (non-zero) values, but connect_timeout=0 (wait forever)
 * or keepalives=0 do not remove them. TCP keepalives find a dead peer in
 * about 25 s, tcp_user_timeout drops a connection whose data goes unacked
 * for 30 s; a server that is alive but stopped answering is bounded per
 * query by plugin/isolate.c. */
static const char *const bound_keys[] = {"connect_timeout", "keepalives", "keepalives_idle",
                                         "keepalives_interval", "keepalives_count", "tcp_user_timeout"};
#define N_BOUNDS (sizeof(bound_keys) / sizeof(bound_keys[0]))

/* A new connection from spec with the client-side bounds: 0 with *out
 * connected (t->password set on the first call), or -1 with err set. */
static int connect_live(gl_target *t, const char *spec, const gl_target_options *opts, PGconn **out,
                        gl_error *err)
{
    char bound[N_BOUNDS][16];
    const char *keys[N_BOUNDS + 3], *vals[N_BOUNDS + 3];
    PQconninfoOption *parsed;
    char *perr = NULL;
    size_t n = 0;

    parsed = PQconninfoParse(spec, &perr);
    if (parsed == NULL) {
        gl_error_set(err, GL_ERR_USAGE,
                     "%s side: invalid connection string: %s(give a conninfo such as "
                     "'host=db1 dbname=app user=me' or a postgresql:// URI)",
                     gl_side_name(t->side), perr ? perr : "");
        gl_target__scrub_unparsed_secrets(err->message, sizeof(err->message), spec);
        PQfreemem(perr);
        return -1;
    }
    snprintf(bound[0], sizeof(bound[0]), "%u", opts->connect_timeout_s);
    snprintf(bound[1], sizeof(bound[1]), "1");
    snprintf(bound[2], sizeof(bound[2]), "10");
    snprintf(bound[3], sizeof(bound[3]), "5");
    snprintf(bound[4], sizeof(bound[4]), "3");
    snprintf(bound[5], sizeof(bound[5]), "30000");
    for (PQconninfoOption *o = parsed; o->keyword; o++)
        for (size_t k = 0; k < N_BOUNDS; k++)
            if (k != 1 && strcmp(o->keyword, bound_keys[k]) == 0 && o->val && atoi(o->val) > 0)
                snprintf(bound[k], sizeof(bound[k]), "%d", atoi(o->val));
    PQconninfoFree(parsed);
    keys[n] = "dbname";
    vals[n++] = spec;
    for (size_t k = 0; k < N_BOUNDS; k++) {
        keys[n] = bound_keys[k];
        vals[n++] = bound[k];
    }
    keys[n] = "application_name";
    vals[n++] = "greenlight";
    keys[n] = vals[n] = NULL;

    *out = PQconnectdbParams(keys, vals, 1);
    if (t->password == NULL)
        t->password = gl_target__password_of(*out, spec);
    if (*out == NULL || PQstatus(*out) != CONNECTION_OK) {
        gl_error_set(err, GL_ERR_UNAVAILABLE,
                     "%s side (%s) is unavailable: %s", gl_side_name(t->side), t->display,
                     *out ? PQerrorMessage(*out) : "out of memory");
        gl_scrub_secret(err->message, sizeof(err->message), t->password);
        /* libpq ends messages with a newline: drop it. */
        size_t len = strlen(err->message);
        while (len > 0 && (err->message[len - 1] == '\n' || err->message[len - 1] == ' '))
            err->message[--len] = '\0';
        return -1;
    }
    return 0;
}

static int open_live(gl_target *t, const char *spec, const gl_target_options *opts, gl_error *err)
{
    t->display = gl_conninfo_redact(spec);
    t->spec = strdup(spec);
    if (t->display == NULL || t->spec == NULL)
        return gl_error_nomem(err);
    t->opts = *opts;
    if (connect_live(t, spec, opts, &t->conn, err) != 0)
        return -1;
    t->statement_timeout_ms = opts->statement_timeout_ms;
    if (guard_session(t, opts, err) != 0 || read_identity(t, err) != 0)
        return -1;
    t->server_version_num = PQserverVersion(t->conn);
    const char *sv = PQparameterStatus(t->conn, "server_version");
    t->server_version = strdup(sv ? sv : "");
    if (t->server_version == NULL)
        return gl_error_nomem(err);
    return 0;
}

/* A fresh connection to t's side reached another server. */
static int other_server(const gl_target *t, gl_error *err)
{
    return gl_error_set(err, GL_ERR_UNAVAILABLE,
                        "%s side (%s): a fresh connection reached another server or database than "
                        "the first one (its identity differs: a multi-host conninfo, or a failover): "
                        "refusing to measure on it; name one server in the conninfo",
                        gl_side_name(t->side), t->display);
}

int gl_target_reopen(gl_target *t, gl_error *err)
{
    PGconn *old_conn, *fresh = NULL;
    gl_value *old_identity;
    int rc;

    if (t == NULL || t->conn == NULL || t->spec == NULL)
        return gl_error_set(err, GL_ERR_USAGE, "the %s side has no live connection to reopen (it is "
                            "a snapshot)", gl_side_name(t != NULL ? t->side : GL_SIDE_BLUE));
    if (t->abandoned[0] != '\0')
        return gl_error_set(err, GL_ERR_UNAVAILABLE, "%s", t->abandoned);
    if (connect_live(t, t->spec, &t->opts, &fresh, err) != 0) {
        if (fresh != NULL)
            PQfinish(fresh);
        return -1;
    }
    /* The guard and the identity read run on the fresh connection through
     * the target; the old one is put back when either fails. */
    old_conn = t->conn;
    old_identity = t->identity;
    t->conn = fresh;
    t->identity = NULL;
    rc = guard_session(t, &t->opts, err) != 0 || read_identity(t, err) != 0 ? -1 : 0;
    if (rc == 0 && !gl_value_equal(old_identity, t->identity))
        rc = other_server(t, err);
    if (rc != 0) {
        /* A fresh connection that stopped answering is dropped, not the side. */
        t->abandoned[0] = '\0';
        gl_value_free(t->identity);
        t->identity = old_identity;
        t->conn = old_conn;
        PQfinish(fresh);
        return -1;
    }
    gl_value_free(old_identity);
    PQfinish(old_conn);
    return 0;
}

int gl_target_spec_is_live(const char *spec)
{
    return spec != NULL && spec[0] != '\0' && !spec_is_file(spec);
}

int gl_target_same_server(const gl_target *first, const gl_target *other, gl_error *err)
{
    if (gl_value_equal(first->identity, other->identity))
        return 0;
    other_server(first, err);
    return GL_TARGET_OTHER_SERVER;
}

int gl_target_open(gl_target **out, gl_side side, const char *spec,
                   const gl_target_options *opts, gl_error *err)
{
    gl_target *t;
    int rc;

    *out = NULL;
    if (spec == NULL || spec[0] == '\0')
        return gl_error_set(err, GL_ERR_USAGE, "--%s is empty: give a conninfo, URI or snapshot file",
                            gl_side_name(side));
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return gl_error_nomem(err);
    t->side = side;
    rc = spec_is_file(spec) ? open_snapshot(t, spec, err) : open_live(t, spec, opts, err);
    if (rc != 0) {
        gl_target_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

void gl_target_free(gl_target *t)
{
    if (t == NULL)
        return;
    if (t->conn)
        PQfinish(t->conn);
    gl_value_free(t->snapshot);
    gl_value_free(t->identity);
    free(t->snapshot_file_id);
    free(t->display);
    free(t->server_version);
    if (t->spec) {
        memset(t->spec, 0, strlen(t->spec));
        free(t->spec);
    }
    if (t->password) {
        memset(t->password, 0, strlen(t->password));
        free(t->password);
    }
    free(t);
}

int gl_target_snapshot_age(const gl_target *t, double *out_age_s)
{
    const char *s = t != NULL ? gl_value_object_string(t->snapshot, "taken_at") : NULL;
    struct tm tm;
    int y, mo, d, h, mi, sec, used = 0;
    time_t taken;

    if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 ||
        used != 19)
        return -1;
    s += used;
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            ;
    if (strcmp(s, "Z") != 0 && strcmp(s, "+00:00") != 0)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    taken = timegm(&tm);
    if (taken == (time_t)-1 || tm.tm_mon != mo - 1 || tm.tm_mday != d)
        return -1;
    *out_age_s = difftime(time(NULL), taken);
    if (*out_age_s < 0)
        *out_age_s = 0;
    return 0;
}

const gl_value *gl_target_snapshot_facts(const gl_target *t, const char *plugin)
{
    const gl_value *p;

    if (t == NULL || t->snapshot == NULL)
        return NULL;
    p = gl_value_object_get(gl_value_object_get(t->snapshot, "plugins"), plugin);
    return gl_value_object_get(p, "facts");
}
