/*
 * Markdown for a pull-request comment (and $GITHUB_STEP_SUMMARY): decision and
 * reasons first, then a table per check; long tables folded in <details>.
 * Every text taken from the report goes through md_text(), which neutralises
 * Markdown and HTML (backslash escapes, CommonMark 2.4), so a finding cannot
 * inject a link, an image, a mention or markup into the comment. The comment
 * stays under GitHub's 65,536-character limit: rows beyond it are counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "value/value.h"

#define MD_ROWS_PER_CHECK 50
#define MD_FOLD_AFTER 10
#define MD_BUDGET 60000L

/* The one escaping function for Markdown text: punctuation that could start
 * markup or a link mid-line is backslash-escaped, line breaks become spaces
 * (callers never start a line with report text, so - + # . need no escape). */
static void md_text(FILE *f, const char *s, size_t max)
{
    static const char special[] = "\\`*_{}[]()<>!|~&@:";
    size_t n = 0;

    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && n < max; p++, n++) {
        if (*p == '\n' || *p == '\r' || *p == '\t')
            fputc(' ', f);
        else if (*p < 0x20 || *p == 0x7f)
            fputc('?', f);
        else if (strchr(special, *p))
            fprintf(f, "\\%c", *p);
        else
            fputc(*p, f);
    }
    if (s && strlen(s) > max)
        fputs("…", f);
}

static void md_value(FILE *f, const gl_value *v)
{
    char *shown = gl_report__display(v);
    md_text(f, shown ? shown : "?", 120);
    free(shown);
}

static const char *badge(const char *action)
{
    if (strcmp(action, "switchover") == 0)
        return "✅";
    if (strcmp(action, "rollback") == 0)
        return "⏪";
    return "⛔";
}

static void write_head(FILE *f, const gl_value *report)
{
    const gl_value *decision = gl_value_object_get(report, "decision");
    const gl_value *reasons = gl_value_object_get(decision, "reasons");
    const gl_value *targets = gl_value_object_get(report, "targets");
    const gl_value *change = gl_value_object_get(report, "change");
    const char *action = gl_report__str(decision, "action", "hold");

    fprintf(f, "## %s greenlight: **%s**\n\n", badge(action), action);
    fprintf(f, "Exit %lld · run ", (long long)gl_value_get_int(gl_value_object_get(decision, "exit_code")));
    md_text(f, gl_report__str(report, "run_id", "?"), 64);
    fputs(" · blue ", f);
    md_text(f, gl_report__str(gl_value_object_get(targets, "blue"), "display", "?"), 200);
    fputs(" → green ", f);
    md_text(f, gl_report__str(gl_value_object_get(targets, "green"), "display", "?"), 200);
    if (gl_value_object_string(change, "id")) {
        fputs(" · change ", f);
        md_text(f, gl_value_object_string(change, "id"), 100);
    }
    fputs("\n\n", f);
    if (gl_value_len(reasons) > 0)
        fputs("### Reasons\n\n", f);
    for (size_t i = 0; i < gl_value_len(reasons); i++) {
        const gl_value *r = gl_value_array_at(reasons, i);
        size_t cited = gl_value_len(gl_value_object_get(r, "findings"));
        fputs("- **", f);
        md_text(f, gl_report__str(r, "action", "?"), 20);
        fputs("** (", f);
        md_text(f, gl_report__str(r, "rule", "?"), 100);
        fputs("): ", f);
        md_text(f, gl_report__str(r, "message", ""), 500);
        if (cited > 0)
            fprintf(f, " — %zu finding%s", cited, cited == 1 ? "" : "s");
        fputc('\n', f);
    }
    if (gl_value_len(reasons) > 0)
        fputc('\n', f);
}

static void write_check(FILE *f, const gl_value *report, const char *check, const char *status,
                        const char *why)
{
    const gl_value *findings = gl_value_object_get(report, "findings");
    size_t n = 0, shown = 0, blocking = 0;

    for (size_t i = 0; i < gl_value_len(findings); i++) {
        const gl_value *x = gl_value_array_at(findings, i);
        if (strcmp(gl_report__str(x, "check", ""), check) != 0)
            continue;
        n++;
        blocking += (size_t)gl_report__blocking(report, gl_value_object_string(x, "id"));
    }
    fputs("### ", f);
    md_text(f, check, 64);
    fprintf(f, " — %zu finding%s, %zu blocking", n, n == 1 ? "" : "s", blocking);
    if (strcmp(status, "ok") != 0) {
        fputs(" — check ", f);
        md_text(f, status, 20);
    }
    fputs("\n\n", f);
    if (strcmp(status, "ok") != 0 && why != NULL) {
        /* why it was skipped or failed, so a skipped check never reads as a pass */
        md_text(f, why, 600);
        fputs("\n\n", f);
    }
    if (n == 0)
        return;
    if (n > MD_FOLD_AFTER)
        fprintf(f, "<details><summary>%zu findings</summary>\n\n", n);
    fputs("| severity | code | object | blue | green | message |\n|---|---|---|---|---|---|\n", f);
    for (size_t i = 0; i < gl_value_len(findings); i++) {
        const gl_value *x = gl_value_array_at(findings, i);
        if (strcmp(gl_report__str(x, "check", ""), check) != 0)
            continue;
        if (shown == MD_ROWS_PER_CHECK || ftell(f) > MD_BUDGET)
            break;
        shown++;
        fputs("| ", f);
        md_text(f, gl_report__str(x, "severity", "?"), 20);
        if (gl_report__blocking(report, gl_value_object_string(x, "id")))
            fputs(" **blocking**", f);
        if (gl_value_get_bool(gl_value_object_get(x, "waived")))
            fputs(" (waived)", f);
        fputs(" | ", f);
        md_text(f, gl_report__str(x, "code", "?"), 100);
        fputs(" | ", f);
        md_text(f, gl_report__str(x, "object", ""), 120);
        fputs(" | ", f);
        md_value(f, gl_value_object_get(x, "blue"));
        fputs(" | ", f);
        md_value(f, gl_value_object_get(x, "green"));
        fputs(" | ", f);
        md_text(f, gl_report__str(x, "message", ""), 300);
        fputs(" |\n", f);
    }
    if (shown < n)
        fprintf(f, "\n%zu more not shown here: see report.json or report.html.\n", n - shown);
    if (n > MD_FOLD_AFTER)
        fputs("\n</details>\n", f);
    fputc('\n', f);
}

static void write_tail(FILE *f, const gl_value *report)
{
    const gl_value *errors = gl_value_object_get(report, "errors");
    const gl_value *waivers = gl_value_object_get(report, "waivers");

    if (gl_value_len(errors) > 0)
        fputs("### Errors\n\n", f);
    for (size_t i = 0; i < gl_value_len(errors); i++) {
        const gl_value *e = gl_value_array_at(errors, i);
        fputs("- ", f);
        md_text(f, gl_report__str(e, "stage", "?"), 20);
        fputs(": ", f);
        md_text(f, gl_report__str(e, "message", ""), 500);
        fputc('\n', f);
    }
    if (gl_value_len(waivers) > 0)
        fputs("\n### Waivers\n\n| status | code | object | owner | expires | reason |\n|---|---|---|---|---|---|\n", f);
    for (size_t i = 0; i < gl_value_len(waivers); i++) {
        const gl_value *w = gl_value_array_at(waivers, i);
        static const char *const cols[] = {"status", "code", "object", "owner", "expires", "reason"};
        for (size_t c = 0; c < 6; c++) {
            fputs("| ", f);
            md_text(f, gl_report__str(w, cols[c], "-"), 200);
            fputc(' ', f);
        }
        fputs("|\n", f);
    }
    fprintf(f, "\n<sub>greenlight ");
    md_text(f, gl_report__str(report, "greenlight_version", "?"), 32);
    fputs(" · policy sha256 ", f);
    md_text(f, gl_report__str(gl_value_object_get(report, "policy"), "sha256", "?"), 64);
    fputs("</sub>\n", f);
}

int gl_report_render_markdown(const gl_value *report, char **out, size_t *out_len, gl_error *err)
{
    const gl_value *plugins = gl_value_object_get(report, "plugins");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    *out = NULL;
    if (f == NULL)
        return gl_error_set(err, GL_ERR_NOMEM, "cannot render the Markdown report: out of memory");
    write_head(f, report);
    for (size_t i = 0; i < gl_value_len(plugins); i++) {
        const gl_value *p = gl_value_array_at(plugins, i);
        write_check(f, report, gl_report__str(p, "name", "?"), gl_report__str(p, "status", "?"),
                    gl_value_object_string(p, "error"));
    }
    write_tail(f, report);
    return gl_report__close_stream(f, &buf, &len, "Markdown", out, out_len, err);
}
