/*
 * invoke.c — calling into plugins: one gl_ctx per call, errors copied out,
 * selection and configuration of plugins for a run.
 */
#include "plugin/invoke.h"

#include <stdio.h>
#include <string.h>

#include "plugin/host.h"
#include "value/value.h"

const gl_value *gl_plugin_config(const gl_value *config, const char *name)
{
    static gl_value *empty;
    const gl_value *c = gl_value_object_get(gl_value_object_get(config, "plugins"), name);

    if (c != NULL)
        return c;
    if (empty == NULL)
        empty = gl_value_object(); /* process-lifetime empty object */
    return empty;
}

int gl_plugin_wanted(const char *only, const char *name)
{
    size_t n = strlen(name);
    const char *p = only;

    if (only == NULL || only[0] == '\0')
        return 1;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

int gl_plugins_select(gl_plugin_set *set, const char *only, gl_error *err)
{
    /* Refused plugins are a configuration error: a check that silently did
     * not run is how a gate fails open. */
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].state == GL_PLUGIN_REFUSED)
            return gl_error_set(err, GL_EXIT_USAGE, "plugin refused: %s (remove it from the plugin path or rebuild it)",
                                set->items[i].refusal);
    for (const char *p = only; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int found = 0;
        for (size_t i = 0; i < set->count; i++)
            if (set->items[i].state == GL_PLUGIN_LOADED && strlen(set->items[i].desc->name) == len &&
                strncmp(set->items[i].desc->name, p, len) == 0)
                found = 1;
        if (!found)
            return gl_error_set(err, GL_EXIT_USAGE, "--plugins: no plugin named \"%.*s\" (see `greenlight plugins`)",
                                (int)len, p);
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static void ctx_init(gl_ctx *ctx, const gl_plugin *desc, gl_target *targets[2],
                     const gl_value *config, int verbose)
{
    gl_ctx_init(ctx, desc->name, targets, gl_plugin_config(config, desc->name), NULL, verbose);
    ctx->abi_minor = desc->abi_minor;
}

/* Ends a plugin call: on failure copies the plugin's message (or fallback)
 * into errbuf. Returns 0 or -1 and destroys the ctx either way. */
static int ctx_finish(gl_ctx *ctx, int failed, const char *fallback, char *errbuf, size_t errlen)
{
    if (failed)
        snprintf(errbuf, errlen, "%s", ctx->error[0] ? ctx->error : fallback);
    gl_ctx_destroy(ctx);
    return failed ? -1 : 0;
}

int gl_plugin_collect(const gl_plugin *desc, gl_target *targets[2], gl_side side,
                      const gl_value *config, int verbose, gl_value **out_facts,
                      char *errbuf, size_t errlen)
{
    gl_ctx ctx;
    int failed;

    ctx_init(&ctx, desc, targets, config, verbose);
    *out_facts = NULL;
    failed = desc->collect(&ctx, gl_host_table(), side, out_facts) != 0 || *out_facts == NULL;
    if (failed) {
        gl_value_free(*out_facts);
        *out_facts = NULL;
    }
    return ctx_finish(&ctx, failed, "collect failed without a message (or returned no facts)",
                      errbuf, errlen);
}

int gl_plugin_collect_pair(const gl_plugin *desc, gl_target *targets[2], const gl_value *config,
                        int verbose, gl_value *out[2], char *errbuf, size_t errlen)
{
    gl_ctx ctx;
    int failed;

    ctx_init(&ctx, desc, targets, config, verbose);
    failed = !GL_PLUGIN_HAS(desc, collect_pair) ||
             desc->collect_pair(&ctx, gl_host_table(), &out[0], &out[1]) != 0 || !out[0] || !out[1];
    if (failed) {
        gl_value_free(out[0]);
        gl_value_free(out[1]);
        out[0] = out[1] = NULL;
    }
    return ctx_finish(&ctx, failed, "collect_pair failed without a message (or returned no facts)",
                      errbuf, errlen);
}

int gl_plugin_compare(const gl_plugin *desc, gl_target *targets[2], const gl_value *config,
                       int verbose, const gl_value *blue, const gl_value *green,
                       gl_value *findings, char *errbuf, size_t errlen)
{
    gl_ctx ctx;
    int failed;

    ctx_init(&ctx, desc, targets, config, verbose);
    ctx.findings = findings;
    ctx.in_compare = 1;
    failed = desc->compare(&ctx, gl_host_table(), blue, green) != 0;
    return ctx_finish(&ctx, failed, "compare failed without a message", errbuf, errlen);
}
