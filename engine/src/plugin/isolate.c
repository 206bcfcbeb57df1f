/*
 * isolate.c — one plugin call in a child process (plugin/isolate.h), the
 * parent's side: forking (beside other threads), the deadline, the
 * post-mortem; running the child's queries without blocking is
 * isolate_serve.c (sharing isolate_parent.h). The child's side is
 * isolate_child.c, the frames between them isolate_frame.c.
 */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np: a fork is not starved by readers */
#include "plugin/isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plugin/isolate_frame.h"
#include "plugin/isolate_parent.h"
#include "plugin/progress.h"
#include "util/error.h"
#include "util/utf8.h"

/* ------------------------------------------------------ threads and fork */

static pthread_rwlock_t quiet;
static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;
static _Thread_local int quiet_held;   /* this thread entered */

static void quiet_init(void)
{
    pthread_rwlockattr_t attr;

    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&quiet, &attr);
    pthread_rwlockattr_destroy(&attr);
}

void gl_isolate_thread_enter(void)
{
    pthread_once(&quiet_once, quiet_init);
    pthread_rwlock_rdlock(&quiet);
    quiet_held = 1;
}

void gl_isolate_thread_leave(void)
{
    quiet_held = 0;
    pthread_rwlock_unlock(&quiet);
}

/* Around a wait: other threads may fork meanwhile. */
static void quiet_pause(void)
{
    if (quiet_held)
        pthread_rwlock_unlock(&quiet);
}

static void quiet_resume(void)
{
    if (quiet_held)
        pthread_rwlock_rdlock(&quiet);
}

int gl_isolate__poll_quietly(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    int rc;

    quiet_pause();
    rc = poll(fds, n, timeout_ms);
    quiet_resume();
    return rc;
}

/* fork() while every other thread that entered waits. */
static pid_t fork_quietly(void)
{
    pid_t pid;

    pthread_once(&quiet_once, quiet_init);
    quiet_pause();
    pthread_rwlock_wrlock(&quiet);
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid != 0) {
        pthread_rwlock_unlock(&quiet);
        quiet_resume();
    }
    return pid;
}

/* ----------------------------------------------------------------- parent */

/* Waits for the child, killing it when it is not done by `grace_until`. A
 * child that sent its result exits within microseconds: the first waits are
 * short (50 us, doubling to 2 ms), or every plugin call would pay ~2 ms. */
static int reap(pid_t pid, double grace_until, int *killed)
{
    int status = 0;
    useconds_t pause_us = 50;

    *killed = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return 0;
        if (gl_time_ms() >= grace_until && !*killed) {
            kill(pid, SIGKILL);
            *killed = 1;
        }
        if (*killed) {
            quiet_pause();
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            quiet_resume();
            return status;
        }
        quiet_pause();
        usleep(pause_us);
        quiet_resume();
        if (pause_us < 2000)
            pause_us *= 2;
    }
}

/* The parent's state for one call and the three channels (blue, green,
 * progress) to the child-to-be. 0, or -1 with err. */
static int open_channels(parent_state *ps, gl_ctx *ctx, double deadline_ms, int pair[3][2],
                         gl_error *err)
{
    memset(ps, 0, sizeof(*ps));
    ps->ctx = ctx;
    ps->deadline = deadline_ms;
    ps->progress_fd = -1;
    for (int s = 0; s < 3; s++) {
        if (s < 2) {
            ps->side[s].target = ctx->targets[s];
            ps->side[s].fd = -1;
        }
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair[s]) != 0)
            return gl_error_set(err, GL_ERR_INTERNAL, "cannot start the plugin's process: socketpair: %s", strerror(errno));
    }
    return 0;
}

/* After the child is reaped: its result (0), or why there is none in err
 * (GL_ISOLATE_TIMED_OUT for the deadline, else -1). */
static int call_outcome(parent_state *ps, double start, int status, int killed, int timed_out,
                        const int busy[2], gl_value **out_result, gl_error *err)
{
    if (ps->result != NULL) {
        *out_result = ps->result;
        ps->result = NULL;
        return 0;
    }
    if (timed_out) {
        gl_error_set(err, GL_ERR_INTERNAL, "did not finish within %.1f s: killed%s%s%s%s", (ps->deadline - start) / 1000.0,
                 busy[0] || busy[1] ? " while waiting for the " : "",
                 busy[0] ? "blue" : "", busy[0] && busy[1] ? " and green" : busy[1] ? "green" : "",
                 busy[0] || busy[1] ? " server" : "");
        return GL_ISOLATE_TIMED_OUT;
    }
    if (ps->why[0] != '\0')
        return gl_error_set(err, GL_ERR_INTERNAL, "%s", ps->why);
    if (WIFSIGNALED(status) && !killed)
        return gl_error_set(err, GL_ERR_INTERNAL, "crashed: killed by signal %d (%s) without returning a result",
                            WTERMSIG(status), strsignal(WTERMSIG(status)));
    if (WIFEXITED(status))
        return gl_error_set(err, GL_ERR_INTERNAL, "exited with status %d without returning a result (a plugin must "
                            "return from its calls, never exit)", WEXITSTATUS(status));
    return gl_error_set(err, GL_ERR_INTERNAL, "closed its channel without returning a result");
}

int gl_isolate_run(gl_ctx *ctx, double deadline_ms, gl_isolated_fn fn, void *arg,
                   gl_value **out_result, gl_error *err)
{
    parent_state ps;
    int pair[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
    int rc = -1, status, killed, timed_out, busy[2];
    double start = gl_time_ms();
    pid_t pid;

    *out_result = NULL;
    if (open_channels(&ps, ctx, deadline_ms, pair, err) != 0)
        goto out;
    pid = fork_quietly();
    if (pid < 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot start the plugin's process: fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0) {
        int fds[3] = {pair[0][1], pair[1][1], pair[2][1]};
        close(pair[0][0]);
        close(pair[1][0]);
        close(pair[2][0]);
        gl_isolate__child_main(ctx, fds, fn, arg);
    }
    for (int s = 0; s < 3; s++) {
        close(pair[s][1]);
        pair[s][1] = -1;
        fcntl(pair[s][0], F_SETFL, fcntl(pair[s][0], F_GETFL) | O_NONBLOCK);
    }
    ps.side[0].fd = pair[0][0];
    ps.side[1].fd = pair[1][0];
    ps.progress_fd = pair[2][0];
    gl_progress_start(&ps.shown, ctx->plugin_name);
    gl_isolate__serve(&ps);
    gl_progress_end(&ps.shown);
    timed_out = ps.result == NULL && ps.why[0] == '\0' && gl_time_ms() >= ps.deadline;
    busy[0] = ps.side[0].busy;
    busy[1] = ps.side[1].busy;
    /* A child that sent its result or closed its channels is exiting: give it
     * a moment; one that timed out or misbehaved is killed now. */
    status = reap(pid, ps.why[0] == '\0' && !timed_out ? gl_time_ms() + 2000 : 0, &killed);
    for (int s = 0; s < 2; s++)
        if (ps.side[s].busy)
            gl_isolate__drain(&ps, (gl_side)s);
    rc = call_outcome(&ps, start, status, killed, timed_out, busy, out_result, err);
out:
    for (int s = 0; s < 3; s++) {
        if (pair[s][0] >= 0)
            close(pair[s][0]);
        if (pair[s][1] >= 0)
            close(pair[s][1]);
    }
    for (int s = 0; s < 2; s++) {
        free(ps.side[s].in);
        PQclear(ps.side[s].keep);
    }
    gl_value_free(ps.result);
    return rc;
}
