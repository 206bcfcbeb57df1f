/*
 * isolate_frame — what plugin/isolate.c (the parent) and isolate_child.c
 * share: the wire between them (a 4-byte big-endian length and a JSON
 * document, yajl) and the child's entry point. Internal to plugin/isolate*.c.
 */
#ifndef GL_ISOLATE_FRAME_H
#define GL_ISOLATE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "plugin/isolate.h"
#include "value/value.h"

/* Largest message either way; a result over it is a failed plugin. */
#define GL_ISOLATE_FRAME_MAX GL_JSON_MAX_FILE

/* Blocking write / read of a whole buffer: 0, or -1 (closed, or an error). */
int gl_isolate__write_all(int fd, const char *buf, size_t len);
int gl_isolate__read_all(int fd, char *buf, size_t len);

void gl_isolate__put_u32(unsigned char *p, uint32_t v);
uint32_t gl_isolate__get_u32(const unsigned char *p);

/* Serialises v as one frame: malloc'd header+JSON in *out, or NULL when v
 * cannot be written (out of memory, a string that is not UTF-8, too large). */
char *gl_isolate__frame_of(const gl_value *v, size_t *out_len);

/* A one-member object {key: v} (v is taken, freed on failure), or NULL. */
gl_value *gl_isolate__message_of(const char *key, gl_value *v);

/* The child (isolate_child.c): runs fn over the channels fds (blue, green,
 * progress) and exits; never returns. */
__attribute__((noreturn))
void gl_isolate__child_main(gl_ctx *ctx, int fds[3], gl_isolated_fn fn, void *arg);

#endif
