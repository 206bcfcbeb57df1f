#include "act/rds.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "util/error.h"

/* Quotes value for a conninfo string ('…' with \ and ' escaped). */
static int quote(char *out, size_t cap, const char *key, const char *value)
{
    size_t o = 0;
    int w = snprintf(out, cap, "%s='", key);

    if (w < 0 || (size_t)w >= cap)
        return -1;
    o = (size_t)w;
    for (const char *p = value; *p; p++) {
        if (o + 3 >= cap)
            return -1;
        if (*p == '\\' || *p == '\'')
            out[o++] = '\\';
        out[o++] = *p;
    }
    if (o + 2 >= cap)
        return -1;
    out[o++] = '\'';
    out[o] = '\0';
    return 0;
}

static int side_conninfo(gl_rds_client *c, const char *arn, const char *side, const char *dbname, const char *extra,
                         char *out, size_t len, gl_error *err)
{
    char host[512], qhost[600], qdb[600];
    int port;

    if (arn[0] == '\0')
        return gl_error_set(err, GL_ERR_UNAVAILABLE, "the deployment has no %s database yet: wait until it is AVAILABLE",
                            side);
    if (gl_rds_resolve_endpoint(c, arn, host, sizeof(host), &port, err) != 0)
        return -1;
    if (quote(qhost, sizeof(qhost), "host", host) != 0 || quote(qdb, sizeof(qdb), "dbname", dbname) != 0 ||
        snprintf(out, len, "%s port=%d %s%s%s", qhost, port, qdb, extra ? " " : "", extra ? extra : "") >= (int)len)
        return gl_error_set(err, GL_ERR_USAGE, "the %s conninfo is too long", side);
    return 0;
}

/* The extra keywords must not say where to connect: the deployment does. */
static int check_extra(const char *extra, gl_error *err)
{
    static const char *const owned[] = {"host", "hostaddr", "port", "dbname", "service", NULL};
    char *msg = NULL;
    PQconninfoOption *opts;
    int rc = 0;

    if (extra == NULL)
        return 0;
    if (strstr(extra, "://") != NULL)
        return gl_error_set(err, GL_ERR_USAGE, "--conninfo takes keywords (user=... sslmode=...), not a URI");
    opts = PQconninfoParse(extra, &msg);
    if (opts == NULL) {
        gl_error_set(err, GL_ERR_USAGE, "--conninfo is not a libpq conninfo: %s", msg ? msg : "out of memory");
        PQfreemem(msg);
        return -1;
    }
    for (PQconninfoOption *o = opts; o->keyword != NULL && rc == 0; o++) {
        if (o->val == NULL)
            continue;
        for (size_t i = 0; owned[i]; i++)
            if (strcmp(o->keyword, owned[i]) == 0)
                rc = gl_error_set(err, GL_ERR_USAGE,
                                  "--conninfo may not set %s: the deployment's endpoints and --dbname say where to connect",
                                  o->keyword);
    }
    PQconninfoFree(opts);
    return rc;
}

int gl_rds_act_conninfo(gl_rds_client *c, const gl_rds_deployment *d, const char *dbname, const char *extra,
                        char *blue, char *green, size_t len, gl_error *err)
{
    if (check_extra(extra, err) != 0)
        return -1;
    if (side_conninfo(c, d->source, "source (blue)", dbname, extra, blue, len, err) != 0)
        return -1;
    return side_conninfo(c, d->target, "target (green)", dbname, extra, green, len, err);
}

int gl_rds_act_status_terminal(const char *status)
{
    return strcmp(status, "SWITCHOVER_COMPLETED") == 0 || strcmp(status, "SWITCHOVER_FAILED") == 0 ||
           strcmp(status, "INVALID_CONFIGURATION") == 0;
}

void gl_rds_act_print(const gl_rds_deployment *d, FILE *out)
{
    fprintf(out, "deployment %s (%s): %s\n", d->id, d->name[0] ? d->name : "no name", d->status);
    if (d->status_details[0])
        fprintf(out, "  details: %s\n", d->status_details);
    fprintf(out, "  source (blue):  %s\n  target (green): %s\n", d->source, d->target[0] ? d->target : "(none yet)");
    if (d->create_time[0])
        fprintf(out, "  created: %s\n", d->create_time);
    for (size_t i = 0; i < d->n_tasks; i++)
        fprintf(out, "  task   %-40s %s\n", d->tasks[i].name, d->tasks[i].status);
    for (size_t i = 0; i < d->n_members; i++)
        fprintf(out, "  member %s -> %s: %s\n", d->members[i].source, d->members[i].target, d->members[i].status);
}

/* A one-line summary of what changed since prev, or nothing. */
static void print_progress(const gl_rds_deployment *prev, const gl_rds_deployment *d, double elapsed_s, FILE *out)
{
    if (out == NULL)
        return;
    if (prev == NULL || strcmp(prev->status, d->status) != 0)
        fprintf(out, "rds: %5.0fs deployment %s\n", elapsed_s, d->status);
    for (size_t i = 0; i < d->n_members; i++) {
        const gl_rds_member *m = &d->members[i];
        int changed = prev == NULL || i >= prev->n_members || strcmp(prev->members[i].status, m->status) != 0;
        if (changed)
            fprintf(out, "rds: %5.0fs member %s: %s\n", elapsed_s, m->target[0] ? m->target : m->source, m->status);
    }
    for (size_t i = 0; i < d->n_tasks; i++) {
        const gl_rds_task *t = &d->tasks[i];
        int changed = prev == NULL || i >= prev->n_tasks || strcmp(prev->tasks[i].status, t->status) != 0;
        if (changed)
            fprintf(out, "rds: %5.0fs task %s: %s\n", elapsed_s, t->name, t->status);
    }
    fflush(out);
}

int gl_rds_act_switchover(gl_rds_client *c, const char *id, int timeout_s, long poll_ms, FILE *progress,
                          gl_rds_deployment *final, gl_error *err)
{
    gl_rds_deployment *prev = NULL, *cur = NULL;
    double start = gl_time_ms(), elapsed;
    int rc = -1;

    prev = calloc(1, sizeof(*prev));
    cur = calloc(1, sizeof(*cur));
    if (prev == NULL || cur == NULL) {
        gl_error_nomem(err);
        goto out;
    }
    if (gl_rds_switchover(c, id, timeout_s, cur, err) != 0) {
        /* Was it received after all (an answer lost and a retry refused)? */
        gl_error saved = *err;
        if (c->attempts_made > 1 && gl_rds_describe_deployment(c, id, cur, err) == 0 &&
            strcmp(cur->status, "SWITCHOVER_IN_PROGRESS") == 0) {
            if (progress)
                fprintf(progress, "rds: the switchover request was retried and RDS is switching over: following it\n");
        } else {
            *err = saved;
            *final = *cur;
            goto out;
        }
    }
    print_progress(NULL, cur, 0, progress);
    for (;;) {
        struct timespec ts = {.tv_sec = poll_ms / 1000, .tv_nsec = (poll_ms % 1000) * 1000000L};

        *prev = *cur;
        elapsed = (gl_time_ms() - start) / 1000.0;
        if (gl_rds_act_status_terminal(cur->status))
            break;
        if (elapsed >= timeout_s) {
            *final = *cur;
            gl_error_set(err, GL_ERR_INTERNAL,
                         "the switchover of %s is still %s after --timeout %d s: RDS rolls it back at its own timeout; "
                         "watch it with `greenlight rds status --deployment %s`",
                         id, cur->status, timeout_s, id);
            goto out;
        }
        nanosleep(&ts, NULL);
        if (gl_rds_describe_deployment(c, id, cur, err) != 0) {
            *final = *prev;
            gl_error_set(err, err->error_class,
                         "the switchover of %s was requested but greenlight lost track of it: %s; "
                         "check `greenlight rds status --deployment %s`", id, err->message, id);
            goto out;
        }
        print_progress(prev, cur, (gl_time_ms() - start) / 1000.0, progress);
    }
    *final = *cur;
    if (strcmp(cur->status, "SWITCHOVER_COMPLETED") == 0) {
        rc = 0;
    } else if (strcmp(cur->status, "SWITCHOVER_FAILED") == 0) {
        gl_error_set(err, GL_ERR_INTERNAL,
                     "RDS reports the switchover of %s FAILED and rolled it back; blue is still production (%s)", id,
                     cur->status_details[0] ? cur->status_details : "no details");
    } else {
        gl_error_set(err, GL_ERR_INTERNAL,
                     "RDS reports the deployment %s INVALID_CONFIGURATION: the switchover did not complete (%s); "
                     "see the RDS console or `greenlight rds status --deployment %s`",
                     id, cur->status_details[0] ? cur->status_details : "no details", id);
    }
out:
    free(prev);
    free(cur);
    return rc;
}
