/*
 * parameters — compares pg_settings between blue and green.
 *
 * collect: one query over pg_settings; facts are
 *   { server_version_num, settings: { name: { setting, unit, source, context,
 *     vartype, boot_val, reset_val, pending_restart, enumvals? } } }
 * compare: values normalised by unit (units.c), findings in name order.
 * Codes and severities: share/doc/checks/parameters.md.
 */
#include <greenlight/plugin.h>
#include <greenlight/plugin_pair.h>
#include <greenlight/plugin_util.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ignore.h"
#include "units.h"

#define PARAMETERS_VERSION "1.0.0"
/* A sane bound on configured ignore patterns and ignore-file lines. */
#define MAX_IGNORE_PATTERNS 10000
#define MAX_IGNORE_LINE 1024

/* ------------------------------------------------------------------ collect */

/*
 * enumvals is text[]; array_to_string with the ASCII unit separator gives one
 * text column we can split without parsing array literals (no enum label
 * contains a control character). ORDER BY with "C" collation keeps facts
 * byte-identical across runs whatever the database's collation. greenlight's
 * own session pins settings (collect/target.c); for those the server's value
 * is reset_val, and its source "default" or "configuration".
 */
static const char settings_sql[] =
    "SELECT name, CASE WHEN source = 'session' THEN reset_val ELSE setting END, unit, "
    "CASE WHEN source <> 'session' THEN source WHEN reset_val = boot_val THEN 'default' "
    "ELSE 'configuration' END, context, vartype, boot_val, reset_val, "
    "%s AS pending_restart, array_to_string(enumvals, E'\\037') AS enumvals "
    "FROM pg_catalog.pg_settings ORDER BY name COLLATE \"C\"";

enum { COL_NAME, COL_SETTING, COL_UNIT, COL_SOURCE, COL_CONTEXT, COL_VARTYPE, COL_BOOT_VAL,
       COL_RESET_VAL, COL_PENDING_RESTART, COL_ENUMVALS, N_COLS };

typedef struct collect_state {
    gl_ctx *ctx;
    const gl_host *host;
    gl_value *settings;
    int failed;       /* set when a row could not be stored; the message is set */
} collect_state;

static gl_value *text_or_null(const gl_host *host, const char *const *values, const int *is_null,
                              int col)
{
    return is_null[col] ? host->value_null() : host->value_string(values[col]);
}

static gl_value *split_enumvals(const gl_host *host, const char *text)
{
    gl_value *array = host->value_array();
    const char *p = text;

    if (array == NULL)
        return NULL;
    for (;;) {
        size_t len = strcspn(p, "\037");

        if (host->array_push(array, host->value_string_len(p, len)) != 0) {
            host->value_free(array);
            return NULL;
        }
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    return array;
}

static int collect_row(void *userdata, int ncols, const char *const *names,
                       const char *const *values, const int *is_null)
{
    collect_state *st = userdata;
    const gl_host *host = st->host;
    gl_value *row = NULL;
    static const struct { const char *key; int col; } text_cols[] = {
        { "setting", COL_SETTING }, { "unit", COL_UNIT }, { "source", COL_SOURCE },
        { "context", COL_CONTEXT }, { "vartype", COL_VARTYPE }, { "boot_val", COL_BOOT_VAL },
        { "reset_val", COL_RESET_VAL },
    };

    if (ncols != N_COLS || is_null[COL_NAME]) {
        host->set_error(st->ctx, "parameters: pg_settings returned %d columns, expected %d", ncols,
                        N_COLS);
        st->failed = 1;
        return 1;
    }
    row = host->value_object();
    if (row == NULL)
        goto oom;
    for (size_t i = 0; i < sizeof(text_cols) / sizeof(text_cols[0]); i++)
        if (host->object_set(row, text_cols[i].key,
                             text_or_null(host, values, is_null, text_cols[i].col)) != 0)
            goto oom;
    if (host->object_set(row, "pending_restart",
                         host->value_bool(!is_null[COL_PENDING_RESTART] &&
                                          values[COL_PENDING_RESTART][0] == 't')) != 0)
        goto oom;
    if (!is_null[COL_ENUMVALS] &&
        host->object_set(row, "enumvals", split_enumvals(host, values[COL_ENUMVALS])) != 0)
        goto oom;
    if (host->object_set(st->settings, values[COL_NAME], row) != 0) {
        row = NULL;   /* object_set freed it */
        goto oom;
    }
    return 0;
oom:
    host->value_free(row);
    host->set_error(st->ctx, "parameters: out of memory storing pg_settings rows");
    st->failed = 1;
    return 1;
}

static int version_row(void *userdata, int ncols, const char *const *names,
                       const char *const *values, const int *is_null)
{
    int *num = userdata;

    if (ncols >= 1 && !is_null[0])
        *num = atoi(values[0]);
    return 0;
}

static int parameters_collect(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out_facts)
{
    collect_state st = { ctx, host, NULL, 0 };
    gl_value *facts = NULL;
    char sql[sizeof(settings_sql) + 64];
    int num;
    int rc = -1;

    *out_facts = NULL;
    num = host->server_version_num(ctx, side);
    if (num < 0) {
        num = 0;
        if (host->query(ctx, side, "SELECT pg_catalog.current_setting('server_version_num')", 0,
                        NULL, version_row, &num) != 0)
            goto out;
    }
    /* pending_restart arrived in 9.5; older servers cannot have one pending. */
    snprintf(sql, sizeof(sql), settings_sql, num >= 90500 ? "pending_restart" : "false");

    facts = host->value_object();
    st.settings = host->value_object();
    if (facts == NULL || st.settings == NULL) {
        host->value_free(st.settings);
        host->set_error(ctx, "parameters: out of memory");
        goto out;
    }
    if (host->query(ctx, side, sql, 0, NULL, collect_row, &st) != 0) {
        host->value_free(st.settings);
        goto out;   /* the row callback or the host set the error */
    }
    if (host->object_set(facts, "server_version_num", host->value_int(num)) != 0 ||
        host->object_set(facts, "settings", st.settings) != 0) {
        host->set_error(ctx, "parameters: out of memory");
        goto out;
    }
    *out_facts = facts;
    facts = NULL;
    rc = 0;
out:
    host->value_free(facts);
    return rc;
}

/* ------------------------------------------------------------------ ignore list */

typedef struct ignore_list {
    char **patterns;
    size_t count, cap;
} ignore_list;

static void ignore_free(ignore_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->patterns[i]);
    free(l->patterns);
    l->patterns = NULL;
    l->count = l->cap = 0;
}

static int ignore_add(gl_ctx *ctx, const gl_host *host, ignore_list *l, const char *pattern)
{
    char *copy;

    if (l->count >= MAX_IGNORE_PATTERNS)
        return host->set_error(ctx, "parameters: too many ignore patterns (limit %d)",
                               MAX_IGNORE_PATTERNS);
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **grown = realloc(l->patterns, cap * sizeof(*grown));

        if (grown == NULL)
            return host->set_error(ctx, "parameters: out of memory");
        l->patterns = grown;
        l->cap = cap;
    }
    copy = strdup(pattern);
    if (copy == NULL)
        return host->set_error(ctx, "parameters: out of memory");
    l->patterns[l->count++] = copy;
    return 0;
}

static int ignore_add_array(gl_ctx *ctx, const gl_host *host, ignore_list *l,
                            const gl_value *array, const char *key)
{
    if (host->value_kind(array) != GL_VALUE_ARRAY)
        return host->set_error(ctx, "parameters: config \"%s\" must be an array of setting "
                               "names or patterns", key);
    for (size_t i = 0; i < host->value_len(array); i++) {
        const char *s = host->value_get_string(host->array_at(array, i));

        if (s == NULL || s[0] == '\0')
            return host->set_error(ctx, "parameters: config \"%s\" item %zu is not a non-empty "
                                   "string", key, i);
        if (ignore_add(ctx, host, l, s) != 0)
            return -1;
    }
    return 0;
}

static int ignore_add_file(gl_ctx *ctx, const gl_host *host, ignore_list *l, const char *path)
{
    char line[MAX_IGNORE_LINE];
    FILE *f = fopen(path, "r");
    int rc = -1;
    int lineno = 0;

    if (f == NULL)
        return host->set_error(ctx, "parameters: cannot read ignore_file %s: %s", path,
                               strerror(errno));
    while (fgets(line, sizeof(line), f) != NULL) {
        char *pattern;

        lineno++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            host->set_error(ctx, "parameters: ignore_file %s line %d is too long", path, lineno);
            goto out;
        }
        pattern = parameters_ignore_line(line);
        if (pattern != NULL && ignore_add(ctx, host, l, pattern) != 0)
            goto out;
    }
    if (ferror(f)) {
        host->set_error(ctx, "parameters: error reading ignore_file %s", path);
        goto out;
    }
    rc = 0;
out:
    fclose(f);
    return rc;
}

/*
 * Builds the ignore list from config: "ignore" (array) replaces the built-in
 * list, else "ignore_file" (path) replaces it, else the built-in list;
 * "ignore_add" (array) extends whichever was chosen.
 */
static int ignore_load(gl_ctx *ctx, const gl_host *host, ignore_list *l)
{
    const gl_value *config = host->config(ctx);
    const gl_value *ignore = host->object_get(config, "ignore");
    const gl_value *file = host->object_get(config, "ignore_file");
    const gl_value *add = host->object_get(config, "ignore_add");

    if (ignore != NULL) {
        if (ignore_add_array(ctx, host, l, ignore, "ignore") != 0)
            return -1;
    } else if (file != NULL) {
        const char *path = host->value_get_string(file);

        if (path == NULL || path[0] == '\0')
            return host->set_error(ctx, "parameters: config \"ignore_file\" must be a path");
        if (ignore_add_file(ctx, host, l, path) != 0)
            return -1;
    } else {
        for (size_t i = 0; parameters_default_ignore[i] != NULL; i++)
            if (ignore_add(ctx, host, l, parameters_default_ignore[i]) != 0)
                return -1;
    }
    if (add != NULL && ignore_add_array(ctx, host, l, add, "ignore_add") != 0)
        return -1;
    return 0;
}

static int is_ignored(const ignore_list *l, const char *name)
{
    for (size_t i = 0; i < l->count; i++)
        if (parameters_glob_match(l->patterns[i], name))
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ compare */

typedef struct side_setting {
    const gl_value *obj;
    parameters_value value;
    const char *source;
    const char *context;
} side_setting;

static void read_setting(const gl_host *host, const gl_value *obj, side_setting *out)
{
    out->obj = obj;
    out->value.setting = host->value_get_string(host->object_get(obj, "setting"));
    out->value.unit = host->value_get_string(host->object_get(obj, "unit"));
    out->value.vartype = host->value_get_string(host->object_get(obj, "vartype"));
    out->source = host->value_get_string(host->object_get(obj, "source"));
    out->context = host->value_get_string(host->object_get(obj, "context"));
}

/* The value a person reads in a finding: "128MB", "on", or null. */
static gl_value *human_value(const gl_host *host, const parameters_value *v)
{
    char buf[512];

    if (parameters_format_value(v, buf, sizeof(buf)) != 0)
        return host->value_null();
    return host->value_string(buf);
}

/* The normalised value for details: a number (bytes, microseconds) or text. */
static gl_value *normal_value(const gl_host *host, const parameters_value *v)
{
    parameters_normal n;

    parameters_normalise(v, &n);
    if (n.is_null)
        return host->value_null();
    if (!n.numeric)
        return host->value_string(strlen(v->setting) >= sizeof(n.text) ? v->setting : n.text);
    /* integers as JSON integers; the range check keeps the cast defined */
    if (n.number > -9e15 && n.number < 9e15 && n.number == (double)(int64_t)n.number)
        return host->value_int((int64_t)n.number);
    return host->value_number(n.number);
}

static const char *unit_name(parameters_unit_kind kind)
{
    return kind == PARAMETERS_UNIT_MEMORY ? "bytes" : kind == PARAMETERS_UNIT_TIME ? "microseconds"
                                                                               : NULL;
}

/* Sets key to a string or null; returns 0 or -1 (out of memory). */
static int set_str(const gl_host *host, gl_value *obj, const char *key, const char *s)
{
    return host->object_set(obj, key, s != NULL ? host->value_string(s) : host->value_null());
}

/* A human value for a message: quoted when empty so "" is visible, "null" when null. */
static const char *shown(const gl_host *host, const gl_value *human)
{
    const char *s = host->value_get_string(human);

    return s == NULL ? "null" : s[0] == '\0' ? "\"\"" : s;
}

static int compare_both(gl_ctx *ctx, const gl_host *host, const char *name, const side_setting *b,
                        const side_setting *g)
{
    gl_value *details = NULL, *hb = NULL, *hg = NULL;
    parameters_normal nb, ng, *numeric_side;
    char message[1024];
    int both_default, unit_differs;

    if (parameters_values_equal(&b->value, &g->value))
        return 0;
    both_default = b->source != NULL && g->source != NULL && strcmp(b->source, "default") == 0 &&
                   strcmp(g->source, "default") == 0;
    parameters_normalise(&b->value, &nb);
    parameters_normalise(&g->value, &ng);
    /* the side whose number has a unit names normalised_unit (-1 on the other has none) */
    numeric_side = nb.numeric && !nb.sentinel ? &nb : ng.numeric && !ng.sentinel ? &ng : NULL;
    details = host->value_object();
    hb = human_value(host, &b->value);
    hg = human_value(host, &g->value);
    if (details == NULL || hb == NULL || hg == NULL)
        goto oom;
    unit_differs = (b->value.unit == NULL) != (g->value.unit == NULL) ||
                   (b->value.unit != NULL && strcmp(b->value.unit, g->value.unit) != 0);
    /* "unit" is blue's; green's is only added when it differs (8kB vs kB). */
    if (set_str(host, details, "unit", b->value.unit) != 0 ||
        (unit_differs && set_str(host, details, "unit_green", g->value.unit) != 0) ||
        set_str(host, details, "vartype", g->value.vartype) != 0 ||
        set_str(host, details, "source_blue", b->source) != 0 ||
        set_str(host, details, "source_green", g->source) != 0 ||
        set_str(host, details, "context", g->context) != 0 ||
        set_str(host, details, "blue_raw", b->value.setting) != 0 ||
        set_str(host, details, "green_raw", g->value.setting) != 0 ||
        host->object_set(details, "normalised_blue", normal_value(host, &b->value)) != 0 ||
        host->object_set(details, "normalised_green", normal_value(host, &g->value)) != 0 ||
        (numeric_side != NULL && unit_name(numeric_side->kind) != NULL &&
         set_str(host, details, "normalised_unit", unit_name(numeric_side->kind)) != 0) ||
        host->object_set(details, "default_on_both", host->value_bool(both_default)) != 0)
        goto oom;
    snprintf(message, sizeof(message),
             both_default ? "%s has a different built-in default: %s on blue, %s on green."
                          : "%s differs: %s on blue, %s on green.",
             name, shown(host, hb), shown(host, hg));
    return gl_plugin_emit(ctx, host,
                        both_default ? "parameters.default_changed" : "parameters.changed",
                        both_default ? GL_SEVERITY_INFO : GL_SEVERITY_WARNING, name, hb, hg,
                        details, message);
oom:
    host->value_free(details);
    host->value_free(hb);
    host->value_free(hg);
    return host->set_error(ctx, "parameters: out of memory");
}

static int compare_one_side(gl_ctx *ctx, const gl_host *host, const char *name,
                            const side_setting *s, gl_side side)
{
    gl_value *details = host->value_object();
    gl_value *human = human_value(host, &s->value);
    const char *code;
    gl_severity sev;
    char message[1024];

    if (details == NULL || human == NULL ||
        set_str(host, details, side == GL_SIDE_BLUE ? "source_blue" : "source_green",
                s->source) != 0 ||
        set_str(host, details, "context", s->context) != 0 ||
        set_str(host, details, side == GL_SIDE_BLUE ? "blue_raw" : "green_raw",
                s->value.setting) != 0 ||
        set_str(host, details, "unit", s->value.unit) != 0) {
        host->value_free(details);
        host->value_free(human);
        return host->set_error(ctx, "parameters: out of memory");
    }
    if (side == GL_SIDE_BLUE) {
        code = "parameters.only_on_blue";
        /* Somebody set it on blue and green will not know it: that setting is lost. */
        sev = parameters_source_is_builtin(s->source) ? GL_SEVERITY_INFO : GL_SEVERITY_WARNING;
        snprintf(message, sizeof(message),
                 "%s exists on blue (%s, source %s) but green does not know it.", name,
                 shown(host, human), s->source ? s->source : "unknown");
        return gl_plugin_emit(ctx, host, code, sev, name, human, NULL, details, message);
    }
    code = "parameters.only_on_green";
    snprintf(message, sizeof(message), "%s is new on green (%s, source %s).", name,
             shown(host, human), s->source ? s->source : "unknown");
    return gl_plugin_emit(ctx, host, code, GL_SEVERITY_INFO, name, NULL, human, details, message);
}

static int compare_pending(gl_ctx *ctx, const gl_host *host, const char *name,
                           const side_setting *s, gl_side side)
{
    const char *side_name = side == GL_SIDE_BLUE ? "blue" : "green";
    gl_value *details;
    gl_value *human;
    char message[1024];

    if (!host->value_get_bool(host->object_get(s->obj, "pending_restart")))
        return 0;
    details = host->value_object();
    human = human_value(host, &s->value);
    if (details == NULL || human == NULL || set_str(host, details, "side", side_name) != 0 ||
        set_str(host, details, "context", s->context) != 0) {
        host->value_free(details);
        host->value_free(human);
        return host->set_error(ctx, "parameters: out of memory");
    }
    snprintf(message, sizeof(message),
             "%s was changed on %s but needs a restart to take effect; the running value is "
             "not the configured one.", name, side_name);
    return gl_plugin_emit(ctx, host, "parameters.pending_restart", GL_SEVERITY_WARNING, name,
                        side == GL_SIDE_BLUE ? human : NULL, side == GL_SIDE_GREEN ? human : NULL,
                        details, message);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sorted, de-duplicated union of both sides' setting names (borrowed strings). */
static int union_names(gl_ctx *ctx, const gl_host *host, const gl_value *bs, const gl_value *gs,
                       const char ***out, size_t *out_n)
{
    size_t nb = host->value_len(bs), ng = host->value_len(gs), n = 0;
    const char **names = malloc((nb + ng + 1) * sizeof(*names));

    if (names == NULL)
        return host->set_error(ctx, "parameters: out of memory");
    for (size_t i = 0; i < nb; i++)
        names[n++] = host->object_key_at(bs, i);
    for (size_t i = 0; i < ng; i++)
        names[n++] = host->object_key_at(gs, i);
    qsort(names, n, sizeof(*names), cmp_names);
    if (n > 0) {
        size_t w = 1;

        for (size_t r = 1; r < n; r++)
            if (strcmp(names[r], names[w - 1]) != 0)
                names[w++] = names[r];
        n = w;
    }
    *out = names;
    *out_n = n;
    return 0;
}

static const gl_value *settings_of(gl_ctx *ctx, const gl_host *host, const gl_value *facts,
                                   const char *side)
{
    const gl_value *s = host->object_get(facts, "settings");

    if (host->value_kind(s) != GL_VALUE_OBJECT) {
        host->set_error(ctx, "parameters: %s facts have no \"settings\" object; collect them "
                        "again with this plugin version", side);
        return NULL;
    }
    return s;
}

static int parameters_compare(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
                              const gl_value *green)
{
    ignore_list ignore = { NULL, 0, 0 };
    const gl_value *bs, *gs;
    const char **names = NULL;
    size_t n = 0, compared = 0;
    int rc = -1;

    bs = settings_of(ctx, host, blue, "blue");
    gs = bs != NULL ? settings_of(ctx, host, green, "green") : NULL;
    if (gs == NULL)
        goto out;
    if (ignore_load(ctx, host, &ignore) != 0 || union_names(ctx, host, bs, gs, &names, &n) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const gl_value *bo = host->object_get(bs, names[i]);
        const gl_value *go = host->object_get(gs, names[i]);
        side_setting b, g;

        if (is_ignored(&ignore, names[i]))
            continue;
        compared++;
        read_setting(host, bo, &b);
        read_setting(host, go, &g);
        if (bo != NULL && go != NULL) {
            if (compare_both(ctx, host, names[i], &b, &g) != 0)
                goto out;
        } else if (bo != NULL) {
            if (compare_one_side(ctx, host, names[i], &b, GL_SIDE_BLUE) != 0)
                goto out;
        } else if (compare_one_side(ctx, host, names[i], &g, GL_SIDE_GREEN) != 0) {
            goto out;
        }
        if ((bo != NULL && compare_pending(ctx, host, names[i], &b, GL_SIDE_BLUE) != 0) ||
            (go != NULL && compare_pending(ctx, host, names[i], &g, GL_SIDE_GREEN) != 0))
            goto out;
    }
    /* A check that compared nothing says so: it is not "ok". */
    if (compared == 0 && n > 0) {
        host->set_error(ctx, "parameters: the ignore list leaves no setting to compare (%zu ignored): "
                        "narrow \"ignore\", \"ignore_file\" or \"ignore_add\" in --config, or leave the "
                        "check out with --plugins", n);
        goto out;
    }
    rc = 0;
out:
    free(names);
    ignore_free(&ignore);
    return rc;
}

/* Both sides at once (greenlight/plugin_pair.h): collect is two queries and
 * calls only what plugin.h allows from two threads. */
static int parameters_collect_pair(gl_ctx *ctx, const gl_host *host, gl_value **out_blue,
                                   gl_value **out_green)
{
    return gl_plugin_collect_both(ctx, host, parameters_collect, out_blue, out_green);
}

GL_PLUGIN_DEFINE(.name = "parameters", .version = PARAMETERS_VERSION,
                 .description =
                     "Compares server parameters (pg_settings) between blue and green, by unit",
                 .collect = parameters_collect, .compare = parameters_compare,
                 .collect_pair = parameters_collect_pair)
