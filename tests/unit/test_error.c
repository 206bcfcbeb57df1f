/* Unit tests for the error type (engine/src/util/error.c) and the class ->
 * exit code table, which lives in cli/ (engine/src/cli/exit.c;
 * share/doc/exit-codes.md). */
#include <criterion/criterion.h>
#include <string.h>

#include "cli/exit.h"
#include "util/error.h"

static int exit_for(gl_error_class c)
{
    gl_error err;

    gl_error_clear(&err);
    gl_error_set(&err, c, "x");
    return gl_cli_exit_code(&err);
}

Test(error, every_class_maps_to_its_documented_exit_code)
{
    cr_assert_eq(exit_for(GL_ERR_USAGE), 64);
    cr_assert_eq(exit_for(GL_ERR_TOO_LARGE), 64);
    cr_assert_eq(exit_for(GL_ERR_AUTH), 64);
    cr_assert_eq(exit_for(GL_ERR_UNAVAILABLE), 69);
    cr_assert_eq(exit_for(GL_ERR_CONFLICT), 69);
    cr_assert_eq(exit_for(GL_ERR_NOMEM), 70);
    cr_assert_eq(exit_for(GL_ERR_INTERNAL), 70);
    cr_assert_eq(exit_for(GL_ERR_CONFIG), 78);
}

Test(error, an_error_without_a_class_fails_closed_as_internal)
{
    gl_error err;

    gl_error_clear(&err);
    cr_assert_eq(err.error_class, GL_ERR_NONE);
    cr_assert_eq(gl_cli_exit_code(&err), 70, "never 0: an unset error must not look like success");
}

Test(error, the_exit_codes_are_the_sysexits_numbers)
{
    cr_assert_eq(GL_EXIT_USAGE, 64);
    cr_assert_eq(GL_EXIT_UNAVAILABLE, 69);
    cr_assert_eq(GL_EXIT_INTERNAL, 70);
    cr_assert_eq(GL_EXIT_CONFIG, 78);
}

Test(error, nomem_sets_the_class_and_the_message)
{
    gl_error err;

    gl_error_clear(&err);
    cr_assert_eq(gl_error_nomem(&err), -1);
    cr_assert_eq(err.error_class, GL_ERR_NOMEM);
    cr_assert_str_eq(err.message, "out of memory");
}

Test(error, set_and_prefix_may_quote_the_message_itself)
{
    gl_error err;

    gl_error_clear(&err);
    gl_error_set(&err, GL_ERR_USAGE, "cannot read %s", "p.lua");
    cr_assert_eq(gl_error_set(&err, err.error_class, "%s: %s", "--policy", err.message), -1);
    cr_assert_str_eq(err.message, "--policy: cannot read p.lua");
    cr_assert_eq(gl_error_prefix(&err, "%s", err.message), -1);
    cr_assert_str_eq(err.message, "--policy: cannot read p.lua: --policy: cannot read p.lua");
    cr_assert_eq(err.error_class, GL_ERR_USAGE, "prefix keeps the class");
}
