/*
 * stages — the gate's pipeline, one entry point per stage and one file each:
 *
 *   inputs.c    gl_run_inputs_load      arguments, policy bytes, change, config,
 *                                       waivers, plugins (usage errors: nothing ran)
 *   collect.c   gl_run_collect          open both sides, every plugin's facts
 *   compare.c   gl_run_compare          every plugin's findings, plugin failures
 *   order.c     gl_run_findings_order   sort, stable ids, waivers
 *   judge.c     gl_run_judge            the policy input and the policy's decision
 *   outcome.c   gl_run_outcome          fail closed, exit code
 *   report.c    gl_run_report_build     the report value
 *
 * run.c chains them (gl_check_run); other verbs that decide (deploy) call the
 * same stages on a gl_run they set up with gl_run_init.
 *
 * Each stage returns 0, or -1 with err set when the run cannot go on: a
 * usage error in inputs (GL_ERR_USAGE, no report), or out of memory
 * (GL_ERR_INTERNAL). Failures that still allow a report (a side unavailable,
 * a plugin failed, the policy failed) are recorded in run->errors and the
 * run goes on: run->unavailable / run->internal then decide the exit code.
 */
#ifndef GL_RUN_STAGES_H
#define GL_RUN_STAGES_H

#include <stddef.h>

#include "collect/target.h"
#include "plugin/loader.h"
#include "run/run.h"
#include "util/error.h"
#include "value/value.h"

/* One plugin's part in a run, in plugin load order. */
typedef struct gl_run_plugin {
    const gl_loaded_plugin *loaded;
    const char *status;        /* "ok", "failed" or "skipped" (static strings) */
    char message[2048];        /* why it failed or was skipped, "" when ok */
    double duration_ms;        /* collect and compare together */
} gl_run_plugin;

typedef struct gl_run {
    const gl_check_options *opts;        /* borrowed */
    const char *policy_path;             /* = policy_resolved */
    char policy_resolved[4096];          /* --policy as a file (gl_policy_resolve) */
    char *policy_text;                   /* the exact bytes hashed and evaluated */
    size_t policy_len;
    char policy_sha256[65];
    char input_sha256[65];               /* of the policy input as --save-input writes it (judge) */
    gl_value *config;                    /* {"plugins": {...}} (never NULL after inputs) */
    gl_value *change;                    /* the declared change, or null */
    gl_value *waivers;                   /* the waiver file, or NULL */
    gl_plugin_set plugins;
    gl_target *targets[2];               /* by gl_side; NULL when unavailable */
    gl_run_plugin *ran;                  /* the plugins this run selected */
    size_t n_ran;
    gl_value *facts;                     /* {"blue": {plugin: facts}, "green": {...}} */
    gl_value *findings;                  /* array, ordered and with ids after findings_order */
    gl_value *errors;                    /* [{stage, side, plugin, message}] */
    gl_value *waiver_list;               /* waivers with their status (findings_order) */
    gl_value *input;                     /* the policy input (judge) */
    gl_value *decision;                  /* the decision (judge, then outcome) */
    int unavailable;                     /* a side could not be reached */
    int internal;                        /* a plugin or an output failed */
    int policy_failed;                   /* the policy raised, returned garbage or ran out of budget */
    int exit_code;                       /* set by outcome */
    char run_id[37];
    char started_at[40];
    double t0_ms;
} gl_run;

/* Starts a run: run id, start time; nothing is allocated. -1 (GL_ERR_INTERNAL)
 * when the random source for the run id fails; gl_run_free is safe after. */
int gl_run_init(gl_run *run, const gl_check_options *opts, gl_error *err);
/* Frees everything the stages made (safe after any stage failed). */
void gl_run_free(gl_run *run);

int gl_run_inputs_load(gl_run *run, gl_error *err);
int gl_run_collect(gl_run *run, gl_error *err);
int gl_run_compare(gl_run *run, gl_error *err);
int gl_run_findings_order(gl_run *run, gl_error *err);
int gl_run_judge(gl_run *run, gl_error *err);
int gl_run_outcome(gl_run *run, gl_error *err);
/* *out_report (caller frees): the report; takes the run's findings, decision,
 * errors, waivers and change. */
int gl_run_report_build(gl_run *run, gl_value **out_report, gl_error *err);

/* Appends {stage, side, plugin, message} to run->errors. 0 or -1 (out of memory). */
int gl_run_error_push(gl_run *run, const char *stage, const char *side, const char *plugin,
                      const char *message);

#endif
