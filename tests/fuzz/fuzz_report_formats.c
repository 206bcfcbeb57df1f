/*
 * Fuzz target for the report renderers and the --format list parser: any JSON
 * document handed to `greenlight report --from` (a report of any shape, with
 * members of the wrong type) renders in every format without crashing, and
 * the JUnit output is well-formed XML.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "report/report.h"
#include "value/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gl_value *v = NULL;
    gl_report_formats list;
    gl_error err;
    char *text = NULL, *out = NULL;
    size_t len = 0;

    text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    (void)gl_report_formats_parse(text, &list, &err);
    free(text);
    if (gl_json_parse((const char *)data, size, &v, NULL) != 0)
        return 0;
    for (int f = 0; f < GL_FORMAT_COUNT; f++) {
        if (gl_report_render(v, (gl_report_format)f, f == 0, &out, &len, &err) != 0)
            continue;
        if (f == GL_FORMAT_JUNIT) {
            xmlDocPtr doc = xmlReadMemory(out, (int)len, "report.junit.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
            if (doc == NULL) {
                fprintf(stderr, "fuzz_report_formats: JUnit output is not well-formed XML:\n%s\n", out);
                abort();
            }
            xmlFreeDoc(doc);
        }
        free(out);
        out = NULL;
    }
    gl_value_free(v);
    return 0;
}
