/*
 * storage — what the data files and indexes need from the two servers:
 * build settings that must match (pg_upgrade refuses a difference, and
 * several change what fits in a row or a name), the database's encoding and
 * locale, collation versions of the collations indexes use (a changed sort
 * order silently corrupts an index carried over by pg_upgrade or a physical
 * copy), and tables green has no planner statistics for.
 *
 * facts: build: { database, block_size, wal_block_size, segment_size,
 *                 wal_segment_size, max_identifier_length, max_index_keys,
 *                 data_checksums, server_encoding, lc_collate, lc_ctype,
 *                 locale_provider, locale, collversion, actual_collversion }
 *        index_collations: [ { index, table, collation, provider, version, actual } ]
 *        statistics_missing: [ { table } ]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* datlocprovider, daticulocale and datcollversion exist from 15; 17 renamed daticulocale. */
static const char build_sql_fmt[] =
    "SELECT pg_catalog.current_database()::text AS database,"
    " pg_catalog.current_setting('block_size') AS block_size,"
    " pg_catalog.current_setting('wal_block_size') AS wal_block_size,"
    " pg_catalog.current_setting('segment_size') AS segment_size,"
    " pg_catalog.current_setting('wal_segment_size') AS wal_segment_size,"
    " pg_catalog.current_setting('max_identifier_length') AS max_identifier_length,"
    " pg_catalog.current_setting('max_index_keys') AS max_index_keys,"
    " pg_catalog.current_setting('data_checksums') AS data_checksums,"
    " pg_catalog.current_setting('server_encoding') AS server_encoding,"
    " d.datcollate::text AS lc_collate, d.datctype::text AS lc_ctype,"
    " %s AS locale_provider, %s AS locale, %s AS collversion, %s AS actual_collversion"
    " FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()";

/* Index key collations, the database default (oid 100) standing for the database's. */
static const char index_collations_sql_fmt[] =
    "WITH ix AS ("
    " SELECT i.indexrelid, i.indrelid, u.coll"
    " FROM pg_catalog.pg_index i"
    " JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " CROSS JOIN LATERAL pg_catalog.unnest(i.indcollation::pg_catalog.oid[]) AS u(coll)"
    " WHERE u.coll <> 0 AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
    " AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'"
    "), coll AS ("
    " SELECT co.oid, co.collname::text AS name, co.collprovider::text AS provider,"
    "  co.collversion AS version, pg_catalog.pg_collation_actual_version(co.oid) AS actual"
    " FROM pg_catalog.pg_collation co"
    " WHERE co.oid IN (SELECT coll FROM ix) AND co.oid <> 100"
    " UNION ALL"
    " SELECT 100, 'default', %s, %s, %s"
    " FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()"
    ")"
    " SELECT * FROM (SELECT DISTINCT pg_catalog.quote_ident(ns.nspname) || '.' || pg_catalog.quote_ident(ic.relname) AS index,"
    " pg_catalog.quote_ident(ns.nspname) || '.' || pg_catalog.quote_ident(tc.relname) AS table,"
    " coll.name AS collation, coll.provider, coll.version, coll.actual"
    " FROM ix JOIN coll ON coll.oid = ix.coll"
    " JOIN pg_catalog.pg_class ic ON ic.oid = ix.indexrelid"
    " JOIN pg_catalog.pg_class tc ON tc.oid = ix.indrelid"
    " JOIN pg_catalog.pg_namespace ns ON ns.oid = ic.relnamespace"
    " WHERE coll.version IS NOT NULL OR coll.actual IS NOT NULL) d"
    " ORDER BY \"collation\" COLLATE \"C\", \"index\" COLLATE \"C\"";

/*
 * Tables with rows (or never counted) and no pg_stats row: never analyzed.
 * From 14 reltuples is -1 until the first VACUUM/ANALYZE, so an analyzed
 * empty table (0) is told apart; before 14 an empty table is listed too.
 * pg_stats shows only columns this role may read: unreadable tables are left out.
 * pg_stats is read once (a hashed NOT IN; its names are never null), not once
 * per table as NOT EXISTS was planned: 4 ms instead of 12-24 ms on Pagila.
 */
static const char statistics_sql_fmt[] =
    "SELECT * FROM (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS table"
    " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't'"
    " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
    " AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'"
    " AND pg_catalog.has_table_privilege(c.oid, 'SELECT') %s"
    " AND (n.nspname, c.relname) NOT IN (SELECT s.schemaname, s.tablename FROM pg_catalog.pg_stats s"
    "  WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema'))) d"
    " ORDER BY \"table\" COLLATE \"C\"";

int engine_version_collect_storage(gl_ctx *ctx, const gl_host *host, gl_side side, int version_num,
                           gl_value *facts)
{
    char sql[4096];
    gl_value *rows = NULL;
    const gl_value *row;
    int v15 = version_num >= 150000, v17 = version_num >= 170000;

    snprintf(sql, sizeof(sql), build_sql_fmt, v15 ? "d.datlocprovider::text" : "'c'",
             v17 ? "d.datlocale" : (v15 ? "d.daticulocale" : "NULL::text"),
             v15 ? "d.datcollversion" : "NULL::text",
             v15 ? "pg_catalog.pg_database_collation_actual_version(d.oid)" : "NULL::text");
    if (host->query_rows(ctx, side, sql, 0, NULL, &rows) != 0)
        return host->set_error(ctx, "engine_version: reading the build settings failed: %s",
                               gl_plugin_last_error(ctx, host));
    row = host->array_at(rows, 0);
    if (row == NULL) {
        host->value_free(rows);
        return host->set_error(ctx, "engine_version: the connected database is not in "
                               "pg_database; connect to an ordinary database");
    }
    if (host->object_set(facts, "build", host->value_copy(row)) != 0) {
        host->value_free(rows);
        return host->set_error(ctx, "engine_version: out of memory");
    }
    host->value_free(rows);

    snprintf(sql, sizeof(sql), index_collations_sql_fmt,
             v15 ? "d.datlocprovider::text" : "'c'", v15 ? "d.datcollversion" : "NULL::text",
             v15 ? "pg_catalog.pg_database_collation_actual_version(d.oid)" : "NULL::text");
    if (engine_version_collect_rows(ctx, host, side, sql, facts, "index_collations") != 0)
        return -1;
    snprintf(sql, sizeof(sql), statistics_sql_fmt,
             version_num >= 140000 ? "AND c.reltuples <> 0" : "");
    return engine_version_collect_rows(ctx, host, side, sql, facts, "statistics_missing");
}

/* ------------------------------------------------------------- build settings */

typedef struct build_setting {
    const char *name;
    gl_severity severity;
    const char *why;
    const char *fix;
} build_setting;

static const build_setting build_settings[] = {
    { "block_size", GL_SEVERITY_ERROR, "a compile-time page size: pg_upgrade refuses a difference "
      "and row and index size limits change",
      "Run green on a PostgreSQL build with blue's block size (configure --with-blocksize)." },
    { "wal_block_size", GL_SEVERITY_ERROR, "a compile-time WAL page size: pg_upgrade refuses a "
      "difference", "Run green on a PostgreSQL build with blue's WAL block size "
      "(configure --with-wal-blocksize)." },
    { "segment_size", GL_SEVERITY_ERROR, "the compile-time relation segment size: pg_upgrade "
      "refuses a difference", "Run green on a PostgreSQL build with blue's segment size "
      "(configure --with-segsize)." },
    { "wal_segment_size", GL_SEVERITY_ERROR, "chosen at initdb: pg_upgrade refuses a difference and "
      "archiving, wal_keep_size and slot sizing assume it",
      "Re-initialise green with initdb --wal-segsize matching blue (or pg_resetwal --wal-segsize "
      "on a stopped green)." },
    { "max_identifier_length", GL_SEVERITY_ERROR, "the compile-time NAMEDATALEN: longer names are "
      "truncated differently and pg_upgrade refuses a difference",
      "Run green on a PostgreSQL build with blue's NAMEDATALEN." },
    { "max_index_keys", GL_SEVERITY_ERROR, "the compile-time INDEX_MAX_KEYS: pg_upgrade refuses a "
      "difference and wider indexes cannot be created",
      "Run green on a PostgreSQL build with blue's INDEX_MAX_KEYS." },
    { "data_checksums", GL_SEVERITY_ERROR, "chosen at initdb: pg_upgrade refuses a difference, and "
      "green without checksums no longer detects corrupted pages",
      "Make them match: pg_checksums --enable (or --disable) on the stopped green cluster, or "
      "initdb green with/without --data-checksums." },
    { "server_encoding", GL_SEVERITY_ERROR, "the database encoding: text blue stores may not "
      "convert, and string functions and lengths change",
      "Re-create green's database with blue's encoding (CREATE DATABASE ... ENCODING ... "
      "TEMPLATE template0)." },
    { "locale_provider", GL_SEVERITY_WARNING, "the database's locale provider (libc, icu, "
      "builtin): the default sort order comes from another library",
      "Create green's database with blue's provider (CREATE DATABASE ... LOCALE_PROVIDER ... "
      "TEMPLATE template0), or test the application's ordering on green." },
    { "lc_collate", GL_SEVERITY_WARNING, "the database's default collation: ORDER BY and text "
      "indexes sort differently",
      "Create green's database with blue's LC_COLLATE (TEMPLATE template0), or test the "
      "application's ordering on green." },
    { "lc_ctype", GL_SEVERITY_WARNING, "the database's character classification: upper(), lower() "
      "and regular expressions behave differently",
      "Create green's database with blue's LC_CTYPE (TEMPLATE template0)." },
    { "locale", GL_SEVERITY_WARNING, "the database's ICU or builtin locale: the default sort "
      "order differs",
      "Create green's database with blue's ICU_LOCALE/LOCALE (TEMPLATE template0)." },
};

static int compare_build(gl_ctx *ctx, const gl_host *host, const gl_value *bb, const gl_value *gb)
{
    for (size_t i = 0; i < sizeof(build_settings) / sizeof(build_settings[0]); i++) {
        const build_setting *s = &build_settings[i];
        const char *b = engine_version_get(host, bb, s->name), *g = engine_version_get(host, gb, s->name);
        int locale = s->severity != GL_SEVERITY_ERROR;
        char message[768];
        gl_value *details, *hb, *hg;

        if ((b == NULL && g == NULL) || (b != NULL && g != NULL && strcmp(b, g) == 0))
            continue;
        /* The ICU/builtin locale only matters when both use a provider that has one. */
        if (strcmp(s->name, "locale") == 0 && (b == NULL || g == NULL))
            continue;
        snprintf(message, sizeof(message), "%s is %s on blue and %s on green: %s.", s->name,
                 b ? b : "unset", g ? g : "unset", s->why);
        details = host->value_object();
        hb = host->value_string(b);
        hg = host->value_string(g);
        if (details == NULL || hb == NULL || hg == NULL ||
            engine_version_set_str(host, details, "database_blue", engine_version_get(host, bb, "database")) != 0 ||
            engine_version_set_str(host, details, "database_green", engine_version_get(host, gb, "database")) != 0 ||
            engine_version_set_str(host, details, "fix", s->fix) != 0)
            return engine_version_nomem(ctx, host, details, hb, hg);
        if (gl_plugin_emit(ctx, host,
                        locale ? "engine_version.database_locale.differs"
                               : "engine_version.build_setting.differs",
                        s->severity, s->name, hb, hg, details, message) != 0)
            return -1;
    }
    return 0;
}

/* ----------------------------------------------------------------- collations */

static const char *provider_name(const char *p)
{
    if (p == NULL)
        return "?";
    if (strcmp(p, "c") == 0)
        return "libc";
    if (strcmp(p, "i") == 0)
        return "ICU";
    if (strcmp(p, "b") == 0)
        return "builtin";
    if (strcmp(p, "d") == 0)
        return "the database default";
    return p;
}

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Indexes of rows using collation `name`, as a value array and as "a, b" text. */
static int indexes_of(const gl_host *host, const gl_value *rows, const char *name,
                      gl_value *list, engine_version_text *text)
{
    for (size_t i = 0; i < host->value_len(rows); i++) {
        const gl_value *r = host->array_at(rows, i);
        const char *ix = engine_version_get(host, r, "index");

        if (ix == NULL || !same(engine_version_get(host, r, "collation"), name))
            continue;
        if (host->array_push(list, host->value_string(ix)) != 0)
            return -1;
        engine_version_text_add(text, "%s%s", text->len > 0 ? ", " : "", ix);
    }
    return text->failed ? -1 : 0;
}

/* The fix for indexes built under another version of `collation`. */
static void reindex_fix(engine_version_text *fix, const char *collation, const char *database,
                        const engine_version_text *indexes, int refresh)
{
    engine_version_text_add(fix, "REINDEX INDEX CONCURRENTLY each of: %s", engine_version_text_str(indexes));
    if (!refresh)
        engine_version_text_add(fix, ".");
    else if (strcmp(collation, "default") == 0)
        engine_version_text_add(fix, "; then ALTER DATABASE %s REFRESH COLLATION VERSION.",
                        database ? database : "<database>");
    else
        engine_version_text_add(fix, "; then ALTER COLLATION %s REFRESH VERSION.", collation);
}

/*
 * Within one side: a collation whose recorded version (at CREATE COLLATION or
 * database creation) differs from what the library now provides. On green
 * that is an error: it is the server about to take writes.
 */
static int compare_recorded(gl_ctx *ctx, const gl_host *host, const gl_value *rows,
                            const char *side, const char *database)
{
    for (size_t i = 0; i < host->value_len(rows); i++) {
        const gl_value *r = host->array_at(rows, i);
        const char *name = engine_version_get(host, r, "collation");
        const char *rec = engine_version_get(host, r, "version"), *act = engine_version_get(host, r, "actual");
        int is_green = strcmp(side, "green") == 0, seen = 0;
        engine_version_text indexes = { 0 }, fix = { 0 };
        gl_value *details = NULL, *list = NULL, *hb = NULL, *hg = NULL;
        char message[1024];
        int rc;

        /* the database default is judged from pg_database: compare_database_version */
        if (name == NULL || strcmp(name, "default") == 0 || rec == NULL || act == NULL ||
            strcmp(rec, act) == 0)
            continue;
        for (size_t j = 0; j < i && !seen; j++)
            seen = same(engine_version_get(host, host->array_at(rows, j), "collation"), name);
        if (seen)
            continue;   /* one finding per collation, listing all its indexes */
        details = host->value_object();
        list = host->value_array();
        hb = host->value_string(rec);
        hg = host->value_string(act);
        if (details == NULL || list == NULL || hb == NULL || hg == NULL ||
            indexes_of(host, rows, name, list, &indexes) != 0)
            goto oom;
        reindex_fix(&fix, name, database, &indexes, 1);
        snprintf(message, sizeof(message),
                 "On %s, collation %s was recorded at version %s but the library now provides %s: "
                 "%zu index(es) may be silently corrupt; REINDEX them.", side, name, rec, act,
                 host->value_len(list));
        rc = host->object_set(details, "indexes", list);
        list = NULL;
        if (rc != 0 || fix.failed || engine_version_set_str(host, details, "side", side) != 0 ||
            engine_version_set_str(host, details, "provider", engine_version_get(host, r, "provider")) != 0 ||
            engine_version_set_str(host, details, "recorded_version", rec) != 0 ||
            engine_version_set_str(host, details, "actual_version", act) != 0 ||
            engine_version_set_str(host, details, "fix", engine_version_text_str(&fix)) != 0)
            goto oom;
        engine_version_text_free(&indexes);
        engine_version_text_free(&fix);
        /* blue's value is what was recorded, green's what runs; on blue both are blue's */
        if (gl_plugin_emit(ctx, host, "engine_version.collation.version_mismatch",
                        is_green ? GL_SEVERITY_ERROR : GL_SEVERITY_WARNING, name, hb, hg,
                        details, message) != 0)
            return -1;
        continue;
oom:
        engine_version_text_free(&indexes);
        engine_version_text_free(&fix);
        host->value_free(list);
        return engine_version_nomem(ctx, host, details, hb, hg);
    }
    return 0;
}

/*
 * One side's database: datcollversion (recorded at CREATE DATABASE or the
 * last REFRESH) against what the library provides now (15 and later). The
 * indexes named are those on the database's default collation.
 */
static int compare_database_version(gl_ctx *ctx, const gl_host *host, const gl_value *build,
                                    const gl_value *rows, const char *side)
{
    const char *db = engine_version_get(host, build, "database");
    const char *rec = engine_version_get(host, build, "collversion");
    const char *act = engine_version_get(host, build, "actual_collversion");
    engine_version_text indexes = { 0 }, fix = { 0 };
    gl_value *details = NULL, *list = NULL, *hb = NULL, *hg = NULL;
    char message[1024];
    int rc;

    if (rec == NULL || act == NULL || strcmp(rec, act) == 0)
        return 0;
    details = host->value_object();
    list = host->value_array();
    hb = host->value_string(rec);
    hg = host->value_string(act);
    if (details == NULL || list == NULL || hb == NULL || hg == NULL ||
        indexes_of(host, rows, "default", list, &indexes) != 0)
        goto oom;
    if (indexes.len > 0)
        reindex_fix(&fix, "default", db, &indexes, 1);
    else
        engine_version_text_add(&fix, "REINDEX DATABASE %s (no index names the default collation "
                        "directly; expressions may), then ALTER DATABASE %s REFRESH COLLATION "
                        "VERSION.", db ? db : "<database>", db ? db : "<database>");
    snprintf(message, sizeof(message),
             "On %s, database %s was created with collation version %s but the library now "
             "provides %s: text indexes on the default collation (%zu found) may be silently "
             "corrupt.", side, db ? db : "?", rec, act, host->value_len(list));
    rc = host->object_set(details, "indexes", list);
    list = NULL;
    if (rc != 0 || fix.failed || engine_version_set_str(host, details, "side", side) != 0 ||
        engine_version_set_str(host, details, "provider", engine_version_get(host, build, "locale_provider")) != 0 ||
        engine_version_set_str(host, details, "recorded_version", rec) != 0 ||
        engine_version_set_str(host, details, "actual_version", act) != 0 ||
        engine_version_set_str(host, details, "fix", engine_version_text_str(&fix)) != 0)
        goto oom;
    engine_version_text_free(&indexes);
    engine_version_text_free(&fix);
    return gl_plugin_emit(ctx, host, "engine_version.collation.database_version_mismatch",
                       strcmp(side, "green") == 0 ? GL_SEVERITY_ERROR : GL_SEVERITY_WARNING,
                       db ? db : "database", hb, hg, details, message);
oom:
    engine_version_text_free(&indexes);
    engine_version_text_free(&fix);
    host->value_free(list);
    return engine_version_nomem(ctx, host, details, hb, hg);
}

/* The first row of rows for collation name, or NULL. */
static const gl_value *row_of(const gl_host *host, const gl_value *rows, const char *name)
{
    for (size_t i = 0; i < host->value_len(rows); i++)
        if (same(engine_version_get(host, host->array_at(rows, i), "collation"), name))
            return host->array_at(rows, i);
    return NULL;
}

/*
 * Across sides: a collation indexes use on both whose provider or library
 * version differs. Index files carried from blue (pg_upgrade, physical copy)
 * are then ordered by blue's rules and green's lookups miss rows.
 */
static int compare_across(gl_ctx *ctx, const gl_host *host, const gl_value *brows,
                          const gl_value *grows, const char *database)
{
    for (size_t i = 0; i < host->value_len(brows); i++) {
        const gl_value *b = host->array_at(brows, i), *g;
        const char *name = engine_version_get(host, b, "collation");
        const char *bp, *gp, *bv, *gv;
        engine_version_text indexes = { 0 }, fix = { 0 };
        gl_value *details = NULL, *list = NULL, *hb = NULL, *hg = NULL;
        char message[1024];
        int rc;

        if (name == NULL || row_of(host, brows, name) != b)
            continue;   /* first row of each collation only */
        g = row_of(host, grows, name);
        if (g == NULL)
            continue;
        bp = engine_version_get(host, b, "provider");
        gp = engine_version_get(host, g, "provider");
        bv = engine_version_get(host, b, "actual");
        gv = engine_version_get(host, g, "actual");
        if (same(bp, gp) && (bv == NULL || gv == NULL || strcmp(bv, gv) == 0))
            continue;
        details = host->value_object();
        list = host->value_array();
        hb = host->value_string(bv);
        hg = host->value_string(gv);
        if (details == NULL || list == NULL || hb == NULL || hg == NULL ||
            indexes_of(host, grows, name, list, &indexes) != 0)
            goto oom;
        reindex_fix(&fix, name, database, &indexes, 0);
        engine_version_text_add(&fix, " Needed when green's data files came from blue (pg_upgrade, "
                        "physical copy); after a logical copy the indexes are green's own but "
                        "ORDER BY results may change: test the application.");
        snprintf(message, sizeof(message),
                 "Collation %s sorts by %s %s on blue and %s %s on green: indexes using it (%zu "
                 "on green) must be rebuilt if green's files came from blue.", name,
                 provider_name(bp), bv ? bv : "(unversioned)", provider_name(gp),
                 gv ? gv : "(unversioned)", host->value_len(list));
        rc = host->object_set(details, "indexes", list);
        list = NULL;
        if (rc != 0 || fix.failed || engine_version_set_str(host, details, "provider_blue", bp) != 0 ||
            engine_version_set_str(host, details, "provider_green", gp) != 0 ||
            engine_version_set_str(host, details, "fix", engine_version_text_str(&fix)) != 0)
            goto oom;
        engine_version_text_free(&indexes);
        engine_version_text_free(&fix);
        if (gl_plugin_emit(ctx, host, "engine_version.collation.version_changed",
                        GL_SEVERITY_WARNING, name, hb, hg, details, message) != 0)
            return -1;
        continue;
oom:
        engine_version_text_free(&indexes);
        engine_version_text_free(&fix);
        host->value_free(list);
        return engine_version_nomem(ctx, host, details, hb, hg);
    }
    return 0;
}

/* ----------------------------------------------------------------- statistics */

static int compare_statistics(gl_ctx *ctx, const gl_host *host, const gl_value *bmissing,
                              const gl_value *gmissing, const char *database)
{
    size_t n = host->value_len(gmissing);
    gl_value *details = NULL, *tables = NULL, *regressed = NULL, *hg = NULL;
    engine_version_text list = { 0 }, fix = { 0 };
    char message[1024];
    int rc;

    if (n == 0)
        return 0;
    details = host->value_object();
    tables = host->value_array();
    regressed = host->value_array();
    if (details == NULL || tables == NULL || regressed == NULL)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const char *t = engine_version_get(host, host->array_at(gmissing, i), "table");

        if (t == NULL)
            continue;
        if (host->array_push(tables, host->value_string(t)) != 0)
            goto oom;
        engine_version_text_add(&list, "%s%s", list.len > 0 ? ", " : "", t);
        /* blue had statistics for it (or does not have it): green plans worse than blue */
        if (!engine_version_rows_have(host, bmissing, "table", t) &&
            host->array_push(regressed, host->value_string(t)) != 0)
            goto oom;
    }
    engine_version_text_add(&fix, "On green: vacuumdb --analyze-in-stages --dbname=%s (or ANALYZE %s;)",
                    database ? database : "<database>", engine_version_text_str(&list));
    if (list.failed || fix.failed)
        goto oom;
    snprintf(message, sizeof(message),
             "%zu table(s) in green's database %s have no planner statistics (never analyzed%s): "
             "plans on green will be guesses until ANALYZE runs.", host->value_len(tables),
             database ? database : "?",
             host->value_len(regressed) > 0 ? "; blue has them" : ", on blue neither");
    hg = host->value_int((int64_t)host->value_len(tables));
    rc = host->object_set(details, "tables", tables);
    tables = NULL;
    if (rc == 0) {
        rc = host->object_set(details, "analyzed_on_blue", regressed);
        regressed = NULL;
    }
    if (rc != 0 || hg == NULL || engine_version_set_str(host, details, "fix", engine_version_text_str(&fix)) != 0)
        goto oom;
    engine_version_text_free(&list);
    engine_version_text_free(&fix);
    {
        const gl_value *r = host->object_get(details, "analyzed_on_blue");

        return gl_plugin_emit(ctx, host, "engine_version.statistics.missing",
                           host->value_len(r) > 0 ? GL_SEVERITY_WARNING : GL_SEVERITY_INFO,
                           database ? database : "database", NULL, hg, details, message);
    }
oom:
    engine_version_text_free(&list);
    engine_version_text_free(&fix);
    host->value_free(tables);
    host->value_free(regressed);
    return engine_version_nomem(ctx, host, details, hg, NULL);
}

int engine_version_compare_storage(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
                           const gl_value *green)
{
    const gl_value *bb = host->object_get(blue, "build"), *gb = host->object_get(green, "build");
    const gl_value *bi = host->object_get(blue, "index_collations");
    const gl_value *gi = host->object_get(green, "index_collations");
    const gl_value *bs = host->object_get(blue, "statistics_missing");
    const gl_value *gs = host->object_get(green, "statistics_missing");
    const char *bdb = engine_version_get(host, bb, "database"), *gdb = engine_version_get(host, gb, "database");

    if (host->value_kind(bb) != GL_VALUE_OBJECT || host->value_kind(gb) != GL_VALUE_OBJECT ||
        host->value_kind(bi) != GL_VALUE_ARRAY || host->value_kind(gi) != GL_VALUE_ARRAY ||
        host->value_kind(bs) != GL_VALUE_ARRAY || host->value_kind(gs) != GL_VALUE_ARRAY)
        return host->set_error(ctx, "engine_version: facts have no build/index_collations/"
                               "statistics_missing; collect them again with this plugin version");
    if (compare_build(ctx, host, bb, gb) != 0 ||
        compare_recorded(ctx, host, bi, "blue", bdb) != 0 ||
        compare_recorded(ctx, host, gi, "green", gdb) != 0 ||
        compare_database_version(ctx, host, bb, bi, "blue") != 0 ||
        compare_database_version(ctx, host, gb, gi, "green") != 0 ||
        compare_across(ctx, host, bi, gi, gdb) != 0 ||
        compare_statistics(ctx, host, bs, gs, gdb) != 0)
        return -1;
    return 0;
}
