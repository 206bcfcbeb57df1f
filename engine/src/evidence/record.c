/*
 * Decision records: what a reviewer needs to prove why a run decided what it
 * did, signed so that any edit is detected and named.
 *
 * Envelope: {"record": {...}, "signature": {"alg", "key_id", "nonce", "value"},
 * "fields": {NAME: sig}}. "value" signs canonical({key_id, nonce, record});
 * each fields[NAME] signs canonical({field: NAME, nonce, value}). The nonce
 * (random, per record) stops a field's signature being moved between records.
 */
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "evidence/evidence.h"
#include "value/value.h"

#define PLUGIN_MAX (512u * 1024u * 1024u)

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

static gl_value *file_sha256(const char *path)
{
    gl_error err;
    char *data = NULL, hex[65];
    size_t len = 0;

    if (path == NULL || gl_file_read(path, PLUGIN_MAX, &data, &len, &err) != 0)
        return gl_value_null();
    gl_sha256_hex(data, len, hex);
    free(data);
    return gl_value_string(hex);
}

static gl_value *member_copy(const gl_value *obj, const char *key)
{
    const gl_value *v = gl_value_object_get(obj, key);
    return v ? gl_value_copy(v) : gl_value_null();
}

int gl_evidence_record_build(const gl_value *report, const char *verb, gl_value **out, gl_error *err)
{
    const gl_value *decision = gl_value_object_get(report, "decision");
    const gl_value *targets = gl_value_object_get(report, "targets");
    const gl_value *change = gl_value_object_get(report, "change");
    const gl_value *policy = gl_value_object_get(report, "policy");
    const gl_value *plugins = gl_value_object_get(report, "plugins");
    gl_value *r = gl_value_object(), *t = gl_value_object(), *sv = gl_value_object();
    gl_value *pol = gl_value_object(), *pl = gl_value_object();
    struct passwd *pw = getpwuid(geteuid());
    char host[256] = "", *report_json = NULL, hex[65];
    size_t report_len = 0;
    int bad = 0;

    *out = NULL;
    if (gethostname(host, sizeof(host) - 1) != 0)
        snprintf(host, sizeof(host), "unknown");
    put(r, "record_version", gl_value_int(1), &bad);
    put(r, "kind", gl_value_string("decision"), &bad);
    put(r, "verb", gl_value_string(verb), &bad);
    put(r, "run_id", member_copy(report, "run_id"), &bad);
    put(r, "time", member_copy(report, "finished_at"), &bad);
    put(r, "decision", member_copy(decision, "action"), &bad);
    put(r, "exit_code", member_copy(decision, "exit_code"), &bad);
    put(r, "reasons", member_copy(decision, "reasons"), &bad);
    put(r, "greenlight_version", member_copy(report, "greenlight_version"), &bad);
    put(r, "user", pw ? gl_value_string(pw->pw_name) : gl_value_stringf("uid %ld", (long)geteuid()), &bad);
    put(r, "host", gl_value_string(host), &bad);
    put(r, "change_id", member_copy(change, "id"), &bad);
    put(r, "ticket", member_copy(change, "ticket"), &bad);
    for (int s = 0; s < 2; s++) {
        const char *side = s ? "green" : "blue";
        put(t, side, member_copy(gl_value_object_get(targets, side), "display"), &bad);
        put(sv, side, member_copy(gl_value_object_get(targets, side), "server_version"), &bad);
    }
    put(r, "targets", t, &bad);
    put(r, "server_versions", sv, &bad);
    put(pol, "path", member_copy(policy, "path"), &bad);
    put(pol, "sha256", member_copy(policy, "sha256"), &bad);
    put(pol, "input_sha256", member_copy(policy, "input_sha256"), &bad);
    put(r, "policy", pol, &bad);
    for (size_t i = 0; !bad && i < gl_value_len(plugins); i++) {
        const gl_value *p = gl_value_array_at(plugins, i);
        gl_value *e = gl_value_object();
        put(e, "version", member_copy(p, "version"), &bad);
        put(e, "status", member_copy(p, "status"), &bad);
        put(e, "sha256", file_sha256(gl_value_object_string(p, "path")), &bad);
        put(pl, gl_value_object_string(p, "name") ? gl_value_object_string(p, "name") : "?", e, &bad);
    }
    put(r, "plugins", pl, &bad);
    if (!bad) {
        report_json = gl_json_write(report, 1, &report_len);
        if (report_json == NULL)
            bad = 1;
        else
            gl_sha256_hex(report_json, report_len, hex);
        free(report_json);
    }
    put(r, "report_sha256", bad ? NULL : gl_value_string(hex), &bad);
    put(r, "seq", gl_value_null(), &bad);
    put(r, "prev", gl_value_null(), &bad);
    if (bad) {
        gl_value_free(r);
        return gl_error_set(err, GL_ERR_NOMEM, "cannot build the decision record: out of memory");
    }
    *out = r;
    return 0;
}

/* canonical({field, nonce, value}) */
static char *field_payload(const char *name, const char *nonce, const gl_value *v, size_t *len)
{
    gl_value *p = gl_value_object();
    char *text = NULL;
    int bad = 0;

    put(p, "field", gl_value_string(name), &bad);
    put(p, "nonce", gl_value_string(nonce), &bad);
    put(p, "value", gl_value_copy(v), &bad);
    if (!bad)
        text = gl_evidence_canonical(p, len);
    gl_value_free(p);
    return text;
}

/* canonical({key_id, nonce, record}) */
static char *whole_payload(const char *key_id, const char *nonce, const gl_value *record, size_t *len)
{
    gl_value *p = gl_value_object();
    char *text = NULL;
    int bad = 0;

    put(p, "key_id", gl_value_string(key_id), &bad);
    put(p, "nonce", gl_value_string(nonce), &bad);
    put(p, "record", gl_value_copy(record), &bad);
    if (!bad)
        text = gl_evidence_canonical(p, len);
    gl_value_free(p);
    return text;
}

int gl_evidence_record_sign(const gl_value *record, gl_evidence_key *key, gl_value **out, gl_error *err)
{
    gl_value *env = gl_value_object(), *sig = gl_value_object(), *fields = gl_value_object();
    unsigned char rnd[16];
    char nonce[33], key_id[17], *payload = NULL, *s = NULL;
    size_t len = 0;
    int bad = 0;

    *out = NULL;
    if (RAND_bytes(rnd, sizeof(rnd)) != 1 || gl_evidence_key_id(key, key_id) != 0)
        bad = 1;
    for (size_t i = 0; i < sizeof(rnd); i++)
        snprintf(nonce + 2 * i, 3, "%02x", rnd[i]);
    for (size_t i = 0; !bad && i < gl_value_len(record); i++) {
        const char *name = gl_value_object_key_at(record, i);
        payload = field_payload(name, nonce, gl_value_object_value_at(record, i), &len);
        s = payload ? gl_evidence_sign(key, payload, len) : NULL;
        put(fields, name, s ? gl_value_string(s) : NULL, &bad);
        free(payload);
        free(s);
    }
    payload = bad ? NULL : whole_payload(key_id, nonce, record, &len);
    s = payload ? gl_evidence_sign(key, payload, len) : NULL;
    put(sig, "alg", gl_value_string("Ed25519"), &bad);
    put(sig, "key_id", gl_value_string(key_id), &bad);
    put(sig, "nonce", gl_value_string(nonce), &bad);
    put(sig, "value", s ? gl_value_string(s) : NULL, &bad);
    free(payload);
    free(s);
    put(env, "record", gl_value_copy(record), &bad);
    put(env, "signature", sig, &bad);
    put(env, "fields", fields, &bad);
    if (bad) {
        gl_value_free(env);
        return gl_error_set(err, GL_ERR_NOMEM, "cannot sign the decision record (out of memory or OpenSSL)");
    }
    *out = env;
    return 0;
}

static void say(char *why, size_t why_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t why_len, const char *fmt, ...)
{
    size_t used = strlen(why);
    va_list ap;

    if (used + 3 >= why_len)
        return;
    if (used > 0) {
        memcpy(why + used, "; ", 3);
        used += 2;
    }
    va_start(ap, fmt);
    vsnprintf(why + used, why_len - used, fmt, ap);
    va_end(ap);
}

int gl_evidence_record_check(const gl_value *env, gl_evidence_key *pub, char *why, size_t why_len)
{
    const gl_value *record = gl_value_object_get(env, "record");
    const gl_value *sig = gl_value_object_get(env, "signature");
    const gl_value *fields = gl_value_object_get(env, "fields");
    const char *nonce = gl_value_object_string(sig, "nonce");
    const char *key_id = gl_value_object_string(sig, "key_id");
    const char *value = gl_value_object_string(sig, "value");
    char mine[17], *payload = NULL;
    size_t len = 0;
    int ok, field_ok = 0, field_bad = 0;

    why[0] = '\0';
    if (gl_value_kind_of(record) != GL_VALUE_OBJECT || gl_value_kind_of(fields) != GL_VALUE_OBJECT ||
        nonce == NULL || key_id == NULL || value == NULL) {
        say(why, why_len, "not a greenlight signed record (it needs record, signature{key_id, nonce, value} and fields)");
        return 0;
    }
    if (gl_evidence_key_id(pub, mine) != 0)
        return -1;
    payload = whole_payload(key_id, nonce, record, &len);
    if (payload == NULL)
        return -1;
    ok = gl_evidence_verify_sig(pub, payload, len, value);
    free(payload);
    if (ok)
        return 1;
    for (size_t i = 0; i < gl_value_len(record); i++) {
        const char *name = gl_value_object_key_at(record, i);
        const char *fs = gl_value_object_string(fields, name);
        if (fs == NULL) {
            say(why, why_len, "field \"%s\" was added (it is not signed)", name);
            field_bad++;
            continue;
        }
        payload = field_payload(name, nonce, gl_value_object_value_at(record, i), &len);
        if (payload == NULL)
            return -1;
        if (gl_evidence_verify_sig(pub, payload, len, fs)) {
            field_ok++;
        } else {
            say(why, why_len, "field \"%s\" was edited", name);
            field_bad++;
        }
        free(payload);
    }
    for (size_t i = 0; i < gl_value_len(fields); i++) {
        const char *name = gl_value_object_key_at(fields, i);
        if (gl_value_object_get(record, name) == NULL) {
            say(why, why_len, "field \"%s\" was removed", name);
            field_bad++;
        }
    }
    if (field_ok == 0 && strcmp(key_id, mine) != 0) {
        why[0] = '\0';
        say(why, why_len, "signed with another key (the record names key id %s; the --pub key is %s)", key_id, mine);
    } else if (field_ok == 0 && field_bad > 0 && gl_value_len(record) > 1) {
        why[0] = '\0';
        say(why, why_len, "no field verifies with the --pub key (key id %s): another key signed it, or its nonce was edited", mine);
    } else if (field_bad == 0) {
        say(why, why_len, "the signature block was edited (key id, nonce or value)");
    }
    return 0;
}
