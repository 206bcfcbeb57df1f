/*
 * target_secrets — keeping a target's secrets out of what greenlight prints:
 * the redacted conninfo, scrubbing a password from a message (also from a
 * spec libpq could not parse), and finding the password to scrub.
 */
#include "collect/target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/target_secrets.h"
#include "util/buf.h"

/* Conninfo keywords whose values are secret or point at secret material. */
static int is_secret_keyword(const char *kw)
{
    return strcmp(kw, "password") == 0 || strcmp(kw, "sslpassword") == 0;
}

char *gl_conninfo_redact(const char *spec)
{
    PQconninfoOption *opts = NULL, *o;
    char *errmsg = NULL;
    gl_buf b;
    char *text;

    opts = PQconninfoParse(spec ? spec : "", &errmsg);
    if (opts == NULL) {
        PQfreemem(errmsg);
        return strdup("(unparseable conninfo)");
    }
    /* A failed buffer stays failed: one check at the end. */
    gl_buf_init(&b, 0);
    for (o = opts; o->keyword != NULL; o++) {
        if (o->val == NULL || o->val[0] == '\0')
            continue;
        if (b.len > 0)
            gl_buf_adds(&b, " ");
        gl_buf_adds(&b, o->keyword);
        gl_buf_adds(&b, "=");
        if (is_secret_keyword(o->keyword)) {
            gl_buf_adds(&b, "********");
            continue;
        }
        /* Quote values with spaces/quotes as conninfo syntax requires. */
        int quote = strpbrk(o->val, " '\\") != NULL;
        if (quote)
            gl_buf_adds(&b, "'");
        for (const char *c = o->val; *c; c++) {
            if (*c == '\'' || *c == '\\')
                gl_buf_adds(&b, "\\");
            gl_buf_add(&b, c, 1);
        }
        if (quote)
            gl_buf_adds(&b, "'");
    }
    PQconninfoFree(opts);
    text = gl_buf_take(&b, NULL);
    gl_buf_free(&b);
    return text;
}

void gl_scrub_secret(char *text, size_t cap, const char *secret)
{
    size_t slen;
    char *p;

    if (text == NULL || secret == NULL || secret[0] == '\0')
        return;
    slen = strlen(secret);
    while ((p = strstr(text, secret)) != NULL) {
        static const char mask[] = "********";
        size_t tail = strlen(p + slen);
        size_t mlen = sizeof(mask) - 1;
        size_t used = (size_t)(p - text);
        if (used + mlen + tail + 1 > cap)
            tail = cap - used - mlen - 1;
        memmove(p + mlen, p + slen, tail);
        memcpy(p, mask, mlen);
        p[mlen + tail] = '\0';
    }
}

/* Scrubs text[start, end) of spec (and its %-decoded form) from msg. */
static void scrub_span(char *msg, size_t cap, const char *start, const char *end)
{
    char raw[1024], decoded[1024];
    size_t n = (size_t)(end - start), o = 0;

    if (end <= start || n >= sizeof(raw))
        return;
    memcpy(raw, start, n);
    raw[n] = '\0';
    gl_scrub_secret(msg, cap, raw);
    for (size_t i = 0; i < n; i++) {
        unsigned hi, lo;
        if (raw[i] == '%' && i + 2 < n + 1 && sscanf(raw + i + 1, "%1x%1x", &hi, &lo) == 2) {
            decoded[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            decoded[o++] = raw[i];
        }
    }
    decoded[o] = '\0';
    if (o > 0)
        gl_scrub_secret(msg, cap, decoded);
}

/* A spec libpq could not parse may still hold a password, and libpq's error
 * quotes parts of it. Without trusting the parser, scrub every span that
 * could be one: a URI's userinfo after the first ':' (up to the first and to
 * the last '@' of the authority), and the values of password= and
 * sslpassword= (quoted or not). */
void gl_target__scrub_unparsed_secrets(char *msg, size_t cap, const char *spec)
{
    const char *scheme = strstr(spec, "://");
    static const char *const keys[] = {"password", "sslpassword"};

    if (scheme != NULL) {
        const char *auth = scheme + 3, *stop = auth, *colon, *first_at, *last_at = NULL;
        while (*stop && *stop != '/' && *stop != '?')
            stop++;
        first_at = memchr(auth, '@', (size_t)(stop - auth));
        for (const char *p = auth; p < stop; p++)
            if (*p == '@')
                last_at = p;
        colon = memchr(auth, ':', (size_t)(stop - auth));
        if (colon != NULL && first_at != NULL && colon < first_at)
            scrub_span(msg, cap, colon + 1, first_at);
        if (colon != NULL && last_at != NULL && colon < last_at)
            scrub_span(msg, cap, colon + 1, last_at);
        /* password=... in the query string */
    }
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        for (const char *p = strstr(spec, keys[k]); p != NULL; p = strstr(p + 1, keys[k])) {
            const char *v = p + strlen(keys[k]), *e;
            while (*v == ' ')
                v++;
            if (*v != '=')
                continue;
            v++;
            while (*v == ' ')
                v++;
            if (*v == '\'') {
                v++;
                for (e = v; *e && *e != '\''; e++)
                    if (*e == '\\' && e[1])
                        e++;
            } else {
                for (e = v; *e && *e != ' ' && *e != '&'; e++)
                    ;
            }
            scrub_span(msg, cap, v, e);
        }
    }
}

char *gl_target__password_of(PGconn *conn, const char *spec)
{
    PQconninfoOption *opts = NULL, *o;
    char *pw = NULL;

    if (conn) {
        const char *p = PQpass(conn);
        if (p && p[0])
            return strdup(p);
    }
    opts = PQconninfoParse(spec, NULL);
    if (opts == NULL)
        return NULL;
    for (o = opts; o->keyword != NULL; o++)
        if (strcmp(o->keyword, "password") == 0 && o->val && o->val[0])
            pw = strdup(o->val);
    PQconninfoFree(opts);
    return pw;
}
