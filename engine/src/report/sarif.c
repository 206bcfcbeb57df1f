/*
 * SARIF 2.1.0 for code-scanning UIs: one rule per finding code (with help
 * text pointing at the check's documentation), one result per finding with
 * its level mapped from severity (critical, error -> error; warning ->
 * warning; info -> note) and a logical location naming the database object.
 * Waived findings carry an external suppression with the waiver's reason.
 * Built as a value tree and serialised by yajl (value/json.c).
 */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "value/value.h"

#define SARIF_SCHEMA "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

/* Sets key on obj, or (after any failure) frees val; *bad sticks at 1.
 * Every container built here ends in put/push, so nothing leaks on failure. */
static void put(gl_value *obj, const char *key, gl_value *val, int *bad)
{
    if (*bad || obj == NULL || val == NULL) {
        gl_value_free(val);
        *bad = 1;
        return;
    }
    if (gl_value_object_set(obj, key, val) != 0)
        *bad = 1;
}

static void push(gl_value *arr, gl_value *val, int *bad)
{
    if (*bad || arr == NULL || val == NULL) {
        gl_value_free(val);
        *bad = 1;
        return;
    }
    if (gl_value_array_push(arr, val) != 0)
        *bad = 1;
}

static gl_value *message(const char *text, int *bad)
{
    gl_value *m = gl_value_object();
    put(m, "text", gl_value_string(text), bad);
    return m;
}

static const char *level_of(const char *severity)
{
    if (strcmp(severity, "critical") == 0 || strcmp(severity, "error") == 0)
        return "error";
    if (strcmp(severity, "warning") == 0)
        return "warning";
    return "note";
}

static gl_value *rule_for(const gl_value *f, int *bad)
{
    const char *code = gl_report__str(f, "code", "?");
    const char *check = gl_report__str(f, "check", "?");
    gl_value *rule = gl_value_object(), *props = gl_value_object(), *config = gl_value_object();
    char help[1024];

    snprintf(help, sizeof(help),
             "%s is reported by the %s check when blue and green differ in this way. Whether it "
             "blocks a switchover is the policy's decision; a reviewed difference can be declared in "
             "the change file or waived. See share/doc/checks/%s.md.", code, check, check);
    put(rule, "id", gl_value_string(code), bad);
    put(rule, "name", gl_value_string(code), bad);
    put(rule, "shortDescription", message(code, bad), bad);
    put(rule, "fullDescription", message(help, bad), bad);
    put(rule, "help", message(help, bad), bad);
    put(config, "level", gl_value_string(level_of(gl_report__str(f, "severity", "info"))), bad);
    put(rule, "defaultConfiguration", config, bad);
    put(props, "check", gl_value_string(check), bad);
    put(rule, "properties", props, bad);
    return rule;
}

static gl_value *result_for(const gl_value *report, const gl_value *f, size_t rule_index, int *bad)
{
    const gl_value *waivers = gl_value_object_get(report, "waivers");
    const char *severity = gl_report__str(f, "severity", "info");
    const char *id = gl_value_object_string(f, "id");
    gl_value *r = gl_value_object(), *locs = gl_value_array(), *loc = gl_value_object();
    gl_value *logical = gl_value_array(), *ll = gl_value_object(), *fp = gl_value_object();
    gl_value *props = gl_value_object();

    put(r, "ruleId", gl_value_string(gl_report__str(f, "code", "?")), bad);
    put(r, "ruleIndex", gl_value_int((int64_t)rule_index), bad);
    put(r, "level", gl_value_string(level_of(severity)), bad);
    put(r, "message", message(gl_report__str(f, "message", ""), bad), bad);
    put(ll, "fullyQualifiedName", gl_value_string(gl_report__str(f, "object", "")), bad);
    put(ll, "kind", gl_value_string("resource"), bad);
    push(logical, ll, bad);
    put(loc, "logicalLocations", logical, bad);
    push(locs, loc, bad);
    put(r, "locations", locs, bad);
    put(fp, "greenlightFinding/v1", gl_value_string(id ? id : ""), bad);
    put(r, "partialFingerprints", fp, bad);
    if (gl_value_get_bool(gl_value_object_get(f, "waived"))) {
        int64_t n = gl_value_get_int(gl_value_object_get(f, "waiver"));
        const gl_value *w = n >= 1 ? gl_value_array_at(waivers, (size_t)(n - 1)) : NULL;
        gl_value *sups = gl_value_array(), *sup = gl_value_object();
        char why[1024];
        snprintf(why, sizeof(why), "waived by %s: %s", gl_report__str(w, "owner", "?"),
                 gl_report__str(w, "reason", "?"));
        put(sup, "kind", gl_value_string("external"), bad);
        put(sup, "justification", gl_value_string(why), bad);
        push(sups, sup, bad);
        put(r, "suppressions", sups, bad);
    }
    put(props, "check", gl_value_string(gl_report__str(f, "check", "?")), bad);
    put(props, "severity", gl_value_string(severity), bad);
    put(props, "blocking", gl_value_bool(gl_report__blocking(report, id)), bad);
    put(props, "blue", gl_value_copy(gl_value_object_get(f, "blue")), bad);
    put(props, "green", gl_value_copy(gl_value_object_get(f, "green")), bad);
    put(r, "properties", props, bad);
    return r;
}

static gl_value *invocation(const gl_value *report, int *bad)
{
    const gl_value *errors = gl_value_object_get(report, "errors");
    const gl_value *decision = gl_value_object_get(report, "decision");
    gl_value *inv = gl_value_object(), *notes = gl_value_array();

    put(inv, "executionSuccessful", gl_value_bool(gl_value_len(errors) == 0), bad);
    put(inv, "exitCode", gl_value_int(gl_value_get_int(gl_value_object_get(decision, "exit_code"))), bad);
    put(inv, "startTimeUtc", gl_value_string(gl_report__str(report, "started_at", "")), bad);
    put(inv, "endTimeUtc", gl_value_string(gl_report__str(report, "finished_at", "")), bad);
    for (size_t i = 0; i < gl_value_len(errors); i++) {
        const gl_value *e = gl_value_array_at(errors, i);
        gl_value *n = gl_value_object();
        put(n, "level", gl_value_string("error"), bad);
        put(n, "message", message(gl_report__str(e, "message", ""), bad), bad);
        push(notes, n, bad);
    }
    /* A skipped check is said, not silent: a note each (with why). */
    for (size_t i = 0; i < gl_value_len(gl_value_object_get(report, "plugins")); i++) {
        const gl_value *p = gl_value_array_at(gl_value_object_get(report, "plugins"), i);
        gl_value *n;
        char text[1400];
        if (strcmp(gl_report__str(p, "status", ""), "skipped") != 0)
            continue;
        snprintf(text, sizeof(text), "check %s skipped: %s", gl_report__str(p, "name", "?"),
                 gl_report__str(p, "error", "nothing to check"));
        n = gl_value_object();
        put(n, "level", gl_value_string("note"), bad);
        put(n, "message", message(text, bad), bad);
        push(notes, n, bad);
    }
    put(inv, "toolExecutionNotifications", notes, bad);
    return inv;
}

int gl_report_render_sarif(const gl_value *report, char **out, size_t *out_len, gl_error *err)
{
    const gl_value *findings = gl_value_object_get(report, "findings");
    const gl_value *decision = gl_value_object_get(report, "decision");
    gl_value *root = gl_value_object(), *runs = gl_value_array(), *run = gl_value_object();
    gl_value *tool = gl_value_object(), *driver = gl_value_object(), *rules = gl_value_array();
    gl_value *results = gl_value_array(), *invs = gl_value_array(), *auto_details = gl_value_object();
    gl_value *props = gl_value_object(), *index = gl_value_object();
    char run_id[128];
    int bad = 0;

    *out = NULL;
    put(root, "$schema", gl_value_string(SARIF_SCHEMA), &bad);
    put(root, "version", gl_value_string("2.1.0"), &bad);
    for (size_t i = 0; !bad && i < gl_value_len(findings); i++) {
        const gl_value *f = gl_value_array_at(findings, i);
        const char *code = gl_report__str(f, "code", "?");
        const gl_value *at = gl_value_object_get(index, code);
        size_t rule_index = at ? (size_t)gl_value_get_int(at) : gl_value_len(rules);
        if (at == NULL) {
            push(rules, rule_for(f, &bad), &bad);
            put(index, code, gl_value_int((int64_t)rule_index), &bad);
        }
        push(results, result_for(report, f, rule_index, &bad), &bad);
    }
    put(driver, "name", gl_value_string("greenlight"), &bad);
    put(driver, "version", gl_value_string(gl_report__str(report, "greenlight_version", "?")), &bad);
    put(driver, "informationUri", gl_value_string("https://github.com/greenlight-db/greenlight"), &bad);
    put(driver, "rules", rules, &bad);
    put(tool, "driver", driver, &bad);
    put(run, "tool", tool, &bad);
    snprintf(run_id, sizeof(run_id), "greenlight/%s", gl_report__str(report, "run_id", "?"));
    put(auto_details, "id", gl_value_string(run_id), &bad);
    put(run, "automationDetails", auto_details, &bad);
    push(invs, invocation(report, &bad), &bad);
    put(run, "invocations", invs, &bad);
    put(run, "results", results, &bad);
    put(props, "decision", gl_value_copy(decision), &bad);
    put(run, "properties", props, &bad);
    push(runs, run, &bad);
    put(root, "runs", runs, &bad);
    if (!bad)
        *out = gl_json_write(root, 1, out_len);
    gl_value_free(root);
    gl_value_free(index);
    if (*out == NULL)
        return gl_error_set(err, GL_ERR_NOMEM, "cannot render the SARIF report: out of memory or too large");
    return 0;
}
