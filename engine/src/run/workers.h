/*
 * workers.h — threads that start and end together, for the stages that run
 * plugins at once (collect's lanes, compare).
 *
 * Creating, ending or joining a thread takes locks (the sanitizers' thread
 * registry) that a child forked meanwhile would inherit held (plugin/isolate.h):
 * so no worker's function runs until every thread exists, and no thread ends
 * until every worker's function has returned. Between those points the
 * functions fork as they like, under gl_isolate_thread_enter/leave.
 */
#ifndef GL_RUN_WORKERS_H
#define GL_RUN_WORKERS_H

#include <stddef.h>

/* Runs fn(args[k]) for k in [0, n) at once: k = 0 on the calling thread, the
 * others on threads of their own (a thread that cannot be created: its fn
 * runs after the others, on the calling thread). Returns when all are done. */
void gl_run_workers(size_t n, void (*fn)(void *arg), void *const *args);

/* How many workers for items things to do under --jobs (0: the default):
 * min(jobs or GL_RUN_JOBS_DEFAULT, GL_RUN_JOBS_MAX, items), at least one. */
size_t gl_run_workers_count(unsigned jobs, size_t items);

#endif
