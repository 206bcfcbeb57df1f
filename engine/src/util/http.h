/*
 * http — what every libcurl client of the engine shares (the RDS Query API
 * client, decision notifications): the answer kept in a bounded gl_buf, which
 * transfer failures are worth retrying, and the retry wait.
 */
#ifndef GL_HTTP_H
#define GL_HTTP_H

#include <curl/curl.h>

#include "util/buf.h"

/* A CURLOPT_WRITEFUNCTION appending to the gl_buf given as CURLOPT_WRITEDATA.
 * When the buffer fails (past its cap, out of memory) the transfer stops with
 * CURLE_WRITE_ERROR and the buffer's failed field says why. CURLOPT_WRITEDATA
 * set to NULL (explicitly: libcurl's default is stdout) discards the answer. */
size_t gl_http_on_data(char *ptr, size_t size, size_t nmemb, void *userdata);

/* 1 when a failed transfer may succeed if tried again (resolving,
 * connecting, timeouts, a connection that broke), else 0. */
int gl_http_retryable(CURLcode cc);

/* Sleeps a random time in [0, min(max_ms, base_ms * 2^attempt)] ("full
 * jitter") and returns the milliseconds slept. */
long gl_http_backoff(long base_ms, long max_ms, int attempt);

#endif
