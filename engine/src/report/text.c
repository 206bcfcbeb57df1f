#include <string.h>

#include "report/report.h"
#include "value/value.h"

static const char *str_or(const gl_value *obj, const char *key, const char *fallback)
{
    const char *s = gl_value_object_string(obj, key);
    return s ? s : fallback;
}

static const char *paint(int color, const char *action)
{
    if (!color)
        return "";
    if (strcmp(action, "switchover") == 0)
        return "\033[32m";
    if (strcmp(action, "rollback") == 0)
        return "\033[31m";
    return "\033[33m";
}

void gl_report_print_text(const gl_value *report, FILE *out, int color)
{
    const gl_value *targets = gl_value_object_get(report, "targets");
    const gl_value *findings = gl_value_object_get(report, "findings");
    const gl_value *decision = gl_value_object_get(report, "decision");
    const gl_value *reasons = gl_value_object_get(decision, "reasons");
    const gl_value *errors = gl_value_object_get(report, "errors");
    const gl_value *by = gl_value_object_get(gl_value_object_get(report, "summary"), "by_severity");
    const char *action = str_or(decision, "action", "hold");
    static const char *const sides[] = {"blue", "green"};

    fprintf(out, "greenlight %s  run %s\n", str_or(report, "greenlight_version", "?"),
            str_or(report, "run_id", "?"));
    for (int s = 0; s < 2; s++) {
        const gl_value *t = gl_value_object_get(targets, sides[s]);
        fprintf(out, "  %-5s  %s  (%s%s%s)\n", sides[s], str_or(t, "display", "?"),
                str_or(t, "kind", "?"), gl_value_object_string(t, "server_version") ? ", PostgreSQL " : "",
                str_or(t, "server_version", ""));
    }
    const gl_value *plugins = gl_value_object_get(report, "plugins");
    fprintf(out, "checks:");
    for (size_t i = 0; i < gl_value_len(plugins); i++) {
        const gl_value *p = gl_value_array_at(plugins, i);
        fprintf(out, " %s=%s", str_or(p, "name", "?"), str_or(p, "status", "?"));
    }
    fprintf(out, "\nfindings: %zu (critical %lld, error %lld, warning %lld, info %lld)\n",
            gl_value_len(findings), (long long)gl_value_get_int(gl_value_object_get(by, "critical")),
            (long long)gl_value_get_int(gl_value_object_get(by, "error")),
            (long long)gl_value_get_int(gl_value_object_get(by, "warning")),
            (long long)gl_value_get_int(gl_value_object_get(by, "info")));
    for (size_t i = 0; i < gl_value_len(findings); i++) {
        const gl_value *f = gl_value_array_at(findings, i);
        const char *sev = str_or(f, "severity", "info");
        if (strcmp(sev, "info") == 0)
            continue; /* the report has them all; the terminal shows what matters */
        fprintf(out, "  [%-8s] %-40s %s\n", sev, str_or(f, "code", "?"), str_or(f, "message", ""));
    }
    for (size_t i = 0; i < gl_value_len(errors); i++) {
        const gl_value *e = gl_value_array_at(errors, i);
        fprintf(out, "error (%s): %s\n", str_or(e, "stage", "?"), str_or(e, "message", ""));
    }
    fprintf(out, "decision: %s%s%s (exit %lld)\n", paint(color, action), action, color ? "\033[0m" : "",
            (long long)gl_value_get_int(gl_value_object_get(decision, "exit_code")));
    for (size_t i = 0; i < gl_value_len(reasons); i++) {
        const gl_value *r = gl_value_array_at(reasons, i);
        fprintf(out, "  - %s [%s]: %s\n", str_or(r, "action", "?"), str_or(r, "rule", "?"),
                str_or(r, "message", ""));
    }
}
