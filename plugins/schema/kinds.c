/*
 * kinds.c — the schema plugin's object kinds (schema_kinds[]) and their
 * catalog queries: one query per object kind, each returning every object of
 * that kind, so the number of queries does not grow with the catalog.
 * catalog.c runs them and turns the rows into records (schema.h).
 *
 * Every query leaves out system schemas (pg_catalog, information_schema and
 * every pg_* schema: pg_toast*, pg_temp*, which users cannot create) and
 * objects that belong to an extension (pg_depend deptype 'e'): those come and
 * go with the extension, which is compared by version instead.
 *
 * Definitions come from the server's own deparsers (pg_get_indexdef,
 * pg_get_constraintdef, pg_get_viewdef, pg_get_functiondef, pg_get_triggerdef,
 * pg_get_expr, format_type), so both sides print them the same way; acl lists
 * are compared as sets of privileges (normalise.c), so grant order does not
 * matter.
 */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS_FILTER " n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' "
#define NOT_EXT(catalog, oidexpr)                                                             \
    " NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '" catalog            \
    "'::pg_catalog.regclass AND d.objid = " oidexpr " AND d.deptype = 'e') "
/* Acl lists are kept in catalog order: diff_fields.c compares them as sets of
 * privileges, so sorting them here (a subquery per row) buys nothing.
 *
 * A NULL acl means the kind's default privileges (acldefault: the owner's,
 * plus PUBLIC's EXECUTE on functions and USAGE on types), not "none": REVOKE
 * EXECUTE ... FROM PUBLIC turns NULL into "{owner=X/owner}", which is a
 * revoke, not a grant. Columns have no defaults: their NULL acl is empty. */
#define ACL(col) "pg_catalog.array_to_string(" col ", ',')"
#define ACL_OR_DEFAULT(col, objtype, owner)                                                    \
    "pg_catalog.array_to_string(COALESCE(" col ", pg_catalog.acldefault('" objtype "', " owner \
    ")), ',')"
/* obj_description() is an SQL function run once per row; a join is one hash. */
#define DESC_JOIN(alias, catalog, oidexpr, subid)                                             \
    " LEFT JOIN pg_catalog.pg_description " alias " ON " alias ".objoid = " oidexpr " AND "   \
    alias ".classoid = '" catalog "'::pg_catalog.regclass AND " alias ".objsubid = " subid " "

/* Storage parameters and view options (fillfactor, autovacuum_*, check_option,
 * security_barrier...), sorted: the order they were set in does not matter. */
#define RELOPTIONS(col)                                                                       \
    "pg_catalog.array_to_string(ARRAY(SELECT o FROM pg_catalog.unnest(" col ") o ORDER BY 1), ',')"

static const char schemas_sql[] =
    "SELECT n.nspname, pg_catalog.pg_get_userbyid(n.nspowner), " ACL_OR_DEFAULT("n.nspacl", "n", "n.nspowner") ", "
    "ds.description "
    "FROM pg_catalog.pg_namespace n" DESC_JOIN("ds", "pg_catalog.pg_namespace", "n.oid", "0") "WHERE" NS_FILTER "AND" NOT_EXT("pg_catalog.pg_namespace", "n.oid");

/*
 * A table that is not a partition lists the tables it inherits from (INHERITS,
 * in inhseqno order: a parent's rows are scanned with its children's). A
 * partition's columns follow its parent's (columns_sql), except what a
 * partition may hold on its own: NOT NULL on columns the parent leaves
 * nullable, and defaults that differ from the parent's (a row inserted into
 * the partition directly gets them). Those are two fields of the partition.
 */
static const char tables_sql[] =
    "SELECT n.nspname, c.relname, c.relkind, c.relpersistence, c.relreplident, "
    "CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END, "
    "(SELECT pn.nspname || '.' || pc.relname FROM pg_catalog.pg_inherits i "
    "  JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent "
    "  JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace "
    "  WHERE c.relispartition AND i.inhrelid = c.oid), "
    "pg_catalog.pg_get_expr(c.relpartbound, c.oid), "
    "(SELECT ic.relname FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid "
    "  WHERE x.indrelid = c.oid AND x.indisreplident), "
    "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p'), "
    "c.relrowsecurity, c.relforcerowsecurity, pg_catalog.pg_get_userbyid(c.relowner), " ACL_OR_DEFAULT("c.relacl", "r", "c.relowner") ", "
    "ds.description, " RELOPTIONS("c.reloptions") ", "
    "CASE WHEN NOT c.relispartition THEN (SELECT pg_catalog.string_agg(pn.nspname || '.' || pc.relname, ',' "
    "  ORDER BY i.inhseqno) FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent "
    "  JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid) END, "
    "CASE WHEN c.relispartition THEN (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ',' "
    "  ORDER BY a.attname) FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
    "  JOIN pg_catalog.pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname "
    "  WHERE i.inhrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull AND NOT pa.attnotnull) END, "
    "CASE WHEN c.relispartition THEN (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname) || ' ' || "
    "  COALESCE(CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0) END, 'no default'), "
    "  ', ' ORDER BY a.attname) "
    "  FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
    "  JOIN pg_catalog.pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname "
    "  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum "
    "  LEFT JOIN pg_catalog.pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum "
    "  WHERE i.inhrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
    "  AND CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0) END "
    "  IS DISTINCT FROM CASE WHEN pa.attgenerated = '' THEN pg_catalog.pg_get_expr(pd.adbin, 0) END) END "
    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    DESC_JOIN("ds", "pg_catalog.pg_class", "c.oid", "0")
    "WHERE c.relkind IN ('r', 'p', 'f') AND" NS_FILTER "AND" NOT_EXT("pg_catalog.pg_class", "c.oid");

/* The position is the column's rank among the live ones: a column dropped and
 * re-added elsewhere leaves a hole in attnum, so attnum itself is not
 * comparable (a window function would rank them too, at the cost of a sort
 * of every column).
 *
 * A default cannot refer to a column, so it is deparsed without the table as
 * context (relid 0): with it, pg_get_expr opens and locks every table, which
 * was a third of this query's time at 10,000 tables and holds one lock per
 * table until the statement ends. A generated column's expression refers to
 * columns and needs the table; it is a field of its own (a changed expression
 * rewrites what every row holds: an error, where a default is a warning).
 * The statistics target is kept when set (15 says -1, 17 NULL for "default").
 * A column of an inheritance child says whether it is inherited, local, or
 * both (a local column survives the parent's DROP COLUMN; empty: local only).
 *
 * Partitions' columns are the parent's: listing them would repeat every column
 * finding once per partition. Collations and storage are kept only when they
 * differ from the type's default, so a server whose default collation is named
 * differently does not show every text column as changed. */
static const char columns_sql[] =
    "SELECT n.nspname, c.relname, a.attname, n.nspname || '.' || c.relname, "
    "pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, "
    "CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0) END, "
    "a.attidentity, a.attgenerated, "
    "CASE WHEN a.attcollation <> t.typcollation THEN (SELECT co.collname FROM pg_catalog.pg_collation co "
    "  WHERE co.oid = a.attcollation) END, "
    "CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END, "
    "CASE WHEN dc.dropped IS NULL THEN a.attnum ELSE a.attnum - (SELECT pg_catalog.count(*) "
    "  FROM pg_catalog.unnest(dc.dropped) x WHERE x < a.attnum) END, " ACL("a.attacl") ", "
    "ds.description, "
    "CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END, "
    "CASE WHEN a.attstattarget >= 0 THEN a.attstattarget::pg_catalog.text END, "
    "CASE WHEN a.attinhcount > 0 THEN CASE WHEN a.attislocal THEN 'local and inherited' "
    "  ELSE 'inherited' END END "
    "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
    "LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum "
    "LEFT JOIN (SELECT attrelid, pg_catalog.array_agg(attnum) AS dropped FROM pg_catalog.pg_attribute "
    "  WHERE attisdropped GROUP BY attrelid) dc ON dc.attrelid = c.oid "
    DESC_JOIN("ds", "pg_catalog.pg_class", "c.oid", "a.attnum")
    "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f') "
    "AND NOT c.relispartition AND" NS_FILTER "AND" NOT_EXT("pg_catalog.pg_class", "c.oid");

/*
 * Constraints cloned onto partitions (conparentid <> 0) follow their parent's.
 * NOT NULL constraints (contype 'n': domains from PostgreSQL 17, columns from
 * 18) are left out: nullability is compared as the column's or the domain's
 * "not null", which every version has, so 15 and 17 describe it alike.
 */
static const char constraints_sql[] =
    "SELECT n.nspname, COALESCE(c.relname, t.typname), k.conname, "
    "n.nspname || '.' || COALESCE(c.relname, t.typname), k.contype, "
    "pg_catalog.pg_get_constraintdef(k.oid), k.convalidated, "
    "ds.description "
    "FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_namespace n ON n.oid = k.connamespace "
    "LEFT JOIN pg_catalog.pg_class c ON c.oid = k.conrelid "
    "LEFT JOIN pg_catalog.pg_type t ON t.oid = k.contypid "
    DESC_JOIN("ds", "pg_catalog.pg_constraint", "k.oid", "0")
    "WHERE (k.conrelid <> 0 OR k.contypid <> 0) AND k.conparentid = 0 AND k.contype <> 'n' AND" NS_FILTER
    "AND" NOT_EXT("pg_catalog.pg_class", "k.conrelid") "AND" NOT_EXT("pg_catalog.pg_type", "k.contypid");

/*
 * An index attached to a partitioned table's index (relispartition) follows
 * its parent, as cloned constraints and triggers do: one finding about the
 * parent's index, not one per partition.
 *
 * An index that backs a constraint is described by that constraint
 * (pg_get_constraintdef prints its columns, INCLUDE, WITH and tablespace).
 *
 * pg_get_indexdef opens and locks the index's table to build a deparse
 * context, even for an index without expressions: at 10,000 tables that was
 * most of this query's time. The definition of a plain index (key columns
 * only, default operator class, collation and ordering, no options, no
 * predicate) is therefore assembled here from pg_index, byte for byte as
 * pg_get_indexdef prints it:
 *
 *   CREATE [UNIQUE] INDEX name ON [ONLY] schema.table USING am (key, ...) [INCLUDE (col, ...)]
 *
 * and every other index still goes through pg_get_indexdef. "Default
 * operator class" follows GetDefaultOpClass (the server's rule for leaving
 * the class out): the one default class of the method for the column's exact
 * type or, for a plain non-array base type with none, the single preferred
 * (else single) default class reachable by an implicit binary cast; anything
 * less certain (domains, arrays, pseudo-type classes) falls back to
 * pg_get_indexdef. plugins/schema/tests/test_schema_indexdef.sh checks the
 * two agree on both server versions. Key columns are looked up by index
 * (OFFSET 0 keeps the lookups from becoming a scan of all of pg_attribute).
 */
#define INDEXES_SQL(nulls_not_distinct)                                                          \
    "WITH keycols AS MATERIALIZED ("                                                              \
    " SELECT u.indexrelid, u.i, u.i <= u.indnkeyatts AS is_key, u.relam, a.attname, a.atttypid, " \
    "  u.indclass[u.i - 1] AS opclass, u.indoption[u.i - 1] = 0 "                                 \
    "  AND u.indcollation[u.i - 1] IN (0, a.attcollation) AND a.noopts AS plain "                 \
    " FROM (SELECT x.indexrelid, x.indrelid, x.indnkeyatts, x.indclass, x.indcollation, "         \
    "   x.indoption, ic.relam, pg_catalog.unnest(x.indkey::pg_catalog.int2[]) AS k, "             \
    "   pg_catalog.generate_subscripts(x.indkey::pg_catalog.int2[], 1) + 1 AS i "                 \
    "  FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid "           \
    "  JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace "                                \
    "  WHERE x.indexprs IS NULL AND x.indpred IS NULL AND ic.reloptions IS NULL "                 \
    "  AND NOT ic.relispartition "                                                                \
    nulls_not_distinct " AND" NS_FILTER                                                           \
    "  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = x.indexrelid " \
    "   AND k.contype IN ('p', 'u', 'x'))) u "                                                    \
    " CROSS JOIN LATERAL (SELECT ta.attname, ta.atttypid, ta.attcollation, "                      \
    "   (SELECT ia.attoptions IS NULL FROM pg_catalog.pg_attribute ia "                           \
    "    WHERE ia.attrelid = u.indexrelid AND ia.attnum = u.i) AS noopts "                        \
    "  FROM pg_catalog.pg_attribute ta WHERE ta.attrelid = u.indrelid AND ta.attnum = u.k "       \
    "  OFFSET 0) a), "                                                                            \
    "defaults AS (SELECT d.atttypid, d.relam, (SELECT CASE "                                      \
    "  WHEN pg_catalog.count(*) FILTER (WHERE oc.opcintype = d.atttypid) = 1 "                    \
    "  THEN pg_catalog.min(oc.oid) FILTER (WHERE oc.opcintype = d.atttypid) "                     \
    "  WHEN pg_catalog.count(*) FILTER (WHERE oc.opcintype = d.atttypid) = 0 "                    \
    "   AND t.typtype = 'b' AND t.typelem = 0 AND pg_catalog.count(*) FILTER (WHERE "             \
    "   it.typtype = 'p' AND it.typname NOT IN ('anyarray', 'anyenum', 'anyrange', "               \
    "   'anymultirange', 'record', 'anycompatiblearray', 'anycompatiblerange', "                  \
    "   'anycompatiblemultirange')) = 0 THEN CASE "                                               \
    "   WHEN pg_catalog.count(*) FILTER (WHERE ca.oid IS NOT NULL AND it.typispreferred "         \
    "    AND it.typcategory = t.typcategory) = 1 "                                                \
    "   THEN pg_catalog.min(oc.oid) FILTER (WHERE ca.oid IS NOT NULL AND it.typispreferred "      \
    "    AND it.typcategory = t.typcategory) "                                                    \
    "   WHEN pg_catalog.count(*) FILTER (WHERE ca.oid IS NOT NULL AND it.typispreferred "         \
    "    AND it.typcategory = t.typcategory) = 0 "                                                \
    "    AND pg_catalog.count(*) FILTER (WHERE ca.oid IS NOT NULL) = 1 "                          \
    "   THEN pg_catalog.min(oc.oid) FILTER (WHERE ca.oid IS NOT NULL) END END "                   \
    "  FROM pg_catalog.pg_opclass oc JOIN pg_catalog.pg_type it ON it.oid = oc.opcintype "         \
    "  LEFT JOIN pg_catalog.pg_cast ca ON ca.castsource = d.atttypid "                            \
    "   AND ca.casttarget = oc.opcintype AND ca.castmethod = 'b' AND ca.castcontext = 'i' "       \
    "  WHERE oc.opcmethod = d.relam AND oc.opcdefault) AS opclass "                               \
    " FROM (SELECT DISTINCT atttypid, relam FROM keycols WHERE is_key) d "                        \
    " JOIN pg_catalog.pg_type t ON t.oid = d.atttypid), "                                         \
    "plain AS (SELECT k.indexrelid, "                                                             \
    "  pg_catalog.string_agg(pg_catalog.quote_ident(k.attname), ', ' ORDER BY k.i) "               \
    "   FILTER (WHERE k.is_key) AS keys, "                                                        \
    "  pg_catalog.string_agg(pg_catalog.quote_ident(k.attname), ', ' ORDER BY k.i) "               \
    "   FILTER (WHERE NOT k.is_key) AS incl "                                                     \
    " FROM keycols k LEFT JOIN defaults d ON d.atttypid = k.atttypid AND d.relam = k.relam "      \
    " GROUP BY k.indexrelid "                                                                     \
    " HAVING pg_catalog.bool_and(NOT k.is_key OR (k.plain AND k.opclass = d.opclass))) "          \
    "SELECT n.nspname, ic.relname, tn.nspname || '.' || c.relname, "                              \
    "CASE WHEN k.conname IS NOT NULL THEN 'CONSTRAINT ' || k.conname "                            \
    " WHEN p.keys IS NOT NULL THEN 'CREATE ' || CASE WHEN x.indisunique THEN 'UNIQUE ' ELSE '' END " \
    "  || 'INDEX ' || pg_catalog.quote_ident(ic.relname) || ' ON ' "                              \
    "  || CASE WHEN ic.relkind = 'I' THEN 'ONLY ' ELSE '' END "                                   \
    "  || pg_catalog.quote_ident(tn.nspname) || '.' || pg_catalog.quote_ident(c.relname) "         \
    "  || ' USING ' || pg_catalog.quote_ident(am.amname) || ' (' || p.keys "                      \
    "  || COALESCE(') INCLUDE (' || p.incl, '') || ')' "                                          \
    " ELSE pg_catalog.pg_get_indexdef(x.indexrelid) END, "                                        \
    "x.indisunique, x.indisprimary, x.indisvalid, k.conname, ds.description "                     \
    "FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid "            \
    "JOIN pg_catalog.pg_am am ON am.oid = ic.relam "                                              \
    "JOIN pg_catalog.pg_class c ON c.oid = x.indrelid "                                           \
    "JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace "                                  \
    "JOIN pg_catalog.pg_namespace tn ON tn.oid = c.relnamespace "                                 \
    "LEFT JOIN pg_catalog.pg_constraint k ON k.conindid = x.indexrelid AND k.conrelid = x.indrelid " \
    "  AND k.contype IN ('p', 'u', 'x') "                                                         \
    "LEFT JOIN plain p ON p.indexrelid = x.indexrelid "                                           \
    DESC_JOIN("ds", "pg_catalog.pg_class", "ic.oid", "0")                                         \
    "WHERE NOT ic.relispartition AND" NS_FILTER "AND" NOT_EXT("pg_catalog.pg_class", "c.oid")

/* NULLS NOT DISTINCT (15) is printed by pg_get_indexdef: those indexes fall back. */
static const char indexes_sql[] = INDEXES_SQL("AND NOT x.indnullsnotdistinct");
static const char indexes_sql_v13[] = INDEXES_SQL("");

static const char sequences_sql[] =
    "SELECT n.nspname, c.relname, pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, "
    "s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, c.relpersistence, "
    "(SELECT tn.nspname || '.' || tc.relname || '.' || ta.attname FROM pg_catalog.pg_depend d "
    "  JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid "
    "  JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace "
    "  JOIN pg_catalog.pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid "
    "  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid "
    "  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i') LIMIT 1), "
    "pg_catalog.pg_sequence_last_value(c.oid), pg_catalog.pg_get_userbyid(c.relowner), " ACL_OR_DEFAULT("c.relacl", "s", "c.relowner") ", "
    "ds.description "
    "FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    DESC_JOIN("ds", "pg_catalog.pg_class", "c.oid", "0")
    "WHERE" NS_FILTER "AND" NOT_EXT("pg_catalog.pg_class", "c.oid");

/*
 * PostgreSQL 16 stopped qualifying column references in views that read a
 * single relation ("placed_at" instead of "order_totals.placed_at"). Such a
 * view keeps that relation's name (hidden field "qualifier"), and its parse
 * key (normalise.c) drops the qualifier from column references on every
 * server version, so 15 and 17 compare equal; views over several relations
 * keep it (it matters). The text shown is the server's own.
 */
static const char views_sql[] =
    "SELECT n.nspname, c.relname, c.relkind, "
    "pg_catalog.pg_get_viewdef(c.oid, true), "
    "pg_catalog.pg_get_userbyid(c.relowner), " ACL_OR_DEFAULT("c.relacl", "r", "c.relowner") ", "
    "ds.description, " RELOPTIONS("c.reloptions") ", CASE WHEN src.n = 1 THEN src.rel END, NULL "
    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN LATERAL (SELECT pg_catalog.count(DISTINCT d.refobjid) AS n, pg_catalog.min(r.relname) AS rel "
    "  FROM pg_catalog.pg_rewrite rw JOIN pg_catalog.pg_depend d "
    "    ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = rw.oid "
    "   AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid <> c.oid "
    "  JOIN pg_catalog.pg_class r ON r.oid = d.refobjid "
    "  WHERE rw.ev_class = c.oid) src ON true "
    DESC_JOIN("ds", "pg_catalog.pg_class", "c.oid", "0")
    "WHERE c.relkind IN ('v', 'm') AND" NS_FILTER "AND" NOT_EXT("pg_catalog.pg_class", "c.oid");

/*
 * pg_get_functiondef refuses aggregates: they are described by signature.
 * Functions a type made for itself (a range type's constructors and its
 * multirange's: internal dependency on the type) come and go with the type,
 * which is compared instead.
 */
static const char functions_sql[] =
    "SELECT n.nspname, p.proname || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')', p.prokind, "
    "CASE WHEN p.prokind = 'a' THEN 'AGGREGATE ' || pg_catalog.pg_get_function_arguments(p.oid) "
    "  || ' RETURNS ' || pg_catalog.pg_get_function_result(p.oid) "
    "  ELSE pg_catalog.pg_get_functiondef(p.oid) END, "
    "pg_catalog.pg_get_userbyid(p.proowner), " ACL_OR_DEFAULT("p.proacl", "f", "p.proowner") ", "
    "ds.description, NULL "
    "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
    DESC_JOIN("ds", "pg_catalog.pg_proc", "p.oid", "0")
    "WHERE" NS_FILTER "AND" NOT_EXT("pg_catalog.pg_proc", "p.oid")
    "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = "
    "'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.refclassid = "
    "'pg_catalog.pg_type'::pg_catalog.regclass AND d.deptype = 'i')";

/* Triggers cloned onto partitions (tgparentid <> 0) follow their parent's. */
static const char triggers_sql[] =
    "SELECT n.nspname, c.relname, g.tgname, n.nspname || '.' || c.relname, "
    "pg_catalog.pg_get_triggerdef(g.oid), g.tgenabled, "
    "ds.description, NULL "
    "FROM pg_catalog.pg_trigger g JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    DESC_JOIN("ds", "pg_catalog.pg_trigger", "g.oid", "0")
    "WHERE NOT g.tgisinternal AND g.tgparentid = 0 AND" NS_FILTER
    "AND" NOT_EXT("pg_catalog.pg_class", "c.oid");

/* Rules (CREATE RULE) on tables and views; a view's own _RETURN rule is its
 * definition, compared as the view's. */
static const char rules_sql[] =
    "SELECT n.nspname, c.relname, r.rulename, n.nspname || '.' || c.relname, "
    "pg_catalog.pg_get_ruledef(r.oid, true), r.ev_enabled, ds.description, NULL "
    "FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    DESC_JOIN("ds", "pg_catalog.pg_rewrite", "r.oid", "0")
    "WHERE r.rulename <> '_RETURN' AND" NS_FILTER "AND" NOT_EXT("pg_catalog.pg_class", "c.oid");

/* Collations (CREATE COLLATION) in user schemas. 15 names an ICU locale
 * colliculocale, 17 colllocale, and only 16+ has collicurules: read through
 * to_jsonb so one query serves both and the same collation reads the same. */
static const char collations_sql[] =
    "SELECT n.nspname, co.collname, co.collprovider, co.collisdeterministic, co.collcollate, "
    "co.collctype, COALESCE(pg_catalog.to_jsonb(co) ->> 'colliculocale', "
    "pg_catalog.to_jsonb(co) ->> 'colllocale'), pg_catalog.to_jsonb(co) ->> 'collicurules', "
    "pg_catalog.pg_get_userbyid(co.collowner), ds.description "
    "FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace "
    DESC_JOIN("ds", "pg_catalog.pg_collation", "co.oid", "0")
    "WHERE" NS_FILTER "AND" NOT_EXT("pg_catalog.pg_collation", "co.oid");

/* Enum labels are joined by 0x1e so the diff can tell added, removed and
 * reordered labels apart; other types get a one-line definition. */
static const char types_sql[] =
    "SELECT n.nspname, t.typname, t.typtype, CASE t.typtype "
    " WHEN 'e' THEN (SELECT pg_catalog.string_agg(e.enumlabel, E'\\x1e' ORDER BY e.enumsortorder) "
    "   FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) "
    " WHEN 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) "
    "   || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END "
    "   || COALESCE(' DEFAULT ' || pg_catalog.pg_get_expr(t.typdefaultbin, 0), '') "
    "   || CASE WHEN t.typcollation <> 0 AND t.typcollation <> (SELECT bt.typcollation "
    "      FROM pg_catalog.pg_type bt WHERE bt.oid = t.typbasetype) THEN ' COLLATE ' || "
    "      (SELECT co.collname FROM pg_catalog.pg_collation co WHERE co.oid = t.typcollation) ELSE '' END "
    " WHEN 'c' THEN (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname) || ' ' || "
    "   pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) "
    "   FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) "
    " WHEN 'r' THEN (SELECT 'SUBTYPE ' || pg_catalog.format_type(r.rngsubtype, NULL) "
    "   || COALESCE(' OPCLASS ' || (SELECT o.opcname FROM pg_catalog.pg_opclass o WHERE o.oid = r.rngsubopc), '') "
    "   || CASE WHEN r.rngcanonical <> 0 THEN ' CANONICAL ' || r.rngcanonical::pg_catalog.regproc::text ELSE '' END "
    "   || CASE WHEN r.rngsubdiff <> 0 THEN ' SUBDIFF ' || r.rngsubdiff::pg_catalog.regproc::text ELSE '' END "
    "   FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid) END, "
    "pg_catalog.pg_get_userbyid(t.typowner), " ACL_OR_DEFAULT("t.typacl", "T", "t.typowner") ", "
    "ds.description "
    "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
    DESC_JOIN("ds", "pg_catalog.pg_type", "t.oid", "0")
    "WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM "
    "  pg_catalog.pg_class rc WHERE rc.oid = t.typrelid AND rc.relkind = 'c'))) "
    "AND" NS_FILTER "AND" NOT_EXT("pg_catalog.pg_type", "t.oid");

static const char extensions_sql[] =
    "SELECT e.extname, e.extversion, n.nspname FROM pg_catalog.pg_extension e "
    "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace";

static const char policies_sql[] =
    "SELECT n.nspname, c.relname, p.polname, n.nspname || '.' || c.relname, p.polcmd, p.polpermissive, "
    "pg_catalog.array_to_string(ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE "
    "  pg_catalog.pg_get_userbyid(r) END FROM pg_catalog.unnest(p.polroles) r ORDER BY 1), ','), "
    "pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) "
    "FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE" NS_FILTER;

/* A FOR ALL TABLES publication lists no tables: its tables are whatever exist. */
static const char publications_sql[] =
    "SELECT p.pubname, p.puballtables, p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate, "
    "p.pubviaroot, CASE WHEN p.puballtables THEN '' ELSE "
    "pg_catalog.array_to_string(ARRAY(SELECT pt.schemaname || '.' || pt.tablename "
    "  FROM pg_catalog.pg_publication_tables pt WHERE pt.pubname = p.pubname ORDER BY 1), ',') END "
    "FROM pg_catalog.pg_publication p";


#define F_OWNER { "owner", SCHEMA_FIELD_OWNER, NULL, GL_SEVERITY_WARNING }
#define F_ACL { "privileges", SCHEMA_FIELD_ACL, NULL, GL_SEVERITY_WARNING }
#define F_COMMENT { "comment", SCHEMA_FIELD_COMMENT, NULL, GL_SEVERITY_INFO }
#define F_PARENT { "parent", SCHEMA_FIELD_HIDDEN, NULL, GL_SEVERITY_INFO }
/* The definition's parse key (normalise.c), filled in by kind_row. */
#define F_KEY { "definition_key", SCHEMA_FIELD_HIDDEN, NULL, GL_SEVERITY_INFO }
#define F(name, code, sev) { name, SCHEMA_FIELD_PLAIN, code, GL_SEVERITY_##sev }
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const schema_field schema_fields[] = { F_OWNER, F_ACL, F_COMMENT };
static const schema_field table_fields[] = {
    F("kind", "kind_changed", ERROR), F("persistence", "persistence_changed", ERROR),
    F("replica_identity", "replica_identity_changed", WARNING),
    F("partition_key", "partition_key_changed", ERROR),
    F("partition_of", "partition_parent_changed", ERROR),
    F("partition_bound", "partition_bound_changed", ERROR),
    F("replica_identity_index", "replica_identity_changed", WARNING),
    { "has_primary_key", SCHEMA_FIELD_HIDDEN, NULL, GL_SEVERITY_INFO },
    F("row_security", "schema.rls.enabled_changed", ERROR),
    F("force_row_security", "schema.rls.forced_changed", ERROR),
    F_OWNER, F_ACL, F_COMMENT, F("options", "options_changed", WARNING),
    F("inherits", "inheritance_changed", ERROR),
    F("partition_not_null", "partition_nullability_changed", ERROR),
    F("partition_defaults", "partition_default_changed", WARNING),
};
static const schema_field column_fields[] = {
    F_PARENT, F("type", "type_changed", ERROR), F("not_null", "nullability_changed", ERROR),
    F("default", "default_changed", WARNING), F("identity", "identity_changed", WARNING),
    F("generated", "generated_changed", ERROR), F("collation", "collation_changed", WARNING),
    F("storage", "storage_changed", INFO), F("position", "position_changed", INFO),
    F_ACL, F_COMMENT, F("generation_expression", "generation_expression_changed", ERROR),
    F("statistics_target", "statistics_target_changed", INFO),
    F("inheritance", "inheritance_changed", WARNING),
};
static const schema_field constraint_fields[] = {
    F_PARENT, F("type", "type_changed", ERROR), F("definition", "definition_changed", ERROR),
    F("validated", "validation_changed", WARNING), F_COMMENT,
};
static const schema_field index_fields[] = {
    F_PARENT, F("definition", "definition_changed", WARNING),
    { "unique", SCHEMA_FIELD_HIDDEN, NULL, GL_SEVERITY_INFO },
    { "primary", SCHEMA_FIELD_HIDDEN, NULL, GL_SEVERITY_INFO },
    F("valid", "validity_changed", ERROR),
    { "constraint", SCHEMA_FIELD_HIDDEN, NULL, GL_SEVERITY_INFO }, F_COMMENT,
};
static const schema_field sequence_fields[] = {
    F("type", "type_changed", WARNING), F("start", "start_changed", INFO),
    F("increment", "increment_changed", WARNING), F("min", "min_changed", WARNING),
    F("max", "max_changed", WARNING), F("cache", "cache_changed", INFO),
    F("cycle", "cycle_changed", WARNING), F("persistence", "persistence_changed", WARNING),
    F("owned_by", "owned_by_changed", INFO),
    { "last_value", SCHEMA_FIELD_HIDDEN, NULL, GL_SEVERITY_INFO }, F_OWNER, F_ACL, F_COMMENT,
};
static const schema_field view_fields[] = {
    F("kind", "kind_changed", WARNING), F("definition", "definition_changed", WARNING),
    F_OWNER, F_ACL, F_COMMENT, F("options", "options_changed", WARNING),
    { "qualifier", SCHEMA_FIELD_HIDDEN, NULL, GL_SEVERITY_INFO }, F_KEY,
};
static const schema_field function_fields[] = {
    F("kind", "kind_changed", ERROR), F("definition", "definition_changed", WARNING),
    F_OWNER, F_ACL, F_COMMENT, F_KEY,
};
static const schema_field trigger_fields[] = {
    F_PARENT, F("definition", "definition_changed", WARNING),
    F("enabled", "enabled_changed", WARNING), F_COMMENT, F_KEY,
};
static const schema_field collation_fields[] = {
    F("provider", "definition_changed", ERROR), F("deterministic", "definition_changed", ERROR),
    F("collate", "definition_changed", ERROR), F("ctype", "definition_changed", ERROR),
    F("locale", "definition_changed", ERROR), F("icu_rules", "definition_changed", ERROR),
    F_OWNER, F_COMMENT,
};
static const schema_field rule_fields[] = {
    F_PARENT, F("definition", "definition_changed", WARNING),
    F("enabled", "enabled_changed", WARNING), F_COMMENT, F_KEY,
};
static const schema_field type_fields[] = {
    F("kind", "kind_changed", ERROR),
    { "definition", SCHEMA_FIELD_ENUM_LABELS, "definition_changed", GL_SEVERITY_WARNING },
    F_OWNER, F_ACL, F_COMMENT,
};
static const schema_field extension_fields[] = {   /* EXTENSION_SCHEMA_FIELD: "schema" */
    F("version", "version_changed", WARNING), F("schema", "schema_changed", WARNING),
};
static const schema_field policy_fields[] = {
    F_PARENT, F("command", "definition_changed", WARNING),
    F("permissive", "definition_changed", WARNING), F("roles", "definition_changed", WARNING),
    F("using", "definition_changed", WARNING), F("with_check", "definition_changed", WARNING),
};
static const schema_field publication_fields[] = {
    F("all_tables", "definition_changed", WARNING), F("insert", "definition_changed", WARNING),
    F("update", "definition_changed", WARNING), F("delete", "definition_changed", WARNING),
    F("truncate", "definition_changed", WARNING), F("via_root", "definition_changed", WARNING),
    F("tables", "tables_changed", WARNING),
};

#define KIND(key, stem, noun, sql, nid, hs, pf, pk, pk2, drop, add, fields)                     \
    { key, stem, noun, sql, nid, hs, pf, pk, pk2, GL_SEVERITY_##drop, GL_SEVERITY_##add,        \
      fields, COUNT(fields), NULL, -1 }
#define KIND_BEFORE_15(key, stem, noun, sql, sql14, nid, hs, pf, pk, pk2, drop, add, fields)    \
    { key, stem, noun, sql, nid, hs, pf, pk, pk2, GL_SEVERITY_##drop, GL_SEVERITY_##add,        \
      fields, COUNT(fields), sql14, -1 }
/* An extension is named without a schema, but lives in one: the schema filters
 * (include_schemas, exclude_schemas) apply to its "schema" field (1). */
#define EXTENSION_SCHEMA_FIELD 1

/* Parents come before children: diff.c relies on "tables" being known when
 * it looks at columns. */
const schema_kind schema_kinds[] = {
    KIND("schemas", "namespace", "schema", schemas_sql, 1, 1, -1, NULL, NULL, ERROR, INFO, schema_fields),
    { "extensions", "extension", "extension", extensions_sql, 1, 0, -1, NULL, NULL, GL_SEVERITY_ERROR,
      GL_SEVERITY_INFO, extension_fields, COUNT(extension_fields), NULL, EXTENSION_SCHEMA_FIELD },
    KIND("collations", "collation", "collation", collations_sql, 2, 1, -1, NULL, NULL, ERROR, INFO, collation_fields),
    KIND("types", "type", "type", types_sql, 2, 1, -1, NULL, NULL, ERROR, INFO, type_fields),
    KIND("tables", "table", "table", tables_sql, 2, 1, -1, NULL, NULL, CRITICAL, INFO, table_fields),
    KIND("columns", "column", "column", columns_sql, 3, 1, 0, "tables", NULL, CRITICAL, INFO, column_fields),
    KIND("constraints", "constraint", "constraint", constraints_sql, 3, 1, 0, "tables", "types", WARNING, ERROR, constraint_fields),
    KIND_BEFORE_15("indexes", "index", "index", indexes_sql, indexes_sql_v13, 2, 1, 0, "tables", "views", WARNING, INFO, index_fields),
    KIND("sequences", "sequence", "sequence", sequences_sql, 2, 1, -1, NULL, NULL, ERROR, INFO, sequence_fields),
    KIND("views", "view", "view", views_sql, 2, 1, -1, NULL, NULL, ERROR, INFO, view_fields),
    KIND("functions", "function", "function", functions_sql, 2, 1, -1, NULL, NULL, ERROR, INFO, function_fields),
    KIND("triggers", "trigger", "trigger", triggers_sql, 3, 1, 0, "tables", "views", ERROR, WARNING, trigger_fields),
    KIND("rules", "rule", "rule", rules_sql, 3, 1, 0, "tables", "views", WARNING, WARNING, rule_fields),
    KIND("policies", "rls.policy", "row-level security policy", policies_sql, 3, 1, 0, "tables", NULL, WARNING, WARNING, policy_fields),
    KIND("publications", "publication", "publication", publications_sql, 1, 0, -1, NULL, NULL, WARNING, INFO, publication_fields),
};
const size_t schema_kinds_count = sizeof(schema_kinds) / sizeof(schema_kinds[0]);
_Static_assert(sizeof(schema_kinds) / sizeof(schema_kinds[0]) <= SCHEMA_MAX_KINDS,
               "schema_timings holds SCHEMA_MAX_KINDS kinds");

const schema_kind *schema_kind_find(const char *key)
{
    for (size_t i = 0; i < schema_kinds_count; i++)
        if (strcmp(schema_kinds[i].key, key) == 0)
            return &schema_kinds[i];
    return NULL;
}

const char *schema_kind_schema_of(const schema_kind *kind, const char *identity,
                                  const schema_record *r, char *buf, size_t cap)
{
    const char *at = identity;
    size_t len;

    if (kind->has_schema) {
        const char *dot = strchr(identity, '.');

        len = dot != NULL ? (size_t)(dot - identity) : strlen(identity);
    } else if (kind->schema_field >= 0 && kind->schema_field < r->n) {
        at = r->at[kind->schema_field];
        len = r->len[kind->schema_field];
    } else {
        return NULL;
    }
    if (len >= cap)
        len = cap - 1;
    memcpy(buf, at, len);
    buf[len] = '\0';
    return buf;
}
