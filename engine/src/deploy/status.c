/*
 * status — `greenlight deploy status`: the deployment as the servers show it
 * (publication and slot on the publisher, subscription and fence on the
 * subscriber, PgBouncer's target), checked against the record. Before a
 * switchover the path runs blue -> green; after one (switchover_completed)
 * green serves and the reverse path green -> blue keeps blue in sync for a
 * rollback, and status describes that path. The state is rebuilt from the
 * servers; when it differs from the recorded one, status says so and records
 * the servers' view (available <-> degraded only: the other states belong to
 * the verb that sets them).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy/deploy.h"
#include "deploy/record.h"
#include "deploy/schema_copy.h"

typedef struct status_run {
    const gl_deploy_options *opts;
    gl_value *rec, *out, *problems;
    gl_deploy_conn blue, green;
    /* The replication path that runs now: forward (blue publishes, green
     * subscribes and is fenced) or, after a switchover, reverse. */
    int reverse;
    gl_deploy_conn *publisher, *subscriber;
    const char *pub, *sub, *slot;
    char rev_pub[64], rev_sub[64], rev_slot[64];
    int oom;
} status_run;

#define OOM(err) gl_error_nomem((err))

/* Adds one problem line; on out of memory sets s->oom (status then fails). */
static void problem(status_run *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(status_run *s, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (gl_value_array_push(s->problems, gl_value_string(buf)) != 0)
        s->oom = 1;
}

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
static int look_publisher(status_run *s, gl_value *out, gl_error *err)
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
static int look_subscriber(status_run *s, gl_value *out, gl_error *err)
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

static int look_sequences(status_run *s, gl_value *out, gl_error *err)
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

static int look_drift(status_run *s, gl_value *out, gl_error *err)
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
static int look_pgbouncer(status_run *s, gl_value *out, gl_error *err)
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
        problem(s, "PgBouncer admin console (%s) is unreachable: cannot see where clients go", admin);
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

/* "schema.column.added" -> "(column) added"; the snapshot at create is the
 * schema plugin's blue, blue now its green, so its own messages read backwards. */
static void drift_words(const char *code, char *out, size_t cap)
{
    const char *kind = code != NULL && strncmp(code, "schema.", 7) == 0 ? code + 7 : "";
    const char *what = strchr(kind, '.');
    size_t n;

    snprintf(out, cap, "(%.*s) %s", what ? (int)(what - kind) : (int)strlen(kind), kind,
             what ? what + 1 : "changed");
    for (n = 0; out[n]; n++)
        if (out[n] == '_' || out[n] == '.')
            out[n] = ' ';
}

/* The state the servers show (see share/doc/deploy.md, "States"). */
static const char *rebuild_state(status_run *s)
{
    const gl_value *o = s->out;
    const char *recorded = gl_deploy_record_string(s->rec, "state");
    const gl_value *sub = gl_value_object_get(o, "subscription");
    const gl_value *slot = gl_value_object_get(o, "slot");
    const char *ps = s->publisher->side, *ss = s->subscriber->side;
    /* After a switchover the reverse path must be whole: check all of it. */
    int created = s->reverse || gl_deploy_record_done(s->rec, "done");
    int published = s->reverse || gl_deploy_record_done(s->rec, "publication");
    int subscribed = s->reverse || gl_deploy_record_done(s->rec, "subscription");
    int fenced = s->reverse || gl_deploy_record_done(s->rec, "fence");

    if (strcmp(recorded, "provisioning") != 0 && strcmp(recorded, "available") != 0 &&
        strcmp(recorded, "degraded") != 0 && !s->reverse)
        return recorded; /* switchover_in_progress/failed, rolled_back, deleting: that verb's state */
    if (!gl_value_get_bool(gl_value_object_get(gl_value_object_get(o, "publication"), "exists")) && published)
        problem(s, "publication %s is missing on %s", s->pub, ps);
    if (!gl_value_get_bool(gl_value_object_get(sub, "exists")) && subscribed)
        problem(s, "subscription %s is missing on %s", s->sub, ss);
    if (!gl_value_get_bool(gl_value_object_get(slot, "exists")) && subscribed)
        problem(s, "replication slot %s is missing on %s", s->slot, ps);
    if (gl_value_get_bool(gl_value_object_get(sub, "exists"))) {
        if (!gl_value_get_bool(gl_value_object_get(sub, "enabled")))
            problem(s, "subscription %s is disabled (ALTER SUBSCRIPTION %s ENABLE)", s->sub, s->sub);
        else if (gl_value_get_int(gl_value_object_get(sub, "workers_running")) == 0)
            problem(s, "subscription %s has no worker running: read %s's server log", s->sub, ss);
        if (created && gl_value_get_int(gl_value_object_get(sub, "tables_ready")) <
                           gl_value_get_int(gl_value_object_get(sub, "tables_total")))
            problem(s, "%lld of %lld tables are not in sync",
                           (long long)(gl_value_get_int(gl_value_object_get(sub, "tables_total")) -
                                       gl_value_get_int(gl_value_object_get(sub, "tables_ready"))),
                           (long long)gl_value_get_int(gl_value_object_get(sub, "tables_total")));
    }
    {
        const char *ws = gl_value_object_string(slot, "wal_status");
        if (ws != NULL && (strcmp(ws, "lost") == 0 || strcmp(ws, "unreserved") == 0))
            problem(s, "slot %s wal_status is %s: %s may already have removed WAL %s needs; %s",
                    s->slot, ws, ps, ss,
                    s->reverse ? "blue can no longer be kept in sync: a rollback would lose writes"
                               : "the deployment must be cleaned up and created again");
    }
    if (fenced && !gl_value_get_bool(gl_value_object_get(gl_value_object_get(o, "fence"), "read_only")))
        problem(s, "%s is not fenced (default_transaction_read_only is not on at system "
                "level): anything may write to it", ss);
    {
        const gl_value *drift = gl_value_object_get(o, "ddl_drift");
        for (size_t i = 0; i < gl_value_len(drift); i++) {
            const gl_value *d = gl_value_array_at(drift, i);
            char what[128];
            drift_words(gl_value_object_string(d, "code"), what, sizeof(what));
            problem(s, "DDL on %s since %s (not replicated): %s %s. Repair: apply the same "
                    "DDL to %s, then ALTER SUBSCRIPTION %s REFRESH PUBLICATION", ps,
                    s->reverse ? "the switchover" : "create", gl_value_object_string(d, "object"),
                    what, ss, s->sub);
        }
    }
    {
        int64_t n = gl_value_get_int(gl_value_object_get(gl_value_object_get(o, "large_objects"), "new_since_create"));
        if (n > 0)
            problem(s, "%lld large object(s) written on blue since create: not replicated",
                           (long long)n);
    }
    if (s->reverse)
        return recorded; /* problems listed; the state is the switchover's */
    if (gl_value_len(s->problems) > 0)
        return created ? "degraded" : "provisioning";
    return created ? "available" : "provisioning";
}

static void print_text(status_run *s)
{
    const gl_value *o = s->out, *sub = gl_value_object_get(o, "subscription");
    const gl_value *slot = gl_value_object_get(o, "slot"), *lag = gl_value_object_get(o, "lag");
    const gl_value *tables = gl_value_object_get(sub, "tables");
    const gl_value *seqs = gl_value_object_get(o, "sequences_behind");
    const gl_value *pgb = gl_value_object_get(o, "pgbouncer");

    printf("deployment %s: %s\n", gl_value_object_string(o, "name"), gl_value_object_string(o, "state"));
    if (!gl_value_get_bool(gl_value_object_get(o, "record_agrees")))
        printf("  the record said %s; the servers say %s (record updated where status may)\n",
               gl_value_object_string(o, "recorded_state"), gl_value_object_string(o, "state"));
    printf("  blue:  %s (PostgreSQL %s)\n  green: %s (PostgreSQL %s)\n", s->blue.display,
           s->blue.version, s->green.display, s->green.version);
    if (s->reverse)
        printf("  serving: green (since the switchover; PgBouncer sends clients there)\n"
               "  reverse path: blue is kept in sync from green by logical replication\n"
               "    (publication %s on green, subscription %s on blue);\n"
               "    blue stays fenced, so a rollback loses no write green acknowledged\n"
               "  roll back: greenlight deploy rollback --state %s (back to blue over this path)\n",
               s->pub, s->sub, s->opts->state_dir);
    else
        printf("  serving: blue; green is kept in sync by logical replication (%s)\n",
               gl_deploy_record_done(s->rec, "done") ? "switch over: greenlight deploy switchover"
                                                     : "create has not finished");
    printf("  subscription %s on %s: %s, %lld worker(s), %lld/%lld tables ready\n", s->sub,
           s->subscriber->side, !gl_value_get_bool(gl_value_object_get(sub, "exists")) ? "missing"
           : gl_value_get_bool(gl_value_object_get(sub, "enabled")) ? "enabled" : "disabled",
           (long long)gl_value_get_int(gl_value_object_get(sub, "workers_running")),
           (long long)gl_value_get_int(gl_value_object_get(sub, "tables_ready")),
           (long long)gl_value_get_int(gl_value_object_get(sub, "tables_total")));
    for (size_t i = 0; i < gl_value_len(tables); i++) {
        const gl_value *t = gl_value_array_at(tables, i);
        if (strcmp(gl_value_object_string(t, "state"), "ready") != 0)
            printf("    %s: %s\n", gl_value_object_string(t, "table"), gl_value_object_string(t, "state"));
    }
    if (gl_value_get_bool(gl_value_object_get(slot, "exists")))
        printf("  slot %s on %s: %s, wal_status %s, retains %lld bytes of WAL\n", s->slot,
               s->publisher->side,
               gl_value_get_bool(gl_value_object_get(slot, "active")) ? "active" : "inactive",
               gl_value_object_string(slot, "wal_status"),
               (long long)gl_value_get_int(gl_value_object_get(slot, "retained_bytes")));
    else
        printf("  slot %s on %s: missing\n", s->slot, s->publisher->side);
    printf("  lag: %lld bytes, %.1f s (from %s's current WAL position)\n",
           (long long)gl_value_get_int(gl_value_object_get(lag, "bytes")),
           gl_value_get_number(gl_value_object_get(lag, "seconds")), s->publisher->side);
    printf("  fence: %s %s\n", s->subscriber->side,
           gl_value_get_bool(gl_value_object_get(gl_value_object_get(o, "fence"), "read_only"))
               ? "read-only (default_transaction_read_only at system level)"
               : "NOT fenced");
    printf("  sequences behind on %s: %zu (set at the %s)\n", s->subscriber->side, gl_value_len(seqs),
           s->reverse ? "rollback" : "switchover");
    if (s->reverse)
        printf("  large objects on green: %lld (not replicated to blue)\n",
               (long long)gl_value_get_int(gl_value_object_get(gl_value_object_get(o, "large_objects"), "now")));
    else
        printf("  large objects on blue: %lld (%lld new since create)\n",
               (long long)gl_value_get_int(gl_value_object_get(gl_value_object_get(o, "large_objects"), "now")),
               (long long)gl_value_get_int(gl_value_object_get(gl_value_object_get(o, "large_objects"), "new_since_create")));
    if (gl_value_kind_of(pgb) == GL_VALUE_OBJECT) {
        const char *t = gl_value_object_string(pgb, "target");
        printf("  pgbouncer %s -> %s\n", gl_value_object_string(pgb, "db"), t ? t : "(unknown)");
    }
    if (gl_value_len(gl_value_object_get(o, "ddl_drift")) > 0)
        printf("  DDL DRIFT: DDL is not replicated; %s changed since %s:\n", s->publisher->side,
               s->reverse ? "the switchover" : "create");
    for (size_t i = 0; i < gl_value_len(s->problems); i++)
        printf("  ! %s\n", gl_value_get_string(gl_value_array_at(s->problems, i)));
}

/* Which way replication runs: blue -> green, or after a switchover the
 * reverse path (names as deploy/switch.c makes them). */
static void choose_direction(status_run *s)
{
    s->pub = gl_deploy_record_string(s->rec, "publication");
    s->sub = gl_deploy_record_string(s->rec, "subscription");
    s->slot = gl_deploy_record_string(s->rec, "slot");
    s->publisher = &s->blue;
    s->subscriber = &s->green;
    s->reverse = strcmp(gl_deploy_record_string(s->rec, "state"), "switchover_completed") == 0;
    if (!s->reverse)
        return;
    snprintf(s->rev_pub, sizeof(s->rev_pub), "%s_rev", s->pub);
    snprintf(s->rev_sub, sizeof(s->rev_sub), "%s_rev", s->sub);
    snprintf(s->rev_slot, sizeof(s->rev_slot), "%s_rev", s->sub);
    s->pub = s->rev_pub;
    s->sub = s->rev_sub;
    s->slot = s->rev_slot;
    s->publisher = &s->green;
    s->subscriber = &s->blue;
}

/* Refreshes the gate's view of PgBouncer's connections (bypass guardrail);
 * a failure is a warning. */
static void refresh_gate_config(const gl_deploy_options *opts, gl_value *rec)
{
    gl_error gerr;

    if (gl_value_kind_of(gl_value_object_get(rec, "pgbouncer")) != GL_VALUE_OBJECT)
        return;
    gl_error_clear(&gerr);
    if (gl_deploy_gate_config_write(opts->state_dir, rec, NULL, NULL, &gerr) != 0)
        fprintf(stderr, "greenlight: warning: %s/gate-config.json not refreshed: %s\n", opts->state_dir,
                gerr.message);
}

/* The state rebuilt from the servers next to the recorded one. */
static int set_states(status_run *s, const char *state, const char *recorded)
{
    return gl_value_object_set(s->out, "state", gl_value_string(state)) != 0 ||
                   gl_value_object_set(s->out, "recorded_state", gl_value_string(recorded)) != 0 ||
                   gl_value_object_set(s->out, "record_agrees", gl_value_bool(strcmp(state, recorded) == 0)) != 0 ||
                   gl_value_object_set(s->out, "step", gl_value_string(gl_deploy_record_string(s->rec, "step"))) != 0 ||
                   gl_value_object_set(s->out, "last_error",
                                       gl_value_copy(gl_value_object_get(s->rec, "last_error"))) != 0
               ? -1
               : 0;
}

static int print_status(status_run *s, gl_error *err)
{
    char *text;

    if (!s->opts->json) {
        print_text(s);
        return 0;
    }
    text = gl_json_write(s->out, 1, NULL);
    if (text == NULL)
        return OOM(err);
    fputs(text, stdout);
    free(text);
    return 0;
}

/* The record learns what the servers show when a deployment became (or
 * stopped being) healthy; provisioning is create's to finish. */
static int save_observed_state(status_run *s, const char *state, const char *recorded, gl_error *err)
{
    if (strcmp(state, recorded) == 0 || (strcmp(state, "available") != 0 && strcmp(state, "degraded") != 0) ||
        strcmp(recorded, "provisioning") == 0)
        return 0;
    if (gl_deploy_record_set_string(s->rec, "state", state) != 0)
        return OOM(err);
    return gl_deploy_record_save(s->opts->state_dir, s->rec, err);
}

int gl_deploy_status(const gl_deploy_options *opts, gl_error *err)
{
    status_run s;
    int lock_fd = -1, rc = -1;
    const char *state, *recorded;

    memset(&s, 0, sizeof(s));
    s.opts = opts;
    gl_error_clear(err);
    if (gl_deploy_open(opts, &lock_fd, &s.rec, err) != 0)
        goto fail;
    choose_direction(&s);
    if (gl_deploy_connect(&s.blue, "blue", opts->blue ? opts->blue : gl_value_object_string(gl_value_object_get(s.rec, "blue"), "conninfo"), err) != 0 ||
        gl_deploy_connect(&s.green, "green", opts->green ? opts->green : gl_value_object_string(gl_value_object_get(s.rec, "green"), "conninfo"), err) != 0)
        goto fail;
    s.out = gl_value_object();
    s.problems = gl_value_array();
    if (s.out == NULL || s.problems == NULL ||
        gl_value_object_set(s.out, "name", gl_value_string(gl_deploy_record_string(s.rec, "name"))) != 0 ||
        gl_value_object_set(s.out, "serving", gl_value_string(s.reverse ? "green" : "blue")) != 0 ||
        gl_value_object_set(s.out, "replication", gl_value_string(s.reverse ? "green -> blue (reverse)"
                                                                             : "blue -> green")) != 0) {
        OOM(err);
        goto fail;
    }
    if (look_publisher(&s, s.out, err) != 0 || look_subscriber(&s, s.out, err) != 0 ||
        look_sequences(&s, s.out, err) != 0 || look_drift(&s, s.out, err) != 0 ||
        look_pgbouncer(&s, s.out, err) != 0)
        goto fail;
    refresh_gate_config(opts, s.rec);
    state = rebuild_state(&s);
    recorded = gl_deploy_record_string(s.rec, "state");
    if (s.oom || set_states(&s, state, recorded) != 0) {
        OOM(err);
        goto fail;
    }
    if (gl_value_object_set(s.out, "problems", s.problems) != 0) {
        s.problems = NULL;
        OOM(err);
        goto fail;
    }
    if (print_status(&s, err) != 0 || save_observed_state(&s, state, recorded, err) != 0)
        goto fail_no_problems;
    s.problems = NULL;
    rc = 0;
    goto out;
fail:
    gl_value_free(s.problems);
fail_no_problems:
    s.problems = NULL;
    fprintf(stderr, "greenlight: error: %s\n", err->message);
    rc = -1;
out:
    gl_value_free(s.out);
    gl_deploy_disconnect(&s.blue);
    gl_deploy_disconnect(&s.green);
    gl_value_free(s.rec);
    gl_deploy_unlock(lock_fd);
    return rc;
}
