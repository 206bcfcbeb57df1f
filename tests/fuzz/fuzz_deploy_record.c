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
    char msg[1024] = "";

    if (gl_json_parse((const char *)data, size, &v, NULL) != 0)
        return 0;
    if (gl_deploy_record_validate(v, msg, sizeof(msg)) != 0) {
        if (msg[0] == '\0') {
            fprintf(stderr, "fuzz_deploy_record: refused without a message\n");
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
