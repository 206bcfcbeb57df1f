/* One plugin call in a child process (engine/src/plugin/isolate.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/host.h"
#include "plugin/isolate.h"
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
