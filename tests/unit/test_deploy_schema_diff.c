/* Unit tests for gl_deploy_schema_diff (engine/src/deploy/schema_copy.c):
 * the class of its failures, which cli/exit.c makes the exit code. */
#include <criterion/criterion.h>
#include <string.h>

#include "cli/exit.h"
#include "deploy/schema_copy.h"

/* The schema comparison on a side that cannot be reached is "unavailable"
 * (69: re-run when it is back), not "internal" (70). It compared the run's
 * exit code with the class enum, so every failure was internal. */
Test(deploy_schema_diff, an_unreachable_side_is_unavailable_not_internal)
{
    const char *gone = "host=/nonexistent-greenlight-socket-dir port=1 dbname=app connect_timeout=2";
    gl_value *diffs = NULL;
    gl_error err;

    gl_error_clear(&err);
    cr_assert_eq(gl_deploy_schema_diff(gone, gone, 1, NULL, 0, &diffs, &err), -1);
    cr_assert_null(diffs);
    const char *prefix = "comparing schemas with the schema plugin failed: ";
    cr_assert(strncmp(err.message, prefix, strlen(prefix)) == 0, "%s", err.message);
    cr_assert_eq(err.error_class, GL_ERR_UNAVAILABLE, "class %d: %s", err.error_class, err.message);
    cr_assert_eq(gl_cli_exit_code(&err), 69);
}
