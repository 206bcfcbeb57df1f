/* Emits one finding whose severity comes from config "severity" (default
 * critical): lets tests drive the policy through the real host end to end. */
#include <string.h>

#include "greenlight/plugin.h"

static int collect(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out)
{
    *out = host->value_object();
    if (*out == NULL)
        return host->set_error(ctx, "out of memory");
    return host->object_set(*out, "side", host->value_int(side));
}

static int compare(gl_ctx *ctx, const gl_host *host, const gl_value *b, const gl_value *g)
{
    const char *sev = host->value_get_string(host->object_get(host->config(ctx), "severity"));
    gl_finding f = GL_FINDING_INIT;

    f.code = "finding_emitter.test";
    f.severity = GL_SEVERITY_CRITICAL;
    if (sev && strcmp(sev, "info") == 0)
        f.severity = GL_SEVERITY_INFO;
    f.object = "test.object";
    f.blue = host->value_copy(host->object_get(b, "side"));
    f.green = host->value_copy(host->object_get(g, "side"));
    if (f.blue == NULL || f.green == NULL) {
        host->value_free(f.blue);
        host->value_free(f.green);
        return host->set_error(ctx, "out of memory");
    }
    f.message = "a finding emitted for tests";
    return host->emit(ctx, &f);
}

GL_PLUGIN_DEFINE(.name = "finding_emitter", .version = "1.0", .description = "emits one configurable finding",
                 .collect = collect, .compare = compare)
