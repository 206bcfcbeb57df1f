/*
 * Fuzz target: the strict input validators (engine/src/input/). The first
 * byte picks the format (change, config, waivers, snapshot, policy input),
 * the rest is the JSON document. A document is accepted or refused with a
 * message that names the file and a JSON path; never a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/exit.h"
#include "input/input.h"
#include "value/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gl_value *v = NULL;
    gl_error err;
    gl_input_format format;

    if (size < 1)
        return 0;
    format = (gl_input_format)(data[0] % GL_INPUT_FORMAT_COUNT);
    if (gl_json_parse((const char *)data + 1, size - 1, &v, NULL) != 0)
        return 0;
    gl_error_clear(&err);
    if (gl_input_validate(format, v, "--fuzz input.json", &err) != 0 &&
        (strstr(err.message, "--fuzz input.json: $") == NULL || gl_cli_exit_code(&err) != GL_EXIT_USAGE))
        abort(); /* a refusal names the file and the JSON path */
    gl_value_free(v);
    return 0;
}
