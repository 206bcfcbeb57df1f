/*
 * inputs.c — stage 1: everything a user can get wrong is checked before
 * touching a server (arguments, policy, change, config, waivers, plugins).
 */
#include "run/stages.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input/input.h"
#include "judge/waiver.h"
#include "plugin/invoke.h"
#include "plugin/loader.h"


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

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "default, major_upgrade, strict": the shipped policies in dir, sorted. */
static void shipped_names(const char *dir, char *out, size_t len)
{
    char names[64][256];
    const char *sorted[64];
    size_t n = 0, used = 0;
    DIR *d = opendir(dir);
    struct dirent *e;

    out[0] = '\0';
    while (d != NULL && n < 64 && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 4 && l < sizeof(names[0]) && strcmp(e->d_name + l - 4, ".lua") == 0) {
            snprintf(names[n], sizeof(names[n]), "%.*s", (int)(l - 4), e->d_name);
            sorted[n] = names[n];
            n++;
        }
    }
    if (d != NULL)
        closedir(d);
    qsort(sorted, n, sizeof(sorted[0]), name_cmp);
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", sorted[i]);
    if (n == 0)
        snprintf(out, len, "none found in %.900s", dir); /* cut, not overflowed */
}

int gl_policy_resolve(const char *given, char *out, size_t len, gl_error *err)
{
    char dir[4096], names[1024];
    const char *slash;
    size_t n;

    if (given == NULL)
        given = gl_default_policy_path();
    if (strchr(given, '/') != NULL || file_exists(given) || given[0] == '\0') {
        if ((size_t)snprintf(out, len, "%s", given) >= len)
            return gl_error_set(err, GL_ERR_USAGE, "--policy: the path is too long");
        return 0;
    }
    snprintf(dir, sizeof(dir), "%s", gl_default_policy_path());
    slash = strrchr(dir, '/');
    if (slash != NULL)
        dir[slash - dir] = '\0';
    n = strlen(given);
    if ((size_t)snprintf(out, len, "%s/%s%s", dir, given,
                         n > 4 && strcmp(given + n - 4, ".lua") == 0 ? "" : ".lua") < len &&
        file_exists(out))
        return 0;
    shipped_names(dir, names, sizeof(names));
    return gl_error_set(err, GL_ERR_USAGE, "--policy %s: no such file, and not a shipped policy "
                        "(shipped: %s); give a path to a .lua file or one of those names",
                        given, names);
}

int gl_config_load(const char *path, gl_value **out, gl_error *err)
{
    *out = NULL;
    if (path == NULL) {
        *out = gl_value_object();
        return *out ? 0 : gl_error_nomem(err);
    }
    return gl_input_load(GL_INPUT_CONFIG, "--config", path, out, err);
}

int gl_config_check_plugins(const gl_value *config, const char *config_path,
                            const gl_plugin_set *plugins, gl_error *err)
{
    const char *names[256];
    size_t n = 0;

    for (size_t i = 0; i < plugins->count && n < sizeof(names) / sizeof(names[0]); i++)
        if (plugins->items[i].state == GL_PLUGIN_LOADED)
            names[n++] = plugins->items[i].desc->name;
    return gl_input_config_names_plugins(config, config_path, names, n, err);
}

static int load_change(const char *path, gl_value **out, gl_error *err)
{
    *out = NULL;
    if (path == NULL) {
        *out = gl_value_null();
        return *out ? 0 : gl_error_nomem(err);
    }
    return gl_input_load(GL_INPUT_CHANGE, "--change", path, out, err);
}

int gl_run_inputs_load(gl_run *run, gl_error *err)
{
    const gl_check_options *opts = run->opts;

    if (gl_policy_resolve(opts->policy_path, run->policy_resolved, sizeof(run->policy_resolved),
                          err) != 0)
        return -1;
    run->policy_path = run->policy_resolved;
    if (opts->blue == NULL || opts->green == NULL)
        return gl_error_set(err, GL_ERR_USAGE,
                            "check needs --blue and --green (conninfo, URI or snapshot file)");
    if (gl_file_read(run->policy_path, GL_POLICY_MAX, &run->policy_text, &run->policy_len, err) != 0) {
        return gl_error_prefix(err, "--policy");
    }
    gl_sha256_hex(run->policy_text, run->policy_len, run->policy_sha256);
    if (load_change(opts->change_path, &run->change, err) != 0 ||
        gl_config_load(opts->config_path, &run->config, err) != 0 ||
        (opts->waivers_path != NULL && gl_waivers_load(opts->waivers_path, &run->waivers, err) != 0) ||
        gl_plugins_load(&run->plugins, opts->plugin_dirs, opts->n_plugin_dirs, err) != 0 ||
        gl_plugins_select(&run->plugins, opts->only_plugins, err) != 0 ||
        gl_config_check_plugins(run->config, opts->config_path, &run->plugins, err) != 0)
        return -1;

    run->findings = gl_value_array();
    run->errors = gl_value_array();
    run->facts = gl_value_object();
    if (!run->findings || !run->errors || !run->facts ||
        gl_value_object_set(run->facts, "blue", gl_value_object()) != 0 ||
        gl_value_object_set(run->facts, "green", gl_value_object()) != 0)
        return gl_error_nomem(err);
    return 0;
}
