/* Broken on purpose: built against a future ABI major. The loader must refuse it. */
#include "greenlight/plugin.h"

static int collect(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out)
{
    *out = host->value_object();
    return 0;
}

static int compare(gl_ctx *ctx, const gl_host *host, const gl_value *b, const gl_value *g)
{
    return 0;
}

static const gl_plugin desc = {sizeof(gl_plugin), 99, 0, "wrong_abi", "1.0",
                               "declares ABI 99.0", collect, compare, NULL};

GL_PLUGIN_EXPORT const gl_plugin *greenlight_plugin(void)
{
    return &desc;
}
