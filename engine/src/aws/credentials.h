/*
 * credentials — AWS credentials and region, found the way the AWS CLI and
 * SDKs find them:
 *
 *   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
 *   2. the profile AWS_PROFILE (else "default") in the shared credentials
 *      file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials), then in
 *      the config file (AWS_CONFIG_FILE, else ~/.aws/config; section
 *      "[profile NAME]", or "[default]").
 *
 * Region: the caller's explicit value (--region), AWS_REGION,
 * AWS_DEFAULT_REGION, then the profile's `region` in the config file.
 *
 * The secret key and session token are never written into an error message,
 * log line or report: only the access key id and where it came from are.
 * Files are parsed strictly: a line that is not a section, a key = value, a
 * comment or blank is an error naming the file and line.
 */
#ifndef GL_AWS_CREDENTIALS_H
#define GL_AWS_CREDENTIALS_H

#include "util/error.h"

typedef struct gl_aws_credentials {
    char access_key_id[129];
    char secret_access_key[129];
    char session_token[4097];  /* empty: none */
    char source[1280];         /* "environment" or "profile P in FILE" (no secrets) */
} gl_aws_credentials;

/* Finds credentials; on failure err says where it looked and what to set
 * (class GL_ERR_USAGE). */
int gl_aws_credentials_load(gl_aws_credentials *out, gl_error *err);

/* Finds the region (explicit may be NULL) into out (>= 64 bytes). */
int gl_aws_region_resolve(const char *explicit_region, char *out, size_t len, gl_error *err);

/* Internal (for the fuzz target): parses one shared file's text, reading
 * [section] into out. */
int gl_aws__credentials_parse(const char *text, size_t len, const char *section, gl_aws_credentials *out,
                              gl_error *err);

/* Overwrites the secrets in memory. */
void gl_aws_credentials_clear(gl_aws_credentials *creds);

#endif
