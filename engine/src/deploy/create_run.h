/*
 * create_run — internals shared by create.c (the record, the prerequisites,
 * the order of the steps) and create_steps.c (the steps that change the
 * servers: schema, publication, subscription, initial sync, fence).
 */
#ifndef GL_DEPLOY_CREATE_RUN_H
#define GL_DEPLOY_CREATE_RUN_H

#include "deploy/deploy.h"

typedef struct create_run {
    const gl_deploy_options *opts;
    gl_value *rec;
    gl_deploy_conn blue, green;
    const char *blue_spec, *green_spec;
    const char *pub, *sub, *slot;
    int sync_updates;          /* progress display updates */
    double sync_ms;
} create_run;

/* A progress line on stderr (none with --format json). */
void gl_create__say(const create_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* *out = whether the count query sql (one parameter, name) finds anything. */
int gl_create__exists(gl_deploy_conn *c, const char *sql, const char *name, int *out, gl_error *err);

/* Steps 2-6: each 0, or -1 with err set. */
int gl_create__do_schema(create_run *r, gl_error *err);
int gl_create__do_publication(create_run *r, gl_error *err);
int gl_create__do_subscription(create_run *r, gl_error *err);
int gl_create__do_sync(create_run *r, gl_error *err);
int gl_create__do_fence(create_run *r, gl_error *err);

#endif
