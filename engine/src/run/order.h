/*
 * order — ordering, stable ids and the severity summary of a run's
 * findings (arrays of finding objects as the host emits them).
 */
#ifndef GL_RUN_FINDINGS_H
#define GL_RUN_FINDINGS_H

#include "greenlight/plugin.h"

/* Most severe first, then check, code, object; stable. */
int gl_findings_sort(gl_value *findings);   /* 0 or -1 (out of memory) */

/* Sets each finding's "id" to "code:object" ("#n" on repeats). 0 or -1 (out of memory). */
int gl_findings_assign_ids(gl_value *findings);

/* {"findings": n, "by_severity": {info, warning, error, critical}}, or NULL. */
gl_value *gl_findings_summary(const gl_value *findings);

#endif
