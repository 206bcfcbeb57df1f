/*
 * Fuzz target for the OpenSSL SigV4 signer (engine/src/aws/sigv4_sign.c).
 * Input: a flags byte (bit 0 normalize the path, bit 1 sign the body, bit 2
 * omit the session token, bit 3 no session token, bit 4 presign), then
 * lines: the method,
 * the path with its query, "Name:value" headers (a line starting with white
 * space continues the value before), a blank line, the body.
 * The signer either signs (an Authorization of the AWS shape that shows no
 * secret) or refuses with a message; nothing crashes, leaks or overflows.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4_sign.h"

#define MAX_HEADERS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gl_aws_credentials creds;
    gl_aws_header headers[MAX_HEADERS];
    gl_aws_sigv4_request req;
    gl_aws_sigv4_params params;
    gl_aws_sigv4_signature sig;
    gl_error err;
    char *text, *line, *next, *query;
    size_t n = 0;
    unsigned flags;
    int shown_ok = 0;

    if (size < 1)
        return 0;
    flags = data[0];
    text = malloc(size);
    if (text == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    memset(&creds, 0, sizeof(creds));
    snprintf(creds.access_key_id, sizeof(creds.access_key_id), "AKIDFUZZ");
    snprintf(creds.secret_access_key, sizeof(creds.secret_access_key), "fuzzSECRETkey");
    if (!(flags & 8))
        snprintf(creds.session_token, sizeof(creds.session_token), "fuzzTOKENvalue");
    memset(&req, 0, sizeof(req));
    memset(&params, 0, sizeof(params));
    params.region = "eu-west-1";
    params.service = "rds";
    params.amz_date = "20261202T143005Z";
    params.normalize_path = flags & 1;
    params.sign_body = (flags >> 1) & 1;
    params.omit_session_token = (flags >> 2) & 1;
    params.presign = (flags >> 4) & 1;
    params.expires_s = 900;

    /* method */
    line = text;
    next = strchr(line, '\n');
    if (next)
        *next++ = '\0';
    req.method = line;
    /* path?query */
    line = next ? next : "";
    next = strchr(line, '\n');
    if (next)
        *next++ = '\0';
    query = strchr(line, '?');
    if (query)
        *query++ = '\0';
    req.path = line;
    req.query = query;
    /* headers until a blank line; then the body */
    for (line = next; line && *line && *line != '\n'; line = next) {
        char *colon;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        colon = strchr(line, ':');
        if (colon == NULL || n == MAX_HEADERS)
            continue;
        *colon = '\0';
        headers[n].name = line;
        headers[n].value = colon + 1;
        n++;
    }
    req.headers = headers;
    req.n_headers = n;
    req.body = line && *line == '\n' ? line + 1 : "";
    req.body_len = strlen(req.body);

    /* The secret must not show (unless the input itself carries the text). */
    if (memmem(data, size, "fuzzSECRET", 10) != NULL || memmem(data, size, "fuzzTOKEN", 9) != NULL)
        shown_ok = 1;
    if (gl_aws_sigv4_sign(&req, &creds, &params, &sig, &err) == 0) {
        if (params.presign) {
            /* It ends with the signature (the request's own query may hold anything). */
            size_t qlen = sig.presigned_query ? strlen(sig.presigned_query) : 0;
            if (sig.authorization != NULL || qlen < 16 + 64 ||
                strncmp(sig.presigned_query + qlen - 80, "X-Amz-Signature=", 16) != 0 ||
                strcmp(sig.presigned_query + qlen - 64, sig.signature) != 0 ||
                (!shown_ok && strstr(sig.presigned_query, "fuzzSECRET") != NULL))
                abort();
            gl_aws_sigv4_signature_free(&sig);
            free(text);
            return 0;
        }
        if (strncmp(sig.authorization, "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20261202/eu-west-1/rds/aws4_request, SignedHeaders=", 87) != 0 ||
            strlen(sig.signature) != 64 || strncmp(sig.canonical_request, req.method, strlen(req.method)) != 0)
            abort();
        if (!shown_ok && (strstr(sig.authorization, "fuzzSECRET") != NULL || strstr(sig.authorization, "fuzzTOKEN") != NULL ||
                          strstr(sig.string_to_sign, "fuzzSECRET") != NULL || strstr(sig.canonical_request, "fuzzSECRET") != NULL))
            abort();
        gl_aws_sigv4_signature_free(&sig);
    } else if (err.message[0] == '\0' ||
               (!shown_ok && (strstr(err.message, "fuzzSECRET") != NULL || strstr(err.message, "fuzzTOKEN") != NULL))) {
        abort();
    }
    free(text);
    return 0;
}
