/*
 * host — the gl_host function table plugins call, and the gl_ctx each call
 * carries: the run's two targets, the plugin's configuration and the array
 * its findings go to. Plugins never see this struct.
 */
#ifndef GL_HOST_H
#define GL_HOST_H

#include <pthread.h>

#include "collect/target.h"
#include "greenlight/plugin.h"

struct gl_ctx {
    gl_target *targets[2];     /* by gl_side; a side may be NULL */
    const char *plugin_name;
    const gl_value *config;    /* object, never NULL while a plugin runs */
    gl_value *findings;        /* array emit() appends to */
    int verbose;
    unsigned abi_minor;        /* the plugin's: structures it hands in use that layout */
    int in_compare;            /* compare must not query */
    char error[2048];
    char skipped[1024];        /* compare called host->skip: why ("" when not) */
    pthread_mutex_t error_lock; /* queries on both sides may fail at once */
    /* In an isolated plugin's child (plugin/isolate.h): queries go to the
     * parent over remote_fd[side], one at a time per side. */
    int remote;
    int remote_fd[2];
    pthread_mutex_t remote_lock[2];
    int progress_fd;           /* host->progress goes to the parent here (one thread) */
};

/* Sets up / tears down a ctx (the mutex); targets and config are borrowed.
 * abi_minor starts as the host's; in_compare as 0. */
void gl_ctx_init(gl_ctx *ctx, const char *plugin_name, gl_target *targets[2],
                 const gl_value *config, gl_value *findings, int verbose);
void gl_ctx_destroy(gl_ctx *ctx);

const gl_host *gl_host_table(void);

/* A finding code as plugin.h defines it: [a-z0-9_.]+, not starting with a
 * dot. Checked where a plugin emits (host) and again where the parent takes
 * an isolated child's findings (invoke). */
int gl_host_valid_code(const char *code);

#endif
