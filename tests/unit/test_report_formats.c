/* Unit tests for the report formats (engine/src/report/): the --format list,
 * and what each renderer does with hostile text in a report. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cli/exit.h"
#include "report/report.h"
#include "value/value.h"

static const char REPORT[] =
    "{\"schema_version\":\"1.0\",\"greenlight_version\":\"0.1.0\",\"run_id\":\"r1\","
    "\"started_at\":\"2026-01-02T03:04:05.678Z\",\"finished_at\":\"2026-01-02T03:04:06.000Z\",\"duration_ms\":322,"
    "\"targets\":{\"blue\":{\"display\":\"host=a\"},\"green\":{\"display\":\"host=b\"}},"
    "\"plugins\":[{\"name\":\"schema\",\"version\":\"1.0\",\"status\":\"ok\",\"duration_ms\":1,\"error\":null},"
    "{\"name\":\"broken\",\"version\":\"1.0\",\"status\":\"failed\",\"duration_ms\":1,\"error\":\"collect failed\"}],"
    "\"findings\":["
    "{\"id\":\"schema.x:t1\",\"check\":\"schema\",\"code\":\"schema.x\",\"severity\":\"error\",\"object\":\"t1\","
    "\"blue\":null,\"green\":{\"a\":1},\"message\":\"50% done\\r\\n::error::injected | <b>bold</b> [l](http://e) @here\",\"details\":{}},"
    "{\"id\":\"schema.x:t2\",\"check\":\"schema\",\"code\":\"schema.x\",\"severity\":\"info\",\"object\":\"t2\","
    "\"blue\":1,\"green\":2,\"message\":\"ctl \\u0001 char\",\"details\":{}}],"
    "\"decision\":{\"action\":\"hold\",\"exit_code\":1,\"reasons\":[{\"rule\":\"r\",\"action\":\"hold\","
    "\"message\":\"blocked\",\"findings\":[\"schema.x:t1\"]}]},"
    "\"policy\":{\"path\":\"p.lua\",\"sha256\":\"00\"},\"change\":null,\"waivers\":[],"
    "\"errors\":[{\"stage\":\"plugin\",\"message\":\"broken: collect failed\"}]}";

static gl_value *report(void)
{
    gl_value *v = NULL;
    gl_error jerr = {0};
    cr_assert_eq(gl_json_parse(REPORT, strlen(REPORT), &v, &jerr), 0, "%s", jerr.message);
    return v;
}

static char *render(gl_report_format f)
{
    gl_value *r = report();
    gl_error err;
    char *out = NULL;
    size_t len = 0;

    gl_error_clear(&err);
    cr_assert_eq(gl_report_render(r, f, 0, &out, &len, &err), 0, "%s", err.message);
    cr_assert_eq(strlen(out), len);
    gl_value_free(r);
    return out;
}

Test(formats, parses_a_list_in_order)
{
    gl_report_formats f;
    gl_error err;
    cr_assert_eq(gl_report_formats_parse("sarif,text,junit", &f, &err), 0);
    cr_assert_eq(f.n, 3);
    cr_assert_eq(f.list[0], GL_FORMAT_SARIF);
    cr_assert_eq(f.list[2], GL_FORMAT_JUNIT);
    cr_assert_str_eq(gl_report_format_file(GL_FORMAT_JUNIT), "report.junit.xml");
}

Test(formats, refuses_unknown_empty_and_repeated)
{
    gl_report_formats f;
    gl_error err;
    cr_assert_eq(gl_report_formats_parse("text,,json", &f, &err), -1);
    cr_assert_eq(gl_cli_exit_code(&err), GL_EXIT_USAGE);
    cr_assert(strstr(err.message, "unknown format \"\"") != NULL, "%s", err.message);
    cr_assert_eq(gl_report_formats_parse("", &f, &err), -1);
    cr_assert_eq(gl_report_formats_parse("json,JSON", &f, &err), -1);
    cr_assert(strstr(err.message, "unknown format \"JSON\"") != NULL, "%s", err.message);
    cr_assert_eq(gl_report_formats_parse("md,markdown,markdown", &f, &err), -1);
    cr_assert(strstr(err.message, "\"md\"") != NULL, "%s", err.message);
    cr_assert_eq(gl_report_formats_parse("markdown,markdown", &f, &err), -1);
    cr_assert(strstr(err.message, "listed twice") != NULL, "%s", err.message);
}

Test(formats, github_encodes_line_breaks_so_no_command_is_injected)
{
    char *out = render(GL_FORMAT_GITHUB);
    cr_assert(strstr(out, "::error title=greenlight%3A hold::decision: hold\n") == out, "%s", out);
    cr_assert(strstr(out, "::error title=schema.x (error)::t1: 50%25 done%0D%0A::error::injected") != NULL, "%s", out);
    cr_assert(strstr(out, "\n::error::injected") == NULL, "%s", out);
    cr_assert(strstr(out, "::error title=greenlight error (plugin)::broken: collect failed\n") != NULL, "%s", out);
    free(out);
}

Test(formats, markdown_neutralises_markup)
{
    char *out = render(GL_FORMAT_MARKDOWN);
    cr_assert(strncmp(out, "## ⛔ greenlight: **hold**\n", 28) == 0, "%s", out);
    cr_assert(strstr(out, "<b>") == NULL && strstr(out, "](http") == NULL && strstr(out, " @here") == NULL, "%s", out);
    cr_assert(strstr(out, "\\<b\\>bold\\</b\\>") != NULL, "%s", out);
    cr_assert(strstr(out, "| error **blocking** | schema\\_x") == NULL, "%s", out); /* dots are not escaped */
    cr_assert(strstr(out, "| error **blocking** | schema.x | t1 | - | \\{\"a\"\\:1\\} |") != NULL, "%s", out);
    cr_assert(strstr(out, "### broken — 0 findings, 0 blocking — check failed") != NULL, "%s", out);
    free(out);
}

Test(formats, junit_fails_blocking_groups_and_errors_failed_checks)
{
    char *out = render(GL_FORMAT_JUNIT);
    cr_assert(strstr(out, "timestamp=\"2026-01-02T03:04:05\"") != NULL, "%s", out);
    cr_assert(strstr(out, "<failure type=\"schema.x\" message=\"1 of 2 schema.x findings blocks the decision\">") != NULL, "%s", out);
    cr_assert(strstr(out, "<error type=\"check_failed\" message=\"collect failed\"/>") != NULL, "%s", out);
    cr_assert(strstr(out, "\x01") == NULL, "control characters never reach the XML");
    cr_assert(strstr(out, "&lt;b&gt;bold&lt;/b&gt;") != NULL, "%s", out);
    free(out);
}

Test(formats, sarif_maps_levels_and_indexes_rules)
{
    char *out = render(GL_FORMAT_SARIF);
    gl_value *doc = NULL;
    gl_error jerr = {0};
    cr_assert_eq(gl_json_parse(out, strlen(out), &doc, &jerr), 0, "%s", jerr.message);
    const gl_value *run = gl_value_array_at(gl_value_object_get(doc, "runs"), 0);
    const gl_value *results = gl_value_object_get(run, "results");
    const gl_value *rules = gl_value_object_get(gl_value_object_get(gl_value_object_get(run, "tool"), "driver"), "rules");
    cr_assert_eq(gl_value_len(rules), 1);
    cr_assert_eq(gl_value_len(results), 2);
    cr_assert_str_eq(gl_value_object_string(gl_value_array_at(results, 0), "level"), "error");
    cr_assert_str_eq(gl_value_object_string(gl_value_array_at(results, 1), "level"), "note");
    cr_assert_eq(gl_value_get_int(gl_value_object_get(gl_value_array_at(results, 1), "ruleIndex")), 0);
    gl_value_free(doc);
    free(out);
}
