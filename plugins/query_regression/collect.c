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
#include "collect.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *query_regression__side_name(int s)
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
                 "file (config pg_stat_statements.params)", placeholders, query_regression__side_name(side),
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

/* The workload file (config "workload"), then pg_stat_statements' top
 * statements added to it (config "pg_stat_statements"). 0, or -1 (error set). */
static int load_workload(qr_run *r)
{
    char err[768];

    if (r->cfg.workload != NULL) {
        if (query_regression_workload_load(r->cfg.workload, &r->workload, err, sizeof(err)) != 0)
            return r->host->set_error(r->ctx, "query_regression: %s (config \"workload\")", err);
    } else {
        /* Import only: the imported statements are the whole workload. */
        r->workload = calloc(1, sizeof(*r->workload));
        if (r->workload == NULL)
            return r->host->set_error(r->ctx, "out of memory");
    }
    if (r->cfg.import.top > 0) {
        /* Blue's statements are the ones that matter; green imports its own only when
         * blue is a snapshot (the cases then meet by fingerprint in compare). */
        r->import_side = r->live[GL_SIDE_BLUE] ? GL_SIDE_BLUE : GL_SIDE_GREEN;
        if (query_regression__import(r->ctx, r->host, (gl_side)r->import_side, &r->cfg.import,
                                     r->workload, &r->import_skipped, &r->import_problem) != 0)
            return -1;
    }
    return 0;
}

/* Each live side's readiness (statistics present; green analyzed when
 * configured, its plans then taken again). 0, or -1 (error set). */
static int check_readiness(qr_run *r, gl_value *missing[2], gl_value *analyzed[2])
{
    for (int s = 0; s < 2; s++) {
        int analyze = s == GL_SIDE_GREEN && r->cfg.analyze_green;
        if (!r->live[s] || r->nrel == 0)
            continue;
        if (query_regression__readiness(r->ctx, r->host, (gl_side)s, r->relations, r->nrel, analyze,
                                        &missing[s], &analyzed[s]) != 0)
            return -1;
        if (analyze && r->host->value_len(analyzed[s]) > 0) {
            /* Fresh statistics change plans: green's plans are taken again. */
            for (size_t i = 0; i < r->ncases; i++)
                if (query_regression__explainable(&r->cases[i]) && query_regression__explain_case(r, s, i) != 0)
                    return -1;
        }
    }
    return 0;
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
            if (r.live[s] && (*outs[s] = query_regression__disabled_facts(host)) == NULL) {
                host->set_error(ctx, "out of memory");
                goto out;
            }
        rc = 0;
        goto out;
    }
    if (load_workload(&r) != 0 || build_cases(&r) != 0 || allow_cases(&r) != 0)
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
    if (query_regression__run_plans(&r) != 0)
        goto out;
    r.t_readiness = query_regression__now_ms();
    r.t_plans = r.t_readiness - r.t_plans;
    if (check_readiness(&r, missing, analyzed) != 0)
        goto out;
    r.t_readiness = query_regression__now_ms() - r.t_readiness;
    if (query_regression__run_measure(&r) != 0)
        goto out;
    for (int s = 0; s < 2; s++)
        if (r.live[s] && (*outs[s] = query_regression__side_facts(&r, s, missing[s], analyzed[s])) == NULL)
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
