/*
 * collect.c — stage 2: open both sides and collect every selected plugin's
 * facts on each (from the live server, or from a snapshot file). A side that
 * cannot be opened is recorded (stage "connect") and its plugins skipped.
 *
 * Plugins collect at once, up to --jobs of them (lanes): the first lane runs
 * on the run's main connections, every other one on a pair of its own opened
 * like them (gl_target_clone). A lane whose pair cannot be opened (a role's
 * CONNECTION LIMIT, max_connections) runs its plugins on the main pair, one at
 * a time with the first lane; one whose pair reached another server fails
 * its plugins (the run holds). Facts, statuses and durations are kept per
 * plugin and merged in plugin order, so the report is the sequential one's.
 */
#include "run/stages.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/identity.h"
#include "plugin/invoke.h"
#include "plugin/isolate.h"

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
static int collect_plugin(gl_run *run, gl_target *targets[2], gl_run_plugin *p, gl_value *side_facts[2])
{
    const gl_plugin *d = p->loaded->desc;

    gl_error err;

    gl_error_clear(&err);
    if (GL_PLUGIN_HAS(d, collect_pair) && targets[0] && targets[1] && targets[0]->conn && targets[1]->conn) {
        if (gl_plugin_collect_pair(d, targets, run->config, run->opts->verbose, side_facts, &err) != 0) {
            p->status = "failed";
            snprintf(p->message, sizeof(p->message), "%s", err.message);
        }
    }
    for (int s = 0; s < 2 && strcmp(p->status, "ok") == 0 && side_facts[s] == NULL; s++) {
        const gl_value *snap;

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
        if (gl_plugin_collect(d, targets, (gl_side)s, run->config, run->opts->verbose, &side_facts[s],
                              &err) != 0) {
            p->status = "failed";
            gl_error_prefix(&err, "collect on %s", gl_side_name((gl_side)s));
            snprintf(p->message, sizeof(p->message), "%s", err.message);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ lanes */

typedef struct lanes lanes;

/* One collecting thread and the connections its plugins run on. */
typedef struct lane {
    lanes *all;
    gl_target *targets[2];   /* what its plugins run on: its own, or the run's */
    gl_target *own[2];       /* opened for this lane (freed when it is done), or NULL */
    int shared;              /* on the main pair, under main_lock */
    int other_server;        /* its own pair reached another server: its plugins fail */
    gl_error why;            /* why it shares the main pair, or the other server */
    int open_rc[2];          /* gl_target_clone's, per side */
    gl_error open_err[2];
} lane;

struct lanes {
    gl_run *run;
    gl_value *(*facts)[2];   /* per plugin run, per side, until merged in plugin order */
    pthread_mutex_t main_lock;
    pthread_mutex_t next_lock;
    size_t next;             /* the next plugin (run->ran) to take */
    int oom;
    /* Threads start and end only while no lane can fork: creating, ending
     * or joining a thread takes locks (the sanitizers' thread registry) a
     * child forked meanwhile would inherit held. Lanes begin together once
     * every thread exists (go) and end together once none runs a plugin. */
    pthread_mutex_t gate_lock;
    pthread_cond_t gate;
    int go;
    size_t arrived;          /* threads waiting for go (their start is over) */
    size_t working;          /* lanes still taking plugins */
};

/* A live side: one with a connection to clone. */
static int live(const gl_target *t)
{
    return t != NULL && t->conn != NULL;
}

/* -v: which connections a plugin runs on. */
static void say_connections(const lane *l, const gl_run_plugin *p)
{
    char pids[2][64];

    for (int s = 0; s < 2; s++) {
        const gl_target *t = l->targets[s];
        if (live(t))
            snprintf(pids[s], sizeof(pids[s]), "%s backend pid %d", gl_side_name((gl_side)s),
                     PQbackendPID(t->conn));
        else
            snprintf(pids[s], sizeof(pids[s]), "%s %s", gl_side_name((gl_side)s),
                     t != NULL ? "snapshot" : "unavailable");
    }
    fprintf(stderr, "greenlight: %s: on %s connections (%s, %s)%s%s\n", p->loaded->desc->name,
            l->shared ? "the main" : "its own", pids[0], pids[1],
            l->why.message[0] != '\0' && !l->other_server ? ": no connection of its own: " : "",
            !l->other_server ? l->why.message : "");
}

/* Runs plugin i of run->ran on the lane's connections. */
static void run_one(lane *l, size_t i)
{
    gl_run *run = l->all->run;
    gl_run_plugin *p = &run->ran[i];
    const gl_loaded_plugin *lp = p->loaded;
    double t0 = gl_time_ms();

    if (run->opts->verbose)
        fprintf(stderr, "greenlight: %s %s: %s\n", lp->desc->name, lp->desc->version,
                lp->desc->description ? lp->desc->description : "(no description)");
    if (l->other_server) {
        p->status = "failed";
        snprintf(p->message, sizeof(p->message), "%s", l->why.message);
    } else {
        if (run->opts->verbose)
            say_connections(l, p);
        if (collect_plugin(run, l->targets, p, l->all->facts[i]) != 0)
            l->all->oom = 1;
    }
    p->duration_ms = gl_time_ms() - t0;
}

/* Takes the next plugin to run: 1 with *i, 0 when none is left. */
static int take(lanes *all, size_t *i)
{
    int got;

    pthread_mutex_lock(&all->next_lock);
    got = all->next < all->run->n_ran;
    if (got)
        *i = all->next++;
    pthread_mutex_unlock(&all->next_lock);
    return got;
}

static void *lane_main(void *arg)
{
    lane *l = arg;
    lanes *all = l->all;
    size_t i;

    pthread_mutex_lock(&all->gate_lock);
    all->arrived++;
    pthread_cond_broadcast(&all->gate);
    while (!all->go)
        pthread_cond_wait(&all->gate, &all->gate_lock);
    pthread_mutex_unlock(&all->gate_lock);
    while (take(l->all, &i)) {
        /* The main pair is taken before entering: a thread waiting for it
         * must not hold up another's fork (plugin/isolate.h). */
        if (l->shared)
            pthread_mutex_lock(&l->all->main_lock);
        gl_isolate_thread_enter();
        run_one(l, i);
        gl_isolate_thread_leave();
        if (l->shared)
            pthread_mutex_unlock(&l->all->main_lock);
    }
    /* Done: its connections go now, not at the end of the run (a plugin
     * still running may need a connection slot to reconnect). */
    gl_isolate_thread_enter();
    for (int s = 0; s < 2; s++) {
        gl_target_free(l->own[s]);
        l->own[s] = NULL;
    }
    gl_isolate_thread_leave();
    pthread_mutex_lock(&all->gate_lock);
    if (--all->working == 0)
        pthread_cond_broadcast(&all->gate);
    while (all->working > 0)
        pthread_cond_wait(&all->gate, &all->gate_lock);
    pthread_mutex_unlock(&all->gate_lock);
    return NULL;
}

typedef struct clone_job {
    lane *lane;
    gl_side side;
} clone_job;

static void *clone_main(void *arg)
{
    clone_job *job = arg;
    lane *l = job->lane;

    gl_error_clear(&l->open_err[job->side]);
    l->open_rc[job->side] = gl_target_clone(&l->own[job->side], l->all->run->targets[job->side],
                                            &l->open_err[job->side]);
    return NULL;
}

/* Opens every lane's own pair at once (before any plugin runs, so no fork
 * meets a thread inside libpq), then settles what each lane runs on. */
static void open_lanes(lanes *all, lane *ls, size_t n)
{
    gl_run *run = all->run;
    clone_job jobs[2 * GL_RUN_JOBS_MAX];
    pthread_t threads[2 * GL_RUN_JOBS_MAX];
    int started[2 * GL_RUN_JOBS_MAX];
    size_t nj = 0;

    for (size_t k = 0; k < n; k++) {
        ls[k].all = all;
        ls[k].shared = k == 0;
        for (int s = 0; s < 2; s++) {
            ls[k].targets[s] = run->targets[s];
            ls[k].open_rc[s] = 0;
            if (k > 0 && live(run->targets[s]))
                jobs[nj++] = (clone_job){&ls[k], (gl_side)s};
        }
    }
    for (size_t j = 0; j < nj; j++)
        started[j] = pthread_create(&threads[j], NULL, clone_main, &jobs[j]) == 0;
    for (size_t j = 0; j < nj; j++) {
        if (started[j])
            pthread_join(threads[j], NULL);
        else
            clone_main(&jobs[j]);
    }
    for (size_t k = 1; k < n; k++) {
        lane *l = &ls[k];
        for (int s = 0; s < 2; s++) {
            if (l->open_rc[s] == GL_TARGET_OTHER_SERVER) {
                l->other_server = 1;
                l->why = l->open_err[s];
            } else if (l->open_rc[s] != 0 && !l->shared) {
                l->shared = 1;
                l->why = l->open_err[s];
            }
        }
        for (int s = 0; s < 2; s++) {
            if (l->shared || l->other_server) {
                gl_target_free(l->own[s]);
                l->own[s] = NULL;
            } else if (l->own[s] != NULL) {
                l->targets[s] = l->own[s];
            }
        }
    }
}

/* How many lanes: --jobs, or min(GL_RUN_JOBS_DEFAULT, plugins); one when
 * no side is live (snapshots need no connection). */
static size_t lane_count(const gl_run *run)
{
    size_t n = run->opts->jobs > 0 ? run->opts->jobs : GL_RUN_JOBS_DEFAULT;

    if (n > GL_RUN_JOBS_MAX)
        n = GL_RUN_JOBS_MAX;
    if (n > run->n_ran)
        n = run->n_ran;
    if (!live(run->targets[0]) && !live(run->targets[1]))
        n = 1;
    return n > 0 ? n : 1;
}

static void collect_all(lanes *all)
{
    lane ls[GL_RUN_JOBS_MAX];
    pthread_t threads[GL_RUN_JOBS_MAX];
    int started[GL_RUN_JOBS_MAX];
    size_t n = lane_count(all->run);

    memset(ls, 0, sizeof(ls));
    open_lanes(all, ls, n);
    all->working = 1;
    for (size_t k = 1; k < n; k++) {
        started[k] = pthread_create(&threads[k], NULL, lane_main, &ls[k]) == 0;
        all->working += (size_t)started[k];   /* read by lanes only after go */
    }
    pthread_mutex_lock(&all->gate_lock);
    while (all->arrived + 1 < all->working)
        pthread_cond_wait(&all->gate, &all->gate_lock);
    all->go = 1;
    pthread_cond_broadcast(&all->gate);
    pthread_mutex_unlock(&all->gate_lock);
    lane_main(&ls[0]);
    for (size_t k = 1; k < n; k++) {
        if (started[k])
            pthread_join(threads[k], NULL);
        for (int s = 0; s < 2; s++)
            gl_target_free(ls[k].own[s]);   /* a lane that never started */
    }
}

int gl_run_collect(gl_run *run, gl_error *err)
{
    lanes all;
    int rc = 0;

    if (open_targets(run, err) != 0)
        return -1;
    run->ran = calloc(run->plugins.count ? run->plugins.count : 1, sizeof(*run->ran));
    if (run->ran == NULL)
        return gl_error_set(err, GL_EXIT_INTERNAL, "out of memory");
    for (size_t i = 0; i < run->plugins.count; i++) {
        const gl_loaded_plugin *lp = &run->plugins.items[i];
        gl_run_plugin *p;

        if (lp->state != GL_PLUGIN_LOADED || !gl_plugin_wanted(run->opts->only_plugins, lp->desc->name))
            continue;
        p = &run->ran[run->n_ran++];
        p->loaded = lp;
        p->status = "ok";
    }
    memset(&all, 0, sizeof(all));
    all.run = run;
    all.facts = calloc(run->n_ran ? run->n_ran : 1, sizeof(*all.facts));
    if (all.facts == NULL)
        return gl_error_set(err, GL_EXIT_INTERNAL, "out of memory");
    pthread_mutex_init(&all.main_lock, NULL);
    pthread_mutex_init(&all.next_lock, NULL);
    pthread_mutex_init(&all.gate_lock, NULL);
    pthread_cond_init(&all.gate, NULL);
    collect_all(&all);
    pthread_mutex_destroy(&all.main_lock);
    pthread_mutex_destroy(&all.next_lock);
    pthread_mutex_destroy(&all.gate_lock);
    pthread_cond_destroy(&all.gate);
    for (size_t i = 0; i < run->n_ran; i++)
        for (int s = 0; s < 2; s++) {
            gl_value *f = all.facts[i][s];
            if (f == NULL)
                continue;
            if (rc != 0)
                gl_value_free(f);
            else if (gl_value_object_set(gl_value_object_get_mut(run->facts, gl_side_name((gl_side)s)),
                                         run->ran[i].loaded->desc->name, f) != 0)
                rc = gl_error_set(err, GL_EXIT_INTERNAL, "out of memory collecting %s",
                                  run->ran[i].loaded->desc->name);
        }
    if (rc == 0 && all.oom)
        rc = gl_error_set(err, GL_EXIT_INTERNAL, "out of memory collecting plugins");
    free(all.facts);
    return rc;
}
