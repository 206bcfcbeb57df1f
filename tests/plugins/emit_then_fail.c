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
    gl_finding f = GL_FINDING_INIT;

    f.code = "emit_then_fail.partial";
    f.severity = GL_SEVERITY_INFO;
    f.object = "half.done";
    f.message = "emitted before the compare failed";
    if (host->emit(ctx, &f) != 0)
        return -1;
    return host->set_error(ctx, "compare failed after emitting one finding");
}

GL_PLUGIN_DEFINE(.name = "emit_then_fail", .version = "1.0", .description = "emits a finding, then fails",
                 .collect = collect, .compare = compare)
