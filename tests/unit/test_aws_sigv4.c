/*
 * SigV4 through libcurl (engine/src/aws/sigv4.c), proven against the AWS
 * SigV4 test suite in $GL_SHARED_DIR (else ../shared)/test-vectors/sigv4/
 * (every folder there) and
 * against the repo's own RDS-shaped vectors in tests/aws/sigv4-vectors/
 * (expected values made by botocore's signer, an independent implementation).
 *
 * Each case's signed request (minus Authorization) is replayed through libcurl
 * with the case's X-Amz-Date to a loopback capture server; the Authorization
 * header the server received must equal the case's.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aws/sigv4.h"
#include "sigv4_vector.h"
#include "value/value.h"

/* Cases libcurl cannot produce; share/doc/rds.md says why and why RDS does
 * not need them. Each must still be attempted and must still differ, so the
 * list cannot silently hide a case libcurl has learned to sign. */
static const char *const libcurl_cannot[] = {
    "get-vanilla-query-order-key-case", /* 7.88 signs the query as sent, unsorted */
    "get-vanilla-query-order-encoded",
    "get-header-key-duplicate",         /* repeated headers are not merged */
    "get-header-value-order",
    "get-header-value-multiline",       /* folded values are not unfolded */
    "get-slash-normalized",             /* empty path segments are kept */
    "get-slashes-normalized",
    "post-sts-header-after",            /* every header sent is signed */
    NULL,
};

/* ---- loopback capture server: one request per connection ---- */

typedef struct capture {
    int listen_fd;
    int port;
    char request[65536];
    size_t len;
    pthread_t thread;
} capture;

static void *capture_main(void *arg)
{
    capture *cap = arg;
    int fd = accept(cap->listen_fd, NULL, NULL);
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    char *end;

    cap->len = 0;
    if (fd < 0)
        return NULL;
    for (;;) {
        ssize_t n = recv(fd, cap->request + cap->len, sizeof(cap->request) - 1 - cap->len, 0);
        if (n <= 0)
            break;
        cap->len += (size_t)n;
        cap->request[cap->len] = '\0';
        end = strstr(cap->request, "\r\n\r\n");
        if (end != NULL) {
            const char *cl = strcasestr(cap->request, "\r\ncontent-length:");
            size_t body = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
            if (cap->len >= (size_t)(end + 4 - cap->request) + body)
                break;
        }
    }
    if (send(fd, reply, sizeof(reply) - 1, 0) < 0)
        perror("send");
    close(fd);
    return NULL;
}

static void capture_start(capture *cap)
{
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    int one = 1;

    memset(cap, 0, sizeof(*cap));
    cap->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(cap->listen_fd, 0);
    setsockopt(cap->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(cap->listen_fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    cr_assert_eq(listen(cap->listen_fd, 4), 0);
    cr_assert_eq(getsockname(cap->listen_fd, (struct sockaddr *)&addr, &alen), 0);
    cap->port = ntohs(addr.sin_port);
    cr_assert_eq(pthread_create(&cap->thread, NULL, capture_main, cap), 0);
}

static void capture_stop(capture *cap)
{
    pthread_join(cap->thread, NULL);
    close(cap->listen_fd);
}

/* ---- reading a case ---- */

static char *read_text(const char *dir, const char *name)
{
    char path[4096];
    FILE *f;
    char *buf;
    long n;

    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return NULL;   /* a path that long is not one of the cases */
    f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc(1, (size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

/* The Authorization value in a signed request ("Authorization:" line). */
static char *authorization_of(const char *request, const char *sep)
{
    const char *p = request;
    size_t n;

    while (p && *p) {
        if (strncasecmp(p, "Authorization:", 14) == 0) {
            p += 14;
            while (*p == ' ')
                p++;
            n = strcspn(p, sep);
            return strndup(p, n);
        }
        p = strstr(p, sep[0] == '\r' ? "\r\n" : "\n");
        if (p)
            p += sep[0] == '\r' ? 2 : 1;
    }
    return NULL;
}

typedef struct outcome {
    int ran;        /* the request reached the server */
    int matched;
    char got[1024];
    char want[1024];
} outcome;

/* Replays one case directory through libcurl; fills *res. */
static void replay(const char *dir, outcome *res)
{
    char *signed_req = read_text(dir, "header-signed-request.txt");
    char url[8192], connect_to[512], host[256] = "example.amazonaws.com";
    gl_value *ctx = NULL;
    gl_aws_credentials creds;
    struct curl_slist *headers = NULL, *connect_list = NULL;
    gl_error err;
    capture cap;
    CURL *curl;
    char *line, *save = NULL, *want, *body, *method, *path;
    CURLcode cc;

    memset(res, 0, sizeof(*res));
    cr_assert_not_null(signed_req, "%s: header-signed-request.txt missing", dir);
    ctx = sigv4_vector_context(dir, &creds);
    /* The case's X-Amz-Date header (its timestamp) is replayed with the
     * other headers: libcurl signs with the date it is given. */

    want = authorization_of(signed_req, "\n");
    cr_assert_not_null(want, "%s: no Authorization in header-signed-request.txt", dir);
    snprintf(res->want, sizeof(res->want), "%s", want);
    free(want);

    /* Request line, headers (folded lines joined as sent), body. */
    body = strstr(signed_req, "\n\n");
    if (body) {
        *body = '\0';
        body += 2;
    } else {
        body = "";
    }
    line = strtok_r(signed_req, "\n", &save);
    method = line;
    path = strchr(line, ' ');
    cr_assert_not_null(path);
    *path++ = '\0';
    *strrchr(path, ' ') = '\0';

    curl = curl_easy_init();
    cr_assert_not_null(curl);
    cr_assert_eq(gl_aws_sigv4_apply(curl, &creds, gl_value_object_string(ctx, "region"),
                                    gl_value_object_string(ctx, "service"), &headers, &err), 0, "%s", err.message);
    {
        char *prev = NULL;
        while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
            if (strncasecmp(line, "Host:", 5) == 0) {
                snprintf(host, sizeof(host), "%s", line + 5 + strspn(line + 5, " "));
                continue;
            }
            if (strncasecmp(line, "Authorization:", 14) == 0)
                continue;
            /* The token is added by gl_aws_sigv4_apply; a case that wants it
             * unsigned (added after signing) cannot be replayed as is. */
            if (strncasecmp(line, "X-Amz-Security-Token:", 21) == 0 && creds.session_token[0])
                continue;
            if (line[0] == ' ' || line[0] == '\t') {
                /* A folded continuation: libcurl sends header lines as given. */
                char joined[8192];
                cr_assert_not_null(prev);
                snprintf(joined, sizeof(joined), "%s\r\n%s", prev, line);
                free(prev);
                prev = strdup(joined);
                continue;
            }
            if (prev) {
                headers = curl_slist_append(headers, prev);
                free(prev);
            }
            prev = strdup(line);
        }
        if (prev) {
            headers = curl_slist_append(headers, prev);
            free(prev);
        }
    }
    capture_start(&cap);
    /* A request line carries no raw space or non-ASCII byte: send them
     * percent-encoded, as any HTTP client must. */
    {
        size_t o = (size_t)snprintf(url, sizeof(url), "http://%s", host);
        for (const unsigned char *p = (const unsigned char *)path; *p && o + 4 < sizeof(url); p++) {
            if (*p <= 0x20 || *p >= 0x7f)
                o += (size_t)snprintf(url + o, sizeof(url) - o, "%%%02X", *p);
            else
                url[o++] = (char)*p;
        }
        url[o] = '\0';
    }
    snprintf(connect_to, sizeof(connect_to), "%s:80:127.0.0.1:%d", host, cap.port);
    connect_list = curl_slist_append(NULL, connect_to);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_list);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    /* "normalize": false cases sign the path as sent (dot segments kept). */
    if (!gl_value_get_bool(gl_value_object_get(ctx, "normalize")))
        curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    }
    cc = curl_easy_perform(curl);
    if (cc != CURLE_OK) {
        /* The server thread is waiting: wake it. */
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cap.port),
                                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
            shutdown(fd, SHUT_RDWR);
        close(fd);
        snprintf(res->got, sizeof(res->got), "(libcurl: %s)", curl_easy_strerror(cc));
    }
    capture_stop(&cap);
    if (cc == CURLE_OK) {
        char *got = authorization_of(cap.request, "\r\n");
        res->ran = 1;
        snprintf(res->got, sizeof(res->got), "%s", got ? got : "(no Authorization header)");
        free(got);
        res->matched = strcmp(res->got, res->want) == 0;
    }
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    curl_slist_free_all(connect_list);
    gl_value_free(ctx);
    free(signed_req);
}

static int is_known_gap(const char *name)
{
    for (size_t i = 0; libcurl_cannot[i]; i++)
        if (strcmp(libcurl_cannot[i], name) == 0)
            return 1;
    return 0;
}

/* Replays every case folder under root; returns how many ran. */
static int replay_folder(const char *root, int allow_gaps)
{
    DIR *d = opendir(root);
    struct dirent *e;
    int n = 0, failed = 0;

    cr_assert_not_null(d, "cannot open %s", root);
    while ((e = readdir(d)) != NULL) {
        char dir[4096];
        outcome res;
        if (e->d_name[0] == '.')
            continue;
        snprintf(dir, sizeof(dir), "%s/%s", root, e->d_name);
        {
            char probe[4200];
            snprintf(probe, sizeof(probe), "%s/context.json", dir);
            if (access(probe, R_OK) != 0)
                continue;
        }
        replay(dir, &res);
        n++;
        if (allow_gaps && is_known_gap(e->d_name)) {
            if (res.matched) {
                cr_log_error("%s: libcurl now signs this case: remove it from the known gaps and share/doc/rds.md", e->d_name);
                failed++;
            }
            continue;
        }
        if (!res.matched) {
            cr_log_error("%s:\n  want %s\n  got  %s", e->d_name, res.want, res.got);
            failed++;
        }
    }
    closedir(d);
    cr_assert_eq(failed, 0, "%d of %d SigV4 cases in %s failed", failed, n, root);
    return n;
}

TestSuite(aws_sigv4, .init = NULL);

Test(aws_sigv4, every_case_of_the_aws_test_suite)
{
    const char *shared = getenv("GL_SHARED_DIR");
    char root[4096];
    int n;

    snprintf(root, sizeof(root), "%s/test-vectors/sigv4",
             shared && *shared ? shared : GL_TEST_SOURCE_DIR "/../shared");
    if (access(root, R_OK) != 0)
        cr_skip_test("%s is absent (a user's clone; set GL_SHARED_DIR): the repo's own vectors still run", root);
    n = replay_folder(root, 1);
    cr_assert_geq(n, 30, "expected the whole suite, found %d cases", n);
}

Test(aws_sigv4, the_repos_own_rds_vectors)
{
    int n = replay_folder(GL_TEST_SOURCE_DIR "/tests/aws/sigv4-vectors", 0);
    cr_assert_geq(n, 3);
}

Test(aws_sigv4, refuses_a_region_that_is_not_a_name)
{
    gl_aws_credentials creds = {.access_key_id = "AKID", .secret_access_key = "s3cr3t"};
    struct curl_slist *h = NULL;
    gl_error err;
    CURL *curl = curl_easy_init();

    cr_assert_eq(gl_aws_sigv4_apply(curl, &creds, "eu-west-1:evil", "rds", &h, &err), -1);
    cr_assert_str_eq(err.message, "AWS region \"eu-west-1:evil\" is not a region name (like eu-west-1): check --region, AWS_REGION or the profile's region");
    cr_assert_null(strstr(err.message, "s3cr3t"));
    curl_easy_cleanup(curl);
}
