/*
 * prereq — what `deploy create` checks before it changes anything. Every
 * problem is collected (not just the first) and printed with its fix; any
 * refusal stops create with exit 64. Warnings (unlogged tables, large
 * objects: logical replication does not carry them) are printed, not refused.
 */
#include "deploy/prereq.h"

#include <stdlib.h>
#include <string.h>

/* Appends one line "  - TEXT" to the problem list. */
static void add(gl_deploy_problems *p, int refuse, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add(gl_deploy_problems *p, int refuse, const char *fmt, ...)
{
    char *buf = refuse ? p->refusals : p->warnings;
    size_t cap = refuse ? sizeof(p->refusals) : sizeof(p->warnings);
    size_t n = strlen(buf);
    va_list ap;

    if (n + 8 >= cap)
        return;
    snprintf(buf + n, cap - n, "  - ");
    n = strlen(buf);
    va_start(ap, fmt);
    vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
    n = strlen(buf);
    if (n + 2 < cap) {
        buf[n] = '\n';
        buf[n + 1] = '\0';
    }
    if (refuse)
        p->n_refusals++;
    else
        p->n_warnings++;
}

static int int_value(gl_deploy_conn *c, const char *sql, long *out, gl_error *err)
{
    char *v = NULL;

    if (gl_deploy_sql_value(c, "checking prerequisites", sql, 0, NULL, &v, err) != 0)
        return -1;
    *out = strtol(v, NULL, 10);
    free(v);
    return 0;
}

/* A list (one name per row, first column) joined by ", ", bounded; "" when no rows. */
static int list_value(gl_deploy_conn *c, const char *sql, int nparams, const char *const *params,
                      char *buf, size_t cap, int *count, gl_error *err)
{
    PGresult *res = NULL;
    size_t n = 0;

    buf[0] = '\0';
    if (gl_deploy_sql(c, "checking prerequisites", sql, nparams, params, &res, err) != 0)
        return -1;
    *count = PQntuples(res);
    for (int i = 0; i < PQntuples(res); i++) {
        int w = snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", PQgetvalue(res, i, 0));
        if (w < 0 || (size_t)w >= cap - n) {
            snprintf(buf + (cap > 16 ? cap - 16 : 0), 16, ", ... (more)");
            break;
        }
        n += (size_t)w;
    }
    PQclear(res);
    return 0;
}

/* User tables: ordinary (and partition leaves), not in system or extension schemas. */
#define USER_TABLES                                                                              \
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"                            \
    " WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')"          \
    " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'"                \
    " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"        \
    " AND d.objid = c.oid AND d.deptype = 'e')"

static int check_settings(gl_deploy_conn *c, int is_blue, int own_slot, gl_deploy_problems *p,
                          gl_error *err)
{
    char wal[64] = "";
    char *v = NULL;
    long slots, used_slots, senders, used_senders, lrw, mwp;

    if (gl_deploy_sql_value(c, "checking prerequisites", "SHOW wal_level", 0, NULL, &v, err) != 0)
        return -1;
    snprintf(wal, sizeof(wal), "%s", v);
    free(v);
    if (strcmp(wal, "logical") != 0)
        add(p, 1, "%s: wal_level is %s; logical replication %s needs logical. Fix: ALTER SYSTEM "
            "SET wal_level = logical on %s, then restart it", c->side, wal,
            is_blue ? "from blue" : "back from green (the rollback path)", c->side);
    if (int_value(c, "SELECT setting::int FROM pg_settings WHERE name = 'max_replication_slots'", &slots, err) != 0 ||
        int_value(c, "SELECT count(*) FROM pg_replication_slots", &used_slots, err) != 0 ||
        int_value(c, "SELECT setting::int FROM pg_settings WHERE name = 'max_wal_senders'", &senders, err) != 0 ||
        int_value(c, "SELECT count(*) FROM pg_stat_replication", &used_senders, err) != 0 ||
        int_value(c, "SELECT setting::int FROM pg_settings WHERE name = 'max_logical_replication_workers'", &lrw, err) != 0 ||
        int_value(c, "SELECT setting::int FROM pg_settings WHERE name = 'max_worker_processes'", &mwp, err) != 0)
        return -1;
    /* The deployment's slot plus two table-sync slots on blue; the reverse
     * slot on green. */
    long need_slots = is_blue ? (own_slot ? 2 : 3) : 1;
    if (slots - used_slots < need_slots)
        add(p, 1, "%s: max_replication_slots is %ld with %ld in use; this deployment needs %ld "
            "free. Fix: raise max_replication_slots on %s (restart) or drop unused slots",
            c->side, slots, used_slots, need_slots, c->side);
    long need_senders = is_blue ? 3 : 1;
    if (senders - used_senders < need_senders)
        add(p, 1, "%s: max_wal_senders is %ld with %ld in use; this deployment needs %ld free. "
            "Fix: raise max_wal_senders on %s (restart)", c->side, senders, used_senders,
            need_senders, c->side);
    if (lrw < 3)
        add(p, 1, "%s: max_logical_replication_workers is %ld; the subscription %s needs at least "
            "3 (apply + 2 table sync). Fix: raise it on %s (restart)", c->side, lrw,
            is_blue ? "back to blue (rollback)" : "on green", c->side);
    if (mwp < lrw + 1)
        add(p, 1, "%s: max_worker_processes (%ld) must exceed max_logical_replication_workers "
            "(%ld). Fix: raise max_worker_processes on %s (restart)", c->side, mwp, lrw, c->side);
    return 0;
}

static int check_privileges(gl_deploy_conn *blue, gl_deploy_conn *green, gl_deploy_problems *p,
                            gl_error *err)
{
    long b_super, b_repl, g_super, g_alter;

    if (int_value(blue, "SELECT rolsuper::int FROM pg_roles WHERE rolname = current_user", &b_super, err) != 0 ||
        int_value(blue, "SELECT rolreplication::int FROM pg_roles WHERE rolname = current_user", &b_repl, err) != 0 ||
        int_value(green, "SELECT rolsuper::int FROM pg_roles WHERE rolname = current_user", &g_super, err) != 0)
        return -1;
    if (!b_super)
        add(p, 1, "blue: role %s is not a superuser; CREATE PUBLICATION ... FOR ALL TABLES needs "
            "SUPERUSER. Fix: connect to blue as a superuser (or ALTER ROLE %s SUPERUSER)",
            PQuser(blue->conn), PQuser(blue->conn));
    else if (!b_repl)
        add(p, 1, "blue: role %s lacks REPLICATION, which the subscription's connection needs. "
            "Fix: ALTER ROLE %s REPLICATION", PQuser(blue->conn), PQuser(blue->conn));
    if (!g_super) {
        if (int_value(green, "SELECT (pg_has_role('pg_create_subscription', 'MEMBER') AND "
                             "has_parameter_privilege('default_transaction_read_only', 'ALTER SYSTEM'))::int",
                      &g_alter, err) != 0) {
            /* Before PostgreSQL 16 there is no pg_create_subscription: superuser only. */
            g_alter = 0;
            gl_error_clear(err);
        }
        if (!g_alter)
            add(p, 1, "green: role %s may not create subscriptions and fence green; that needs "
                "SUPERUSER (or, on PostgreSQL 16+, membership in pg_create_subscription and "
                "GRANT ALTER SYSTEM ON PARAMETER default_transaction_read_only). Fix: connect to "
                "green as a superuser", PQuser(green->conn));
    }
    return 0;
}

static int check_tables(gl_deploy_conn *blue, gl_deploy_problems *p, gl_error *err)
{
    char list[1200];
    int n = 0;

    if (list_value(blue, "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)" USER_TABLES
                         " AND c.relpersistence = 'p' AND (c.relreplident = 'n' OR (c.relreplident = 'd'"
                         " AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)))"
                         " ORDER BY 1",
                   0, NULL, list, sizeof(list), &n, err) != 0)
        return -1;
    if (n > 0)
        add(p, 1, "blue: %d table(s) without a primary key or usable replica identity: %s. Updates "
            "and deletes on them could not be replicated. Fix: add a primary key, or ALTER TABLE "
            "... REPLICA IDENTITY USING INDEX (unique, not null) or REPLICA IDENTITY FULL", n, list);
    if (list_value(blue, "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)" USER_TABLES
                         " AND c.relpersistence = 'u' ORDER BY 1",
                   0, NULL, list, sizeof(list), &n, err) != 0)
        return -1;
    if (n > 0)
        add(p, 0, "blue: %d unlogged table(s) are not replicated (green gets them empty): %s", n, list);
    if (list_value(blue, "SELECT count(*) FROM pg_largeobject_metadata HAVING count(*) > 0", 0, NULL,
                   list, sizeof(list), &n, err) != 0)
        return -1;
    if (n > 0)
        add(p, 0, "blue: %s large object(s) are not replicated (copy them yourself before the "
            "switchover; `deploy status` counts them)", list);
    return 0;
}

/* Names blue_sql lists on blue for which green_sql ($1 = the name) counts 0
 * on green, joined by ", " into missing (bounded). */
static int missing_on_green(gl_deploy_conn *blue, gl_deploy_conn *green, const char *blue_sql,
                            const char *green_sql, char *missing, size_t cap, int *count,
                            gl_error *err)
{
    PGresult *res = NULL;
    size_t n = 0;

    missing[0] = '\0';
    *count = 0;
    if (gl_deploy_sql(blue, "checking prerequisites", blue_sql, 0, NULL, &res, err) != 0)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *name = PQgetvalue(res, i, 0);
        char *v = NULL;
        if (gl_deploy_sql_value(green, "checking prerequisites", green_sql, 1, &name, &v, err) != 0) {
            PQclear(res);
            return -1;
        }
        if (strcmp(v, "0") == 0 && n + strlen(name) + 3 < cap) {
            n += (size_t)snprintf(missing + n, cap - n, "%s%s", *count ? ", " : "", name);
            (*count)++;
        }
        free(v);
    }
    PQclear(res);
    return 0;
}

static int check_extensions(gl_deploy_conn *blue, gl_deploy_conn *green, gl_deploy_problems *p,
                            gl_error *err)
{
    char missing[1200];
    int count = 0;

    if (missing_on_green(blue, green, "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1",
                         "SELECT count(*) FROM pg_available_extensions WHERE name = $1", missing,
                         sizeof(missing), &count, err) != 0)
        return -1;
    if (count > 0)
        add(p, 1, "green: extension(s) installed on blue are not available on green: %s. Fix: "
            "install their packages on green's server", missing);
    return 0;
}

static int check_roles(gl_deploy_conn *blue, gl_deploy_conn *green, gl_deploy_problems *p,
                       gl_error *err)
{
    char missing[1200];
    int count = 0;

    if (missing_on_green(blue, green, "SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 1",
                         "SELECT count(*) FROM pg_roles WHERE rolname = $1", missing,
                         sizeof(missing), &count, err) != 0)
        return -1;
    if (count > 0)
        add(p, 1, "green: role(s) of blue are missing on green (the schema copy grants to them and "
            "they own objects): %s. Fix: pg_dumpall --roles-only from blue, restored into green "
            "(roles are per server, not per database)", missing);
    return 0;
}

static int check_conflicts(gl_deploy_conn *blue, gl_deploy_conn *green, const char *subscription,
                           gl_deploy_problems *p, gl_error *err)
{
    char list[1200];
    int n = 0;

    if (list_value(blue, "SELECT subname FROM pg_subscription WHERE subdbid = "
                         "(SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY 1",
                   0, NULL, list, sizeof(list), &n, err) != 0)
        return -1;
    if (n > 0)
        add(p, 1, "blue: this database subscribes to other servers (%s); what they send would not "
            "reach green after a switchover. Fix: drop those subscriptions or replicate them to "
            "green yourself first", list);
    if (list_value(green, "SELECT subname FROM pg_subscription WHERE subdbid = "
                          "(SELECT oid FROM pg_database WHERE datname = current_database()) "
                          "AND subname <> $1 ORDER BY 1",
                   1, &subscription, list, sizeof(list), &n, err) != 0)
        return -1;
    if (n > 0)
        add(p, 1, "green: this database already subscribes elsewhere (%s); two sources would write "
            "the same tables. Fix: drop those subscriptions on green", list);
    return 0;
}

int gl_deploy_prerequisites(gl_deploy_conn *blue, gl_deploy_conn *green, const char *subscription,
                            int own_slot, int schema_done, gl_deploy_problems *p, gl_error *err)
{
    char *bid = NULL, *gid = NULL;
    int rc = -1;

    memset(p, 0, sizeof(*p));
    if (strcmp(blue->dbname, green->dbname) != 0)
        add(p, 1, "blue's database is \"%s\" but green's is \"%s\"; a deployment keeps the same "
            "database name on both. Fix: CREATE DATABASE %s on green and point --green at it",
            blue->dbname, green->dbname, blue->dbname);
    if (gl_deploy_sql_value(blue, "checking prerequisites",
                            "SELECT system_identifier::text FROM pg_control_system()", 0, NULL, &bid, err) != 0 ||
        gl_deploy_sql_value(green, "checking prerequisites",
                            "SELECT system_identifier::text FROM pg_control_system()", 0, NULL, &gid, err) != 0)
        goto out;
    if (strcmp(bid, gid) == 0 && strcmp(blue->dbname, green->dbname) == 0) {
        add(p, 1, "--blue and --green reach the same database (%s on server %s): green must be "
            "another server. Fix: point --green at the new server", blue->dbname, bid);
        rc = 0;
        goto out; /* nothing else makes sense */
    }
    if (check_settings(blue, 1, own_slot, p, err) != 0 || check_settings(green, 0, 0, p, err) != 0 ||
        check_privileges(blue, green, p, err) != 0 || check_tables(blue, p, err) != 0 ||
        check_extensions(blue, green, p, err) != 0 ||
        check_conflicts(blue, green, subscription, p, err) != 0)
        goto out;
    if (!schema_done && check_roles(blue, green, p, err) != 0)
        goto out;
    rc = 0;
out:
    free(bid);
    free(gid);
    return rc;
}
