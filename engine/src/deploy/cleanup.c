/*
 * cleanup — `greenlight deploy cleanup`: removes the deployment in an order
 * that never leaves a slot retaining WAL on blue without its owner:
 *   1. green: DROP SUBSCRIPTION (which drops its slot on blue, connected)
 *   2. blue: any slot of the deployment still there (terminating its walsender)
 *   3. blue: DROP PUBLICATION
 *   4. green: the fence (ALTER SYSTEM RESET default_transaction_read_only)
 *   5. the record and its files
 * The record says "deleting" from the start, so a killed cleanup re-runs.
 * Refuses while a switchover is in progress. Green's copied tables stay.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy/deploy.h"
#include "deploy/record.h"

static void say(const gl_deploy_options *opts, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const gl_deploy_options *opts, const char *fmt, ...)
{
    va_list ap;

    if (opts->json)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

static int drop_subscription(const gl_deploy_options *opts, gl_deploy_conn *green, const char *sub,
                             gl_error *err)
{
    char *n = NULL, sql[256];
    int rc = -1;

    if (gl_deploy_sql_value(green, "looking for the subscription",
                            "SELECT count(*) FROM pg_subscription WHERE subname = $1", 1, &sub, &n, err) != 0)
        goto out;
    if (strcmp(n, "0") != 0) {
        snprintf(sql, sizeof(sql), "DROP SUBSCRIPTION %s", sub);
        if (gl_deploy_sql(green, "dropping the subscription (and its slot on blue)", sql, 0, NULL, NULL, err) != 0)
            goto out;
        say(opts, "cleanup: dropped subscription %s on green (and its slot on blue)\n", sub);
    }
    rc = 0;
out:
    free(n);
    return rc;
}

static int drop_slot(const gl_deploy_options *opts, gl_deploy_conn *blue, const char *slot, gl_error *err)
{
    char *n = NULL;
    int rc = -1;

    if (gl_deploy_sql_value(blue, "looking for the slot",
                            "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", 1, &slot,
                            &n, err) != 0)
        goto out;
    if (strcmp(n, "0") != 0) {
        if (gl_deploy_sql(blue, "stopping the slot's walsender",
                          "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
                          "WHERE slot_name = $1 AND active_pid IS NOT NULL", 1, &slot, NULL, err) != 0 ||
            gl_deploy_sql(blue, "dropping the slot", "SELECT pg_drop_replication_slot($1)", 1, &slot,
                          NULL, err) != 0)
            goto out;
        say(opts, "cleanup: dropped slot %s on blue\n", slot);
    }
    rc = 0;
out:
    free(n);
    return rc;
}

static void remove_file(const char *dir, const char *name)
{
    char path[4096];

    if (snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path))
        (void)unlink(path);
}

/* Refuses a deployment in the middle of a switchover, else records it as
 * deleting (a cleanup that stops half-way is re-run, never forgotten). */
static int mark_deleting(const gl_deploy_options *opts, gl_value *rec, const char *name, gl_error *err)
{
    if (strcmp(gl_deploy_record_string(rec, "state"), "switchover_in_progress") == 0)
        return gl_error_set(err, GL_ERR_USAGE,
                            "deployment %s has a switchover in progress: cleanup refuses. Let `greenlight "
                            "deploy switchover` finish (re-run it), or `greenlight deploy rollback`, first", name);
    if (gl_deploy_record_set_string(rec, "state", "deleting") != 0)
        return gl_error_nomem(err);
    return gl_deploy_record_save(opts->state_dir, rec, err);
}

/* Connects to green: 1 when connected, 0 when green is unreachable and
 * --force cleans blue only (what to run on green later is printed), -1. */
static int connect_green(const gl_deploy_options *opts, const gl_value *rec, gl_deploy_conn *green, const char *sub,
                         gl_error *err)
{
    const char *conninfo =
        opts->green ? opts->green : gl_value_object_string(gl_value_object_get(rec, "green"), "conninfo");

    if (gl_deploy_connect(green, "green", conninfo, err) == 0)
        return 1;
    if (!opts->force)
        return -1;
    fprintf(stderr, "greenlight: warning: %s\ngreenlight: --force: cleaning blue only; on green "
            "later: ALTER SUBSCRIPTION %s DISABLE; ALTER SUBSCRIPTION %s SET (slot_name = NONE); "
            "DROP SUBSCRIPTION %s; ALTER SYSTEM RESET default_transaction_read_only\n",
            err->message, sub, sub, sub);
    gl_error_clear(err);
    return 0;
}

static int drop_publication(const gl_deploy_options *opts, gl_deploy_conn *blue, const char *pub, gl_error *err)
{
    char sql[256];

    snprintf(sql, sizeof(sql), "DROP PUBLICATION IF EXISTS %s", pub);
    if (gl_deploy_sql(blue, "dropping the publication", sql, 0, NULL, NULL, err) != 0)
        return -1;
    say(opts, "cleanup: dropped publication %s on blue\n", pub);
    return 0;
}

static int lift_fence(const gl_deploy_options *opts, gl_deploy_conn *green, gl_error *err)
{
    if (gl_deploy_sql(green, "lifting the fence", "ALTER SYSTEM RESET default_transaction_read_only",
                      0, NULL, NULL, err) != 0 ||
        gl_deploy_sql(green, "lifting the fence (reload)", "SELECT pg_reload_conf()", 0, NULL, NULL, err) != 0)
        return -1;
    say(opts, "cleanup: lifted the fence on green\n");
    return 0;
}

/* The record and its files are gone: says so (text or --json). */
static int print_deleted(const gl_deploy_options *opts, const char *name, gl_error *err)
{
    gl_value *o;
    char *text = NULL;

    if (!opts->json) {
        printf("deployment %s: cleaned up (green's tables are kept; drop the database yourself if "
               "you no longer want it)\n", name);
        return 0;
    }
    o = gl_value_object();
    if (o != NULL && gl_value_object_set(o, "name", gl_value_string(name)) == 0 &&
        gl_value_object_set(o, "state", gl_value_string("deleted")) == 0)
        text = gl_json_write(o, 1, NULL);
    gl_value_free(o);
    if (text == NULL)
        return gl_error_nomem(err);
    fputs(text, stdout);
    free(text);
    return 0;
}

int gl_deploy_cleanup(const gl_deploy_options *opts, gl_error *err)
{
    gl_value *rec = NULL;
    gl_deploy_conn blue, green;
    const char *name, *pub, *sub, *slot;
    int lock_fd = -1, rc = -1, green_ok = 0;

    memset(&blue, 0, sizeof(blue));
    memset(&green, 0, sizeof(green));
    gl_error_clear(err);
    if (gl_deploy_open(opts, &lock_fd, &rec, err) != 0)
        goto fail;
    name = gl_deploy_record_string(rec, "name");
    pub = gl_deploy_record_string(rec, "publication");
    sub = gl_deploy_record_string(rec, "subscription");
    slot = gl_deploy_record_string(rec, "slot");
    if (mark_deleting(opts, rec, name, err) != 0)
        goto fail;
    if (gl_deploy_connect(&blue, "blue", opts->blue ? opts->blue : gl_value_object_string(gl_value_object_get(rec, "blue"), "conninfo"), err) != 0)
        goto fail;
    green_ok = connect_green(opts, rec, &green, sub, err);
    if (green_ok < 0)
        goto fail;
    if (green_ok && drop_subscription(opts, &green, sub, err) != 0)
        goto fail;
    gl_deploy_kill_point("cleanup.subscription");
    if (drop_slot(opts, &blue, slot, err) != 0 || drop_publication(opts, &blue, pub, err) != 0)
        goto fail;
    gl_deploy_kill_point("cleanup.publication");
    if (green_ok && lift_fence(opts, &green, err) != 0)
        goto fail;
    if (!green_ok) {
        /* The record stays (state deleting) until green's side is gone too. */
        gl_error_set(err, GL_ERR_UNAVAILABLE,
                     "blue is clean; green was unreachable, so the record stays (deleting): re-run "
                     "`greenlight deploy cleanup` when green is back");
        goto fail;
    }
    remove_file(opts->state_dir, "schema-at-create.json");
    remove_file(opts->state_dir, "schema.sql");
    if (gl_deploy_record_remove(opts->state_dir, err) != 0 || print_deleted(opts, name, err) != 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "greenlight: error: %s\n", err->message);
    rc = -1;
out:
    gl_deploy_disconnect(&blue);
    gl_deploy_disconnect(&green);
    gl_value_free(rec);
    gl_deploy_unlock(lock_fd);
    return rc;
}
