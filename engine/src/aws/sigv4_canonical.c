/*
 * sigv4_canonical — the parts of SigV4's canonical request: percent-encoding,
 * the canonical URI, the canonical query and the canonical headers (see
 * sigv4_sign.h for the rules; sigv4_sign.c hashes and signs them).
 */
#include "aws/sigv4_sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/sigv4_canonical.h"
#include "util/buf.h"

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
void gl_aws_sigv4__encode(gl_buf *b, const char *s, size_t n, int keep_slash)
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

int gl_aws_sigv4__canonical_path(gl_buf *b, const char *path, int normalize)
{
    size_t len, n = 0, *starts = NULL, *lens = NULL, i = 0;
    int trailing = 0;

    if (path == NULL || *path == '\0')
        path = "/";
    len = strlen(path);
    if (!normalize) {
        if (path[0] != '/')
            gl_buf_adds(b, "/");
        gl_aws_sigv4__encode(b, path, len, 1);
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
        gl_aws_sigv4__encode(b, path + starts[k], lens[k], 0);
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
    gl_aws_sigv4__encode(&b, plain, plain_len, 0);
    free(plain);
    return gl_buf_take(&b, NULL);
}

/* The query's pairs and the extra ones (plain, not yet encoded), sorted. */
int gl_aws_sigv4__canonical_query(gl_buf *b, const char *query, const gl_aws_header *extra, size_t n_extra)
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
int gl_aws_sigv4__canonical_headers(gl_buf *lines, gl_buf *names, const gl_aws_sigv4_request *req,
                                    const gl_aws_credentials *creds, const gl_aws_sigv4_params *p,
                                    const char *content_sha256, gl_error *err)
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
