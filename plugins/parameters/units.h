/*
 * units — the pure logic of the parameters check: reading pg_settings units,
 * normalising values to a base quantity (bytes or microseconds), rendering
 * them for people, and deciding whether two settings hold the same value.
 * Nothing here talks to the host, so unit tests include units.c directly.
 *
 * Failure: parsers return 0 on success and -1 when the text is not what they
 * read (unknown unit, not a number); they never allocate.
 */
#ifndef GL_PARAMETERS_UNITS_H
#define GL_PARAMETERS_UNITS_H

#include <stddef.h>

#include "util/units.h"   /* engine/src/util: the one unit table and parser */

/* The engine's unit kinds: bytes for memory, microseconds for time. */
typedef gl_unit_kind parameters_unit_kind;
#define PARAMETERS_UNIT_NONE GL_UNIT_NONE       /* no unit: compare the number itself */
#define PARAMETERS_UNIT_MEMORY GL_UNIT_MEMORY   /* base quantity: bytes */
#define PARAMETERS_UNIT_TIME GL_UNIT_TIME       /* base quantity: microseconds */

/*
 * Reads a pg_settings unit column ("B", "kB", "8kB", "MB", "16MB", "us",
 * "ms", "s", "min", "h", "d"): its kind and how many base quantities one unit
 * is. NULL or "" is PARAMETERS_UNIT_NONE with factor 1. -1 for anything else.
 */
int parameters_unit_parse(const char *unit, parameters_unit_kind *kind, double *factor);

/*
 * Reads a number followed by an optional unit, as PostgreSQL accepts it in
 * postgresql.conf ("128MB", "131072kB", "1min", "250 ms", "0.5s"); a bare
 * number is in default_unit (which may be NULL for unit-less settings).
 * Units are case-sensitive, as in the server. Writes the base quantity.
 */
int parameters_parse_quantity(const char *text, const char *default_unit,
                             parameters_unit_kind *kind, double *out);

/*
 * Renders a base quantity the way a person writes it: the largest unit that
 * divides it exactly ("128MB", "1min", "250ms"), else the base unit ("1.5us").
 * Truncates to fit; returns 0, or -1 when buflen is 0.
 */
int parameters_format_quantity(parameters_unit_kind kind, double base, char *buf, size_t buflen);

/* One side's view of a setting: the pg_settings columns compare needs. */
typedef struct parameters_value {
    const char *setting;   /* may be NULL (shown as null) */
    const char *unit;      /* may be NULL */
    const char *vartype;   /* bool, integer, real, string, enum; may be NULL */
} parameters_value;

/* How a value is compared once normalised. */
typedef struct parameters_normal {
    int numeric;              /* 1: `number` holds it; 0: `text` holds it */
    int sentinel;             /* numeric and negative: -1 style "auto/off" markers are unit-free */
    parameters_unit_kind kind;  /* for numeric values */
    double number;            /* base quantity (or raw number for sentinels / no unit) */
    char text[256];           /* canonical text: bools as on/off, enums lower-case */
    int is_null;
} parameters_normal;

/*
 * Normalises one side's value. Numbers with a unit become bytes or
 * microseconds; negative numbers stay raw, because PostgreSQL uses -1 (and
 * other negatives) as "disabled"/"derive it", which has no size. Bools become
 * "on"/"off"; enums are lower-cased (the server reads them case-insensitively).
 * Never fails: what cannot be read as a number is compared as text.
 */
void parameters_normalise(const parameters_value *v, parameters_normal *out);

/* 1 when the two sides hold the same value after normalisation, else 0. */
int parameters_values_equal(const parameters_value *blue, const parameters_value *green);

/*
 * Renders one side's value for a finding: "128MB" for units, the raw setting
 * otherwise. Returns 0, or -1 when the value is null (nothing written).
 */
int parameters_format_value(const parameters_value *v, char *buf, size_t buflen);

/* 1 when a pg_settings source means "nobody set it": default, or override
 * (the server derived it at start, e.g. lc_collate, wal_buffers = -1). */
int parameters_source_is_builtin(const char *source);

#endif
