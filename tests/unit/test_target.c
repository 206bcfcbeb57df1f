/* Conninfo redaction never lets a password through; errors for bad specs
 * name the side and the fix. */
#include <criterion/criterion.h>
#include <string.h>

#include "cli/exit.h"
#include "collect/target.h"

Test(target, redacts_password_in_keyword_conninfo)
{
    char *r = gl_conninfo_redact("host=db1 port=5433 user=app password=s3cr3t-pw dbname=shop");

    cr_assert_not_null(r);
    cr_assert_null(strstr(r, "s3cr3t-pw"), "%s", r);
    cr_assert_not_null(strstr(r, "password=********"));
    cr_assert_not_null(strstr(r, "host=db1"));
    cr_assert_not_null(strstr(r, "dbname=shop"));
    free(r);
}

Test(target, redacts_password_in_uri)
{
    char *r = gl_conninfo_redact("postgresql://app:uri-s3cret@db1:5433/shop?sslmode=disable");

    cr_assert_null(strstr(r, "uri-s3cret"), "%s", r);
    cr_assert_not_null(strstr(r, "host=db1"));
    cr_assert_not_null(strstr(r, "sslmode=disable"));
    free(r);
}

Test(target, scrubs_secret_everywhere_in_text)
{
    char text[128] = "failed for pw: hunter2 and again hunter2.";

    gl_scrub_secret(text, sizeof(text), "hunter2");
    cr_assert_str_eq(text, "failed for pw: ******** and again ********.");
}

Test(target, malformed_conninfo_is_usage_error_without_secret)
{
    gl_target *t = NULL;
    gl_target_options o;
    gl_error err;

    gl_target_options_default(&o);
    cr_assert_eq(gl_target_open(&t, GL_SIDE_GREEN, "host=x password=topsecret bogus", &o, &err), -1);
    cr_assert_eq(gl_cli_exit_code(&err), GL_EXIT_USAGE);
    cr_assert_not_null(strstr(err.message, "green side"));
    cr_assert_null(strstr(err.message, "topsecret"));
}

Test(target, unreachable_server_is_unavailable_without_secret)
{
    gl_target *t = NULL;
    gl_target_options o;
    gl_error err;

    gl_target_options_default(&o);
    o.connect_timeout_s = 2;
    cr_assert_eq(gl_target_open(&t, GL_SIDE_BLUE,
                                "host=127.0.0.1 port=1 user=x password=topsecret dbname=x", &o, &err), -1);
    cr_assert_eq(gl_cli_exit_code(&err), GL_EXIT_UNAVAILABLE);
    cr_assert_not_null(strstr(err.message, "blue side"));
    cr_assert_null(strstr(err.message, "topsecret"), "%s", err.message);
}
