/*
 * isolate_serve.c — one plugin call in a child process, the parent's side
 * (plugin/isolate.c) continued: running the child's queries without
 * blocking, its frames and progress, draining a query left in flight.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "plugin/isolate_frame.h"
#include "plugin/isolate_parent.h"
#include "plugin/progress.h"
#include "util/error.h"
#include "util/utf8.h"

static void fail(parent_state *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(parent_state *ps, const char *fmt, ...)
{
    va_list ap;

    if (ps->why[0] != '\0')
        return;
    va_start(ap, fmt);
    vsnprintf(ps->why, sizeof(ps->why), fmt, ap);
    va_end(ap);
}

/* Writes a whole frame to a non-blocking channel, waiting at most until the
 * call's deadline (a child that stops reading cannot hang the parent). */
static int send_frame(parent_state *ps, int fd, const gl_value *v)
{
    size_t len = 0, off = 0;
    char *frame = gl_isolate__frame_of(v, &len);
    int rc = -1;

    if (frame == NULL)
        return -1;
    while (off < len) {
        ssize_t n = send(fd, frame + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            double left = ps->deadline - gl_time_ms();
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            if (left <= 0)
                goto out;
            gl_isolate__poll_quietly(&p, 1, (int)(left + 1));
            continue;
        }
        goto out;
    }
    rc = 0;
out:
    free(frame);
    return rc;
}

gl_value *gl_isolate_text(const char *s)
{
    size_t n = strlen(s), o = 0;
    char *buf;
    gl_value *v;

    if (gl_utf8_valid((const unsigned char *)s, n))
        return gl_value_string(s);
    buf = malloc(n * 4 + 1);
    if (buf == NULL)
        return NULL;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (c == '\\') {
            buf[o++] = '\\';
            buf[o++] = '\\';
            i++;
        } else if (c >= 0x80 && (len == 0 || i + len > n || gl_utf8_seq_len((const unsigned char *)s + i, n - i) == 0)) {
            o += (size_t)snprintf(buf + o, 5, "\\x%02x", c);
            i++;
        } else {
            memcpy(buf + o, s + i, len);
            o += len;
            i += len;
        }
    }
    buf[o] = '\0';
    v = gl_value_string_len(buf, o);
    free(buf);
    return v;
}

static void scrub(parent_state *ps, char *msg, size_t cap)
{
    for (int s = 0; s < 2; s++)
        if (ps->ctx->targets[s] != NULL)
            gl_scrub_secret(msg, cap, ps->ctx->targets[s]->password);
}

static int reply_error(parent_state *ps, gl_side side, const char *msg)
{
    char text[2048];
    gl_value *v;
    int rc;

    snprintf(text, sizeof(text), "%s", msg);
    scrub(ps, text, sizeof(text));
    v = gl_isolate__message_of("error", gl_isolate_text(text));
    rc = v != NULL ? send_frame(ps, ps->side[side].fd, v) : -1;
    gl_value_free(v);
    return rc;
}

/* The reply for a finished query, from its kept result. */
static void reply_result(parent_state *ps, gl_side side)
{
    side_state *st = &ps->side[side];
    PGresult *res = st->keep;
    ExecStatusType status = PQresultStatus(res);
    gl_value *reply = NULL, *cols = NULL, *rows = NULL;
    int bad = 0;

    st->keep = NULL;
    st->busy = 0;
    st->pipelined = 0;
    if (res == NULL || (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)) {
        const char *m = res != NULL ? PQresultErrorMessage(res) : "";
        char text[1800], msg[2048];
        snprintf(text, sizeof(text), "%s", m && m[0] ? m : PQerrorMessage(st->target->conn));
        for (size_t n = strlen(text); n > 0 && text[n - 1] == '\n';)
            text[--n] = '\0';
        snprintf(msg, sizeof(msg), "query on %s failed: %s", gl_side_name(side), text);
        PQclear(res);
        if (reply_error(ps, side, msg) != 0)
            fail(ps, "stopped reading its query results");
        return;
    }
    reply = gl_value_object();
    cols = gl_value_array();
    rows = gl_value_array();
    bad = reply == NULL || cols == NULL || rows == NULL;
    for (int c = 0; !bad && c < PQnfields(res); c++)
        bad = gl_value_array_push(cols, gl_isolate_text(PQfname(res, c))) != 0;
    for (int r = 0; !bad && r < PQntuples(res); r++) {
        gl_value *row = gl_value_array();
        for (int c = 0; row != NULL && !bad && c < PQnfields(res); c++)
            bad = gl_value_array_push(row, PQgetisnull(res, r, c) ? gl_value_null()
                                                                   : gl_isolate_text(PQgetvalue(res, r, c))) != 0;
        bad = gl_value_array_push(rows, row) != 0 || bad;
    }
    PQclear(res);
    bad = bad || gl_value_object_set(reply, "columns", cols) != 0;
    cols = NULL;
    bad = bad || gl_value_object_set(reply, "rows", rows) != 0;
    rows = NULL;
    if (bad) {
        if (reply_error(ps, side, "out of memory reading a result") != 0)
            fail(ps, "stopped reading its query results");
    } else if (send_frame(ps, st->fd, reply) != 0) {
        fail(ps, "stopped reading its query results (or a result over 512 MiB)");
    }
    gl_value_free(reply);
    gl_value_free(cols);
    gl_value_free(rows);
}

/* Starts a query the child asked for on a side. */
static void start_query(parent_state *ps, gl_side side, const gl_value *q)
{
    side_state *st = &ps->side[side];
    gl_target *t = st->target;
    const char *sql = gl_value_object_string(q, "sql");
    const gl_value *params = gl_value_object_get(q, "params");
    const gl_value *read_only = gl_value_object_get(q, "read_only"), *timeout = gl_value_object_get(q, "timeout_ms");
    int simple = gl_value_get_bool(gl_value_object_get(q, "simple"));
    size_t np = gl_value_len(params);
    const char **pv = NULL;
    int ok, pipelined = gl_value_get_bool(read_only), timeout_ms = (int)gl_value_get_int(timeout);

    if (st->busy) {
        fail(ps, "sent a second query on %s before reading the first one's result", gl_side_name(side));
        return;
    }
    if (sql == NULL || gl_value_kind_of(params) != GL_VALUE_ARRAY || np > GL_PIPELINE_MAX_PARAMS ||
        (read_only != NULL && gl_value_kind_of(read_only) != GL_VALUE_BOOL) ||
        (timeout != NULL && (gl_value_kind_of(timeout) != GL_VALUE_INT || gl_value_get_int(timeout) < 0 ||
                             gl_value_get_int(timeout) > INT32_MAX)) ||
        (pipelined && simple)) {
        fail(ps, "sent a malformed query request");
        return;
    }
    if (t == NULL || t->conn == NULL) {
        if (reply_error(ps, side, "this side has no live connection (it is a snapshot)") != 0)
            fail(ps, "stopped reading its query results");
        return;
    }
    if (t->abandoned[0] != '\0') {
        if (reply_error(ps, side, t->abandoned) != 0)
            fail(ps, "stopped reading its query results");
        return;
    }
    pv = calloc(np + 1, sizeof(*pv));
    if (pv == NULL) {
        fail(ps, "out of memory");
        return;
    }
    for (size_t i = 0; i < np; i++)
        pv[i] = gl_value_get_string(gl_value_array_at(params, i));
    if (pipelined)
        ok = gl_pipeline__send(t->conn, &st->pipeline, sql, (int)np, pv, timeout_ms) == 0;
    else
        ok = simple ? PQsendQuery(t->conn, sql) : PQsendQueryParams(t->conn, sql, (int)np, NULL, pv, NULL, NULL, 0);
    free(pv);
    st->busy = 1;
    st->keep = NULL;
    st->pipelined = pipelined;
    st->query_deadline = gl_time_ms() + (pipelined ? gl_pipeline__bound_ms(t, timeout_ms) : gl_target_query_bound_ms(t));
    if (!ok || PQflush(t->conn) < 0)
        reply_result(ps, side);   /* replies with the connection's error */
}

/* The child asked for a fresh connection on a side (host->reconnect): the
 * parent opens it (blocking, within the connect and query bounds) and
 * replies; a side that cannot be reopened replies an error and keeps its
 * old connection. */
static void reconnect_side(parent_state *ps, gl_side side)
{
    side_state *st = &ps->side[side];
    gl_value *ok;
    gl_error err;

    if (st->busy) {
        fail(ps, "asked to reconnect %s with a query in flight", gl_side_name(side));
        return;
    }
    gl_error_clear(&err);
    if (st->target == NULL || st->target->conn == NULL) {
        if (reply_error(ps, side, "this side has no live connection (it is a snapshot)") != 0)
            fail(ps, "stopped reading its query results");
        return;
    }
    if (gl_target_reopen(st->target, &err) != 0) {
        if (reply_error(ps, side, err.message) != 0)
            fail(ps, "stopped reading its query results");
        return;
    }
    ok = gl_isolate__message_of("reconnected", gl_value_bool(1));
    if (ok == NULL || send_frame(ps, st->fd, ok) != 0)
        fail(ps, "stopped reading its query results");
    gl_value_free(ok);
}

/* Reads what the server sent on a busy side; replies when the query is done. */
static void pump_query(parent_state *ps, gl_side side)
{
    side_state *st = &ps->side[side];
    PGconn *conn = st->target->conn;

    if (st->pipelined) {
        PQconsumeInput(conn);   /* a failure shows as the results read next */
        if (gl_pipeline__read(&st->pipeline, conn)) {
            st->keep = st->pipeline.kept;
            st->pipeline.kept = NULL;
            reply_result(ps, side);
        }
        return;
    }
    if (!PQconsumeInput(conn)) {
        PQclear(st->keep);
        st->keep = NULL;   /* the reply is the connection's error */
        while (PQisBusy(conn) == 0) {
            PGresult *r = PQgetResult(conn);
            if (r == NULL)
                break;
            PQclear(r);
        }
        reply_result(ps, side);
        return;
    }
    while (PQisBusy(conn) == 0) {
        PGresult *r = PQgetResult(conn);
        if (r == NULL) {
            reply_result(ps, side);
            return;
        }
        /* Like PQexec: the last result, unless one failed. */
        ExecStatusType s = PQresultStatus(st->keep);
        if (st->keep != NULL && s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
            PQclear(r);
            continue;
        }
        PQclear(st->keep);
        st->keep = r;
    }
}

/* A query outlived its client-side bound: give the side up for the run. */
static void abandon(parent_state *ps, gl_side side, int reply)
{
    side_state *st = &ps->side[side];
    char msg[512];

    gl_target_abandon(st->target);
    snprintf(msg, sizeof(msg), "%s", st->target->abandoned);
    PQclear(st->keep);
    st->keep = NULL;
    st->busy = 0;
    gl_pipeline__clear(&st->pipeline);
    st->pipelined = 0;
    if (reply && reply_error(ps, side, msg) != 0)
        fail(ps, "stopped reading its query results");
}

/* Handles every whole frame read on a side's channel. */
static void handle_frames(parent_state *ps, gl_side side)
{
    side_state *st = &ps->side[side];

    while (ps->why[0] == '\0' && ps->result == NULL && st->in_len >= 4) {
        uint32_t len = gl_isolate__get_u32((unsigned char *)st->in);
        gl_value *msg = NULL;
        gl_error err;

        gl_error_clear(&err);
        if (len > GL_ISOLATE_FRAME_MAX) {
            fail(ps, "sent a message over 512 MiB");
            return;
        }
        if (st->in_len < (size_t)len + 4)
            return;
        if (gl_json_parse(st->in + 4, len, &msg, &err) != 0 ||
            gl_value_kind_of(msg) != GL_VALUE_OBJECT || gl_value_len(msg) != 1) {
            gl_value_free(msg);
            fail(ps, "sent garbage instead of a message (%s)", err.message[0] ? err.message : "not a one-member object");
            return;
        }
        memmove(st->in, st->in + 4 + len, st->in_len - 4 - len);
        st->in_len -= 4 + (size_t)len;
        if (gl_value_object_get(msg, "query") != NULL) {
            start_query(ps, side, gl_value_object_get(msg, "query"));
        } else if (gl_value_object_get(msg, "reconnect") != NULL) {
            reconnect_side(ps, side);
        } else if (side == GL_SIDE_BLUE && gl_value_object_get(msg, "result") != NULL) {
            ps->result = gl_value_copy(gl_value_object_get(msg, "result"));
            if (ps->result == NULL)
                fail(ps, "out of memory");
        } else if (side == GL_SIDE_BLUE && gl_value_object_string(msg, "error") != NULL) {
            char text[1024];
            snprintf(text, sizeof(text), "%s", gl_value_object_string(msg, "error"));
            fail(ps, "%s", text);
        } else {
            fail(ps, "sent a message that is not a query, a reconnect, a result or an error");
        }
        gl_value_free(msg);
    }
}

/* Reads what is there on a side's channel; 1 at end of file. */
static int read_channel(parent_state *ps, gl_side side)
{
    side_state *st = &ps->side[side];
    char buf[65536];
    ssize_t n = read(st->fd, buf, sizeof(buf));

    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : 1;
    if (n == 0)
        return 1;
    if (st->in_len + (size_t)n > st->in_cap) {
        size_t cap = (st->in_len + (size_t)n) * 2;
        char *p = cap <= (size_t)GL_ISOLATE_FRAME_MAX + 4 + sizeof(buf) ? realloc(st->in, cap) : NULL;
        if (p == NULL) {
            fail(ps, "sent a message over 512 MiB (or out of memory)");
            return 0;
        }
        st->in = p;
        st->in_cap = cap;
    }
    memcpy(st->in + st->in_len, buf, (size_t)n);
    st->in_len += (size_t)n;
    handle_frames(ps, side);
    return 0;
}

/* After the child ended with a query still in flight: read it to its end
 * so the connection is usable again, or give the side up at the query's
 * bound. No PQcancel: libpq 15's waits for the server without a bound, and
 * a frozen postmaster would hang it; statement_timeout ends the query. */
void gl_isolate__drain(parent_state *ps, gl_side side)
{
    side_state *st = &ps->side[side];
    PGconn *conn = st->target->conn;

    while (st->busy) {
        double left = st->query_deadline - gl_time_ms();
        struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
        if (left <= 0) {
            abandon(ps, side, 0);
            break;
        }
        if (gl_isolate__poll_quietly(&p, 1, (int)(left + 1)) > 0) {
            if (!PQconsumeInput(conn) && !st->pipelined)
                break;
            if (st->pipelined) {
                st->busy = !gl_pipeline__read(&st->pipeline, conn);
                continue;
            }
            while (PQisBusy(conn) == 0) {
                PGresult *r = PQgetResult(conn);
                if (r == NULL) {
                    st->busy = 0;
                    break;
                }
                PQclear(r);
            }
        }
    }
    PQclear(st->keep);
    st->keep = NULL;
    st->busy = 0;
    gl_pipeline__clear(&st->pipeline);
    st->pipelined = 0;
}

/* Reads progress frames; one that is not a progress message (or too big for
 * progress) closes the channel: progress is shown, never trusted. */
static void read_progress(parent_state *ps)
{
    ssize_t n = read(ps->progress_fd, ps->progress_in + ps->progress_len,
                     sizeof(ps->progress_in) - ps->progress_len);

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        ps->progress_fd = -1;
        return;
    }
    ps->progress_len += (size_t)n;
    while (ps->progress_len >= 4) {
        uint32_t len = gl_isolate__get_u32((unsigned char *)ps->progress_in);
        gl_value *msg = NULL;
        const gl_value *p;

        if (len > sizeof(ps->progress_in) - 4) {
            ps->progress_fd = -1;
            return;
        }
        if (ps->progress_len < (size_t)len + 4)
            return;
        if (gl_json_parse(ps->progress_in + 4, len, &msg, NULL) != 0 ||
            (p = gl_value_object_get(msg, "progress")) == NULL ||
            gl_value_kind_of(gl_value_object_get(p, "done")) != GL_VALUE_INT ||
            gl_value_kind_of(gl_value_object_get(p, "total")) != GL_VALUE_INT) {
            gl_value_free(msg);
            ps->progress_fd = -1;
            return;
        }
        gl_progress_update(&ps->shown, (size_t)gl_value_get_int(gl_value_object_get(p, "done")),
                           (size_t)gl_value_get_int(gl_value_object_get(p, "total")),
                           gl_value_object_string(p, "label"));
        gl_value_free(msg);
        memmove(ps->progress_in, ps->progress_in + 4 + len, ps->progress_len - 4 - len);
        ps->progress_len -= 4 + (size_t)len;
    }
}

void gl_isolate__serve(parent_state *ps)
{
    for (;;) {
        struct pollfd p[5];
        int what[5], n = 0;
        double now = gl_time_ms(), until = ps->deadline, show_in = gl_progress_tick(&ps->shown);

        if (ps->result != NULL || ps->why[0] != '\0')
            return;
        if (now >= ps->deadline)
            return;
        for (int s = 0; s < 2; s++) {
            side_state *st = &ps->side[s];
            if (st->busy && now >= st->query_deadline)
                abandon(ps, (gl_side)s, 1);
            if (st->busy && st->query_deadline < until)
                until = st->query_deadline;
            if (!st->eof) {
                p[n] = (struct pollfd){.fd = st->fd, .events = POLLIN};
                what[n++] = s;
            }
            if (st->busy) {
                p[n] = (struct pollfd){.fd = PQsocket(st->target->conn), .events = POLLIN};
                what[n++] = 2 + s;
            }
        }
        if (ps->why[0] != '\0')
            return;
        if (ps->progress_fd >= 0) {
            p[n] = (struct pollfd){.fd = ps->progress_fd, .events = POLLIN};
            what[n++] = 4;
        }
        if (now + show_in < until)
            until = now + show_in;
        if (gl_isolate__poll_quietly(p, (nfds_t)n, (int)(until - now) + 1) < 0 && errno != EINTR) {
            fail(ps, "poll failed: %s", strerror(errno));
            return;
        }
        for (int i = 0; i < n && ps->why[0] == '\0' && ps->result == NULL; i++) {
            if (p[i].revents == 0)
                continue;
            if (what[i] == 4) {
                read_progress(ps);
            } else if (what[i] >= 2) {
                if (ps->side[what[i] - 2].busy)
                    pump_query(ps, (gl_side)(what[i] - 2));
            } else if (read_channel(ps, (gl_side)what[i])) {
                ps->side[what[i]].eof = 1;
            }
        }
        /* The result comes last on blue's channel, and may take several
         * reads: green's channel closing first (the child exiting) says
         * nothing yet. Blue's closing without a result: the child is gone
         * (or closed its channel): see how it ended. */
        if (ps->side[GL_SIDE_BLUE].eof && ps->result == NULL)
            return;
    }
}
