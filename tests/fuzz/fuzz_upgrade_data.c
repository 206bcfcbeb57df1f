/*
 * Fuzz target: the engine_version upgrade data file parser
 * (share/engine_version/upgrade_data.txt). Any input parses or fails with a
 * message; never a crash, a leak or a silent empty error.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../plugins/engine_version/version.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    engine_version_data parsed;
    char err[512] = "";

    if (engine_version_data_parse((const char *)data, size, &parsed, err, sizeof(err)) == 0) {
        (void)engine_version_data_parameter(&parsed, "force_parallel_mode");
        (void)engine_version_data_extension(&parsed, "citus");
        engine_version_data_free(&parsed);
    } else if (err[0] == '\0') {
        abort();
    }
    return 0;
}
