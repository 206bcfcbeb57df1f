/*
 * args — option values more than one verb reads (see cli.h).
 */
#include <stdlib.h>

#include "cli/cli.h"

int gl_cli_seconds(const char *text, long lo, long hi, long *out)
{
    char *end;
    long s = strtol(text, &end, 10);

    if (end == text || *end != '\0' || s < lo || s > hi)
        return -1;
    *out = s;
    return 0;
}
