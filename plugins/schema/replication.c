/*
 * replication.c — can blue's schema be kept in sync with green by logical
 * replication without losing or refusing data? Findings are about blue.
 *
 * Which checks run (config "replication_readiness"):
 *   "auto" (default)  when blue has at least one publication, i.e. logical
 *                     replication from blue is set up or being set up
 *   "always" / "never"
 * Sequences are compared whatever the setting: logical replication never
 * carries their values, and a green sequence behind blue's hands out keys
 * that already exist the moment the application writes to green.
 */
#include "schema.h"

#include <stdlib.h>
#include <string.h>

/* Table record fields (catalog.c table_fields). */
enum { T_KIND, T_PERSISTENCE, T_REPLIDENT, T_PARTKEY, T_PARENT, T_BOUND, T_RI_INDEX, T_HAS_PK };
/* Sequence record field of the current value. */
enum { S_LAST_VALUE = 9 };
/* Publication record fields. */
enum { P_ALL_TABLES = 0, P_TABLES = 6 };

static int readiness_wanted(gl_ctx *ctx, const gl_host *host, const gl_value *blue, int *out)
{
    const char *mode = host->value_get_string(host->object_get(host->config(ctx),
                                                                "replication_readiness"));

    if (mode == NULL || strcmp(mode, "auto") == 0)
        *out = host->value_len(host->object_get(blue, "publications")) > 0;
    else if (strcmp(mode, "always") == 0)
        *out = 1;
    else if (strcmp(mode, "never") == 0)
        *out = 0;
    else
        return host->set_error(ctx, "schema: config \"replication_readiness\" must be \"auto\", "
                                    "\"always\" or \"never\", not \"%s\"", mode);
    return 0;
}

/* Schema part of an identity ("public" of "public.film") into buf. */
static const char *schema_of(const char *ident, char *buf, size_t cap)
{
    const char *dot = strchr(ident, '.');
    size_t len = dot != NULL ? (size_t)(dot - ident) : 0;

    if (len >= cap)
        len = cap - 1;
    memcpy(buf, ident, len);
    buf[len] = '\0';
    return buf;
}

static int check_sequences(gl_ctx *ctx, const gl_host *host, const schema_filter *filter,
                           const gl_value *blue, const gl_value *green)
{
    const gl_value *bs = host->object_get(blue, "sequences");
    const gl_value *gs = host->object_get(green, "sequences");
    gl_value *bv = host->value_object(), *gv = host->value_object(), *details = NULL;
    size_t behind = 0;
    schema_record b, g;

    if (bv == NULL || gv == NULL)
        goto oom;
    for (size_t i = 0; i < host->value_len(bs); i++) {
        const char *ident = host->object_key_at(bs, i);
        const char *grec = host->value_get_string(host->object_get(gs, ident));
        char *end;
        long long bval, gval;

        char schema[256];

        if (grec == NULL || schema_filter_excludes(filter, schema_of(ident, schema, sizeof(schema)),
                                                   ident, NULL))
            continue;   /* dropped (the diff says so) or excluded */
        schema_record_split(host->value_get_string(host->object_value_at(bs, i)), &b);
        schema_record_split(grec, &g);
        if (b.len[S_LAST_VALUE] == 0)
            continue;   /* never used on blue */
        bval = strtoll(b.at[S_LAST_VALUE], &end, 10);
        gval = g.len[S_LAST_VALUE] == 0 ? bval - 1 : strtoll(g.at[S_LAST_VALUE], &end, 10);
        /* A descending sequence is behind when green's value is greater. */
        if (b.at[2][0] == '-' ? gval <= bval : gval >= bval)
            continue;
        if (g.len[S_LAST_VALUE] == 0)
            gval = 0;
        if (host->object_set(bv, ident, host->value_int(bval)) != 0 ||
            host->object_set(gv, ident, g.len[S_LAST_VALUE] ? host->value_int(gval)
                                                            : host->value_null()) != 0)
            goto oom;
        behind++;
    }
    if (behind == 0) {
        host->value_free(bv);
        host->value_free(gv);
        return 0;
    }
    details = host->value_object();
    if (details == NULL || host->object_set(details, "count", host->value_int((int64_t)behind)) != 0)
        goto oom;
    return schema_emit(ctx, host, "schema.replication.sequences", GL_SEVERITY_WARNING, "sequences",
                       bv, gv, details,
                       "%zu sequence(s) on green are behind blue: synchronise them at switchover "
                       "(logical replication does not carry sequence values)", behind);
oom:
    host->value_free(bv);
    host->value_free(gv);
    host->value_free(details);
    return host->set_error(ctx, "schema: out of memory comparing sequence values");
}

/* Adds every name of a comma-separated list to `set` (an object used as a set). */
static int add_names(const gl_host *host, gl_value *set, const char *list, size_t len)
{
    char name[1024];
    size_t i = 0;

    while (i < len) {
        const char *comma = memchr(list + i, ',', len - i);
        size_t l = comma != NULL ? (size_t)(comma - (list + i)) : len - i;

        if (l > 0 && l < sizeof(name)) {
            memcpy(name, list + i, l);
            name[l] = '\0';
            if (host->object_set(set, name, host->value_null()) != 0)
                return -1;
        }
        i += l + 1;
    }
    return 0;
}

/* 1 when the table or one of its ancestors is published. */
static int published(const gl_host *host, const gl_value *set, const gl_value *tables,
                     const char *ident)
{
    char parent[1024];
    schema_record r;

    for (int depth = 0; depth < 32 && ident != NULL; depth++) {
        const char *rec;

        if (host->object_get(set, ident) != NULL)
            return 1;
        rec = host->value_get_string(host->object_get(tables, ident));
        if (rec == NULL)
            return 0;
        schema_record_split(rec, &r);
        if (r.len[T_PARENT] == 0 || r.len[T_PARENT] >= sizeof(parent))
            return 0;
        memcpy(parent, r.at[T_PARENT], r.len[T_PARENT]);
        parent[r.len[T_PARENT]] = '\0';
        ident = parent;
    }
    return 0;
}

static int check_tables(gl_ctx *ctx, const gl_host *host, const schema_filter *filter,
                        const gl_value *blue)
{
    const gl_value *tables = host->object_get(blue, "tables");
    const gl_value *pubs = host->object_get(blue, "publications");
    gl_value *set = host->value_object();
    int all_tables = 0, rc = -1;
    schema_record r;

    if (set == NULL)
        goto oom;
    for (size_t i = 0; i < host->value_len(pubs); i++) {
        schema_record_split(host->value_get_string(host->object_value_at(pubs, i)), &r);
        all_tables |= schema_record_field_is(&r, P_ALL_TABLES, "t");
        if (add_names(host, set, r.at[P_TABLES], r.len[P_TABLES]) != 0)
            goto oom;
    }
    for (size_t i = 0; i < host->value_len(tables); i++) {
        const char *ident = host->object_key_at(tables, i);
        char schema[256];

        if (schema_filter_excludes(filter, schema_of(ident, schema, sizeof(schema)), ident, NULL))
            continue;
        schema_record_split(host->value_get_string(host->object_value_at(tables, i)), &r);
        if (!schema_record_field_is(&r, T_KIND, "r"))
            continue;   /* partitioned parents hold no rows; foreign tables are not replicated */
        if (schema_record_field_is(&r, T_PERSISTENCE, "u")) {
            if (schema_emit(ctx, host, "schema.replication.unlogged_table", GL_SEVERITY_ERROR, ident,
                            NULL, NULL, NULL,
                            "table %s is unlogged: logical replication does not carry its rows",
                            ident) != 0)
                goto out;
            continue;
        }
        if (schema_record_field_is(&r, T_REPLIDENT, "n") ||
            (schema_record_field_is(&r, T_REPLIDENT, "d") && !schema_record_field_is(&r, T_HAS_PK, "t")) ||
            (schema_record_field_is(&r, T_REPLIDENT, "i") && r.len[T_RI_INDEX] == 0)) {
            if (schema_emit(ctx, host, "schema.replication.no_replica_identity", GL_SEVERITY_ERROR,
                            ident, host->value_string_len(r.at[T_REPLIDENT], r.len[T_REPLIDENT]),
                            NULL, NULL,
                            "table %s has no primary key or replica identity: its UPDATEs and "
                            "DELETEs cannot be replicated (add a primary key or REPLICA IDENTITY "
                            "USING INDEX / FULL)", ident) != 0)
                goto out;
        }
        if (host->value_len(pubs) > 0 && !all_tables && !published(host, set, tables, ident)) {
            if (schema_emit(ctx, host, "schema.replication.not_in_publication", GL_SEVERITY_ERROR,
                            ident, NULL, NULL, NULL,
                            "table %s is in no publication on blue: its changes do not reach green",
                            ident) != 0)
                goto out;
        }
    }
    rc = 0;
    goto out;
oom:
    host->set_error(ctx, "schema: out of memory checking replication readiness");
out:
    host->value_free(set);
    return rc;
}

int schema_replication_check(gl_ctx *ctx, const gl_host *host, const schema_filter *filter,
                             const gl_value *blue, const gl_value *green)
{
    int wanted = 0;
    int64_t large_objects;

    if (readiness_wanted(ctx, host, blue, &wanted) != 0)
        return -1;
    if (check_sequences(ctx, host, filter, blue, green) != 0)
        return -1;
    if (!wanted)
        return 0;
    large_objects = host->value_get_int(host->object_get(blue, "large_objects"));
    if (large_objects > 0 &&
        schema_emit(ctx, host, "schema.replication.large_objects", GL_SEVERITY_ERROR,
                    "pg_largeobject", host->value_int(large_objects), NULL, NULL,
                    "blue has %lld large object(s): logical replication does not carry them",
                    (long long)large_objects) != 0)
        return -1;
    return check_tables(ctx, host, filter, blue);
}
