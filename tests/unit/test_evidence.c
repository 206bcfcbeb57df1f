/* Unit tests for engine/src/evidence/: RFC 8785 canonical JSON (the RFC's
 * own examples) and Ed25519 signatures of records. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evidence/evidence.h"
#include "value/value.h"

static char *canon(const char *json)
{
    gl_value *v = NULL;
    gl_error err = {0};
    char *out;
    cr_assert_eq(gl_json_parse(json, strlen(json), &v, &err), 0, "%s", err.message);
    out = gl_evidence_canonical(v, NULL);
    cr_assert_not_null(out);
    gl_value_free(v);
    return out;
}

static void expect(const char *json, const char *want)
{
    char *got = canon(json);
    cr_assert_str_eq(got, want, "%s", json);
    free(got);
}

Test(canonical, numbers_in_ecmascript_form)
{
    expect("[1e30, 4.50, 2e-3, 0.000001, 1e-7, 333333333.33333329, 1e21, 1e20, -0.0, 5e-324]",
           "[1e+30,4.5,0.002,0.000001,1e-7,333333333.3333333,1e+21,100000000000000000000,0,5e-324]");
    expect("[1.7976931348623157e308, -1.5, 9007199254740992, 123.0]",
           "[1.7976931348623157e+308,-1.5,9007199254740992,123]");
}

Test(canonical, strings_minimal_escapes)
{
    expect("\"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\"", "\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"");
}

Test(canonical, keys_sorted_by_utf16_code_units)
{
    expect("{\"\\u20ac\":\"Euro\",\"\\r\":\"CR\",\"\\ufb33\":\"H\",\"1\":\"One\",\"\\ud83d\\ude00\":\"E\",\"\\u0080\":\"C\",\"\\u00f6\":\"o\"}",
           "{\"\\r\":\"CR\",\"1\":\"One\",\"\xc2\x80\":\"C\",\"ö\":\"o\",\"€\":\"Euro\",\"😀\":\"E\",\"דּ\":\"H\"}");
    expect("{\"b\":[1,{\"z\":null,\"a\":true}],\"a\":\"x\"}", "{\"a\":\"x\",\"b\":[1,{\"a\":true,\"z\":null}]}");
}

Test(records, sign_then_check_names_the_edited_field)
{
    char dir[] = "/tmp/gl-evidence-XXXXXX", path[128], pub_path[160], why[512];
    gl_evidence_key *key = NULL, *pub = NULL;
    gl_value *rec = gl_value_object(), *env = NULL;
    gl_error err;

    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/k", dir);
    snprintf(pub_path, sizeof(pub_path), "%s/k.pub", dir);
    cr_assert_eq(gl_evidence_keygen(path, &err), 0, "%s", err.message);
    cr_assert_eq(gl_evidence_key_load_private(path, &key, &err), 0, "%s", err.message);
    cr_assert_eq(gl_evidence_key_load_public(pub_path, &pub, &err), 0, "%s", err.message);
    gl_value_object_set(rec, "decision", gl_value_string("hold"));
    gl_value_object_set(rec, "seq", gl_value_int(3));
    cr_assert_eq(gl_evidence_record_sign(rec, key, &env, &err), 0, "%s", err.message);
    cr_assert_eq(gl_evidence_record_check(env, pub, why, sizeof(why)), 1, "%s", why);
    gl_value_object_set(gl_value_object_get_mut(env, "record"), "decision", gl_value_string("switchover"));
    cr_assert_eq(gl_evidence_record_check(env, pub, why, sizeof(why)), 0);
    cr_assert_str_eq(why, "field \"decision\" was edited");
    gl_value_free(env);
    gl_value_free(rec);
    gl_evidence_key_free(key);
    gl_evidence_key_free(pub);
    unlink(path);
    unlink(pub_path);
    rmdir(dir);
}
