/*
 * host->query_read_only (ABI 1.4) on the real servers (blue 15, green 17 of
 * the clusters fixture; tests/integration/test_live_host.sh passes their
 * conninfos): rows and parameters, a row callback's stop, a failing statement
 * (the server's message, and a session that is idle and usable after), a
 * write refused, the timeout honoured; in process and from an isolated
 * plugin's child, whose queries the parent runs (plugin/isolate.h).
 *
 * One scenario runs in either place and writes what it saw into a value
 * object; the tests assert on that object, the same for both paths.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/host.h"
#include "plugin/isolate.h"
#include "value/value.h"

typedef struct row_log {
    gl_value *rows;    /* array of arrays of strings/nulls */
    int stop_at;       /* return 7 from this row (1-based); 0: never */
} row_log;

static int log_row(void *ud, int ncols, const char *const *names, const char *const *values,
                   const int *is_null)
{
    row_log *log = ud;
    gl_value *row = gl_value_array();

    (void)names;
    for (int c = 0; c < ncols; c++)
        gl_value_array_push(row, is_null[c] ? gl_value_null() : gl_value_string(values[c]));
    gl_value_array_push(log->rows, row);
    return log->stop_at > 0 && gl_value_len(log->rows) == (size_t)log->stop_at ? 7 : 0;
}

/* Runs sql through query_read_only (or, plain, through query_simple) and records
 * {"rc": n, "rows": [...], "error": s, "ms": d} under key in out. */
static void record(gl_ctx *ctx, gl_side side, gl_value *out, const char *key, int plain, const char *sql,
                   int nparams, const char *const *params, int timeout_ms, int stop_at)
{
    const gl_host *host = gl_host_table();
    row_log log = {gl_value_array(), stop_at};
    gl_value *r = gl_value_object();
    double t0 = gl_time_ms();
    int rc;

    /* Plain statements go over the simple protocol: one message, so a
     * transaction it starts has now() = statement_timestamp(). */
    rc = plain ? host->query_simple(ctx, side, sql, log_row, &log)
               : host->query_read_only(ctx, side, sql, nparams, params, timeout_ms, log_row, &log);
    gl_value_object_set(r, "ms", gl_value_number(gl_time_ms() - t0));
    gl_value_object_set(r, "rc", gl_value_int(rc));
    gl_value_object_set(r, "rows", log.rows);
    gl_value_object_set(r, "error", gl_value_string(rc < 0 ? host->last_error(ctx) : ""));
    gl_value_object_set(out, key, r);
}

#define AFTER "SELECT now() = statement_timestamp() AS fresh, current_setting('statement_timeout') AS timeout, " \
              "current_setting('transaction_read_only') AS ro"

static int scenario(gl_ctx *ctx, void *arg, gl_value **out)
{
    gl_side side = *(const gl_side *)arg;
    const char *const two[] = {"2", "3"};
    gl_value *o = gl_value_object();

    record(ctx, side, o, "rows", 0,
           "SELECT $1::int + $2::int AS sum, NULL::text AS nothing, current_setting('transaction_read_only') "
           "AS ro, current_setting('statement_timeout') AS timeout, now() = statement_timestamp() AS fresh",
           2, two, 1234, 0);
    record(ctx, side, o, "after_rows", 1, AFTER, 0, NULL, 0, 0);
    record(ctx, side, o, "stop", 0, "SELECT g FROM generate_series(1, 5) g", 0, NULL, 0, 2);
    record(ctx, side, o, "failing", 0, "SELECT 1 / (2 - $1::int)", 1, (const char *const[]){"2"}, 0, 0);
    record(ctx, side, o, "after_failing", 1, AFTER, 0, NULL, 0, 0);
    record(ctx, side, o, "write", 0, "CREATE TABLE pipe_must_not_exist (i int)", 0, NULL, 0, 0);
    record(ctx, side, o, "timeout", 0, "SELECT pg_sleep(5)", 0, NULL, 300, 0);
    record(ctx, side, o, "after_timeout", 1, AFTER, 0, NULL, 0, 0);
    record(ctx, side, o, "none_left", 1, "SELECT count(*) FROM pg_class WHERE relname = 'pipe_must_not_exist'",
           0, NULL, 0, 0);
    *out = o;
    return 0;
}

static gl_target *open_side(gl_side side)
{
    const char *spec = getenv(side == GL_SIDE_BLUE ? "GL_LIVE_BLUE" : "GL_LIVE_GREEN");
    gl_target_options opts;
    gl_target *t = NULL;
    gl_error err;

    cr_assert_not_null(spec, "run through tests/integration/test_live_host.sh (GL_LIVE_BLUE, GL_LIVE_GREEN)");
    gl_target_options_default(&opts);
    gl_error_clear(&err);
    cr_assert_eq(gl_target_open(&t, side, spec, &opts, &err), 0, "%s", err.message);
    return t;
}

static const gl_value *at(const gl_value *o, const char *key, const char *field)
{
    const gl_value *r = gl_value_object_get(o, key);
    cr_assert_not_null(r, "no %s", key);
    return gl_value_object_get(r, field);
}

static const char *cell(const gl_value *o, const char *key, size_t row, size_t col)
{
    return gl_value_get_string(gl_value_array_at(gl_value_array_at(at(o, key, "rows"), row), col));
}

/* The session after: idle (a new transaction per statement), the session's
 * own statement_timeout back, still read-only. */
static void assert_after(const gl_value *o, const char *key)
{
    cr_assert_eq(gl_value_get_int(at(o, key, "rc")), 0, "%s: %s", key, gl_value_get_string(at(o, key, "error")));
    cr_assert_str_eq(cell(o, key, 0, 0), "t", "%s: still in the transaction", key);
    cr_assert_str_eq(cell(o, key, 0, 1), "30s", "%s", key);
    cr_assert_str_eq(cell(o, key, 0, 2), "on", "%s", key);
}

static void assert_scenario(const gl_value *o, gl_side side, gl_target *t)
{
    char want[256];

    cr_assert_eq(gl_value_get_int(at(o, "rows", "rc")), 0, "%s", gl_value_get_string(at(o, "rows", "error")));
    cr_assert_eq(gl_value_len(at(o, "rows", "rows")), 1);
    cr_assert_str_eq(cell(o, "rows", 0, 0), "5");
    cr_assert_null(cell(o, "rows", 0, 1));
    cr_assert_eq(gl_value_kind_of(gl_value_array_at(gl_value_array_at(at(o, "rows", "rows"), 0), 1)), GL_VALUE_NULL);
    cr_assert_str_eq(cell(o, "rows", 0, 2), "on");
    cr_assert_str_eq(cell(o, "rows", 0, 3), "1234ms");
    /* BEGIN READ ONLY ran before it, in the same transaction. */
    cr_assert_str_eq(cell(o, "rows", 0, 4), "f");
    assert_after(o, "after_rows");

    cr_assert_eq(gl_value_get_int(at(o, "stop", "rc")), 7);
    cr_assert_eq(gl_value_len(at(o, "stop", "rows")), 2);

    snprintf(want, sizeof(want), "query on %s failed: ERROR:  division by zero", gl_side_name(side));
    cr_assert_eq(gl_value_get_int(at(o, "failing", "rc")), -1);
    cr_assert_str_eq(gl_value_get_string(at(o, "failing", "error")), want);
    assert_after(o, "after_failing");

    snprintf(want, sizeof(want), "query on %s failed: ERROR:  cannot execute CREATE TABLE in a read-only transaction",
             gl_side_name(side));
    cr_assert_eq(gl_value_get_int(at(o, "write", "rc")), -1);
    cr_assert_str_eq(gl_value_get_string(at(o, "write", "error")), want);

    snprintf(want, sizeof(want), "query on %s failed: ERROR:  canceling statement due to statement timeout",
             gl_side_name(side));
    cr_assert_eq(gl_value_get_int(at(o, "timeout", "rc")), -1);
    cr_assert_str_eq(gl_value_get_string(at(o, "timeout", "error")), want);
    cr_assert_lt(gl_value_get_number(at(o, "timeout", "ms")), 3000.0);
    assert_after(o, "after_timeout");
    cr_assert_str_eq(cell(o, "none_left", 0, 0), "0");

    /* The connection itself: idle, out of pipeline mode. */
    cr_assert_eq(PQtransactionStatus(t->conn), PQTRANS_IDLE);
    cr_assert_eq(PQpipelineStatus(t->conn), PQ_PIPELINE_OFF);
    cr_assert_str_eq(t->abandoned, "");
}

static void in_process(gl_side side)
{
    gl_target *targets[2] = {NULL, NULL};
    gl_value *config = gl_value_object(), *o = NULL;
    gl_ctx ctx;

    targets[side] = open_side(side);
    gl_ctx_init(&ctx, "live", targets, config, NULL, 0);
    cr_assert_eq(scenario(&ctx, &side, &o), 0);
    assert_scenario(o, side, targets[side]);
    gl_value_free(o);
    gl_ctx_destroy(&ctx);
    gl_target_free(targets[side]);
    gl_value_free(config);
}

static void isolated(gl_side side)
{
    gl_target *targets[2] = {NULL, NULL};
    gl_value *config = gl_value_object(), *o = NULL;
    gl_error why;
    gl_ctx ctx;

    targets[side] = open_side(side);
    gl_ctx_init(&ctx, "live", targets, config, NULL, 0);
    gl_error_clear(&why);
    cr_assert_eq(gl_isolate_run(&ctx, gl_time_ms() + 60000, scenario, &side, &o, &why), 0, "%s", why.message);
    assert_scenario(o, side, targets[side]);
    gl_value_free(o);
    gl_ctx_destroy(&ctx);
    gl_target_free(targets[side]);
    gl_value_free(config);
}

Test(query_read_only, in_process_on_blue_15) { in_process(GL_SIDE_BLUE); }
Test(query_read_only, in_process_on_green_17) { in_process(GL_SIDE_GREEN); }
Test(query_read_only, isolated_on_blue_15) { isolated(GL_SIDE_BLUE); }
Test(query_read_only, isolated_on_green_17) { isolated(GL_SIDE_GREEN); }

/* An abandoned side is refused at once with its reason, in process and
 * isolated; compare may not query. */
static int one_query(gl_ctx *ctx, void *arg, gl_value **out)
{
    (void)arg;
    if (gl_host_table()->query_read_only(ctx, GL_SIDE_BLUE, "SELECT 1", 0, NULL, 0, NULL, NULL) == 0)
        *out = gl_value_string("ran");
    else
        *out = gl_value_string(gl_host_table()->last_error(ctx));
    return 0;
}

Test(query_read_only, refuses_an_abandoned_side_and_compare)
{
    gl_target *targets[2] = {open_side(GL_SIDE_BLUE), NULL};
    gl_value *config = gl_value_object(), *o = NULL;
    const gl_host *host = gl_host_table();
    gl_error why;
    gl_ctx ctx;

    cr_assert(GL_HOST_HAS(host, query_read_only));
    gl_ctx_init(&ctx, "live", targets, config, NULL, 0);
    cr_assert_eq(one_query(&ctx, NULL, &o), 0);
    cr_assert_str_eq(gl_value_get_string(o), "ran");
    gl_value_free(o);
    gl_target_abandon(targets[0]);
    cr_assert_eq(one_query(&ctx, NULL, &o), 0);
    cr_assert_str_eq(gl_value_get_string(o), targets[0]->abandoned);
    gl_value_free(o);
    gl_error_clear(&why);
    cr_assert_eq(gl_isolate_run(&ctx, gl_time_ms() + 60000, one_query, NULL, &o, &why), 0, "%s", why.message);
    cr_assert_str_eq(gl_value_get_string(o), targets[0]->abandoned);
    gl_value_free(o);
    targets[0]->abandoned[0] = '\0';
    ctx.in_compare = 1;
    cr_assert_eq(host->query_read_only(&ctx, GL_SIDE_BLUE, "SELECT 1", 0, NULL, 0, NULL, NULL), -1);
    cr_assert_not_null(strstr(host->last_error(&ctx), "compare must not query"), "%s", host->last_error(&ctx));
    gl_ctx_destroy(&ctx);
    gl_target_free(targets[0]);
    gl_value_free(config);
}
