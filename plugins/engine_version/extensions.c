/*
 * engine_version extensions — the extensions blue uses, against green:
 * missing on green, other versions, whether green has an update path to its
 * default version, and the ones the data file says need a human at
 * switchover. Codes: share/doc/checks/engine_version.md.
 */
#include <greenlight/plugin.h>
#include <greenlight/plugin_pair.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of an object, sorted (borrowed strings). */
static int sorted_keys(gl_ctx *ctx, const gl_host *host, const gl_value *obj, const char ***out,
                       size_t *out_n)
{
    size_t n = host->value_len(obj);
    const char **keys = malloc((n + 1) * sizeof(*keys));

    if (keys == NULL)
        return host->set_error(ctx, "engine_version: out of memory");
    for (size_t i = 0; i < n; i++)
        keys[i] = host->object_key_at(obj, i);
    qsort(keys, n, sizeof(*keys), cmp_str);
    *out = keys;
    *out_n = n;
    return 0;
}

/*
 * Green's default version of extension `name` (*out_default, NULL when green
 * does not offer it) and its update path from version `from` to that default:
 * "" when `from` is the default, NULL when green has no path.
 */
static const char *update_path(const gl_host *host, const gl_value *paths, const char *name,
                               const char *from, const char **out_default)
{
    const char *path = NULL;

    *out_default = NULL;
    for (size_t i = 0; i < host->value_len(paths); i++) {
        const gl_value *r = host->array_at(paths, i);
        const char *n = engine_version_get(host, r, "name"), *src = engine_version_get(host, r, "source");

        if (n == NULL || strcmp(n, name) != 0)
            continue;
        *out_default = engine_version_get(host, r, "default_version");
        if (src != NULL && from != NULL && strcmp(src, from) == 0)
            path = engine_version_get(host, r, "path");
    }
    if (*out_default != NULL && from != NULL && strcmp(*out_default, from) == 0)
        return "";
    return path;
}

static gl_severity severity_of(const char *s)
{
    if (s != NULL && strcmp(s, "critical") == 0)
        return GL_SEVERITY_CRITICAL;
    if (s != NULL && strcmp(s, "error") == 0)
        return GL_SEVERITY_ERROR;
    if (s != NULL && strcmp(s, "warning") == 0)
        return GL_SEVERITY_WARNING;
    return GL_SEVERITY_INFO;
}

/*
 * What pg_upgrade leaves behind: the extension at blue's version, to be
 * brought to green's default with ALTER EXTENSION ... UPDATE, which needs a
 * path of update scripts in green's packages.
 */
static int compare_update_path(gl_ctx *ctx, const gl_host *host, const char *name,
                               const char *bv, const gl_value *paths)
{
    const char *dv = NULL, *path = update_path(host, paths, name, bv, &dv);
    gl_value *details, *hb, *hg;
    char message[768], fix[768];
    int ok = path != NULL;

    if (dv == NULL || bv == NULL || (path != NULL && path[0] == '\0'))
        return 0;   /* green does not offer it (reported elsewhere) or it is current */
    if (ok) {
        snprintf(message, sizeof(message), "Extension %s is %s on blue; green's default is %s and "
                 "it can update to it (%s).", name, bv, dv, path);
        snprintf(fix, sizeof(fix), "After the upgrade run ALTER EXTENSION %s UPDATE TO '%s'; in "
                 "each database of green that has it.", name, dv);
    } else {
        snprintf(message, sizeof(message), "Extension %s is %s on blue but green's packages have "
                 "no update path from %s to their default %s: ALTER EXTENSION ... UPDATE will "
                 "fail after pg_upgrade.", name, bv, bv, dv);
        snprintf(fix, sizeof(fix), "Update %s on blue first to a version green can update from "
                 "(see pg_extension_update_paths('%s') on green), or install on green the "
                 "package that ships %s %s.", name, name, name, bv);
    }
    details = host->value_object();
    hb = host->value_string(bv);
    hg = host->value_string(dv);
    if (details == NULL || hb == NULL || hg == NULL ||
        engine_version_set_str(host, details, "blue_version", bv) != 0 ||
        engine_version_set_str(host, details, "green_default_version", dv) != 0 ||
        engine_version_set_str(host, details, "update_path", path) != 0 ||
        engine_version_set_str(host, details, "fix", fix) != 0)
        return engine_version_nomem(ctx, host, details, hb, hg);
    return gl_plugin_emit(ctx, host,
                       ok ? "engine_version.extension.update_available"
                          : "engine_version.extension.no_update_path",
                       ok ? GL_SEVERITY_INFO : GL_SEVERITY_WARNING, name, hb, hg, details,
                       message);
}

/* An extension the data file says needs a human at switchover. */
static int compare_extension_note(gl_ctx *ctx, const gl_host *host, const engine_version_data *data,
                                  const char *name, const char *bv)
{
    const engine_version_extension_note *note = engine_version_data_extension(data, name);
    gl_value *details, *hb;
    char message[1024];

    if (note == NULL)
        return 0;
    snprintf(message, sizeof(message), "Extension %s needs a human before a blue/green "
             "switchover: %s", name, note->reason);
    details = host->value_object();
    hb = host->value_string(bv);
    if (details == NULL || hb == NULL || engine_version_set_str(host, details, "reason", note->reason) != 0 ||
        engine_version_set_str(host, details, "fix", note->reason) != 0)
        return engine_version_nomem(ctx, host, details, hb, NULL);
    return gl_plugin_emit(ctx, host, "engine_version.extension.switchover_risk",
                       severity_of(note->severity), name, hb, NULL, details, message);
}

/* Green has the extension at another version than blue's: version_changed.
 * details and hb become the finding's (or are freed). */
static int emit_version_changed(gl_ctx *ctx, const gl_host *host, const char *name,
                                const char *bv, const char *gv, gl_value *details, gl_value *hb)
{
    char message[512], fix[512];
    gl_value *hg;
    int c = engine_version_extension_version_cmp(gv, bv);

    if (c < 0)
        snprintf(fix, sizeof(fix), "On green: ALTER EXTENSION %s UPDATE TO '%s' (install the "
                 "package that ships it first if needed), or test the application with %s.",
                 name, bv, gv);
    else
        snprintf(fix, sizeof(fix), "Test the application with %s %s; after pg_upgrade the "
                 "version stays %s until ALTER EXTENSION %s UPDATE.", name, gv, bv, name);
    hg = host->value_string(gv);
    if (hg == NULL ||
        host->object_set(details, "green_version", host->value_string(gv)) != 0 ||
        host->object_set(details, "direction",
                         host->value_string(c < 0 ? "older" : "newer")) != 0 ||
        engine_version_set_str(host, details, "fix", fix) != 0)
        return engine_version_nomem(ctx, host, details, hb, hg);
    snprintf(message, sizeof(message), "Extension %s is version %s on blue and %s (%s) on "
             "green.", name, bv, gv, c < 0 ? "older" : "newer");
    return gl_plugin_emit(ctx, host, "engine_version.extension.version_changed",
                          c < 0 ? GL_SEVERITY_WARNING : GL_SEVERITY_INFO, name, hb, hg, details,
                          message);
}

/* Green offers the extension (versions ga) but has not installed it:
 * not_installed, then its update path. details and hb as above. */
static int emit_not_installed(gl_ctx *ctx, const gl_host *host, const char *name,
                              const char *blue_version, const gl_value *ga, const gl_value *paths,
                              gl_value *details, gl_value *hb)
{
    char message[512], fix[512];
    const char *bv = blue_version ? blue_version : "?";
    int has_blue_version = 0;
    const char *dv = NULL;

    for (size_t i = 0; i < host->value_len(ga); i++) {
        const char *v = host->value_get_string(host->array_at(ga, i));

        if (v != NULL && blue_version != NULL && strcmp(v, blue_version) == 0)
            has_blue_version = 1;
    }
    update_path(host, paths, name, blue_version, &dv);
    if (has_blue_version)
        snprintf(fix, sizeof(fix), "In green's database: CREATE EXTENSION %s VERSION '%s';",
                 name, bv);
    else
        snprintf(fix, sizeof(fix), "In green's database: CREATE EXTENSION %s; (green does not "
                 "offer %s; its default is %s)", name, bv, dv ? dv : "unknown");
    if (host->object_set(details, "available_versions", host->value_copy(ga)) != 0 ||
        host->object_set(details, "blue_version_available",
                         host->value_bool(has_blue_version)) != 0 ||
        engine_version_set_str(host, details, "green_default_version", dv) != 0 ||
        engine_version_set_str(host, details, "fix", fix) != 0)
        return engine_version_nomem(ctx, host, details, hb, NULL);
    snprintf(message, sizeof(message), "Extension %s (%s on blue) is available on green but "
             "not installed: CREATE EXTENSION it in green before switching.", name, bv);
    if (gl_plugin_emit(ctx, host, "engine_version.extension.not_installed",
                       GL_SEVERITY_WARNING, name, hb, NULL, details, message) != 0)
        return -1;
    return compare_update_path(ctx, host, name, blue_version, paths);
}

static int compare_extension(gl_ctx *ctx, const gl_host *host, const char *name,
                             const char *blue_version, const gl_value *green_installed,
                             const gl_value *green_available, const gl_value *paths)
{
    const gl_value *gi = host->object_get(green_installed, name);
    const gl_value *ga = host->object_get(green_available, name);
    gl_value *details = host->value_object();
    gl_value *hb = host->value_string(blue_version);
    char message[512], fix[512];
    const char *bv = blue_version ? blue_version : "?";

    if (details == NULL || hb == NULL ||
        host->object_set(details, "blue_version", host->value_string(blue_version)) != 0)
        return engine_version_nomem(ctx, host, details, hb, NULL);
    if (gi != NULL) {
        const char *gv = host->value_get_string(gi);

        if (gv == NULL || blue_version == NULL || strcmp(gv, blue_version) == 0) {
            host->value_free(details);
            host->value_free(hb);
            return compare_update_path(ctx, host, name, blue_version, paths);
        }
        return emit_version_changed(ctx, host, name, blue_version, gv, details, hb);
    }
    if (host->value_kind(ga) == GL_VALUE_ARRAY && host->value_len(ga) > 0)
        return emit_not_installed(ctx, host, name, blue_version, ga, paths, details, hb);
    snprintf(fix, sizeof(fix), "Install the package that provides extension %s (version %s) on "
             "green's server, then CREATE EXTENSION %s in green's database; or drop it on blue "
             "if nothing uses it.", name, bv, name);
    if (engine_version_set_str(host, details, "fix", fix) != 0)
        return engine_version_nomem(ctx, host, details, hb, NULL);
    snprintf(message, sizeof(message), "Extension %s (%s on blue) is neither installed nor "
             "available on green: install its package on the green server.", name, bv);
    return gl_plugin_emit(ctx, host, "engine_version.extension.missing", GL_SEVERITY_CRITICAL, name,
                          hb, NULL, details, message);
}

int engine_version_compare_extensions(gl_ctx *ctx, const gl_host *host, const engine_version_data *data,
                                      const gl_value *blue, const gl_value *green)
{
    const gl_value *bi = host->object_get(blue, "extensions_installed");
    const gl_value *gi = host->object_get(green, "extensions_installed");
    const gl_value *ga = host->object_get(green, "extensions_available");
    const gl_value *paths = host->object_get(green, "extension_update_paths");
    const char **names = NULL;
    size_t n = 0;
    int rc = -1;

    if (host->value_kind(bi) != GL_VALUE_OBJECT || host->value_kind(gi) != GL_VALUE_OBJECT ||
        host->value_kind(paths) != GL_VALUE_ARRAY)
        return host->set_error(ctx, "engine_version: facts have no extensions_installed/"
                               "extension_update_paths; collect them again with this plugin "
                               "version");
    if (sorted_keys(ctx, host, bi, &names, &n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *bv = host->value_get_string(host->object_get(bi, names[i]));

        if (compare_extension(ctx, host, names[i], bv, gi, ga, paths) != 0 ||
            compare_extension_note(ctx, host, data, names[i], bv) != 0)
            goto out;
    }
    rc = 0;
out:
    free(names);
    return rc;
}
