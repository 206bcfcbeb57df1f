#include "run/snapshot.h"

#include <stdio.h>
#include <string.h>

#include "plugin/invoke.h"
#include "plugin/loader.h"
#include "value/value.h"

int gl_snapshot_take(const gl_check_options *opts, gl_value **out, gl_error *err)
{
    gl_plugin_set plugins = {0};
    gl_target *targets[2] = {NULL, NULL};
    gl_value *config = NULL, *snap = NULL, *by_plugin = NULL;
    char taken[40];
    int rc = -1;

    *out = NULL;
    if (gl_config_load(opts->config_path, &config, err) != 0 ||
        gl_plugins_load(&plugins, opts->plugin_dirs, opts->n_plugin_dirs, err) != 0 ||
        gl_plugins_select(&plugins, opts->only_plugins, err) != 0 ||
        gl_config_check_plugins(config, opts->config_path, &plugins, err) != 0)
        goto out;
    if (gl_target_open(&targets[GL_SIDE_BLUE], GL_SIDE_BLUE, opts->blue, &opts->target, err) != 0)
        goto out;
    if (targets[GL_SIDE_BLUE]->conn == NULL) {
        gl_error_set(err, GL_ERR_USAGE, "--target %s is a file: snapshot needs a live server",
                     opts->blue);
        goto out;
    }
    snap = gl_value_object();
    by_plugin = gl_value_object();
    if (snap == NULL || by_plugin == NULL) {
        gl_error_nomem(err);
        goto out;
    }
    for (size_t i = 0; i < plugins.count; i++) {
        const gl_loaded_plugin *lp = &plugins.items[i];
        gl_value *facts = NULL, *entry;
        gl_error why;

        if (lp->state != GL_PLUGIN_LOADED)
            continue;
        if (!gl_plugin_wanted(opts->only_plugins, lp->desc->name))
            continue;
        gl_error_clear(&why);
        if (gl_plugin_collect(lp->desc, targets, GL_SIDE_BLUE, config, opts->verbose, &facts, &why) != 0) {
            gl_error_set(err, GL_ERR_INTERNAL, "plugin %s failed: %s", lp->desc->name, why.message);
            goto out;
        }
        entry = gl_value_object();
        if (entry == NULL || gl_value_object_set(entry, "version", gl_value_string(lp->desc->version)) != 0 ||
            gl_value_object_set(entry, "facts", facts) != 0 ||
            gl_value_object_set(by_plugin, lp->desc->name, entry) != 0) {
            gl_error_nomem(err);
            goto out;
        }
    }
    gl_time_rfc3339(taken, sizeof(taken));
    gl_value_object_set(snap, "greenlight_snapshot", gl_value_int(1));
    gl_value_object_set(snap, "greenlight_version", gl_value_string(GL_VERSION));
    gl_value_object_set(snap, "taken_at", gl_value_string(taken));
    gl_value_object_set(snap, "target", gl_value_string(targets[GL_SIDE_BLUE]->display));
    gl_value_object_set(snap, "server_version", gl_value_string(targets[GL_SIDE_BLUE]->server_version));
    gl_value_object_set(snap, "server_version_num", gl_value_int(targets[GL_SIDE_BLUE]->server_version_num));
    if (targets[GL_SIDE_BLUE]->identity != NULL)
        gl_value_object_set(snap, "identity", gl_value_copy(targets[GL_SIDE_BLUE]->identity));
    gl_value_object_set(snap, "plugins", by_plugin);
    by_plugin = NULL;
    *out = snap;
    snap = NULL;
    rc = 0;
out:
    gl_target_free(targets[GL_SIDE_BLUE]);
    gl_plugins_free(&plugins);
    gl_value_free(config);
    gl_value_free(snap);
    gl_value_free(by_plugin);
    return rc;
}
