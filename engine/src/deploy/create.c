/*
 * create — `greenlight deploy create`: prerequisites, schema copy,
 * publication, subscription, initial sync, fence, in that order. Each step is
 * recorded when it completes; every step first looks at the servers, so a
 * re-run after a failure or a kill finishes the job (or says what is in the way).
 * The steps that change the servers are in create_steps.c.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run/snapshot.h"
#include "deploy/deploy.h"
#include "deploy/prereq.h"
#include "deploy/record.h"
#include "deploy/switch_run.h"
#include "deploy/schema_copy.h"
#include "deploy/create_run.h"

void gl_create__say(const create_run *r, const char *fmt, ...)
{
    va_list ap;

    if (r->opts->json)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int save(create_run *r, gl_error *err)
{
    return gl_deploy_record_save(r->opts->state_dir, r->rec, err);
}

static int step(create_run *r, const char *done, const char *next, gl_error *err)
{
    char point[64];

    /* Test hooks: the step's work is done but not recorded, then recorded. */
    snprintf(point, sizeof(point), "%s.unrecorded", done);
    gl_deploy_kill_point(point);
    if (gl_deploy_record_step(r->rec, done, next) != 0)
        return gl_error_nomem(err);
    if (save(r, err) != 0)
        return -1;
    gl_deploy_kill_point(done);
    return 0;
}

/* Name from the database: lower case, [a-z0-9_], at most GL_DEPLOY_NAME_MAX. */
static void default_name(const char *db, char *out, size_t cap)
{
    size_t n = 0;

    for (const char *c = db; *c && n + 1 < cap && n < GL_DEPLOY_NAME_MAX; c++) {
        char ch = *c;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        out[n++] = ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) ? ch : '_';
    }
    out[n] = '\0';
    if (n == 0)
        snprintf(out, cap, "deployment");
}

int gl_create__exists(gl_deploy_conn *c, const char *sql, const char *name, int *out, gl_error *err)
{
    char *v = NULL;

    if (gl_deploy_sql_value(c, "looking for the deployment's objects", sql, 1, &name, &v, err) != 0)
        return -1;
    *out = strcmp(v, "0") != 0 && v[0] != '\0';
    free(v);
    return 0;
}

static int print_result(create_run *r)
{
    if (r->opts->json) {
        gl_value *out = gl_value_copy(r->rec);
        if (out == NULL || gl_value_object_set(out, "sync_seconds", gl_value_number(r->sync_ms / 1000.0)) != 0 ||
            gl_value_object_set(out, "progress_updates", gl_value_int(r->sync_updates)) != 0) {
            gl_value_free(out);
            return -1;
        }
        char *text = gl_json_write(out, 1, NULL);
        gl_value_free(out);
        if (text == NULL)
            return -1;
        fputs(text, stdout);
        free(text);
    } else {
        printf("deployment %s: %s (publication %s on blue, subscription %s on green, green fenced)\n",
               gl_deploy_record_string(r->rec, "name"), gl_deploy_record_string(r->rec, "state"),
               r->pub, r->sub);
    }
    return 0;
}

/* Loads or starts the record; checks that the arguments match a recorded one. */
static int begin(create_run *r, gl_error *err)
{
    const gl_deploy_options *o = r->opts;
    int rc = gl_deploy_record_load(o->state_dir, &r->rec, err);

    if (rc < 0)
        return -1;
    if (rc == 0) {
        const char *recorded = gl_deploy_record_string(r->rec, "name");
        const char *state = gl_deploy_record_string(r->rec, "state");
        if (o->name != NULL && strcmp(o->name, recorded) != 0)
            return gl_error_set(err, GL_ERR_USAGE,
                                "%s already holds deployment \"%s\", not \"%s\": use another --state "
                                "DIR, or `greenlight deploy cleanup` it first", o->state_dir,
                                recorded, o->name);
        if (strcmp(state, "provisioning") != 0 && strcmp(state, "degraded") != 0 &&
            strcmp(state, "available") != 0)
            return gl_error_set(err, GL_ERR_USAGE, "deployment \"%s\" is %s: create has nothing "
                                "to do (see `greenlight deploy status`)", recorded, state);
        r->blue_spec = o->blue ? o->blue : gl_value_object_string(gl_value_object_get(r->rec, "blue"), "conninfo");
        r->green_spec = o->green ? o->green : gl_value_object_string(gl_value_object_get(r->rec, "green"), "conninfo");
        return 0;
    }
    if (o->blue == NULL || o->green == NULL)
        return gl_error_set(err, GL_ERR_USAGE, "deploy create needs --blue and --green (no "
                            "deployment recorded in %s yet)", o->state_dir);
    r->blue_spec = o->blue;
    r->green_spec = o->green;
    if (o->name != NULL) {
        size_t n = strlen(o->name);
        if (n == 0 || n > GL_DEPLOY_NAME_MAX ||
            strspn(o->name, "abcdefghijklmnopqrstuvwxyz0123456789_") != n)
            return gl_error_set(err, GL_ERR_USAGE, "--name \"%s\": use 1-%d characters of a-z, 0-9 "
                                "and _ (it names the publication, subscription and slot)",
                                o->name, GL_DEPLOY_NAME_MAX);
    }
    return 1; /* no record yet: made after the prerequisites pass */
}

static int make_record(create_run *r, gl_error *err)
{
    char name[GL_DEPLOY_NAME_MAX + 1];
    gl_value *pgb = NULL;

    if (r->opts->name != NULL)
        snprintf(name, sizeof(name), "%s", r->opts->name);
    else
        default_name(r->blue.dbname, name, sizeof(name));
    r->rec = gl_deploy_record_new(name, r->blue.dbname, r->blue.display, r->green.display);
    if (r->rec == NULL)
        return gl_error_nomem(err);
    if (r->opts->pgbouncer_admin != NULL) {
        char *admin = gl_deploy_conninfo_strip(r->opts->pgbouncer_admin, err);
        if (admin == NULL)
            return gl_error_prefix(err, "--pgbouncer");
        pgb = gl_value_object();
        if (pgb == NULL || gl_value_object_set(pgb, "admin", gl_value_string(admin)) != 0 ||
            gl_value_object_set(pgb, "ini", gl_value_string(r->opts->pgbouncer_ini)) != 0 ||
            gl_value_object_set(pgb, "db", gl_value_string(r->opts->pgbouncer_db)) != 0 ||
            gl_value_object_set(r->rec, "pgbouncer", pgb) != 0) {
            free(admin);
            return gl_error_nomem(err);
        }
        free(admin);
    }
    return 0;
}

static int set_versions(create_run *r)
{
    return gl_value_object_set(gl_value_object_get_mut(r->rec, "blue"), "server_version",
                               gl_value_string(r->blue.version)) != 0 ||
           gl_value_object_set(gl_value_object_get_mut(r->rec, "green"), "server_version",
                               gl_value_string(r->green.version)) != 0;
}

/* PgBouncer, when the deployment has one: reachable, the alias known and
 * pooled per transaction, its ini entry pointing at blue. Read-only, on every
 * run: a switchover refuses each of these, so create says so first. */
static int check_pgbouncer(create_run *r, gl_error *err)
{
    const gl_value *pgb = gl_value_object_get(r->rec, "pgbouncer");
    const char *admin, *ini, *alias;
    gl_pgbouncer *b = NULL;
    gl_pgbouncer_db db;
    gl_pgbouncer_target blue_t, now;
    int rc = -1;

    if (gl_value_kind_of(pgb) != GL_VALUE_OBJECT)
        return 0;
    admin = r->opts->pgbouncer_admin ? r->opts->pgbouncer_admin : gl_value_object_string(pgb, "admin");
    ini = gl_value_object_string(pgb, "ini");
    alias = gl_value_object_string(pgb, "db");
    if (gl_pgbouncer_connect(&b, admin, err) != 0 || gl_pgbouncer_database(b, alias, &db, err) != 0 ||
        gl_pgbouncer_check_pool_mode(b, alias, err) != 0 ||
        gl_pgbouncer_ini_read_target(ini, alias, &now, err) != 0 ||
        gl_switch__target_from_conninfo(r->blue_spec, "blue", &blue_t, err) != 0)
        goto out;
    if (!gl_switch__target_equal(&now, &blue_t)) {
        gl_error_set(err, GL_ERR_USAGE, "PgBouncer's entry %s in %s points at host=%s port=%s "
                     "dbname=%s, not at blue (host=%s port=%s dbname=%s): clients must reach blue "
                     "through PgBouncer for a switchover to move them. Point the entry at blue, or "
                     "give --blue as PgBouncer reaches it; nothing was changed",
                     alias, ini, now.host, now.port, now.dbname, blue_t.host, blue_t.port,
                     blue_t.dbname);
        goto out;
    }
    gl_create__say(r, "pgbouncer: %s pooled per transaction, pointing at blue", alias);
    rc = 0;
out:
    gl_pgbouncer_free(b);
    return rc;
}

enum { FAIL_RECORDED = -1, FAIL = -2 };

/* Step 1, read-only and on every run, before anything changes: the
 * prerequisites. 0, FAIL_RECORDED (keep the error in the record) or FAIL. */
static int prerequisites(create_run *r, gl_error *err)
{
    gl_deploy_problems *problems;
    int own_slot = 0, rc = FAIL_RECORDED;

    if (gl_create__exists(&r->blue, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", r->slot, &own_slot,
               err) != 0)
        return FAIL_RECORDED;
    problems = calloc(1, sizeof(*problems));
    if (problems == NULL) {
        gl_error_nomem(err);
        return FAIL;
    }
    if (gl_deploy_prerequisites(&r->blue, &r->green, r->sub, own_slot, gl_deploy_record_done(r->rec, "schema"),
                                problems, err) != 0)
        goto out;
    if (problems->n_warnings > 0 && !r->opts->json)
        fprintf(stderr, "greenlight: warning: not replicated:\n%s", problems->warnings);
    if (problems->n_refusals > 0) {
        size_t n;
        gl_error_set(err, GL_ERR_USAGE, "deploy create refused: %d prerequisite(s) not met, "
                     "nothing was changed:\n%s", problems->n_refusals, problems->refusals);
        n = strlen(err->message);
        if (n > 0 && err->message[n - 1] == '\n')
            err->message[n - 1] = '\0';
        goto out;
    }
    if (check_pgbouncer(r, err) != 0)
        goto out;
    gl_create__say(r, "prerequisites: met (blue %s, green %s)", r->blue.version, r->green.version);
    rc = 0;
    if (!gl_deploy_record_done(r->rec, "prerequisites") && step(r, "prerequisites", "schema", err) != 0)
        rc = FAIL;
out:
    free(problems);
    return rc;
}

/* Steps 2-6, each skipped when a run before did it. */
static int changes(create_run *r, gl_error *err)
{
    static const struct {
        const char *name, *next;
        int (*run)(create_run *, gl_error *);
    } steps[] = {
        {"schema", "publication", gl_create__do_schema},
        {"publication", "subscription", gl_create__do_publication},
        {"subscription", "sync", gl_create__do_subscription},
        {"sync", "fence", gl_create__do_sync},
        {"fence", "done", gl_create__do_fence},
    };

    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (!gl_deploy_record_done(r->rec, steps[i].name) &&
            (steps[i].run(r, err) != 0 || step(r, steps[i].name, steps[i].next, err) != 0))
            return -1;
    return 0;
}

/* The deployment is available: recorded, and the gate's config written
 * (PgBouncer's connections, for the bypass guardrail). */
static int finish(create_run *r, gl_error *err)
{
    if (gl_deploy_record_set_string(r->rec, "state", "available") != 0 ||
        gl_deploy_record_set_string(r->rec, "last_error", NULL) != 0 ||
        gl_deploy_record_step(r->rec, "done", "done") != 0)
        return gl_error_nomem(err);
    if (save(r, err) != 0)
        return -1;
    if (gl_value_kind_of(gl_value_object_get(r->rec, "pgbouncer")) == GL_VALUE_OBJECT) {
        if (gl_deploy_gate_config_write(r->opts->state_dir, r->rec, NULL, NULL, err) != 0)
            return -1;
        gl_create__say(r, "gate config: %s/gate-config.json (PgBouncer's server connections)", r->opts->state_dir);
    }
    return 0;
}

int gl_deploy_create(const gl_deploy_options *opts, gl_error *err)
{
    create_run r;
    int lock_fd = -1, fresh, rc = -1;

    memset(&r, 0, sizeof(r));
    r.opts = opts;
    gl_error_clear(err);
    if (opts->pgbouncer_admin != NULL && (opts->pgbouncer_ini == NULL || opts->pgbouncer_db == NULL)) {
        gl_error_set(err, GL_ERR_USAGE, "--pgbouncer needs --pgbouncer-ini FILE and --pgbouncer-db ALIAS too");
        goto fail;
    }
    if (gl_deploy_lock(opts->state_dir, &lock_fd, err) != 0)
        goto fail;
    fresh = begin(&r, err);
    if (fresh < 0)
        goto fail;
    if (gl_deploy_connect(&r.blue, "blue", r.blue_spec, err) != 0 ||
        gl_deploy_connect(&r.green, "green", r.green_spec, err) != 0)
        goto fail_recorded;
    if (fresh && make_record(&r, err) != 0)
        goto fail;
    r.pub = gl_deploy_record_string(r.rec, "publication");
    r.sub = gl_deploy_record_string(r.rec, "subscription");
    r.slot = gl_deploy_record_string(r.rec, "slot");
    if (set_versions(&r) != 0) {
        gl_error_nomem(err);
        goto fail;
    }
    switch (prerequisites(&r, err)) {
    case 0:
        break;
    case FAIL_RECORDED:
        goto fail_recorded;
    default:
        goto fail;
    }
    if (changes(&r, err) != 0)
        goto fail_recorded;
    if (finish(&r, err) != 0)
        goto fail;
    if (print_result(&r) != 0) {
        gl_error_nomem(err);
        goto fail;
    }
    rc = 0;
    goto out;

fail_recorded:
    /* Keep what happened in the record (when there is one) for status and re-runs. */
    if (r.rec != NULL && gl_deploy_record_done(r.rec, "prerequisites")) {
        gl_error keep;
        gl_error_clear(&keep);
        if (gl_deploy_record_set_string(r.rec, "last_error", err->message) == 0)
            (void)gl_deploy_record_save(opts->state_dir, r.rec, &keep);
    }
fail:
    fprintf(stderr, "greenlight: error: %s\n", err->message);
    rc = -1;
out:
    gl_deploy_disconnect(&r.blue);
    gl_deploy_disconnect(&r.green);
    gl_value_free(r.rec);
    gl_deploy_unlock(lock_fd);
    return rc;
}
