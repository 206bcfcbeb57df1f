/*
 * inputs.c — stage 1: everything a user can get wrong is checked before
 * touching a server (arguments, policy, change, config, waivers, plugins).
 */
#include "run/stages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "judge/waiver.h"
#include "plugin/invoke.h"
#include "plugin/loader.h"

/* Each input's own size limit (share/doc/exit-codes.md, "Input size limits"). */
#define GL_POLICY_MAX (4u * 1024u * 1024u)
#define GL_CHANGE_MAX (1024u * 1024u)
#define GL_CONFIG_MAX (1024u * 1024u)

void gl_check_options_default(gl_check_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    gl_target_options_default(&opts->target);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

const char *gl_default_policy_path(void)
{
    static const char *const candidates[] = {
        GL_SOURCE_DIR "/policies/default.lua",
        GL_DATA_INSTALL_DIR "/policies/default.lua",
    };
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
        if (file_exists(candidates[i]))
            return candidates[i];
    return candidates[1];
}

int gl_config_load(const char *path, gl_value **out, gl_error *err)
{
    char msg[1024];
    const gl_value *plugins;

    *out = NULL;
    if (path == NULL) {
        *out = gl_value_object();
        return *out ? 0 : gl_error_set(err, GL_EXIT_INTERNAL, "out of memory");
    }
    if (gl_json_parse_file_limit(path, GL_CONFIG_MAX, out, msg, sizeof(msg)) != 0)
        return gl_error_set(err, GL_EXIT_USAGE, "--config: %s", msg);
    if (gl_value_kind_of(*out) != GL_VALUE_OBJECT)
        goto bad;
    plugins = gl_value_object_get(*out, "plugins");
    if (plugins != NULL && gl_value_kind_of(plugins) != GL_VALUE_OBJECT)
        goto bad;
    for (size_t i = 0; i < gl_value_len(plugins); i++)
        if (gl_value_kind_of(gl_value_object_value_at(plugins, i)) != GL_VALUE_OBJECT)
            goto bad;
    return 0;
bad:
    gl_value_free(*out);
    *out = NULL;
    return gl_error_set(err, GL_EXIT_USAGE,
                        "--config %s: expected {\"plugins\": {\"<plugin>\": {...}}} "
                        "(see share/doc/configuration.md)", path);
}

static int load_change(const char *path, gl_value **out, gl_error *err)
{
    char msg[1024];
    static const char *const string_keys[] = {"id", "ticket", "kind", "description", "target_version"};

    *out = NULL;
    if (path == NULL) {
        *out = gl_value_null();
        return *out ? 0 : gl_error_set(err, GL_EXIT_INTERNAL, "out of memory");
    }
    if (gl_json_parse_file_limit(path, GL_CHANGE_MAX, out, msg, sizeof(msg)) != 0)
        return gl_error_set(err, GL_EXIT_USAGE, "--change: %s", msg);
    if (gl_value_kind_of(*out) != GL_VALUE_OBJECT)
        goto bad;
    for (size_t i = 0; i < sizeof(string_keys) / sizeof(string_keys[0]); i++) {
        const gl_value *v = gl_value_object_get(*out, string_keys[i]);
        if (v != NULL && gl_value_kind_of(v) != GL_VALUE_STRING && gl_value_kind_of(v) != GL_VALUE_NULL &&
            !(strcmp(string_keys[i], "target_version") == 0 &&
              (gl_value_kind_of(v) == GL_VALUE_INT || gl_value_kind_of(v) == GL_VALUE_NUMBER))) {
            gl_value_free(*out);
            *out = NULL;
            return gl_error_set(err, GL_EXIT_USAGE, "--change %s: \"%s\" must be a string", path,
                                string_keys[i]);
        }
    }
    const gl_value *params = gl_value_object_get(*out, "parameters");
    if (params != NULL && gl_value_kind_of(params) != GL_VALUE_OBJECT)
        goto bad;
    return 0;
bad:
    gl_value_free(*out);
    *out = NULL;
    return gl_error_set(err, GL_EXIT_USAGE,
                        "--change %s: expected an object like {\"id\": \"CHG-1\", \"kind\": "
                        "\"parameters\", \"parameters\": {\"work_mem\": \"64MB\"}} "
                        "(see share/doc/policy.md)", path);
}

int gl_run_inputs_load(gl_run *run, gl_error *err)
{
    const gl_check_options *opts = run->opts;

    run->policy_path = opts->policy_path ? opts->policy_path : gl_default_policy_path();
    if (opts->blue == NULL || opts->green == NULL)
        return gl_error_set(err, GL_EXIT_USAGE,
                            "check needs --blue and --green (conninfo, URI or snapshot file)");
    if (gl_file_read(run->policy_path, GL_POLICY_MAX, &run->policy_text, &run->policy_len, err) != 0) {
        return gl_error_prefix(err, "--policy");
    }
    gl_sha256_hex(run->policy_text, run->policy_len, run->policy_sha256);
    if (load_change(opts->change_path, &run->change, err) != 0 ||
        gl_config_load(opts->config_path, &run->config, err) != 0 ||
        (opts->waivers_path != NULL && gl_waivers_load(opts->waivers_path, &run->waivers, err) != 0) ||
        gl_plugins_load(&run->plugins, opts->plugin_dirs, opts->n_plugin_dirs, err) != 0 ||
        gl_plugins_select(&run->plugins, opts->only_plugins, err) != 0)
        return -1;

    run->findings = gl_value_array();
    run->errors = gl_value_array();
    run->facts = gl_value_object();
    if (!run->findings || !run->errors || !run->facts ||
        gl_value_object_set(run->facts, "blue", gl_value_object()) != 0 ||
        gl_value_object_set(run->facts, "green", gl_value_object()) != 0)
        return gl_error_set(err, GL_EXIT_INTERNAL, "out of memory");
    return 0;
}
