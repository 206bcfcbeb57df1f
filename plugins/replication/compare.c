/*
 * compare — the replication plugin's checks: the deployment's subscription
 * and slot, both sides' transactions and locks, green's fence, drift and the
 * endpoint clients use. Each finding carries measured and threshold in
 * details (share/doc/checks/replication.md).
 */
#include <greenlight/plugin.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replication.h"

static const char *str(const judge *j, const gl_value *row, const char *key)
{
    return j->host->value_get_string(j->host->object_get(row, key));
}

static double num(const judge *j, const gl_value *row, const char *key)
{
    const char *s = str(j, row, key);
    return s ? strtod(s, NULL) : 0.0;
}

/* details = {measured, threshold, unit, ...extra}; one finding. */
static void emit(judge *j, const char *code, gl_severity sev, const char *object, double measured,
                 double threshold, const char *unit, gl_value *extra, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

static void emit(judge *j, const char *code, gl_severity sev, const char *object, double measured,
                 double threshold, const char *unit, gl_value *extra, const char *fmt, ...)
{
    const gl_host *h = j->host;
    gl_value *details = extra ? extra : h->value_object();
    char message[1024];
    va_list ap;
    gl_finding f = GL_FINDING_INIT;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    if (details == NULL || h->object_set(details, "measured", h->value_number(measured)) != 0 ||
        h->object_set(details, "threshold", threshold < 0 ? h->value_null() : h->value_number(threshold)) != 0 ||
        h->object_set(details, "unit", h->value_string(unit)) != 0) {
        h->value_free(details);
        j->failed = h->set_error(j->ctx, "replication: out of memory");
        return;
    }
    f.code = code;
    f.severity = sev;
    f.object = object;
    f.message = message;
    f.details = details;
    if (h->emit(j->ctx, &f) != 0)
        j->failed = -1;
}

static const gl_value *find_named(const judge *j, const gl_value *rows, const char *name)
{
    for (size_t i = 0; i < j->host->value_len(rows); i++) {
        const gl_value *r = j->host->array_at(rows, i);
        const char *n = str(j, r, "name");
        if (n != NULL && name != NULL && strcmp(n, name) == 0)
            return r;
    }
    return NULL;
}

/* The deployment's subscription on green, or NULL (then *why says whether
 * one was expected). */
static const gl_value *deployment(judge *j, const char **name)
{
    const gl_host *h = j->host;
    const gl_value *subs = h->object_get(j->green, "subscriptions");
    const gl_value *found = NULL;
    int n = 0;

    if (j->lim.subscription != NULL) {
        *name = j->lim.subscription;
        return find_named(j, subs, j->lim.subscription);
    }
    for (size_t i = 0; i < h->value_len(subs); i++) {
        const gl_value *s = h->array_at(subs, i);
        const char *sn = str(j, s, "name");
        if (sn != NULL && strncmp(sn, "greenlight_", 11) == 0) {
            found = s;
            *name = sn;
            n++;
        }
    }
    if (n > 1) {
        j->failed = h->set_error(j->ctx, "replication: green has %d greenlight_* subscriptions; "
                                 "name the deployment's with config {\"plugins\": {\"replication\": "
                                 "{\"subscription\": NAME}}}", n);
        return NULL;
    }
    if (found == NULL) {
        /* A greenlight publication on blue means a deployment should be here. */
        const gl_value *pubs = h->object_get(j->blue, "publications");
        for (size_t i = 0; i < h->value_len(pubs); i++) {
            const char *pn = str(j, h->array_at(pubs, i), "name");
            if (pn != NULL && strncmp(pn, "greenlight_", 11) == 0)
                *name = pn;
        }
    }
    return found;
}

static void check_subscription(judge *j, const gl_value *sub, const char *name)
{
    const gl_host *h = j->host;
    double total = num(j, sub, "tables_total");
    const char *not_ready = str(j, sub, "not_ready");

    if (strcmp(str(j, sub, "enabled") ? str(j, sub, "enabled") : "", "true") != 0)
        emit(j, "replication.subscription.disabled", GL_SEVERITY_CRITICAL, name, 0, 1, "enabled",
             NULL, "subscription %s on green is disabled: green is not receiving blue's changes "
             "(ALTER SUBSCRIPTION %s ENABLE)", name, name);
    else if (num(j, sub, "apply_workers") < 1)
        emit(j, "replication.subscription.workers_down", GL_SEVERITY_CRITICAL, name,
             num(j, sub, "apply_workers"), 1, "workers", NULL,
             "subscription %s on green has no apply worker running: read green's server log", name);
    if (not_ready != NULL) {
        size_t n = 1;
        for (const char *c = not_ready; *c; c++)
            n += *c == ',';
        gl_value *extra = h->value_object();
        if (extra != NULL && h->object_set(extra, "tables", h->value_string(not_ready)) != 0)
            extra = NULL;
        emit(j, "replication.tables.not_ready", GL_SEVERITY_ERROR, name, (double)n, 0, "tables",
             extra, "%zu of %.0f tables are not ready on green (table:state): %s", n, total, not_ready);
    }
}

static void check_slot(judge *j, const gl_value *sub, const char *name)
{
    const char *slot_name = str(j, sub, "slot");
    const gl_value *slot = find_named(j, j->host->object_get(j->blue, "slots"), slot_name);
    double lag_bytes, lag_seconds;
    const char *ws;

    if (slot_name == NULL)
        return;
    if (slot == NULL) {
        emit(j, "replication.slot.missing", GL_SEVERITY_CRITICAL, slot_name, 0, 1, "slots", NULL,
             "subscription %s uses slot %s, which blue does not have: changes are not reaching green",
             name, slot_name);
        return;
    }
    ws = str(j, slot, "wal_status");
    if (ws != NULL && strcmp(ws, "reserved") != 0 && ws[0] != '\0')
        emit(j, "replication.slot.wal_status", strcmp(ws, "extended") == 0 ? GL_SEVERITY_WARNING
                                                : strcmp(ws, "lost") == 0 ? GL_SEVERITY_CRITICAL
                                                                          : GL_SEVERITY_ERROR,
             slot_name, num(j, slot, "retained_bytes"), -1, "bytes retained", NULL,
             "slot %s on blue has wal_status %s (retaining %.0f bytes)%s", slot_name, ws,
             num(j, slot, "retained_bytes"),
             strcmp(ws, "lost") == 0 ? ": WAL green needs is gone; create the deployment again" : "");
    lag_bytes = num(j, slot, "lag_bytes");
    lag_seconds = 0.0;
    if (lag_bytes > 0) {
        lag_seconds = num(j, slot, "replay_lag_seconds");
        if (lag_seconds == 0.0)
            lag_seconds = num(j, sub, "seconds_since_last_message");
    }
    if (lag_bytes > j->lim.lag_bytes)
        emit(j, "replication.lag.bytes", GL_SEVERITY_ERROR, slot_name, lag_bytes, j->lim.lag_bytes,
             "bytes", NULL, "green is %.0f bytes behind blue's current WAL position (limit %.0f)",
             lag_bytes, j->lim.lag_bytes);
    if (lag_seconds > j->lim.lag_seconds)
        emit(j, "replication.lag.seconds", GL_SEVERITY_ERROR, slot_name, lag_seconds,
             j->lim.lag_seconds, "seconds", NULL, "green is %.1f s behind blue (limit %.1f s)",
             lag_seconds, j->lim.lag_seconds);
}

/* Rows over a threshold of "seconds": one finding for the worst, all listed. */
static void check_ages(judge *j, const gl_value *facts, const char *side, const char *key,
                       const char *code, double limit, const char *what)
{
    const gl_host *h = j->host;
    const gl_value *rows = h->object_get(facts, key);
    double worst = 0;
    char object[64];

    for (size_t i = 0; i < h->value_len(rows); i++) {
        double s = num(j, h->array_at(rows, i), "seconds");
        if (s > worst)
            worst = s;
    }
    if (h->value_len(rows) == 0 || worst <= limit)
        return;
    gl_value *extra = h->value_object();
    if (extra != NULL && h->object_set(extra, "sessions", h->value_copy(rows)) != 0)
        extra = NULL;
    snprintf(object, sizeof(object), "%s", side);
    emit(j, code, GL_SEVERITY_ERROR, object, worst, limit, "seconds", extra,
         "%s on %s for %.0f s (limit %.0f s): a switchover would wait for it or cut it off", what,
         side, worst, limit);
}

static void check_sides(judge *j)
{
    const gl_host *h = j->host;
    const gl_value *sides[2] = {j->blue, j->green};
    const char *names[2] = {"blue", "green"};

    check_ages(j, j->blue, "blue", "long_transactions", "replication.blue.long_transaction",
               j->lim.transaction_seconds, "a transaction has been open");
    check_ages(j, j->blue, "blue", "ddl_locks", "replication.blue.long_ddl", j->lim.ddl_lock_seconds,
               "DDL (an ACCESS EXCLUSIVE lock) has been held");
    for (int s = 0; s < 2; s++) {
        const gl_value *p = h->object_get(sides[s], "prepared_transactions");
        if (h->value_len(p) > 0) {
            gl_value *extra = h->value_object();
            if (extra != NULL && h->object_set(extra, "transactions", h->value_copy(p)) != 0)
                extra = NULL;
            emit(j, "replication.prepared_transactions", GL_SEVERITY_ERROR, names[s],
                 (double)h->value_len(p), 0, "transactions", extra,
                 "%zu prepared transaction(s) on %s: logical replication sends them only at COMMIT "
                 "PREPARED; finish them first", h->value_len(p), names[s]);
        }
    }
    double lo = num(j, h->array_at(h->object_get(j->blue, "large_objects"), 0), "count");
    if (lo > 0)
        emit(j, "replication.large_objects", GL_SEVERITY_ERROR, "blue", lo, 0, "large objects", NULL,
             "blue has %.0f large object(s); logical replication does not copy them", lo);
}

static void check_green(judge *j)
{
    const gl_host *h = j->host;
    const gl_value *fence = h->array_at(h->object_get(j->green, "fence"), 0);
    const char *ro = str(j, fence, "default_transaction_read_only");
    const gl_value *writers = h->object_get(j->green, "writers");
    const gl_value *mv = h->object_get(j->green, "unpopulated_matviews");

    if (ro == NULL || strcmp(ro, "on") != 0)
        emit(j, "replication.green.unfenced", GL_SEVERITY_CRITICAL, "green", 0, 1, "fenced", NULL,
             "green is not fenced (default_transaction_read_only is off at system level): anything "
             "may write to it before the switchover");
    if (h->value_len(writers) > 0) {
        gl_value *extra = h->value_object();
        if (extra != NULL && h->object_set(extra, "sessions", h->value_copy(writers)) != 0)
            extra = NULL;
        emit(j, "replication.green.writes", GL_SEVERITY_CRITICAL, "green",
             (double)h->value_len(writers), 0, "sessions", extra,
             "%zu session(s) other than replication are writing on green", h->value_len(writers));
    }
    for (size_t i = 0; i < h->value_len(mv); i++) {
        const char *name = str(j, h->array_at(mv, i), "name");
        emit(j, "replication.matview.needs_refresh", GL_SEVERITY_ERROR, name ? name : "?", 0, -1,
             "populated", NULL,
             "materialized view %s is not populated on green (the schema copy creates it empty): "
             "REFRESH MATERIALIZED VIEW before the switchover", name ? name : "?");
    }
}

/* Tables whose columns differ between blue and green: DDL is not replicated. */
static void check_drift(judge *j)
{
    const gl_host *h = j->host;
    const gl_value *bt = h->object_get(j->blue, "tables"), *gt = h->object_get(j->green, "tables");

    for (size_t i = 0; i < h->value_len(bt); i++) {
        const gl_value *b = h->array_at(bt, i);
        const char *name = str(j, b, "name");
        const gl_value *g = find_named(j, gt, name);
        if (g == NULL)
            emit(j, "replication.ddl_drift", GL_SEVERITY_CRITICAL, name, 1, 0, "tables", NULL,
                 "table %s exists on blue but not on green: DDL is not replicated; create it on "
                 "green, then ALTER SUBSCRIPTION ... REFRESH PUBLICATION", name);
        else if (strcmp(str(j, b, "signature") ? str(j, b, "signature") : "",
                        str(j, g, "signature") ? str(j, g, "signature") : "") != 0)
            emit(j, "replication.ddl_drift", GL_SEVERITY_CRITICAL, name, 1, 0, "tables", NULL,
                 "table %s has different columns on blue and green: DDL is not replicated; apply "
                 "blue's DDL to green", name);
    }
}

/* Client sessions on blue that are not among PgBouncer's server connections:
 * a switchover repoints PgBouncer only, so these would keep writing to blue
 * (fenced and cut off at the switchover: their writes fail or are lost). */
static void check_endpoint(judge *j)
{
    const gl_host *h = j->host;
    const gl_value *clients = h->object_get(j->blue, "clients");
    gl_value *bypass;
    char first[256] = "";
    size_t n = 0;

    if (j->lim.endpoint_db == NULL)
        return;
    bypass = h->value_array();
    if (bypass == NULL) {
        j->failed = h->set_error(j->ctx, "replication: out of memory");
        return;
    }
    for (size_t i = 0; i < h->value_len(clients); i++) {
        const gl_value *c = h->array_at(clients, i);
        double pid = num(j, c, "pid");
        int pooled = 0;
        for (size_t k = 0; k < h->value_len(j->lim.endpoint_pids) && !pooled; k++)
            pooled = h->value_get_number(h->array_at(j->lim.endpoint_pids, k)) == pid;
        if (pooled)
            continue;
        if (h->array_push(bypass, h->value_copy(c)) != 0) {
            h->value_free(bypass);
            j->failed = h->set_error(j->ctx, "replication: out of memory");
            return;
        }
        if (n++ == 0)
            snprintf(first, sizeof(first), "pid %s, application \"%s\", user %s, from %s",
                     str(j, c, "pid") ? str(j, c, "pid") : "?",
                     str(j, c, "application_name") ? str(j, c, "application_name") : "",
                     str(j, c, "user") ? str(j, c, "user") : "?",
                     str(j, c, "address") ? str(j, c, "address") : "?");
    }
    if (n == 0) {
        h->value_free(bypass);
        return;
    }
    gl_value *extra = h->value_object();
    if (extra == NULL) {
        h->value_free(bypass);
        j->failed = h->set_error(j->ctx, "replication: out of memory");
        return;
    }
    if (h->object_set(extra, "sessions", bypass) != 0 ||
        h->object_set(extra, "pgbouncer_db", h->value_string(j->lim.endpoint_db)) != 0) {
        h->value_free(extra);
        j->failed = h->set_error(j->ctx, "replication: out of memory");
        return;
    }
    emit(j, "replication.endpoint.bypassed", GL_SEVERITY_ERROR, "blue", (double)n, 0, "sessions",
         extra, "%zu client session(s) on blue bypass PgBouncer (%s%s): a switchover repoints "
         "PgBouncer's database %s only, so they would keep writing to blue and lose those writes; "
         "connect them through PgBouncer (details.sessions lists them)", n, first,
         n > 1 ? ", ..." : "", j->lim.endpoint_db);
}

int replication_compare(gl_ctx *ctx, const gl_host *host, const gl_value *blue, const gl_value *green)
{
    judge j;
    const gl_value *sub;
    const char *name = NULL;

    memset(&j, 0, sizeof(j));
    j.ctx = ctx;
    j.host = host;
    j.blue = blue;
    j.green = green;
    if (replication_read_limits(ctx, host, &j.lim) != 0)
        return -1;
    sub = deployment(&j, &name);
    if (j.failed)
        return -1;
    if (sub == NULL) {
        if (name != NULL)
            emit(&j, "replication.subscription.missing", GL_SEVERITY_CRITICAL, name, 0, 1,
                 "subscriptions", NULL,
                 "no subscription %s on green: green is not kept in sync with blue (greenlight "
                 "deploy status says why)", name);
        else if (GL_HOST_HAS(host, skip))
            /* Not a deployment: nothing to guard, and the run says so. */
            return host->skip(ctx, "no logical replication to guard: green has no greenlight_ "
                              "subscription and --config names none (replication.subscription)");
        return j.failed ? -1 : 0;
    }
    check_subscription(&j, sub, name);
    check_slot(&j, sub, name);
    check_sides(&j);
    check_green(&j);
    check_drift(&j);
    check_endpoint(&j);
    return j.failed ? -1 : 0;
}
