/*
 * engine_version parameters — the settings an operator set on blue (the
 * server's and ALTER DATABASE/ROLE ... SET) that green's PostgreSQL removed
 * or renamed (the data file), and the built-in defaults that changed between
 * the two servers. Codes: share/doc/checks/engine_version.md.
 */
#include <greenlight/plugin.h>
#include <greenlight/plugin_pair.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static int cmp_str_ci(const void *a, const void *b)
{
    return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/* One parameter set on blue: where, for the finding's details. */
static int db_role_entries(const gl_host *host, const gl_value *db_role, const char *name,
                           gl_value *out)
{
    for (size_t i = 0; i < host->value_len(db_role); i++) {
        const gl_value *e = host->array_at(db_role, i);
        const char *n = host->value_get_string(host->object_get(e, "name"));

        if (n != NULL && strcasecmp(n, name) == 0 &&
            host->array_push(out, host->value_copy(e)) != 0)
            return -1;
    }
    return 0;
}

static int compare_parameter(gl_ctx *ctx, const gl_host *host, const engine_version_data *data,
                             const char *name, const gl_value *blue_setting,
                             const gl_value *db_role)
{
    const engine_version_renamed_parameter *renamed = engine_version_data_parameter(data, name);
    int custom = strchr(name, '.') != NULL;
    gl_value *details = host->value_object();
    gl_value *places = host->value_array();
    gl_value *hb = NULL;
    const char *setting = host->value_get_string(host->object_get(blue_setting, "setting"));
    const char *source = host->value_get_string(host->object_get(blue_setting, "source"));
    char message[768], fix[768];
    int rc;

    if (details == NULL || places == NULL || db_role_entries(host, db_role, name, places) != 0)
        goto oom;
    if (renamed != NULL && renamed->renamed_to != NULL)
        snprintf(fix, sizeof(fix), "On green set %s instead of %s (%s) and remove %s from the "
                 "configuration and any ALTER DATABASE/ROLE ... SET.", renamed->renamed_to, name,
                 renamed->note, name);
    else if (custom)
        snprintf(fix, sizeof(fix), "Load the module that defines %s on green "
                 "(shared_preload_libraries) or set it there with ALTER DATABASE/ROLE ... SET %s.",
                 name, name);
    else
        snprintf(fix, sizeof(fix), "Remove %s from green's configuration (postgresql.conf, "
                 "ALTER SYSTEM RESET, ALTER DATABASE/ROLE ... RESET).%s%s", name,
                 renamed ? " " : "", renamed ? renamed->note : "");
    /* Set only by ALTER DATABASE/ROLE for another database or role: show that value. */
    if (setting == NULL && host->value_len(places) > 0)
        setting = host->value_get_string(host->object_get(host->array_at(places, 0), "setting"));
    hb = host->value_string(setting);
    rc = host->object_set(details, "source_blue", host->value_string(source));
    if (rc == 0) {
        rc = host->object_set(details, "db_role_settings", places);
        places = NULL;   /* owned by details now, or freed by object_set */
    }
    if (hb == NULL || rc != 0 ||
        host->object_set(details, "custom", host->value_bool(custom)) != 0 ||
        host->object_set(details, "renamed_to",
                         host->value_string(renamed ? renamed->renamed_to : NULL)) != 0 ||
        (renamed != NULL &&
         (host->object_set(details, "removed_in", host->value_string(renamed->removed_in)) != 0 ||
          host->object_set(details, "note", host->value_string(renamed->note)) != 0)) ||
        engine_version_set_str(host, details, "fix", fix) != 0)
        goto oom;
    if (renamed != NULL && renamed->renamed_to != NULL)
        snprintf(message, sizeof(message), "Parameter %s is set on blue but green's PostgreSQL "
                 "renamed it to %s: set %s on green instead.", name, renamed->renamed_to,
                 renamed->renamed_to);
    else if (custom)
        snprintf(message, sizeof(message), "Parameter %s is set on blue but neither defined nor "
                 "set on green: load the module that defines it on green, or set it there with "
                 "ALTER DATABASE/ROLE ... SET.", name);
    else
        snprintf(message, sizeof(message), "Parameter %s is set on blue but green's PostgreSQL "
                 "no longer has it: remove it from green's configuration.%s%s", name,
                 renamed ? " " : "", renamed ? renamed->note : "");
    /* A dotted name belongs to a module: its absence is the module's, not the engine's. */
    return gl_plugin_emit(ctx, host, "engine_version.parameter.removed",
                        custom ? GL_SEVERITY_WARNING : GL_SEVERITY_ERROR, name, hb, NULL, details,
                        message);
oom:
    return engine_version_nomem(ctx, host, details, places, hb);
}

/* 1 when a settings_db_role array sets name (case-insensitively). */
static int set_in_db_role(const gl_host *host, const gl_value *db_role, const char *name)
{
    for (size_t i = 0; i < host->value_len(db_role); i++) {
        const char *n = host->value_get_string(host->object_get(host->array_at(db_role, i), "name"));

        if (n != NULL && strcasecmp(n, name) == 0)
            return 1;
    }
    return 0;
}

int engine_version_compare_parameters(gl_ctx *ctx, const gl_host *host, const engine_version_data *data,
                                      const gl_value *blue, const gl_value *green)
{
    const gl_value *nondefault = host->object_get(blue, "settings_nondefault");
    const gl_value *db_role = host->object_get(blue, "settings_db_role");
    const gl_value *known = host->object_get(green, "settings_known");
    const gl_value *green_db_role = host->object_get(green, "settings_db_role");
    size_t nn = host->value_len(nondefault), nd = host->value_len(db_role),
           nk = host->value_len(known), n = 0;
    const char **names = NULL, **known_names = NULL;
    int rc = -1;

    if (host->value_kind(nondefault) != GL_VALUE_OBJECT ||
        host->value_kind(known) != GL_VALUE_ARRAY)
        return host->set_error(ctx, "engine_version: facts have no settings_nondefault/"
                               "settings_known; collect them again with this plugin version");
    names = malloc((nn + nd + 1) * sizeof(*names));
    known_names = malloc((nk + 1) * sizeof(*known_names));
    if (names == NULL || known_names == NULL) {
        host->set_error(ctx, "engine_version: out of memory");
        goto out;
    }
    for (size_t i = 0; i < nk; i++) {
        const char *s = host->value_get_string(host->array_at(known, i));

        known_names[i] = s != NULL ? s : "";
    }
    qsort(known_names, nk, sizeof(*known_names), cmp_str_ci);
    for (size_t i = 0; i < nn; i++)
        names[n++] = host->object_key_at(nondefault, i);
    for (size_t i = 0; i < nd; i++) {
        const char *s = host->value_get_string(host->object_get(host->array_at(db_role, i), "name"));

        if (s != NULL)
            names[n++] = s;
    }
    qsort(names, n, sizeof(*names), cmp_str_ci);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcasecmp(names[i], names[i - 1]) == 0)
            continue;
        if (bsearch(&names[i], known_names, nk, sizeof(*known_names), cmp_str_ci) != NULL)
            continue;
        /* Custom (dotted) names are placeholders pg_settings does not list: green
         * knows one when it too sets it with ALTER DATABASE/ROLE. */
        if (strchr(names[i], '.') != NULL && set_in_db_role(host, green_db_role, names[i]))
            continue;
        if (compare_parameter(ctx, host, data, names[i],
                              host->object_get(nondefault, names[i]), db_role) != 0)
            goto out;
    }
    rc = 0;
out:
    free(names);
    free(known_names);
    return rc;
}

/* The row of rows (settings_defaults) for name, or NULL. */
static const gl_value *setting_row(const gl_host *host, const gl_value *rows, const char *name)
{
    for (size_t i = 0; i < host->value_len(rows); i++) {
        const gl_value *r = host->array_at(rows, i);
        const char *n = engine_version_get(host, r, "name");

        if (n != NULL && strcmp(n, name) == 0)
            return r;
    }
    return NULL;
}

static int same_text(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * Built-in defaults (boot_val) that differ between the versions, for the
 * settings blue leaves at their default: not drift anyone made, but green
 * behaves differently unless someone sets blue's value there. One finding.
 */
int engine_version_compare_defaults(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
                                    const gl_value *green)
{
    const gl_value *brows = host->object_get(blue, "settings_defaults");
    const gl_value *grows = host->object_get(green, "settings_defaults");
    gl_value *list = NULL, *details = NULL, *count = NULL;
    engine_version_text names = { 0 };
    char message[1024];
    int rc;

    if (host->value_kind(brows) != GL_VALUE_ARRAY || host->value_kind(grows) != GL_VALUE_ARRAY)
        return host->set_error(ctx, "engine_version: facts have no settings_defaults; collect "
                               "them again with this plugin version");
    list = host->value_array();
    if (list == NULL)
        goto oom;
    for (size_t i = 0; i < host->value_len(brows); i++) {
        const gl_value *b = host->array_at(brows, i), *g;
        const char *name = engine_version_get(host, b, "name");
        gl_value *item;

        if (name == NULL || !same_text(engine_version_get(host, b, "source"), "default"))
            continue;
        g = setting_row(host, grows, name);
        if (g == NULL || (same_text(engine_version_get(host, b, "boot_val"), engine_version_get(host, g, "boot_val")) &&
                          same_text(engine_version_get(host, b, "unit"), engine_version_get(host, g, "unit"))))
            continue;
        item = host->value_object();
        if (item == NULL || host->array_push(list, item) != 0 ||
            engine_version_set_str(host, item, "name", name) != 0 ||
            engine_version_set_str(host, item, "blue", engine_version_get(host, b, "boot_val")) != 0 ||
            engine_version_set_str(host, item, "green", engine_version_get(host, g, "boot_val")) != 0 ||
            engine_version_set_str(host, item, "unit_blue", engine_version_get(host, b, "unit")) != 0 ||
            engine_version_set_str(host, item, "unit_green", engine_version_get(host, g, "unit")) != 0 ||
            engine_version_set_str(host, item, "source_green", engine_version_get(host, g, "source")) != 0)
            goto oom;
        engine_version_text_add(&names, "%s%s", names.len > 0 ? ", " : "", name);
    }
    if (host->value_len(list) == 0) {
        host->value_free(list);
        return 0;
    }
    if (names.failed)
        goto oom;
    snprintf(message, sizeof(message), "%zu built-in default(s) differ between blue's and "
             "green's PostgreSQL for settings blue leaves at default: %.600s.",
             host->value_len(list), engine_version_text_str(&names));
    details = host->value_object();
    count = host->value_int((int64_t)host->value_len(list));
    if (details == NULL || count == NULL)
        goto oom;
    rc = host->object_set(details, "parameters", list);
    list = NULL;
    if (rc != 0 ||
        engine_version_set_str(host, details, "fix", "Review each against the release notes; to keep "
                       "blue's behaviour set blue's value on green explicitly (ALTER SYSTEM SET "
                       "name = value).") != 0)
        goto oom;
    engine_version_text_free(&names);
    return gl_plugin_emit(ctx, host, "engine_version.parameter.default_changed", GL_SEVERITY_INFO,
                       "defaults", NULL, count, details, message);
oom:
    engine_version_text_free(&names);
    host->value_free(list);
    return engine_version_nomem(ctx, host, details, count, NULL);
}
