/*
 * diff_fields.c — an object present on both sides compared field by field
 * (diff.c finds the objects): plain fields, shared codes, acl sets, enum
 * labels, and the severity of each difference. Codes: share/doc/checks/schema.md.
 */
#include "schema.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ severities */

/* 1 when comma-separated list `g` holds an item that list `b` does not. */
static int list_gains_item(const char *b, size_t b_len, const char *g, size_t g_len)
{
    size_t i = 0;

    while (i < g_len) {
        const char *end = memchr(g + i, ',', g_len - i);
        size_t l = end != NULL ? (size_t)(end - (g + i)) : g_len - i;
        size_t j = 0;
        int found = 0;

        while (!found && j < b_len) {
            const char *bend = memchr(b + j, ',', b_len - j);
            size_t bl = bend != NULL ? (size_t)(bend - (b + j)) : b_len - j;

            found = bl == l && memcmp(b + j, g + i, l) == 0;
            j += bl + 1;
        }
        if (!found)
            return 1;
        i += l + 1;
    }
    return 0;
}

static gl_severity changed_severity(const schema_kind *kind, int f, const schema_record *b,
                                    const schema_record *g)
{
    const char *name = kind->fields[f].name;

    if (strcmp(kind->key, "columns") == 0) {
        if (strcmp(name, "type") == 0)
            return schema_type_is_widening(b->at[f], b->len[f], g->at[f], g->len[f])
                       ? GL_SEVERITY_WARNING : GL_SEVERITY_ERROR;
        if (strcmp(name, "not_null") == 0)
            return schema_record_field_is(g, f, "t") ? GL_SEVERITY_ERROR : GL_SEVERITY_INFO;
        if (strcmp(name, "default") == 0 && g->len[f] == 0 && schema_record_field_is(g, 2, "t"))
            return GL_SEVERITY_ERROR;
    } else if (strcmp(kind->key, "sequences") == 0 && strcmp(name, "type") == 0) {
        return schema_type_is_widening(b->at[f], b->len[f], g->at[f], g->len[f])
                   ? GL_SEVERITY_INFO : GL_SEVERITY_ERROR;
    } else if (strcmp(kind->key, "indexes") == 0) {
        if (strcmp(name, "valid") == 0)
            return schema_record_field_is(g, f, "f") ? GL_SEVERITY_ERROR : GL_SEVERITY_INFO;
        if (strcmp(name, "definition") == 0 && !schema_record_field_equal(b, g, 2))
            return GL_SEVERITY_ERROR;
    } else if (strcmp(kind->key, "constraints") == 0 && strcmp(name, "validated") == 0) {
        return schema_record_field_is(g, f, "f") ? GL_SEVERITY_WARNING : GL_SEVERITY_INFO;
    } else if (strcmp(kind->key, "tables") == 0 && strcmp(name, "row_security") == 0) {
        return schema_record_field_is(g, f, "t") ? GL_SEVERITY_ERROR : GL_SEVERITY_WARNING;
    } else if (strcmp(kind->key, "tables") == 0 && strcmp(name, "partition_not_null") == 0) {
        /* Only a column that gains NOT NULL can make inserts fail. */
        return list_gains_item(b->at[f], b->len[f], g->at[f], g->len[f]) ? GL_SEVERITY_ERROR
                                                                         : GL_SEVERITY_INFO;
    } else if (strcmp(kind->key, "triggers") == 0 && strcmp(name, "enabled") == 0) {
        return schema_record_field_is(g, f, "D") ? GL_SEVERITY_ERROR : GL_SEVERITY_WARNING;
    }
    return kind->fields[f].severity;
}

static int diff_acl(diff_state *st, const schema_kind *kind, const char *ident, int f,
                    const schema_record *b, const schema_record *g)
{
    const gl_host *host = st->host;
    int owner = -1;
    const char *ignore = NULL;
    gl_value *revoked, *granted, *details;
    int rc = -1;

    for (int i = 0; i < kind->n_fields; i++)
        if (kind->fields[i].role == SCHEMA_FIELD_OWNER)
            owner = i;
    /* MAINTAIN ('m') arrived in 17: an owner's default privileges there
     * include it, a 15/16 server has no such privilege to grant. */
    if ((st->blue_version >= 170000) != (st->green_version >= 170000))
        ignore = "m";
    revoked = schema_acl_missing(host, b->at[f], b->len[f], owner >= 0 ? b->at[owner] : "",
                                 owner >= 0 ? b->len[owner] : 0, g->at[f], g->len[f],
                                 owner >= 0 ? g->at[owner] : "", owner >= 0 ? g->len[owner] : 0,
                                 ignore);
    granted = schema_acl_missing(host, g->at[f], g->len[f], owner >= 0 ? g->at[owner] : "",
                                 owner >= 0 ? g->len[owner] : 0, b->at[f], b->len[f],
                                 owner >= 0 ? b->at[owner] : "", owner >= 0 ? b->len[owner] : 0,
                                 ignore);

    if (revoked == NULL || granted == NULL)
        goto oom;
    if (host->value_len(revoked) > 0) {
        details = host->value_object();
        if (details == NULL || host->object_set(details, "kind", host->value_string(kind->noun)) != 0 ||
            host->object_set(details, "revoked", revoked) != 0) {
            revoked = NULL;
            host->value_free(details);
            goto oom;
        }
        revoked = NULL;
        if (schema_emit(st->ctx, host, "schema.privilege.revoked", GL_SEVERITY_ERROR, ident,
                        schema_record_field_value(host, b, f), schema_record_field_value(host, g, f),
                        details, "%s %s: privileges granted on blue are missing on green",
                        kind->noun, ident) != 0)
            goto out;
    }
    if (host->value_len(granted) > 0) {
        details = host->value_object();
        if (details == NULL || host->object_set(details, "kind", host->value_string(kind->noun)) != 0 ||
            host->object_set(details, "granted", granted) != 0) {
            granted = NULL;
            host->value_free(details);
            goto oom;
        }
        granted = NULL;
        if (schema_emit(st->ctx, host, "schema.privilege.granted", GL_SEVERITY_INFO, ident,
                        schema_record_field_value(host, b, f), schema_record_field_value(host, g, f),
                        details, "%s %s: green grants privileges blue does not", kind->noun,
                        ident) != 0)
            goto out;
    }
    rc = 0;
    goto out;
oom:
    host->set_error(st->ctx, "schema: out of memory comparing privileges");
out:
    host->value_free(revoked);
    host->value_free(granted);
    return rc;
}

/* Labels of an enum (joined by 0x1e) as an array, for findings. */
static gl_value *labels_array(const gl_host *host, const char *s, size_t len, const char *other,
                              size_t other_len, int only_missing)
{
    gl_value *out = host->value_array();
    size_t i = 0;

    while (out != NULL && i <= len) {
        const char *end = memchr(s + i, '\036', len - i);
        size_t l = end != NULL ? (size_t)(end - (s + i)) : len - i;
        int found = 0;

        if (only_missing) {
            size_t j = 0;

            while (!found && j <= other_len) {
                const char *oend = memchr(other + j, '\036', other_len - j);
                size_t ol = oend != NULL ? (size_t)(oend - (other + j)) : other_len - j;

                found = ol == l && memcmp(other + j, s + i, l) == 0;
                j += ol + 1;
            }
        }
        if (!found && host->array_push(out, host->value_string_len(s + i, l)) != 0)
            return NULL;
        i += l + 1;
    }
    return out;
}

static int diff_enum(diff_state *st, const char *ident, int f, const schema_record *b,
                     const schema_record *g)
{
    const gl_host *host = st->host;
    gl_value *removed = labels_array(host, b->at[f], b->len[f], g->at[f], g->len[f], 1);
    gl_value *added = labels_array(host, g->at[f], g->len[f], b->at[f], b->len[f], 1);
    size_t n_removed = host->value_len(removed), n_added = host->value_len(added);
    int rc = -1;

    if (removed == NULL || added == NULL) {
        host->set_error(st->ctx, "schema: out of memory comparing enum labels");
        goto out;
    }
    if (n_removed > 0) {
        rc = schema_emit(st->ctx, host, "schema.type.enum.label_removed", GL_SEVERITY_ERROR, ident,
                         labels_array(host, b->at[f], b->len[f], NULL, 0, 0),
                         labels_array(host, g->at[f], g->len[f], NULL, 0, 0), removed,
                         "enum %s: %zu label(s) of blue are missing on green", ident, n_removed);
        removed = NULL;
        if (rc != 0)
            goto out;
    }
    if (n_added > 0) {
        rc = schema_emit(st->ctx, host, "schema.type.enum.label_added", GL_SEVERITY_INFO, ident,
                         labels_array(host, b->at[f], b->len[f], NULL, 0, 0),
                         labels_array(host, g->at[f], g->len[f], NULL, 0, 0), added,
                         "enum %s: green has %zu new label(s)", ident, n_added);
        added = NULL;
        if (rc != 0)
            goto out;
    }
    if (n_removed == 0 && n_added == 0) {
        /* Same labels, different bytes: the order changed (comparisons, ORDER BY). */
        rc = schema_emit(st->ctx, host, "schema.type.enum.order_changed", GL_SEVERITY_WARNING, ident,
                         labels_array(host, b->at[f], b->len[f], NULL, 0, 0),
                         labels_array(host, g->at[f], g->len[f], NULL, 0, 0), NULL,
                         "enum %s: labels are ordered differently on green", ident);
        if (rc != 0)
            goto out;
    }
    rc = 0;
out:
    host->value_free(removed);
    host->value_free(added);
    return rc;
}

static void field_code(const schema_kind *kind, int f, char *code, size_t size)
{
    if (strncmp(kind->fields[f].code, "schema.", 7) == 0)
        snprintf(code, size, "%s", kind->fields[f].code);
    else
        snprintf(code, size, "schema.%s.%s", kind->stem, kind->fields[f].code);
}

/* 1 when another plain field of the kind has field f's code (a publication's
 * insert/update/delete flags, a policy's command/roles/USING...). */
static int shares_code(const schema_kind *kind, int f)
{
    for (int i = 0; i < kind->n_fields; i++)
        if (i != f && kind->fields[i].role == SCHEMA_FIELD_PLAIN &&
            strcmp(kind->fields[i].code, kind->fields[f].code) == 0)
            return 1;
    return 0;
}

/*
 * Fields that share a code give one finding per object, not one per field:
 * "publish = 'insert'" changes three flags of one definition. Reported at the
 * first differing field of the code, with blue/green as {field: value} of
 * every differing field of that code and the highest of their severities.
 */
static int diff_shared_code(diff_state *st, const schema_kind *kind, const char *ident, int f,
                            const schema_record *b, const schema_record *g)
{
    const gl_host *host = st->host;
    gl_value *bv = NULL, *gv = NULL;
    gl_severity severity = GL_SEVERITY_INFO;
    char code[128];

    for (int i = 0; i < f; i++)
        if (kind->fields[i].role == SCHEMA_FIELD_PLAIN &&
            strcmp(kind->fields[i].code, kind->fields[f].code) == 0 &&
            !schema_record_field_equal(b, g, i))
            return 0;   /* reported with that earlier field */
    bv = host->value_object();
    gv = host->value_object();
    if (bv == NULL || gv == NULL)
        goto oom;
    for (int i = f; i < kind->n_fields; i++) {
        gl_severity sev;

        if (kind->fields[i].role != SCHEMA_FIELD_PLAIN ||
            strcmp(kind->fields[i].code, kind->fields[f].code) != 0 ||
            schema_record_field_equal(b, g, i))
            continue;
        if (host->object_set(bv, kind->fields[i].name, schema_record_field_value(host, b, i)) != 0 ||
            host->object_set(gv, kind->fields[i].name, schema_record_field_value(host, g, i)) != 0)
            goto oom;
        sev = changed_severity(kind, i, b, g);
        if (sev > severity)
            severity = sev;
    }
    field_code(kind, f, code, sizeof(code));
    return schema_emit(st->ctx, host, code, severity, ident, bv, gv, NULL,
                       "%s %s: definition differs between blue and green", kind->noun, ident);
oom:
    host->value_free(bv);
    host->value_free(gv);
    return host->set_error(st->ctx, "schema: out of memory comparing %s", kind->key);
}

/* Field f of table `ident` (a record's parent field) on one side, or NULL. */
static int table_field(diff_state *st, const gl_value *side, const schema_record *child,
                       int parent_field, const char *name, schema_record *table, int *f)
{
    const schema_kind *tables = schema_kind_find("tables");
    char parent[1024];
    const char *rec;

    if (tables == NULL || child->len[parent_field] >= sizeof(parent))
        return 0;
    memcpy(parent, child->at[parent_field], child->len[parent_field]);
    parent[child->len[parent_field]] = '\0';
    rec = st->host->value_get_string(st->host->object_get(st->host->object_get(side, "tables"), parent));
    if (rec == NULL)
        return 0;
    schema_record_split(rec, table);
    for (int i = 0; i < tables->n_fields; i++)
        if (strcmp(tables->fields[i].name, name) == 0) {
            *f = i;
            return 1;
        }
    return 0;
}

/*
 * 1 when field f compares equal. Definitions with a parse key on both sides
 * (normalise.c) compare by key: the same statement printed differently by two
 * server versions is the same definition, a changed literal is not. A
 * column's inheritance is not reported when its table's INHERITS list changed
 * (NO INHERIT makes every column local: the table's finding says it).
 */
static int fields_equal(diff_state *st, const schema_kind *kind, int f, const schema_record *b,
                        const schema_record *g)
{
    const char *name = kind->fields[f].name;

    if (strcmp(name, "definition") == 0) {
        for (int k = 0; k < kind->n_fields; k++)
            if (strcmp(kind->fields[k].name, "definition_key") == 0 && b->len[k] > 0 && g->len[k] > 0)
                return schema_record_field_equal(b, g, k);
    }
    if (schema_record_field_equal(b, g, f))
        return 1;
    if (strcmp(kind->key, "columns") == 0 && strcmp(name, "inheritance") == 0) {
        schema_record bt, gt;
        int bf = -1, gf = -1;

        if (table_field(st, st->blue, b, kind->parent_field, "inherits", &bt, &bf) &&
            table_field(st, st->green, g, kind->parent_field, "inherits", &gt, &gf) &&
            !schema_record_field_equal(&bt, &gt, bf))
            return 1;
    }
    return 0;
}

int schema_diff_fields(diff_state *st, const schema_kind *kind, const char *ident,
                       const schema_record *b, const schema_record *g)
{
    const gl_host *host = st->host;
    char code[128];

    for (int f = 0; f < kind->n_fields; f++) {
        const schema_field *field = &kind->fields[f];
        int rc = 0;

        if (field->role == SCHEMA_FIELD_HIDDEN || fields_equal(st, kind, f, b, g))
            continue;
        switch (field->role) {
        case SCHEMA_FIELD_ACL:
            rc = diff_acl(st, kind, ident, f, b, g);
            break;
        case SCHEMA_FIELD_OWNER:
            rc = schema_emit(st->ctx, host, "schema.privilege.owner_changed", GL_SEVERITY_WARNING,
                             ident, schema_record_field_value(host, b, f),
                             schema_record_field_value(host, g, f), NULL,
                             "%s %s: owned by a different role on green", kind->noun, ident);
            break;
        case SCHEMA_FIELD_COMMENT:
            rc = schema_emit(st->ctx, host, "schema.comment.changed", GL_SEVERITY_INFO, ident,
                             schema_record_field_value(host, b, f),
                             schema_record_field_value(host, g, f), NULL,
                             "%s %s: comment differs", kind->noun, ident);
            break;
        case SCHEMA_FIELD_ENUM_LABELS:
            if (schema_record_field_is(b, 0, "e") && schema_record_field_is(g, 0, "e")) {
                rc = diff_enum(st, ident, f, b, g);
                break;
            }
            if (!schema_record_field_equal(b, g, 0))
                break;   /* kind_changed already says it */
            snprintf(code, sizeof(code), "schema.type.%s.changed",
                     schema_record_field_is(b, 0, "d") ? "domain"
                     : schema_record_field_is(b, 0, "c") ? "composite" : "range");
            rc = schema_emit(st->ctx, host, code, field->severity, ident,
                             schema_record_field_value(host, b, f),
                             schema_record_field_value(host, g, f), NULL,
                             "type %s: definition differs", ident);
            break;
        default:
            if (shares_code(kind, f)) {
                rc = diff_shared_code(st, kind, ident, f, b, g);
                break;
            }
            if (strncmp(field->code, "schema.", 7) == 0)
                snprintf(code, sizeof(code), "%s", field->code);
            else
                snprintf(code, sizeof(code), "schema.%s.%s", kind->stem, field->code);
            rc = schema_emit(st->ctx, host, code, changed_severity(kind, f, b, g), ident,
                             schema_record_field_value(host, b, f),
                             schema_record_field_value(host, g, f), NULL,
                             "%s %s: %s differs between blue and green", kind->noun, ident,
                             field->name);
            break;
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}
