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

static const gl_plugin desc = GL_PLUGIN_INIT("failing_collect", "1.0",
                                             "always fails to collect", collect, compare);

GL_PLUGIN_EXPORT const gl_plugin *greenlight_plugin(void)
{
    return &desc;
}
