/*
 * Fuzz target for the deployment record's strict validation: any JSON that
 * parses is either accepted (then every accessor the verbs use works) or
 * refused with a message; never a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gl_value *v = NULL;
    gl_error err;

    if (gl_json_parse((const char *)data, size, &v, NULL) != 0)
        return 0;
    gl_error_clear(&err);
    if (gl_deploy_record_validate(v, &err) != 0) {
        if (err.message[0] == '\0' || err.error_class != GL_ERR_USAGE) {
            fprintf(stderr, "fuzz_deploy_record: refused without a message or a usage class\n");
            abort();
        }
    } else {
        const char *keys[] = {"name", "state", "step", "publication", "subscription", "slot", NULL};
        for (size_t i = 0; keys[i] != NULL; i++)
            if (gl_deploy_record_string(v, keys[i]) == NULL) {
                fprintf(stderr, "fuzz_deploy_record: accepted record lacks %s\n", keys[i]);
                abort();
            }
        if (!gl_deploy_state_valid(gl_deploy_record_string(v, "state")))
            abort();
        (void)gl_deploy_record_done(v, "schema");
        if (gl_value_object_string(gl_value_object_get(v, "blue"), "conninfo") == NULL)
            abort();
    }
    gl_value_free(v);
    return 0;
}
