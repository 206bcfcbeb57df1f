/*
 * rds — a client for the Amazon RDS Query API (version 2014-10-31): the four
 * blue/green operations and the endpoint lookups the gate needs.
 *
 * Every call is a form-encoded POST to "/" signed by libcurl, or by the
 * OpenSSL signer with GREENLIGHT_AWS_SIGNER=openssl (aws/sigv4.h).
 * Answers are XML read with libxml2 (rds_xml.c). Throttling, 5xx answers and
 * network errors are retried with exponential backoff and full jitter (at
 * most AWS_MAX_ATTEMPTS attempts, default 5); each attempt has a connect and
 * a total timeout. An AWS error becomes one message that names the error
 * code, says what it means and what to do; GL_ERR_UNAVAILABLE when the API
 * could not be reached or kept failing, GL_ERR_AUTH when the credentials
 * were refused (access denied, bad signature, unknown or expired key),
 * GL_ERR_USAGE for any other refusal (unknown deployment, wrong state).
 */
#ifndef GL_AWS_RDS_H
#define GL_AWS_RDS_H

#include <stddef.h>

#include "aws/credentials.h"
#include "aws/sigv4.h"
#include "util/error.h"

#define GL_RDS_MAX_MEMBERS 64
#define GL_RDS_MAX_TASKS 64

typedef struct gl_rds_member {
    char source[512];       /* ARN in the blue environment */
    char target[512];       /* ARN in the green environment */
    char status[64];        /* preparing-for-switchover … switchover-completed */
} gl_rds_member;

typedef struct gl_rds_task {
    char name[128];
    char status[64];        /* PENDING, IN_PROGRESS, COMPLETED, FAILED */
} gl_rds_task;

typedef struct gl_rds_deployment {
    char id[256];
    char name[64];
    char source[512];
    char target[512];
    char status[64];        /* PROVISIONING, AVAILABLE, SWITCHOVER_IN_PROGRESS, … */
    char status_details[1024];
    char create_time[64];
    gl_rds_member members[GL_RDS_MAX_MEMBERS];
    size_t n_members;
    gl_rds_task tasks[GL_RDS_MAX_TASKS];
    size_t n_tasks;
} gl_rds_deployment;

typedef struct gl_rds_client {
    char endpoint[1024];        /* base URL, e.g. https://rds.eu-west-1.amazonaws.com */
    char region[64];
    gl_aws_credentials creds;
    long connect_timeout_ms;    /* per attempt (default 10 s) */
    long timeout_ms;            /* per attempt, whole request (default 30 s) */
    int max_attempts;           /* AWS_MAX_ATTEMPTS, default 5 */
    long base_delay_ms;         /* first backoff cap (default 500 ms) */
    long max_delay_ms;          /* backoff cap (default 20 s) */
    int verbose;                /* log attempts and retries to stderr */
    int attempts_made;          /* total attempts of the last call (for tests/logs) */
    gl_aws_signer signer;       /* GREENLIGHT_AWS_SIGNER: libcurl (default) or openssl */
} gl_rds_client;

/*
 * Sets up a client: region (explicit, else the AWS way), credentials, and the
 * endpoint (endpoint_url, else https://rds.REGION.amazonaws.com).
 * GREENLIGHT_AWS_CONNECT_TIMEOUT_MS / GREENLIGHT_AWS_TIMEOUT_MS override the
 * per-attempt timeouts; GREENLIGHT_AWS_SIGNER chooses the signer. Errors are
 * GL_ERR_USAGE.
 */
int gl_rds_client_init(gl_rds_client *c, const char *region, const char *endpoint_url, gl_error *err);
/* Cleanses the credentials. */
void gl_rds_client_clear(gl_rds_client *c);

typedef struct gl_rds_create {
    const char *name;               /* BlueGreenDeploymentName */
    const char *source_arn;
    const char *target_engine_version;
    const char *target_parameter_group; /* NULL: none; cluster ARN -> cluster parameter group */
} gl_rds_create;

int gl_rds_create_deployment(gl_rds_client *c, const gl_rds_create *req, gl_rds_deployment *out, gl_error *err);
/* By identifier (DescribeBlueGreenDeployments, following Marker pages). */
int gl_rds_describe_deployment(gl_rds_client *c, const char *id, gl_rds_deployment *out, gl_error *err);
/* By filter (name = "blue-green-deployment-name", "source", …): every page.
 * *out is malloc'd (caller frees); *n may be 0. */
int gl_rds_list_deployments(gl_rds_client *c, const char *filter_name, const char *filter_value,
                            gl_rds_deployment **out, size_t *n, gl_error *err);
/* timeout_s: 30 to 3600. */
int gl_rds_switchover(gl_rds_client *c, const char *id, int timeout_s, gl_rds_deployment *out, gl_error *err);
int gl_rds_delete_deployment(gl_rds_client *c, const char *id, int delete_target, gl_rds_deployment *out,
                             gl_error *err);
/* Host and port of a cluster (arn:…:cluster:…) or instance (arn:…:db:…). */
int gl_rds_resolve_endpoint(gl_rds_client *c, const char *arn, char *host, size_t host_len, int *port,
                            gl_error *err);

/* ---- XML answers (rds_xml.c); exposed for the fuzz target and tests ---- */

/* Parses a DescribeBlueGreenDeployments answer: up to cap deployments into
 * out (*n set), and the Marker (empty when last page). */
int gl_rds_xml_deployments(const char *xml, size_t len, gl_rds_deployment *out, size_t cap, size_t *n,
                           char *marker, size_t marker_len, gl_error *err);
/* Parses a Create/Switchover/Delete answer (one BlueGreenDeployment). */
int gl_rds_xml_deployment(const char *xml, size_t len, gl_rds_deployment *out, gl_error *err);
/* Parses a DescribeDBClusters or DescribeDBInstances answer's first member's
 * endpoint. */
int gl_rds_xml_endpoint(const char *xml, size_t len, char *host, size_t host_len, int *port, gl_error *err);
/* Parses an ErrorResponse: code and message (both may come back empty). */
int gl_rds_xml_error(const char *xml, size_t len, char *code, size_t code_len, char *message, size_t message_len);

#endif
