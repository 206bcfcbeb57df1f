/*
 * compare's parts, internal to the plugin: compare.c (cases, statistics, the
 * score) and compare_latency.c (one case's latency verdict and finding).
 */
#ifndef GL_QR_COMPARE_H
#define GL_QR_COMPARE_H

#include "qr.h"

#include <greenlight/plugin_util.h>

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

static inline int emit(gl_ctx *ctx, const gl_host *h, const char *code, gl_severity sev,
                       const char *object, gl_value *blue, gl_value *green, gl_value *details,
                       const char *message)
{
    return gl_plugin_emit(ctx, h, code, sev, object, blue, green, details, message);
}

static inline int set(const gl_host *h, gl_value *o, const char *k, gl_value *v)
{
    return v == NULL ? -1 : h->object_set(o, k, v);
}

static inline double number(const gl_host *h, const gl_value *v, double dflt)
{
    switch (h->value_kind(v)) {
    case GL_VALUE_INT: return (double)h->value_get_int(v);
    case GL_VALUE_NUMBER: return h->value_get_number(v);
    default: return dflt;
    }
}

/* Case c's latency samples as doubles in *out (the caller frees; NULL when none); -1 out of memory. */
int query_regression__read_samples(const gl_host *h, const gl_value *c, double **out, size_t *n);
/* Judges one case's latency, counts it in n and emits its finding (none for a plain pass). */
int query_regression__compare_latency(gl_ctx *ctx, const gl_host *h, const char *name, const gl_value *b,
                                      const gl_value *g, const gl_value *settings,
                                      const gl_value *green_settings, counts *n);

#endif
