/*
 * rds — the RDS Query API client (see rds.h): requests, retries, AWS errors.
 */
#include "aws/rds.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"
#include "util/http.h"

#define GL_RDS_API_VERSION "2014-10-31"
#define GL_RDS_ANSWER_MAX (16u * 1024u * 1024u)
#define GL_RDS_BODY_MAX 16384
#define GL_RDS_PAGE 100

typedef struct gl_rds_param {
    const char *name;
    const char *value;
} gl_rds_param;

static long env_long(const char *name, long def, long lo, long hi)
{
    const char *v = getenv(name);
    char *end;
    long x;

    if (v == NULL || *v == '\0')
        return def;
    x = strtol(v, &end, 10);
    return (*end == '\0' && x >= lo && x <= hi) ? x : -1;
}

int gl_rds_client_init(gl_rds_client *c, const char *region, const char *endpoint_url, gl_error *err)
{
    memset(c, 0, sizeof(*c));
    if (gl_aws_region_resolve(region, c->region, sizeof(c->region), err) != 0)
        return -1;
    if (endpoint_url != NULL) {
        if ((strncmp(endpoint_url, "https://", 8) != 0 && strncmp(endpoint_url, "http://", 7) != 0) ||
            strlen(endpoint_url) >= sizeof(c->endpoint) || strpbrk(endpoint_url, " \t\r\n?#") != NULL)
            return gl_error_set(err, GL_ERR_USAGE,
                                "--endpoint-url \"%.200s\" is not an http:// or https:// URL without query", endpoint_url);
        snprintf(c->endpoint, sizeof(c->endpoint), "%s", endpoint_url);
    } else {
        snprintf(c->endpoint, sizeof(c->endpoint), "https://rds.%s.amazonaws.com%s", c->region,
                 strncmp(c->region, "cn-", 3) == 0 ? ".cn" : "");
    }
    c->max_attempts = (int)env_long("AWS_MAX_ATTEMPTS", 5, 1, 20);
    c->connect_timeout_ms = env_long("GREENLIGHT_AWS_CONNECT_TIMEOUT_MS", 10000, 100, 600000);
    c->timeout_ms = env_long("GREENLIGHT_AWS_TIMEOUT_MS", 30000, 100, 3600000);
    if (c->max_attempts < 0)
        return gl_error_set(err, GL_ERR_USAGE, "AWS_MAX_ATTEMPTS must be a number from 1 to 20");
    if (c->connect_timeout_ms < 0 || c->timeout_ms < 0)
        return gl_error_set(err, GL_ERR_USAGE,
                            "GREENLIGHT_AWS_CONNECT_TIMEOUT_MS / GREENLIGHT_AWS_TIMEOUT_MS take milliseconds (100 to 600000 / 3600000)");
    c->base_delay_ms = env_long("GREENLIGHT_AWS_RETRY_BASE_MS", 500, 1, 60000);
    c->max_delay_ms = 20000;
    if (gl_aws_signer_choose(&c->signer, err) != 0)
        return -1;
    if (c->base_delay_ms < 0)
        return gl_error_set(err, GL_ERR_USAGE, "GREENLIGHT_AWS_RETRY_BASE_MS takes milliseconds (1 to 60000)");
    return gl_aws_credentials_load(&c->creds, err);
}

void gl_rds_client_clear(gl_rds_client *c)
{
    gl_aws_credentials_clear(&c->creds);
}

/* ---- AWS errors: one message each, with what to do ---- */

static int is_throttling(const char *code)
{
    static const char *const codes[] = {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "RequestThrottled",
        "TooManyRequestsException", "RequestLimitExceeded", "ProvisionedThroughputExceededException",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException", NULL,
    };
    for (size_t i = 0; codes[i]; i++)
        if (strcmp(code, codes[i]) == 0)
            return 1;
    return 0;
}

/* The RDS model's codes name some faults with a "Fault" suffix and some
 * without (DBInstanceNotFound, DBClusterNotFoundFault): match either. */
static int code_is(const char *code, const char *base)
{
    size_t n = strlen(base);
    return strncmp(code, base, n) == 0 && (code[n] == '\0' || strcmp(code + n, "Fault") == 0);
}

/* Refusals for want of permission or valid credentials: GL_ERR_AUTH. */
static int is_auth_failure(const char *code)
{
    static const char *const auth[] = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                                       "SignatureDoesNotMatch", "IncompleteSignature",
                                       "InvalidSignatureException", "InvalidClientTokenId",
                                       "UnrecognizedClientException", "ExpiredToken", "ExpiredTokenException",
                                       "RequestExpired", "MissingAuthenticationToken"};

    for (size_t i = 0; i < sizeof(auth) / sizeof(auth[0]); i++)
        if (code_is(code, auth[i]))
            return 1;
    return 0;
}

static void describe_aws_error(const gl_rds_client *c, const char *action, const char *subject, const char *code,
                               const char *message, long status, gl_error *err)
{
    const char *hint;
    char buf[4096];

    if (code_is(code, "BlueGreenDeploymentNotFound"))
        snprintf(buf, sizeof(buf), "no blue/green deployment \"%s\" in %s: check --deployment and --region",
                 subject, c->region);
    else if (code_is(code, "InvalidBlueGreenDeploymentState"))
        snprintf(buf, sizeof(buf),
                 "the blue/green deployment \"%s\" is not in a state that allows %s: see `greenlight rds status --deployment %s`",
                 subject, action, subject);
    else if (code_is(code, "BlueGreenDeploymentAlreadyExists"))
        snprintf(buf, sizeof(buf), "a blue/green deployment with that name already exists in %s: choose another --name",
                 c->region);
    else if (code_is(code, "DBClusterNotFound") || code_is(code, "DBInstanceNotFound") ||
             code_is(code, "SourceNotFound"))
        snprintf(buf, sizeof(buf), "the database \"%s\" does not exist in %s: check the ARN and --region", subject,
                 c->region);
    else if (code_is(code, "SourceDatabaseNotSupported") || code_is(code, "SourceClusterNotSupported"))
        snprintf(buf, sizeof(buf),
                 "\"%s\" cannot be the source of a blue/green deployment (engine, version or configuration not supported): see the RDS blue/green limitations",
                 subject);
    else if (code_is(code, "DBParameterGroupNotFound") ||
             code_is(code, "DBClusterParameterGroupNotFound"))
        snprintf(buf, sizeof(buf), "the --target-parameter-group does not exist in %s for that engine version: create it first",
                 c->region);
    else if (code_is(code, "InstanceQuotaExceeded") || code_is(code, "DBClusterQuotaExceeded"))
        snprintf(buf, sizeof(buf), "the account's RDS quota is reached in %s: delete unused databases or raise the quota",
                 c->region);
    else if (code_is(code, "InvalidDBInstanceState") || code_is(code, "InvalidDBClusterState"))
        snprintf(buf, sizeof(buf), "the source database is not available (it must be in state available): wait and retry");
    else if (code_is(code, "AccessDenied") || code_is(code, "AccessDeniedException") ||
             code_is(code, "UnauthorizedOperation"))
        snprintf(buf, sizeof(buf),
                 "access denied: the credentials (access key %s, from %s) may not call rds:%s; grant it (share/doc/rds.md lists the IAM actions)",
                 c->creds.access_key_id, c->creds.source, action);
    else if (code_is(code, "SignatureDoesNotMatch") && strstr(message, "scoped") != NULL)
        snprintf(buf, sizeof(buf),
                 "AWS refused the request: it was signed for region %s, which the endpoint %s does not serve: check --region (or AWS_REGION) against --endpoint-url",
                 c->region, c->endpoint);
    else if (code_is(code, "SignatureDoesNotMatch") || code_is(code, "IncompleteSignature") ||
             code_is(code, "InvalidSignatureException"))
        snprintf(buf, sizeof(buf),
                 "AWS refused the request signature: the secret key does not belong to access key %s (from %s), or the clock is wrong",
                 c->creds.access_key_id, c->creds.source);
    else if (code_is(code, "InvalidClientTokenId") || code_is(code, "UnrecognizedClientException"))
        snprintf(buf, sizeof(buf), "AWS does not know the access key %s (from %s): check the credentials",
                 c->creds.access_key_id, c->creds.source);
    else if (code_is(code, "ExpiredToken") || code_is(code, "ExpiredTokenException") ||
             code_is(code, "RequestExpired"))
        snprintf(buf, sizeof(buf), "the AWS credentials (from %s) have expired, or the clock is wrong: refresh them",
                 c->creds.source);
    else if (code_is(code, "MissingAuthenticationToken"))
        snprintf(buf, sizeof(buf), "the endpoint %s wants signed requests greenlight did not recognise: check --endpoint-url",
                 c->endpoint);
    else if (code_is(code, "InvalidParameterValue") || code_is(code, "InvalidParameterCombination") ||
             code_is(code, "MissingParameter") || code_is(code, "ValidationError"))
        snprintf(buf, sizeof(buf), "RDS refused a parameter of %s: fix the option it names", action);
    else if (is_throttling(code))
        snprintf(buf, sizeof(buf), "the RDS API kept throttling %s after %d attempts: wait and retry (AWS_MAX_ATTEMPTS raises the limit)",
                 action, c->max_attempts);
    else if (status >= 500)
        snprintf(buf, sizeof(buf), "the RDS API kept failing (HTTP %ld) after %d attempts: retry later", status,
                 c->max_attempts);
    else
        snprintf(buf, sizeof(buf), "RDS refused %s", action);
    hint = buf;
    gl_error_set(err, (is_throttling(code) || status >= 500) ? GL_ERR_UNAVAILABLE
                      : is_auth_failure(code)                ? GL_ERR_AUTH
                                                             : GL_ERR_USAGE,
                 "%s (%s%s%.300s)", hint, code[0] ? code : "no error code", message[0] ? ": " : "", message);
}

/* ---- one call, with retries ---- */

/* Appends "&name=value" (form-encoded) to body. */
static int form_append(CURL *curl, char *body, size_t cap, const char *name, const char *value, gl_error *err)
{
    char *n = curl_easy_escape(curl, name, 0), *v = curl_easy_escape(curl, value, 0);
    size_t len = strlen(body);
    int w = -1;

    if (n && v)
        w = snprintf(body + len, cap - len, "%s%s=%s", len ? "&" : "", n, v);
    curl_free(n);
    curl_free(v);
    if (w < 0 || (size_t)w >= cap - len)
        return gl_error_set(err, GL_ERR_TOO_LARGE, "the RDS request is too large (parameter %s)", name);
    return 0;
}

/* Signs and sends body once; 0 with the transfer's outcome in *cc and the
 * answer in answer, or -1 when the request could not be made. */
static int send_once(gl_rds_client *c, CURL *curl, const char *body, struct curl_slist **headers, gl_buf *answer,
                     char curl_err[CURL_ERROR_SIZE], CURLcode *cc, gl_error *err)
{
    curl_easy_reset(curl);
    curl_slist_free_all(*headers);
    *headers = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded; charset=utf-8");
    if (*headers == NULL)
        return gl_error_nomem(err);
    /* Signed again on every attempt: a retry gets a fresh X-Amz-Date. */
    if (c->signer == GL_AWS_SIGNER_OPENSSL
            ? gl_aws_sigv4_apply_openssl(&c->creds, c->region, "rds", "POST", c->endpoint, body, strlen(body),
                                         headers, err) != 0
            : gl_aws_sigv4_apply(curl, &c->creds, c->region, "rds", headers, err) != 0)
        return -1;
    gl_buf_free(answer);
    gl_buf_init(answer, GL_RDS_ANSWER_MAX);
    curl_err[0] = '\0';
    curl_easy_setopt(curl, CURLOPT_URL, c->endpoint);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, *headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, gl_http_on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, answer);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "greenlight/" GL_VERSION);
    c->attempts_made++;
    *cc = curl_easy_perform(curl);
    return 0;
}

/* A transfer that failed: 0 with why filled when another attempt may
 * succeed, or -1 with err set when the call ends here (last: no attempt left). */
static int transfer_failed(const gl_rds_client *c, const char *action, CURLcode cc, const gl_buf *answer,
                           const char *curl_err, int last, char *why, size_t why_len, gl_error *err)
{
    if (answer->failed == GL_BUF_TOO_LARGE)
        return gl_error_set(err, GL_ERR_UNAVAILABLE, "the RDS answer to %s is larger than %u bytes", action,
                            GL_RDS_ANSWER_MAX);
    if (answer->failed == GL_BUF_NOMEM)
        return gl_error_nomem(err);
    if (!gl_http_retryable(cc))
        return gl_error_set(err, GL_ERR_UNAVAILABLE, "cannot call RDS %s at %s: %s", action, c->endpoint,
                            curl_err[0] ? curl_err : curl_easy_strerror(cc));
    snprintf(why, why_len, "%s", curl_err[0] ? curl_err : curl_easy_strerror(cc));
    if (last)
        return gl_error_set(err, GL_ERR_UNAVAILABLE, "cannot reach the RDS API at %s after %d attempts (%s): check --endpoint-url, the network and --region",
                            c->endpoint, c->max_attempts, why);
    return 0;
}

/* An HTTP answer other than 200: 0 with why filled when it is worth another
 * attempt (throttling, 5xx), or -1 with err set when the call ends here. */
static int refused(const gl_rds_client *c, const char *action, const char *subject, long status,
                   const gl_buf *answer, int last, char *why, size_t why_len, gl_error *err)
{
    char code[128] = "", message[1024] = "";

    gl_rds_xml_error(answer->data ? answer->data : "", answer->len, code, sizeof(code), message, sizeof(message));
    if (!is_throttling(code) && status < 500) {
        if (code[0] == '\0')
            return gl_error_set(err, GL_ERR_UNAVAILABLE,
                                "RDS %s answered HTTP %ld without an AWS error: check --endpoint-url (%s)", action,
                                status, c->endpoint);
        describe_aws_error(c, action, subject, code, message, status, err);
        return -1;
    }
    snprintf(why, why_len, "%s HTTP %ld", code[0] ? code : "error", status);
    if (last) {
        describe_aws_error(c, action, subject, code, message, status, err);
        return -1;
    }
    return 0;
}

/*
 * Calls action with params; on HTTP 200 returns 0 with the answer in *out
 * (caller frees). subject names the deployment/ARN in error messages.
 */
static int rds_call(gl_rds_client *c, const char *action, const gl_rds_param *params, size_t n_params,
                    const char *subject, char **out, size_t *out_len, gl_error *err)
{
    char body[GL_RDS_BODY_MAX] = "";
    char curl_err[CURL_ERROR_SIZE];
    struct curl_slist *headers = NULL;
    CURL *curl = curl_easy_init();
    gl_buf answer;
    int rc = -1;

    *out = NULL;
    c->attempts_made = 0;
    gl_buf_init(&answer, GL_RDS_ANSWER_MAX);
    if (curl == NULL)
        return gl_error_set(err, GL_ERR_INTERNAL, "cannot start libcurl");
    if (form_append(curl, body, sizeof(body), "Action", action, err) != 0 ||
        form_append(curl, body, sizeof(body), "Version", GL_RDS_API_VERSION, err) != 0)
        goto out;
    for (size_t i = 0; i < n_params; i++)
        if (params[i].value != NULL && form_append(curl, body, sizeof(body), params[i].name, params[i].value, err) != 0)
            goto out;
    for (int attempt = 0; attempt < c->max_attempts; attempt++) {
        int last = attempt + 1 == c->max_attempts;
        long status = 0;
        char why[256];
        CURLcode cc;

        if (send_once(c, curl, body, &headers, &answer, curl_err, &cc, err) != 0)
            goto out;
        if (cc != CURLE_OK) {
            if (transfer_failed(c, action, cc, &answer, curl_err, last, why, sizeof(why), err) != 0)
                goto out;
        } else {
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
            if (status == 200) {
                *out = gl_buf_take(&answer, out_len);
                rc = *out ? 0 : gl_error_nomem(err);
                goto out;
            }
            if (refused(c, action, subject, status, &answer, last, why, sizeof(why), err) != 0)
                goto out;
        }
        fprintf(stderr, "rds: %s attempt %d of %d failed (%s); retrying", action, attempt + 1, c->max_attempts, why);
        fprintf(stderr, " after %ld ms\n", gl_http_backoff(c->base_delay_ms, c->max_delay_ms, attempt));
    }
out:
    gl_buf_free(&answer);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return rc;
}

/* ---- operations ---- */

static int is_cluster_arn(const char *arn)
{
    return strstr(arn, ":cluster:") != NULL;
}

int gl_rds_create_deployment(gl_rds_client *c, const gl_rds_create *req, gl_rds_deployment *out, gl_error *err)
{
    gl_rds_param p[4] = {
        {"BlueGreenDeploymentName", req->name},
        {"Source", req->source_arn},
        {"TargetEngineVersion", req->target_engine_version},
        {is_cluster_arn(req->source_arn) ? "TargetDBClusterParameterGroupName" : "TargetDBParameterGroupName",
         req->target_parameter_group},
    };
    char *xml = NULL;
    size_t len = 0;
    int rc;

    if (rds_call(c, "CreateBlueGreenDeployment", p, 4, req->source_arn, &xml, &len, err) != 0)
        return -1;
    rc = gl_rds_xml_deployment(xml, len, out, err);
    free(xml);
    return rc;
}

/* Every page of DescribeBlueGreenDeployments for params; *out malloc'd. */
static int describe_pages(gl_rds_client *c, const char *id, const char *filter_name, const char *filter_value,
                          gl_rds_deployment **out, size_t *n, gl_error *err)
{
    gl_rds_deployment *all = NULL, *page = NULL;
    size_t total = 0, got;
    char marker[1024] = "";
    int rc = -1, pages = 0;

    page = calloc(GL_RDS_PAGE, sizeof(*page));
    if (page == NULL)
        return gl_error_nomem(err);
    do {
        gl_rds_param p[5] = {
            {"BlueGreenDeploymentIdentifier", id},
            {"Filters.Filter.1.Name", filter_name},
            {"Filters.Filter.1.Values.Value.1", filter_value},
            {"MaxRecords", "100"},
            {"Marker", marker[0] ? marker : NULL},
        };
        char *xml = NULL;
        size_t len = 0;
        gl_rds_deployment *grown;

        if (++pages > 1000) {
            gl_error_set(err, GL_ERR_UNAVAILABLE, "DescribeBlueGreenDeployments kept returning a Marker after 1000 pages");
            goto out;
        }
        if (rds_call(c, "DescribeBlueGreenDeployments", p, 5, id ? id : filter_value, &xml, &len, err) != 0)
            goto out;
        if (gl_rds_xml_deployments(xml, len, page, GL_RDS_PAGE, &got, marker, sizeof(marker), err) != 0) {
            free(xml);
            goto out;
        }
        free(xml);
        if (got > 0) {
            grown = realloc(all, (total + got) * sizeof(*all));
            if (grown == NULL) {
                gl_error_nomem(err);
                goto out;
            }
            all = grown;
            memcpy(all + total, page, got * sizeof(*page));
            total += got;
        }
    } while (marker[0] != '\0');
    *out = all;
    *n = total;
    all = NULL;
    rc = 0;
out:
    free(all);
    free(page);
    return rc;
}

int gl_rds_describe_deployment(gl_rds_client *c, const char *id, gl_rds_deployment *out, gl_error *err)
{
    gl_rds_deployment *all = NULL;
    size_t n = 0;
    int rc = -1;

    if (describe_pages(c, id, NULL, NULL, &all, &n, err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(all[i].id, id) == 0) {
            *out = all[i];
            rc = 0;
            break;
        }
    }
    if (rc != 0)
        gl_error_set(err, GL_ERR_USAGE, "no blue/green deployment \"%s\" in %s: check --deployment and --region", id,
                     c->region);
    free(all);
    return rc;
}

int gl_rds_list_deployments(gl_rds_client *c, const char *filter_name, const char *filter_value,
                            gl_rds_deployment **out, size_t *n, gl_error *err)
{
    return describe_pages(c, NULL, filter_name, filter_value, out, n, err);
}

int gl_rds_switchover(gl_rds_client *c, const char *id, int timeout_s, gl_rds_deployment *out, gl_error *err)
{
    char t[16];
    gl_rds_param p[2] = {{"BlueGreenDeploymentIdentifier", id}, {"SwitchoverTimeout", t}};
    char *xml = NULL;
    size_t len = 0;
    int rc;

    if (timeout_s < 30 || timeout_s > 3600)
        return gl_error_set(err, GL_ERR_USAGE, "--timeout must be 30 to 3600 seconds (RDS SwitchoverTimeout)");
    snprintf(t, sizeof(t), "%d", timeout_s);
    if (rds_call(c, "SwitchoverBlueGreenDeployment", p, 2, id, &xml, &len, err) != 0)
        return -1;
    rc = gl_rds_xml_deployment(xml, len, out, err);
    free(xml);
    return rc;
}

int gl_rds_delete_deployment(gl_rds_client *c, const char *id, int delete_target, gl_rds_deployment *out,
                             gl_error *err)
{
    gl_rds_param p[2] = {{"BlueGreenDeploymentIdentifier", id}, {"DeleteTarget", delete_target ? "true" : NULL}};
    char *xml = NULL;
    size_t len = 0;
    int rc;

    if (rds_call(c, "DeleteBlueGreenDeployment", p, 2, id, &xml, &len, err) != 0)
        return -1;
    rc = gl_rds_xml_deployment(xml, len, out, err);
    free(xml);
    return rc;
}

int gl_rds_resolve_endpoint(gl_rds_client *c, const char *arn, char *host, size_t host_len, int *port,
                            gl_error *err)
{
    int cluster = is_cluster_arn(arn);
    gl_rds_param p[1] = {{cluster ? "DBClusterIdentifier" : "DBInstanceIdentifier", arn}};
    char *xml = NULL;
    size_t len = 0;
    int rc;

    if (strncmp(arn, "arn:", 4) != 0 || (!cluster && strstr(arn, ":db:") == NULL))
        return gl_error_set(err, GL_ERR_UNAVAILABLE,
                            "\"%.300s\" is not a DB cluster or DB instance ARN (arn:aws:rds:REGION:ACCOUNT:cluster:NAME or :db:NAME)",
                            arn);
    if (rds_call(c, cluster ? "DescribeDBClusters" : "DescribeDBInstances", p, 1, arn, &xml, &len, err) != 0)
        return -1;
    rc = gl_rds_xml_endpoint(xml, len, host, host_len, port, err);
    if (rc != 0)
        gl_error_prefix(err, "%s", arn);
    free(xml);
    return rc;
}
