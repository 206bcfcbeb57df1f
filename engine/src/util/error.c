#include "util/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

/* Formats into a scratch buffer first: an argument may be err->message
 * itself (vsnprintf into its own source is undefined behaviour). */
int gl_error_set(gl_error *err, gl_error_class error_class, const char *fmt, ...)
{
    char msg[sizeof(err->message)];
    va_list ap;

    if (err == NULL)
        return -1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    err->error_class = error_class;
    memcpy(err->message, msg, sizeof(msg));
    return -1;
}

int gl_error_nomem(gl_error *err)
{
    return gl_error_set(err, GL_ERR_NOMEM, "out of memory");
}

int gl_error_prefix(gl_error *err, const char *fmt, ...)
{
    char prefix[sizeof(err->message)];
    char msg[sizeof(err->message)];
    va_list ap;

    if (err == NULL)
        return -1;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    /* prefix, ": ", then as much of the old message as fits */
    size_t at = strlen(prefix);
    memcpy(msg, prefix, at);
    if (at + 2 < sizeof(msg)) {
        memcpy(msg + at, ": ", 2);
        at += 2;
    }
    size_t rest = strnlen(err->message, sizeof(err->message) - 1);
    if (rest > sizeof(msg) - 1 - at)
        rest = sizeof(msg) - 1 - at;
    memcpy(msg + at, err->message, rest);
    msg[at + rest] = '\0';
    memcpy(err->message, msg, sizeof(msg));
    return -1;
}

void gl_error_clear(gl_error *err)
{
    err->error_class = GL_ERR_NONE;
    err->message[0] = '\0';
}

void gl_time_rfc3339(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    char base[24];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03ldZ", base, ts.tv_nsec / 1000000L);
}

void gl_age_format(double seconds, char *buf, size_t len)
{
    long s = (long)seconds;

    if (s >= 86400 && s % 86400 / 3600 == 0)
        snprintf(buf, len, "%ldd", s / 86400);
    else if (s >= 86400)
        snprintf(buf, len, "%ldd %ldh", s / 86400, s % 86400 / 3600);
    else if (s >= 3600 && s % 3600 / 60 == 0)
        snprintf(buf, len, "%ldh", s / 3600);
    else if (s >= 3600)
        snprintf(buf, len, "%ldh %ldmin", s / 3600, s % 3600 / 60);
    else if (s >= 60)
        snprintf(buf, len, "%ldmin", s / 60);
    else
        snprintf(buf, len, "%lds", s);
}

double gl_time_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int gl_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    static const char hex[] = "0123456789abcdef";

    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return -1;
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return 0;
}
