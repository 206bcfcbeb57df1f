/*
 * Safety, server half: an allow rule, not a deny list. Before anything runs,
 * every function a workload statement can call is resolved on each live side
 * against pg_proc, and the statement runs only when all of them are marked
 * immutable or stable by that server and none is in a denied family
 * (query_regression_denied_families: functions that change state or run SQL text while
 * marked stable). "Can call" covers, by name (all overloads visible on the
 * search_path, or in the named schema, so the check errs on refusing):
 *   - function calls, with an aggregate's support functions;
 *   - operators (the function behind each operator of that name);
 *   - cast targets (the type's input function and every cast function into it).
 * A name the server does not have is not refused here: the statement fails
 * when it runs (query_failed). One query per side for the whole workload: the
 * references travel as one JSON parameter (built with yajl_gen).
 *
 * Also reads the connected role, so compare can warn when it is a superuser.
 */
#include "qr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

static const char allow_sql[] =
    "WITH r AS (SELECT * FROM pg_catalog.json_to_recordset($1::pg_catalog.json) "
    "           AS r(i int, kind text, schema text, name text)), "
    "pat AS (SELECT pg_catalog.json_array_elements_text($2::pg_catalog.json) AS pattern), "
    "cand AS ("
    " SELECT r.i, p.oid AS fn FROM r JOIN pg_catalog.pg_proc p ON p.proname = r.name"
    "  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
    "  WHERE r.kind = 'function' AND CASE WHEN r.schema IS NULL"
    "   THEN n.nspname = ANY (pg_catalog.current_schemas(true)) ELSE n.nspname = r.schema END"
    " UNION ALL"
    " SELECT r.i, x.fn FROM r JOIN pg_catalog.pg_proc p ON p.proname = r.name"
    "  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
    "  JOIN pg_catalog.pg_aggregate a ON a.aggfnoid::oid = p.oid"
    "  CROSS JOIN LATERAL (VALUES (a.aggtransfn::oid), (a.aggfinalfn::oid), (a.aggcombinefn::oid),"
    "   (a.aggserialfn::oid), (a.aggdeserialfn::oid), (a.aggmtransfn::oid), (a.aggminvtransfn::oid),"
    "   (a.aggmfinalfn::oid)) AS x(fn)"
    "  WHERE r.kind = 'function' AND x.fn <> 0 AND CASE WHEN r.schema IS NULL"
    "   THEN n.nspname = ANY (pg_catalog.current_schemas(true)) ELSE n.nspname = r.schema END"
    " UNION ALL"
    " SELECT r.i, o.oprcode::oid FROM r JOIN pg_catalog.pg_operator o ON o.oprname = r.name"
    "  JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace"
    "  WHERE r.kind = 'operator' AND CASE WHEN r.schema IS NULL"
    "   THEN n.nspname = ANY (pg_catalog.current_schemas(true)) ELSE n.nspname = r.schema END"
    " UNION ALL"
    " SELECT r.i, f.fn FROM r"
    "  JOIN pg_catalog.pg_type t ON t.oid = pg_catalog.to_regtype(CASE WHEN r.schema IS NULL"
    "   THEN pg_catalog.quote_ident(r.name)"
    "   ELSE pg_catalog.quote_ident(r.schema) || '.' || pg_catalog.quote_ident(r.name) END)"
    "  CROSS JOIN LATERAL (SELECT t.typinput::oid UNION ALL SELECT c.castfunc FROM pg_catalog.pg_cast c"
    "   WHERE c.casttarget = t.oid AND c.castfunc <> 0) AS f(fn)"
    "  WHERE r.kind = 'type') "
    "SELECT r.i, pg_catalog.count(p.oid), "
    " pg_catalog.min(p.oid::pg_catalog.regprocedure::text) FILTER (WHERE p.provolatile = 'v'), "
    " pg_catalog.min(p.oid::pg_catalog.regprocedure::text)"
    "  FILTER (WHERE p.proname LIKE ANY (SELECT pattern FROM pat)) "
    "FROM r LEFT JOIN cand c ON c.i = r.i LEFT JOIN pg_catalog.pg_proc p ON p.oid = c.fn "
    "GROUP BY r.i ORDER BY r.i";

/* What the server says of one reference. */
typedef struct verdict {
    char *volatile_fn;   /* a function it resolves to that is volatile, or NULL */
    char *family_fn;     /* one in a denied family, or NULL */
} verdict;

typedef struct acc {
    verdict *v;
    size_t n;
    int failed;
} acc;

static int take(void *ud, int ncols, const char *const *names, const char *const *values,
                const int *is_null)
{
    acc *a = ud;
    long i;

    (void)names;
    if (ncols < 4 || is_null[0])
        return 0;
    i = strtol(values[0], NULL, 10);
    if (i < 0 || (size_t)i >= a->n)
        return 0;
    if (!is_null[2] && (a->v[i].volatile_fn = strdup(values[2])) == NULL)
        a->failed = 1;
    if (!is_null[3] && (a->v[i].family_fn = strdup(values[3])) == NULL)
        a->failed = 1;
    return a->failed;
}

/* The references as JSON [{i, kind, schema, name}] and the families as LIKE patterns. */
static int params_json(const query_regression_refs *refs, char **out_refs, char **out_patterns)
{
    static const char *const kinds[] = {"function", "operator", "type"};
    yajl_gen g = NULL;
    const unsigned char *buf;
    size_t len;
    int rc = -1;

    *out_refs = *out_patterns = NULL;
    for (int pass = 0; pass < 2; pass++) {
        g = yajl_gen_alloc(NULL);
        if (g == NULL || yajl_gen_array_open(g) != yajl_gen_status_ok)
            goto out;
        for (size_t i = 0; pass == 0 && i < refs->count; i++) {
            const query_regression_ref *r = &refs->items[i];
            if (yajl_gen_map_open(g) || yajl_gen_string(g, (const unsigned char *)"i", 1) ||
                yajl_gen_integer(g, (long long)i) || yajl_gen_string(g, (const unsigned char *)"kind", 4) ||
                yajl_gen_string(g, (const unsigned char *)kinds[r->kind], strlen(kinds[r->kind])) ||
                yajl_gen_string(g, (const unsigned char *)"schema", 6) ||
                (r->schema ? yajl_gen_string(g, (const unsigned char *)r->schema, strlen(r->schema))
                           : yajl_gen_null(g)) ||
                yajl_gen_string(g, (const unsigned char *)"name", 4) ||
                yajl_gen_string(g, (const unsigned char *)r->name, strlen(r->name)) || yajl_gen_map_close(g))
                goto out;
        }
        for (const char *const *f = query_regression_denied_families; pass == 1 && *f; f++) {
            char like[128];
            size_t k = 0;
            /* fnmatch '*' is LIKE '%'; a literal '_' is escaped (LIKE's default escape is \). */
            for (const char *c = *f; *c && k + 3 < sizeof(like); c++) {
                if (*c == '_')
                    like[k++] = '\\';
                like[k++] = *c == '*' ? '%' : *c;
            }
            like[k] = '\0';
            if (yajl_gen_string(g, (const unsigned char *)like, k) != yajl_gen_status_ok)
                goto out;
        }
        if (yajl_gen_array_close(g) != yajl_gen_status_ok ||
            yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
            goto out;
        char *copy = malloc(len + 1);
        if (copy == NULL)
            goto out;
        memcpy(copy, buf, len);
        copy[len] = '\0';
        *(pass == 0 ? out_refs : out_patterns) = copy;
        yajl_gen_free(g);
        g = NULL;
    }
    rc = 0;
out:
    if (g != NULL)
        yajl_gen_free(g);
    if (rc != 0) {
        free(*out_refs);
        free(*out_patterns);
        *out_refs = *out_patterns = NULL;
    }
    return rc;
}

static void describe(const query_regression_ref *r, const verdict *v, const char *side, char *out, size_t len)
{
    static const char *const verb[] = {"it calls", "it uses operator", "it casts to"};
    static const char *const whose[] = {"that is", "its function is",
                                        "its input or a cast function is"};

    snprintf(out, len, "%s %s%s%s%s: on %s %s %s, %s", verb[r->kind], r->schema ? r->schema : "",
             r->schema ? "." : "", r->name, r->kind == GL_QR_REF_FUNCTION ? "()" : "", side,
             whose[r->kind], v->family_fn ? v->family_fn : v->volatile_fn,
             v->family_fn ? "one of the functions that change server state or run SQL text the "
                            "check cannot see"
                          : "marked volatile (it may change state); only functions the server "
                            "marks immutable or stable may run");
}

/* Each statement's own references into per[i], then their union into *all
 * (borrowed pointers: free(all->items) only). A statement that does not
 * parse was refused by the parser check already. 0, or -1 out of memory. */
static int union_refs(const char *const *sqls, size_t n, query_regression_refs *per,
                      query_regression_refs *all)
{
    for (size_t i = 0; i < n; i++) {
        if (sqls[i] == NULL)
            continue;
        if (query_regression_references(sqls[i], &per[i]) != 0) {
            query_regression_refs_free(&per[i]);
            continue;
        }
        for (size_t k = 0; k < per[i].count; k++) {
            int seen = 0;
            for (size_t j = 0; j < all->count && !seen; j++)
                seen = query_regression_ref_equal(&all->items[j], &per[i].items[k]);
            if (seen)
                continue;
            if (query_regression_refs_reserve(all) != 0)
                return -1;
            all->items[all->count++] = per[i].items[k];
        }
    }
    return 0;
}

/* reasons[i]: why statement i may not be measured (its first reference the
 * server found volatile or of a refused family), or NULL. 0, or -1 out of
 * memory. */
static int give_reasons(const query_regression_refs *per, size_t n,
                        const query_regression_refs *all, const acc *a, const char *side_name,
                        char **reasons)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < per[i].count && reasons[i] == NULL; k++) {
            const query_regression_ref *y = &per[i].items[k];
            for (size_t j = 0; j < all->count; j++) {
                char text[600];
                if (!query_regression_ref_equal(&all->items[j], y))
                    continue;
                if (a->v[j].volatile_fn == NULL && a->v[j].family_fn == NULL)
                    break;
                describe(y, &a->v[j], side_name, text, sizeof(text));
                reasons[i] = strdup(text);
                if (reasons[i] == NULL)
                    return -1;
                break;
            }
        }
    }
    return 0;
}

int query_regression__allow_check(gl_ctx *ctx, const gl_host *host, gl_side side, const char *const *sqls,
                                  size_t n, char **reasons)
{
    const char *side_name = side == GL_SIDE_BLUE ? "blue" : "green";
    query_regression_refs *per = calloc(n ? n : 1, sizeof(*per));
    query_regression_refs all = {0};
    acc a = {NULL, 0, 0};
    char *refs_json = NULL, *patterns_json = NULL;
    int rc = -1;

    for (size_t i = 0; i < n; i++)
        reasons[i] = NULL;
    if (per == NULL) {
        host->set_error(ctx, "out of memory");
        goto out;
    }
    if (union_refs(sqls, n, per, &all) != 0) {
        host->set_error(ctx, "out of memory");
        goto out;
    }
    if (all.count == 0) {
        rc = 0;
        goto out;
    }
    a.n = all.count;
    a.v = calloc(a.n, sizeof(*a.v));
    if (a.v == NULL || params_json(&all, &refs_json, &patterns_json) != 0) {
        host->set_error(ctx, "out of memory");
        goto out;
    }
    {
        const char *params[2] = {refs_json, patterns_json};
        if (host->query(ctx, side, allow_sql, 2, params, take, &a) != 0) {
            if (a.failed)
                host->set_error(ctx, "out of memory");
            else
                host->set_error(ctx, "query_regression: the functions the workload calls could "
                                "not be checked on %s: %s", side_name,
                                GL_HOST_HAS(host, last_error) ? host->last_error(ctx)
                                                              : "query failed");
            goto out;
        }
    }
    if (give_reasons(per, n, &all, &a, side_name, reasons) != 0) {
        host->set_error(ctx, "out of memory");
        goto out;
    }
    rc = 0;
out:
    for (size_t i = 0; per != NULL && i < n; i++)
        query_regression_refs_free(&per[i]);
    free(per);
    free(all.items);
    for (size_t j = 0; a.v != NULL && j < a.n; j++) {
        free(a.v[j].volatile_fn);
        free(a.v[j].family_fn);
    }
    free(a.v);
    free(refs_json);
    free(patterns_json);
    if (rc != 0)
        for (size_t i = 0; i < n; i++) {
            free(reasons[i]);
            reasons[i] = NULL;
        }
    return rc;
}

int query_regression__role(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out)
{
    gl_value *rows = NULL;

    *out = NULL;
    if (host->query_rows(ctx, side,
                         "SELECT current_user::text AS name, rolsuper::text AS superuser "
                         "FROM pg_catalog.pg_roles WHERE rolname = current_user",
                         0, NULL, &rows) != 0)
        return -1;
    if (host->value_len(rows) == 1) {
        const gl_value *row = host->array_at(rows, 0);
        gl_value *o = host->value_object();
        if (o == NULL ||
            host->object_set(o, "name", host->value_copy(host->object_get(row, "name"))) != 0 ||
            host->object_set(o, "superuser",
                             host->value_bool(host->value_get_string(host->object_get(row, "superuser")) != NULL &&
                                              strcmp(host->value_get_string(host->object_get(row, "superuser")), "true") == 0)) != 0) {
            host->value_free(o);
            host->value_free(rows);
            return host->set_error(ctx, "out of memory");
        }
        *out = o;
    }
    host->value_free(rows);
    return 0;
}
