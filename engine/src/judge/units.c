/*
 * units — PostgreSQL setting values as numbers, for the `gl` helpers.
 * Plain C, locale-independent (strtod would read "1,5" under some locales).
 */
#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "judge/judge.h"

typedef struct unit {
    const char *name;
    double factor;
} unit;

/* Memory units as PostgreSQL spells them (case-sensitive, 1024-based). */
static const unit size_units[] = {
    {"B", 1.0}, {"kB", 1024.0}, {"MB", 1048576.0},
    {"GB", 1073741824.0}, {"TB", 1099511627776.0},
};

/* Time units as PostgreSQL spells them, in milliseconds. */
static const unit time_units[] = {
    {"us", 0.001}, {"ms", 1.0}, {"s", 1000.0}, {"min", 60000.0},
    {"h", 3600000.0}, {"d", 86400000.0},
};

/* Reads [+-]digits[.digits][e[+-]digits]; returns characters used, 0 if none. */
static size_t scan_decimal(const char *s, double *out)
{
    const char *p = s;
    double v = 0.0, scale = 1.0;
    int negative = 0, digits = 0;

    if (*p == '+' || *p == '-')
        negative = *p++ == '-';
    while (isdigit((unsigned char)*p)) {
        v = v * 10.0 + (*p++ - '0');
        digits++;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            scale /= 10.0;
            v += (*p++ - '0') * scale;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if ((*p == 'e' || *p == 'E') &&
        (isdigit((unsigned char)p[1]) ||
         ((p[1] == '+' || p[1] == '-') && isdigit((unsigned char)p[2])))) {
        int exp_negative = 0, exponent = 0;
        p++;
        if (*p == '+' || *p == '-')
            exp_negative = *p++ == '-';
        while (isdigit((unsigned char)*p)) {
            if (exponent < 400)
                exponent = exponent * 10 + (*p - '0');
            p++;
        }
        v *= pow(10.0, exp_negative ? -exponent : exponent);
    }
    *out = negative ? -v : v;
    return (size_t)(p - s);
}

/* "<number> [unit]" with optional spaces around; unit from the table or
 * none. */
static int parse_with_units(const char *s, const unit *units, size_t n, double *out,
                            int *out_has_unit)
{
    double v;
    size_t used, len;

    while (isspace((unsigned char)*s))
        s++;
    used = scan_decimal(s, &v);
    if (used == 0 || !isfinite(v))
        return -1;
    s += used;
    while (isspace((unsigned char)*s))
        s++;
    len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    *out_has_unit = len > 0;
    if (len == 0) {
        *out = v;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (strlen(units[i].name) == len && strncmp(units[i].name, s, len) == 0) {
            *out = v * units[i].factor;
            return 0;
        }
    }
    return -1;
}

int gl_judge__parse_size(const char *s, double *out_bytes, int *out_has_unit)
{
    return parse_with_units(s, size_units, sizeof(size_units) / sizeof(size_units[0]),
                            out_bytes, out_has_unit);
}

int gl_judge__parse_duration(const char *s, double *out_ms, int *out_has_unit)
{
    return parse_with_units(s, time_units, sizeof(time_units) / sizeof(time_units[0]),
                            out_ms, out_has_unit);
}

/* server_version_num (170010, 90624) or a plain major (17, 9.6). */
int gl_judge__version_major_number(double n, double *out)
{
    if (!isfinite(n) || n <= 0)
        return -1;
    if (n >= 100000) {
        *out = floor(n / 10000);
    } else if (n >= 10000) {
        /* before 10 the major had two parts: 90624 is 9.6 */
        double first = floor(n / 10000);
        double second = fmod(floor(n / 100), 100);
        *out = first + second / 10.0;
    } else if (n >= 10) {
        *out = floor(n);
    } else {
        *out = floor(n * 10.0 + 1e-9) / 10.0;
    }
    return 0;
}

int gl_judge__version_major_string(const char *s, double *out)
{
    double first = 0, second = 0;
    int has_second = 0;

    while (*s != '\0' && !isdigit((unsigned char)*s))
        s++;
    if (*s == '\0')
        return -1;
    while (isdigit((unsigned char)*s) && first < 1e9)
        first = first * 10 + (*s++ - '0');
    if (*s == '.' && isdigit((unsigned char)s[1])) {
        s++;
        has_second = 1;
        second = *s - '0';   /* 9.6 style majors have one digit after the dot */
    }
    if (first >= 10000)
        return gl_judge__version_major_number(first, out);
    if (first >= 10 || !has_second)
        return gl_judge__version_major_number(first, out);
    *out = first + second / 10.0;
    return 0;
}

int gl_judge__parse_bool(const char *s)
{
    static const char *const yes[] = {"on", "true", "yes", "t", "y", "1"};
    static const char *const no[] = {"off", "false", "no", "f", "n", "0"};

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return 1;
        if (strcasecmp(s, no[i]) == 0)
            return 0;
    }
    return -1;
}
