/*
 * host_pipeline.c — host->query_read_only's one-round-trip transaction
 * (plugin/host_pipeline.h).
 */
#include "plugin/host_pipeline.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

static int is_failure(const PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);

    return r != NULL && s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK;
}

/* Both Syncs on the wire with one flush where libpq can (17+ has
 * PQsendPipelineSync); libpq 15 flushes at each PQpipelineSync, which still
 * waits for nothing: one round trip either way. */
static int queue_sync(PGconn *conn)
{
#ifdef LIBPQ_HAS_SEND_PIPELINE_SYNC
    return PQsendPipelineSync(conn);
#else
    return PQpipelineSync(conn);
#endif
}

int gl_pipeline__send(PGconn *conn, gl_pipeline *p, const char *sql, int nparams,
                      const char *const *params, int timeout_ms)
{
    char set_timeout[64];

    memset(p, 0, sizeof(*p));
    if (!PQenterPipelineMode(conn))
        return -1;
    if (!PQsendQueryParams(conn, "BEGIN READ ONLY", 0, NULL, NULL, NULL, NULL, 0))
        return -1;
    if (timeout_ms > 0) {
        snprintf(set_timeout, sizeof(set_timeout), "SET LOCAL statement_timeout = %d", timeout_ms);
        if (!PQsendQueryParams(conn, set_timeout, 0, NULL, NULL, NULL, NULL, 0))
            return -1;
    }
    if (!PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL, 0) || !queue_sync(conn) ||
        !PQsendQueryParams(conn, "ROLLBACK", 0, NULL, NULL, NULL, NULL, 0) || !queue_sync(conn))
        return -1;
    return PQflush(conn) < 0 ? -1 : 0;
}

/* The pipeline is over: leave pipeline mode. Given up (broken) or unable to
 * leave, the answer is the first error, else the connection's. */
static void finish(gl_pipeline *p, PGconn *conn, int broken)
{
    p->done = 1;
    if (PQpipelineStatus(conn) != PQ_PIPELINE_OFF && !PQexitPipelineMode(conn))
        broken = 1;
    if (broken && !is_failure(p->kept)) {
        PQclear(p->kept);
        p->kept = NULL;
    }
}

int gl_pipeline__read(gl_pipeline *p, PGconn *conn)
{
    while (!p->done && !PQisBusy(conn)) {
        PGresult *r = PQgetResult(conn);

        if (r == NULL) {
            /* One NULL ends each statement's results; a second in a row
             * means libpq has nothing more (the connection failed). */
            if (++p->nulls >= 2)
                finish(p, conn, p->syncs < 2);
            continue;
        }
        p->nulls = 0;
        switch (PQresultStatus(r)) {
        case PGRES_PIPELINE_SYNC:
            PQclear(r);
            if (++p->syncs == 2)
                finish(p, conn, 0);
            break;
        case PGRES_PIPELINE_ABORTED:   /* skipped after an error: the error says it */
            PQclear(r);
            break;
        case PGRES_TUPLES_OK:
        case PGRES_COMMAND_OK:
            /* Before the first Sync the last success is the statement's
             * (BEGIN and SET come first); ROLLBACK's is not an answer. */
            if (p->syncs == 0 && !is_failure(p->kept)) {
                PQclear(p->kept);
                p->kept = r;
            } else {
                PQclear(r);
            }
            break;
        default:
            /* The first error is the answer, a failed ROLLBACK's too. */
            if (!is_failure(p->kept)) {
                PQclear(p->kept);
                p->kept = r;
            } else {
                PQclear(r);
            }
            break;
        }
    }
    return p->done;
}

void gl_pipeline__clear(gl_pipeline *p)
{
    PQclear(p->kept);
    p->kept = NULL;
}

double gl_pipeline__bound_ms(const gl_target *t, int timeout_ms)
{
    double bound = gl_target_query_bound_ms(t);

    if (timeout_ms > 0 && (unsigned)timeout_ms > t->statement_timeout_ms)
        bound += (double)((unsigned)timeout_ms - t->statement_timeout_ms);
    return bound;
}

PGresult *gl_pipeline__exec(gl_target *t, const char *sql, int nparams, const char *const *params,
                            int timeout_ms)
{
    double deadline = gl_time_ms() + gl_pipeline__bound_ms(t, timeout_ms);
    gl_pipeline p;

    if (gl_pipeline__send(t->conn, &p, sql, nparams, params, timeout_ms) != 0)
        return NULL;
    while (!gl_pipeline__read(&p, t->conn)) {
        struct pollfd pfd = {.fd = PQsocket(t->conn), .events = POLLIN};
        double left = deadline - gl_time_ms();
        if (left <= 0) {
            /* No PQcancel (libpq 15's waits without a bound): the side is
             * given up, as gl_target_exec does. */
            gl_target_abandon(t);
            gl_pipeline__clear(&p);
            return NULL;
        }
        if (poll(&pfd, 1, (int)left + 1) < 0 && errno != EINTR)
            break;
        PQconsumeInput(t->conn);   /* a failure shows as the results read next */
    }
    if (!p.done) {
        gl_pipeline__clear(&p);
        return NULL;
    }
    return p.kept;
}
