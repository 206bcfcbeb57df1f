/*
 * The parameters plugin's pure logic: pg_settings units, normalisation to
 * bytes / microseconds, human rendering, value equality, and the ignore list.
 * Includes the plugin's sources directly: they use no host and no engine.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "../../plugins/parameters/ignore.c"
#include "../../plugins/parameters/units.c"
#include "../../engine/src/util/units.c"

static parameters_value val(const char *setting, const char *unit, const char *vartype)
{
    parameters_value v = { setting, unit, vartype };
    return v;
}

Test(param_units, pg_settings_units_give_kind_and_factor)
{
    parameters_unit_kind kind;
    double factor;

    cr_assert_eq(parameters_unit_parse("8kB", &kind, &factor), 0);
    cr_assert_eq(kind, PARAMETERS_UNIT_MEMORY);
    cr_assert_eq(factor, 8192.0);
    cr_assert_eq(parameters_unit_parse("16MB", &kind, &factor), 0);
    cr_assert_eq(factor, 16.0 * 1024 * 1024);
    cr_assert_eq(parameters_unit_parse("B", &kind, &factor), 0);
    cr_assert_eq(factor, 1.0);
    cr_assert_eq(parameters_unit_parse("min", &kind, &factor), 0);
    cr_assert_eq(kind, PARAMETERS_UNIT_TIME);
    cr_assert_eq(factor, 60e6);
    cr_assert_eq(parameters_unit_parse("us", &kind, &factor), 0);
    cr_assert_eq(factor, 1.0);
    cr_assert_eq(parameters_unit_parse(NULL, &kind, &factor), 0);
    cr_assert_eq(kind, PARAMETERS_UNIT_NONE);
    cr_assert_eq(parameters_unit_parse("", &kind, &factor), 0);
    cr_assert_eq(kind, PARAMETERS_UNIT_NONE);
}

Test(param_units, unknown_units_are_refused)
{
    parameters_unit_kind kind;
    double factor;

    cr_assert_eq(parameters_unit_parse("mb", &kind, &factor), -1, "units are case-sensitive");
    cr_assert_eq(parameters_unit_parse("parsecs", &kind, &factor), -1);
    cr_assert_eq(parameters_unit_parse("0kB", &kind, &factor), -1);
    cr_assert_eq(parameters_unit_parse("8", &kind, &factor), -1);
}

Test(param_units, human_quantities_parse_like_postgresql)
{
    parameters_unit_kind kind;
    double out;

    cr_assert_eq(parameters_parse_quantity("128MB", "8kB", &kind, &out), 0);
    cr_assert_eq(out, 134217728.0);
    cr_assert_eq(parameters_parse_quantity("131072kB", "kB", &kind, &out), 0);
    cr_assert_eq(out, 134217728.0);
    cr_assert_eq(parameters_parse_quantity("16384", "8kB", &kind, &out), 0,
                 "a bare number is in the setting's unit");
    cr_assert_eq(out, 134217728.0);
    cr_assert_eq(parameters_parse_quantity(" 250 ms ", "ms", &kind, &out), 0);
    cr_assert_eq(kind, PARAMETERS_UNIT_TIME);
    cr_assert_eq(out, 250000.0);
    cr_assert_eq(parameters_parse_quantity("1min", "s", &kind, &out), 0);
    cr_assert_eq(out, 60e6);
    cr_assert_eq(parameters_parse_quantity("0.5s", "ms", &kind, &out), 0);
    cr_assert_eq(out, 500000.0);
    cr_assert_eq(parameters_parse_quantity("100", NULL, &kind, &out), 0);
    cr_assert_eq(kind, PARAMETERS_UNIT_NONE);
    cr_assert_eq(out, 100.0);
}

Test(param_units, bad_human_quantities_are_refused)
{
    parameters_unit_kind kind;
    double out;

    cr_assert_eq(parameters_parse_quantity("128MB", "ms", &kind, &out), -1, "memory for a time");
    cr_assert_eq(parameters_parse_quantity("128 MB extra", "kB", &kind, &out), -1);
    cr_assert_eq(parameters_parse_quantity("MB", "kB", &kind, &out), -1);
    cr_assert_eq(parameters_parse_quantity("inf", NULL, &kind, &out), -1);
    cr_assert_eq(parameters_parse_quantity("", NULL, &kind, &out), -1);
    cr_assert_eq(parameters_parse_quantity(NULL, NULL, &kind, &out), -1);
    cr_assert_eq(parameters_parse_quantity("12 8kB", "kB", &kind, &out), -1);
}

Test(param_units, quantities_render_with_the_largest_exact_unit)
{
    char buf[64];

    parameters_format_quantity(PARAMETERS_UNIT_MEMORY, 134217728.0, buf, sizeof(buf));
    cr_assert_str_eq(buf, "128MB");
    parameters_format_quantity(PARAMETERS_UNIT_MEMORY, 4.0 * 1024 * 1024 * 1024, buf, sizeof(buf));
    cr_assert_str_eq(buf, "4GB");
    parameters_format_quantity(PARAMETERS_UNIT_MEMORY, 8192.0 + 1, buf, sizeof(buf));
    cr_assert_str_eq(buf, "8193B");
    parameters_format_quantity(PARAMETERS_UNIT_TIME, 60e6, buf, sizeof(buf));
    cr_assert_str_eq(buf, "1min");
    parameters_format_quantity(PARAMETERS_UNIT_TIME, 250000.0, buf, sizeof(buf));
    cr_assert_str_eq(buf, "250ms");
    parameters_format_quantity(PARAMETERS_UNIT_TIME, 0.0, buf, sizeof(buf));
    cr_assert_str_eq(buf, "0", "zero needs no unit");
    parameters_format_quantity(PARAMETERS_UNIT_TIME, 1.5, buf, sizeof(buf));
    cr_assert_str_eq(buf, "1.5us");
    parameters_format_quantity(PARAMETERS_UNIT_NONE, 100.0, buf, sizeof(buf));
    cr_assert_str_eq(buf, "100");
    cr_assert_eq(parameters_format_quantity(PARAMETERS_UNIT_NONE, 1.0, buf, 0), -1);
}

Test(param_units, shared_buffers_in_8kB_equals_the_same_bytes_in_kB)
{
    parameters_value blue = val("16384", "8kB", "integer");
    parameters_value green = val("131072", "kB", "integer");
    parameters_value bigger = val("32768", "8kB", "integer");

    cr_assert(parameters_values_equal(&blue, &green));
    cr_assert_not(parameters_values_equal(&blue, &bigger));
}

Test(param_units, max_wal_size_in_16MB_segments_equals_megabytes)
{
    /* PostgreSQL 10 reported max_wal_size in 16MB segments, 11+ in MB */
    parameters_value pg10 = val("64", "16MB", "integer");
    parameters_value pg11 = val("1024", "MB", "integer");

    cr_assert(parameters_values_equal(&pg10, &pg11));
}

Test(param_units, time_units_normalise_to_microseconds)
{
    parameters_value ms_int = val("20", "ms", "integer");
    parameters_value ms_real = val("20", "ms", "real");
    parameters_value us = val("20000", "us", "integer");
    parameters_value s = val("60", "s", "integer");
    parameters_value min = val("1", "min", "integer");
    parameters_value two_ms = val("2", "ms", "real");

    cr_assert(parameters_values_equal(&ms_int, &ms_real), "integer became real: same value");
    cr_assert(parameters_values_equal(&ms_int, &us));
    cr_assert(parameters_values_equal(&s, &min));
    cr_assert_not(parameters_values_equal(&ms_int, &two_ms));
}

Test(param_units, negative_sentinels_compare_raw_not_scaled)
{
    parameters_value a = val("-1", "8kB", "integer");
    parameters_value b = val("-1", "kB", "integer");
    parameters_value zero = val("0", "kB", "integer");

    cr_assert(parameters_values_equal(&a, &b), "-1 means auto whatever the unit");
    cr_assert_not(parameters_values_equal(&a, &zero));
}

Test(param_units, bools_compare_by_meaning_case_insensitively)
{
    parameters_value on = val("on", NULL, "bool");
    parameters_value true_upper = val("TRUE", NULL, "bool");
    parameters_value off = val("off", NULL, "bool");
    parameters_value enum_on = val("on", NULL, "enum");

    cr_assert(parameters_values_equal(&on, &true_upper));
    cr_assert_not(parameters_values_equal(&on, &off));
    cr_assert(parameters_values_equal(&on, &enum_on), "a bool that became an enum");
}

Test(param_units, enums_ignore_case_strings_do_not)
{
    parameters_value e1 = val("Read Committed", NULL, "enum");
    parameters_value e2 = val("read committed", NULL, "enum");
    parameters_value s1 = val("\"$user\", public", NULL, "string");
    parameters_value s2 = val("\"$user\", Public", NULL, "string");
    parameters_value s3 = val("on", NULL, "string");
    parameters_value s4 = val("true", NULL, "string");

    cr_assert(parameters_values_equal(&e1, &e2));
    cr_assert_not(parameters_values_equal(&s1, &s2));
    cr_assert_not(parameters_values_equal(&s3, &s4), "strings are not bools");
}

Test(param_units, nulls_equal_only_nulls)
{
    parameters_value n = val(NULL, NULL, "string");
    parameters_value empty = val("", NULL, "string");

    cr_assert(parameters_values_equal(&n, &n));
    cr_assert_not(parameters_values_equal(&n, &empty));
}

Test(param_units, long_strings_compare_exactly)
{
    char a[600], b[600];
    parameters_value va, vb;

    memset(a, 'x', sizeof(a) - 1);
    a[sizeof(a) - 1] = '\0';
    memcpy(b, a, sizeof(a));
    b[500] = 'y';   /* beyond the canonical buffer */
    va = val(a, NULL, "string");
    vb = val(b, NULL, "string");
    cr_assert_not(parameters_values_equal(&va, &vb));
    cr_assert(parameters_values_equal(&va, &va));
}

Test(param_units, values_render_for_people)
{
    char buf[64];
    parameters_value sb = val("16384", "8kB", "integer");
    parameters_value sentinel = val("-1", "kB", "integer");
    parameters_value plain = val("100", NULL, "integer");
    parameters_value n = val(NULL, NULL, "string");

    cr_assert_eq(parameters_format_value(&sb, buf, sizeof(buf)), 0);
    cr_assert_str_eq(buf, "128MB");
    parameters_format_value(&sentinel, buf, sizeof(buf));
    cr_assert_str_eq(buf, "-1");
    parameters_format_value(&plain, buf, sizeof(buf));
    cr_assert_str_eq(buf, "100");
    cr_assert_eq(parameters_format_value(&n, buf, sizeof(buf)), -1);
}

Test(param_units, normalised_numbers_are_bytes_or_microseconds)
{
    parameters_normal n;
    parameters_value sb = val("16384", "8kB", "integer");
    parameters_value t = val("5", "min", "integer");

    parameters_normalise(&sb, &n);
    cr_assert(n.numeric);
    cr_assert_eq(n.kind, PARAMETERS_UNIT_MEMORY);
    cr_assert_eq(n.number, 134217728.0);
    parameters_normalise(&t, &n);
    cr_assert_eq(n.kind, PARAMETERS_UNIT_TIME);
    cr_assert_eq(n.number, 300e6);
}

Test(param_units, builtin_sources)
{
    cr_assert(parameters_source_is_builtin("default"));
    cr_assert(parameters_source_is_builtin("override"));
    cr_assert_not(parameters_source_is_builtin("configuration file"));
    cr_assert_not(parameters_source_is_builtin("command line"));
}

Test(param_ignore, globs_match_case_insensitively)
{
    cr_assert(parameters_glob_match("port", "port"));
    cr_assert(parameters_glob_match("TimeZone", "timezone"));
    cr_assert(parameters_glob_match("ssl_*_file", "ssl_cert_file"));
    cr_assert(parameters_glob_match("log_*", "log_"));
    cr_assert(parameters_glob_match("*", "anything"));
    cr_assert(parameters_glob_match("a?c", "abc"));
    cr_assert(parameters_glob_match("*a*b*", "xxaxxbxx"));
    cr_assert_not(parameters_glob_match("port", "port2"));
    cr_assert_not(parameters_glob_match("ssl_*_file", "ssl_cert_dir"));
    cr_assert_not(parameters_glob_match("a?c", "ac"));
    cr_assert_not(parameters_glob_match("", "x"));
}

Test(param_ignore, ignore_lines_strip_comments_and_blanks)
{
    char l1[] = "  port   # the port\n";
    char l2[] = "# only a comment\n";
    char l3[] = "   \n";

    cr_assert_str_eq(parameters_ignore_line(l1), "port");
    cr_assert_null(parameters_ignore_line(l2));
    cr_assert_null(parameters_ignore_line(l3));
}

Test(param_ignore, shipped_ignore_file_mirrors_the_builtin_list)
{
    char path[4096], line[1024];
    size_t i = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/share/parameters/ignore.txt", GL_TEST_SOURCE_DIR);
    f = fopen(path, "r");
    cr_assert_not_null(f, "cannot open %s", path);
    while (fgets(line, sizeof(line), f) != NULL) {
        const char *p = parameters_ignore_line(line);

        if (p == NULL)
            continue;
        cr_assert_not_null(parameters_default_ignore[i], "%s has extra pattern %s", path, p);
        cr_assert_str_eq(p, parameters_default_ignore[i], "entry %zu differs", i);
        i++;
    }
    fclose(f);
    cr_assert_null(parameters_default_ignore[i], "%s lacks %s", path, parameters_default_ignore[i]);
}

Test(param_ignore, builtin_list_covers_greenlights_own_session_settings)
{
    static const char *const session[] = { "application_name", "default_transaction_read_only",
                                           "statement_timeout", "lock_timeout",
                                           "idle_in_transaction_session_timeout" };

    for (size_t s = 0; s < sizeof(session) / sizeof(session[0]); s++) {
        int found = 0;

        for (size_t i = 0; parameters_default_ignore[i] != NULL; i++)
            found |= parameters_glob_match(parameters_default_ignore[i], session[s]);
        cr_assert(found, "%s is not ignored", session[s]);
    }
}

/* One glob dialect everywhere: fnmatch's sets and quoting work here as in
 * waivers and the schema filters. */
Test(param_ignore, globs_are_fnmatch_globs)
{
    cr_assert(parameters_glob_match("log_[dm]*", "log_min_messages"));
    cr_assert(parameters_glob_match("LOG_[DM]*", "log_destination"));
    cr_assert_not(parameters_glob_match("log_[dm]*", "log_line_prefix"));
    cr_assert(parameters_glob_match("a\\*b", "a*b"));
    cr_assert_not(parameters_glob_match("a\\*b", "axb"));
}
