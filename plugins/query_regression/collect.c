/*
 * query_regression — runs a workload on blue and green and compares, query by
 * query, results, plan shapes and latency (share/doc/checks/query_regression.md).
 *
 * collect_pair (both sides live): safety check of every statement, EXPLAIN on
 * both sides, planner-statistics readiness (ANALYZE on green only when
 * analyze_green), one result run per side (digest), warm-up runs, then N
 * interleaved timed runs: blue, green, green, blue, ... (the order alternates
 * so neither side always runs second). collect (one live side, the other a
 * snapshot) does the same on that side alone.
 *
 * Facts per side (self-contained, for offline compare):
 *   { enabled, server_version_num, settings: {...},
 *     cases: [ { name, query, sql, params, tags, ordered, thresholds, compare,
 *                refused? | error? | not_comparable? | generic_plan?,
 *                rows, digest, sample_rows, plan, plan_cost,
 *                latency_ms: [...] } ],
 *     statistics: { missing: [ {relation, reltuples, last_analyze, last_autoanalyze} ],
 *                   analyzed: [relation...] } }
 * With no "workload" configured the plugin does nothing: { enabled: false }.
 */
#include "qr.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One (query, parameter set) pair: the unit that is judged. */
typedef struct qr_case {
    const query_regression_query *q;
    char name[GL_QR_MAX_NAME + 16];
    const char *const *params;
    int nparams;
    int ordered;
    int samples;
    char refused[512];     /* non-empty: never run */
    char fingerprint[64];
    /* $n placeholders and no parameter sets (placeholder_case): never run; either
     * compared by plan only, through EXPLAIN (GENERIC_PLAN), or not at all. */
    int generic_plan;
    int placeholders;
    char not_comparable[512];
} qr_case;

/* What one side produced for one case. */
typedef struct qr_outcome {
    char error[1024];      /* non-empty: a statement failed on this side (with the server's message) */
    int have_result;
    size_t rows;
    char digest[65];
    gl_value *sample_rows; /* array of arrays */
    char *plan;
    double plan_cost;
    double *latency;
    size_t nlatency;
} qr_outcome;

typedef struct qr_run {
    gl_ctx *ctx;
    const gl_host *host;
    query_regression_config cfg;
    query_regression_workload *workload;
    qr_case *cases;
    size_t ncases;
    int live[2];           /* which sides this call collects */
    qr_outcome *out[2];    /* ncases each */
    char **relations;      /* union over both sides' plans */
    int import_side;       /* -1: no import */
    size_t import_skipped;
    char *import_problem;  /* pg_stat_statements could not be read */
    size_t nrel;
    size_t progress_done, progress_total;
    gl_value *role[2];     /* {name, superuser} of each live side */
    /* The server backend each timed pass ran on, per side (pg_backend_pid):
     * different when the host could open fresh connections (ABI 1.3). */
    long long pass_backend[2][2];
    int fresh_connections;
    double pass_gap_waited_ms;
    /* Where the check's wall time went (facts settings.timing_ms), in ms. */
    double t_plans, t_readiness, t_results, t_warmup, t_timed, t_samples, t_gap, t_reconnect;
} qr_run;

static const char *side_name(int s)
{
    return s == GL_SIDE_BLUE ? "blue" : "green";
}

/* --------------------------------------------------------------- config */

static double cfg_number(const gl_host *host, const gl_value *cfg, const char *key, double dflt)
{
    const gl_value *v = host->object_get(cfg, key);

    switch (host->value_kind(v)) {
    case GL_VALUE_INT: return (double)host->value_get_int(v);
    case GL_VALUE_NUMBER: return host->value_get_number(v);
    default: return dflt;
    }
}

/* "pg_stat_statements": {"top": N, "params": "file.json"}; absent = no import. */
static int read_import_config(gl_ctx *ctx, const gl_host *host, const gl_value *v,
                              query_regression_import_config *out)
{
    static const char *const keys[] = {"top", "params", NULL};
    const gl_value *top = host->object_get(v, "top"), *params = host->object_get(v, "params");
    char err[512];

    memset(out, 0, sizeof(*out));
    if (v == NULL)
        return 0;
    if (host->value_kind(v) != GL_VALUE_OBJECT)
        return host->set_error(ctx, "query_regression: config \"pg_stat_statements\" must be an "
                               "object like {\"top\": 20}");
    for (size_t i = 0; i < host->value_len(v); i++)
        if (query_regression_key_check(host->object_key_at(v, i), keys, "pg_stat_statements", err,
                                       sizeof(err)) != 0)
            return host->set_error(ctx, "query_regression: config %s", err);
    if (top != NULL && host->value_kind(top) != GL_VALUE_INT)
        return host->set_error(ctx, "query_regression: config \"pg_stat_statements.top\" must be "
                               "an integer");
    if (params != NULL && host->value_kind(params) != GL_VALUE_STRING)
        return host->set_error(ctx, "query_regression: config \"pg_stat_statements.params\" must "
                               "be a path to a workload file of parameter sets");
    out->top = top != NULL ? (int)host->value_get_int(top) : 20;
    if (out->top < 1 || out->top > GL_QR_MAX_IMPORT)
        return host->set_error(ctx, "query_regression: config \"pg_stat_statements.top\" must be "
                               "1..%d", GL_QR_MAX_IMPORT);
    out->params = host->value_get_string(params);
    return 0;
}

int query_regression__config_read(gl_ctx *ctx, const gl_host *host, query_regression_config *c)
{
    static const char *const keys[] = {"workload", "samples", "warmup", "confidence",
                                       "effect_tolerance", "min_effect_ms", "noise_floor",
                                       "statement_timeout_ms", "analyze_green",
                                       "pg_stat_statements", "pass_gap_ms", NULL};
    static const char *const numeric[] = {"samples", "warmup", "confidence", "effect_tolerance",
                                          "min_effect_ms", "noise_floor", "statement_timeout_ms",
                                          "pass_gap_ms", NULL};
    const gl_value *cfg = host->config(ctx), *wl = host->object_get(cfg, "workload");
    const gl_value *an = host->object_get(cfg, "analyze_green");
    char err[512];

    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < host->value_len(cfg); i++)
        if (query_regression_key_check(host->object_key_at(cfg, i), keys, "", err, sizeof(err)) != 0)
            return host->set_error(ctx, "query_regression: config %s", err);
    if (wl != NULL && host->value_kind(wl) != GL_VALUE_STRING)
        return host->set_error(ctx, "query_regression: config \"workload\" must be a path to a "
                               "workload file");
    c->workload = host->value_get_string(wl);
    for (const char *const *k = numeric; *k; k++) {
        const gl_value *v = host->object_get(cfg, *k);
        if (v == NULL)
            continue;
        if (host->value_kind(v) != GL_VALUE_INT && host->value_kind(v) != GL_VALUE_NUMBER)
            return host->set_error(ctx, "query_regression: config \"%s\" must be a number", *k);
        if (query_regression_limit_check(*k, cfg_number(host, cfg, *k, 0), "", err, sizeof(err)) != 0)
            return host->set_error(ctx, "query_regression: config %s", err);
    }
    if (an != NULL && host->value_kind(an) != GL_VALUE_BOOL)
        return host->set_error(ctx, "query_regression: config \"analyze_green\" must be true or false");
    c->samples = (int)cfg_number(host, cfg, "samples", GL_QR_DEFAULT_SAMPLES);
    c->warmup = (int)cfg_number(host, cfg, "warmup", GL_QR_DEFAULT_WARMUP);
    c->confidence = cfg_number(host, cfg, "confidence", GL_QR_DEFAULT_CONFIDENCE);
    c->tolerance = cfg_number(host, cfg, "effect_tolerance", GL_QR_DEFAULT_TOLERANCE);
    c->min_effect_ms = cfg_number(host, cfg, "min_effect_ms", GL_QR_DEFAULT_MIN_EFFECT_MS);
    c->noise_floor = cfg_number(host, cfg, "noise_floor", GL_QR_DEFAULT_NOISE_FLOOR);
    c->timeout_ms = (int)cfg_number(host, cfg, "statement_timeout_ms", 0);
    c->pass_gap_ms = (int)cfg_number(host, cfg, "pass_gap_ms", GL_QR_DEFAULT_PASS_GAP_MS);
    c->analyze_green = host->value_get_bool(an);
    return read_import_config(ctx, host, host->object_get(cfg, "pg_stat_statements"), &c->import);
}

/* ------------------------------------------------------------------ cases */

/*
 * A statement with $n and no values (typically from pg_stat_statements) is
 * not run: it has no values to run with. Its plan can still be compared when
 * every live side is 16+: the generic plan, the plan a prepared statement gets
 * after its custom plans, with the $n left unknown (query_regression__explain_generic:
 * PREPARE, then EXPLAIN EXECUTE under plan_cache_mode = force_generic_plan;
 * never EXPLAIN (GENERIC_PLAN) over the simple protocol, see run.c).
 * Sides older than 16 are not compared this way, as before: a plan-only
 * comparison there was never measured against real plans, so such a case is
 * marked not comparable, with the reason, until a params file gives it real
 * values (it then runs like any case: results, plans and latency).
 * In a snapshot run only the live side is decided here; compare needs both
 * sides' facts to carry a generic plan.
 */
static void placeholder_case(qr_run *r, qr_case *c, int placeholders)
{
    int oldest = 0, side = GL_SIDE_BLUE;

    for (int s = 0; s < 2; s++) {
        int v = r->live[s] ? r->host->server_version_num(r->ctx, (gl_side)s) : 0;
        if (r->live[s] && (oldest == 0 || v < oldest)) {
            oldest = v;
            side = s;
        }
    }
    c->placeholders = placeholders;
    if (oldest > 0 && oldest < 160000)
        snprintf(c->not_comparable, sizeof(c->not_comparable),
                 "it has %d placeholder(s) ($n) and no parameter values, and %s is PostgreSQL "
                 "%d, too old for a generic-plan comparison (EXPLAIN (GENERIC_PLAN), 16+); a "
                 "plan-only comparison needs both sides on 16+: give sample values in a params "
                 "file (config pg_stat_statements.params)", placeholders, side_name(side),
                 oldest / 10000);
    else
        c->generic_plan = 1;
}

static int build_cases(qr_run *r)
{
    size_t n = 0, k = 0;

    for (size_t i = 0; i < r->workload->count; i++)
        n += r->workload->queries[i].nsets ? r->workload->queries[i].nsets : 1;
    r->cases = calloc(n ? n : 1, sizeof(*r->cases));
    if (r->cases == NULL)
        return r->host->set_error(r->ctx, "out of memory");
    for (size_t i = 0; i < r->workload->count; i++) {
        const query_regression_query *q = &r->workload->queries[i];
        size_t sets = q->nsets ? q->nsets : 1;
        char reason[480], fp[64] = "";
        int ordered = 0, s, placeholders;

        s = query_regression_safety_check(q->sql, &ordered, reason, sizeof(reason));
        if (s < 0)
            return r->host->set_error(r->ctx, "out of memory checking query %s", q->name);
        placeholders = s == 0 ? query_regression_placeholders(q->sql) : 0;
        if (s == 0 && query_regression_fingerprint(q->sql, fp, sizeof(fp)) != 0)
            fp[0] = '\0';
        for (size_t j = 0; j < sets; j++, k++) {
            qr_case *c = &r->cases[k];
            c->q = q;
            if (q->nsets > 1)
                snprintf(c->name, sizeof(c->name), "%s/%zu", q->name, j + 1);
            else
                snprintf(c->name, sizeof(c->name), "%s", q->name);
            c->params = q->nsets ? (const char *const *)q->param_sets[j] : NULL;
            c->nparams = q->nsets ? q->nparams : 0;
            c->ordered = ordered;
            c->samples = q->samples > 0 ? q->samples : r->cfg.samples;
            snprintf(c->fingerprint, sizeof(c->fingerprint), "%s", fp);
            if (s > 0)
                snprintf(c->refused, sizeof(c->refused), "refused: %s", reason);
            else if (placeholders > 0 && q->nsets == 0)
                placeholder_case(r, c, placeholders);
        }
    }
    r->ncases = k;
    return 0;
}

/*
 * The allow rule (allow.c) on every live side, before anything runs: a case
 * whose statement can call a volatile or denied function on either side is
 * refused, naming the function and the side.
 */
static int allow_cases(qr_run *r)
{
    const char **sqls = calloc(r->ncases ? r->ncases : 1, sizeof(char *));
    char **reasons = calloc(r->ncases ? r->ncases : 1, sizeof(char *));
    int rc = -1;

    if (sqls == NULL || reasons == NULL) {
        r->host->set_error(r->ctx, "out of memory");
        goto out;
    }
    for (int s = 0; s < 2; s++) {
        if (!r->live[s])
            continue;
        for (size_t i = 0; i < r->ncases; i++)
            sqls[i] = r->cases[i].refused[0] == '\0' ? r->cases[i].q->sql : NULL;
        if (query_regression__allow_check(r->ctx, r->host, (gl_side)s, sqls, r->ncases, reasons) != 0)
            goto out;
        for (size_t i = 0; i < r->ncases; i++) {
            if (reasons[i] != NULL)
                snprintf(r->cases[i].refused, sizeof(r->cases[i].refused), "refused: %s", reasons[i]);
            free(reasons[i]);
            reasons[i] = NULL;
        }
        if (query_regression__role(r->ctx, r->host, (gl_side)s, &r->role[s]) != 0)
            goto out;
    }
    rc = 0;
out:
    free(sqls);
    free(reasons);
    return rc;
}

/* -------------------------------------------------------------- running */

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
static int explain_case(qr_run *r, int side, size_t i)
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
                     c->generic_plan ? " of the generic plan" : "", side_name(side),
                     server[0] ? server : "it returned no plan");
        goto out;
    }
    if (query_regression_plan_shape(acc.text, &o->plan, &cost, &rels, &nrel, err, sizeof(err)) != 0) {
        snprintf(o->error, sizeof(o->error), "EXPLAIN on %s: %s", side_name(side), err);
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
                     side_name(side));
        else
            snprintf(o->error, sizeof(o->error), "the query failed on %s: %s", side_name(side),
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
                 side_name(side), server);
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

static int explainable(const qr_case *c)
{
    return c->refused[0] == '\0' && c->not_comparable[0] == '\0';
}

/* Plans first: they name the tables whose statistics readiness matters. */
static int run_plans(qr_run *r)
{
    r->progress_total = 0;
    for (size_t i = 0; i < r->ncases; i++)
        r->progress_total += 2 + 2 * (size_t)r->cfg.warmup + (size_t)r->cases[i].samples;
    for (size_t i = 0; i < r->ncases; i++) {
        for (int s = 0; s < 2; s++)
            if (r->live[s] && explainable(&r->cases[i]) && explain_case(r, s, i) != 0)
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
                                "connection to %s, which could not be opened: %s", side_name(s),
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
static int run_measure(qr_run *r)
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

/* ---------------------------------------------------------------- facts */

/* object_set that also fails on a NULL value (a builder that ran out of memory). */
static int set(const gl_host *h, gl_value *o, const char *k, gl_value *v)
{
    return v == NULL ? -1 : h->object_set(o, k, v);
}

/* A child object inserted into its parent first, so the parent owns it from the start. */
static gl_value *child_object(const gl_host *h, gl_value *parent, const char *key)
{
    gl_value *c = h->value_object();
    return set(h, parent, key, c) == 0 ? c : NULL;
}

/* Where the check's wall time went, both sides together (settings.timing_ms). */
static gl_value *timing(const qr_run *r)
{
    const gl_host *h = r->host;
    gl_value *t = h->value_object();

    if (t == NULL ||
        set(h, t, "plans", h->value_number(r->t_plans)) ||
        set(h, t, "readiness", h->value_number(r->t_readiness)) ||
        set(h, t, "results", h->value_number(r->t_results)) ||
        set(h, t, "warmup", h->value_number(r->t_warmup)) ||
        set(h, t, "timed_rounds", h->value_number(r->t_timed)) ||
        set(h, t, "samples", h->value_number(r->t_samples)) ||
        set(h, t, "pass_gap", h->value_number(r->t_gap)) ||
        set(h, t, "reconnect", h->value_number(r->t_reconnect))) {
        h->value_free(t);
        return NULL;
    }
    return t;
}

static gl_value *strings_value(const gl_host *h, char *const *items, size_t n, int with_nulls)
{
    gl_value *a = h->value_array();

    for (size_t i = 0; a != NULL && i < n; i++) {
        gl_value *v = items[i] == NULL && !with_nulls ? NULL : h->value_string(items[i]);
        if (v == NULL || h->array_push(a, v) != 0) {
            h->value_free(a);
            a = NULL;
        }
    }
    return a;
}

static gl_value *numbers_value(const gl_host *h, const double *v, size_t n)
{
    gl_value *a = h->value_array();

    for (size_t i = 0; a != NULL && i < n; i++)
        if (h->array_push(a, h->value_number(v[i])) != 0) {
            h->value_free(a);
            a = NULL;
        }
    return a;
}

static gl_value *case_facts(qr_run *r, int side, size_t i)
{
    const gl_host *h = r->host;
    qr_case *c = &r->cases[i];
    qr_outcome *o = &r->out[side][i];
    gl_value *f = h->value_object(), *thr, *cmp;
    int bad;

    if (f == NULL)
        return NULL;
    thr = child_object(h, f, "thresholds");
    cmp = child_object(h, f, "compare");
    bad = thr == NULL || cmp == NULL ||
          set(h, thr, "effect_tolerance", h->value_number(c->q->effect_tolerance)) ||
          set(h, thr, "confidence", h->value_number(c->q->confidence)) ||
          set(h, thr, "min_effect_ms", h->value_number(c->q->min_effect_ms)) ||
          set(h, thr, "noise_floor", h->value_number(c->q->noise_floor)) ||
          set(h, thr, "samples", h->value_int(c->samples)) ||
          set(h, cmp, "results", h->value_bool(c->q->compare_results)) ||
          set(h, cmp, "plan", h->value_bool(c->q->compare_plan)) ||
          set(h, f, "name", h->value_string(c->name)) ||
          set(h, f, "query", h->value_string(c->q->name)) ||
          set(h, f, "sql", h->value_string(c->q->sql)) ||
          set(h, f, "params", strings_value(h, (char *const *)c->params, (size_t)c->nparams, 1)) ||
          set(h, f, "tags", strings_value(h, c->q->tags, c->q->ntags, 0)) ||
          set(h, f, "ordered", h->value_bool(c->ordered));
    if (!bad && c->refused[0] != '\0')
        bad = set(h, f, "refused", h->value_string(c->refused + strlen("refused: ")));
    if (!bad && c->fingerprint[0] != '\0')
        bad = set(h, f, "fingerprint", h->value_string(c->fingerprint));
    if (!bad)
        bad = set(h, f, "source", h->value_string(c->q->imported ? "pg_stat_statements" : "workload"));
    if (!bad && c->q->imported)
        bad = set(h, f, "calls", h->value_int(c->q->calls)) ||
              set(h, f, "total_time_ms", h->value_number(c->q->total_time_ms));
    if (!bad && c->not_comparable[0] != '\0')
        bad = set(h, f, "not_comparable", h->value_string(c->not_comparable));
    if (!bad && c->generic_plan)
        bad = set(h, f, "generic_plan", h->value_bool(1));
    if (!bad && o->error[0] != '\0')
        bad = set(h, f, "error", h->value_string(o->error));
    if (!bad && o->have_result) {
        bad = set(h, f, "rows", h->value_int((int64_t)o->rows)) ||
              set(h, f, "digest", h->value_string(o->digest)) ||
              set(h, f, "sample_rows", h->value_copy(o->sample_rows));
    }
    if (!bad && o->plan != NULL)
        bad = set(h, f, "plan", h->value_string(o->plan)) ||
              set(h, f, "plan_cost", h->value_number(o->plan_cost));
    if (!bad)
        bad = set(h, f, "latency_ms", numbers_value(h, o->latency, o->nlatency));
    /* Where the second pass starts in latency_ms (run_measure). */
    if (!bad)
        bad = set(h, f, "latency_split", h->value_int(c->samples / 2));
    if (bad) {
        h->value_free(f);
        return NULL;
    }
    return f;
}

/* [pid of pass 1, pid of pass 2] on a side. */
static gl_value *pass_backends(qr_run *r, int side)
{
    const gl_host *h = r->host;
    gl_value *a = h->value_array();

    for (int p = 0; a != NULL && p < 2; p++)
        if (h->array_push(a, h->value_int(r->pass_backend[side][p])) != 0) {
            h->value_free(a);
            a = NULL;
        }
    return a;
}

static gl_value *side_facts(qr_run *r, int side, gl_value *missing, gl_value *analyzed)
{
    const gl_host *h = r->host;
    gl_value *f = h->value_object(), *st, *cases, *stats;
    int bad;

    if (f == NULL)
        goto fail;
    st = child_object(h, f, "settings");
    stats = child_object(h, f, "statistics");
    bad = st == NULL || stats == NULL ||
          set(h, f, "enabled", h->value_bool(1)) ||
          set(h, f, "server_version_num", h->value_int(h->server_version_num(r->ctx, (gl_side)side))) ||
          set(h, f, "workload", h->value_string(r->cfg.workload)) ||
          set(h, st, "samples", h->value_int(r->cfg.samples)) ||
          set(h, st, "warmup", h->value_int(r->cfg.warmup)) ||
          set(h, st, "confidence", h->value_number(r->cfg.confidence)) ||
          set(h, st, "effect_tolerance", h->value_number(r->cfg.tolerance)) ||
          set(h, st, "min_effect_ms", h->value_number(r->cfg.min_effect_ms)) ||
          set(h, st, "noise_floor", h->value_number(r->cfg.noise_floor)) ||
          set(h, st, "interleaved", h->value_bool(r->live[0] && r->live[1])) ||
          set(h, st, "pass_gap_ms", h->value_int(r->cfg.pass_gap_ms)) ||
          set(h, st, "pass_gap_waited_ms", h->value_number(r->pass_gap_waited_ms)) ||
          set(h, st, "fresh_connections", h->value_bool(r->fresh_connections)) ||
          set(h, st, "pass_backends", pass_backends(r, side)) ||
          set(h, st, "timing_ms", timing(r)) ||
          set(h, stats, "missing", missing ? h->value_copy(missing) : h->value_array()) ||
          set(h, stats, "analyzed", analyzed ? h->value_copy(analyzed) : h->value_array());
    if (!bad && r->import_side >= 0) {
        gl_value *imp = child_object(h, f, "import");
        bad = imp == NULL ||
              set(h, imp, "source", h->value_string(side_name(r->import_side))) ||
              set(h, imp, "top", h->value_int(r->cfg.import.top)) ||
              set(h, imp, "skipped", h->value_int((int64_t)r->import_skipped)) ||
              set(h, imp, "params", h->value_string(r->cfg.import.params)) ||
              (r->import_problem != NULL &&
               set(h, imp, "problem", h->value_string(r->import_problem)));
    }
    if (!bad && r->role[side] != NULL)
        bad = set(h, f, "role", h->value_copy(r->role[side]));
    cases = bad ? NULL : h->value_array();
    if (bad || set(h, f, "cases", cases) != 0)
        goto fail;
    for (size_t i = 0; i < r->ncases; i++)
        if (h->array_push(cases, case_facts(r, side, i)) != 0)
            goto fail;
    return f;
fail:
    h->value_free(f);
    h->set_error(r->ctx, "out of memory building facts");
    return NULL;
}

static gl_value *disabled_facts(const gl_host *h)
{
    gl_value *f = h->value_object();

    if (f != NULL && h->object_set(f, "enabled", h->value_bool(0)) != 0) {
        h->value_free(f);
        f = NULL;
    }
    return f;
}

static void run_free(qr_run *r)
{
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; r->out[s] && i < r->ncases; i++) {
            r->host->value_free(r->out[s][i].sample_rows);
            free(r->out[s][i].plan);
            free(r->out[s][i].latency);
        }
        free(r->out[s]);
    }
    for (size_t i = 0; i < r->nrel; i++)
        free(r->relations[i]);
    free(r->relations);
    free(r->cases);
    free(r->import_problem);
    r->host->value_free(r->role[0]);
    r->host->value_free(r->role[1]);
    query_regression_workload_free(r->workload);
}

/*
 * The whole collection for the live sides in live_blue/live_green. Facts go
 * to out[side] for each live side.
 */
static int collect_sides(gl_ctx *ctx, const gl_host *host, int live_blue, int live_green,
                         gl_value **out_blue, gl_value **out_green)
{
    qr_run r;
    gl_value **outs[2] = {out_blue, out_green};
    gl_value *missing[2] = {NULL, NULL}, *analyzed[2] = {NULL, NULL};
    char err[768];
    int rc = -1;

    memset(&r, 0, sizeof(r));
    r.import_side = -1;
    r.ctx = ctx;
    r.host = host;
    r.live[0] = live_blue;
    r.live[1] = live_green;
    for (int s = 0; s < 2; s++)
        if (outs[s])
            *outs[s] = NULL;
    if (query_regression__config_read(ctx, host, &r.cfg) != 0)
        goto out;
    if (r.cfg.workload == NULL && r.cfg.import.top == 0) {
        /* Nothing asked of this check: facts say so, compare stays silent. */
        for (int s = 0; s < 2; s++)
            if (r.live[s] && (*outs[s] = disabled_facts(host)) == NULL) {
                host->set_error(ctx, "out of memory");
                goto out;
            }
        rc = 0;
        goto out;
    }
    if (r.cfg.workload != NULL) {
        if (query_regression_workload_load(r.cfg.workload, &r.workload, err, sizeof(err)) != 0) {
            host->set_error(ctx, "query_regression: %s (config \"workload\")", err);
            goto out;
        }
    } else {
        /* Import only: the imported statements are the whole workload. */
        r.workload = calloc(1, sizeof(*r.workload));
        if (r.workload == NULL) {
            host->set_error(ctx, "out of memory");
            goto out;
        }
    }
    if (r.cfg.import.top > 0) {
        /* Blue's statements are the ones that matter; green imports its own only when
         * blue is a snapshot (the cases then meet by fingerprint in compare). */
        r.import_side = r.live[GL_SIDE_BLUE] ? GL_SIDE_BLUE : GL_SIDE_GREEN;
        if (query_regression__import(ctx, host, (gl_side)r.import_side, &r.cfg.import, r.workload,
                                     &r.import_skipped, &r.import_problem) != 0)
            goto out;
    }
    if (build_cases(&r) != 0 || allow_cases(&r) != 0)
        goto out;
    for (int s = 0; s < 2; s++)
        if (r.live[s]) {
            r.out[s] = calloc(r.ncases ? r.ncases : 1, sizeof(qr_outcome));
            if (r.out[s] == NULL) {
                host->set_error(ctx, "out of memory");
                goto out;
            }
        }
    r.t_plans = query_regression__now_ms();
    if (run_plans(&r) != 0)
        goto out;
    r.t_readiness = query_regression__now_ms();
    r.t_plans = r.t_readiness - r.t_plans;
    for (int s = 0; s < 2; s++) {
        int analyze = s == GL_SIDE_GREEN && r.cfg.analyze_green;
        if (!r.live[s] || r.nrel == 0)
            continue;
        if (query_regression__readiness(ctx, host, (gl_side)s, r.relations, r.nrel, analyze, &missing[s],
                                        &analyzed[s]) != 0)
            goto out;
        if (analyze && host->value_len(analyzed[s]) > 0) {
            /* Fresh statistics change plans: green's plans are taken again. */
            for (size_t i = 0; i < r.ncases; i++)
                if (explainable(&r.cases[i]) && explain_case(&r, s, i) != 0)
                    goto out;
        }
    }
    r.t_readiness = query_regression__now_ms() - r.t_readiness;
    if (run_measure(&r) != 0)
        goto out;
    for (int s = 0; s < 2; s++)
        if (r.live[s] && (*outs[s] = side_facts(&r, s, missing[s], analyzed[s])) == NULL)
            goto out;
    rc = 0;
out:
    if (rc != 0)
        for (int s = 0; s < 2; s++)
            if (outs[s] && *outs[s]) {
                host->value_free(*outs[s]);
                *outs[s] = NULL;
            }
    for (int s = 0; s < 2; s++) {
        host->value_free(missing[s]);
        host->value_free(analyzed[s]);
    }
    run_free(&r);
    return rc;
}

static int qr_collect(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out_facts)
{
    return collect_sides(ctx, host, side == GL_SIDE_BLUE, side == GL_SIDE_GREEN,
                         side == GL_SIDE_BLUE ? out_facts : NULL,
                         side == GL_SIDE_GREEN ? out_facts : NULL);
}

static int qr_collect_pair(gl_ctx *ctx, const gl_host *host, gl_value **out_blue,
                           gl_value **out_green)
{
    return collect_sides(ctx, host, 1, 1, out_blue, out_green);
}

static int qr_compare(gl_ctx *ctx, const gl_host *host, const gl_value *blue, const gl_value *green)
{
    return query_regression__compare(ctx, host, blue, green);
}

GL_PLUGIN_DEFINE(.name = GL_QR_NAME, .version = GL_QR_VERSION,
                 .description = "runs a workload on both sides: results, plan shapes and latency "
                                "judged with statistics",
                 .collect = qr_collect, .compare = qr_compare, .collect_pair = qr_collect_pair)
