/* One plugin call in a child process (engine/src/plugin/isolate.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/host.h"
#include "plugin/isolate.h"
#include "plugin/isolate_frame.h"
#include "value/value.h"

#define BIG_RESULT (4u << 20)

static int big_result(gl_ctx *ctx, void *arg, gl_value **out)
{
    char *s = malloc(BIG_RESULT + 1);

    (void)ctx;
    (void)arg;
    if (s == NULL)
        return -1;
    memset(s, 'x', BIG_RESULT);
    s[BIG_RESULT] = '\0';
    *out = gl_value_string(s);
    free(s);
    return *out != NULL ? 0 : -1;
}

/* The result comes on blue's channel in many reads; the child exits (and
 * green's channel closes) while most of it is still unread. The parent reads
 * it to the end: a plugin that returned is never "exited without returning a
 * result". Repeated, as the order of the two is up to the scheduler. */
Test(isolate, a_large_result_is_read_whole_after_the_child_exits)
{
    gl_target *targets[2] = {NULL, NULL};

    for (int i = 0; i < 20; i++) {
        gl_ctx ctx;
        gl_value *result = NULL;
        gl_error why;
        int rc;

        gl_error_clear(&why);
        gl_ctx_init(&ctx, "big", targets, NULL, NULL, 0);
        rc = gl_isolate_run(&ctx, gl_time_ms() + 60000, big_result, NULL, &result, &why);
        cr_assert_eq(rc, 0, "run %d: %s", i, why.message);
        cr_assert_eq(strlen(gl_value_get_string(result)), BIG_RESULT);
        gl_value_free(result);
        gl_ctx_destroy(&ctx);
    }
}

/* A query request whose read_only part (host->query_read_only, ABI 1.4) is
 * not what the child's host writes: the parent refuses it, it runs nothing. */
static int send_raw_request(gl_ctx *ctx, void *arg, gl_value **out)
{
    gl_value *msg = NULL;
    size_t len = 0;
    char *frame, reply[4];

    (void)out;
    if (gl_json_parse(arg, strlen(arg), &msg, NULL) != 0)
        return -1;
    frame = gl_isolate__frame_of(msg, &len);
    gl_value_free(msg);
    if (frame == NULL || gl_isolate__write_all(ctx->remote_fd[GL_SIDE_BLUE], frame, len) != 0) {
        free(frame);
        return -1;
    }
    free(frame);
    gl_isolate__read_all(ctx->remote_fd[GL_SIDE_BLUE], reply, sizeof(reply));
    return -1;
}

Test(isolate, a_malformed_read_only_request_is_refused)
{
    static const char *const requests[] = {
        "{\"query\": {\"sql\": \"SELECT 1\", \"simple\": false, \"params\": [], \"read_only\": \"yes\"}}",
        "{\"query\": {\"sql\": \"SELECT 1\", \"simple\": true, \"params\": [], \"read_only\": true}}",
        "{\"query\": {\"sql\": \"SELECT 1\", \"simple\": false, \"params\": [], \"read_only\": true, \"timeout_ms\": -1}}",
        "{\"query\": {\"sql\": \"SELECT 1\", \"simple\": false, \"params\": [], \"read_only\": true, \"timeout_ms\": 1.5}}",
    };
    gl_target *targets[2] = {NULL, NULL};

    for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
        gl_value *result = NULL;
        gl_error why;
        gl_ctx ctx;

        gl_error_clear(&why);
        gl_ctx_init(&ctx, "raw", targets, NULL, NULL, 0);
        cr_assert_eq(gl_isolate_run(&ctx, gl_time_ms() + 30000, send_raw_request, (void *)requests[i], &result, &why), -1);
        cr_assert_not_null(strstr(why.message, "sent a malformed query request"), "%zu: %s", i, why.message);
        gl_ctx_destroy(&ctx);
    }
}
