/*
 * upgrade — what `pg_upgrade --check` refuses, found on blue before anyone
 * runs it: data types whose on-disk format or OIDs do not survive a major
 * upgrade, used by user columns directly or through domains, arrays,
 * composites and ranges (one recursive query), and user
 * objects older majors allowed that newer ones refuse (one query).
 *
 * Both sides are collected alike (facts stay symmetric and snapshot-able);
 * compare reads blue's rows and reports each kind only when the step from
 * blue's major to green's crosses the version that broke it.
 *
 * facts: upgrade_columns: [ { kind, schema, relation, relkind, column, type } ]
 *        upgrade_objects: [ { kind, schema, name } ]
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* One kind of pg_upgrade problem and the version range it applies to. */
typedef struct upgrade_kind {
    const char *kind;
    int first_bad_num;    /* first green server_version_num that refuses it; 0: every major step */
    const char *first_bad;   /* the same as a major version for people, "" for every step */
    const char *what;     /* "... is used by <object>" */
    const char *fix;
} upgrade_kind;

static const upgrade_kind kinds[] = {
    { "system_composite", 0, "",
      "a system catalog's composite type (pg_upgrade does not preserve their OIDs)",
      "Change the column to a user-defined type or text (ALTER TABLE ... ALTER COLUMN ... TYPE ...) "
      "or drop it before upgrading." },
    { "reg_type", 0, "",
      "a reg* type storing OIDs pg_upgrade does not preserve (regproc, regprocedure, regoper, "
      "regoperator, regconfig, regdictionary, regnamespace, regcollation)",
      "Store the name instead: ALTER TABLE ... ALTER COLUMN ... TYPE text USING column::text "
      "(regclass, regrole and regtype are fine)." },
    { "aclitem", 160000, "16",
      "the aclitem type, whose storage format changed in PostgreSQL 16",
      "ALTER TABLE ... ALTER COLUMN ... TYPE text USING column::text before upgrading, and "
      "convert back on green if needed." },
    { "sql_identifier", 120000, "12",
      "information_schema.sql_identifier, whose storage format changed in PostgreSQL 12",
      "ALTER TABLE ... ALTER COLUMN ... TYPE name (or text) before upgrading." },
    { "removed_type", 120000, "12",
      "abstime, reltime or tinterval, removed in PostgreSQL 12",
      "ALTER TABLE ... ALTER COLUMN ... TYPE timestamptz (abstime) or interval (reltime), or "
      "drop the column (tinterval)." },
    { "unknown_type", 100000, "10",
      "the type unknown, which PostgreSQL 10 no longer allows in tables",
      "ALTER TABLE ... ALTER COLUMN ... TYPE text before upgrading." },
    { "with_oids", 120000, "12",
      "a table WITH OIDS, which PostgreSQL 12 no longer supports",
      "ALTER TABLE ... SET WITHOUT OIDS before upgrading (add an identity column if the "
      "application reads oid)." },
    { "postfix_operator", 140000, "14",
      "a user-defined postfix operator, which PostgreSQL 14 no longer supports",
      "Drop the operator (DROP OPERATOR) and call its function, or a prefix operator, instead." },
    { "polymorphic", 140000, "14",
      "an aggregate or operator over array_append/array_cat/... with the anyarray signatures "
      "PostgreSQL 14 replaced by anycompatible ones",
      "Drop it before upgrading and re-create it on green over the anycompatible* functions." },
    { "encoding_conversion", 140000, "14",
      "a user-defined encoding conversion, whose function signature changed in PostgreSQL 14",
      "Drop the conversion (DROP CONVERSION) before upgrading and re-create it on green with a "
      "function of the new signature." },
};

/*
 * Which user columns reach a bad type. The walk goes down from the types user
 * columns use (a few dozen) through domains, arrays, composite attributes,
 * ranges and multiranges (14+) to the bad types, rather than up from every bad
 * type through the whole catalog as pg_upgrade does: the same pairs, but the
 * planner's estimates stay small. Walking up, a recursive CTE's estimate (ten
 * rounds of its recursive term) joined with every column went past
 * jit_above_cost and JIT compilation alone took ~250 ms on Pagila; this takes
 * ~10 ms. The kinds per type are aggregated (one row per type) so the join
 * with the columns is not estimated from a CTE's unknown distinct count.
 */
static const char columns_sql_head[] =
    "WITH RECURSIVE walk(root, oid) AS ("
    " SELECT DISTINCT a.atttypid, a.atttypid"
    " FROM pg_catalog.pg_class c"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND NOT a.attisdropped"
    " WHERE c.relkind IN ('r', 'm', 'i')"
    " AND n.nspname !~ '^pg_temp_' AND n.nspname !~ '^pg_toast_temp_'"
    " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
    " UNION"
    " SELECT w.root, e.child FROM walk w JOIN ("
    "  SELECT t.oid, t.typbasetype FROM pg_catalog.pg_type t WHERE t.typtype = 'd'"
    "  UNION ALL SELECT t.oid, t.typelem FROM pg_catalog.pg_type t WHERE t.typtype = 'b' AND t.typelem <> 0"
    "  UNION ALL SELECT t.oid, a.atttypid FROM pg_catalog.pg_type t"
    "   JOIN pg_catalog.pg_attribute a ON a.attrelid = t.typrelid AND NOT a.attisdropped WHERE t.typtype = 'c'"
    "  UNION ALL SELECT r.rngtypid, r.rngsubtype FROM pg_catalog.pg_range r";
static const char columns_sql_multirange[] =
    " UNION ALL SELECT r.rngmultitypid, r.rngtypid FROM pg_catalog.pg_range r";
static const char columns_sql_tail[] =
    " ) e(parent, child) ON e.parent = w.oid"
    " ), base(oid, kind) AS ("
    " SELECT t.oid, 'system_composite'::text FROM pg_catalog.pg_type t"
    " LEFT JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
    " WHERE t.typtype = 'c' AND (t.oid < 16384 OR n.nspname = 'information_schema')"
    " UNION ALL"
    " SELECT t.oid, CASE WHEN t.typname IN ('abstime', 'reltime', 'tinterval') THEN 'removed_type'"
    "   WHEN t.typname = 'aclitem' THEN 'aclitem' WHEN t.typname = 'unknown' THEN 'unknown_type'"
    "   ELSE 'reg_type' END"
    " FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
    " WHERE n.nspname = 'pg_catalog' AND t.typname IN ('regcollation', 'regconfig',"
    "   'regdictionary', 'regnamespace', 'regoper', 'regoperator', 'regproc', 'regprocedure',"
    "   'aclitem', 'abstime', 'reltime', 'tinterval', 'unknown')"
    " UNION ALL"
    " SELECT t.oid, 'sql_identifier' FROM pg_catalog.pg_type t"
    " JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
    " WHERE n.nspname = 'information_schema' AND t.typname = 'sql_identifier'"
    " )"
    " SELECT * FROM (SELECT DISTINCT k.kind, n.nspname::text AS schema, c.relname::text AS relation,"
    " c.relkind::text AS relkind, a.attname::text AS column,"
    " pg_catalog.format_type(a.atttypid, a.atttypmod) AS type"
    " FROM pg_catalog.pg_class c"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND NOT a.attisdropped"
    " JOIN (SELECT w.root, pg_catalog.array_agg(DISTINCT b.kind) AS kinds FROM walk w JOIN base b ON b.oid = w.oid"
    "  GROUP BY w.root) r ON r.root = a.atttypid"
    " CROSS JOIN LATERAL pg_catalog.unnest(r.kinds) AS k(kind)"
    " WHERE c.relkind IN ('r', 'm', 'i')"
    " AND n.nspname !~ '^pg_temp_' AND n.nspname !~ '^pg_toast_temp_'"
    " AND n.nspname NOT IN ('pg_catalog', 'information_schema')) d"
    " ORDER BY kind, schema COLLATE \"C\", relation COLLATE \"C\", \"column\" COLLATE \"C\"";

/* to_regprocedure: the anyarray signatures do not exist from 14 on. */
#define OLD_ARRAY_FUNCTIONS                                                                    \
    "ARRAY[pg_catalog.to_regprocedure('array_append(anyarray,anyelement)'),"                   \
    " pg_catalog.to_regprocedure('array_cat(anyarray,anyarray)'),"                             \
    " pg_catalog.to_regprocedure('array_prepend(anyelement,anyarray)'),"                       \
    " pg_catalog.to_regprocedure('array_remove(anyarray,anyelement)'),"                        \
    " pg_catalog.to_regprocedure('array_replace(anyarray,anyelement,anyelement)'),"            \
    " pg_catalog.to_regprocedure('array_position(anyarray,anyelement)'),"                      \
    " pg_catalog.to_regprocedure('array_position(anyarray,anyelement,integer)'),"              \
    " pg_catalog.to_regprocedure('array_positions(anyarray,anyelement)'),"                     \
    " pg_catalog.to_regprocedure('width_bucket(anyelement,anyarray)')]::pg_catalog.oid[]"
#define ANY_TYPES "ARRAY['anyarray'::pg_catalog.regtype, 'anyelement'::pg_catalog.regtype]::pg_catalog.oid[]"

static const char objects_sql[] =
    "SELECT * FROM ("
    " SELECT 'postfix_operator'::text AS kind, n.nspname::text AS schema,"
    "  o.oid::pg_catalog.regoperator::text AS name"
    " FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace"
    " WHERE o.oid >= 16384 AND o.oprright = 0 AND o.oprleft <> 0"
    " UNION ALL"
    " SELECT 'polymorphic', n.nspname::text, 'aggregate ' || p.oid::pg_catalog.regprocedure::text"
    " FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
    " WHERE p.oid >= 16384 AND a.aggtranstype::pg_catalog.oid = ANY(" ANY_TYPES ")"
    " AND (a.aggtransfn::pg_catalog.oid = ANY(" OLD_ARRAY_FUNCTIONS ")"
    "  OR a.aggfinalfn::pg_catalog.oid = ANY(" OLD_ARRAY_FUNCTIONS "))"
    " UNION ALL"
    " SELECT 'polymorphic', n.nspname::text, 'operator ' || o.oid::pg_catalog.regoperator::text"
    " FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace"
    " WHERE o.oid >= 16384 AND o.oprcode::pg_catalog.oid = ANY(" OLD_ARRAY_FUNCTIONS ")"
    " AND o.oprleft = ANY(" ANY_TYPES ")"
    " UNION ALL"
    " SELECT 'encoding_conversion', n.nspname::text, c.conname::text"
    " FROM pg_catalog.pg_conversion c JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace"
    " WHERE c.oid >= 16384";
/* relhasoids exists up to 11 only. */
static const char objects_sql_oids[] =
    " UNION ALL"
    " SELECT 'with_oids', n.nspname::text, c.relname::text"
    " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relhasoids AND n.nspname NOT IN ('pg_catalog', 'information_schema')";
static const char objects_sql_tail[] =
    ") x ORDER BY kind, schema COLLATE \"C\", name COLLATE \"C\"";

int engine_version_collect_upgrade(gl_ctx *ctx, const gl_host *host, gl_side side, int version_num,
                           gl_value *facts)
{
    char sql[sizeof(columns_sql_head) + sizeof(columns_sql_multirange) + sizeof(columns_sql_tail) +
             sizeof(objects_sql) + sizeof(objects_sql_oids) + sizeof(objects_sql_tail)];

    snprintf(sql, sizeof(sql), "%s%s%s", columns_sql_head,
             version_num >= 140000 ? columns_sql_multirange : "", columns_sql_tail);
    if (engine_version_collect_rows(ctx, host, side, sql, facts, "upgrade_columns") != 0)
        return -1;
    snprintf(sql, sizeof(sql), "%s%s%s", objects_sql,
             version_num < 120000 ? objects_sql_oids : "", objects_sql_tail);
    return engine_version_collect_rows(ctx, host, side, sql, facts, "upgrade_objects");
}

static const upgrade_kind *kind_of(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].kind, name) == 0)
            return &kinds[i];
    return NULL;
}

static const char *relkind_word(const char *relkind)
{
    if (relkind != NULL && strcmp(relkind, "m") == 0)
        return "materialized view";
    if (relkind != NULL && strcmp(relkind, "i") == 0)
        return "index";
    return "table";
}

/* One finding for one row of blue's facts. `column` is NULL for upgrade_objects. */
static int emit_row(gl_ctx *ctx, const gl_host *host, const upgrade_kind *k, const gl_value *row,
                    int is_column, const engine_version_version *vb, const engine_version_version *vg)
{
    const char *schema = engine_version_get(host, row, "schema");
    const char *name = engine_version_get(host, row, is_column ? "relation" : "name");
    const char *column = is_column ? engine_version_get(host, row, "column") : NULL;
    const char *type = is_column ? engine_version_get(host, row, "type") : NULL;
    char code[96], object[512], message[1024], range[64], mb[16], mg[16];
    gl_value *details = host->value_object();
    gl_value *hb = NULL;

    engine_version_version_major_string(vb, mb, sizeof(mb));
    engine_version_version_major_string(vg, mg, sizeof(mg));
    if (k->first_bad_num > 0)
        snprintf(range, sizeof(range), "blue < %s <= green", k->first_bad);
    else
        snprintf(range, sizeof(range), "every major upgrade");
    snprintf(code, sizeof(code), "engine_version.upgrade.%s", k->kind);
    if (is_column) {
        snprintf(object, sizeof(object), "%s.%s.%s", schema ? schema : "?", name ? name : "?",
                 column ? column : "?");
        snprintf(message, sizeof(message),
                 "Column %s of %s %s.%s has type %s, which uses %s: pg_upgrade from %s to %s "
                 "refuses it.", column ? column : "?", relkind_word(engine_version_get(host, row, "relkind")),
                 schema ? schema : "?", name ? name : "?", type ? type : "?", k->what, mb, mg);
    } else {
        snprintf(object, sizeof(object), "%s.%s", schema ? schema : "?", name ? name : "?");
        snprintf(message, sizeof(message), "%s is %s: pg_upgrade from %s to %s refuses it.",
                 object, k->what, mb, mg);
    }
    hb = host->value_string(is_column ? type : name);
    if (details == NULL || hb == NULL || engine_version_set_str(host, details, "kind", k->kind) != 0 ||
        engine_version_set_str(host, details, "schema", schema) != 0 ||
        engine_version_set_str(host, details, is_column ? "relation" : "name", name) != 0 ||
        (is_column &&
         (engine_version_set_str(host, details, "relkind", engine_version_get(host, row, "relkind")) != 0 ||
          engine_version_set_str(host, details, "column", column) != 0 ||
          engine_version_set_str(host, details, "type", type) != 0)) ||
        engine_version_set_str(host, details, "applies_to", range) != 0 ||
        host->object_set(details, "first_bad_version",
                         k->first_bad_num > 0 ? host->value_string(k->first_bad)
                                              : host->value_null()) != 0 ||
        engine_version_set_str(host, details, "fix", k->fix) != 0)
        return engine_version_nomem(ctx, host, details, hb, NULL);
    return gl_plugin_emit(ctx, host, code, GL_SEVERITY_ERROR, object, hb, NULL, details, message);
}

static int compare_rows(gl_ctx *ctx, const gl_host *host, const gl_value *rows, int is_column,
                        const engine_version_version *vb, const engine_version_version *vg)
{
    for (size_t i = 0; i < host->value_len(rows); i++) {
        const gl_value *row = host->array_at(rows, i);
        const upgrade_kind *k = kind_of(engine_version_get(host, row, "kind"));

        if (k == NULL || !engine_version_crosses(vb, vg, k->first_bad_num))
            continue;
        if (emit_row(ctx, host, k, row, is_column, vb, vg) != 0)
            return -1;
    }
    return 0;
}

int engine_version_compare_upgrade(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
                           const gl_value *green)
{
    engine_version_version vb, vg;

    if (engine_version_read_version(ctx, host, blue, "blue", &vb) != 0 ||
        engine_version_read_version(ctx, host, green, "green", &vg) != 0)
        return -1;
    /* Missing rows mean the check did not run: say so rather than pass silently. */
    if (host->value_kind(host->object_get(blue, "upgrade_columns")) != GL_VALUE_ARRAY ||
        host->value_kind(host->object_get(blue, "upgrade_objects")) != GL_VALUE_ARRAY)
        return host->set_error(ctx, "engine_version: blue's facts have no upgrade_columns/"
                               "upgrade_objects; collect them again with this plugin version");
    if (compare_rows(ctx, host, host->object_get(blue, "upgrade_columns"), 1, &vb, &vg) != 0 ||
        compare_rows(ctx, host, host->object_get(blue, "upgrade_objects"), 0, &vb, &vg) != 0)
        return -1;
    return 0;
}
