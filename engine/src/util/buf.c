/*
 * buf — bounded buffer and bounded reader (see buf.h).
 */
#include "util/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void gl_buf_init(gl_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max ? max : SIZE_MAX / 2;
}

void gl_buf_free(gl_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static int fail(gl_buf *b, int why)
{
    gl_buf_free(b);
    b->failed = why;
    return why;
}

int gl_buf_add(gl_buf *b, const void *p, size_t n)
{
    if (b->failed)
        return b->failed;
    if (n > b->max - b->len)
        return fail(b, GL_BUF_TOO_LARGE);
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        char *grown;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        if (ncap > b->max + 1)
            ncap = b->max + 1;
        grown = realloc(b->data, ncap);
        if (grown == NULL)
            return fail(b, GL_BUF_NOMEM);
        b->data = grown;
        b->cap = ncap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return GL_BUF_OK;
}

int gl_buf_adds(gl_buf *b, const char *s)
{
    return gl_buf_add(b, s, strlen(s));
}

char *gl_buf_take(gl_buf *b, size_t *len)
{
    char *data;

    if (b->failed)
        return NULL;
    if (b->data == NULL && gl_buf_add(b, "", 0) != GL_BUF_OK)
        return NULL;
    data = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return data;
}

int gl_buf_read_fd(gl_buf *b, int fd)
{
    char chunk[65536];

    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -3;
        if (n == 0)
            return b->failed ? b->failed : (b->data ? GL_BUF_OK : gl_buf_add(b, "", 0));
        if (gl_buf_add(b, chunk, (size_t)n) != GL_BUF_OK)
            return b->failed;
    }
}

void gl_size_text(size_t max, char *out, size_t len)
{
    if (max % (1024u * 1024u) == 0)
        snprintf(out, len, "%zu MiB", max / (1024u * 1024u));
    else
        snprintf(out, len, "%zu bytes", max);
}

int gl_file_read(const char *path, size_t max_bytes, char **out, size_t *out_len, gl_error *err)
{
    char limit[32];
    struct stat st;
    gl_buf b;
    int fd, rc;

    *out = NULL;
    gl_size_text(max_bytes, limit, sizeof(limit));
    /* Non-blocking: a FIFO with no writer must not hang the gate. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return gl_error_set(err, GL_ERR_USAGE, "cannot read %s: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return gl_error_set(err, GL_ERR_USAGE, "cannot read %s: it is not a regular file (a FIFO, "
                            "device or directory): give a file", path);
    }
    if ((uintmax_t)st.st_size > max_bytes) {
        close(fd);
        return gl_error_set(err, GL_ERR_TOO_LARGE, "%s: too large (%ju bytes; the limit is %s)", path,
                            (uintmax_t)st.st_size, limit);
    }
    /* Read to end of file, not to st_size: a file that grows is still bounded. */
    gl_buf_init(&b, max_bytes);
    rc = gl_buf_read_fd(&b, fd);
    if (rc == -3) {
        int e = errno;
        close(fd);
        gl_buf_free(&b);
        return gl_error_set(err, GL_ERR_USAGE, "cannot read %s: %s", path, strerror(e));
    }
    close(fd);
    if (rc == GL_BUF_TOO_LARGE)
        return gl_error_set(err, GL_ERR_TOO_LARGE, "%s: too large (more than %s)", path, limit);
    if (rc != GL_BUF_OK || (*out = gl_buf_take(&b, out_len)) == NULL)
        return gl_error_set(err, GL_ERR_NOMEM, "out of memory reading %s", path);
    return 0;
}
