/*
 * units — PostgreSQL's memory and time units: the one table and the one
 * parser of "<number> [unit]" for the engine (the policy's gl.parse_size,
 * gl.parse_duration, gl.same_setting, declared settings) and the parameters
 * plugin. Plugins link nothing of the engine, so the plugin compiles this
 * file into itself: it depends on libc only (no libm, no locale, no engine).
 *
 * Names and spelling follow PostgreSQL's guc.c (memory_unit_conversion_table,
 * time_unit_conversion_table): case-sensitive, "kB" not "KB", memory
 * 1024-based. Numbers are read without the locale and exactly: "0.7" is the
 * double nearest 0.7, as strtod would give, never 7 * 0.1.
 *
 * Parsers return 0, or -1 when the text is not what they read; nothing
 * allocates.
 */
#ifndef GL_UNITS_H
#define GL_UNITS_H

#include <stddef.h>

typedef enum gl_unit_kind {
    GL_UNIT_NONE = 0,     /* a plain number */
    GL_UNIT_MEMORY,       /* base quantity: bytes */
    GL_UNIT_TIME          /* base quantity: microseconds */
} gl_unit_kind;

typedef struct gl_unit {
    const char *name;     /* "kB", "min", ... */
    gl_unit_kind kind;
    double base;          /* base quantities (bytes, microseconds) in one unit */
} gl_unit;

/* Every unit, largest first within each kind, terminated by {NULL}. */
extern const gl_unit gl_units[];

/* The unit spelled exactly name[0..len), or NULL. */
const gl_unit *gl_unit_find(const char *name, size_t len);

/* Reads [+-]digits[.digits][(e|E)[+-]digits] at s: returns the characters
 * used (0 when there is no number), the value in *out. Locale-independent
 * and exactly rounded for up to 19 significant digits and exponents within
 * +-22 (every setting anyone writes); beyond that within an ulp or two. */
size_t gl_units_scan_number(const char *s, double *out);

/*
 * "<number> [unit]" with optional blanks around and between (PostgreSQL
 * accepts "64 MB"). *out_number is the number as written, *out_unit the unit
 * (NULL when none). -1 when it is not a number, or the unit is not one of
 * gl_units (e.g. "64mb", "5 minutes").
 */
int gl_units_parse(const char *text, double *out_number, const gl_unit **out_unit);

/* A pg_settings unit column ("8kB", "16MB", "ms", "" or NULL): the kind and
 * the base quantities in one of it (8192 for "8kB"; 1 for none). */
int gl_units_setting_unit(const char *unit, gl_unit_kind *out_kind, double *out_base);

/* v counted in units of from_base, counted in units of to_base. The ratio of
 * two units is a whole number, so one exact multiply or one correctly
 * rounded divide: 0.7 ms in ms stays 0.7. */
double gl_units_convert(double v, double from_base, double to_base);

/* The units of a kind as PostgreSQL's hint lists them, into buf:
 * "\"B\", \"kB\", \"MB\", \"GB\", and \"TB\"". */
void gl_units_accepted(gl_unit_kind kind, char *buf, size_t len);

#endif
