/*
 * diff.c — compares blue's and green's catalogs object by object.
 *
 * Identity is the qualified name within a kind: an object present on one side
 * only is dropped or added (a rename shows as both: the catalogs cannot tell a
 * rename from a drop and a create); an object on both sides is compared field
 * by field. A child (column, constraint, index, trigger, policy) of a table
 * that is itself dropped or added is not reported again: the table's finding
 * covers it.
 *
 * Severity is the risk to an application that runs against green as it ran
 * against blue: what can make its statements fail or change results is error
 * or critical (dropped table or column, narrowed type, NOT NULL or CHECK
 * added, primary key changed, a constraint's index dropped, privileges
 * revoked), what it cannot notice is info (new nullable column, new index,
 * new table). Codes: share/doc/checks/schema.md.
 */
#include "schema.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ records */

void schema_record_split(const char *rec, schema_record *out)
{
    const char *p = rec;

    out->n = 0;
    for (;;) {
        const char *sep = strchr(p, SCHEMA_SEP);
        size_t len = sep != NULL ? (size_t)(sep - p) : strlen(p);

        if (out->n < SCHEMA_MAX_FIELDS) {
            out->at[out->n] = p;
            out->len[out->n] = len;
            out->n++;
        }
        if (sep == NULL)
            break;
        p = sep + 1;
    }
    for (int i = out->n; i < SCHEMA_MAX_FIELDS; i++) {
        out->at[i] = "";
        out->len[i] = 0;
    }
}

int schema_record_field_equal(const schema_record *a, const schema_record *b, int i)
{
    return a->len[i] == b->len[i] && memcmp(a->at[i], b->at[i], a->len[i]) == 0;
}

int schema_record_field_is(const schema_record *r, int i, const char *s)
{
    return r->len[i] == strlen(s) && memcmp(r->at[i], s, r->len[i]) == 0;
}

gl_value *schema_record_field_value(const gl_host *host, const schema_record *r, int i)
{
    return host->value_string_len(r->at[i], r->len[i]);
}

gl_value *schema_record_object(const gl_host *host, const schema_kind *kind, const schema_record *r)
{
    gl_value *obj = host->value_object();

    if (obj == NULL)
        return NULL;
    for (int i = 0; i < kind->n_fields; i++) {
        if (kind->fields[i].role == SCHEMA_FIELD_HIDDEN || r->len[i] == 0)
            continue;
        if (host->object_set(obj, kind->fields[i].name, schema_record_field_value(host, r, i)) != 0) {
            host->value_free(obj);
            return NULL;
        }
    }
    return obj;
}

/* ------------------------------------------------------------------ severities */

static gl_severity dropped_severity(const schema_kind *kind, const schema_record *r)
{
    if (strcmp(kind->key, "constraints") == 0 && schema_record_field_is(r, 1, "p"))
        return GL_SEVERITY_ERROR;   /* the primary key, so replica identity, is gone */
    if (strcmp(kind->key, "indexes") == 0 && r->len[5] > 0)
        return GL_SEVERITY_ERROR;   /* backed a constraint */
    return kind->dropped;
}

static gl_severity added_severity(const schema_kind *kind, const schema_record *r)
{
    if (strcmp(kind->key, "columns") == 0) {
        /* NOT NULL with nothing to fill it: inserts that omit the column fail. */
        if (schema_record_field_is(r, 2, "t") && r->len[3] == 0 && r->len[4] == 0 && r->len[5] == 0)
            return GL_SEVERITY_ERROR;
        return GL_SEVERITY_INFO;
    }
    if (strcmp(kind->key, "indexes") == 0 && schema_record_field_is(r, 2, "t"))
        return GL_SEVERITY_WARNING;   /* a unique index can reject writes */
    return kind->added;
}

/* ------------------------------------------------------------------ objects */

/*
 * 1 when `kind` is columns and the parent table record is a partition: a
 * partition's columns are not collected (they follow its parent), so after
 * ATTACH or DETACH PARTITION the columns seen on one side only are not
 * additions or drops; the table's partition_parent_changed says it all.
 */
static int is_column_of_partition(const gl_host *host, const schema_kind *kind,
                                  const gl_value *table_record)
{
    const schema_kind *tables = schema_kind_find("tables");
    schema_record t;

    if (strcmp(kind->key, "columns") != 0 || tables == NULL)
        return 0;
    schema_record_split(host->value_get_string(table_record), &t);
    for (int i = 0; i < tables->n_fields; i++)
        if (strcmp(tables->fields[i].name, "partition_of") == 0)
            return t.len[i] > 0;
    return 0;
}

/* 1 when the object's parent (a table or type) is missing on `side`, or is a
 * partition there (see is_column_of_partition). */
static int parent_missing(const gl_host *host, const schema_kind *kind, const schema_record *r,
                          const gl_value *side)
{
    char parent[1024];
    size_t len;

    if (kind->parent_field < 0)
        return 0;
    len = r->len[kind->parent_field];
    if (len >= sizeof(parent))
        return 0;
    memcpy(parent, r->at[kind->parent_field], len);
    parent[len] = '\0';
    const gl_value *found = host->object_get(host->object_get(side, kind->parent_key), parent);
    if (found != NULL)
        return is_column_of_partition(host, kind, found);
    if (kind->parent_key2 != NULL &&
        host->object_get(host->object_get(side, kind->parent_key2), parent) != NULL)
        return 0;
    return 1;
}

/* Publications named greenlight_* are greenlight's own deployment objects
 * (`deploy create` names them greenlight_<deployment>, the reverse path
 * greenlight_<deployment>_rev; the prefix is reserved, see share/doc/deploy.md).
 * They exist on one side only by design and are watched by the replication
 * check, so they are never schema differences. */
static int own_deployment_object(const schema_kind *kind, const char *ident)
{
    return strcmp(kind->key, "publications") == 0 && strncmp(ident, "greenlight_", 11) == 0;
}

static int excluded(const diff_state *st, const schema_kind *kind, const char *ident,
                    const schema_record *r)
{
    char schema[256], parent[1024];
    int has_parent = kind->parent_field >= 0 && r->len[kind->parent_field] < sizeof(parent);

    if (own_deployment_object(kind, ident))
        return 1;

    if (has_parent) {
        memcpy(parent, r->at[kind->parent_field], r->len[kind->parent_field]);
        parent[r->len[kind->parent_field]] = '\0';
    }
    return schema_filter_excludes(st->filter,
                                  schema_kind_schema_of(kind, ident, r, schema, sizeof(schema)),
                                  ident, has_parent ? parent : NULL);
}

static int diff_kind(diff_state *st, const schema_kind *kind)
{
    const gl_host *host = st->host;
    const gl_value *bo = host->object_get(st->blue, kind->key);
    const gl_value *go = host->object_get(st->green, kind->key);
    size_t nb = host->value_len(bo), ng = host->value_len(go);
    char code[128];
    schema_record b, g;

    for (size_t i = 0; i < nb; i++) {
        const char *ident = host->object_key_at(bo, i);
        const char *brec = host->value_get_string(host->object_value_at(bo, i));
        const char *grec = host->value_get_string(host->object_get(go, ident));

        if (brec == NULL)
            continue;
        schema_record_split(brec, &b);
        if (excluded(st, kind, ident, &b))
            continue;
        if (grec != NULL) {
            schema_record_split(grec, &g);
            if (schema_diff_fields(st, kind, ident, &b, &g) != 0)
                return -1;
            continue;
        }
        if (parent_missing(host, kind, &b, st->green))
            continue;
        snprintf(code, sizeof(code), "schema.%s.dropped", kind->stem);
        if (schema_emit(st->ctx, host, code, dropped_severity(kind, &b), ident,
                        schema_record_object(host, kind, &b), NULL, NULL,
                        "%s %s exists on blue but not on green", kind->noun, ident) != 0)
            return -1;
    }
    for (size_t i = 0; i < ng; i++) {
        const char *ident = host->object_key_at(go, i);
        const char *grec = host->value_get_string(host->object_value_at(go, i));

        if (grec == NULL || host->object_get(bo, ident) != NULL)
            continue;
        schema_record_split(grec, &g);
        if (excluded(st, kind, ident, &g) || parent_missing(host, kind, &g, st->blue))
            continue;
        snprintf(code, sizeof(code), "schema.%s.added", kind->stem);
        if (schema_emit(st->ctx, host, code, added_severity(kind, &g), ident, NULL,
                        schema_record_object(host, kind, &g), NULL,
                        "%s %s exists on green but not on blue", kind->noun, ident) != 0)
            return -1;
    }
    return 0;
}

int schema_diff(gl_ctx *ctx, const gl_host *host, const schema_filter *filter,
                const gl_value *blue, const gl_value *green)
{
    diff_state st = { ctx, host, filter, blue, green,
                      host->value_get_int(host->object_get(blue, "server_version_num")),
                      host->value_get_int(host->object_get(green, "server_version_num")) };

    for (size_t k = 0; k < schema_kinds_count; k++)
        if (diff_kind(&st, &schema_kinds[k]) != 0)
            return -1;
    return 0;
}
