/*
 * create — `greenlight deploy create`: prerequisites, schema copy,
 * publication, subscription, initial sync, fence, in that order. Each step is
 * recorded when it completes; every step first looks at the servers, so a
 * re-run after a failure or a kill finishes the job (or says what is in the way).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run/snapshot.h"
#include "deploy/deploy.h"
#include "deploy/prereq.h"
#include "deploy/record.h"
#include "deploy/switch_run.h"
#include "deploy/schema_copy.h"

typedef struct create_run {
    const gl_deploy_options *opts;
    gl_value *rec;
    gl_deploy_conn blue, green;
    const char *blue_spec, *green_spec;
    const char *pub, *sub, *slot;
    int sync_updates;          /* progress display updates */
    double sync_ms;
} create_run;

static void say(const create_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const create_run *r, const char *fmt, ...)
{
    va_list ap;

    if (r->opts->json)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int save(create_run *r, gl_error *err)
{
    return gl_deploy_record_save(r->opts->state_dir, r->rec, err);
}

static int step(create_run *r, const char *done, const char *next, gl_error *err)
{
    char point[64];

    /* Test hooks: the step's work is done but not recorded, then recorded. */
    snprintf(point, sizeof(point), "%s.unrecorded", done);
    gl_deploy_kill_point(point);
    if (gl_deploy_record_step(r->rec, done, next) != 0)
        return gl_error_nomem(err);
    if (save(r, err) != 0)
        return -1;
    gl_deploy_kill_point(done);
    return 0;
}

/* Name from the database: lower case, [a-z0-9_], at most GL_DEPLOY_NAME_MAX. */
static void default_name(const char *db, char *out, size_t cap)
{
    size_t n = 0;

    for (const char *c = db; *c && n + 1 < cap && n < GL_DEPLOY_NAME_MAX; c++) {
        char ch = *c;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        out[n++] = ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) ? ch : '_';
    }
    out[n] = '\0';
    if (n == 0)
        snprintf(out, cap, "deployment");
}

static int exists(gl_deploy_conn *c, const char *sql, const char *name, int *out, gl_error *err)
{
    char *v = NULL;

    if (gl_deploy_sql_value(c, "looking for the deployment's objects", sql, 1, &name, &v, err) != 0)
        return -1;
    *out = strcmp(v, "0") != 0 && v[0] != '\0';
    free(v);
    return 0;
}

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

static int do_schema(create_run *r, gl_error *err)
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
        say(r, "schema: green already holds blue's schema (the schema check finds no difference)");
        rc = 0;
        goto out;
    }
    if (gl_deploy_find_pg_dump(r->opts->pg_dump, r->blue.version_num, dump, sizeof(dump), version,
                               sizeof(version), err) != 0)
        goto out;
    snprintf(file, sizeof(file), "%s/schema.sql", r->opts->state_dir);
    say(r, "schema: copying blue's schema with %s (PostgreSQL %s) into green", dump, version);
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

static int do_publication(create_run *r, gl_error *err)
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
        say(r, "publication: created %s on blue (all tables)", r->pub);
    } else {
        say(r, "publication: %s already on blue", r->pub);
    }
    rc = save_baseline(r, err);
out:
    free(all);
    return rc;
}

static int do_subscription(create_run *r, gl_error *err)
{
    char *conninfo = NULL, *literal = NULL, *sql = NULL, *active = NULL;
    int have_sub, rc = -1;

    if (exists(&r->green, "SELECT count(*) FROM pg_subscription WHERE subname = $1", r->sub,
               &have_sub, err) != 0)
        goto out;
    if (have_sub) {
        say(r, "subscription: %s already on green", r->sub);
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
        say(r, "subscription: dropped slot %s left on blue by an interrupted create", r->slot);
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
    say(r, "subscription: created %s on green (initial copy on)", r->sub);
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

static int do_sync(create_run *r, gl_error *err)
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
            say(r, "sync: all %ld tables ready in %.1f s", total, r->sync_ms / 1000.0);
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
        say(r, "matviews: refreshed %d materialized view(s) on green (not replicated)", n);
    rc = 0;
out:
    PQclear(res);
    return rc;
}

static int do_fence(create_run *r, gl_error *err)
{
    if (refresh_matviews(r, err) != 0)
        return -1;
    if (gl_deploy_sql(&r->green, "fencing green (ALTER SYSTEM)",
                      "ALTER SYSTEM SET default_transaction_read_only = on", 0, NULL, NULL, err) != 0 ||
        gl_deploy_sql(&r->green, "fencing green (reload)", "SELECT pg_reload_conf()", 0, NULL, NULL, err) != 0)
        return -1;
    say(r, "fence: green is read-only for everything but replication (default_transaction_read_only = on, system level)");
    return 0;
}

static int print_result(create_run *r)
{
    if (r->opts->json) {
        gl_value *out = gl_value_copy(r->rec);
        if (out == NULL || gl_value_object_set(out, "sync_seconds", gl_value_number(r->sync_ms / 1000.0)) != 0 ||
            gl_value_object_set(out, "progress_updates", gl_value_int(r->sync_updates)) != 0) {
            gl_value_free(out);
            return -1;
        }
        char *text = gl_json_write(out, 1, NULL);
        gl_value_free(out);
        if (text == NULL)
            return -1;
        fputs(text, stdout);
        free(text);
    } else {
        printf("deployment %s: %s (publication %s on blue, subscription %s on green, green fenced)\n",
               gl_deploy_record_string(r->rec, "name"), gl_deploy_record_string(r->rec, "state"),
               r->pub, r->sub);
    }
    return 0;
}

/* Loads or starts the record; checks that the arguments match a recorded one. */
static int begin(create_run *r, gl_error *err)
{
    const gl_deploy_options *o = r->opts;
    int rc = gl_deploy_record_load(o->state_dir, &r->rec, err);

    if (rc < 0)
        return -1;
    if (rc == 0) {
        const char *recorded = gl_deploy_record_string(r->rec, "name");
        const char *state = gl_deploy_record_string(r->rec, "state");
        if (o->name != NULL && strcmp(o->name, recorded) != 0)
            return gl_error_set(err, GL_ERR_USAGE,
                                "%s already holds deployment \"%s\", not \"%s\": use another --state "
                                "DIR, or `greenlight deploy cleanup` it first", o->state_dir,
                                recorded, o->name);
        if (strcmp(state, "provisioning") != 0 && strcmp(state, "degraded") != 0 &&
            strcmp(state, "available") != 0)
            return gl_error_set(err, GL_ERR_USAGE, "deployment \"%s\" is %s: create has nothing "
                                "to do (see `greenlight deploy status`)", recorded, state);
        r->blue_spec = o->blue ? o->blue : gl_value_object_string(gl_value_object_get(r->rec, "blue"), "conninfo");
        r->green_spec = o->green ? o->green : gl_value_object_string(gl_value_object_get(r->rec, "green"), "conninfo");
        return 0;
    }
    if (o->blue == NULL || o->green == NULL)
        return gl_error_set(err, GL_ERR_USAGE, "deploy create needs --blue and --green (no "
                            "deployment recorded in %s yet)", o->state_dir);
    r->blue_spec = o->blue;
    r->green_spec = o->green;
    if (o->name != NULL) {
        size_t n = strlen(o->name);
        if (n == 0 || n > GL_DEPLOY_NAME_MAX ||
            strspn(o->name, "abcdefghijklmnopqrstuvwxyz0123456789_") != n)
            return gl_error_set(err, GL_ERR_USAGE, "--name \"%s\": use 1-%d characters of a-z, 0-9 "
                                "and _ (it names the publication, subscription and slot)",
                                o->name, GL_DEPLOY_NAME_MAX);
    }
    return 1; /* no record yet: made after the prerequisites pass */
}

static int make_record(create_run *r, gl_error *err)
{
    char name[GL_DEPLOY_NAME_MAX + 1];
    gl_value *pgb = NULL;

    if (r->opts->name != NULL)
        snprintf(name, sizeof(name), "%s", r->opts->name);
    else
        default_name(r->blue.dbname, name, sizeof(name));
    r->rec = gl_deploy_record_new(name, r->blue.dbname, r->blue.display, r->green.display);
    if (r->rec == NULL)
        return gl_error_nomem(err);
    if (r->opts->pgbouncer_admin != NULL) {
        char *admin = gl_deploy_conninfo_strip(r->opts->pgbouncer_admin, err);
        if (admin == NULL)
            return gl_error_prefix(err, "--pgbouncer");
        pgb = gl_value_object();
        if (pgb == NULL || gl_value_object_set(pgb, "admin", gl_value_string(admin)) != 0 ||
            gl_value_object_set(pgb, "ini", gl_value_string(r->opts->pgbouncer_ini)) != 0 ||
            gl_value_object_set(pgb, "db", gl_value_string(r->opts->pgbouncer_db)) != 0 ||
            gl_value_object_set(r->rec, "pgbouncer", pgb) != 0) {
            free(admin);
            return gl_error_nomem(err);
        }
        free(admin);
    }
    return 0;
}

static int set_versions(create_run *r)
{
    return gl_value_object_set(gl_value_object_get_mut(r->rec, "blue"), "server_version",
                               gl_value_string(r->blue.version)) != 0 ||
           gl_value_object_set(gl_value_object_get_mut(r->rec, "green"), "server_version",
                               gl_value_string(r->green.version)) != 0;
}

/* PgBouncer, when the deployment has one: reachable, the alias known and
 * pooled per transaction, its ini entry pointing at blue. Read-only, on every
 * run: a switchover refuses each of these, so create says so first. */
static int check_pgbouncer(create_run *r, gl_error *err)
{
    const gl_value *pgb = gl_value_object_get(r->rec, "pgbouncer");
    const char *admin, *ini, *alias;
    gl_pgbouncer *b = NULL;
    gl_pgbouncer_db db;
    gl_pgbouncer_target blue_t, now;
    int rc = -1;

    if (gl_value_kind_of(pgb) != GL_VALUE_OBJECT)
        return 0;
    admin = r->opts->pgbouncer_admin ? r->opts->pgbouncer_admin : gl_value_object_string(pgb, "admin");
    ini = gl_value_object_string(pgb, "ini");
    alias = gl_value_object_string(pgb, "db");
    if (gl_pgbouncer_connect(&b, admin, err) != 0 || gl_pgbouncer_database(b, alias, &db, err) != 0 ||
        gl_pgbouncer_check_pool_mode(b, alias, err) != 0 ||
        gl_pgbouncer_ini_read_target(ini, alias, &now, err) != 0 ||
        gl_switch__target_from_conninfo(r->blue_spec, "blue", &blue_t, err) != 0)
        goto out;
    if (!gl_switch__target_equal(&now, &blue_t)) {
        gl_error_set(err, GL_ERR_USAGE, "PgBouncer's entry %s in %s points at host=%s port=%s "
                     "dbname=%s, not at blue (host=%s port=%s dbname=%s): clients must reach blue "
                     "through PgBouncer for a switchover to move them. Point the entry at blue, or "
                     "give --blue as PgBouncer reaches it; nothing was changed",
                     alias, ini, now.host, now.port, now.dbname, blue_t.host, blue_t.port,
                     blue_t.dbname);
        goto out;
    }
    say(r, "pgbouncer: %s pooled per transaction, pointing at blue", alias);
    rc = 0;
out:
    gl_pgbouncer_free(b);
    return rc;
}

enum { FAIL_RECORDED = -1, FAIL = -2 };

/* Step 1, read-only and on every run, before anything changes: the
 * prerequisites. 0, FAIL_RECORDED (keep the error in the record) or FAIL. */
static int prerequisites(create_run *r, gl_error *err)
{
    gl_deploy_problems *problems;
    int own_slot = 0, rc = FAIL_RECORDED;

    if (exists(&r->blue, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", r->slot, &own_slot,
               err) != 0)
        return FAIL_RECORDED;
    problems = calloc(1, sizeof(*problems));
    if (problems == NULL) {
        gl_error_nomem(err);
        return FAIL;
    }
    if (gl_deploy_prerequisites(&r->blue, &r->green, r->sub, own_slot, gl_deploy_record_done(r->rec, "schema"),
                                problems, err) != 0)
        goto out;
    if (problems->n_warnings > 0 && !r->opts->json)
        fprintf(stderr, "greenlight: warning: not replicated:\n%s", problems->warnings);
    if (problems->n_refusals > 0) {
        size_t n;
        gl_error_set(err, GL_ERR_USAGE, "deploy create refused: %d prerequisite(s) not met, "
                     "nothing was changed:\n%s", problems->n_refusals, problems->refusals);
        n = strlen(err->message);
        if (n > 0 && err->message[n - 1] == '\n')
            err->message[n - 1] = '\0';
        goto out;
    }
    if (check_pgbouncer(r, err) != 0)
        goto out;
    say(r, "prerequisites: met (blue %s, green %s)", r->blue.version, r->green.version);
    rc = 0;
    if (!gl_deploy_record_done(r->rec, "prerequisites") && step(r, "prerequisites", "schema", err) != 0)
        rc = FAIL;
out:
    free(problems);
    return rc;
}

/* Steps 2-6, each skipped when a run before did it. */
static int changes(create_run *r, gl_error *err)
{
    static const struct {
        const char *name, *next;
        int (*run)(create_run *, gl_error *);
    } steps[] = {
        {"schema", "publication", do_schema},   {"publication", "subscription", do_publication},
        {"subscription", "sync", do_subscription}, {"sync", "fence", do_sync},
        {"fence", "done", do_fence},
    };

    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (!gl_deploy_record_done(r->rec, steps[i].name) &&
            (steps[i].run(r, err) != 0 || step(r, steps[i].name, steps[i].next, err) != 0))
            return -1;
    return 0;
}

/* The deployment is available: recorded, and the gate's config written
 * (PgBouncer's connections, for the bypass guardrail). */
static int finish(create_run *r, gl_error *err)
{
    if (gl_deploy_record_set_string(r->rec, "state", "available") != 0 ||
        gl_deploy_record_set_string(r->rec, "last_error", NULL) != 0 ||
        gl_deploy_record_step(r->rec, "done", "done") != 0)
        return gl_error_nomem(err);
    if (save(r, err) != 0)
        return -1;
    if (gl_value_kind_of(gl_value_object_get(r->rec, "pgbouncer")) == GL_VALUE_OBJECT) {
        if (gl_deploy_gate_config_write(r->opts->state_dir, r->rec, NULL, NULL, err) != 0)
            return -1;
        say(r, "gate config: %s/gate-config.json (PgBouncer's server connections)", r->opts->state_dir);
    }
    return 0;
}

int gl_deploy_create(const gl_deploy_options *opts, gl_error *err)
{
    create_run r;
    int lock_fd = -1, fresh, rc = -1;

    memset(&r, 0, sizeof(r));
    r.opts = opts;
    gl_error_clear(err);
    if (opts->pgbouncer_admin != NULL && (opts->pgbouncer_ini == NULL || opts->pgbouncer_db == NULL)) {
        gl_error_set(err, GL_ERR_USAGE, "--pgbouncer needs --pgbouncer-ini FILE and --pgbouncer-db ALIAS too");
        goto fail;
    }
    if (gl_deploy_lock(opts->state_dir, &lock_fd, err) != 0)
        goto fail;
    fresh = begin(&r, err);
    if (fresh < 0)
        goto fail;
    if (gl_deploy_connect(&r.blue, "blue", r.blue_spec, err) != 0 ||
        gl_deploy_connect(&r.green, "green", r.green_spec, err) != 0)
        goto fail_recorded;
    if (fresh && make_record(&r, err) != 0)
        goto fail;
    r.pub = gl_deploy_record_string(r.rec, "publication");
    r.sub = gl_deploy_record_string(r.rec, "subscription");
    r.slot = gl_deploy_record_string(r.rec, "slot");
    if (set_versions(&r) != 0) {
        gl_error_nomem(err);
        goto fail;
    }
    switch (prerequisites(&r, err)) {
    case 0:
        break;
    case FAIL_RECORDED:
        goto fail_recorded;
    default:
        goto fail;
    }
    if (changes(&r, err) != 0)
        goto fail_recorded;
    if (finish(&r, err) != 0)
        goto fail;
    if (print_result(&r) != 0) {
        gl_error_nomem(err);
        goto fail;
    }
    rc = 0;
    goto out;

fail_recorded:
    /* Keep what happened in the record (when there is one) for status and re-runs. */
    if (r.rec != NULL && gl_deploy_record_done(r.rec, "prerequisites")) {
        gl_error keep;
        gl_error_clear(&keep);
        if (gl_deploy_record_set_string(r.rec, "last_error", err->message) == 0)
            (void)gl_deploy_record_save(opts->state_dir, r.rec, &keep);
    }
fail:
    fprintf(stderr, "greenlight: error: %s\n", err->message);
    rc = -1;
out:
    gl_deploy_disconnect(&r.blue);
    gl_deploy_disconnect(&r.green);
    gl_value_free(r.rec);
    gl_deploy_unlock(lock_fd);
    return rc;
}
