/*
 * compare: facts of both sides -> findings, query case by query case, in the
 * workload's order. Works offline (snapshots): everything comes from facts;
 * thresholds come from the query, then this run's config, then the settings
 * blue's facts were collected with. Codes: share/doc/checks/query_regression.md.
 */
#include "qr.h"

#include <greenlight/plugin_util.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOWN_ROWS 5

typedef struct counts {
    size_t judged, pass, regressed, improved, inconclusive;
    size_t results_compared, result_mismatch, plan_changed, failed, refused;
    size_t not_comparable, plan_only, one_side, plan_unmeasured, side_wide;
    /* Side-wide shift: median over cases of green/blue median latency (0 when unknown). */
    double side_ratio;
    size_t side_cases;
    query_regression_verdict last; /* the latency verdict of the case just compared, or -1 */
    /* That verdict was a pass only because the effect floor scaled with the spread:
     * green slower beyond the tolerance and by at least min_effect_ms. */
    int last_slow_in_noise;
    double last_ratio;
} counts;

/* Fewest judged cases from which a side-wide shift is estimated. */
#define SIDE_WIDE_MIN_CASES 5

static int emit(gl_ctx *ctx, const gl_host *h, const char *code, gl_severity sev,
                const char *object, gl_value *blue, gl_value *green, gl_value *details,
                const char *message)
{
    return gl_plugin_emit(ctx, h, code, sev, object, blue, green, details, message);
}

static int set(const gl_host *h, gl_value *o, const char *k, gl_value *v)
{
    return v == NULL ? -1 : h->object_set(o, k, v);
}

static const gl_value *find_case(const gl_host *h, const gl_value *cases, const char *name)
{
    for (size_t i = 0; i < h->value_len(cases); i++) {
        const gl_value *c = h->array_at(cases, i);
        const char *n = h->value_get_string(h->object_get(c, "name"));
        if (n != NULL && strcmp(n, name) == 0)
            return c;
    }
    return NULL;
}

static double number(const gl_host *h, const gl_value *v, double dflt)
{
    switch (h->value_kind(v)) {
    case GL_VALUE_INT: return (double)h->value_get_int(v);
    case GL_VALUE_NUMBER: return h->value_get_number(v);
    default: return dflt;
    }
}

/* Query threshold (> 0 or >= 0 for min_effect) -> config -> blue's settings -> default. */
static double threshold(const gl_host *h, gl_ctx *ctx, const gl_value *bcase,
                        const gl_value *settings, const char *key, double dflt)
{
    double q = number(h, h->object_get(h->object_get(bcase, "thresholds"), key), -1);
    if (q >= 0 && !(q == 0 && strcmp(key, "min_effect_ms") != 0 && strcmp(key, "noise_floor") != 0))
        return q;
    return number(h, h->object_get(h->config(ctx), key),
                  number(h, h->object_get(settings, key), dflt));
}

static gl_value *finite_or_null(const gl_host *h, double d)
{
    return isfinite(d) ? h->value_number(d) : h->value_null();
}

static int read_samples(const gl_host *h, const gl_value *c, double **out, size_t *n)
{
    const gl_value *lat = h->object_get(c, "latency_ms");

    *out = NULL;
    *n = h->value_len(lat);
    if (*n == 0)
        return 0;
    *out = malloc(*n * sizeof(double));
    if (*out == NULL)
        return -1;
    for (size_t i = 0; i < *n; i++)
        (*out)[i] = number(h, h->array_at(lat, i), 0);
    return 0;
}

static gl_value *rows_from(const gl_host *h, const gl_value *rows, size_t start)
{
    gl_value *a = h->value_array();

    for (size_t i = start; a != NULL && i < h->value_len(rows) && i < start + SHOWN_ROWS; i++)
        if (h->array_push(a, h->value_copy(h->array_at(rows, i))) != 0) {
            h->value_free(a);
            a = NULL;
        }
    return a;
}

static gl_value *result_value(const gl_host *h, const gl_value *c)
{
    gl_value *v = h->value_object();

    if (v != NULL && (set(h, v, "rows", h->value_copy(h->object_get(c, "rows"))) ||
                      set(h, v, "digest", h->value_copy(h->object_get(c, "digest"))))) {
        h->value_free(v);
        v = NULL;
    }
    return v;
}

static int compare_results(gl_ctx *ctx, const gl_host *h, const char *name, const gl_value *b,
                           const gl_value *g, counts *n)
{
    const gl_value *bs = h->object_get(b, "sample_rows"), *gs = h->object_get(g, "sample_rows");
    gl_value *details;
    size_t first = 0, nb = h->value_len(bs), ng = h->value_len(gs);
    int64_t rb = h->value_get_int(h->object_get(b, "rows")), rg = h->value_get_int(h->object_get(g, "rows"));
    char msg[512];

    if (h->object_get(b, "digest") == NULL || h->object_get(g, "digest") == NULL)
        return 0;
    n->results_compared++;
    if (rb == rg && h->value_equal(h->object_get(b, "digest"), h->object_get(g, "digest")))
        return 0;
    n->result_mismatch++;
    while (first < nb && first < ng && h->value_equal(h->array_at(bs, first), h->array_at(gs, first)))
        first++;
    details = h->value_object();
    if (details == NULL ||
        set(h, details, "ordered", h->value_copy(h->object_get(b, "ordered"))) ||
        set(h, details, "first_difference", h->value_int((int64_t)first)) ||
        set(h, details, "blue_rows", rows_from(h, bs, first)) ||
        set(h, details, "green_rows", rows_from(h, gs, first))) {
        h->value_free(details);
        return h->set_error(ctx, "out of memory");
    }
    if (rb != rg)
        snprintf(msg, sizeof(msg), "query %s returns %lld rows on green, %lld on blue", name,
                 (long long)rg, (long long)rb);
    else
        snprintf(msg, sizeof(msg), "query %s returns different rows on green (same count, %lld; "
                 "first difference at %s row %zu)", name, (long long)rb,
                 h->value_get_bool(h->object_get(b, "ordered")) ? "result" : "sorted", first + 1);
    return emit(ctx, h, "query_regression.result_mismatch", GL_SEVERITY_CRITICAL, name,
                result_value(h, b), result_value(h, g), details, msg);
}

static int compare_plans(gl_ctx *ctx, const gl_host *h, const char *name, const gl_value *b,
                         const gl_value *g, counts *n)
{
    const gl_value *bp = h->object_get(b, "plan"), *gp = h->object_get(g, "plan");
    double bc = number(h, h->object_get(b, "plan_cost"), 0), gc = number(h, h->object_get(g, "plan_cost"), 0);
    gl_value *details;
    char msg[512];

    if (bp == NULL || gp == NULL || h->value_equal(bp, gp))
        return 0;
    n->plan_changed++;
    details = h->value_object();
    if (details == NULL || set(h, details, "blue_cost", h->value_number(bc)) ||
        set(h, details, "green_cost", h->value_number(gc)) ||
        set(h, details, "cost_ratio", bc > 0 ? h->value_number(gc / bc) : h->value_null())) {
        h->value_free(details);
        return h->set_error(ctx, "out of memory");
    }
    if (bc > 0)
        snprintf(msg, sizeof(msg), "the plan of query %s changed shape on green (estimated cost "
                 "x%.2f)", name, gc / bc);
    else
        snprintf(msg, sizeof(msg), "the plan of query %s changed shape on green", name);
    return emit(ctx, h, "query_regression.plan_changed", GL_SEVERITY_WARNING, name,
                h->value_copy(bp), h->value_copy(gp), details, msg);
}

static gl_value *percentiles(const gl_host *h, double p50, double p95, double p99, size_t n)
{
    gl_value *v = h->value_object();

    if (v != NULL && (set(h, v, "p50_ms", h->value_number(p50)) ||
                      set(h, v, "p95_ms", h->value_number(p95)) ||
                      set(h, v, "p99_ms", h->value_number(p99)) ||
                      set(h, v, "samples", h->value_int((int64_t)n)))) {
        h->value_free(v);
        v = NULL;
    }
    return v;
}

/* What one case's latency was judged against (thresholds, the effect floor). */
typedef struct latency_limits {
    double conf, tol, min_ms, noise_floor, floor_ms, spread_ms;
    int64_t split;   /* first sample of the second measuring pass (0: unknown) */
} latency_limits;

/*
 * A slowdown every query of one side shares (another process holding a core next
 * to that side's backend for the whole check, measured x1.5-2) is not a query
 * regression: a verdict stands only when it is still beyond the tolerance once
 * the side-wide shift is divided out; otherwise it is inconclusive, saying so.
 * Returns 1 when j's verdict became inconclusive for that reason.
 */
static int divide_out_side_wide(query_regression_judgement *j, counts *n, double tol)
{
    double half = 1.0 + (tol - 1.0) / 2.0;

    if (n->side_cases >= SIDE_WIDE_MIN_CASES && n->side_ratio > 0 &&
        ((j->verdict == GL_QR_REGRESSED && n->side_ratio > half &&
          !(j->ratio_low / n->side_ratio > tol)) ||
         (j->verdict == GL_QR_IMPROVED && n->side_ratio < 1.0 / half &&
          !(j->ratio_high / n->side_ratio < 1.0 / tol)))) {
        j->verdict = GL_QR_INCONCLUSIVE;
        n->side_wide++;
        return 1;
    }
    return 0;
}

/* Counts j's verdict and writes its finding's code, severity and message;
 * returns 1 when there is no finding (a pass within the tolerance). */
static int latency_verdict(const query_regression_judgement *j, const latency_limits *l,
                           int side_wide, const char *name, counts *n, const char **code,
                           gl_severity *sev, char *msg, size_t cap)
{
    *sev = GL_SEVERITY_INFO;
    switch (j->verdict) {
    case GL_QR_PASS:
        n->pass++;
        /* Beyond the tolerance but within the effect floor: still a pass, said why. */
        if (!(j->ratio > l->tol || j->ratio < 1.0 / l->tol))
            return 1;
        *code = "query_regression.within_noise";
        snprintf(msg, cap, "query %s: median x%.2f on green, but the shift %.3f ms is "
                 "within the effect floor %.3f ms (%g x its spread %.3f ms, at least %g ms): "
                 "judged pass", name, j->ratio, j->shift_ms, l->floor_ms, l->noise_floor,
                 l->spread_ms, l->min_ms);
        break;
    case GL_QR_REGRESSED:
        n->regressed++;
        *code = "query_regression.latency_regressed";
        *sev = GL_SEVERITY_ERROR;
        snprintf(msg, cap, "query %s is slower on green: median %.3f ms vs %.3f ms "
                 "(x%.2f, at least x%.2f at %g confidence; p=%.2g)", name, j->green_p50,
                 j->blue_p50, j->ratio, j->ratio_low, l->conf, j->mw.p);
        break;
    case GL_QR_IMPROVED:
        n->improved++;
        *code = "query_regression.latency_improved";
        snprintf(msg, cap, "query %s is faster on green: median %.3f ms vs %.3f ms "
                 "(x%.2f, at most x%.2f at %g confidence; p=%.2g)", name, j->green_p50,
                 j->blue_p50, j->ratio, j->ratio_high, l->conf, j->mw.p);
        break;
    case GL_QR_INCONCLUSIVE:
        n->inconclusive++;
        *code = "query_regression.inconclusive";
        if (side_wide)
            snprintf(msg, cap, "query %s: median x%.2f on green, but the whole workload "
                     "is x%.2f on green (median over %zu cases): a side-wide shift (load next to "
                     "one side's server, or a slower machine) is not this query's regression; run "
                     "again on a quiet machine", name, j->ratio, n->side_ratio, n->side_cases);
        else if (j->replicated == 0)
            snprintf(msg, cap, "query %s: median x%.2f on green (p=%.2g), but only in one "
                     "of the two measuring passes: load on one side for a while looks like "
                     "this; run again", name, j->ratio, j->mw.p);
        else
            snprintf(msg, cap, "query %s: median x%.2f on green, but at %g confidence "
                     "only x%.2f..x%.2f can be told (p=%.2g): take more samples", name, j->ratio,
                     l->conf, j->ratio_low, j->ratio_high, j->mw.p);
        break;
    }
    return 0;
}

/* The latency finding's details (NULL when out of memory). */
static gl_value *latency_details(const gl_host *h, const query_regression_judgement *j,
                                 const latency_limits *l, const counts *n, int side_wide,
                                 const gl_value *b, const gl_value *g)
{
    gl_value *details = h->value_object();

    if (details == NULL ||
        set(h, details, "verdict", h->value_string(query_regression_verdict_name(j->verdict))) ||
        set(h, details, "median_ratio", finite_or_null(h, j->ratio)) ||
        set(h, details, "median_ratio_low", finite_or_null(h, j->ratio_low)) ||
        set(h, details, "median_ratio_high", finite_or_null(h, j->ratio_high)) ||
        set(h, details, "shift_ms", h->value_number(j->shift_ms)) ||
        set(h, details, "paired", h->value_bool(j->paired)) ||
        set(h, details, "replicated", j->replicated < 0 ? h->value_null() : h->value_bool(j->replicated)) ||
        set(h, details, "side_wide_ratio",
            n->side_cases >= SIDE_WIDE_MIN_CASES ? h->value_number(n->side_ratio) : h->value_null()) ||
        set(h, details, "side_wide_shift", h->value_bool(side_wide)) ||
        set(h, details, "second_pass_from", h->value_int(l->split)) ||
        set(h, details, "bootstrap", h->value_int(GL_QR_BOOTSTRAP)) ||
        set(h, details, "blue_samples_ms", h->value_copy(h->object_get(b, "latency_ms"))) ||
        set(h, details, "green_samples_ms", h->value_copy(h->object_get(g, "latency_ms"))) ||
        set(h, details, "mann_whitney_u", h->value_number(j->mw.u)) ||
        set(h, details, "z", h->value_number(j->mw.z)) ||
        set(h, details, "p_value", h->value_number(j->mw.p)) ||
        set(h, details, "confidence", h->value_number(l->conf)) ||
        set(h, details, "effect_tolerance", h->value_number(l->tol)) ||
        set(h, details, "min_effect_ms", h->value_number(l->min_ms)) ||
        set(h, details, "noise_floor", h->value_number(l->noise_floor)) ||
        set(h, details, "spread_ms", h->value_number(l->spread_ms)) ||
        set(h, details, "effect_floor_ms", h->value_number(l->floor_ms))) {
        h->value_free(details);
        return NULL;
    }
    return details;
}

static int compare_latency(gl_ctx *ctx, const gl_host *h, const char *name, const gl_value *b,
                           const gl_value *g, const gl_value *settings,
                           const gl_value *green_settings, counts *n)
{
    double *bl = NULL, *gl = NULL;
    size_t nb = 0, ng = 0;
    query_regression_judgement j;
    latency_limits l = {0};
    gl_value *details = NULL;
    const char *code = NULL;
    gl_severity sev;
    char msg[512];
    int rc = -1, paired, side_wide;

    if (read_samples(h, b, &bl, &nb) != 0 || read_samples(h, g, &gl, &ng) != 0) {
        h->set_error(ctx, "out of memory");
        goto out;
    }
    rc = 0;
    if (nb < 3 || ng < 3)
        goto out;
    l.conf = threshold(h, ctx, b, settings, "confidence", 0.95);
    l.tol = threshold(h, ctx, b, settings, "effect_tolerance", 1.2);
    l.min_ms = threshold(h, ctx, b, settings, "min_effect_ms", GL_QR_DEFAULT_MIN_EFFECT_MS);
    l.noise_floor = threshold(h, ctx, b, settings, "noise_floor", GL_QR_DEFAULT_NOISE_FLOOR);
    /* Interleaved collection puts blue[k] and green[k] in the same round. */
    paired = h->value_get_bool(h->object_get(settings, "interleaved")) &&
             h->value_get_bool(h->object_get(green_settings, "interleaved"));
    l.split = h->value_get_int(h->object_get(b, "latency_split"));
    if (l.split < 0 || l.split != h->value_get_int(h->object_get(g, "latency_split")))
        l.split = 0;
    /* The floor scales with the case's own spread (query_regression_effect_floor). */
    l.floor_ms = query_regression_effect_floor(bl, nb, gl, ng, (size_t)l.split, l.min_ms,
                                               l.noise_floor, &l.spread_ms);
    if (query_regression_judge_passes(bl, nb, gl, ng, (size_t)l.split, paired, l.conf, l.tol,
                                      l.floor_ms, &j) != 0) {
        rc = h->set_error(ctx, "out of memory judging latency of %s", name);
        goto out;
    }
    side_wide = divide_out_side_wide(&j, n, l.tol);
    n->judged++;
    n->last = j.verdict;
    n->last_ratio = j.ratio;
    n->last_slow_in_noise = j.verdict == GL_QR_PASS && j.ratio > l.tol && j.shift_ms >= l.min_ms;
    if (latency_verdict(&j, &l, side_wide, name, n, &code, &sev, msg, sizeof(msg)) != 0)
        goto out;
    details = latency_details(h, &j, &l, n, side_wide, b, g);
    if (details == NULL) {
        rc = h->set_error(ctx, "out of memory");
        goto out;
    }
    rc = emit(ctx, h, code, sev, name, percentiles(h, j.blue_p50, j.blue_p95, j.blue_p99, nb),
              percentiles(h, j.green_p50, j.green_p95, j.green_p99, ng), details, msg);
out:
    free(bl);
    free(gl);
    return rc;
}

/*
 * A plan that changed shape with no latency evidence either way (a generic plan
 * only, too few samples, or an inconclusive verdict) is an error finding: the
 * default policy holds on it until it is measured or explicitly waived. With a
 * pass/improved verdict the latency vouches for the new plan; a regressed one
 * is its own error.
 */
static int plan_unmeasured(gl_ctx *ctx, const gl_host *h, const char *name, counts *n)
{
    char msg[512], why[128];

    n->plan_unmeasured++;
    if (n->last == GL_QR_PASS)
        snprintf(why, sizeof(why), "it was x%.2f slower on green, judged pass only because the "
                 "shift is within the noise", n->last_ratio);
    else
        snprintf(why, sizeof(why), "%s", n->last == GL_QR_INCONCLUSIVE ? "the verdict was inconclusive"
                                                                         : "not timed");
    snprintf(msg, sizeof(msg), "the plan of query %s changed on green and no latency measurement "
             "says the new plan is as fast (%s): measure it (parameter values, more samples, a "
             "quieter machine) or waive this finding", name, why);
    return emit(ctx, h, "query_regression.plan_changed_unmeasured", GL_SEVERITY_ERROR, name, NULL,
                NULL, NULL, msg);
}

/*
 * A statement with $n and no values, explained with GENERIC_PLAN on a 16+
 * side (collect.c placeholder_case): only plans are compared, and only when
 * both sides have one; with a snapshot taken where that was not possible,
 * the case is not comparable.
 */
static int compare_generic_plans(gl_ctx *ctx, const gl_host *h, const char *name,
                                 const gl_value *b, const gl_value *g, const gl_value *cmp,
                                 counts *n)
{
    char msg[512];

    if (!h->value_get_bool(h->object_get(b, "generic_plan")) ||
        !h->value_get_bool(h->object_get(g, "generic_plan")) ||
        h->object_get(b, "plan") == NULL || h->object_get(g, "plan") == NULL) {
        n->not_comparable++;
        snprintf(msg, sizeof(msg), "query %s is not compared: it has placeholders ($n) and no "
                 "parameter values, and only %s has a generic plan (EXPLAIN (GENERIC_PLAN), "
                 "PostgreSQL 16+): give sample values in a params file", name,
                 h->value_get_bool(h->object_get(b, "generic_plan")) ? "blue" : "green");
        return emit(ctx, h, "query_regression.not_comparable", GL_SEVERITY_INFO, name,
                    h->value_copy(h->object_get(b, "sql")), NULL, NULL, msg);
    }
    n->plan_only++;
    size_t plans_before = n->plan_changed;
    if (h->value_get_bool(h->object_get(cmp, "plan")) || h->object_get(cmp, "plan") == NULL)
        if (compare_plans(ctx, h, name, b, g, n) != 0)
            return -1;
    return n->plan_changed > plans_before ? plan_unmeasured(ctx, h, name, n) : 0;
}

static int compare_case(gl_ctx *ctx, const gl_host *h, const gl_value *b, const gl_value *g,
                        const gl_value *settings, const gl_value *green_settings, counts *n)
{
    const char *name = h->value_get_string(h->object_get(b, "name"));
    const gl_value *refused = h->object_get(b, "refused");
    const gl_value *cmp = h->object_get(b, "compare");
    const gl_value *nc;
    char msg[2600];     /* room for both sides' server messages */

    if (name == NULL)
        return 0;
    if (refused == NULL)
        refused = h->object_get(g, "refused");
    if (refused != NULL) {
        n->refused++;
        snprintf(msg, sizeof(msg), "query %s was not run: %s", name, h->value_get_string(refused));
        return emit(ctx, h, "query_regression.query_refused", GL_SEVERITY_ERROR, name,
                    h->value_copy(h->object_get(b, "sql")), NULL, NULL, msg);
    }
    if (g == NULL) {
        n->one_side++;
        snprintf(msg, sizeof(msg), "query %s has facts on blue only: the sides ran different "
                 "workloads, so it was not compared", name);
        return emit(ctx, h, "query_regression.one_side_only", GL_SEVERITY_ERROR, name,
                    h->value_copy(h->object_get(b, "sql")), NULL, NULL, msg);
    }
    nc = h->object_get(b, "not_comparable");
    if (nc == NULL)
        nc = h->object_get(g, "not_comparable");
    if (nc != NULL) {
        n->not_comparable++;
        snprintf(msg, sizeof(msg), "query %s is not compared: %s", name, h->value_get_string(nc));
        return emit(ctx, h, "query_regression.not_comparable", GL_SEVERITY_INFO, name,
                    h->value_copy(h->object_get(b, "sql")), NULL, NULL, msg);
    }
    if (h->object_get(b, "error") != NULL || h->object_get(g, "error") != NULL) {
        const gl_value *be = h->object_get(b, "error"), *ge = h->object_get(g, "error");
        n->failed++;
        snprintf(msg, sizeof(msg), "query %s failed: %s%s%s", name,
                 be ? h->value_get_string(be) : "", be && ge ? "; " : "", ge ? h->value_get_string(ge) : "");
        return emit(ctx, h, "query_regression.query_failed", GL_SEVERITY_ERROR, name,
                    be ? h->value_copy(be) : NULL, ge ? h->value_copy(ge) : NULL, NULL, msg);
    }
    /* No latency verdict yet for this case (plan_unmeasured reads it). */
    n->last = (query_regression_verdict)-1;
    n->last_slow_in_noise = 0;
    if (h->value_get_bool(h->object_get(b, "generic_plan")) ||
        h->value_get_bool(h->object_get(g, "generic_plan")))
        return compare_generic_plans(ctx, h, name, b, g, cmp, n);
    if (h->value_get_bool(h->object_get(cmp, "results")) || h->object_get(cmp, "results") == NULL)
        if (compare_results(ctx, h, name, b, g, n) != 0)
            return -1;
    size_t plans_before = n->plan_changed;
    if (h->value_get_bool(h->object_get(cmp, "plan")) || h->object_get(cmp, "plan") == NULL)
        if (compare_plans(ctx, h, name, b, g, n) != 0)
            return -1;
    if (compare_latency(ctx, h, name, b, g, settings, green_settings, n) != 0)
        return -1;
    /* A pass vouches for a new plan unless green was slower beyond the tolerance and
     * only the spread made it a pass (query_regression.within_noise). */
    if (n->plan_changed > plans_before &&
        ((n->last != GL_QR_PASS && n->last != GL_QR_IMPROVED && n->last != GL_QR_REGRESSED) ||
         n->last_slow_in_noise))
        return plan_unmeasured(ctx, h, name, n);
    return 0;
}

/* The entry of `missing` for relation rel, or NULL. */
static const gl_value *missing_entry(const gl_host *h, const gl_value *missing, const char *rel)
{
    for (size_t i = 0; i < h->value_len(missing); i++) {
        const char *r = h->value_get_string(h->object_get(h->array_at(missing, i), "relation"));
        if (r != NULL && strcmp(r, rel) == 0)
            return h->array_at(missing, i);
    }
    return NULL;
}

/*
 * Statistics readiness compares the sides: a table never analyzed on green
 * while blue has statistics is what makes green's plans differ (a warning); a
 * table never analyzed on both is like for like (info: both plan blind); one
 * never analyzed on blue only is said too (blue's plans are the odd ones).
 * A live side collected without a workload-wide readiness list has none.
 */
static int compare_statistics(gl_ctx *ctx, const gl_host *h, const gl_value *blue,
                              const gl_value *green)
{
    const gl_value *bst = h->object_get(blue, "statistics"), *gst = h->object_get(green, "statistics");
    const gl_value *bmiss = h->object_get(bst, "missing"), *gmiss = h->object_get(gst, "missing");
    const gl_value *analyzed = h->object_get(gst, "analyzed");
    char msg[512];

    for (int s = 0; s < 2; s++) {
        const gl_value *mine = s == 0 ? gmiss : bmiss, *other = s == 0 ? bmiss : gmiss;
        for (size_t i = 0; i < h->value_len(mine); i++) {
            const gl_value *m = h->array_at(mine, i);
            const char *rel = h->value_get_string(h->object_get(m, "relation"));
            const gl_value *o = rel ? missing_entry(h, other, rel) : NULL;
            gl_severity sev = GL_SEVERITY_WARNING;
            if (rel == NULL || (s == 1 && o != NULL))
                continue;     /* missing on both: said once, below, for green */
            if (o != NULL) {
                sev = GL_SEVERITY_INFO;
                snprintf(msg, sizeof(msg), "table %s has no planner statistics on either side "
                         "(never analyzed on blue nor on green): both plan it blind, so the "
                         "comparison is like for like but says little about real plans; ANALYZE "
                         "it on both", rel);
            } else if (s == 0) {
                snprintf(msg, sizeof(msg), "table %s has no planner statistics on green (never "
                         "analyzed) while blue has: green's plans and latencies that use it "
                         "differ for that reason until ANALYZE runs (config analyze_green: true "
                         "does it)", rel);
            } else {
                snprintf(msg, sizeof(msg), "table %s has no planner statistics on blue (never "
                         "analyzed) while green has: blue's plans that use it are the odd ones; "
                         "ANALYZE it on blue", rel);
            }
            if (emit(ctx, h, "query_regression.statistics_missing", sev, rel,
                     s == 1 || o != NULL ? h->value_copy(s == 1 ? m : o) : NULL,
                     s == 0 ? h->value_copy(m) : NULL, NULL, msg) != 0)
                return -1;
        }
    }
    if (h->value_len(analyzed) > 0) {
        snprintf(msg, sizeof(msg), "ANALYZE ran on green for %zu table(s) without statistics, "
                 "as configured (analyze_green)", h->value_len(analyzed));
        if (emit(ctx, h, "query_regression.statistics_analyzed", GL_SEVERITY_INFO, "green", NULL,
                 h->value_copy(analyzed), NULL, msg) != 0)
            return -1;
    }
    return 0;
}

/* A superuser can run what the allow rule cannot see into (a stable function that calls
 * dblink, a C function): warn, pointing at the least-privilege role. */
static int compare_roles(gl_ctx *ctx, const gl_host *h, const gl_value *blue, const gl_value *green)
{
    for (int s = 0; s < 2; s++) {
        const gl_value *role = h->object_get(s == 0 ? blue : green, "role");
        const char *name = h->value_get_string(h->object_get(role, "name"));
        char msg[512];
        if (!h->value_get_bool(h->object_get(role, "superuser")))
            continue;
        snprintf(msg, sizeof(msg), "the workload ran on %s as %s, a superuser: run the check as a "
                 "least-privilege role (pg_read_all_data or SELECT on the workload's tables, no "
                 "superuser, no pg_signal_backend; share/doc/checks/query_regression.md)",
                 s == 0 ? "blue" : "green", name ? name : "?");
        if (emit(ctx, h, "query_regression.superuser", GL_SEVERITY_WARNING, s == 0 ? "blue" : "green",
                 NULL, NULL, NULL, msg) != 0)
            return -1;
    }
    return 0;
}

/* {blue: [pid, pid], green: [...]}: the backend each timed pass ran on
 * (settings.pass_backends; null for a side whose facts predate it). */
static gl_value *pass_backends(const gl_host *h, const gl_value *blue, const gl_value *green)
{
    gl_value *o = h->value_object();

    for (int s = 0; o != NULL && s < 2; s++) {
        const gl_value *b = h->object_get(h->object_get(s == 0 ? blue : green, "settings"), "pass_backends");
        if (set(h, o, s == 0 ? "blue" : "green", b != NULL ? h->value_copy(b) : h->value_null()) != 0) {
            h->value_free(o);
            o = NULL;
        }
    }
    return o;
}

/* Whether every side's passes ran on fresh connections (settings.fresh_connections). */
static int fresh_connections(const gl_host *h, const gl_value *blue, const gl_value *green)
{
    return h->value_get_bool(h->object_get(h->object_get(blue, "settings"), "fresh_connections")) &&
           h->value_get_bool(h->object_get(h->object_get(green, "settings"), "fresh_connections"));
}

static int emit_score(gl_ctx *ctx, const gl_host *h, const counts *n, const gl_value *blue,
                      const gl_value *green)
{
    gl_value *details = h->value_object();
    double score = n->judged ? 100.0 * (double)(n->pass + n->improved) / (double)n->judged : 100.0;
    char msg[512];

    if (details == NULL || set(h, details, "judged", h->value_int((int64_t)n->judged)) ||
        set(h, details, "pass", h->value_int((int64_t)n->pass)) ||
        set(h, details, "regressed", h->value_int((int64_t)n->regressed)) ||
        set(h, details, "improved", h->value_int((int64_t)n->improved)) ||
        set(h, details, "inconclusive", h->value_int((int64_t)n->inconclusive)) ||
        set(h, details, "results_compared", h->value_int((int64_t)n->results_compared)) ||
        set(h, details, "result_mismatch", h->value_int((int64_t)n->result_mismatch)) ||
        set(h, details, "plan_changed", h->value_int((int64_t)n->plan_changed)) ||
        set(h, details, "failed", h->value_int((int64_t)n->failed)) ||
        set(h, details, "refused", h->value_int((int64_t)n->refused)) ||
        set(h, details, "not_comparable", h->value_int((int64_t)n->not_comparable)) ||
        set(h, details, "plan_only", h->value_int((int64_t)n->plan_only)) ||
        set(h, details, "one_side_only", h->value_int((int64_t)n->one_side)) ||
        set(h, details, "plan_changed_unmeasured", h->value_int((int64_t)n->plan_unmeasured)) ||
        set(h, details, "side_wide_ratio", n->side_cases >= SIDE_WIDE_MIN_CASES ? h->value_number(n->side_ratio) : h->value_null()) ||
        set(h, details, "pass_backends", pass_backends(h, blue, green)) ||
        set(h, details, "fresh_connections", h->value_bool(fresh_connections(h, blue, green)))) {
        h->value_free(details);
        return h->set_error(ctx, "out of memory");
    }
    snprintf(msg, sizeof(msg), "latency score %.0f/100: %zu of %zu queries pass or improved, %zu "
             "regressed, %zu inconclusive; %zu result mismatch(es), %zu plan change(s); %zu "
             "compared by generic plan only", score, n->pass + n->improved, n->judged,
             n->regressed, n->inconclusive, n->result_mismatch, n->plan_changed, n->plan_only);
    return emit(ctx, h, "query_regression.score", GL_SEVERITY_INFO, "workload", NULL,
                h->value_number(score), details, msg);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of one sample (sorted in place); n > 0. */
static double median_sorted(double *v, size_t n)
{
    qsort(v, n, sizeof(double), cmp_d);
    return query_regression_percentile(v, n, 0.5);
}

/*
 * The side-wide shift: the median, over every case timed on both sides, of
 * green's median latency over blue's. One query's regression moves it little;
 * load that slows one side's server for the whole check moves every case.
 */
static int side_wide_ratio(const gl_host *h, const gl_value *bcases, const gl_value *gcases,
                           counts *n)
{
    size_t cap = h->value_len(bcases), k = 0;
    double *ratios = malloc((cap ? cap : 1) * sizeof(double));

    if (ratios == NULL)
        return -1;
    for (size_t i = 0; i < cap; i++) {
        const gl_value *b = h->array_at(bcases, i), *g;
        double *bl = NULL, *gl = NULL, mb, mg;
        size_t nb = 0, ng = 0;
        const char *name = h->value_get_string(h->object_get(b, "name"));

        g = name ? find_case(h, gcases, name) : NULL;
        if (g == NULL || h->object_get(b, "error") || h->object_get(g, "error"))
            continue;
        if (read_samples(h, b, &bl, &nb) != 0 || read_samples(h, g, &gl, &ng) != 0) {
            free(bl);
            free(ratios);
            return -1;
        }
        if (nb >= 3 && ng >= 3) {
            mb = median_sorted(bl, nb);
            mg = median_sorted(gl, ng);
            if (mb > 0 && mg > 0)
                ratios[k++] = mg / mb;
        }
        free(bl);
        free(gl);
    }
    n->side_cases = k;
    n->side_ratio = k > 0 ? median_sorted(ratios, k) : 0;
    free(ratios);
    return 0;
}

/* Every case blue ran, compared with green's of the same name, then each
 * case only green ran (one_side_only). 0, or -1 (error set). */
static int compare_cases(gl_ctx *ctx, const gl_host *h, const gl_value *blue,
                         const gl_value *green, counts *n)
{
    const gl_value *bcases = h->object_get(blue, "cases"), *gcases = h->object_get(green, "cases");
    const gl_value *settings = h->object_get(blue, "settings");
    char msg[512];

    for (size_t i = 0; i < h->value_len(bcases); i++) {
        const gl_value *b = h->array_at(bcases, i);
        const char *name = h->value_get_string(h->object_get(b, "name"));
        if (compare_case(ctx, h, b, name ? find_case(h, gcases, name) : NULL, settings,
                         h->object_get(green, "settings"), n) != 0)
            return -1;
    }
    for (size_t i = 0; i < h->value_len(gcases); i++) {
        const gl_value *g = h->array_at(gcases, i);
        const char *name = h->value_get_string(h->object_get(g, "name"));
        if (find_case(h, bcases, name) != NULL)
            continue;
        n->one_side++;
        snprintf(msg, sizeof(msg), "query %s has facts on green only: the sides ran different "
                 "workloads, so it was not compared", name);
        if (emit(ctx, h, "query_regression.one_side_only", GL_SEVERITY_ERROR, name, NULL,
                 h->value_copy(h->object_get(g, "sql")), NULL, msg) != 0)
            return -1;
    }
    return 0;
}

/* Workload-wide findings: a failed pg_stat_statements import (once, for the
 * side it came from) and the side-wide shift. 0, or -1 (error set). */
static int workload_findings(gl_ctx *ctx, const gl_host *h, const gl_value *blue,
                             const gl_value *green, const counts *n)
{
    char msg[512];

    for (int s = 0; s < 2; s++) {
        const gl_value *imp = h->object_get(s == 0 ? blue : green, "import");
        const char *problem = h->value_get_string(h->object_get(imp, "problem"));
        const char *source = h->value_get_string(h->object_get(imp, "source"));
        /* Both sides' facts carry the import of a paired run: report it once, for its source. */
        if (source == NULL || strcmp(source, s == 0 ? "blue" : "green") != 0)
            continue;
        if (problem != NULL &&
            emit(ctx, h, "query_regression.import_failed", GL_SEVERITY_WARNING,
                 "pg_stat_statements", NULL, NULL, NULL, problem) != 0)
            return -1;
    }
    if (n->side_wide > 0) {
        snprintf(msg, sizeof(msg), "the whole workload is x%.2f on green (median over %zu "
                 "cases): %zu verdict(s) that did not stand once that side-wide shift was divided "
                 "out are inconclusive, not regressed/improved. Load next to one side's server "
                 "looks like this; so does a slower green machine: run again on a quiet machine "
                 "before trusting either", n->side_ratio, n->side_cases, n->side_wide);
        if (emit(ctx, h, "query_regression.side_wide_shift", GL_SEVERITY_WARNING, "workload", NULL,
                 NULL, NULL, msg) != 0)
            return -1;
    }
    return 0;
}

/* Configured, yet no case ran on both sides: the check measured nothing, and
 * a score of "0 of 0" must not read as a pass. A query that failed is
 * evidence (it holds through its finding), and so is a case one side
 * lacks; refused and not comparable cases are not. -1 (error set) then. */
static int measured_something(gl_ctx *ctx, const gl_host *h, const gl_value *blue,
                              const gl_value *green, const counts *n)
{
    const char *problem = NULL;

    if (n->judged + n->results_compared + n->plan_only + n->failed + n->result_mismatch + n->one_side != 0)
        return 0;
    for (int s = 0; s < 2 && problem == NULL; s++)
        problem = h->value_get_string(h->object_get(h->object_get(s == 0 ? blue : green, "import"),
                                                    "problem"));
    return h->set_error(ctx, "query_regression measured nothing: the workload gave %zu case(s) "
                        "and none ran on both sides (%zu refused, %zu not comparable)%s%s; fix "
                        "the workload (share/doc/checks/query_regression.md) or leave "
                        "query_regression out of --config",
                        h->value_len(h->object_get(blue, "cases")), n->refused, n->not_comparable,
                        problem ? "; pg_stat_statements import: " : "", problem ? problem : "");
}

int query_regression__compare(gl_ctx *ctx, const gl_host *h, const gl_value *blue, const gl_value *green)
{
    int be = h->value_get_bool(h->object_get(blue, "enabled"));
    int ge = h->value_get_bool(h->object_get(green, "enabled"));
    counts n;
    query_regression_config cfg;
    char msg[512];

    memset(&n, 0, sizeof(n));
    /* The same checks as a live run, offline too: this run's config, then both sides' facts. */
    if (query_regression__config_read(ctx, h, &cfg) != 0 ||
        query_regression__facts_check(ctx, h, blue, "blue") != 0 ||
        query_regression__facts_check(ctx, h, green, "green") != 0)
        return -1;
    if (!be && !ge) {
        /* Nothing asked of this check: skipped, with why, never "ok". */
        if (GL_HOST_HAS(h, skip))
            return h->skip(ctx, "no workload configured: give query_regression a \"workload\" file "
                           "or \"pg_stat_statements\": {\"top\": N} in --config "
                           "(share/doc/checks/query_regression.md)");
        return 0;
    }
    if (!be || !ge) {
        snprintf(msg, sizeof(msg), "only %s ran the workload (%s's facts say query_regression was "
                 "not configured, e.g. a snapshot taken without it): nothing was compared; take "
                 "both sides with the same query_regression config", be ? "blue" : "green",
                 be ? "green" : "blue");
        return emit(ctx, h, "query_regression.one_side_only", GL_SEVERITY_ERROR, "workload", NULL,
                    NULL, NULL, msg);
    }
    if (side_wide_ratio(h, h->object_get(blue, "cases"), h->object_get(green, "cases"), &n) != 0)
        return h->set_error(ctx, "out of memory");
    if (compare_cases(ctx, h, blue, green, &n) != 0 || workload_findings(ctx, h, blue, green, &n) != 0 ||
        compare_statistics(ctx, h, blue, green) != 0 || compare_roles(ctx, h, blue, green) != 0 ||
        measured_something(ctx, h, blue, green, &n) != 0)
        return -1;
    return emit_score(ctx, h, &n, blue, green);
}
