/*
 * html_page — the pieces html.c and html_figures.c share: a libxml2 HTML tree
 * being built, and helpers that add elements and attributes to it. Text and
 * attribute values are stored as they are and escaped by libxml2's HTML
 * serialiser; only C0 controls (not representable) become '?'.
 *
 * Every helper is NULL-tolerant: once an allocation fails, ctx->bad sticks at 1
 * and later calls add nothing, so a renderer checks once at the end.
 */
#ifndef GL_REPORT_HTML_PAGE_H
#define GL_REPORT_HTML_PAGE_H

#include <libxml/HTMLtree.h>

#include "report/report.h"

typedef struct gl_html {
    htmlDocPtr doc;
    const gl_value *report;
    const char **blocking;   /* sorted ids cited by a hold/rollback reason */
    size_t n_blocking;
    int bad;
} gl_html;

/* A new <name> under parent, with text (may be NULL) as its content. */
xmlNodePtr gl_html__el(gl_html *h, xmlNodePtr parent, const char *name, const char *text);
/* Appends text to node. */
void gl_html__text(gl_html *h, xmlNodePtr node, const char *text);
/* Sets attribute name=value (value may be NULL: nothing set). */
void gl_html__attr(gl_html *h, xmlNodePtr node, const char *name, const char *value);
void gl_html__attrf(gl_html *h, xmlNodePtr node, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A report value for a person, at most max bytes (then "…"). */
void gl_html__value(gl_html *h, xmlNodePtr node, const gl_value *v, size_t max);
/* 1 when the finding id is cited by a hold or rollback reason. */
int gl_html__blocking(const gl_html *h, const char *id);

/* html_figures.c: the query latency charts (inline SVG), plan differences side
 * by side, and the declared change against what was observed. */
void gl_html__latency_section(gl_html *h, xmlNodePtr body);
void gl_html__plans_section(gl_html *h, xmlNodePtr body);
void gl_html__change_section(gl_html *h, xmlNodePtr body);

#endif
