/*
 * buf — the one growable byte buffer with a size cap fixed at init (after
 * curl's dynbuf), and the one bounded reader of files and descriptors.
 *
 * A buffer that fails (out of memory, or it would pass its cap) frees what it
 * held and stays failed: every later add fails the same way, so a caller may
 * check once at the end. Its data is always NUL-terminated when not NULL.
 */
#ifndef GL_BUF_H
#define GL_BUF_H

#include <stddef.h>

#include "util/error.h"

enum { GL_BUF_OK = 0, GL_BUF_NOMEM = -1, GL_BUF_TOO_LARGE = -2 };

typedef struct gl_buf {
    char *data;    /* NULL until the first add; NUL-terminated */
    size_t len;    /* bytes held, without the NUL */
    size_t cap;    /* bytes allocated */
    size_t max;    /* the most bytes it may hold (without the NUL) */
    int failed;    /* GL_BUF_NOMEM / GL_BUF_TOO_LARGE once it failed, else 0 */
} gl_buf;

/* An empty buffer that will hold at most max bytes (0: no cap but SIZE_MAX/2). */
void gl_buf_init(gl_buf *b, size_t max);
/* Appends n bytes; GL_BUF_OK, or the failure (the buffer is then freed). */
int gl_buf_add(gl_buf *b, const void *p, size_t n);
int gl_buf_adds(gl_buf *b, const char *s);
/* Hands the bytes (NUL-terminated, never NULL: "" when empty) to the caller
 * and resets the buffer; NULL when the buffer failed or out of memory. */
char *gl_buf_take(gl_buf *b, size_t *len);
void gl_buf_free(gl_buf *b);

/* Reads fd to end of file into b (EINTR retried). GL_BUF_OK, a gl_buf
 * failure, or -3 with errno set when read() failed. */
int gl_buf_read_fd(gl_buf *b, int fd);

/* "N MiB" when max is whole mebibytes, else "N bytes". */
void gl_size_text(size_t max, char *out, size_t len);

/* gl_file_read (declared in error.h) is the bounded file reader, built on
 * gl_buf_read_fd in buf.c. */

#endif
