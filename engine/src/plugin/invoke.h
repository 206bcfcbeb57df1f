/*
 * invoke — calling into plugins for a run. Each call gets its own gl_ctx
 * (collect/host.h); on failure the plugin's message (or what became of its
 * process) is in err, with GL_ERR_INTERNAL: a failed plugin holds the run.
 */
#ifndef GL_INVOKE_H
#define GL_INVOKE_H

#include <stddef.h>

#include "plugin/loader.h"
#include "collect/target.h"
#include "util/error.h"

/* Every plugin call (collect, collect_pair, compare) runs in a child process
 * (plugin/isolate.h) and ends by min(now + the per-call bound, the run's
 * deadline). call_ms 0: the default; run_deadline_ms (gl_time_ms() clock) 0:
 * none. Set once per run, before the first call. */
#define GL_PLUGIN_TIMEOUT_DEFAULT_S 600
void gl_plugins_set_deadline(double call_ms, double run_deadline_ms);

/* Fails (GL_ERR_USAGE) when any plugin on the path was refused, or when
 * `only` names a plugin that is not there. */
int gl_plugins_select(gl_plugin_set *set, const char *only, gl_error *err);

/* 1 when `only` (comma-separated names, NULL = all) selects name. */
int gl_plugin_wanted(const char *only, const char *name);

/* The configuration object of one plugin (an empty object when none). */
const gl_value *gl_plugin_config(const gl_value *config, const char *name);

/* Runs one plugin's collect on one live side; err gets the plugin's message. */
int gl_plugin_collect(const gl_plugin *desc, gl_target *targets[2], gl_side side,
                      const gl_value *config, int verbose, gl_value **out_facts, gl_error *err);

/* Collects both live sides in one call (plugins with collect_pair). */
int gl_plugin_collect_pair(const gl_plugin *desc, gl_target *targets[2], const gl_value *config,
                           int verbose, gl_value *out[2], gl_error *err);

/* Runs compare; findings are appended to `findings`. 0, 1 when the plugin
 * skipped (host->skip: err->message says why, no findings), -1 when it failed. */
int gl_plugin_compare(const gl_plugin *desc, gl_target *targets[2], const gl_value *config,
                      int verbose, const gl_value *blue, const gl_value *green,
                      gl_value *findings, gl_error *err);

#endif
