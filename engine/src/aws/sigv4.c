#include "aws/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "aws/sigv4_sign.h"

int gl_aws_sigv4_apply(CURL *curl, const gl_aws_credentials *creds, const char *region,
                       const char *service, struct curl_slist **headers, gl_error *err)
{
    char param[160];
    struct curl_slist *grown;

    if (!gl_aws_sigv4__plain_name(region))
        return gl_error_set(err, GL_ERR_USAGE,
                            "AWS region \"%s\" is not a region name (like eu-west-1): check --region, AWS_REGION or the profile's region",
                            region ? region : "");
    if (!gl_aws_sigv4__plain_name(service))
        return gl_error_set(err, GL_ERR_INTERNAL, "AWS service name \"%s\" is not valid", service ? service : "");
    snprintf(param, sizeof(param), "aws:amz:%s:%s", region, service);
    if (curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, param) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_USERNAME, creds->access_key_id) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_PASSWORD, creds->secret_access_key) != CURLE_OK)
        return gl_error_set(err, GL_ERR_INTERNAL,
                            "this libcurl cannot sign AWS requests (CURLOPT_AWS_SIGV4 needs libcurl 7.75 or newer): "
                            "set GREENLIGHT_AWS_SIGNER=openssl to sign with greenlight's OpenSSL signer");
    if (creds->session_token[0] != '\0') {
        char *line;
        size_t len = strlen(creds->session_token) + sizeof("X-Amz-Security-Token: ");

        line = malloc(len);
        if (line == NULL)
            return gl_error_set(err, GL_ERR_NOMEM, "out of memory signing the request");
        snprintf(line, len, "X-Amz-Security-Token: %s", creds->session_token);
        grown = curl_slist_append(*headers, line);
        free(line);
        if (grown == NULL)
            return gl_error_set(err, GL_ERR_NOMEM, "out of memory signing the request");
        *headers = grown;
    }
    return 0;
}

int gl_aws_signer_choose(gl_aws_signer *out, gl_error *err)
{
    const char *v = getenv("GREENLIGHT_AWS_SIGNER");

    *out = GL_AWS_SIGNER_LIBCURL;
    if (v == NULL || *v == '\0' || strcmp(v, "libcurl") == 0)
        return 0;
    if (strcmp(v, "openssl") == 0) {
        *out = GL_AWS_SIGNER_OPENSSL;
        return 0;
    }
    return gl_error_set(err, GL_ERR_USAGE, "GREENLIGHT_AWS_SIGNER is \"%.40s\": use libcurl (the default) or openssl", v);
}

/* Appends "name: value" to *headers. */
static int append_header(struct curl_slist **headers, const char *name, const char *value, gl_error *err)
{
    size_t len = strlen(name) + strlen(value) + 3;
    char *line = malloc(len);
    struct curl_slist *grown = NULL;

    if (line != NULL) {
        snprintf(line, len, "%s: %s", name, value);
        grown = curl_slist_append(*headers, line);
        OPENSSL_cleanse(line, len);
        free(line);
    }
    if (grown == NULL)
        return gl_error_set(err, GL_ERR_NOMEM, "out of memory signing the request");
    *headers = grown;
    return 0;
}

/* The Host header curl sends for url: host, and ":port" when the URL names one. */
static int url_parts(const char *url, char *host, size_t host_len, char **path, char **query, gl_error *err)
{
    CURLU *u = curl_url();
    char *h = NULL, *port = NULL;
    int rc = -1;

    *path = *query = NULL;
    if (u == NULL)
        return gl_error_set(err, GL_ERR_NOMEM, "out of memory signing the request");
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK || curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, path, 0) != CURLUE_OK) {
        gl_error_set(err, GL_ERR_USAGE, "cannot sign a request to \"%.200s\": not a URL", url);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_QUERY, query, 0) != CURLUE_OK)
        *query = NULL;
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
        port = NULL;
    if ((size_t)snprintf(host, host_len, "%s%s%s", h, port ? ":" : "", port ? port : "") >= host_len) {
        gl_error_set(err, GL_ERR_USAGE, "cannot sign a request to \"%.200s\": the host name is too long", url);
        goto out;
    }
    rc = 0;
out:
    if (rc != 0) {
        curl_free(*path);
        curl_free(*query);
        *path = *query = NULL;
    }
    curl_free(h);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

int gl_aws_sigv4_apply_openssl(const gl_aws_credentials *creds, const char *region, const char *service,
                               const char *method, const char *url, const char *body, size_t body_len,
                               struct curl_slist **headers, gl_error *err)
{
    gl_aws_header *given = NULL;
    gl_aws_sigv4_signature sig = {0};
    gl_aws_sigv4_params params = {.region = region, .service = service, .normalize_path = 1};
    gl_aws_sigv4_request req = {.method = method, .body = body, .body_len = body_len};
    char host[512], amz_date[32], *path = NULL, *query = NULL, *copies = NULL;
    size_t n = 1, copies_len = 0, off = 0;
    time_t now = time(NULL);
    struct tm tm;
    int rc = -1;

    if (url_parts(url, host, sizeof(host), &path, &query, err) != 0)
        return -1;
    for (const struct curl_slist *h = *headers; h; h = h->next) {
        n++;
        copies_len += strlen(h->data) + 1;
    }
    given = calloc(n, sizeof(*given));
    copies = malloc(copies_len + 1);
    if (given == NULL || copies == NULL) {
        gl_error_set(err, GL_ERR_NOMEM, "out of memory signing the request");
        goto out;
    }
    /* "Name: value" lines (curl's own form; "Name;" sends an empty value). */
    n = 0;
    given[n].name = "Host";
    given[n++].value = host;
    for (const struct curl_slist *h = *headers; h; h = h->next) {
        char *line = copies + off, *sep;
        size_t len = strlen(h->data);

        memcpy(line, h->data, len + 1);
        off += len + 1;
        sep = strpbrk(line, ":;");
        if (sep == NULL) {
            gl_error_set(err, GL_ERR_INTERNAL, "cannot sign the header \"%.100s\": no ':'", line);
            goto out;
        }
        *sep = '\0';
        given[n].name = line;
        given[n++].value = sep + 1;
    }
    gmtime_r(&now, &tm);
    strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
    params.amz_date = amz_date;
    req.path = path;
    req.query = query;
    req.headers = given;
    req.n_headers = n;
    if (gl_aws_sigv4_sign(&req, creds, &params, &sig, err) != 0)
        goto out;
    if (append_header(headers, "Host", host, err) != 0 || append_header(headers, "X-Amz-Date", amz_date, err) != 0 ||
        (creds->session_token[0] != '\0' &&
         append_header(headers, "X-Amz-Security-Token", creds->session_token, err) != 0) ||
        append_header(headers, "Authorization", sig.authorization, err) != 0)
        goto out;
    rc = 0;
out:
    gl_aws_sigv4_signature_free(&sig);
    free(given);
    free(copies);
    curl_free(path);
    curl_free(query);
    return rc;
}
