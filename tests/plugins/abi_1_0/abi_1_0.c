/* A plugin built against ABI 1.0's plugin.h (tests/plugins/abi_1_0/include):
 * no size in gl_finding, no last_error or query_simple in the host table.
 * A 1.1 host must load it and read its findings in the 1.0 layout. */
#include "greenlight/plugin.h"

static int collect(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out)
{
    *out = host->value_object();
    if (*out == NULL)
        return host->set_error(ctx, "out of memory");
    return host->object_set(*out, "side", host->value_string(side == GL_SIDE_BLUE ? "blue" : "green"));
}

static int compare(gl_ctx *ctx, const gl_host *host, const gl_value *b, const gl_value *g)
{
    gl_finding f = {0};

    f.code = "abi_1_0.finding";
    f.severity = GL_SEVERITY_WARNING;
    f.object = "old.layout";
    f.blue = host->value_copy(host->object_get(b, "side"));
    f.green = host->value_copy(host->object_get(g, "side"));
    f.message = "emitted by a plugin built against ABI 1.0";
    f.details = host->value_object();
    return host->emit(ctx, &f);
}

static const gl_plugin desc = GL_PLUGIN_INIT("abi_1_0", "1.0", "built against ABI 1.0",
                                             collect, compare);

GL_PLUGIN_EXPORT const gl_plugin *greenlight_plugin(void)
{
    return &desc;
}
