/*
 * Fuzz target for the JSON reader and writer: whatever parses must write,
 * and what is written must parse back to an equal tree, compact and pretty.
 * Any mismatch aborts so the fuzzer keeps the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "value/value.h"

static void round_trip(const gl_value *v, int pretty)
{
    size_t len = 0;
    char *text = gl_json_write(v, pretty, &len);
    gl_value *back = NULL;
    gl_error err = {0};

    if (text == NULL) {
        fprintf(stderr, "fuzz_json: a parsed value could not be written (pretty=%d)\n", pretty);
        abort();
    }
    if (gl_json_parse(text, len, &back, &err) != 0) {
        fprintf(stderr, "fuzz_json: written JSON does not parse: %s\n%s\n", err.message, text);
        abort();
    }
    if (!gl_value_equal(v, back)) {
        fprintf(stderr, "fuzz_json: round trip changed the value:\n%s\n", text);
        abort();
    }
    gl_value_free(back);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gl_value *v = NULL, *copy;
    gl_error err = {0};

    if (gl_json_parse((const char *)data, size, &v, &err) != 0) {
        if (v != NULL || err.message[0] == '\0') {
            fprintf(stderr, "fuzz_json: failed parse left a value or no message\n");
            abort();
        }
        return 0;
    }
    round_trip(v, 0);
    round_trip(v, 1);
    copy = gl_value_copy(v);
    if (copy == NULL || !gl_value_equal(v, copy)) {
        fprintf(stderr, "fuzz_json: copy differs from the original\n");
        abort();
    }
    gl_value_free(copy);
    gl_value_free(v);
    return 0;
}
