/*
 * The HTML report: one self-contained file a reviewer opens from a CI
 * artifact. Decision and reasons at the top in the decision's colour; the
 * targets side by side; findings grouped by check (blue | green columns) with
 * severity filters, a blocking-only switch and search; query latency charts
 * and plan differences (html_figures.c); the declared change against what was
 * observed; waivers; errors.
 *
 * Built as a libxml2 HTML tree and written by its HTML serialiser, which
 * escapes every text and attribute: nothing from the report is ever pasted
 * into markup. The only script and style are the constants below; a
 * Content-Security-Policy forbids any network access, so nothing is fetched.
 * Large reports stay usable: each check shows HTML_PAGE rows at a time (the
 * rest are hidden in the file itself, so the first paint lays out one page)
 * and the script pages, filters and searches.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLtree.h>

#include "report/html_page.h"
#include "value/value.h"

#define HTML_PAGE 100
#define HTML_PAGE_STR "100"
#define HTML_CELL_MAX 600

static const char html_css[] =
    "body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}"
    "main{max-width:1280px;margin:0 auto;padding:0 16px 48px}"
    "header.decision{padding:18px 24px;color:#fff}"
    "header.decision h1{margin:0;font-size:26px}"
    ".decision-switchover{background:#1a7f37}.decision-hold{background:#cf222e}"
    ".decision-rollback{background:#9a6700}"
    "header.decision ul{margin:8px 0 0;padding-left:20px}"
    "section{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:16px 0;padding:8px 16px}"
    "h2{font-size:18px;margin:8px 0}"
    "table{border-collapse:collapse;width:100%;table-layout:fixed}"
    "th,td{border-bottom:1px solid #d8dee4;padding:4px 6px;text-align:left;vertical-align:top;"
    "overflow-wrap:anywhere}"
    "th{background:#f6f8fa}"
    "td.blue{background:#eef4ff}td.green{background:#eefbf1}"
    ".sev{font-weight:600}.sev-critical{color:#82071e}.sev-error{color:#cf222e}"
    ".sev-warning{color:#9a6700}.sev-info{color:#57606a}"
    ".tag{display:inline-block;border-radius:8px;padding:0 6px;font-size:12px;margin-left:4px;"
    "background:#ffebe9;color:#82071e}.tag.waived{background:#ddf4ff;color:#0969da}"
    "#filters{position:sticky;top:0;z-index:1}"
    "#filters label{margin-right:12px}#search{width:280px}"
    ".pager button{margin:0 6px}"
    ".sides{display:grid;grid-template-columns:1fr 1fr;gap:12px}"
    "pre{background:#f6f8fa;padding:6px;margin:0;white-space:pre-wrap;font-size:12px}"
    "pre .only{background:#fff8c5}"
    "figure{margin:12px 0}svg{max-width:100%;height:auto}"
    ".muted{color:#57606a}";

/* Pages, filters and searches the findings tables (report.html#search=TEXT
 * opens with TEXT searched, a link a reviewer can share); marks the page
 * ready, with the milliseconds it took since navigation started. */
static const char html_js[] =
    "(function(){'use strict';var PAGE=" HTML_PAGE_STR ";"
    "var boxes=[].slice.call(document.querySelectorAll('#filters input[data-sev]'));"
    "var blockingOnly=document.getElementById('blocking-only');"
    "var search=document.getElementById('search');"
    "var count=document.getElementById('match-count');"
    "var groups=[].slice.call(document.querySelectorAll('section.check')).map(function(g){"
    "var rows=[].slice.call(g.querySelectorAll('tr.finding'));"
    "return{g:g,rows:rows,text:null,"
    "match:rows,page:0,pos:g.querySelector('.pager .pos'),"
    "prev:g.querySelector('.pager .prev'),next:g.querySelector('.pager .next')};});"
    "function show(s){var from=s.page*PAGE,to=Math.min(from+PAGE,s.match.length);"
    "s.rows.forEach(function(r){r.hidden=true;});"
    "for(var i=from;i<to;i++)s.match[i].hidden=false;"
    "if(s.pos)s.pos.textContent=s.match.length?(from+1)+'\\u2013'+to+' of '+s.match.length:'none match';"
    "if(s.prev)s.prev.disabled=s.page===0;if(s.next)s.next.disabled=to>=s.match.length;}"
    "function apply(){var sev={};boxes.forEach(function(b){sev[b.getAttribute('data-sev')]=b.checked;});"
    "var q=search.value.trim().toLowerCase(),total=0,all=0;"
    "groups.forEach(function(s){s.match=s.rows.filter(function(r,i){"
    "if(!sev[r.getAttribute('data-severity')])return false;"
    "if(blockingOnly.checked&&!r.hasAttribute('data-blocking'))return false;"
    "if(!q)return true;"
    "if(!s.text)s.text=s.rows.map(function(r){return r.textContent.toLowerCase();});"
    "return s.text[i].indexOf(q)>=0;});s.page=0;total+=s.match.length;all+=s.rows.length;show(s);});"
    "count.textContent=total+' of '+all+' findings shown by the filters';}"
    "groups.forEach(function(s){"
    "if(s.prev)s.prev.addEventListener('click',function(){s.page--;show(s);});"
    "if(s.next)s.next.addEventListener('click',function(){s.page++;show(s);});});"
    "var timer=null;search.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(apply,150);});"
    "boxes.concat([blockingOnly]).forEach(function(b){b.addEventListener('change',apply);});"
    "var all=0;groups.forEach(function(s){all+=s.rows.length;show(s);});"
    "count.textContent=all+' of '+all+' findings shown by the filters';"
    "var h=/^#search=(.*)$/.exec(location.hash);"
    "if(h){try{search.value=decodeURIComponent(h[1]);}catch(e){search.value=h[1];}apply();}"
    "var root=document.documentElement;root.setAttribute('data-ready','1');"
    "root.setAttribute('data-ready-ms',String(Math.round(performance.now())));})();";

static const char *const severities[] = {"critical", "error", "warning", "info"};

/* XML and HTML cannot carry most C0 controls: they become '?'. */
static xmlChar *clean(const char *s)
{
    xmlChar *copy = xmlStrdup(BAD_CAST(s ? s : ""));

    for (xmlChar *p = copy; p && *p; p++)
        if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
            *p = '?';
    return copy;
}

xmlNodePtr gl_html__el(gl_html *h, xmlNodePtr parent, const char *name, const char *text)
{
    xmlNodePtr node;

    if (h->bad || parent == NULL)
        return NULL;
    node = xmlNewChild(parent, NULL, BAD_CAST name, NULL);
    if (node == NULL) {
        h->bad = 1;
        return NULL;
    }
    if (text != NULL)
        gl_html__text(h, node, text);
    return node;
}

void gl_html__text(gl_html *h, xmlNodePtr node, const char *text)
{
    xmlChar *c;
    xmlNodePtr t;

    if (h->bad || node == NULL || text == NULL)
        return;
    c = clean(text);
    t = c ? xmlNewDocText(h->doc, c) : NULL;
    xmlFree(c);
    if (t == NULL || xmlAddChild(node, t) == NULL) {
        xmlFreeNode(t);
        h->bad = 1;
    }
}

void gl_html__attr(gl_html *h, xmlNodePtr node, const char *name, const char *value)
{
    xmlChar *c;

    if (h->bad || node == NULL || value == NULL)
        return;
    c = clean(value);
    if (c == NULL || xmlSetProp(node, BAD_CAST name, c) == NULL)
        h->bad = 1;
    xmlFree(c);
}

void gl_html__attrf(gl_html *h, xmlNodePtr node, const char *name, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    gl_html__attr(h, node, name, buf);
}

void gl_html__value(gl_html *h, xmlNodePtr node, const gl_value *v, size_t max)
{
    char *shown = gl_report__display(v);

    if (shown == NULL) {
        h->bad = 1;
        return;
    }
    if (strlen(shown) > max) {
        /* Cut on a UTF-8 character boundary. */
        size_t cut = max;
        while (cut > 0 && ((unsigned char)shown[cut] & 0xC0) == 0x80)
            cut--;
        strcpy(shown + cut, "…");
    }
    gl_html__text(h, node, shown);
    free(shown);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int gl_html__blocking(const gl_html *h, const char *id)
{
    return id != NULL && h->n_blocking > 0 &&
           bsearch(&id, h->blocking, h->n_blocking, sizeof(*h->blocking), cmp_str) != NULL;
}

/* Every finding id cited by a reason whose action is not switchover, sorted. */
static int collect_blocking(gl_html *h)
{
    const gl_value *reasons = gl_value_object_get(gl_value_object_get(h->report, "decision"), "reasons");
    size_t n = 0;

    for (size_t i = 0; i < gl_value_len(reasons); i++)
        n += gl_value_len(gl_value_object_get(gl_value_array_at(reasons, i), "findings"));
    h->blocking = calloc(n ? n : 1, sizeof(*h->blocking));
    if (h->blocking == NULL)
        return -1;
    for (size_t i = 0; i < gl_value_len(reasons); i++) {
        const gl_value *r = gl_value_array_at(reasons, i);
        const gl_value *ids = gl_value_object_get(r, "findings");
        if (strcmp(gl_report__str(r, "action", "hold"), "switchover") == 0)
            continue;
        for (size_t j = 0; j < gl_value_len(ids); j++) {
            const char *id = gl_value_get_string(gl_value_array_at(ids, j));
            if (id != NULL)
                h->blocking[h->n_blocking++] = id;
        }
    }
    qsort(h->blocking, h->n_blocking, sizeof(*h->blocking), cmp_str);
    return 0;
}

static void write_head(gl_html *h, xmlNodePtr html)
{
    const char *action = gl_report__str(gl_value_object_get(h->report, "decision"), "action", "hold");
    xmlNodePtr head = gl_html__el(h, html, "head", NULL), meta;
    char title[160];

    meta = gl_html__el(h, head, "meta", NULL);
    gl_html__attr(h, meta, "http-equiv", "Content-Type");
    gl_html__attr(h, meta, "content", "text/html; charset=utf-8");
    meta = gl_html__el(h, head, "meta", NULL);
    gl_html__attr(h, meta, "http-equiv", "Content-Security-Policy");
    gl_html__attr(h, meta, "content",
                  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                  "img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'");
    meta = gl_html__el(h, head, "meta", NULL);
    gl_html__attr(h, meta, "name", "viewport");
    gl_html__attr(h, meta, "content", "width=device-width, initial-scale=1");
    snprintf(title, sizeof(title), "greenlight: %.40s", action);
    gl_html__el(h, head, "title", title);
    gl_html__el(h, head, "style", html_css);
}

static void write_decision(gl_html *h, xmlNodePtr body)
{
    const gl_value *decision = gl_value_object_get(h->report, "decision");
    const gl_value *reasons = gl_value_object_get(decision, "reasons");
    const char *action = gl_report__str(decision, "action", "hold");
    xmlNodePtr header = gl_html__el(h, body, "header", NULL), h1, ul;
    char line[128];

    gl_html__attrf(h, header, "class", "decision decision-%s", action);
    gl_html__attr(h, header, "id", "decision");
    h1 = gl_html__el(h, header, "h1", "greenlight decision: ");
    gl_html__el(h, h1, "span", action);
    snprintf(line, sizeof(line), "exit code %lld · %zu reason%s",
             (long long)gl_value_get_int(gl_value_object_get(decision, "exit_code")),
             gl_value_len(reasons), gl_value_len(reasons) == 1 ? "" : "s");
    gl_html__el(h, header, "p", line);
    ul = gl_html__el(h, header, "ul", NULL);
    gl_html__attr(h, ul, "id", "reasons");
    for (size_t i = 0; i < gl_value_len(reasons); i++) {
        const gl_value *r = gl_value_array_at(reasons, i);
        size_t cited = gl_value_len(gl_value_object_get(r, "findings"));
        xmlNodePtr li = gl_html__el(h, ul, "li", NULL);
        gl_html__el(h, li, "strong", gl_report__str(r, "action", "?"));
        gl_html__text(h, li, " (");
        gl_html__text(h, li, gl_report__str(r, "rule", "?"));
        gl_html__text(h, li, "): ");
        gl_html__text(h, li, gl_report__str(r, "message", ""));
        if (cited > 0) {
            snprintf(line, sizeof(line), " — %zu finding%s", cited, cited == 1 ? "" : "s");
            gl_html__text(h, li, line);
        }
    }
    if (gl_value_get_int(gl_value_object_get(decision, "reasons_omitted")) > 0) {
        snprintf(line, sizeof(line), "%lld more reasons omitted (see report.json)",
                 (long long)gl_value_get_int(gl_value_object_get(decision, "reasons_omitted")));
        gl_html__el(h, ul, "li", line);
    }
}

/* Targets side by side, then the run's provenance. */
static void write_run(gl_html *h, xmlNodePtr main)
{
    const gl_value *targets = gl_value_object_get(h->report, "targets");
    const gl_value *policy = gl_value_object_get(h->report, "policy");
    xmlNodePtr sec = gl_html__el(h, main, "section", NULL), table, tr;
    static const char *const rows[][2] = {
        {"kind", "kind"}, {"target", "display"}, {"server version", "server_version"}};
    char line[512];

    gl_html__attr(h, sec, "id", "run");
    gl_html__el(h, sec, "h2", "Run");
    table = gl_html__el(h, sec, "table", NULL);
    tr = gl_html__el(h, table, "tr", NULL);
    gl_html__el(h, tr, "th", "");
    gl_html__el(h, tr, "th", "blue");
    gl_html__el(h, tr, "th", "green");
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        tr = gl_html__el(h, table, "tr", NULL);
        gl_html__el(h, tr, "th", rows[i][0]);
        gl_html__attr(h, gl_html__el(h, tr, "td", gl_report__str(gl_value_object_get(targets, "blue"), rows[i][1], "-")),
                      "class", "blue");
        gl_html__attr(h, gl_html__el(h, tr, "td", gl_report__str(gl_value_object_get(targets, "green"), rows[i][1], "-")),
                      "class", "green");
    }
    snprintf(line, sizeof(line), "run %.64s · started %.40s · %.0f ms · greenlight %.40s",
             gl_report__str(h->report, "run_id", "?"), gl_report__str(h->report, "started_at", "?"),
             gl_value_get_number(gl_value_object_get(h->report, "duration_ms")),
             gl_report__str(h->report, "greenlight_version", "?"));
    gl_html__attr(h, gl_html__el(h, sec, "p", line), "class", "muted");
    snprintf(line, sizeof(line), "policy %.200s · sha256 %.64s", gl_report__str(policy, "path", "?"),
             gl_report__str(policy, "sha256", "?"));
    gl_html__attr(h, gl_html__el(h, sec, "p", line), "class", "muted");
}

static void write_errors(gl_html *h, xmlNodePtr main)
{
    const gl_value *errors = gl_value_object_get(h->report, "errors");
    xmlNodePtr sec, ul;

    if (gl_value_len(errors) == 0)
        return;
    sec = gl_html__el(h, main, "section", NULL);
    gl_html__attr(h, sec, "id", "errors");
    gl_html__el(h, sec, "h2", "Errors while checking");
    ul = gl_html__el(h, sec, "ul", NULL);
    for (size_t i = 0; i < gl_value_len(errors); i++) {
        const gl_value *e = gl_value_array_at(errors, i);
        xmlNodePtr li = gl_html__el(h, ul, "li", NULL);
        gl_html__el(h, li, "strong", gl_report__str(e, "stage", "?"));
        gl_html__text(h, li, ": ");
        gl_html__text(h, li, gl_report__str(e, "message", ""));
    }
}

static void write_filters(gl_html *h, xmlNodePtr main)
{
    xmlNodePtr sec = gl_html__el(h, main, "section", NULL), label, input;

    gl_html__attr(h, sec, "id", "filters");
    for (size_t i = 0; i < 4; i++) {
        label = gl_html__el(h, sec, "label", NULL);
        input = gl_html__el(h, label, "input", NULL);
        gl_html__attr(h, input, "type", "checkbox");
        gl_html__attr(h, input, "checked", "checked");
        gl_html__attr(h, input, "data-sev", severities[i]);
        gl_html__text(h, label, " ");
        gl_html__text(h, label, severities[i]);
    }
    label = gl_html__el(h, sec, "label", NULL);
    input = gl_html__el(h, label, "input", NULL);
    gl_html__attr(h, input, "type", "checkbox");
    gl_html__attr(h, input, "id", "blocking-only");
    gl_html__text(h, label, " blocking only");
    input = gl_html__el(h, sec, "input", NULL);
    gl_html__attr(h, input, "type", "search");
    gl_html__attr(h, input, "id", "search");
    gl_html__attr(h, input, "placeholder", "search findings");
    gl_html__attr(h, input, "aria-label", "search findings");
    gl_html__attr(h, gl_html__el(h, sec, "span", " "), "id", "match-count");
}

static void finding_row(gl_html *h, xmlNodePtr tbody, const gl_value *f, size_t index)
{
    const char *severity = gl_report__str(f, "severity", "info");
    int blocking = gl_html__blocking(h, gl_value_object_string(f, "id"));
    xmlNodePtr tr = gl_html__el(h, tbody, "tr", NULL), td;

    gl_html__attr(h, tr, "class", "finding");
    gl_html__attr(h, tr, "data-severity", severity);
    if (blocking)
        gl_html__attr(h, tr, "data-blocking", "1");
    if (index >= HTML_PAGE)
        gl_html__attr(h, tr, "hidden", "hidden");
    td = gl_html__el(h, tr, "td", severity);
    gl_html__attrf(h, td, "class", "sev sev-%s", severity);
    if (blocking)
        gl_html__attr(h, gl_html__el(h, td, "span", "blocking"), "class", "tag");
    if (gl_value_get_bool(gl_value_object_get(f, "waived")))
        gl_html__attr(h, gl_html__el(h, td, "span", "waived"), "class", "tag waived");
    gl_html__el(h, tr, "td", gl_report__str(f, "code", "?"));
    gl_html__el(h, tr, "td", gl_report__str(f, "object", ""));
    td = gl_html__el(h, tr, "td", NULL);
    gl_html__attr(h, td, "class", "blue");
    gl_html__value(h, td, gl_value_object_get(f, "blue"), HTML_CELL_MAX);
    td = gl_html__el(h, tr, "td", NULL);
    gl_html__attr(h, td, "class", "green");
    gl_html__value(h, td, gl_value_object_get(f, "green"), HTML_CELL_MAX);
    gl_html__el(h, tr, "td", gl_report__str(f, "message", ""));
}

static void write_check(gl_html *h, xmlNodePtr main, const char *check, const gl_value *plugin)
{
    const gl_value *findings = gl_value_object_get(h->report, "findings");
    const char *status = gl_report__str(plugin, "status", "ok");
    xmlNodePtr sec = gl_html__el(h, main, "section", NULL), table, tr, tbody, pager, button;
    size_t n = 0, blocking = 0;
    char line[256];

    for (size_t i = 0; i < gl_value_len(findings); i++) {
        const gl_value *f = gl_value_array_at(findings, i);
        if (strcmp(gl_report__str(f, "check", ""), check) != 0)
            continue;
        n++;
        blocking += (size_t)gl_html__blocking(h, gl_value_object_string(f, "id"));
    }
    gl_html__attr(h, sec, "class", "check");
    gl_html__attrf(h, sec, "id", "check-%.100s", check);
    snprintf(line, sizeof(line), "%.100s — %zu finding%s, %zu blocking%s%.20s", check, n, n == 1 ? "" : "s",
             blocking, strcmp(status, "ok") != 0 ? " — check " : "", strcmp(status, "ok") != 0 ? status : "");
    gl_html__el(h, sec, "h2", line);
    if (plugin != NULL && gl_value_object_string(plugin, "error") != NULL)
        gl_html__attr(h, gl_html__el(h, sec, "p", gl_value_object_string(plugin, "error")), "class", "sev-error");
    if (n == 0) {
        gl_html__attr(h, gl_html__el(h, sec, "p", "No findings."), "class", "muted");
        return;
    }
    table = gl_html__el(h, sec, "table", NULL);
    tr = gl_html__el(h, gl_html__el(h, table, "thead", NULL), "tr", NULL);
    static const char *const cols[] = {"severity", "code", "object", "blue", "green", "message"};
    static const char *const widths[] = {"9%", "16%", "15%", "17%", "17%", "26%"};
    for (size_t i = 0; i < 6; i++)
        gl_html__attrf(h, gl_html__el(h, tr, "th", cols[i]), "style", "width:%s", widths[i]);
    tbody = gl_html__el(h, table, "tbody", NULL);
    for (size_t i = 0, k = 0; i < gl_value_len(findings); i++) {
        const gl_value *f = gl_value_array_at(findings, i);
        if (strcmp(gl_report__str(f, "check", ""), check) == 0)
            finding_row(h, tbody, f, k++);
    }
    pager = gl_html__el(h, sec, "div", NULL);
    gl_html__attr(h, pager, "class", "pager");
    button = gl_html__el(h, pager, "button", "previous");
    gl_html__attr(h, button, "class", "prev");
    gl_html__attr(h, button, "type", "button");
    snprintf(line, sizeof(line), "1–%zu of %zu", n < HTML_PAGE ? n : (size_t)HTML_PAGE, n);
    gl_html__attr(h, gl_html__el(h, pager, "span", line), "class", "pos");
    button = gl_html__el(h, pager, "button", "next");
    gl_html__attr(h, button, "class", "next");
    gl_html__attr(h, button, "type", "button");
}

/* Checks in the order they ran, then any that only appear in findings. */
static void write_checks(gl_html *h, xmlNodePtr main)
{
    const gl_value *plugins = gl_value_object_get(h->report, "plugins");
    const gl_value *findings = gl_value_object_get(h->report, "findings");
    gl_value *seen = gl_value_object();

    if (seen == NULL) {
        h->bad = 1;
        return;
    }
    for (size_t i = 0; i < gl_value_len(plugins) && !h->bad; i++) {
        const gl_value *p = gl_value_array_at(plugins, i);
        const char *name = gl_report__str(p, "name", "?");
        if (gl_value_object_get(seen, name) != NULL)
            continue;
        if (gl_value_object_set(seen, name, gl_value_null()) != 0)
            h->bad = 1;
        write_check(h, main, name, p);
    }
    for (size_t i = 0; i < gl_value_len(findings) && !h->bad; i++) {
        const char *name = gl_report__str(gl_value_array_at(findings, i), "check", "?");
        if (gl_value_object_get(seen, name) != NULL)
            continue;
        if (gl_value_object_set(seen, name, gl_value_null()) != 0)
            h->bad = 1;
        write_check(h, main, name, NULL);
    }
    gl_value_free(seen);
}

static void write_waivers(gl_html *h, xmlNodePtr main)
{
    const gl_value *waivers = gl_value_object_get(h->report, "waivers");
    static const char *const cols[] = {"status", "code", "object", "owner", "expires", "reason"};
    xmlNodePtr sec = gl_html__el(h, main, "section", NULL), table, tr;
    char n[32];

    gl_html__attr(h, sec, "id", "waivers");
    gl_html__el(h, sec, "h2", "Waivers");
    if (gl_value_len(waivers) == 0) {
        gl_html__attr(h, gl_html__el(h, sec, "p", "No waivers were given."), "class", "muted");
        return;
    }
    table = gl_html__el(h, sec, "table", NULL);
    tr = gl_html__el(h, table, "tr", NULL);
    for (size_t c = 0; c < 6; c++)
        gl_html__el(h, tr, "th", cols[c]);
    gl_html__el(h, tr, "th", "findings covered");
    for (size_t i = 0; i < gl_value_len(waivers); i++) {
        const gl_value *w = gl_value_array_at(waivers, i);
        tr = gl_html__el(h, table, "tr", NULL);
        for (size_t c = 0; c < 6; c++)
            gl_html__el(h, tr, "td", gl_report__str(w, cols[c], "-"));
        snprintf(n, sizeof(n), "%zu", gl_value_len(gl_value_object_get(w, "findings")));
        gl_html__el(h, tr, "td", n);
    }
}

int gl_report_render_html(const gl_value *report, char **out, size_t *out_len, gl_error *err)
{
    gl_html h;
    xmlNodePtr html, body, main, script;
    xmlChar *mem = NULL;
    int size = 0, rc = -1;

    memset(&h, 0, sizeof(h));
    *out = NULL;
    h.report = report;
    h.doc = htmlNewDocNoDtD(NULL, NULL);
    if (h.doc == NULL || collect_blocking(&h) != 0 ||
        xmlCreateIntSubset(h.doc, BAD_CAST "html", NULL, NULL) == NULL)
        goto out;
    html = xmlNewDocNode(h.doc, NULL, BAD_CAST "html", NULL);
    if (html == NULL)
        goto out;
    xmlDocSetRootElement(h.doc, html);
    gl_html__attr(&h, html, "lang", "en");
    write_head(&h, html);
    body = gl_html__el(&h, html, "body", NULL);
    write_decision(&h, body);
    main = gl_html__el(&h, body, "main", NULL);
    write_run(&h, main);
    write_errors(&h, main);
    gl_html__change_section(&h, main);
    write_filters(&h, main);
    write_checks(&h, main);
    gl_html__latency_section(&h, main);
    gl_html__plans_section(&h, main);
    write_waivers(&h, main);
    /* A constant: the serialiser writes script content as it is. */
    script = gl_html__el(&h, body, "script", html_js);
    if (h.bad || script == NULL)
        goto out;
    htmlDocDumpMemoryFormat(h.doc, &mem, &size, 0);
    if (mem == NULL || size < 0 || (size_t)size > GL_REPORT_MAX_OUTPUT)
        goto out;
    *out = strdup((const char *)mem);
    if (*out == NULL)
        goto out;
    *out_len = (size_t)size;
    rc = 0;
out:
    xmlFree(mem);
    free(h.blocking);
    if (h.doc != NULL)
        xmlFreeDoc(h.doc);
    if (rc != 0)
        gl_error_set(err, GL_ERR_NOMEM, "cannot render the HTML report: out of memory or too large");
    return rc;
}
