/*
 * Fuzz target for `greenlight verify`: any bytes as an audit log or record
 * file are reported on (valid, or the problems line by line), never crash.
 * One Ed25519 key is made on the first call.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evidence/evidence.h"

static gl_evidence_key *pub;
static char dir[] = "/tmp/gl-fuzz-audit-XXXXXX";

static void cleanup(void)
{
    char path[128];
    gl_evidence_key_free(pub);
    snprintf(path, sizeof(path), "%s/k", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/k.pub", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/log", dir);
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char key[128], key_pub[128], log[128];
    gl_error err;
    FILE *f, *devnull;

    if (pub == NULL) {
        if (mkdtemp(dir) == NULL)
            abort();
        snprintf(key, sizeof(key), "%s/k", dir);
        snprintf(key_pub, sizeof(key_pub), "%s/k.pub", dir);
        if (gl_evidence_keygen(key, &err) != 0 || gl_evidence_key_load_public(key_pub, &pub, &err) != 0) {
            fprintf(stderr, "fuzz_audit_log: %s\n", err.message);
            abort();
        }
        atexit(cleanup);
    }
    snprintf(log, sizeof(log), "%s/log", dir);
    f = fopen(log, "wb");
    if (f == NULL)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    devnull = fopen("/dev/null", "w");
    if (devnull == NULL)
        abort();
    (void)gl_evidence_verify_file(log, pub, devnull, &err);
    fclose(devnull);
    return 0;
}
