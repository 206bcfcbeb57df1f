/*
 * report — writes a run's report (the gl_value built by the runner, shaped by
 * share/schema/report.schema.json) in each output format. New formats
 * (JUnit, Markdown, HTML, signed records) are added here, one file each.
 */
#ifndef GL_REPORT_H
#define GL_REPORT_H

#include <stdio.h>

#include "util/error.h"
#include "greenlight/plugin.h"

/* Human summary: targets, plugins, findings by severity, decision and reasons. */
void gl_report_print_text(const gl_value *report, FILE *out, int color);

/* Writes DIR/report.json (creating DIR). Errors name the path. */
int gl_report_write_dir(const gl_value *report, const char *dir, gl_error *err);

#endif
