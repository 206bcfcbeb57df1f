/*
 * replication — internals shared by replication.c (queries, config,
 * descriptor) and compare.c (the checks).
 */
#ifndef GL_REPLICATION_INTERNAL_H
#define GL_REPLICATION_INTERNAL_H

#include <greenlight/plugin.h>

typedef struct limits {
    double lag_bytes;
    double lag_seconds;
    double transaction_seconds;
    double ddl_lock_seconds;
    const char *subscription;
    /* The endpoint clients should use: PgBouncer's database alias and the
     * server-side pids of its connections (deploy writes them to
     * DIR/gate-config.json). NULL alias: no endpoint known, no check. */
    const char *endpoint_db;
    const gl_value *endpoint_pids;
} limits;

typedef struct judge {
    gl_ctx *ctx;
    const gl_host *host;
    const gl_value *blue, *green;
    limits lim;
    int failed;
} judge;

/* Reads the plugin's config into lim (defaults for what it omits): 0, or the
 * host's set_error() for a bad or unknown key. */
int replication_read_limits(gl_ctx *ctx, const gl_host *host, limits *lim);
int replication_compare(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
                        const gl_value *green);

#endif
