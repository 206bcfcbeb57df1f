/*
 * act/rds — the RDS blue/green switchover flow behind the gate: find the
 * blue and green endpoints of a deployment, and follow a switchover until a
 * terminal state. The decision to switch over is never taken here: callers
 * (cli/cmd_rds.c) run the gate first and call gl_rds_act_switchover only on
 * an authorising decision.
 */
#ifndef GL_ACT_RDS_H
#define GL_ACT_RDS_H

#include <stdio.h>

#include "aws/rds.h"
#include "util/error.h"

/* libpq conninfo of the deployment's source (blue) and target (green):
 * host/port from DescribeDBClusters/DescribeDBInstances, dbname, then the
 * caller's extra conninfo keywords (user, sslmode, …; may be NULL). */
int gl_rds_act_conninfo(gl_rds_client *c, const gl_rds_deployment *d, const char *dbname, const char *extra,
                        char *blue, char *green, size_t len, gl_error *err);

/* 1 when status is one a deployment does not leave by itself. */
int gl_rds_act_status_terminal(const char *status);

/* Prints the deployment, its tasks and members (one line each). */
void gl_rds_act_print(const gl_rds_deployment *d, FILE *out);

/*
 * Calls SwitchoverBlueGreenDeployment(timeout_s) and follows the deployment
 * (DescribeBlueGreenDeployments every poll_ms) until SWITCHOVER_COMPLETED,
 * SWITCHOVER_FAILED, INVALID_CONFIGURATION or timeout_s, printing each change
 * of status, task or member on progress. *final is the last state seen.
 * Returns 0 only when the switchover completed; otherwise -1 with err saying
 * what happened and what to do (GL_ERR_INTERNAL: requested but not
 * completed; the API's own exit code when the request failed).
 */
int gl_rds_act_switchover(gl_rds_client *c, const char *id, int timeout_s, long poll_ms, FILE *progress,
                          gl_rds_deployment *final, gl_error *err);

#endif
