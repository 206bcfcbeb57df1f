/*
 * The HTML report's figures: per-query latency charts drawn as inline SVG
 * (blue and green samples as strips with their p50 and p95 and the verdict),
 * plan differences side by side with the lines only one side has marked, and
 * the declared change against what green shows. Each list is capped so a huge
 * report stays light; the cap is stated on the page.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/html_page.h"
#include "value/value.h"

#define MAX_CHARTS 100
#define MAX_PLANS 100
#define MAX_POINTS 1000      /* samples drawn per side */
#define MAX_PLAN_LINES 300
#define MAX_UNDECLARED 200

#define CHART_W 720.0
#define CHART_H 170.0
#define CHART_LEFT 60.0
#define CHART_RIGHT 20.0

typedef struct axis {
    double lo, hi;
    int log;
} axis;

static double x_of(const axis *a, double v)
{
    double t;

    if (a->log)
        t = (log10(v > a->lo ? v : a->lo) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    else
        t = (v - a->lo) / (a->hi - a->lo);
    if (!(t >= 0))
        t = 0;
    if (t > 1)
        t = 1;
    return CHART_LEFT + t * (CHART_W - CHART_LEFT - CHART_RIGHT);
}

static int is_number(const gl_value *v)
{
    return gl_value_kind_of(v) == GL_VALUE_INT || gl_value_kind_of(v) == GL_VALUE_NUMBER;
}

static xmlNodePtr svg_el(gl_html *h, xmlNodePtr parent, const char *name)
{
    return gl_html__el(h, parent, name, NULL);
}

static void line(gl_html *h, xmlNodePtr svg, double x1, double y1, double x2, double y2, const char *stroke,
                 const char *dash)
{
    xmlNodePtr l = svg_el(h, svg, "line");

    gl_html__attrf(h, l, "x1", "%.1f", x1);
    gl_html__attrf(h, l, "y1", "%.1f", y1);
    gl_html__attrf(h, l, "x2", "%.1f", x2);
    gl_html__attrf(h, l, "y2", "%.1f", y2);
    gl_html__attr(h, l, "stroke", stroke);
    gl_html__attr(h, l, "stroke-width", "2");
    if (dash != NULL)
        gl_html__attr(h, l, "stroke-dasharray", dash);
}

static void label(gl_html *h, xmlNodePtr svg, double x, double y, const char *anchor, const char *text)
{
    xmlNodePtr t = gl_html__el(h, svg, "text", text);

    gl_html__attrf(h, t, "x", "%.1f", x);
    gl_html__attrf(h, t, "y", "%.1f", y);
    gl_html__attr(h, t, "font-size", "11");
    gl_html__attr(h, t, "text-anchor", anchor);
    gl_html__attr(h, t, "fill", "#1b1f24");
}

/* One side: its samples as a strip of dots, p50 (solid) and p95 (dashed). */
static void strip(gl_html *h, xmlNodePtr svg, const axis *a, const gl_value *samples, const gl_value *pct,
                  double y, const char *name, const char *color)
{
    size_t n = gl_value_len(samples), step = n > MAX_POINTS ? (n + MAX_POINTS - 1) / MAX_POINTS : 1;
    xmlNodePtr g = svg_el(h, svg, "g");

    gl_html__attr(h, g, "class", name);
    label(h, svg, 8, y + 4, "start", name);
    gl_html__attr(h, g, "fill", color);
    gl_html__attr(h, g, "fill-opacity", "0.45");
    for (size_t i = 0; i < n; i += step) {
        const gl_value *v = gl_value_array_at(samples, i);
        xmlNodePtr c;
        if (!is_number(v))
            continue;
        c = svg_el(h, g, "circle");
        gl_html__attrf(h, c, "cx", "%.1f", x_of(a, gl_value_get_number(v)));
        gl_html__attrf(h, c, "cy", "%.1f", y + (double)((int)(i % 7) - 3) * 2.5);
        gl_html__attr(h, c, "r", "2.5");
    }
    if (is_number(gl_value_object_get(pct, "p50_ms"))) {
        double x = x_of(a, gl_value_get_number(gl_value_object_get(pct, "p50_ms")));
        line(h, svg, x, y - 14, x, y + 14, color, NULL);
        label(h, svg, x, y - 17, "middle", "p50");
    }
    if (is_number(gl_value_object_get(pct, "p95_ms"))) {
        double x = x_of(a, gl_value_get_number(gl_value_object_get(pct, "p95_ms")));
        line(h, svg, x, y - 14, x, y + 14, color, "4 3");
        label(h, svg, x, y + 25, "middle", "p95");
    }
}

static void range_of(const gl_value *samples, double *lo, double *hi)
{
    for (size_t i = 0; i < gl_value_len(samples); i++) {
        const gl_value *v = gl_value_array_at(samples, i);
        double d = gl_value_get_number(v);
        if (!is_number(v) || !isfinite(d))
            continue;
        if (d < *lo)
            *lo = d;
        if (d > *hi)
            *hi = d;
    }
}

static void chart(gl_html *h, xmlNodePtr parent, const gl_value *f)
{
    const gl_value *details = gl_value_object_get(f, "details");
    const gl_value *bs = gl_value_object_get(details, "blue_samples_ms");
    const gl_value *gs = gl_value_object_get(details, "green_samples_ms");
    const gl_value *blue = gl_value_object_get(f, "blue"), *green = gl_value_object_get(f, "green");
    const char *verdict = gl_report__str(details, "verdict", "?");
    xmlNodePtr fig = gl_html__el(h, parent, "figure", NULL), svg, cap;
    double lo = INFINITY, hi = -INFINITY;
    axis a;
    char text[512];

    range_of(bs, &lo, &hi);
    range_of(gs, &lo, &hi);
    if (!isfinite(lo) || !isfinite(hi))
        lo = 0, hi = 1;
    a.log = lo > 0 && hi / lo > 20;
    a.lo = a.log ? lo : 0;
    a.hi = hi > a.lo ? hi * 1.05 : a.lo + 1;
    gl_html__attr(h, fig, "class", "latency");
    gl_html__attr(h, fig, "data-verdict", verdict);
    gl_html__el(h, fig, "h3", gl_report__str(f, "object", "?"));
    svg = svg_el(h, fig, "svg");
    gl_html__attr(h, svg, "class", "latency-chart");
    gl_html__attrf(h, svg, "viewBox", "0 0 %.0f %.0f", CHART_W, CHART_H);
    gl_html__attrf(h, svg, "width", "%.0f", CHART_W);
    gl_html__attrf(h, svg, "height", "%.0f", CHART_H);
    gl_html__attr(h, svg, "role", "img");
    snprintf(text, sizeof(text), "latency of %.200s on blue and green: %.40s", gl_report__str(f, "object", "?"), verdict);
    gl_html__attr(h, svg, "aria-label", text);
    gl_html__el(h, svg, "title", text);
    snprintf(text, sizeof(text), "verdict: %.40s · median green/blue x%.2f · p=%.2g", verdict,
             gl_value_get_number(gl_value_object_get(details, "median_ratio")),
             gl_value_get_number(gl_value_object_get(details, "p_value")));
    label(h, svg, CHART_LEFT, 14, "start", text);
    strip(h, svg, &a, bs, blue, 48, "blue", "#0969da");
    strip(h, svg, &a, gs, green, 98, "green", "#1a7f37");
    line(h, svg, CHART_LEFT, 135, CHART_W - CHART_RIGHT, 135, "#57606a", NULL);
    for (int i = 0; i <= 4; i++) {
        double v = a.log ? pow(10, log10(a.lo) + (log10(a.hi) - log10(a.lo)) * i / 4.0)
                         : a.lo + (a.hi - a.lo) * i / 4.0;
        double x = x_of(&a, v);
        line(h, svg, x, 135, x, 140, "#57606a", NULL);
        snprintf(text, sizeof(text), "%.3g ms", v);
        label(h, svg, x, 154, "middle", text);
    }
    snprintf(text, sizeof(text), "blue p50 %.3f ms, p95 %.3f ms (%lld samples) · green p50 %.3f ms, p95 %.3f ms "
             "(%lld samples)%s — ",
             gl_value_get_number(gl_value_object_get(blue, "p50_ms")),
             gl_value_get_number(gl_value_object_get(blue, "p95_ms")),
             (long long)gl_value_get_int(gl_value_object_get(blue, "samples")),
             gl_value_get_number(gl_value_object_get(green, "p50_ms")),
             gl_value_get_number(gl_value_object_get(green, "p95_ms")),
             (long long)gl_value_get_int(gl_value_object_get(green, "samples")), a.log ? ", log scale" : "");
    cap = gl_html__el(h, fig, "figcaption", text);
    gl_html__text(h, cap, gl_report__str(f, "message", ""));
}

void gl_html__latency_section(gl_html *h, xmlNodePtr main)
{
    const gl_value *findings = gl_value_object_get(h->report, "findings");
    xmlNodePtr sec = NULL;
    size_t n = 0, drawn = 0;
    char text[128];

    for (size_t i = 0; i < gl_value_len(findings); i++) {
        const gl_value *f = gl_value_array_at(findings, i);
        const gl_value *d = gl_value_object_get(f, "details");
        if (gl_value_kind_of(gl_value_object_get(d, "blue_samples_ms")) != GL_VALUE_ARRAY ||
            gl_value_kind_of(gl_value_object_get(d, "green_samples_ms")) != GL_VALUE_ARRAY)
            continue;
        n++;
        if (sec == NULL) {
            sec = gl_html__el(h, main, "section", NULL);
            gl_html__attr(h, sec, "id", "latency");
            gl_html__el(h, sec, "h2", "Query latency: blue vs green");
        }
        if (drawn < MAX_CHARTS) {
            chart(h, sec, f);
            drawn++;
        }
    }
    if (n > drawn) {
        snprintf(text, sizeof(text), "%zu more charts not drawn: see report.json", n - drawn);
        gl_html__attr(h, gl_html__el(h, sec, "p", text), "class", "muted");
    }
}

/* A plan (or any value) as lines: arrays give one line per item. */
static gl_value *lines_of(const gl_value *v)
{
    gl_value *out = gl_value_array();
    char *s = NULL, *save = NULL;

    if (out == NULL)
        return NULL;
    if (gl_value_kind_of(v) == GL_VALUE_ARRAY) {
        for (size_t i = 0; i < gl_value_len(v) && i < MAX_PLAN_LINES; i++) {
            char *d = gl_report__display(gl_value_array_at(v, i));
            if (d == NULL || gl_value_array_push(out, gl_value_string(d)) != 0) {
                free(d);
                gl_value_free(out);
                return NULL;
            }
            free(d);
        }
        return out;
    }
    s = gl_report__display(v);
    if (s == NULL) {
        gl_value_free(out);
        return NULL;
    }
    for (char *l = strtok_r(s, "\n", &save); l != NULL && gl_value_len(out) < MAX_PLAN_LINES;
         l = strtok_r(NULL, "\n", &save))
        if (gl_value_array_push(out, gl_value_string(l)) != 0) {
            gl_value_free(out);
            out = NULL;
            break;
        }
    free(s);
    return out;
}

static int has_line(const gl_value *lines, const char *l)
{
    for (size_t i = 0; i < gl_value_len(lines); i++)
        if (strcmp(gl_value_get_string(gl_value_array_at(lines, i)), l) == 0)
            return 1;
    return 0;
}

static void plan_side(gl_html *h, xmlNodePtr sides, const char *name, const gl_value *mine, const gl_value *other)
{
    xmlNodePtr div = gl_html__el(h, sides, "div", NULL), pre;

    gl_html__attr(h, div, "class", name);
    gl_html__el(h, div, "h4", name);
    pre = gl_html__el(h, div, "pre", NULL);
    for (size_t i = 0; i < gl_value_len(mine); i++) {
        const char *l = gl_value_get_string(gl_value_array_at(mine, i));
        xmlNodePtr span = gl_html__el(h, pre, "span", l);
        if (!has_line(other, l))
            gl_html__attr(h, span, "class", "only");
        gl_html__text(h, pre, "\n");
    }
}

void gl_html__plans_section(gl_html *h, xmlNodePtr main)
{
    const gl_value *findings = gl_value_object_get(h->report, "findings");
    xmlNodePtr sec = NULL;
    size_t n = 0;

    for (size_t i = 0; i < gl_value_len(findings) && !h->bad; i++) {
        const gl_value *f = gl_value_array_at(findings, i);
        const char *code = gl_report__str(f, "code", "");
        size_t len = strlen(code);
        gl_value *bl, *gl;
        xmlNodePtr fig, sides;
        if (len < 13 || strcmp(code + len - 13, ".plan_changed") != 0)
            continue;
        if (++n > MAX_PLANS)
            continue;
        if (sec == NULL) {
            sec = gl_html__el(h, main, "section", NULL);
            gl_html__attr(h, sec, "id", "plans");
            gl_html__el(h, sec, "h2", "Plan differences: blue | green");
        }
        fig = gl_html__el(h, sec, "figure", NULL);
        gl_html__attr(h, fig, "class", "plan");
        gl_html__el(h, fig, "h3", gl_report__str(f, "object", "?"));
        gl_html__el(h, fig, "p", gl_report__str(f, "message", ""));
        sides = gl_html__el(h, fig, "div", NULL);
        gl_html__attr(h, sides, "class", "sides");
        bl = lines_of(gl_value_object_get(f, "blue"));
        gl = lines_of(gl_value_object_get(f, "green"));
        if (bl == NULL || gl == NULL)
            h->bad = 1;
        else {
            plan_side(h, sides, "blue", bl, gl);
            plan_side(h, sides, "green", gl, bl);
        }
        gl_value_free(bl);
        gl_value_free(gl);
    }
    if (n > MAX_PLANS) {
        char text[128];
        snprintf(text, sizeof(text), "%zu more plan differences not shown: see report.json", n - MAX_PLANS);
        gl_html__attr(h, gl_html__el(h, sec, "p", text), "class", "muted");
    }
}

/* The first finding of check about object (NULL when none). */
static const gl_value *finding_about(const gl_value *findings, const char *check, const char *object)
{
    for (size_t i = 0; i < gl_value_len(findings); i++) {
        const gl_value *f = gl_value_array_at(findings, i);
        if (strcmp(gl_report__str(f, "check", ""), check) == 0 &&
            strcmp(gl_report__str(f, "object", ""), object) == 0)
            return f;
    }
    return NULL;
}

static void change_row(gl_html *h, xmlNodePtr table, const char *what, const gl_value *declared,
                       const gl_value *observed, const char *status)
{
    xmlNodePtr tr = gl_html__el(h, table, "tr", NULL), td;

    gl_html__el(h, tr, "td", what);
    td = gl_html__el(h, tr, "td", NULL);
    gl_html__value(h, td, declared, 300);
    td = gl_html__el(h, tr, "td", NULL);
    gl_html__attr(h, td, "class", "green");
    gl_html__value(h, td, observed, 300);
    gl_html__el(h, tr, "td", status);
}

/* Parameter and schema findings whose object the change does not declare. */
static void undeclared(gl_html *h, xmlNodePtr sec, const gl_value *change)
{
    const gl_value *findings = gl_value_object_get(h->report, "findings");
    const gl_value *params = gl_value_object_get(change, "parameters");
    const gl_value *schema = gl_value_object_get(change, "schema");
    xmlNodePtr ul = NULL;
    size_t n = 0;

    for (size_t i = 0; i < gl_value_len(findings); i++) {
        const gl_value *f = gl_value_array_at(findings, i);
        const char *check = gl_report__str(f, "check", ""), *object = gl_report__str(f, "object", "");
        int declared = 0;
        xmlNodePtr li;
        if (strcmp(check, "parameters") == 0)
            declared = gl_value_object_get(params, object) != NULL;
        else if (strcmp(check, "schema") == 0)
            for (size_t j = 0; j < gl_value_len(schema) && !declared; j++)
                declared = gl_value_get_string(gl_value_array_at(schema, j)) != NULL &&
                           strcmp(gl_value_get_string(gl_value_array_at(schema, j)), object) == 0;
        else
            continue;
        if (declared || strcmp(gl_report__str(f, "severity", "info"), "info") == 0)
            continue;
        if (ul == NULL) {
            gl_html__el(h, sec, "h3", "Observed on green but not declared");
            ul = gl_html__el(h, sec, "ul", NULL);
            gl_html__attr(h, ul, "id", "undeclared");
        }
        if (++n > MAX_UNDECLARED)
            continue;
        li = gl_html__el(h, ul, "li", gl_report__str(f, "code", "?"));
        gl_html__text(h, li, " ");
        gl_html__text(h, li, object);
        gl_html__text(h, li, ": ");
        gl_html__text(h, li, gl_report__str(f, "message", ""));
    }
    if (n > MAX_UNDECLARED) {
        char text[96];
        snprintf(text, sizeof(text), "%zu more: see report.json", n - MAX_UNDECLARED);
        gl_html__el(h, ul, "li", text);
    }
}

void gl_html__change_section(gl_html *h, xmlNodePtr main)
{
    const gl_value *change = gl_value_object_get(h->report, "change");
    const gl_value *findings = gl_value_object_get(h->report, "findings");
    const gl_value *params = gl_value_object_get(change, "parameters");
    const gl_value *schema = gl_value_object_get(change, "schema");
    const gl_value *version = gl_value_object_get(change, "target_version");
    xmlNodePtr sec = gl_html__el(h, main, "section", NULL), table, tr, p;
    static const char *const about[] = {"id", "ticket", "kind", "description"};

    gl_html__attr(h, sec, "id", "change");
    gl_html__el(h, sec, "h2", "Declared change vs observed");
    if (gl_value_kind_of(change) != GL_VALUE_OBJECT) {
        gl_html__attr(h, gl_html__el(h, sec, "p", "No change was declared (--change FILE)."), "class", "muted");
        undeclared(h, sec, NULL);
        return;
    }
    p = gl_html__el(h, sec, "p", NULL);
    for (size_t i = 0; i < 4; i++) {
        if (gl_value_object_string(change, about[i]) == NULL)
            continue;
        gl_html__el(h, p, "strong", about[i]);
        gl_html__text(h, p, " ");
        gl_html__text(h, p, gl_value_object_string(change, about[i]));
        gl_html__text(h, p, "  ");
    }
    table = gl_html__el(h, sec, "table", NULL);
    tr = gl_html__el(h, table, "tr", NULL);
    gl_html__el(h, tr, "th", "declared");
    gl_html__el(h, tr, "th", "value declared");
    gl_html__el(h, tr, "th", "observed on green");
    gl_html__el(h, tr, "th", "status");
    for (size_t i = 0; i < gl_value_len(params) && gl_value_kind_of(params) == GL_VALUE_OBJECT; i++) {
        const char *name = gl_value_object_key_at(params, i);
        const gl_value *f = finding_about(findings, "parameters", name);
        char what[200];
        snprintf(what, sizeof(what), "parameter %.180s", name);
        change_row(h, table, what, gl_value_object_value_at(params, i), f ? gl_value_object_get(f, "green") : NULL,
                   f ? gl_report__str(f, "code", "changed") : "no difference observed");
    }
    if (version != NULL && gl_value_kind_of(version) != GL_VALUE_NULL) {
        const gl_value *green = gl_value_object_get(gl_value_object_get(h->report, "targets"), "green");
        change_row(h, table, "target version", version, gl_value_object_get(green, "server_version"),
                   "see the engine_version check");
    }
    for (size_t i = 0; i < gl_value_len(schema); i++) {
        const char *object = gl_value_get_string(gl_value_array_at(schema, i));
        const gl_value *f = object ? finding_about(findings, "schema", object) : NULL;
        change_row(h, table, "schema object", gl_value_array_at(schema, i), f ? gl_value_object_get(f, "green") : NULL,
                   f ? gl_report__str(f, "code", "changed") : "no difference observed");
    }
    undeclared(h, sec, change);
}
