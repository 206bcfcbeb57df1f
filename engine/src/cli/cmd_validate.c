/*
 * validate — `greenlight validate FORMAT FILE...`: checks input files the way
 * check, snapshot and policy eval read them, before a run needs them.
 * FORMAT: change, config, waivers, snapshot, policy-input. Exit 0 when every
 * file is valid, 64 at the first invalid one (the message names the file, the
 * JSON path and the fix).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/exit.h"
#include "input/input.h"
#include "util/error.h"
#include "value/value.h"

static void validate_usage(FILE *out)
{
    fprintf(out,
            "usage: greenlight validate FORMAT FILE...\n"
            "\n"
            "  FORMAT   change | config | waivers | snapshot | policy-input\n"
            "  FILE     a JSON file, or - for standard input\n"
            "\n"
            "Checks files as check/snapshot/policy eval read them: unknown members and wrong\n"
            "types are refused naming the JSON path. Schemas: share/schema/FORMAT.schema.json.\n"
            "exit: 0 all valid, 64 an invalid file or bad usage\n");
}

int gl_cli_validate(int argc, char **argv)
{
    static const char *const flags[GL_INPUT_FORMAT_COUNT] = {"--change", "--config", "--waivers",
                                                             "snapshot", "--input"};
    int format;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        validate_usage(stdout);
        return 0;
    }
    if (argc < 3) {
        validate_usage(stderr);
        return GL_EXIT_USAGE;
    }
    format = gl_input_format_of(argv[1]);
    if (format < 0) {
        char msg[300];
        snprintf(msg, sizeof(msg), "unknown format \"%.100s\": give change, config, waivers, snapshot "
                 "or policy-input", argv[1]);
        return gl_cli_fail("validate", GL_EXIT_USAGE, msg);
    }
    for (int i = 2; i < argc; i++) {
        gl_value *v = NULL;
        gl_error err;

        gl_error_clear(&err);
        if (gl_input_load((gl_input_format)format, flags[format], argv[i], &v, &err) != 0)
            return gl_cli_fail(NULL, gl_cli_exit_code(&err), err.message);
        gl_value_free(v);
        printf("%s: valid %s\n", argv[i], gl_input_format_name((gl_input_format)format));
    }
    return 0;
}
