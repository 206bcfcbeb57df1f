/*
 * query_regression's measuring (collect.h): EXPLAIN of every case, one result
 * run per case and side (digest), then two timed passes of interleaved rounds
 * (blue, green, green, blue...), each with its warm-up, on fresh connections
 * and a gap apart (share/doc/checks/query_regression.md, Latency).
 */
#include "collect.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static void progress_by(qr_run *r, size_t steps, const char *label)
{
    r->progress_done += steps;
    if (GL_HOST_HAS(r->host, progress))
        r->host->progress(r->ctx, r->progress_done, r->progress_total, label);
}

static void progress(qr_run *r, const char *label)
{
    progress_by(r, 1, label);
}

typedef struct text_acc {
    char *text;
    int failed;
} text_acc;

static int take_text(void *ud, int ncols, const char *const *names, const char *const *values,
                     const int *is_null)
{
    text_acc *acc = ud;

    if (acc->text != NULL || ncols < 1 || is_null[0])
        return 0;
    acc->text = strdup(values[0]);
    if (acc->text == NULL) {
        acc->failed = 1;
        return 1;
    }
    return 0;
}

static int add_relations(qr_run *r, char **rels, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        for (size_t j = 0; j < r->nrel && !seen; j++)
            seen = strcmp(r->relations[j], rels[i]) == 0;
        if (seen)
            continue;
        char **p = realloc(r->relations, (r->nrel + 1) * sizeof(char *));
        if (p == NULL)
            return -1;
        r->relations = p;
        r->relations[r->nrel] = strdup(rels[i]);
        if (r->relations[r->nrel] == NULL)
            return -1;
        r->nrel++;
    }
    return 0;
}

/* EXPLAIN one case on one side. A failure is recorded in the outcome, not returned. */
int query_regression__explain_case(qr_run *r, int side, size_t i)
{
    qr_case *c = &r->cases[i];
    qr_outcome *o = &r->out[side][i];
    size_t len = strlen(c->q->sql) + 64, nrel = 0;
    char *sql = malloc(len), **rels = NULL, err[256], server[768];
    text_acc acc = {NULL, 0};
    double ms, cost = 0;
    int rc = 0, failed;

    if (sql == NULL)
        return r->host->set_error(r->ctx, "out of memory");
    snprintf(sql, len, "EXPLAIN (FORMAT JSON, VERBOSE) %s", c->q->sql);
    free(o->plan);
    o->plan = NULL;
    if (c->generic_plan)
        failed = query_regression__explain_generic(r->ctx, r->host, (gl_side)side, c->q->sql, c->placeholders,
                                                   r->cfg.timeout_ms, take_text, &acc, server,
                                                   sizeof(server)) != 0;
    else
        failed = query_regression__run(r->ctx, r->host, (gl_side)side, sql, c->nparams, c->params,
                                       r->cfg.timeout_ms, take_text, &acc, &ms, server, sizeof(server)) != 0;
    if (failed || acc.text == NULL) {
        if (acc.failed)
            rc = r->host->set_error(r->ctx, "out of memory");
        else if (o->error[0] == '\0')
            snprintf(o->error, sizeof(o->error), "EXPLAIN%s failed on %s: %s",
                     c->generic_plan ? " of the generic plan" : "", query_regression__side_name(side),
                     server[0] ? server : "it returned no plan");
        goto out;
    }
    if (query_regression_plan_shape(acc.text, &o->plan, &cost, &rels, &nrel, err, sizeof(err)) != 0) {
        snprintf(o->error, sizeof(o->error), "EXPLAIN on %s: %s", query_regression__side_name(side), err);
        goto out;
    }
    o->plan_cost = cost;
    if (add_relations(r, rels, nrel) != 0)
        rc = r->host->set_error(r->ctx, "out of memory");
out:
    for (size_t k = 0; k < nrel; k++)
        free(rels[k]);
    free(rels);
    free(acc.text);
    free(sql);
    return rc;
}

static int digest_row(void *ud, int ncols, const char *const *names, const char *const *values,
                      const int *is_null)
{
    return query_regression_digest_add(ud, ncols, values, is_null) != 0 ? 1 : 0;
}

static gl_value *rows_value(const gl_host *host, const query_regression_digest *d)
{
    gl_value *rows = host->value_array();

    for (size_t i = 0; rows != NULL && i < d->nsample; i++) {
        gl_value *row = host->value_array();
        for (int c = 0; row != NULL && c < d->sample[i].ncols; c++)
            if (host->array_push(row, host->value_string(d->sample[i].values[c])) != 0) {
                host->value_free(row);
                row = NULL;
            }
        if (row == NULL || host->array_push(rows, row) != 0) {
            host->value_free(rows);
            rows = NULL;
        }
    }
    return rows;
}

static int result_case(qr_run *r, int side, size_t i)
{
    qr_case *c = &r->cases[i];
    qr_outcome *o = &r->out[side][i];
    query_regression_digest d;
    char server[768];
    double ms;
    int rc = 0;

    query_regression_digest_init(&d, c->ordered);
    if (query_regression__run(r->ctx, r->host, (gl_side)side, c->q->sql, c->nparams, c->params,
                              r->cfg.timeout_ms, digest_row, &d, &ms, r->concurrent ? NULL : server,
                              r->concurrent ? 0 : sizeof(server)) != 0) {
        if (r->concurrent && !d.failed)
            o->retry = 1;
        else if (d.failed)
            snprintf(o->error, sizeof(o->error), "the result on %s is too large to digest",
                     query_regression__side_name(side));
        else
            snprintf(o->error, sizeof(o->error), "the query failed on %s: %s", query_regression__side_name(side),
                     server);
        goto out;
    }
    if (query_regression_digest_finish(&d, o->digest) != 0) {
        rc = r->host->set_error(r->ctx, "out of memory computing a result digest");
        goto out;
    }
    o->rows = d.nrows;
    o->sample_rows = rows_value(r->host, &d);
    if (o->sample_rows == NULL) {
        rc = r->host->set_error(r->ctx, "out of memory");
        goto out;
    }
    o->have_result = 1;
out:
    query_regression_digest_free(&d);
    return rc;
}

static int time_case(qr_run *r, int side, size_t i, int keep)
{
    qr_case *c = &r->cases[i];
    qr_outcome *o = &r->out[side][i];
    char server[768];
    double ms;

    if (o->error[0] != '\0')
        return 0;
    if (query_regression__run(r->ctx, r->host, (gl_side)side, c->q->sql, c->nparams, c->params,
                              r->cfg.timeout_ms, NULL, NULL, &ms, r->concurrent ? NULL : server,
                              r->concurrent ? 0 : sizeof(server)) != 0) {
        if (r->concurrent)
            o->retry = 1;
        else
            snprintf(o->error, sizeof(o->error), "the query failed on %s during timing: %s",
                     query_regression__side_name(side), server);
        return 0;
    }
    if (!keep)
        return 0;
    if (o->latency == NULL) {
        o->latency = calloc((size_t)c->samples, sizeof(double));
        if (o->latency == NULL)
            return r->host->set_error(r->ctx, "out of memory");
    }
    if (o->nlatency < (size_t)c->samples) {
        o->latency[o->nlatency++] = ms;
        r->t_samples += ms;
    }
    return 0;
}

/* Whether a case is run for results and latency (a generic-plan case is only explained). */
static int runnable(qr_run *r, size_t i)
{
    if (r->cases[i].refused[0] != '\0' || r->cases[i].not_comparable[0] != '\0' ||
        r->cases[i].generic_plan)
        return 0;
    for (int s = 0; s < 2; s++)
        if (r->live[s] && r->out[s][i].error[0] != '\0')
            return 0;
    return 1;
}

int query_regression__explainable(const qr_case *c)
{
    return c->refused[0] == '\0' && c->not_comparable[0] == '\0';
}

/*
 * Untimed work (the results runs, warm-up rounds) on both live sides at once:
 * blue's share in a second thread while this thread does green's. Each side
 * has its own connection (plugin.h, Threads) and a thread touches only its
 * side's outcomes. The host keeps one error per run, so a thread reads none:
 * a statement that fails here is marked and run again afterwards, alone, for
 * the server's message (a failure that does not repeat was no failure).
 * Timed rounds never run here: a sample is taken with its side alone.
 */
typedef int (*side_step)(qr_run *r, int side, size_t i, const int *rounds);

typedef struct side_share {
    qr_run *r;
    int side;
    size_t from, to;            /* cases [from, to) */
    const unsigned char *go;    /* go[i - from]: runnable when the phase began */
    side_step step;
    const int *rounds;
    int rc;
} side_share;

static void *run_share(void *arg)
{
    side_share *sh = arg;

    sh->rc = 0;
    for (size_t i = sh->from; sh->r->live[sh->side] && i < sh->to && sh->rc == 0; i++)
        if (sh->go[i - sh->from] && sh->r->out[sh->side][i].error[0] == '\0')
            sh->rc = sh->step(sh->r, sh->side, i, sh->rounds);
    return NULL;
}

static int both_sides(qr_run *r, size_t from, size_t to, side_step step, const int *rounds)
{
    unsigned char *go = malloc(to > from ? to - from : 1);
    side_share share[2];
    pthread_t blue;
    int rc = 0;

    if (go == NULL)
        return r->host->set_error(r->ctx, "out of memory");
    for (size_t i = from; i < to; i++)
        go[i - from] = (unsigned char)runnable(r, i);
    for (int s = 0; s < 2; s++)
        share[s] = (side_share){r, s, from, to, go, step, rounds, 0};
    /* Set before the thread starts: it reads it. */
    r->concurrent = r->live[GL_SIDE_BLUE] && r->live[GL_SIDE_GREEN];
    if (r->concurrent && pthread_create(&blue, NULL, run_share, &share[GL_SIDE_BLUE]) != 0)
        r->concurrent = 0;
    if (r->concurrent) {
        run_share(&share[GL_SIDE_GREEN]);
        pthread_join(blue, NULL);
        r->concurrent = 0;
    } else {
        for (int s = 0; s < 2; s++)
            run_share(&share[s]);
    }
    if (share[0].rc != 0 || share[1].rc != 0)
        rc = -1;
    for (size_t i = from; rc == 0 && i < to; i++)
        for (int s = 0; s < 2 && rc == 0; s++)
            if (r->live[s] && r->out[s][i].retry) {
                r->out[s][i].retry = 0;
                rc = step(r, s, i, rounds);
            }
    free(go);
    return rc;
}

static int results_step(qr_run *r, int side, size_t i, const int *rounds)
{
    (void)rounds;
    return result_case(r, side, i);
}

/* Untimed rounds [rounds[0], rounds[1]) of case i on one side. */
static int warmup_step(qr_run *r, int side, size_t i, const int *rounds)
{
    const qr_outcome *o = &r->out[side][i];

    for (int k = rounds[0]; k < rounds[1] && o->error[0] == '\0' && !o->retry; k++)
        if (time_case(r, side, i, 0) != 0)
            return -1;
    return 0;
}

/* Warm-up rounds [from, to) of cases [first, last) on both sides at once. */
static int warm_up(qr_run *r, size_t first, size_t last, int from, int to)
{
    int rounds[2] = {from, to};
    double t0 = query_regression__now_ms();

    if (from >= to)
        return 0;
    if (both_sides(r, first, last, warmup_step, rounds) != 0)
        return -1;
    r->t_warmup += query_regression__now_ms() - t0;
    for (size_t i = first; i < last; i++)
        progress_by(r, (size_t)(to - from), r->cases[i].name);
    return 0;
}

/* Plans first: they name the tables whose statistics readiness matters. */
int query_regression__run_plans(qr_run *r)
{
    r->progress_total = 0;
    for (size_t i = 0; i < r->ncases; i++)
        r->progress_total += 2 + 2 * (size_t)r->cfg.warmup + (size_t)r->cases[i].samples;
    for (size_t i = 0; i < r->ncases; i++) {
        for (int s = 0; s < 2; s++)
            if (r->live[s] && query_regression__explainable(&r->cases[i]) && query_regression__explain_case(r, s, i) != 0)
                return -1;
        progress(r, r->cases[i].name);
    }
    return 0;
}

/* Sleeps ms milliseconds (interrupted sleeps go on). */
static void pause_ms(double ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(fmod(ms, 1000) * 1e6)};

    while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The gap between the passes: pass_gap_ms plus up to half of it at random
 * (from the clock's nanoseconds), so the passes do not fall in step with a
 * periodic load. */
static double pass_gap(const qr_run *r)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return r->cfg.pass_gap_ms * (1.0 + (double)(now.tv_nsec % 1000) / 2000.0);
}

static int backend_row(void *ud, int ncols, const char *const *names, const char *const *values,
                       const int *is_null)
{
    (void)names;
    if (ncols >= 1 && !is_null[0])
        *(long long *)ud = strtoll(values[0], NULL, 10);
    return 0;
}

/* The backend pid of each live side for a pass (the marker keeps the query
 * out of a pg_stat_statements import). */
static int record_backends(qr_run *r, int pass)
{
    for (int s = 0; s < 2; s++)
        if (r->live[s] && r->host->query(r->ctx, (gl_side)s, "/* greenlight */ SELECT pg_backend_pid()",
                                         0, NULL, backend_row, &r->pass_backend[s][pass]) != 0)
            return -1;
    return 0;
}

/* Rounds [from, to) of case i: rounds k < warmup are untimed (both sides at
 * once); timed rounds alternate which side goes first (blue, green, green,
 * blue...) so order effects cancel out. */
static int run_rounds(qr_run *r, size_t i, int from, int to)
{
    if (from < r->cfg.warmup && warm_up(r, i, i + 1, from, to < r->cfg.warmup ? to : r->cfg.warmup) != 0)
        return -1;
    for (int k = from > r->cfg.warmup ? from : r->cfg.warmup; k < to; k++) {
        double t0 = query_regression__now_ms();
        int first = (k % 2 == 0) ? GL_SIDE_BLUE : GL_SIDE_GREEN;
        for (int t = 0; t < 2; t++) {
            int s = t == 0 ? first : 1 - first;
            if (r->live[s] && runnable(r, i) && time_case(r, s, i, 1) != 0)
                return -1;
        }
        r->t_timed += query_regression__now_ms() - t0;
        progress(r, r->cases[i].name);
    }
    return 0;
}

/*
 * Between the passes: a fresh connection (a new server backend) on every live
 * side, so one burst of contention, or one backend's state (caches, a slow
 * process), cannot produce both passes, then the second pass's warm-up of
 * every case on those backends. A side that cannot be reopened fails the
 * check. A host older than ABI 1.3 keeps the connections (the facts say so:
 * fresh_connections false).
 */
static int between_passes(qr_run *r)
{
    const gl_host *h = r->host;
    double start = query_regression__now_ms();

    r->fresh_connections = GL_HOST_HAS(h, reconnect);
    for (int s = 0; s < 2 && r->fresh_connections; s++)
        if (r->live[s] && h->reconnect(r->ctx, (gl_side)s) != 0)
            return h->set_error(r->ctx, "query_regression: the second timed pass needs a fresh "
                                "connection to %s, which could not be opened: %s", query_regression__side_name(s),
                                GL_HOST_HAS(h, last_error) ? h->last_error(r->ctx) : "");
    if (record_backends(r, 1) != 0)
        return -1;
    r->t_reconnect = query_regression__now_ms() - start;
    return 0;
}

/*
 * Before case i's second-pass samples: at least pass_gap_waited_ms since its
 * first-pass samples ended. Each case's own passes are what must be apart (a
 * regression must show in both, issue 18), and in a workload of many cases
 * the other cases' rounds already separate them by about half the check:
 * only a workload shorter than the gap waits (the rest of it).
 */
static void keep_passes_apart(qr_run *r, size_t i)
{
    double now = query_regression__now_ms(), rest, apart;

    if (!runnable(r, i) || r->pass1_end[i] <= 0)
        return;
    rest = r->pass1_end[i] + r->pass_gap_waited_ms - now;
    if (rest > 0) {
        pause_ms(rest);
        r->t_gap += query_regression__now_ms() - now;
    }
    apart = query_regression__now_ms() - r->pass1_end[i];
    if (r->pass_separation_ms < 0 || apart < r->pass_separation_ms)
        r->pass_separation_ms = apart;
}

/* Case i's results run (one digest run per side, both sides at once). */
static int results_of(qr_run *r, size_t i)
{
    double t0 = query_regression__now_ms();

    if (both_sides(r, i, i + 1, results_step, NULL) != 0)
        return -1;
    r->t_results += query_regression__now_ms() - t0;
    progress(r, r->cases[i].name);
    return 0;
}

/*
 * Two passes over the whole workload, each with half of every case's samples,
 * so a case is measured at two moments at least pass_gap_ms apart, on
 * different backends: compare requires a regression to show in both
 * (query_regression_judge_passes), which load that hits one side for a while
 * cannot fake. Each case is warmed up just before its own samples: in the
 * first pass by its results run (one digest run per side, the first warm-up
 * round) and any further rounds, in the second on the fresh backends.
 */
int query_regression__run_measure(qr_run *r)
{
    r->pass_separation_ms = -1;
    r->pass_gap_waited_ms = r->cfg.pass_gap_ms > 0 ? pass_gap(r) : 0;
    r->pass1_end = calloc(r->ncases ? r->ncases : 1, sizeof(double));
    if (r->pass1_end == NULL)
        return r->host->set_error(r->ctx, "out of memory");
    if (record_backends(r, 0) != 0)
        return -1;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && between_passes(r) != 0)
            return -1;
        for (size_t i = 0; i < r->ncases; i++) {
            int half = r->cases[i].samples / 2, n = pass == 0 ? half : r->cases[i].samples - half;
            int from = pass == 1 || r->cfg.warmup == 0 ? 0 : 1;
            if (pass == 0 && results_of(r, i) != 0)
                return -1;
            if (pass == 1)
                keep_passes_apart(r, i);
            if (run_rounds(r, i, from, r->cfg.warmup + n) != 0)
                return -1;
            if (pass == 0)
                r->pass1_end[i] = query_regression__now_ms();
        }
    }
    return 0;
}
