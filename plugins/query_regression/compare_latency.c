/*
 * compare_latency: one case's latency, judged from both sides' samples
 * (stats.c), the side-wide shift divided out, and its finding. Part of
 * compare (compare.h); codes: share/doc/checks/query_regression.md.
 */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int query_regression__compare_latency(gl_ctx *ctx, const gl_host *h, const char *name, const gl_value *b,
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

    if (query_regression__read_samples(h, b, &bl, &nb) != 0 || query_regression__read_samples(h, g, &gl, &ng) != 0) {
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
