/*
 * compare.c — stage 3: every plugin whose facts were collected on both
 * sides compares them into findings. A plugin's findings join the run only
 * when its compare succeeded: a compare that emits and then fails has its
 * findings dropped (its failure holds the run). Plugin failures (collect or
 * compare) are recorded here, in plugin order; a run in which no plugin ran
 * is a failure too: a gate that checked nothing must not authorise anything.
 * Compares run at once, up to --jobs of them (run/workers.h), each into its
 * own findings, merged in plugin order: the report is the sequential one's.
 */
#include "run/stages.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/invoke.h"
#include "plugin/isolate.h"
#include "run/workers.h"

/* Runs one plugin's compare into its own findings; when it fails, the
 * findings it emitted before failing are dropped. */
static void compare_plugin(gl_run *run, gl_run_plugin *p, gl_value *found)
{
    const gl_plugin *d = p->loaded->desc;
    gl_error err;
    int rc;

    gl_error_clear(&err);
    rc = gl_plugin_compare(d, run->targets, run->config, run->opts->verbose,
                           gl_value_object_get(gl_value_object_get(run->facts, "blue"), d->name),
                           gl_value_object_get(gl_value_object_get(run->facts, "green"), d->name),
                           found, &err);
    if (rc == 0)
        return;
    snprintf(p->message, sizeof(p->message), "%s", err.message);
    if (rc == 1) {
        /* Nothing to measure (host->skip): listed with why, never as "ok". */
        p->status = "skipped";
        return;
    }
    p->status = "failed";
    while (gl_value_len(found) > 0)
        gl_value_free(gl_value_array_take(found, gl_value_len(found) - 1));
}

/* The plugins' compares at once, up to --jobs of them (compare does not
 * query: no connection is needed), each into its own findings, merged in
 * plugin order afterwards so the report is the sequential one's. */
typedef struct comparing {
    gl_run *run;
    gl_value **found;        /* per plugin of run->ran */
    pthread_mutex_t next_lock;
    size_t next;
} comparing;

static void compare_work(void *arg)
{
    comparing *c = arg;

    for (;;) {
        size_t i;
        pthread_mutex_lock(&c->next_lock);
        i = c->next++;
        pthread_mutex_unlock(&c->next_lock);
        if (i >= c->run->n_ran)
            return;
        gl_run_plugin *p = &c->run->ran[i];
        double t0 = gl_time_ms();
        gl_isolate_thread_enter();
        if (strcmp(p->status, "ok") == 0)
            compare_plugin(c->run, p, c->found[i]);
        gl_isolate_thread_leave();
        p->duration_ms += gl_time_ms() - t0;
    }
}

/* Runs every compare; 0, or -1 out of memory (nothing merged). */
static int compare_all(gl_run *run, gl_value **found)
{
    comparing c = {run, found, PTHREAD_MUTEX_INITIALIZER, 0};
    void *args[GL_RUN_JOBS_MAX];
    size_t n = gl_run_workers_count(run->opts->jobs, run->n_ran);

    for (size_t i = 0; i < run->n_ran; i++)
        if ((found[i] = gl_value_array()) == NULL)
            return -1;
    for (size_t k = 0; k < n; k++)
        args[k] = &c;
    gl_run_workers(n, compare_work, args);
    pthread_mutex_destroy(&c.next_lock);
    return 0;
}

int gl_run_compare(gl_run *run, gl_error *err)
{
    size_t measured = 0;
    gl_value **found = calloc(run->n_ran ? run->n_ran : 1, sizeof(*found));
    int rc = -1;

    if (found == NULL || compare_all(run, found) != 0)
        goto nomem;
    for (size_t i = 0; i < run->n_ran; i++) {
        gl_run_plugin *p = &run->ran[i];
        size_t count = gl_value_len(found[i]);

        if (gl_value_array_move_all(run->findings, found[i]) != 0)
            goto nomem;
        if (run->opts->verbose)
            fprintf(stderr, "greenlight: %s: %s in %.0f ms, %zu finding%s\n", p->loaded->desc->name,
                    p->status, p->duration_ms, count, count == 1 ? "" : "s");
        measured += strcmp(p->status, "ok") == 0;
        if (strcmp(p->status, "failed") == 0) {
            run->internal = 1;
            if (gl_run_error_push(run, "plugin", NULL, p->loaded->desc->name, p->message) != 0)
                goto nomem;
        }
    }
    if (run->n_ran == 0) {
        run->internal = 1;
        if (gl_run_error_push(run, "plugin", NULL, NULL,
                              "no check plugin ran: install plugins or fix --plugin-path/--plugins "
                              "(see `greenlight plugins`)") != 0)
            goto nomem;
    } else if (measured == 0 && gl_value_len(run->errors) == 0) {
        /* Every check skipped (nothing configured for any): nothing was measured. */
        run->internal = 1;
        if (gl_run_error_push(run, "plugin", NULL, NULL,
                              "every check was skipped, so nothing was measured: run the checks "
                              "that apply (--plugins) or configure them (--config)") != 0)
            goto nomem;
    }
    rc = 0;
    goto out;
nomem:
    gl_error_nomem(err);
out:
    for (size_t i = 0; found != NULL && i < run->n_ran; i++)
        gl_value_free(found[i]);
    free(found);
    return rc;
}
