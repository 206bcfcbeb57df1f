#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "report/report.h"
#include "value/value.h"

int gl_report_make_dir(const char *dir, gl_error *err)
{
    char path[4096];
    size_t len = strlen(dir);

    if (len == 0 || len >= sizeof(path))
        return gl_error_set(err, GL_ERR_USAGE, "--out: invalid directory name");
    memcpy(path, dir, len + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return gl_error_set(err, GL_ERR_USAGE, "--out %s: cannot create %s: %s", dir, path, strerror(errno));
        *p = '/';
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return gl_error_set(err, GL_ERR_USAGE, "--out %s: cannot create it: %s", dir, strerror(errno));
    return 0;
}

int gl_report_write_dir(const gl_value *report, const char *dir, gl_error *err)
{
    char path[4096];

    if (gl_report_make_dir(dir, err) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/report.json", dir);
    if (gl_json_write_file(report, 1, path, err) != 0)
        return gl_error_set(err, GL_ERR_INTERNAL, "cannot write %s: %s", path, err->message);
    return 0;
}
