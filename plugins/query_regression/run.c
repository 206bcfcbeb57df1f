/*
 * Execution and timing. Every workload statement runs as
 *   BEGIN READ ONLY; [SET LOCAL statement_timeout = N;] <statement>; ROLLBACK
 * on a session that is already read-only and under statement_timeout (the
 * host's), each through the extended protocol, which refuses more than one
 * statement per call. Only the statement itself is timed. The one exception,
 * gl_qr__run_simple, is for EXPLAIN (GENERIC_PLAN) of a statement with $n in
 * its text: over the extended protocol the server would take those $n as
 * parameters of the EXPLAIN itself. Its statement passed the safety check as
 * exactly one SELECT, so the simple protocol still carries one statement.
 */
#include "qr.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
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
    if (host->size >= offsetof(gl_host, last_error) + sizeof(host->last_error) &&
        host->last_error != NULL)
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

/* gl_qr__run and gl_qr__run_simple: `simple` sends the statement over the simple protocol. */
static int run_in_transaction(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql,
                              int simple, int nparams, const char *const *params, int timeout_ms,
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
    t0 = now_ms();
    rc = simple ? host->query_simple(ctx, side, sql, fn, userdata)
                : host->query(ctx, side, sql, nparams, params, fn, userdata);
    *out_ms = now_ms() - t0;
    /* A row callback's stop (rc > 0) is not a server error: the caller says why. */
    if (rc < 0)
        keep_error(ctx, host, err, errlen);
out:
    /* Rolled back whatever happened; a failed ROLLBACK only matters if all else worked. */
    if (began && host->query(ctx, side, "ROLLBACK", 0, NULL, NULL, NULL) != 0 && rc == 0)
        rc = -1;
    return rc;
}

int gl_qr__run(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql, int nparams,
               const char *const *params, int timeout_ms, gl_row_fn fn, void *userdata,
               double *out_ms, char *err, size_t errlen)
{
    return run_in_transaction(ctx, host, side, sql, 0, nparams, params, timeout_ms, fn, userdata,
                              out_ms, err, errlen);
}

int gl_qr__host_has_simple(const gl_host *host)
{
    return host->size >= offsetof(gl_host, query_simple) + sizeof(host->query_simple) &&
           host->query_simple != NULL;
}

int gl_qr__run_simple(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql,
                      int timeout_ms, gl_row_fn fn, void *userdata, double *out_ms, char *err,
                      size_t errlen)
{
    *out_ms = 0;
    if (!gl_qr__host_has_simple(host)) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "the host has no simple-protocol query (query_simple)");
        return host->set_error(ctx, "query_regression: the host has no query_simple");
    }
    return run_in_transaction(ctx, host, side, sql, 1, 0, NULL, timeout_ms, fn, userdata, out_ms,
                              err, errlen);
}
