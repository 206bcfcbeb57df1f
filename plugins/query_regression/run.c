/*
 * Execution and timing. Every workload statement runs as
 *   BEGIN READ ONLY; [SET LOCAL statement_timeout = N;] <statement>; ROLLBACK
 * on a session that is already read-only and under statement_timeout (the
 * host's), each through the extended protocol, which refuses more than one
 * statement per call. Only the statement itself is timed.
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

int gl_qr__run(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql, int nparams,
               const char *const *params, int timeout_ms, gl_row_fn fn, void *userdata,
               double *out_ms, char *err, size_t errlen)
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
    rc = host->query(ctx, side, sql, nparams, params, fn, userdata);
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
