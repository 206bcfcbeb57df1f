/* run/workers.c: the threads of collect and compare start and end together. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <time.h>

#include "run/run.h"
#include "run/workers.h"

typedef struct shared {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t running;       /* functions that have started */
    size_t returned;      /* functions that have returned */
    size_t peak;          /* the most running at once */
    size_t n;
} shared;

typedef struct slot {
    shared *s;
    int calls;
    size_t returned_before_start;  /* functions already returned when this one started */
} slot;

/* Each function waits (up to 5 s) until every one has started: only
 * functions that really run at once get past it quickly. */
static void meet(void *arg)
{
    slot *me = arg;
    shared *s = me->s;
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&s->lock);
    me->calls++;
    me->returned_before_start = s->returned;
    s->running++;
    if (s->running > s->peak)
        s->peak = s->running;
    pthread_cond_broadcast(&s->cond);
    while (s->running < s->n && pthread_cond_timedwait(&s->cond, &s->lock, &until) == 0)
        ;
    s->returned++;
    pthread_mutex_unlock(&s->lock);
}

static void run_n(size_t n)
{
    shared s = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, n};
    slot slots[GL_RUN_JOBS_MAX];
    void *args[GL_RUN_JOBS_MAX];

    for (size_t k = 0; k < n; k++) {
        slots[k] = (slot){&s, 0, 0};
        args[k] = &slots[k];
    }
    gl_run_workers(n, meet, args);
    cr_assert_eq(s.returned, n, "gl_run_workers returned before every function did");
    cr_assert_eq(s.peak, n, "%zu functions ran at once, not %zu", s.peak, n);
    for (size_t k = 0; k < n; k++) {
        cr_assert_eq(slots[k].calls, 1, "function %zu ran %d times", k, slots[k].calls);
        cr_assert_eq(slots[k].returned_before_start, 0, "function %zu started after another ended", k);
    }
}

Test(run_workers, every_function_runs_once_and_all_run_at_once)
{
    run_n(1);
    run_n(2);
    run_n(GL_RUN_JOBS_MAX);
}

Test(run_workers, more_than_the_maximum_is_capped_and_none_is_nothing)
{
    shared s = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, GL_RUN_JOBS_MAX};
    slot slots[GL_RUN_JOBS_MAX + 2];
    void *args[GL_RUN_JOBS_MAX + 2];

    for (size_t k = 0; k < GL_RUN_JOBS_MAX + 2; k++) {
        slots[k] = (slot){&s, 0, 0};
        args[k] = &slots[k];
    }
    gl_run_workers(GL_RUN_JOBS_MAX + 2, meet, args);
    cr_assert_eq(s.returned, GL_RUN_JOBS_MAX);
    cr_assert_eq(slots[GL_RUN_JOBS_MAX].calls, 0);
    gl_run_workers(0, meet, args);
    cr_assert_eq(s.returned, GL_RUN_JOBS_MAX);
}
