#include "plugin/host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/host_pipeline.h"
#include "plugin/isolate.h"
#include "value/value.h"

void gl_ctx_init(gl_ctx *ctx, const char *plugin_name, gl_target *targets[2],
                 const gl_value *config, gl_value *findings, int verbose)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->targets[0] = targets[0];
    ctx->targets[1] = targets[1];
    ctx->plugin_name = plugin_name;
    ctx->config = config;
    ctx->findings = findings;
    ctx->verbose = verbose;
    ctx->abi_minor = GL_PLUGIN_ABI_MINOR;
    pthread_mutex_init(&ctx->error_lock, NULL);
    ctx->remote_fd[0] = ctx->remote_fd[1] = -1;
    ctx->progress_fd = -1;
    pthread_mutex_init(&ctx->remote_lock[0], NULL);
    pthread_mutex_init(&ctx->remote_lock[1], NULL);
}

void gl_ctx_destroy(gl_ctx *ctx)
{
    pthread_mutex_destroy(&ctx->error_lock);
    pthread_mutex_destroy(&ctx->remote_lock[0]);
    pthread_mutex_destroy(&ctx->remote_lock[1]);
}

__attribute__((format(printf, 2, 3)))
static int host_set_error(gl_ctx *ctx, const char *fmt, ...)
{
    char msg[sizeof(ctx->error)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    for (int s = 0; s < 2; s++)
        if (ctx->targets[s])
            gl_scrub_secret(msg, sizeof(msg), ctx->targets[s]->password);
    pthread_mutex_lock(&ctx->error_lock);
    memcpy(ctx->error, msg, sizeof(msg));
    pthread_mutex_unlock(&ctx->error_lock);
    return -1;
}

__attribute__((format(printf, 2, 3)))
static int host_skip(gl_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    if (!ctx->in_compare)
        return host_set_error(ctx, "skip is for compare: collect returns facts, and compare "
                              "says from them that there was nothing to measure");
    va_start(ap, fmt);
    vsnprintf(ctx->skipped, sizeof(ctx->skipped), fmt, ap);
    va_end(ap);
    if (ctx->skipped[0] == '\0')
        snprintf(ctx->skipped, sizeof(ctx->skipped), "nothing to check");
    return 0;
}

static const char *host_last_error(gl_ctx *ctx)
{
    return ctx->error;
}

__attribute__((format(printf, 3, 4)))
static void host_log(gl_ctx *ctx, gl_log_level level, const char *fmt, ...)
{
    static const char *const names[] = {"debug", "info", "warning", "error"};
    char line[2048];
    va_list ap;

    if (level == GL_LOG_DEBUG && ctx->verbose < 2)
        return;
    if (level == GL_LOG_INFO && ctx->verbose < 1)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    for (int s = 0; s < 2; s++)
        if (ctx->targets[s])
            gl_scrub_secret(line, sizeof(line), ctx->targets[s]->password);
    /* On a terminal the parent may be showing a progress line (plugin/progress.h):
     * the log line replaces it, and the next redraw comes below. */
    fprintf(stderr, "%sgreenlight: %s: %s: %s\n", isatty(STDERR_FILENO) ? "\r\033[K" : "",
            ctx->plugin_name ? ctx->plugin_name : "host",
            names[level <= GL_LOG_ERROR ? level : GL_LOG_ERROR], line);
}

static gl_target *live_side(gl_ctx *ctx, gl_side side)
{
    gl_target *t;

    if (ctx->in_compare) {
        host_set_error(ctx, "compare must not query: it works on the facts alone (it may run "
                       "offline from two snapshots); read what compare needs in collect");
        return NULL;
    }
    if (side != GL_SIDE_BLUE && side != GL_SIDE_GREEN) {
        host_set_error(ctx, "query on an unknown side %d", (int)side);
        return NULL;
    }
    t = ctx->targets[side];
    if (t == NULL || t->conn == NULL) {
        host_set_error(ctx, "the %s side has no live connection (it is a snapshot)", gl_side_name(side));
        return NULL;
    }
    return t;
}

/* Hands a finished statement's rows to fn (res is freed): 0, the non-zero
 * value fn returned, or -1 with the error set. A NULL res is the connection's
 * error, or the side given up when the query outlived its bound. */
static int deliver_rows(gl_ctx *ctx, gl_target *t, gl_side side, PGresult *res, gl_row_fn fn,
                        void *userdata)
{
    const char **names = NULL, **vals = NULL;
    int *nulls = NULL;
    int rc = -1, ncols, nrows;

    if (res == NULL && t->abandoned[0] != '\0')
        return host_set_error(ctx, "%s", t->abandoned);
    if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
        const char *msg = PQresultErrorMessage(res);
        char text[1800];
        snprintf(text, sizeof(text), "%s", msg && msg[0] ? msg : PQerrorMessage(t->conn));
        size_t n = strlen(text);
        while (n > 0 && text[n - 1] == '\n')
            text[--n] = '\0';
        host_set_error(ctx, "query on %s failed: %s", gl_side_name(side), text);
        goto out;
    }
    ncols = PQnfields(res);
    nrows = PQntuples(res);
    names = calloc((size_t)ncols + 1, sizeof(*names));
    vals = calloc((size_t)ncols + 1, sizeof(*vals));
    nulls = calloc((size_t)ncols + 1, sizeof(*nulls));
    if (names == NULL || vals == NULL || nulls == NULL) {
        host_set_error(ctx, "out of memory reading a result");
        goto out;
    }
    for (int c = 0; c < ncols; c++)
        names[c] = PQfname(res, c);
    rc = 0;
    for (int r = 0; r < nrows && fn != NULL; r++) {
        for (int c = 0; c < ncols; c++) {
            nulls[c] = PQgetisnull(res, r, c);
            vals[c] = nulls[c] ? NULL : PQgetvalue(res, r, c);
        }
        rc = fn(userdata, ncols, names, vals, nulls);
        if (rc != 0)
            break;
    }
out:
    free(names);
    free(vals);
    free(nulls);
    PQclear(res);
    return rc;
}

static int run_query(gl_ctx *ctx, gl_side side, const char *sql, int simple, int nparams,
                     const char *const *params, gl_row_fn fn, void *userdata)
{
    gl_target *t = live_side(ctx, side);
    PGresult *res;

    if (t == NULL)
        return -1;
    if (ctx->remote)
        return gl_isolate__query(ctx, side, sql, simple, nparams, params, NULL, fn, userdata);
    if (t->abandoned[0] != '\0')
        return host_set_error(ctx, "%s", t->abandoned);
    res = simple ? PQexec(t->conn, sql) : PQexecParams(t->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    return deliver_rows(ctx, t, side, res, fn, userdata);
}

/* host->query_read_only (ABI 1.4): the statement in its own read-only
 * transaction, one round trip (plugin/host_pipeline.h). */
static int host_query_read_only(gl_ctx *ctx, gl_side side, const char *sql, int nparams,
                                const char *const *params, int timeout_ms, gl_row_fn fn,
                                void *userdata)
{
    gl_target *t = live_side(ctx, side);
    gl_isolate_read_only ro = {timeout_ms};

    if (t == NULL)
        return -1;
    if (sql == NULL || nparams < 0 || nparams > GL_PIPELINE_MAX_PARAMS)
        return host_set_error(ctx, "query_read_only: no statement, or %d parameters (0 to %d)",
                              nparams, GL_PIPELINE_MAX_PARAMS);
    if (ctx->remote)
        return gl_isolate__query(ctx, side, sql, 0, nparams, params, &ro, fn, userdata);
    if (t->abandoned[0] != '\0')
        return host_set_error(ctx, "%s", t->abandoned);
    return deliver_rows(ctx, t, side, gl_pipeline__exec(t, sql, nparams, params, timeout_ms), fn,
                        userdata);
}

static int host_query(gl_ctx *ctx, gl_side side, const char *sql, int nparams,
                      const char *const *params, gl_row_fn fn, void *userdata)
{
    return run_query(ctx, side, sql, 0, nparams, params, fn, userdata);
}

static int host_query_simple(gl_ctx *ctx, gl_side side, const char *sql, gl_row_fn fn,
                             void *userdata)
{
    return run_query(ctx, side, sql, 1, 0, NULL, fn, userdata);
}

/* host->reconnect (ABI 1.3): a fresh backend for a side, from collect. */
static int host_reconnect(gl_ctx *ctx, gl_side side)
{
    gl_target *t = live_side(ctx, side);
    gl_error err;

    if (t == NULL)
        return -1;
    if (ctx->remote)
        return gl_isolate__reconnect(ctx, side);
    gl_error_clear(&err);
    if (gl_target_reopen(t, &err) != 0)
        return host_set_error(ctx, "%s", err.message);
    return 0;
}

typedef struct rows_acc {
    gl_value *rows;
    int failed;
} rows_acc;

static int add_row(void *ud, int ncols, const char *const *names, const char *const *values,
                   const int *is_null)
{
    rows_acc *acc = ud;
    gl_value *row = gl_value_object();

    if (row == NULL)
        goto oom;
    for (int c = 0; c < ncols; c++) {
        gl_value *v = is_null[c] ? gl_value_null() : gl_value_string(values[c]);
        if (gl_value_object_set(row, names[c], v) != 0) {
            gl_value_free(row);
            goto oom;
        }
    }
    if (gl_value_array_push(acc->rows, row) != 0)
        goto oom;
    return 0;
oom:
    acc->failed = 1;
    return 1;
}

static int host_query_rows(gl_ctx *ctx, gl_side side, const char *sql, int nparams,
                           const char *const *params, gl_value **out_rows)
{
    rows_acc acc = {gl_value_array(), 0};
    int rc;

    *out_rows = NULL;
    if (acc.rows == NULL)
        return host_set_error(ctx, "out of memory");
    rc = host_query(ctx, side, sql, nparams, params, add_row, &acc);
    if (rc != 0 || acc.failed) {
        gl_value_free(acc.rows);
        return acc.failed ? host_set_error(ctx, "out of memory reading a result") : -1;
    }
    *out_rows = acc.rows;
    return 0;
}

static int host_server_version_num(gl_ctx *ctx, gl_side side)
{
    gl_target *t = (side == GL_SIDE_BLUE || side == GL_SIDE_GREEN) ? ctx->targets[side] : NULL;

    if (t == NULL || t->conn == NULL)
        return -1;
    return t->server_version_num;
}

static const gl_value *host_config(gl_ctx *ctx)
{
    return ctx->config;
}

int gl_host_valid_code(const char *code)
{
    if (code == NULL || code[0] == '\0' || code[0] == '.')
        return 0;
    for (const char *c = code; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '.'))
            return 0;
    return 1;
}

static const char *severity_name(gl_severity s)
{
    switch (s) {
    case GL_SEVERITY_INFO: return "info";
    case GL_SEVERITY_WARNING: return "warning";
    case GL_SEVERITY_ERROR: return "error";
    case GL_SEVERITY_CRITICAL: return "critical";
    }
    return NULL;
}

/* gl_finding as ABI 1.0 laid it out (no size), for plugins built then. */
typedef struct finding_1_0 {
    const char *code;
    gl_severity severity;
    const char *object;
    gl_value *blue;
    gl_value *green;
    const char *message;
    gl_value *details;
} finding_1_0;

/* The plugin's finding in this host's layout, whatever minor it was built
 * against. -1 (values freed, error set) when a 1.1+ finding has no size. */
static int read_finding(gl_ctx *ctx, const gl_finding *in, gl_finding *out)
{
    memset(out, 0, sizeof(*out));
    if (ctx->abi_minor == 0) {
        const finding_1_0 *old = (const finding_1_0 *)(const void *)in;
        out->code = old->code;
        out->severity = old->severity;
        out->object = old->object;
        out->blue = old->blue;
        out->green = old->green;
        out->message = old->message;
        out->details = old->details;
        out->size = sizeof(*out);
        return 0;
    }
    if (in->size < sizeof(gl_finding)) {
        /* Built against 1.1+ (so this layout) but not initialised with
         * GL_FINDING_INIT: still the host's values to free. */
        gl_value_free(in->blue);
        gl_value_free(in->green);
        gl_value_free(in->details);
        return host_set_error(ctx, "emit: gl_finding.size is %zu, not %zu: initialise findings "
                              "with GL_FINDING_INIT", in->size, sizeof(gl_finding));
    }
    memcpy(out, in, sizeof(*out));
    return 0;
}

/* emit owns the finding's blue, green and details from the first line on:
 * each is either placed in the finding or freed, on every path. */
static int host_emit(gl_ctx *ctx, const gl_finding *in)
{
    gl_value *obj = NULL, *blue, *green, *details;
    gl_finding fv;
    const gl_finding *f = &fv;
    const char *sev;
    int bad;

    if (in == NULL)
        return host_set_error(ctx, "emit: finding is NULL");
    if (read_finding(ctx, in, &fv) != 0)
        return -1;
    blue = f->blue;
    green = f->green;
    details = f->details;
    if (ctx->findings == NULL) {
        gl_value_free(blue);
        gl_value_free(green);
        gl_value_free(details);
        return host_set_error(ctx, "emit outside compare: findings are emitted in compare only");
    }
    sev = severity_name(f->severity);
    if (!gl_host_valid_code(f->code) || sev == NULL || f->message == NULL) {
        host_set_error(ctx, "emit: invalid finding (code \"%s\" must be [a-z0-9_.]+, severity "
                       "0-3, message required)", f->code ? f->code : "(null)");
        gl_value_free(blue);
        gl_value_free(green);
        gl_value_free(details);
        return -1;
    }
    /* object_set takes its value on failure too, so every member is handed
     * over even after an earlier one failed. */
    obj = gl_value_object();
    bad = obj == NULL;
    bad |= gl_value_object_set(obj, "id", gl_value_null()) != 0;
    bad |= gl_value_object_set(obj, "check", gl_value_string(ctx->plugin_name)) != 0;
    bad |= gl_value_object_set(obj, "code", gl_value_string(f->code)) != 0;
    bad |= gl_value_object_set(obj, "severity", gl_value_string(sev)) != 0;
    bad |= gl_value_object_set(obj, "object", gl_value_string(f->object ? f->object : "")) != 0;
    bad |= gl_value_object_set(obj, "blue", blue ? blue : gl_value_null()) != 0;
    bad |= gl_value_object_set(obj, "green", green ? green : gl_value_null()) != 0;
    bad |= gl_value_object_set(obj, "message", gl_value_string(f->message)) != 0;
    bad |= gl_value_object_set(obj, "details", details ? details : gl_value_object()) != 0;
    if (bad) {
        gl_value_free(obj);
        return host_set_error(ctx, "out of memory emitting a finding");
    }
    if (gl_value_array_push(ctx->findings, obj) != 0)   /* frees obj */
        return host_set_error(ctx, "out of memory emitting a finding");
    return 0;
}

/* The parent shows it (plugin/progress.h): it alone knows the terminal's
 * line, and clears it when the call ends. */
static void host_progress(gl_ctx *ctx, size_t done, size_t total, const char *label)
{
    if (ctx->remote)
        gl_isolate__progress(ctx, done, total, label);
}

static const gl_host host_table = {
    .size = sizeof(gl_host),
    .abi_major = GL_PLUGIN_ABI_MAJOR,
    .abi_minor = GL_PLUGIN_ABI_MINOR,
    .set_error = host_set_error,
    .log = host_log,
    .query = host_query,
    .query_rows = host_query_rows,
    .server_version_num = host_server_version_num,
    .config = host_config,
    .emit = host_emit,
    .value_null = gl_value_null,
    .value_bool = gl_value_bool,
    .value_int = gl_value_int,
    .value_number = gl_value_number,
    .value_string = gl_value_string,
    .value_string_len = gl_value_string_len,
    .value_array = gl_value_array,
    .value_object = gl_value_object,
    .array_push = gl_value_array_push,
    .object_set = gl_value_object_set,
    .value_copy = gl_value_copy,
    .value_free = gl_value_free,
    .value_kind = gl_value_kind_of,
    .value_get_bool = gl_value_get_bool,
    .value_get_int = gl_value_get_int,
    .value_get_number = gl_value_get_number,
    .value_get_string = gl_value_get_string,
    .value_len = gl_value_len,
    .array_at = gl_value_array_at,
    .object_get = gl_value_object_get,
    .object_key_at = gl_value_object_key_at,
    .object_value_at = gl_value_object_value_at,
    .value_equal = gl_value_equal,
    .progress = host_progress,
    .last_error = host_last_error,
    .query_simple = host_query_simple,
    .skip = host_skip,
    .reconnect = host_reconnect,
    .query_read_only = host_query_read_only,
};

const gl_host *gl_host_table(void)
{
    return &host_table;
}
