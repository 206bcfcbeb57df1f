/*
 * schema — compares blue's and green's catalogs (every user object kind) and
 * says whether blue can be replicated to green logically.
 *
 * collect: catalog.c, a fixed number of catalog queries per side (one per
 *          object kind), whatever the number of objects.
 * compare: diff.c (schema.<kind>.*) then replication.c (schema.replication.*).
 * Codes and severities: share/doc/checks/schema.md.
 */
#include "schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define SCHEMA_VERSION "1.0.0"

int schema_emit(gl_ctx *ctx, const gl_host *host, const char *code, gl_severity severity,
                const char *object, gl_value *blue, gl_value *green, gl_value *details,
                const char *fmt, ...)
{
    char message[512];
    va_list ap;
    gl_finding f;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    f.code = code;
    f.severity = severity;
    f.object = object;
    f.blue = blue;
    f.green = green;
    f.message = message;
    f.details = details;
    /* The host owns blue/green/details from here, on failure too. */
    return host->emit(ctx, &f);
}

static int schema_collect(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out_facts)
{
    schema_filter filter;
    int rc;

    *out_facts = NULL;
    if (schema_filter_load(ctx, host, &filter) != 0)
        return -1;
    rc = schema_catalog_collect(ctx, host, side, &filter, out_facts);
    schema_filter_free(&filter);
    return rc;
}

static int check_facts(gl_ctx *ctx, const gl_host *host, const gl_value *facts, const char *side)
{
    int64_t format = host->value_get_int(host->object_get(facts, "format"));

    if (host->value_kind(facts) != GL_VALUE_OBJECT || format != SCHEMA_FACTS_FORMAT)
        return host->set_error(ctx, "schema: %s facts are not schema facts of format %d (got %lld): "
                                    "take the snapshot again with this version",
                               side, SCHEMA_FACTS_FORMAT, (long long)format);
    return 0;
}

static int schema_compare(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
                          const gl_value *green)
{
    schema_filter filter;
    int rc = -1;

    if (check_facts(ctx, host, blue, "blue") != 0 || check_facts(ctx, host, green, "green") != 0)
        return -1;
    if (schema_filter_load(ctx, host, &filter) != 0)
        return -1;
    if (schema_diff(ctx, host, &filter, blue, green) != 0)
        goto out;
    if (schema_replication_check(ctx, host, &filter, blue, green) != 0)
        goto out;
    rc = 0;
out:
    schema_filter_free(&filter);
    return rc;
}

static const gl_plugin descriptor =
    GL_PLUGIN_INIT("schema", SCHEMA_VERSION,
                   "catalog diff of blue and green (every user object kind) and logical "
                   "replication readiness",
                   schema_collect, schema_compare);

GL_PLUGIN_EXPORT const gl_plugin *greenlight_plugin(void)
{
    return &descriptor;
}
