/*
 * units.c — see units.h. Compiled into the engine and into the parameters
 * plugin (plugins/parameters/CMakeLists.txt): libc only.
 */
#include "units.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

const gl_unit gl_units[] = {
    {"TB", GL_UNIT_MEMORY, 1099511627776.0},
    {"GB", GL_UNIT_MEMORY, 1073741824.0},
    {"MB", GL_UNIT_MEMORY, 1048576.0},
    {"kB", GL_UNIT_MEMORY, 1024.0},
    {"B", GL_UNIT_MEMORY, 1.0},
    {"d", GL_UNIT_TIME, 86400000000.0},
    {"h", GL_UNIT_TIME, 3600000000.0},
    {"min", GL_UNIT_TIME, 60000000.0},
    {"s", GL_UNIT_TIME, 1000000.0},
    {"ms", GL_UNIT_TIME, 1000.0},
    {"us", GL_UNIT_TIME, 1.0},
    {NULL, GL_UNIT_NONE, 0.0},
};

const gl_unit *gl_unit_find(const char *name, size_t len)
{
    for (const gl_unit *u = gl_units; u->name != NULL; u++)
        if (strlen(u->name) == len && strncmp(u->name, name, len) == 0)
            return u;
    return NULL;
}

/* 10^n for 0 <= n <= 22: every one is exactly a double. */
static double pow10_exact(int n)
{
    double p = 1.0;

    while (n-- > 0)
        p *= 10.0;
    return p;
}

size_t gl_units_scan_number(const char *s, double *out)
{
    const char *p = s;
    uint64_t mantissa = 0;
    int negative = 0, digits = 0, significant = 0, exponent = 0;
    double v;

    if (*p == '+' || *p == '-')
        negative = *p++ == '-';
    for (int fraction = 0;; p++) {
        if (*p == '.' && !fraction) {
            fraction = 1;
            continue;
        }
        if (!isdigit((unsigned char)*p))
            break;
        digits++;
        if (significant < 19) {
            mantissa = mantissa * 10 + (uint64_t)(*p - '0');
            significant += mantissa > 0;
            exponent -= fraction;
        } else if (!fraction) {
            exponent++;   /* a digit past the 19th still counts for the magnitude */
        }
    }
    if (digits == 0)
        return 0;
    if ((*p == 'e' || *p == 'E') &&
        (isdigit((unsigned char)p[1]) ||
         ((p[1] == '+' || p[1] == '-') && isdigit((unsigned char)p[2])))) {
        int e = 0, e_negative = 0;
        p++;
        if (*p == '+' || *p == '-')
            e_negative = *p++ == '-';
        while (isdigit((unsigned char)*p)) {
            if (e < 100000)
                e = e * 10 + (*p - '0');
            p++;
        }
        exponent += e_negative ? -e : e;
    }
    v = (double)mantissa;
    /* Below 2^53 the mantissa is exact, and so is 10^n to n = 22: one
     * multiply or divide is then correctly rounded (Clinger's fast path). */
    if (exponent >= 0) {
        while (exponent > 22 && v < 1e308) {
            v *= 1e22;
            exponent -= 22;
        }
        v *= pow10_exact(exponent > 22 ? 22 : exponent);
    } else {
        while (exponent < -22 && v > 0) {
            v /= 1e22;
            exponent += 22;
        }
        v /= pow10_exact(-exponent);
    }
    *out = negative ? -v : v;
    return (size_t)(p - s);
}

int gl_units_parse(const char *text, double *out_number, const gl_unit **out_unit)
{
    double v;
    size_t used, len;

    if (text == NULL)
        return -1;
    while (isspace((unsigned char)*text))
        text++;
    used = gl_units_scan_number(text, &v);
    if (used == 0 || !(v - v == 0))   /* not a number, or inf */
        return -1;
    text += used;
    while (isspace((unsigned char)*text))
        text++;
    len = strlen(text);
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        len--;
    *out_number = v;
    *out_unit = NULL;
    if (len == 0)
        return 0;
    *out_unit = gl_unit_find(text, len);
    return *out_unit != NULL ? 0 : -1;
}

int gl_units_setting_unit(const char *unit, gl_unit_kind *out_kind, double *out_base)
{
    const char *p = unit;
    double count = 1.0;
    const gl_unit *u;

    *out_kind = GL_UNIT_NONE;
    *out_base = 1.0;
    if (unit == NULL || unit[0] == '\0')
        return 0;
    /* pg_settings writes block-sized units as a count and a unit: "8kB", "16MB". */
    if (isdigit((unsigned char)*p)) {
        count = 0;
        while (isdigit((unsigned char)*p) && count < 1e12)
            count = count * 10 + (*p++ - '0');
        if (count == 0)
            return -1;
    }
    u = gl_unit_find(p, strlen(p));
    if (u == NULL)
        return -1;
    *out_kind = u->kind;
    *out_base = count * u->base;
    return 0;
}

double gl_units_convert(double v, double from_base, double to_base)
{
    if (from_base >= to_base)
        return v * (from_base / to_base);
    return v / (to_base / from_base);
}

void gl_units_accepted(gl_unit_kind kind, char *buf, size_t len)
{
    size_t n = 0, used = 0, k = 0;

    if (len == 0)
        return;
    buf[0] = '\0';
    for (const gl_unit *u = gl_units; u->name != NULL; u++)
        n += u->kind == kind;
    /* smallest first, as PostgreSQL's hint: "B", "kB", "MB", "GB", and "TB" */
    for (size_t i = sizeof(gl_units) / sizeof(gl_units[0]) - 1; i-- > 0;) {
        const gl_unit *u = &gl_units[i];
        int w;
        if (u->kind != kind)
            continue;
        k++;
        w = snprintf(buf + used, len - used, "%s\"%s\"", k == 1 ? "" : k == n ? (n > 2 ? ", and " : " and ") : ", ", u->name);
        if (w < 0 || (size_t)w >= len - used)
            return;
        used += (size_t)w;
    }
}
