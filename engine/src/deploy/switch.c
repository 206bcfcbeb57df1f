/* switch — the shared engine of switchover and rollback (deploy/switch.h). */
#include "deploy/switch_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "act/fence.h"
#include "act/sync.h"
#include "deploy/record.h"

void gl_switch_options_default(gl_switch_options *o)
{
    memset(o, 0, sizeof(*o));
    o->timeout_s = 30;
    gl_check_options_default(&o->gate);
}

static int oom(gl_error *err)
{
    return gl_error_nomem(err);
}

/* Names go into SQL unquoted: only what deploy create makes. */
static int plain_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    return n > 0 && n <= 59 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static int target_from_value(const gl_value *v, gl_pgbouncer_target *t)
{
    const char *h = gl_value_object_string(v, "host"), *p = gl_value_object_string(v, "port"),
               *d = gl_value_object_string(v, "dbname");

    memset(t, 0, sizeof(*t));
    if (h == NULL || p == NULL || d == NULL)
        return -1;
    snprintf(t->host, sizeof(t->host), "%s", h);
    snprintf(t->port, sizeof(t->port), "%s", p);
    snprintf(t->dbname, sizeof(t->dbname), "%s", d);
    return 0;
}

static gl_value *target_value(const gl_pgbouncer_target *t)
{
    gl_value *v = gl_value_object();

    if (v == NULL || gl_value_object_set(v, "host", gl_value_string(t->host)) != 0 ||
        gl_value_object_set(v, "port", gl_value_string(t->port)) != 0 ||
        gl_value_object_set(v, "dbname", gl_value_string(t->dbname)) != 0) {
        gl_value_free(v);
        return NULL;
    }
    return v;
}

int gl_switch__target_equal(const gl_pgbouncer_target *a, const gl_pgbouncer_target *b)
{
    return strcmp(a->host, b->host) == 0 && strcmp(a->port, b->port) == 0 &&
           strcmp(a->dbname, b->dbname) == 0;
}

/* Where PgBouncer should send clients for a side: its conninfo's host, port
 * and dbname (PgBouncer runs where greenlight can reach the servers). */
int gl_switch__target_from_conninfo(const char *conninfo, const char *side,
                                    gl_pgbouncer_target *t, gl_error *err)
{
    PQconninfoOption *opts, *o;
    char *msg = NULL;

    memset(t, 0, sizeof(*t));
    opts = PQconninfoParse(conninfo ? conninfo : "", &msg);
    if (opts == NULL) {
        PQfreemem(msg);
        return gl_error_set(err, GL_ERR_USAGE, "%s's conninfo does not parse", side);
    }
    for (o = opts; o->keyword != NULL; o++) {
        if (o->val == NULL)
            continue;
        if (strcmp(o->keyword, "host") == 0)
            snprintf(t->host, sizeof(t->host), "%s", o->val);
        else if (strcmp(o->keyword, "port") == 0)
            snprintf(t->port, sizeof(t->port), "%s", o->val);
        else if (strcmp(o->keyword, "dbname") == 0)
            snprintf(t->dbname, sizeof(t->dbname), "%s", o->val);
    }
    PQconninfoFree(opts);
    if (t->port[0] == '\0')
        snprintf(t->port, sizeof(t->port), "5432");
    if (t->host[0] == '\0' || t->dbname[0] == '\0')
        return gl_error_set(err, GL_ERR_USAGE, "%s's conninfo names no host or dbname: PgBouncer "
                            "needs both to reach it (give --%s with host=... dbname=...)", side,
                            side);
    return 0;
}

/* ---- setting up a run ---------------------------------------------------- */

int gl_switch__prepare(gl_switch_run *r, const char *op, const char *blue_flag,
                       const char *green_flag, gl_error *err)
{
    const gl_value *bouncer = gl_value_object_get(r->rec, "pgbouncer");
    const char *pub = gl_deploy_record_string(r->rec, "publication");
    const char *sub = gl_deploy_record_string(r->rec, "subscription");
    const char *slot = gl_deploy_record_string(r->rec, "slot");
    const char *blue_spec, *green_spec;
    const gl_value *targets;

    r->op = op;
    r->to_green = strcmp(op, "switchover") == 0;
    if (bouncer == NULL || gl_value_kind_of(bouncer) != GL_VALUE_OBJECT)
        return gl_error_set(err, GL_ERR_USAGE, "deployment %s has no PgBouncer: a %s moves "
                            "clients through it. Re-create the deployment with `deploy create "
                            "--pgbouncer ADMIN_CONNINFO --pgbouncer-ini FILE --pgbouncer-db ALIAS`",
                            gl_deploy_record_string(r->rec, "name"), op);
    r->admin = gl_value_object_string(bouncer, "admin");
    r->ini = gl_value_object_string(bouncer, "ini");
    r->alias = gl_value_object_string(bouncer, "db");
    if (r->admin == NULL || r->ini == NULL || r->alias == NULL)
        return gl_error_set(err, GL_ERR_USAGE, "the record's pgbouncer entry lacks admin, ini or "
                            "db: re-create the deployment");
    if (!plain_name(pub) || !plain_name(sub) || !plain_name(slot))
        return gl_error_set(err, GL_ERR_USAGE, "the record's publication/subscription/slot names "
                            "are not plain lowercase names: the record was edited; restore it");
    snprintf(r->fwd.pub, sizeof(r->fwd.pub), "%s", pub);
    snprintf(r->fwd.sub, sizeof(r->fwd.sub), "%s", sub);
    snprintf(r->fwd.slot, sizeof(r->fwd.slot), "%s", slot);
    snprintf(r->rev.pub, sizeof(r->rev.pub), "%s_rev", pub);
    snprintf(r->rev.sub, sizeof(r->rev.sub), "%s_rev", sub);
    snprintf(r->rev.slot, sizeof(r->rev.slot), "%s_rev", sub);
    /* The path that carries changes now, and the one that will afterwards. */
    r->old_path = r->to_green ? &r->fwd : &r->rev;
    r->new_path = r->to_green ? &r->rev : &r->fwd;

    blue_spec = blue_flag ? blue_flag
                          : gl_value_object_string(gl_value_object_get(r->rec, "blue"), "conninfo");
    green_spec = green_flag ? green_flag
                            : gl_value_object_string(gl_value_object_get(r->rec, "green"), "conninfo");
    r->src_spec = r->to_green ? blue_spec : green_spec;
    r->dst_spec = r->to_green ? green_spec : blue_spec;
    r->src_side = r->to_green ? "blue" : "green";
    r->dst_side = r->to_green ? "green" : "blue";

    /* PgBouncer targets: blue's as the ini had it before the first
     * switchover (recorded then), green's from its conninfo. */
    targets = gl_value_object_get(gl_value_object_get(r->rec, "switchover"), "targets");
    if (targets != NULL && target_from_value(gl_value_object_get(targets, "blue"), &r->blue_t) == 0 &&
        target_from_value(gl_value_object_get(targets, "green"), &r->green_t) == 0)
        return 0;
    if (gl_pgbouncer_ini_read_target(r->ini, r->alias, &r->blue_t, err) != 0 ||
        gl_switch__target_from_conninfo(green_spec, "green", &r->green_t, err) != 0)
        return -1;
    return 0;
}

/* (Re)opens what a step needs; a broken connection is replaced. */
int gl_switch__connect(gl_switch_run *r, int src, int dst, int bouncer, gl_error *err)
{
    if (src && (r->src.conn == NULL || PQstatus(r->src.conn) != CONNECTION_OK)) {
        gl_deploy_disconnect(&r->src);
        if (gl_deploy_connect(&r->src, r->src_side, r->src_spec, err) != 0)
            return -1;
    }
    if (dst && (r->dst.conn == NULL || PQstatus(r->dst.conn) != CONNECTION_OK)) {
        gl_deploy_disconnect(&r->dst);
        if (gl_deploy_connect(&r->dst, r->dst_side, r->dst_spec, err) != 0)
            return -1;
    }
    if (bouncer && r->pgb == NULL && gl_pgbouncer_connect(&r->pgb, r->admin, err) != 0)
        return -1;
    return 0;
}

void gl_switch__close(gl_switch_run *r)
{
    gl_deploy_disconnect(&r->src);
    gl_deploy_disconnect(&r->dst);
    gl_pgbouncer_free(r->pgb);
    r->pgb = NULL;
}

/* ---- the record ---------------------------------------------------------- */

static gl_value *sw_obj(gl_switch_run *r)
{
    return gl_value_object_get_mut(r->rec, "switchover");
}

int gl_switch__record_begin(gl_switch_run *r, gl_error *err)
{
    gl_value *sw = gl_value_object(), *targets = gl_value_object();
    char now[40];
    const char *from_state = gl_deploy_record_string(r->rec, "state");

    gl_time_rfc3339(now, sizeof(now));
    if (sw == NULL || targets == NULL ||
        gl_value_object_set(targets, "blue", target_value(&r->blue_t)) != 0 ||
        gl_value_object_set(targets, "green", target_value(&r->green_t)) != 0 ||
        gl_value_object_set(sw, "operation", gl_value_string(r->op)) != 0 ||
        gl_value_object_set(sw, "step", gl_value_string("pause")) != 0 ||
        gl_value_object_set(sw, "committed", gl_value_bool(0)) != 0 ||
        gl_value_object_set(sw, "outcome", gl_value_string("in_progress")) != 0 ||
        gl_value_object_set(sw, "from_state", gl_value_string(from_state ? from_state : "available")) != 0 ||
        gl_value_object_set(sw, "started_at", gl_value_string(now)) != 0 ||
        gl_value_object_set(sw, "timeout_s", gl_value_int(r->timeout_s)) != 0 ||
        gl_value_object_set(sw, "lsn", gl_value_null()) != 0 ||
        gl_value_object_set(sw, "steps_ms", gl_value_object()) != 0 ||
        gl_value_object_set(sw, "targets", targets) != 0) {
        gl_value_free(sw);
        return oom(err);
    }
    targets = NULL;
    if (gl_value_object_set(r->rec, "switchover", sw) != 0)
        return oom(err);
    if (gl_deploy_record_set_string(r->rec, "state", "switchover_in_progress") != 0 ||
        gl_deploy_record_set_string(r->rec, "last_error", NULL) != 0)
        return oom(err);
    return gl_deploy_record_save(r->dir, r->rec, err);
}

int gl_switch__record_set(gl_switch_run *r, const char *key, gl_value *val, int save, gl_error *err)
{
    gl_value *sw = sw_obj(r);

    if (val == NULL || sw == NULL || gl_value_object_set(sw, key, val) != 0)
        return oom(err);
    return save ? gl_deploy_record_save(r->dir, r->rec, err) : 0;
}

/* Test hook (share/doc/deploy.md, never for production): when
 * GREENLIGHT_DEPLOY_HOOK_AT names this point, run GREENLIGHT_DEPLOY_HOOK_CMD
 * with /bin/sh and wait for it, so tests can stop a server or cut a
 * connection at an exact step. */
static void hook_point(const char *point)
{
    const char *at = getenv("GREENLIGHT_DEPLOY_HOOK_AT");
    const char *cmd = getenv("GREENLIGHT_DEPLOY_HOOK_CMD");

    if (at == NULL || cmd == NULL || strcmp(at, point) != 0)
        return;
    fprintf(stderr, "greenlight: GREENLIGHT_DEPLOY_HOOK_AT=%s: running the test hook\n", point);
    fflush(NULL);
    if (system(cmd) != 0)
        fprintf(stderr, "greenlight: the test hook failed\n");
}

/* Marks a step as begun (printed by the caller) and fires the test hook. */
void gl_switch__step(gl_switch_run *r, const char *step)
{
    char point[64];

    snprintf(point, sizeof(point), "%s:%s", r->op, step);
    hook_point(point);
    gl_deploy_kill_point(point);
    r->step = step;
    r->step_t0 = gl_time_ms();
    (void)gl_value_object_set(sw_obj(r), "step", gl_value_string(step));
}

void gl_switch__step_done(gl_switch_run *r)
{
    double ms = gl_time_ms() - r->step_t0;
    gl_value *steps = gl_value_object_get_mut(sw_obj(r), "steps_ms");

    if (steps != NULL)
        (void)gl_value_object_set(steps, r->step, gl_value_number((double)(long)(ms * 10) / 10));
    if (!r->quiet)
        fprintf(r->out, "  %-10s %8.1f ms\n", r->step, ms);
}

/* ---- SQL helpers ----------------------------------------------------------- */

int gl_switch__sql(gl_deploy_conn *c, const char *doing, const char *sql, const char *param,
                   gl_error *err)
{
    const char *params[1] = {param};

    return gl_deploy_sql(c, doing, sql, param ? 1 : 0, param ? params : NULL, NULL, err);
}

/* 1 when the query's first value is "t", 0 when "f" or no row. */
int gl_switch__bool(gl_deploy_conn *c, const char *doing, const char *sql, const char *param,
                    int *out, gl_error *err)
{
    const char *params[1] = {param};
    char *v = NULL;

    if (gl_deploy_sql_value(c, doing, sql, param ? 1 : 0, param ? params : NULL, &v, err) != 0)
        return -1;
    *out = strcmp(v, "t") == 0;
    free(v);
    return 0;
}

/* Drops a logical slot once nobody streams from it (the walsender of a
 * dropped subscription exits shortly after its worker). */
int gl_switch__drop_slot(gl_deploy_conn *c, const char *slot, gl_error *err)
{
    double deadline = gl_time_ms() + 10000;
    int exists = 1;

    while (exists) {
        if (gl_switch__bool(c, "dropping an old replication slot",
                            "SELECT count(pg_catalog.pg_drop_replication_slot(slot_name))"
                            " FILTER (WHERE NOT active) = 0 AND count(*) > 0"
                            " FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
                            slot, &exists, err) != 0)
            return -1;
        if (!exists)
            break;
        if (gl_time_ms() > deadline) {
            /* Whoever still streams from it is not ours to keep. */
            if (gl_switch__sql(c, "ending the stream of an old replication slot",
                               "SELECT pg_catalog.pg_terminate_backend(active_pid)"
                               " FROM pg_catalog.pg_replication_slots"
                               " WHERE slot_name = $1 AND active", slot, err) != 0)
                return -1;
            deadline = gl_time_ms() + 10000;
        }
        {
            struct timespec ts = {0, 5000000L};
            nanosleep(&ts, NULL);
        }
    }
    return 0;
}

/* ---- undo (before the commit point) and finish (after it) ------------------ */

/*
 * Puts the source back in service: the old subscription enabled, the new
 * slot dropped, the source unfenced, PgBouncer pointing at it and resumed.
 * Every part is idempotent and attempted even when another failed; the
 * source's parts come first so clients are served as soon as possible.
 */
int gl_switch__undo(gl_switch_run *r, gl_error *err)
{
    const gl_pgbouncer_target *src_t = r->to_green ? &r->blue_t : &r->green_t;
    gl_pgbouncer_target now;
    gl_error e;
    int ok = 1;
    char sql[256];

    gl_error_clear(err);
    /* source: unfenced */
    gl_error_clear(&e);
    if (gl_switch__connect(r, 1, 0, 0, &e) != 0 ||
        gl_fence_set(r->src.conn, r->src_side, 0, gl_time_ms() + 10000, &e) != 0) {
        ok = 0;
        *err = e;
    }
    /* PgBouncer: at the source (it only moves after the commit point, but a
     * hand edit may have moved it), resumed */
    gl_error_clear(&e);
    if (gl_switch__connect(r, 0, 0, 1, &e) == 0 &&
        gl_pgbouncer_ini_read_target(r->ini, r->alias, &now, &e) == 0 &&
        (gl_switch__target_equal(&now, src_t) ||
         (gl_pgbouncer_ini_write_target(r->ini, r->alias, src_t, &e) == 0 &&
          gl_pgbouncer_reload(r->pgb, &e) == 0)) &&
        gl_pgbouncer_resume(r->pgb, r->alias, &e) == 0) {
        /* served again */
    } else {
        gl_pgbouncer_free(r->pgb);
        r->pgb = NULL;
        if (ok)
            *err = e;
        ok = 0;
    }
    r->undo_src_ok = ok;
    /* destination: the old path streaming again, no new slot */
    gl_error_clear(&e);
    snprintf(sql, sizeof(sql), "ALTER SUBSCRIPTION %s ENABLE", r->old_path->sub);
    if (gl_switch__connect(r, 0, 1, 0, &e) != 0 ||
        gl_switch__sql(&r->dst, "re-enabling the subscription",
                       "SELECT 1 FROM pg_catalog.pg_subscription WHERE subname = $1",
                       r->old_path->sub, &e) != 0 ||
        gl_switch__sql(&r->dst, "re-enabling the subscription", sql, NULL, &e) != 0 ||
        gl_switch__drop_slot(&r->dst, r->new_path->slot, &e) != 0) {
        if (ok)
            *err = e;
        ok = 0;
    }
    return ok ? 0 : -1;
}

/* The old path's subscription on the destination: detached from its slot
 * first, so the drop never waits on the source (the slot is dropped there
 * once its walsender is gone). Absent is done. */
static int drop_old_subscription(gl_switch_run *r, gl_error *err)
{
    char sql[256];
    int exists = 0;

    if (gl_switch__bool(&r->dst, "looking for the old subscription",
                        "SELECT count(*) > 0 FROM pg_catalog.pg_subscription WHERE subname = $1",
                        r->old_path->sub, &exists, err) != 0)
        return -1;
    if (!exists)
        return 0;
    snprintf(sql, sizeof(sql), "ALTER SUBSCRIPTION %s DISABLE", r->old_path->sub);
    if (gl_switch__sql(&r->dst, "dropping the old subscription", sql, NULL, err) != 0)
        return -1;
    snprintf(sql, sizeof(sql), "ALTER SUBSCRIPTION %s SET (slot_name = NONE)", r->old_path->sub);
    if (gl_switch__sql(&r->dst, "dropping the old subscription", sql, NULL, err) != 0)
        return -1;
    snprintf(sql, sizeof(sql), "DROP SUBSCRIPTION %s", r->old_path->sub);
    return gl_switch__sql(&r->dst, "dropping the old subscription", sql, NULL, err);
}

/* The destination unfenced, PgBouncer pointing at it and resumed. */
static int repoint(gl_switch_run *r, gl_error *err)
{
    const gl_pgbouncer_target *dst_t = r->to_green ? &r->green_t : &r->blue_t;
    gl_pgbouncer_target now;

    if (gl_switch__connect(r, 0, 1, 1, err) != 0 ||
        gl_fence_set(r->dst.conn, r->dst_side, 0, gl_time_ms() + 10000, err) != 0 ||
        gl_pgbouncer_ini_read_target(r->ini, r->alias, &now, err) != 0)
        return -1;
    if (!gl_switch__target_equal(&now, dst_t) && gl_pgbouncer_ini_write_target(r->ini, r->alias, dst_t, err) != 0)
        return -1;
    if (gl_pgbouncer_reload(r->pgb, err) != 0 || gl_pgbouncer_resume(r->pgb, r->alias, err) != 0)
        return -1;
    return 0;
}

/* Sends (without waiting for it) the new subscription on the source, from
 * the destination without copy; the caller collects its result. */
static int send_new_subscription(gl_switch_run *r, gl_error *err)
{
    char sql[2048], *conninfo, *quoted = NULL;
    int rc = -1;

    conninfo = gl_deploy_conninfo_for_subscription(r->dst.conn, err);
    if (conninfo == NULL)
        return gl_error_prefix(err, "%s", r->dst_side);
    quoted = PQescapeLiteral(r->src.conn, conninfo, strlen(conninfo));
    if (quoted == NULL) {
        oom(err);
        goto out;
    }
    if (snprintf(sql, sizeof(sql),
                 "CREATE SUBSCRIPTION %s CONNECTION %s PUBLICATION %s WITH (create_slot = false,"
                 " slot_name = '%s', copy_data = false, enabled = true)",
                 r->new_path->sub, quoted, r->new_path->pub, r->new_path->slot) >= (int)sizeof(sql)) {
        gl_error_set(err, GL_ERR_USAGE, "%s's conninfo is too long for a subscription", r->dst_side);
        goto out;
    }
    rc = gl_deploy_sql_send(&r->src, "subscribing back (no initial copy)", sql, 0, NULL, err);
out:
    explicit_bzero(conninfo, strlen(conninfo));
    free(conninfo);
    if (quoted != NULL) {
        explicit_bzero(quoted, strlen(quoted));
        PQfreemem(quoted);
    }
    explicit_bzero(sql, sizeof(sql));
    return rc;
}

/*
 * Completes an operation past its commit point: the destination unfenced,
 * PgBouncer pointing at it and resumed (timed as "repoint"), then the old
 * path dropped and the new one subscribed without copy (timed as "cleanup").
 */
int gl_switch__finish(gl_switch_run *r, gl_error *err)
{
    int exists = 0, subscribing = 0, rc = -1;

    gl_switch__step(r, "repoint");
    if (repoint(r, err) != 0)
        return -1;
    r->gap_ms = r->gap_t0 > 0 ? gl_time_ms() - r->gap_t0 : 0;
    gl_switch__step_done(r);

    gl_switch__step(r, "cleanup");
    if (gl_switch__connect(r, 1, 0, 0, err) != 0)
        return -1;
    /* The new subscription on the source is sent first and runs (it connects
     * to the destination) while the old one is dropped on the destination:
     * the two servers work at once. Each part is re-runnable on its own. */
    if (gl_switch__bool(&r->src, "looking for the new subscription",
                        "SELECT count(*) > 0 FROM pg_catalog.pg_subscription WHERE subname = $1",
                        r->new_path->sub, &exists, err) != 0)
        return -1;
    if (!exists) {
        if (send_new_subscription(r, err) != 0)
            return -1;
        subscribing = 1;
    }
    if (drop_old_subscription(r, err) != 0)
        goto out;
    if (subscribing) {
        subscribing = 0;
        if (gl_deploy_sql_finish(&r->src, "subscribing back (no initial copy)", NULL, err) != 0)
            goto out;
    }
    if (gl_switch__drop_slot(&r->src, r->old_path->slot, err) != 0)
        goto out;
    gl_switch__step_done(r);
    rc = 0;
out:
    if (subscribing) {
        /* The destination's part failed: still collect the source's result. */
        gl_error ignored;
        (void)gl_deploy_sql_finish(&r->src, "subscribing back (no initial copy)", NULL, &ignored);
    }
    return rc;
}

/* The record after an operation ends: done, undone, or left for later. */
int gl_switch__record_end(gl_switch_run *r, const char *outcome, const char *error, gl_error *err)
{
    const char *state;
    gl_value *sw = sw_obj(r);

    if (strcmp(outcome, "done") == 0)
        state = r->to_green ? "switchover_completed" : "rolled_back";
    else if (strcmp(outcome, "undone") == 0)
        state = gl_value_object_string(sw, "from_state");
    else
        state = gl_value_get_bool(gl_value_object_get(sw, "committed")) ? "switchover_in_progress"
                                                                        : "switchover_failed";
    if (gl_value_object_set(sw, "outcome", gl_value_string(outcome)) != 0 ||
        gl_value_object_set(sw, "gap_ms", gl_value_number((double)(long)(r->gap_ms * 10) / 10)) != 0 ||
        gl_deploy_record_set_string(r->rec, "state", state ? state : "available") != 0 ||
        gl_deploy_record_set_string(r->rec, "last_error", error) != 0)
        return oom(err);
    return gl_deploy_record_save(r->dir, r->rec, err);
}

int gl_deploy_switch_recover(const char *state_dir, gl_value *rec, const char *blue,
                             const char *green, const char **what, gl_error *err)
{
    const gl_value *sw = gl_value_object_get(rec, "switchover");
    const char *outcome = gl_value_object_string(sw, "outcome");
    const char *op = gl_value_object_string(sw, "operation");
    gl_switch_run r;
    int committed, rc = -1;

    if (what != NULL)
        *what = "";
    if (outcome == NULL || op == NULL ||
        (strcmp(outcome, "in_progress") != 0 && strcmp(outcome, "undo_incomplete") != 0))
        return 0;
    committed = gl_value_get_bool(gl_value_object_get(sw, "committed"));
    memset(&r, 0, sizeof(r));
    r.dir = state_dir;
    r.rec = rec;
    r.out = stderr;
    r.quiet = 1;
    r.timeout_s = 30;
    if (gl_switch__prepare(&r, strcmp(op, "rollback") == 0 ? "rollback" : "switchover", blue,
                           green, err) != 0)
        goto out;
    fprintf(stderr, "greenlight: the %s interrupted at step %s is %s\n", r.op,
            gl_value_object_string(sw, "step") ? gl_value_object_string(sw, "step") : "?",
            committed ? "past its commit point: finishing it" : "before its commit point: undoing it");
    if (committed) {
        if (gl_switch__finish(&r, err) != 0) {
            gl_error keep;
            gl_error_clear(&keep);
            (void)gl_switch__record_end(&r, "in_progress", err->message, &keep);
            goto out;
        }
        if (gl_switch__record_end(&r, "done", NULL, err) != 0)
            goto out;
        if (what != NULL)
            *what = "finished";
    } else {
        int undone = gl_switch__undo(&r, err) == 0;
        gl_error keep;
        gl_error_clear(&keep);
        if (gl_switch__record_end(&r, undone ? "undone" : "undo_incomplete",
                                  undone ? "interrupted before the commit point; undone" : err->message,
                                  undone ? err : &keep) != 0 || !undone)
            goto out;
        if (what != NULL)
            *what = "undone";
    }
    rc = 0;
out:
    gl_switch__close(&r);
    return rc;
}
