/*
 * Replay driver for fuzz targets when not building with clang/libFuzzer:
 * runs LLVMFuzzerTestOneInput once on every file named on the command line,
 * or on every regular file inside a named directory (not recursive).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads the whole file; returns 0 or -1 with a message on stderr. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t len = 0, cap = 0;
    int rc = -1;

    if (f == NULL) {
        fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
        goto out;
    }
    for (;;) {
        size_t n;
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            uint8_t *grown = realloc(data, ncap);
            if (grown == NULL) {
                fprintf(stderr, "cannot read %s: out of memory\n", path);
                goto out;
            }
            data = grown;
            cap = ncap;
        }
        n = fread(data + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "cannot read %s: read error\n", path);
        goto out;
    }
    /* An exact-size copy so ASan catches reads past the input's end. */
    {
        uint8_t *exact = malloc(len ? len : 1);
        if (exact == NULL)
            goto out;
        if (len > 0)
            memcpy(exact, data, len);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    rc = 0;
out:
    if (f != NULL)
        fclose(f);
    free(data);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned long replayed = 0;
    int failed = 0;
    int i;

    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "cannot read %s: %s\n", argv[i], strerror(errno));
            failed = 1;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            struct dirent **names = NULL;
            int n = scandir(argv[i], &names, NULL, alphasort);
            int j;
            if (n < 0) {
                fprintf(stderr, "cannot read %s: %s\n", argv[i], strerror(errno));
                failed = 1;
                continue;
            }
            for (j = 0; j < n; j++) {
                char path[4096];
                struct stat fst;
                snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]->d_name);
                if (stat(path, &fst) == 0 && S_ISREG(fst.st_mode)) {
                    if (replay_file(path) == 0)
                        replayed++;
                    else
                        failed = 1;
                }
                free(names[j]);
            }
            free(names);
        } else if (replay_file(argv[i]) == 0) {
            replayed++;
        } else {
            failed = 1;
        }
    }
    printf("replayed %lu inputs\n", replayed);
    return failed ? 1 : 0;
}
