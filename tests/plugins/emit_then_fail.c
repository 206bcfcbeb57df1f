/* Emits a finding, then fails its compare: the host must drop the finding
 * (a failed plugin's findings are not evidence of anything). */
#include "greenlight/plugin.h"

static int collect(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out)
{
    *out = host->value_object();
    return *out != NULL ? 0 : host->set_error(ctx, "out of memory");
}

static int compare(gl_ctx *ctx, const gl_host *host, const gl_value *b, const gl_value *g)
{
    gl_finding f = {0};

    f.code = "emit_then_fail.partial";
    f.severity = GL_SEVERITY_INFO;
    f.object = "half.done";
    f.message = "emitted before the compare failed";
    if (host->emit(ctx, &f) != 0)
        return -1;
    return host->set_error(ctx, "compare failed after emitting one finding");
}

static const gl_plugin desc = GL_PLUGIN_INIT("emit_then_fail", "1.0",
                                             "emits a finding, then fails", collect, compare);

GL_PLUGIN_EXPORT const gl_plugin *greenlight_plugin(void)
{
    return &desc;
}
