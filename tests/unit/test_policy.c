/*
 * The judge (engine/src/judge): the default policy's decisions, the policy
 * file contract, the `gl` helpers, and the sandbox's refusals and budgets.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "judge/policy.h"
#include "value/value.h"

#define DEFAULT_POLICY GL_TEST_SOURCE_DIR "/policies/default.lua"
#define ESCAPE_DIR GL_TEST_SOURCE_DIR "/tests/policy/escape"

static gl_error policy_err;
static char *const err = policy_err.message; /* the last evaluation's message */

#define F_DOWNGRADE \
    "{\"id\": \"engine_version.downgrade:server\", \"check\": \"engine_version\", " \
    "\"code\": \"engine_version.downgrade\", \"severity\": \"critical\", \"object\": \"server\", " \
    "\"blue\": \"17.2\", \"green\": \"16.6\", \"message\": \"Green is older.\", \"details\": {}}"
#define F_MAJOR \
    "{\"id\": \"engine_version.major_upgrade:server\", \"check\": \"engine_version\", " \
    "\"code\": \"engine_version.major_upgrade\", \"severity\": \"warning\", \"object\": \"server\", " \
    "\"blue\": \"15.10\", \"green\": \"17.10\", \"message\": \"Major upgrade.\", \"details\": {}}"
#define F_CRITICAL \
    "{\"id\": \"schema.table.missing:public.film\", \"check\": \"schema\", " \
    "\"code\": \"schema.table.missing\", \"severity\": \"critical\", \"object\": \"public.film\", " \
    "\"blue\": \"table\", \"green\": null, \"message\": \"public.film is missing on green.\", \"details\": {}}"
#define F_ERROR \
    "{\"id\": \"schema.column.type_changed:public.film.title\", \"check\": \"schema\", " \
    "\"code\": \"schema.column.type_changed\", \"severity\": \"error\", \"object\": \"public.film.title\", " \
    "\"blue\": \"text\", \"green\": \"varchar(10)\", \"message\": \"Type changed.\", \"details\": {}}"
#define F_WORK_MEM \
    "{\"id\": \"parameters.changed:work_mem\", \"check\": \"parameters\", \"code\": \"parameters.changed\", " \
    "\"severity\": \"warning\", \"object\": \"work_mem\", \"blue\": \"4MB\", \"green\": \"64MB\", " \
    "\"message\": \"work_mem differs.\", \"details\": {\"source_green\": \"configuration file\"}}"
#define F_DEFAULT_CHANGED \
    "{\"id\": \"parameters.default_changed:vacuum_cost_page_miss\", \"check\": \"parameters\", " \
    "\"code\": \"parameters.default_changed\", \"severity\": \"info\", \"object\": \"vacuum_cost_page_miss\", " \
    "\"blue\": \"10\", \"green\": \"2\", \"message\": \"default changed\", \"details\": {\"default_on_both\": true}}"
#define F_ONLY_GREEN_DEFAULT \
    "{\"id\": \"parameters.only_on_green:io_combine_limit\", \"check\": \"parameters\", " \
    "\"code\": \"parameters.only_on_green\", \"severity\": \"info\", \"object\": \"io_combine_limit\", " \
    "\"blue\": null, \"green\": \"128kB\", \"message\": \"new\", \"details\": {\"source_green\": \"default\"}}"
#define F_INFO \
    "{\"id\": \"engine_version.minor_upgrade:server\", \"check\": \"engine_version\", " \
    "\"code\": \"engine_version.minor_upgrade\", \"severity\": \"info\", \"object\": \"server\", " \
    "\"blue\": \"17.1\", \"green\": \"17.2\", \"message\": \"Minor upgrade.\", \"details\": {}}"

static gl_value *json(const char *text)
{
    gl_value *v = NULL;
    gl_error msg = {0};

    cr_assert_eq(gl_json_parse(text, strlen(text), &v, &msg), 0, "bad test JSON: %s", msg.message);
    return v;
}

/* An input with the given findings (JSON array), change (JSON) and errors. */
static gl_value *input_of(const char *findings, const char *change, const char *errors)
{
    char text[16384];

    snprintf(text, sizeof(text),
             "{\"findings\": %s, \"facts\": {\"blue\": {\"engine_version\": {\"server_version_num\": 150010}},"
             " \"green\": {\"engine_version\": {\"server_version_num\": 170010}}},"
             " \"change\": %s, \"waivers\": [], \"errors\": %s}",
             findings, change ? change : "null", errors ? errors : "[]");
    return json(text);
}

static gl_policy_limits test_limits(void)
{
    gl_policy_limits l;

    gl_policy_limits_default(&l);
    l.instructions = 5000000;
    l.memory_bytes = 16u * 1024 * 1024;
    /* Far from anything these tests reach: the instruction and memory budgets
     * must end the hostile policies, not a wall clock that a loaded machine
     * (two cores, sanitizers, other suites) can outrun (the wall budget has
     * its own test). */
    l.wall_ms = 120000;
    return l;
}

/* Evaluates the default policy; fails the test if it errors. */
static gl_value *decide(gl_value *input)
{
    gl_value *d = NULL;
    int rc = gl_policy_evaluate(DEFAULT_POLICY, input, NULL, &d, &policy_err);

    cr_assert_eq(rc, 0, "default policy failed: %s", err);
    cr_assert_not_null(d);
    gl_value_free(input);
    return d;
}

static int run_source(const char *source, gl_value *input, const gl_policy_limits *limits, gl_value **out)
{
    gl_value *own = input ? NULL : input_of("[" F_CRITICAL "]", NULL, NULL);
    int rc = gl_policy_evaluate_source(source, strlen(source), "inline.lua", input ? input : own,
                                       limits, out, &policy_err);
    gl_value_free(own);
    return rc;
}

/* Asserts the inline policy fails with a message containing want. */
static void assert_refused(const char *source, const char *want)
{
    gl_policy_limits l = test_limits();
    gl_value *d = NULL;

    cr_assert_eq(run_source(source, NULL, &l, &d), -1, "expected failure for:\n%s", source);
    cr_assert_null(d);
    cr_assert(strstr(err, want) != NULL, "message '%s' lacks '%s'", err, want);
}

static const char *action(const gl_value *d)
{
    return gl_value_object_string(d, "action");
}

static const gl_value *reason(const gl_value *d, size_t i)
{
    return gl_value_array_at(gl_value_object_get(d, "reasons"), i);
}

static size_t n_reasons(const gl_value *d)
{
    return gl_value_len(gl_value_object_get(d, "reasons"));
}

static const char *reason_finding(const gl_value *d, size_t i, size_t k)
{
    return gl_value_get_string(gl_value_array_at(gl_value_object_get(reason(d, i), "findings"), k));
}

/* ---- the default policy ---- */

Test(default_policy, clean_input_switches_over_with_no_reasons)
{
    gl_value *d = decide(input_of("[" F_INFO "]", NULL, NULL));

    cr_assert_str_eq(action(d), "switchover");
    cr_assert_eq(n_reasons(d), 0);
    cr_assert_eq(gl_value_len(gl_value_object_get(d, "rules_fired")), 0);
    gl_value_free(d);
}

Test(default_policy, downgrade_rolls_back_and_outranks_holds)
{
    /* the change declares the schema change, so only these two rules object */
    gl_value *d = decide(input_of("[" F_DOWNGRADE ", " F_CRITICAL "]", "{\"schema\": [\"public.film\"]}", NULL));

    cr_assert_str_eq(action(d), "rollback");
    cr_assert_eq(n_reasons(d), 2);
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "rule"), "downgrade");
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "action"), "rollback");
    cr_assert_str_eq(reason_finding(d, 0, 0), "engine_version.downgrade:server");
    /* the downgrade is critical too, but only the downgrade rule judges it */
    cr_assert_str_eq(gl_value_object_string(reason(d, 1), "rule"), "critical");
    cr_assert_str_eq(reason_finding(d, 1, 0), "schema.table.missing:public.film");
    gl_value_free(d);
}

Test(default_policy, critical_finding_holds_naming_the_finding)
{
    gl_value *d = decide(input_of("[" F_CRITICAL "]", "{\"schema\": [\"public.film\"]}", NULL));
    const gl_value *fired = gl_value_object_get(d, "rules_fired");

    cr_assert_str_eq(action(d), "hold");
    cr_assert_eq(n_reasons(d), 1);
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "rule"), "critical");
    cr_assert_str_eq(reason_finding(d, 0, 0), "schema.table.missing:public.film");
    cr_assert(strstr(gl_value_object_string(reason(d, 0), "message"), "schema.table.missing:public.film"));
    cr_assert_eq(gl_value_len(fired), 1);
    cr_assert_str_eq(gl_value_get_string(gl_value_array_at(fired, 0)), "critical");
    gl_value_free(d);
}

Test(default_policy, run_errors_hold)
{
    gl_value *d = decide(input_of("[]", NULL,
                                  "[{\"stage\": \"plugin\", \"side\": null, \"plugin\": \"schema\", "
                                  "\"message\": \"connection lost\"}]"));

    cr_assert_str_eq(action(d), "hold");
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "rule"), "errors");
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "message"), "run error: schema: connection lost");
    gl_value_free(d);
}

Test(shared_rules, errors_rule_names_plugin_else_stage_else_run)
{
    const char *src = "return { name = 'p', rules = { errors = gl.rules.errors } }";
    gl_policy_limits l = test_limits();
    gl_value *d = NULL;
    gl_value *in = input_of("[]", NULL,
                            "[{\"stage\": \"connect\", \"side\": \"blue\", \"plugin\": null, "
                            "\"message\": \"refused\"}, {\"message\": \"lost\"}]");

    cr_assert_eq(run_source(src, in, &l, &d), 0, "%s", err);
    cr_assert_str_eq(action(d), "hold");
    cr_assert_eq(n_reasons(d), 2);
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "message"), "run error: connect: refused");
    cr_assert_str_eq(gl_value_object_string(reason(d, 1), "message"), "run error: run: lost");
    gl_value_free(d);
    gl_value_free(in);
}

Test(shared_rules, present_and_read_only)
{
    const char *src =
        "assert(gl.present(0) and gl.present('') and not gl.present(nil) and not gl.present(gl.null))\n"
        "return { name = 'p', rules = { r = function() gl.rules.errors = nil end } }";

    assert_refused(src, "read-only");
}

Test(default_policy, error_severity_findings_hold)
{
    gl_value *d = decide(input_of("[" F_ERROR "]", NULL, NULL));

    cr_assert_str_eq(action(d), "hold");
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "rule"), "error_findings");
    cr_assert_str_eq(reason_finding(d, 0, 0), "schema.column.type_changed:public.film.title");
    gl_value_free(d);
}

Test(default_policy, undeclared_parameter_holds_naming_the_setting)
{
    gl_value *d = decide(input_of("[" F_WORK_MEM "]", "{\"id\": \"CHG-1\", \"kind\": \"parameters\"}", NULL));

    cr_assert_str_eq(action(d), "hold");
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "rule"), "undeclared_parameters");
    cr_assert(strstr(gl_value_object_string(reason(d, 0), "message"), "work_mem"));
    cr_assert_str_eq(reason_finding(d, 0, 0), "parameters.changed:work_mem");
    gl_value_free(d);
}

Test(default_policy, declared_parameter_with_equal_value_in_other_units_switches_over)
{
    gl_value *d = decide(input_of("[" F_WORK_MEM "]",
                                  "{\"kind\": \"parameters\", \"parameters\": {\"WORK_MEM\": \"65536kB\"}}", NULL));

    cr_assert_str_eq(action(d), "switchover", "reasons: %s",
                     n_reasons(d) ? gl_value_object_string(reason(d, 0), "message") : "");
    gl_value_free(d);
}

Test(default_policy, declared_parameter_without_value_accepts_any_value)
{
    gl_value *d = decide(input_of("[" F_WORK_MEM "]", "{\"parameters\": {\"work_mem\": true}}", NULL));

    cr_assert_str_eq(action(d), "switchover");
    gl_value_free(d);
}

Test(default_policy, declared_parameter_with_other_value_holds)
{
    gl_value *d = decide(input_of("[" F_WORK_MEM "]", "{\"parameters\": {\"work_mem\": \"32MB\"}}", NULL));

    cr_assert_str_eq(action(d), "hold");
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "message"), "declared work_mem=32MB but green has 64MB");
    gl_value_free(d);
}

Test(default_policy, default_changes_are_not_drift)
{
    gl_value *d = decide(input_of("[" F_DEFAULT_CHANGED ", " F_ONLY_GREEN_DEFAULT "]", NULL, NULL));

    cr_assert_str_eq(action(d), "switchover");
    gl_value_free(d);
}

Test(default_policy, undeclared_major_upgrade_holds)
{
    gl_value *d = decide(input_of("[" F_MAJOR "]", "{\"kind\": \"parameters\"}", NULL));

    cr_assert_str_eq(action(d), "hold");
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "rule"), "major_upgrade");
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "message"), "undeclared major upgrade from 15.10 to 17.10: if it is intended, declare it in "
                     "the change file (--change): \"kind\": \"major_upgrade\", \"target_version\": \"17\"");
    gl_value_free(d);

    d = decide(input_of("[" F_MAJOR "]", NULL, NULL));
    cr_assert_str_eq(action(d), "hold");
    gl_value_free(d);
}

Test(default_policy, major_upgrade_declared_by_kind_or_target_switches_over)
{
    gl_value *d = decide(input_of("[" F_MAJOR "]", "{\"kind\": \"major_upgrade\"}", NULL));
    cr_assert_str_eq(action(d), "switchover");
    gl_value_free(d);

    d = decide(input_of("[" F_MAJOR "]", "{\"kind\": \"schema\", \"target_version\": \"17\"}", NULL));
    cr_assert_str_eq(action(d), "switchover");
    gl_value_free(d);

    d = decide(input_of("[" F_MAJOR "]", "{\"kind\": \"major_upgrade\", \"target_version\": 170002}", NULL));
    cr_assert_str_eq(action(d), "switchover");
    gl_value_free(d);
}

Test(default_policy, major_upgrade_to_another_major_than_declared_holds)
{
    gl_value *d = decide(input_of("[" F_MAJOR "]", "{\"kind\": \"major_upgrade\", \"target_version\": \"18.1\"}", NULL));

    cr_assert_str_eq(action(d), "hold");
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "message"),
                     "the change targets PostgreSQL 18.1 but green runs 17.10: green is not the "
                     "declared target (if 17 is intended, set \"target_version\": \"17\" in the change file)");
    gl_value_free(d);
}

Test(default_policy, decisions_are_byte_identical_across_runs)
{
    const char *findings = "[" F_DOWNGRADE ", " F_MAJOR ", " F_CRITICAL ", " F_ERROR ", " F_WORK_MEM ", "
                           F_DEFAULT_CHANGED "]";
    const char *errors = "[\"one\", {\"plugin\": \"schema\", \"message\": \"two\"}]";
    gl_value *a = decide(input_of(findings, "{\"parameters\": {\"work_mem\": \"1GB\"}}", errors));
    gl_value *b = decide(input_of(findings, "{\"parameters\": {\"work_mem\": \"1GB\"}}", errors));
    char *ja = gl_json_write(a, 1, NULL), *jb = gl_json_write(b, 1, NULL);

    cr_assert_str_eq(ja, jb);
    cr_assert_str_eq(action(a), "rollback");
    /* 7 as before, plus the two undeclared schema changes */
    cr_assert_eq(n_reasons(a), 9, "%s", ja);
    free(ja);
    free(jb);
    gl_value_free(a);
    gl_value_free(b);
}

/* ---- the policy contract ---- */

Test(policy_contract, reasons_sort_by_precedence_then_rule_then_message)
{
    const char *src =
        "return { name = 't', rules = {\n"
        "  b = function() return { gl.hold('z'), gl.hold('a'), gl.switchover() } end,\n"
        "  a = function() return gl.hold('m', { 'id-1', 'id-2' }) end,\n"
        "  c = function() return gl.rollback('r') end,\n"
        "  d = function() return {} end,\n"
        "  e = function() return nil end } }\n";
    gl_value *d = NULL;

    cr_assert_eq(run_source(src, NULL, NULL, &d), 0, "%s", err);
    cr_assert_str_eq(action(d), "rollback");
    cr_assert_eq(n_reasons(d), 5);
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "rule"), "c");
    cr_assert_str_eq(gl_value_object_string(reason(d, 1), "rule"), "a");
    cr_assert_str_eq(reason_finding(d, 1, 1), "id-2");
    cr_assert_str_eq(gl_value_object_string(reason(d, 2), "message"), "a");
    cr_assert_str_eq(gl_value_object_string(reason(d, 3), "message"), "z");
    cr_assert_str_eq(gl_value_object_string(reason(d, 4), "action"), "switchover");
    cr_assert_str_eq(gl_value_object_string(reason(d, 4), "message"), "no objection");
    char *fired = gl_json_write(gl_value_object_get(d, "rules_fired"), 0, NULL);
    cr_assert_str_eq(fired, "[\"a\",\"b\",\"c\"]");
    free(fired);
    gl_value_free(d);
}

Test(policy_contract, too_many_reasons_are_counted_not_kept)
{
    const char *src = "return { name = 't', rules = { many = function()\n"
                      "  local v = {} for i = 1, 30 do v[i] = gl.hold('h' .. i) end\n"
                      "  v[31] = gl.rollback('r') return v end } }";
    gl_policy_limits l = test_limits();
    gl_value *d = NULL;

    l.max_reasons = 10;
    cr_assert_eq(run_source(src, NULL, &l, &d), 0, "%s", err);
    cr_assert_str_eq(action(d), "rollback");
    cr_assert_eq(n_reasons(d), 10);
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "action"), "rollback");
    cr_assert_eq(gl_value_get_int(gl_value_object_get(d, "reasons_omitted")), 21);
    gl_value_free(d);
}

Test(policy_contract, syntax_error_names_file_and_line)
{
    char path[] = "/tmp/gl_policy_syntax_XXXXXX.lua";
    int fd = mkstemps(path, 4);
    gl_value *in = input_of("[]", NULL, NULL), *d = NULL;
    FILE *f;

    cr_assert(fd >= 0);
    f = fdopen(fd, "w");
    fputs("return {\n  name = 'broken',\n  rules = { a = function( end }\n}\n", f);
    fclose(f);
    cr_assert_eq(gl_policy_evaluate(path, in, NULL, &d, &policy_err), -1);
    cr_assert_null(d);
    cr_assert(strstr(err, ":3:") != NULL, "%s", err);
    cr_assert(strstr(err, "gl_policy_syntax_") != NULL, "%s", err);
    unlink(path);

    assert_refused("return {\n name = 'x',\n rules = {\n a = function() retrun 1 end } }", "inline.lua:4:");
    gl_value_free(in);
}

Test(policy_contract, missing_policy_file_fails)
{
    gl_value *in = input_of("[]", NULL, NULL), *d = NULL;

    cr_assert_eq(gl_policy_evaluate("/nonexistent/policy.lua", in, NULL, &d, &policy_err), -1);
    cr_assert(strstr(err, "/nonexistent/policy.lua") != NULL, "%s", err);
    gl_value_free(in);
}

Test(policy_contract, runtime_error_names_rule_line_and_traceback)
{
    assert_refused("return { name = 'x', rules = {\n boom = function(input)\n error('kaput')\n end } }",
                   "rule 'boom' failed: inline.lua:3: kaput");
    assert_refused("return { name = 'x', rules = {\n boom = function(input)\n error('kaput')\n end } }",
                   "stack traceback");
}

Test(policy_contract, rules_must_return_verdicts)
{
    assert_refused("return { name = 'x', rules = { s = function() return 'switchover' end } }",
                   "rule 's' returned a string");
    assert_refused("return { name = 'x', rules = { n = function() return 0 end } }", "rule 'n' returned a number");
    assert_refused("return { name = 'x', rules = { t = function() return { action = 'switchover' } end } }",
                   "rule 't' returned a table");
    assert_refused("return { name = 'x', rules = { l = function() return { gl.hold('a'), 'b' } end } }",
                   "rule 'l' returned a list whose item 2");
    assert_refused("return { name = 'x', rules = { i = function(input) return input.findings end } }",
                   "rule 'i' returned a table");
}

Test(policy_contract, policy_table_is_checked)
{
    assert_refused("return function() end", "must return a table");
    assert_refused("return { rules = {} }", "needs a 'name'");
    assert_refused("return { name = 'x', rule = {} }", "bad field 'rule'");
    assert_refused("return { name = 'x', rules = { a = 1 } }", "rules[a] must be a function");
}

Test(policy_contract, verdicts_are_read_only_and_cannot_be_forged)
{
    assert_refused("return { name = 'x', rules = { a = function()\n"
                   "  local v = gl.hold('h') v.action = 'switchover' return v end } }",
                   "verdicts are read-only");
    assert_refused("return { name = 'x', rules = { a = function() return gl.hold('') end } }",
                   "message must not be empty");
    assert_refused("return { name = 'x', rules = { a = function() return gl.hold('m', { 42.5, {} }) end } }",
                   "findings[2] is not a finding with an id");
}

/* ---- the gl helpers and the input as Lua sees it ---- */

Test(gl_library, helpers_behave_as_documented)
{
    const char *src =
        "local function eq(a, b) assert(a == b, tostring(a) .. ' ~= ' .. tostring(b)) end\n"
        "return { name = 'helpers', rules = { check = function(input)\n"
        "  eq(gl.parse_size('128MB'), 134217728) eq(gl.parse_size('1.5kB'), 1536)\n"
        "  eq(gl.parse_size(' 8 kB '), 8192) eq(gl.parse_size('42'), 42) eq(gl.parse_size(7), 7)\n"
        "  eq(gl.parse_size('1TB'), 1099511627776) eq(gl.parse_size('12 mb'), nil)\n"
        "  eq(gl.parse_duration('5min'), 300000) eq(gl.parse_duration('1h'), 3600000)\n"
        "  eq(gl.parse_duration('250us'), 0.25) eq(gl.parse_duration('2d'), 172800000)\n"
        "  eq(gl.parse_duration('10'), 10) eq(gl.parse_duration('5 minutes'), nil)\n"
        "  eq(gl.parse_duration('0.7ms'), 0.7) eq(gl.parse_duration('0.1s'), 100)\n"
        "  eq(gl.parse_duration('1.1ms'), 1.1) eq(gl.parse_size('0.1kB'), 102.4)\n"
        "  eq(gl.version_major('17.10'), 17) eq(gl.version_major(170010), 17)\n"
        "  eq(gl.version_major('9.6.24'), 9.6) eq(gl.version_major(90624), 9.6)\n"
        "  eq(gl.version_major('PostgreSQL 16.4 on x86_64'), 16) eq(gl.version_major('18beta1'), 18)\n"
        "  eq(gl.version_major(17), 17) eq(gl.version_major('none'), nil)\n"
        "  eq(gl.severity_rank('info'), 1) eq(gl.severity_rank('critical'), 4)\n"
        "  assert(gl.same_setting('1GB', '1024MB')) assert(gl.same_setting('60s', '1min'))\n"
        "  assert(gl.same_setting('on', 'true')) assert(gl.same_setting('REPLICA', 'replica'))\n"
        "  assert(gl.same_setting(' 100 ', 100)) assert(gl.same_setting('1e3', '1000'))\n"
        "  assert(not gl.same_setting('128MB', '128')) assert(not gl.same_setting('1GB', '1000MB'))\n"
        "  assert(gl.same_setting(65536, '64MB', 'kB')) assert(gl.same_setting('16384', '128MB', '8kB'))\n"
        "  assert(gl.same_setting('0.5s', 500, 'ms')) assert(not gl.same_setting(65536, '32MB', 'kB'))\n"
        "  assert(not gl.same_setting(65536, '64MB')) assert(not gl.same_setting('64MB', '64s', 'kB'))\n"
        "  assert(not gl.same_setting('\"$user\", public', '\"$USER\", public'))\n"
        "  assert(not gl.same_setting('on', gl.null)) assert(not gl.same_setting(nil, 'x'))\n"
        "  eq(gl.declared_parameter(input, 'Shared_Buffers'), '1GB')\n"
        "  eq(gl.declared_parameter(input, 'work_mem'), nil)\n"
        "  eq(#gl.findings(input), 3) eq(#gl.findings(input, { severity = 'critical' }), 2)\n"
        "  eq(#gl.findings(input, { min_severity = 'warning' }), 2)\n"
        "  eq(#gl.findings(input, { code_match = '^engine_version%.' }), 2)\n"
        "  eq(gl.findings(input, { check = 'schema', object = 'film$' })[1].id, 'schema.table.missing:public.film')\n"
        "  eq(#gl.findings(input, { code = 'nope' }), 0)\n"
        "  return nil end } }\n";
    gl_value *in = input_of("[" F_DOWNGRADE ", " F_CRITICAL ", " F_INFO "]",
                            "{\"parameters\": {\"shared_buffers\": \"1GB\"}}", NULL);
    gl_value *d = NULL;

    cr_assert_eq(run_source(src, in, NULL, &d), 0, "%s", err);
    cr_assert_str_eq(action(d), "switchover");
    gl_value_free(d);
    gl_value_free(in);

    assert_refused("return { name = 'x', rules = { a = function(input) gl.findings(input, { sevrity = 'x' }) end } }",
                   "unknown filter 'sevrity'");
    assert_refused("return { name = 'x', rules = { a = function() gl.severity_rank('fatal') end } }",
                   "unknown severity 'fatal'");
}

Test(gl_library, input_reads_like_plain_tables_with_null_and_kinds)
{
    const char *src =
        "local function eq(a, b) assert(a == b, tostring(a) .. ' ~= ' .. tostring(b)) end\n"
        "return { name = 'input', rules = { check = function(input)\n"
        "  eq(gl.kind(input), 'object') eq(gl.kind(input.findings), 'array') eq(gl.kind(input.change), 'null')\n"
        "  eq(input.change, gl.null) eq(tostring(gl.null), 'null') eq(input.nothing, nil)\n"
        "  eq(type(input.findings), 'table') eq(#input.findings, 2) eq(input.findings, input.findings)\n"
        "  local f = input.findings[2]\n"
        "  eq(f.green, gl.null) eq(f.blue, 'table') eq(input.findings[3], nil) eq(input.findings[0], nil)\n"
        "  local keys = {} for k in pairs(f) do keys[#keys + 1] = k end\n"
        "  eq(table.concat(keys, ','), 'id,check,code,severity,object,blue,green,message,details')\n"
        "  local n = 0 for i, g in ipairs(input.findings) do n = n + i end eq(n, 3)\n"
        "  eq(next(input.findings), 1) eq(select(2, next(f)), f.id) eq(next(input.waivers), nil)\n"
        "  eq(next(f, 'details'), nil)\n"
        "  eq(input.facts.green.engine_version.server_version_num, 170010)\n"
        "  eq(math.type(input.facts.green.engine_version.server_version_num), 'integer')\n"
        "  eq(getmetatable(input), 'read-only input object')\n"
        "  eq(getmetatable(''), 'protected')\n"
        "  eq(math.random, nil) eq(string.dump, nil) eq(io, nil) eq(os, nil) eq(require, nil) eq(load, nil)\n"
        "  eq(debug, nil) eq(package, nil) eq(collectgarbage, nil) eq(coroutine, nil) eq(rawset, nil)\n"
        "  eq(dofile, nil) eq(loadfile, nil) eq(print, nil) eq(_G, nil)\n"
        "  eq(('x'):rep(3), 'xxx') eq(select('#', pcall(error, 'e')), 2)\n"
        "  count = (count or 0) + 1\n" /* a policy global: its own _ENV */
        "  return nil end } }\n";
    gl_value *in = input_of("[" F_DOWNGRADE ", " F_CRITICAL "]", NULL, NULL);
    gl_value *d = NULL;

    cr_assert_eq(run_source(src, in, NULL, &d), 0, "%s", err);
    gl_value_free(d);
    gl_value_free(in);
}

/* ---- the sandbox ---- */

Test(sandbox, input_is_read_only)
{
    assert_refused("return { name = 'x', rules = { a = function(input) input.findings = {} end } }", "read-only");
    assert_refused("return { name = 'x', rules = { a = function(input) input.findings[1].severity = 'info' end } }",
                   "read-only");
    assert_refused("return { name = 'x', rules = { a = function(input) table.insert(input.waivers, 1) end } }",
                   "read-only");
    assert_refused("return { name = 'x', rules = { a = function(input) setmetatable(input, nil) end } }",
                   "protected metatable");
    assert_refused("return { name = 'x', rules = { a = function(input) gl.hold = nil end } }", "gl is read-only");
    assert_refused("return { name = 'x', rules = { a = function(input) string.rep = nil end } }",
                   "string is read-only");
}

Test(sandbox, forbidden_libraries_fail)
{
    assert_refused("return { name = 'x', rules = { a = function() io.open('/etc/passwd') end } }", "io");
    assert_refused("return { name = 'x', rules = { a = function() os.execute('true') end } }", "os");
    assert_refused("return { name = 'x', rules = { a = function() require('io') end } }", "require");
    assert_refused("return { name = 'x', rules = { a = function() load('return 1', 'x', 'b') end } }", "load");
    assert_refused("return { name = 'x', rules = { a = function() string.dump(print) end } }", "dump");
    assert_refused("return { name = 'x', rules = { a = function() debug.getregistry() end } }", "debug");
    assert_refused("return { name = 'x', rules = { a = function() collectgarbage() end } }", "collectgarbage");
    assert_refused("return { name = 'x', rules = { a = function()\n"
                   "  setmetatable({}, { __gc = function() end }) end } }",
                   "__gc metamethods are not allowed");
}

Test(sandbox, endless_loops_exhaust_the_instruction_budget)
{
    assert_refused("return { name = 'x', rules = { spin = function() while true do end end } }",
                   "instruction budget of 5000000 instructions exceeded in rule 'spin' at inline.lua:1");
    assert_refused("return { name = 'x', rules = { spin = function()\n"
                   "  while true do pcall(function() while true do end end) end end } }",
                   "instruction budget");
    assert_refused("return { name = 'x', rules = { spin = function()\n"
                   "  while true do xpcall(function() while true do end end, function(m) return m end) end end } }",
                   "instruction budget");
    assert_refused("while true do end", "instruction budget of 5000000 instructions exceeded while loading");
}

Test(sandbox, memory_bombs_exhaust_the_memory_budget)
{
    assert_refused("return { name = 'x', rules = { bomb = function()\n"
                   "  local s = 'x' while true do s = s .. s end end } }",
                   "memory budget of 16 MiB exceeded in rule 'bomb'");
    assert_refused("return { name = 'x', rules = { bomb = function()\n"
                   "  local t = {} for i = 1, 1e9 do t[i] = {i} end end } }",
                   "memory budget of 16 MiB exceeded");
    /* caught by pcall: still the end of the evaluation */
    assert_refused("return { name = 'x', rules = { bomb = function()\n"
                   "  pcall(string.rep, 'x', 1 << 30) return nil end } }",
                   "memory budget of 16 MiB exceeded");
}

Test(sandbox, wall_clock_budget_ends_slow_policies)
{
    gl_policy_limits l = test_limits();
    gl_value *d = NULL;

    l.instructions = UINT64_MAX;
    l.wall_ms = 200;
    cr_assert_eq(run_source("return { name = 'x', rules = { slow = function() while true do end end } }",
                            NULL, &l, &d), -1);
    cr_assert(strstr(err, "wall-clock budget of 200 ms exceeded in rule 'slow'"), "%s", err);
}

Test(sandbox, deep_recursion_is_an_error_not_a_crash)
{
    gl_value *d = NULL;

    /* the default 64 MiB leave room for Lua's full stack of 1,000,000 slots */
    cr_assert_eq(run_source("return { name = 'x', rules = { deep = function()\n"
                            "  local function f(n) return 1 + f(n + 1) end return f(1) end } }",
                            NULL, NULL, &d), -1);
    cr_assert(strstr(err, "stack overflow") != NULL, "%s", err);
    assert_refused("return { name = 'x', rules = { deep = function()\n"
                   "  local function f(n) return 1 + f(n + 1) end return f(1) end } }",
                   "budget of 16 MiB exceeded");
    assert_refused("return { name = 'x', rules = { deep = function()\n"
                   "  local t = setmetatable({}, { __index = function(t, k) return t[k .. 'x'] end })\n"
                   "  return t.a end } }",
                   "stack overflow");
}

/* Every hostile policy in tests/policy/escape fails (never a decision, never
 * a crash); a first line "-- expect: text" names what the error must say. */
Test(sandbox, hostile_policies_never_decide)
{
    DIR *dir = opendir(ESCAPE_DIR);
    struct dirent *ent;
    int count = 0;

    cr_assert_not_null(dir, "cannot open %s", ESCAPE_DIR);
    while ((ent = readdir(dir)) != NULL) {
        size_t len = strlen(ent->d_name);
        char path[1024], first[256] = "";
        gl_policy_limits l = test_limits();
        gl_value *in = input_of("[" F_CRITICAL ", " F_WORK_MEM "]", NULL, NULL), *d = NULL;
        FILE *f;

        if (len < 5 || strcmp(ent->d_name + len - 4, ".lua") != 0) {
            gl_value_free(in);
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", ESCAPE_DIR, ent->d_name);
        f = fopen(path, "r");
        cr_assert_not_null(f);
        if (fgets(first, sizeof(first), f) == NULL)
            first[0] = '\0';
        fclose(f);
        first[strcspn(first, "\n")] = '\0';

        cr_assert_eq(gl_policy_evaluate(path, in, &l, &d, &policy_err), -1,
                     "%s returned a decision", ent->d_name);
        cr_assert_null(d);
        cr_assert_neq(err[0], '\0', "%s: no message", ent->d_name);
        if (strncmp(first, "-- expect: ", 11) == 0)
            cr_assert(strstr(err, first + 11) != NULL, "%s: '%s' lacks '%s'", ent->d_name, err, first + 11);
        gl_value_free(in);
        count++;
    }
    closedir(dir);
    cr_assert_geq(count, 25, "only %d hostile policies", count);
}

/* With a subset of plugins (--plugins), what the change declares but no plugin
 * measured holds, and the reason names the plugin to add. */
Test(default_policy, a_declaration_no_plugin_measured_names_the_plugin_to_add)
{
    gl_value *d = decide(input_of("[]", "{\"parameters\": {\"work_mem\": \"64MB\"}, \"schema\": [\"public.film\"]}",
                                  NULL));

    cr_assert_str_eq(action(d), "hold");
    cr_assert_str_eq(gl_value_object_string(reason(d, 1), "message"),
                     "the change declares parameter work_mem but the parameters check did not run: add "
                     "parameters to --plugins (or drop --plugins); if it failed, the run's errors say why");
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "message"),
                     "the change declares a schema change on public.film but the schema check did not "
                     "run: add schema to --plugins (or drop --plugins); if it failed, the run's errors say why");
    gl_value_free(d);

    d = decide(json("{\"findings\": [], \"facts\": {\"blue\": {}, \"green\": {}}, \"change\": "
                    "{\"target_version\": \"17\"}, \"waivers\": [], \"errors\": []}"));
    cr_assert_str_eq(action(d), "hold");
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "message"),
                     "the change targets PostgreSQL 17 but green's version is unknown: the engine_version "
                     "check did not run: add engine_version to --plugins (or drop --plugins); if it "
                     "failed, the run's errors say why");
    gl_value_free(d);

    d = decide(json("{\"findings\": [], \"facts\": {\"blue\": {}, \"green\": {}}, \"change\": "
                    "{\"kind\": \"major_upgrade\"}, \"waivers\": [], \"errors\": []}"));
    cr_assert_str_eq(action(d), "hold");
    cr_assert_str_eq(gl_value_object_string(reason(d, 0), "message"),
                     "the change declares a major upgrade but the engine_version check did not run: add "
                     "engine_version to --plugins (or drop --plugins); if it failed, the run's errors say why");
    gl_value_free(d);
}
