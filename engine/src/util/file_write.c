#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int gl_file_write_atomic(const char *path, const void *data, size_t len, gl_error *err)
{
    static atomic_ulong counter;
    const char *bytes = data;
    char *tmp = NULL;
    size_t off = 0, tmp_size;
    int fd = -1, attempt, created = 0, rc = -1;
    struct stat st;

    if (path == NULL) {
        gl_error_set(err, GL_ERR_USAGE, "cannot write: no file given");
        goto out;
    }
    /* Temp file beside the target so rename() is atomic (same filesystem). */
    tmp_size = strlen(path) + 64;
    tmp = malloc(tmp_size);
    if (tmp == NULL) {
        gl_error_set(err, GL_ERR_NOMEM, "cannot write %s: out of memory", path);
        goto out;
    }
    for (attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(tmp, tmp_size, "%s.tmp.%ld.%lu", path, (long)getpid(),
                 (unsigned long)atomic_fetch_add(&counter, 1));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    created = 1;
    while (off < len) {
        ssize_t n = write(fd, bytes + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            gl_error_set(err, GL_ERR_INTERNAL, "cannot write %s: %s", path, strerror(errno));
            goto out;
        }
        off += (size_t)n;
    }
    if (fsync(fd) != 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        gl_error_set(err, GL_ERR_INTERNAL, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    fd = -1;
    /* Never replace what is not a regular file (a device, a FIFO, a link):
     * rename() would swap it for ours. */
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot write %s: it exists and is not a regular file", path);
        goto out;
    }
    if (rename(tmp, path) != 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc != 0 && created)
        unlink(tmp);
    free(tmp);
    return rc;
}
