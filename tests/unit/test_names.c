/* Unit tests for the severity and action tables (engine/src/util/names.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "util/error.h"
#include "util/names.h"

Test(names, severities_rank_in_order_and_round_trip)
{
    cr_assert_eq(gl_severity_rank("info"), 1);
    cr_assert_eq(gl_severity_rank("warning"), 2);
    cr_assert_eq(gl_severity_rank("error"), 3);
    cr_assert_eq(gl_severity_rank("critical"), 4);
    for (int r = 1; r <= GL_SEVERITY_COUNT; r++)
        cr_assert_eq(gl_severity_rank(gl_severity_name(r)), r);
    cr_assert_null(gl_severity_names[GL_SEVERITY_COUNT], "the table is NULL-terminated (input validators use it)");
}

Test(names, a_severity_is_matched_whole_and_case_sensitive)
{
    cr_assert_eq(gl_severity_rank(NULL), 0);
    cr_assert_eq(gl_severity_rank(""), 0);
    cr_assert_eq(gl_severity_rank("Error"), 0);
    cr_assert_eq(gl_severity_rank("err"), 0);
    cr_assert_eq(gl_severity_rank("errors"), 0);
    cr_assert_eq(gl_severity_rank_len("errorX", 5), 3, "a length-bounded name needs no NUL");
    cr_assert_eq(gl_severity_rank_len("error", 4), 0);
    cr_assert_null(gl_severity_name(0));
    cr_assert_null(gl_severity_name(GL_SEVERITY_COUNT + 1));
}

Test(names, actions_by_precedence)
{
    cr_assert_lt(gl_action_rank("switchover"), gl_action_rank("hold"));
    cr_assert_lt(gl_action_rank("hold"), gl_action_rank("rollback"));
    cr_assert_str_eq(gl_action_name(GL_ACTION_HOLD), "hold");
    cr_assert_eq(gl_action_rank("Switchover"), 0);
    cr_assert_eq(gl_action_rank(NULL), 0);
    cr_assert_null(gl_action_name(0));
    cr_assert_null(gl_action_name(GL_ACTION_COUNT + 1));
}

Test(names, only_switchover_exits_zero_and_anything_unknown_holds)
{
    cr_assert_eq(gl_action_exit_code("switchover"), GL_EXIT_SWITCHOVER);
    cr_assert_eq(gl_action_exit_code("rollback"), GL_EXIT_ROLLBACK);
    cr_assert_eq(gl_action_exit_code("hold"), GL_EXIT_HOLD);
    cr_assert_eq(gl_action_exit_code(NULL), GL_EXIT_HOLD);
    cr_assert_eq(gl_action_exit_code("switchover "), GL_EXIT_HOLD);
    cr_assert_eq(gl_action_exit_code("SWITCHOVER"), GL_EXIT_HOLD);
}
