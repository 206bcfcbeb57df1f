/*
 * JUnit XML (the Ant schema CI test reporters read): one <testsuite> for the
 * decision, one per check; in a check's suite one <testcase> per finding code
 * (the finding group), with <failure> when a finding of the group is cited by
 * a hold or rollback reason, <error> when the check itself failed and
 * <skipped> when it did not run. Written with libxml2's xmlTextWriter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>

#include "report/report.h"
#include "util/utf8.h"
#include "value/value.h"

#define W(call) do { if ((call) < 0) goto out; } while (0)

typedef struct junit_ctx {
    xmlTextWriterPtr w;
    const gl_value *report;
    char timestamp[24];   /* yyyy-mm-ddThh:mm:ss, no zone: the schema's pattern */
    char hostname[256];
    int suite_id;
} junit_ctx;

/* XML 1.0 cannot carry most C0 controls, even escaped, nor bytes that are
 * not UTF-8 (a report read back may hold overlong forms yajl let through):
 * they become '?'. */
static char *xml_clean(const char *s)
{
    char *copy = strdup(s ? s : "");

    if (copy != NULL)
        gl_utf8_scrub_xml(copy);
    return copy;
}

static int attr(xmlTextWriterPtr w, const char *name, const char *value)
{
    char *clean = xml_clean(value);
    int rc;

    if (clean == NULL)
        return -1;
    rc = xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST clean);
    free(clean);
    return rc;
}

static int text(xmlTextWriterPtr w, const char *value)
{
    char *clean = xml_clean(value);
    int rc;

    if (clean == NULL)
        return -1;
    rc = xmlTextWriterWriteString(w, BAD_CAST clean);
    free(clean);
    return rc;
}

static int attr_int(xmlTextWriterPtr w, const char *name, long long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", v);
    return attr(w, name, buf);
}

static int attr_seconds(xmlTextWriterPtr w, double ms)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%.3f", ms > 0 ? ms / 1000.0 : 0.0);
    return attr(w, "time", buf);
}

/* Opens <testsuite> with its required attributes and <properties>. */
static int suite_open(junit_ctx *c, const char *name, int tests, int failures, int errors,
                      int skipped, double ms)
{
    xmlTextWriterPtr w = c->w;

    if (xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0 || attr(w, "name", name) < 0 ||
        attr(w, "package", "greenlight") < 0 || attr_int(w, "id", c->suite_id++) < 0 ||
        attr(w, "timestamp", c->timestamp) < 0 || attr(w, "hostname", c->hostname) < 0 ||
        attr_int(w, "tests", tests) < 0 || attr_int(w, "failures", failures) < 0 ||
        attr_int(w, "errors", errors) < 0 || attr_int(w, "skipped", skipped) < 0 ||
        attr_seconds(w, ms) < 0)
        return -1;
    return 0;
}

/* One line per finding of check (all of them, when check is NULL: none). */
static int finding_lines(junit_ctx *c, const char *check, const char *code)
{
    const gl_value *findings = gl_value_object_get(c->report, "findings");
    xmlTextWriterPtr w = c->w;

    for (size_t i = 0; check && i < gl_value_len(findings); i++) {
        const gl_value *f = gl_value_array_at(findings, i);
        if (strcmp(gl_report__str(f, "check", ""), check) != 0 ||
            (code && strcmp(gl_report__str(f, "code", ""), code) != 0))
            continue;
        if (text(w, "[") < 0 || text(w, gl_report__str(f, "severity", "?")) < 0 ||
            text(w, gl_report__blocking(c->report, gl_value_object_string(f, "id")) ? ", blocking] " : "] ") < 0 ||
            (code == NULL && (text(w, gl_report__str(f, "code", "")) < 0 || text(w, " ") < 0)) ||
            text(w, gl_report__str(f, "object", "")) < 0 || text(w, ": ") < 0 ||
            text(w, gl_report__str(f, "message", "")) < 0 ||
            text(w, gl_value_get_bool(gl_value_object_get(f, "waived")) ? " (waived)\n" : "\n") < 0)
            return -1;
    }
    return 0;
}

/* <system-out> lists every finding of the check; closes the suite. */
static int suite_close(junit_ctx *c, const char *check)
{
    xmlTextWriterPtr w = c->w;
    if (xmlTextWriterStartElement(w, BAD_CAST "system-out") < 0 || finding_lines(c, check, NULL) < 0 ||
        xmlTextWriterEndElement(w) < 0 ||
        xmlTextWriterWriteElement(w, BAD_CAST "system-err", BAD_CAST "") < 0 ||
        xmlTextWriterEndElement(w) < 0)
        return -1;
    return 0;
}

static int property(xmlTextWriterPtr w, const char *name, const char *value)
{
    if (value == NULL)
        return 0;
    if (xmlTextWriterStartElement(w, BAD_CAST "property") < 0 || attr(w, "name", name) < 0 ||
        attr(w, "value", value) < 0 || xmlTextWriterEndElement(w) < 0)
        return -1;
    return 0;
}

static int testcase_open(xmlTextWriterPtr w, const char *name, const char *classname)
{
    if (xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 || attr(w, "name", name) < 0 ||
        attr(w, "classname", classname) < 0 || attr(w, "time", "0") < 0)
        return -1;
    return 0;
}

/* The decision suite: one test case that fails unless the decision is switchover. */
static int write_decision(junit_ctx *c)
{
    const gl_value *decision = gl_value_object_get(c->report, "decision");
    const gl_value *reasons = gl_value_object_get(decision, "reasons");
    const gl_value *targets = gl_value_object_get(c->report, "targets");
    const char *action = gl_report__str(decision, "action", "hold");
    int failed = strcmp(action, "switchover") != 0;
    xmlTextWriterPtr w = c->w;
    char message[512];
    int rc = -1;

    W(suite_open(c, "greenlight.decision", 1, failed, 0, 0,
                 gl_value_get_number(gl_value_object_get(c->report, "duration_ms"))));
    W(xmlTextWriterStartElement(w, BAD_CAST "properties"));
    W(property(w, "decision", action));
    W(property(w, "run_id", gl_value_object_string(c->report, "run_id")));
    W(property(w, "greenlight_version", gl_value_object_string(c->report, "greenlight_version")));
    W(property(w, "blue", gl_value_object_string(gl_value_object_get(targets, "blue"), "display")));
    W(property(w, "green", gl_value_object_string(gl_value_object_get(targets, "green"), "display")));
    W(property(w, "policy_sha256", gl_value_object_string(gl_value_object_get(c->report, "policy"), "sha256")));
    W(property(w, "change_id", gl_value_object_string(gl_value_object_get(c->report, "change"), "id")));
    W(xmlTextWriterEndElement(w));
    W(testcase_open(w, "decision", "greenlight.decision"));
    if (failed) {
        snprintf(message, sizeof(message), "decision: %s (%zu reason%s)", action, gl_value_len(reasons),
                 gl_value_len(reasons) == 1 ? "" : "s");
        W(xmlTextWriterStartElement(w, BAD_CAST "failure"));
        W(attr(w, "type", action));
        W(attr(w, "message", message));
        for (size_t i = 0; i < gl_value_len(reasons); i++) {
            const gl_value *r = gl_value_array_at(reasons, i);
            W(text(w, "- "));
            W(text(w, gl_report__str(r, "action", "?")));
            W(text(w, " ["));
            W(text(w, gl_report__str(r, "rule", "?")));
            W(text(w, "]: "));
            W(text(w, gl_report__str(r, "message", "")));
            W(text(w, "\n"));
        }
        W(xmlTextWriterEndElement(w));
    }
    W(xmlTextWriterEndElement(w));
    W(suite_close(c, NULL));
    rc = 0;
out:
    return rc;
}

/* Distinct finding codes of one check, in order of first appearance. */
static int codes_of(const gl_value *findings, const char *check, gl_value **out)
{
    gl_value *codes = gl_value_object();

    *out = codes;
    if (codes == NULL)
        return -1;
    for (size_t i = 0; i < gl_value_len(findings); i++) {
        const gl_value *f = gl_value_array_at(findings, i);
        const char *code = gl_report__str(f, "code", "?");
        if (strcmp(gl_report__str(f, "check", ""), check) != 0 || gl_value_object_get(codes, code))
            continue;
        if (gl_value_object_set(codes, code, gl_value_null()) != 0)
            return -1;
    }
    return 0;
}

static int write_group(junit_ctx *c, const char *check, const char *code, const char *classname)
{
    const gl_value *findings = gl_value_object_get(c->report, "findings");
    xmlTextWriterPtr w = c->w;
    size_t n = 0, blocking = 0;
    char message[512];
    int rc = -1;

    for (size_t i = 0; i < gl_value_len(findings); i++) {
        const gl_value *f = gl_value_array_at(findings, i);
        if (strcmp(gl_report__str(f, "check", ""), check) != 0 || strcmp(gl_report__str(f, "code", ""), code) != 0)
            continue;
        n++;
        blocking += gl_report__blocking(c->report, gl_value_object_string(f, "id")) ? 1 : 0;
    }
    W(testcase_open(w, code, classname));
    if (blocking > 0) {
        snprintf(message, sizeof(message), "%zu of %zu %s finding%s block%s the decision", blocking, n,
                 code, n == 1 ? "" : "s", blocking == 1 ? "s" : "");
        W(xmlTextWriterStartElement(w, BAD_CAST "failure"));
        W(attr(w, "type", code));
        W(attr(w, "message", message));
        W(finding_lines(c, check, code));
        W(xmlTextWriterEndElement(w));
    }
    W(xmlTextWriterEndElement(w));
    rc = (int)(blocking > 0);
out:
    return rc;
}

static int write_check(junit_ctx *c, const char *check, const gl_value *plugin)
{
    const gl_value *findings = gl_value_object_get(c->report, "findings");
    const char *status = gl_report__str(plugin, "status", "ok");
    int is_failed = strcmp(status, "failed") == 0, is_skipped = strcmp(status, "skipped") == 0;
    gl_value *codes = NULL;
    xmlTextWriterPtr w = c->w;
    char classname[160], suite[160];
    int failures = 0, rc = -1;
    size_t tests;

    if (codes_of(findings, check, &codes) != 0)
        goto out;
    for (size_t i = 0; i < gl_value_len(codes); i++) {
        const char *code = gl_value_object_key_at(codes, i);
        for (size_t j = 0; j < gl_value_len(findings); j++) {
            const gl_value *f = gl_value_array_at(findings, j);
            if (strcmp(gl_report__str(f, "check", ""), check) == 0 &&
                strcmp(gl_report__str(f, "code", ""), code) == 0 &&
                gl_report__blocking(c->report, gl_value_object_string(f, "id"))) {
                failures++;
                break;
            }
        }
    }
    tests = gl_value_len(codes) + (is_failed || is_skipped || gl_value_len(codes) == 0 ? 1 : 0);
    snprintf(suite, sizeof(suite), "check.%s", check);
    snprintf(classname, sizeof(classname), "greenlight.%s", check);
    W(suite_open(c, suite, (int)tests, failures, is_failed, is_skipped,
                 gl_value_get_number(gl_value_object_get(plugin, "duration_ms"))));
    W(xmlTextWriterStartElement(w, BAD_CAST "properties"));
    W(property(w, "version", gl_value_object_string(plugin, "version")));
    W(property(w, "status", plugin ? status : NULL));
    W(xmlTextWriterEndElement(w));
    if (is_failed || is_skipped) {
        W(testcase_open(w, "run", classname));
        W(xmlTextWriterStartElement(w, BAD_CAST(is_failed ? "error" : "skipped")));
        if (is_failed)
            W(attr(w, "type", "check_failed"));
        W(attr(w, "message", gl_report__str(plugin, "error", is_failed ? "the check failed" : "not run")));
        W(xmlTextWriterEndElement(w));
        W(xmlTextWriterEndElement(w));
    } else if (gl_value_len(codes) == 0) {
        W(testcase_open(w, "no differences", classname));
        W(xmlTextWriterEndElement(w));
    }
    for (size_t i = 0; i < gl_value_len(codes); i++)
        W(write_group(c, check, gl_value_object_key_at(codes, i), classname));
    W(suite_close(c, check));
    rc = 0;
out:
    gl_value_free(codes);
    return rc;
}

int gl_report_render_junit(const gl_value *report, char **out, size_t *out_len, gl_error *err)
{
    const gl_value *plugins = gl_value_object_get(report, "plugins");
    const gl_value *findings = gl_value_object_get(report, "findings");
    xmlBufferPtr buf = xmlBufferCreate();
    gl_value *checks = gl_value_object();
    junit_ctx c;
    int rc = -1;

    memset(&c, 0, sizeof(c));
    *out = NULL;
    if (buf == NULL || checks == NULL)
        goto out;
    c.report = report;
    snprintf(c.timestamp, sizeof(c.timestamp), "%.19s", gl_report__str(report, "started_at", "1970-01-01T00:00:00"));
    if (gethostname(c.hostname, sizeof(c.hostname) - 1) != 0 || c.hostname[0] == '\0')
        snprintf(c.hostname, sizeof(c.hostname), "localhost");
    /* Every check that ran, then any that only appears in findings. */
    for (size_t i = 0; i < gl_value_len(plugins); i++) {
        const char *name = gl_report__str(gl_value_array_at(plugins, i), "name", "?");
        if (gl_value_object_set(checks, name, gl_value_int((int64_t)i)) != 0)
            goto out;
    }
    for (size_t i = 0; i < gl_value_len(findings); i++) {
        const char *name = gl_report__str(gl_value_array_at(findings, i), "check", "?");
        if (!gl_value_object_get(checks, name) && gl_value_object_set(checks, name, gl_value_null()) != 0)
            goto out;
    }
    c.w = xmlNewTextWriterMemory(buf, 0);
    if (c.w == NULL)
        goto out;
    W(xmlTextWriterSetIndent(c.w, 1));
    W(xmlTextWriterStartDocument(c.w, NULL, "UTF-8", NULL));
    W(xmlTextWriterStartElement(c.w, BAD_CAST "testsuites"));
    W(write_decision(&c));
    for (size_t i = 0; i < gl_value_len(checks); i++) {
        const gl_value *index = gl_value_object_value_at(checks, i);
        const gl_value *plugin = gl_value_kind_of(index) == GL_VALUE_INT
                                     ? gl_value_array_at(plugins, (size_t)gl_value_get_int(index)) : NULL;
        W(write_check(&c, gl_value_object_key_at(checks, i), plugin));
    }
    W(xmlTextWriterEndElement(c.w));
    W(xmlTextWriterEndDocument(c.w));
    xmlFreeTextWriter(c.w);
    c.w = NULL;
    if ((size_t)xmlBufferLength(buf) > GL_REPORT_MAX_OUTPUT)
        goto out;
    *out = strdup((const char *)xmlBufferContent(buf));
    if (*out == NULL)
        goto out;
    *out_len = strlen(*out);
    rc = 0;
out:
    if (c.w != NULL)
        xmlFreeTextWriter(c.w);
    if (buf != NULL)
        xmlBufferFree(buf);
    gl_value_free(checks);
    if (rc != 0)
        gl_error_set(err, GL_ERR_NOMEM, "cannot render the JUnit report: out of memory or too large");
    return rc;
}
