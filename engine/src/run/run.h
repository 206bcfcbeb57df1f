/*
 * run — one gate run as a pipeline of named stages (run/stages.h):
 *   load inputs -> collect -> compare -> order and waive findings -> judge
 *   -> fail-closed outcome -> build the report.
 * The result is a gl_value matching share/schema/report.schema.json.
 *
 * Fail closed: any failure after the arguments were accepted still yields a
 * report whose decision is never `switchover`; the exit code says why
 * (69 unavailable, 70 internal) or follows the decision.
 */
#ifndef GL_RUN_H
#define GL_RUN_H

#include <stddef.h>

#include "collect/target.h"
#include "util/error.h"
#include "value/value.h"

typedef struct gl_check_options {
    const char *blue;                 /* conninfo, URI or snapshot path */
    const char *green;
    const char *policy_path;          /* NULL: the shipped default.lua */
    const char *change_path;          /* NULL: no declared change */
    const char *config_path;          /* NULL: no configuration file */
    const char *waivers_path;         /* NULL: no waivers (judge/waiver.h) */
    const char *save_input_path;      /* NULL: do not save the policy input */
    const char *const *plugin_dirs;   /* --plugin-path, in order */
    size_t n_plugin_dirs;
    const char *only_plugins;         /* comma-separated names, or NULL for all */
    int verbose;
    int same_database_ok;             /* 1 only to compare a database with its own earlier
                                         snapshot (deploy drift); users never set it */
    gl_target_options target;
    unsigned timeout_s;               /* the whole run (--timeout); 0: GL_RUN_TIMEOUT_DEFAULT_S */
    unsigned plugin_timeout_s;        /* one plugin call (--plugin-timeout); 0: the default */
    double max_snapshot_age_s;        /* --max-snapshot-age; 0: any age */
    unsigned jobs;                    /* plugins collected at once (--jobs); 0: the default */
    /* Called once between collect and compare with the run's configuration,
     * which it may add to (deploy: PgBouncer's server connections read again
     * after blue's sessions were, deploy/gate_config.c). It cannot fail the
     * run: what it could not add leaves the configuration as loaded, the
     * stricter way. NULL: none. */
    void (*after_collect)(void *ud, gl_value *config);
    void *after_collect_ud;
} gl_check_options;

/* --jobs: by default min(GL_RUN_JOBS_DEFAULT, the plugins run), each beyond
 * the first on a pair of connections of its own (run/collect.c). */
#define GL_RUN_JOBS_DEFAULT 2
#define GL_RUN_JOBS_MAX 16

#define GL_RUN_TIMEOUT_DEFAULT_S 1800

void gl_check_options_default(gl_check_options *opts);

/*
 * Runs the gate: every stage of run/stages.h in order. Returns 0 with
 * *out_report set and *out_exit the report's decision.exit_code, or -1 (no
 * report) for errors found before anything ran: err is then classed (usage,
 * too large, no memory, internal; cli/exit.c makes it the exit code).
 */
int gl_check_run(const gl_check_options *opts, gl_value **out_report, int *out_exit,
                 gl_error *err);

/*
 * Checks the gate's inputs alone (policy, change, config, waivers, plugins),
 * as gl_check_run's first stage does, for a verb that must find the
 * targets first (rds: blue and green come from the RDS API) and should
 * refuse a usage error before calling anything. opts->blue/green may be
 * NULL. 0, or -1 with err as gl_check_run's.
 */
int gl_check_inputs_check(const gl_check_options *opts, gl_error *err);

/* The policy's size limit (share/doc/exit-codes.md, "Input size limits");
 * the JSON inputs' limits are in input/formats.c. */
#define GL_POLICY_MAX (4u * 1024u * 1024u)

/* Test seam: where run ids take their random bytes (NULL: getrandom(2)).
 * fn returns 0, or -1 with errno set. */
void gl_run_set_random_source(int (*fn)(void *buf, size_t len));

/* The shipped default policy path (source tree when run from a build, else
 * the install directory). */
const char *gl_default_policy_path(void);

/*
 * The policy file --policy names, into out (len bytes): NULL gives the
 * shipped default; a path (with a '/') or an existing file is taken as is
 * (reading it reports what is wrong with it); a bare name that is not a file
 * here is a shipped policy ("strict" or "strict.lua" -> policies/strict.lua).
 * A bare name that is neither fails with GL_ERR_USAGE listing the shipped
 * policies. 0 or -1.
 */
int gl_policy_resolve(const char *given, char *out, size_t len, gl_error *err);

/* Loads and validates the optional JSON config: {"plugins": {name: {...}}}. */
int gl_config_load(const char *path, gl_value **out, gl_error *err);

/* Refuses config.plugins sections that name no loaded plugin (with "did you
 * mean"); config_path NULL: nothing to check. */
struct gl_plugin_set;
int gl_config_check_plugins(const gl_value *config, const char *config_path,
                            const struct gl_plugin_set *plugins, gl_error *err);

#endif
