/*
 * sigv4_sign — SigV4 with OpenSSL (see sigv4_sign.h for the rules).
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

#include "util/buf.h"

#define GL_SIGV4_TEXT_MAX (1024u * 1024u)
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

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Appends s[0..n) percent-encoded (upper-case hex); '/' kept when keep_slash. */
static void encode(gl_buf *b, const char *s, size_t n, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            gl_buf_add(b, &s[i], 1);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            gl_buf_add(b, esc, 3);
        }
    }
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) in place of out (n+1 bytes); a '%' not followed by
 * two hex digits stays itself. Returns the decoded length. */
static size_t decode(const char *s, size_t n, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n) {
            int h = hex_value(s[i + 1]), l = hex_value(s[i + 2]);
            if (h >= 0 && l >= 0) {
                out[o++] = (char)(h * 16 + l);
                i += 2;
                continue;
            }
        }
        out[o++] = s[i];
    }
    out[o] = '\0';
    return o;
}

/* ---- the canonical URI ---- */

static int canonical_path(gl_buf *b, const char *path, int normalize)
{
    size_t len, n = 0, *starts = NULL, *lens = NULL, i = 0;
    int trailing = 0;

    if (path == NULL || *path == '\0')
        path = "/";
    len = strlen(path);
    if (!normalize) {
        if (path[0] != '/')
            gl_buf_adds(b, "/");
        encode(b, path, len, 1);
        return 0;
    }
    /* At most one segment per '/' plus one. */
    for (size_t k = 0; k < len; k++)
        n += path[k] == '/';
    starts = calloc(n + 1, sizeof(*starts));
    lens = calloc(n + 1, sizeof(*lens));
    if (starts == NULL || lens == NULL) {
        free(starts);
        free(lens);
        return -1;
    }
    n = 0;
    while (i <= len) {
        size_t end = i;
        while (end < len && path[end] != '/')
            end++;
        if (end == i || (end - i == 1 && path[i] == '.')) {
            trailing = 1;
        } else if (end - i == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (n > 0)
                n--;
            trailing = 1;
        } else {
            starts[n] = i;
            lens[n] = end - i;
            n++;
            trailing = 0;
        }
        i = end + 1;
    }
    gl_buf_adds(b, "/");
    for (size_t k = 0; k < n; k++) {
        encode(b, path + starts[k], lens[k], 0);
        if (k + 1 < n || trailing)
            gl_buf_adds(b, "/");
    }
    free(starts);
    free(lens);
    return 0;
}

/* ---- the canonical query ---- */

typedef struct pair {
    char *name;     /* encoded */
    char *value;    /* encoded */
} pair;

static int pair_cmp(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

/* Decodes (when it was sent encoded) then encodes s[0..n) into a malloc'd
 * string. */
static char *reencode(const char *s, size_t n, int sent_encoded)
{
    char *plain = malloc(n + 1);
    gl_buf b;
    size_t plain_len;

    if (plain == NULL)
        return NULL;
    if (sent_encoded) {
        plain_len = decode(s, n, plain);
    } else {
        memcpy(plain, s, n);
        plain_len = n;
    }
    gl_buf_init(&b, GL_SIGV4_TEXT_MAX);
    gl_buf_add(&b, "", 0);
    encode(&b, plain, plain_len, 0);
    free(plain);
    return gl_buf_take(&b, NULL);
}

/* The query's pairs and the extra ones (plain, not yet encoded), sorted. */
static int canonical_query(gl_buf *b, const char *query, const gl_aws_header *extra, size_t n_extra)
{
    size_t len = query ? strlen(query) : 0, n = 0, cap = 1 + n_extra, i = 0;
    pair *pairs;
    int rc = -1;

    if (len == 0 && n_extra == 0)
        return 0;
    for (size_t k = 0; k < len; k++)
        cap += query[k] == '&';
    pairs = calloc(cap, sizeof(*pairs));
    if (pairs == NULL)
        return -1;
    while (i < len) {
        const char *start = query + i, *amp = memchr(start, '&', len - i), *eq;
        size_t piece = amp ? (size_t)(amp - start) : len - i;

        i += piece + 1;
        if (piece == 0)
            continue;
        eq = memchr(start, '=', piece);
        pairs[n].name = reencode(start, eq ? (size_t)(eq - start) : piece, 1);
        pairs[n].value = eq ? reencode(eq + 1, piece - (size_t)(eq + 1 - start), 1) : strdup("");
        n++;
        if (pairs[n - 1].name == NULL || pairs[n - 1].value == NULL)
            goto out;
    }
    for (size_t k = 0; k < n_extra; k++) {
        pairs[n].name = reencode(extra[k].name, strlen(extra[k].name), 0);
        pairs[n].value = reencode(extra[k].value, strlen(extra[k].value), 0);
        n++;
        if (pairs[n - 1].name == NULL || pairs[n - 1].value == NULL)
            goto out;
    }
    qsort(pairs, n, sizeof(*pairs), pair_cmp);
    for (size_t k = 0; k < n; k++) {
        if (k > 0)
            gl_buf_adds(b, "&");
        gl_buf_adds(b, pairs[k].name);
        gl_buf_adds(b, "=");
        gl_buf_adds(b, pairs[k].value);
    }
    rc = 0;
out:
    for (size_t k = 0; k < n; k++) {
        free(pairs[k].name);
        free(pairs[k].value);
    }
    free(pairs);
    return rc;
}

/* ---- canonical headers ---- */

typedef struct header {
    char *name;     /* lower case */
    char *value;    /* trimmed, white space runs made one space */
    size_t order;   /* position given: repeated names keep it */
} header;

static int header_cmp(const void *a, const void *b)
{
    const header *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->order < y->order ? -1 : x->order > y->order);
}

static char *header_name(const char *name)
{
    size_t start = 0, end = strlen(name);
    char *out;

    while (start < end && is_space(name[start]))
        start++;
    while (end > start && is_space(name[end - 1]))
        end--;
    out = strndup(name + start, end - start);
    for (char *p = out; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return out;
}

static char *header_value(const char *value)
{
    size_t len = strlen(value), o = 0;
    char *out = malloc(len + 1);
    int pending_space = 0;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (is_space(value[i])) {
            pending_space = o > 0;
            continue;
        }
        if (pending_space)
            out[o++] = ' ';
        pending_space = 0;
        out[o++] = value[i];
    }
    out[o] = '\0';
    return out;
}

static int add_header(header *h, size_t *n, const char *name, const char *value)
{
    h[*n].name = header_name(name);
    h[*n].value = header_value(value);
    h[*n].order = *n;
    (*n)++;
    return h[*n - 1].name && h[*n - 1].value ? 0 : -1;
}

/* Canonical header lines and the signed header list (both into bufs). */
static int canonical_headers(gl_buf *lines, gl_buf *names, const gl_aws_sigv4_request *req,
                             const gl_aws_credentials *creds, const gl_aws_sigv4_params *p, const char *content_sha256,
                             gl_error *err)
{
    static const char *const added[] = {"x-amz-date", "authorization", "x-amz-security-token",
                                        "x-amz-content-sha256", NULL};
    header *h = calloc(req->n_headers + 3, sizeof(*h));
    size_t n = 0;
    int rc = -1, has_host = 0;

    if (h == NULL)
        return gl_error_set(err, GL_ERR_NOMEM, "out of memory signing the request");
    for (size_t i = 0; i < req->n_headers; i++) {
        if (req->headers[i].name == NULL || req->headers[i].value == NULL) {
            gl_error_set(err, GL_ERR_USAGE, "SigV4: header %zu has no name or value", i + 1);
            goto out;
        }
        if (add_header(h, &n, req->headers[i].name, req->headers[i].value) != 0) {
            gl_error_set(err, GL_ERR_NOMEM, "out of memory signing the request");
            goto out;
        }
        if (h[n - 1].name[0] == '\0' || strpbrk(h[n - 1].name, ": \t\r\n") != NULL) {
            gl_error_set(err, GL_ERR_USAGE, "SigV4: \"%.100s\" is not a header name", req->headers[i].name);
            goto out;
        }
        for (size_t k = 0; added[k]; k++)
            if (strcmp(h[n - 1].name, added[k]) == 0) {
                gl_error_set(err, GL_ERR_USAGE, "SigV4: the signer adds %s itself: do not pass it", added[k]);
                goto out;
            }
        has_host |= strcmp(h[n - 1].name, "host") == 0;
    }
    if (!has_host) {
        gl_error_set(err, GL_ERR_USAGE, "SigV4: the request has no Host header");
        goto out;
    }
    /* A presigned request carries them in its query instead. */
    if (!p->presign &&
        (add_header(h, &n, "x-amz-date", p->amz_date) != 0 ||
         (creds->session_token[0] != '\0' && !p->omit_session_token &&
          add_header(h, &n, "x-amz-security-token", creds->session_token) != 0) ||
         (p->sign_body && add_header(h, &n, "x-amz-content-sha256", content_sha256) != 0))) {
        gl_error_set(err, GL_ERR_NOMEM, "out of memory signing the request");
        goto out;
    }
    qsort(h, n, sizeof(*h), header_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(h[i].name, h[i - 1].name) == 0) {
            /* A repeated name: one entry, values in the order given. */
            gl_buf_adds(lines, ",");
            gl_buf_adds(lines, h[i].value);
            continue;
        }
        if (i > 0) {
            gl_buf_adds(lines, "\n");
            gl_buf_adds(names, ";");
        }
        gl_buf_adds(lines, h[i].name);
        gl_buf_adds(lines, ":");
        gl_buf_adds(lines, h[i].value);
        gl_buf_adds(names, h[i].name);
    }
    gl_buf_adds(lines, "\n");
    rc = 0;
out:
    for (size_t i = 0; i < n; i++) {
        free(h[i].name);
        free(h[i].value);
    }
    free(h);
    return rc;
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
            encode(text, extra[i].name, strlen(extra[i].name), 0);
            gl_buf_adds(text, "=");
            encode(text, extra[i].value, strlen(extra[i].value), 0);
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

    if (canonical_headers(&lines, &names, req, creds, p, out->content_sha256, err) != 0)
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
    if (canonical_path(&canon, req->path, p->normalize_path) != 0)
        goto nomem;
    gl_buf_adds(&canon, "\n");
    if (canonical_query(&canon, req->query, extra, n_extra) != 0)
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
