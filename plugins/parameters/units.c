/*
 * units — see units.h. The unit table and the number reader are the engine's
 * (engine/src/util/units.c, compiled into this plugin).
 */
#include "units.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

int parameters_unit_parse(const char *unit, parameters_unit_kind *kind, double *factor)
{
    return gl_units_setting_unit(unit, kind, factor);
}

/* Reads a whole-string number (leading/trailing blanks allowed); 0 or -1. */
static int read_number(const char *text, double *out, const char **rest)
{
    size_t used;

    while (isspace((unsigned char)*text))
        text++;
    used = gl_units_scan_number(text, out);
    if (used == 0 || !isfinite(*out))
        return -1;
    text += used;
    while (isspace((unsigned char)*text))
        text++;
    *rest = text;
    return 0;
}

int parameters_parse_quantity(const char *text, const char *default_unit,
                             parameters_unit_kind *kind, double *out)
{
    const gl_unit *unit;
    gl_unit_kind want;
    double number, base;

    if (gl_units_parse(text, &number, &unit) != 0 ||
        gl_units_setting_unit(default_unit, &want, &base) != 0)
        return -1;
    if (unit == NULL) {
        *kind = want;
        *out = number * base;
        return 0;
    }
    /* "128MB" for a time setting is an error in the server too. */
    if (default_unit != NULL && default_unit[0] != '\0' && want != unit->kind)
        return -1;
    *kind = unit->kind;
    *out = number * unit->base;
    return 0;
}

int parameters_format_quantity(parameters_unit_kind kind, double base, char *buf, size_t buflen)
{
    const gl_unit *smallest = NULL;

    if (buflen == 0)
        return -1;
    /* gl_units is largest first: the first unit that divides exactly */
    for (const gl_unit *u = gl_units; kind != PARAMETERS_UNIT_NONE && u->name != NULL; u++) {
        if (u->kind != kind)
            continue;
        smallest = u;
        if (base != 0 && is_whole(base) && is_whole(base / u->base)) {
            snprintf(buf, buflen, "%.0f%s", base / u->base, u->name);
            return 0;
        }
    }
    if (smallest != NULL && base != 0)
        snprintf(buf, buflen, "%.15g%s", base, smallest->name);
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
