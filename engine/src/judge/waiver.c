/*
 * waiver — load a waiver file, match it against the findings of a run.
 * Dates are whole days in UTC; day numbers come from timegm so leap years
 * and month lengths are the C library's problem, not ours.
 */
#define _GNU_SOURCE /* timegm */
#include "judge/waiver.h"

#include "input/input.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Days since 1970-01-01 of a strict "YYYY-MM-DD"; -1 when it is not a real
 * date (2025-02-30 is refused: timegm would roll it over). */
static int day_number(const char *s, long *out)
{
    struct tm tm;
    int y, m, d, used = 0;
    time_t t;

    if (s == NULL || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = 12;
    t = timegm(&tm);
    if (t == (time_t)-1 || tm.tm_year != y - 1900 || tm.tm_mon != m - 1 || tm.tm_mday != d)
        return -1;
    *out = (long)(t / 86400);
    return 0;
}

void gl_waivers_today(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%d", &tm);
}

int gl_waivers_load(const char *path, gl_value **out, gl_error *err)
{
    /* The shape (share/schema/waivers.schema.json) is checked by the input
     * module: strict dates, no unknown members, non-empty strings. */
    return gl_input_load(GL_INPUT_WAIVERS, "--waivers", path, out, err);
}

static int matches(const gl_value *w, const gl_value *finding)
{
    const char *code = gl_value_object_string(finding, "code");
    const char *object = gl_value_object_string(finding, "object");

    return code != NULL && object != NULL && strcmp(code, gl_value_object_string(w, "code")) == 0 &&
           fnmatch(gl_value_object_string(w, "object"), object, 0) == 0;
}

/* The report/input entry for waiver i: a copy plus status and matches. */
static gl_value *entry_of(const gl_value *w, long today, gl_value *findings, size_t i, int *failed)
{
    gl_value *e = gl_value_copy(w), *ids = gl_value_array();
    long expires = 0, created = 0;
    int has_created = gl_value_object_get(w, "created") != NULL, expired;

    if (e == NULL || ids == NULL)
        goto fail;
    day_number(gl_value_object_string(w, "expires"), &expires);
    if (has_created)
        day_number(gl_value_object_string(w, "created"), &created);
    expired = expires < today;
    for (size_t k = 0; k < gl_value_len(findings); k++) {
        gl_value *f = gl_value_array_at_mut(findings, k);
        if (!matches(w, f))
            continue;
        if (gl_value_array_push(ids, gl_value_string(gl_value_object_string(f, "id"))) != 0) {
            ids = NULL;
            goto fail;
        }
        if (!expired && gl_value_object_get(f, "waived") == NULL &&
            (gl_value_object_set(f, "waived", gl_value_bool(1)) != 0 ||
             gl_value_object_set(f, "waiver", gl_value_int((int64_t)i + 1)) != 0))
            goto fail;
    }
    if (gl_value_object_set(e, "status", gl_value_string(expired ? "expired" : gl_value_len(ids) ? "used" : "unused")) != 0)
        goto fail;
    if (gl_value_object_set(e, "findings", ids) != 0) {
        ids = NULL;
        goto fail;
    }
    ids = NULL;
    if (gl_value_object_set(e, "days_left", gl_value_int(expires - today)) != 0 ||
        gl_value_object_set(e, "age_days", has_created ? gl_value_int(today - created) : gl_value_null()) != 0)
        goto fail;
    return e;
fail:
    *failed = 1;
    gl_value_free(e);
    gl_value_free(ids);
    return NULL;
}

int gl_waivers_apply(const gl_value *waivers, gl_value *findings, const char *today,
                     gl_value **out_list, gl_error *err)
{
    gl_value *list = gl_value_array();
    long day;
    int failed = 0;

    *out_list = NULL;
    if (list == NULL)
        return gl_error_nomem(err);
    if (day_number(today, &day) != 0) {
        gl_value_free(list);
        return gl_error_set(err, GL_ERR_INTERNAL, "bad date \"%s\" for today", today);
    }
    for (size_t i = 0; i < gl_value_len(waivers) && !failed; i++) {
        gl_value *e = entry_of(gl_value_array_at(waivers, i), day, findings, i, &failed);
        if (e != NULL && gl_value_array_push(list, e) != 0)
            failed = 1;
    }
    if (failed) {
        gl_value_free(list);
        return gl_error_set(err, GL_ERR_NOMEM, "out of memory while applying waivers");
    }
    *out_list = list;
    return 0;
}
