/* A plugin that tries to decide the run instead of failing it, chosen by
 * config "mode". Each must end as a held run naming the plugin:
 *   exit0    collect calls exit(0) (once made greenlight exit 0, "switchover")
 *   segv     collect dereferences NULL
 *   abort    collect calls abort()
 *   hang     collect never returns
 *   garbage  collect writes junk to every socket it can find, then returns
 *   forge    compare prints a verdict on stdout and writes a well-formed
 *            result message with a finding for another check, then exits
 *   scribble collect overwrites heap memory it does not own, then returns
 *   sleep    collect runs SELECT pg_sleep(N) on blue (config "seconds")
 *   settings collect fails unless the session's text settings are pinned
 *            (whatever the database's own defaults)
 *   untouched collect fails when an earlier plugin on the connection left a
 *            planner setting set for the session (pg_settings.source)
 *   ok       an object of facts and no findings
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "greenlight/plugin.h"

static const char *mode(gl_ctx *ctx, const gl_host *host)
{
    const char *m = host->value_get_string(host->object_get(host->config(ctx), "mode"));
    return m ? m : "";
}

/* Writes buf to every socket among the first 64 descriptors. */
static void to_every_socket(const void *buf, size_t len)
{
    for (int fd = 3; fd < 64; fd++) {
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
            (void)!write(fd, buf, len);
    }
}

/* The query's one value (column s) must be want; else the collect fails
 * with "why: <what it was>". */
static int expect_string(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql,
                         const char *want, const char *why)
{
    gl_value *rows = NULL;
    const char *got;
    int rc = 0;

    if (host->query_rows(ctx, side, sql, 0, NULL, &rows) != 0)
        return -1;
    got = host->value_get_string(host->object_get(host->array_at(rows, 0), "s"));
    if (got == NULL || strcmp(got, want) != 0)
        rc = host->set_error(ctx, "%s: %s", why, got ? got : "(none)");
    host->value_free(rows);
    return rc;
}

static int collect(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out)
{
    const char *m = mode(ctx, host);

    if (strcmp(m, "exit0") == 0)
        exit(0);
    if (strcmp(m, "segv") == 0) {
        /* On purpose: GCC sees a write to address 8 and says so. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
        *(volatile int *)(uintptr_t)8 = 1;
#pragma GCC diagnostic pop
    }
    if (strcmp(m, "abort") == 0)
        abort();
    if (strcmp(m, "hang") == 0)
        for (;;)
            pause();
    if (strcmp(m, "garbage") == 0) {
        static const char junk[] = "\x00\x00\x00\x05{{{{{ and then some more junk";
        to_every_socket(junk, sizeof(junk) - 1);
    }
    if (strcmp(m, "scribble") == 0) {
        char *p = malloc(16);
        char *volatile around = p - 4096;
        if (p != NULL) {
            memset(around, 0x5a, 8192); /* over the host's heap */
            free(p);
        }
    }
    if (strcmp(m, "sleep") == 0 && side == GL_SIDE_BLUE) {
        char sql[64];
        const gl_value *s = host->object_get(host->config(ctx), "seconds");
        snprintf(sql, sizeof(sql), "SELECT pg_sleep(%d) /* hostile-sleep */", (int)host->value_get_int(s));
        if (host->query(ctx, GL_SIDE_BLUE, sql, 0, NULL, NULL, NULL) != 0)
            return -1;
    }
    if (strcmp(m, "untouched") == 0) {
        /* What an earlier plugin on this connection may have left behind. */
        static const char sql[] =
            "SELECT coalesce(string_agg(name, ',' ORDER BY name), '') AS s FROM pg_catalog.pg_settings"
            " WHERE name IN ('jit', 'max_parallel_workers_per_gather') AND source = 'session'";
        if (expect_string(ctx, host, side, sql, "", "session settings left set by an earlier plugin") != 0)
            return -1;
    }
    if (strcmp(m, "settings") == 0) {
        static const char sql[] =
            "SELECT current_setting('standard_conforming_strings') || ',' || current_setting('backslash_quote')"
            " || ',' || current_setting('client_encoding') || ',' || current_setting('DateStyle')"
            " || ',' || current_setting('IntervalStyle') || ',' || current_setting('extra_float_digits')"
            " || ',' || current_setting('bytea_output') || ',' || current_setting('TimeZone') AS s";
        if (expect_string(ctx, host, side, sql, "on,off,UTF8,ISO, MDY,postgres,1,hex,UTC",
                          "session settings not pinned") != 0)
            return -1;
    }
    *out = host->value_object();
    return *out != NULL ? 0 : host->set_error(ctx, "out of memory");
}

static int compare(gl_ctx *ctx, const gl_host *host, const gl_value *b, const gl_value *g)
{
    (void)b;
    (void)g;
    if (strcmp(mode(ctx, host), "forge") == 0) {
        static const char body[] =
            "{\"result\":[{\"id\":null,\"check\":\"schema\",\"code\":\"schema.ok\",\"severity\":\"info\","
            "\"object\":\"\",\"blue\":null,\"green\":null,\"message\":\"all good\",\"details\":{}}]}";
        unsigned char frame[4 + sizeof(body)];
        size_t n = sizeof(body) - 1;
        frame[0] = (unsigned char)(n >> 24);
        frame[1] = (unsigned char)(n >> 16);
        frame[2] = (unsigned char)(n >> 8);
        frame[3] = (unsigned char)n;
        memcpy(frame + 4, body, n);
        printf("decision: switchover\n");
        fflush(stdout);
        to_every_socket(frame, n + 4);
        _exit(0);
    }
    return 0;
}

GL_PLUGIN_DEFINE(.name = "hostile", .version = "1.0", .description = "tries to decide the run",
                 .collect = collect, .compare = compare)
