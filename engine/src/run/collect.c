/*
 * collect.c — stage 2: open both sides and collect every selected plugin's
 * facts on each (from the live server, or from a snapshot file). A side that
 * cannot be opened is recorded (stage "connect") and its plugins skipped.
 *
 * Plugins collect at once, up to --jobs of them (lanes): the first lane runs
 * on the run's main connections, every other one on a pair of its own opened
 * like them and at the same time (gl_target_open, then gl_target_same_server).
 * A lane whose pair cannot be opened (a role's
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
#include "run/workers.h"

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
    int open_rc[2];          /* opening its own connection, per side: gl_target_open's */
    gl_error open_err[2];
    int from_back;           /* takes plugins from the end of the list */
} lane;

struct lanes {
    gl_run *run;
    gl_value *(*facts)[2];   /* per plugin run, per side, until merged in plugin order */
    pthread_mutex_t main_lock;
    pthread_mutex_t next_lock;
    size_t next;             /* the next plugin (run->ran) to take from the front */
    size_t next_back;        /* one past the next to take from the back */
    int oom;
};

/* One connection's opening, for a thread: a side's main one, or a lane's own. */
typedef struct open_job {
    gl_target **out;
    gl_side side;
    const char *spec;
    const gl_target_options *opts;
    gl_error *err;
    int *rc;
} open_job;

static void *open_job_run(void *arg)
{
    open_job *job = arg;

    gl_error_clear(job->err);
    *job->rc = gl_target_open(job->out, job->side, job->spec, job->opts, job->err);
    return NULL;
}

/* Runs the jobs at once, each but the first in a thread of its own:
 * connecting and reading a server's identity is round trips, not work. */
static void open_all(open_job *jobs, size_t n)
{
    pthread_t threads[2 * GL_RUN_JOBS_MAX];
    int started[2 * GL_RUN_JOBS_MAX];

    for (size_t j = 1; j < n; j++)
        started[j] = pthread_create(&threads[j], NULL, open_job_run, &jobs[j]) == 0;
    open_job_run(&jobs[0]);
    for (size_t j = 1; j < n; j++) {
        if (started[j])
            pthread_join(threads[j], NULL);
        else
            open_job_run(&jobs[j]);
    }
}

/* What each lane runs on, once every connection is open: its own pair when
 * both (live) sides opened and reached the main ones' servers; the main pair
 * (shared) when one could not be opened; nothing (other_server: its plugins
 * fail) when one reached another server. */
static void settle_lanes(gl_run *run, lane *ls, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        lane *l = &ls[k];
        gl_error why;

        l->shared = k == 0;
        for (int s = 0; s < 2 && k > 0; s++) {
            if (run->targets[s] == NULL || run->targets[s]->conn == NULL) {
                gl_target_free(l->own[s]);   /* an unavailable side: its plugins are skipped */
                l->own[s] = NULL;
            } else if (l->own[s] == NULL) {
                if (!l->shared)
                    l->why = l->open_err[s];
                l->shared = 1;
            } else if (gl_target_same_server(run->targets[s], l->own[s], &why) != 0) {
                l->other_server = 1;
                l->why = why;
            }
        }
        for (int s = 0; s < 2; s++) {
            if (l->shared || l->other_server) {
                gl_target_free(l->own[s]);
                l->own[s] = NULL;
            }
            l->targets[s] = l->own[s] != NULL ? l->own[s] : run->targets[s];
        }
    }
}

/* Opens both sides, and every lane's own pair (lanes 1 to n-1) at the same
 * time. A role's CONNECTION LIMIT may let a lane's connection in and turn
 * the main one away: the lane's becomes the main one and the lane shares.
 * Failures are then taken in side order, as before. */
static int open_targets(gl_run *run, lane *ls, size_t n, gl_error *err)
{
    const char *specs[2] = {run->opts->blue, run->opts->green};
    gl_error main_err[2];
    int main_rc[2] = {-1, -1};
    open_job jobs[2 * GL_RUN_JOBS_MAX];
    size_t nj = 0;

    for (int s = 0; s < 2; s++)
        jobs[nj++] = (open_job){&run->targets[s], (gl_side)s, specs[s], &run->opts->target, &main_err[s],
                                &main_rc[s]};
    for (size_t k = 1; k < n; k++)
        for (int s = 0; s < 2; s++)
            if (gl_target_spec_is_live(specs[s]))
                jobs[nj++] = (open_job){&ls[k].own[s], (gl_side)s, specs[s], &run->opts->target,
                                        &ls[k].open_err[s], &ls[k].open_rc[s]};
    open_all(jobs, nj);
    for (int s = 0; s < 2; s++)
        for (size_t k = 1; k < n && main_rc[s] != 0 && main_err[s].error_class == GL_ERR_UNAVAILABLE; k++)
            if (ls[k].own[s] != NULL) {
                run->targets[s] = ls[k].own[s];
                ls[k].own[s] = NULL;
                ls[k].open_rc[s] = main_rc[s];
                ls[k].open_err[s] = main_err[s];
                main_rc[s] = 0;
            }
    settle_lanes(run, ls, n);
    for (int s = 0; s < 2; s++) {
        gl_error terr = main_err[s];
        if (main_rc[s] == 0)
            continue;
        if (terr.error_class == GL_ERR_USAGE || terr.error_class == GL_ERR_TOO_LARGE) {
            *err = terr;
            return -1;
        }
        run->unavailable = run->unavailable || terr.error_class == GL_ERR_UNAVAILABLE;
        run->internal = run->internal || terr.error_class != GL_ERR_UNAVAILABLE;
        if (gl_run_error_push(run, "connect", gl_side_name((gl_side)s), NULL, terr.message) != 0)
            return gl_error_nomem(err);
    }
    /* A stale snapshot describes a server that has moved on since. */
    for (int s = 0; s < 2 && run->opts->max_snapshot_age_s > 0; s++) {
        double age;
        char shown[32], limit[32];
        if (run->targets[s] == NULL || run->targets[s]->snapshot == NULL)
            continue;
        if (gl_target_snapshot_age(run->targets[s], &age) != 0)
            return gl_error_set(err, GL_ERR_USAGE, "--%s %s: the snapshot's taken_at is not an RFC 3339 "
                                "UTC time, so its age is unknown and --max-snapshot-age cannot hold: take "
                                "the snapshot again", gl_side_name((gl_side)s), run->targets[s]->display);
        if (age <= run->opts->max_snapshot_age_s)
            continue;
        gl_age_format(age, shown, sizeof(shown));
        gl_age_format(run->opts->max_snapshot_age_s, limit, sizeof(limit));
        return gl_error_set(err, GL_ERR_USAGE, "--%s %s: the snapshot is %s old (taken at %s), older "
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

/* A live side: one with a connection (not a snapshot, not unavailable). */
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

    if (run->opts->verbose) {
        /* A plugin's two lines together, whatever the other lanes print. */
        flockfile(stderr);
        fprintf(stderr, "greenlight: %s %s: %s\n", lp->desc->name, lp->desc->version,
                lp->desc->description ? lp->desc->description : "(no description)");
        if (!l->other_server)
            say_connections(l, p);
        funlockfile(stderr);
    }
    if (l->other_server) {
        p->status = "failed";
        snprintf(p->message, sizeof(p->message), "%s", l->why.message);
    } else if (collect_plugin(run, l->targets, p, l->all->facts[i]) != 0) {
        l->all->oom = 1;
    }
    p->duration_ms = gl_time_ms() - t0;
}

/* Takes the next plugin to run: 1 with *i, 0 when none is left. The first
 * lane takes from the front of the list, the others from the back: nothing
 * says beforehand which plugin is long, and two neighbours in the list (the
 * list is in name order) are no likelier to be short than the two ends, so
 * the ends start at once rather than one long plugin waiting behind a row of
 * others (the default check's two longest are its first and last). */
static int take(lanes *all, int from_back, size_t *i)
{
    int got;

    pthread_mutex_lock(&all->next_lock);
    got = all->next < all->next_back;
    if (got)
        *i = from_back ? --all->next_back : all->next++;
    pthread_mutex_unlock(&all->next_lock);
    return got;
}

/* One lane (run/workers.h: the lanes start and end together): takes plugins
 * until none is left, then closes its own connections. */
static void lane_work(void *arg)
{
    lane *l = arg;
    size_t i;

    while (take(l->all, l->from_back, &i)) {
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
}

/* How many lanes: --jobs, or min(GL_RUN_JOBS_DEFAULT, plugins); one when
 * no side is live (snapshots need no connection). */
static size_t lane_count(const gl_run *run, size_t n_plugins)
{
    if (!gl_target_spec_is_live(run->opts->blue) && !gl_target_spec_is_live(run->opts->green))
        return 1;
    return gl_run_workers_count(run->opts->jobs, n_plugins);
}

static void collect_all(lanes *all, lane *ls, size_t n)
{
    void *args[GL_RUN_JOBS_MAX];

    for (size_t k = 0; k < n; k++) {
        ls[k].all = all;
        ls[k].from_back = k > 0;
        args[k] = &ls[k];
    }
    all->next_back = all->run->n_ran;
    gl_run_workers(n, lane_work, args);
}

/* A lane's own connections that were not handed on. */
static void lanes_close(lane *ls, size_t n)
{
    for (size_t k = 0; k < n; k++)
        for (int s = 0; s < 2; s++) {
            gl_target_free(ls[k].own[s]);
            ls[k].own[s] = NULL;
        }
}

static int wanted(const gl_run *run, const gl_loaded_plugin *lp)
{
    return lp->state == GL_PLUGIN_LOADED && gl_plugin_wanted(run->opts->only_plugins, lp->desc->name);
}

int gl_run_collect(gl_run *run, gl_error *err)
{
    lane ls[GL_RUN_JOBS_MAX];
    lanes all;
    size_t n_wanted = 0, n;
    int rc = 0;

    for (size_t i = 0; i < run->plugins.count; i++)
        n_wanted += (size_t)wanted(run, &run->plugins.items[i]);
    n = lane_count(run, n_wanted);
    memset(ls, 0, sizeof(ls));
    memset(&all, 0, sizeof(all));
    if (open_targets(run, ls, n, err) != 0) {
        lanes_close(ls, n);
        return -1;
    }
    run->ran = calloc(run->plugins.count ? run->plugins.count : 1, sizeof(*run->ran));
    all.facts = calloc(n_wanted ? n_wanted : 1, sizeof(*all.facts));
    if (run->ran == NULL || all.facts == NULL) {
        lanes_close(ls, n);
        free(all.facts);
        return gl_error_nomem(err);
    }
    for (size_t i = 0; i < run->plugins.count; i++) {
        const gl_loaded_plugin *lp = &run->plugins.items[i];
        gl_run_plugin *p;

        if (!wanted(run, lp))
            continue;
        p = &run->ran[run->n_ran++];
        p->loaded = lp;
        p->status = "ok";
    }
    all.run = run;
    pthread_mutex_init(&all.main_lock, NULL);
    pthread_mutex_init(&all.next_lock, NULL);
    collect_all(&all, ls, n);
    pthread_mutex_destroy(&all.main_lock);
    pthread_mutex_destroy(&all.next_lock);
    for (size_t i = 0; i < run->n_ran; i++)
        for (int s = 0; s < 2; s++) {
            gl_value *f = all.facts[i][s];
            if (f == NULL)
                continue;
            if (rc != 0)
                gl_value_free(f);
            else if (gl_value_object_set(gl_value_object_get_mut(run->facts, gl_side_name((gl_side)s)),
                                         run->ran[i].loaded->desc->name, f) != 0)
                rc = gl_error_set(err, GL_ERR_NOMEM, "out of memory collecting %s",
                                  run->ran[i].loaded->desc->name);
        }
    if (rc == 0 && all.oom)
        rc = gl_error_set(err, GL_ERR_NOMEM, "out of memory collecting plugins");
    free(all.facts);
    return rc;
}
