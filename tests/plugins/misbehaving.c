/* Breaks one rule of plugin.h, chosen by config "mode": "query" (queries in
 * compare), "no_size" (a finding without GL_FINDING_INIT). The host must
 * refuse each with a clear message. */
#include <string.h>

#include "greenlight/plugin.h"

static const char *mode(gl_ctx *ctx, const gl_host *host)
{
    const char *m = host->value_get_string(host->object_get(host->config(ctx), "mode"));
    return m ? m : "";
}

static int collect(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out)
{
    *out = host->value_object();
    return *out != NULL ? 0 : host->set_error(ctx, "out of memory");
}

static int compare(gl_ctx *ctx, const gl_host *host, const gl_value *b, const gl_value *g)
{
    if (strcmp(mode(ctx, host), "query") == 0)
        return host->query(ctx, GL_SIDE_BLUE, "SELECT 1", 0, NULL, NULL, NULL);
    if (strcmp(mode(ctx, host), "no_size") == 0) {
        gl_finding f = {0};
        f.code = "misbehaving.no_size";
        f.message = "no size";
        f.blue = host->value_int(1);
        return host->emit(ctx, &f);
    }
    return 0;
}

GL_PLUGIN_DEFINE(.name = "misbehaving", .version = "1.0", .description = "breaks plugin.h rules",
                 .collect = collect, .compare = compare)
