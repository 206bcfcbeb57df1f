/*
 * units — see units.h. PostgreSQL's own tables (guc.c memory_unit_conversion_table
 * and time_unit_conversion_table) are the reference for the unit names.
 */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct unit_def {
    const char *name;
    parameters_unit_kind kind;
    double factor;   /* base quantities per unit */
} unit_def;

/* Largest first: format_quantity takes the first unit that divides exactly. */
static const unit_def memory_units[] = {
    { "TB", PARAMETERS_UNIT_MEMORY, 1099511627776.0 },
    { "GB", PARAMETERS_UNIT_MEMORY, 1073741824.0 },
    { "MB", PARAMETERS_UNIT_MEMORY, 1048576.0 },
    { "kB", PARAMETERS_UNIT_MEMORY, 1024.0 },
    { "B", PARAMETERS_UNIT_MEMORY, 1.0 },
};

static const unit_def time_units[] = {
    { "d", PARAMETERS_UNIT_TIME, 86400000000.0 },
    { "h", PARAMETERS_UNIT_TIME, 3600000000.0 },
    { "min", PARAMETERS_UNIT_TIME, 60000000.0 },
    { "s", PARAMETERS_UNIT_TIME, 1000000.0 },
    { "ms", PARAMETERS_UNIT_TIME, 1000.0 },
    { "us", PARAMETERS_UNIT_TIME, 1.0 },
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The plugin is linked with -z defs and without libm (its CMakeLists is the
 * bare gl_add_plugin), so the few math helpers it needs are here. fabs and
 * isfinite are compiler built-ins and need no library.
 */
static int is_whole(double d)
{
    return fabs(d) < 9007199254740992.0 && d == (double)(int64_t)d;
}

static double max_of(double a, double b)
{
    return a > b ? a : b;
}

static const unit_def *find_unit(const char *name)
{
    for (size_t i = 0; i < N_OF(memory_units); i++)
        if (strcmp(memory_units[i].name, name) == 0)
            return &memory_units[i];
    for (size_t i = 0; i < N_OF(time_units); i++)
        if (strcmp(time_units[i].name, name) == 0)
            return &time_units[i];
    return NULL;
}

int parameters_unit_parse(const char *unit, parameters_unit_kind *kind, double *factor)
{
    const char *p = unit;
    double multiplier = 1.0;
    const unit_def *def;

    if (unit == NULL || unit[0] == '\0') {
        *kind = PARAMETERS_UNIT_NONE;
        *factor = 1.0;
        return 0;
    }
    /* pg_settings writes block-sized units as "8kB" or "16MB": a count, then a unit. */
    if (isdigit((unsigned char)*p)) {
        char *end = NULL;
        unsigned long n;

        errno = 0;
        n = strtoul(p, &end, 10);
        if (errno != 0 || n == 0 || end == p)
            return -1;
        multiplier = (double)n;
        p = end;
    }
    def = find_unit(p);
    if (def == NULL)
        return -1;
    *kind = def->kind;
    *factor = multiplier * def->factor;
    return 0;
}

/* Reads a whole-string number (leading/trailing blanks allowed); 0 or -1. */
static int read_number(const char *text, double *out, const char **rest)
{
    char *end = NULL;
    double d;

    errno = 0;
    d = strtod(text, &end);
    if (end == text || errno == ERANGE || !isfinite(d))
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    *out = d;
    *rest = end;
    return 0;
}

int parameters_parse_quantity(const char *text, const char *default_unit,
                             parameters_unit_kind *kind, double *out)
{
    const char *rest = NULL;
    double number, factor;
    parameters_unit_kind k;
    char unit[8];
    size_t len;

    if (text == NULL)
        return -1;
    while (isspace((unsigned char)*text))
        text++;
    /* strtod would read "inf", "nan" and hex; a setting is never written so. */
    if (!(isdigit((unsigned char)*text) || *text == '-' || *text == '+' || *text == '.'))
        return -1;
    if (read_number(text, &number, &rest) != 0)
        return -1;
    if (*rest == '\0')
        return parameters_unit_parse(default_unit, kind, &factor) == 0
                   ? (*out = number * factor, 0) : -1;
    len = strcspn(rest, " \t\r\n");
    if (len >= sizeof(unit))
        return -1;
    memcpy(unit, rest, len);
    unit[len] = '\0';
    rest += len;
    while (isspace((unsigned char)*rest))
        rest++;
    /* Only a plain unit here: "8kB" as a typed unit is not PostgreSQL syntax. */
    if (*rest != '\0' || isdigit((unsigned char)unit[0]))
        return -1;
    if (parameters_unit_parse(unit, &k, &factor) != 0)
        return -1;
    /* "128MB" for a time setting is an error in the server too. */
    if (default_unit != NULL && default_unit[0] != '\0') {
        parameters_unit_kind want;
        double ignored;

        if (parameters_unit_parse(default_unit, &want, &ignored) != 0 || want != k)
            return -1;
    }
    *kind = k;
    *out = number * factor;
    return 0;
}

int parameters_format_quantity(parameters_unit_kind kind, double base, char *buf, size_t buflen)
{
    const unit_def *table = NULL;
    size_t n = 0;

    if (buflen == 0)
        return -1;
    if (kind == PARAMETERS_UNIT_MEMORY) {
        table = memory_units;
        n = N_OF(memory_units);
    } else if (kind == PARAMETERS_UNIT_TIME) {
        table = time_units;
        n = N_OF(time_units);
    }
    if (table != NULL && base != 0 && is_whole(base)) {
        for (size_t i = 0; i < n; i++) {
            double q = base / table[i].factor;

            if (is_whole(q)) {
                snprintf(buf, buflen, "%.0f%s", q, table[i].name);
                return 0;
            }
        }
    }
    if (table != NULL && base != 0)
        snprintf(buf, buflen, "%.15g%s", base, table[n - 1].name);
    else
        snprintf(buf, buflen, "%.15g", base);
    return 0;
}

static int is_numeric_vartype(const char *vartype)
{
    return vartype != NULL && (strcmp(vartype, "integer") == 0 || strcmp(vartype, "real") == 0);
}

/* PostgreSQL's parse_bool accepts these (and unique prefixes; pg_settings
 * always prints on/off, so full words are enough here). */
static const char *bool_canonical(const char *s)
{
    static const char *const yes[] = { "on", "true", "yes", "1", "t", "y" };
    static const char *const no[] = { "off", "false", "no", "0", "f", "n" };

    for (size_t i = 0; i < N_OF(yes); i++)
        if (strcasecmp(s, yes[i]) == 0)
            return "on";
    for (size_t i = 0; i < N_OF(no); i++)
        if (strcasecmp(s, no[i]) == 0)
            return "off";
    return NULL;
}

static void copy_lower(char *dst, size_t dstlen, const char *src)
{
    size_t i = 0;

    for (; src[i] != '\0' && i + 1 < dstlen; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[i] = '\0';
}

void parameters_normalise(const parameters_value *v, parameters_normal *out)
{
    const char *rest = NULL;
    const char *canon;
    double number, factor;
    parameters_unit_kind kind;

    memset(out, 0, sizeof(*out));
    if (v->setting == NULL) {
        out->is_null = 1;
        return;
    }
    if (is_numeric_vartype(v->vartype) && read_number(v->setting, &number, &rest) == 0 &&
        *rest == '\0' && parameters_unit_parse(v->unit, &kind, &factor) == 0) {
        out->numeric = 1;
        out->kind = kind;
        if (number < 0) {
            out->sentinel = 1;
            out->number = number;
        } else {
            out->number = number * factor;
        }
        snprintf(out->text, sizeof(out->text), "%s", v->setting);
        return;
    }
    canon = bool_canonical(v->setting);
    /* A bool on one side may be an enum with on/off members on the other
     * (a setting that grew more choices), so canonicalise bool words always. */
    if (canon != NULL && (v->vartype == NULL || strcmp(v->vartype, "string") != 0)) {
        snprintf(out->text, sizeof(out->text), "%s", canon);
        return;
    }
    if (v->vartype != NULL && (strcmp(v->vartype, "enum") == 0 || strcmp(v->vartype, "bool") == 0)) {
        copy_lower(out->text, sizeof(out->text), v->setting);
        return;
    }
    /* Strings compare exactly; longer than text[] falls back to the raw pointer below. */
    snprintf(out->text, sizeof(out->text), "%s", v->setting);
}

int parameters_values_equal(const parameters_value *blue, const parameters_value *green)
{
    parameters_normal b, g;

    parameters_normalise(blue, &b);
    parameters_normalise(green, &g);
    if (b.is_null || g.is_null)
        return b.is_null && g.is_null;
    if (b.numeric && g.numeric) {
        double scale;

        if (b.sentinel || g.sentinel)
            return b.sentinel && g.sentinel && b.number == g.number;
        /* A unit of one kind on one side and another kind on the other is a
         * different setting in all but name. */
        if (b.kind != g.kind && b.kind != PARAMETERS_UNIT_NONE && g.kind != PARAMETERS_UNIT_NONE)
            return 0;
        scale = max_of(fabs(b.number), fabs(g.number));
        /* real settings print with %g: allow the last printed digit's rounding */
        return fabs(b.number - g.number) <= scale * 1e-12;
    }
    if (b.numeric != g.numeric)
        /* e.g. integer on one side, string on the other: compare what was written */
        return strcmp(blue->setting, green->setting) == 0;
    if (strlen(blue->setting) >= sizeof(b.text) || strlen(green->setting) >= sizeof(g.text))
        /* too long for the canonical buffer: strings compare exactly anyway */
        return strcmp(blue->setting, green->setting) == 0;
    return strcmp(b.text, g.text) == 0;
}

int parameters_format_value(const parameters_value *v, char *buf, size_t buflen)
{
    parameters_normal n;

    if (buflen == 0 || v->setting == NULL)
        return -1;
    parameters_normalise(v, &n);
    if (n.numeric && !n.sentinel && n.kind != PARAMETERS_UNIT_NONE)
        return parameters_format_quantity(n.kind, n.number, buf, buflen);
    snprintf(buf, buflen, "%s", v->setting);
    return 0;
}

int parameters_source_is_builtin(const char *source)
{
    return source == NULL || strcmp(source, "default") == 0 || strcmp(source, "override") == 0;
}
