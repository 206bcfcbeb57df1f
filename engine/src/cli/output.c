#include "cli/output.h"

#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"

void gl_cli_output_init(gl_cli_output *o)
{
    const char *no_color = getenv("NO_COLOR");

    o->format = "text";
    o->out_dir = NULL;
    o->color = isatty(STDOUT_FILENO) && (no_color == NULL || *no_color == '\0');
    o->formats.n = 0;
}

int gl_cli_output_option(gl_cli_output *o, int c, const char *arg)
{
    switch (c) {
    case GL_CLI_OPT_FORMAT: o->format = arg; return 1;
    case GL_CLI_OPT_OUT: o->out_dir = arg; return 1;
    case GL_CLI_OPT_NO_COLOR: o->color = 0; return 1;
    default: return 0;
    }
}

int gl_cli_output_validate(gl_cli_output *o, gl_error *err)
{
    if (gl_report_formats_parse(o->format, &o->formats, err) != 0)
        return -1;
    if (o->out_dir != NULL && *o->out_dir == '\0')
        return gl_error_set(err, GL_EXIT_USAGE, "--out needs a directory name");
    return 0;
}

int gl_cli_output_finish(gl_cli_output *o, const gl_value *report, int exit_code)
{
    gl_error err;

    gl_error_clear(&err);
    if (gl_report_write_formats(report, &o->formats, o->out_dir, stdout, o->color, &err) != 0)
        return gl_cli_fail(NULL, GL_EXIT_INTERNAL, err.message);
    if (o->out_dir != NULL)
        fprintf(stderr, "report: %s/report.json\n", o->out_dir);
    return exit_code;
}
