/*
 * catalog.c — runs every kind's query (kinds.c) on one side, in the session
 * settings the queries want, and turns the rows into records (schema.h)
 * keyed by identity; the large-object count; per-kind timings for -v.
 */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char large_objects_sql[] = "SELECT pg_catalog.count(*) FROM pg_catalog.pg_largeobject_metadata";

/* ------------------------------------------------------------------ rows */

typedef struct collect_state {
    gl_ctx *ctx;
    const gl_host *host;
    const schema_kind *kind;
    const schema_filter *filter;
    gl_value *objects;    /* identity -> record */
    char *buf;            /* reused for identity and record */
    size_t cap;
    int failed;
    int key_field;        /* the kind's "definition_key" field, or -1 */
    int definition_field; /* its "definition" field */
    int qualifier_field;  /* its "qualifier" field, or -1 */
} collect_state;

static int field_index(const schema_kind *kind, const char *name)
{
    for (int i = 0; i < kind->n_fields; i++)
        if (strcmp(kind->fields[i].name, name) == 0)
            return i;
    return -1;
}

static int reserve(collect_state *st, size_t need)
{
    char *grown;
    size_t cap;

    if (need <= st->cap)
        return 0;
    if (need > (size_t)64 * 1024 * 1024)
        return st->host->set_error(st->ctx, "schema: a %s definition is larger than 64 MiB",
                                   st->kind->noun);
    cap = st->cap ? st->cap : 4096;
    while (cap < need)
        cap *= 2;
    grown = realloc(st->buf, cap);
    if (grown == NULL)
        return st->host->set_error(st->ctx, "schema: out of memory reading %s", st->kind->key);
    st->buf = grown;
    st->cap = cap;
    return 0;
}

static int kind_row(void *userdata, int ncols, const char *const *names,
                    const char *const *values, const int *is_null)
{
    collect_state *st = userdata;
    const schema_kind *kind = st->kind;
    const gl_host *host = st->host;
    size_t need = 2, ident_len = 0, rec_len = 0;
    const char *parent;
    char *ident, *rec;

    (void)names;
    if (ncols != kind->n_ident + kind->n_fields) {
        host->set_error(st->ctx, "schema: the %s query returned %d columns, expected %d",
                        kind->key, ncols, kind->n_ident + kind->n_fields);
        goto fail;
    }
    for (int i = 0; i < ncols; i++)
        need += (is_null[i] ? 0 : strlen(values[i])) + 1;
    need += SCHEMA_KEY_LEN;
    if (reserve(st, need) != 0)
        goto fail;

    ident = st->buf;
    for (int i = 0; i < kind->n_ident; i++) {
        size_t len = is_null[i] ? 0 : strlen(values[i]);

        if (i > 0)
            ident[ident_len++] = '.';
        memcpy(ident + ident_len, is_null[i] ? "" : values[i], len);
        ident_len += len;
    }
    ident[ident_len] = '\0';
    parent = kind->parent_field >= 0 && !is_null[kind->n_ident + kind->parent_field]
                 ? values[kind->n_ident + kind->parent_field]
                 : NULL;
    if (schema_filter_excludes(st->filter,
                               kind->has_schema ? values[0]
                               : kind->schema_field >= 0 && !is_null[kind->n_ident + kind->schema_field]
                                   ? values[kind->n_ident + kind->schema_field]
                                   : NULL,
                               ident, parent))
        return 0;

    rec = ident + ident_len + 1;
    for (int f = 0; f < kind->n_fields; f++) {
        int col = kind->n_ident + f;
        size_t len = is_null[col] ? 0 : strlen(values[col]);

        if (f > 0)
            rec[rec_len++] = SCHEMA_SEP;
        if (f == st->key_field) {
            int def = kind->n_ident + st->definition_field;
            int qual = st->qualifier_field >= 0 ? kind->n_ident + st->qualifier_field : -1;

            /* Unparsable (an aggregate's signature): no key, compared as text. */
            if (!is_null[def] && schema_definition_key(values[def], qual >= 0 && !is_null[qual]
                                                                        ? values[qual] : NULL,
                                                       rec + rec_len) == 0)
                rec_len += SCHEMA_KEY_LEN;
            continue;
        }
        memcpy(rec + rec_len, is_null[col] ? "" : values[col], len);
        rec_len += len;
    }
    if (host->object_set(st->objects, ident, host->value_string_len(rec, rec_len)) != 0) {
        host->set_error(st->ctx, "schema: out of memory storing %s", kind->key);
        goto fail;
    }
    return 0;
fail:
    st->failed = 1;
    return 1;
}

static int count_row(void *userdata, int ncols, const char *const *names,
                     const char *const *values, const int *is_null)
{
    long long *n = userdata;

    (void)names;
    if (ncols >= 1 && !is_null[0])
        *n = atoll(values[0]);
    return 0;
}

/*
 * The catalog is read in one read-only REPEATABLE READ transaction (every
 * kind from the same snapshot: DDL running meanwhile cannot show a table
 * without its columns) with planner settings of its own. On a large catalog
 * the column query's estimated cost passes jit_above_cost and JIT
 * compilation took longer (~270 ms at 10,000 tables) than running the query;
 * parallel workers gain nothing on catalog scans of this size and compete
 * with the other side's collection when both sides share a machine. SET
 * LOCAL ends with the transaction: the session is left exactly as it was
 * (a session-level set_config and a restore of the old value left
 * pg_settings.source at "session", which the next plugin on the connection
 * read as an operator's setting).
 */
static const char begin_sql[] = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
static const char settings_sql[] =
    "SELECT pg_catalog.set_config('jit', 'off', true), "
    "pg_catalog.set_config('max_parallel_workers_per_gather', '0', true)";

/* Ends the transaction; keeps an earlier failure's message. */
static int end_transaction(gl_ctx *ctx, const gl_host *host, gl_side side, int failed)
{
    char earlier[512] = "";

    if (failed && GL_HOST_HAS(host, last_error))
        snprintf(earlier, sizeof(earlier), "%s", host->last_error(ctx));
    if (host->query(ctx, side, "ROLLBACK", 0, NULL, NULL, NULL) == 0)
        return 0;
    if (earlier[0] != '\0')
        host->set_error(ctx, "%s", earlier);
    return -1;
}

int schema_catalog_collect(gl_ctx *ctx, const gl_host *host, gl_side side,
                           const schema_filter *filter, int report, schema_timings *timings,
                           gl_value **out_facts)
{
    collect_state st = { ctx, host, NULL, filter, NULL, NULL, 0, 0, -1, -1, -1 };
    int began = 0;
    gl_value *facts = NULL;
    long long large_objects = 0;
    struct timespec started, finished;
    int version;
    int rc = -1;

    *out_facts = NULL;
    memset(timings, 0, sizeof(*timings));
    facts = host->value_object();
    if (facts == NULL)
        goto oom;
    version = host->server_version_num(ctx, side);
    if (version > 0 && version < 130000) {
        /* tgparentid and the catalogs above arrived in 13; older servers are
         * past end of life. */
        host->set_error(ctx, "schema: PostgreSQL %d is not supported (13 or newer is needed)",
                        version);
        goto out;
    }
    if (host->object_set(facts, "format", host->value_int(SCHEMA_FACTS_FORMAT)) != 0 ||
        host->object_set(facts, "server_version_num", host->value_int(version)) != 0)
        goto oom;
    if (host->query(ctx, side, begin_sql, 0, NULL, NULL, NULL) != 0)
        goto out;
    began = 1;
    if (host->query(ctx, side, settings_sql, 0, NULL, NULL, NULL) != 0)
        goto out;
    for (size_t k = 0; k < schema_kinds_count; k++) {
        const char *sql;

        st.kind = &schema_kinds[k];
        st.key_field = field_index(st.kind, "definition_key");
        st.definition_field = field_index(st.kind, "definition");
        st.qualifier_field = field_index(st.kind, "qualifier");
        if (st.key_field >= 0 && st.definition_field < 0)
            st.key_field = -1;
        st.objects = host->value_object();
        if (st.objects == NULL)
            goto oom;
        if (report && GL_HOST_HAS(host, progress))
            host->progress(ctx, k, schema_kinds_count + 1, st.kind->key);
        clock_gettime(CLOCK_MONOTONIC, &started);
        sql = st.kind->sql_before_15 != NULL && version > 0 && version < 150000
                  ? st.kind->sql_before_15
                  : st.kind->sql;
        if (host->query(ctx, side, sql, 0, NULL, kind_row, &st) != 0) {
            host->value_free(st.objects);
            goto out;   /* the host or kind_row set the error */
        }
        clock_gettime(CLOCK_MONOTONIC, &finished);
        timings->ms[k] = (finished.tv_sec - started.tv_sec) * 1e3 +
                         (finished.tv_nsec - started.tv_nsec) / 1e6;
        timings->count[k] = host->value_len(st.objects);
        if (host->object_set(facts, st.kind->key, st.objects) != 0)
            goto oom;
    }
    if (host->query(ctx, side, large_objects_sql, 0, NULL, count_row, &large_objects) != 0)
        goto out;
    if (host->object_set(facts, "large_objects", host->value_int(large_objects)) != 0)
        goto oom;
    rc = 0;
    goto out;
oom:
    host->set_error(ctx, "schema: out of memory collecting the catalog");
out:
    if (began && end_transaction(ctx, host, side, rc != 0) != 0)
        rc = -1;
    if (rc == 0) {
        *out_facts = facts;
        facts = NULL;
    }
    free(st.buf);
    host->value_free(facts);
    return rc;
}

void schema_catalog_log_timings(gl_ctx *ctx, const gl_host *host, gl_side side,
                                const schema_timings *timings)
{
    for (size_t k = 0; k < schema_kinds_count; k++)
        host->log(ctx, GL_LOG_DEBUG, "schema: %s: %s: %zu objects in %.0f ms",
                  side == GL_SIDE_BLUE ? "blue" : "green", schema_kinds[k].key,
                  timings->count[k], timings->ms[k]);
}
