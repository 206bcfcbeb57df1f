/*
 * Import of the statements a database really runs: the top N by total
 * execution time from pg_stat_statements, appended to the workload.
 *
 * Statements are identified by their libpg_query fingerprint, computed here,
 * not by pg_stat_statements' queryid: queryid is a hash of the server's own
 * parse tree and changes across major versions, so a statement seen on a 15
 * blue would not be found again on a 17 green. The fingerprint depends only
 * on the text's parse tree (constants and $n ignored), so the same statement
 * gets the same case name ("pgss.<fingerprint>") on both sides, including
 * when each side imports from its own pg_stat_statements (a snapshot run).
 *
 * pg_stat_statements replaces constants with $1, $2...; such statements run
 * with the parameter sets of the params file entry with the same
 * fingerprint, or else are compared by plan only (collect.c decides how).
 */
#include "qr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pgss_row {
    char *query;
    long long calls;
    double total_ms;
} pgss_row;

typedef struct pgss_rows {
    pgss_row *rows;
    size_t count;
    int failed;
} pgss_rows;

static int take_row(void *ud, int ncols, const char *const *names, const char *const *values,
                    const int *is_null)
{
    pgss_rows *acc = ud;
    pgss_row *r;

    if (ncols < 3 || is_null[0] || acc->count >= GL_QR_MAX_IMPORT)
        return 0;
    r = &acc->rows[acc->count];
    r->query = strdup(values[0]);
    if (r->query == NULL) {
        acc->failed = 1;
        return 1;
    }
    r->calls = is_null[1] ? 0 : strtoll(values[1], NULL, 10);
    r->total_ms = is_null[2] ? 0 : strtod(values[2], NULL);
    acc->count++;
    return 0;
}

static int has_fingerprint(const query_regression_workload *w, const char *fp)
{
    char other[64];

    for (size_t i = 0; i < w->count; i++)
        if (query_regression_fingerprint(w->queries[i].sql, other, sizeof(other)) == 0 &&
            strcmp(other, fp) == 0)
            return 1;
    return 0;
}

/* The params-file query with this fingerprint, or NULL. */
static const query_regression_query *params_for(const query_regression_workload *params, const char *fp)
{
    char other[64];

    for (size_t i = 0; params != NULL && i < params->count; i++)
        if (params->queries[i].nsets > 0 &&
            query_regression_fingerprint(params->queries[i].sql, other, sizeof(other)) == 0 &&
            strcmp(other, fp) == 0)
            return &params->queries[i];
    return NULL;
}

/* Deep-copies the parameter sets of `from` into `q`. 0 or -1 (memory). */
static int copy_params(query_regression_query *q, const query_regression_query *from)
{
    q->param_sets = calloc(from->nsets, sizeof(*q->param_sets));
    if (q->param_sets == NULL)
        return -1;
    q->nsets = from->nsets;
    q->nparams = from->nparams;
    for (size_t s = 0; s < from->nsets; s++) {
        q->param_sets[s] = calloc((size_t)from->nparams + 1, sizeof(char *));
        if (q->param_sets[s] == NULL)
            return -1;
        for (int i = 0; i < from->nparams; i++)
            if (from->param_sets[s][i] != NULL) {
                q->param_sets[s][i] = strdup(from->param_sets[s][i]);
                if (q->param_sets[s][i] == NULL)
                    return -1;
            }
    }
    return 0;
}

/* Appends one imported statement; 0 or -1 (memory). */
static int append(query_regression_workload *w, const pgss_row *row, const char *fp,
                  const query_regression_query *params)
{
    query_regression_query *grown = realloc(w->queries, (w->count + 1) * sizeof(*w->queries));
    query_regression_query *q;
    char name[GL_QR_MAX_NAME];

    if (grown == NULL)
        return -1;
    w->queries = grown;
    q = &w->queries[w->count];
    memset(q, 0, sizeof(*q));
    w->count++; /* counted at once, so query_regression_workload_free frees a half-built one */
    q->effect_tolerance = q->confidence = q->min_effect_ms = q->noise_floor = -1;
    q->samples = -1;
    q->compare_results = q->compare_plan = 1;
    q->imported = 1;
    q->calls = row->calls;
    q->total_time_ms = row->total_ms;
    snprintf(name, sizeof(name), "pgss.%s", fp);
    q->name = strdup(name);
    q->sql = strdup(row->query);
    q->tags = calloc(2, sizeof(char *));
    if (q->name == NULL || q->sql == NULL || q->tags == NULL)
        return -1;
    q->tags[0] = strdup("pg_stat_statements");
    if (q->tags[0] == NULL)
        return -1;
    q->ntags = 1;
    return params != NULL ? copy_params(q, params) : 0;
}

int query_regression__import(gl_ctx *ctx, const gl_host *host, gl_side side,
                             const query_regression_import_config *cfg, query_regression_workload *w,
                             size_t *out_skipped, char **out_problem)
{
    int version = host->server_version_num(ctx, side);
    /* total_exec_time from 13 on (total_time before); toplevel from 14 on. */
    char sql[512];
    pgss_rows acc = {NULL, 0, 0};
    query_regression_workload *params = NULL;
    char err[512], problem[1024];
    size_t imported = 0;
    int rc = -1;

    *out_skipped = 0;
    *out_problem = NULL;
    problem[0] = '\0';
    if (cfg->top <= 0)
        return 0;
    if (cfg->params != NULL && query_regression_workload_load(cfg->params, &params, err, sizeof(err)) != 0)
        return host->set_error(ctx, "query_regression: %s (config pg_stat_statements.params)", err);
    snprintf(sql, sizeof(sql),
             "SELECT query, calls, %s FROM pg_stat_statements "
             "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())%s "
             "ORDER BY 3 DESC LIMIT %d",
             version >= 130000 ? "total_exec_time" : "total_time",
             version >= 140000 ? " AND toplevel" : "", GL_QR_MAX_IMPORT);
    acc.rows = calloc(GL_QR_MAX_IMPORT, sizeof(*acc.rows));
    if (acc.rows == NULL) {
        host->set_error(ctx, "out of memory");
        goto out;
    }
    if (host->query(ctx, side, sql, 0, NULL, take_row, &acc) != 0) {
        if (acc.failed) {
            host->set_error(ctx, "out of memory reading pg_stat_statements");
            goto out;
        }
        /* Not installed, not preloaded, no privilege: say so and carry on with the workload. */
        snprintf(problem, sizeof(problem), "pg_stat_statements could not be read on %s: %s",
                 side == GL_SIDE_BLUE ? "blue" : "green",
                 GL_HOST_HAS(host, last_error) ? host->last_error(ctx) : "");
    }
    for (size_t i = 0; i < acc.count && imported < (size_t)cfg->top; i++) {
        char fp[64], reason[256];
        int ordered;
        int safe = query_regression_safety_check(acc.rows[i].query, &ordered, reason, sizeof(reason));

        if (safe < 0) {
            host->set_error(ctx, "out of memory checking an imported statement");
            goto out;
        }
        /* Writers, utility statements, monitoring queries over the catalogs (greenlight's
         * own among them) and duplicates are not part of the application's workload. */
        if (safe > 0 || query_regression_catalog_only(acc.rows[i].query) ||
            strncmp(acc.rows[i].query, "/* greenlight */", 16) == 0 ||
            query_regression_fingerprint(acc.rows[i].query, fp, sizeof(fp)) != 0 || has_fingerprint(w, fp)) {
            (*out_skipped)++;
            continue;
        }
        if (w->count >= GL_QR_MAX_QUERIES)
            break;
        if (append(w, &acc.rows[i], fp, params_for(params, fp)) != 0) {
            host->set_error(ctx, "out of memory importing statements");
            goto out;
        }
        imported++;
    }
    if (problem[0] != '\0') {
        *out_problem = strdup(problem);
        if (*out_problem == NULL) {
            host->set_error(ctx, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    for (size_t i = 0; i < acc.count; i++)
        free(acc.rows[i].query);
    free(acc.rows);
    query_regression_workload_free(params);
    return rc;
}
