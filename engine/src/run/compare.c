/*
 * compare.c — stage 3: every plugin whose facts were collected on both
 * sides compares them into findings. A plugin's findings join the run only
 * when its compare succeeded: a compare that emits and then fails has its
 * findings dropped (its failure holds the run). Plugin failures (collect or
 * compare) are recorded here, in plugin order; a run in which no plugin ran
 * is a failure too: a gate that checked nothing must not authorise anything.
 */
#include "run/stages.h"

#include <stdio.h>
#include <string.h>

#include "plugin/invoke.h"

/* Runs one plugin's compare; when it fails, the findings it emitted before
 * failing are taken back out of the run's findings. */
static void compare_plugin(gl_run *run, gl_run_plugin *p)
{
    const gl_plugin *d = p->loaded->desc;
    size_t before = gl_value_len(run->findings);
    gl_error err;
    int rc;

    gl_error_clear(&err);
    rc = gl_plugin_compare(d, run->targets, run->config, run->opts->verbose,
                           gl_value_object_get(gl_value_object_get(run->facts, "blue"), d->name),
                           gl_value_object_get(gl_value_object_get(run->facts, "green"), d->name),
                           run->findings, &err);
    if (rc == 0)
        return;
    snprintf(p->message, sizeof(p->message), "%s", err.message);
    if (rc == 1) {
        /* Nothing to measure (host->skip): listed with why, never as "ok". */
        p->status = "skipped";
        return;
    }
    p->status = "failed";
    while (gl_value_len(run->findings) > before)
        gl_value_free(gl_value_array_take(run->findings, gl_value_len(run->findings) - 1));
}

int gl_run_compare(gl_run *run, gl_error *err)
{
    size_t measured = 0;

    for (size_t i = 0; i < run->n_ran; i++) {
        gl_run_plugin *p = &run->ran[i];
        double t0 = gl_time_ms();

        size_t before = gl_value_len(run->findings);

        if (strcmp(p->status, "ok") == 0)
            compare_plugin(run, p);
        p->duration_ms += gl_time_ms() - t0;
        if (run->opts->verbose)
            fprintf(stderr, "greenlight: %s: %s in %.0f ms, %zu finding%s\n", p->loaded->desc->name,
                    p->status, p->duration_ms, gl_value_len(run->findings) - before,
                    gl_value_len(run->findings) - before == 1 ? "" : "s");
        measured += strcmp(p->status, "ok") == 0;
        if (strcmp(p->status, "failed") == 0) {
            run->internal = 1;
            if (gl_run_error_push(run, "plugin", NULL, p->loaded->desc->name, p->message) != 0)
                return gl_error_nomem(err);
        }
    }
    if (run->n_ran == 0) {
        run->internal = 1;
        if (gl_run_error_push(run, "plugin", NULL, NULL,
                              "no check plugin ran: install plugins or fix --plugin-path/--plugins "
                              "(see `greenlight plugins`)") != 0)
            return gl_error_nomem(err);
    } else if (measured == 0 && gl_value_len(run->errors) == 0) {
        /* Every check skipped (nothing configured for any): nothing was measured. */
        run->internal = 1;
        if (gl_run_error_push(run, "plugin", NULL, NULL,
                              "every check was skipped, so nothing was measured: run the checks "
                              "that apply (--plugins) or configure them (--config)") != 0)
            return gl_error_nomem(err);
    }
    return 0;
}
