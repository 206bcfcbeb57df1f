/*
 * Fuzz target: the query_regression workload parser. Any input must either
 * parse into a workload or fail with a message, never crash or leak; a parsed
 * workload's queries must satisfy the limits the parser promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/query_regression/workload.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    query_regression_workload *w = NULL;
    char err[512];

    if (query_regression_workload_parse((const char *)data, size, &w, err, sizeof(err)) == 0) {
        if (w == NULL || w->count > GL_QR_MAX_QUERIES)
            abort();
        for (size_t i = 0; i < w->count; i++) {
            const query_regression_query *q = &w->queries[i];
            if (q->name == NULL || q->sql == NULL || strlen(q->name) > GL_QR_MAX_NAME ||
                q->nsets > GL_QR_MAX_PARAM_SETS || q->nparams > GL_QR_MAX_PARAMS)
                abort();
        }
        query_regression_workload_free(w);
    } else if (w != NULL || err[0] == '\0') {
        abort();
    }
    return 0;
}
