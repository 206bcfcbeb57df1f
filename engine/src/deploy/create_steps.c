/*
 * create_steps — the steps of `greenlight deploy create` that change the
 * servers: schema copy, publication, subscription, initial sync, fence. Each
 * looks at the servers first, so a re-run after a failure finishes the job.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run/snapshot.h"
#include "deploy/deploy.h"
#include "deploy/create_run.h"
#include "deploy/record.h"
#include "deploy/schema_copy.h"

/* With the schema already on green, the initial copy needs its tables empty
 * (rows there would collide with the copy). Names the first table with rows. */
static int green_tables_empty(create_run *r, gl_error *err)
{
    PGresult *res = NULL;
    int rc = -1;

    if (gl_deploy_sql(&r->green, "looking for rows on green",
                      "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)"
                      " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                      " WHERE c.relkind = 'r' AND c.relpersistence = 'p' AND n.nspname NOT IN"
                      " ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1",
                      0, NULL, &res, err) != 0)
        goto out;
    for (int i = 0; i < PQntuples(res); i++) {
        char sql[1024], *any = NULL;
        snprintf(sql, sizeof(sql), "SELECT EXISTS (SELECT 1 FROM %s)::text", PQgetvalue(res, i, 0));
        if (gl_deploy_sql_value(&r->green, "looking for rows on green", sql, 0, NULL, &any, err) != 0)
            goto out;
        int has_rows = strcmp(any, "true") == 0;
        free(any);
        if (has_rows) {
            gl_error_set(err, GL_ERR_USAGE,
                         "green already holds blue's schema, but table %s on green has rows: the "
                         "initial copy would collide with them. Fix: TRUNCATE green's tables, or "
                         "start from an empty database on green", PQgetvalue(res, i, 0));
            goto out;
        }
    }
    rc = 0;
out:
    PQclear(res);
    return rc;
}

int gl_create__do_schema(create_run *r, gl_error *err)
{
    char dump[4096], version[64], file[4096], *count = NULL;
    gl_value *diffs = NULL;
    int rc = -1;

    if (gl_deploy_sql_value(&r->green, "looking at green's schema",
                            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE c.relkind IN ('r','p','v','m','S','f') AND n.nspname NOT IN "
                            "('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'",
                            0, NULL, &count, err) != 0)
        goto out;
    if (strcmp(count, "0") != 0) {
        if (gl_deploy_schema_diff(r->blue_spec, r->green_spec, 0, r->opts->plugin_dirs,
                                  r->opts->n_plugin_dirs, &diffs, err) != 0)
            goto out;
        if (gl_value_len(diffs) > 0) {
            char list[2048] = "";
            size_t n = 0;
            for (size_t i = 0; i < gl_value_len(diffs) && i < 10; i++) {
                const gl_value *d = gl_value_array_at(diffs, i);
                int w = snprintf(list + n, sizeof(list) - n, "\n  - %s: %s",
                                 gl_value_object_string(d, "object"), gl_value_object_string(d, "message"));
                if (w < 0 || (size_t)w >= sizeof(list) - n)
                    break;
                n += (size_t)w;
            }
            gl_error_set(err, GL_ERR_USAGE,
                         "green's database %s is neither empty nor schema-equal to blue (%zu "
                         "difference(s) found by the schema check):%s\nFix: give an empty database "
                         "on green, or bring its schema in line with blue's",
                         r->green.dbname, gl_value_len(diffs), list);
            goto out;
        }
        if (green_tables_empty(r, err) != 0)
            goto out;
        gl_create__say(r, "schema: green already holds blue's schema (the schema check finds no difference)");
        rc = 0;
        goto out;
    }
    if (gl_deploy_find_pg_dump(r->opts->pg_dump, r->blue.version_num, dump, sizeof(dump), version,
                               sizeof(version), err) != 0)
        goto out;
    snprintf(file, sizeof(file), "%s/schema.sql", r->opts->state_dir);
    gl_create__say(r, "schema: copying blue's schema with %s (PostgreSQL %s) into green", dump, version);
    if (gl_deploy_copy_schema(dump, &r->blue, &r->green, file, err) != 0)
        goto out;
    {
        gl_value *copy = gl_value_object();
        if (copy == NULL || gl_value_object_set(copy, "pg_dump", gl_value_string(dump)) != 0 ||
            gl_value_object_set(copy, "version", gl_value_string(version)) != 0 ||
            gl_value_object_set(copy, "file", gl_value_string(file)) != 0 ||
            gl_value_object_set(r->rec, "schema_copy", copy) != 0) {
            gl_error_nomem(err);
            goto out;
        }
    }
    rc = 0;
out:
    free(count);
    gl_value_free(diffs);
    return rc;
}

/* The schema (and large-object count) at create, for `status` to find drift. */
static int save_baseline(create_run *r, gl_error *err)
{
    gl_check_options co;
    gl_value *snap = NULL;
    char path[4096], *lo = NULL;
    int rc = -1;

    gl_check_options_default(&co);
    co.blue = r->blue_spec;
    co.only_plugins = "schema";
    co.plugin_dirs = r->opts->plugin_dirs;
    co.n_plugin_dirs = r->opts->n_plugin_dirs;
    if (gl_snapshot_take(&co, &snap, err) != 0)
        goto out;
    snprintf(path, sizeof(path), "%s/schema-at-create.json", r->opts->state_dir);
    if (gl_json_write_file(snap, 0, path, err) != 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot write %s: %s", path, err->message);
        goto out;
    }
    if (gl_deploy_sql_value(&r->blue, "counting large objects",
                            "SELECT count(*) FROM pg_largeobject_metadata", 0, NULL, &lo, err) != 0)
        goto out;
    if (gl_value_object_set(r->rec, "large_objects", gl_value_int(strtoll(lo, NULL, 10))) != 0) {
        gl_error_nomem(err);
        goto out;
    }
    rc = 0;
out:
    free(lo);
    gl_value_free(snap);
    return rc;
}

int gl_create__do_publication(create_run *r, gl_error *err)
{
    char *all = NULL, sql[256];
    int rc = -1;

    if (gl_deploy_sql_value(&r->blue, "looking for the publication",
                            "SELECT coalesce((SELECT puballtables::text FROM pg_publication WHERE pubname = $1), 'none')",
                            1, &r->pub, &all, err) != 0)
        goto out;
    if (strcmp(all, "false") == 0) {
        gl_error_set(err, GL_ERR_USAGE,
                     "blue: publication %s exists but is not FOR ALL TABLES; greenlight did not "
                     "make it. Fix: drop it, or choose another --name", r->pub);
        goto out;
    }
    if (strcmp(all, "none") == 0) {
        snprintf(sql, sizeof(sql), "CREATE PUBLICATION %s FOR ALL TABLES", r->pub);
        if (gl_deploy_sql(&r->blue, "creating the publication", sql, 0, NULL, NULL, err) != 0)
            goto out;
        gl_create__say(r, "publication: created %s on blue (all tables)", r->pub);
    } else {
        gl_create__say(r, "publication: %s already on blue", r->pub);
    }
    rc = save_baseline(r, err);
out:
    free(all);
    return rc;
}

int gl_create__do_subscription(create_run *r, gl_error *err)
{
    char *conninfo = NULL, *literal = NULL, *sql = NULL, *active = NULL;
    int have_sub, rc = -1;

    if (gl_create__exists(&r->green, "SELECT count(*) FROM pg_subscription WHERE subname = $1", r->sub,
               &have_sub, err) != 0)
        goto out;
    if (have_sub) {
        gl_create__say(r, "subscription: %s already on green", r->sub);
        rc = 0;
        goto out;
    }
    /* A slot without its subscription: a create killed between the two. It
     * is ours by name; drop it (when nothing uses it) and start over. */
    if (gl_deploy_sql_value(&r->blue, "looking for the replication slot",
                            "SELECT coalesce((SELECT active::text FROM pg_replication_slots WHERE slot_name = $1), 'none')",
                            1, &r->slot, &active, err) != 0)
        goto out;
    if (strcmp(active, "true") == 0) {
        gl_error_set(err, GL_ERR_USAGE,
                     "blue: replication slot %s is in use by another process, yet green has no "
                     "subscription %s. Fix: find who uses the slot (pg_stat_replication), stop it, "
                     "then re-run", r->slot, r->sub);
        goto out;
    }
    if (strcmp(active, "false") == 0) {
        if (gl_deploy_sql(&r->blue, "dropping the slot left by an interrupted create",
                          "SELECT pg_drop_replication_slot($1)", 1, &r->slot, NULL, err) != 0)
            goto out;
        gl_create__say(r, "subscription: dropped slot %s left on blue by an interrupted create", r->slot);
    }
    conninfo = gl_deploy_conninfo_for_subscription(r->blue.conn, err);
    if (conninfo == NULL)
        goto out;
    literal = PQescapeLiteral(r->green.conn, conninfo, strlen(conninfo));
    if (literal == NULL) {
        gl_error_nomem(err);
        goto out;
    }
    size_t len = strlen(literal) + 3 * strlen(r->sub) + 256;
    sql = malloc(len);
    if (sql == NULL) {
        gl_error_nomem(err);
        goto out;
    }
    snprintf(sql, len,
             "CREATE SUBSCRIPTION %s CONNECTION %s PUBLICATION %s WITH (slot_name = %s, "
             "copy_data = true, enabled = true)", r->sub, literal, r->pub, r->slot);
    if (gl_deploy_sql(&r->green, "creating the subscription (green connects to blue)", sql, 0,
                      NULL, NULL, err) != 0)
        goto out;
    gl_create__say(r, "subscription: created %s on green (initial copy on)", r->sub);
    rc = 0;
out:
    if (conninfo != NULL) {
        memset(conninfo, 0, strlen(conninfo));
        free(conninfo);
    }
    if (literal != NULL) {
        memset(literal, 0, strlen(literal));
        PQfreemem(literal);
    }
    if (sql != NULL) {
        memset(sql, 0, strlen(sql));
        free(sql);
    }
    free(active);
    return rc;
}

static void human_bytes(double b, char *out, size_t cap)
{
    static const char *const unit[] = {"B", "kB", "MB", "GB", "TB"};
    size_t u = 0;

    while (b >= 1024.0 && u < 4) {
        b /= 1024.0;
        u++;
    }
    snprintf(out, cap, u == 0 ? "%.0f %s" : "%.1f %s", b, unit[u]);
}

int gl_create__do_sync(create_run *r, gl_error *err)
{
    const double start = gl_time_ms();
    const double limit = (double)r->opts->timeout_s * 1000.0;
    int rc = -1;

    for (;;) {
        PGresult *res = NULL;
        long total, ready, sync_errors;
        double copying;
        char bytes[32];

        if (gl_deploy_sql(&r->green, "watching the initial copy",
                          "SELECT count(*), count(*) FILTER (WHERE r.srsubstate = 'r'),"
                          " (SELECT coalesce(sum(bytes_processed), 0) FROM pg_stat_progress_copy p"
                          "   WHERE p.datname = current_database()),"
                          " (SELECT coalesce(sum(sync_error_count + apply_error_count), 0)"
                          "   FROM pg_stat_subscription_stats st WHERE st.subname = $1)"
                          " FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid"
                          " WHERE s.subname = $1",
                          1, &r->sub, &res, err) != 0)
            goto out;
        total = strtol(PQgetvalue(res, 0, 0), NULL, 10);
        ready = strtol(PQgetvalue(res, 0, 1), NULL, 10);
        copying = strtod(PQgetvalue(res, 0, 2), NULL);
        sync_errors = strtol(PQgetvalue(res, 0, 3), NULL, 10);
        PQclear(res);
        human_bytes(copying, bytes, sizeof(bytes));
        double now = gl_time_ms();
        /* One line per poll: every 200 ms (plus the query) on a terminal. */
        if (r->opts->progress) {
            fprintf(stderr, "\rsync: %ld/%ld tables ready, %s in copies under way%s   ", ready,
                    total, bytes, sync_errors ? " (workers reported errors: see green's log)" : "");
            r->sync_updates++;
        }
        if (ready == total) {
            if (r->opts->progress)
                fputc('\n', stderr);
            r->sync_ms = now - start;
            gl_create__say(r, "sync: all %ld tables ready in %.1f s", total, r->sync_ms / 1000.0);
            rc = 0;
            goto out;
        }
        if (now - start > limit) {
            if (r->opts->progress)
                fputc('\n', stderr);
            gl_error_set(err, GL_ERR_UNAVAILABLE,
                         "the initial copy did not finish within --timeout %u s (%ld of %ld tables "
                         "ready%s). Nothing is undone: re-run `greenlight deploy create` to keep "
                         "waiting, or `deploy status` to see which tables", r->opts->timeout_s,
                         ready, total,
                         sync_errors ? "; the subscription's workers reported errors: read green's "
                                       "server log" : "");
            goto out;
        }
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
out:
    return rc;
}

/* The schema copy creates materialized views empty and replication never
 * fills them: refresh on green, after the initial copy, every one that blue
 * has populated (oid order: a view built on another comes after it).
 * Re-runnable: a populated one is skipped. */
static int refresh_matviews(create_run *r, gl_error *err)
{
    PGresult *res = NULL;
    int n = 0, rc = -1;

    if (gl_deploy_sql(&r->blue, "listing blue's materialized views",
                      "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c"
                      " JOIN pg_namespace n ON n.oid = c.relnamespace"
                      " WHERE c.relkind = 'm' AND c.relispopulated ORDER BY c.oid",
                      0, NULL, &res, err) != 0)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *name = PQgetvalue(res, i, 0);
        char *empty = NULL, sql[1024];
        int todo;

        if (gl_deploy_sql_value(&r->green, "looking at a materialized view on green",
                                "SELECT count(*) FROM pg_class WHERE oid = to_regclass($1)"
                                " AND relkind = 'm' AND NOT relispopulated",
                                1, &name, &empty, err) != 0)
            goto out;
        todo = strcmp(empty, "0") != 0;
        free(empty);
        if (!todo)
            continue;
        snprintf(sql, sizeof(sql), "REFRESH MATERIALIZED VIEW %s", name);
        if (gl_deploy_sql(&r->green, "refreshing a materialized view on green", sql, 0, NULL, NULL,
                          err) != 0)
            goto out;
        n++;
    }
    if (n > 0)
        gl_create__say(r, "matviews: refreshed %d materialized view(s) on green (not replicated)", n);
    rc = 0;
out:
    PQclear(res);
    return rc;
}

int gl_create__do_fence(create_run *r, gl_error *err)
{
    if (refresh_matviews(r, err) != 0)
        return -1;
    if (gl_deploy_sql(&r->green, "fencing green (ALTER SYSTEM)",
                      "ALTER SYSTEM SET default_transaction_read_only = on", 0, NULL, NULL, err) != 0 ||
        gl_deploy_sql(&r->green, "fencing green (reload)", "SELECT pg_reload_conf()", 0, NULL, NULL, err) != 0)
        return -1;
    gl_create__say(r, "fence: green is read-only for everything but replication (default_transaction_read_only = on, system level)");
    return 0;
}
