/*
 * workers.c — threads that start and end together (run/workers.h).
 */
#include "run/workers.h"

#include <pthread.h>

#include "run/run.h"

typedef struct gate {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int go;
    size_t arrived;          /* threads waiting for go (their start is over) */
    size_t working;          /* functions still running */
} gate;

typedef struct worker {
    gate *g;
    void (*fn)(void *arg);
    void *arg;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    gate *g = w->g;

    pthread_mutex_lock(&g->lock);
    g->arrived++;
    pthread_cond_broadcast(&g->cond);
    while (!g->go)
        pthread_cond_wait(&g->cond, &g->lock);
    pthread_mutex_unlock(&g->lock);
    w->fn(w->arg);
    pthread_mutex_lock(&g->lock);
    if (--g->working == 0)
        pthread_cond_broadcast(&g->cond);
    while (g->working > 0)
        pthread_cond_wait(&g->cond, &g->lock);
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

void gl_run_workers(size_t n, void (*fn)(void *arg), void *const *args)
{
    pthread_t threads[GL_RUN_JOBS_MAX];
    int started[GL_RUN_JOBS_MAX] = {0};
    worker ws[GL_RUN_JOBS_MAX];
    gate g;

    if (n > GL_RUN_JOBS_MAX)
        n = GL_RUN_JOBS_MAX;
    if (n == 0)
        return;
    pthread_mutex_init(&g.lock, NULL);
    pthread_cond_init(&g.cond, NULL);
    g.go = 0;
    g.arrived = 0;
    g.working = 1;
    for (size_t k = 0; k < n; k++)
        ws[k] = (worker){&g, fn, args[k]};
    for (size_t k = 1; k < n; k++) {
        started[k] = pthread_create(&threads[k], NULL, worker_main, &ws[k]) == 0;
        pthread_mutex_lock(&g.lock);
        g.working += (size_t)started[k];
        pthread_mutex_unlock(&g.lock);
    }
    pthread_mutex_lock(&g.lock);
    while (g.arrived + 1 < g.working)
        pthread_cond_wait(&g.cond, &g.lock);
    g.go = 1;
    pthread_cond_broadcast(&g.cond);
    pthread_mutex_unlock(&g.lock);
    worker_main(&ws[0]);
    for (size_t k = 1; k < n; k++)
        if (started[k])
            pthread_join(threads[k], NULL);
    /* Those that never got a thread run now, alone: nothing else can fork. */
    for (size_t k = 1; k < n; k++)
        if (!started[k])
            fn(args[k]);
    pthread_cond_destroy(&g.cond);
    pthread_mutex_destroy(&g.lock);
}

size_t gl_run_workers_count(unsigned jobs, size_t items)
{
    size_t n = jobs > 0 ? jobs : GL_RUN_JOBS_DEFAULT;

    if (n > GL_RUN_JOBS_MAX)
        n = GL_RUN_JOBS_MAX;
    if (n > items)
        n = items;
    return n > 0 ? n : 1;
}
