/*
 * compare: facts of both sides -> findings, query case by query case, in the
 * workload's order. Works offline (snapshots): everything comes from facts;
 * thresholds come from the query, then this run's config, then the settings
 * blue's facts were collected with. Codes: share/doc/checks/query_regression.md.
 */
#include "compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOWN_ROWS 5

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

int query_regression__read_samples(const gl_host *h, const gl_value *c, double **out, size_t *n)
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
    if (query_regression__compare_latency(ctx, h, name, b, g, settings, green_settings, n) != 0)
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

/* The smallest time between a case's two passes on either side
 * (settings.pass_separation_ms), null when neither side's facts have one. */
static gl_value *pass_separation(const gl_host *h, const gl_value *blue, const gl_value *green)
{
    double least = -1;

    for (int s = 0; s < 2; s++) {
        double ms = number(h, h->object_get(h->object_get(s == 0 ? blue : green, "settings"),
                                            "pass_separation_ms"), -1);
        if (ms >= 0 && (least < 0 || ms < least))
            least = ms;
    }
    return least < 0 ? h->value_null() : h->value_number(least);
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
        set(h, details, "pass_separation_ms", pass_separation(h, blue, green)) ||
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
        if (query_regression__read_samples(h, b, &bl, &nb) != 0 || query_regression__read_samples(h, g, &gl, &ng) != 0) {
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
