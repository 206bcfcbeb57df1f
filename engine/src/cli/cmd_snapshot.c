#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/exit.h"
#include "cli/output.h"
#include "input/paths.h"
#include "run/snapshot.h"
#include "value/value.h"

int gl_cli_snapshot(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"target", required_argument, NULL, 't'},
        {"output", required_argument, NULL, 'o'},
        {"config", required_argument, NULL, 'C'},
        {"plugin-path", required_argument, NULL, 'P'},
        {"plugins", required_argument, NULL, 'L'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    gl_check_options opts;
    const char *dirs[GL_CLI_MAX_PLUGIN_DIRS];
    const char *out_path = NULL;
    gl_value *snap = NULL;
    gl_error err;
    char msg[1024];
    int c;

    gl_check_options_default(&opts);
    gl_error_clear(&err);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 't': opts.blue = optarg; break;
        case 'o': out_path = optarg; break;
        case 'C': opts.config_path = optarg; break;
        case 'L': opts.only_plugins = optarg; break;
        case 'v': opts.verbose++; break;
        case 'P':
            if (opts.n_plugin_dirs == GL_CLI_MAX_PLUGIN_DIRS)
                return gl_cli_fail("snapshot", GL_EXIT_USAGE, GL_CLI_TOO_MANY_PLUGIN_DIRS);
            dirs[opts.n_plugin_dirs++] = optarg;
            break;
        case 'h':
            printf("usage: greenlight snapshot --target CONNINFO -o FILE [--plugins a,b] "
                   "[--plugin-path DIR] [--config FILE] [-v]\n"
                   "Saves the facts every plugin collects from one server; pass FILE to\n"
                   "`greenlight check --blue/--green` to check offline.\n");
            return 0;
        default:
            snprintf(msg, sizeof(msg), "unknown or incomplete option \"%s\"", argv[optind - 1]);
            return gl_cli_fail("snapshot", GL_EXIT_USAGE, msg);
        }
    }
    if (opts.blue == NULL || out_path == NULL)
        return gl_cli_fail("snapshot", GL_EXIT_USAGE, "snapshot needs --target and -o FILE");
    opts.plugin_dirs = dirs;
    if (gl_path_check_output_file("-o", out_path, &err) != 0)
        return gl_cli_fail("snapshot", GL_EXIT_USAGE, err.message);
    if (gl_snapshot_take(&opts, &snap, &err) != 0)
        return gl_cli_fail("snapshot", gl_cli_exit_code(&err), err.message);
    if (gl_json_write_file(snap, 1, out_path, &err) != 0) {
        /* err already reads "cannot write PATH: why" (gl_file_write_atomic). */
        gl_value_free(snap);
        return gl_cli_fail(NULL, GL_EXIT_USAGE, err.message);
    }
    fprintf(stderr, "snapshot: %s (%zu plugins)\n", out_path,
            gl_value_len(gl_value_object_get(snap, "plugins")));
    gl_value_free(snap);
    return 0;
}
