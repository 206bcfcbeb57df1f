/*
 * status — `greenlight deploy status`: the deployment as the servers show it
 * (publication and slot on the publisher, subscription and fence on the
 * subscriber, PgBouncer's target), checked against the record. Before a
 * switchover the path runs blue -> green; after one (switchover_completed)
 * green serves and the reverse path green -> blue keeps blue in sync for a
 * rollback, and status describes that path. The state is rebuilt from the
 * servers; when it differs from the recorded one, status says so and records
 * the servers' view (available <-> degraded only: the other states belong to
 * the verb that sets them). What it reads from the servers is in status_look.c.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy/deploy.h"
#include "deploy/record.h"
#include "deploy/schema_copy.h"
#include "deploy/status_run.h"


void gl_status__problem(status_run *s, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (gl_value_array_push(s->problems, gl_value_string(buf)) != 0)
        s->oom = 1;
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
        gl_status__problem(s, "publication %s is missing on %s", s->pub, ps);
    if (!gl_value_get_bool(gl_value_object_get(sub, "exists")) && subscribed)
        gl_status__problem(s, "subscription %s is missing on %s", s->sub, ss);
    if (!gl_value_get_bool(gl_value_object_get(slot, "exists")) && subscribed)
        gl_status__problem(s, "replication slot %s is missing on %s", s->slot, ps);
    if (gl_value_get_bool(gl_value_object_get(sub, "exists"))) {
        if (!gl_value_get_bool(gl_value_object_get(sub, "enabled")))
            gl_status__problem(s, "subscription %s is disabled (ALTER SUBSCRIPTION %s ENABLE)", s->sub, s->sub);
        else if (gl_value_get_int(gl_value_object_get(sub, "workers_running")) == 0)
            gl_status__problem(s, "subscription %s has no worker running: read %s's server log", s->sub, ss);
        if (created && gl_value_get_int(gl_value_object_get(sub, "tables_ready")) <
                           gl_value_get_int(gl_value_object_get(sub, "tables_total")))
            gl_status__problem(s, "%lld of %lld tables are not in sync",
                           (long long)(gl_value_get_int(gl_value_object_get(sub, "tables_total")) -
                                       gl_value_get_int(gl_value_object_get(sub, "tables_ready"))),
                           (long long)gl_value_get_int(gl_value_object_get(sub, "tables_total")));
    }
    {
        const char *ws = gl_value_object_string(slot, "wal_status");
        if (ws != NULL && (strcmp(ws, "lost") == 0 || strcmp(ws, "unreserved") == 0))
            gl_status__problem(s, "slot %s wal_status is %s: %s may already have removed WAL %s needs; %s",
                    s->slot, ws, ps, ss,
                    s->reverse ? "blue can no longer be kept in sync: a rollback would lose writes"
                               : "the deployment must be cleaned up and created again");
    }
    if (fenced && !gl_value_get_bool(gl_value_object_get(gl_value_object_get(o, "fence"), "read_only")))
        gl_status__problem(s, "%s is not fenced (default_transaction_read_only is not on at system "
                "level): anything may write to it", ss);
    {
        const gl_value *drift = gl_value_object_get(o, "ddl_drift");
        for (size_t i = 0; i < gl_value_len(drift); i++) {
            const gl_value *d = gl_value_array_at(drift, i);
            char what[128];
            drift_words(gl_value_object_string(d, "code"), what, sizeof(what));
            gl_status__problem(s, "DDL on %s since %s (not replicated): %s %s. Repair: apply the same "
                    "DDL to %s, then ALTER SUBSCRIPTION %s REFRESH PUBLICATION", ps,
                    s->reverse ? "the switchover" : "create", gl_value_object_string(d, "object"),
                    what, ss, s->sub);
        }
    }
    {
        int64_t n = gl_value_get_int(gl_value_object_get(gl_value_object_get(o, "large_objects"), "new_since_create"));
        if (n > 0)
            gl_status__problem(s, "%lld large object(s) written on blue since create: not replicated",
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
    if (gl_status__look_publisher(&s, s.out, err) != 0 || gl_status__look_subscriber(&s, s.out, err) != 0 ||
        gl_status__look_sequences(&s, s.out, err) != 0 || gl_status__look_drift(&s, s.out, err) != 0 ||
        gl_status__look_pgbouncer(&s, s.out, err) != 0)
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
