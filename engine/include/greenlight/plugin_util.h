/*
 * greenlight plugin helpers — header-only, built on plugin.h alone, so a
 * plugin still links nothing of the engine. Shared by the shipped plugins
 * instead of each keeping its own copy.
 */
#ifndef GREENLIGHT_PLUGIN_UTIL_H
#define GREENLIGHT_PLUGIN_UTIL_H

#include "greenlight/plugin.h"

/*
 * Emits one finding (see gl_finding). blue, green and details (each may be
 * NULL) become the host's whether this succeeds or not. Returns 0, or -1
 * with the plugin's error set by the host.
 */
static inline int gl_plugin_emit(gl_ctx *ctx, const gl_host *host, const char *code,
                                 gl_severity severity, const char *object, gl_value *blue,
                                 gl_value *green, gl_value *details, const char *message)
{
    gl_finding f = GL_FINDING_INIT;

    f.code = code;
    f.severity = severity;
    f.object = object;
    f.blue = blue;
    f.green = green;
    f.message = message;
    f.details = details;
    return host->emit(ctx, &f);
}

/* The host's last error for this ctx, "" when none or the host predates
 * last_error (ABI 1.1). */
static inline const char *gl_plugin_last_error(gl_ctx *ctx, const gl_host *host)
{
    return GL_HOST_HAS(host, last_error) ? host->last_error(ctx) : "";
}

/* Frees up to three values the plugin still owns and sets "<plugin>: out of
 * memory"; returns -1 so `return gl_plugin_nomem(...)` works. */
static inline int gl_plugin_nomem(gl_ctx *ctx, const gl_host *host, const char *plugin,
                                  gl_value *a, gl_value *b, gl_value *c)
{
    host->value_free(a);
    host->value_free(b);
    host->value_free(c);
    return host->set_error(ctx, "%s: out of memory", plugin);
}

#endif
