/*
 * engine_version — what changing the engine means, for a DBA about to run an
 * N -> M upgrade: the server version step (major, minor, downgrade),
 * extensions blue uses (missing on green, other versions, update paths,
 * ones that need a human at switchover), parameters an operator set on blue
 * that green's PostgreSQL no longer knows and built-in defaults that changed,
 * plus what upgrade.c (pg_upgrade's refusals) and storage.c (build settings,
 * collations, statistics) find. Every finding's details.fix says what to do.
 *
 * collect facts (this file's part; see upgrade.c and storage.c for theirs):
 *   { server_version_num, server_version,
 *     settings_nondefault: { name: { setting, source } },   operator-set only
 *     settings_known: [ name, ... ],                         every pg_settings name
 *     settings_db_role: [ { database, role, name, setting } ] ALTER DATABASE/ROLE ... SET
 *     settings_defaults: [ { name, boot_val, unit, source } ] non-internal settings
 *     extensions_installed: { name: version },
 *     extensions_available: { name: [ version, ... ] },
 *     extension_update_paths: [ { name, default_version, source, path } ] }
 * Codes and severities: share/doc/checks/engine_version.md.
 */
#include <greenlight/plugin.h>
#include <greenlight/plugin_pair.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define ENGINE_VERSION_VERSION "1.1.0"

/* The data file is read whole; it is a few kilobytes. */
#define DATA_FILE_MAX (1024 * 1024)

/* ------------------------------------------------------------------ collect */

/* name columns are cast to text: COLLATE on type name needs PostgreSQL 12. */
static const char version_sql[] =
    "SELECT pg_catalog.current_setting('server_version_num'), "
    "pg_catalog.current_setting('server_version')";
/* One read of pg_settings (a view that builds every setting's row each time)
 * fills settings_nondefault, settings_known and settings_defaults (the
 * non-internal settings' built-in defaults), in name order. */
static const char settings_sql[] =
    "SELECT name, setting, source, boot_val, unit, context <> 'internal' "
    "FROM pg_catalog.pg_settings ORDER BY name COLLATE \"C\"";
static const char db_role_sql[] =
    "SELECT coalesce(d.datname::text, '') AS database, coalesce(r.rolname::text, '') AS role, "
    "c.cfg FROM pg_catalog.pg_db_role_setting s "
    "LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase "
    "LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole "
    "CROSS JOIN LATERAL unnest(s.setconfig) WITH ORDINALITY AS c(cfg, n) "
    /* Only what applies to the database being checked (or to every one):
     * other databases in the cluster are not part of this deployment. */
    "WHERE s.setdatabase = 0 OR d.datname = pg_catalog.current_database() "
    "ORDER BY coalesce(d.datname::text, '') COLLATE \"C\", "
    "coalesce(r.rolname::text, '') COLLATE \"C\", c.n";
static const char installed_sql[] =
    "SELECT extname::text, extversion FROM pg_catalog.pg_extension "
    "ORDER BY extname::text COLLATE \"C\"";
/* Paths to each extension's default version only: bounded by its version count. */
static const char update_paths_sql[] =
    "SELECT e.name::text AS name, e.default_version, p.source, p.path "
    "FROM pg_catalog.pg_available_extensions e "
    "LEFT JOIN LATERAL pg_catalog.pg_extension_update_paths(e.name) p "
    "ON p.target = e.default_version AND p.path IS NOT NULL "
    "ORDER BY e.name::text COLLATE \"C\", p.source COLLATE \"C\"";
static const char available_sql[] =
    "SELECT name::text, version FROM pg_catalog.pg_available_extension_versions "
    "ORDER BY name::text COLLATE \"C\", version COLLATE \"C\"";

typedef struct collect_state {
    gl_ctx *ctx;
    const gl_host *host;
    gl_value *facts;
    gl_value *a;            /* the object or array being filled */
    gl_value *b;            /* a second one (settings_known beside settings_nondefault) */
    gl_value *defaults;     /* settings_defaults, stored after extensions_available */
    gl_value *group;        /* available versions of group_name, not yet stored */
    char *group_name;
    int failed;
} collect_state;

static int oom(collect_state *st)
{
    st->host->set_error(st->ctx, "engine_version: out of memory");
    st->failed = 1;
    return 1;
}

static int version_row(void *userdata, int ncols, const char *const *names,
                       const char *const *values, const int *is_null)
{
    collect_state *st = userdata;
    const gl_host *host = st->host;

    if (ncols != 2 || is_null[0] || is_null[1])
        return oom(st);
    if (host->object_set(st->facts, "server_version_num", host->value_int(atoi(values[0]))) != 0 ||
        host->object_set(st->facts, "server_version", host->value_string(values[1])) != 0)
        return oom(st);
    return 0;
}

static gl_value *string_or_null(const gl_host *host, const char *value, int is_null)
{
    return is_null ? host->value_null() : host->value_string(value);
}

/* A settings_defaults row: { name, boot_val, unit, source }, as pg_settings says. */
static int default_row(collect_state *st, const char *const *values, const int *is_null)
{
    const gl_host *host = st->host;
    gl_value *row = host->value_object();

    if (row == NULL)
        return oom(st);
    if (host->object_set(row, "name", host->value_string(values[0])) != 0 ||
        host->object_set(row, "boot_val", string_or_null(host, values[3], is_null[3])) != 0 ||
        host->object_set(row, "unit", string_or_null(host, values[4], is_null[4])) != 0 ||
        host->object_set(row, "source", string_or_null(host, values[2], is_null[2])) != 0) {
        host->value_free(row);
        return oom(st);
    }
    if (host->array_push(st->defaults, row) != 0)
        return oom(st);
    return 0;
}

static int settings_row(void *userdata, int ncols, const char *const *names,
                        const char *const *values, const int *is_null)
{
    collect_state *st = userdata;
    const gl_host *host = st->host;
    gl_value *row;

    if (ncols != 6 || is_null[0])
        return oom(st);
    if (host->array_push(st->b, host->value_string(values[0])) != 0)
        return oom(st);
    if (!is_null[5] && strcmp(values[5], "t") == 0 && default_row(st, values, is_null) != 0)
        return 1;
    if (is_null[2] || !engine_version_source_is_operator(values[2]))
        return 0;
    row = host->value_object();
    if (row == NULL)
        return oom(st);
    if (host->object_set(row, "setting", is_null[1] ? host->value_null()
                                                    : host->value_string(values[1])) != 0 ||
        host->object_set(row, "source", host->value_string(values[2])) != 0) {
        host->value_free(row);
        return oom(st);
    }
    if (host->object_set(st->a, values[0], row) != 0)
        return oom(st);
    return 0;
}

static int db_role_row(void *userdata, int ncols, const char *const *names,
                       const char *const *values, const int *is_null)
{
    collect_state *st = userdata;
    const gl_host *host = st->host;
    gl_value *row;
    const char *eq;

    if (ncols != 3 || is_null[2])
        return 0;
    /* setconfig items are "name=value" */
    eq = strchr(values[2], '=');
    if (eq == NULL || eq == values[2])
        return 0;
    row = host->value_object();
    if (row == NULL)
        return oom(st);
    if (host->object_set(row, "database", host->value_string(is_null[0] ? "" : values[0])) != 0 ||
        host->object_set(row, "role", host->value_string(is_null[1] ? "" : values[1])) != 0 ||
        host->object_set(row, "name",
                         host->value_string_len(values[2], (size_t)(eq - values[2]))) != 0 ||
        host->object_set(row, "setting", host->value_string(eq + 1)) != 0) {
        host->value_free(row);
        return oom(st);
    }
    if (host->array_push(st->a, row) != 0)
        return oom(st);
    return 0;
}

static int installed_row(void *userdata, int ncols, const char *const *names,
                         const char *const *values, const int *is_null)
{
    collect_state *st = userdata;
    const gl_host *host = st->host;

    if (ncols != 2 || is_null[0])
        return oom(st);
    if (host->object_set(st->a, values[0],
                         is_null[1] ? host->value_null() : host->value_string(values[1])) != 0)
        return oom(st);
    return 0;
}

/* Stores the pending group of available versions under its name. */
static int flush_group(collect_state *st)
{
    int rc = 0;

    if (st->group != NULL && st->host->object_set(st->a, st->group_name, st->group) != 0)
        rc = oom(st);
    st->group = NULL;
    free(st->group_name);
    st->group_name = NULL;
    return rc;
}

/* Rows arrive grouped by name (ORDER BY name): one array per run of a name. */
static int available_row(void *userdata, int ncols, const char *const *names,
                         const char *const *values, const int *is_null)
{
    collect_state *st = userdata;
    const gl_host *host = st->host;

    if (ncols != 2 || is_null[0] || is_null[1])
        return 0;
    if (st->group_name == NULL || strcmp(st->group_name, values[0]) != 0) {
        if (flush_group(st) != 0)
            return 1;
        st->group_name = strdup(values[0]);
        st->group = host->value_array();
        if (st->group_name == NULL || st->group == NULL)
            return oom(st);
    }
    if (host->array_push(st->group, host->value_string(values[1])) != 0) {
        st->group = NULL;   /* array_push never frees the array itself, but stop using it */
        return oom(st);
    }
    return 0;
}

/*
 * Runs sql into a fresh container stored in facts under key. `second` (may
 * be NULL) is a second container the row function fills, stored under key2.
 */
static int collect_into(collect_state *st, gl_side side, const char *sql, gl_row_fn fn,
                        const char *key, gl_value *container, const char *key2, gl_value *second)
{
    const gl_host *host = st->host;
    int rc = -1;

    st->a = container;
    st->b = second;
    if (container == NULL || (key2 != NULL && second == NULL)) {
        oom(st);
        goto out;
    }
    if (host->query(st->ctx, side, sql, 0, NULL, fn, st) != 0)
        goto out;
    if (fn == available_row && flush_group(st) != 0)
        goto out;
    rc = host->object_set(st->facts, key, container);
    container = NULL;
    if (rc == 0 && key2 != NULL) {
        rc = host->object_set(st->facts, key2, second);
        second = NULL;
    }
    if (rc != 0)
        oom(st);
out:
    if (st->group != NULL)
        host->value_free(st->group);
    st->group = NULL;
    free(st->group_name);
    st->group_name = NULL;
    host->value_free(container);
    host->value_free(second);
    st->a = st->b = NULL;
    return rc;
}

/* settings_defaults goes where it always stood among the facts' keys. */
static int store_defaults(collect_state *st)
{
    int rc = st->host->object_set(st->facts, "settings_defaults", st->defaults);

    st->defaults = NULL;
    return rc != 0 ? oom(st) : 0;
}

static int engine_version_collect(gl_ctx *ctx, const gl_host *host, gl_side side,
                                  gl_value **out_facts)
{
    collect_state st = { ctx, host, NULL, NULL, NULL, NULL, NULL, NULL, 0 };
    int rc = -1, num = host->server_version_num(ctx, side);

    *out_facts = NULL;
    st.facts = host->value_object();
    st.defaults = host->value_array();
    if (st.facts == NULL || st.defaults == NULL) {
        oom(&st);
        goto out;
    }
    if (host->query(ctx, side, version_sql, 0, NULL, version_row, &st) != 0 ||
        collect_into(&st, side, settings_sql, settings_row, "settings_nondefault",
                     host->value_object(), "settings_known", host->value_array()) != 0 ||
        collect_into(&st, side, db_role_sql, db_role_row, "settings_db_role", host->value_array(),
                     NULL, NULL) != 0 ||
        collect_into(&st, side, installed_sql, installed_row, "extensions_installed",
                     host->value_object(), NULL, NULL) != 0 ||
        collect_into(&st, side, available_sql, available_row, "extensions_available",
                     host->value_object(), NULL, NULL) != 0 ||
        store_defaults(&st) != 0 ||
        engine_version_collect_rows(ctx, host, side, update_paths_sql, st.facts,
                            "extension_update_paths") != 0 ||
        engine_version_collect_upgrade(ctx, host, side, num, st.facts) != 0 ||
        engine_version_collect_storage(ctx, host, side, num, st.facts) != 0)
        goto out;
    *out_facts = st.facts;
    st.facts = NULL;
    rc = 0;
out:
    host->value_free(st.facts);
    host->value_free(st.defaults);
    return rc;
}

/* Both sides at once (greenlight/plugin_pair.h): collect is a dozen catalog
 * queries and calls only what plugin.h allows from two threads. */
static int engine_version_collect_pair(gl_ctx *ctx, const gl_host *host, gl_value **out_blue,
                                       gl_value **out_green)
{
    return gl_plugin_collect_both(ctx, host, engine_version_collect, out_blue, out_green);
}

/* ------------------------------------------------------------------ compare */

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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_str_ci(const void *a, const void *b)
{
    return strcasecmp(*(const char *const *)a, *(const char *const *)b);
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

static int compare_extension(gl_ctx *ctx, const gl_host *host, const char *name,
                             const char *blue_version, const gl_value *green_installed,
                             const gl_value *green_available, const gl_value *paths)
{
    const gl_value *gi = host->object_get(green_installed, name);
    const gl_value *ga = host->object_get(green_available, name);
    gl_value *details = host->value_object();
    gl_value *hb = host->value_string(blue_version);
    gl_value *hg = NULL;
    char message[512], fix[512];
    const char *bv = blue_version ? blue_version : "?";

    if (details == NULL || hb == NULL ||
        host->object_set(details, "blue_version", host->value_string(blue_version)) != 0)
        return engine_version_nomem(ctx, host, details, hb, hg);
    if (gi != NULL) {
        const char *gv = host->value_get_string(gi);
        int c;

        if (gv == NULL || blue_version == NULL || strcmp(gv, blue_version) == 0) {
            host->value_free(details);
            host->value_free(hb);
            return compare_update_path(ctx, host, name, blue_version, paths);
        }
        c = engine_version_extension_version_cmp(gv, blue_version);
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
    if (host->value_kind(ga) == GL_VALUE_ARRAY && host->value_len(ga) > 0) {
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
            return engine_version_nomem(ctx, host, details, hb, hg);
        snprintf(message, sizeof(message), "Extension %s (%s on blue) is available on green but "
                 "not installed: CREATE EXTENSION it in green before switching.", name, bv);
        if (gl_plugin_emit(ctx, host, "engine_version.extension.not_installed",
                        GL_SEVERITY_WARNING, name, hb, NULL, details, message) != 0)
            return -1;
        return compare_update_path(ctx, host, name, blue_version, paths);
    }
    snprintf(fix, sizeof(fix), "Install the package that provides extension %s (version %s) on "
             "green's server, then CREATE EXTENSION %s in green's database; or drop it on blue "
             "if nothing uses it.", name, bv, name);
    if (engine_version_set_str(host, details, "fix", fix) != 0)
        return engine_version_nomem(ctx, host, details, hb, hg);
    snprintf(message, sizeof(message), "Extension %s (%s on blue) is neither installed nor "
             "available on green: install its package on the green server.", name, bv);
    return gl_plugin_emit(ctx, host, "engine_version.extension.missing", GL_SEVERITY_CRITICAL, name,
                        hb, NULL, details, message);
}

static int compare_extensions(gl_ctx *ctx, const gl_host *host, const engine_version_data *data,
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

static int compare_parameters(gl_ctx *ctx, const gl_host *host, const engine_version_data *data,
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
static int compare_defaults(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
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
        compare_extensions(ctx, host, &data, blue, green) != 0 ||
        compare_parameters(ctx, host, &data, blue, green) != 0 ||
        compare_defaults(ctx, host, blue, green) != 0 ||
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
