/*
 * collect.c — engine_version's facts, from one side or both at once.
 *
 * Facts (this file's part; see upgrade.c and storage.c for theirs):
 *   { server_version_num, server_version,
 *     settings_nondefault: { name: { setting, source } },   operator-set only
 *     settings_known: [ name, ... ],                         every pg_settings name
 *     settings_db_role: [ { database, role, name, setting } ] ALTER DATABASE/ROLE ... SET
 *     settings_defaults: [ { name, boot_val, unit, source } ] non-internal settings
 *     extensions_installed: { name: version },
 *     extensions_available: { name: [ version, ... ] },
 *     extension_update_paths: [ { name, default_version, source, path } ] }
 *   (the last two only on green when both sides are collected together, the
 *   paths only for blue's installed extensions: all compare reads)
 */
#include <greenlight/plugin.h>
#include <greenlight/plugin_pair.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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
/* The same for the named extensions only ($1: a text[] literal): in a pair,
 * green is asked for blue's installed extensions, all compare reads; the
 * filter applies before the LATERAL call (each reads the extension's files). */
static const char update_paths_for_sql[] =
    "SELECT e.name::text AS name, e.default_version, p.source, p.path "
    "FROM pg_catalog.pg_available_extensions e "
    "LEFT JOIN LATERAL pg_catalog.pg_extension_update_paths(e.name) p "
    "ON p.target = e.default_version AND p.path IS NOT NULL "
    "WHERE e.name = ANY($1::text[]) "
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

/* extension_update_paths of every available extension, or of those named
 * in paths_for (a text[] literal). */
static int collect_update_paths(gl_ctx *ctx, const gl_host *host, gl_side side,
                                const char *paths_for, gl_value *facts)
{
    gl_value *rows = NULL;
    const char *params[1] = {paths_for};

    if (paths_for == NULL)
        return engine_version_collect_rows(ctx, host, side, update_paths_sql, facts,
                                           "extension_update_paths");
    if (host->query_rows(ctx, side, update_paths_for_sql, 1, params, &rows) != 0)
        return host->set_error(ctx, "engine_version: reading extension_update_paths failed: %s",
                               gl_plugin_last_error(ctx, host));
    if (host->object_set(facts, "extension_update_paths", rows) != 0)
        return host->set_error(ctx, "engine_version: out of memory");
    return 0;
}

/* with_available: also extensions_available and extension_update_paths,
 * which compare reads on green only (what blue's extensions can become);
 * the paths of the extensions named in paths_for only, when not NULL. */
static int collect_side(gl_ctx *ctx, const gl_host *host, gl_side side, int with_available,
                        const char *paths_for, gl_value **out_facts)
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
        (with_available &&
         collect_into(&st, side, available_sql, available_row, "extensions_available",
                      host->value_object(), NULL, NULL) != 0) ||
        store_defaults(&st) != 0 ||
        (with_available && collect_update_paths(ctx, host, side, paths_for, st.facts) != 0) ||
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

/* Alone (a snapshot, compared later as either side): every fact. */
int engine_version_collect(gl_ctx *ctx, const gl_host *host, gl_side side,
                                  gl_value **out_facts)
{
    return collect_side(ctx, host, side, 1, NULL, out_facts);
}

/* Blue's installed extension names as a text[] literal, quoted by the server. */
static const char installed_names_sql[] =
    "SELECT coalesce(array_agg(extname::text), '{}')::text AS names FROM pg_catalog.pg_extension";

typedef struct pair_args {
    const char *blue_extensions;   /* text[] literal */
} pair_args;

/* In a pair the sides are known: blue's available extension versions and
 * update paths are never compared (each reads every extension control file on
 * the server, the costliest two reads here), so blue skips them, and green
 * reads the update paths of blue's installed extensions only. */
static int engine_version_collect_pair_side(gl_ctx *ctx, const gl_host *host, gl_side side,
                                            void *ud, gl_value **out_facts)
{
    const pair_args *a = ud;

    return collect_side(ctx, host, side, side == GL_SIDE_GREEN, a->blue_extensions, out_facts);
}

/* Both sides at once (greenlight/plugin_pair.h), after one small read of
 * blue's installed extensions: collect is a dozen catalog queries and calls
 * only what plugin.h allows from two threads. */
int engine_version_collect_pair(gl_ctx *ctx, const gl_host *host, gl_value **out_blue,
                                gl_value **out_green)
{
    gl_value *rows = NULL;
    pair_args a;
    int rc;

    *out_blue = *out_green = NULL;
    if (host->query_rows(ctx, GL_SIDE_BLUE, installed_names_sql, 0, NULL, &rows) != 0)
        return host->set_error(ctx, "engine_version: reading extensions_installed failed: %s",
                               gl_plugin_last_error(ctx, host));
    a.blue_extensions = engine_version_get(host, host->array_at(rows, 0), "names");
    if (a.blue_extensions == NULL) {
        host->value_free(rows);
        return host->set_error(ctx, "engine_version: reading extensions_installed returned no "
                               "names");
    }
    rc = gl_plugin_collect_both_ud(ctx, host, engine_version_collect_pair_side, &a, out_blue,
                                   out_green);
    host->value_free(rows);
    return rc;
}
