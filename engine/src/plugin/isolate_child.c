/*
 * isolate_child.c — the child's side of an isolated call (plugin/isolate.h):
 * its queries, reconnects and progress go to the parent over the channels;
 * its result goes back last.
 */
#include "plugin/isolate.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin/isolate_frame.h"

static void child_set_error(gl_ctx *ctx, const char *msg)
{
    pthread_mutex_lock(&ctx->error_lock);
    snprintf(ctx->error, sizeof(ctx->error), "%s", msg);
    pthread_mutex_unlock(&ctx->error_lock);
}

/* One request and its reply on a side's channel; the reply parsed into *out. */
static int child_exchange(gl_ctx *ctx, gl_side side, const gl_value *request, gl_value **out)
{
    int fd = ctx->remote_fd[side];
    size_t flen = 0;
    char *frame = gl_isolate__frame_of(request, &flen), *text = NULL;
    unsigned char hdr[4];
    uint32_t len;
    int rc = -1;

    *out = NULL;
    if (frame == NULL) {
        child_set_error(ctx, "query text or parameters are not valid UTF-8 (or out of memory)");
        return -1;
    }
    pthread_mutex_lock(&ctx->remote_lock[side]);
    if (gl_isolate__write_all(fd, frame, flen) != 0 || gl_isolate__read_all(fd, (char *)hdr, 4) != 0) {
        child_set_error(ctx, "lost the greenlight process that runs this plugin's queries");
        goto out;
    }
    len = gl_isolate__get_u32(hdr);
    text = len <= GL_ISOLATE_FRAME_MAX ? malloc((size_t)len + 1) : NULL;
    if (text == NULL || gl_isolate__read_all(fd, text, len) != 0 || gl_json_parse(text, len, out, NULL) != 0) {
        child_set_error(ctx, "unreadable reply from the greenlight process (or out of memory)");
        goto out;
    }
    rc = 0;
out:
    pthread_mutex_unlock(&ctx->remote_lock[side]);
    free(frame);
    free(text);
    return rc;
}

int gl_isolate__query(gl_ctx *ctx, gl_side side, const char *sql, int simple, int nparams,
                      const char *const *params, const gl_isolate_read_only *ro, gl_row_fn fn,
                      void *userdata)
{
    gl_value *req = gl_value_object(), *q = gl_value_object(), *ps = gl_value_array(), *reply = NULL;
    const gl_value *cols, *rows;
    const char **names = NULL, **vals = NULL;
    int *nulls = NULL;
    size_t ncols;
    int rc = -1, bad;

    bad = req == NULL || q == NULL || ps == NULL;
    for (int i = 0; !bad && i < nparams; i++)
        bad = gl_value_array_push(ps, gl_value_string(params ? params[i] : NULL)) != 0;
    bad = bad || gl_value_object_set(q, "sql", gl_value_string(sql)) != 0;
    bad = bad || gl_value_object_set(q, "simple", gl_value_bool(simple)) != 0;
    bad = bad || gl_value_object_set(q, "params", ps) != 0;
    ps = NULL;
    if (ro != NULL) {
        bad = bad || gl_value_object_set(q, "read_only", gl_value_bool(1)) != 0;
        bad = bad || gl_value_object_set(q, "timeout_ms", gl_value_int(ro->timeout_ms > 0 ? ro->timeout_ms : 0)) != 0;
    }
    bad = bad || gl_value_object_set(req, "query", q) != 0;
    q = NULL;
    if (bad) {
        child_set_error(ctx, "out of memory sending a query");
        goto out;
    }
    if (child_exchange(ctx, side, req, &reply) != 0)
        goto out;
    if (gl_value_object_string(reply, "error") != NULL) {
        child_set_error(ctx, gl_value_object_string(reply, "error"));
        goto out;
    }
    cols = gl_value_object_get(reply, "columns");
    rows = gl_value_object_get(reply, "rows");
    ncols = gl_value_len(cols);
    names = calloc(ncols + 1, sizeof(*names));
    vals = calloc(ncols + 1, sizeof(*vals));
    nulls = calloc(ncols + 1, sizeof(*nulls));
    if (names == NULL || vals == NULL || nulls == NULL) {
        child_set_error(ctx, "out of memory reading a result");
        goto out;
    }
    for (size_t c = 0; c < ncols; c++)
        names[c] = gl_value_get_string(gl_value_array_at(cols, c));
    rc = 0;
    for (size_t r = 0; r < gl_value_len(rows) && fn != NULL; r++) {
        const gl_value *row = gl_value_array_at(rows, r);
        for (size_t c = 0; c < ncols; c++) {
            vals[c] = gl_value_get_string(gl_value_array_at(row, c));
            nulls[c] = vals[c] == NULL;
        }
        rc = fn(userdata, (int)ncols, names, vals, nulls);
        if (rc != 0)
            break;
    }
out:
    gl_value_free(req);
    gl_value_free(q);
    gl_value_free(ps);
    gl_value_free(reply);
    free(names);
    free(vals);
    free(nulls);
    return rc;
}

int gl_isolate__reconnect(gl_ctx *ctx, gl_side side)
{
    gl_value *req = gl_isolate__message_of("reconnect", gl_value_bool(1)), *reply = NULL;
    int rc = -1;

    if (req == NULL) {
        child_set_error(ctx, "out of memory asking for a fresh connection");
        return -1;
    }
    if (child_exchange(ctx, side, req, &reply) != 0)
        goto out;
    if (gl_value_object_string(reply, "error") != NULL) {
        child_set_error(ctx, gl_value_object_string(reply, "error"));
        goto out;
    }
    if (!gl_value_get_bool(gl_value_object_get(reply, "reconnected"))) {
        child_set_error(ctx, "unreadable reply from the greenlight process to a reconnect");
        goto out;
    }
    rc = 0;
out:
    gl_value_free(req);
    gl_value_free(reply);
    return rc;
}

void gl_isolate__progress(gl_ctx *ctx, size_t done, size_t total, const char *label)
{
    gl_value *p = gl_value_object(), *msg;
    char *frame;
    size_t flen = 0;
    ssize_t n;

    if (p == NULL || ctx->progress_fd < 0 ||
        gl_value_object_set(p, "done", gl_value_int((int64_t)done)) != 0 ||
        gl_value_object_set(p, "total", gl_value_int((int64_t)total)) != 0 ||
        gl_value_object_set(p, "label", gl_isolate_text(label != NULL ? label : "")) != 0) {
        gl_value_free(p);
        return;
    }
    msg = gl_isolate__message_of("progress", p);
    frame = msg != NULL ? gl_isolate__frame_of(msg, &flen) : NULL;
    /* A full channel drops the progress rather than stall the plugin; a frame
     * begun is finished, or the parent could not read the next one. */
    n = frame != NULL ? send(ctx->progress_fd, frame, flen, MSG_NOSIGNAL | MSG_DONTWAIT) : -1;
    if (n > 0 && (size_t)n < flen)
        gl_isolate__write_all(ctx->progress_fd, frame + n, flen - (size_t)n);
    free(frame);
    gl_value_free(msg);
}

/* Every socket the child inherited besides its own channels becomes
 * /dev/null: while several calls run at once these are the other calls'
 * channels and connections, which this plugin must neither read nor hold
 * open (a channel's end of file is how the parent sees its child gone). */
static void child_blind_sockets(int devnull, const int fds[3])
{
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *e;

    if (dir == NULL)
        return;
    while ((e = readdir(dir)) != NULL) {
        int fd = atoi(e->d_name);
        struct stat st;
        if (fd <= STDERR_FILENO || fd == devnull || fd == dirfd(dir) || fd == fds[0] || fd == fds[1] ||
            fd == fds[2] || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
            continue;
        dup2(devnull, fd);
    }
    closedir(dir);
}

/* The child: never returns. Its stdout is stderr (a plugin cannot print a
 * decision), and the servers' sockets are /dev/null (it cannot talk to them
 * behind the parent's back and break the parent's protocol state). */
void gl_isolate__child_main(gl_ctx *ctx, int fds[3], gl_isolated_fn fn, void *arg)
{
    gl_value *result = NULL, *msg;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    char *frame;
    size_t flen = 0;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        for (int s = 0; s < 2; s++)
            if (ctx->targets[s] != NULL && ctx->targets[s]->conn != NULL && PQsocket(ctx->targets[s]->conn) >= 0)
                dup2(devnull, PQsocket(ctx->targets[s]->conn));
        child_blind_sockets(devnull, fds);
    }
    ctx->remote = 1;
    ctx->remote_fd[0] = fds[0];
    ctx->remote_fd[1] = fds[1];
    ctx->progress_fd = fds[2];
    if (fn(ctx, arg, &result) == 0 && result != NULL) {
        msg = gl_isolate__message_of("result", result);
    } else {
        gl_value_free(result);
        msg = gl_isolate__message_of("error", gl_value_string(ctx->error[0] ? ctx->error : "failed without a message"));
    }
    frame = gl_isolate__frame_of(msg, &flen);
    if (frame == NULL) {
        gl_value_free(msg);
        msg = gl_isolate__message_of("error", gl_value_string("its result cannot be sent: a string that is not "
                                                  "UTF-8, over 512 MiB, or out of memory"));
        frame = gl_isolate__frame_of(msg, &flen);
    }
    if (frame != NULL)
        gl_isolate__write_all(fds[0], frame, flen);
    _exit(0);
}
