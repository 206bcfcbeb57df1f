#define _GNU_SOURCE /* timegm */
#include "input/shape.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "value/value.h"

#define GL_SHAPE_PATH_MAX 512
#define GL_SHAPE_WORD_MAX 64

typedef struct walk {
    const char *file;
    gl_error *err;
    char path[GL_SHAPE_PATH_MAX];
} walk;

static unsigned kind_bit(const gl_value *v)
{
    switch (gl_value_kind_of(v)) {
    case GL_VALUE_NULL: return GL_SHAPE_NULL;
    case GL_VALUE_BOOL: return GL_SHAPE_BOOL;
    case GL_VALUE_INT: return GL_SHAPE_INT | GL_SHAPE_NUMBER;
    case GL_VALUE_NUMBER: return GL_SHAPE_NUMBER;
    case GL_VALUE_STRING: return GL_SHAPE_STRING;
    case GL_VALUE_ARRAY: return GL_SHAPE_ARRAY;
    case GL_VALUE_OBJECT: return GL_SHAPE_OBJECT;
    }
    return 0;
}

static const char *kind_name(const gl_value *v)
{
    switch (gl_value_kind_of(v)) {
    case GL_VALUE_NULL: return "null";
    case GL_VALUE_BOOL: return "a boolean";
    case GL_VALUE_INT: return "an integer";
    case GL_VALUE_NUMBER: return "a number";
    case GL_VALUE_STRING: return "a string";
    case GL_VALUE_ARRAY: return "an array";
    case GL_VALUE_OBJECT: return "an object";
    }
    return "a value";
}

/* "a string or null" from the kind bits. */
static void expected_kinds(unsigned kinds, char *buf, size_t len)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        {GL_SHAPE_OBJECT, "an object"}, {GL_SHAPE_ARRAY, "an array"}, {GL_SHAPE_STRING, "a string"},
        {GL_SHAPE_NUMBER, "a number"},  {GL_SHAPE_INT, "an integer"}, {GL_SHAPE_BOOL, "true or false"},
        {GL_SHAPE_NULL, "null"},
    };
    const char *picked[8];
    size_t n = 0, used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if ((kinds & names[i].bit) && !(names[i].bit == GL_SHAPE_INT && (kinds & GL_SHAPE_NUMBER)))
            picked[n++] = names[i].name;
    for (size_t i = 0; i < n; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? (n > 2 ? ", or " : " or ") : ", ";
        int w = snprintf(buf + used, len - used, "%s%s", sep, picked[i]);
        if (w < 0 || (size_t)w >= len - used)
            return;
        used += (size_t)w;
    }
}

static int fail(walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(walk *w, const char *fmt, ...)
{
    char what[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return gl_error_set(w->err, GL_ERR_USAGE, "%s: %s: %s", w->file, w->path, what);
}

/* Appends ".key" (or ["key"] when the key is not a plain word) to the path;
 * returns the old length so the caller can cut it back. */
static size_t path_push_key(walk *w, const char *key)
{
    size_t old = strlen(w->path), used = old;
    int plain = key[0] != '\0';

    for (const char *c = key; *c && plain; c++)
        plain = isalnum((unsigned char)*c) || *c == '_' || *c == '-';
    if (plain) {
        snprintf(w->path + used, sizeof(w->path) - used, ".%s", key);
        return old;
    }
    used += (size_t)snprintf(w->path + used, sizeof(w->path) - used, "[\"");
    for (const char *c = key; *c && used + 8 < sizeof(w->path); c++) {
        unsigned char ch = (unsigned char)*c;
        if (ch < 0x20 || ch == '"' || ch == '\\' || ch >= 0x7f)
            used += (size_t)snprintf(w->path + used, sizeof(w->path) - used, "\\x%02x", ch);
        else
            w->path[used++] = (char)ch;
    }
    if (used < sizeof(w->path))
        snprintf(w->path + used, sizeof(w->path) - used, "\"]");
    return old;
}

static size_t path_push_index(walk *w, size_t i)
{
    size_t old = strlen(w->path);

    snprintf(w->path + old, sizeof(w->path) - old, "[%zu]", i);
    return old;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[GL_SHAPE_WORD_MAX + 1];

    if (la > GL_SHAPE_WORD_MAX || lb > GL_SHAPE_WORD_MAX)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
            size_t best = diag + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *gl_shape_suggest(const char *word, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1, limit;

    if (word == NULL)
        return NULL;
    limit = strlen(word) / 3 + 1;
    if (limit > 3)
        limit = 3;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, candidates[i]);
        if (d <= limit && d < best_d) {
            best = candidates[i];
            best_d = d;
        }
    }
    return best;
}

static int check_value(walk *w, const gl_value *v, const gl_shape *s);

static int check_object(walk *w, const gl_value *v, const gl_shape *s)
{
    const char *names[64];
    size_t n_names = 0;

    for (const gl_shape_member *m = s->members; m && m->key; m++)
        if (n_names < sizeof(names) / sizeof(names[0]))
            names[n_names++] = m->key;
    for (size_t i = 0; i < gl_value_len(v); i++) {
        const char *key = gl_value_object_key_at(v, i);
        const gl_shape *member = s->other_members;
        size_t old;
        int rc;

        for (const gl_shape_member *m = s->members; m && m->key; m++)
            if (strcmp(m->key, key) == 0)
                member = m->shape;
        old = path_push_key(w, key);
        if (member == NULL) {
            const char *near = gl_shape_suggest(key, names, n_names);
            char known[512] = "";
            size_t used = 0;
            for (size_t k = 0; k < n_names && used < sizeof(known); k++) {
                int wr = snprintf(known + used, sizeof(known) - used, "%s%s", k ? ", " : "", names[k]);
                if (wr < 0)
                    break;
                used += (size_t)wr;
            }
            if (near != NULL)
                rc = fail(w, "unknown member (did you mean \"%s\"?)", near);
            else if (n_names > 0)
                rc = fail(w, "unknown member (known: %s)", known);
            else
                rc = fail(w, "unknown member: this object takes no members");
        } else {
            rc = check_value(w, gl_value_object_value_at(v, i), member);
        }
        if (rc != 0)
            return rc;
        w->path[old] = '\0';
    }
    for (const gl_shape_member *m = s->members; m && m->key; m++)
        if (m->required && gl_value_object_get(v, m->key) == NULL)
            return fail(w, "missing required member \"%s\"", m->key);
    return 0;
}

static int check_value(walk *w, const gl_value *v, const gl_shape *s)
{
    char buf[256];

    if (!(kind_bit(v) & s->kinds)) {
        expected_kinds(s->kinds, buf, sizeof(buf));
        return fail(w, "expected %s, got %s", buf, kind_name(v));
    }
    switch (gl_value_kind_of(v)) {
    case GL_VALUE_STRING:
        if (gl_value_string_length(v) < s->min_length)
            return fail(w, "must not be empty");
        if (s->one_of != NULL) {
            const char *str = gl_value_get_string(v);
            size_t n = 0;
            char list[512] = "";
            size_t used = 0;
            for (; s->one_of[n]; n++) {
                if (strcmp(s->one_of[n], str) == 0)
                    break;
                int wr = snprintf(list + used, sizeof(list) - used, "%s\"%s\"", n ? ", " : "", s->one_of[n]);
                if (wr > 0 && (size_t)wr < sizeof(list) - used)
                    used += (size_t)wr;
            }
            if (s->one_of[n] == NULL) {
                const char *near = gl_shape_suggest(str, s->one_of, n);
                if (near != NULL)
                    return fail(w, "unknown value (did you mean \"%s\"?)", near);
                return fail(w, "must be one of %s", list);
            }
        }
        break;
    case GL_VALUE_ARRAY:
        if (gl_value_len(v) < s->min_length)
            return fail(w, "must not be empty");
        for (size_t i = 0; s->items && i < gl_value_len(v); i++) {
            size_t old = path_push_index(w, i);
            if (check_value(w, gl_value_array_at(v, i), s->items) != 0)
                return -1;
            w->path[old] = '\0';
        }
        break;
    case GL_VALUE_OBJECT:
        if (s->members != NULL || s->other_members != NULL) {
            if (check_object(w, v, s) != 0)
                return -1;
        }
        break;
    default:
        break;
    }
    if (s->rule != NULL && s->rule(v, buf, sizeof(buf)) != 0)
        return fail(w, "%s", buf);
    return 0;
}

int gl_shape_check(const gl_value *v, const gl_shape *shape, const char *file, gl_error *err)
{
    walk w;

    w.file = file;
    w.err = err;
    snprintf(w.path, sizeof(w.path), "$");
    return check_value(&w, v, shape);
}

int gl_shape_rule_date(const gl_value *v, char *why, size_t len)
{
    const char *s = gl_value_get_string(v);
    struct tm tm;
    int y, m, d;

    if (s == NULL)
        return 0;
    for (int i = 0; i < 10; i++) {
        int digit = i != 4 && i != 7;
        if (s[i] == '\0' || (digit ? !isdigit((unsigned char)s[i]) : s[i] != '-'))
            goto bad;
    }
    if (s[10] != '\0' || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
        goto bad;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = 12;
    if (timegm(&tm) == (time_t)-1 || tm.tm_year != y - 1900 || tm.tm_mon != m - 1 || tm.tm_mday != d)
        goto bad;
    return 0;
bad:
    snprintf(why, len, "must be a calendar date YYYY-MM-DD, got \"%.40s\"", s);
    return -1;
}
