/*
 * text — the report as a person reads it in a terminal or a CI log: the
 * targets, one line per check (status and a terraform-like count of what
 * differs), the findings that matter (old -> new), how many info findings
 * are not shown, the waivers, each error once, the decision.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "value/value.h"

#define RESET "\033[0m"
/* Values longer than this are cut in the old -> new line (the JSON report has them whole). */
#define VALUE_SHOWN_MAX 60

typedef struct text_out {
    FILE *out;
    int color;
} text_out;

static const char *str_or(const gl_value *obj, const char *key, const char *fallback)
{
    const char *s = gl_value_object_string(obj, key);
    return s ? s : fallback;
}

/* The colour of a decision, a severity or a check status ("" without colour). */
static const char *paint(const text_out *t, const char *word)
{
    static const struct { const char *word, *sgr; } palette[] = {
        {"switchover", "\033[1;32m"}, {"hold", "\033[1;33m"}, {"rollback", "\033[1;31m"},
        {"critical", "\033[1;31m"}, {"error", "\033[31m"}, {"warning", "\033[33m"},
        {"info", "\033[2m"}, {"ok", "\033[32m"}, {"failed", "\033[31m"}, {"skipped", "\033[33m"},
        {"used", "\033[32m"}, {"unused", "\033[2m"}, {"expired", "\033[33m"},
    };

    if (!t->color || word == NULL)
        return "";
    for (size_t i = 0; i < sizeof(palette) / sizeof(palette[0]); i++)
        if (strcmp(palette[i].word, word) == 0)
            return palette[i].sgr;
    return "";
}

static const char *reset(const text_out *t)
{
    return t->color ? RESET : "";
}

/* A word in its colour, padded to `width` outside the colour codes. */
static void word(const text_out *t, const char *w, int width)
{
    fprintf(t->out, "%s%s%s%*s", paint(t, w), w, reset(t),
            width > (int)strlen(w) ? width - (int)strlen(w) : 0, "");
}

/* ------------------------------------------------------------------ checks */

typedef struct change_count {
    long added, changed, dropped, other, total;
    long by_severity[4];
} change_count;

static int severity_index(const char *sev)
{
    static const char *const names[] = {"critical", "error", "warning", "info"};

    for (int i = 0; i < 4; i++)
        if (strcmp(sev, names[i]) == 0)
            return i;
    return 3;
}

/* What a check found, as terraform counts a plan: a finding with only a green
 * value was added, only a blue value dropped, both changed. */
static change_count count_changes(const gl_value *findings, const char *check)
{
    change_count c;

    memset(&c, 0, sizeof(c));
    for (size_t i = 0; i < gl_value_len(findings); i++) {
        const gl_value *f = gl_value_array_at(findings, i);
        int has_blue, has_green;

        if (strcmp(str_or(f, "check", ""), check) != 0)
            continue;
        has_blue = gl_value_kind_of(gl_value_object_get(f, "blue")) != GL_VALUE_NULL;
        has_green = gl_value_kind_of(gl_value_object_get(f, "green")) != GL_VALUE_NULL;
        c.added += !has_blue && has_green;
        c.dropped += has_blue && !has_green;
        c.changed += has_blue && has_green;
        c.other += !has_blue && !has_green;
        c.total++;
        c.by_severity[severity_index(str_or(f, "severity", "info"))]++;
    }
    return c;
}

/* 1 when some error of the run says `message` already (it is printed there). */
static int is_an_error(const gl_value *errors, const char *message)
{
    for (size_t i = 0; message != NULL && i < gl_value_len(errors); i++) {
        const char *e = str_or(gl_value_array_at(errors, i), "message", "");
        if (*e != '\0' && (strstr(message, e) != NULL || strstr(e, message) != NULL))
            return (int)i + 1;
    }
    return 0;
}

static void print_checks(const text_out *t, const gl_value *report)
{
    const gl_value *plugins = gl_value_object_get(report, "plugins");
    const gl_value *findings = gl_value_object_get(report, "findings");
    const gl_value *errors = gl_value_object_get(report, "errors");
    int width = 5;

    for (size_t i = 0; i < gl_value_len(plugins); i++) {
        int len = (int)strlen(str_or(gl_value_array_at(plugins, i), "name", "?"));
        if (len > width)
            width = len;
    }
    fprintf(t->out, "checks:%s\n", gl_value_len(plugins) == 0 ? " none ran" : "");
    for (size_t i = 0; i < gl_value_len(plugins); i++) {
        const gl_value *p = gl_value_array_at(plugins, i);
        const char *name = str_or(p, "name", "?"), *status = str_or(p, "status", "?");
        const char *why = gl_value_object_string(p, "error");
        change_count c = count_changes(findings, name);
        int error_no = is_an_error(errors, why);

        fprintf(t->out, "  %-*s  ", width, name);
        word(t, status, 9);
        if (strcmp(status, "ok") != 0) {
            if (error_no)
                fprintf(t->out, "see error %d below", error_no);
            else
                fprintf(t->out, "%s", why ? why : "");
        } else if (c.total == 0) {
            fprintf(t->out, "no differences");
        } else {
            fprintf(t->out, "%ld added, %ld changed, %ld dropped", c.added, c.changed, c.dropped);
            if (c.other)
                fprintf(t->out, ", %ld other", c.other);
            fprintf(t->out, " (");
            for (int s = 0, first = 1; s < 4; s++) {
                static const char *const names[] = {"critical", "error", "warning", "info"};
                if (c.by_severity[s] == 0)
                    continue;
                fprintf(t->out, "%s%ld %s", first ? "" : ", ", c.by_severity[s], names[s]);
                first = 0;
            }
            fprintf(t->out, ")");
        }
        fputc('\n', t->out);
    }
}

/* ---------------------------------------------------------------- findings */

/* A value for the old -> new line: strings as they are, anything else as
 * JSON, cut at VALUE_SHOWN_MAX bytes (on a UTF-8 boundary) with "...". */
static void print_value(const text_out *t, const gl_value *v)
{
    char *s = gl_report__display(v);
    size_t len;

    if (s == NULL) {
        fputs("?", t->out);
        return;
    }
    len = strlen(s);
    if (len > VALUE_SHOWN_MAX) {
        len = VALUE_SHOWN_MAX;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
        fprintf(t->out, "%.*s...", (int)len, s);
    } else {
        fputs(s, t->out);
    }
    free(s);
}

static int is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* 1 when the message already shows the value as a word of its own
 * (parameters write "X on blue, Y on green"): the old -> new line would say
 * it twice. */
static int message_shows(const char *message, const gl_value *v)
{
    char *s = gl_report__display(v);
    size_t len = s != NULL ? strlen(s) : 0;
    int shown = 0;

    for (const char *at = len ? strstr(message, s) : NULL; at != NULL && !shown; at = strstr(at + 1, s))
        shown = (at == message || !is_word_char(at[-1])) && !is_word_char(at[len]);
    free(s);
    return shown;
}

/* old -> new for a finding with a value on both sides: of two objects, only
 * the members that differ ("type: integer -> bigint; not_null: f -> t"). */
static void print_change(const text_out *t, const gl_value *f)
{
    const char *message = str_or(f, "message", "");
    const gl_value *blue = gl_value_object_get(f, "blue"), *green = gl_value_object_get(f, "green");
    int shown = 0;

    if (gl_value_kind_of(blue) == GL_VALUE_NULL || gl_value_kind_of(green) == GL_VALUE_NULL ||
        (message_shows(message, blue) && message_shows(message, green)))
        return;
    fprintf(t->out, "  %11s", "");
    if (gl_value_kind_of(blue) == GL_VALUE_OBJECT && gl_value_kind_of(green) == GL_VALUE_OBJECT) {
        for (size_t i = 0; i < gl_value_len(blue); i++) {
            const char *key = gl_value_object_key_at(blue, i);
            const gl_value *b = gl_value_object_value_at(blue, i), *g = gl_value_object_get(green, key);
            if (g != NULL && gl_value_equal(b, g))
                continue;
            fprintf(t->out, "%s%s: ", shown++ ? "; " : "", key);
            print_value(t, b);
            fputs(" -> ", t->out);
            if (g == NULL)
                fputs("(none)", t->out);
            else
                print_value(t, g);
        }
        for (size_t i = 0; i < gl_value_len(green); i++) {
            const char *key = gl_value_object_key_at(green, i);
            if (gl_value_object_get(blue, key) != NULL)
                continue;
            fprintf(t->out, "%s%s: (none) -> ", shown++ ? "; " : "", key);
            print_value(t, gl_value_object_value_at(green, i));
        }
    } else {
        print_value(t, blue);
        fputs(" -> ", t->out);
        print_value(t, green);
    }
    fputc('\n', t->out);
}

static void print_finding(const text_out *t, const gl_value *f)
{
    const char *sev = str_or(f, "severity", "info");

    fprintf(t->out, "  [%s%-8s%s] %-40s %s%s\n", paint(t, sev), sev, reset(t), str_or(f, "code", "?"),
            str_or(f, "message", ""), gl_value_get_bool(gl_value_object_get(f, "waived")) ? " (waived)" : "");
    print_change(t, f);
}

static void print_findings(const text_out *t, const gl_value *report, int all)
{
    const gl_value *findings = gl_value_object_get(report, "findings");
    const gl_value *by = gl_value_object_get(gl_value_object_get(report, "summary"), "by_severity");
    long hidden = 0;

    fprintf(t->out, "findings: %zu (critical %lld, error %lld, warning %lld, info %lld)\n",
            gl_value_len(findings), (long long)gl_value_get_int(gl_value_object_get(by, "critical")),
            (long long)gl_value_get_int(gl_value_object_get(by, "error")),
            (long long)gl_value_get_int(gl_value_object_get(by, "warning")),
            (long long)gl_value_get_int(gl_value_object_get(by, "info")));
    for (size_t i = 0; i < gl_value_len(findings); i++) {
        const gl_value *f = gl_value_array_at(findings, i);
        if (!all && strcmp(str_or(f, "severity", "info"), "info") == 0) {
            hidden++;
            continue;
        }
        print_finding(t, f);
    }
    if (hidden > 0)
        fprintf(t->out, "  %s%ld info finding%s not shown: -v lists them; the JSON report "
                "(--format json, --out DIR) has every finding%s\n",
                paint(t, "info"), hidden, hidden == 1 ? "" : "s", reset(t));
}

/* ----------------------------------------------------------------- waivers */

static void print_waivers(const text_out *t, const gl_value *report)
{
    const gl_value *waivers = gl_value_object_get(report, "waivers");
    long n[3] = {0, 0, 0};
    static const char *const states[] = {"used", "unused", "expired"};

    if (gl_value_len(waivers) == 0)
        return;
    for (size_t i = 0; i < gl_value_len(waivers); i++)
        for (int s = 0; s < 3; s++)
            n[s] += strcmp(str_or(gl_value_array_at(waivers, i), "status", ""), states[s]) == 0;
    fprintf(t->out, "waivers: %ld used, %ld unused, %ld expired\n", n[0], n[1], n[2]);
    for (size_t i = 0; i < gl_value_len(waivers); i++) {
        const gl_value *w = gl_value_array_at(waivers, i);
        const char *status = str_or(w, "status", "?");
        size_t matched = gl_value_len(gl_value_object_get(w, "findings"));
        long long days = (long long)gl_value_get_int(gl_value_object_get(w, "days_left"));

        fputs("  ", t->out);
        word(t, status, 9);
        fprintf(t->out, "%s %s (%s, ", str_or(w, "code", "?"), str_or(w, "object", "?"),
                str_or(w, "owner", "no owner"));
        if (strcmp(status, "expired") == 0)
            fprintf(t->out, "expired %s): would have waived %zu finding%s, which now count%s\n",
                    str_or(w, "expires", "?"), matched, matched == 1 ? "" : "s",
                    matched == 1 ? "s" : "");
        else if (strcmp(status, "used") == 0)
            fprintf(t->out, "expires %s, %lld day%s left): waived %zu finding%s\n",
                    str_or(w, "expires", "?"), days, days == 1 ? "" : "s", matched,
                    matched == 1 ? "" : "s");
        else
            fprintf(t->out, "expires %s): matched no finding; remove it if it is no longer needed\n",
                    str_or(w, "expires", "?"));
    }
}

/* ---------------------------------------------------- errors and decision */

static void print_errors(const text_out *t, const gl_value *errors)
{
    if (gl_value_len(errors) == 0)
        return;
    fprintf(t->out, "errors:\n");
    for (size_t i = 0; i < gl_value_len(errors); i++) {
        const gl_value *e = gl_value_array_at(errors, i);
        const char *plugin = gl_value_object_string(e, "plugin");
        const char *side = gl_value_object_string(e, "side");

        fprintf(t->out, "  %s%zu.%s %s", paint(t, "error"), i + 1, reset(t), str_or(e, "stage", "?"));
        if (plugin != NULL)
            fprintf(t->out, " %s", plugin);
        if (side != NULL)
            fprintf(t->out, " (%s)", side);
        fprintf(t->out, ": %s\n", str_or(e, "message", ""));
    }
}

static void print_decision(const text_out *t, const gl_value *report)
{
    const gl_value *decision = gl_value_object_get(report, "decision");
    const gl_value *reasons = gl_value_object_get(decision, "reasons");
    const gl_value *errors = gl_value_object_get(report, "errors");
    const char *action = str_or(decision, "action", "hold");

    fprintf(t->out, "decision: %s%s%s (exit %lld)\n", paint(t, action), action, reset(t),
            (long long)gl_value_get_int(gl_value_object_get(decision, "exit_code")));
    for (size_t i = 0; i < gl_value_len(reasons); i++) {
        const gl_value *r = gl_value_array_at(reasons, i);
        const char *message = str_or(r, "message", "");
        int error_no = is_an_error(errors, message);

        fprintf(t->out, "  - %s [%s]: ", str_or(r, "action", "?"), str_or(r, "rule", "?"));
        if (error_no)
            fprintf(t->out, "error %d above\n", error_no);
        else
            fprintf(t->out, "%s\n", message);
    }
}

void gl_report_print_text(const gl_value *report, FILE *out, int flags)
{
    const gl_value *targets = gl_value_object_get(report, "targets");
    static const char *const sides[] = {"blue", "green"};
    text_out t = {out, (flags & GL_TEXT_COLOR) != 0};

    fprintf(out, "greenlight %s  run %s\n", str_or(report, "greenlight_version", "?"),
            str_or(report, "run_id", "?"));
    for (int s = 0; s < 2; s++) {
        const gl_value *tv = gl_value_object_get(targets, sides[s]);
        char age[64] = "";
        if (gl_value_kind_of(gl_value_object_get(tv, "age_s")) == GL_VALUE_INT) {
            char shown[32];
            gl_age_format((double)gl_value_get_int(gl_value_object_get(tv, "age_s")), shown, sizeof(shown));
            snprintf(age, sizeof(age), ", taken %s ago", shown);
        }
        fprintf(out, "  %-5s  %s  (%s%s%s%s)\n", sides[s], str_or(tv, "display", "?"),
                str_or(tv, "kind", "?"), gl_value_object_string(tv, "server_version") ? ", PostgreSQL " : "",
                str_or(tv, "server_version", ""), age);
    }
    print_checks(&t, report);
    print_findings(&t, report, (flags & GL_TEXT_ALL_FINDINGS) != 0);
    print_waivers(&t, report);
    print_errors(&t, gl_value_object_get(report, "errors"));
    print_decision(&t, report);
}
