/* The loader refuses broken plugins with messages naming the file and the
 * versions, and loads good ones. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cli/exit.h"
#include "plugin/loader.h"

static gl_plugin_set load_from(const char *name)
{
    gl_plugin_set set;
    gl_error err;
    char dir[4096];
    const char *dirs[1] = {dir};

    snprintf(dir, sizeof(dir), "%s/test-plugins/%s", GL_TEST_BUILD_DIR, name);
    gl_error_clear(&err);
    cr_assert_eq(gl_plugins_load(&set, dirs, 1, &err), 0, "%s", err.message);
    cr_assert(set.count >= 1);
    return set;
}

Test(loader, refuses_wrong_abi_major_naming_file_and_versions)
{
    gl_plugin_set set = load_from("wrong_abi");
    const gl_loaded_plugin *p = &set.items[0];

    cr_assert_eq(p->state, GL_PLUGIN_REFUSED);
    cr_assert_not_null(strstr(p->refusal, "wrong_abi.so"), "%s", p->refusal);
    cr_assert_not_null(strstr(p->refusal, "abi_major is 99"), "%s", p->refusal);
    cr_assert_not_null(strstr(p->refusal, "ABI 1.4"), "%s", p->refusal);
    gl_plugins_free(&set);
}

Test(loader, refuses_newer_abi_minor)
{
    gl_plugin_set set = load_from("newer_minor");

    cr_assert_eq(set.items[0].state, GL_PLUGIN_REFUSED);
    char want[64];
    snprintf(want, sizeof(want), "abi_minor is %d but this greenlight speaks ABI 1.%d",
             GL_PLUGIN_ABI_MINOR + 7, GL_PLUGIN_ABI_MINOR);
    cr_assert_not_null(strstr(set.items[0].refusal, want), "%s", set.items[0].refusal);
    cr_assert_not_null(strstr(set.items[0].refusal, "newer greenlight"));
    gl_plugins_free(&set);
}

Test(loader, refuses_missing_entry_point)
{
    gl_plugin_set set = load_from("no_entry");

    cr_assert_eq(set.items[0].state, GL_PLUGIN_REFUSED);
    cr_assert_not_null(strstr(set.items[0].refusal, "no_entry.so"));
    cr_assert_not_null(strstr(set.items[0].refusal, "no greenlight_plugin symbol"), "%s",
                       set.items[0].refusal);
    gl_plugins_free(&set);
}

Test(loader, loads_good_plugin_and_shadows_later_duplicate)
{
    gl_plugin_set set;
    gl_error err;
    char dir[4096];
    const char *dirs[2] = {dir, dir};

    snprintf(dir, sizeof(dir), "%s/test-plugins/failing_collect", GL_TEST_BUILD_DIR);
    cr_assert_eq(gl_plugins_load(&set, dirs, 2, &err), 0);
    cr_assert_eq(set.items[0].state, GL_PLUGIN_LOADED);
    cr_assert_str_eq(set.items[0].desc->name, "failing_collect");
    cr_assert_eq(set.items[1].state, GL_PLUGIN_SHADOWED);
    cr_assert_not_null(strstr(set.items[1].refusal, "shadowed by"));
    gl_plugins_free(&set);
}

Test(loader, missing_plugin_path_is_a_usage_error)
{
    gl_plugin_set set;
    gl_error err;
    const char *dirs[1] = {"/nonexistent/greenlight-plugins"};

    cr_assert_eq(gl_plugins_load(&set, dirs, 1, &err), -1);
    cr_assert_eq(gl_cli_exit_code(&err), GL_EXIT_USAGE);
    cr_assert_not_null(strstr(err.message, "/nonexistent/greenlight-plugins"));
}

Test(loader, descriptor_checks_name_size_and_callbacks)
{
    gl_error why;
    gl_plugin p = GL_PLUGIN_INIT("Bad Name", "1", "d", NULL, NULL);

    gl_error_clear(&why);
    cr_assert_eq(gl_plugin_check_descriptor(&p, "x.so", &why), -1);
    cr_assert_str_eq(why.message, "x.so: name must be 1-64 characters of [a-z0-9_]");
    cr_assert_eq(why.error_class, GL_ERR_USAGE);
    p.name = "ok";
    cr_assert_eq(gl_plugin_check_descriptor(&p, "x.so", &why), -1);
    cr_assert_str_eq(why.message, "x.so: collect and compare are required");
    p.size = 8;
    cr_assert_eq(gl_plugin_check_descriptor(&p, "x.so", &why), -1);
    cr_assert_not_null(strstr(why.message, "x.so: size is 8 but ABI "), "%s", why.message);
}
