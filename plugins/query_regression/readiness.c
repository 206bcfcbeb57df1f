/*
 * Statistics readiness: a table the planner has never analyzed makes plan and
 * latency comparisons meaningless (logical replication and pg_upgrade before
 * PostgreSQL 18 do not carry statistics). "Never analyzed" means: no row in
 * pg_stats for it, no last_analyze/last_autoanalyze, and (14+) reltuples < 0
 * (before 14: reltuples = 0 and relpages = 0).
 *
 * One query per side whatever the number of tables: the names travel as one
 * newline-separated parameter.
 */
#include "qr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char readiness_sql[] =
    "SELECT format('%%I.%%I', n.nspname, c.relname) AS relation, c.reltuples::text AS reltuples, "
    "s.last_analyze::text AS last_analyze, s.last_autoanalyze::text AS last_autoanalyze "
    "FROM unnest(string_to_array($1, E'\\n')) AS q(name) "
    "JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(q.name) "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid "
    "WHERE c.relkind IN ('r', 'm', 'p') "
    "AND s.last_analyze IS NULL AND s.last_autoanalyze IS NULL "
    "AND %s "
    "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stats st "
    "                WHERE st.schemaname = n.nspname AND st.tablename = c.relname) "
    "ORDER BY 1";

/* Names as "schema"."name" for to_regclass, joined by newlines (malloc). */
static char *join_names(char **relations, size_t nrel)
{
    size_t len = 1;
    char *buf, *p;

    for (size_t i = 0; i < nrel; i++)
        len += 2 * strlen(relations[i]) + 6;
    buf = malloc(len);
    if (buf == NULL)
        return NULL;
    p = buf;
    for (size_t i = 0; i < nrel; i++) {
        const char *dot = strchr(relations[i], '.');
        /* Quote both parts, doubling quotes, so any identifier survives. */
        *p++ = '"';
        for (const char *s = relations[i]; *s; s++) {
            if (s == dot) {
                *p++ = '"';
                *p++ = '.';
                *p++ = '"';
                continue;
            }
            if (*s == '"')
                *p++ = '"';
            *p++ = *s;
        }
        *p++ = '"';
        if (i + 1 < nrel)
            *p++ = '\n';
    }
    *p = '\0';
    return buf;
}

static int missing_on(gl_ctx *ctx, const gl_host *host, gl_side side, const char *names,
                      gl_value **out)
{
    char sql[sizeof(readiness_sql) + 128];
    int v = host->server_version_num(ctx, side);
    const char *params[1] = {names};

    snprintf(sql, sizeof(sql), readiness_sql,
             v >= 140000 ? "c.reltuples < 0" : "c.reltuples = 0 AND c.relpages = 0");
    return host->query_rows(ctx, side, sql, 1, params, out);
}

int query_regression__readiness(gl_ctx *ctx, const gl_host *host, gl_side side, char **relations, size_t nrel,
                                int analyze, gl_value **out_missing, gl_value **out_analyzed)
{
    char *names = NULL;
    gl_value *missing = NULL;
    int rc = -1;

    *out_missing = NULL;
    *out_analyzed = host->value_array();
    if (*out_analyzed == NULL)
        return host->set_error(ctx, "out of memory");
    names = join_names(relations, nrel);
    if (names == NULL) {
        host->set_error(ctx, "out of memory");
        goto out;
    }
    if (missing_on(ctx, host, side, names, &missing) != 0)
        goto out;
    if (analyze && host->value_len(missing) > 0) {
        /*
         * Asked for explicitly (config analyze_green): the session is
         * read-only by default, so lift that for these statements only and
         * put it back whatever happens.
         */
        int failed = 0;
        if (host->query(ctx, side, "SET default_transaction_read_only = off", 0, NULL, NULL, NULL) != 0)
            goto out;
        for (size_t i = 0; i < host->value_len(missing) && !failed; i++) {
            const char *rel = host->value_get_string(host->object_get(host->array_at(missing, i), "relation"));
            char sql[1024];
            /* rel comes from format('%I.%I'): already quoted by the server. */
            snprintf(sql, sizeof(sql), "ANALYZE %s", rel);
            if (host->query(ctx, side, sql, 0, NULL, NULL, NULL) != 0)
                failed = 1;
            else if (host->array_push(*out_analyzed, host->value_string(rel)) != 0)
                failed = 1;
        }
        if (host->query(ctx, side, "SET default_transaction_read_only = on", 0, NULL, NULL, NULL) != 0 ||
            failed)
            goto out;
        host->value_free(missing);
        missing = NULL;
        if (missing_on(ctx, host, side, names, &missing) != 0)
            goto out;
    }
    *out_missing = missing;
    missing = NULL;
    rc = 0;
out:
    host->value_free(missing);
    free(names);
    if (rc != 0) {
        host->value_free(*out_analyzed);
        *out_analyzed = NULL;
    }
    return rc;
}
