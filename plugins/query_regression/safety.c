/*
 * Safety, parser half (the server half is allow.c): a workload statement runs
 * only when libpg_query parses it as one plain SELECT. The parse tree (libpg_query's JSON, read with
 * yajl_tree) is walked whole, so a forbidden construct nested in a subquery or CTE is found too. Refused:
 *   - anything but exactly one statement, or a statement other than SELECT
 *     (VALUES and TABLE parse as SELECT and are allowed);
 *   - SELECT ... INTO (creates a table);
 *   - FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE (takes row locks, writes xmax);
 *   - data-modifying statements anywhere (WITH x AS (DELETE ... RETURNING ...));
 *   - calls to functions of the denied families (query_regression_denied_families).
 * query_regression_references lists the functions, operators and cast targets the
 * statement names, for allow.c to resolve on each server: only functions the
 * server marks immutable or stable may run.
 */
#include "qr.h"
#include "json_get.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pg_query.h>
#include <yajl/yajl_tree.h>

/*
 * Function families refused whatever the server says of their volatility:
 * they change server state or run SQL text the parser never sees (several are
 * marked stable: table_to_xml, txid_current...). Globs (fnmatch); schema
 * qualification is ignored. The same list is checked against the functions
 * the server resolves names, operators and casts to (allow.c).
 */
const char *const query_regression_denied_families[] = {
    "nextval",
    "setval",
    "currval",
    "lastval",
    "pg_advisory_*",
    "pg_try_advisory_*",
    "lo_*",
    "loread",
    "lowrite",
    "dblink*",
    "query_to_xml*",
    "cursor_to_xml*",
    "table_to_xml*",
    "schema_to_xml*",
    "database_to_xml*",
    "ts_stat",
    "pg_notify",
    "set_config",
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_reload_conf",
    "pg_rotate_logfile*",
    "pg_switch_wal",
    "pg_create_restore_point",
    "pg_logical_emit_message",
    "pg_create_*_replication_slot",
    "pg_drop_replication_slot",
    "pg_copy_*_replication_slot",
    "pg_replication_slot_advance",
    "pg_logical_slot_*",
    "pg_replication_origin_*",
    "brin_summarize*",
    "brin_desummarize*",
    "gin_clean_pending_list",
    "pg_stat_reset*",
    "pg_stat_statements_reset*",
    "pg_promote",
    "pg_read_file",
    "pg_read_binary_file",
    "pg_ls_*",
    "pg_file_*",
    "pg_stat_file",
    "txid_current*",
    "pg_current_xact_id*",
    "pg_sleep*",
    "pg_import_system_collations",
    "pg_backup_*",
    "pg_start_backup",
    "pg_stop_backup",
    "pg_wal_replay_*",
    "pg_log_backend_memory_contexts",
    NULL,
};

static int denied(const char *name)
{
    for (const char *const *d = query_regression_denied_families; *d; d++)
        if (fnmatch(*d, name, 0) == 0)
            return 1;
    return 0;
}

/* The last String of a name list (funcname, operator name, type names), and the one
 * before it as *schema (NULL when unqualified). */
static const char *name_of(yajl_val names, const char **schema)
{
    const char *parts[2] = {NULL, NULL};

    if (schema != NULL)
        *schema = NULL;
    if (!YAJL_IS_ARRAY(names) || names->u.array.len == 0)
        return NULL;
    for (size_t k = 0; k < 2 && k < names->u.array.len; k++) {
        yajl_val item = names->u.array.values[names->u.array.len - 1 - k];
        yajl_val s = query_regression__json_get(query_regression__json_get(item, "String"), "sval");
        if (s == NULL)
            s = query_regression__json_get(query_regression__json_get(item, "String"),
                                           "str"); /* libpg_query 13 spelling */
        parts[k] = YAJL_IS_STRING(s) ? YAJL_GET_STRING(s) : NULL;
    }
    if (schema != NULL)
        *schema = parts[1];
    return parts[0];
}

/* The unqualified function name of a FuncCall node. */
static const char *func_name(yajl_val funccall)
{
    return name_of(query_regression__json_get(funccall, "funcname"), NULL);
}

/* Returns 1 and a reason when the subtree holds a forbidden construct. */
static int walk(yajl_val v, int depth, char *reason, size_t len)
{
    static const char *const writers[] = {"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", NULL};

    if (depth > 10000) {
        snprintf(reason, len, "the statement nests too deeply to check");
        return 1;
    }
    if (YAJL_IS_ARRAY(v)) {
        for (size_t i = 0; i < v->u.array.len; i++)
            if (walk(v->u.array.values[i], depth + 1, reason, len))
                return 1;
        return 0;
    }
    if (!YAJL_IS_OBJECT(v))
        return 0;
    for (size_t i = 0; i < v->u.object.len; i++) {
        const char *key = v->u.object.keys[i];
        yajl_val child = v->u.object.values[i];

        for (const char *const *w = writers; *w; w++)
            if (strcmp(key, *w) == 0) {
                snprintf(reason, len, "it contains a data-modifying statement (%.*s)",
                         (int)(strlen(key) - 4), key);
                return 1;
            }
        if (strcmp(key, "intoClause") == 0) {
            snprintf(reason, len, "SELECT INTO creates a table");
            return 1;
        }
        if (strcmp(key, "lockingClause") == 0) {
            snprintf(reason, len, "FOR UPDATE/SHARE takes row locks");
            return 1;
        }
        if (strcmp(key, "FuncCall") == 0) {
            const char *name = func_name(child);
            if (name != NULL && denied(name)) {
                snprintf(reason, len, "it calls %s(), which changes server state or runs SQL "
                         "text the check cannot see", name);
                return 1;
            }
        }
        if (walk(child, depth + 1, reason, len))
            return 1;
    }
    return 0;
}

int query_regression_safety_check(const char *sql, int *out_ordered, char *reason, size_t reasonlen)
{
    PgQueryParseResult parsed = pg_query_parse(sql);
    yajl_val root = NULL, stmts, select, sort;
    char yerr[128];
    int rc = 1;

    *out_ordered = 0;
    if (parsed.error != NULL) {
        snprintf(reason, reasonlen, "it does not parse (PostgreSQL 15 grammar): %s",
                 parsed.error->message);
        goto out;
    }
    root = yajl_tree_parse(parsed.parse_tree, yerr, sizeof(yerr));
    if (root == NULL) {
        /* libpg_query always emits valid JSON; failing here is memory. */
        snprintf(reason, reasonlen, "its parse tree could not be read");
        rc = -1;
        goto out;
    }
    stmts = query_regression__json_get(root, "stmts");
    if (!YAJL_IS_ARRAY(stmts) || stmts->u.array.len != 1) {
        snprintf(reason, reasonlen, "it must be exactly one statement (found %zu)",
                 YAJL_IS_ARRAY(stmts) ? stmts->u.array.len : (size_t)0);
        goto out;
    }
    select = query_regression__json_get(query_regression__json_get(stmts->u.array.values[0], "stmt"),
                                        "SelectStmt");
    if (select == NULL) {
        yajl_val stmt = query_regression__json_get(stmts->u.array.values[0], "stmt");
        snprintf(reason, reasonlen, "only SELECT is allowed, not %s",
                 YAJL_IS_OBJECT(stmt) && stmt->u.object.len > 0 ? stmt->u.object.keys[0] : "this");
        goto out;
    }
    if (walk(select, 0, reason, reasonlen))
        goto out;
    sort = query_regression__json_get(select, "sortClause");
    *out_ordered = YAJL_IS_ARRAY(sort) && sort->u.array.len > 0;
    reason[0] = '\0';
    rc = 0;
out:
    yajl_tree_free(root);
    pg_query_free_parse_result(parsed);
    return rc;
}

int query_regression_fingerprint(const char *sql, char *buf, size_t buflen)
{
    PgQueryFingerprintResult f = pg_query_fingerprint(sql);
    int rc = -1;

    if (f.error == NULL && f.fingerprint_str != NULL) {
        snprintf(buf, buflen, "%s", f.fingerprint_str);
        rc = 0;
    }
    pg_query_free_fingerprint_result(f);
    return rc;
}

/* The highest ParamRef number in a parse-tree subtree. */
static int max_param(yajl_val v, int depth)
{
    int best = 0;

    if (depth > 10000)
        return 0;
    if (YAJL_IS_ARRAY(v)) {
        for (size_t i = 0; i < v->u.array.len; i++) {
            int n = max_param(v->u.array.values[i], depth + 1);
            best = n > best ? n : best;
        }
    } else if (YAJL_IS_OBJECT(v)) {
        for (size_t i = 0; i < v->u.object.len; i++) {
            yajl_val child = v->u.object.values[i];
            int n;
            if (strcmp(v->u.object.keys[i], "ParamRef") == 0) {
                yajl_val num = query_regression__json_get(child, "number");
                n = YAJL_IS_INTEGER(num) ? (int)YAJL_GET_INTEGER(num) : 0;
                best = n > best ? n : best;
            }
            n = max_param(child, depth + 1);
            best = n > best ? n : best;
        }
    }
    return best;
}

int query_regression_placeholders(const char *sql)
{
    PgQueryParseResult parsed = pg_query_parse(sql);
    yajl_val root = NULL;
    char yerr[128];
    int n = -1;

    if (parsed.error == NULL)
        root = yajl_tree_parse(parsed.parse_tree, yerr, sizeof(yerr));
    if (root != NULL)
        n = max_param(root, 0);
    yajl_tree_free(root);
    pg_query_free_parse_result(parsed);
    return n;
}

/* 1 when `name` is the name of a CommonTableExpr anywhere in the tree. */
static int is_cte(yajl_val v, const char *name, int depth)
{
    if (depth > 10000)
        return 0;
    if (YAJL_IS_ARRAY(v)) {
        for (size_t i = 0; i < v->u.array.len; i++)
            if (is_cte(v->u.array.values[i], name, depth + 1))
                return 1;
    } else if (YAJL_IS_OBJECT(v)) {
        for (size_t i = 0; i < v->u.object.len; i++) {
            yajl_val child = v->u.object.values[i];
            if (strcmp(v->u.object.keys[i], "CommonTableExpr") == 0) {
                yajl_val n = query_regression__json_get(child, "ctename");
                if (YAJL_IS_STRING(n) && n->u.string != NULL && strcmp(n->u.string, name) == 0)
                    return 1;
            }
            if (is_cte(child, name, depth + 1))
                return 1;
        }
    }
    return 0;
}

/* Counts RangeVar nodes and those naming a system relation (pg_*, pg_catalog,
 * information_schema); a reference to a CTE of the statement counts as neither. */
static void count_relations(yajl_val root, yajl_val v, int depth, int *all, int *system)
{
    if (depth > 10000)
        return;
    if (YAJL_IS_ARRAY(v)) {
        for (size_t i = 0; i < v->u.array.len; i++)
            count_relations(root, v->u.array.values[i], depth + 1, all, system);
    } else if (YAJL_IS_OBJECT(v)) {
        for (size_t i = 0; i < v->u.object.len; i++) {
            yajl_val child = v->u.object.values[i];
            if (strcmp(v->u.object.keys[i], "RangeVar") == 0) {
                yajl_val rel = query_regression__json_get(child, "relname"),
                         schema = query_regression__json_get(child, "schemaname");
                const char *r = YAJL_IS_STRING(rel) ? YAJL_GET_STRING(rel) : "";
                const char *sc = YAJL_IS_STRING(schema) ? YAJL_GET_STRING(schema) : "";
                if (sc[0] == '\0' && is_cte(root, r, 0))
                    continue;
                (*all)++;
                if (strncmp(r, "pg_", 3) == 0 || strcmp(sc, "pg_catalog") == 0 ||
                    strcmp(sc, "information_schema") == 0)
                    (*system)++;
            }
            count_relations(root, child, depth + 1, all, system);
        }
    }
}

int query_regression_catalog_only(const char *sql)
{
    PgQueryParseResult parsed = pg_query_parse(sql);
    yajl_val root = NULL;
    char yerr[128];
    int all = 0, system = 0;

    if (parsed.error == NULL)
        root = yajl_tree_parse(parsed.parse_tree, yerr, sizeof(yerr));
    if (root != NULL)
        count_relations(root, root, 0, &all, &system);
    yajl_tree_free(root);
    pg_query_free_parse_result(parsed);
    return all > 0 && all == system;
}

/* ------------------------------------------------------------ references */

int query_regression_ref_equal(const query_regression_ref *a, const query_regression_ref *b)
{
    return a->kind == b->kind && strcmp(a->name, b->name) == 0 &&
           ((a->schema == NULL && b->schema == NULL) ||
            (a->schema != NULL && b->schema != NULL && strcmp(a->schema, b->schema) == 0));
}

int query_regression_refs_reserve(query_regression_refs *refs)
{
    size_t cap;
    query_regression_ref *grown;

    if (refs->count < refs->cap)
        return 0;
    cap = refs->cap ? refs->cap * 2 : 16;
    grown = realloc(refs->items, cap * sizeof(*grown));
    if (grown == NULL)
        return -1;
    refs->items = grown;
    refs->cap = cap;
    return 0;
}

static int add_ref(query_regression_refs *refs, query_regression_ref_kind kind, const char *schema,
                   const char *name)
{
    query_regression_ref *r, want = {kind, (char *)schema, (char *)name};

    if (name == NULL)
        return 0;
    for (size_t i = 0; i < refs->count; i++)
        if (query_regression_ref_equal(&refs->items[i], &want))
            return 0;
    if (query_regression_refs_reserve(refs) != 0)
        return -1;
    r = &refs->items[refs->count];
    r->kind = kind;
    r->name = strdup(name);
    r->schema = schema != NULL ? strdup(schema) : NULL;
    if (r->name == NULL || (schema != NULL && r->schema == NULL)) {
        free(r->name);
        free(r->schema);
        return -1;
    }
    refs->count++;
    return 0;
}

/* An operator name list; BETWEEN and its variants compare with <= and >=. */
static int add_operator(query_regression_refs *refs, yajl_val names)
{
    const char *schema, *name = name_of(names, &schema);

    if (name == NULL)
        return 0;
    if ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'))
        return add_ref(refs, GL_QR_REF_OPERATOR, NULL, "<=") ||
               add_ref(refs, GL_QR_REF_OPERATOR, NULL, ">=");
    return add_ref(refs, GL_QR_REF_OPERATOR, schema, name);
}

static int collect_refs(yajl_val v, int depth, query_regression_refs *refs)
{
    if (depth > 10000)
        return 0;
    if (YAJL_IS_ARRAY(v)) {
        for (size_t i = 0; i < v->u.array.len; i++)
            if (collect_refs(v->u.array.values[i], depth + 1, refs) != 0)
                return -1;
        return 0;
    }
    if (!YAJL_IS_OBJECT(v))
        return 0;
    for (size_t i = 0; i < v->u.object.len; i++) {
        const char *key = v->u.object.keys[i], *schema = NULL, *name;
        yajl_val child = v->u.object.values[i];
        int rc = 0;

        if (strcmp(key, "FuncCall") == 0) {
            name = name_of(query_regression__json_get(child, "funcname"), &schema);
            rc = add_ref(refs, GL_QR_REF_FUNCTION, schema, name);
        } else if (strcmp(key, "A_Expr") == 0) {
            rc = add_operator(refs, query_regression__json_get(child, "name"));
        } else if (strcmp(key, "SubLink") == 0) {
            rc = add_operator(refs, query_regression__json_get(child, "operName"));
        } else if (strcmp(key, "SortBy") == 0) {
            rc = add_operator(refs, query_regression__json_get(child, "useOp"));
        } else if (strcmp(key, "TypeCast") == 0) {
            yajl_val tn = query_regression__json_get(child, "typeName");
            if (query_regression__json_get(tn, "TypeName") != NULL)
                tn = query_regression__json_get(tn, "TypeName");
            name = name_of(query_regression__json_get(tn, "names"), &schema);
            rc = add_ref(refs, GL_QR_REF_TYPE, schema, name);
        }
        if (rc != 0 || collect_refs(child, depth + 1, refs) != 0)
            return -1;
    }
    return 0;
}

int query_regression_references(const char *sql, query_regression_refs *refs)
{
    PgQueryParseResult parsed = pg_query_parse(sql);
    yajl_val root = NULL;
    char yerr[128];
    int rc = -1;

    if (parsed.error == NULL)
        root = yajl_tree_parse(parsed.parse_tree, yerr, sizeof(yerr));
    if (root != NULL)
        rc = collect_refs(root, 0, refs);
    yajl_tree_free(root);
    pg_query_free_parse_result(parsed);
    return rc;
}

void query_regression_refs_free(query_regression_refs *refs)
{
    for (size_t i = 0; i < refs->count; i++) {
        free(refs->items[i].name);
        free(refs->items[i].schema);
    }
    free(refs->items);
    memset(refs, 0, sizeof(*refs));
}
