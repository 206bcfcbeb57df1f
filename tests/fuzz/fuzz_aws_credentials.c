/*
 * Fuzz target for the AWS shared credentials/config file parser
 * (engine/src/aws/credentials.c): any input either parses or fails with a
 * message, and a secret read from the input never appears in that message.
 * The message may quote other input (a key name, a section): when the secret
 * also stands elsewhere in the input, its appearance in the message proves
 * nothing, so the check needs the secret to occur in the input once.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/credentials.h"

/* How many times needle occurs in the input (overlaps counted). */
static size_t occurrences(const uint8_t *data, size_t size, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    const uint8_t *p = data, *end = data + size;

    while (len > 0 && p < end && (p = memmem(p, (size_t)(end - p), needle, len)) != NULL) {
        n++;
        p++;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gl_aws_credentials creds;
    gl_error err;

    gl_error_clear(&err);
    if (gl_aws__credentials_parse((const char *)data, size, "default", &creds, &err) != 0) {
        if (err.message[0] == '\0') {
            fprintf(stderr, "fuzz_aws_credentials: failure without a message\n");
            abort();
        }
        if (strlen(creds.secret_access_key) >= 8 && strstr(err.message, creds.secret_access_key) != NULL &&
            occurrences(data, size, creds.secret_access_key) == 1) {
            fprintf(stderr, "fuzz_aws_credentials: the secret is in the message: %s\n", err.message);
            abort();
        }
    }
    gl_aws_credentials_clear(&creds);
    return 0;
}
