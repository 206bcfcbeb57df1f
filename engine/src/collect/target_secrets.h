/*
 * target_secrets — internals shared by target.c (connecting) and
 * target_secrets.c (what must never be printed).
 */
#ifndef GL_COLLECT_TARGET_SECRETS_H
#define GL_COLLECT_TARGET_SECRETS_H

#include <stddef.h>

#include <libpq-fe.h>

/* A spec libpq could not parse may still hold a password, and libpq's error
 * quotes parts of it: scrubs from msg every span of spec that could be one. */
void gl_target__scrub_unparsed_secrets(char *msg, size_t cap, const char *spec);
/* The password conn used (or spec names), to scrub from messages: malloc'd,
 * the caller frees it; NULL when there is none. */
char *gl_target__password_of(PGconn *conn, const char *spec);

#endif
