/*
 * output — the output and evidence options every deciding verb shares
 * (--format, --out, --no-color), parsed in one place so `check`, the
 * deployment verbs and the rds verbs accept the same flags. A verb adds
 * GL_CLI_OUTPUT_LONGOPTS to its getopt_long table, hands unknown option
 * codes to gl_cli_output_option(), and ends with gl_cli_output_finish().
 */
#ifndef GL_CLI_OUTPUT_H
#define GL_CLI_OUTPUT_H

#include <getopt.h>
#include <stdio.h>

#include "report/report.h"

enum {
    GL_CLI_OPT_FORMAT = 0x1000,
    GL_CLI_OPT_OUT,
    GL_CLI_OPT_NO_COLOR,
};

#define GL_CLI_OUTPUT_LONGOPTS                                             \
    {"format", required_argument, NULL, GL_CLI_OPT_FORMAT},                \
    {"out", required_argument, NULL, GL_CLI_OPT_OUT},                      \
    {"no-color", no_argument, NULL, GL_CLI_OPT_NO_COLOR}

/* For a verb's --help. */
#define GL_CLI_OUTPUT_HELP                                                                      \
    "  --format LIST         comma list of text,json,junit,sarif,github,markdown; the first\n" \
    "                        goes to stdout (default text)\n"                                  \
    "  --out DIR             write DIR/report.json and each format beside it\n"                \
    "                        (report.txt, report.junit.xml, report.sarif, report.md, ...)\n"   \
    "  --no-color            never colour the text output (NO_COLOR is honoured too)\n"

typedef struct gl_cli_output {
    const char *format;          /* the raw --format list */
    const char *out_dir;         /* NULL: nothing written to disk */
    int color;                   /* colour text on stdout */
    gl_report_formats formats;   /* parsed by gl_cli_output_validate */
} gl_cli_output;

/* Defaults: text, no directory, colour when stdout is a TTY and NO_COLOR is unset. */
void gl_cli_output_init(gl_cli_output *o);
/* Returns 1 when c is an output option (consumed), 0 when it is not. */
int gl_cli_output_option(gl_cli_output *o, int c, const char *arg);
/* After parsing: checks the format list. Usage errors name the flag. */
int gl_cli_output_validate(gl_cli_output *o, gl_error *err);
/* Prints and writes every format. Returns exit_code, or GL_EXIT_INTERNAL
 * (after printing the error) when an output could not be written. */
int gl_cli_output_finish(gl_cli_output *o, const gl_value *report, int exit_code);

#endif
