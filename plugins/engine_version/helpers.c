/* helpers — see internal.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void gl_ev__text_add(gl_ev_text *t, const char *fmt, ...)
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
    if (t->len + (size_t)n + 4 > GL_EV_TEXT_MAX) {
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

const char *gl_ev__text_str(const gl_ev_text *t)
{
    return t->s != NULL ? t->s : "";
}

void gl_ev__text_free(gl_ev_text *t)
{
    free(t->s);
    memset(t, 0, sizeof(*t));
}

int gl_ev__emit(gl_ctx *ctx, const gl_host *host, const char *code, gl_severity sev,
                const char *object, gl_value *blue, gl_value *green, gl_value *details,
                const char *message)
{
    gl_finding f = { code, sev, object, blue, green, message, details };

    return host->emit(ctx, &f);
}

int gl_ev__nomem(gl_ctx *ctx, const gl_host *host, gl_value *a, gl_value *b, gl_value *c)
{
    host->value_free(a);
    host->value_free(b);
    host->value_free(c);
    return host->set_error(ctx, "engine_version: out of memory");
}

const char *gl_ev__get(const gl_host *host, const gl_value *obj, const char *key)
{
    return host->value_get_string(host->object_get(obj, key));
}

int gl_ev__set_str(const gl_host *host, gl_value *details, const char *key, const char *s)
{
    return host->object_set(details, key, host->value_string(s)) != 0 ? -1 : 0;
}

int gl_ev__collect_rows(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql,
                        gl_value *facts, const char *key)
{
    gl_value *rows = NULL;

    if (host->query_rows(ctx, side, sql, 0, NULL, &rows) != 0)
        return host->set_error(ctx, "engine_version: reading %s failed: %s", key,
                               host->last_error(ctx));
    if (host->object_set(facts, key, rows) != 0)
        return host->set_error(ctx, "engine_version: out of memory");
    return 0;
}

int gl_ev__read_version(gl_ctx *ctx, const gl_host *host, const gl_value *facts,
                        const char *side, gl_ev_version *v)
{
    int64_t num = host->value_get_int(host->object_get(facts, "server_version_num"));

    if (num <= 0 || num > 10000000 || gl_ev__version_from_num((int)num, v) != 0)
        return host->set_error(ctx, "engine_version: %s facts have no server_version_num; collect "
                               "them again with this plugin version", side);
    return 0;
}

int gl_ev__rows_have(const gl_host *host, const gl_value *rows, const char *key,
                     const char *value)
{
    for (size_t i = 0; i < host->value_len(rows); i++) {
        const char *s = gl_ev__get(host, host->array_at(rows, i), key);

        if (s != NULL && value != NULL && strcmp(s, value) == 0)
            return 1;
    }
    return 0;
}
