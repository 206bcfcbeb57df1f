/*
 * utf8 — one strict UTF-8 reader: no overlong forms, no surrogates, nothing
 * past U+10FFFF. yajl's own check lets overlong forms through (C1 A0), and
 * libxml2 refuses them, so text bound for XML is checked here.
 */
#ifndef GL_UTF8_H
#define GL_UTF8_H

#include <stddef.h>

/* The length (1-4) of the valid sequence at s (n bytes left), 0 if none. */
size_t gl_utf8_seq_len(const unsigned char *s, size_t n);
/* 1 when all n bytes are valid UTF-8. */
int gl_utf8_valid(const unsigned char *s, size_t n);
/* Replaces, in place, each byte that does not start or belong to a valid
 * sequence, and each C0 control but tab, newline and carriage return, with
 * '?': what XML 1.0 can carry. */
void gl_utf8_scrub_xml(char *s);

#endif
