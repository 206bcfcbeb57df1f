/*
 * isolate_parent — what the parent's two files share: plugin/isolate.c
 * (forking, the deadline, the post-mortem) and isolate_serve.c (running
 * the child's queries without blocking, its progress). Internal to
 * plugin/isolate*.c.
 */
#ifndef GL_ISOLATE_PARENT_H
#define GL_ISOLATE_PARENT_H

#include <poll.h>
#include <stddef.h>

#include "plugin/host_pipeline.h"
#include "plugin/isolate.h"
#include "plugin/progress.h"


typedef struct side_state {
    gl_target *target;
    int fd;                  /* parent's end of this side's channel, -1 once closed */
    int eof;                 /* the child closed this side's channel */
    char *in;                /* bytes read, not yet a whole frame */
    size_t in_len, in_cap;
    int busy;                /* a query in flight on target->conn */
    double query_deadline;
    PGresult *keep;          /* the result to reply with (the last, or the first error) */
    int pipelined;           /* the query in flight is a read-only pipeline (host_pipeline.h) */
    gl_pipeline pipeline;
} side_state;

typedef struct parent_state {
    gl_ctx *ctx;
    side_state side[2];
    double deadline;
    gl_value *result;        /* the child's "result", once received */
    int progress_fd;         /* the progress channel, -1 once closed or garbled */
    char progress_in[4096];  /* bytes read from it, not yet a whole frame */
    size_t progress_len;
    gl_progress shown;
    char why[1024];          /* how the call failed, "" while it has not */
} parent_state;

/* poll() with this thread out of the way of a fork (isolate.c). */
int gl_isolate__poll_quietly(struct pollfd *fds, nfds_t n, int timeout_ms);

/* Runs the child's queries and reads its frames until it sent its result,
 * failed, closed its channels or the deadline passed (isolate_serve.c). */
void gl_isolate__serve(parent_state *ps);

/* Reads a query still in flight after the child ended (isolate_serve.c). */
void gl_isolate__drain(parent_state *ps, gl_side side);

#endif
