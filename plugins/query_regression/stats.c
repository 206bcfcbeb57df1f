/*
 * Latency statistics: percentiles, the Mann-Whitney U test, a bootstrap
 * interval of the median ratio, the Hodges-Lehmann shift, and the verdict.
 *
 * Mann-Whitney U (two-sided) with the normal approximation: ranks average
 * over ties, the variance carries the tie correction
 *   sigma^2 = nx*ny/12 * ((n+1) - sum(t^3 - t) / (n(n-1)))
 * and |U - mean| is reduced by 0.5 (continuity).
 *
 * Why significance alone is not enough (measured, tests/bench): on a loaded
 * machine a burst of load that lands on a few runs of one side makes two
 * samples of an unchanged query differ "significantly" several percent of
 * the time, and a median 20% apart is then easy to find among 45 cases. So,
 * as Kayenta's judge pairs its Mann-Whitney test with an effect size, a
 * regression must also be *confidently* large: the one-sided bootstrap bound
 * of green/blue median ratio must lie beyond the tolerance, and the
 * Hodges-Lehmann shift (in ms) beyond min_effect_ms. When the samples come
 * from interleaved rounds the bootstrap resamples rounds (pairs), which keeps
 * the noise both sides shared out of the interval.
 */
#include "qr.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double query_regression_percentile(const double *sorted, size_t n, double p)
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

/* A value and where it came from (its index), sorted by value. */
typedef struct tagged {
    double v;
    size_t i;
} tagged;

static int cmp_tagged(const void *a, const void *b)
{
    return cmp_double(&((const tagged *)a)->v, &((const tagged *)b)->v);
}

int query_regression_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
                                  query_regression_mw *out)
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
        all[i] = (tagged){x[i], i};
    for (size_t i = 0; i < ny; i++)
        all[nx + i] = (tagged){y[i], nx + i};
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
            if (all[k].i < nx)   /* x comes first in all */
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

const char *query_regression_verdict_name(query_regression_verdict v)
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

/* splitmix64: a small deterministic generator (same samples, same verdict). */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Wirth's selection: x[k] becomes the k-th smallest, with nothing larger
 * before it and nothing smaller after it. Signed indices: j can pass 0. */
static double select_kth(double *x, long n, long k)
{
    long lo = 0, hi = n - 1;

    while (lo < hi) {
        double pivot = x[k];
        long i = lo, j = hi;
        do {
            while (x[i] < pivot)
                i++;
            while (pivot < x[j])
                j--;
            if (i <= j) {
                double t = x[i];
                x[i++] = x[j];
                x[j--] = t;
            }
        } while (i <= j);
        if (j < k)
            lo = i;
        if (k < i)
            hi = j;
    }
    return x[k];
}

double query_regression_median(double *scratch, size_t n)
{
    long lo;
    double a, b;

    if (n == 0)
        return NAN;
    /* query_regression_percentile(sorted, n, 0.5) without the sort: the same
     * two order statistics, the same arithmetic, in linear time (the
     * bootstrap takes 4,000 medians per case). */
    lo = (long)(n - 1) / 2;
    a = select_kth(scratch, (long)n, lo);
    if (n % 2 == 1)
        return a;
    b = scratch[lo + 1];
    for (size_t i = (size_t)lo + 2; i < n; i++)
        if (scratch[i] < b)
            b = scratch[i];
    return a + 0.5 * (b - a);
}

static double ratio_of(double green_median, double blue_median)
{
    if (blue_median > 0)
        return green_median / blue_median;
    return green_median > 0 ? INFINITY : 1.0;
}

/* x[0..n)'s indices in the order of their values (ties in any order). */
static size_t *value_order(const double *x, size_t n)
{
    tagged *t = malloc(n * sizeof(*t));
    size_t *order = malloc(n * sizeof(*order));

    if (t == NULL || order == NULL) {
        free(t);
        free(order);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        t[i] = (tagged){x[i], i};
    qsort(t, n, sizeof(*t), cmp_tagged);
    for (size_t i = 0; i < n; i++)
        order[i] = t[i].i;
    free(t);
    return order;
}

/* The k-th smallest (0-based) value of a resample of x that drew x[i] count[i] times. */
static double kth_drawn(const double *x, const size_t *order, const unsigned *count, size_t n, size_t k)
{
    size_t seen = 0;

    for (size_t j = 0; j < n; j++) {
        seen += count[order[j]];
        if (seen > k)
            return x[order[j]];
    }
    return x[order[n - 1]];
}

/* The median of a resample of m draws, as query_regression_median of its values would give it. */
static double median_drawn(const double *x, const size_t *order, const unsigned *count, size_t n, size_t m)
{
    size_t lo = (m - 1) / 2;
    double a = kth_drawn(x, order, count, n, lo), b;

    if (m % 2 == 1)
        return a;
    b = kth_drawn(x, order, count, n, lo + 1);
    return a + 0.5 * (b - a);
}

/*
 * One-sided bootstrap bounds of the median ratio at `confidence`: the
 * (1 - confidence) and confidence quantiles of GL_QR_BOOTSTRAP resampled
 * ratios. Paired: one index draws blue[k] and green[k] together.
 * A resample is kept as how many times each sample was drawn, and its median
 * read off the samples' value order: the same medians as sorting each
 * resample, without 4,000 sorts per case.
 */
static int bootstrap_ratio(const double *blue, size_t nb, const double *green, size_t ng,
                           int paired, double confidence, double *low, double *high)
{
    size_t *ob = value_order(blue, nb), *og = value_order(green, ng);
    unsigned *cb = calloc(nb, sizeof(unsigned)), *cg = calloc(ng, sizeof(unsigned));
    double *ratios = malloc(GL_QR_BOOTSTRAP * sizeof(double));
    uint64_t state = 0x5eed0f9ee1142a7bULL;
    int rc = -1;

    if (ob == NULL || og == NULL || cb == NULL || cg == NULL || ratios == NULL)
        goto out;
    for (size_t r = 0; r < GL_QR_BOOTSTRAP; r++) {
        memset(cb, 0, nb * sizeof(unsigned));
        memset(cg, 0, ng * sizeof(unsigned));
        for (size_t i = 0; i < nb; i++) {
            size_t k = (size_t)(next_random(&state) % nb);
            cb[k]++;
            if (paired)
                cg[k]++;
        }
        if (!paired)
            for (size_t i = 0; i < ng; i++)
                cg[next_random(&state) % ng]++;
        ratios[r] = ratio_of(median_drawn(green, og, cg, ng, ng), median_drawn(blue, ob, cb, nb, nb));
    }
    qsort(ratios, GL_QR_BOOTSTRAP, sizeof(double), cmp_double);
    *low = query_regression_percentile(ratios, GL_QR_BOOTSTRAP, 1.0 - confidence);
    *high = query_regression_percentile(ratios, GL_QR_BOOTSTRAP, confidence);
    rc = 0;
out:
    free(ob);
    free(og);
    free(cb);
    free(cg);
    free(ratios);
    return rc;
}

/* Pairs beyond which the Hodges-Lehmann shift falls back to the median difference. */
#define HL_MAX_PAIRS ((size_t)1 << 20)

/* Hodges-Lehmann shift: the median of green[i] - blue[j] over all pairs. */
static int hodges_lehmann(const double *blue, size_t nb, const double *green, size_t ng,
                          double blue_median, double green_median, double *out)
{
    double *d;
    size_t k = 0;

    if (nb * ng > HL_MAX_PAIRS) {
        /* 10,000 samples a side would need 800 MB: the median difference is close enough. */
        *out = green_median - blue_median;
        return 0;
    }
    d = malloc(nb * ng * sizeof(double));
    if (d == NULL)
        return -1;
    for (size_t i = 0; i < ng; i++)
        for (size_t j = 0; j < nb; j++)
            d[k++] = green[i] - blue[j];
    *out = query_regression_median(d, k);
    free(d);
    return 0;
}

int query_regression_judge(const double *blue, size_t nb, const double *green, size_t ng, int paired,
                           double confidence, double tolerance, double min_effect_ms,
                           query_regression_judgement *out)
{
    double *b = NULL, *g = NULL;
    int rc = -1, significant, slower, faster;

    memset(out, 0, sizeof(*out));
    out->verdict = GL_QR_INCONCLUSIVE;
    if (nb == 0 || ng == 0 || tolerance < 1.0)
        goto out;
    out->paired = paired && nb == ng;
    out->replicated = -1;
    if (sorted_copy(blue, nb, &b) != 0 || sorted_copy(green, ng, &g) != 0)
        goto out;
    out->blue_p50 = query_regression_percentile(b, nb, 0.50);
    out->blue_p95 = query_regression_percentile(b, nb, 0.95);
    out->blue_p99 = query_regression_percentile(b, nb, 0.99);
    out->green_p50 = query_regression_percentile(g, ng, 0.50);
    out->green_p95 = query_regression_percentile(g, ng, 0.95);
    out->green_p99 = query_regression_percentile(g, ng, 0.99);
    out->ratio = ratio_of(out->green_p50, out->blue_p50);
    /* x = green, y = blue: U above its mean means green tends to be slower. */
    if (query_regression_mann_whitney(green, ng, blue, nb, &out->mw) != 0)
        goto out;
    if (bootstrap_ratio(blue, nb, green, ng, out->paired, confidence, &out->ratio_low,
                        &out->ratio_high) != 0)
        goto out;
    if (hodges_lehmann(b, nb, g, ng, out->blue_p50, out->green_p50, &out->shift_ms) != 0)
        goto out;
    significant = out->mw.p < 1.0 - confidence;
    slower = out->ratio > tolerance && out->shift_ms > min_effect_ms;
    faster = out->ratio < 1.0 / tolerance && -out->shift_ms > min_effect_ms;
    if (significant && slower && out->mw.z > 0 && out->ratio_low > tolerance)
        out->verdict = GL_QR_REGRESSED;
    else if (significant && faster && out->mw.z < 0 && out->ratio_high < 1.0 / tolerance)
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

/* Median absolute deviation of x[0..n); -1 when out of memory. */
static double mad_of(const double *x, size_t n)
{
    double *d, med;

    if (n == 0)
        return 0;
    d = malloc(n * sizeof(double));
    if (d == NULL)
        return -1;
    memcpy(d, x, n * sizeof(double));
    med = query_regression_median(d, n);
    for (size_t i = 0; i < n; i++)
        d[i] = fabs(x[i] - med);
    med = query_regression_median(d, n);
    free(d);
    return med;
}

/* Relative spread of x[0..n): MAD over median (0 when the median is not positive); -1 when out of memory. */
static double relative_spread(const double *x, size_t n)
{
    double *d, mad = mad_of(x, n), med;

    if (mad < 0 || n == 0)
        return mad < 0 ? -1 : 0;
    d = malloc(n * sizeof(double));
    if (d == NULL)
        return -1;
    memcpy(d, x, n * sizeof(double));
    med = query_regression_median(d, n);
    free(d);
    return med > 0 ? mad / med : 0;
}

/* One side's relative spread within its passes: the mean over the passes (one when split is 0). */
static double side_spread(const double *x, size_t n, size_t split)
{
    double first, second;

    if (split == 0 || split >= n)
        return relative_spread(x, n);
    first = relative_spread(x, split);
    second = relative_spread(x + split, n - split);
    if (first < 0 || second < 0)
        return -1;
    return (first + second) / 2.0;
}

double query_regression_effect_floor(const double *blue, size_t nb, const double *green, size_t ng,
                                     size_t split, double min_effect_ms, double noise_floor,
                                     double *spread_ms)
{
    double rb = side_spread(blue, nb, split), rg = side_spread(green, ng, split);
    double *d = nb > 0 ? malloc(nb * sizeof(double)) : NULL, spread = 0, floor_ms = min_effect_ms;

    if (d != NULL && rb >= 0 && rg >= 0) {
        memcpy(d, blue, nb * sizeof(double));
        spread = (rb > rg ? rb : rg) * query_regression_median(d, nb);
    }
    free(d);
    if (noise_floor > 0 && noise_floor * spread > floor_ms)
        floor_ms = noise_floor * spread;
    if (spread_ms != NULL)
        *spread_ms = spread;
    return floor_ms;
}

int query_regression_judge_passes(const double *blue, size_t nb, const double *green, size_t ng, size_t split,
                                  int paired, double confidence, double tolerance, double min_effect_ms,
                                  query_regression_judgement *out)
{
    double *b = NULL, *g = NULL, ratio[2];
    int rc;

    rc = query_regression_judge(blue, nb, green, ng, paired, confidence, tolerance, min_effect_ms, out);
    if (rc != 0 || split == 0 || split >= nb || split >= ng ||
        (out->verdict != GL_QR_REGRESSED && out->verdict != GL_QR_IMPROVED))
        return rc;
    for (int pass = 0; pass < 2; pass++) {
        size_t b0 = pass == 0 ? 0 : split, bn = pass == 0 ? split : nb - split;
        size_t g0 = pass == 0 ? 0 : split, gn = pass == 0 ? split : ng - split;
        if (sorted_copy(blue + b0, bn, &b) != 0 || sorted_copy(green + g0, gn, &g) != 0) {
            free(b);
            return -1;
        }
        ratio[pass] =
            ratio_of(query_regression_percentile(g, gn, 0.5), query_regression_percentile(b, bn, 0.5));
        free(b);
        free(g);
        b = g = NULL;
    }
    /* Each pass must point the same way with at least half the tolerance: a
     * pass that shows nothing (one side's backend slowed for a while) makes
     * the verdict inconclusive, but one noisy pass of a real x1.5 slowdown
     * (the whole-run bound already exceeds the tolerance) does not. */
    double half = 1.0 + (tolerance - 1.0) / 2.0;
    if (out->verdict == GL_QR_REGRESSED)
        out->replicated = ratio[0] > half && ratio[1] > half;
    else
        out->replicated = ratio[0] < 1.0 / half && ratio[1] < 1.0 / half;
    if (!out->replicated)
        out->verdict = GL_QR_INCONCLUSIVE;
    return 0;
}
