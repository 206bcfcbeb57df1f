/* Unit tests for the bounded buffer and the bounded reader (engine/src/util/buf.c). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/exit.h"
#include "util/buf.h"
#include "util/error.h"

Test(buf, grows_and_stays_nul_terminated)
{
    gl_buf b;
    size_t len = 0;
    char *text;

    gl_buf_init(&b, 0);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(gl_buf_adds(&b, "abc"), GL_BUF_OK);
    cr_assert_eq(b.len, 3000);
    cr_assert_eq(b.data[b.len], '\0');
    text = gl_buf_take(&b, &len);
    cr_assert_eq(len, 3000);
    cr_assert_eq(strncmp(text, "abcabc", 6), 0);
    cr_assert_null(b.data, "take hands the bytes over and resets the buffer");
    free(text);
}

Test(buf, an_empty_buffer_takes_as_an_empty_string)
{
    gl_buf b;
    size_t len = 7;
    char *text;

    gl_buf_init(&b, 10);
    text = gl_buf_take(&b, &len);
    cr_assert_str_eq(text, "");
    cr_assert_eq(len, 0);
    free(text);
}

Test(buf, the_cap_is_exact_and_a_failure_frees_and_sticks)
{
    gl_buf b;

    gl_buf_init(&b, 5);
    cr_assert_eq(gl_buf_adds(&b, "12345"), GL_BUF_OK, "exactly the cap fits");
    cr_assert_eq(gl_buf_adds(&b, "6"), GL_BUF_TOO_LARGE);
    cr_assert_null(b.data, "a failed buffer holds nothing");
    cr_assert_eq(b.len, 0);
    cr_assert_eq(gl_buf_adds(&b, ""), GL_BUF_TOO_LARGE, "and every later add fails the same way");
    cr_assert_null(gl_buf_take(&b, NULL));
    gl_buf_free(&b);
}

static char *temp_file(const char *content, size_t len)
{
    static char path[64];
    int fd;

    snprintf(path, sizeof(path), "/tmp/gl-test-buf.XXXXXX");
    fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, content, len), (ssize_t)len);
    close(fd);
    return path;
}

Test(buf, file_read_reads_a_file_whole)
{
    char *path = temp_file("hello\0world", 11), *out = NULL;
    size_t len = 0;
    gl_error err = {0};

    cr_assert_eq(gl_file_read(path, 11, &out, &len, &err), 0, "%s", err.message);
    cr_assert_eq(len, 11);
    cr_assert_eq(memcmp(out, "hello\0world", 12), 0, "bytes kept, NUL added");
    free(out);
    unlink(path);
}

Test(buf, file_read_refuses_a_file_over_its_limit_by_name)
{
    char *path = temp_file("0123456789", 10), *out = NULL;
    char want[256];
    gl_error err = {0};

    cr_assert_eq(gl_file_read(path, 9, &out, NULL, &err), -1);
    cr_assert_null(out);
    cr_assert_eq(gl_cli_exit_code(&err), GL_EXIT_USAGE);
    snprintf(want, sizeof(want), "%s: too large (10 bytes; the limit is 9 bytes)", path);
    cr_assert_str_eq(err.message, want);
    cr_assert_eq(gl_file_read(path, 1024 * 1024, &out, NULL, &err), 0);
    free(out);
    unlink(path);
}

Test(buf, file_read_refuses_a_fifo_without_blocking_and_a_missing_file)
{
    char dir[] = "/tmp/gl-test-buf-dir.XXXXXX", fifo[128], want[256], *out = NULL;
    gl_error err = {0};

    cr_assert_not_null(mkdtemp(dir));
    snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_eq(gl_file_read(fifo, 100, &out, NULL, &err), -1, "no writer: must not hang");
    snprintf(want, sizeof(want), "cannot read %s: it is not a regular file (a FIFO, device or directory): "
             "give a file", fifo);
    cr_assert_str_eq(err.message, want);
    cr_assert_eq(gl_file_read(dir, 100, &out, NULL, &err), -1);
    unlink(fifo);
    cr_assert_eq(gl_file_read(fifo, 100, &out, NULL, &err), -1);
    snprintf(want, sizeof(want), "cannot read %s: No such file or directory", fifo);
    cr_assert_str_eq(err.message, want);
    rmdir(dir);
}

Test(buf, size_text_says_mebibytes_when_whole)
{
    char t[32];

    gl_size_text(512u * 1024 * 1024, t, sizeof(t));
    cr_assert_str_eq(t, "512 MiB");
    gl_size_text(1000, t, sizeof(t));
    cr_assert_str_eq(t, "1000 bytes");
}
