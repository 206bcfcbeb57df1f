/* The host table plugins call (engine/src/plugin/host.c): emit owns the
 * values a finding hands over, on every path, out of memory included. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/host.h"
#include "value/value.h"

static long alloc_count, alloc_fail_at, alloc_live;

static void *counting_malloc(size_t n)
{
    void *p;

    if (++alloc_count == alloc_fail_at)
        return NULL;
    p = malloc(n);
    alloc_live += p != NULL;
    return p;
}

static void *counting_realloc(void *old, size_t n)
{
    void *p;

    if (++alloc_count == alloc_fail_at)
        return NULL;
    p = realloc(old, n);
    alloc_live += p != NULL && old == NULL;
    return p;
}

static void counting_free(void *p)
{
    alloc_live -= p != NULL;
    free(p);
}

static const gl_value_allocator counting = {counting_malloc, counting_realloc, counting_free};

/* Emits one finding with blue, green and details while the Nth allocation
 * fails, for every N: each run either emits the whole finding or fails with
 * "out of memory emitting a finding", and leaves no value behind. */
Test(host, emit_frees_what_it_was_handed_when_out_of_memory)
{
    const gl_host *host = gl_host_table();
    gl_target *targets[2] = {NULL, NULL};
    long n;

    gl_value_set_allocator(&counting);
    for (n = 1;; n++) {
        gl_value *findings, *config;
        gl_ctx ctx;
        gl_finding f = GL_FINDING_INIT;
        int rc;

        alloc_count = 0;
        alloc_fail_at = 0;
        alloc_live = 0;
        findings = gl_value_array();
        config = gl_value_object();
        f.code = "test.code";
        f.severity = GL_SEVERITY_WARNING;
        f.object = "public.t";
        f.message = "a test finding";
        f.blue = gl_value_string("blue value");
        f.green = gl_value_string("green value");
        f.details = gl_value_object();
        cr_assert_eq(gl_value_object_set(f.details, "k", gl_value_int(1)), 0);
        gl_ctx_init(&ctx, "test", targets, config, findings, 0);
        alloc_count = 0;
        alloc_fail_at = n;
        rc = host->emit(&ctx, &f);
        alloc_fail_at = 0;
        if (rc == 0) {
            cr_assert_eq(gl_value_len(findings), 1);
        } else {
            cr_assert_str_eq(host->last_error(&ctx), "out of memory emitting a finding");
            cr_assert_eq(gl_value_len(findings), 0);
        }
        gl_ctx_destroy(&ctx);
        gl_value_free(findings);
        gl_value_free(config);
        cr_assert_eq(alloc_live, 0, "allocation %ld failed: %ld blocks leaked", n, alloc_live);
        if (rc == 0 && alloc_count < n)
            break;
    }
    gl_value_set_allocator(NULL);
    cr_assert_gt(n, 10);
}

Test(host, emit_of_an_invalid_finding_frees_its_values)
{
    const gl_host *host = gl_host_table();
    gl_target *targets[2] = {NULL, NULL};
    gl_value *findings, *config;
    gl_ctx ctx;
    gl_finding f = GL_FINDING_INIT;

    gl_value_set_allocator(&counting);
    alloc_live = 0;
    findings = gl_value_array();
    config = gl_value_object();
    f.code = "Bad Code";
    f.message = "m";
    f.blue = gl_value_int(1);
    f.details = gl_value_object();
    gl_ctx_init(&ctx, "test", targets, config, findings, 0);
    cr_assert_eq(host->emit(&ctx, &f), -1);
    cr_assert_str_eq(host->last_error(&ctx), "emit: invalid finding (code \"Bad Code\" must be "
                     "[a-z0-9_.]+, severity 0-3, message required)");
    gl_ctx_destroy(&ctx);
    gl_value_free(findings);
    gl_value_free(config);
    gl_value_set_allocator(NULL);
    cr_assert_eq(alloc_live, 0);
}

/* Findings belong to compare: a ctx without a findings array (collect's)
 * refuses emit and frees the values. */
Test(host, emit_outside_compare_is_refused)
{
    const gl_host *host = gl_host_table();
    gl_target *targets[2] = {NULL, NULL};
    gl_value *config;
    gl_ctx ctx;
    gl_finding f = GL_FINDING_INIT;

    gl_value_set_allocator(&counting);
    alloc_live = 0;
    config = gl_value_object();
    f.code = "test.early";
    f.message = "m";
    f.blue = gl_value_int(1);
    gl_ctx_init(&ctx, "test", targets, config, NULL, 0);
    cr_assert_eq(host->emit(&ctx, &f), -1);
    cr_assert_str_eq(host->last_error(&ctx), "emit outside compare: findings are emitted in "
                     "compare only");
    gl_ctx_destroy(&ctx);
    gl_value_free(config);
    gl_value_set_allocator(NULL);
    cr_assert_eq(alloc_live, 0);
}

/* GL_HOST_HAS follows the table's size: a host built before a member was
 * added does not have it. */
Test(host, host_has_follows_the_table_size)
{
    gl_host older = *gl_host_table();

    cr_assert(GL_HOST_HAS(gl_host_table(), query_simple));
    cr_assert(GL_HOST_HAS(gl_host_table(), last_error));
    older.size = offsetof(gl_host, last_error);   /* an ABI 1.0 host */
    cr_assert(GL_HOST_HAS(&older, progress));
    cr_assert_not(GL_HOST_HAS(&older, last_error));
    cr_assert_not(GL_HOST_HAS(&older, query_simple));
}

/* reconnect (ABI 1.3) is in the table, and refuses what it cannot reopen
 * with the reason: from compare, and on a side with no live connection. */
Test(host, reconnect_refuses_compare_and_snapshot_sides)
{
    const gl_host *host = gl_host_table();
    gl_target snapshot_side;
    gl_target *targets[2] = {NULL, &snapshot_side};
    gl_value *config = gl_value_object();
    gl_ctx ctx;

    memset(&snapshot_side, 0, sizeof(snapshot_side));
    snapshot_side.side = GL_SIDE_GREEN;
    cr_assert(GL_HOST_HAS(host, reconnect));
    gl_ctx_init(&ctx, "t", targets, config, NULL, 0);
    cr_assert_eq(host->reconnect(&ctx, GL_SIDE_GREEN), -1);
    cr_assert_str_eq(host->last_error(&ctx), "the green side has no live connection (it is a snapshot)");
    cr_assert_eq(host->reconnect(&ctx, GL_SIDE_BLUE), -1);
    cr_assert_str_eq(host->last_error(&ctx), "the blue side has no live connection (it is a snapshot)");
    ctx.in_compare = 1;
    cr_assert_eq(host->reconnect(&ctx, GL_SIDE_GREEN), -1);
    cr_assert_not_null(strstr(host->last_error(&ctx), "compare must not query"), "%s", host->last_error(&ctx));
    gl_ctx_destroy(&ctx);
    gl_value_free(config);
}

/* query_read_only (ABI 1.4) is in the table, and refuses what query refuses:
 * compare, a side with no live connection (tests/live/ run it on servers). */
Test(host, query_read_only_refuses_compare_and_snapshot_sides)
{
    const gl_host *host = gl_host_table();
    gl_host older = *host;
    gl_target *targets[2] = {NULL, NULL};
    gl_value *config = gl_value_object();
    gl_ctx ctx;

    cr_assert(GL_HOST_HAS(host, query_read_only));
    older.size = offsetof(gl_host, query_read_only);   /* an ABI 1.3 host */
    cr_assert(GL_HOST_HAS(&older, reconnect));
    cr_assert_not(GL_HOST_HAS(&older, query_read_only));
    gl_ctx_init(&ctx, "t", targets, config, NULL, 0);
    cr_assert_eq(host->query_read_only(&ctx, GL_SIDE_GREEN, "SELECT 1", 0, NULL, 100, NULL, NULL), -1);
    cr_assert_str_eq(host->last_error(&ctx), "the green side has no live connection (it is a snapshot)");
    ctx.in_compare = 1;
    cr_assert_eq(host->query_read_only(&ctx, GL_SIDE_BLUE, "SELECT 1", 0, NULL, 100, NULL, NULL), -1);
    cr_assert_not_null(strstr(host->last_error(&ctx), "compare must not query"), "%s", host->last_error(&ctx));
    gl_ctx_destroy(&ctx);
    gl_value_free(config);
}
