/*
 * notify — `--notify URL` webhooks sent after a decision (share/doc/evidence.md).
 *
 * A JSON payload (greenlight-notification/1: decision, exit code, reasons,
 * redacted targets, change id and ticket, counts) POSTed with libcurl, signed
 * with `X-Greenlight-Signature: sha256=<hex HMAC-SHA256 of the body>` keyed by
 * $GREENLIGHT_WEBHOOK_SECRET. A Slack URL (host hooks.slack.com, or any URL
 * given as `slack:URL` for Slack-compatible receivers) gets a Slack message
 * payload instead. Connect and total timeouts; retries with exponential
 * backoff and full jitter on network errors, HTTP 429 and 5xx; no redirects.
 *
 * Notifying never changes the decision: failures are returned for the caller
 * to report. URLs are only ever shown as scheme://host:port (paths and user
 * info of webhook URLs are often secrets).
 */
#ifndef GL_EVIDENCE_NOTIFY_H
#define GL_EVIDENCE_NOTIFY_H

#include <stddef.h>

#include "util/error.h"
#include "greenlight/plugin.h"

#define GL_NOTIFY_MAX_URLS 16

typedef struct gl_notify_options {
    long connect_timeout_ms;     /* default 5000 ($GREENLIGHT_NOTIFY_CONNECT_TIMEOUT_MS) */
    long timeout_ms;             /* per attempt, default 10000 ($GREENLIGHT_NOTIFY_TIMEOUT_MS) */
    int max_attempts;            /* default 4 ($GREENLIGHT_NOTIFY_ATTEMPTS, 1..10) */
    long base_delay_ms;          /* first backoff cap, default 500 */
    long max_delay_ms;           /* default 8000 */
} gl_notify_options;

/* Defaults, then the environment overrides; a bad value is a usage error
 * naming the variable. */
int gl_notify_options_load(gl_notify_options *o, gl_error *err);

/* Checks a --notify argument: http(s) URL (optionally prefixed slack:), and
 * for a non-Slack URL that $GREENLIGHT_WEBHOOK_SECRET is set. Usage errors
 * show the URL as scheme://host:port only. */
int gl_notify_check_url(const char *arg, gl_error *err);

/* scheme://host[:port] of a --notify argument, into buf ("(invalid URL)"). */
void gl_notify_describe(const char *arg, char *buf, size_t cap);

/* The JSON body for a URL (Slack or generic) from the report; malloc'd. */
char *gl_notify_payload(const gl_value *report, const char *verb, int exit_code, int slack, size_t *out_len);

/* Sends one notification; 0 when the receiver answered 2xx. On failure err
 * says why (attempts, last HTTP status or network error), never the URL path. */
int gl_notify_send(const char *arg, const gl_value *report, const char *verb, int exit_code,
                   const gl_notify_options *o, gl_error *err);

#endif
