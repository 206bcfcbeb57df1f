/* Broken on purpose: needs a newer host (ABI minor above ours). */
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

static const gl_plugin desc = {sizeof(gl_plugin), GL_PLUGIN_ABI_MAJOR, GL_PLUGIN_ABI_MINOR + 7,
                               "newer_minor", "1.0", "declares a newer ABI minor", collect, compare, NULL};

GL_PLUGIN_EXPORT const gl_plugin *greenlight_plugin(void)
{
    return &desc;
}
