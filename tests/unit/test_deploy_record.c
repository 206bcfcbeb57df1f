/* Unit tests for the deployment record (engine/src/deploy/record.c): strict
 * loading, atomic save, the lock, and conninfo without passwords. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/exit.h"
#include "deploy/record.h"

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/gl-record-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static void write_record(const char *text)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/" GL_DEPLOY_RECORD_FILE, dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

TestSuite(deploy_record, .init = make_dir, .fini = remove_dir);

Test(deploy_record, new_record_saves_and_loads_back_equal)
{
    gl_value *rec = gl_deploy_record_new("app", "app", "host=b dbname=app", "host=g dbname=app");
    gl_value *back = NULL;
    gl_error err;

    cr_assert_not_null(rec);
    cr_assert_eq(gl_deploy_record_step(rec, "prerequisites", "schema"), 0);
    cr_assert_eq(gl_deploy_record_save(dir, rec, &err), 0, "%s", err.message);
    cr_assert_eq(gl_deploy_record_load(dir, &back, &err), 0, "%s", err.message);
    cr_assert(gl_value_equal(rec, back));
    cr_assert_str_eq(gl_deploy_record_string(back, "publication"), "greenlight_app");
    cr_assert_str_eq(gl_deploy_record_string(back, "step"), "schema");
    cr_assert(gl_deploy_record_done(back, "prerequisites"));
    cr_assert_not(gl_deploy_record_done(back, "schema"));
    gl_value_free(rec);
    gl_value_free(back);
}

Test(deploy_record, missing_record_is_reported_as_absent)
{
    gl_value *rec = NULL;
    gl_error err;

    cr_assert_eq(gl_deploy_record_load(dir, &rec, &err), 1);
    cr_assert_null(rec);
}

Test(deploy_record, unknown_key_is_refused_with_its_name)
{
    gl_value *rec = gl_deploy_record_new("app", "app", "host=b", "host=g");
    gl_value *back = NULL;
    gl_error err;

    cr_assert_eq(gl_value_object_set(gl_value_object_get_mut(rec, "blue"), "pasword", gl_value_string("x")), 0);
    cr_assert_eq(gl_deploy_record_save(dir, rec, &err), 0);
    cr_assert_eq(gl_deploy_record_load(dir, &back, &err), -1);
    cr_assert_eq(gl_cli_exit_code(&err), GL_EXIT_USAGE);
    cr_assert(strstr(err.message, "unknown key \"blue.pasword\"") != NULL, "%s", err.message);
    gl_value_free(rec);
}

Test(deploy_record, bad_state_type_and_json_are_refused)
{
    gl_value *rec = NULL;
    gl_error err;

    write_record("{\"greenlight_deployment\": 1,");
    cr_assert_eq(gl_deploy_record_load(dir, &rec, &err), -1);
    cr_assert(strstr(err.message, "is not valid JSON") != NULL, "%s", err.message);
    write_record("{\"greenlight_deployment\": 2}");
    cr_assert_eq(gl_deploy_record_load(dir, &rec, &err), -1);
    cr_assert(strstr(err.message, "not a greenlight deployment record") != NULL, "%s", err.message);

    gl_value *r = gl_deploy_record_new("app", "app", "host=b", "host=g");
    gl_deploy_record_set_string(r, "state", "almost_done");
    cr_assert_eq(gl_deploy_record_save(dir, r, &err), 0);
    cr_assert_eq(gl_deploy_record_load(dir, &rec, &err), -1);
    cr_assert(strstr(err.message, "unknown state \"almost_done\"") != NULL, "%s", err.message);
    gl_value_object_set(r, "state", gl_value_string("available"));
    gl_value_object_set(r, "large_objects", gl_value_string("3"));
    cr_assert_eq(gl_deploy_record_save(dir, r, &err), 0);
    cr_assert_eq(gl_deploy_record_load(dir, &rec, &err), -1);
    cr_assert(strstr(err.message, "\"large_objects\" has the wrong type") != NULL, "%s", err.message);
    gl_value_free(r);
}

Test(deploy_record, save_leaves_no_temp_file_and_private_mode)
{
    gl_value *rec = gl_deploy_record_new("app", "app", "host=b", "host=g");
    char path[128];
    struct stat st;
    gl_error err;

    cr_assert_eq(gl_deploy_record_save(dir, rec, &err), 0);
    snprintf(path, sizeof(path), "%s/" GL_DEPLOY_RECORD_FILE ".tmp", dir);
    cr_assert_neq(access(path, F_OK), 0, "the temp file is renamed away");
    snprintf(path, sizeof(path), "%s/" GL_DEPLOY_RECORD_FILE, dir);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 077, 0, "the record is private to its owner");
    cr_assert_eq(gl_deploy_record_remove(dir, &err), 0);
    cr_assert_neq(access(path, F_OK), 0);
    gl_value_free(rec);
}

Test(deploy_record, second_lock_is_refused_naming_the_holder)
{
    int fd = -1, fd2 = -1;
    gl_error err;
    pid_t child;
    int status;

    cr_assert_eq(gl_deploy_lock(dir, &fd, &err), 0, "%s", err.message);
    child = fork();
    if (child == 0) {
        /* flock is per open file description: a second process must fail. */
        int rc = gl_deploy_lock(dir, &fd2, &err);
        char want[64];
        snprintf(want, sizeof(want), "(pid %ld)", (long)getppid());
        _exit(rc == -1 && err.error_class == GL_ERR_CONFLICT && strstr(err.message, want) ? 0 : 1);
    }
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the second locker is refused");
    gl_deploy_unlock(fd);
    cr_assert_eq(gl_deploy_lock(dir, &fd2, &err), 0, "free again after unlock: %s", err.message);
    gl_deploy_unlock(fd2);
}

Test(deploy_record, conninfo_strip_removes_passwords_from_strings_and_uris)
{
    gl_error err;
    char *a = gl_deploy_conninfo_strip("host=db1 password=s3cret user=me dbname=app", &err);
    char *b = gl_deploy_conninfo_strip("postgresql://me:s3cret@db1:5433/app?sslmode=require", &err);
    char *c = gl_deploy_conninfo_strip("host='it''s'", &err);

    cr_assert_not_null(a);
    cr_assert_not_null(b);
    cr_assert_null(c, "malformed conninfo is refused");
    cr_assert(strncmp(err.message, "invalid connection string: ", 27) == 0, "%s", err.message);
    cr_assert_eq(err.error_class, GL_ERR_USAGE);
    cr_assert_null(strstr(a, "s3cret"), "%s", a);
    cr_assert_null(strstr(a, "password"), "%s", a);
    cr_assert(strstr(a, "host='db1'") && strstr(a, "user='me'") && strstr(a, "dbname='app'"), "%s", a);
    cr_assert_null(strstr(b, "s3cret"), "%s", b);
    cr_assert(strstr(b, "port='5433'") && strstr(b, "sslmode='require'"), "%s", b);
    free(a);
    free(b);
}

Test(deploy_record, state_dir_prefers_flag_then_environment)
{
    setenv("GREENLIGHT_STATE", "/env/state", 1);
    cr_assert_str_eq(gl_deploy_state_dir("/flag"), "/flag");
    cr_assert_str_eq(gl_deploy_state_dir(NULL), "/env/state");
    unsetenv("GREENLIGHT_STATE");
    cr_assert_str_eq(gl_deploy_state_dir(NULL), "./greenlight-deploy");
}
