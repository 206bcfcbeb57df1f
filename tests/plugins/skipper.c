/* Has nothing to measure: compare calls host->skip (ABI 1.2). With config
 * {"emit": true} it also emits a finding, which the host refuses (a skipped
 * check measured nothing). */
#include "greenlight/plugin.h"

static int collect(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out)
{
    (void)side;
    *out = host->value_object();
    return *out == NULL ? host->set_error(ctx, "out of memory") : 0;
}

static int compare(gl_ctx *ctx, const gl_host *host, const gl_value *b, const gl_value *g)
{
    (void)b;
    (void)g;
    if (host->value_get_bool(host->object_get(host->config(ctx), "emit"))) {
        gl_finding f = GL_FINDING_INIT;
        f.code = "skipper.test";
        f.severity = GL_SEVERITY_INFO;
        f.object = "x";
        f.message = "emitted by a check that skipped";
        if (host->emit(ctx, &f) != 0)
            return -1;
    }
    return host->skip(ctx, "nothing configured for skipper: give it %s", "something to do");
}

GL_PLUGIN_DEFINE(.name = "skipper", .version = "1.0", .description = "skips: nothing to measure",
                 .collect = collect, .compare = compare)
