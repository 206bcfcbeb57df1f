/*
 * schema — compares blue's and green's catalogs (every user object kind) and
 * says whether blue can be replicated to green logically.
 *
 * collect: catalog.c, a fixed number of catalog queries per side (one per
 *          object kind), whatever the number of objects; collect_pair runs
 *          both sides' queries at once, one thread per side.
 * compare: diff.c (schema.<kind>.*) then replication.c (schema.replication.*).
 * Codes and severities: share/doc/checks/schema.md.
 */
#include "schema.h"

#include <greenlight/plugin_util.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_VERSION "1.0.0"

int schema_emit(gl_ctx *ctx, const gl_host *host, const char *code, gl_severity severity,
                const char *object, gl_value *blue, gl_value *green, gl_value *details,
                const char *fmt, ...)
{
    char message[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    /* The host owns blue/green/details from here, on failure too. */
    return gl_plugin_emit(ctx, host, code, severity, object, blue, green, details, message);
}

static int schema_collect(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out_facts)
{
    schema_filter filter;
    schema_timings timings;
    int rc;

    *out_facts = NULL;
    if (schema_filter_load(ctx, host, &filter) != 0)
        return -1;
    rc = schema_catalog_collect(ctx, host, side, &filter, 1, &timings, out_facts);
    if (rc == 0)
        schema_catalog_log_timings(ctx, host, side, &timings);
    schema_filter_free(&filter);
    return rc;
}

/*
 * Both sides at once: nearly all of collect's time is the servers running the
 * catalog queries, and each side has its own connection, so blue's queries
 * run in a second thread while this one runs green's. The thread calls only
 * what plugin.h allows from two threads (query, set_error, value builders);
 * progress and log stay in this thread.
 */
typedef struct side_job {
    gl_ctx *ctx;
    const gl_host *host;
    const schema_filter *filter;
    gl_side side;
    schema_timings timings;
    gl_value *facts;
    int rc;
} side_job;

static void *side_job_run(void *arg)
{
    side_job *job = arg;

    job->rc = schema_catalog_collect(job->ctx, job->host, job->side, job->filter, 0,
                                     &job->timings, &job->facts);
    return NULL;
}

static int schema_collect_pair(gl_ctx *ctx, const gl_host *host, gl_value **out_blue,
                               gl_value **out_green)
{
    schema_filter filter;
    side_job blue = { .ctx = ctx, .host = host, .filter = &filter, .side = GL_SIDE_BLUE, .rc = -1 };
    side_job green = { .ctx = ctx, .host = host, .filter = &filter, .side = GL_SIDE_GREEN, .rc = -1 };
    pthread_t thread;
    int started, rc = -1;

    *out_blue = *out_green = NULL;
    if (schema_filter_load(ctx, host, &filter) != 0)
        return -1;
    started = pthread_create(&thread, NULL, side_job_run, &blue) == 0;
    if (!started) {
        /* No thread to be had: one side after the other is slower, not wrong. */
        host->log(ctx, GL_LOG_WARNING, "schema: could not start a thread; collecting the sides "
                                       "one after the other");
        side_job_run(&blue);
    }
    green.rc = schema_catalog_collect(ctx, host, GL_SIDE_GREEN, &filter, 1, &green.timings,
                                      &green.facts);
    if (started)
        pthread_join(thread, NULL);
    if (blue.rc != 0 || green.rc != 0)
        goto out;   /* the failing side set the error */
    schema_catalog_log_timings(ctx, host, GL_SIDE_BLUE, &blue.timings);
    schema_catalog_log_timings(ctx, host, GL_SIDE_GREEN, &green.timings);
    *out_blue = blue.facts;
    *out_green = green.facts;
    blue.facts = green.facts = NULL;
    rc = 0;
out:
    host->value_free(blue.facts);
    host->value_free(green.facts);
    schema_filter_free(&filter);
    return rc;
}

/* 1 when `v` is a JSON integer in [lo, hi]. */
static int int_in(const gl_host *host, const gl_value *v, int64_t lo, int64_t hi)
{
    return v != NULL && host->value_kind(v) == GL_VALUE_INT && host->value_get_int(v) >= lo &&
           host->value_get_int(v) <= hi;
}

/*
 * Facts come from a snapshot file as often as from a live collect: anything
 * but the exact shape collect writes is a plugin error (so the decision is
 * hold), never read as "no objects". Every member is known, every kind is
 * present and an object of strings, each record has its kind's field count.
 */
static int check_facts(gl_ctx *ctx, const gl_host *host, const gl_value *facts, const char *side)
{
    const gl_value *format = host->object_get(facts, "format");

    if (host->value_kind(facts) != GL_VALUE_OBJECT || !int_in(host, format, SCHEMA_FACTS_FORMAT,
                                                               SCHEMA_FACTS_FORMAT))
        return host->set_error(ctx, "schema: %s facts are not schema facts of format %d (got %lld): "
                                    "take the snapshot again with this version",
                               side, SCHEMA_FACTS_FORMAT,
                               (long long)host->value_get_int(format));
    if (!int_in(host, host->object_get(facts, "server_version_num"), 90000, 9999999))
        return host->set_error(ctx, "schema: %s facts: \"server_version_num\" must be a server "
                                    "version number such as 150004", side);
    if (!int_in(host, host->object_get(facts, "large_objects"), 0, INT64_MAX))
        return host->set_error(ctx, "schema: %s facts: \"large_objects\" must be a count (an "
                                    "integer >= 0)", side);
    for (size_t i = 0; i < host->value_len(facts); i++) {
        const char *key = host->object_key_at(facts, i);

        if (strcmp(key, "format") != 0 && strcmp(key, "server_version_num") != 0 &&
            strcmp(key, "large_objects") != 0 && schema_kind_find(key) == NULL)
            return host->set_error(ctx, "schema: %s facts: unknown member \"%s\"", side, key);
    }
    for (size_t k = 0; k < schema_kinds_count; k++) {
        const schema_kind *kind = &schema_kinds[k];
        const gl_value *objects = host->object_get(facts, kind->key);

        if (objects == NULL || host->value_kind(objects) != GL_VALUE_OBJECT)
            return host->set_error(ctx, "schema: %s facts: \"%s\" must be an object of %s "
                                        "records (%s)", side, kind->key, kind->noun,
                                   objects == NULL ? "missing" : "wrong type");
        for (size_t i = 0; i < host->value_len(objects); i++) {
            const gl_value *rec = host->object_value_at(objects, i);
            const char *text = host->value_get_string(rec);
            int fields = 1;

            if (text == NULL || host->value_kind(rec) != GL_VALUE_STRING)
                return host->set_error(ctx, "schema: %s facts: %s \"%s\" is not a record string",
                                       side, kind->noun, host->object_key_at(objects, i));
            for (const char *c = strchr(text, SCHEMA_SEP); c != NULL; c = strchr(c + 1, SCHEMA_SEP))
                fields++;
            if (fields != kind->n_fields)
                return host->set_error(ctx, "schema: %s facts: %s \"%s\" has %d fields, expected "
                                            "%d", side, kind->noun,
                                       host->object_key_at(objects, i), fields, kind->n_fields);
        }
    }
    return 0;
}

/* Each include_schemas pattern must select a schema on some side: a pattern
 * that selects none ("pubic") means part of what the user asked for was
 * never compared, and a check that measured less than asked is not ok. */
static int includes_matched(gl_ctx *ctx, const gl_host *host, const schema_filter *f,
                            const gl_value *blue, const gl_value *green)
{
    for (size_t i = 0; i < f->n_include; i++) {
        int hit = 0;
        for (int s = 0; s < 2 && !hit; s++) {
            const gl_value *schemas = host->object_get(s == 0 ? blue : green, "schemas");
            for (size_t k = 0; k < host->value_len(schemas) && !hit; k++)
                hit = schema_glob_match(f->include_schemas[i], host->object_key_at(schemas, k));
        }
        if (!hit)
            return host->set_error(ctx, "schema: config include_schemas \"%s\" matches no schema on "
                                   "blue or green, so nothing was compared for it: check the name "
                                   "(schema names are case-sensitive; `\\dn` in psql lists them)",
                                   f->include_schemas[i]);
    }
    return 0;
}

static int schema_compare(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
                          const gl_value *green)
{
    schema_filter filter;
    int rc = -1;

    if (check_facts(ctx, host, blue, "blue") != 0 || check_facts(ctx, host, green, "green") != 0)
        return -1;
    if (schema_filter_load(ctx, host, &filter) != 0)
        return -1;
    if (includes_matched(ctx, host, &filter, blue, green) != 0 ||
        schema_diff(ctx, host, &filter, blue, green) != 0)
        goto out;
    if (schema_replication_check(ctx, host, &filter, blue, green) != 0)
        goto out;
    rc = 0;
out:
    schema_filter_free(&filter);
    return rc;
}

GL_PLUGIN_DEFINE(.name = "schema", .version = SCHEMA_VERSION,
                 .description = "catalog diff of blue and green (every user object kind) and "
                                "logical replication readiness",
                 .collect = schema_collect, .compare = schema_compare,
                 .collect_pair = schema_collect_pair)
