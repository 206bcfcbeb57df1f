/*
 * collect.c — stage 2: open both sides and collect every selected plugin's
 * facts on each (from the live server, or from a snapshot file). A side that
 * cannot be opened is recorded (stage "connect") and its plugins skipped.
 */
#include "run/stages.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/identity.h"
#include "plugin/invoke.h"

/* One side's opening, for a thread. */
typedef struct open_job {
    gl_run *run;
    gl_side side;
    const char *spec;
    gl_error err;
    int rc;
} open_job;

static void *open_job_run(void *arg)
{
    open_job *job = arg;

    gl_error_clear(&job->err);
    job->rc = gl_target_open(&job->run->targets[job->side], job->side, job->spec,
                             &job->run->opts->target, &job->err);
    return NULL;
}

/* Both sides are opened at once (blue in a second thread): connecting and
 * reading each server's identity is round trips, not work. Failures are then
 * taken in side order, as before. */
static int open_targets(gl_run *run, gl_error *err)
{
    open_job jobs[2] = {{run, GL_SIDE_BLUE, run->opts->blue, {0}, -1},
                        {run, GL_SIDE_GREEN, run->opts->green, {0}, -1}};
    pthread_t thread;
    int started = pthread_create(&thread, NULL, open_job_run, &jobs[0]) == 0;

    if (!started)
        open_job_run(&jobs[0]);
    open_job_run(&jobs[1]);
    if (started)
        pthread_join(thread, NULL);
    for (int s = 0; s < 2; s++) {
        gl_error terr = jobs[s].err;
        if (jobs[s].rc == 0)
            continue;
        if (terr.exit_code == GL_EXIT_USAGE) {
            *err = terr;
            return -1;
        }
        run->unavailable = run->unavailable || terr.exit_code == GL_EXIT_UNAVAILABLE;
        run->internal = run->internal || terr.exit_code != GL_EXIT_UNAVAILABLE;
        if (gl_run_error_push(run, "connect", gl_side_name((gl_side)s), NULL, terr.message) != 0)
            return gl_error_set(err, GL_EXIT_INTERNAL, "out of memory");
    }
    /* A stale snapshot describes a server that has moved on since. */
    for (int s = 0; s < 2 && run->opts->max_snapshot_age_s > 0; s++) {
        double age;
        char shown[32], limit[32];
        if (run->targets[s] == NULL || run->targets[s]->snapshot == NULL)
            continue;
        if (gl_target_snapshot_age(run->targets[s], &age) != 0)
            return gl_error_set(err, GL_EXIT_USAGE, "--%s %s: the snapshot's taken_at is not an RFC 3339 "
                                "UTC time, so its age is unknown and --max-snapshot-age cannot hold: take "
                                "the snapshot again", gl_side_name((gl_side)s), run->targets[s]->display);
        if (age <= run->opts->max_snapshot_age_s)
            continue;
        gl_age_format(age, shown, sizeof(shown));
        gl_age_format(run->opts->max_snapshot_age_s, limit, sizeof(limit));
        return gl_error_set(err, GL_EXIT_USAGE, "--%s %s: the snapshot is %s old (taken at %s), older "
                            "than --max-snapshot-age %s: take it again (`greenlight snapshot`) or "
                            "raise the limit", gl_side_name((gl_side)s), run->targets[s]->display, shown,
                            gl_value_object_string(run->targets[s]->snapshot, "taken_at"), limit);
    }
    /* One database on both sides would compare equal and authorise. */
    if (run->opts->same_database_ok)
        return 0;
    return gl_targets_distinct(run->targets[0], run->targets[1], err);
}

/* One plugin's facts on both sides into side_facts; sets p->status and
 * p->message when it fails or is skipped. -1 only when out of memory. */
static int collect_plugin(gl_run *run, gl_run_plugin *p, gl_value *side_facts[2])
{
    const gl_plugin *d = p->loaded->desc;
    gl_target **targets = run->targets;

    if (GL_PLUGIN_HAS(d, collect_pair) && targets[0] && targets[1] && targets[0]->conn && targets[1]->conn) {
        if (gl_plugin_collect_pair(d, targets, run->config, run->opts->verbose, side_facts,
                                   p->message, sizeof(p->message)) != 0)
            p->status = "failed";
    }
    for (int s = 0; s < 2 && strcmp(p->status, "ok") == 0 && side_facts[s] == NULL; s++) {
        const gl_value *snap;
        int prefix;

        if (targets[s] == NULL) {
            p->status = "skipped";
            snprintf(p->message, sizeof(p->message), "the %s side is unavailable",
                     gl_side_name((gl_side)s));
            return 0;
        }
        if (targets[s]->snapshot != NULL) {
            snap = gl_target_snapshot_facts(targets[s], d->name);
            if (snap == NULL) {
                p->status = "failed";
                snprintf(p->message, sizeof(p->message),
                         "the %s snapshot %s has no facts from plugin %s: take the snapshot again "
                         "with this plugin installed",
                         gl_side_name((gl_side)s), targets[s]->display, d->name);
                return 0;
            }
            side_facts[s] = gl_value_copy(snap);
            if (side_facts[s] == NULL)
                return -1;
            continue;
        }
        prefix = snprintf(p->message, sizeof(p->message), "collect on %s: ", gl_side_name((gl_side)s));
        if (gl_plugin_collect(d, targets, (gl_side)s, run->config, run->opts->verbose,
                              &side_facts[s], p->message + prefix,
                              sizeof(p->message) - (size_t)prefix) != 0)
            p->status = "failed";
    }
    return 0;
}

int gl_run_collect(gl_run *run, gl_error *err)
{
    if (open_targets(run, err) != 0)
        return -1;
    run->ran = calloc(run->plugins.count ? run->plugins.count : 1, sizeof(*run->ran));
    if (run->ran == NULL)
        return gl_error_set(err, GL_EXIT_INTERNAL, "out of memory");
    for (size_t i = 0; i < run->plugins.count; i++) {
        const gl_loaded_plugin *lp = &run->plugins.items[i];
        gl_run_plugin *p;
        gl_value *side_facts[2] = {NULL, NULL};
        double t0 = gl_time_ms();
        int rc;

        if (lp->state != GL_PLUGIN_LOADED || !gl_plugin_wanted(run->opts->only_plugins, lp->desc->name))
            continue;
        p = &run->ran[run->n_ran++];
        p->loaded = lp;
        p->status = "ok";
        if (run->opts->verbose)
            fprintf(stderr, "greenlight: %s %s: %s\n", lp->desc->name, lp->desc->version,
                    lp->desc->description ? lp->desc->description : "(no description)");
        rc = collect_plugin(run, p, side_facts);
        for (int s = 0; s < 2; s++)
            if (side_facts[s] != NULL &&
                gl_value_object_set(gl_value_object_get_mut(run->facts, gl_side_name((gl_side)s)),
                                    lp->desc->name, side_facts[s]) != 0)
                rc = -1;
        p->duration_ms = gl_time_ms() - t0;
        if (rc != 0)
            return gl_error_set(err, GL_EXIT_INTERNAL, "out of memory collecting %s", lp->desc->name);
    }
    return 0;
}
