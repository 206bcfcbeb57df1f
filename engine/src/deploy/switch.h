/*
 * switch — moving the serving side of a deployment through PgBouncer:
 * `deploy switchover` (blue -> green) and `deploy rollback` (green -> blue)
 * are the same ten steps in opposite directions (share/doc/deploy.md):
 *
 *   gate, pause, fence, lsn, catchup, sequences, slot,
 *   COMMIT POINT, repoint, cleanup
 *
 * The record's "switchover" object says which operation runs, its step, and
 * whether the commit point was passed. Before it, any failure or the timeout
 * undoes every step (the source serves again, PgBouncer resumed); after it
 * the operation only goes forward. A run that was killed or lost a connection
 * is finished or undone by the next deploy verb (gl_deploy_switch_recover).
 *
 * Outcomes (cli/ makes them exit codes): done; the gate did not authorise
 * (its report says why); refused (a usage error: state, configuration,
 * PgBouncer session pooling); a server or PgBouncer unavailable or the
 * timeout ran out (unavailable; undone); internal.
 *
 * Test hook (never for production): GREENLIGHT_DEPLOY_KILL_AT=OP:STEP (OP is
 * switchover or rollback, STEP one of the names above or "done") SIGKILLs
 * greenlight just before that step, to prove crash safety.
 */
#ifndef GL_DEPLOY_SWITCH_H
#define GL_DEPLOY_SWITCH_H

#include <stdio.h>

#include "run/run.h"
#include "util/error.h"
#include "value/value.h"

typedef struct gl_switch_options {
    const char *state_dir;   /* resolved (gl_deploy_state_dir) */
    const char *blue;        /* conninfo overrides; NULL: the recorded ones */
    const char *green;
    unsigned timeout_s;      /* bound from PAUSE to the commit point; default 30 */
    int dry_run;
    int json;                /* --format json: one JSON summary on stdout */
    gl_check_options gate;   /* policy, change, config, waivers, plugin path */
    /* The gate's report, before anything moves: the verb prints and writes it
     * (formats, signed record, audit log, notifications) and returns the exit
     * code to go on with; only 0 lets the switchover proceed, so evidence that
     * cannot be written stops it. NULL: the text report on stdout. */
    int (*gate_report)(void *ud, gl_value *report, int exit_code);
    void *gate_report_ud;
} gl_switch_options;

void gl_switch_options_default(gl_switch_options *o);

/* What a switchover came to when it returned 0. */
typedef struct gl_switch_outcome {
    int gate_refused;   /* 1: the gate did not authorise; nothing was changed */
    int gate_exit;      /* then: what o->gate_report returned, or (without one)
                           the report's decision.exit_code */
} gl_switch_outcome;

/* Return 0 when done, planned (--dry-run), an interrupted run was finished,
 * or (switchover) the gate did not authorise: *out says which; -1 with err
 * (classed) when refused or failed: the verb has printed it, with what was
 * undone or what is left. */
int gl_deploy_switchover(const gl_switch_options *o, gl_switch_outcome *out, gl_error *err);
int gl_deploy_rollback(const gl_switch_options *o, gl_error *err);

/*
 * For every deploy verb, with the lock held and the record loaded: when the
 * record shows an interrupted switchover or rollback, finishes it (commit
 * point passed) or undoes it (not passed) and saves the record. Returns 0
 * (nothing to do, or done; *what says which when non-NULL: "", "finished",
 * "undone") or -1 with err (the record keeps saying what is left).
 */
int gl_deploy_switch_recover(const char *state_dir, gl_value *rec, const char *blue,
                             const char *green, const char **what, gl_error *err);

#endif
