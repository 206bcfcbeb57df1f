/*
 * GitHub Actions workflow commands: `::error title=…::…` annotations for the
 * decision, each reason and the findings that matter (blocking ones as
 * errors, other warning+ findings as warnings, at most GH_MAX_FINDINGS).
 * Data and properties are encoded as the runner requires (% CR LF, and : ,
 * in properties), so a finding cannot end its annotation or start another
 * command. The Markdown summary for $GITHUB_STEP_SUMMARY is markdown.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "value/value.h"

#define GH_MAX_FINDINGS 50

static void gh_encode(FILE *f, const char *s, int property)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '%')
            fputs("%25", f);
        else if (*p == '\r')
            fputs("%0D", f);
        else if (*p == '\n')
            fputs("%0A", f);
        else if (property && *p == ':')
            fputs("%3A", f);
        else if (property && *p == ',')
            fputs("%2C", f);
        else
            fputc(*p, f);
    }
}

static void command(FILE *f, const char *level, const char *title, const char *a, const char *b)
{
    fprintf(f, "::%s title=", level);
    gh_encode(f, title, 1);
    fputs("::", f);
    gh_encode(f, a, 0);
    if (b) {
        fputs(": ", f);
        gh_encode(f, b, 0);
    }
    fputc('\n', f);
}

int gl_report_render_github(const gl_value *report, char **out, size_t *out_len, gl_error *err)
{
    const gl_value *decision = gl_value_object_get(report, "decision");
    const gl_value *reasons = gl_value_object_get(decision, "reasons");
    const gl_value *findings = gl_value_object_get(report, "findings");
    const gl_value *errors = gl_value_object_get(report, "errors");
    const char *action = gl_report__str(decision, "action", "hold");
    const char *level = strcmp(action, "switchover") == 0 ? "notice" : "error";
    char *buf = NULL, title[256];
    size_t len = 0, shown = 0, skipped = 0;
    FILE *f = open_memstream(&buf, &len);

    *out = NULL;
    if (f == NULL)
        return gl_error_set(err, GL_ERR_NOMEM, "cannot render the github report: out of memory");
    snprintf(title, sizeof(title), "greenlight: %s", action);
    command(f, level, title, "decision", action);
    for (size_t i = 0; i < gl_value_len(reasons); i++) {
        const gl_value *r = gl_value_array_at(reasons, i);
        const char *ra = gl_report__str(r, "action", "hold");
        snprintf(title, sizeof(title), "greenlight %s: %s", ra, gl_report__str(r, "rule", "?"));
        command(f, strcmp(ra, "switchover") == 0 ? "notice" : "error", title,
                gl_report__str(r, "message", ""), NULL);
    }
    for (size_t i = 0; i < gl_value_len(errors); i++) {
        const gl_value *e = gl_value_array_at(errors, i);
        snprintf(title, sizeof(title), "greenlight error (%s)", gl_report__str(e, "stage", "?"));
        command(f, "error", title, gl_report__str(e, "message", ""), NULL);
    }
    for (size_t i = 0; i < gl_value_len(findings); i++) {
        const gl_value *x = gl_value_array_at(findings, i);
        int blocking = gl_report__blocking(report, gl_value_object_string(x, "id"));
        if (!blocking && strcmp(gl_report__str(x, "severity", "info"), "info") == 0)
            continue;
        if (shown == GH_MAX_FINDINGS) {
            skipped++;
            continue;
        }
        shown++;
        snprintf(title, sizeof(title), "%s (%s)", gl_report__str(x, "code", "?"), gl_report__str(x, "severity", "?"));
        command(f, blocking ? "error" : "warning", title, gl_report__str(x, "object", ""),
                gl_report__str(x, "message", ""));
    }
    if (skipped > 0) {
        char more[96];
        snprintf(more, sizeof(more), "%zu more findings: see the job summary or report.json", skipped);
        command(f, "notice", "greenlight", more, NULL);
    }
    return gl_report__close_stream(f, &buf, &len, "github", out, out_len, err);
}
