/*
 * filter.c — which objects the schema check looks at. Config keys (each an
 * array of patterns, or one string; fnmatch(3) globs, greenlight's one glob
 * dialect: '*' any run, '?' one byte, '[...]' a set, '\' quotes):
 *
 *   include_schemas  only these schemas (default: every non-system schema)
 *   exclude_schemas  never these schemas
 *   exclude_objects  never these objects, matched against the qualified name
 *                    (public.film, public.film.title, public.film_in_stock(integer, integer));
 *                    excluding a table also excludes its columns, constraints,
 *                    indexes, triggers and policies
 *
 * The same filter runs at collect (less to store) and at compare (so a
 * snapshot taken with a wider filter is narrowed the same way).
 */
#include "schema.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PATTERNS 10000

/* One glob dialect everywhere (waivers, parameters' ignore list,
 * query_regression's deny list, these filters): fnmatch(3), no flags. */
int schema_glob_match(const char *pattern, const char *text)
{
    return fnmatch(pattern, text, 0) == 0;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void schema_filter_free(schema_filter *f)
{
    free_list(f->include_schemas, f->n_include);
    free_list(f->exclude_schemas, f->n_exclude);
    free_list(f->exclude_objects, f->n_objects);
    memset(f, 0, sizeof(*f));
}

static int load_list(gl_ctx *ctx, const gl_host *host, const gl_value *config, const char *key,
                     char ***out, size_t *out_n)
{
    const gl_value *v = host->object_get(config, key);
    gl_value_kind kind = host->value_kind(v);
    size_t n;

    *out = NULL;
    *out_n = 0;
    if (v == NULL || kind == GL_VALUE_NULL)
        return 0;
    if (kind != GL_VALUE_ARRAY && kind != GL_VALUE_STRING)
        return host->set_error(ctx, "schema: config \"%s\" must be a pattern or an array of patterns",
                               key);
    n = kind == GL_VALUE_STRING ? 1 : host->value_len(v);
    if (n > MAX_PATTERNS)
        return host->set_error(ctx, "schema: config \"%s\" has more than %d patterns", key,
                               MAX_PATTERNS);
    if (n == 0)
        return 0;
    *out = calloc(n, sizeof(**out));
    if (*out == NULL)
        return host->set_error(ctx, "schema: out of memory reading config \"%s\"", key);
    for (size_t i = 0; i < n; i++) {
        const char *s = host->value_get_string(kind == GL_VALUE_STRING ? v : host->array_at(v, i));

        if (s == NULL)
            return host->set_error(ctx, "schema: config \"%s\" item %zu is not a string", key, i);
        (*out)[i] = strdup(s);
        if ((*out)[i] == NULL)
            return host->set_error(ctx, "schema: out of memory reading config \"%s\"", key);
        *out_n = i + 1;
    }
    return 0;
}

int schema_filter_load(gl_ctx *ctx, const gl_host *host, schema_filter *out)
{
    const gl_value *config = host->config(ctx);
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (load_list(ctx, host, config, "include_schemas", &out->include_schemas, &out->n_include) != 0 ||
        load_list(ctx, host, config, "exclude_schemas", &out->exclude_schemas, &out->n_exclude) != 0 ||
        load_list(ctx, host, config, "exclude_objects", &out->exclude_objects, &out->n_objects) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        schema_filter_free(out);
    return rc;
}

static int any_match(char *const *patterns, size_t n, const char *text)
{
    for (size_t i = 0; i < n; i++)
        if (schema_glob_match(patterns[i], text))
            return 1;
    return 0;
}

int schema_filter_excludes(const schema_filter *f, const char *schema, const char *identity,
                           const char *parent)
{
    if (f == NULL)
        return 0;
    if (schema != NULL) {
        if (f->n_include > 0 && !any_match(f->include_schemas, f->n_include, schema))
            return 1;
        if (any_match(f->exclude_schemas, f->n_exclude, schema))
            return 1;
    }
    if (any_match(f->exclude_objects, f->n_objects, identity))
        return 1;
    return parent != NULL && any_match(f->exclude_objects, f->n_objects, parent);
}
