/* --notify webhooks: payloads, HMAC signature, delivery with retries (notify.h). */
#include "evidence/notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/http.h"
#include "value/value.h"

#define NOTIFY_SECRET_ENV "GREENLIGHT_WEBHOOK_SECRET"
#define NOTIFY_MAX_REASONS 50
#define SLACK_MAX_REASONS 20

static int env_long(const char *name, long lo, long hi, long *out, gl_error *err)
{
    const char *s = getenv(name);
    char *end = NULL;
    long v;

    if (s == NULL || *s == '\0')
        return 0;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return gl_error_set(err, GL_ERR_USAGE, "$%s must be a whole number from %ld to %ld, not \"%.40s\"", name, lo,
                            hi, s);
    *out = v;
    return 0;
}

int gl_notify_options_load(gl_notify_options *o, gl_error *err)
{
    long attempts = 4;

    o->connect_timeout_ms = 5000;
    o->timeout_ms = 10000;
    o->base_delay_ms = 500;
    o->max_delay_ms = 8000;
    if (env_long("GREENLIGHT_NOTIFY_CONNECT_TIMEOUT_MS", 1, 600000, &o->connect_timeout_ms, err) != 0 ||
        env_long("GREENLIGHT_NOTIFY_TIMEOUT_MS", 1, 600000, &o->timeout_ms, err) != 0 ||
        env_long("GREENLIGHT_NOTIFY_ATTEMPTS", 1, 10, &attempts, err) != 0)
        return -1;
    o->max_attempts = (int)attempts;
    return 0;
}

/* The URL without a slack: prefix; *slack set when it is a Slack receiver. */
static const char *strip_prefix(const char *arg, int *slack)
{
    *slack = strncmp(arg, "slack:", 6) == 0;
    return *slack ? arg + 6 : arg;
}

/* Parses url with libcurl's URL API; NULL when it is not an absolute URL. */
static CURLU *parse(const char *url)
{
    CURLU *u = curl_url();

    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        curl_url_cleanup(u);
        u = NULL;
    }
    return u;
}

static int part_is(CURLU *u, CURLUPart part, const char *want)
{
    char *got = NULL;
    int same = curl_url_get(u, part, &got, 0) == CURLUE_OK && got != NULL && strcasecmp(got, want) == 0;

    curl_free(got);
    return same;
}

void gl_notify_describe(const char *arg, char *buf, size_t cap)
{
    int slack;
    CURLU *u = parse(strip_prefix(arg, &slack));
    char *scheme = NULL, *host = NULL, *port = NULL;

    if (u == NULL || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        snprintf(buf, cap, "(invalid URL)");
    else if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && port != NULL)
        snprintf(buf, cap, "%s%s://%s:%s", slack ? "slack:" : "", scheme, host, port);
    else
        snprintf(buf, cap, "%s%s://%s", slack ? "slack:" : "", scheme, host);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

/* Slack's own incoming webhooks, or a slack: prefix. */
static int is_slack(const char *arg, const char **url)
{
    int slack;
    CURLU *u;

    *url = strip_prefix(arg, &slack);
    if (slack)
        return 1;
    u = parse(*url);
    slack = u != NULL && part_is(u, CURLUPART_HOST, "hooks.slack.com");
    curl_url_cleanup(u);
    return slack;
}

int gl_notify_check_url(const char *arg, gl_error *err)
{
    const char *url, *secret = getenv(NOTIFY_SECRET_ENV);
    int slack = is_slack(arg, &url);
    CURLU *u = parse(url);
    char shown[300];
    int ok = u != NULL && (part_is(u, CURLUPART_SCHEME, "http") || part_is(u, CURLUPART_SCHEME, "https"));

    curl_url_cleanup(u);
    gl_notify_describe(arg, shown, sizeof(shown));
    if (!ok)
        return gl_error_set(err, GL_ERR_USAGE, "--notify %s: give an http:// or https:// URL (slack:URL for a "
                            "Slack-compatible receiver)", shown);
    if (!slack && (secret == NULL || *secret == '\0'))
        return gl_error_set(err, GL_ERR_USAGE, "--notify %s: set $%s: webhooks are signed "
                            "(X-Greenlight-Signature, HMAC-SHA256 of the body)", shown, NOTIFY_SECRET_ENV);
    return 0;
}

/* Sets key on obj; *bad sticks at 1 after a failure (val is freed). */
static void put(gl_value *obj, const char *key, gl_value *val, int *bad)
{
    if (*bad || obj == NULL || val == NULL) {
        gl_value_free(val);
        *bad = 1;
    } else if (gl_value_object_set(obj, key, val) != 0) {
        *bad = 1; /* val freed by gl_value_object_set */
    }
}

static const char *str(const gl_value *obj, const char *key, const char *fallback)
{
    const char *s = gl_value_object_string(obj, key);
    return s ? s : fallback;
}

static gl_value *copy_or_null(const gl_value *v)
{
    return v != NULL ? gl_value_copy(v) : gl_value_null();
}

static gl_value *generic_payload(const gl_value *report, const char *verb, int exit_code, int *bad)
{
    const gl_value *decision = gl_value_object_get(report, "decision");
    const gl_value *reasons = gl_value_object_get(decision, "reasons");
    const gl_value *targets = gl_value_object_get(report, "targets");
    const gl_value *change = gl_value_object_get(report, "change");
    gl_value *p = gl_value_object(), *list = gl_value_array(), *t = gl_value_object(), *c = NULL;

    if (p == NULL || list == NULL || t == NULL) {
        gl_value_free(list);
        gl_value_free(t);
        *bad = 1;
        return p;
    }
    put(p, "schema", gl_value_string("greenlight-notification/1"), bad);
    put(p, "event", gl_value_string("decision"), bad);
    put(p, "verb", gl_value_string(verb), bad);
    put(p, "decision", gl_value_string(str(decision, "action", "hold")), bad);
    put(p, "exit_code", gl_value_int(exit_code), bad);
    for (size_t i = 0; i < gl_value_len(reasons) && i < NOTIFY_MAX_REASONS && !*bad; i++) {
        const gl_value *r = gl_value_array_at(reasons, i);
        gl_value *o = gl_value_object();
        put(o, "rule", gl_value_string(str(r, "rule", "?")), bad);
        put(o, "action", gl_value_string(str(r, "action", "?")), bad);
        put(o, "message", gl_value_string(str(r, "message", "")), bad);
        put(o, "findings", gl_value_int((int64_t)gl_value_len(gl_value_object_get(r, "findings"))), bad);
        if (*bad || list == NULL) {
            gl_value_free(o);
            *bad = 1;
        } else if (gl_value_array_push(list, o) != 0) {
            *bad = 1; /* o freed by gl_value_array_push */
        }
    }
    put(p, "reasons", list, bad);
    put(p, "reasons_omitted", gl_value_int(gl_value_len(reasons) > NOTIFY_MAX_REASONS
                                               ? (int64_t)(gl_value_len(reasons) - NOTIFY_MAX_REASONS) : 0), bad);
    put(t, "blue", copy_or_null(gl_value_object_get(gl_value_object_get(targets, "blue"), "display")), bad);
    put(t, "green", copy_or_null(gl_value_object_get(gl_value_object_get(targets, "green"), "display")), bad);
    put(p, "targets", t, bad);
    if (gl_value_kind_of(change) == GL_VALUE_OBJECT) {
        c = gl_value_object();
        put(c, "id", copy_or_null(gl_value_object_get(change, "id")), bad);
        put(c, "ticket", copy_or_null(gl_value_object_get(change, "ticket")), bad);
    }
    put(p, "change", c ? c : gl_value_null(), bad);
    put(p, "summary", copy_or_null(gl_value_object_get(report, "summary")), bad);
    put(p, "run_id", copy_or_null(gl_value_object_get(report, "run_id")), bad);
    put(p, "started_at", copy_or_null(gl_value_object_get(report, "started_at")), bad);
    put(p, "finished_at", copy_or_null(gl_value_object_get(report, "finished_at")), bad);
    put(p, "greenlight_version", gl_value_string(GL_VERSION), bad);
    put(p, "policy_sha256", copy_or_null(gl_value_object_get(gl_value_object_get(report, "policy"), "sha256")), bad);
    return p;
}

/* Slack's message text escaping (& < >), so no text can mention or link. */
static void slack_text(FILE *f, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '&')
            fputs("&amp;", f);
        else if (*p == '<')
            fputs("&lt;", f);
        else if (*p == '>')
            fputs("&gt;", f);
        else
            fputc(*p, f);
    }
}

static gl_value *slack_payload(const gl_value *report, int exit_code, int *bad)
{
    const gl_value *decision = gl_value_object_get(report, "decision");
    const gl_value *reasons = gl_value_object_get(decision, "reasons");
    const gl_value *targets = gl_value_object_get(report, "targets");
    const char *change_id = gl_value_object_string(gl_value_object_get(report, "change"), "id");
    gl_value *p = gl_value_object();
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (f == NULL) {
        *bad = 1;
        gl_value_free(p);
        return NULL;
    }
    fputs("greenlight: *", f);
    slack_text(f, str(decision, "action", "hold"));
    fprintf(f, "* (exit %d) — blue ", exit_code);
    slack_text(f, str(gl_value_object_get(targets, "blue"), "display", "?"));
    fputs(" → green ", f);
    slack_text(f, str(gl_value_object_get(targets, "green"), "display", "?"));
    if (change_id != NULL) {
        fputs(" · change ", f);
        slack_text(f, change_id);
    }
    for (size_t i = 0; i < gl_value_len(reasons) && i < SLACK_MAX_REASONS; i++) {
        const gl_value *r = gl_value_array_at(reasons, i);
        fputs("\n• ", f);
        slack_text(f, str(r, "action", "?"));
        fputs(" (", f);
        slack_text(f, str(r, "rule", "?"));
        fputs("): ", f);
        slack_text(f, str(r, "message", ""));
    }
    if (gl_value_len(reasons) > SLACK_MAX_REASONS)
        fprintf(f, "\n… %zu more reasons", gl_value_len(reasons) - SLACK_MAX_REASONS);
    if (fclose(f) != 0 || text == NULL)
        *bad = 1;
    put(p, "text", gl_value_string(text ? text : ""), bad);
    free(text);
    return p;
}

char *gl_notify_payload(const gl_value *report, const char *verb, int exit_code, int slack, size_t *out_len)
{
    int bad = 0;
    gl_value *p = slack ? slack_payload(report, exit_code, &bad) : generic_payload(report, verb, exit_code, &bad);
    char *body = bad ? NULL : gl_json_write(p, 0, out_len);

    gl_value_free(p);
    return body;
}

/* "sha256=" and the lowercase hex HMAC-SHA256 of body under secret. */
static int signature(const char *secret, const char *body, size_t len, char out[7 + 64 + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;

    if (HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, md, &md_len) == NULL ||
        md_len != 32)
        return -1;
    memcpy(out, "sha256=", 7);
    for (unsigned int i = 0; i < md_len; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* The request's headers; with NOTIFY_SECRET_ENV set, the body's signature. */
static int make_headers(const char *body, size_t len, const char *shown, struct curl_slist **headers, gl_error *err)
{
    const char *secret = getenv(NOTIFY_SECRET_ENV);
    char sig[7 + 64 + 1], line[40 + sizeof(sig)];

    *headers = curl_slist_append(NULL, "Content-Type: application/json");
    *headers = *headers ? curl_slist_append(*headers, "X-Greenlight-Event: decision") : NULL;
    if (*headers != NULL && secret != NULL && *secret != '\0') {
        if (signature(secret, body, len, sig) != 0)
            return gl_error_set(err, GL_ERR_INTERNAL, "notify %s: cannot compute the HMAC signature", shown);
        snprintf(line, sizeof(line), "X-Greenlight-Signature: %s", sig);
        *headers = curl_slist_append(*headers, line);
    }
    if (*headers == NULL)
        return gl_error_set(err, GL_ERR_NOMEM, "notify %s: out of memory", shown);
    return 0;
}

int gl_notify_send(const char *arg, const gl_value *report, const char *verb, int exit_code,
                   const gl_notify_options *o, gl_error *err)
{
    const char *url;
    int slack = is_slack(arg, &url), rc = -1;
    struct curl_slist *headers = NULL;
    char shown[300], why[CURL_ERROR_SIZE + 64] = "", curl_err[CURL_ERROR_SIZE];
    size_t len = 0;
    char *body = gl_notify_payload(report, verb, exit_code, slack, &len);
    CURL *curl = curl_easy_init();

    gl_notify_describe(arg, shown, sizeof(shown));
    if (body == NULL || curl == NULL) {
        gl_error_set(err, GL_ERR_NOMEM, "notify %s: out of memory", shown);
        goto out;
    }
    if (make_headers(body, len, shown, &headers, err) != 0)
        goto out;
    for (int attempt = 0; attempt < o->max_attempts; attempt++) {
        CURLcode cc;
        long status = 0;

        curl_easy_reset(curl);
        curl_err[0] = '\0';
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, gl_http_on_data);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, NULL); /* the answer is discarded */
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, o->timeout_ms);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_USERAGENT, "greenlight/" GL_VERSION);
        cc = curl_easy_perform(curl);
        if (cc == CURLE_OK) {
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
            if (status >= 200 && status < 300) {
                rc = 0;
                goto out;
            }
            snprintf(why, sizeof(why), "HTTP %ld", status);
            if (status != 429 && status < 500)
                break;
        } else {
            /* libcurl's messages name the host and port, never the path. */
            snprintf(why, sizeof(why), "%s", curl_err[0] ? curl_err : curl_easy_strerror(cc));
            if (!gl_http_retryable(cc))
                break;
        }
        if (attempt + 1 < o->max_attempts) {
            fprintf(stderr, "notify: %s attempt %d of %d failed (%s); retrying", shown, attempt + 1,
                    o->max_attempts, why);
            fprintf(stderr, " after %ld ms\n", gl_http_backoff(o->base_delay_ms, o->max_delay_ms, attempt));
        } else {
            gl_error_set(err, GL_ERR_UNAVAILABLE, "notify %s failed after %d attempts: %s", shown,
                         o->max_attempts, why);
            goto out;
        }
    }
    gl_error_set(err, GL_ERR_UNAVAILABLE, "notify %s failed: %s (not retried)", shown, why);
out:
    curl_slist_free_all(headers);
    if (curl != NULL)
        curl_easy_cleanup(curl);
    free(body);
    return rc;
}
