/*
 * formats — the --format list and --out DIR: one renderer per format, the
 * first to stdout, each to its file beside report.json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "value/value.h"

static const struct {
    const char *name;
    const char *file;
} formats[GL_FORMAT_COUNT] = {
    [GL_FORMAT_TEXT] = {"text", "report.txt"},
    [GL_FORMAT_JSON] = {"json", "report.json"},
    [GL_FORMAT_JUNIT] = {"junit", "report.junit.xml"},
    [GL_FORMAT_SARIF] = {"sarif", "report.sarif"},
    [GL_FORMAT_GITHUB] = {"github", "report.github.txt"},
    [GL_FORMAT_MARKDOWN] = {"markdown", "report.md"},
    [GL_FORMAT_HTML] = {"html", "report.html"},
};

const char *gl_report_format_name(gl_report_format f)
{
    return (unsigned)f < GL_FORMAT_COUNT ? formats[f].name : "?";
}

const char *gl_report_format_file(gl_report_format f)
{
    return (unsigned)f < GL_FORMAT_COUNT ? formats[f].file : "?";
}

int gl_report_formats_parse(const char *list, gl_report_formats *out, gl_error *err)
{
    static const char known[] = "text, json, junit, sarif, github, markdown, html";
    const char *p = list;

    out->n = 0;
    if (list == NULL || *list == '\0')
        return gl_error_set(err, GL_ERR_USAGE, "--format needs a comma-separated list of: %s", known);
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int found = -1;

        for (int f = 0; f < GL_FORMAT_COUNT; f++)
            if (strlen(formats[f].name) == len && strncmp(formats[f].name, p, len) == 0)
                found = f;
        if (found < 0)
            return gl_error_set(err, GL_ERR_USAGE, "--format: unknown format \"%.*s\" (known: %s)",
                                (int)(len > 64 ? 64 : len), p, known);
        for (size_t i = 0; i < out->n; i++)
            if (out->list[i] == (gl_report_format)found)
                return gl_error_set(err, GL_ERR_USAGE, "--format: \"%s\" is listed twice",
                                    formats[found].name);
        out->list[out->n++] = (gl_report_format)found;
        if (end == NULL)
            break;
        p = end + 1;
    }
    return 0;
}

static int render_text(const gl_value *report, int text_flags, char **out, size_t *out_len, gl_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (f == NULL)
        return gl_error_set(err, GL_ERR_NOMEM, "cannot render the text report: out of memory");
    gl_report_print_text(report, f, text_flags);
    return gl_report__close_stream(f, &buf, &len, "text", out, out_len, err);
}

static int render_json(const gl_value *report, char **out, size_t *out_len, gl_error *err)
{
    *out = gl_json_write(report, 1, out_len);
    if (*out == NULL)
        return gl_error_set(err, GL_ERR_NOMEM, "cannot render the JSON report: out of memory or too large");
    return 0;
}

int gl_report_render(const gl_value *report, gl_report_format f, int text_flags, char **out,
                     size_t *out_len, gl_error *err)
{
    size_t ignored;

    *out = NULL;
    if (out_len == NULL)
        out_len = &ignored;
    switch (f) {
    case GL_FORMAT_TEXT: return render_text(report, text_flags, out, out_len, err);
    case GL_FORMAT_JSON: return render_json(report, out, out_len, err);
    case GL_FORMAT_JUNIT: return gl_report_render_junit(report, out, out_len, err);
    case GL_FORMAT_SARIF: return gl_report_render_sarif(report, out, out_len, err);
    case GL_FORMAT_GITHUB: return gl_report_render_github(report, out, out_len, err);
    case GL_FORMAT_MARKDOWN: return gl_report_render_markdown(report, out, out_len, err);
    case GL_FORMAT_HTML: return gl_report_render_html(report, out, out_len, err);
    default: return gl_error_set(err, GL_ERR_INTERNAL, "unknown report format %d", (int)f);
    }
}

/* Appends the Markdown summary to $GITHUB_STEP_SUMMARY, when it is set. */
static int append_step_summary(const gl_value *report, gl_error *err)
{
    const char *path = getenv("GITHUB_STEP_SUMMARY");
    char *md = NULL;
    size_t len = 0;
    FILE *f = NULL;
    int rc = -1;

    if (path == NULL || *path == '\0')
        return 0;
    if (gl_report_render_markdown(report, &md, &len, err) != 0)
        goto out;
    f = fopen(path, "a");
    if (f == NULL || fwrite(md, 1, len, f) != len || fputc('\n', f) == EOF) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot append to $GITHUB_STEP_SUMMARY (%s)", path);
        goto out;
    }
    rc = 0;
out:
    if (f != NULL && fclose(f) != 0 && rc == 0)
        rc = gl_error_set(err, GL_ERR_INTERNAL, "cannot append to $GITHUB_STEP_SUMMARY (%s)", path);
    free(md);
    return rc;
}

int gl_report_write_formats(const gl_value *report, const gl_report_formats *list,
                            const char *out_dir, FILE *out, int text_flags, gl_error *err)
{
    char path[4096];
    char *text = NULL;
    size_t len = 0;
    int rc = -1;

    if (list->n == 0)
        return gl_error_set(err, GL_ERR_INTERNAL, "no report format given");
    if (out != NULL) {
        if (gl_report_render(report, list->list[0], text_flags, &text, &len, err) != 0)
            goto out;
        if (fwrite(text, 1, len, out) != len || fflush(out) != 0) {
            gl_error_set(err, GL_ERR_INTERNAL, "cannot write the %s report to stdout",
                         gl_report_format_name(list->list[0]));
            goto out;
        }
        free(text);
        text = NULL;
    }
    /* The step summary goes with the stdout copy, so a caller that writes the
     * files first and prints later appends it once. */
    for (size_t i = 0; out != NULL && i < list->n; i++)
        if (list->list[i] == GL_FORMAT_GITHUB && append_step_summary(report, err) != 0)
            goto out;
    if (out_dir != NULL) {
        if (gl_report_write_dir(report, out_dir, err) != 0)
            goto out;
        for (size_t i = 0; i < list->n; i++) {
            if (list->list[i] == GL_FORMAT_JSON)
                continue; /* written above */
            if (gl_report_render(report, list->list[i], GL_TEXT_ALL_FINDINGS, &text, &len, err) != 0)
                goto out;
            if ((size_t)snprintf(path, sizeof(path), "%s/%s", out_dir,
                                 gl_report_format_file(list->list[i])) >= sizeof(path)) {
                gl_error_set(err, GL_ERR_USAGE, "--out %s: directory name too long", out_dir);
                goto out;
            }
            if (gl_file_write_atomic(path, text, len, err) != 0) {
                gl_error_set(err, GL_ERR_INTERNAL, "%s", err->message);
                goto out;
            }
            free(text);
            text = NULL;
        }
    }
    rc = 0;
out:
    free(text);
    return rc;
}
