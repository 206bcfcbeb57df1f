/* helpers — see internal.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void engine_version_text_add(engine_version_text *t, const char *fmt, ...)
{
    va_list ap;
    int n;
    size_t need;

    if (t->failed || t->truncated)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    /* past the cap only "..." is added, once: keep room for it */
    if (t->len + (size_t)n + 4 > ENGINE_VERSION_TEXT_MAX) {
        t->truncated = 1;
        n = 3;
    }
    need = t->len + (size_t)n + 1;
    if (need > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        char *p;

        while (cap < need)
            cap *= 2;
        p = realloc(t->s, cap);
        if (p == NULL) {
            t->failed = 1;
            return;
        }
        t->s = p;
        t->cap = cap;
    }
    if (t->truncated) {
        memcpy(t->s + t->len, "...", 4);
    } else {
        va_start(ap, fmt);
        vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
    }
    t->len += (size_t)n;
}

const char *engine_version_text_str(const engine_version_text *t)
{
    return t->s != NULL ? t->s : "";
}

void engine_version_text_free(engine_version_text *t)
{
    free(t->s);
    memset(t, 0, sizeof(*t));
}

int engine_version_nomem(gl_ctx *ctx, const gl_host *host, gl_value *a, gl_value *b, gl_value *c)
{
    return gl_plugin_nomem(ctx, host, "engine_version", a, b, c);
}

const char *engine_version_get(const gl_host *host, const gl_value *obj, const char *key)
{
    return host->value_get_string(host->object_get(obj, key));
}

int engine_version_set_str(const gl_host *host, gl_value *details, const char *key, const char *s)
{
    return host->object_set(details, key, host->value_string(s)) != 0 ? -1 : 0;
}

int engine_version_collect_rows(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql,
                        gl_value *facts, const char *key)
{
    gl_value *rows = NULL;

    if (host->query_rows(ctx, side, sql, 0, NULL, &rows) != 0)
        return host->set_error(ctx, "engine_version: reading %s failed: %s", key,
                               gl_plugin_last_error(ctx, host));
    if (host->object_set(facts, key, rows) != 0)
        return host->set_error(ctx, "engine_version: out of memory");
    return 0;
}

int engine_version_read_version(gl_ctx *ctx, const gl_host *host, const gl_value *facts,
                        const char *side, engine_version_version *v)
{
    int64_t num = host->value_get_int(host->object_get(facts, "server_version_num"));

    if (num <= 0 || num > 10000000 || engine_version_version_from_num((int)num, v) != 0)
        return host->set_error(ctx, "engine_version: %s facts have no server_version_num; collect "
                               "them again with this plugin version", side);
    return 0;
}

int engine_version_rows_have(const gl_host *host, const gl_value *rows, const char *key,
                     const char *value)
{
    for (size_t i = 0; i < host->value_len(rows); i++) {
        const char *s = engine_version_get(host, host->array_at(rows, i), key);

        if (s != NULL && value != NULL && strcmp(s, value) == 0)
            return 1;
    }
    return 0;
}
