/*
 * Result digests. Each row is encoded unambiguously (per column: 0x00 for
 * NULL, or 0x01 + 8-byte big-endian length + the text) and hashed with
 * SHA-256. The result digest is SHA-256 over the row count and the row hashes
 * in result order when the query has a top-level ORDER BY, sorted otherwise:
 * the same rows in any order give the same digest.
 *
 * Alongside, a few rows are kept for the finding: the first ones in result
 * order (ordered queries) or the smallest ones column by column (unordered),
 * so both sides keep comparable rows and the first difference can be shown.
 */
#include "qr.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

/* 10 million rows (320 MB of hashes) is far beyond a workload query. */
#define MAX_ROWS 10000000u

void query_regression_digest_init(query_regression_digest *d, int ordered)
{
    memset(d, 0, sizeof(*d));
    d->ordered = ordered;
}

static void row_free(query_regression_row *r)
{
    for (int i = 0; r->values && i < r->ncols; i++)
        free(r->values[i]);
    free(r->values);
    r->values = NULL;
    r->ncols = 0;
}

void query_regression_digest_free(query_regression_digest *d)
{
    free(d->hashes);
    d->hashes = NULL;
    for (size_t i = 0; i < d->nsample; i++)
        row_free(&d->sample[i]);
    d->nsample = 0;
}

/* Column-by-column order: NULL first, then bytewise; fewer columns first. */
static int row_cmp(int ncols, const char *const *values, const int *is_null, const query_regression_row *r)
{
    for (int i = 0; i < ncols && i < r->ncols; i++) {
        const char *a = is_null[i] ? NULL : values[i], *b = r->values[i];
        int c;
        if (a == NULL || b == NULL) {
            c = (a != NULL) - (b != NULL);
        } else {
            c = strcmp(a, b);
        }
        if (c != 0)
            return c;
    }
    return (ncols > r->ncols) - (ncols < r->ncols);
}

static int row_copy(query_regression_row *r, int ncols, const char *const *values, const int *is_null)
{
    r->values = calloc((size_t)ncols + 1, sizeof(char *));
    if (r->values == NULL)
        return -1;
    r->ncols = ncols;
    for (int i = 0; i < ncols; i++) {
        if (is_null[i])
            continue;
        r->values[i] = strdup(values[i]);
        if (r->values[i] == NULL) {
            row_free(r);
            return -1;
        }
    }
    return 0;
}

static int keep_sample(query_regression_digest *d, int ncols, const char *const *values, const int *is_null)
{
    size_t pos;
    query_regression_row row;

    if (d->ordered) {
        if (d->nsample >= GL_QR_SAMPLE_ROWS)
            return 0;
        pos = d->nsample;
    } else {
        /* Insertion into the GL_QR_SAMPLE_ROWS smallest rows. */
        pos = d->nsample;
        while (pos > 0 && row_cmp(ncols, values, is_null, &d->sample[pos - 1]) < 0)
            pos--;
        if (pos >= GL_QR_SAMPLE_ROWS)
            return 0;
    }
    if (row_copy(&row, ncols, values, is_null) != 0)
        return -1;
    if (d->nsample == GL_QR_SAMPLE_ROWS) {
        row_free(&d->sample[GL_QR_SAMPLE_ROWS - 1]);
        d->nsample--;
    }
    memmove(&d->sample[pos + 1], &d->sample[pos], (d->nsample - pos) * sizeof(query_regression_row));
    d->sample[pos] = row;
    d->nsample++;
    return 0;
}

int query_regression_digest_add(query_regression_digest *d, int ncols, const char *const *values,
                                const int *is_null)
{
    EVP_MD_CTX *md = NULL;
    unsigned int outlen = 0;
    int rc = -1;

    if (d->failed)
        return -1;
    if (d->nrows >= MAX_ROWS)
        goto out;
    if (d->nrows == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        unsigned char *p = realloc(d->hashes, cap * 32);
        if (p == NULL)
            goto out;
        d->hashes = p;
        d->cap = cap;
    }
    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
        goto out;
    for (int i = 0; i < ncols; i++) {
        unsigned char hdr[9];
        if (is_null[i]) {
            hdr[0] = 0;
            if (EVP_DigestUpdate(md, hdr, 1) != 1)
                goto out;
            continue;
        }
        uint64_t len = strlen(values[i]);
        hdr[0] = 1;
        for (int b = 0; b < 8; b++)
            hdr[1 + b] = (unsigned char)(len >> (56 - 8 * b));
        if (EVP_DigestUpdate(md, hdr, sizeof(hdr)) != 1 ||
            EVP_DigestUpdate(md, values[i], (size_t)len) != 1)
            goto out;
    }
    if (EVP_DigestFinal_ex(md, d->hashes + d->nrows * 32, &outlen) != 1 || outlen != 32)
        goto out;
    if (keep_sample(d, ncols, values, is_null) != 0)
        goto out;
    d->nrows++;
    rc = 0;
out:
    EVP_MD_CTX_free(md);
    if (rc != 0)
        d->failed = 1;
    return rc;
}

static int cmp_hash(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

int query_regression_digest_finish(query_regression_digest *d, char hex[65])
{
    unsigned char out[32], count[8];
    unsigned int outlen = 0;
    EVP_MD_CTX *md = NULL;
    int rc = -1;

    if (d->failed)
        return -1;
    if (!d->ordered && d->nrows > 1)
        qsort(d->hashes, d->nrows, 32, cmp_hash);
    for (int b = 0; b < 8; b++)
        count[b] = (unsigned char)((uint64_t)d->nrows >> (56 - 8 * b));
    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(md, count, sizeof(count)) != 1 ||
        (d->nrows > 0 && EVP_DigestUpdate(md, d->hashes, d->nrows * 32) != 1) ||
        EVP_DigestFinal_ex(md, out, &outlen) != 1 || outlen != 32)
        goto out;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", out[i]);
    rc = 0;
out:
    EVP_MD_CTX_free(md);
    return rc;
}
