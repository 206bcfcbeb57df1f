/*
 * order.c — stage 4: the order, ids and waivers of a run's findings, and
 * their counts for the report.
 */
#include "run/order.h"

#include <stdio.h>
#include <string.h>

#include "judge/waiver.h"
#include "run/stages.h"
#include "util/names.h"
#include "value/value.h"

/* 0 (absent) .. 4 (critical); anything not a severity ranks as info, as
 * before the table (the strict finding validator refuses it upstream). */
static int severity_rank(const char *s)
{
    int r = gl_severity_rank(s);
    return s == NULL ? 0 : r ? r : 1;
}

static int cmp_str_null(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* Findings sort: most severe first, then check, code, object. Stable. */
static int finding_cmp(const gl_value *a, const gl_value *b)
{
    int d = severity_rank(gl_value_object_string(b, "severity")) -
            severity_rank(gl_value_object_string(a, "severity"));
    if (d)
        return d;
    d = cmp_str_null(gl_value_object_string(a, "check"), gl_value_object_string(b, "check"));
    if (d)
        return d;
    d = cmp_str_null(gl_value_object_string(a, "code"), gl_value_object_string(b, "code"));
    if (d)
        return d;
    return cmp_str_null(gl_value_object_string(a, "object"), gl_value_object_string(b, "object"));
}

/* Ids are "code:object", with "#n" when the same pair repeats, so a reason's
 * finding ids stay readable and stable from run to run. The host put an "id"
 * key first in every finding; setting it keeps that position. */
int gl_findings_assign_ids(gl_value *findings)
{
    size_t n = gl_value_len(findings);
    const char *prev_code = NULL, *prev_object = NULL;
    int dup = 0;

    for (size_t i = 0; i < n; i++) {
        gl_value *f = gl_value_array_at_mut(findings, i);
        const char *code = gl_value_object_string(f, "code");
        const char *object = gl_value_object_string(f, "object");
        gl_value *id;

        if (prev_code && strcmp(prev_code, code) == 0 && strcmp(prev_object, object) == 0)
            dup++;
        else
            dup = 0;
        prev_code = code;
        prev_object = object;
        id = dup ? gl_value_stringf("%s:%s#%d", code, object, dup + 1)
                 : gl_value_stringf("%s:%s", code, object);
        if (gl_value_object_set(f, "id", id) != 0)
            return -1;
    }
    return 0;
}

int gl_findings_sort(gl_value *findings)
{
    return gl_value_array_sort(findings, finding_cmp);
}

gl_value *gl_findings_summary(const gl_value *findings)
{
    int64_t counts[GL_SEVERITY_COUNT] = {0};
    gl_value *s = gl_value_object(), *by = gl_value_object();
    int bad = 0;

    for (size_t i = 0; i < gl_value_len(findings); i++) {
        int r = severity_rank(gl_value_object_string(gl_value_array_at(findings, i), "severity"));
        if (r > 0)
            counts[r - 1]++;
    }
    for (int i = 0; i < GL_SEVERITY_COUNT; i++)
        bad |= gl_value_object_set(by, gl_severity_names[i], gl_value_int(counts[i])) != 0;
    bad |= gl_value_object_set(s, "findings", gl_value_int((int64_t)gl_value_len(findings))) != 0;
    bad |= gl_value_object_set(s, "by_severity", by) != 0;
    if (bad) {
        gl_value_free(s);
        return NULL;
    }
    return s;
}

int gl_run_findings_order(gl_run *run, gl_error *err)
{
    char today[16];

    if (gl_findings_sort(run->findings) != 0 || gl_findings_assign_ids(run->findings) != 0)
        return gl_error_nomem(err);
    /* waivers mark the findings that fired, before the policy sees them */
    gl_waivers_today(today, sizeof(today));
    if (run->waivers != NULL
            ? gl_waivers_apply(run->waivers, run->findings, today, &run->waiver_list, err) != 0
            : (run->waiver_list = gl_value_array()) == NULL)
        return gl_error_nomem(err);
    return 0;
}
