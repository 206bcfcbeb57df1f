/*
 * util/units: the one unit table and number reader of the engine and the
 * parameters plugin. Numbers are read exactly (the double strtod gives),
 * without the locale; units are PostgreSQL's, case-sensitive.
 */
#include <criterion/criterion.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "util/units.h"

static double number(const char *s)
{
    double v = -1;
    cr_assert_neq(gl_units_scan_number(s, &v), 0, "%s is a number", s);
    return v;
}

Test(units, numbers_are_read_exactly_as_strtod_reads_them)
{
    static const char *const texts[] = {"0.7", "1.1", "0.1", "0.3", "123.456", "1e-3", "2.5E+2",
                                        "0.0007", "9007199254740993", "65536", "-0.2", "3.14159",
                                        "1e22", "1e-22"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        cr_assert_eq(number(texts[i]), strtod(texts[i], NULL), "%s: %.17g vs %.17g", texts[i],
                     number(texts[i]), strtod(texts[i], NULL));
    /* past the fast path: within an ulp or two */
    cr_assert_float_eq(number("0.000000000000000000000001"), 1e-24, 1e-39);
}

Test(units, numbers_ignore_the_locale)
{
    /* A locale with a decimal comma must not change what "0.5" reads as. */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL)
        setlocale(LC_NUMERIC, "fr_FR.UTF-8");
    cr_assert_eq(number("0.5"), 0.5);
    setlocale(LC_NUMERIC, "C");
}

Test(units, a_number_and_a_unit_as_postgresql_accepts_them)
{
    const gl_unit *u;
    double v;

    cr_assert_eq(gl_units_parse(" 64 MB ", &v, &u), 0);
    cr_assert_eq(v, 64);
    cr_assert_str_eq(u->name, "MB");
    cr_assert_eq(u->base, 1048576.0);
    cr_assert_eq(gl_units_parse("65536", &v, &u), 0);
    cr_assert_null(u);
    cr_assert_eq(gl_units_parse("0.7ms", &v, &u), 0);
    cr_assert_eq(gl_units_convert(v, u->base, 1000.0), 0.7);
    cr_assert_eq(gl_units_parse("250us", &v, &u), 0);
    cr_assert_eq(gl_units_convert(v, u->base, 1000.0), 0.25);
    /* the server refuses these, so do we */
    cr_assert_eq(gl_units_parse("64mb", &v, &u), -1);
    cr_assert_eq(gl_units_parse("64 KB", &v, &u), -1);
    cr_assert_eq(gl_units_parse("5 minutes", &v, &u), -1);
    cr_assert_eq(gl_units_parse("MB", &v, &u), -1);
    cr_assert_eq(gl_units_parse("inf", &v, &u), -1);
    cr_assert_eq(gl_units_parse("0x10", &v, &u), -1);
}

Test(units, pg_settings_unit_columns)
{
    gl_unit_kind k;
    double base;

    cr_assert_eq(gl_units_setting_unit("8kB", &k, &base), 0);
    cr_assert_eq(k, GL_UNIT_MEMORY);
    cr_assert_eq(base, 8192.0);
    cr_assert_eq(gl_units_setting_unit("ms", &k, &base), 0);
    cr_assert_eq(k, GL_UNIT_TIME);
    cr_assert_eq(base, 1000.0);
    cr_assert_eq(gl_units_setting_unit(NULL, &k, &base), 0);
    cr_assert_eq(k, GL_UNIT_NONE);
    cr_assert_eq(gl_units_setting_unit("0kB", &k, &base), -1);
    cr_assert_eq(gl_units_setting_unit("mb", &k, &base), -1);
}

Test(units, accepted_units_are_listed_as_postgresql_hints_them)
{
    char buf[128];

    gl_units_accepted(GL_UNIT_MEMORY, buf, sizeof(buf));
    cr_assert_str_eq(buf, "\"B\", \"kB\", \"MB\", \"GB\", and \"TB\"");
    gl_units_accepted(GL_UNIT_TIME, buf, sizeof(buf));
    cr_assert_str_eq(buf, "\"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\"");
}
