/*
 * report — writes a run's report (the gl_value built by the runner, shaped by
 * share/schema/report.schema.json) in each output format, one file each:
 * text.c, json.c, junit.c, sarif.c, github.c, markdown.c, html.c (with
 * html_figures.c); formats.c
 * parses the --format list and writes them all (share/doc/evidence.md).
 *
 * Every renderer returns 0 with a malloc'd NUL-terminated buffer (caller
 * frees) or -1 with err set (out of memory, output over GL_REPORT_MAX_OUTPUT).
 * XML goes through libxml2's writer and JSON through yajl (value/value.h).
 */
#ifndef GL_REPORT_H
#define GL_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "util/error.h"
#include "greenlight/plugin.h"

#define GL_REPORT_MAX_OUTPUT (256u * 1024u * 1024u)

typedef enum gl_report_format {
    GL_FORMAT_TEXT,
    GL_FORMAT_JSON,
    GL_FORMAT_JUNIT,
    GL_FORMAT_SARIF,
    GL_FORMAT_GITHUB,
    GL_FORMAT_MARKDOWN,
    GL_FORMAT_HTML,
    GL_FORMAT_COUNT
} gl_report_format;

typedef struct gl_report_formats {
    gl_report_format list[GL_FORMAT_COUNT];  /* in the order given; no repeats */
    size_t n;
} gl_report_formats;

/* Parses a comma-separated list ("text,junit,sarif"). An empty list, an
 * unknown name or a repeat is a usage error naming it and the known names. */
int gl_report_formats_parse(const char *list, gl_report_formats *out, gl_error *err);
/* "text", "json", ...; and the file written under --out DIR ("report.txt"...). */
const char *gl_report_format_name(gl_report_format f);
const char *gl_report_format_file(gl_report_format f);

/*
 * Renders the first format to `out` (stdout), and with out_dir (created if
 * needed) writes DIR/report.json plus every listed format's file beside it,
 * each replaced atomically. The github format also appends the Markdown
 * summary to $GITHUB_STEP_SUMMARY when that is set. text_flags apply to text
 * on `out` only; DIR/report.txt has no colour and every finding. Errors (exit
 * code GL_ERR_INTERNAL) name the file.
 */
int gl_report_write_formats(const gl_value *report, const gl_report_formats *formats,
                            const char *out_dir, FILE *out, int text_flags, gl_error *err);

/* How the text format is rendered (text_flags, or'ed). */
#define GL_TEXT_COLOR 1         /* ANSI colours (see gl_cli_color_wanted) */
#define GL_TEXT_ALL_FINDINGS 2  /* info findings too (otherwise counted in one line) */

/* One format into a malloc'd buffer (*out_len without the final NUL). */
int gl_report_render(const gl_value *report, gl_report_format f, int text_flags, char **out,
                     size_t *out_len, gl_error *err);

/* Human summary: targets, one line per check, the findings that matter,
 * waivers, errors, decision and reasons (share/doc/output.md). */
void gl_report_print_text(const gl_value *report, FILE *out, int text_flags);

/* Writes DIR/report.json (creating DIR). Errors name the path. */
int gl_report_write_dir(const gl_value *report, const char *dir, gl_error *err);
/* Creates DIR and its parents (mode 0755). */
int gl_report_make_dir(const char *dir, gl_error *err);

int gl_report_render_junit(const gl_value *report, char **out, size_t *out_len, gl_error *err);
int gl_report_render_sarif(const gl_value *report, char **out, size_t *out_len, gl_error *err);
int gl_report_render_github(const gl_value *report, char **out, size_t *out_len, gl_error *err);
int gl_report_render_markdown(const gl_value *report, char **out, size_t *out_len, gl_error *err);
int gl_report_render_html(const gl_value *report, char **out, size_t *out_len, gl_error *err);

/* ---- shared by the renderers (report/model.c) ---------------------------- */

/* Member string of an object, or fallback. */
const char *gl_report__str(const gl_value *obj, const char *key, const char *fallback);
/* 1 when finding id `id` is cited by a reason whose action is not switchover. */
int gl_report__blocking(const gl_value *report, const char *id);
/* A value shown to a person on one line: strings as is, null as "-", other
 * values as compact JSON. Returns a malloc'd string or NULL (out of memory). */
char *gl_report__display(const gl_value *v);
/* Closes a memstream and checks the size; on success *out owns the text. */
int gl_report__close_stream(FILE *f, char **buf, size_t *len, const char *what,
                            char **out, size_t *out_len, gl_error *err);

#endif
