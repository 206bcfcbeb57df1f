#include "cli/output.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "evidence/evidence.h"
#include "util/names.h"
#include "value/value.h"

int gl_cli_color_wanted(const char *when, FILE *stream)
{
    const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");

    if (when != NULL && strcmp(when, "always") == 0)
        return 1;
    if (when != NULL && strcmp(when, "never") == 0)
        return 0;
    return isatty(fileno(stream)) && (no_color == NULL || *no_color == '\0') &&
           (term == NULL || strcmp(term, "dumb") != 0);
}

void gl_cli_output_init(gl_cli_output *o, const char *verb)
{
    const char *policy_pub = getenv("GREENLIGHT_POLICY_PUB");

    memset(o, 0, sizeof(*o));
    o->verb = verb;
    o->format = "text";
    o->color_when = "auto";
    o->color = gl_cli_color_wanted(o->color_when, stdout);
    o->stream = stdout;
    o->policy_pub = policy_pub && *policy_pub ? policy_pub : NULL;
}

int gl_cli_output_option(gl_cli_output *o, int c, const char *arg)
{
    switch (c) {
    case GL_CLI_OPT_FORMAT: o->format = arg; return 1;
    case GL_CLI_OPT_OUT: o->out_dir = arg; return 1;
    case GL_CLI_OPT_NO_COLOR: o->color_when = "never"; return 1;
    case GL_CLI_OPT_COLOR: o->color_when = arg; return 1;
    case GL_CLI_OPT_SIGN_KEY: o->sign_key = arg; return 1;
    case GL_CLI_OPT_AUDIT_LOG: o->audit_log = arg; return 1;
    case GL_CLI_OPT_POLICY_PUB: o->policy_pub = arg; return 1;
    case GL_CLI_OPT_NOTIFY:
        if (o->n_notify < GL_NOTIFY_MAX_URLS)
            o->notify[o->n_notify++] = arg;
        else
            o->notify_overflow = 1;
        return 1;
    default: return 0;
    }
}

int gl_cli_output_validate(gl_cli_output *o, gl_error *err)
{
    gl_evidence_key *key = NULL;

    if (gl_report_formats_parse(o->format, &o->formats, err) != 0)
        return -1;
    if (strcmp(o->color_when, "auto") != 0 && strcmp(o->color_when, "always") != 0 &&
        strcmp(o->color_when, "never") != 0)
        return gl_error_set(err, GL_ERR_USAGE, "--color takes auto, always or never (got \"%.100s\")",
                            o->color_when);
    o->color = gl_cli_color_wanted(o->color_when, stdout);
    if (o->out_dir != NULL && *o->out_dir == '\0')
        return gl_error_set(err, GL_ERR_USAGE, "--out needs a directory name");
    if (o->audit_log != NULL && o->sign_key == NULL)
        return gl_error_set(err, GL_ERR_USAGE,
                            "--audit-log needs --sign-key KEY: an unsigned log proves nothing (make a key with `greenlight keygen --out KEY`)");
    if (o->sign_key != NULL && o->out_dir == NULL && o->audit_log == NULL)
        return gl_error_set(err, GL_ERR_USAGE,
                            "--sign-key needs --out DIR (writes DIR/decision.json) or --audit-log FILE");
    if (o->notify_overflow)
        return gl_error_set(err, GL_ERR_USAGE, "--notify: at most %d URLs", GL_NOTIFY_MAX_URLS);
    for (size_t i = 0; i < o->n_notify; i++)
        if (gl_notify_check_url(o->notify[i], err) != 0)
            return -1;
    if (o->n_notify > 0 && gl_notify_options_load(&o->notify_options, err) != 0)
        return -1;
    if (o->sign_key != NULL) {
        if (gl_evidence_key_load_private(o->sign_key, &key, err) != 0)
            return gl_error_set(err, GL_ERR_USAGE, "--sign-key: %.1900s", err->message);
        gl_evidence_key_free(key);
    }
    return 0;
}

int gl_cli_output_check_policy(gl_cli_output *o, const char *policy_path, gl_error *err)
{
    if (o->policy_pub == NULL)
        return 0;
    return gl_evidence_policy_verify(policy_path, o->policy_pub, o->policy_sha256, err);
}

/* Signs the run's record: into the audit log (which sets seq and prev) and/or
 * DIR/FILE. With an outcome, the record is of kind "outcome" and carries it. */
static int write_record(gl_cli_output *o, const gl_value *report, const gl_value *outcome, const char *file,
                        gl_error *err)
{
    gl_evidence_key *key = NULL;
    gl_value *record = NULL, *env = NULL;
    char *line = NULL, path[4096];
    size_t len = 0;
    int rc = -1;

    if (gl_evidence_key_load_private(o->sign_key, &key, err) != 0 ||
        gl_evidence_record_build(report, o->verb, &record, err) != 0)
        goto out;
    if (outcome != NULL && (gl_value_object_set(record, "kind", gl_value_string("outcome")) != 0 ||
                            gl_value_object_set(record, "outcome", gl_value_copy(outcome)) != 0)) {
        gl_error_set(err, GL_ERR_NOMEM, "cannot build the outcome record: out of memory");
        goto out;
    }
    if (o->audit_log != NULL) {
        if (gl_evidence_log_append(o->audit_log, record, key, &env, err) != 0)
            goto out;
    } else if (gl_evidence_record_sign(record, key, &env, err) != 0) {
        goto out;
    }
    if (o->out_dir != NULL) {
        line = gl_evidence_canonical(env, &len);
        if (line == NULL) {
            gl_error_set(err, GL_ERR_INTERNAL, "cannot serialise the decision record");
            goto out;
        }
        line[len++] = '\n';
        snprintf(path, sizeof(path), "%s/%s", o->out_dir, file);
        if (gl_file_write_atomic(path, line, len, err) != 0) {
            gl_error_set(err, GL_ERR_INTERNAL, "%s", err->message);
            goto out;
        }
    }
    rc = 0;
out:
    free(line);
    gl_value_free(env);
    gl_value_free(record);
    gl_evidence_key_free(key);
    return rc;
}

/* Sends every --notify; failures are reported, the decision stands. */
static void notify_all(gl_cli_output *o, const gl_value *report, int exit_code)
{
    char shown[300];
    gl_error err;

    for (size_t i = 0; i < o->n_notify; i++) {
        gl_error_clear(&err);
        gl_notify_describe(o->notify[i], shown, sizeof(shown));
        if (gl_notify_send(o->notify[i], report, o->verb, exit_code, &o->notify_options, &err) == 0)
            fprintf(stderr, "notified: %s\n", shown);
        else
            fprintf(stderr, "greenlight: warning: %s (the decision stands: exit %d)\n", err.message, exit_code);
    }
}

int gl_cli_output_finish(gl_cli_output *o, const gl_value *report, int exit_code)
{
    const char *ran = gl_value_object_string(gl_value_object_get(report, "policy"), "sha256");
    gl_error err;

    gl_error_clear(&err);
    if (gl_report_write_formats(report, &o->formats, o->files_written ? NULL : o->out_dir, o->stream,
                                (o->color ? GL_TEXT_COLOR : 0) | (o->all_findings ? GL_TEXT_ALL_FINDINGS : 0),
                                &err) != 0)
        return gl_cli_fail(NULL, GL_EXIT_INTERNAL, err.message);
    if (o->out_dir != NULL && !o->files_written)
        fprintf(stderr, "report: %s/report.json\n", o->out_dir);
    if (o->sign_key != NULL) {
        if (write_record(o, report, NULL, "decision.json", &err) != 0)
            return gl_cli_fail(NULL, GL_EXIT_INTERNAL, err.message);
        if (o->out_dir != NULL)
            fprintf(stderr, "signed record: %s/decision.json\n", o->out_dir);
        if (o->audit_log != NULL)
            fprintf(stderr, "audit log: %s\n", o->audit_log);
    }
    if (o->policy_pub != NULL && (ran == NULL || strcmp(ran, o->policy_sha256) != 0))
        return gl_cli_fail(NULL, GL_EXIT_USAGE,
                           "the policy changed between its signature check and the run: not authorised");
    notify_all(o, report, exit_code);
    return exit_code;
}

/* After the run: the report could not be written. A switchover becomes a
 * hold (a rollback stays), with the failure as an error and a reason, and
 * exit code 70, so what is printed is what is returned. */
static int report_fail_closed(gl_value *report, const char *message)
{
    gl_value *decision = gl_value_object_get_mut(report, "decision");
    gl_value *reasons = gl_value_object_get_mut(decision, "reasons");
    gl_value *errors = gl_value_object_get_mut(report, "errors");
    const char *action = gl_value_object_string(decision, "action");
    gl_value *reason = gl_value_object(), *error = gl_value_object();
    char text[2300];

    snprintf(text, sizeof(text), "report failed: %s", message);
    if (reason == NULL || error == NULL ||
        gl_value_object_set(reason, "rule", gl_value_string("greenlight.fail_closed")) != 0 ||
        gl_value_object_set(reason, "action", gl_value_string("hold")) != 0 ||
        gl_value_object_set(reason, "message", gl_value_string(text)) != 0 ||
        gl_value_object_set(reason, "findings", gl_value_array()) != 0 ||
        gl_value_object_set(error, "stage", gl_value_string("report")) != 0 ||
        gl_value_object_set(error, "side", gl_value_null()) != 0 ||
        gl_value_object_set(error, "plugin", gl_value_null()) != 0 ||
        gl_value_object_set(error, "message", gl_value_string(message)) != 0) {
        gl_value_free(reason);
        gl_value_free(error);
        return -1;
    }
    if (gl_action_rank(action) != GL_ACTION_ROLLBACK)
        if (gl_value_object_set(decision, "action", gl_value_string("hold")) != 0) {
            gl_value_free(reason);
            gl_value_free(error);
            return -1;
        }
    if (gl_value_array_push(reasons, reason) != 0) {
        gl_value_free(error);
        return -1;
    }
    if (gl_value_array_push(errors, error) != 0)
        return -1;
    return gl_value_object_set(decision, "exit_code", gl_value_int(GL_EXIT_INTERNAL));
}

int gl_cli_output_report(gl_cli_output *o, gl_value *report, int exit_code)
{
    gl_error err;

    gl_error_clear(&err);
    /* The files are written before anything is printed: when they cannot be,
     * the decision printed (and returned) is a hold, never the policy's
     * switchover. No stdout here: the GitHub step summary is appended once,
     * with stdout, by gl_cli_output_finish. */
    if (o->out_dir != NULL && !o->files_written) {
        if (gl_report_write_formats(report, &o->formats, o->out_dir, NULL, 0, &err) != 0) {
            if (report_fail_closed(report, err.message) != 0)
                return gl_cli_fail(NULL, GL_EXIT_INTERNAL, "out of memory");
            exit_code = GL_EXIT_INTERNAL;
            fprintf(stderr, "greenlight: error: %s\n", err.message);
        } else {
            fprintf(stderr, "report: %s/report.json\n", o->out_dir);
        }
        o->files_written = 1;
    }
    return gl_cli_output_finish(o, report, exit_code);
}

int gl_cli_output_outcome(gl_cli_output *o, const gl_value *report, const gl_value *outcome, gl_error *err)
{
    if (o->sign_key == NULL)
        return 0;
    if (write_record(o, report, outcome, "outcome.json", err) != 0)
        return -1;
    if (o->out_dir != NULL)
        fprintf(stderr, "signed outcome record: %s/outcome.json\n", o->out_dir);
    if (o->audit_log != NULL)
        fprintf(stderr, "audit log: %s\n", o->audit_log);
    return 0;
}
