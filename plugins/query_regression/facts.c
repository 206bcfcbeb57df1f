/*
 * Validation of the facts compare reads. Facts come from this run's collect or
 * from a snapshot file, and a snapshot can be hand-edited, truncated or come
 * from another greenlight: a wrong kind or a missing section is a plugin
 * error (the run holds), never "no queries" or "no samples". Thresholds and
 * settings in the facts go through query_regression_limit_check, the same range check as
 * a live run's config and workload.
 */
#include "qr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct vctx {
    gl_ctx *ctx;
    const gl_host *h;
    const char *side;
} vctx;

static int bad(const vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const vctx *v, const char *fmt, ...)
{
    char what[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return v->h->set_error(v->ctx, "query_regression: %s facts: %s (a snapshot from another "
                           "greenlight, or edited?): take the snapshot again", v->side, what);
}

static int is_number(const gl_host *h, const gl_value *x)
{
    return h->value_kind(x) == GL_VALUE_INT || h->value_kind(x) == GL_VALUE_NUMBER;
}

static double number_of(const gl_host *h, const gl_value *x)
{
    return h->value_kind(x) == GL_VALUE_INT ? (double)h->value_get_int(x) : h->value_get_number(x);
}

/* Optional member of a kind; required ones must be present. */
static int member(const vctx *v, const gl_value *obj, const char *path, const char *key,
                  gl_value_kind kind, int required)
{
    const gl_value *x = v->h->object_get(obj, key);
    static const char *const names[] = {"null", "true or false", "an integer", "a number",
                                        "a string", "an array", "an object"};

    if (x == NULL)
        return required ? bad(v, "%s.%s is missing", path, key) : 0;
    if (v->h->value_kind(x) == kind || (kind == GL_VALUE_NUMBER && is_number(v->h, x)))
        return 0;
    return bad(v, "%s.%s must be %s", path, key, names[kind]);
}

/* A threshold object: every number must be -1 (unset) or within its limit. */
static int thresholds(const vctx *v, const gl_value *obj, const char *path, int unset_allowed)
{
    static const char *const keys[] = {"samples", "warmup", "confidence", "effect_tolerance",
                                       "min_effect_ms", "noise_floor", NULL};
    char err[512];

    for (const char *const *k = keys; *k; k++) {
        const gl_value *x = v->h->object_get(obj, *k);
        if (x == NULL)
            continue;
        if (!is_number(v->h, x))
            return bad(v, "%s.%s must be a number", path, *k);
        if (unset_allowed && number_of(v->h, x) < 0)
            continue;
        if (query_regression_limit_check(*k, number_of(v->h, x), path, err, sizeof(err)) != 0)
            return bad(v, "%s", err);
    }
    return 0;
}

static int one_case(const vctx *v, const gl_value *c, size_t i)
{
    const gl_host *h = v->h;
    const gl_value *lat;
    char path[64];
    static const char *const strings[] = {"query", "sql", "digest", "plan", "refused", "error",
                                          "not_comparable", "fingerprint", "source", NULL};

    snprintf(path, sizeof(path), "cases[%zu]", i);
    if (h->value_kind(c) != GL_VALUE_OBJECT)
        return bad(v, "%s must be an object", path);
    if (member(v, c, path, "name", GL_VALUE_STRING, 1) || member(v, c, path, "latency_ms", GL_VALUE_ARRAY, 1) ||
        member(v, c, path, "thresholds", GL_VALUE_OBJECT, 1) || member(v, c, path, "compare", GL_VALUE_OBJECT, 1) ||
        member(v, c, path, "latency_split", GL_VALUE_INT, 0) || member(v, c, path, "rows", GL_VALUE_INT, 0) ||
        member(v, c, path, "plan_cost", GL_VALUE_NUMBER, 0) || member(v, c, path, "ordered", GL_VALUE_BOOL, 0) ||
        member(v, c, path, "generic_plan", GL_VALUE_BOOL, 0) || member(v, c, path, "sample_rows", GL_VALUE_ARRAY, 0))
        return -1;
    for (const char *const *k = strings; *k; k++)
        if (member(v, c, path, *k, GL_VALUE_STRING, 0) != 0)
            return -1;
    if (h->object_get(c, "rows") != NULL && h->object_get(c, "digest") == NULL)
        return bad(v, "%s has rows but no digest", path);
    lat = h->object_get(c, "latency_ms");
    for (size_t k = 0; k < h->value_len(lat); k++) {
        const gl_value *x = h->array_at(lat, k);
        if (!is_number(h, x) || !(number_of(h, x) >= 0))
            return bad(v, "%s.latency_ms[%zu] must be a number >= 0", path, k);
    }
    if (h->value_get_int(h->object_get(c, "latency_split")) < 0)
        return bad(v, "%s.latency_split must be >= 0", path);
    if (member(v, h->object_get(c, "compare"), path, "results", GL_VALUE_BOOL, 0) ||
        member(v, h->object_get(c, "compare"), path, "plan", GL_VALUE_BOOL, 0))
        return -1;
    snprintf(path + strlen(path), sizeof(path) - strlen(path), ".thresholds");
    return thresholds(v, h->object_get(c, "thresholds"), path, 1);
}

int query_regression__facts_check(gl_ctx *ctx, const gl_host *h, const gl_value *facts, const char *side)
{
    vctx v = {ctx, h, side};
    const gl_value *cases, *st;

    if (h->value_kind(facts) != GL_VALUE_OBJECT)
        return bad(&v, "they must be an object");
    if (member(&v, facts, "facts", "enabled", GL_VALUE_BOOL, 1) != 0)
        return -1;
    if (!h->value_get_bool(h->object_get(facts, "enabled")))
        return 0;
    if (member(&v, facts, "facts", "settings", GL_VALUE_OBJECT, 1) ||
        member(&v, facts, "facts", "cases", GL_VALUE_ARRAY, 1) ||
        member(&v, facts, "facts", "statistics", GL_VALUE_OBJECT, 1) ||
        member(&v, facts, "facts", "import", GL_VALUE_OBJECT, 0) ||
        member(&v, facts, "facts", "role", GL_VALUE_OBJECT, 0) ||
        member(&v, facts, "facts", "calibration", GL_VALUE_OBJECT, 0))
        return -1;
    if (member(&v, h->object_get(facts, "role"), "role", "superuser", GL_VALUE_BOOL, 0) ||
        member(&v, h->object_get(facts, "role"), "role", "name", GL_VALUE_STRING, 0))
        return -1;
    if (thresholds(&v, h->object_get(facts, "settings"), "settings", 0) != 0 ||
        member(&v, h->object_get(facts, "settings"), "settings", "interleaved", GL_VALUE_BOOL, 0))
        return -1;
    st = h->object_get(facts, "statistics");
    if (member(&v, st, "statistics", "missing", GL_VALUE_ARRAY, 1) ||
        member(&v, st, "statistics", "analyzed", GL_VALUE_ARRAY, 1))
        return -1;
    for (size_t i = 0; i < h->value_len(h->object_get(st, "missing")); i++) {
        const gl_value *m = h->array_at(h->object_get(st, "missing"), i);
        if (h->value_kind(m) != GL_VALUE_OBJECT ||
            h->value_kind(h->object_get(m, "relation")) != GL_VALUE_STRING)
            return bad(&v, "statistics.missing[%zu] must be an object with a \"relation\" string", i);
    }
    cases = h->object_get(facts, "cases");
    for (size_t i = 0; i < h->value_len(cases); i++)
        if (one_case(&v, h->array_at(cases, i), i) != 0)
            return -1;
    return 0;
}
