/*
 * sigv4 — AWS Signature Version 4 for a libcurl request, by libcurl itself
 * (CURLOPT_AWS_SIGV4; see share/doc/rds.md for what it covers and the one
 * test-suite case it cannot produce, which RDS does not need).
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

#endif
