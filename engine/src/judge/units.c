/*
 * units — PostgreSQL setting values as numbers, for the `gl` helpers. The
 * units and the number reader are util/units.c, shared with the parameters
 * plugin.
 */
#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "judge/judge.h"
#include "util/units.h"

/* One number and an optional unit of `kind`, in units of to_base (bytes: 1;
 * milliseconds: 1000 microseconds). */
static int parse_kind(const char *s, gl_unit_kind kind, double to_base, double *out,
                      int *out_has_unit)
{
    const gl_unit *u;
    double v;

    if (gl_units_parse(s, &v, &u) != 0 || (u != NULL && u->kind != kind))
        return -1;
    *out_has_unit = u != NULL;
    *out = u != NULL ? gl_units_convert(v, u->base, to_base) : v;
    return 0;
}

int gl_judge__parse_size(const char *s, double *out_bytes, int *out_has_unit)
{
    return parse_kind(s, GL_UNIT_MEMORY, 1.0, out_bytes, out_has_unit);
}

int gl_judge__parse_duration(const char *s, double *out_ms, int *out_has_unit)
{
    return parse_kind(s, GL_UNIT_TIME, 1000.0, out_ms, out_has_unit);
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
