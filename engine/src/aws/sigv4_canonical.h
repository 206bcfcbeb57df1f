/*
 * sigv4_canonical — internals shared by sigv4_sign.c (hashing, signing) and
 * sigv4_canonical.c (the canonical request's parts). Each appends to a
 * gl_buf; a buffer that failed stays failed (checked once by the caller).
 */
#ifndef GL_AWS_SIGV4_CANONICAL_H
#define GL_AWS_SIGV4_CANONICAL_H

#include <stddef.h>

#include "aws/sigv4_sign.h"
#include "util/buf.h"

/* The cap on every text built while signing. */
#define GL_SIGV4_TEXT_MAX (1024u * 1024u)

/* Appends s[0..n) percent-encoded (upper-case hex); '/' kept when keep_slash. */
void gl_aws_sigv4__encode(gl_buf *b, const char *s, size_t n, int keep_slash);
/* The canonical URI of path (normalized when normalize): 0, or -1 out of memory. */
int gl_aws_sigv4__canonical_path(gl_buf *b, const char *path, int normalize);
/* The query's pairs and the extra ones (plain, not yet encoded), sorted: 0 or -1. */
int gl_aws_sigv4__canonical_query(gl_buf *b, const char *query, const gl_aws_header *extra,
                                  size_t n_extra);
/* Canonical header lines and the signed header list (both into bufs): 0, or
 * -1 with err set. */
int gl_aws_sigv4__canonical_headers(gl_buf *lines, gl_buf *names, const gl_aws_sigv4_request *req,
                                    const gl_aws_credentials *creds, const gl_aws_sigv4_params *p,
                                    const char *content_sha256, gl_error *err);

#endif
