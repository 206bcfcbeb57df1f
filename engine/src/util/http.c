/*
 * http — the shared libcurl answer buffer and retry policy (see http.h).
 */
#include "util/http.h"

#include <time.h>

#include <openssl/rand.h>

size_t gl_http_on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    gl_buf *b = userdata;
    size_t n = size * nmemb;

    if (b == NULL)
        return n;
    return gl_buf_add(b, ptr, n) == GL_BUF_OK ? n : 0;
}

int gl_http_retryable(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

long gl_http_backoff(long base_ms, long max_ms, int attempt)
{
    long cap = base_ms, ms;
    unsigned int r = 0;
    struct timespec ts;

    for (int i = 0; i < attempt && cap < max_ms; i++)
        cap *= 2;
    if (cap > max_ms)
        cap = max_ms;
    if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
        r = (unsigned int)time(NULL);
    ms = (long)(r % (unsigned int)(cap + 1));
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
    return ms;
}
