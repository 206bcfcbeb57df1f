/*
 * Latency statistics: percentiles, the Mann-Whitney U test and the verdict.
 *
 * Mann-Whitney U (two-sided) with the normal approximation: ranks average
 * over ties, the variance carries the tie correction
 *   sigma^2 = nx*ny/12 * ((n+1) - sum(t^3 - t) / (n(n-1)))
 * and |U - mean| is reduced by 0.5 (continuity). The verdict follows
 * Kayenta's judge: a difference must be both significant (p < 1 - confidence)
 * and large (median ratio outside [1/tolerance, tolerance], and more than
 * min_effect_ms apart) to be called regressed or improved.
 */
#include "qr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double gl_qr_percentile(const double *sorted, size_t n, double p)
{
    double pos, frac;
    size_t lo;

    if (n == 0)
        return NAN;
    if (p <= 0)
        return sorted[0];
    if (p >= 1)
        return sorted[n - 1];
    pos = p * (double)(n - 1);
    lo = (size_t)pos;
    frac = pos - (double)lo;
    if (lo + 1 >= n)
        return sorted[n - 1];
    return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

typedef struct tagged {
    double v;
    int from_x;
} tagged;

static int cmp_tagged(const void *a, const void *b)
{
    return cmp_double(&((const tagged *)a)->v, &((const tagged *)b)->v);
}

int gl_qr_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, gl_qr_mw *out)
{
    size_t n = nx + ny;
    tagged *all;
    double rank_x = 0, ties = 0, mean, var, diff;

    memset(out, 0, sizeof(*out));
    out->p = 1.0;
    if (nx == 0 || ny == 0)
        return -1;
    all = malloc(n * sizeof(*all));
    if (all == NULL)
        return -1;
    for (size_t i = 0; i < nx; i++)
        all[i] = (tagged){x[i], 1};
    for (size_t i = 0; i < ny; i++)
        all[nx + i] = (tagged){y[i], 0};
    qsort(all, n, sizeof(*all), cmp_tagged);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double avg, t;

        while (j + 1 < n && all[j + 1].v == all[i].v)
            j++;
        avg = ((double)i + (double)j) / 2.0 + 1.0;       /* ranks are 1-based */
        t = (double)(j - i + 1);
        ties += t * t * t - t;
        for (size_t k = i; k <= j; k++)
            if (all[k].from_x)
                rank_x += avg;
        i = j + 1;
    }
    free(all);
    out->u = rank_x - (double)nx * ((double)nx + 1.0) / 2.0;
    mean = (double)nx * (double)ny / 2.0;
    var = (double)nx * (double)ny / 12.0 *
          (((double)n + 1.0) - (n > 1 ? ties / ((double)n * ((double)n - 1.0)) : 0.0));
    if (var <= 0) {                /* every value tied: no evidence of a difference */
        out->z = 0;
        out->p = 1.0;
        return 0;
    }
    diff = fabs(out->u - mean) - 0.5;
    if (diff < 0)
        diff = 0;
    out->z = (out->u >= mean ? diff : -diff) / sqrt(var);
    out->p = erfc(fabs(out->z) / sqrt(2.0));
    if (out->p > 1.0)
        out->p = 1.0;
    return 0;
}

const char *gl_qr_verdict_name(gl_qr_verdict v)
{
    switch (v) {
    case GL_QR_PASS: return "pass";
    case GL_QR_REGRESSED: return "regressed";
    case GL_QR_IMPROVED: return "improved";
    case GL_QR_INCONCLUSIVE: return "inconclusive";
    }
    return "unknown";
}

static int sorted_copy(const double *v, size_t n, double **out)
{
    *out = malloc(n * sizeof(double));
    if (*out == NULL)
        return -1;
    memcpy(*out, v, n * sizeof(double));
    qsort(*out, n, sizeof(double), cmp_double);
    return 0;
}

int gl_qr_judge(const double *blue, size_t nb, const double *green, size_t ng, double confidence,
                double tolerance, double min_effect_ms, gl_qr_judgement *out)
{
    double *b = NULL, *g = NULL;
    int rc = -1, significant, slower, faster;

    memset(out, 0, sizeof(*out));
    out->verdict = GL_QR_INCONCLUSIVE;
    if (nb == 0 || ng == 0 || tolerance < 1.0)
        goto out;
    if (sorted_copy(blue, nb, &b) != 0 || sorted_copy(green, ng, &g) != 0)
        goto out;
    out->blue_p50 = gl_qr_percentile(b, nb, 0.50);
    out->blue_p95 = gl_qr_percentile(b, nb, 0.95);
    out->blue_p99 = gl_qr_percentile(b, nb, 0.99);
    out->green_p50 = gl_qr_percentile(g, ng, 0.50);
    out->green_p95 = gl_qr_percentile(g, ng, 0.95);
    out->green_p99 = gl_qr_percentile(g, ng, 0.99);
    if (out->blue_p50 > 0)
        out->ratio = out->green_p50 / out->blue_p50;
    else
        out->ratio = out->green_p50 > 0 ? INFINITY : 1.0;
    /* x = green, y = blue: U above its mean means green tends to be slower. */
    if (gl_qr_mann_whitney(green, ng, blue, nb, &out->mw) != 0)
        goto out;
    significant = out->mw.p < 1.0 - confidence;
    slower = out->ratio > tolerance && out->green_p50 - out->blue_p50 > min_effect_ms;
    faster = out->ratio < 1.0 / tolerance && out->blue_p50 - out->green_p50 > min_effect_ms;
    if (significant && slower && out->mw.z > 0)
        out->verdict = GL_QR_REGRESSED;
    else if (significant && faster && out->mw.z < 0)
        out->verdict = GL_QR_IMPROVED;
    else if (slower || faster)
        out->verdict = GL_QR_INCONCLUSIVE;    /* a large effect the samples cannot confirm */
    else
        out->verdict = GL_QR_PASS;
    rc = 0;
out:
    free(b);
    free(g);
    return rc;
}
