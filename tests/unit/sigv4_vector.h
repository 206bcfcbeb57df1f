/*
 * sigv4_vector — what both SigV4 test programs read from one case of the AWS
 * SigV4 test suite: its context.json (region, service, timestamp, flags),
 * parsed, and the case's credentials. test_aws_sigv4.c replays the case
 * through libcurl, test_aws_sigv4_suite.c through the OpenSSL signer.
 * Header-only: each unit test is one executable.
 */
#ifndef GL_TEST_SIGV4_VECTOR_H
#define GL_TEST_SIGV4_VECTOR_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "aws/credentials.h"
#include "value/value.h"

/* DIR/context.json (the caller frees it), its credentials in *creds. */
static gl_value *sigv4_vector_context(const char *dir, gl_aws_credentials *creds)
{
    char path[4200];
    gl_value *ctx = NULL;
    const gl_value *c;
    const char *token;
    gl_error err = {0};

    cr_assert_lt(snprintf(path, sizeof(path), "%s/context.json", dir), (int)sizeof(path),
                 "the case directory's path is too long: %s", dir);
    cr_assert_eq(gl_json_parse_file(path, &ctx, &err), 0, "%s", err.message);
    c = gl_value_object_get(ctx, "credentials");
    memset(creds, 0, sizeof(*creds));
    snprintf(creds->access_key_id, sizeof(creds->access_key_id), "%s", gl_value_object_string(c, "access_key_id"));
    snprintf(creds->secret_access_key, sizeof(creds->secret_access_key), "%s",
             gl_value_object_string(c, "secret_access_key"));
    token = gl_value_object_string(c, "token");
    if (token != NULL)
        snprintf(creds->session_token, sizeof(creds->session_token), "%s", token);
    return ctx;
}

#endif
