/* AWS credentials and region lookup (engine/src/aws/credentials.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/credentials.h"
#include "cli/exit.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRETKEY"
#define TOKEN "IQoJb3JpZ2luX2VjSESSIONTOKEN"

static char dir[64];
static char cred_path[128], config_path[128];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/gl_test_awscred.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(cred_path, sizeof(cred_path), "%s/credentials", dir);
    snprintf(config_path, sizeof(config_path), "%s/config", dir);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    setenv("HOME", dir, 1);    /* no ~/.aws of the machine leaks in */
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_CONFIG_FILE");
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* Points both variables at (empty) files in the temp dir. */
static void use_files(void)
{
    write_file(cred_path, "");
    write_file(config_path, "");
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred_path, 1);
    setenv("AWS_CONFIG_FILE", config_path, 1);
}

/* Loads expecting failure; asserts no secret leaks into the message. */
static const char *load_fails(void)
{
    static gl_error err;
    gl_aws_credentials c;

    cr_assert_eq(gl_aws_credentials_load(&c, &err), -1);
    cr_assert_eq(gl_cli_exit_code(&err), 64);
    cr_assert_null(strstr(err.message, SECRET), "secret in: %s", err.message);
    cr_assert_null(strstr(err.message, TOKEN), "token in: %s", err.message);
    return err.message;
}

TestSuite(aws_credentials, .init = setup, .fini = teardown);

Test(aws_credentials, environment_variables_come_first)
{
    gl_aws_credentials c;
    gl_error err;

    use_files();
    write_file(cred_path, "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = other\n");
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    setenv("AWS_SESSION_TOKEN", TOKEN, 1);
    cr_assert_eq(gl_aws_credentials_load(&c, &err), 0, "%s", err.message);
    cr_assert_str_eq(c.access_key_id, "AKIDENV");
    cr_assert_str_eq(c.secret_access_key, SECRET);
    cr_assert_str_eq(c.session_token, TOKEN);
    cr_assert_str_eq(c.source, "environment (AWS_ACCESS_KEY_ID)");
    gl_aws_credentials_clear(&c);
    cr_assert_eq(c.secret_access_key[0], '\0');
}

Test(aws_credentials, half_an_environment_pair_is_refused)
{
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    cr_assert_str_eq(load_fails(), "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or neither to use a profile");
}

Test(aws_credentials, named_profile_from_the_credentials_file)
{
    gl_aws_credentials c;
    gl_error err;
    char want[256];

    use_files();
    write_file(cred_path, "# comment\n[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = x\n\n"
                          "[prod]\r\naws_access_key_id=AKIDPROD\r\n  ; indented comment\r\naws_secret_access_key = " SECRET "\r\n"
                          "aws_session_token = " TOKEN "\r\n");
    setenv("AWS_PROFILE", "prod", 1);
    cr_assert_eq(gl_aws_credentials_load(&c, &err), 0, "%s", err.message);
    cr_assert_str_eq(c.access_key_id, "AKIDPROD");
    cr_assert_str_eq(c.secret_access_key, SECRET);
    cr_assert_str_eq(c.session_token, TOKEN);
    snprintf(want, sizeof(want), "profile prod in %s", cred_path);
    cr_assert_str_eq(c.source, want);
}

Test(aws_credentials, profile_keys_in_the_config_file)
{
    gl_aws_credentials c;
    gl_error err;

    use_files();
    write_file(config_path, "[profile ops]\nregion = eu-west-1\noutput = json\ns3 =\n  max_concurrent_requests = 4\n"
                            "aws_access_key_id = AKIDCONF\naws_secret_access_key = " SECRET "\n");
    setenv("AWS_PROFILE", "ops", 1);
    cr_assert_eq(gl_aws_credentials_load(&c, &err), 0, "%s", err.message);
    cr_assert_str_eq(c.access_key_id, "AKIDCONF");
}

Test(aws_credentials, a_bad_line_names_file_and_line_without_its_content)
{
    char want[256];

    use_files();
    write_file(cred_path, "[default]\naws_access_key_id = AKID\n" SECRET "\n");
    snprintf(want, sizeof(want), "%s:3: expected [section] or key = value", cred_path);
    cr_assert_str_eq(load_fails(), want);
}

Test(aws_credentials, an_unknown_setting_in_the_profile_is_refused)
{
    char want[256];

    use_files();
    write_file(cred_path, "[other]\nwhatever = 1\n[default]\naws_access_key_id = AKID\naws_secret_acess_key = " SECRET "\n");
    snprintf(want, sizeof(want), "%s:5: unknown setting \"aws_secret_acess_key\" in [default]: check its spelling", cred_path);
    cr_assert_str_eq(load_fails(), want);
}

Test(aws_credentials, a_bad_section_header_is_refused)
{
    char want[256];

    use_files();
    write_file(config_path, "[profile x\nregion = us-east-1\n");
    snprintf(want, sizeof(want), "%s:1: a section header is [name]", config_path);
    cr_assert_str_eq(load_fails(), want);
}

Test(aws_credentials, an_unknown_profile_is_named)
{
    char want[512];

    use_files();
    write_file(cred_path, "[default]\naws_access_key_id = AKID\naws_secret_access_key = " SECRET "\n");
    setenv("AWS_PROFILE", "typo", 1);
    snprintf(want, sizeof(want), "AWS_PROFILE=typo: no such profile in %s or %s", cred_path, config_path);
    cr_assert_str_eq(load_fails(), want);
}

Test(aws_credentials, role_profiles_say_how_to_export_credentials)
{
    use_files();
    write_file(config_path, "[profile deployer]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = default\n");
    setenv("AWS_PROFILE", "deployer", 1);
    cr_assert_str_eq(load_fails(),
                     "AWS profile deployer gets its credentials through role_arn, which greenlight does not resolve: "
                     "export them first (eval \"$(aws configure export-credentials --profile deployer --format env)\")");
}

Test(aws_credentials, nothing_configured_says_what_to_set)
{
    char want[512];

    snprintf(want, sizeof(want),
             "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), "
             "or AWS_PROFILE naming a profile in %s/.aws/credentials", dir);
    cr_assert_str_eq(load_fails(), want);
}

Test(aws_credentials, an_explicit_file_that_is_missing_is_an_error)
{
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds", 1);
    cr_assert_str_eq(load_fails(), "cannot read AWS file /nonexistent/creds: No such file or directory");
}

Test(aws_credentials, region_order)
{
    char r[64];
    gl_error err;

    use_files();
    write_file(config_path, "[default]\nregion = ap-south-1\n[profile ops]\nregion = eu-north-1\n");
    cr_assert_eq(gl_aws_region_resolve(NULL, r, sizeof(r), &err), 0, "%s", err.message);
    cr_assert_str_eq(r, "ap-south-1");
    setenv("AWS_PROFILE", "ops", 1);
    cr_assert_eq(gl_aws_region_resolve(NULL, r, sizeof(r), &err), 0);
    cr_assert_str_eq(r, "eu-north-1");
    setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
    cr_assert_eq(gl_aws_region_resolve(NULL, r, sizeof(r), &err), 0);
    cr_assert_str_eq(r, "us-west-1");
    setenv("AWS_REGION", "us-west-2", 1);
    cr_assert_eq(gl_aws_region_resolve(NULL, r, sizeof(r), &err), 0);
    cr_assert_str_eq(r, "us-west-2");
    cr_assert_eq(gl_aws_region_resolve("ca-central-1", r, sizeof(r), &err), 0);
    cr_assert_str_eq(r, "ca-central-1");
}

Test(aws_credentials, no_region_says_what_to_set)
{
    char r[64], want[256];
    gl_error err;

    use_files();
    cr_assert_eq(gl_aws_region_resolve(NULL, r, sizeof(r), &err), -1);
    snprintf(want, sizeof(want), "no AWS region: pass --region, set AWS_REGION, or set region in [default] of %s", config_path);
    cr_assert_str_eq(err.message, want);
}
