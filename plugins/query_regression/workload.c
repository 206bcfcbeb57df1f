/*
 * The workload file: a JSON document read with yajl_tree.
 *
 *   { "format": "greenlight-workload/1",
 *     "queries": [ { "name": "film_by_rating",
 *                    "sql": "SELECT ... WHERE rating = $1::mpaa_rating",
 *                    "params": [["PG"], ["R"]],
 *                    "tags": ["join"],
 *                    "thresholds": { "effect_tolerance": 1.5, "confidence": 0.99,
 *                                    "min_effect_ms": 1, "samples": 50 },
 *                    "compare": { "results": true, "plan": true } } ] }
 *
 * Parameter values are strings, numbers (their text as written), booleans or
 * null. Full description: share/doc/checks/query_regression.md.
 */
#include "qr.h"
#include "json_get.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Levenshtein distance of two short keys (longer ones count as far apart). */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[65];

    if (la > 64 || lb > 64)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

/*
 * Unknown keys are errors (a misspelt "parms" would otherwise silently run the
 * query without its parameter sets): the message names the JSON path and the
 * nearest known key.
 */
int query_regression_key_check(const char *key, const char *const *known, const char *path, char *err,
                               size_t errlen)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    char list[256] = "";

    for (const char *const *k = known; *k; k++) {
        size_t d = distance(key, *k);
        if (d == 0)
            return 0;
        if (d < best_d) {
            best_d = d;
            best = *k;
        }
    }
    if (best != NULL && best_d <= 2 + strlen(key) / 4)
        return fail(err, errlen, "%s%s%.100s: unknown key (did you mean \"%s\"?)", path,
                    path[0] ? "." : "", key, best);
    for (const char *const *k = known; *k; k++)
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s\"%s\"",
                 k == known ? "" : ", ", *k);
    return fail(err, errlen, "%s%s%.100s: unknown key (the keys here are %s)", path,
                path[0] ? "." : "", key, list);
}

/* query_regression_key_check over every key of a JSON object; `path` is where obj sits ("" at the top). */
static int check_keys(yajl_val obj, const char *const *known, const char *path, char *err, size_t errlen)
{
    for (size_t i = 0; YAJL_IS_OBJECT(obj) && i < obj->u.object.len; i++)
        if (query_regression_key_check(obj->u.object.keys[i], known, path, err, errlen) != 0)
            return -1;
    return 0;
}

typedef struct limit {
    const char *key;
    double min, max;
    int integer;
    const char *hint;
} limit;

static const limit limits[] = {
    {"samples", 3, GL_QR_MAX_SAMPLES, 1, ""},
    {"warmup", 0, 1000, 1, ""},
    {"confidence", 0.5, 0.999999, 0, " (0.95 means 95%)"},
    {"effect_tolerance", 1, 1000, 0, " (1.2 means 20% slower)"},
    {"min_effect_ms", 0, 3600000, 0, ""},
    {"noise_floor", 0, 100, 0, " (times the query's own spread)"},
    {"statement_timeout_ms", 0, 86400000, 1, ""},
    {"pass_gap_ms", 0, 60000, 1, " (the pause between the two timed passes)"},
};

int query_regression_limit_check(const char *key, double value, const char *where, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        const limit *l = &limits[i];
        if (strcmp(l->key, key) != 0)
            continue;
        if (!(value >= l->min && value <= l->max) || (l->integer && value != (double)(long long)value))
            return fail(err, errlen, "%s%s%s must be %s in [%g, %g]%s, not %g", where,
                        where[0] ? "." : "", key, l->integer ? "an integer" : "a number", l->min,
                        l->max, l->hint, value);
        return 0;
    }
    return fail(err, errlen, "%s%s%s: no such threshold", where, where[0] ? "." : "", key);
}

static const char *const top_keys[] = {"format", "description", "queries", NULL};
static const char *const query_keys[] = {"name", "description", "sql", "params", "tags",
                                         "thresholds", "compare", NULL};
static const char *const threshold_keys[] = {"effect_tolerance", "confidence", "min_effect_ms",
                                             "noise_floor", "samples", NULL};
static const char *const compare_keys[] = {"results", "plan", NULL};

/* The string of a yajl string node; "" for anything else (callers check the kind first). */
static const char *string_of(yajl_val v)
{
    return YAJL_IS_STRING(v) && v->u.string != NULL ? v->u.string : "";
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > GL_QR_MAX_NAME)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            return 0;
    return 1;
}

/* A parameter value as text: *out NULL for JSON null. 0, 1 (wrong kind) or -1 (memory). */
static int param_text(yajl_val v, char **out)
{
    const char *s;

    *out = NULL;
    if (YAJL_IS_NULL(v))
        return 0;
    if (YAJL_IS_STRING(v))
        s = string_of(v);
    else if (YAJL_IS_NUMBER(v))
        s = YAJL_GET_NUMBER(v);          /* the number exactly as written */
    else if (YAJL_IS_TRUE(v))
        s = "true";
    else if (YAJL_IS_FALSE(v))
        s = "false";
    else
        return 1;
    *out = strdup(s);
    return *out == NULL ? -1 : 0;
}

/* An optional threshold; 0 when present and valid or absent, -1 otherwise. */
static int opt_number(yajl_val obj, const char *key, double *out, const char *path, char *err,
                      size_t errlen)
{
    yajl_val v = query_regression__json_get(obj, key);

    if (v == NULL)
        return 0;
    if (!YAJL_IS_NUMBER(v))
        return fail(err, errlen, "%s.%s must be a number", path, key);
    if (query_regression_limit_check(key, YAJL_GET_DOUBLE(v), path, err, errlen) != 0)
        return -1;
    *out = YAJL_GET_DOUBLE(v);
    return 0;
}

static int opt_bool(yajl_val obj, const char *key, int *out, const char *qname, char *err,
                    size_t errlen)
{
    yajl_val v = query_regression__json_get(obj, key);

    if (v == NULL)
        return 0;
    if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
        return fail(err, errlen, "query \"%s\": compare.%s must be true or false", qname, key);
    *out = YAJL_IS_TRUE(v);
    return 0;
}

static void query_free(query_regression_query *q)
{
    free(q->name);
    free(q->sql);
    for (size_t i = 0; i < q->ntags; i++)
        free(q->tags[i]);
    free(q->tags);
    for (size_t s = 0; s < q->nsets; s++) {
        for (int i = 0; q->param_sets[s] && i < q->nparams; i++)
            free(q->param_sets[s][i]);
        free(q->param_sets[s]);
    }
    free(q->param_sets);
}

static int parse_params(yajl_val params, query_regression_query *q, char *err, size_t errlen)
{
    size_t nsets;

    if (params == NULL)
        return 0;
    if (!YAJL_IS_ARRAY(params))
        return fail(err, errlen, "query \"%s\": \"params\" must be an array of parameter sets "
                    "(arrays)", q->name);
    nsets = params->u.array.len;
    if (nsets > GL_QR_MAX_PARAM_SETS)
        return fail(err, errlen, "query \"%s\": more than %d parameter sets", q->name,
                    GL_QR_MAX_PARAM_SETS);
    if (nsets == 0)
        return 0;
    q->param_sets = calloc(nsets, sizeof(*q->param_sets));
    if (q->param_sets == NULL)
        return fail(err, errlen, "out of memory");
    q->nsets = nsets;
    for (size_t s = 0; s < nsets; s++) {
        yajl_val set = params->u.array.values[s];
        size_t n;

        if (!YAJL_IS_ARRAY(set))
            return fail(err, errlen, "query \"%s\": parameter set %zu is not an array", q->name, s + 1);
        n = set->u.array.len;
        if (n > GL_QR_MAX_PARAMS)
            return fail(err, errlen, "query \"%s\": more than %d parameters", q->name, GL_QR_MAX_PARAMS);
        if (s == 0)
            q->nparams = (int)n;
        else if ((int)n != q->nparams)
            return fail(err, errlen, "query \"%s\": parameter set %zu has %zu values, the first "
                        "has %d: every set needs one value per $n", q->name, s + 1, n, q->nparams);
        q->param_sets[s] = calloc(n + 1, sizeof(char *));
        if (q->param_sets[s] == NULL)
            return fail(err, errlen, "out of memory");
        for (size_t i = 0; i < n; i++) {
            int rc = param_text(set->u.array.values[i], &q->param_sets[s][i]);
            if (rc < 0)
                return fail(err, errlen, "out of memory");
            if (rc > 0)
                return fail(err, errlen, "query \"%s\": parameter %zu of set %zu must be a string, "
                            "number, boolean or null", q->name, i + 1, s + 1);
        }
    }
    return 0;
}

static int parse_query(yajl_val obj, size_t index, query_regression_query *q, char *err, size_t errlen)
{
    yajl_val name = query_regression__json_get(obj, "name"), sql = query_regression__json_get(obj, "sql"),
             tags = query_regression__json_get(obj, "tags");
    yajl_val thr = query_regression__json_get(obj, "thresholds"),
             cmp = query_regression__json_get(obj, "compare");
    double samples = -1;

    q->effect_tolerance = q->confidence = q->min_effect_ms = q->noise_floor = -1;
    q->samples = -1;
    q->compare_results = q->compare_plan = 1;
    char path[64];
    yajl_val desc = query_regression__json_get(obj, "description");

    if (!YAJL_IS_OBJECT(obj))
        return fail(err, errlen, "queries[%zu] is not an object", index);
    snprintf(path, sizeof(path), "queries[%zu]", index);
    if (check_keys(obj, query_keys, path, err, errlen) != 0)
        return -1;
    if (desc != NULL && !YAJL_IS_STRING(desc))
        return fail(err, errlen, "queries[%zu].description must be a string", index);
    if (!YAJL_IS_STRING(name) || !valid_name(string_of(name)))
        return fail(err, errlen, "queries[%zu]: \"name\" must be 1-%d characters of "
                    "[A-Za-z0-9_.-]", index, GL_QR_MAX_NAME);
    q->name = strdup(string_of(name));
    if (q->name == NULL)
        return fail(err, errlen, "out of memory");
    if (!YAJL_IS_STRING(sql) || string_of(sql)[0] == '\0')
        return fail(err, errlen, "query \"%s\": \"sql\" must be a non-empty string", q->name);
    q->sql = strdup(string_of(sql));
    if (q->sql == NULL)
        return fail(err, errlen, "out of memory");
    if (tags != NULL) {
        if (!YAJL_IS_ARRAY(tags) || tags->u.array.len > 64)
            return fail(err, errlen, "query \"%s\": \"tags\" must be an array of at most 64 "
                        "strings", q->name);
        q->tags = calloc(tags->u.array.len + 1, sizeof(char *));
        if (q->tags == NULL)
            return fail(err, errlen, "out of memory");
        for (size_t i = 0; i < tags->u.array.len; i++) {
            if (!YAJL_IS_STRING(tags->u.array.values[i]))
                return fail(err, errlen, "query \"%s\": tag %zu is not a string", q->name, i + 1);
            q->tags[i] = strdup(string_of(tags->u.array.values[i]));
            if (q->tags[i] == NULL)
                return fail(err, errlen, "out of memory");
            q->ntags++;
        }
    }
    if (parse_params(query_regression__json_get(obj, "params"), q, err, errlen) != 0)
        return -1;
    if (thr != NULL && !YAJL_IS_OBJECT(thr))
        return fail(err, errlen, "query \"%s\": \"thresholds\" must be an object", q->name);
    snprintf(path, sizeof(path), "queries[%zu].thresholds", index);
    if (check_keys(thr, threshold_keys, path, err, errlen) != 0)
        return -1;
    if (opt_number(thr, "effect_tolerance", &q->effect_tolerance, path, err, errlen) ||
        opt_number(thr, "confidence", &q->confidence, path, err, errlen) ||
        opt_number(thr, "min_effect_ms", &q->min_effect_ms, path, err, errlen) ||
        opt_number(thr, "noise_floor", &q->noise_floor, path, err, errlen) ||
        opt_number(thr, "samples", &samples, path, err, errlen))
        return -1;
    if (samples > 0)
        q->samples = (int)samples;
    if (cmp != NULL && !YAJL_IS_OBJECT(cmp))
        return fail(err, errlen, "query \"%s\": \"compare\" must be an object", q->name);
    snprintf(path, sizeof(path), "queries[%zu].compare", index);
    if (check_keys(cmp, compare_keys, path, err, errlen) != 0)
        return -1;
    if (opt_bool(cmp, "results", &q->compare_results, q->name, err, errlen) ||
        opt_bool(cmp, "plan", &q->compare_plan, q->name, err, errlen))
        return -1;
    return 0;
}

void query_regression_workload_free(query_regression_workload *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->count; i++)
        query_free(&w->queries[i]);
    free(w->queries);
    free(w);
}

/* The workload's top level: an object of known keys, a string description,
 * the format when given. 0, or -1 with err. */
static int check_top(yajl_val root, char *err, size_t errlen)
{
    yajl_val format;

    if (!YAJL_IS_OBJECT(root))
        return fail(err, errlen, "workload must be a JSON object with \"queries\"");
    if (check_keys(root, top_keys, "", err, errlen) != 0)
        return -1;
    if (query_regression__json_get(root, "description") != NULL &&
        !YAJL_IS_STRING(query_regression__json_get(root, "description")))
        return fail(err, errlen, "description must be a string");
    format = query_regression__json_get(root, "format");
    if (format != NULL &&
        (!YAJL_IS_STRING(format) || strcmp(string_of(format), "greenlight-workload/1") != 0))
        return fail(err, errlen, "workload \"format\" must be \"greenlight-workload/1\"");
    return 0;
}

/* "queries" into w->queries, names unique. 0, or -1 with err (w->count
 * covers every query begun, so query_regression_workload_free frees them). */
static int parse_queries(yajl_val root, query_regression_workload *w, char *err, size_t errlen)
{
    yajl_val queries = query_regression__json_get(root, "queries");

    if (!YAJL_IS_ARRAY(queries))
        return fail(err, errlen, "workload must have \"queries\": an array of {name, sql}");
    if (queries->u.array.len > GL_QR_MAX_QUERIES)
        return fail(err, errlen, "workload has more than %d queries", GL_QR_MAX_QUERIES);
    if (queries->u.array.len > 0) {
        w->queries = calloc(queries->u.array.len, sizeof(*w->queries));
        if (w->queries == NULL)
            return fail(err, errlen, "out of memory");
    }
    for (size_t i = 0; i < queries->u.array.len; i++) {
        w->count++;     /* counted first so a half-parsed query is freed too */
        if (parse_query(queries->u.array.values[i], i, &w->queries[i], err, errlen) != 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(w->queries[j].name, w->queries[i].name) == 0)
                return fail(err, errlen, "query name \"%s\" is used twice", w->queries[i].name);
    }
    return 0;
}

int query_regression_workload_parse(const char *text, size_t len, query_regression_workload **out, char *err,
                                    size_t errlen)
{
    char *copy = NULL, yerr[256] = "";
    yajl_val root = NULL;
    query_regression_workload *w = NULL;
    int rc = -1;

    *out = NULL;
    if (len > GL_QR_MAX_WORKLOAD_BYTES) {
        fail(err, errlen, "workload too large (%zu bytes, limit %u)", len, GL_QR_MAX_WORKLOAD_BYTES);
        goto out;
    }
    /* yajl_tree wants a NUL-terminated buffer; an embedded NUL is invalid JSON. */
    if (memchr(text, '\0', len) != NULL) {
        fail(err, errlen, "workload is not JSON: it contains a NUL byte");
        goto out;
    }
    copy = malloc(len + 1);
    w = calloc(1, sizeof(*w));
    if (copy == NULL || w == NULL) {
        fail(err, errlen, "out of memory");
        goto out;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    root = yajl_tree_parse(copy, yerr, sizeof(yerr));
    if (root == NULL) {
        /* yajl's message spans lines; keep the first. */
        yerr[strcspn(yerr, "\n")] = '\0';
        fail(err, errlen, "workload is not valid JSON: %s", yerr[0] ? yerr : "parse error");
        goto out;
    }
    if (check_top(root, err, errlen) != 0 || parse_queries(root, w, err, errlen) != 0)
        goto out;
    *out = w;
    w = NULL;
    rc = 0;
out:
    query_regression_workload_free(w);
    yajl_tree_free(root);
    free(copy);
    return rc;
}

int query_regression_workload_load(const char *path, query_regression_workload **out, char *err,
                                   size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0;
    int rc = -1;
    char inner[512];

    *out = NULL;
    if (f == NULL) {
        fail(err, errlen, "cannot read workload %s: %s", path, strerror(errno));
        goto out;
    }
    buf = malloc(GL_QR_MAX_WORKLOAD_BYTES + 1);
    if (buf == NULL) {
        fail(err, errlen, "out of memory");
        goto out;
    }
    len = fread(buf, 1, GL_QR_MAX_WORKLOAD_BYTES + 1, f);
    if (ferror(f)) {
        fail(err, errlen, "cannot read workload %s: %s", path, strerror(errno));
        goto out;
    }
    if (query_regression_workload_parse(buf, len, out, inner, sizeof(inner)) != 0) {
        fail(err, errlen, "workload %s: %s", path, inner);
        goto out;
    }
    rc = 0;
out:
    if (f != NULL)
        fclose(f);
    free(buf);
    return rc;
}
