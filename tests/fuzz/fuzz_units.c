/*
 * Fuzz target: the one unit parser (engine/src/util/units.c), which reads
 * policy helpers' arguments, change files' declared settings and pg_settings
 * units. Any input must parse or be refused, never crash or read past its end;
 * what parses is a finite number and, with a unit, one of PostgreSQL's.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    const gl_unit *unit = NULL;
    gl_unit_kind kind;
    double v, base;
    size_t used;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    used = gl_units_scan_number(text, &v);
    if (used > strlen(text))
        abort();
    if (gl_units_parse(text, &v, &unit) == 0) {
        if (!isfinite(v) || (unit != NULL && gl_unit_find(unit->name, strlen(unit->name)) != unit))
            abort();
        if (unit != NULL && !isfinite(gl_units_convert(v, unit->base, 1000.0)) && fabs(v) < 1e290)
            abort();
    }
    if (gl_units_setting_unit(text, &kind, &base) == 0 && (base <= 0 || !isfinite(base)))
        abort();
    free(text);
    return 0;
}
