/*
 * query_regression's measuring (collect.h): EXPLAIN of every case, one result
 * run per case and side (digest), then two timed passes of interleaved rounds
 * (blue, green, green, blue...), each with its warm-up, on fresh connections
 * and a gap apart (share/doc/checks/query_regression.md, Latency).
 */
#include "collect.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static void progress(qr_run *r, const char *label)
{
    r->progress_done++;
    if (GL_HOST_HAS(r->host, progress))
        r->host->progress(r->ctx, r->progress_done, r->progress_total, label);
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
                              r->cfg.timeout_ms, digest_row, &d, &ms, server, sizeof(server)) != 0) {
        if (d.failed)
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
                              r->cfg.timeout_ms, NULL, NULL, &ms, server, sizeof(server)) != 0) {
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

/* Rounds [from, to) of case i: round k < warmup is untimed; rounds alternate
 * which side goes first (blue, green, green, blue...) so order effects cancel out. */
static int run_rounds(qr_run *r, size_t i, int from, int to)
{
    for (int k = from; k < to; k++) {
        int keep = k >= r->cfg.warmup;
        double *phase = keep ? &r->t_timed : &r->t_warmup, t0 = query_regression__now_ms();
        int first = (k % 2 == 0) ? GL_SIDE_BLUE : GL_SIDE_GREEN;
        for (int t = 0; t < 2; t++) {
            int s = t == 0 ? first : 1 - first;
            if (r->live[s] && runnable(r, i) && time_case(r, s, i, keep) != 0)
                return -1;
        }
        *phase += query_regression__now_ms() - t0;
        progress(r, r->cases[i].name);
    }
    return 0;
}

/*
 * Between the passes: a fresh connection (a new server backend) on every live
 * side, so one burst of contention, or one backend's state (caches, a slow
 * process), cannot produce both passes, then the second pass's warm-up of
 * every case on those backends, then the rest of the gap. The gap separates
 * the last timed round of the first pass from the first of the second; the
 * warm-up fills it instead of adding to it (issue 10: a check's wall time
 * beyond its samples). A side that cannot be reopened fails the check. A
 * host older than ABI 1.3 keeps the connections (the facts say so:
 * fresh_connections false).
 */
static int between_passes(qr_run *r)
{
    const gl_host *h = r->host;
    double start = query_regression__now_ms(), t0, rest;

    r->pass_gap_waited_ms = r->cfg.pass_gap_ms > 0 ? pass_gap(r) : 0;
    r->fresh_connections = GL_HOST_HAS(h, reconnect);
    for (int s = 0; s < 2 && r->fresh_connections; s++)
        if (r->live[s] && h->reconnect(r->ctx, (gl_side)s) != 0)
            return h->set_error(r->ctx, "query_regression: the second timed pass needs a fresh "
                                "connection to %s, which could not be opened: %s", query_regression__side_name(s),
                                GL_HOST_HAS(h, last_error) ? h->last_error(r->ctx) : "");
    if (record_backends(r, 1) != 0)
        return -1;
    r->t_reconnect = query_regression__now_ms() - start;
    for (size_t i = 0; i < r->ncases; i++)
        if (run_rounds(r, i, 0, r->cfg.warmup) != 0)
            return -1;
    t0 = query_regression__now_ms();
    rest = r->pass_gap_waited_ms - (t0 - start);
    if (rest > 0)
        pause_ms(rest);
    r->t_gap = query_regression__now_ms() - t0;
    return 0;
}

/* Results (one digest run per side), then warm-up and interleaved timed runs. */
int query_regression__run_measure(qr_run *r)
{
    double t0 = query_regression__now_ms();

    for (size_t i = 0; i < r->ncases; i++) {
        for (int s = 0; s < 2; s++)
            if (r->live[s] && runnable(r, i) && result_case(r, s, i) != 0)
                return -1;
        progress(r, r->cases[i].name);
    }
    r->t_results = query_regression__now_ms() - t0;
    /*
     * Two passes over the whole workload, each with its own warm-up and half
     * of every case's samples, so a case is measured at two moments some
     * seconds apart: compare requires a regression to show in both
     * (query_regression_judge_passes), which load that hits one side for a while cannot fake.
     * The first pass warms each case up just before its rounds (the results run
     * counting as the first warm-up round); the second warms every case up in
     * the gap (between_passes).
     */
    if (record_backends(r, 0) != 0)
        return -1;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && between_passes(r) != 0)
            return -1;
        for (size_t i = 0; i < r->ncases; i++) {
            int half = r->cases[i].samples / 2, n = pass == 0 ? half : r->cases[i].samples - half;
            /* In the first pass the results run was the case's first execution on
             * this backend: it counts as the first warm-up round. */
            int from = pass == 1 ? r->cfg.warmup : r->cfg.warmup > 0 ? 1 : 0;
            if (run_rounds(r, i, from, r->cfg.warmup + n) != 0)
                return -1;
        }
    }
    return 0;
}
