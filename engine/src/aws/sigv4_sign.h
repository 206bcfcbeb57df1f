/*
 * sigv4_sign — AWS Signature Version 4 computed by greenlight with OpenSSL
 * (SHA-256 through EVP, HMAC-SHA256 through EVP_MAC): the canonical request,
 * the string to sign and the Authorization header of any request.
 *
 * RDS requests are signed by libcurl by default (aws/sigv4.h); this module is
 * the signer that reproduces every case of the AWS SigV4 test suite
 * (tests/unit/test_aws_sigv4_suite.c), including the 8 libcurl 7.88 cannot,
 * and is selected for RDS requests with GREENLIGHT_AWS_SIGNER=openssl
 * (share/doc/rds.md says when and why).
 *
 * What it signs (the AWS rules, as the test suite fixes them):
 *   - the path as it is on the request line (before '?'): with
 *     normalize_path, empty and "." segments are dropped and ".." removes the
 *     segment before it; then every byte other than A-Z a-z 0-9 - _ . ~ and
 *     '/' is percent-encoded (an already encoded %XX is encoded again, as
 *     every service but S3 wants);
 *   - the query: each name=value pair percent-decoded, encoded again the
 *     same way ('/' included), sorted by name then value;
 *   - every header given plus X-Amz-Date (and X-Amz-Security-Token,
 *     X-Amz-Content-Sha256 as asked): names lower-cased, values trimmed with
 *     inner runs of white space (folded lines included) made one space,
 *     repeated names joined with ',' in the order given, sorted by name;
 *   - the SHA-256 of the body.
 * With presign, the signing values go into the query instead of headers
 * (a presigned URL; the suite's query-*.txt files).
 */
#ifndef GL_AWS_SIGV4_SIGN_H
#define GL_AWS_SIGV4_SIGN_H

#include <stddef.h>

#include "aws/credentials.h"
#include "util/error.h"

typedef struct gl_aws_header {
    const char *name;
    const char *value;      /* as sent; folded (multi-line) values allowed */
} gl_aws_header;

typedef struct gl_aws_sigv4_request {
    const char *method;     /* GET, POST, ... */
    const char *path;       /* the request line's path, without the query */
    const char *query;      /* after '?', or NULL */
    const gl_aws_header *headers;  /* every header to sign; Host is required */
    size_t n_headers;
    const void *body;
    size_t body_len;
} gl_aws_sigv4_request;

typedef struct gl_aws_sigv4_params {
    const char *region;
    const char *service;
    const char *amz_date;       /* the signing time, "YYYYMMDDTHHMMSSZ" (UTC) */
    int normalize_path;         /* 1 for every service but S3 */
    int sign_body;              /* add and sign X-Amz-Content-Sha256 */
    int omit_session_token;     /* the token is sent but not signed (added after signing) */
    int presign;                /* sign in the query string (a presigned URL) instead of headers */
    long expires_s;             /* presign: X-Amz-Expires, 1 to 604800 */
} gl_aws_sigv4_params;

/* What to send: X-Amz-Date: amz_date, X-Amz-Security-Token when the
 * credentials have one, X-Amz-Content-Sha256: content_sha256 when sign_body,
 * and Authorization: authorization. Presigned: no header, the query
 * presigned_query instead (the request's own pairs, then X-Amz-Algorithm,
 * -Credential, -Date, -Expires, -Security-Token, -SignedHeaders and
 * -Signature; the body's hash is signed, no X-Amz-Content-Sha256). The
 * strings are malloc'd; the one the mode does not make is NULL. */
typedef struct gl_aws_sigv4_signature {
    char *canonical_request;
    char *string_to_sign;
    char *authorization;
    char *presigned_query;
    char signature[65];         /* hex */
    char content_sha256[65];    /* hex SHA-256 of the body */
} gl_aws_sigv4_signature;

/*
 * Signs req with creds. Returns 0 with *out filled (free it with
 * gl_aws_sigv4_signature_free), or -1 with err set: GL_ERR_USAGE for a
 * request that cannot be signed (no Host, a bad date, region or service, a
 * header named X-Amz-Date or Authorization: the signer adds them),
 * GL_ERR_INTERNAL for out of memory or a failing OpenSSL. No secret ever
 * reaches err.
 */
int gl_aws_sigv4_sign(const gl_aws_sigv4_request *req, const gl_aws_credentials *creds,
                      const gl_aws_sigv4_params *params, gl_aws_sigv4_signature *out, gl_error *err);
void gl_aws_sigv4_signature_free(gl_aws_sigv4_signature *sig);

/* 1 when s can be a region or service name in a credential scope (letters,
 * digits and '-', 1 to 63 of them). */
int gl_aws_sigv4__plain_name(const char *s);

#endif
