#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/exit.h"
#include "cli/output.h"
#include "plugin/loader.h"
#include "value/value.h"

int gl_cli_plugins(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"plugin-path", required_argument, NULL, 'P'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const states[] = {"loaded", "refused", "shadowed"};
    gl_plugin_set set;
    const char *dirs[GL_CLI_MAX_PLUGIN_DIRS];
    size_t ndirs = 0;
    const char *format = "text";
    gl_error err;
    int c, refused = 0;

    gl_error_clear(&err);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'P':
            if (ndirs == GL_CLI_MAX_PLUGIN_DIRS)
                return gl_cli_fail("plugins", GL_EXIT_USAGE, GL_CLI_TOO_MANY_PLUGIN_DIRS);
            dirs[ndirs++] = optarg;
            break;
        case 'f': format = optarg; break;
        case 'h':
            printf("usage: greenlight plugins [--plugin-path DIR]... [--format text|json]\n"
                   "Lists plugins in search order; exits 64 when any plugin is refused.\n");
            return 0;
        default:
            return gl_cli_fail("plugins", GL_EXIT_USAGE, "unknown or incomplete option");
        }
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
        return gl_cli_fail("plugins", GL_EXIT_USAGE, "--format must be text or json");
    if (gl_plugins_load(&set, dirs, ndirs, &err) != 0)
        return gl_cli_fail("plugins", gl_cli_exit_code(&err), err.message);

    gl_value *list = gl_value_array();
    for (size_t i = 0; i < set.count; i++) {
        const gl_loaded_plugin *p = &set.items[i];
        gl_value *o = gl_value_object();
        refused += p->state == GL_PLUGIN_REFUSED;
        gl_value_object_set(o, "name", gl_value_string(p->desc ? p->desc->name : NULL));
        gl_value_object_set(o, "version", gl_value_string(p->desc ? p->desc->version : NULL));
        gl_value_object_set(o, "description", gl_value_string(p->desc ? p->desc->description : NULL));
        gl_value_object_set(o, "path", gl_value_string(p->path));
        gl_value_object_set(o, "state", gl_value_string(states[p->state]));
        gl_value_object_set(o, "reason", gl_value_string(p->refusal));
        gl_value_array_push(list, o);
        if (strcmp(format, "text") == 0) {
            if (p->state == GL_PLUGIN_LOADED)
                printf("%-16s %-8s %s\n  %s\n", p->desc->name, p->desc->version, p->desc->description, p->path);
            else
                printf("%-16s %s\n", states[p->state], p->refusal);
        }
    }
    if (strcmp(format, "json") == 0) {
        char *text = gl_json_write(list, 1, NULL);
        if (text)
            puts(text);
        free(text);
    }
    gl_value_free(list);
    gl_plugins_free(&set);
    if (refused) {
        fprintf(stderr, "greenlight: %d plugin(s) refused: fix or remove them before running `check`\n", refused);
        return GL_EXIT_USAGE;
    }
    return 0;
}
