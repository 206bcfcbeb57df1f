/* Helpers every renderer shares: reading the report tree and buffering output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "value/value.h"

const char *gl_report__str(const gl_value *obj, const char *key, const char *fallback)
{
    const char *s = gl_value_object_string(obj, key);
    return s ? s : fallback;
}

int gl_report__blocking(const gl_value *report, const char *id)
{
    const gl_value *reasons = gl_value_object_get(gl_value_object_get(report, "decision"), "reasons");

    if (id == NULL)
        return 0;
    for (size_t i = 0; i < gl_value_len(reasons); i++) {
        const gl_value *r = gl_value_array_at(reasons, i);
        const gl_value *ids = gl_value_object_get(r, "findings");
        if (strcmp(gl_report__str(r, "action", "hold"), "switchover") == 0)
            continue;
        for (size_t j = 0; j < gl_value_len(ids); j++) {
            const char *cited = gl_value_get_string(gl_value_array_at(ids, j));
            if (cited && strcmp(cited, id) == 0)
                return 1;
        }
    }
    return 0;
}

char *gl_report__display(const gl_value *v)
{
    switch (gl_value_kind_of(v)) {
    case GL_VALUE_NULL:
        return strdup("-");
    case GL_VALUE_STRING:
        return strdup(gl_value_get_string(v));
    default:
        return gl_json_write(v, 0, NULL);
    }
}

int gl_report__close_stream(FILE *f, char **buf, size_t *len, const char *what,
                            char **out, size_t *out_len, gl_error *err)
{
    int failed = ferror(f) != 0;

    if (fclose(f) != 0 || failed || *buf == NULL) {
        free(*buf);
        *buf = NULL;
        return gl_error_set(err, GL_ERR_NOMEM, "cannot render the %s report: out of memory", what);
    }
    if (*len > GL_REPORT_MAX_OUTPUT) {
        free(*buf);
        *buf = NULL;
        return gl_error_set(err, GL_ERR_INTERNAL, "the %s report is too large (over %u bytes)", what,
                            GL_REPORT_MAX_OUTPUT);
    }
    *out = *buf;
    if (out_len)
        *out_len = *len;
    *buf = NULL;
    return 0;
}
