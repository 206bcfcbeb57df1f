/*
 * snapshot — the facts of one side saved to a file, so a run can be
 * reproduced and reviewed offline: `check` accepts a snapshot wherever it
 * accepts a conninfo. Format (share/schema/snapshot.schema.json):
 *   {"greenlight_snapshot": 1, "greenlight_version", "taken_at", "target",
 *    "server_version", "server_version_num", "plugins": {name: {"version", "facts"}}}
 */
#ifndef GL_RUN_SNAPSHOT_H
#define GL_RUN_SNAPSHOT_H

#include "run/run.h"

/* Collects every selected plugin on opts->blue (the one target) and returns
 * the snapshot value. Errors: GL_ERR_UNAVAILABLE, GL_ERR_USAGE, GL_ERR_INTERNAL. */
int gl_snapshot_take(const gl_check_options *opts, gl_value **out, gl_error *err);

#endif
