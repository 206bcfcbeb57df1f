/*
 * sigv4_sign — SigV4 with OpenSSL (see sigv4_sign.h for the rules); the
 * canonical request's parts are built in sigv4_canonical.c.
 */
#include "aws/sigv4_sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "aws/sigv4_canonical.h"
#include "util/buf.h"

#define GL_SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

int gl_aws_sigv4__plain_name(const char *s)
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

/* ---- HMAC-SHA256 through EVP_MAC ---- */

static int hmac(EVP_MAC *mac, const void *key, size_t key_len, const void *data, size_t len, unsigned char out[32])
{
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    OSSL_PARAM params[2];
    size_t out_len = 0;
    int ok;

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    ok = ctx != NULL && EVP_MAC_init(ctx, key, key_len, params) == 1 && EVP_MAC_update(ctx, data, len) == 1 &&
         EVP_MAC_final(ctx, out, &out_len, 32) == 1 && out_len == 32;
    EVP_MAC_CTX_free(ctx);
    return ok ? 0 : -1;
}

/* signature = HMAC(HMAC(HMAC(HMAC(HMAC("AWS4" secret, date), region),
 * service), "aws4_request"), string to sign), as hex. */
static int sign_string(const char *secret, const char *date, const char *region, const char *service,
                       const char *to_sign, char hex_out[65])
{
    static const char hex[] = "0123456789abcdef";
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    unsigned char k[32], sig[32];
    char first[sizeof("AWS4") + 128];
    int rc = -1;

    if (mac == NULL)
        return -1;
    snprintf(first, sizeof(first), "AWS4%s", secret);
    if (hmac(mac, first, strlen(first), date, strlen(date), k) == 0 &&
        hmac(mac, k, 32, region, strlen(region), k) == 0 && hmac(mac, k, 32, service, strlen(service), k) == 0 &&
        hmac(mac, k, 32, "aws4_request", 12, k) == 0 && hmac(mac, k, 32, to_sign, strlen(to_sign), sig) == 0) {
        for (size_t i = 0; i < 32; i++) {
            hex_out[2 * i] = hex[sig[i] >> 4];
            hex_out[2 * i + 1] = hex[sig[i] & 15];
        }
        hex_out[64] = '\0';
        rc = 0;
    }
    OPENSSL_cleanse(first, sizeof(first));
    OPENSSL_cleanse(k, sizeof(k));
    EVP_MAC_free(mac);
    return rc;
}

static int valid_amz_date(const char *d)
{
    if (d == NULL || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
        return 0;
    for (int i = 0; i < 15; i++)
        if (i != 8 && !(d[i] >= '0' && d[i] <= '9'))
            return 0;
    return 1;
}

static int valid_method(const char *m)
{
    return m != NULL && *m != '\0' && strlen(m) <= 32 &&
           strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-") == strlen(m);
}

void gl_aws_sigv4_signature_free(gl_aws_sigv4_signature *sig)
{
    if (sig == NULL)
        return;
    free(sig->canonical_request);
    free(sig->string_to_sign);
    free(sig->authorization);
    free(sig->presigned_query);
    memset(sig, 0, sizeof(*sig));
}

/* Refuses what cannot be signed (naming the field) and hashes the body into
 * out->content_sha256. */
static int check_request(const gl_aws_sigv4_request *req, const gl_aws_credentials *creds,
                         const gl_aws_sigv4_params *p, gl_aws_sigv4_signature *out, gl_error *err)
{
    if (!valid_method(req->method))
        return gl_error_set(err, GL_ERR_USAGE, "SigV4: \"%.40s\" is not an HTTP method", req->method ? req->method : "");
    if (!valid_amz_date(p->amz_date))
        return gl_error_set(err, GL_ERR_USAGE, "SigV4: the signing time \"%.40s\" is not YYYYMMDDTHHMMSSZ",
                            p->amz_date ? p->amz_date : "");
    if (!gl_aws_sigv4__plain_name(p->region))
        return gl_error_set(err, GL_ERR_USAGE,
                            "AWS region \"%.100s\" is not a region name (like eu-west-1): check --region, AWS_REGION or the profile's region",
                            p->region ? p->region : "");
    if (!gl_aws_sigv4__plain_name(p->service))
        return gl_error_set(err, GL_ERR_INTERNAL, "AWS service name \"%.100s\" is not valid",
                            p->service ? p->service : "");
    if (creds->access_key_id[0] == '\0' || strpbrk(creds->access_key_id, "/, \t\r\n") != NULL)
        return gl_error_set(err, GL_ERR_USAGE, "SigV4: the access key id is empty or holds '/', ',' or white space");
    if (gl_sha256_hex(req->body ? req->body : "", req->body ? req->body_len : 0, out->content_sha256) != 0)
        return gl_error_set(err, GL_ERR_INTERNAL, "SigV4: SHA-256 failed (OpenSSL)");
    if (p->presign && (p->expires_s < 1 || p->expires_s > 604800))
        return gl_error_set(err, GL_ERR_USAGE, "SigV4: a presigned request expires in 1 to 604800 seconds, not %ld",
                            p->expires_s);
    return 0;
}

/* The string to sign into text (empty): algorithm, time, scope, hash of the
 * canonical request. */
static void string_to_sign(gl_buf *text, const gl_aws_sigv4_params *p, const char *date, const char *request_hash)
{
    gl_buf_adds(text, GL_SIGV4_ALGORITHM "\n");
    gl_buf_adds(text, p->amz_date);
    gl_buf_adds(text, "\n");
    gl_buf_adds(text, date);
    gl_buf_adds(text, "/");
    gl_buf_adds(text, p->region);
    gl_buf_adds(text, "/");
    gl_buf_adds(text, p->service);
    gl_buf_adds(text, "/aws4_request\n");
    gl_buf_adds(text, request_hash);
}

/* out->presigned_query or out->authorization, built in text (empty) once
 * out->signature is known; -1 when out of memory. */
static int finish_signature(gl_buf *text, const gl_aws_sigv4_request *req, const gl_aws_credentials *creds,
                            const gl_aws_sigv4_params *p, gl_aws_header *extra, size_t n_extra,
                            const char *credential, const gl_buf *names, gl_aws_sigv4_signature *out)
{
    if (p->presign) {
        /* The query to send: as given, then the signing pairs and the
         * signature (a token omitted from signing is still sent). */
        if (req->query != NULL && req->query[0] != '\0') {
            gl_buf_adds(text, req->query);
            gl_buf_adds(text, "&");
        }
        if (creds->session_token[0] != '\0' && p->omit_session_token)
            extra[n_extra++] = (gl_aws_header){"X-Amz-Security-Token", creds->session_token};
        for (size_t i = 0; i < n_extra; i++) {
            gl_aws_sigv4__encode(text, extra[i].name, strlen(extra[i].name), 0);
            gl_buf_adds(text, "=");
            gl_aws_sigv4__encode(text, extra[i].value, strlen(extra[i].value), 0);
            gl_buf_adds(text, "&");
        }
        gl_buf_adds(text, "X-Amz-Signature=");
        gl_buf_adds(text, out->signature);
        out->presigned_query = gl_buf_take(text, NULL);
        return out->presigned_query != NULL ? 0 : -1;
    }
    gl_buf_adds(text, GL_SIGV4_ALGORITHM " Credential=");
    gl_buf_adds(text, credential);
    gl_buf_adds(text, ", SignedHeaders=");
    gl_buf_add(text, names->data, names->len);
    gl_buf_adds(text, ", Signature=");
    gl_buf_adds(text, out->signature);
    out->authorization = gl_buf_take(text, NULL);
    return out->authorization != NULL ? 0 : -1;
}

int gl_aws_sigv4_sign(const gl_aws_sigv4_request *req, const gl_aws_credentials *creds,
                      const gl_aws_sigv4_params *p, gl_aws_sigv4_signature *out, gl_error *err)
{
    gl_buf canon, lines, names, text;
    char date[9], request_hash[65], credential[400], expires[24];
    gl_aws_header extra[6];
    size_t n_extra = 0;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (check_request(req, creds, p, out, err) != 0)
        return -1;
    memcpy(date, p->amz_date, 8);
    date[8] = '\0';
    snprintf(credential, sizeof(credential), "%s/%s/%s/%s/aws4_request", creds->access_key_id, date, p->region,
             p->service);
    snprintf(expires, sizeof(expires), "%ld", p->expires_s);
    gl_buf_init(&canon, GL_SIGV4_TEXT_MAX);
    gl_buf_init(&lines, GL_SIGV4_TEXT_MAX);
    gl_buf_init(&names, GL_SIGV4_TEXT_MAX);
    gl_buf_init(&text, GL_SIGV4_TEXT_MAX);

    if (gl_aws_sigv4__canonical_headers(&lines, &names, req, creds, p, out->content_sha256, err) != 0)
        goto out;
    if (names.failed || lines.failed)
        goto toolarge;
    if (p->presign) {
        /* What the Authorization header would say goes into the query. */
        extra[n_extra++] = (gl_aws_header){"X-Amz-Algorithm", GL_SIGV4_ALGORITHM};
        extra[n_extra++] = (gl_aws_header){"X-Amz-Credential", credential};
        extra[n_extra++] = (gl_aws_header){"X-Amz-Date", p->amz_date};
        extra[n_extra++] = (gl_aws_header){"X-Amz-Expires", expires};
        if (creds->session_token[0] != '\0' && !p->omit_session_token)
            extra[n_extra++] = (gl_aws_header){"X-Amz-Security-Token", creds->session_token};
        extra[n_extra++] = (gl_aws_header){"X-Amz-SignedHeaders", names.data};
    }
    gl_buf_adds(&canon, req->method);
    gl_buf_adds(&canon, "\n");
    if (gl_aws_sigv4__canonical_path(&canon, req->path, p->normalize_path) != 0)
        goto nomem;
    gl_buf_adds(&canon, "\n");
    if (gl_aws_sigv4__canonical_query(&canon, req->query, extra, n_extra) != 0)
        goto nomem;
    gl_buf_adds(&canon, "\n");
    gl_buf_add(&canon, lines.data, lines.len);
    gl_buf_adds(&canon, "\n");
    gl_buf_add(&canon, names.data, names.len);
    gl_buf_adds(&canon, "\n");
    gl_buf_adds(&canon, out->content_sha256);
    if (canon.failed || lines.failed || names.failed)
        goto toolarge;
    out->canonical_request = gl_buf_take(&canon, NULL);
    if (out->canonical_request == NULL || gl_sha256_hex(out->canonical_request, strlen(out->canonical_request),
                                                        request_hash) != 0)
        goto nomem;

    string_to_sign(&text, p, date, request_hash);
    out->string_to_sign = gl_buf_take(&text, NULL);
    if (out->string_to_sign == NULL)
        goto nomem;
    if (sign_string(creds->secret_access_key, date, p->region, p->service, out->string_to_sign, out->signature) != 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "SigV4: HMAC-SHA256 failed (OpenSSL)");
        goto out;
    }
    if (finish_signature(&text, req, creds, p, extra, n_extra, credential, &names, out) != 0)
        goto nomem;
    rc = 0;
    goto out;
toolarge:
    gl_error_set(err, GL_ERR_TOO_LARGE, "SigV4: the request is too large to sign (over 1 MiB of path, query and headers)");
    goto out;
nomem:
    gl_error_set(err, GL_ERR_NOMEM, "out of memory signing the request");
out:
    gl_buf_free(&canon);
    gl_buf_free(&lines);
    gl_buf_free(&names);
    gl_buf_free(&text);
    if (rc != 0)
        gl_aws_sigv4_signature_free(out);
    return rc;
}
