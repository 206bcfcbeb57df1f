/*
 * schema_copy — blue's schema onto green with pg_dump --schema-only (a
 * pg_dump at least as new as blue's major) restored by the psql next to it in
 * one transaction, so a kill mid-restore leaves green as it was. Also the
 * schema comparisons (via the gate's own pipeline and the schema plugin):
 * "is green schema-equal to blue" and "what changed on blue since create".
 */
#include "deploy/schema_copy.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collect/target.h"
#include "run/run.h"
#include "deploy/record.h"

extern char **environ;

static int executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Runs argv with extra environment entries (NAME=value, replacing inherited
 * ones), stdout to out_path (NULL: /dev/null), stderr captured into errbuf.
 * Returns the exit status, or -1 when it could not run. */
static int run(char *const argv[], const char *const *extra_env, const char *out_path,
               char *errbuf, size_t errcap)
{
    posix_spawn_file_actions_t fa;
    char **env = NULL, tmpl[] = "/tmp/greenlight-deploy-XXXXXX";
    size_t n_env = 0, n_extra = 0;
    pid_t pid;
    int status = -1, errfd = -1, rc = -1;

    errbuf[0] = '\0';
    while (environ[n_env] != NULL)
        n_env++;
    while (extra_env[n_extra] != NULL)
        n_extra++;
    env = calloc(n_env + n_extra + 1, sizeof(*env));
    if (env == NULL)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n_env; i++) {
        int replaced = 0;
        for (size_t j = 0; j < n_extra; j++) {
            size_t nl = strcspn(extra_env[j], "=");
            if (strncmp(environ[i], extra_env[j], nl + 1) == 0)
                replaced = 1;
        }
        if (!replaced)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < n_extra; j++)
        env[k++] = (char *)extra_env[j];
    errfd = mkstemp(tmpl);
    if (errfd < 0)
        goto out;
    unlink(tmpl);
    if (posix_spawn_file_actions_init(&fa) != 0)
        goto out;
    posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : "/dev/null",
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, errfd, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (posix_spawn(&pid, argv[0], &fa, NULL, argv, env) != 0) {
        snprintf(errbuf, errcap, "cannot run %s: %s", argv[0], strerror(errno));
        posix_spawn_file_actions_destroy(&fa);
        goto out;
    }
    posix_spawn_file_actions_destroy(&fa);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    ssize_t got = pread(errfd, errbuf, errcap - 1, 0);
    errbuf[got > 0 ? got : 0] = '\0';
    rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
out:
    if (errfd >= 0)
        close(errfd);
    free(env);
    return rc;
}

int gl_deploy_find_pg_dump(const char *given, int blue_version_num, char *path, size_t cap,
                           char *version, size_t vcap, gl_error *err)
{
    static const char *const candidates[] = {
        "/usr/lib/postgresql/18/bin/pg_dump", "/usr/lib/postgresql/17/bin/pg_dump",
        "/usr/lib/postgresql/16/bin/pg_dump", "/usr/lib/postgresql/15/bin/pg_dump",
        "/usr/lib/postgresql/14/bin/pg_dump", "/usr/bin/pg_dump", NULL,
    };
    int blue_major = blue_version_num / 10000;
    char out[256], tmpl[] = "/tmp/greenlight-pgdump-XXXXXX";
    const char *empty[] = {NULL};

    for (size_t i = 0; given != NULL || candidates[i] != NULL; i++) {
        const char *cand = given != NULL ? given : candidates[i];
        char *argv[] = {(char *)cand, "--version", NULL};
        int fd, major;
        if (!executable(cand)) {
            if (given != NULL)
                return gl_error_set(err, GL_ERR_USAGE, "--pg-dump %s is not an executable file", given);
            continue;
        }
        fd = mkstemp(tmpl);
        if (fd < 0)
            return gl_error_set(err, GL_ERR_INTERNAL, "cannot create a temp file: %s", strerror(errno));
        close(fd);
        int rc = run(argv, empty, tmpl, out, sizeof(out));
        FILE *f = fopen(tmpl, "r");
        out[0] = '\0';
        if (f != NULL) {
            if (fgets(out, sizeof(out), f) == NULL)
                out[0] = '\0';
            fclose(f);
        }
        unlink(tmpl);
        memcpy(tmpl + strlen(tmpl) - 6, "XXXXXX", 6);
        const char *num = strstr(out, ") ");
        major = (rc == 0 && num != NULL) ? atoi(num + 2) : 0;
        out[strcspn(out, "\n")] = '\0';
        if (major >= blue_major && major > 0) {
            snprintf(path, cap, "%s", cand);
            snprintf(version, vcap, "%s", num + 2);
            return 0;
        }
        if (given != NULL)
            return gl_error_set(err, GL_ERR_USAGE,
                                "--pg-dump %s is PostgreSQL %d; blue runs %d: use a pg_dump of "
                                "major version %d or newer", given, major, blue_major, blue_major);
        if (i + 1 >= sizeof(candidates) / sizeof(candidates[0]) - 1)
            break;
    }
    return gl_error_set(err, GL_ERR_USAGE,
                        "no pg_dump of PostgreSQL %d or newer found (looked in "
                        "/usr/lib/postgresql/*/bin and /usr/bin): install postgresql-client-%d "
                        "or give --pg-dump PATH", blue_major, blue_major);
}

int gl_deploy_copy_schema(const char *pg_dump, gl_deploy_conn *blue, gl_deploy_conn *green,
                          const char *file, gl_error *err)
{
    char psql[4096], errbuf[4096], blue_pw[1100] = "PGPASSWORD=", green_pw[1100] = "PGPASSWORD=";
    const char *dump_env[3] = {"PGAPPNAME=greenlight-deploy", NULL, NULL};
    const char *restore_env[4] = {"PGAPPNAME=greenlight-deploy",
                                  "PGOPTIONS=-c default_transaction_read_only=off", NULL, NULL};
    const char *slash = strrchr(pg_dump, '/');
    int rc;

    /* Passwords reach the children through their environment, never argv. */
    if (blue->password != NULL) {
        snprintf(blue_pw + 11, sizeof(blue_pw) - 11, "%s", blue->password);
        dump_env[1] = blue_pw;
    }
    if (green->password != NULL) {
        snprintf(green_pw + 11, sizeof(green_pw) - 11, "%s", green->password);
        restore_env[2] = green_pw;
    }
    snprintf(psql, sizeof(psql), "%.*spsql", slash ? (int)(slash - pg_dump + 1) : 0, pg_dump);
    if (!executable(psql))
        return gl_error_set(err, GL_ERR_USAGE, "no psql next to %s (%s): install the client "
                            "package that ships both", pg_dump, psql);
    {
        char *argv[] = {(char *)pg_dump, "--schema-only", "--no-publications", "--no-subscriptions",
                        "-d", blue->display, "-f", (char *)file, NULL};
        rc = run(argv, dump_env, NULL, errbuf, sizeof(errbuf));
        gl_scrub_secret(errbuf, sizeof(errbuf), blue->password);
        if (rc != 0)
            return gl_error_set(err, rc < 0 ? GL_ERR_INTERNAL : GL_ERR_UNAVAILABLE,
                                "blue (%s): pg_dump --schema-only failed (exit %d): %s", blue->display,
                                rc, errbuf);
    }
    {
        char *argv[] = {psql, "-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1",
                        "-d", green->display, "-f", (char *)file, NULL};
        rc = run(argv, restore_env, NULL, errbuf, sizeof(errbuf));
        gl_scrub_secret(errbuf, sizeof(errbuf), green->password);
        if (rc != 0)
            return gl_error_set(err, rc < 0 ? GL_ERR_INTERNAL : GL_ERR_USAGE,
                                "green (%s): restoring blue's schema (%s) failed, nothing was kept "
                                "(one transaction): %s", green->display, file, errbuf);
    }
    return 0;
}

/* A schema finding that says "the schemas differ" (not replication readiness,
 * not publications/subscriptions: those are the deployment's own). Every
 * severity counts: an added table is "info" to the gate but drift here. */
static int is_difference(const gl_value *f)
{
    const char *code = gl_value_object_string(f, "code");

    if (code == NULL || strncmp(code, "schema.", 7) != 0)
        return 0;
    if (strncmp(code, "schema.replication.", 19) == 0 || strncmp(code, "schema.publication", 18) == 0 ||
        strncmp(code, "schema.subscription", 19) == 0)
        return 0;
    return 1;
}

int gl_deploy_schema_diff(const char *blue, const char *green, int same_database_ok,
                          const char *const *plugin_dirs,
                          size_t n_plugin_dirs, gl_value **out, gl_error *err)
{
    gl_check_options co;
    gl_value *report = NULL, *diffs = NULL;
    const gl_value *findings, *errors;
    int exit_code = 0, rc = -1;

    *out = NULL;
    gl_check_options_default(&co);
    co.blue = blue;
    co.green = green;
    co.only_plugins = "schema";
    co.same_database_ok = same_database_ok;
    co.plugin_dirs = plugin_dirs;
    co.n_plugin_dirs = n_plugin_dirs;
    if (gl_check_run(&co, &report, &exit_code, err) != 0)
        goto out;
    errors = gl_value_object_get(report, "errors");
    if (exit_code == GL_EXIT_UNAVAILABLE || exit_code == GL_EXIT_INTERNAL) {
        const gl_value *e0 = gl_value_array_at(errors, 0);
        const char *m = gl_value_object_string(e0, "message");
        gl_error_set(err, exit_code == GL_EXIT_UNAVAILABLE ? GL_ERR_UNAVAILABLE : GL_ERR_INTERNAL,
                     "comparing schemas with the schema plugin failed: %s",
                     m ? m : "see `greenlight check --plugins schema`");
        goto out;
    }
    diffs = gl_value_array();
    if (diffs == NULL) {
        gl_error_nomem(err);
        goto out;
    }
    findings = gl_value_object_get(report, "findings");
    for (size_t i = 0; i < gl_value_len(findings); i++) {
        const gl_value *f = gl_value_array_at(findings, i);
        if (!is_difference(f))
            continue;
        gl_value *d = gl_value_object();
        if (d == NULL || gl_value_array_push(diffs, d) != 0 ||
            gl_value_object_set(d, "code", gl_value_string(gl_value_object_string(f, "code"))) != 0 ||
            gl_value_object_set(d, "object", gl_value_string(gl_value_object_string(f, "object"))) != 0 ||
            gl_value_object_set(d, "message", gl_value_string(gl_value_object_string(f, "message"))) != 0) {
            gl_error_nomem(err);
            goto out;
        }
    }
    *out = diffs;
    diffs = NULL;
    rc = 0;
out:
    gl_value_free(diffs);
    gl_value_free(report);
    return rc;
}
