/*
 * engine_version — what changing the engine means, for a DBA about to run an
 * N -> M upgrade: the server version step (major, minor, downgrade),
 * extensions blue uses (missing on green, other versions, update paths,
 * ones that need a human at switchover), parameters an operator set on blue
 * that green's PostgreSQL no longer knows and built-in defaults that changed,
 * plus what upgrade.c (pg_upgrade's refusals) and storage.c (build settings,
 * collations, statistics) find. Every finding's details.fix says what to do.
 *
 * collect (collect.c) gathers the facts; this file compares them.
 * Codes and severities: share/doc/checks/engine_version.md.
 */
#include <greenlight/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define ENGINE_VERSION_VERSION "1.1.0"

/* The data file is read whole; it is a few kilobytes. */
#define DATA_FILE_MAX (1024 * 1024)

/* "15.10" from "15.10 (Debian 15.10-1.pgdg120+1)"; from the number when absent. */
static void short_version(const gl_host *host, const gl_value *facts, const engine_version_version *v,
                          char *buf, size_t buflen)
{
    const char *s = host->value_get_string(host->object_get(facts, "server_version"));

    if (s != NULL && s[0] != '\0') {
        size_t len = strcspn(s, " \t");

        snprintf(buf, buflen, "%.*s", (int)(len < 64 ? len : 64), s);
        return;
    }
    engine_version_version_string(v, buf, buflen);
}

static int compare_server(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
                          const gl_value *green)
{
    engine_version_version vb, vg;
    gl_value *details = NULL, *hb = NULL, *hg = NULL;
    char sb[80], sg[80], mb[16], mg[16], message[512];
    const char *code, *fix;
    gl_severity sev;
    engine_version_change change;

    if (engine_version_read_version(ctx, host, blue, "blue", &vb) != 0 ||
        engine_version_read_version(ctx, host, green, "green", &vg) != 0)
        return -1;
    change = engine_version_version_change(&vb, &vg);
    if (change == ENGINE_VERSION_SAME)
        return 0;
    short_version(host, blue, &vb, sb, sizeof(sb));
    short_version(host, green, &vg, sg, sizeof(sg));
    engine_version_version_major_string(&vb, mb, sizeof(mb));
    engine_version_version_major_string(&vg, mg, sizeof(mg));
    switch (change) {
    case ENGINE_VERSION_DOWNGRADE:
        code = "engine_version.downgrade";
        sev = GL_SEVERITY_CRITICAL;
        snprintf(message, sizeof(message),
                 "Green runs PostgreSQL %s, older than blue's %s: a downgrade is not supported "
                 "and may lose features or fixes the data relies on.", sg, sb);
        fix = "Do not switch: point green at a server running blue's PostgreSQL version or "
              "newer (roll back to blue if green already serves).";
        break;
    case ENGINE_VERSION_MAJOR_UPGRADE:
        code = "engine_version.major_upgrade";
        sev = GL_SEVERITY_WARNING;
        snprintf(message, sizeof(message),
                 "Major upgrade from PostgreSQL %s to %s: review the release notes' migration "
                 "sections for every major version crossed.", mb, mg);
        fix = "Read the release notes' \"Migration to Version N\" sections for every major "
              "crossed, resolve this check's other findings, and declare the change as a "
              "major_upgrade.";
        break;
    default:
        code = "engine_version.minor_upgrade";
        sev = GL_SEVERITY_INFO;
        snprintf(message, sizeof(message), "Minor upgrade from PostgreSQL %s to %s.", sb, sg);
        fix = "Nothing required; read the minor release notes for post-upgrade steps (some ask "
              "for a REINDEX).";
        break;
    }
    details = host->value_object();
    hb = host->value_string(sb);
    hg = host->value_string(sg);
    /* majors are integers for 10+; a 9.x major is written "9.6" and given as 9 here */
    if (details == NULL || hb == NULL || hg == NULL ||
        host->object_set(details, "blue_major",
                         host->value_int(vb.pre10 ? vb.major / 10 : vb.major)) != 0 ||
        host->object_set(details, "green_major",
                         host->value_int(vg.pre10 ? vg.major / 10 : vg.major)) != 0 ||
        host->object_set(details, "blue_major_version", host->value_string(mb)) != 0 ||
        host->object_set(details, "green_major_version", host->value_string(mg)) != 0 ||
        host->object_set(details, "blue_version_num", host->value_int(vb.num)) != 0 ||
        host->object_set(details, "green_version_num", host->value_int(vg.num)) != 0 ||
        host->object_set(details, "blue_server_version",
                         host->value_string(host->value_get_string(
                             host->object_get(blue, "server_version")))) != 0 ||
        host->object_set(details, "green_server_version",
                         host->value_string(host->value_get_string(
                             host->object_get(green, "server_version")))) != 0 ||
        engine_version_set_str(host, details, "fix", fix) != 0)
        return engine_version_nomem(ctx, host, details, hb, hg);
    return gl_plugin_emit(ctx, host, code, sev, "server", hb, hg, details, message);
}

/*
 * The data file: the plugin's "data_file" setting when given (read now),
 * else the copy embedded at build time.
 */
static int load_data(gl_ctx *ctx, const gl_host *host, engine_version_data *out)
{
    const char *path = engine_version_get(host, host->config(ctx), "data_file");
    char err[256];
    char *text = NULL;
    size_t len = 0;
    FILE *f = NULL;
    int rc = -1;

    if (path == NULL) {
        if (engine_version_data_parse((const char *)engine_version_embedded_data, engine_version_embedded_data_len, out,
                              err, sizeof(err)) != 0)
            return host->set_error(ctx, "engine_version: the embedded data file is invalid (%s); "
                                   "rebuild the plugin", err);
        return 0;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        host->set_error(ctx, "engine_version: cannot open data_file %s; fix the path in the "
                        "configuration", path);
        goto out;
    }
    text = malloc(DATA_FILE_MAX + 1);
    if (text == NULL) {
        host->set_error(ctx, "engine_version: out of memory");
        goto out;
    }
    len = fread(text, 1, DATA_FILE_MAX + 1, f);
    if (ferror(f) || len > DATA_FILE_MAX) {
        host->set_error(ctx, "engine_version: data_file %s is unreadable or larger than %d "
                        "bytes", path, DATA_FILE_MAX);
        goto out;
    }
    if (engine_version_data_parse(text, len, out, err, sizeof(err)) != 0) {
        host->set_error(ctx, "engine_version: data_file %s: %s", path, err);
        goto out;
    }
    rc = 0;
out:
    if (f != NULL)
        fclose(f);
    free(text);
    return rc;
}

static int engine_version_compare(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
                                  const gl_value *green)
{
    engine_version_data data;
    int rc = -1;

    if (load_data(ctx, host, &data) != 0)
        return -1;
    if (compare_server(ctx, host, blue, green) != 0 ||
        engine_version_compare_extensions(ctx, host, &data, blue, green) != 0 ||
        engine_version_compare_parameters(ctx, host, &data, blue, green) != 0 ||
        engine_version_compare_defaults(ctx, host, blue, green) != 0 ||
        engine_version_compare_upgrade(ctx, host, blue, green) != 0 ||
        engine_version_compare_storage(ctx, host, blue, green) != 0)
        goto out;
    rc = 0;
out:
    engine_version_data_free(&data);
    return rc;
}

GL_PLUGIN_DEFINE(.name = "engine_version", .version = ENGINE_VERSION_VERSION,
                 .description =
    "Checks major-upgrade readiness: version step, pg_upgrade blockers, extensions, "
    "parameters, build settings, collations, statistics",
                 .collect = engine_version_collect, .compare = engine_version_compare,
                 .collect_pair = engine_version_collect_pair)
