#include "deploy/record.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD_MAX (4u * 1024u * 1024u)

static const char *const states[] = {
    "provisioning", "available", "switchover_in_progress", "switchover_completed",
    "switchover_failed", "rolled_back", "degraded", "deleting", NULL,
};

int gl_deploy_state_valid(const char *s)
{
    for (size_t i = 0; s != NULL && states[i] != NULL; i++)
        if (strcmp(s, states[i]) == 0)
            return 1;
    return 0;
}

const char *gl_deploy_state_dir(const char *flag)
{
    const char *env = getenv("GREENLIGHT_STATE");

    if (flag != NULL && flag[0] != '\0')
        return flag;
    if (env != NULL && env[0] != '\0')
        return env;
    return GL_DEPLOY_DEFAULT_STATE;
}

static int join(char *buf, size_t cap, const char *dir, const char *file, gl_error *err)
{
    int n = snprintf(buf, cap, "%s/%s", dir, file);

    if (n < 0 || (size_t)n >= cap)
        return gl_error_set(err, GL_ERR_USAGE, "state directory path \"%s\" is too long", dir);
    return 0;
}

int gl_deploy_lock(const char *dir, int *out_fd, gl_error *err)
{
    char path[4096], pid[32];
    int fd = -1, n;
    ssize_t got;

    *out_fd = -1;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return gl_error_set(err, GL_ERR_USAGE,
                            "cannot create the state directory %s: %s (give a writable --state DIR)",
                            dir, strerror(errno));
    if (join(path, sizeof(path), dir, GL_DEPLOY_LOCK_FILE, err) != 0)
        return -1;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return gl_error_set(err, GL_ERR_USAGE,
                            "cannot open the lock file %s: %s", path,
                            strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        got = pread(fd, pid, sizeof(pid) - 1, 0);
        pid[got > 0 ? got : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(fd);
        if (e == EWOULDBLOCK)
            return gl_error_set(err, GL_ERR_CONFLICT,
                                "another greenlight process (pid %s) is working on the deployment in "
                                "%s: wait for it to finish, or stop it, then re-run",
                                pid[0] ? pid : "unknown", dir);
        return gl_error_set(err, GL_ERR_USAGE, "cannot lock %s: %s", path, strerror(e));
    }
    n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        close(fd);
        return gl_error_set(err, GL_ERR_USAGE,
                            "cannot write the lock file %s: %s", path,
                            strerror(errno));
    }
    *out_fd = fd;
    return 0;
}

void gl_deploy_unlock(int fd)
{
    if (fd >= 0) {
        if (ftruncate(fd, 0) != 0) {
            /* The pid is informational only; the lock goes with the descriptor. */
        }
        close(fd);
    }
}

/* ---- strict validation -------------------------------------------------- */

enum kind { K_STRING, K_NSTRING, K_INT, K_OBJECT, K_NOBJECT, K_STEPS, K_SIDE, K_BOUNCER, K_COPY };

typedef struct field {
    const char *key;
    enum kind kind;
    int required;
} field;

static const field top_fields[] = {
    {"greenlight_deployment", K_INT, 1}, {"name", K_STRING, 1},
    {"database", K_STRING, 1},           {"created_at", K_STRING, 1},
    {"updated_at", K_STRING, 1},         {"state", K_STRING, 1},
    {"step", K_STRING, 1},               {"steps", K_STEPS, 1},
    {"blue", K_SIDE, 1},                 {"green", K_SIDE, 1},
    {"pgbouncer", K_BOUNCER, 0},         {"publication", K_STRING, 1},
    {"subscription", K_STRING, 1},       {"slot", K_STRING, 1},
    {"schema_copy", K_COPY, 0},          {"large_objects", K_INT, 0},
    {"last_error", K_NSTRING, 0},        {"switchover", K_NOBJECT, 0},
    {NULL, K_STRING, 0},
};

static const field side_fields[] = {
    {"conninfo", K_STRING, 1}, {"server_version", K_NSTRING, 0}, {NULL, K_STRING, 0}};
static const field bouncer_fields[] = {
    {"admin", K_STRING, 1}, {"ini", K_STRING, 1}, {"db", K_STRING, 1}, {NULL, K_STRING, 0}};
static const field copy_fields[] = {
    {"pg_dump", K_STRING, 1}, {"version", K_STRING, 1}, {"file", K_NSTRING, 0},
    {NULL, K_STRING, 0}};

static const char *const steps[] = {
    "prerequisites", "schema", "publication", "subscription", "sync", "fence", "done", NULL,
};

static int step_known(const char *s)
{
    for (size_t i = 0; s != NULL && steps[i] != NULL; i++)
        if (strcmp(s, steps[i]) == 0)
            return 1;
    return 0;
}

static int check_fields(const gl_value *obj, const field *fields, const char *where,
                        gl_error *err);

static int check_one(const gl_value *v, const field *f, const char *where, gl_error *err)
{
    gl_value_kind k = gl_value_kind_of(v);
    char sub[128];

    snprintf(sub, sizeof(sub), "%s%s%s", where, where[0] ? "." : "", f->key);
    switch (f->kind) {
    case K_STRING:
        if (k != GL_VALUE_STRING)
            goto wrong;
        return 0;
    case K_NSTRING:
        if (k != GL_VALUE_STRING && k != GL_VALUE_NULL)
            goto wrong;
        return 0;
    case K_INT:
        if (k != GL_VALUE_INT || gl_value_get_int(v) < 0)
            goto wrong;
        return 0;
    case K_OBJECT:
        if (k != GL_VALUE_OBJECT)
            goto wrong;
        return 0;
    case K_NOBJECT:
        if (k != GL_VALUE_OBJECT && k != GL_VALUE_NULL)
            goto wrong;
        return 0;
    case K_STEPS:
        if (k != GL_VALUE_OBJECT)
            goto wrong;
        for (size_t i = 0; i < gl_value_len(v); i++) {
            const char *key = gl_value_object_key_at(v, i);
            if (!step_known(key)) {
                return gl_error_set(err, GL_ERR_USAGE,
                                    "unknown step \"%s\" in \"%s\" (known: prerequisites, schema, "
                                    "publication, subscription, sync, fence, done)", key, sub);
            }
            if (gl_value_kind_of(gl_value_object_value_at(v, i)) != GL_VALUE_STRING) {
                return gl_error_set(err, GL_ERR_USAGE,
                                    "\"%s.%s\" must be a time (string)", sub, key);
            }
        }
        return 0;
    case K_SIDE:
        if (k != GL_VALUE_OBJECT)
            goto wrong;
        return check_fields(v, side_fields, sub, err);
    case K_BOUNCER:
        if (k == GL_VALUE_NULL)
            return 0;
        if (k != GL_VALUE_OBJECT)
            goto wrong;
        return check_fields(v, bouncer_fields, sub, err);
    case K_COPY:
        if (k == GL_VALUE_NULL)
            return 0;
        if (k != GL_VALUE_OBJECT)
            goto wrong;
        return check_fields(v, copy_fields, sub, err);
    }
wrong:
    return gl_error_set(err, GL_ERR_USAGE, "\"%s\" has the wrong type", sub);
}

static int check_fields(const gl_value *obj, const field *fields, const char *where,
                        gl_error *err)
{
    for (size_t i = 0; i < gl_value_len(obj); i++) {
        const char *key = gl_value_object_key_at(obj, i);
        size_t j;
        for (j = 0; fields[j].key != NULL; j++)
            if (strcmp(fields[j].key, key) == 0)
                break;
        if (fields[j].key == NULL) {
            return gl_error_set(err, GL_ERR_USAGE,
                                "unknown key \"%s%s%s\"", where, where[0] ? "." : "", key);
        }
    }
    for (size_t j = 0; fields[j].key != NULL; j++) {
        const gl_value *v = gl_value_object_get(obj, fields[j].key);
        if (v == NULL) {
            if (fields[j].required) {
                return gl_error_set(err, GL_ERR_USAGE,
                                    "missing key \"%s%s%s\"", where, where[0] ? "." : "",
                                    fields[j].key);
            }
            continue;
        }
        if (check_one(v, &fields[j], where, err) != 0)
            return -1;
    }
    return 0;
}

int gl_deploy_record_validate(const gl_value *rec, gl_error *err)
{
    const gl_value *ver;
    const char *s;

    if (gl_value_kind_of(rec) != GL_VALUE_OBJECT) {
        return gl_error_set(err, GL_ERR_USAGE, "the record must be a JSON object");
    }
    ver = gl_value_object_get(rec, "greenlight_deployment");
    if (gl_value_kind_of(ver) != GL_VALUE_INT || gl_value_get_int(ver) != GL_DEPLOY_RECORD_VERSION) {
        return gl_error_set(err, GL_ERR_USAGE,
                            "not a greenlight deployment record (version %d)",
                            GL_DEPLOY_RECORD_VERSION);
    }
    if (check_fields(rec, top_fields, "", err) != 0)
        return -1;
    s = gl_value_object_string(rec, "state");
    if (!gl_deploy_state_valid(s)) {
        return gl_error_set(err, GL_ERR_USAGE,
                            "unknown state \"%s\" (known: provisioning, available, "
                            "switchover_in_progress, switchover_completed, switchover_failed, rolled_back, "
                            "degraded, deleting)", s);
    }
    s = gl_value_object_string(rec, "step");
    if (!step_known(s)) {
        return gl_error_set(err, GL_ERR_USAGE, "unknown step \"%s\"", s);
    }
    s = gl_value_object_string(rec, "name");
    if (s[0] == '\0' || strlen(s) > GL_DEPLOY_NAME_MAX || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(s)) {
        return gl_error_set(err, GL_ERR_USAGE,
                            "\"name\" must be 1-%d characters of a-z, 0-9 and _", GL_DEPLOY_NAME_MAX);
    }
    return 0;
}

int gl_deploy_record_load(const char *dir, gl_value **out, gl_error *err)
{
    char path[4096];
    gl_value *rec = NULL;

    *out = NULL;
    if (join(path, sizeof(path), dir, GL_DEPLOY_RECORD_FILE, err) != 0)
        return -1;
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return 1;
    {
        char *text = NULL;
        size_t len = 0;
        if (gl_file_read(path, RECORD_MAX, &text, &len, err) != 0)
            return -1;
        if (gl_json_parse(text, len, &rec, err) != 0) {
            free(text);
            return gl_error_set(err, GL_ERR_USAGE,
                                "deployment record %s is not valid JSON: %s (restore it, or remove "
                                "it and run `greenlight deploy status` with --blue/--green)", path, err->message);
        }
        free(text);
    }
    if (gl_deploy_record_validate(rec, err) != 0) {
        gl_value_free(rec);
        return gl_error_set(err, GL_ERR_USAGE,
                            "deployment record %s is invalid: %s (greenlight writes this file: "
                            "restore the version it wrote)", path, err->message);
    }
    *out = rec;
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

int gl_deploy_record_save(const char *dir, gl_value *rec, gl_error *err)
{
    char path[4096], tmp[4096], now[40];
    char *text = NULL;
    size_t len = 0, off = 0;
    int fd = -1, rc = -1;

    gl_time_rfc3339(now, sizeof(now));
    if (gl_value_object_set(rec, "updated_at", gl_value_string(now)) != 0) {
        gl_error_nomem(err);
        goto out;
    }
    if (join(path, sizeof(path), dir, GL_DEPLOY_RECORD_FILE, err) != 0 ||
        join(tmp, sizeof(tmp), dir, GL_DEPLOY_RECORD_FILE ".tmp", err) != 0)
        goto out;
    text = gl_json_write(rec, 1, &len);
    if (text == NULL) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot serialise the deployment record");
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        gl_error_set(err, GL_ERR_USAGE, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            gl_error_set(err, GL_ERR_INTERNAL, "cannot write %s: %s", tmp, strerror(errno));
            goto out;
        }
        off += (size_t)n;
    }
    if (fsync(fd) != 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot fsync %s: %s", tmp, strerror(errno));
        goto out;
    }
    close(fd);
    fd = -1;
    if (rename(tmp, path) != 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto out;
    }
    if (fsync_dir(dir) != 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot fsync the directory %s: %s", dir, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0) {
        close(fd);
        unlink(tmp);
    }
    free(text);
    return rc;
}

int gl_deploy_record_remove(const char *dir, gl_error *err)
{
    char path[4096];

    if (join(path, sizeof(path), dir, GL_DEPLOY_RECORD_FILE, err) != 0)
        return -1;
    if (unlink(path) != 0 && errno != ENOENT)
        return gl_error_set(err, GL_ERR_INTERNAL, "cannot remove %s: %s", path, strerror(errno));
    if (fsync_dir(dir) != 0)
        return gl_error_set(err, GL_ERR_INTERNAL, "cannot fsync the directory %s: %s", dir,
                            strerror(errno));
    return 0;
}

static gl_value *side_new(const char *conninfo)
{
    gl_value *side = gl_value_object();

    if (side == NULL || gl_value_object_set(side, "conninfo", gl_value_string(conninfo)) != 0 ||
        gl_value_object_set(side, "server_version", gl_value_null()) != 0) {
        gl_value_free(side);
        return NULL;
    }
    return side;
}

gl_value *gl_deploy_record_new(const char *name, const char *database, const char *blue_conninfo,
                               const char *green_conninfo)
{
    gl_value *rec = gl_value_object();
    char now[40], object[64];
    int bad = rec == NULL;

    gl_time_rfc3339(now, sizeof(now));
    snprintf(object, sizeof(object), "greenlight_%s", name);
    bad = bad || gl_value_object_set(rec, "greenlight_deployment", gl_value_int(GL_DEPLOY_RECORD_VERSION)) != 0;
    bad = bad || gl_value_object_set(rec, "name", gl_value_string(name)) != 0;
    bad = bad || gl_value_object_set(rec, "database", gl_value_string(database)) != 0;
    bad = bad || gl_value_object_set(rec, "created_at", gl_value_string(now)) != 0;
    bad = bad || gl_value_object_set(rec, "updated_at", gl_value_string(now)) != 0;
    bad = bad || gl_value_object_set(rec, "state", gl_value_string("provisioning")) != 0;
    bad = bad || gl_value_object_set(rec, "step", gl_value_string("prerequisites")) != 0;
    bad = bad || gl_value_object_set(rec, "steps", gl_value_object()) != 0;
    bad = bad || gl_value_object_set(rec, "blue", side_new(blue_conninfo)) != 0;
    bad = bad || gl_value_object_set(rec, "green", side_new(green_conninfo)) != 0;
    bad = bad || gl_value_object_set(rec, "pgbouncer", gl_value_null()) != 0;
    bad = bad || gl_value_object_set(rec, "publication", gl_value_string(object)) != 0;
    bad = bad || gl_value_object_set(rec, "subscription", gl_value_string(object)) != 0;
    bad = bad || gl_value_object_set(rec, "slot", gl_value_string(object)) != 0;
    bad = bad || gl_value_object_set(rec, "schema_copy", gl_value_null()) != 0;
    bad = bad || gl_value_object_set(rec, "last_error", gl_value_null()) != 0;
    bad = bad || gl_value_object_set(rec, "switchover", gl_value_null()) != 0;
    if (bad) {
        gl_value_free(rec);
        return NULL;
    }
    return rec;
}

int gl_deploy_record_step(gl_value *rec, const char *done_step, const char *next_step)
{
    char now[40];

    gl_time_rfc3339(now, sizeof(now));
    if (done_step != NULL &&
        gl_value_object_set(gl_value_object_get_mut(rec, "steps"), done_step, gl_value_string(now)) != 0)
        return -1;
    return gl_value_object_set(rec, "step", gl_value_string(next_step));
}

int gl_deploy_record_set_string(gl_value *rec, const char *key, const char *val)
{
    return gl_value_object_set(rec, key, val ? gl_value_string(val) : gl_value_null());
}

const char *gl_deploy_record_string(const gl_value *rec, const char *key)
{
    return gl_value_object_string(rec, key);
}

int gl_deploy_record_done(const gl_value *rec, const char *step)
{
    return gl_value_object_get(gl_value_object_get(rec, "steps"), step) != NULL;
}

/* Appends s to buf (bounded), returning -1 when it does not fit. */
static int put(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);

    if (*len + n + 1 > cap)
        return -1;
    memcpy(buf + *len, s, n + 1);
    *len += n;
    return 0;
}

/* Keywords the subscription's connection to blue keeps: where and how to
 * connect, nothing of greenlight's own session. */
static int for_subscription(const char *kw)
{
    static const char *const keep[] = {
        "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "sslmode",
        "sslcert", "sslkey", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "channel_binding",
        "requirepeer", "gssencmode", "krbsrvname", "require_auth", "connect_timeout", NULL,
    };
    for (size_t i = 0; keep[i] != NULL; i++)
        if (strcmp(kw, keep[i]) == 0)
            return 1;
    return 0;
}

/* Rebuilds conninfo from parsed options as keyword='value' pairs. secrets:
 * keep password/sslpassword; subscription: only the keywords above. */
static char *conninfo_build(PQconninfoOption *opts, int secrets, int subscription,
                            gl_error *err)
{
    PQconninfoOption *o;
    char *buf = NULL;
    size_t len = 0, bufcap = 1;

    for (o = opts; o->keyword != NULL; o++)
        if (o->val != NULL)
            bufcap += strlen(o->keyword) + 4 + 2 * strlen(o->val);
    buf = malloc(bufcap);
    if (buf == NULL)
        goto fail;
    buf[0] = '\0';
    for (o = opts; o->keyword != NULL; o++) {
        int secret = strcmp(o->keyword, "password") == 0 || strcmp(o->keyword, "sslpassword") == 0;
        if (o->val == NULL || o->val[0] == '\0' || (secret && !secrets) ||
            (subscription && !for_subscription(o->keyword)))
            continue;
        if ((len > 0 && put(buf, bufcap, &len, " ") != 0) || put(buf, bufcap, &len, o->keyword) != 0 ||
            put(buf, bufcap, &len, "='") != 0)
            goto fail;
        for (const char *c = o->val; *c; c++) {
            char ch[3] = {*c, 0, 0};
            if (*c == '\'' || *c == '\\') {
                ch[0] = '\\';
                ch[1] = *c;
            }
            if (put(buf, bufcap, &len, ch) != 0)
                goto fail;
        }
        if (put(buf, bufcap, &len, "'") != 0)
            goto fail;
    }
    return buf;
fail:
    gl_error_nomem(err);
    free(buf);
    return NULL;
}

char *gl_deploy_conninfo_strip(const char *spec, gl_error *err)
{
    PQconninfoOption *opts;
    char *perr = NULL, *out;

    opts = PQconninfoParse(spec ? spec : "", &perr);
    if (opts == NULL) {
        if (perr == NULL)
            gl_error_nomem(err);
        else
            gl_error_set(err, GL_ERR_USAGE, "invalid connection string: %s", perr);
        PQfreemem(perr);
        return NULL;
    }
    out = conninfo_build(opts, 0, 0, err);
    PQconninfoFree(opts);
    return out;
}

char *gl_deploy_conninfo_for_subscription(PGconn *conn, gl_error *err)
{
    PQconninfoOption *opts = PQconninfo(conn);
    char *out;

    if (opts == NULL) {
        gl_error_nomem(err);
        return NULL;
    }
    out = conninfo_build(opts, 1, 1, err);
    PQconninfoFree(opts);
    return out;
}
