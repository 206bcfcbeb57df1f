/*
 * Fuzz target for the RDS Query API answer parser (engine/src/aws/rds_xml.c):
 * every reader either parses or fails with a message; nothing crashes, leaks
 * or overflows a field.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/rds.h"

static gl_rds_deployment page[8];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *xml = (const char *)data;
    gl_rds_deployment *one = calloc(1, sizeof(*one));
    char marker[256], host[256], code[128], message[512];
    size_t n = 0;
    int port = 0;
    gl_error err;

    if (one == NULL)
        return 0;
    gl_error_clear(&err);
    if (gl_rds_xml_deployments(xml, size, page, 8, &n, marker, sizeof(marker), &err) != 0 && err.message[0] == '\0')
        abort();
    if (n > 8 || strlen(marker) >= sizeof(marker))
        abort();
    gl_error_clear(&err);
    if (gl_rds_xml_deployment(xml, size, one, &err) != 0 && err.message[0] == '\0')
        abort();
    gl_error_clear(&err);
    if (gl_rds_xml_endpoint(xml, size, host, sizeof(host), &port, &err) == 0 && (port < 1 || port > 65535))
        abort();
    gl_rds_xml_error(xml, size, code, sizeof(code), message, sizeof(message));
    free(one);
    return 0;
}
