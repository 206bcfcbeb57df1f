/*
 * greenlight/plugin_pair.h — a collect_pair made of a plugin's own collect:
 * blue's side in a second thread while the calling thread collects green's.
 * A check's collect time is mostly the servers answering catalog queries,
 * and each side has its own connection, so both sides at once take about as
 * long as the slower one.
 *
 *     #include <greenlight/plugin_pair.h>
 *     static int my_collect_pair(gl_ctx *ctx, const gl_host *host,
 *                                gl_value **blue, gl_value **green)
 *     {
 *         return gl_plugin_collect_both(ctx, host, my_collect, blue, green);
 *     }
 *     GL_PLUGIN_DEFINE(..., .collect = my_collect, .collect_pair = my_collect_pair)
 *
 * Only for a collect that calls what plugin.h allows from two threads
 * (host->query*, set_error, value builders, reading values, config,
 * server_version_num) and keeps no state of its own across calls: no
 * host->log or host->progress. Link the plugin with Threads::Threads.
 * Without a thread the sides run one after the other: slower, not wrong.
 */
#ifndef GREENLIGHT_PLUGIN_PAIR_H
#define GREENLIGHT_PLUGIN_PAIR_H

#include <pthread.h>

#include "greenlight/plugin.h"

typedef int (*gl_plugin_collect_fn)(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out);
/* A collect that also gets the caller's userdata (gl_plugin_collect_both_ud). */
typedef int (*gl_plugin_collect_ud_fn)(gl_ctx *ctx, const gl_host *host, gl_side side, void *ud,
                                       gl_value **out);

typedef struct gl_plugin_pair_job_ {
    gl_ctx *ctx;
    const gl_host *host;
    gl_plugin_collect_ud_fn collect;
    void *ud;
    gl_value *facts;
    int rc;
} gl_plugin_pair_job_;

static void *gl_plugin_pair_blue_(void *arg)
{
    gl_plugin_pair_job_ *job = (gl_plugin_pair_job_ *)arg;

    job->rc = job->collect(job->ctx, job->host, GL_SIDE_BLUE, job->ud, &job->facts);
    return NULL;
}

/* Like gl_plugin_collect_both, with userdata handed to both sides' calls
 * (read-only while they run: they run at once). */
static inline int gl_plugin_collect_both_ud(gl_ctx *ctx, const gl_host *host,
                                            gl_plugin_collect_ud_fn collect, void *ud,
                                            gl_value **out_blue, gl_value **out_green)
{
    gl_plugin_pair_job_ blue = {ctx, host, collect, ud, NULL, -1};
    gl_value *green = NULL;
    pthread_t thread;
    int started = pthread_create(&thread, NULL, gl_plugin_pair_blue_, &blue) == 0, green_rc;

    *out_blue = *out_green = NULL;
    if (!started)
        gl_plugin_pair_blue_(&blue);
    green_rc = collect(ctx, host, GL_SIDE_GREEN, ud, &green);
    if (started)
        pthread_join(thread, NULL);
    if (blue.rc != 0 || green_rc != 0) {
        if (blue.facts != NULL)
            host->value_free(blue.facts);
        if (green != NULL)
            host->value_free(green);
        return -1;
    }
    *out_blue = blue.facts;
    *out_green = green;
    return 0;
}

typedef struct gl_plugin_pair_plain_ {
    gl_plugin_collect_fn collect;
} gl_plugin_pair_plain_;

static inline int gl_plugin_pair_plain_call_(gl_ctx *ctx, const gl_host *host, gl_side side, void *ud,
                                             gl_value **out)
{
    return ((const gl_plugin_pair_plain_ *)ud)->collect(ctx, host, side, out);
}

/* 0 with both facts (the caller's, as collect_pair hands them to the host), or -1
 * when either side failed (that side set the error; nothing is handed over). */
static inline int gl_plugin_collect_both(gl_ctx *ctx, const gl_host *host, gl_plugin_collect_fn collect,
                                         gl_value **out_blue, gl_value **out_green)
{
    gl_plugin_pair_plain_ plain = {collect};

    return gl_plugin_collect_both_ud(ctx, host, gl_plugin_pair_plain_call_, &plain, out_blue,
                                     out_green);
}

#endif
