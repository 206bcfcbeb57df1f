/*
 * isolate_frame.c — the frames an isolated call's child and parent exchange
 * (plugin/isolate_frame.h).
 */
#include "plugin/isolate_frame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Blocking write of a whole buffer (the child's side). */
int gl_isolate__write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int gl_isolate__read_all(int fd, char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = read(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

void gl_isolate__put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

uint32_t gl_isolate__get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Serialises v as one frame: malloc'd header+JSON in *out, or NULL when v
 * cannot be written (out of memory, a string that is not UTF-8, too large). */
char *gl_isolate__frame_of(const gl_value *v, size_t *out_len)
{
    size_t len = 0;
    char *json = gl_json_write(v, 0, &len), *frame;

    if (json == NULL || len > GL_ISOLATE_FRAME_MAX) {
        free(json);
        return NULL;
    }
    frame = malloc(len + 4);
    if (frame != NULL) {
        gl_isolate__put_u32((unsigned char *)frame, (uint32_t)len);
        memcpy(frame + 4, json, len);
        *out_len = len + 4;
    }
    free(json);
    return frame;
}

/* A one-member object {key: s}. */
gl_value *gl_isolate__message_of(const char *key, gl_value *v)
{
    gl_value *o = gl_value_object();

    if (o != NULL && gl_value_object_set(o, key, v) == 0)
        return o;
    gl_value_free(o);
    return NULL;
}
