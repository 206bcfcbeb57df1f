/* A well-formed plugin whose collect always fails: the run must hold (exit 70),
 * never authorise a switchover. */
#include "greenlight/plugin.h"

static int collect(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out)
{
    return host->set_error(ctx, "simulated collect failure on side %d", (int)side);
}

static int compare(gl_ctx *ctx, const gl_host *host, const gl_value *b, const gl_value *g)
{
    return 0;
}

GL_PLUGIN_DEFINE(.name = "failing_collect", .version = "1.0", .description = "always fails to collect",
                 .collect = collect, .compare = compare)
