#include "compare/runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "collect/host.h"
#include "collect/invoke.h"
#include "compare/findings.h"
#include "collect/loader.h"
#include "judge/policy.h"
#include "judge/waiver.h"
#include "value/value.h"

#define GL_CHANGE_MAX (1024u * 1024u)
#define GL_POLICY_MAX (4u * 1024u * 1024u)

void gl_check_options_default(gl_check_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    gl_target_options_default(&opts->target);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

const char *gl_default_policy_path(void)
{
    static const char *const candidates[] = {
        GL_SOURCE_DIR "/policies/default.lua",
        GL_DATA_INSTALL_DIR "/policies/default.lua",
    };
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
        if (file_exists(candidates[i]))
            return candidates[i];
    return candidates[1];
}

int gl_config_load(const char *path, gl_value **out, gl_error *err)
{
    char msg[1024];
    const gl_value *plugins;

    *out = NULL;
    if (path == NULL) {
        *out = gl_value_object();
        return *out ? 0 : gl_error_set(err, GL_EXIT_INTERNAL, "out of memory");
    }
    if (gl_json_parse_file(path, out, msg, sizeof(msg)) != 0)
        return gl_error_set(err, GL_EXIT_USAGE, "--config: %s", msg);
    if (gl_value_kind_of(*out) != GL_VALUE_OBJECT)
        goto bad;
    plugins = gl_value_object_get(*out, "plugins");
    if (plugins != NULL && gl_value_kind_of(plugins) != GL_VALUE_OBJECT)
        goto bad;
    for (size_t i = 0; i < gl_value_len(plugins); i++)
        if (gl_value_kind_of(gl_value_object_value_at(plugins, i)) != GL_VALUE_OBJECT)
            goto bad;
    return 0;
bad:
    gl_value_free(*out);
    *out = NULL;
    return gl_error_set(err, GL_EXIT_USAGE,
                        "--config %s: expected {\"plugins\": {\"<plugin>\": {...}}} "
                        "(see share/doc/configuration.md)", path);
}

static int load_change(const char *path, gl_value **out, gl_error *err)
{
    char msg[1024];
    static const char *const string_keys[] = {"id", "ticket", "kind", "description", "target_version"};

    *out = NULL;
    if (path == NULL) {
        *out = gl_value_null();
        return 0;
    }
    if (gl_json_parse_file(path, out, msg, sizeof(msg)) != 0)
        return gl_error_set(err, GL_EXIT_USAGE, "--change: %s", msg);
    if (gl_value_kind_of(*out) != GL_VALUE_OBJECT)
        goto bad;
    for (size_t i = 0; i < sizeof(string_keys) / sizeof(string_keys[0]); i++) {
        const gl_value *v = gl_value_object_get(*out, string_keys[i]);
        if (v != NULL && gl_value_kind_of(v) != GL_VALUE_STRING && gl_value_kind_of(v) != GL_VALUE_NULL &&
            !(strcmp(string_keys[i], "target_version") == 0 &&
              (gl_value_kind_of(v) == GL_VALUE_INT || gl_value_kind_of(v) == GL_VALUE_NUMBER))) {
            gl_value_free(*out);
            *out = NULL;
            return gl_error_set(err, GL_EXIT_USAGE, "--change %s: \"%s\" must be a string", path,
                                string_keys[i]);
        }
    }
    const gl_value *params = gl_value_object_get(*out, "parameters");
    if (params != NULL && gl_value_kind_of(params) != GL_VALUE_OBJECT)
        goto bad;
    return 0;
bad:
    gl_value_free(*out);
    *out = NULL;
    return gl_error_set(err, GL_EXIT_USAGE,
                        "--change %s: expected an object like {\"id\": \"CHG-1\", \"kind\": "
                        "\"parameters\", \"parameters\": {\"work_mem\": \"64MB\"}} "
                        "(see share/doc/policy.md)", path);
}

static int push_error(gl_value *errors, const char *stage, const char *side, const char *plugin,
                      const char *message)
{
    gl_value *e = gl_value_object();

    if (e == NULL || gl_value_object_set(e, "stage", gl_value_string(stage)) != 0 ||
        gl_value_object_set(e, "side", gl_value_string(side)) != 0 ||
        gl_value_object_set(e, "plugin", gl_value_string(plugin)) != 0 ||
        gl_value_object_set(e, "message", gl_value_string(message)) != 0) {
        gl_value_free(e);
        return -1;
    }
    return gl_value_array_push(errors, e);
}

static void uuid4(char out[37])
{
    unsigned char b[16];
    static const char hex[] = "0123456789abcdef";
    int o = 0;

    if (RAND_bytes(b, sizeof(b)) != 1)
        memset(b, 0, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

static gl_value *target_value(const gl_target *t, const char *display_if_absent)
{
    gl_value *v = gl_value_object();

    if (v == NULL)
        return NULL;
    if (t == NULL) {
        gl_value_object_set(v, "kind", gl_value_string("unavailable"));
        gl_value_object_set(v, "display", gl_value_string(display_if_absent));
        gl_value_object_set(v, "server_version", gl_value_null());
        gl_value_object_set(v, "server_version_num", gl_value_null());
        return v;
    }
    gl_value_object_set(v, "kind", gl_value_string(t->conn ? "live" : "snapshot"));
    gl_value_object_set(v, "display", gl_value_string(t->display));
    gl_value_object_set(v, "server_version", gl_value_string(t->server_version));
    gl_value_object_set(v, "server_version_num", gl_value_int(t->server_version_num));
    return v;
}

static gl_value *reason(const char *rule, const char *action, const char *message)
{
    gl_value *r = gl_value_object();

    if (r == NULL || gl_value_object_set(r, "rule", gl_value_string(rule)) != 0 ||
        gl_value_object_set(r, "action", gl_value_string(action)) != 0 ||
        gl_value_object_set(r, "message", gl_value_string(message)) != 0 ||
        gl_value_object_set(r, "findings", gl_value_array()) != 0) {
        gl_value_free(r);
        return NULL;
    }
    return r;
}

/* Fail closed: with any error, a switchover becomes a hold whose reasons
 * quote each error. Rollback stays rollback (it is the stronger verdict). */
static int close_on_errors(gl_value *decision, const gl_value *errors)
{
    const char *action = gl_value_object_string(decision, "action");
    gl_value *reasons;

    if (gl_value_len(errors) == 0 || (action && strcmp(action, "switchover") != 0 &&
                                      strcmp(action, "hold") != 0))
        return 0;
    if (gl_value_object_set(decision, "action", gl_value_string("hold")) != 0)
        return -1;
    reasons = gl_value_object_get_mut(decision, "reasons");
    for (size_t i = 0; i < gl_value_len(errors); i++) {
        const gl_value *e = gl_value_array_at(errors, i);
        char msg[2300];
        snprintf(msg, sizeof(msg), "%s failed: %s", gl_value_object_string(e, "stage"),
                 gl_value_object_string(e, "message"));
        if (gl_value_array_push(reasons, reason("greenlight.fail_closed", "hold", msg)) != 0)
            return -1;
    }
    return 0;
}

static gl_value *hold_decision(void)
{
    gl_value *d = gl_value_object();

    if (d == NULL || gl_value_object_set(d, "action", gl_value_string("hold")) != 0 ||
        gl_value_object_set(d, "reasons", gl_value_array()) != 0) {
        gl_value_free(d);
        return NULL;
    }
    return d;
}

static int exit_for(const char *action)
{
    if (action && strcmp(action, "switchover") == 0)
        return GL_EXIT_SWITCHOVER;
    if (action && strcmp(action, "rollback") == 0)
        return GL_EXIT_ROLLBACK;
    return GL_EXIT_HOLD;
}

int gl_check_run(const gl_check_options *opts, gl_value **out_report, int *out_exit,
                 gl_error *err)
{
    gl_plugin_set plugins = {0};
    gl_target *targets[2] = {NULL, NULL};
    gl_value *config = NULL, *change = NULL, *report = NULL, *findings = NULL, *errors = NULL;
    gl_value *plugin_status = NULL, *facts = NULL, *input = NULL, *decision = NULL;
    gl_value *waivers = NULL, *waiver_list = NULL;
    const char *policy_path = opts->policy_path ? opts->policy_path : gl_default_policy_path();
    const char *specs[2] = {opts->blue, opts->green};
    char *policy_text = NULL;
    size_t policy_len = 0;
    char started[40], finished[40], run_id[37], digest[65] = "";
    double t0 = gl_time_ms();
    int rc = -1, exit_code = GL_EXIT_HOLD, unavailable = 0, internal = 0;

    *out_report = NULL;
    gl_time_rfc3339(started, sizeof(started));
    uuid4(run_id);

    /* Everything a user can get wrong is checked before touching a server. */
    if (opts->blue == NULL || opts->green == NULL) {
        gl_error_set(err, GL_EXIT_USAGE, "check needs --blue and --green (conninfo, URI or snapshot file)");
        goto out;
    }
    if (gl_file_read(policy_path, GL_POLICY_MAX, &policy_text, &policy_len, err) != 0) {
        gl_error_set(err, GL_EXIT_USAGE, "--policy: %s", err->message);
        goto out;
    }
    gl_sha256_hex(policy_text, policy_len, digest);
    if (load_change(opts->change_path, &change, err) != 0 ||
        gl_config_load(opts->config_path, &config, err) != 0 ||
        (opts->waivers_path != NULL && gl_waivers_load(opts->waivers_path, &waivers, err) != 0) ||
        gl_plugins_load(&plugins, opts->plugin_dirs, opts->n_plugin_dirs, err) != 0 ||
        gl_plugins_select(&plugins, opts->only_plugins, err) != 0)
        goto out;

    findings = gl_value_array();
    errors = gl_value_array();
    plugin_status = gl_value_array();
    facts = gl_value_object();
    if (!findings || !errors || !plugin_status || !facts ||
        gl_value_object_set(facts, "blue", gl_value_object()) != 0 ||
        gl_value_object_set(facts, "green", gl_value_object()) != 0) {
        gl_error_set(err, GL_EXIT_INTERNAL, "out of memory");
        goto out;
    }

    for (int s = 0; s < 2; s++) {
        gl_error terr;
        gl_error_clear(&terr);
        if (gl_target_open(&targets[s], (gl_side)s, specs[s], &opts->target, &terr) != 0) {
            if (terr.exit_code == GL_EXIT_USAGE) {
                *err = terr;
                goto out;
            }
            unavailable = unavailable || terr.exit_code == GL_EXIT_UNAVAILABLE;
            internal = internal || terr.exit_code != GL_EXIT_UNAVAILABLE;
            push_error(errors, "connect", gl_side_name((gl_side)s), NULL, terr.message);
        }
    }

    for (size_t i = 0; i < plugins.count; i++) {
        const gl_loaded_plugin *lp = &plugins.items[i];
        const gl_plugin *d = lp->desc;
        gl_value *side_facts[2] = {NULL, NULL};
        gl_value *st;
        const char *status = "ok";
        char msg[2048] = "";
        double p0 = gl_time_ms();

        if (lp->state != GL_PLUGIN_LOADED || !gl_plugin_wanted(opts->only_plugins, d->name))
            continue;
        if (d->collect_pair != NULL && targets[0] && targets[1] && targets[0]->conn &&
            targets[1]->conn) {
            if (gl_plugin_collect_pair(d, targets, config, opts->verbose, side_facts, msg, sizeof(msg)) != 0)
                status = "failed";
        }
        for (int s = 0; s < 2 && status[0] == 'o' && side_facts[s] == NULL; s++) {
            const gl_value *snap;
            if (targets[s] == NULL) {
                status = "skipped";
                snprintf(msg, sizeof(msg), "the %s side is unavailable", gl_side_name((gl_side)s));
                break;
            }
            if (targets[s]->snapshot != NULL) {
                snap = gl_target_snapshot_facts(targets[s], d->name);
                if (snap == NULL) {
                    status = "failed";
                    snprintf(msg, sizeof(msg), "the %s snapshot %s has no facts from plugin %s: take "
                             "the snapshot again with this plugin installed",
                             gl_side_name((gl_side)s), targets[s]->display, d->name);
                    break;
                }
                side_facts[s] = gl_value_copy(snap);
                continue;
            }
            int prefix = snprintf(msg, sizeof(msg), "collect on %s: ", gl_side_name((gl_side)s));
            if (gl_plugin_collect(d, targets, (gl_side)s, config, opts->verbose, &side_facts[s],
                                  msg + prefix, sizeof(msg) - (size_t)prefix) != 0)
                status = "failed";
        }
        if (strcmp(status, "ok") == 0 &&
            gl_plugin_compare(d, targets, config, opts->verbose, side_facts[0], side_facts[1], findings,
                        msg, sizeof(msg)) != 0)
            status = "failed";
        if (strcmp(status, "failed") == 0) {
            internal = 1;
            push_error(errors, "plugin", NULL, d->name, msg);
        }
        for (int s = 0; s < 2; s++)
            if (side_facts[s] != NULL)
                gl_value_object_set(gl_value_object_get_mut(facts, gl_side_name((gl_side)s)), d->name,
                                    side_facts[s]);
        st = gl_value_object();
        gl_value_object_set(st, "name", gl_value_string(d->name));
        gl_value_object_set(st, "version", gl_value_string(d->version));
        gl_value_object_set(st, "path", gl_value_string(lp->path));
        gl_value_object_set(st, "status", gl_value_string(status));
        gl_value_object_set(st, "duration_ms", gl_value_number((double)(long)((gl_time_ms() - p0) * 10) / 10));
        gl_value_object_set(st, "error", msg[0] && strcmp(status, "ok") != 0 ? gl_value_string(msg) : gl_value_null());
        gl_value_array_push(plugin_status, st);
    }

    /* A gate that checked nothing must not authorise anything. */
    if (gl_value_len(plugin_status) == 0) {
        internal = 1;
        push_error(errors, "plugin", NULL, NULL,
                   "no check plugin ran: install plugins or fix --plugin-path/--plugins "
                   "(see `greenlight plugins`)");
    }

    gl_findings_sort(findings);
    if (gl_findings_assign_ids(findings) != 0) {
        gl_error_set(err, GL_EXIT_INTERNAL, "out of memory");
        goto out;
    }
    /* waivers mark the findings that fired, before the policy sees them */
    {
        char today[16];
        gl_waivers_today(today, sizeof(today));
        if (waivers != NULL ? gl_waivers_apply(waivers, findings, today, &waiver_list, err) != 0
                            : (waiver_list = gl_value_array()) == NULL) {
            gl_error_set(err, GL_EXIT_INTERNAL, "out of memory");
            goto out;
        }
    }

    /* judge */
    input = gl_value_object();
    gl_value_object_set(input, "findings", gl_value_copy(findings));
    gl_value_object_set(input, "facts", facts);
    facts = NULL;
    gl_value_object_set(input, "change", gl_value_copy(change));
    gl_value_object_set(input, "waivers", gl_value_copy(waiver_list));
    gl_value_object_set(input, "errors", gl_value_copy(errors));
    if (opts->save_input_path != NULL) {
        char serr[1024];
        if (gl_json_write_file(input, 1, opts->save_input_path, serr, sizeof(serr)) != 0) {
            internal = 1;
            push_error(errors, "report", NULL, NULL, serr);
        }
    }
    {
        gl_policy_limits limits;
        char perr[4096];
        gl_policy_limits_default(&limits);
        if (gl_policy_evaluate(policy_path, input, &limits, &decision, perr, sizeof(perr)) != 0) {
            decision = hold_decision();
            push_error(errors, "policy", NULL, NULL, perr);
        }
    }
    if (decision == NULL || close_on_errors(decision, errors) != 0) {
        gl_error_set(err, GL_EXIT_INTERNAL, "out of memory");
        goto out;
    }
    exit_code = exit_for(gl_value_object_string(decision, "action"));
    if (internal)
        exit_code = GL_EXIT_INTERNAL;
    if (unavailable)
        exit_code = GL_EXIT_UNAVAILABLE;
    gl_value_object_set(decision, "exit_code", gl_value_int(exit_code));

    gl_time_rfc3339(finished, sizeof(finished));
    report = gl_value_object();
    gl_value_object_set(report, "schema_version", gl_value_string("1.0"));
    gl_value_object_set(report, "greenlight_version", gl_value_string(GL_VERSION));
    gl_value_object_set(report, "run_id", gl_value_string(run_id));
    gl_value_object_set(report, "started_at", gl_value_string(started));
    gl_value_object_set(report, "finished_at", gl_value_string(finished));
    gl_value_object_set(report, "duration_ms", gl_value_number((double)(long)((gl_time_ms() - t0) * 10) / 10));
    {
        gl_value *tv = gl_value_object();
        for (int s = 0; s < 2; s++) {
            char *redacted = targets[s] ? NULL : gl_conninfo_redact(specs[s]);
            gl_value_object_set(tv, gl_side_name((gl_side)s), target_value(targets[s], redacted));
            free(redacted);
        }
        gl_value_object_set(report, "targets", tv);
    }
    gl_value_object_set(report, "plugins", plugin_status);
    plugin_status = NULL;
    gl_value_object_set(report, "summary", gl_findings_summary(findings));
    gl_value_object_set(report, "findings", findings);
    findings = NULL;
    gl_value_object_set(report, "decision", decision);
    decision = NULL;
    {
        gl_value *pv = gl_value_object();
        gl_value_object_set(pv, "path", gl_value_string(policy_path));
        gl_value_object_set(pv, "sha256", gl_value_string(digest));
        gl_value_object_set(report, "policy", pv);
    }
    gl_value_object_set(report, "change", change);
    change = NULL;
    gl_value_object_set(report, "waivers", waiver_list);
    waiver_list = NULL;
    gl_value_object_set(report, "errors", errors);
    errors = NULL;
    *out_report = report;
    *out_exit = exit_code;
    report = NULL;
    rc = 0;
out:
    for (int s = 0; s < 2; s++)
        gl_target_free(targets[s]);
    gl_plugins_free(&plugins);
    gl_value_free(config);
    gl_value_free(change);
    gl_value_free(report);
    gl_value_free(findings);
    gl_value_free(errors);
    gl_value_free(plugin_status);
    gl_value_free(facts);
    gl_value_free(input);
    gl_value_free(decision);
    gl_value_free(waivers);
    gl_value_free(waiver_list);
    free(policy_text);
    return rc;
}
