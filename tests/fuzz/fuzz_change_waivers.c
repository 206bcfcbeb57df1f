/*
 * Fuzz target: the waivers file loader (JSON + validation), fed through a
 * file as `check --waivers FILE` reads it. Loads or fails with a message
 * naming the file; never crashes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "judge/waiver.h"
#include "value/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/gl-fuzz-waivers.XXXXXX";
    int fd = mkstemp(path);
    gl_value *waivers = NULL;
    gl_error err;

    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    gl_error_clear(&err);
    if (gl_waivers_load(path, &waivers, &err) == 0) {
        gl_value *findings = gl_value_array();
        gl_value *f = gl_value_object();
        gl_value_object_set(f, "code", gl_value_string("parameters.changed"));
        gl_value_object_set(f, "object", gl_value_string("work_mem"));
        gl_value_object_set(f, "id", gl_value_string("parameters.changed:work_mem"));
        gl_value_array_push(findings, f);
        gl_value *list = NULL;
        (void)gl_waivers_apply(waivers, findings, "2026-01-01", &list, &err);
        gl_value_free(list);
        gl_value_free(findings);
        gl_value_free(waivers);
    } else if (strstr(err.message, path) == NULL) {
        abort(); /* errors must name the file */
    }
    unlink(path);
    return 0;
}
