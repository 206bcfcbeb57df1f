/*
 * The policy toolkit (engine/src/judge): traces and stats, input and output
 * budgets, Lua data files, declared vs observed change, waivers, the
 * `policy test` suite with coverage and JUnit, and determinism.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/exit.h"
#include "judge/policy.h"
#include "judge/suite.h"
#include "judge/waiver.h"
#include "value/value.h"

#define POLICIES GL_TEST_SOURCE_DIR "/policies"

static gl_error policy_err;
static char *const err = policy_err.message; /* the last evaluation's message */

static gl_value *json(const char *text)
{
    gl_value *v = NULL;
    gl_error msg = {0};

    cr_assert_eq(gl_json_parse(text, strlen(text), &v, &msg), 0, "bad test JSON: %s (%s)", msg.message, text);
    return v;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = calloc(1, 1 << 20);
    size_t n;

    cr_assert_not_null(f);
    n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int eval_source(const char *src, const char *input_json, const gl_policy_limits *limits, gl_value **d)
{
    gl_value *in = json(input_json);
    int rc = gl_policy_evaluate_source(src, strlen(src), "inline.lua", in, limits, d, &policy_err);

    gl_value_free(in);
    return rc;
}

/* ---- trace and stats ---- */

Test(trace, lists_every_rule_with_its_verdicts_or_none)
{
    const char *src = "return { name = 'traced', rules = {\n"
                      "  quiet = function() end,\n"
                      "  loud = function(input) return { gl.hold('one', input.findings[1]), gl.switchover('fine') } end } }";
    gl_value *in = json("{\"findings\": [{\"id\": \"a:b\", \"code\": \"a\", \"object\": \"b\", \"severity\": \"error\"}]}");
    gl_value *d = NULL, *trace = NULL;
    gl_policy_stats stats;
    char path[] = "/tmp/gl_trace_XXXXXX.lua";
    int fd = mkstemps(path, 4);

    cr_assert(fd >= 0);
    close(fd);
    write_file(path, src);
    cr_assert_eq(gl_policy_evaluate_ex(path, in, NULL, &d, &trace, &stats, &policy_err), 0, "%s", err);
    char *text = gl_json_write(trace, 0, NULL);
    cr_assert_str_eq(text, "{\"policy\":\"traced\",\"rules\":["
                           "{\"rule\":\"loud\",\"verdicts\":[{\"action\":\"hold\",\"message\":\"one\",\"findings\":[\"a:b\"]},"
                           "{\"action\":\"switchover\",\"message\":\"fine\",\"findings\":[]}]},"
                           "{\"rule\":\"quiet\",\"verdicts\":[]}]}");
    cr_assert_gt(stats.memory_peak, 0);
    cr_assert_gt(stats.duration_ms, 0.0);
    free(text);
    unlink(path);
    gl_value_free(in);
    gl_value_free(d);
    gl_value_free(trace);
}

/* ---- budgets on input and output ---- */

Test(budgets, output_cap_stops_huge_reasons)
{
    gl_policy_limits l;
    gl_value *d = NULL;

    gl_policy_limits_default(&l);
    l.output_bytes = 10000;
    cr_assert_eq(eval_source("return { name = 'x', rules = { big = function()\n"
                             "  return gl.hold(string.rep('x', 20000)) end } }", "{}", &l, &d), -1);
    cr_assert_null(d);
    cr_assert(strstr(err, "output budget of 10000 bytes exceeded in rule 'big'"), "%s", err);
    cr_assert_eq(policy_err.error_class, GL_ERR_CONFIG, "a policy over its budget is a broken policy (78)");
    /* many small reasons count too */
    cr_assert_eq(eval_source("return { name = 'x', rules = { many = function()\n"
                             "  local v = {} for i = 1, 1000 do v[i] = gl.hold('h') end return v end } }",
                             "{}", &l, &d), -1);
    cr_assert(strstr(err, "output budget"), "%s", err);
}

Test(budgets, input_cap_refuses_before_running)
{
    gl_policy_limits l;
    gl_value *d = NULL;

    gl_policy_limits_default(&l);
    l.input_bytes = 100;
    cr_assert_eq(eval_source("return { name = 'x', rules = {} }",
                             "{\"findings\": [\"" "0123456789012345678901234567890123456789"
                             "0123456789012345678901234567890123456789\"]}", &l, &d), -1);
    cr_assert(strstr(err, "input budget of 100 bytes exceeded"), "%s", err);
    l.input_bytes = 1000;
    cr_assert_eq(eval_source("return { name = 'x', rules = {} }", "{\"findings\": []}", &l, &d), 0, "%s", err);
    gl_value_free(d);
}

/* ---- gl.findings over the index ---- */

/* The filters run in C over the input's findings index (interned fields,
 * plain-text patterns compared as bytes, object prefixes kept in the rows);
 * a plain Lua copy of the same findings takes the Lua path. Every filter
 * must select the same findings, in the same order, both ways. */
Test(findings, index_filters_agree_with_plain_tables)
{
    static const char *const policy =
        "local function copy(fs)\n"
        "  local out = {}\n"
        "  for i, f in ipairs(fs) do local c = {} for k, v in pairs(f) do c[k] = v end out[i] = c end\n"
        "  return out\n"
        "end\n"
        "local long = 'public.a_table_with_a_rather_long_name'\n"
        "local filters = {\n"
        "  {}, { check = 'schema' }, { check = 'parameters' }, { code = 'schema.index.dropped' },\n"
        "  { severity = 'error' }, { severity = 'bogus' }, { check = 'nope' }, { code = 'x' },\n"
        "  { min_severity = 'warning' }, { min_severity = 'critical', waived = false },\n"
        "  { waived = true }, { waived = false }, { check = 'schema', severity = 'info' },\n"
        "  { code_match = '^schema%.' }, { code_match = 'dropped$' }, { code_match = 'index' },\n"
        "  { code_match = '^schema%.index%.dropped$' }, { code_match = '%.i' }, { code_match = 's.h' },\n"
        "  { code_match = '^[ps]' }, { code_match = '' }, { code_match = '^' }, { code_match = '$' },\n"
        "  { code_match = 'a-' }, { code_match = '%a+%.changed' }, { code_match = '^schema%.replication%.' },\n"
        "  { object = '^public%.film' }, { object = 'film$' }, { object = '%.' }, { object = 'a+' },\n"
        "  { object = '^public%.film%.title$' }, { object = 'rather_long' }, { object = '%-' },\n"
        "  { under = { 'public.film' } }, { outside = { 'public' } }, { under = { 'public' }, outside = { 'public.film' } },\n"
        "  { under = { long } }, { outside = { long } }, { under = { long .. '.col' } }, { under = { 'public.fil' } },\n"
        "  { under = { 'public.a_table_with_a_rather_long_nam' } }, { under = { '' } }, { under = {} },\n"
        "  { outside = {} }, { under = { 'work_mem', 'public.film' }, check = 'schema' },\n"
        "  { limit = 2, check = 'schema' }, { limit = 1, code_match = 'changed' }, { limit = 100 },\n"
        "}\n"
        "local function ids(list) local out = {} for i, f in ipairs(list) do out[i] = f.id end return table.concat(out, ',') end\n"
        "return { name = 'agree', rules = { a = function(input)\n"
        "  local plain = { findings = copy(input.findings) }\n"
        "  for i, filter in ipairs(filters) do\n"
        "    local fast, slow = ids(gl.findings(input, filter)), ids(gl.findings(plain, filter))\n"
        "    if fast ~= slow then error(string.format('filter %d: index [%s] plain [%s]', i, fast, slow)) end\n"
        "  end\n"
        "  if ids(gl.findings(input, { code_match = '^schema%.index%.dropped$' })) ~= 'd1,d2' then error('literal') end\n"
        "  if #gl.findings(input, { object = 'rather_long' }) ~= 3 then error('object') end\n"
        "  if #gl.findings(input, { under = { long } }) ~= 2 then error('long under') end\n"
        "  -- reading twice gives the same values; the proxy stays empty and read-only\n"
        "  local f = input.findings[1]\n"
        "  if f.message ~= f.message or f.details ~= f.details or rawget(f, 'message') ~= nil then error('cache') end\n"
        "  if pcall(function() f.code = 'x' end) then error('writable') end\n"
        "  return gl.hold('agreed')\n"
        "end } }\n";
    static const char *const input =
        "{\"findings\": ["
        "{\"id\": \"d1\", \"check\": \"schema\", \"code\": \"schema.index.dropped\", \"severity\": \"error\", \"object\": \"public.film\", \"message\": \"long message ............................................................\", \"details\": {}},"
        "{\"id\": \"d2\", \"check\": \"schema\", \"code\": \"schema.index.dropped\", \"severity\": \"error\", \"object\": \"public.film.title\"},"
        "{\"id\": \"s1\", \"check\": \"schema\", \"code\": \"schema.index.dropped_x\", \"severity\": \"info\", \"object\": \"public.films\"},"
        "{\"id\": \"s2\", \"check\": \"schema\", \"code\": \"schema.column.type_changed\", \"severity\": \"warning\", \"object\": \"public.a_table_with_a_rather_long_name\", \"waived\": true, \"waiver\": 1},"
        "{\"id\": \"s3\", \"check\": \"schema\", \"code\": \"schema.column.type_changed\", \"severity\": \"info\", \"object\": \"public.a_table_with_a_rather_long_name.col\"},"
        "{\"id\": \"s4\", \"check\": \"schema\", \"code\": \"schema.column.type_changed\", \"severity\": \"info\", \"object\": \"public.a_table_with_a_rather_long_names\"},"
        "{\"id\": \"r1\", \"check\": \"schema\", \"code\": \"schema.replication.no_key\", \"severity\": \"warning\", \"object\": \"public.film-x\"},"
        "{\"id\": \"p1\", \"check\": \"parameters\", \"code\": \"parameters.changed\", \"severity\": \"warning\", \"object\": \"work_mem\"},"
        "{\"id\": \"p2\", \"check\": \"parameters\", \"code\": \"parameters.changed\", \"severity\": \"critical\", \"object\": \"\", \"waived\": false},"
        "{\"id\": \"n1\", \"check\": \"parameters\", \"code\": \"parameters.only_on_blue\", \"severity\": \"info\"},"
        "{\"id\": \"n2\", \"check\": 7, \"code\": null, \"severity\": \"critical\", \"object\": 3}"
        "], \"waivers\": [{\"code\": \"x\"}]}";
    gl_value *d = NULL;

    cr_assert_eq(eval_source(policy, input, NULL, &d), 0, "%s", err);
    cr_assert_str_eq(gl_value_object_string(d, "action"), "hold");
    gl_value_free(d);
}

Test(findings, unknown_severity_fails_min_severity_both_ways)
{
    const char *input = "{\"findings\": [{\"id\": \"a\", \"check\": \"x\", \"code\": \"x.y\", \"severity\": \"loud\"}]}";
    gl_value *d = NULL;

    cr_assert_eq(eval_source("return { name = 'x', rules = { a = function(input)\n"
                             "  return gl.findings(input, { min_severity = 'error' }) end } }", input, NULL, &d), -1);
    cr_assert(strstr(err, "unknown severity 'loud'"), "%s", err);
    cr_assert_eq(eval_source("return { name = 'x', rules = { a = function(input)\n"
                             "  return gl.findings({ findings = { { severity = 'loud' } } }, { min_severity = 'error' }) end } }",
                             input, NULL, &d), -1);
    cr_assert(strstr(err, "unknown severity 'loud'"), "%s", err);
    /* without min_severity the odd severity is just text */
    cr_assert_eq(eval_source("return { name = 'x', rules = { a = function(input)\n"
                             "  return gl.hold('n', gl.findings(input, { severity = 'loud' })) end } }", input, NULL, &d), 0, "%s", err);
    cr_assert_str_eq(gl_value_get_string(gl_value_array_at(gl_value_object_get(gl_value_array_at(gl_value_object_get(d, "reasons"), 0), "findings"), 0)), "a");
    gl_value_free(d);
}

/* The index is in the Lua heap's budget: 20,000 findings do not fit in
 * 1 MiB, and the evaluation says which budget ran out. */
Test(findings, index_counts_against_the_memory_budget)
{
    size_t cap = 20000 * 80 + 64, used = 0;
    char *text = malloc(cap);
    gl_policy_limits l;
    gl_value *d = NULL;

    used += (size_t)snprintf(text + used, cap - used, "{\"findings\": [");
    for (int i = 0; i < 20000; i++)
        used += (size_t)snprintf(text + used, cap - used, "%s{\"id\": \"f%d\", \"code\": \"a.b\", \"object\": \"o%d\"}", i ? "," : "", i, i);
    snprintf(text + used, cap - used, "]}");
    gl_policy_limits_default(&l);
    l.memory_bytes = 1024 * 1024;
    cr_assert_eq(eval_source("return { name = 'x', rules = {} }", text, &l, &d), -1);
    cr_assert(strstr(err, "memory budget of 1 MiB exceeded"), "%s", err);
    l.memory_bytes = 0;
    cr_assert_eq(eval_source("return { name = 'x', rules = { a = function(input)\n"
                             "  return gl.hold('n', gl.findings(input, { object = '^o1999$' })) end } }", text, &l, &d), 0, "%s", err);
    cr_assert_eq(gl_value_len(gl_value_object_get(gl_value_array_at(gl_value_object_get(d, "reasons"), 0), "findings")), 1);
    gl_value_free(d);
    free(text);
}

/* ---- Lua data files ---- */

Test(data, lua_tables_become_sorted_json)
{
    char path[] = "/tmp/gl_data_XXXXXX.lua";
    int fd = mkstemps(path, 4);
    gl_value *v = NULL;

    cr_assert(fd >= 0);
    close(fd);
    write_file(path, "return { zeta = { 1, 2.5, 'three', true }, alpha = { nested = gl.null, empty = {} } }");
    cr_assert_eq(gl_policy_load_data(path, NULL, &v, &policy_err), 0, "%s", err);
    char *text = gl_json_write(v, 0, NULL);
    cr_assert_str_eq(text, "{\"alpha\":{\"empty\":[],\"nested\":null},\"zeta\":[1,2.5,\"three\",true]}");
    free(text);
    gl_value_free(v);

    write_file(path, "return { f = function() end }");
    cr_assert_eq(gl_policy_load_data(path, NULL, &v, &policy_err), -1);
    cr_assert(strstr(err, "a function cannot be test data"), "%s", err);
    write_file(path, "local t = {} t.self = t return t");
    cr_assert_eq(gl_policy_load_data(path, NULL, &v, &policy_err), -1);
    cr_assert(strstr(err, "nested deeper than"), "%s", err);
    write_file(path, "return { 1, 2, x = 3 }");
    cr_assert_eq(gl_policy_load_data(path, NULL, &v, &policy_err), -1);
    cr_assert(strstr(err, "mixes string and integer keys"), "%s", err);
    write_file(path, "os.execute('true') return {}");
    cr_assert_eq(gl_policy_load_data(path, NULL, &v, &policy_err), -1);
    cr_assert(strstr(err, "global 'os'"), "%s", err);
    write_file(path, "while true do end");
    cr_assert_eq(gl_policy_load_data(path, NULL, &v, &policy_err), -1);
    cr_assert(strstr(err, "instruction budget"), "%s", err);
    unlink(path);
}

/* ---- declared vs observed ---- */

#define CHANGE_INPUT \
    "{\"findings\": [" \
    "{\"id\": \"parameters.changed:work_mem\", \"check\": \"parameters\", \"code\": \"parameters.changed\", " \
    "\"severity\": \"warning\", \"object\": \"work_mem\", \"blue\": \"4MB\", \"green\": \"64MB\", \"message\": \"\", \"details\": {}}," \
    "{\"id\": \"parameters.changed:jit\", \"check\": \"parameters\", \"code\": \"parameters.changed\", " \
    "\"severity\": \"warning\", \"object\": \"jit\", \"blue\": \"on\", \"green\": \"off\", \"message\": \"\", \"details\": {}}," \
    "{\"id\": \"schema.column.added:public.film.x\", \"check\": \"schema\", \"code\": \"schema.column.added\", " \
    "\"severity\": \"info\", \"object\": \"public.film.x\", \"blue\": null, \"green\": \"int\", \"message\": \"\", \"details\": {}}," \
    "{\"id\": \"schema.index.dropped:public.i\", \"check\": \"schema\", \"code\": \"schema.index.dropped\", " \
    "\"severity\": \"warning\", \"object\": \"public.i\", \"blue\": \"i\", \"green\": null, \"message\": \"\", \"details\": {}, \"waived\": true, \"waiver\": 1}," \
    "{\"id\": \"schema.replication.no_replica_identity:public.t\", \"check\": \"schema\", " \
    "\"code\": \"schema.replication.no_replica_identity\", \"severity\": \"warning\", \"object\": \"public.t\", " \
    "\"blue\": null, \"green\": null, \"message\": \"\", \"details\": {}}," \
    "{\"id\": \"engine_version.major_upgrade:server\", \"check\": \"engine_version\", \"code\": \"engine_version.major_upgrade\", " \
    "\"severity\": \"warning\", \"object\": \"server\", \"blue\": \"15.10\", \"green\": \"17.2\", \"message\": \"\", \"details\": {}}]," \
    " \"facts\": {\"blue\": {}, \"green\": {\"parameters\": {}, \"schema\": {}, \"engine_version\": {\"server_version_num\": 170002}}}," \
    " \"change\": {\"target_version\": \"18\", \"parameters\": {\"WORK_MEM\": \"32MB\", \"shared_buffers\": true}," \
    "  \"schema\": [\"public.film\", \"public.gone\"]}, \"waivers\": [], \"errors\": []}"

Test(changes, undeclared_and_unrealised_name_each_difference)
{
    const char *src =
        "local function eq(a, b) assert(a == b, tostring(a) .. ' ~= ' .. tostring(b)) end\n"
        "return { name = 'c', rules = { check = function(input)\n"
        "  local u = gl.undeclared(input)\n"
        "  eq(#u, 3)\n"
        "  eq(u[1].kind, 'parameter') eq(u[1].object, 'work_mem') eq(u[1].declared, '32MB') eq(u[1].observed, '64MB')\n"
        "  eq(u[1].message, 'declared work_mem=32MB but green has 64MB') eq(u[1].findings[1].id, 'parameters.changed:work_mem')\n"
        "  eq(u[2].kind, 'parameter') eq(u[2].object, 'jit')\n"
        "  eq(u[2].message, 'parameter jit differs on green but the change does not declare it')\n"
        "  eq(u[3].kind, 'version') eq(u[3].message, 'the change targets PostgreSQL 18 but green runs 17.2: green is not the declared target (if 17 is intended, set \"target_version\": \"17\" in the change file)')\n"
        "  local w = gl.undeclared(input, { include_waived = true })\n"
        "  eq(#w, 4) eq(w[4].kind, 'schema') eq(w[4].object, 'public.i')\n"
        "  local r = gl.unrealised(input)\n"
        "  eq(#r, 3)\n"
        "  eq(r[1].kind, 'parameter') eq(r[1].object, 'shared_buffers')\n"
        "  eq(r[1].message, 'the change declares parameter shared_buffers but it is the same on blue and green')\n"
        "  eq(r[2].kind, 'version') eq(r[2].message, 'the change targets PostgreSQL 18 but green runs 170002')\n"
        "  eq(r[3].kind, 'schema') eq(r[3].object, 'public.gone')\n"
        "  eq(#gl.findings(input, { waived = true }), 1) eq(#gl.findings(input, { waived = false }), 5)\n"
        "  eq(#gl.unrealised({ change = gl.null }), 0) eq(#gl.undeclared({}), 0)\n"
        "end } }";
    gl_value *d = NULL;

    cr_assert_eq(eval_source(src, CHANGE_INPUT, NULL, &d), 0, "%s", err);
    gl_value_free(d);
}

Test(changes, library_internals_cannot_be_reached_or_changed)
{
    gl_value *d = NULL;

    cr_assert_eq(eval_source("return { name = 'x', rules = { a = function() gl.undeclared = nil end } }", "{}", NULL, &d), -1);
    cr_assert(strstr(err, "gl is read-only"), "%s", err);
    /* a policy's own string.find replacement would not affect the library:
     * the string table is read-only, and the library keeps its own copy */
    cr_assert_eq(eval_source("return { name = 'x', rules = { a = function() string.find = nil end } }", "{}", NULL, &d), -1);
    cr_assert(strstr(err, "string is read-only"), "%s", err);
}

Test(changes, default_policy_holds_on_undeclared_and_unrealised)
{
    gl_value *in = json(CHANGE_INPUT), *d = NULL, *trace = NULL;

    cr_assert_eq(gl_policy_evaluate_ex(POLICIES "/default.lua", in, NULL, &d, &trace, NULL, &policy_err), 0, "%s", err);
    cr_assert_str_eq(gl_value_object_string(d, "action"), "hold");
    char *fired = gl_json_write(gl_value_object_get(d, "rules_fired"), 0, NULL);
    /* the waived index drop is not held; the replication finding is no change */
    cr_assert_str_eq(fired, "[\"major_upgrade\",\"undeclared_parameters\",\"unrealised\"]");
    free(fired);
    gl_value_free(in);
    gl_value_free(d);
    gl_value_free(trace);
}

/* ---- waivers ---- */

#define WAIVER_FINDINGS \
    "[{\"id\": \"schema.index.dropped:public.film_idx\", \"code\": \"schema.index.dropped\", \"object\": \"public.film_idx\"}," \
    " {\"id\": \"schema.index.dropped:other.idx\", \"code\": \"schema.index.dropped\", \"object\": \"other.idx\"}," \
    " {\"id\": \"parameters.changed:jit\", \"code\": \"parameters.changed\", \"object\": \"jit\"}]"

Test(waivers, apply_only_to_fired_findings_until_expiry)
{
    char path[] = "/tmp/gl_waivers_XXXXXX.json";
    int fd = mkstemps(path, 5);
    gl_value *waivers = NULL, *findings = json(WAIVER_FINDINGS), *list = NULL;
    gl_error e;

    cr_assert(fd >= 0);
    close(fd);
    write_file(path, "[{\"code\": \"schema.index.dropped\", \"object\": \"public.*\", \"reason\": \"r\", \"owner\": \"o\","
                     "  \"expires\": \"2025-06-30\", \"created\": \"2025-06-01\"},"
                     " {\"code\": \"parameters.changed\", \"object\": \"jit\", \"reason\": \"r\", \"owner\": \"o\","
                     "  \"expires\": \"2025-06-14\"},"
                     " {\"code\": \"schema.table.dropped\", \"object\": \"*\", \"reason\": \"r\", \"owner\": \"o\","
                     "  \"expires\": \"2026-01-01\"}]");
    gl_error_clear(&e);
    cr_assert_eq(gl_waivers_load(path, &waivers, &e), 0, "%s", e.message);
    cr_assert_eq(gl_waivers_apply(waivers, findings, "2025-06-15", &list, &e), 0, "%s", e.message);

    /* 1: used on the public index only; 2: expired yesterday; 3: nothing fired */
    cr_assert_str_eq(gl_value_object_string(gl_value_array_at(list, 0), "status"), "used");
    cr_assert_eq(gl_value_len(gl_value_object_get(gl_value_array_at(list, 0), "findings")), 1);
    cr_assert_eq(gl_value_get_int(gl_value_object_get(gl_value_array_at(list, 0), "days_left")), 15);
    cr_assert_eq(gl_value_get_int(gl_value_object_get(gl_value_array_at(list, 0), "age_days")), 14);
    cr_assert_str_eq(gl_value_object_string(gl_value_array_at(list, 1), "status"), "expired");
    cr_assert_eq(gl_value_get_int(gl_value_object_get(gl_value_array_at(list, 1), "days_left")), -1);
    cr_assert_eq(gl_value_kind_of(gl_value_object_get(gl_value_array_at(list, 1), "age_days")), GL_VALUE_NULL);
    cr_assert_str_eq(gl_value_object_string(gl_value_array_at(list, 2), "status"), "unused");

    cr_assert(gl_value_get_bool(gl_value_object_get(gl_value_array_at(findings, 0), "waived")));
    cr_assert_eq(gl_value_get_int(gl_value_object_get(gl_value_array_at(findings, 0), "waiver")), 1);
    cr_assert_null(gl_value_object_get(gl_value_array_at(findings, 1), "waived"));
    cr_assert_null(gl_value_object_get(gl_value_array_at(findings, 2), "waived"), "expired waivers apply to nothing");
    gl_value_free(list);
    gl_value_free(findings);

    /* the last day still counts */
    findings = json(WAIVER_FINDINGS);
    cr_assert_eq(gl_waivers_apply(waivers, findings, "2025-06-14", &list, &e), 0);
    cr_assert_str_eq(gl_value_object_string(gl_value_array_at(list, 1), "status"), "used");
    gl_value_free(list);
    gl_value_free(findings);
    gl_value_free(waivers);
    unlink(path);
}

Test(waivers, bad_files_are_usage_errors)
{
    static const char *const bad[][2] = {
        {"{}", "$: expected an array, got an object"},
        {"[{\"code\": \"a\", \"object\": \"b\", \"reason\": \"r\", \"owner\": \"o\", \"expires\": \"2025-02-30\"}]",
         "$[0].expires: must be a calendar date YYYY-MM-DD, got \"2025-02-30\""},
        {"[{\"code\": \"a\", \"object\": \"b\", \"reason\": \"\", \"owner\": \"o\", \"expires\": \"2025-02-03\"}]",
         "$[0].reason: must not be empty"},
        {"[{\"code\": \"a\", \"object\": \"b\", \"reason\": \"r\", \"owner\": \"o\", \"expires\": \"2025-02-03\", \"expire\": 1}]",
         "$[0].expire: unknown member (did you mean \"expires\"?)"},
    };
    char path[] = "/tmp/gl_waivers_bad_XXXXXX.json";
    int fd = mkstemps(path, 5);

    cr_assert(fd >= 0);
    close(fd);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        gl_value *w = NULL;
        gl_error e;
        gl_error_clear(&e);
        write_file(path, bad[i][0]);
        cr_assert_eq(gl_waivers_load(path, &w, &e), -1, "%s accepted", bad[i][0]);
        cr_assert_eq(gl_cli_exit_code(&e), 64);
        cr_assert(strstr(e.message, bad[i][1]), "'%s' lacks '%s'", e.message, bad[i][1]);
    }
    unlink(path);
}

Test(waivers, example_file_loads)
{
    gl_value *w = NULL;
    gl_error e;

    gl_error_clear(&e);
    cr_assert_eq(gl_waivers_load(GL_TEST_SOURCE_DIR "/checks/waivers.example.json", &w, &e), 0, "%s", e.message);
    cr_assert_gt(gl_value_len(w), 0);
    gl_value_free(w);
}

/* ---- policy test suite ---- */

Test(suite, shipped_policy_tests_pass_with_full_coverage)
{
    const char *paths[] = {POLICIES "/tests"};
    const gl_value *coverage;
    gl_value *r = NULL;
    gl_error e;

    gl_error_clear(&e);
    cr_assert_eq(gl_policy_suite_run(paths, 1, POLICIES, &r, &e), 0, "%s", e.message);
    cr_assert_eq(gl_value_get_int(gl_value_object_get(r, "failed")), 0, "%s", gl_json_write(r, 1, NULL));
    cr_assert_geq(gl_value_get_int(gl_value_object_get(r, "passed")), 40);
    cr_assert_eq(gl_value_get_number(gl_value_object_get(r, "percent")), 100.0);
    /* all three shipped policies, each fully covered */
    coverage = gl_value_object_get(r, "coverage");
    cr_assert_eq(gl_value_len(coverage), 3, "%s", gl_json_write(coverage, 1, NULL));
    for (size_t i = 0; i < 3; i++) {
        const gl_value *c = gl_value_array_at(coverage, i);
        cr_assert_eq(gl_value_get_number(gl_value_object_get(c, "percent")), 100.0, "%s",
                     gl_value_object_string(c, "policy"));
    }
    gl_value_free(r);
}

Test(suite, failures_coverage_and_junit)
{
    char dir[] = "/tmp/gl_suite_XXXXXX", path[256], junit[256];
    const char *paths[1];
    gl_value *r = NULL;
    gl_error e;

    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/two.lua", dir);
    write_file(path, "return { name = 'two', rules = {\n"
                     "  a = function(input) if #input.findings > 0 then return gl.hold('a fired', input.findings[1]) end end,\n"
                     "  b = function() end } }");
    snprintf(path, sizeof(path), "%s/two_test.lua", dir);
    write_file(path, "return {\n"
                     "  holds = { policy = 'two.lua', input = { findings = { { code = 'x.y', object = 'o', severity = 'info' } } },\n"
                     "            expect = { action = 'hold', reasons = { { rule = 'a', findings = { 'x.y:o' } } } } },\n"
                     "  wrong = { policy = 'two.lua', input = {}, expect = { action = 'hold' } },\n"
                     "  typo = { policy = 'two.lua', input = {}, expect = { acton = 'hold' } },\n"
                     "  missing = { policy = 'nope.lua', expect = { action = 'hold' } },\n"
                     "}");
    paths[0] = dir;
    gl_error_clear(&e);
    cr_assert_eq(gl_policy_suite_run(paths, 1, NULL, &r, &e), 0, "%s", e.message);
    cr_assert_eq(gl_value_get_int(gl_value_object_get(r, "passed")), 1);
    cr_assert_eq(gl_value_get_int(gl_value_object_get(r, "failed")), 3);
    cr_assert_eq(gl_value_get_number(gl_value_object_get(r, "percent")), 50.0, "rule b never fired");
    const gl_value *tests = gl_value_object_get(r, "tests");
    /* sorted by name: holds, missing, typo, wrong */
    cr_assert(strstr(gl_value_object_string(gl_value_array_at(tests, 1), "message"), "policy nope.lua not found"));
    cr_assert(strstr(gl_value_object_string(gl_value_array_at(tests, 2), "message"), "unknown field \"acton\""));
    cr_assert(strstr(gl_value_object_string(gl_value_array_at(tests, 3), "message"), "expected action hold, got switchover"));

    snprintf(junit, sizeof(junit), "%s/junit.xml", dir);
    cr_assert_eq(gl_policy_suite_write_junit(r, junit, &e), 0, "%s", e.message);
    char *xml = read_all(junit);
    cr_assert(strstr(xml, "<testsuites name=\"greenlight policy test\" tests=\"4\" failures=\"3\">"), "%s", xml);
    cr_assert(strstr(xml, "<testcase classname=\""), "%s", xml);
    cr_assert(strstr(xml, "name=\"wrong\""), "%s", xml);
    cr_assert(strstr(xml, "<failure message=\"expected action hold, got switchover"), "%s", xml);
    free(xml);
    gl_value_free(r);

    paths[0] = "/nonexistent/dir";
    cr_assert_eq(gl_policy_suite_run(paths, 1, NULL, &r, &e), -1);
    cr_assert_eq(gl_cli_exit_code(&e), 64);
    unlink(junit);
    unlink(path);
    snprintf(path, sizeof(path), "%s/two.lua", dir);
    unlink(path);
    rmdir(dir);
}

/* ---- determinism ---- */

Test(determinism, same_input_gives_byte_identical_decision_and_trace)
{
    const char *policies[] = {POLICIES "/default.lua", POLICIES "/strict.lua"};
    char *text = malloc(1 << 20);
    size_t used = 0;

    used += (size_t)snprintf(text + used, (1 << 20) - used, "{\"findings\": [");
    for (int i = 0; i < 300; i++)
        used += (size_t)snprintf(text + used, (1 << 20) - used,
                                 "%s{\"id\": \"f%d\", \"check\": \"%s\", \"code\": \"%s\", \"severity\": \"%s\", "
                                 "\"object\": \"o%d\", \"blue\": \"1\", \"green\": \"2\", \"message\": \"m%d\", "
                                 "\"details\": {}%s}",
                                 i ? "," : "", i, i % 3 ? "schema" : "parameters",
                                 i % 3 ? "schema.index.dropped" : "parameters.changed",
                                 (const char *[]){"info", "warning", "error", "critical"}[i % 4], i % 50, i,
                                 i % 7 == 0 ? ", \"waived\": true, \"waiver\": 1" : "");
    snprintf(text + used, (1 << 20) - used,
             "], \"facts\": {\"blue\": {}, \"green\": {}}, \"change\": {\"id\": \"C\", \"approvals\": [\"a\"], "
             "\"parameters\": {\"o3\": \"2\", \"zz\": true}, \"schema\": [\"o1\"]}, "
             "\"waivers\": [{\"code\": \"x\", \"object\": \"*\", \"reason\": \"r\", \"owner\": \"o\", \"expires\": \"2999-01-01\", "
             "\"status\": \"used\", \"findings\": [\"f0\"], \"days_left\": 5, \"age_days\": 40}], \"errors\": []}");
    for (int p = 0; p < 2; p++) {
        char *first = NULL;
        for (int run = 0; run < 3; run++) {
            gl_value *in = json(text), *d = NULL, *trace = NULL, *both = gl_value_object();
            cr_assert_eq(gl_policy_evaluate_ex(policies[p], in, NULL, &d, &trace, NULL, &policy_err), 0, "%s", err);
            gl_value_object_set(both, "decision", d);
            gl_value_object_set(both, "trace", trace);
            char *out = gl_json_write(both, 1, NULL);
            if (first == NULL)
                first = out;
            else {
                cr_assert_str_eq(out, first, "%s differs between runs", policies[p]);
                free(out);
            }
            gl_value_free(both);
            gl_value_free(in);
        }
        cr_assert(strstr(first, "\"hold\""));
        free(first);
    }
    free(text);
}
