/*
 * switchover — `greenlight deploy switchover`: the gate, then the steps of
 * deploy/switch.h from blue to green. gl_switch__execute is the operation
 * itself, shared with rollback.c (which runs it from green to blue).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act/fence.h"
#include "act/sync.h"
#include "deploy/record.h"
#include "deploy/switch_run.h"
#include "report/report.h"

/* Read-only checks before anything changes; *lag_bytes from the old slot. */
static int preflight(gl_switch_run *r, long long *lag_bytes, gl_error *err)
{
    const gl_pgbouncer_target *src_t = r->to_green ? &r->blue_t : &r->green_t;
    const gl_pgbouncer_target *dst_t = r->to_green ? &r->green_t : &r->blue_t;
    gl_pgbouncer_target now;
    const char *params[1];
    char *v = NULL;
    int ok = 0;

    if (gl_switch__connect(r, 1, 1, 1, err) != 0 ||
        gl_pgbouncer_check_pool_mode(r->pgb, r->alias, err) != 0 ||
        gl_pgbouncer_ini_read_target(r->ini, r->alias, &now, err) != 0)
        return -1;
    if (!gl_switch__target_equal(&now, src_t))
        return gl_error_set(err, GL_ERR_USAGE,
                            "PgBouncer's entry %s in %s points at host=%s port=%s dbname=%s, not at "
                            "%s (host=%s port=%s dbname=%s)%s: a %s moves clients away from %s only",
                            r->alias, r->ini, now.host, now.port, now.dbname, r->src_side,
                            src_t->host, src_t->port, src_t->dbname,
                            gl_switch__target_equal(&now, dst_t) ? ", it already points at the "
                                                                   "destination" : "",
                            r->op, r->src_side);
    if (gl_switch__bool(&r->dst, "checking the subscription",
                        "SELECT subenabled FROM pg_catalog.pg_subscription WHERE subname = $1",
                        r->old_path->sub, &ok, err) != 0)
        return -1;
    if (!ok)
        return gl_error_set(err, GL_ERR_USAGE, "%s: subscription %s is missing or disabled, so %s "
                            "is not receiving %s's changes: `greenlight deploy status` says why",
                            r->dst_side, r->old_path->sub, r->dst_side, r->src_side);
    if (gl_switch__bool(&r->src, "checking for prepared transactions",
                        "SELECT count(*) = 0 FROM pg_catalog.pg_prepared_xacts"
                        " WHERE database = current_database()", NULL, &ok, err) != 0)
        return -1;
    if (!ok)
        return gl_error_set(err, GL_ERR_USAGE, "%s has prepared transactions that could still "
                            "commit: COMMIT PREPARED or ROLLBACK PREPARED them first (see "
                            "pg_prepared_xacts)", r->src_side);
    if (gl_switch__bool(&r->src, "checking for an old subscription",
                        "SELECT count(*) = 0 FROM pg_catalog.pg_subscription WHERE subname = $1",
                        r->new_path->sub, &ok, err) != 0)
        return -1;
    if (!ok)
        return gl_error_set(err, GL_ERR_USAGE, "%s already has subscription %s (left from an "
                            "earlier run?): drop it, then retry", r->src_side, r->new_path->sub);
    params[0] = r->old_path->slot;
    if (gl_deploy_sql_value(&r->src, "measuring the lag",
                            "SELECT coalesce((SELECT (pg_catalog.pg_current_wal_lsn()"
                            " - confirmed_flush_lsn)::bigint FROM pg_catalog.pg_replication_slots"
                            " WHERE slot_name = $1)::text, 'none')", 1, params, &v, err) != 0)
        return -1;
    if (strcmp(v, "none") == 0) {
        free(v);
        return gl_error_set(err, GL_ERR_USAGE, "%s has no replication slot %s: the path to %s is "
                            "broken; `greenlight deploy status` says more", r->src_side,
                            r->old_path->slot, r->dst_side);
    }
    *lag_bytes = atoll(v);
    free(v);
    return 0;
}

/* Round trip to a server in ms, the best of three (for the dry run). */
static double round_trip(gl_deploy_conn *c)
{
    double best = 1e9;
    gl_error ignored;

    for (int i = 0; i < 3; i++) {
        double t0 = gl_time_ms();
        (void)gl_switch__sql(c, "measuring the round trip", "SELECT 1", NULL, &ignored);
        if (gl_time_ms() - t0 < best)
            best = gl_time_ms() - t0;
    }
    return best;
}

static void print_plan(gl_switch_run *r, long long lag_bytes)
{
    const gl_pgbouncer_target *dst_t = r->to_green ? &r->green_t : &r->blue_t;
    double rtt = round_trip(&r->src);
    double rtt_dst = round_trip(&r->dst);
    /* About 14 round trips to the source, 8 to the destination, 4 to
     * PgBouncer while paused; applying the lag at an assumed 50 MB/s. */
    double expected = 18 * rtt + 12 * rtt_dst + (double)lag_bytes / 50000.0;

    fprintf(r->out,
            "dry run: %s of deployment %s, %s -> %s; nothing was changed.\n"
            "  lag now: %lld bytes (slot %s on %s)\n"
            "  expected pause of writes: about %.0f ms (round trips %.1f/%.1f ms, lag at 50 MB/s)\n"
            "  plan:\n"
            "   1 gate       (done: authorised)\n"
            "   2 pause      PAUSE %s in PgBouncer (waits for open transactions)\n"
            "   3 fence      %s read-only (ALTER SYSTEM), terminate its other sessions\n"
            "   4 lsn        %s's final WAL position\n"
            "   5 catchup    wait until %s applied it and %s has it durable\n"
            "   6 sequences  copy every sequence %s -> %s\n"
            "   7 slot       disable %s on %s, create slot %s on %s\n"
            "   8 commit     record the commit point (timeout %u s until here; undone on failure)\n"
            "   9 repoint    unfence %s, point %s at host=%s port=%s dbname=%s, RELOAD, RESUME\n"
            "  10 cleanup    drop %s and slot %s; subscribe %s to %s (%s, no copy)\n",
            r->op, gl_deploy_record_string(r->rec, "name"), r->src_side, r->dst_side, lag_bytes,
            r->old_path->slot, r->src_side, expected, rtt, rtt_dst, r->alias, r->src_side,
            r->src_side, r->dst_side, r->src_side, r->src_side, r->dst_side, r->old_path->sub,
            r->dst_side, r->new_path->slot, r->dst_side, r->timeout_s, r->dst_side, r->alias,
            dst_t->host, dst_t->port, dst_t->dbname, r->old_path->sub, r->old_path->slot,
            r->src_side, r->dst_side, r->new_path->sub);
}

/* Steps pause .. slot: everything before the commit point. */
static int before_commit(gl_switch_run *r, gl_error *err)
{
    char sql[256];
    const char *params[1];
    size_t n_seq = 0;

    gl_switch__step(r, "pause");
    r->gap_t0 = gl_time_ms();
    if (gl_pgbouncer_pause(r->pgb, r->alias, r->deadline - gl_time_ms(), err) != 0)
        return -1;
    gl_switch__step_done(r);

    gl_switch__step(r, "fence");
    if (gl_fence_set(r->src.conn, r->src_side, 1, r->deadline, err) != 0 ||
        gl_fence_drain(r->src.conn, r->src_side, r->deadline, NULL, err) != 0)
        return -1;
    gl_switch__step_done(r);

    gl_switch__step(r, "lsn");
    if (gl_sync_final_lsn(r->src.conn, r->src_side, r->lsn, sizeof(r->lsn), err) != 0 ||
        gl_switch__record_set(r, "lsn", gl_value_string(r->lsn), 0, err) != 0)
        return -1;
    gl_switch__step_done(r);

    gl_switch__step(r, "catchup");
    if (gl_sync_wait_applied(r->src.conn, r->src_side, r->dst.conn, r->dst_side, r->old_path->sub,
                             r->old_path->slot, r->lsn, r->deadline, err) != 0)
        return -1;
    gl_switch__step_done(r);

    gl_switch__step(r, "sequences");
    if (gl_sync_sequences(r->src.conn, r->src_side, r->dst.conn, r->dst_side, &n_seq, err) != 0)
        return -1;
    gl_switch__step_done(r);

    /* Loop safety comes from this order, not from origin = none (which 15
     * rejects and which a 17 subscriber ignores against a 15 publisher): the
     * old path stops before the destination's first write, and the new slot
     * starts after its last applied change. */
    gl_switch__step(r, "slot");
    snprintf(sql, sizeof(sql), "ALTER SUBSCRIPTION %s DISABLE", r->old_path->sub);
    params[0] = r->new_path->slot;
    if (gl_switch__sql(&r->dst, "disabling the old subscription", sql, NULL, err) != 0 ||
        gl_deploy_sql(&r->dst, "creating the new replication slot",
                      "SELECT pg_catalog.pg_create_logical_replication_slot($1, 'pgoutput')", 1,
                      params, NULL, err) != 0)
        return -1;
    gl_switch__step_done(r);
    if (gl_time_ms() > r->deadline)
        return gl_error_set(err, GL_ERR_UNAVAILABLE, "the %u s timeout ran out before the commit "
                            "point", r->timeout_s);
    return 0;
}

static void print_done(gl_switch_run *r, const gl_switch_options *o, double total_ms)
{
    const gl_pgbouncer_target *dst_t = r->to_green ? &r->green_t : &r->blue_t;
    const gl_value *sw = gl_value_object_get(r->rec, "switchover");

    if (o->json) {
        gl_value *v = gl_value_object();
        char *text;
        size_t len;
        if (v == NULL || gl_value_object_set(v, "operation", gl_value_string(r->op)) != 0 ||
            gl_value_object_set(v, "outcome", gl_value_string("done")) != 0 ||
            gl_value_object_set(v, "serving", gl_value_string(r->dst_side)) != 0 ||
            gl_value_object_set(v, "pause_ms", gl_value_number((double)(long)(r->gap_ms * 10) / 10)) != 0 ||
            gl_value_object_set(v, "total_ms", gl_value_number((double)(long)(total_ms * 10) / 10)) != 0 ||
            gl_value_object_set(v, "steps_ms", gl_value_copy(gl_value_object_get(sw, "steps_ms"))) != 0) {
            gl_value_free(v);
            return;
        }
        text = gl_json_write(v, 1, &len);
        if (text != NULL)
            printf("%s\n", text);
        free(text);
        gl_value_free(v);
        return;
    }
    printf("%s done in %.1f ms; writes paused %.1f ms; PgBouncer's %s now points at %s "
           "(host=%s port=%s dbname=%s)\n",
           r->op, total_ms, r->gap_ms, r->alias, r->dst_side, dst_t->host, dst_t->port,
           dst_t->dbname);
}

static int ensure_publication(gl_switch_run *r, gl_error *err)
{
    char sql[256];
    int exists = 0;

    if (gl_switch__bool(&r->dst, "looking for the publication",
                        "SELECT count(*) > 0 FROM pg_catalog.pg_publication WHERE pubname = $1",
                        r->new_path->pub, &exists, err) != 0)
        return -1;
    snprintf(sql, sizeof(sql), "CREATE PUBLICATION %s FOR ALL TABLES", r->new_path->pub);
    if (!exists && gl_switch__sql(&r->dst, "creating the publication", sql, NULL, err) != 0)
        return -1;
    return 0;
}

/* A step before the commit point failed (err): undoes everything, says
 * what serves now and returns -1 with err (its class: the timeout's is
 * unavailable). */
static int undo_before_commit(gl_switch_run *r, gl_error *err)
{
    gl_error undo_err;
    int rc;

    gl_error_clear(&undo_err);
    if (gl_time_ms() > r->deadline && err->error_class != GL_ERR_UNAVAILABLE)
        gl_error_set(err, GL_ERR_UNAVAILABLE, "the %u s timeout ran out: %s", r->timeout_s, err->message);
    rc = gl_switch__undo(r, &undo_err);
    r->gap_ms = r->gap_t0 > 0 ? gl_time_ms() - r->gap_t0 : 0;
    if (rc == 0) {
        fprintf(stderr, "greenlight: error: %s during step %s. Everything was undone: %s "
                "serves, PgBouncer resumed (writes paused %.1f ms)\n", r->op, r->step,
                r->src_side, r->gap_ms);
        (void)gl_switch__record_end(r, "undone", err->message, &undo_err);
    } else {
        fprintf(stderr, "greenlight: error: %s during step %s. %s; undoing the rest failed "
                "(%s): re-run any `greenlight deploy` verb to finish the undo\n", r->op,
                r->step, r->undo_src_ok ? (r->to_green ? "Blue serves, PgBouncer resumed"
                                                       : "Green serves, PgBouncer resumed")
                                        : "The source may not serve yet",
                undo_err.message);
        (void)gl_switch__record_end(r, "undo_incomplete", err->message, &undo_err);
    }
    fprintf(stderr, "greenlight: cause: %s\n", err->message);
    return -1;
}

int gl_switch__execute(gl_switch_run *r, const gl_switch_options *o, gl_error *err)
{
    gl_error undo_err;
    long long lag = 0;
    double t0 = gl_time_ms();

    if (preflight(r, &lag, err) != 0)
        goto refused;
    if (o->dry_run) {
        print_plan(r, lag);
        return 0;
    }
    /* The publication of the new path, before anything is paused. */
    if (ensure_publication(r, err) != 0)
        goto refused;
    if (gl_switch__drop_slot(&r->dst, r->new_path->slot, err) != 0 ||
        gl_switch__record_begin(r, err) != 0)
        goto refused;
    if (!r->quiet)
        fprintf(r->out, "%s of deployment %s: %s -> %s (timeout %u s)\n", r->op,
                gl_deploy_record_string(r->rec, "name"), r->src_side, r->dst_side, r->timeout_s);
    r->deadline = gl_time_ms() + r->timeout_s * 1000.0;
    if (before_commit(r, err) != 0)
        return undo_before_commit(r, err);

    gl_switch__step(r, "commit");
    if (gl_switch__record_set(r, "committed", gl_value_bool(1), 1, err) != 0) {
        /* Not durable, so not passed: undo. */
        (void)gl_switch__undo(r, &undo_err);
        (void)gl_switch__record_end(r, "undone", err->message, &undo_err);
        goto failed;
    }
    gl_switch__step_done(r);
    if (gl_switch__finish(r, err) != 0) {
        gl_error keep;
        gl_error_clear(&keep);
        (void)gl_switch__record_end(r, "in_progress", err->message, &keep);
        fprintf(stderr, "greenlight: error: %s passed its commit point and then failed at step "
                "%s: %s. Re-run any `greenlight deploy` verb to finish it\n", r->op, r->step,
                err->message);
        return -1;
    }
    gl_switch__step(r, "done");
    if (gl_switch__record_end(r, "done", NULL, err) != 0)
        goto failed;
    print_done(r, o, gl_time_ms() - t0);
    return 0;

refused:
failed:
    fprintf(stderr, "greenlight: error: %s\n", err->message);
    return -1;
}

/* ---- the verbs ------------------------------------------------------------ */

/* Lock, record, recovery of an interrupted run; then state must be one of
 * `allowed`. Returns 0 (*finished_now: the interrupted run of op was just
 * finished, nothing more to do), or -1 with err (printed). */
int gl_switch__open(gl_switch_run *r, const gl_switch_options *o, const char *op,
                    const char *const *allowed, int *lock_fd, int *finished_now, gl_error *err)
{
    const char *state, *what = "";
    int rc;

    *finished_now = 0;
    if (gl_deploy_lock(o->state_dir, lock_fd, err) != 0)
        goto fail;
    rc = gl_deploy_record_load(o->state_dir, &r->rec, err);
    if (rc == 1)
        gl_error_set(err, GL_ERR_USAGE, "no deployment in %s: create one with `greenlight deploy "
                     "create`, or give the right --state DIR / GREENLIGHT_STATE", o->state_dir);
    if (rc != 0)
        goto fail;
    if (gl_deploy_switch_recover(o->state_dir, r->rec, o->blue, o->green, &what, err) != 0)
        goto fail;
    state = gl_deploy_record_string(r->rec, "state");
    if (strcmp(what, "finished") == 0 &&
        strcmp(gl_value_object_string(gl_value_object_get(r->rec, "switchover"), "operation"), op) == 0) {
        *finished_now = 1;
        printf("%s: the interrupted %s was finished; %s\n", op, op, state);
        return 0;
    }
    for (size_t i = 0; allowed[i] != NULL; i++)
        if (state != NULL && strcmp(state, allowed[i]) == 0)
            goto prepared;
    gl_error_set(err, GL_ERR_USAGE, "deployment %s is %s: `deploy %s` needs it %s%s%s",
                 gl_deploy_record_string(r->rec, "name"), state ? state : "in no known state", op,
                 allowed[0], allowed[1] ? " or " : "", allowed[1] ? allowed[1] : "");
    goto fail;
prepared:
    r->dir = o->state_dir;
    r->timeout_s = o->timeout_s;
    r->out = o->json ? stderr : stdout;
    if (gl_switch__prepare(r, op, o->blue, o->green, err) != 0)
        goto fail;
    return 0;
fail:
    fprintf(stderr, "greenlight: error: %s\n", err->message);
    return -1;
}

/* Step 1: the gate, through the one pipeline entry point. Returns 0 when it
 * authorises; 1 when it does not, with *gate_exit what o->gate_report
 * returned (it prints and writes the report) or, without one, the report's
 * decision.exit_code; -1 with err (printed) when it could not run. */
static int gate(gl_switch_run *r, const gl_switch_options *o, int *gate_exit, gl_error *err)
{
    gl_check_options g = o->gate;
    gl_value *report = NULL;
    int exit_code = GL_EXIT_INTERNAL, rc; /* fail closed: never 0 unless the run says so */
    double t0 = gl_time_ms();
    char *config = NULL;

    g.blue = r->to_green ? r->src_spec : r->dst_spec;
    g.green = r->to_green ? r->dst_spec : r->src_spec;
    /* --config plus PgBouncer's connections as they are now (the bypass guardrail). */
    if (gl_deploy_gate_config_write(r->dir, r->rec, o->gate.config_path, &config, err) != 0) {
        fprintf(stderr, "greenlight: error: the gate could not run: %s\n", err->message);
        return -1;
    }
    gl_deploy_pause_point("switchover:gate-config");
    g.config_path = config;
    g.after_collect = gl_deploy_gate_endpoint_refresh;
    g.after_collect_ud = (void *)r->rec;
    rc = gl_check_run(&g, &report, &exit_code, err);
    free(config);
    if (rc != 0) {
        fprintf(stderr, "greenlight: error: the gate could not run: %s\n", err->message);
        return -1;
    }
    if (o->gate_report != NULL) {
        rc = o->gate_report(o->gate_report_ud, report, exit_code);
    } else {
        gl_report_print_text(report, stdout, 0);
        rc = exit_code;
    }
    gl_value_free(report);
    if (rc != 0) {
        fprintf(stderr, "greenlight: the gate did not authorise the switchover (exit %d): nothing "
                "was changed\n", rc);
        *gate_exit = rc;
        return 1;
    }
    fprintf(r->out, "  %-10s %8.1f ms (authorised)\n", "gate", gl_time_ms() - t0);
    return 0;
}

int gl_deploy_switchover(const gl_switch_options *o, gl_switch_outcome *out, gl_error *err)
{
    static const char *const allowed[] = {"available", "rolled_back", NULL};
    gl_switch_run r;
    int lock_fd = -1, finished = 0, rc;

    memset(&r, 0, sizeof(r));
    memset(out, 0, sizeof(*out));
    gl_error_clear(err);
    rc = gl_switch__open(&r, o, "switchover", allowed, &lock_fd, &finished, err);
    if (rc != 0 || finished)
        goto out;
    gl_deploy_kill_point("switchover:gate");
    rc = gate(&r, o, &out->gate_exit, err);
    if (rc != 0) {
        out->gate_refused = rc == 1;
        rc = rc == 1 ? 0 : -1;
        goto out;
    }
    rc = gl_switch__execute(&r, o, err);
out:
    gl_switch__close(&r);
    gl_value_free(r.rec);
    gl_deploy_unlock(lock_fd);
    return rc;
}
