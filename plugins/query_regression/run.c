/*
 * Execution and timing. Every workload statement runs as
 *   BEGIN READ ONLY; [SET LOCAL statement_timeout = N;] <statement>; ROLLBACK
 * on a session that is already read-only and under statement_timeout (the
 * host's), each through the extended protocol, which refuses more than one
 * statement per call. Only the statement itself is timed.
 */
#include "qr.h"

#include <stdio.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int gl_qr__run(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql, int nparams,
               const char *const *params, int timeout_ms, gl_row_fn fn, void *userdata,
               double *out_ms)
{
    char set_timeout[64];
    double t0;
    int rc = -1, began = 0;

    *out_ms = 0;
    if (host->query(ctx, side, "BEGIN READ ONLY", 0, NULL, NULL, NULL) != 0)
        goto out;
    began = 1;
    if (timeout_ms > 0) {
        snprintf(set_timeout, sizeof(set_timeout), "SET LOCAL statement_timeout = %d", timeout_ms);
        if (host->query(ctx, side, set_timeout, 0, NULL, NULL, NULL) != 0)
            goto out;
    }
    t0 = now_ms();
    rc = host->query(ctx, side, sql, nparams, params, fn, userdata);
    *out_ms = now_ms() - t0;
out:
    /* Rolled back whatever happened; a failed ROLLBACK only matters if all else worked. */
    if (began && host->query(ctx, side, "ROLLBACK", 0, NULL, NULL, NULL) != 0 && rc == 0)
        rc = -1;
    return rc;
}
