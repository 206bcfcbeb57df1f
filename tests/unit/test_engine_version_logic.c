/*
 * The engine_version plugin's pure logic: version numbers, extension version
 * ordering, operator sources, which version steps cross a pg_upgrade
 * problem, and the data file's parser (on the shipped file and on broken
 * input). Includes the plugin's version.c directly: it uses no host and no
 * engine.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/engine_version/version.c"

Test(engine_version_logic, version_numbers_split_into_major_and_minor)
{
    engine_version_version v;
    char buf[32];

    cr_assert_eq(engine_version_version_from_num(150010, &v), 0);
    cr_assert_eq(v.major, 15);
    cr_assert_eq(v.minor, 10);
    engine_version_version_string(&v, buf, sizeof(buf));
    cr_assert_str_eq(buf, "15.10");
    engine_version_version_major_string(&v, buf, sizeof(buf));
    cr_assert_str_eq(buf, "15");

    cr_assert_eq(engine_version_version_from_num(100000, &v), 0);
    cr_assert_eq(v.major, 10);
    cr_assert_eq(v.minor, 0);

    cr_assert_eq(engine_version_version_from_num(90624, &v), 0);
    cr_assert(v.pre10);
    engine_version_version_string(&v, buf, sizeof(buf));
    cr_assert_str_eq(buf, "9.6.24");
    engine_version_version_major_string(&v, buf, sizeof(buf));
    cr_assert_str_eq(buf, "9.6");

    cr_assert_eq(engine_version_version_from_num(0, &v), -1);
    cr_assert_eq(engine_version_version_from_num(-1, &v), -1);
}

static engine_version_change change(int blue, int green)
{
    engine_version_version b, g;

    engine_version_version_from_num(blue, &b);
    engine_version_version_from_num(green, &g);
    return engine_version_version_change(&b, &g);
}

Test(engine_version_logic, version_steps_are_classified)
{
    cr_assert_eq(change(150010, 150010), ENGINE_VERSION_SAME);
    cr_assert_eq(change(150010, 150012), ENGINE_VERSION_MINOR_UPGRADE);
    cr_assert_eq(change(150010, 170002), ENGINE_VERSION_MAJOR_UPGRADE);
    cr_assert_eq(change(90624, 100000), ENGINE_VERSION_MAJOR_UPGRADE);
    cr_assert_eq(change(90524, 90600), ENGINE_VERSION_MAJOR_UPGRADE, "9.5 -> 9.6 is a major step");
    cr_assert_eq(change(170002, 150010), ENGINE_VERSION_DOWNGRADE);
    cr_assert_eq(change(150012, 150010), ENGINE_VERSION_DOWNGRADE, "a minor downgrade is one too");
}

Test(engine_version_logic, extension_versions_order_naturally)
{
    cr_assert_lt(engine_version_extension_version_cmp("1.9", "1.10"), 0);
    cr_assert_gt(engine_version_extension_version_cmp("1.10", "1.9"), 0);
    cr_assert_lt(engine_version_extension_version_cmp("1.0", "1.0.1"), 0);
    cr_assert_lt(engine_version_extension_version_cmp("2.0beta1", "2.0"), 0);
    cr_assert_gt(engine_version_extension_version_cmp("2.1", "2.beta"), 0);
    cr_assert_eq(engine_version_extension_version_cmp("1.4", "1.4"), 0);
    cr_assert_eq(engine_version_extension_version_cmp("01.4", "1.4"), 0);
    cr_assert_lt(engine_version_extension_version_cmp("3.1.4", "3.4.0"), 0);
    cr_assert_gt(engine_version_extension_version_cmp("123456789012345678901234", "9"), 0,
                 "long digit runs do not overflow");
}

Test(engine_version_logic, operator_sources)
{
    cr_assert(engine_version_source_is_operator("configuration file"));
    cr_assert(engine_version_source_is_operator("command line"));
    cr_assert(engine_version_source_is_operator("database"));
    cr_assert(engine_version_source_is_operator("user"));
    cr_assert(engine_version_source_is_operator("database user"));
    cr_assert_not(engine_version_source_is_operator("default"));
    cr_assert_not(engine_version_source_is_operator("override"));
    cr_assert_not(engine_version_source_is_operator("client"));
    cr_assert_not(engine_version_source_is_operator("session"));
    cr_assert_not(engine_version_source_is_operator(NULL));
}

Test(engine_version_logic, upgrade_problems_apply_only_when_the_step_crosses_them)
{
    engine_version_version v11, v13, v15, v16, v17, v15b;

    engine_version_version_from_num(110020, &v11);
    engine_version_version_from_num(130010, &v13);
    engine_version_version_from_num(150010, &v15);
    engine_version_version_from_num(160004, &v16);
    engine_version_version_from_num(170002, &v17);
    engine_version_version_from_num(150012, &v15b);
    /* aclitem's format changed in 16 */
    cr_assert(engine_version_crosses(&v15, &v17, 160000));
    cr_assert(engine_version_crosses(&v15, &v16, 160000));
    cr_assert_not(engine_version_crosses(&v16, &v17, 160000), "already past it");
    cr_assert_not(engine_version_crosses(&v13, &v15, 160000), "not reached yet");
    /* postfix operators went in 14 */
    cr_assert(engine_version_crosses(&v13, &v17, 140000));
    cr_assert_not(engine_version_crosses(&v15, &v17, 140000));
    cr_assert(engine_version_crosses(&v11, &v13, 120000));
    /* 0: every major upgrade (OIDs pg_upgrade does not keep), never a minor step */
    cr_assert(engine_version_crosses(&v15, &v17, 0));
    cr_assert(engine_version_crosses(&v16, &v17, 0));
    cr_assert_not(engine_version_crosses(&v15, &v15b, 0), "a minor step keeps the data files");
    cr_assert_not(engine_version_crosses(&v17, &v15, 0), "a downgrade is judged elsewhere");
    cr_assert_not(engine_version_crosses(&v17, &v15, 160000));
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;

    cr_assert_not_null(f, "cannot open %s", path);
    buf = malloc(1 << 20);
    cr_assert_not_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

Test(engine_version_logic, shipped_data_file_parses_and_answers)
{
    size_t len;
    char *text = read_all(GL_TEST_SOURCE_DIR "/share/engine_version/upgrade_data.txt", &len);
    char err[256] = "";
    engine_version_data d;
    const engine_version_renamed_parameter *p;
    const engine_version_extension_note *e;

    cr_assert_eq(engine_version_data_parse(text, len, &d, err, sizeof(err)), 0, "%s", err);
    p = engine_version_data_parameter(&d, "wal_keep_segments");
    cr_assert_not_null(p);
    cr_assert_str_eq(p->renamed_to, "wal_keep_size");
    cr_assert_str_eq(p->removed_in, "13");
    p = engine_version_data_parameter(&d, "FORCE_PARALLEL_MODE");
    cr_assert_not_null(p, "lookup is case-insensitive");
    cr_assert_str_eq(p->renamed_to, "debug_parallel_query");
    p = engine_version_data_parameter(&d, "vacuum_defer_cleanup_age");
    cr_assert_not_null(p);
    cr_assert_null(p->renamed_to, "removed without a successor");
    cr_assert_str_eq(p->note, "Use hot_standby_feedback or replication slots instead.",
                     "the note is the rest of the line");
    cr_assert_not_null(engine_version_data_parameter(&d, "stats_temp_directory"));
    cr_assert_not_null(engine_version_data_parameter(&d, "old_snapshot_threshold"));
    cr_assert_not_null(engine_version_data_parameter(&d, "promote_trigger_file"));
    cr_assert_null(engine_version_data_parameter(&d, "shared_buffers"));
    cr_assert_null(engine_version_data_parameter(&d, NULL));
    e = engine_version_data_extension(&d, "pg_cron");
    cr_assert_not_null(e);
    cr_assert_str_eq(e->severity, "warning");
    cr_assert(strstr(e->reason, "cron.job") != NULL, "whole reason kept: %s", e->reason);
    cr_assert_str_eq(engine_version_data_extension(&d, "citus")->severity, "error");
    cr_assert_null(engine_version_data_extension(&d, "hstore"));
    for (size_t i = 0; i < d.nparameters; i++) {
        cr_assert_not_null(d.parameters[i].note);
        cr_assert_gt(strlen(d.parameters[i].note), 0);
    }
    engine_version_data_free(&d);
    free(text);
}

/* Parses text; returns the error message ("" on success). */
static const char *parse(const char *text)
{
    static char err[256];
    engine_version_data d;

    err[0] = '\0';
    if (engine_version_data_parse(text, strlen(text), &d, err, sizeof(err)) == 0)
        engine_version_data_free(&d);
    return err;
}

Test(engine_version_logic, malformed_data_is_refused_naming_the_line)
{
    cr_assert_str_eq(parse("format 1\n"), "");
    cr_assert_str_eq(parse("# comment\n\nformat 1\n  # indented comment\r\n"), "");
    cr_assert(strstr(parse(""), "no \"format 1\"") != NULL);
    cr_assert(strstr(parse("format 2\n"), "line 1") != NULL, "%s", parse("format 2\n"));
    cr_assert(strstr(parse("parameter 16 a - x\n"), "format 1") != NULL, "format comes first");
    cr_assert(strstr(parse("format 1\nparameter 16 a\n"), "line 2") != NULL);
    cr_assert(strstr(parse("format 1\nparameter 16 Bad_Name - x\n"), "lower-case") != NULL);
    cr_assert(strstr(parse("format 1\nparameter 16 a - x\nparameter 17 a - y\n"), "twice") != NULL);
    cr_assert(strstr(parse("format 1\nextension foo severe boom\n"), "not info") != NULL);
    cr_assert(strstr(parse("format 1\nextension foo warning\n"), "line 2") != NULL);
    cr_assert(strstr(parse("format 1\nwidget x\n"), "unknown record") != NULL);
    {
        engine_version_data d;
        char err[64];
        const char nul[] = "format 1\n\0parameter";

        cr_assert_eq(engine_version_data_parse(nul, sizeof(nul) - 1, &d, err, sizeof(err)), -1);
    }
}

Test(engine_version_logic, one_word_and_multi_word_fields)
{
    engine_version_data d;
    char err[128];
    const char text[] = "format 1\n"
                        "extension a info short\n"
                        "extension b warning  two   words \n"
                        "parameter 9.5 x_y y_z Note with  spaces.\n";

    cr_assert_eq(engine_version_data_parse(text, sizeof(text) - 1, &d, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(engine_version_data_extension(&d, "a")->reason, "short");
    cr_assert_str_eq(engine_version_data_extension(&d, "b")->reason, "two   words");
    cr_assert_str_eq(engine_version_data_parameter(&d, "x_y")->renamed_to, "y_z");
    cr_assert_str_eq(engine_version_data_parameter(&d, "x_y")->removed_in, "9.5");
    cr_assert_str_eq(engine_version_data_parameter(&d, "x_y")->note, "Note with  spaces.");
    engine_version_data_free(&d);
}
