/*
 * formats — the declared shape of every input file (mirrored by the JSON
 * Schemas in share/schema/), and the loaders that read and check them.
 */
#include "input/input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "input/shape.h"
#include "util/buf.h"
#include "util/names.h"
#include "util/units.h"
#include "value/value.h"

/* ------------------------------------------------------------ shared pieces */

static const gl_shape any_value = {GL_SHAPE_ANY, NULL, NULL, NULL, NULL, 0, NULL};
static const gl_shape free_object = {GL_SHAPE_OBJECT, NULL, NULL, NULL, NULL, 0, NULL};
static const gl_shape string_value = {GL_SHAPE_STRING, NULL, NULL, NULL, NULL, 0, NULL};
static const gl_shape nonempty_string = {GL_SHAPE_STRING, NULL, NULL, NULL, NULL, 1, NULL};
static const gl_shape string_or_null = {GL_SHAPE_STRING | GL_SHAPE_NULL, NULL, NULL, NULL, NULL, 0, NULL};
static const gl_shape integer_value = {GL_SHAPE_INT, NULL, NULL, NULL, NULL, 0, NULL};
static const gl_shape number_value = {GL_SHAPE_NUMBER, NULL, NULL, NULL, NULL, 0, NULL};
static const gl_shape bool_value = {GL_SHAPE_BOOL, NULL, NULL, NULL, NULL, 0, NULL};
static const gl_shape date_value = {GL_SHAPE_STRING, NULL, NULL, NULL, NULL, 0, gl_shape_rule_date};
static const gl_shape string_list = {GL_SHAPE_ARRAY, NULL, NULL, &string_value, NULL, 0, NULL};
static const gl_shape name_list = {GL_SHAPE_ARRAY, NULL, NULL, &nonempty_string, NULL, 0, NULL};
/* A pattern, a list of patterns, or null (the schema plugin's filters). */
static const gl_shape patterns = {GL_SHAPE_STRING | GL_SHAPE_ARRAY | GL_SHAPE_NULL, NULL, NULL, &string_value,
                                  NULL, 0, NULL};

/* ------------------------------------------------------------------ change */

static const gl_shape_member approval_members[] = {
    {"by", &nonempty_string, 1},
    {"at", &date_value, 0},
    {"comment", &string_value, 0},
    {NULL, NULL, 0},
};
static int approval_rule(const gl_value *v, char *why, size_t len)
{
    if (gl_value_kind_of(v) == GL_VALUE_STRING && gl_value_string_length(v) == 0) {
        snprintf(why, len, "an approval names who approved: a non-empty string or {\"by\": \"name\"}");
        return -1;
    }
    return 0;
}
static const gl_shape approval = {GL_SHAPE_STRING | GL_SHAPE_OBJECT, approval_members, NULL, NULL,
                                  NULL, 0, approval_rule};
static const gl_shape approvals = {GL_SHAPE_ARRAY, NULL, NULL, &approval, NULL, 0, NULL};
/* A number with a unit PostgreSQL refuses because of its case ("64mb",
 * "1Gb", "10S"): the server would refuse the setting, so the change file
 * cannot declare it. Other strings are the setting's own business. */
static int is_blank(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int declared_setting_rule(const gl_value *v, char *why, size_t len)
{
    const char *s = gl_value_get_string(v), *num, *rest;
    const gl_unit *unit;
    char memory[96], time[96];
    double number;
    size_t used, n;

    if (s == NULL || gl_units_parse(s, &number, &unit) == 0)
        return 0;
    for (num = s; is_blank(*num); num++)
        ;
    used = gl_units_scan_number(num, &number);
    if (used == 0)
        return 0;
    for (rest = num + used; is_blank(*rest); rest++)
        ;
    for (n = strlen(rest); n > 0 && is_blank(rest[n - 1]); n--)
        ;
    for (const gl_unit *u = gl_units; u->name != NULL; u++) {
        if (strlen(u->name) != n || strncasecmp(u->name, rest, n) != 0)
            continue;
        gl_units_accepted(GL_UNIT_MEMORY, memory, sizeof(memory));
        gl_units_accepted(GL_UNIT_TIME, time, sizeof(time));
        snprintf(why, len, "\"%s\" is not a unit PostgreSQL accepts (units are case-sensitive): "
                 "write \"%.*s%s\"; memory units are %s, time units are %s, and a bare number is "
                 "in the setting's own unit (pg_settings.unit)", s, (int)used, num, u->name, memory,
                 time);
        return -1;
    }
    return 0;
}
static const gl_shape declared_setting = {GL_SHAPE_STRING | GL_SHAPE_NUMBER | GL_SHAPE_BOOL | GL_SHAPE_NULL,
                                          NULL, NULL, NULL, NULL, 0, declared_setting_rule};
static const gl_shape declared_parameters = {GL_SHAPE_OBJECT, NULL, &declared_setting, NULL, NULL, 0, NULL};
static const gl_shape target_version = {GL_SHAPE_STRING | GL_SHAPE_NUMBER | GL_SHAPE_NULL, NULL, NULL,
                                        NULL, NULL, 0, NULL};
static const gl_shape_member change_members[] = {
    {"id", &string_or_null, 0},
    {"ticket", &string_or_null, 0},
    {"kind", &string_or_null, 0},
    {"description", &string_or_null, 0},
    {"target_version", &target_version, 0},
    {"parameters", &declared_parameters, 0},
    {"schema", &name_list, 0},
    {"approvals", &approvals, 0},
    {NULL, NULL, 0},
};
static const gl_shape change_shape = {GL_SHAPE_OBJECT, change_members, NULL, NULL, NULL, 0, NULL};

/* ------------------------------------------------------------------ config */

static const gl_shape_member parameters_config[] = {
    {"ignore", &string_list, 0},
    {"ignore_file", &nonempty_string, 0},
    {"ignore_add", &string_list, 0},
    {NULL, NULL, 0},
};
static const gl_shape_member engine_version_config[] = {
    {"data_file", &nonempty_string, 0},
    {NULL, NULL, 0},
};
static const char *const readiness_modes[] = {"auto", "always", "never", NULL};
static const gl_shape readiness_mode = {GL_SHAPE_STRING, NULL, NULL, NULL, readiness_modes, 0, NULL};
static const gl_shape_member schema_config[] = {
    {"include_schemas", &patterns, 0},
    {"exclude_schemas", &patterns, 0},
    {"exclude_objects", &patterns, 0},
    {"replication_readiness", &readiness_mode, 0},
    {NULL, NULL, 0},
};
static const gl_shape_member import_members[] = {
    {"top", &integer_value, 0},
    {"params", &nonempty_string, 0},
    {NULL, NULL, 0},
};
static const gl_shape import_config = {GL_SHAPE_OBJECT, import_members, NULL, NULL, NULL, 0, NULL};
static const gl_shape_member query_regression_config[] = {
    {"workload", &nonempty_string, 0},
    {"samples", &number_value, 0},
    {"warmup", &number_value, 0},
    {"confidence", &number_value, 0},
    {"effect_tolerance", &number_value, 0},
    {"min_effect_ms", &number_value, 0},
    {"statement_timeout_ms", &number_value, 0},
    {"noise_floor", &number_value, 0},
    {"pass_gap_ms", &number_value, 0},
    {"analyze_green", &bool_value, 0},
    {"pg_stat_statements", &import_config, 0},
    {NULL, NULL, 0},
};
static const gl_shape parameters_shape = {GL_SHAPE_OBJECT, parameters_config, NULL, NULL, NULL, 0, NULL};
static const gl_shape engine_version_shape = {GL_SHAPE_OBJECT, engine_version_config, NULL, NULL, NULL, 0, NULL};
static const gl_shape schema_shape = {GL_SHAPE_OBJECT, schema_config, NULL, NULL, NULL, 0, NULL};
static const gl_shape query_regression_shape = {GL_SHAPE_OBJECT, query_regression_config, NULL, NULL,
                                                NULL, 0, NULL};
/* The shipped plugins' keys; a plugin not listed here (a third party's)
 * takes any object, and its name is checked against the loaded plugins. */
static const gl_shape_member plugin_configs[] = {
    {"parameters", &parameters_shape, 0},
    {"engine_version", &engine_version_shape, 0},
    {"schema", &schema_shape, 0},
    {"query_regression", &query_regression_shape, 0},
    {NULL, NULL, 0},
};
static const gl_shape plugins_config = {GL_SHAPE_OBJECT, plugin_configs, &free_object, NULL, NULL, 0, NULL};
static const gl_shape_member config_members[] = {
    {"plugins", &plugins_config, 0},
    {NULL, NULL, 0},
};
static const gl_shape config_shape = {GL_SHAPE_OBJECT, config_members, NULL, NULL, NULL, 0, NULL};

/* ----------------------------------------------------------------- waivers */

static const gl_shape_member waiver_members[] = {
    {"code", &nonempty_string, 1},
    {"object", &nonempty_string, 1},
    {"reason", &nonempty_string, 1},
    {"owner", &nonempty_string, 1},
    {"expires", &date_value, 1},
    {"created", &date_value, 0},
    {NULL, NULL, 0},
};
static const gl_shape waiver_shape = {GL_SHAPE_OBJECT, waiver_members, NULL, NULL, NULL, 0, NULL};
static const gl_shape waivers_shape = {GL_SHAPE_ARRAY, NULL, NULL, &waiver_shape, NULL, 0, NULL};

/* ---------------------------------------------------------------- snapshot */

static const gl_shape_member identity_members[] = {
    {"system_identifier", &string_or_null, 0},
    {"database_oid", &integer_value, 1},
    {"database", &string_value, 1},
    {"postmaster_start_time", &nonempty_string, 1},
    {"data_directory", &string_or_null, 0},
    {"host", &string_or_null, 0},
    {"port", &string_or_null, 0},
    {"user", &string_or_null, 0},
    {"server_address", &string_or_null, 0},
    {NULL, NULL, 0},
};
static const gl_shape identity_shape = {GL_SHAPE_OBJECT, identity_members, NULL, NULL, NULL, 0, NULL};
static int snapshot_version_rule(const gl_value *v, char *why, size_t len)
{
    if (gl_value_get_int(v) != 1) {
        snprintf(why, len, "this greenlight reads snapshot version 1: take the snapshot again with "
                           "`greenlight snapshot`");
        return -1;
    }
    return 0;
}
static const gl_shape snapshot_version = {GL_SHAPE_INT, NULL, NULL, NULL, NULL, 0, snapshot_version_rule};
static const gl_shape_member snapshot_plugin_members[] = {
    {"version", &string_value, 1},
    {"facts", &any_value, 1},
    {NULL, NULL, 0},
};
static const gl_shape snapshot_plugin = {GL_SHAPE_OBJECT, snapshot_plugin_members, NULL, NULL, NULL, 0, NULL};
static const gl_shape snapshot_plugins = {GL_SHAPE_OBJECT, NULL, &snapshot_plugin, NULL, NULL, 0, NULL};
static const gl_shape_member snapshot_members[] = {
    {"greenlight_snapshot", &snapshot_version, 1},
    {"greenlight_version", &string_value, 1},
    {"taken_at", &nonempty_string, 1},
    {"target", &string_value, 1},
    {"server_version", &string_value, 1},
    {"server_version_num", &integer_value, 1},
    {"identity", &identity_shape, 0},
    {"plugins", &snapshot_plugins, 1},
    {NULL, NULL, 0},
};
static const gl_shape snapshot_shape = {GL_SHAPE_OBJECT, snapshot_members, NULL, NULL, NULL, 0, NULL};

/* ------------------------------------------------------------ policy input */

static int dotted_rule(const gl_value *v, char *why, size_t len, int dots)
{
    const char *s = gl_value_get_string(v);
    int fresh = 1;

    for (const char *c = s; c && *c; c++) {
        if (*c == '.' && dots && !fresh) {
            fresh = 1;
            continue;
        }
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            goto bad;
        fresh = 0;
    }
    if (s && !fresh)
        return 0;
bad:
    snprintf(why, len, dots ? "must be a dotted code of [a-z0-9_] words, got \"%.60s\""
                            : "must be a plugin name of [a-z0-9_], got \"%.60s\"", s ? s : "");
    return -1;
}
static int check_name_rule(const gl_value *v, char *why, size_t len) { return dotted_rule(v, why, len, 0); }
static int code_rule(const gl_value *v, char *why, size_t len) { return dotted_rule(v, why, len, 1); }
static const gl_shape check_name = {GL_SHAPE_STRING, NULL, NULL, NULL, NULL, 0, check_name_rule};
static const gl_shape finding_code = {GL_SHAPE_STRING, NULL, NULL, NULL, NULL, 0, code_rule};
static const gl_shape severity = {GL_SHAPE_STRING, NULL, NULL, NULL, gl_severity_names, 0, NULL};
static int true_rule(const gl_value *v, char *why, size_t len)
{
    if (!gl_value_get_bool(v)) {
        snprintf(why, len, "must be true when present (absent: not waived)");
        return -1;
    }
    return 0;
}
static const gl_shape waived_flag = {GL_SHAPE_BOOL, NULL, NULL, NULL, NULL, 0, true_rule};
static int positive_rule(const gl_value *v, char *why, size_t len)
{
    if (gl_value_get_int(v) < 1) {
        snprintf(why, len, "must be 1 or more (a 1-based index into waivers)");
        return -1;
    }
    return 0;
}
static const gl_shape waiver_index = {GL_SHAPE_INT, NULL, NULL, NULL, NULL, 0, positive_rule};
static int finding_rule(const gl_value *v, char *why, size_t len)
{
    if ((gl_value_object_get(v, "waived") == NULL) != (gl_value_object_get(v, "waiver") == NULL)) {
        snprintf(why, len, "\"waived\" and \"waiver\" come together");
        return -1;
    }
    return 0;
}
static const gl_shape_member finding_members[] = {
    {"id", &string_value, 1},
    {"check", &check_name, 1},
    {"code", &finding_code, 1},
    {"severity", &severity, 1},
    {"object", &string_value, 1},
    {"blue", &any_value, 1},
    {"green", &any_value, 1},
    {"message", &string_value, 1},
    {"details", &free_object, 1},
    {"waived", &waived_flag, 0},
    {"waiver", &waiver_index, 0},
    {NULL, NULL, 0},
};
static const gl_shape finding_shape = {GL_SHAPE_OBJECT, finding_members, NULL, NULL, NULL, 0, finding_rule};
static const gl_shape findings_shape = {GL_SHAPE_ARRAY, NULL, NULL, &finding_shape, NULL, 0, NULL};
static const gl_shape side_facts = {GL_SHAPE_OBJECT, NULL, &free_object, NULL, NULL, 0, NULL};
static const gl_shape_member facts_members[] = {
    {"blue", &side_facts, 1},
    {"green", &side_facts, 1},
    {NULL, NULL, 0},
};
static const gl_shape facts_shape = {GL_SHAPE_OBJECT, facts_members, NULL, NULL, NULL, 0, NULL};
static const gl_shape change_or_null = {GL_SHAPE_OBJECT | GL_SHAPE_NULL, change_members, NULL, NULL,
                                        NULL, 0, NULL};
static const char *const waiver_states[] = {"used", "unused", "expired", NULL};
static const gl_shape waiver_status = {GL_SHAPE_STRING, NULL, NULL, NULL, waiver_states, 0, NULL};
static const gl_shape integer_or_null = {GL_SHAPE_INT | GL_SHAPE_NULL, NULL, NULL, NULL, NULL, 0, NULL};
static const gl_shape_member applied_waiver_members[] = {
    {"code", &nonempty_string, 1},
    {"object", &nonempty_string, 1},
    {"reason", &nonempty_string, 1},
    {"owner", &nonempty_string, 1},
    {"expires", &date_value, 1},
    {"created", &date_value, 0},
    {"status", &waiver_status, 1},
    {"findings", &string_list, 1},
    {"days_left", &integer_value, 1},
    {"age_days", &integer_or_null, 1},
    {NULL, NULL, 0},
};
static const gl_shape applied_waiver = {GL_SHAPE_OBJECT, applied_waiver_members, NULL, NULL, NULL, 0, NULL};
static const gl_shape applied_waivers = {GL_SHAPE_ARRAY, NULL, NULL, &applied_waiver, NULL, 0, NULL};
static const char *const stages[] = {"connect", "plugin", "policy", "report", NULL};
static const gl_shape stage = {GL_SHAPE_STRING, NULL, NULL, NULL, stages, 0, NULL};
static const gl_shape_member error_members[] = {
    {"stage", &stage, 1},
    {"side", &string_or_null, 0},
    {"plugin", &string_or_null, 0},
    {"message", &string_value, 1},
    {NULL, NULL, 0},
};
static const gl_shape error_shape = {GL_SHAPE_OBJECT, error_members, NULL, NULL, NULL, 0, NULL};
static const gl_shape errors_shape = {GL_SHAPE_ARRAY, NULL, NULL, &error_shape, NULL, 0, NULL};
static const gl_shape_member policy_input_members[] = {
    {"findings", &findings_shape, 1},
    {"facts", &facts_shape, 1},
    {"change", &change_or_null, 1},
    {"waivers", &applied_waivers, 1},
    {"errors", &errors_shape, 1},
    {NULL, NULL, 0},
};
static const gl_shape policy_input_shape = {GL_SHAPE_OBJECT, policy_input_members, NULL, NULL, NULL, 0, NULL};

/* ----------------------------------------------------------------- loaders */

/* Each input's own size limit (share/doc/exit-codes.md, "Input size limits");
 * 0 is GL_JSON_MAX_FILE. */
static const struct {
    const char *name;
    const gl_shape *shape;
    size_t max_bytes;
} formats[GL_INPUT_FORMAT_COUNT] = {
    [GL_INPUT_CHANGE] = {"change", &change_shape, 1024u * 1024u},
    [GL_INPUT_CONFIG] = {"config", &config_shape, 1024u * 1024u},
    [GL_INPUT_WAIVERS] = {"waivers", &waivers_shape, 16u * 1024u * 1024u},
    [GL_INPUT_SNAPSHOT] = {"snapshot", &snapshot_shape, 0},
    [GL_INPUT_POLICY_INPUT] = {"policy-input", &policy_input_shape, 0},
};

const char *gl_input_format_name(gl_input_format f)
{
    return (unsigned)f < GL_INPUT_FORMAT_COUNT ? formats[f].name : "?";
}

int gl_input_format_of(const char *name)
{
    for (int i = 0; i < GL_INPUT_FORMAT_COUNT; i++)
        if (name != NULL && strcmp(formats[i].name, name) == 0)
            return i;
    return -1;
}

/* Standard input, read to EOF under the JSON file limit. */
static int read_stdin(const char *flag, size_t max_bytes, char **out, size_t *out_len, gl_error *err)
{
    static int used;
    char limit[32];
    gl_buf b;
    int rc;

    *out = NULL;
    if (used++)
        return gl_error_set(err, GL_ERR_USAGE, "%s -: standard input is already read by another "
                            "option; give a file instead", flag);
    gl_buf_init(&b, max_bytes);
    rc = gl_buf_read_fd(&b, STDIN_FILENO);
    if (rc == -3) {
        int e = errno;
        gl_buf_free(&b);
        return gl_error_set(err, GL_ERR_USAGE, "%s -: cannot read standard input: %s", flag,
                            strerror(e));
    }
    gl_size_text(max_bytes, limit, sizeof(limit));
    if (rc == GL_BUF_TOO_LARGE)
        return gl_error_set(err, GL_ERR_TOO_LARGE, "%s -: standard input is too large (the limit is %s)",
                            flag, limit);
    if (rc != GL_BUF_OK || (*out = gl_buf_take(&b, out_len)) == NULL)
        return gl_error_set(err, GL_ERR_NOMEM, "out of memory reading standard input");
    return 0;
}

int gl_input_read_json(const char *flag, const char *path, size_t max_bytes, gl_value **out,
                       gl_error *err)
{
    *out = NULL;
    if (path != NULL && strcmp(path, "-") == 0) {
        char *text = NULL;
        size_t len = 0;
        int rc;
        if (read_stdin(flag, max_bytes ? max_bytes : GL_JSON_MAX_FILE, &text, &len, err) != 0)
            return -1;
        rc = gl_json_parse(text, len, out, err);
        free(text);
        if (rc != 0)
            return gl_error_set(err, GL_ERR_USAGE, "%s - (standard input): %s", flag, err->message);
        return 0;
    }
    if (gl_json_parse_file_limit(path, max_bytes, out, err) != 0)
        return gl_error_set(err, GL_ERR_USAGE, "%s: %s", flag, err->message);
    return 0;
}

int gl_input_validate(gl_input_format f, const gl_value *v, const char *label, gl_error *err)
{
    if ((unsigned)f >= GL_INPUT_FORMAT_COUNT)
        return gl_error_set(err, GL_ERR_INTERNAL, "unknown input format");
    if (gl_shape_check(v, formats[f].shape, label, err) != 0) {
        size_t n = strlen(err->message);
        snprintf(err->message + n, sizeof(err->message) - n, " (format: share/schema/%s.schema.json)",
                 formats[f].name);
        return -1;
    }
    return 0;
}

int gl_input_load(gl_input_format f, const char *flag, const char *path, gl_value **out,
                  gl_error *err)
{
    char label[1200];

    if ((unsigned)f >= GL_INPUT_FORMAT_COUNT)
        return gl_error_set(err, GL_ERR_INTERNAL, "unknown input format");
    if (gl_input_read_json(flag, path, formats[f].max_bytes, out, err) != 0)
        return -1;
    snprintf(label, sizeof(label), "%s %s", flag, path);
    if (gl_input_validate(f, *out, label, err) != 0) {
        gl_value_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int gl_input_config_names_plugins(const gl_value *config, const char *path, const char *const *names,
                                  size_t n, gl_error *err)
{
    const gl_value *configured = gl_value_object_get(config, "plugins");

    for (size_t i = 0; path != NULL && i < gl_value_len(configured); i++) {
        const char *key = gl_value_object_key_at(configured, i);
        const char *near;
        size_t k = 0;

        while (k < n && strcmp(names[k], key) != 0)
            k++;
        if (k < n)
            continue;
        near = gl_shape_suggest(key, names, n);
        if (near != NULL)
            return gl_error_set(err, GL_ERR_USAGE, "--config %s: $.plugins.%s: no plugin of that name "
                                "(did you mean \"%s\"?)", path, key, near);
        return gl_error_set(err, GL_ERR_USAGE, "--config %s: $.plugins.%s: no plugin of that name is "
                            "installed (see `greenlight plugins`)", path, key);
    }
    return 0;
}
