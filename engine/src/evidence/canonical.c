/*
 * RFC 8785 JSON Canonicalization Scheme through yajl: object members sorted
 * by their UTF-16 code units (3.2.3), numbers in ECMAScript's
 * Number.prototype.toString form (3.2.2.3), strings with only the escapes
 * JSON requires and lowercase \u00xx (3.2.2.2; yajl writes uppercase, so
 * those are lowered after), no whitespace. Integers beyond 2^53 are written
 * as their double, as the RFC's I-JSON model reads them.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "evidence/evidence.h"
#include "value/value.h"

/* Next UTF-16 code unit of a UTF-8 string; *pending holds a low surrogate. */
static unsigned next_unit(const unsigned char **p, unsigned *pending)
{
    unsigned cp;
    const unsigned char *s = *p;

    if (*pending) {
        unsigned u = *pending;
        *pending = 0;
        return u;
    }
    if (s[0] < 0x80) {
        cp = s[0];
        *p = s + 1;
    } else if ((s[0] & 0xe0) == 0xc0 && s[1]) {
        cp = ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
        *p = s + 2;
    } else if ((s[0] & 0xf0) == 0xe0 && s[1] && s[2]) {
        cp = ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
        *p = s + 3;
    } else if (s[1] && s[2] && s[3]) {
        cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) | (s[3] & 0x3fu);
        *p = s + 4;
    } else {
        cp = s[0];
        *p = s + 1;
    }
    if (cp >= 0x10000) {
        cp -= 0x10000;
        *pending = 0xdc00 + (cp & 0x3ff);
        return 0xd800 + (cp >> 10);
    }
    return cp;
}

static int utf16_cmp(const char *a, const char *b)
{
    const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;
    unsigned qa = 0, qb = 0;

    for (;;) {
        int enda = *pa == '\0' && qa == 0, endb = *pb == '\0' && qb == 0;
        if (enda || endb)
            return enda && endb ? 0 : (enda ? -1 : 1);
        unsigned ua = next_unit(&pa, &qa), ub = next_unit(&pb, &qb);
        if (ua != ub)
            return ua < ub ? -1 : 1;
    }
}

static const gl_value *sort_object;
static int key_order(const void *x, const void *y)
{
    return utf16_cmp(gl_value_object_key_at(sort_object, *(const size_t *)x),
                     gl_value_object_key_at(sort_object, *(const size_t *)y));
}

/* ECMAScript Number::toString for a finite double (RFC 8785 3.2.2.3). */
static void es_number(double d, char *out, size_t len)
{
    char digits[32], buf[40];
    int exp10 = 0, n = 0, k;

    if (d == 0) {
        snprintf(out, len, "0");
        return;
    }
    /* Shortest round-tripping digits. */
    for (k = 1; k <= 17; k++) {
        snprintf(buf, sizeof(buf), "%.*e", k - 1, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    {
        const char *p = buf;
        if (*p == '-')
            p++;
        for (; *p && *p != 'e'; p++)
            if (*p >= '0' && *p <= '9')
                digits[n++] = *p;
        digits[n] = '\0';
        exp10 = atoi(p + 1);
    }
    while (n > 1 && digits[n - 1] == '0')
        digits[--n] = '\0';
    {
        int e = exp10 + 1; /* decimal point position, ES's n */
        size_t o = 0;
        char res[64];
        if (d < 0)
            res[o++] = '-';
        if (n <= e && e <= 21) {
            memcpy(res + o, digits, (size_t)n);
            o += (size_t)n;
            for (int i = n; i < e; i++)
                res[o++] = '0';
        } else if (0 < e && e <= 21) {
            memcpy(res + o, digits, (size_t)e);
            o += (size_t)e;
            res[o++] = '.';
            memcpy(res + o, digits + e, (size_t)(n - e));
            o += (size_t)(n - e);
        } else if (-6 < e && e <= 0) {
            res[o++] = '0';
            res[o++] = '.';
            for (int i = 0; i < -e; i++)
                res[o++] = '0';
            memcpy(res + o, digits, (size_t)n);
            o += (size_t)n;
        } else {
            res[o++] = digits[0];
            if (n > 1) {
                res[o++] = '.';
                memcpy(res + o, digits + 1, (size_t)(n - 1));
                o += (size_t)(n - 1);
            }
            o += (size_t)snprintf(res + o, sizeof(res) - o, "e%c%d", e - 1 >= 0 ? '+' : '-', abs(e - 1));
        }
        res[o] = '\0';
        snprintf(out, len, "%s", res);
    }
}

static int gen(yajl_gen g, const gl_value *v)
{
    char num[64];

    switch (gl_value_kind_of(v)) {
    case GL_VALUE_NULL: return yajl_gen_null(g) == yajl_gen_status_ok ? 0 : -1;
    case GL_VALUE_BOOL: return yajl_gen_bool(g, gl_value_get_bool(v)) == yajl_gen_status_ok ? 0 : -1;
    case GL_VALUE_INT: {
        int64_t i = gl_value_get_int(v);
        if (i > (INT64_C(1) << 53) || i < -(INT64_C(1) << 53))
            es_number((double)i, num, sizeof(num));
        else
            snprintf(num, sizeof(num), "%lld", (long long)i);
        return yajl_gen_number(g, num, strlen(num)) == yajl_gen_status_ok ? 0 : -1;
    }
    case GL_VALUE_NUMBER: {
        double d = gl_value_get_number(v);
        if (!isfinite(d))
            return -1;
        es_number(d, num, sizeof(num));
        return yajl_gen_number(g, num, strlen(num)) == yajl_gen_status_ok ? 0 : -1;
    }
    case GL_VALUE_STRING:
        return yajl_gen_string(g, (const unsigned char *)gl_value_get_string(v), gl_value_string_length(v)) ==
                       yajl_gen_status_ok ? 0 : -1;
    case GL_VALUE_ARRAY:
        if (yajl_gen_array_open(g) != yajl_gen_status_ok)
            return -1;
        for (size_t i = 0; i < gl_value_len(v); i++)
            if (gen(g, gl_value_array_at(v, i)) != 0)
                return -1;
        return yajl_gen_array_close(g) == yajl_gen_status_ok ? 0 : -1;
    case GL_VALUE_OBJECT: {
        size_t n = gl_value_len(v), *order = malloc((n ? n : 1) * sizeof(size_t));
        int rc = -1;
        if (order == NULL)
            return -1;
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        sort_object = v;
        qsort(order, n, sizeof(size_t), key_order);
        if (yajl_gen_map_open(g) != yajl_gen_status_ok)
            goto done;
        for (size_t i = 0; i < n; i++) {
            const char *key = gl_value_object_key_at(v, order[i]);
            if (yajl_gen_string(g, (const unsigned char *)key, strlen(key)) != yajl_gen_status_ok ||
                gen(g, gl_value_object_value_at(v, order[i])) != 0)
                goto done;
        }
        rc = yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -1;
    done:
        free(order);
        return rc;
    }
    }
    return -1;
}

char *gl_evidence_canonical(const gl_value *v, size_t *out_len)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;
    char *out = NULL;

    if (g == NULL)
        return NULL;
    yajl_gen_config(g, yajl_gen_validate_utf8, 1);
    if (gen(g, v) == 0 && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
        out = malloc(len + 1);
        if (out != NULL) {
            memcpy(out, buf, len);
            out[len] = '\0';
            /* yajl writes \u00XX in uppercase; RFC 8785 wants lowercase. A
             * backslash outside an escape cannot occur in JSON text. */
            for (size_t i = 0; i + 1 < len; i++) {
                if (out[i] != '\\')
                    continue;
                if (out[i + 1] == 'u' && i + 5 < len)
                    for (size_t k = i + 2; k < i + 6; k++)
                        out[k] = (char)tolower((unsigned char)out[k]);
                i++;
            }
            if (out_len)
                *out_len = len;
        }
    }
    yajl_gen_free(g);
    return out;
}
