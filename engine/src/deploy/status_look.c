/*
 * status_look — what `greenlight deploy status` reads from the servers: the
 * publication and slot, the subscription and fence, sequences, schema drift
 * since create, PgBouncer's target. Each adds its part to the status output
 * and a problem line for what is wrong.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy/deploy.h"
#include "deploy/record.h"
#include "deploy/schema_copy.h"
#include "deploy/status_run.h"

/* Rows of a query as an array of objects (column name -> string or null). */
static int rows(gl_deploy_conn *c, const char *doing, const char *sql, int nparams,
                const char *const *params, gl_value **out, gl_error *err)
{
    PGresult *res = NULL;
    gl_value *arr = gl_value_array();

    *out = NULL;
    if (arr == NULL)
        return OOM(err);
    if (gl_deploy_sql(c, doing, sql, nparams, params, &res, err) != 0) {
        gl_value_free(arr);
        return -1;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        gl_value *row = gl_value_object();
        if (row == NULL || gl_value_array_push(arr, row) != 0)
            goto oom;
        for (int j = 0; j < PQnfields(res); j++)
            if (gl_value_object_set(row, PQfname(res, j),
                                    PQgetisnull(res, i, j) ? gl_value_null()
                                                           : gl_value_string(PQgetvalue(res, i, j))) != 0)
                goto oom;
    }
    PQclear(res);
    *out = arr;
    return 0;
oom:
    PQclear(res);
    gl_value_free(arr);
    return OOM(err);
}

static const char *field(const gl_value *rows_, const char *key)
{
    return gl_value_object_string(gl_value_array_at(rows_, 0), key);
}

static int64_t num(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

static gl_value *int_or_null(const char *s)
{
    return s ? gl_value_int(strtoll(s, NULL, 10)) : gl_value_null();
}

/* The publication and the slot on the publisher, and the lag. */
int gl_status__look_publisher(status_run *s, gl_value *out, gl_error *err)
{
    gl_value *pub = NULL, *slot = NULL, *obj;
    int rc = -1;

    if (rows(s->publisher, "reading the publication",
             "SELECT pubname, puballtables::text AS all_tables FROM pg_publication WHERE pubname = $1",
             1, &s->pub, &pub, err) != 0 ||
        rows(s->publisher, "reading the replication slot",
             "SELECT active::text, wal_status, (pg_current_wal_lsn() - restart_lsn)::bigint AS retained_bytes,"
             " (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint AS lag_bytes,"
             " (SELECT extract(epoch FROM replay_lag)::text FROM pg_stat_replication"
             "   WHERE application_name = $1 LIMIT 1) AS replay_lag"
             " FROM pg_replication_slots WHERE slot_name = $1",
             1, &s->slot, &slot, err) != 0)
        goto out;
    obj = gl_value_object();
    if (obj == NULL || gl_value_object_set(out, "publication", obj) != 0 ||
        gl_value_object_set(obj, "name", gl_value_string(s->pub)) != 0 ||
        gl_value_object_set(obj, "exists", gl_value_bool(gl_value_len(pub) > 0)) != 0)
        goto oom;
    obj = gl_value_object();
    if (obj == NULL || gl_value_object_set(out, "slot", obj) != 0 ||
        gl_value_object_set(obj, "name", gl_value_string(s->slot)) != 0 ||
        gl_value_object_set(obj, "exists", gl_value_bool(gl_value_len(slot) > 0)) != 0 ||
        gl_value_object_set(obj, "active", gl_value_bool(field(slot, "active") && strcmp(field(slot, "active"), "true") == 0)) != 0 ||
        gl_value_object_set(obj, "wal_status", gl_value_string(field(slot, "wal_status"))) != 0 ||
        gl_value_object_set(obj, "retained_bytes", int_or_null(field(slot, "retained_bytes"))) != 0)
        goto oom;
    obj = gl_value_object();
    if (obj == NULL || gl_value_object_set(out, "lag", obj) != 0 ||
        gl_value_object_set(obj, "bytes", int_or_null(field(slot, "lag_bytes"))) != 0)
        goto oom;
    {
        const char *rl = field(slot, "replay_lag");
        double secs = rl ? strtod(rl, NULL) : 0.0;
        if (num(field(slot, "lag_bytes")) == 0)
            secs = 0.0;
        if (gl_value_object_set(obj, "seconds", gl_value_number(secs)) != 0)
            goto oom;
    }
    rc = 0;
    goto out;
oom:
    OOM(err);
out:
    gl_value_free(pub);
    gl_value_free(slot);
    return rc;
}

/* The subscription, its tables and the fence on the subscriber. */
int gl_status__look_subscriber(status_run *s, gl_value *out, gl_error *err)
{
    gl_value *sub = NULL, *tables = NULL, *fence = NULL, *obj;
    size_t ready = 0;
    int rc = -1;

    if (rows(s->subscriber, "reading the subscription",
             "SELECT s.subenabled::text AS enabled,"
             " (SELECT count(*) FROM pg_stat_subscription st WHERE st.subid = s.oid AND st.pid IS NOT NULL)::text AS workers,"
             " (SELECT extract(epoch FROM now() - max(latest_end_time))::text FROM pg_stat_subscription st"
             "   WHERE st.subid = s.oid) AS since_last_message"
             " FROM pg_subscription s WHERE s.subname = $1",
             1, &s->sub, &sub, err) != 0 ||
        rows(s->subscriber, "reading the per-table sync state",
             "SELECT r.srrelid::regclass::text AS \"table\", CASE r.srsubstate WHEN 'i' THEN 'initializing'"
             " WHEN 'd' THEN 'copying' WHEN 'f' THEN 'copied' WHEN 's' THEN 'synchronized'"
             " WHEN 'r' THEN 'ready' ELSE r.srsubstate::text END AS state"
             " FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid"
             " WHERE s.subname = $1 ORDER BY 1",
             1, &s->sub, &tables, err) != 0 ||
        rows(s->subscriber, "reading the fence",
             "SELECT reset_val AS setting, (SELECT sourcefile FROM pg_file_settings f WHERE f.name = s.name"
             " AND f.applied ORDER BY seqno DESC LIMIT 1) AS source"
             " FROM pg_settings s WHERE s.name = 'default_transaction_read_only'",
             0, NULL, &fence, err) != 0)
        goto out;
    for (size_t i = 0; i < gl_value_len(tables); i++)
        if (strcmp(gl_value_object_string(gl_value_array_at(tables, i), "state"), "ready") == 0)
            ready++;
    obj = gl_value_object();
    if (obj == NULL || gl_value_object_set(out, "subscription", obj) != 0 ||
        gl_value_object_set(obj, "name", gl_value_string(s->sub)) != 0 ||
        gl_value_object_set(obj, "exists", gl_value_bool(gl_value_len(sub) > 0)) != 0 ||
        gl_value_object_set(obj, "enabled", gl_value_bool(field(sub, "enabled") && strcmp(field(sub, "enabled"), "true") == 0)) != 0 ||
        gl_value_object_set(obj, "workers_running", gl_value_int(num(field(sub, "workers")))) != 0 ||
        gl_value_object_set(obj, "tables_total", gl_value_int((int64_t)gl_value_len(tables))) != 0 ||
        gl_value_object_set(obj, "tables_ready", gl_value_int((int64_t)ready)) != 0 ||
        gl_value_object_set(obj, "tables", tables) != 0)
        goto oom_tables_given;
    tables = NULL;
    {
        /* Lag seconds: walsender's replay_lag when blue reports it, else the
         * time since green last heard from blue while bytes are behind. */
        gl_value *lag = gl_value_object_get_mut(out, "lag");
        const char *since = field(sub, "since_last_message");
        if (gl_value_get_int(gl_value_object_get(lag, "bytes")) > 0 &&
            gl_value_get_number(gl_value_object_get(lag, "seconds")) == 0.0 && since != NULL &&
            gl_value_object_set(lag, "seconds", gl_value_number(strtod(since, NULL))) != 0)
            goto oom;
    }
    obj = gl_value_object();
    if (obj == NULL || gl_value_object_set(out, "fence", obj) != 0 ||
        gl_value_object_set(obj, "side", gl_value_string(s->subscriber->side)) != 0 ||
        gl_value_object_set(obj, "read_only",
                            gl_value_bool(field(fence, "setting") && strcmp(field(fence, "setting"), "on") == 0 &&
                                          field(fence, "source") != NULL)) != 0 ||
        gl_value_object_set(obj, "source", gl_value_string(field(fence, "source"))) != 0)
        goto oom;
    rc = 0;
    goto out;
oom_tables_given:
    tables = NULL;
oom:
    OOM(err);
out:
    gl_value_free(sub);
    gl_value_free(tables);
    gl_value_free(fence);
    return rc;
}

int gl_status__look_sequences(status_run *s, gl_value *out, gl_error *err)
{
    static const char sql[] =
        "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) AS sequence,"
        " coalesce(last_value, 0)::text AS last_value FROM pg_sequences ORDER BY 1";
    gl_value *b = NULL, *g = NULL, *behind = gl_value_array();
    int rc = -1;

    if (behind == NULL || gl_value_object_set(out, "sequences_behind", behind) != 0)
        return OOM(err);
    if (rows(s->publisher, "reading sequences", sql, 0, NULL, &b, err) != 0 ||
        rows(s->subscriber, "reading sequences", sql, 0, NULL, &g, err) != 0)
        goto out;
    for (size_t i = 0; i < gl_value_len(b); i++) {
        const gl_value *bs = gl_value_array_at(b, i);
        const char *name = gl_value_object_string(bs, "sequence");
        int64_t bv = num(gl_value_object_string(bs, "last_value")), gv = 0;
        for (size_t j = 0; j < gl_value_len(g); j++)
            if (strcmp(gl_value_object_string(gl_value_array_at(g, j), "sequence"), name) == 0)
                gv = num(gl_value_object_string(gl_value_array_at(g, j), "last_value"));
        if (gv < bv) {
            gl_value *e = gl_value_object();
            if (e == NULL || gl_value_array_push(behind, e) != 0 ||
                gl_value_object_set(e, "sequence", gl_value_string(name)) != 0 ||
                gl_value_object_set(e, "blue", gl_value_int(bv)) != 0 ||
                gl_value_object_set(e, "green", gl_value_int(gv)) != 0) {
                OOM(err);
                goto out;
            }
        }
    }
    rc = 0;
out:
    gl_value_free(b);
    gl_value_free(g);
    return rc;
}

/* Drops from drift what green already has too (the DDL was repaired on
 * green): what is left differs between blue and green now. */
static int keep_unrepaired(status_run *s, const char *blue_spec, gl_value *drift, gl_error *err)
{
    const char *green_spec = s->opts->green ? s->opts->green
                                            : gl_value_object_string(gl_value_object_get(s->rec, "green"), "conninfo");
    gl_value *now = NULL;
    size_t i = 0;

    if (gl_deploy_schema_diff(blue_spec, green_spec, 0, s->opts->plugin_dirs, s->opts->n_plugin_dirs,
                              &now, err) != 0)
        return -1;
    while (i < gl_value_len(drift)) {
        const char *object = gl_value_object_string(gl_value_array_at(drift, i), "object");
        int open = 0;
        for (size_t j = 0; j < gl_value_len(now) && !open; j++)
            open = object != NULL &&
                   strcmp(object, gl_value_object_string(gl_value_array_at(now, j), "object")) == 0;
        if (open)
            i++;
        else
            gl_value_free(gl_value_array_take(drift, i));
    }
    gl_value_free(now);
    return 0;
}

int gl_status__look_drift(status_run *s, gl_value *out, gl_error *err)
{
    char path[4096], *lo = NULL;
    gl_value *drift = NULL, *obj;
    const char *blue_spec = s->opts->blue ? s->opts->blue
                                          : gl_value_object_string(gl_value_object_get(s->rec, "blue"), "conninfo");
    int rc = -1;

    snprintf(path, sizeof(path), "%s/schema-at-create.json", s->opts->state_dir);
    if (s->reverse) {
        /* Green serves: what green has and blue lacks is DDL run on green
         * since the switchover (the baseline at create is blue's). */
        const char *green_spec = s->opts->green ? s->opts->green
                                                : gl_value_object_string(gl_value_object_get(s->rec, "green"), "conninfo");
        if (gl_deploy_schema_diff(blue_spec, green_spec, 0, s->opts->plugin_dirs,
                                  s->opts->n_plugin_dirs, &drift, err) != 0)
            goto out;
    } else if (access(path, R_OK) == 0) {
        if (gl_deploy_schema_diff(path, blue_spec, 1, s->opts->plugin_dirs, s->opts->n_plugin_dirs,
                                  &drift, err) != 0)
            goto out;
        if (gl_value_len(drift) > 0 && keep_unrepaired(s, blue_spec, drift, err) != 0)
            goto out;
    } else {
        drift = gl_value_array();
        if (drift == NULL)
            return OOM(err);
    }
    if (gl_value_object_set(out, "ddl_drift", drift) != 0) {
        drift = NULL;
        OOM(err);
        goto out;
    }
    drift = NULL;
    if (gl_deploy_sql_value(s->publisher, "counting large objects",
                            "SELECT count(*) FROM pg_largeobject_metadata", 0, NULL, &lo, err) != 0)
        goto out;
    obj = gl_value_object();
    {
        const gl_value *at = s->reverse ? NULL : gl_value_object_get(s->rec, "large_objects");
        int64_t now = num(lo), then = at ? gl_value_get_int(at) : now;
        if (obj == NULL || gl_value_object_set(out, "large_objects", obj) != 0 ||
            gl_value_object_set(obj, "at_create", at ? gl_value_int(then) : gl_value_null()) != 0 ||
            gl_value_object_set(obj, "now", gl_value_int(now)) != 0 ||
            gl_value_object_set(obj, "new_since_create", gl_value_int(now > then ? now - then : 0)) != 0) {
            OOM(err);
            goto out;
        }
    }
    rc = 0;
out:
    free(lo);
    gl_value_free(drift);
    return rc;
}

/* PgBouncer's target for the deployment's alias (SHOW DATABASES on the admin console). */
int gl_status__look_pgbouncer(status_run *s, gl_value *out, gl_error *err)
{
    const gl_value *pgb = gl_value_object_get(s->rec, "pgbouncer");
    gl_value *obj;
    PGconn *conn;
    PGresult *res;
    char target[512] = "";
    const char *admin, *alias;

    if (gl_value_kind_of(pgb) != GL_VALUE_OBJECT)
        return gl_value_object_set(out, "pgbouncer", gl_value_null()) == 0 ? 0 : OOM(err);
    admin = gl_value_object_string(pgb, "admin");
    alias = gl_value_object_string(pgb, "db");
    obj = gl_value_object();
    if (obj == NULL || gl_value_object_set(out, "pgbouncer", obj) != 0 ||
        gl_value_object_set(obj, "db", gl_value_string(alias)) != 0)
        return OOM(err);
    conn = PQconnectdb(admin);
    if (PQstatus(conn) != CONNECTION_OK) {
        PQfinish(conn);
        if (gl_value_object_set(obj, "target", gl_value_null()) != 0)
            return OOM(err);
        gl_status__problem(s, "PgBouncer admin console (%s) is unreachable: cannot see where clients go", admin);
        return 0;
    }
    res = PQexec(conn, "SHOW DATABASES");
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
        int cn = PQfnumber(res, "name"), ch = PQfnumber(res, "host"), cp = PQfnumber(res, "port"),
            cd = PQfnumber(res, "database");
        for (int i = 0; cn >= 0 && ch >= 0 && cp >= 0 && cd >= 0 && i < PQntuples(res); i++)
            if (strcmp(PQgetvalue(res, i, cn), alias) == 0)
                snprintf(target, sizeof(target), "host=%s port=%s dbname=%s", PQgetvalue(res, i, ch),
                         PQgetvalue(res, i, cp), PQgetvalue(res, i, cd));
    }
    PQclear(res);
    PQfinish(conn);
    return gl_value_object_set(obj, "target", target[0] ? gl_value_string(target) : gl_value_null()) == 0
               ? 0 : OOM(err);
}
