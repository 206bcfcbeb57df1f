/*
 * Fuzz target for the AWS shared credentials/config file parser
 * (engine/src/aws/credentials.c): any input either parses or fails with a
 * message, and a secret read from the input never appears in that message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/credentials.h"

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
        if (strlen(creds.secret_access_key) >= 8 && strstr(err.message, creds.secret_access_key) != NULL) {
            fprintf(stderr, "fuzz_aws_credentials: the secret is in the message: %s\n", err.message);
            abort();
        }
    }
    gl_aws_credentials_clear(&creds);
    return 0;
}
