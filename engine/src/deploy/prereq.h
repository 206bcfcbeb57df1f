/* prereq — the checks `deploy create` runs before it changes anything. */
#ifndef GL_DEPLOY_PREREQ_H
#define GL_DEPLOY_PREREQ_H

#include <stdarg.h>
#include <stdio.h>

#include "deploy/deploy.h"

typedef struct gl_deploy_problems {
    int n_refusals;
    int n_warnings;
    char refusals[8192]; /* "  - problem. Fix: ...\n" lines */
    char warnings[4096];
} gl_deploy_problems;

/*
 * Checks wal_level, slot/sender/worker headroom on both sides (this deployment
 * and its reverse), privileges, primary keys / replica identity, unlogged
 * tables and large objects (warnings), extensions, roles (while the schema is
 * not copied yet), conflicting subscriptions, and that the two sides differ.
 * own_slot: the deployment's slot already exists on blue (a re-run).
 * Returns 0 with *p filled (refusals may be non-empty), -1 on a query error.
 */
int gl_deploy_prerequisites(gl_deploy_conn *blue, gl_deploy_conn *green, const char *subscription,
                            int own_slot, int schema_done, gl_deploy_problems *p, gl_error *err);

#endif
