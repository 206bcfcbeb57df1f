/*
 * sigv4 — AWS Signature Version 4 for a libcurl request: by libcurl itself
 * (CURLOPT_AWS_SIGV4, the default), or by greenlight's OpenSSL signer
 * (aws/sigv4_sign.h) when GREENLIGHT_AWS_SIGNER=openssl. share/doc/rds.md
 * lists the test-suite cases libcurl 7.88 cannot produce and why RDS does not
 * need them.
 *
 * libcurl signs the Host header, the X-Amz-Date it adds (or the one the caller
 * put in *headers, used as the signing time), every header in *headers, the
 * method, path, query and the SHA-256 of the body.
 */
#ifndef GL_AWS_SIGV4_H
#define GL_AWS_SIGV4_H

#include <curl/curl.h>

#include "aws/credentials.h"
#include "util/error.h"

/*
 * Makes curl sign its next request for service in region with creds. A
 * session token is appended to *headers as X-Amz-Security-Token (signed, as
 * STS and RDS require). The caller owns *headers (curl_slist_free_all) and must
 * pass them with CURLOPT_HTTPHEADER after this call. Returns 0, or -1 when
 * region/service are not plain names or memory ran out.
 */
int gl_aws_sigv4_apply(CURL *curl, const gl_aws_credentials *creds, const char *region,
                       const char *service, struct curl_slist **headers, gl_error *err);

typedef enum gl_aws_signer {
    GL_AWS_SIGNER_LIBCURL = 0,  /* CURLOPT_AWS_SIGV4 */
    GL_AWS_SIGNER_OPENSSL,      /* aws/sigv4_sign.c */
} gl_aws_signer;

/* GREENLIGHT_AWS_SIGNER: unset, "" or "libcurl" -> libcurl; "openssl" ->
 * OpenSSL; anything else is a usage error naming the variable. */
int gl_aws_signer_choose(gl_aws_signer *out, gl_error *err);

/*
 * Signs a request with the OpenSSL signer at the current time: the Host of
 * url, every header already in *headers ("Name: value"), method, path, query
 * and the SHA-256 of body. Appends Host, X-Amz-Date, X-Amz-Security-Token
 * (signed, when there is a session token) and Authorization to *headers;
 * curl must send exactly this url, method and body with these headers.
 */
int gl_aws_sigv4_apply_openssl(const gl_aws_credentials *creds, const char *region, const char *service,
                               const char *method, const char *url, const char *body, size_t body_len,
                               struct curl_slist **headers, gl_error *err);

#endif
