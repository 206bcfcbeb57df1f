#include "aws/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Region and service go into curl's "aws:amz:REGION:SERVICE" parameter and
 * into the credential scope: letters, digits and '-' only. */
static int plain_name(const char *s)
{
    size_t n = 0;

    if (s == NULL || *s == '\0')
        return 0;
    for (; *s; s++, n++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return 0;
    }
    return n <= 63;
}

int gl_aws_sigv4_apply(CURL *curl, const gl_aws_credentials *creds, const char *region,
                       const char *service, struct curl_slist **headers, gl_error *err)
{
    char param[160];
    struct curl_slist *grown;

    if (!plain_name(region))
        return gl_error_set(err, GL_EXIT_USAGE,
                            "AWS region \"%s\" is not a region name (like eu-west-1): check --region, AWS_REGION or the profile's region",
                            region ? region : "");
    if (!plain_name(service))
        return gl_error_set(err, GL_EXIT_INTERNAL, "AWS service name \"%s\" is not valid", service ? service : "");
    snprintf(param, sizeof(param), "aws:amz:%s:%s", region, service);
    if (curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, param) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_USERNAME, creds->access_key_id) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_PASSWORD, creds->secret_access_key) != CURLE_OK)
        return gl_error_set(err, GL_EXIT_INTERNAL,
                            "this libcurl cannot sign AWS requests (CURLOPT_AWS_SIGV4 needs libcurl 7.75 or newer)");
    if (creds->session_token[0] != '\0') {
        char *line;
        size_t len = strlen(creds->session_token) + sizeof("X-Amz-Security-Token: ");

        line = malloc(len);
        if (line == NULL)
            return gl_error_set(err, GL_EXIT_INTERNAL, "out of memory signing the request");
        snprintf(line, len, "X-Amz-Security-Token: %s", creds->session_token);
        grown = curl_slist_append(*headers, line);
        free(line);
        if (grown == NULL)
            return gl_error_set(err, GL_EXIT_INTERNAL, "out of memory signing the request");
        *headers = grown;
    }
    return 0;
}
