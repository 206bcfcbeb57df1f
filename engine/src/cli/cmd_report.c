/* greenlight report --from DIR/report.json --format LIST [--out DIR]: re-renders a saved run. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "util/names.h"
#include "value/value.h"

static void report_usage(FILE *out)
{
    fprintf(out,
            "usage: greenlight report --from FILE [--format LIST] [--out DIR]\n"
            "\n"
            "Re-renders a saved report.json in other formats; decides nothing.\n"
            "\n"
            "  --from FILE           a report.json written by `greenlight check --out DIR`\n"
            "  -v, --verbose         list info findings in the text too\n"
            GL_CLI_OUTPUT_HELP
            "\n"
            "exit: 0 rendered, 64 usage or an unreadable/invalid report, 70 an output could not be written\n");
}

/* The minimum every renderer relies on; the full shape is report.schema.json. */
static int check_report(const gl_value *r, const char *path, gl_error *err)
{
    static const char *const arrays[] = {"findings", "plugins", "errors", "waivers"};
    const gl_value *decision = gl_value_object_get(r, "decision");
    const char *version = gl_value_object_string(r, "schema_version");
    const char *action = gl_value_object_string(decision, "action");

    if (gl_value_kind_of(r) != GL_VALUE_OBJECT)
        return gl_error_set(err, GL_ERR_USAGE, "%s is not a greenlight report: not a JSON object", path);
    if (version == NULL || strncmp(version, "1.", 2) != 0)
        return gl_error_set(err, GL_ERR_USAGE,
                            "%s is not a greenlight 1.x report (schema_version \"%s\"): give the report.json of a run",
                            path, version ? version : "missing");
    if (gl_action_rank(action) == 0)
        return gl_error_set(err, GL_ERR_USAGE, "%s: decision.action must be switchover, hold or rollback", path);
    for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
        if (gl_value_kind_of(gl_value_object_get(r, arrays[i])) != GL_VALUE_ARRAY)
            return gl_error_set(err, GL_ERR_USAGE, "%s: \"%s\" must be an array", path, arrays[i]);
    if (gl_value_kind_of(gl_value_object_get(r, "targets")) != GL_VALUE_OBJECT)
        return gl_error_set(err, GL_ERR_USAGE, "%s: \"targets\" must be an object", path);
    return 0;
}

int gl_cli_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'F'},
        {"verbose", no_argument, NULL, 'v'},
        GL_CLI_OUTPUT_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    gl_cli_output output;
    const char *from = NULL;
    gl_value *report = NULL;
    gl_error err;
    char msg[1024];
    int c, rc;

    gl_cli_output_init(&output, "report");
    output.policy_pub = NULL; /* re-rendering runs no policy */
    gl_error_clear(&err);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        if (c == 'F')
            from = optarg;
        else if (c == 'v')
            output.all_findings = 1;
        else if (c == 'h') {
            report_usage(stdout);
            return 0;
        } else if (!gl_cli_output_option(&output, c, optarg)) {
            snprintf(msg, sizeof(msg), "unknown or incomplete option \"%s\"", argv[optind - 1]);
            return gl_cli_fail("report", GL_EXIT_USAGE, msg);
        }
    }
    if (optind < argc) {
        snprintf(msg, sizeof(msg), "unexpected argument \"%s\"", argv[optind]);
        return gl_cli_fail("report", GL_EXIT_USAGE, msg);
    }
    if (from == NULL)
        return gl_cli_fail("report", GL_EXIT_USAGE, "report needs --from FILE (a report.json)");
    if (gl_cli_output_validate(&output, &err) != 0)
        return gl_cli_fail("report", GL_EXIT_USAGE, err.message);
    if (gl_json_parse_file(from, &report, &err) != 0)
        return gl_cli_fail("report", GL_EXIT_USAGE, err.message);
    if (check_report(report, from, &err) != 0) {
        gl_value_free(report);
        return gl_cli_fail("report", GL_EXIT_USAGE, err.message);
    }
    rc = gl_cli_output_finish(&output, report, 0);
    gl_value_free(report);
    return rc;
}
