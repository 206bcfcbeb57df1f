/*
 * The engine_version plugin's pure logic: version numbers, extension version
 * ordering, operator sources, the removed/renamed parameter table. Includes
 * the plugin's version.c directly: it uses no host and no engine.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "../../plugins/engine_version/version.c"

Test(engine_version_logic, version_numbers_split_into_major_and_minor)
{
    gl_ev_version v;
    char buf[32];

    cr_assert_eq(gl_ev__version_from_num(150010, &v), 0);
    cr_assert_eq(v.major, 15);
    cr_assert_eq(v.minor, 10);
    gl_ev__version_string(&v, buf, sizeof(buf));
    cr_assert_str_eq(buf, "15.10");
    gl_ev__version_major_string(&v, buf, sizeof(buf));
    cr_assert_str_eq(buf, "15");

    cr_assert_eq(gl_ev__version_from_num(100000, &v), 0);
    cr_assert_eq(v.major, 10);
    cr_assert_eq(v.minor, 0);

    cr_assert_eq(gl_ev__version_from_num(90624, &v), 0);
    cr_assert(v.pre10);
    gl_ev__version_string(&v, buf, sizeof(buf));
    cr_assert_str_eq(buf, "9.6.24");
    gl_ev__version_major_string(&v, buf, sizeof(buf));
    cr_assert_str_eq(buf, "9.6");

    cr_assert_eq(gl_ev__version_from_num(0, &v), -1);
    cr_assert_eq(gl_ev__version_from_num(-1, &v), -1);
}

static gl_ev_change change(int blue, int green)
{
    gl_ev_version b, g;

    gl_ev__version_from_num(blue, &b);
    gl_ev__version_from_num(green, &g);
    return gl_ev__version_change(&b, &g);
}

Test(engine_version_logic, version_steps_are_classified)
{
    cr_assert_eq(change(150010, 150010), GL_EV_SAME);
    cr_assert_eq(change(150010, 150012), GL_EV_MINOR_UPGRADE);
    cr_assert_eq(change(150010, 170002), GL_EV_MAJOR_UPGRADE);
    cr_assert_eq(change(90624, 100000), GL_EV_MAJOR_UPGRADE);
    cr_assert_eq(change(90524, 90600), GL_EV_MAJOR_UPGRADE, "9.5 -> 9.6 is a major step");
    cr_assert_eq(change(170002, 150010), GL_EV_DOWNGRADE);
    cr_assert_eq(change(150012, 150010), GL_EV_DOWNGRADE, "a minor downgrade is one too");
}

Test(engine_version_logic, extension_versions_order_naturally)
{
    cr_assert_lt(gl_ev__extension_version_cmp("1.9", "1.10"), 0);
    cr_assert_gt(gl_ev__extension_version_cmp("1.10", "1.9"), 0);
    cr_assert_lt(gl_ev__extension_version_cmp("1.0", "1.0.1"), 0);
    cr_assert_lt(gl_ev__extension_version_cmp("2.0beta1", "2.0"), 0);
    cr_assert_gt(gl_ev__extension_version_cmp("2.1", "2.beta"), 0);
    cr_assert_eq(gl_ev__extension_version_cmp("1.4", "1.4"), 0);
    cr_assert_eq(gl_ev__extension_version_cmp("01.4", "1.4"), 0);
    cr_assert_lt(gl_ev__extension_version_cmp("3.1.4", "3.4.0"), 0);
    cr_assert_gt(gl_ev__extension_version_cmp("123456789012345678901234", "9"), 0,
                 "long digit runs do not overflow");
}

Test(engine_version_logic, operator_sources)
{
    cr_assert(gl_ev__source_is_operator("configuration file"));
    cr_assert(gl_ev__source_is_operator("command line"));
    cr_assert(gl_ev__source_is_operator("database"));
    cr_assert(gl_ev__source_is_operator("user"));
    cr_assert(gl_ev__source_is_operator("database user"));
    cr_assert_not(gl_ev__source_is_operator("default"));
    cr_assert_not(gl_ev__source_is_operator("override"));
    cr_assert_not(gl_ev__source_is_operator("client"));
    cr_assert_not(gl_ev__source_is_operator("session"));
    cr_assert_not(gl_ev__source_is_operator(NULL));
}

Test(engine_version_logic, renamed_parameters_are_known)
{
    const gl_ev_renamed_parameter *p;

    p = gl_ev__renamed_lookup("wal_keep_segments");
    cr_assert_not_null(p);
    cr_assert_str_eq(p->renamed_to, "wal_keep_size");
    cr_assert_str_eq(p->removed_in, "13");
    p = gl_ev__renamed_lookup("FORCE_PARALLEL_MODE");
    cr_assert_not_null(p, "lookup is case-insensitive");
    cr_assert_str_eq(p->renamed_to, "debug_parallel_query");
    p = gl_ev__renamed_lookup("vacuum_defer_cleanup_age");
    cr_assert_not_null(p);
    cr_assert_null(p->renamed_to, "removed without a successor");
    cr_assert_null(gl_ev__renamed_lookup("shared_buffers"));
    cr_assert_null(gl_ev__renamed_lookup(NULL));
}

Test(engine_version_logic, renamed_table_is_well_formed)
{
    for (const gl_ev_renamed_parameter *p = gl_ev__renamed_parameters; p->name != NULL; p++) {
        cr_assert_not_null(p->removed_in, "%s has no removed_in", p->name);
        cr_assert_not_null(p->note, "%s has no note", p->name);
        for (const char *c = p->name; *c; c++)
            cr_assert(*c == '_' || (*c >= 'a' && *c <= 'z'), "%s is not lower-case", p->name);
        for (const gl_ev_renamed_parameter *q = p + 1; q->name != NULL; q++)
            cr_assert_str_neq(p->name, q->name, "%s listed twice", p->name);
    }
}
