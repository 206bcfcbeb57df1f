/*
 * status_run — internals shared by status.c (the state, the output, the
 * record) and status_look.c (what the servers show).
 */
#ifndef GL_DEPLOY_STATUS_RUN_H
#define GL_DEPLOY_STATUS_RUN_H

#include "deploy/deploy.h"

typedef struct status_run {
    const gl_deploy_options *opts;
    gl_value *rec, *out, *problems;
    gl_deploy_conn blue, green;
    /* The replication path that runs now: forward (blue publishes, green
     * subscribes and is fenced) or, after a switchover, reverse. */
    int reverse;
    gl_deploy_conn *publisher, *subscriber;
    const char *pub, *sub, *slot;
    char rev_pub[64], rev_sub[64], rev_slot[64];
    int oom;
} status_run;

#define OOM(err) gl_error_nomem((err))

/* Adds one problem line; on out of memory sets s->oom (status then fails). */
void gl_status__problem(status_run *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Each adds its part of the servers' view to out: 0, or -1 with err set. */
int gl_status__look_publisher(status_run *s, gl_value *out, gl_error *err);
int gl_status__look_subscriber(status_run *s, gl_value *out, gl_error *err);
int gl_status__look_sequences(status_run *s, gl_value *out, gl_error *err);
int gl_status__look_drift(status_run *s, gl_value *out, gl_error *err);
int gl_status__look_pgbouncer(status_run *s, gl_value *out, gl_error *err);

#endif
