/*
 * The OpenSSL SigV4 signer (engine/src/aws/sigv4_sign.c) against every case
 * folder of the AWS SigV4 test suite ($GL_SHARED_DIR/test-vectors/sigv4/,
 * else ../shared beside the repo): from request.txt and context.json it must
 * reproduce header-canonical-request.txt, header-string-to-sign.txt,
 * header-signature.txt and the Authorization of header-signed-request.txt,
 * and, signing in the query (presigned), query-canonical-request.txt,
 * query-string-to-sign.txt, query-signature.txt and the X-Amz-Signature of
 * query-signed-request.txt.
 * The folder is iterated, not listed. Without the suite the program exits 77
 * (ctest: skipped).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/sigv4_sign.h"
#include "sigv4_vector.h"
#include "value/value.h"

static char suite_dir[4096];

static int find_suite(void)
{
    const char *shared = getenv("GL_SHARED_DIR");

    if (shared != NULL && *shared != '\0')
        snprintf(suite_dir, sizeof(suite_dir), "%s/test-vectors/sigv4", shared);
    else
        snprintf(suite_dir, sizeof(suite_dir), "%s/../shared/test-vectors/sigv4", GL_TEST_SOURCE_DIR);
    return access(suite_dir, R_OK) == 0;
}

/* DIR/NAME's text (the caller frees), NULL when absent. */
static char *read_text(const char *dir, const char *name)
{
    char path[4200], *text = NULL;
    gl_error err;

    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return NULL;   /* a path that long is not one of the cases */
    return gl_file_read(path, 1u << 20, &text, NULL, &err) == 0 ? text : NULL;
}

#define MAX_HEADERS 32

typedef struct parsed {
    char *text;                 /* request.txt, cut in place */
    char *method, *path, *query, *body;
    gl_aws_header headers[MAX_HEADERS];
    char *values[MAX_HEADERS];  /* folded values joined (malloc'd) */
    size_t n_headers;
} parsed;

/* request.txt: "METHOD PATH HTTP/1.1", header lines (a line starting with
 * white space continues the one before), a blank line, the body. */
static void parse_request(const char *dir, parsed *p)
{
    char *line, *next, *sp;

    memset(p, 0, sizeof(*p));
    p->text = read_text(dir, "request.txt");
    cr_assert_not_null(p->text, "%s: request.txt missing", dir);
    p->body = strstr(p->text, "\n\n");
    if (p->body) {
        *p->body = '\0';
        p->body += 2;
    } else {
        p->body = "";
    }
    line = p->text;
    next = strchr(line, '\n');
    if (next)
        *next++ = '\0';
    p->method = line;
    sp = strchr(line, ' ');
    cr_assert_not_null(sp, "%s: bad request line", dir);
    *sp = '\0';
    p->path = sp + 1;
    sp = strrchr(p->path, ' ');
    cr_assert_not_null(sp, "%s: bad request line", dir);
    *sp = '\0';
    p->query = strchr(p->path, '?');
    if (p->query)
        *p->query++ = '\0';
    for (line = next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (line[0] == ' ' || line[0] == '\t') {
            char *joined;
            cr_assert_gt(p->n_headers, 0, "%s: a continuation line before any header", dir);
            cr_assert_geq(asprintf(&joined, "%s\n%s", p->values[p->n_headers - 1], line), 0);
            free(p->values[p->n_headers - 1]);
            p->values[p->n_headers - 1] = joined;
            p->headers[p->n_headers - 1].value = joined;
            continue;
        }
        sp = strchr(line, ':');
        cr_assert_not_null(sp, "%s: header line without ':'", dir);
        cr_assert_lt(p->n_headers, MAX_HEADERS);
        *sp = '\0';
        p->values[p->n_headers] = strdup(sp + 1);
        p->headers[p->n_headers].name = line;
        p->headers[p->n_headers].value = p->values[p->n_headers];
        p->n_headers++;
    }
}

static void parsed_free(parsed *p)
{
    for (size_t i = 0; i < p->n_headers; i++)
        free(p->values[i]);
    free(p->text);
}

static char *authorization_of(const char *signed_request)
{
    const char *p = strstr(signed_request, "\nAuthorization:");

    if (p == NULL)
        return NULL;
    p += strlen("\nAuthorization:");
    return strndup(p, strcspn(p, "\n"));
}

static int compare(const char *name, const char *what, const char *want, const char *got)
{
    if (want == NULL) {
        cr_log_error("%s: no expected %s", name, what);
        return 1;
    }
    if (strcmp(want, got) != 0) {
        cr_log_error("%s: %s\n--- want\n%s\n--- got\n%s", name, what, want, got);
        return 1;
    }
    return 0;
}

/* The query-string (presigned) half of a case. */
static int check_presigned(const char *dir, const char *name, const gl_aws_sigv4_request *req,
                           const gl_aws_credentials *creds, gl_aws_sigv4_params params, long expires)
{
    char *want_canon = read_text(dir, "query-canonical-request.txt");
    char *want_sts = read_text(dir, "query-string-to-sign.txt");
    char *want_sig = read_text(dir, "query-signature.txt");
    char *signed_req = read_text(dir, "query-signed-request.txt"), want_param[100];
    gl_aws_sigv4_signature sig;
    gl_error err;
    int bad = 0;

    params.presign = 1;
    params.expires_s = expires;
    if (gl_aws_sigv4_sign(req, creds, &params, &sig, &err) != 0) {
        cr_log_error("%s: cannot presign: %s", name, err.message);
        bad++;
    } else {
        bad += compare(name, "query canonical request", want_canon, sig.canonical_request);
        bad += compare(name, "query string to sign", want_sts, sig.string_to_sign);
        bad += compare(name, "query signature", want_sig, sig.signature);
        snprintf(want_param, sizeof(want_param), "X-Amz-Signature=%s", sig.signature);
        if (signed_req == NULL || strstr(signed_req, want_param) == NULL ||
            strstr(sig.presigned_query, want_param) == NULL || sig.authorization != NULL) {
            cr_log_error("%s: the presigned query does not carry %s: %s", name, want_param, sig.presigned_query);
            bad++;
        }
        gl_aws_sigv4_signature_free(&sig);
    }
    free(want_canon);
    free(want_sts);
    free(want_sig);
    free(signed_req);
    return bad;
}

/* Signs one case; returns the number of mismatches (each logged). */
static int check_case(const char *dir, const char *name)
{
    char amz_date[17];
    char *want_canon = read_text(dir, "header-canonical-request.txt");
    char *want_sts = read_text(dir, "header-string-to-sign.txt");
    char *want_sig = read_text(dir, "header-signature.txt");
    char *signed_req = read_text(dir, "header-signed-request.txt"), *want_auth;
    gl_value *ctx = NULL;
    const char *ts;
    gl_aws_credentials creds;
    gl_aws_sigv4_params params;
    gl_aws_sigv4_request req;
    gl_aws_sigv4_signature sig;
    gl_error err;
    parsed p;
    int bad = 0;

    cr_assert(want_canon && want_sts && want_sig && signed_req, "%s: a case file is missing", dir);
    ctx = sigv4_vector_context(dir, &creds);
    /* "2015-08-30T12:36:00Z" -> "20150830T123600Z" */
    ts = gl_value_object_string(ctx, "timestamp");
    cr_assert(ts && strlen(ts) == 20, "%s: bad timestamp", dir);
    snprintf(amz_date, sizeof(amz_date), "%.4s%.2s%.2sT%.2s%.2s%.2sZ", ts, ts + 5, ts + 8, ts + 11, ts + 14, ts + 17);

    memset(&params, 0, sizeof(params));
    params.region = gl_value_object_string(ctx, "region");
    params.service = gl_value_object_string(ctx, "service");
    params.amz_date = amz_date;
    params.normalize_path = gl_value_get_bool(gl_value_object_get(ctx, "normalize"));
    params.sign_body = gl_value_get_bool(gl_value_object_get(ctx, "sign_body"));
    params.omit_session_token = gl_value_get_bool(gl_value_object_get(ctx, "omit_session_token"));

    parse_request(dir, &p);
    memset(&req, 0, sizeof(req));
    req.method = p.method;
    req.path = p.path;
    req.query = p.query;
    req.headers = p.headers;
    req.n_headers = p.n_headers;
    req.body = p.body;
    req.body_len = strlen(p.body);

    want_auth = authorization_of(signed_req);
    cr_assert_not_null(want_auth, "%s: no Authorization in header-signed-request.txt", dir);
    if (gl_aws_sigv4_sign(&req, &creds, &params, &sig, &err) != 0) {
        cr_log_error("%s: cannot sign: %s", name, err.message);
        bad++;
    } else {
        if (strcmp(sig.canonical_request, want_canon) != 0) {
            cr_log_error("%s: canonical request\n--- want\n%s\n--- got\n%s", name, want_canon, sig.canonical_request);
            bad++;
        }
        if (strcmp(sig.string_to_sign, want_sts) != 0) {
            cr_log_error("%s: string to sign\n--- want\n%s\n--- got\n%s", name, want_sts, sig.string_to_sign);
            bad++;
        }
        if (strcmp(sig.signature, want_sig) != 0) {
            cr_log_error("%s: signature: want %s, got %s", name, want_sig, sig.signature);
            bad++;
        }
        if (strcmp(sig.authorization, want_auth) != 0) {
            cr_log_error("%s: Authorization\n  want %s\n  got  %s", name, want_auth, sig.authorization);
            bad++;
        }
        gl_aws_sigv4_signature_free(&sig);
    }
    bad += check_presigned(dir, name, &req, &creds, params,
                           (long)gl_value_get_int(gl_value_object_get(ctx, "expiration_in_seconds")));
    parsed_free(&p);
    gl_value_free(ctx);
    free(want_auth);
    free(want_canon);
    free(want_sts);
    free(want_sig);
    free(signed_req);
    return bad;
}

Test(aws_sigv4_suite, every_case_folder_signs_exactly)
{
    DIR *d;
    struct dirent *e;
    int cases = 0, failed = 0;

    /* Test workers do not run main(): find the folder again. */
    cr_assert(find_suite(), "%s went away", suite_dir);
    d = opendir(suite_dir);
    cr_assert_not_null(d, "cannot open %s", suite_dir);
    while ((e = readdir(d)) != NULL) {
        char dir[4400], probe[4500];
        if (e->d_name[0] == '.')
            continue;
        snprintf(dir, sizeof(dir), "%s/%s", suite_dir, e->d_name);
        snprintf(probe, sizeof(probe), "%s/request.txt", dir);
        if (access(probe, R_OK) != 0)
            continue;
        cases++;
        failed += check_case(dir, e->d_name) != 0;
    }
    closedir(d);
    cr_assert_gt(cases, 0, "no case folder (with request.txt) in %s", suite_dir);
    cr_log_info("%d of %d SigV4 cases signed exactly, in headers and in the query", cases - failed, cases);
    cr_assert_eq(failed, 0, "%d of %d SigV4 cases in %s differ", failed, cases, suite_dir);
}

/* ---- refusals: what cannot be signed says why, and no secret leaks ---- */

static gl_aws_credentials test_creds(void)
{
    gl_aws_credentials c;

    memset(&c, 0, sizeof(c));
    snprintf(c.access_key_id, sizeof(c.access_key_id), "AKIDEXAMPLE");
    snprintf(c.secret_access_key, sizeof(c.secret_access_key), "s3cr3tKEYs3cr3t");
    snprintf(c.session_token, sizeof(c.session_token), "t0kenT0KEN");
    return c;
}

static void expect_refusal(const gl_aws_header *h, size_t n, const char *amz_date, const char *region,
                           const char *message)
{
    gl_aws_credentials creds = test_creds();
    gl_aws_sigv4_request req = {.method = "POST", .path = "/", .headers = h, .n_headers = n};
    gl_aws_sigv4_params p = {.region = region, .service = "rds", .amz_date = amz_date, .normalize_path = 1};
    gl_aws_sigv4_signature sig;
    gl_error err;

    cr_assert_eq(gl_aws_sigv4_sign(&req, &creds, &p, &sig, &err), -1);
    cr_assert_str_eq(err.message, message);
    cr_assert_null(strstr(err.message, "s3cr3t"));
    cr_assert_null(strstr(err.message, "t0ken"));
    cr_assert_null(sig.authorization);
}

Test(aws_sigv4_suite, refuses_a_request_without_host)
{
    gl_aws_header h[] = {{"Content-Type", "text/plain"}};
    expect_refusal(h, 1, "20261202T143005Z", "eu-west-1", "SigV4: the request has no Host header");
}

Test(aws_sigv4_suite, refuses_headers_the_signer_adds)
{
    gl_aws_header h[] = {{"Host", "rds.eu-west-1.amazonaws.com"}, {"X-Amz-Date", "20261202T143005Z"}};
    expect_refusal(h, 2, "20261202T143005Z", "eu-west-1", "SigV4: the signer adds x-amz-date itself: do not pass it");
}

Test(aws_sigv4_suite, refuses_a_bad_signing_time)
{
    gl_aws_header h[] = {{"Host", "rds.eu-west-1.amazonaws.com"}};
    expect_refusal(h, 1, "2026-12-02T14:30", "eu-west-1",
                   "SigV4: the signing time \"2026-12-02T14:30\" is not YYYYMMDDTHHMMSSZ");
}

Test(aws_sigv4_suite, refuses_a_region_that_is_not_a_name)
{
    gl_aws_header h[] = {{"Host", "rds.eu-west-1.amazonaws.com"}};
    expect_refusal(h, 1, "20261202T143005Z", "eu-west-1/x",
                   "AWS region \"eu-west-1/x\" is not a region name (like eu-west-1): check --region, AWS_REGION or the profile's region");
}

Test(aws_sigv4_suite, refuses_a_presigned_expiry_out_of_range)
{
    gl_aws_credentials creds = test_creds();
    gl_aws_header h[] = {{"Host", "rds.eu-west-1.amazonaws.com"}};
    gl_aws_sigv4_request req = {.method = "GET", .path = "/", .headers = h, .n_headers = 1};
    gl_aws_sigv4_params p = {.region = "eu-west-1", .service = "rds-db", .amz_date = "20261202T143005Z",
                             .normalize_path = 1, .presign = 1, .expires_s = 604801};
    gl_aws_sigv4_signature sig;
    gl_error err;

    cr_assert_eq(gl_aws_sigv4_sign(&req, &creds, &p, &sig, &err), -1);
    cr_assert_str_eq(err.message, "SigV4: a presigned request expires in 1 to 604800 seconds, not 604801");
    p.expires_s = 900;
    cr_assert_eq(gl_aws_sigv4_sign(&req, &creds, &p, &sig, &err), 0, "%s", err.message);
    cr_assert_null(sig.authorization);
    cr_assert_not_null(strstr(sig.presigned_query, "X-Amz-Expires=900&X-Amz-Security-Token=t0kenT0KEN&"
                                                   "X-Amz-SignedHeaders=host&X-Amz-Signature="));
    cr_assert_null(strstr(sig.presigned_query, "s3cr3t"));
    gl_aws_sigv4_signature_free(&sig);
}

/* The session token is signed unless asked otherwise, and never copied into
 * the Authorization header. */
Test(aws_sigv4_suite, signs_the_session_token_but_never_shows_it)
{
    gl_aws_credentials creds = test_creds();
    gl_aws_header h[] = {{"Host", "rds.eu-west-1.amazonaws.com"}};
    gl_aws_sigv4_request req = {.method = "POST", .path = "/", .headers = h, .n_headers = 1, .body = "A=1",
                                .body_len = 3};
    gl_aws_sigv4_params p = {.region = "eu-west-1", .service = "rds", .amz_date = "20261202T143005Z",
                             .normalize_path = 1};
    gl_aws_sigv4_signature sig;
    gl_error err;

    cr_assert_eq(gl_aws_sigv4_sign(&req, &creds, &p, &sig, &err), 0, "%s", err.message);
    cr_assert_not_null(strstr(sig.canonical_request, "x-amz-security-token:t0kenT0KEN\n"));
    cr_assert_not_null(strstr(sig.authorization, "SignedHeaders=host;x-amz-date;x-amz-security-token,"));
    cr_assert_null(strstr(sig.authorization, "t0ken"));
    cr_assert_null(strstr(sig.authorization, "s3cr3t"));
    cr_assert_null(strstr(sig.string_to_sign, "s3cr3t"));
    gl_aws_sigv4_signature_free(&sig);
}

int main(int argc, char *argv[])
{
    struct criterion_test_set *tests;
    int result = 0;

    if (!find_suite()) {
        fprintf(stderr, "skipped: the AWS SigV4 test suite is not at %s (set GL_SHARED_DIR)\n", suite_dir);
        return 77;
    }
    tests = criterion_initialize();
    if (criterion_handle_args(argc, argv, true))
        result = !criterion_run_all_tests(tests);
    criterion_finalize(tests);
    return result;
}
