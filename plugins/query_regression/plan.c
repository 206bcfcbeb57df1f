/*
 * Plan shape: EXPLAIN (FORMAT JSON, VERBOSE) reduced to what changes when the
 * planner changes its mind, and nothing that changes from run to run or from
 * one server version to the next.
 *
 * Kept per node: Node Type (prefixed "Parallel" when parallel-aware), Join
 * Type, Strategy (aggregates, set operations), Partial Mode, Command (set
 * operations), Scan Direction when Backward, Schema.Relation Name, Index Name,
 * CTE Name, Function Name, Parent Relationship, and the subplan role
 * ("InitPlan 1": PostgreSQL 15 writes "InitPlan 1 (returns $0)", 17 writes
 * "InitPlan 1", so the parenthesised tail is dropped). Dropped: costs, row
 * estimates, widths, output lists, conditions, aliases, Async Capable,
 * Disabled, and every other key.
 */
#include "qr.h"
#include "json_get.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#define MAX_SHAPE_BYTES (1024u * 1024u)
#define MAX_DEPTH 200

typedef struct shape_buf {
    char *data;
    size_t len, cap;
    int failed;
    char **rels;
    size_t nrel, relcap;
} shape_buf;

static void append(shape_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(shape_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->failed)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || b->len + (size_t)n + 1 > MAX_SHAPE_BYTES) {
        b->failed = 1;
        return;
    }
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        p = realloc(b->data, cap);
        if (p == NULL) {
            b->failed = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static const char *str(yajl_val obj, const char *key)
{
    yajl_val v = query_regression__json_get(obj, key);
    return YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

static void add_relation(shape_buf *b, const char *schema, const char *rel)
{
    char *name;
    size_t n;

    if (b->failed)
        return;
    n = strlen(schema) + strlen(rel) + 2;
    name = malloc(n);
    if (name == NULL) {
        b->failed = 1;
        return;
    }
    snprintf(name, n, "%s.%s", schema, rel);
    for (size_t i = 0; i < b->nrel; i++)
        if (strcmp(b->rels[i], name) == 0) {
            free(name);
            return;
        }
    if (b->nrel == b->relcap) {
        size_t cap = b->relcap ? b->relcap * 2 : 8;
        char **p = realloc(b->rels, cap * sizeof(char *));
        if (p == NULL) {
            free(name);
            b->failed = 1;
            return;
        }
        b->rels = p;
        b->relcap = cap;
    }
    b->rels[b->nrel++] = name;
}

static void node(shape_buf *b, yajl_val n, int depth)
{
    const char *type = str(n, "Node Type"), *sub = str(n, "Subplan Name");
    const char *rel = str(n, "Relation Name"), *schema = str(n, "Schema");
    const char *dir = str(n, "Scan Direction");
    static const char *const plain[][2] = {
        {"Join Type", "join"}, {"Strategy", "strategy"}, {"Partial Mode", "partial"},
        {"Command", "command"}, {"Index Name", "index"}, {"CTE Name", "cte"},
        {"Function Name", "function"}, {"Parent Relationship", "parent"},
    };
    yajl_val plans, par;

    if (b->failed)
        return;
    if (depth > MAX_DEPTH) {
        b->failed = 1;
        return;
    }
    append(b, "%*s", depth * 2, "");
    par = query_regression__json_get(n, "Parallel Aware");
    append(b, "%s%s", YAJL_IS_TRUE(par) ? "Parallel " : "", type ? type : "?");
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        const char *v = str(n, plain[i][0]);
        if (v != NULL)
            append(b, " %s=%s", plain[i][1], v);
    }
    if (dir != NULL && strcmp(dir, "Backward") == 0)
        append(b, " direction=backward");
    if (rel != NULL) {
        append(b, " relation=%s%s%s", schema ? schema : "", schema ? "." : "", rel);
        add_relation(b, schema ? schema : "public", rel);
    }
    if (sub != NULL)
        append(b, " subplan=%.*s", (int)strcspn(sub, "("), sub);
    /* strcspn keeps a trailing space before "(": trim it for 15/17 equality. */
    if (sub != NULL && !b->failed && b->len > 0 && b->data[b->len - 1] == ' ')
        b->data[--b->len] = '\0';
    append(b, "\n");
    plans = query_regression__json_get(n, "Plans");
    if (YAJL_IS_ARRAY(plans))
        for (size_t i = 0; i < plans->u.array.len; i++)
            node(b, plans->u.array.values[i], depth + 1);
}

int query_regression_plan_shape(const char *explain_json, char **out_shape, double *out_total_cost,
                                char ***out_relations, size_t *out_nrel, char *err, size_t errlen)
{
    shape_buf b = {0};
    char yerr[256] = "";
    yajl_val root = yajl_tree_parse(explain_json, yerr, sizeof(yerr)), top, plan, cost;
    int rc = -1;

    *out_shape = NULL;
    *out_relations = NULL;
    *out_nrel = 0;
    *out_total_cost = 0;
    if (root == NULL) {
        yerr[strcspn(yerr, "\n")] = '\0';
        snprintf(err, errlen, "EXPLAIN output is not JSON: %s", yerr);
        goto out;
    }
    top = YAJL_IS_ARRAY(root) && root->u.array.len > 0 ? root->u.array.values[0] : NULL;
    plan = query_regression__json_get(top, "Plan");
    if (!YAJL_IS_OBJECT(plan)) {
        snprintf(err, errlen, "EXPLAIN output has no \"Plan\"");
        goto out;
    }
    cost = query_regression__json_get(plan, "Total Cost");
    if (YAJL_IS_NUMBER(cost))
        *out_total_cost = YAJL_GET_DOUBLE(cost);
    node(&b, plan, 0);
    if (b.failed || b.data == NULL) {
        snprintf(err, errlen, "plan too large or out of memory");
        goto out;
    }
    *out_shape = b.data;
    b.data = NULL;
    *out_relations = b.rels;
    *out_nrel = b.nrel;
    b.rels = NULL;
    b.nrel = 0;
    rc = 0;
out:
    free(b.data);
    for (size_t i = 0; i < b.nrel; i++)
        free(b.rels[i]);
    free(b.rels);
    yajl_tree_free(root);
    return rc;
}
