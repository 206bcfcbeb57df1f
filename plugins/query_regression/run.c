/*
 * Execution and timing. Every workload statement runs as
 *   BEGIN READ ONLY; [SET LOCAL statement_timeout = N;] <statement>; ROLLBACK
 * on a session that is already read-only and under statement_timeout (the
 * host's), each through the extended protocol, which refuses more than one
 * statement per call.
 *
 * On a host with query_read_only (ABI 1.4) the four go to the server as one
 * pipeline, one round trip, and the sample is the time of that call: it
 * includes the server's own BEGIN, SET and ROLLBACK processing (microseconds)
 * but no longer their round trips (for an isolated plugin, each is also a
 * message to the greenlight process). On an older host each is its own call
 * and only the statement's call is timed.
 *
 * Workload text never goes over the simple protocol: there the server splits
 * the text into statements with its own lexer, which reads string literals
 * according to standard_conforming_strings (and backslash_quote), while the
 * safety check's parser (libpg_query) always reads them the standard way. On a
 * server with standard_conforming_strings = off, 'a\', '; COMMIT; ...' is one
 * SELECT to libpg_query and several statements to the server.
 * The generic plan of a statement with its own $n (query_regression__explain_generic)
 * therefore comes from PREPARE (one statement, extended protocol) and EXPLAIN
 * EXECUTE under plan_cache_mode = force_generic_plan, not from EXPLAIN
 * (GENERIC_PLAN) over the simple protocol.
 */
#include "qr.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double query_regression__now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/*
 * The message of the call that just failed, copied before ROLLBACK runs: the
 * host keeps one error per ctx, and a later failure would replace it. Hosts
 * older than last_error give a generic sentence.
 */
static void keep_error(gl_ctx *ctx, const gl_host *host, char *err, size_t errlen)
{
    const char *msg = NULL;

    if (err == NULL || errlen == 0)
        return;
    if (GL_HOST_HAS(host, last_error))
        msg = host->last_error(ctx);
    if (msg == NULL || msg[0] == '\0')
        msg = "the server gave no message";
    /* The callers say which side and which statement already: drop the host's prefix. */
    for (int s = 0; s < 2; s++) {
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "query on %s failed: ", s == GL_SIDE_BLUE ? "blue" : "green");
        if (strncmp(msg, prefix, strlen(prefix)) == 0)
            msg += strlen(prefix);
    }
    snprintf(err, errlen, "%s", msg);
    /* A finding message is one line: the server's ERROR/DETAIL/CONTEXT lines are joined. */
    for (char *p = err; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
}

static int run_in_transaction(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql,
                              int nparams, const char *const *params, int timeout_ms,
                              gl_row_fn fn, void *userdata, double *out_ms, char *err,
                              size_t errlen)
{
    char set_timeout[64];
    double t0;
    int rc = -1, began = 0;

    *out_ms = 0;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (host->query(ctx, side, "BEGIN READ ONLY", 0, NULL, NULL, NULL) != 0) {
        keep_error(ctx, host, err, errlen);
        goto out;
    }
    began = 1;
    if (timeout_ms > 0) {
        snprintf(set_timeout, sizeof(set_timeout), "SET LOCAL statement_timeout = %d", timeout_ms);
        if (host->query(ctx, side, set_timeout, 0, NULL, NULL, NULL) != 0) {
            keep_error(ctx, host, err, errlen);
            goto out;
        }
    }
    t0 = query_regression__now_ms();
    rc = host->query(ctx, side, sql, nparams, params, fn, userdata);
    *out_ms = query_regression__now_ms() - t0;
    /* A row callback's stop (rc > 0) is not a server error: the caller says why. */
    if (rc < 0)
        keep_error(ctx, host, err, errlen);
out:
    /* Rolled back whatever happened; a failed ROLLBACK only matters if all else worked. */
    if (began && host->query(ctx, side, "ROLLBACK", 0, NULL, NULL, NULL) != 0 && rc == 0)
        rc = -1;
    return rc;
}

/* The whole transaction in one host call (ABI 1.4), timed around that call. */
static int run_pipelined(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql, int nparams,
                         const char *const *params, int timeout_ms, gl_row_fn fn, void *userdata,
                         double *out_ms, char *err, size_t errlen)
{
    double t0;
    int rc;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    t0 = query_regression__now_ms();
    rc = host->query_read_only(ctx, side, sql, nparams, params, timeout_ms, fn, userdata);
    *out_ms = query_regression__now_ms() - t0;
    /* A row callback's stop (rc > 0) is not a server error: the caller says why. */
    if (rc < 0)
        keep_error(ctx, host, err, errlen);
    return rc;
}

int query_regression__run(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql, int nparams,
                          const char *const *params, int timeout_ms, gl_row_fn fn, void *userdata,
                          double *out_ms, char *err, size_t errlen)
{
    if (GL_HOST_HAS(host, query_read_only))
        return run_pipelined(ctx, host, side, sql, nparams, params, timeout_ms, fn, userdata, out_ms,
                             err, errlen);
    return run_in_transaction(ctx, host, side, sql, nparams, params, timeout_ms, fn, userdata,
                              out_ms, err, errlen);
}

/* The prepared statement of query_regression__explain_generic (one at a time per session). */
#define GENERIC_NAME "query_regression_generic"

int query_regression__explain_generic(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql,
                                      int nparams, int timeout_ms, gl_row_fn fn, void *userdata, char *err,
                                      size_t errlen)
{
    size_t plen = strlen(sql) + 64, elen = 96 + (size_t)nparams * 6;
    char *prepare = malloc(plen), *explain = malloc(elen), set_timeout[64];
    int rc = -1, began = 0, prepared = 0;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (prepare == NULL || explain == NULL || nparams < 0 || nparams > 65535) {
        rc = host->set_error(ctx, "out of memory");
        goto out;
    }
    snprintf(prepare, plen, "PREPARE " GENERIC_NAME " AS %s", sql);
    snprintf(explain, elen, "EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE " GENERIC_NAME "%s",
             nparams > 0 ? "(" : "");
    /* NULL arguments: under force_generic_plan the plan does not depend on them. */
    for (size_t i = 0, at = strlen(explain); i < (size_t)nparams; i++, at += 6)
        snprintf(explain + at, elen - at, "%s", i + 1 < (size_t)nparams ? "NULL, " : "NULL)");
    if (host->query(ctx, side, "BEGIN READ ONLY", 0, NULL, NULL, NULL) != 0)
        goto fail;
    began = 1;
    if (timeout_ms > 0) {
        snprintf(set_timeout, sizeof(set_timeout), "SET LOCAL statement_timeout = %d", timeout_ms);
        if (host->query(ctx, side, set_timeout, 0, NULL, NULL, NULL) != 0)
            goto fail;
    }
    if (host->query(ctx, side, "SET LOCAL plan_cache_mode = force_generic_plan", 0, NULL, NULL,
                    NULL) != 0 ||
        host->query(ctx, side, prepare, 0, NULL, NULL, NULL) != 0)
        goto fail;
    prepared = 1;
    rc = host->query(ctx, side, explain, 0, NULL, fn, userdata);
    if (rc >= 0)
        goto out;
fail:
    keep_error(ctx, host, err, errlen);
    rc = -1;
out:
    if (began && host->query(ctx, side, "ROLLBACK", 0, NULL, NULL, NULL) != 0 && rc == 0)
        rc = -1;
    /* A prepared statement outlives ROLLBACK: it goes whatever happened. */
    if (prepared && host->query(ctx, side, "DEALLOCATE " GENERIC_NAME, 0, NULL, NULL, NULL) != 0 &&
        rc == 0)
        rc = -1;
    free(prepare);
    free(explain);
    return rc;
}
