/*
 * report.c — stage 7: the report value (share/schema/report.schema.json).
 * Targets are shown redacted; facts are not in the report (snapshots keep
 * them). Any part that cannot be built fails the stage: a report never
 * leaves out what went wrong.
 */
#include "run/stages.h"

#include <stdlib.h>

#include "run/order.h"

static gl_value *target_value(const gl_target *t, const char *display_if_absent)
{
    gl_value *v = gl_value_object();
    int bad = v == NULL;

    if (t == NULL) {
        bad |= gl_value_object_set(v, "kind", gl_value_string("unavailable")) != 0;
        bad |= gl_value_object_set(v, "display", gl_value_string(display_if_absent)) != 0;
        bad |= gl_value_object_set(v, "server_version", gl_value_null()) != 0;
        bad |= gl_value_object_set(v, "server_version_num", gl_value_null()) != 0;
    } else {
        bad |= gl_value_object_set(v, "kind", gl_value_string(t->conn ? "live" : "snapshot")) != 0;
        bad |= gl_value_object_set(v, "display", gl_value_string(t->display)) != 0;
        bad |= gl_value_object_set(v, "server_version", gl_value_string(t->server_version)) != 0;
        bad |= gl_value_object_set(v, "server_version_num", gl_value_int(t->server_version_num)) != 0;
        bad |= gl_value_object_set(v, "identity",
                                   t->identity ? gl_value_copy(t->identity) : gl_value_null()) != 0;
        if (t->snapshot != NULL) {
            double age;
            bad |= gl_value_object_set(v, "taken_at",
                                       gl_value_string(gl_value_object_string(t->snapshot, "taken_at"))) != 0;
            bad |= gl_value_object_set(v, "age_s", gl_target_snapshot_age(t, &age) == 0
                                                       ? gl_value_int((int64_t)age) : gl_value_null()) != 0;
        }
    }
    if (bad) {
        gl_value_free(v);
        return NULL;
    }
    return v;
}

static gl_value *targets_value(const gl_run *run)
{
    const char *specs[2] = {run->opts->blue, run->opts->green};
    gl_value *tv = gl_value_object();
    int bad = tv == NULL;

    for (int s = 0; s < 2; s++) {
        char *redacted = NULL;
        if (run->targets[s] == NULL && (redacted = gl_conninfo_redact(specs[s])) == NULL)
            bad = 1;
        bad |= gl_value_object_set(tv, gl_side_name((gl_side)s),
                                   target_value(run->targets[s], redacted)) != 0;
        free(redacted);
    }
    if (bad) {
        gl_value_free(tv);
        return NULL;
    }
    return tv;
}

static double tenths(double ms)
{
    return (double)(long)(ms * 10) / 10;
}

static gl_value *plugin_status(const gl_run *run)
{
    gl_value *list = gl_value_array();
    int bad = list == NULL;

    for (size_t i = 0; i < run->n_ran && !bad; i++) {
        const gl_run_plugin *p = &run->ran[i];
        gl_value *st = gl_value_object();
        int ok = p->status[0] == 'o';
        bad |= gl_value_object_set(st, "name", gl_value_string(p->loaded->desc->name)) != 0;
        bad |= gl_value_object_set(st, "version", gl_value_string(p->loaded->desc->version)) != 0;
        bad |= gl_value_object_set(st, "path", gl_value_string(p->loaded->path)) != 0;
        bad |= gl_value_object_set(st, "status", gl_value_string(p->status)) != 0;
        bad |= gl_value_object_set(st, "duration_ms", gl_value_number(tenths(p->duration_ms))) != 0;
        bad |= gl_value_object_set(st, "error", p->message[0] && !ok ? gl_value_string(p->message)
                                                                    : gl_value_null()) != 0;
        bad |= gl_value_array_push(list, st) != 0;
    }
    if (bad) {
        gl_value_free(list);
        return NULL;
    }
    return list;
}

static gl_value *policy_value(const gl_run *run)
{
    gl_value *pv = gl_value_object();
    int bad = pv == NULL;

    bad |= gl_value_object_set(pv, "path", gl_value_string(run->policy_path)) != 0;
    bad |= gl_value_object_set(pv, "sha256", gl_value_string(run->policy_sha256)) != 0;
    bad |= gl_value_object_set(pv, "input_sha256", run->input_sha256[0] ? gl_value_string(run->input_sha256)
                                                                       : gl_value_null()) != 0;
    if (bad) {
        gl_value_free(pv);
        return NULL;
    }
    return pv;
}

int gl_run_report_build(gl_run *run, gl_value **out_report, gl_error *err)
{
    gl_value *report = gl_value_object();
    char finished[40];
    int bad = report == NULL;

    *out_report = NULL;
    gl_time_rfc3339(finished, sizeof(finished));
    bad |= gl_value_object_set(report, "schema_version", gl_value_string("1.0")) != 0;
    bad |= gl_value_object_set(report, "greenlight_version", gl_value_string(GL_VERSION)) != 0;
    bad |= gl_value_object_set(report, "run_id", gl_value_string(run->run_id)) != 0;
    bad |= gl_value_object_set(report, "started_at", gl_value_string(run->started_at)) != 0;
    bad |= gl_value_object_set(report, "finished_at", gl_value_string(finished)) != 0;
    bad |= gl_value_object_set(report, "duration_ms",
                               gl_value_number(tenths(gl_time_ms() - run->t0_ms))) != 0;
    bad |= gl_value_object_set(report, "targets", targets_value(run)) != 0;
    bad |= gl_value_object_set(report, "plugins", plugin_status(run)) != 0;
    bad |= gl_value_object_set(report, "summary", gl_findings_summary(run->findings)) != 0;
    bad |= gl_value_object_set(report, "findings", run->findings) != 0;
    run->findings = NULL;
    bad |= gl_value_object_set(report, "decision", run->decision) != 0;
    run->decision = NULL;
    bad |= gl_value_object_set(report, "policy", policy_value(run)) != 0;
    bad |= gl_value_object_set(report, "change", run->change) != 0;
    run->change = NULL;
    bad |= gl_value_object_set(report, "waivers", run->waiver_list) != 0;
    run->waiver_list = NULL;
    bad |= gl_value_object_set(report, "errors", run->errors) != 0;
    run->errors = NULL;
    if (bad) {
        gl_value_free(report);
        return gl_error_set(err, GL_ERR_NOMEM, "out of memory building the report");
    }
    *out_report = report;
    return 0;
}
