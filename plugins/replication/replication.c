/*
 * replication — the guardrails of a blue/green deployment kept in sync by
 * logical replication (`greenlight deploy create`). Findings carry the
 * measured value and the threshold in `details`; those at error or critical
 * make the default policy hold.
 *
 * Which deployment: config {"subscription": NAME} (the subscription on green;
 * its slot and publications follow from it), else the one subscription on
 * green whose name starts with "greenlight_" (deploy create's naming). With
 * neither, the plugin has nothing to guard and emits nothing, unless blue has a
 * "greenlight_" publication with no subscription on green (then: missing).
 *
 * collect runs the same queries on both sides (facts are self-contained, so
 * compare also runs offline from snapshots); compare reads the subscription
 * from green's facts and the slot, transactions and large objects from blue's.
 * Codes and thresholds: share/doc/checks/replication.md. This file: the
 * queries and the config; compare.c: the checks.
 */
#include <greenlight/plugin.h>
#include <greenlight/plugin_pair.h>

#include "replication.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLICATION_VERSION "1.0.0"

typedef struct query {
    const char *key;
    const char *sql;
} query;

/* Everything is read-only catalog and statistics reads. */
static const query queries[] = {
    {"subscriptions",
     "SELECT s.subname AS name, s.subenabled::text AS enabled, s.subslotname AS slot,"
     " array_to_string(s.subpublications, ',') AS publications,"
     " (SELECT count(*) FROM pg_stat_subscription st WHERE st.subid = s.oid AND st.pid IS NOT NULL"
     "   AND st.relid IS NULL)::text AS apply_workers,"
     " (SELECT extract(epoch FROM now() - max(st.latest_end_time))::text FROM pg_stat_subscription st"
     "   WHERE st.subid = s.oid) AS seconds_since_last_message,"
     " (SELECT count(*) FROM pg_subscription_rel r WHERE r.srsubid = s.oid)::text AS tables_total,"
     " (SELECT string_agg(r.srrelid::regclass::text || ':' || r.srsubstate::text, ',' ORDER BY r.srrelid::regclass::text)"
     "   FROM pg_subscription_rel r WHERE r.srsubid = s.oid AND r.srsubstate <> 'r') AS not_ready"
     " FROM pg_subscription s WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
     " ORDER BY 1"},
    {"publications", "SELECT pubname AS name FROM pg_publication ORDER BY 1"},
    {"slots",
     "SELECT slot_name AS name, active::text AS active, coalesce(wal_status, '') AS wal_status,"
     " (pg_current_wal_lsn() - restart_lsn)::bigint::text AS retained_bytes,"
     " (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint::text AS lag_bytes,"
     " (SELECT extract(epoch FROM r.replay_lag)::text FROM pg_stat_replication r"
     "   WHERE r.pid = s.active_pid) AS replay_lag_seconds"
     " FROM pg_replication_slots s WHERE slot_type = 'logical' AND NOT pg_is_in_recovery() ORDER BY 1"},
    /* greenlight's own sessions are not the application's transactions: a
     * run collects several plugins at once on sessions of its own (--jobs),
     * read-only and bounded by statement_timeout; they cannot take the locks
     * or write the rows ddl_locks and writers look for. */
    {"long_transactions",
     "SELECT pid::text AS pid, usename AS \"user\", application_name,"
     " round(extract(epoch FROM now() - xact_start))::bigint::text AS seconds"
     " FROM pg_stat_activity WHERE backend_type = 'client backend' AND xact_start IS NOT NULL"
     " AND pid <> pg_backend_pid() AND state <> 'idle' AND application_name NOT LIKE 'greenlight%'"
     " ORDER BY xact_start LIMIT 5"},
    {"ddl_locks",
     "SELECT DISTINCT a.pid::text AS pid, l.relation::regclass::text AS relation,"
     " round(extract(epoch FROM now() - a.xact_start))::bigint::text AS seconds"
     " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
     " WHERE l.mode = 'AccessExclusiveLock' AND l.locktype = 'relation' AND l.granted"
     " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
     " AND a.pid <> pg_backend_pid() ORDER BY 3 DESC LIMIT 5"},
    {"prepared_transactions",
     "SELECT gid, round(extract(epoch FROM now() - prepared))::bigint::text AS seconds"
     " FROM pg_prepared_xacts WHERE database = current_database() ORDER BY prepared LIMIT 5"},
    {"large_objects", "SELECT count(*)::text AS count FROM pg_largeobject_metadata"},
    {"writers",
     "SELECT pid::text AS pid, usename AS \"user\", application_name FROM pg_stat_activity"
     " WHERE backend_type = 'client backend' AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
     " AND datname = current_database() ORDER BY 1 LIMIT 5"},
    /* Client sessions, for the endpoint guardrail (compare keeps blue's
     * that are not PgBouncer's server connections). greenlight's own
     * sessions (application_name greenlight*) are not clients. */
    {"clients",
     "SELECT pid::text AS pid, usename AS \"user\", application_name,"
     " coalesce(host(client_addr), 'local') AS address, client_port::text AS port, state"
     " FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
     " AND datname = current_database() AND application_name NOT LIKE 'greenlight%'"
     " ORDER BY pid LIMIT 10000"},
    {"fence",
     "SELECT reset_val AS default_transaction_read_only FROM pg_settings"
     " WHERE name = 'default_transaction_read_only'"},
    {"unpopulated_matviews",
     "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name FROM pg_class c"
     " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'm' AND NOT c.relispopulated"
     " ORDER BY 1"},
    /* One signature per user table: its columns and types, for DDL drift. */
    {"tables",
     "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,"
     " md5(coalesce(string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ','"
     "   ORDER BY a.attname), '')) AS signature"
     " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
     " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
     " WHERE c.relkind IN ('r', 'p') AND c.relpersistence = 'p'"
     " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'"
     " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
     "   AND d.objid = c.oid AND d.deptype = 'e')"
     " GROUP BY 1 ORDER BY 1"},
};

#define REPLICATION_QUERIES (sizeof(queries) / sizeof(queries[0]))

/* Queries [from, to)'s rows into facts (the caller's, kept on failure). */
static int collect_range(gl_ctx *ctx, const gl_host *host, gl_side side, size_t from, size_t to,
                         gl_value *facts)
{
    for (size_t i = from; i < to; i++) {
        gl_value *rows = NULL;
        if (host->query_rows(ctx, side, queries[i].sql, 0, NULL, &rows) != 0)
            return host->set_error(ctx, "replication: reading %s failed: %s", queries[i].key,
                                   host->last_error(ctx));
        if (host->object_set(facts, queries[i].key, rows) != 0)
            return host->set_error(ctx, "replication: out of memory");
    }
    return 0;
}

/* The first `count` queries' rows into a new facts object. */
static int collect_first(gl_ctx *ctx, const gl_host *host, gl_side side, size_t count,
                         gl_value **out)
{
    gl_value *facts = host->value_object();

    *out = NULL;
    if (facts == NULL)
        return host->set_error(ctx, "replication: out of memory");
    if (collect_range(ctx, host, side, 0, count, facts) != 0) {
        host->value_free(facts);
        return -1;
    }
    *out = facts;
    return 0;
}

static int collect(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out)
{
    return collect_first(ctx, host, side, REPLICATION_QUERIES, out);
}

/* config.endpoint: {"pgbouncer_db": ALIAS, "server_pids": [PID...]}. */
static int read_endpoint(gl_ctx *ctx, const gl_host *host, const gl_value *v, limits *lim)
{
    for (size_t i = 0; i < host->value_len(v); i++) {
        const char *key = host->object_key_at(v, i);
        const gl_value *m = host->object_value_at(v, i);
        if (strcmp(key, "pgbouncer_db") == 0) {
            lim->endpoint_db = host->value_get_string(m);
            if (lim->endpoint_db == NULL)
                return host->set_error(ctx, "replication: config \"endpoint.pgbouncer_db\" must be "
                                       "a string (PgBouncer's database alias)");
        } else if (strcmp(key, "server_pids") == 0) {
            if (host->value_kind(m) != GL_VALUE_ARRAY)
                return host->set_error(ctx, "replication: config \"endpoint.server_pids\" must be "
                                       "an array of process ids");
            for (size_t k = 0; k < host->value_len(m); k++)
                if (host->value_kind(host->array_at(m, k)) != GL_VALUE_INT)
                    return host->set_error(ctx, "replication: config \"endpoint.server_pids\" must "
                                           "hold integers (process ids)");
            lim->endpoint_pids = m;
        } else {
            return host->set_error(ctx, "replication: unknown config key \"endpoint.%s\" (known: "
                                   "pgbouncer_db, server_pids)", key);
        }
    }
    if (lim->endpoint_db == NULL || lim->endpoint_pids == NULL)
        return host->set_error(ctx, "replication: config \"endpoint\" needs pgbouncer_db and "
                               "server_pids (`greenlight deploy status` writes them to "
                               "DIR/gate-config.json)");
    return 0;
}

int replication_read_limits(gl_ctx *ctx, const gl_host *host, limits *lim)
{
    const gl_value *cfg = host->config(ctx);
    static const char *const known[] = {"subscription", "max_lag_bytes", "max_lag_seconds",
                                        "max_transaction_seconds", "max_ddl_lock_seconds",
                                        "endpoint", NULL};

    lim->lag_bytes = 16.0 * 1024 * 1024;
    lim->lag_seconds = 10;
    lim->transaction_seconds = 60;
    lim->ddl_lock_seconds = 5;
    lim->subscription = NULL;
    lim->endpoint_db = NULL;
    lim->endpoint_pids = NULL;
    for (size_t i = 0; i < host->value_len(cfg); i++) {
        const char *key = host->object_key_at(cfg, i);
        const gl_value *v = host->object_value_at(cfg, i);
        size_t k;
        for (k = 0; known[k] != NULL; k++)
            if (strcmp(known[k], key) == 0)
                break;
        if (known[k] == NULL)
            return host->set_error(ctx, "replication: unknown config key \"%s\" (known: subscription, "
                                   "max_lag_bytes, max_lag_seconds, max_transaction_seconds, "
                                   "max_ddl_lock_seconds, endpoint)", key);
        if (k == 0) {
            lim->subscription = host->value_get_string(v);
            if (lim->subscription == NULL)
                return host->set_error(ctx, "replication: config \"subscription\" must be a string");
            continue;
        }
        if (k == 5) {
            if (host->value_kind(v) != GL_VALUE_OBJECT)
                return host->set_error(ctx, "replication: config \"endpoint\" must be an object");
            if (read_endpoint(ctx, host, v, lim) != 0)
                return -1;
            continue;
        }
        gl_value_kind kind = host->value_kind(v);
        double d = host->value_get_number(v);
        if ((kind != GL_VALUE_INT && kind != GL_VALUE_NUMBER) || d < 0)
            return host->set_error(ctx, "replication: config \"%s\" must be a number >= 0", key);
        if (k == 1)
            lim->lag_bytes = d;
        else if (k == 2)
            lim->lag_seconds = d;
        else if (k == 3)
            lim->transaction_seconds = d;
        else
            lim->ddl_lock_seconds = d;
    }
    return 0;
}

/* The two queries that say whether there is a deployment to guard: the
 * subscriptions (green's name it) and the publications (blue's greenlight_
 * one with none on green is a missing subscription). They come first in
 * queries[]. */
#define REPLICATION_PROBE_QUERIES 2

static int collect_probe(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out)
{
    return collect_first(ctx, host, side, REPLICATION_PROBE_QUERIES, out);
}

/* Whether compare needs more than the probe: config names a subscription, or
 * green has one at all (deployment() looks for greenlight_* among them). */
static int deployment_possible(gl_ctx *ctx, const gl_host *host, const gl_value *green)
{
    const gl_value *config = host->config(ctx);

    return host->object_get(config, "subscription") != NULL ||
           host->value_len(host->object_get(green, "subscriptions")) > 0;
}

/* The probe's facts of both sides, which the rest of the queries complete. */
typedef struct probed {
    gl_value *facts[2];   /* per side, until handed over */
} probed;

static int collect_rest(gl_ctx *ctx, const gl_host *host, gl_side side, void *ud, gl_value **out)
{
    probed *p = ud;

    *out = NULL;
    if (collect_range(ctx, host, side, REPLICATION_PROBE_QUERIES, REPLICATION_QUERIES,
                      p->facts[side]) != 0)
        return -1;
    *out = p->facts[side];
    p->facts[side] = NULL;
    return 0;
}

/* Both sides at once (greenlight/plugin_pair.h): collect calls only what
 * plugin.h allows from two threads. Without a deployment to guard, compare
 * reads nothing beyond the probe's two queries (it skips, or says the
 * subscription is missing), so the other eleven are not run: a plain check
 * spends no server time on replication. With one, the other eleven complete
 * the probe's facts. collect alone (a snapshot, read later against any other
 * side) always runs all thirteen. */
static int collect_pair(gl_ctx *ctx, const gl_host *host, gl_value **out_blue, gl_value **out_green)
{
    probed p;
    int rc;

    if (gl_plugin_collect_both(ctx, host, collect_probe, &p.facts[GL_SIDE_BLUE],
                               &p.facts[GL_SIDE_GREEN]) != 0)
        return -1;
    if (!deployment_possible(ctx, host, p.facts[GL_SIDE_GREEN])) {
        *out_blue = p.facts[GL_SIDE_BLUE];
        *out_green = p.facts[GL_SIDE_GREEN];
        return 0;
    }
    rc = gl_plugin_collect_both_ud(ctx, host, collect_rest, &p, out_blue, out_green);
    host->value_free(p.facts[GL_SIDE_BLUE]);   /* those not handed over */
    host->value_free(p.facts[GL_SIDE_GREEN]);
    return rc;
}

GL_PLUGIN_DEFINE(.name = "replication", .version = REPLICATION_VERSION,
                 .description =
                     "guardrails of a logical-replication deployment: sync, lag, slot, drift, fence",
                 .collect = collect, .compare = replication_compare, .collect_pair = collect_pair)
