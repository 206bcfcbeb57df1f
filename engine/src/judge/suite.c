/*
 * suite — `greenlight policy test`: find *_test.lua files, run each case's
 * policy on its input, check the decision against the expectation, and
 * count which rules of each policy fired in some test (rule coverage).
 *
 * A test file is run in the policy sandbox (gl_policy_load_data) and must
 * return {case_name = {policy = "default.lua", input = {...} or input_file =
 * "fixtures/x.json", expect = {...}}}. Everything after loading is plain C
 * over gl_values.
 */
#include "judge/suite.h"

#include <dirent.h>
#include <errno.h>
#include <libxml/xmlwriter.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "judge/judge.h"
#include "judge/policy.h"
#include "judge/suite_case.h"

#define GL_SUITE_MAX_FILES 10000
#define GL_SUITE_MAX_DEPTH 16

typedef struct file_list {
    char **items;
    size_t n, cap;
} file_list;

static void list_free(file_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

static int list_add(file_list *l, const char *s, gl_error *err)
{
    if (l->n == GL_SUITE_MAX_FILES)
        return gl_error_set(err, GL_ERR_USAGE, "more than %d test files", GL_SUITE_MAX_FILES);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **items = realloc(l->items, cap * sizeof(*items));
        if (items == NULL)
            return gl_error_nomem(err);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n] = strdup(s);
    if (l->items[l->n] == NULL)
        return gl_error_nomem(err);
    l->n++;
    return 0;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Appends the *_test.lua files under dir, in sorted order, recursively. */
static int find_tests(const char *dir, file_list *out, int depth, gl_error *err)
{
    file_list names = {0};
    DIR *d;
    struct dirent *ent;
    int rc = -1;

    if (depth > GL_SUITE_MAX_DEPTH)
        return 0;
    d = opendir(dir);
    if (d == NULL)
        return gl_error_set(err, GL_ERR_USAGE, "cannot read directory %s: %s", dir, strerror(errno));
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] != '.' && list_add(&names, ent->d_name, err) != 0)
            goto out;
    }
    if (names.n > 1) /* an empty directory has no array: qsort(NULL) is undefined */
        qsort(names.items, names.n, sizeof(char *), compare_strings);
    for (size_t i = 0; i < names.n; i++) {
        char path[PATH_MAX];
        struct stat st;

        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names.items[i]) >= sizeof(path)) {
            gl_error_set(err, GL_ERR_USAGE, "path too long: %s/%s", dir, names.items[i]);
            goto out;
        }
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (find_tests(path, out, depth + 1, err) != 0)
                goto out;
        } else if (S_ISREG(st.st_mode) && ends_with(names.items[i], "_test.lua")) {
            if (list_add(out, path, err) != 0)
                goto out;
        }
    }
    rc = 0;
out:
    closedir(d);
    list_free(&names);
    return rc;
}

/* A policy named by a test: absolute; next to the test file; one directory
 * up (tests live in policies/tests/); in the shipped policies directory. */
/* Is prefix/between/name (cut to len: then not found) a file? */
static int try_path(char *out, size_t len, const char *prefix, const char *between, const char *name)
{
    return (size_t)snprintf(out, len, "%s%s%s", prefix, between, name) < len && is_file(out);
}

static int resolve_policy(const char *test_dir, const char *policies_dir, const char *name,
                          char *out, size_t len)
{
    if (name[0] == '/')
        return try_path(out, len, "", "", name) ? 0 : -1;
    if (try_path(out, len, test_dir, "/", name) || try_path(out, len, test_dir, "/../", name))
        return 0;
    if (policies_dir != NULL && try_path(out, len, policies_dir, "/", name))
        return 0;
    return -1;
}

/* The path shown for a policy: canonical, relative to the working
 * directory when under it, so coverage lines are short and stable. */
static void display_path(const char *path, char *out, size_t len)
{
    char real[PATH_MAX], cwd[PATH_MAX];
    size_t n;

    if (realpath(path, real) == NULL) {
        snprintf(out, len, "%s", path);
        return;
    }
    if (getcwd(cwd, sizeof(cwd)) != NULL && (n = strlen(cwd)) > 0 && strncmp(real, cwd, n) == 0 &&
        real[n] == '/') {
        snprintf(out, len, "%s", real + n + 1);
        return;
    }
    snprintf(out, len, "%s", real);
}

/* coverage: {display path: {"rules": {name: true}, "fired": {name: true}}} */
static int add_coverage(gl_value *coverage, const char *policy, const gl_value *trace,
                        const gl_value *decision)
{
    gl_value *entry = gl_value_object_get_mut(coverage, policy), *rules, *fired;
    const gl_value *list;

    if (entry == NULL) {
        entry = gl_value_object();
        if (entry == NULL || gl_value_object_set(entry, "rules", gl_value_object()) != 0 ||
            gl_value_object_set(entry, "fired", gl_value_object()) != 0) {
            gl_value_free(entry);
            return -1;
        }
        if (gl_value_object_set(coverage, policy, entry) != 0)
            return -1;
    }
    rules = gl_value_object_get_mut(entry, "rules");
    fired = gl_value_object_get_mut(entry, "fired");
    list = gl_value_object_get(trace, "rules");
    for (size_t i = 0; i < gl_value_len(list); i++)
        if (gl_value_object_set(rules, gl_value_object_string(gl_value_array_at(list, i), "rule"),
                                gl_value_bool(1)) != 0)
            return -1;
    list = gl_value_object_get(decision, "rules_fired");
    for (size_t i = 0; i < gl_value_len(list); i++)
        if (gl_value_object_set(fired, gl_value_get_string(gl_value_array_at(list, i)), gl_value_bool(1)) != 0)
            return -1;
    return 0;
}

static gl_value *test_result(const char *file, const char *name, const char *policy, int passed,
                             const char *message, double ms, gl_value *decision)
{
    gl_value *r = gl_value_object();

    if (r == NULL || gl_value_object_set(r, "file", gl_value_string(file)) != 0 ||
        gl_value_object_set(r, "name", gl_value_string(name)) != 0 ||
        gl_value_object_set(r, "policy", policy ? gl_value_string(policy) : gl_value_null()) != 0 ||
        gl_value_object_set(r, "status", gl_value_string(passed ? "pass" : "fail")) != 0 ||
        gl_value_object_set(r, "message", gl_value_string(message)) != 0 ||
        gl_value_object_set(r, "duration_ms", gl_value_number((double)(long)(ms * 1000) / 1000)) != 0) {
        gl_value_free(r);
        gl_value_free(decision);
        return NULL;
    }
    if (gl_value_object_set(r, "decision", decision ? decision : gl_value_null()) != 0) {
        gl_value_free(r);
        return NULL;
    }
    return r;
}

/* Runs one case; appends its result. -1 only when out of memory. */
static int run_case(const char *file, const char *dir, const char *policies_dir, const char *name,
                    const gl_value *tc, gl_value *tests, gl_value *coverage)
{
    static const char *const keys[] = {"policy", "input", "input_file", "expect", "description", NULL};
    char why[4096] = "", policy[PATH_MAX], shown[PATH_MAX] = "";
    gl_error perr;
    const char *policy_name = gl_value_object_string(tc, "policy");
    const char *input_file = gl_value_object_string(tc, "input_file");
    gl_value *input = NULL, *decision = NULL, *trace = NULL;
    double t0 = gl_judge__now_ms();
    int passed = 0, rc = 0, failed_policy;

    if (gl_value_kind_of(tc) != GL_VALUE_OBJECT) {
        snprintf(why, sizeof(why), "a test case must be a table {policy=..., input=..., expect=...}");
        goto done;
    }
    if (gl_policy_suite__only_keys(tc, keys, why, sizeof(why), "the case") != 0)
        goto done;
    if (policy_name == NULL) {
        snprintf(why, sizeof(why), "the case needs policy = \"<file>.lua\"");
        goto done;
    }
    if (resolve_policy(dir, policies_dir, policy_name, policy, sizeof(policy)) != 0) {
        snprintf(why, sizeof(why), "policy %s not found (looked next to the test, one directory up%s)",
                 policy_name, policies_dir ? " and in the shipped policies" : "");
        goto done;
    }
    display_path(policy, shown, sizeof(shown));
    if (input_file != NULL) {
        char path[PATH_MAX];
        gl_error jerr;
        if ((size_t)snprintf(path, sizeof(path), "%s%s%s", input_file[0] == '/' ? "" : dir,
                             input_file[0] == '/' ? "" : "/", input_file) >= sizeof(path)) {
            snprintf(why, sizeof(why), "input_file: path too long");
            goto done;
        }
        if (gl_json_parse_file(path, &input, &jerr) != 0) {
            snprintf(why, sizeof(why), "input_file: %s", jerr.message);
            goto done;
        }
    } else if (gl_value_object_get(tc, "input") != NULL) {
        input = gl_value_copy(gl_value_object_get(tc, "input"));
    } else {
        input = gl_value_object();
    }
    if (input == NULL)
        goto oom;
    if (gl_value_kind_of(input) == GL_VALUE_ARRAY && gl_value_len(input) == 0) {
        gl_value_free(input); /* `input = {}` */
        input = gl_value_object();
        if (input == NULL)
            goto oom;
    }
    if (gl_value_kind_of(input) != GL_VALUE_OBJECT) {
        snprintf(why, sizeof(why), "the input must be a table (an object)");
        goto done;
    }
    if (gl_policy_suite__normalise_input(input) != 0)
        goto oom;
    failed_policy = gl_policy_evaluate_ex(policy, input, NULL, &decision, &trace, NULL, &perr) != 0;
    if (!failed_policy && add_coverage(coverage, shown, trace, decision) != 0)
        goto oom;
    passed = gl_policy_suite__check_expectations(gl_value_object_get(tc, "expect"), decision,
                                                 failed_policy ? perr.message : NULL, why, sizeof(why)) == 0;
done:
    if (gl_value_array_push(tests, test_result(file, name, shown[0] ? shown : policy_name, passed, passed ? "" : why,
                                               gl_judge__now_ms() - t0, decision)) != 0)
        rc = -1;
    decision = NULL;
    gl_value_free(input);
    gl_value_free(trace);
    return rc;
oom:
    gl_value_free(input);
    gl_value_free(decision);
    gl_value_free(trace);
    return -1;
}

static int run_file(const char *file, const char *policies_dir, gl_value *tests, gl_value *coverage)
{
    char dir[PATH_MAX];
    gl_error perr;
    gl_value *cases = NULL;
    char *slash;
    int rc = 0;

    snprintf(dir, sizeof(dir), "%s", file);
    slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    else
        snprintf(dir, sizeof(dir), ".");
    if (gl_policy_load_data(file, NULL, &cases, &perr) != 0)
        return gl_value_array_push(tests, test_result(file, "(load)", NULL, 0, perr.message, 0, NULL));
    if (gl_value_kind_of(cases) == GL_VALUE_ARRAY && gl_value_len(cases) == 0) {
        gl_value_free(cases);
        return 0; /* a file with no cases yet */
    }
    if (gl_value_kind_of(cases) != GL_VALUE_OBJECT) {
        gl_value_free(cases);
        return gl_value_array_push(tests, test_result(file, "(load)", NULL, 0,
                                                      "a test file must return a table of named test cases",
                                                      0, NULL));
    }
    for (size_t i = 0; i < gl_value_len(cases) && rc == 0; i++)
        rc = run_case(file, dir, policies_dir, gl_value_object_key_at(cases, i),
                      gl_value_object_value_at(cases, i), tests, coverage);
    gl_value_free(cases);
    return rc;
}

static gl_value *keys_of(const gl_value *object)
{
    gl_value *list = gl_value_array();

    for (size_t i = 0; list != NULL && i < gl_value_len(object); i++)
        if (gl_value_array_push(list, gl_value_string(gl_value_object_key_at(object, i))) != 0) {
            gl_value_free(list);
            return NULL;
        }
    return list;
}

static int compare_string_values(const gl_value *a, const gl_value *b)
{
    return strcmp(gl_value_get_string(a), gl_value_get_string(b));
}

static int compare_policies(const gl_value *a, const gl_value *b)
{
    return strcmp(gl_value_object_string(a, "policy"), gl_value_object_string(b, "policy"));
}

/* The coverage map as the results' sorted list, and the totals. */
static int summarise(gl_value *results, const gl_value *coverage)
{
    gl_value *list = gl_value_array();
    int64_t rules = 0, fired = 0, passed = 0, failed = 0;
    const gl_value *tests = gl_value_object_get(results, "tests");

    if (list == NULL)
        return -1;
    for (size_t i = 0; i < gl_value_len(coverage); i++) {
        const gl_value *c = gl_value_object_value_at(coverage, i);
        gl_value *entry = gl_value_object(), *r = keys_of(gl_value_object_get(c, "rules")),
                 *f = keys_of(gl_value_object_get(c, "fired"));
        size_t nr = gl_value_len(r), nf = gl_value_len(f);

        if (entry == NULL || r == NULL || f == NULL || gl_value_array_push(list, entry) != 0) {
            gl_value_free(r);
            gl_value_free(f);
            gl_value_free(list);
            return -1;
        }
        if (gl_value_array_sort(r, compare_string_values) != 0 ||
            gl_value_array_sort(f, compare_string_values) != 0) {
            gl_value_free(r);
            gl_value_free(f);
            gl_value_free(list);
            return -1;
        }
        rules += (int64_t)nr;
        fired += (int64_t)nf;
        if (gl_value_object_set(entry, "policy", gl_value_string(gl_value_object_key_at(coverage, i))) != 0 ||
            gl_value_object_set(entry, "rules", r) != 0 || gl_value_object_set(entry, "fired", f) != 0 ||
            gl_value_object_set(entry, "percent", gl_value_number(nr ? 100.0 * (double)nf / (double)nr : 100.0)) != 0) {
            gl_value_free(list);
            return -1;
        }
    }
    if (gl_value_array_sort(list, compare_policies) != 0) {
        gl_value_free(list);
        return -1;
    }
    for (size_t i = 0; i < gl_value_len(tests); i++) {
        if (strcmp(gl_value_object_string(gl_value_array_at(tests, i), "status"), "pass") == 0)
            passed++;
        else
            failed++;
    }
    if (gl_value_object_set(results, "coverage", list) != 0 ||
        gl_value_object_set(results, "passed", gl_value_int(passed)) != 0 ||
        gl_value_object_set(results, "failed", gl_value_int(failed)) != 0 ||
        gl_value_object_set(results, "rules", gl_value_int(rules)) != 0 ||
        gl_value_object_set(results, "rules_fired", gl_value_int(fired)) != 0 ||
        gl_value_object_set(results, "percent", gl_value_number(rules ? 100.0 * (double)fired / (double)rules : 100.0)) != 0)
        return -1;
    return 0;
}

int gl_policy_suite_run(const char *const *paths, size_t n_paths, const char *policies_dir,
                        gl_value **out_results, gl_error *err)
{
    file_list files = {0};
    gl_value *results = gl_value_object(), *tests = gl_value_array(), *coverage = gl_value_object();
    int rc = -1;

    *out_results = NULL;
    if (results == NULL || tests == NULL || coverage == NULL) {
        gl_error_nomem(err);
        goto out;
    }
    for (size_t i = 0; i < n_paths; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            gl_error_set(err, GL_ERR_USAGE, "%s: %s", paths[i], strerror(errno));
            goto out;
        }
        if (S_ISDIR(st.st_mode) ? find_tests(paths[i], &files, 0, err) != 0 : list_add(&files, paths[i], err) != 0)
            goto out;
    }
    if (files.n == 0) {
        gl_error_set(err, GL_ERR_USAGE, "no *_test.lua files in %s", n_paths == 1 ? paths[0] : "the given paths");
        goto out;
    }
    for (size_t i = 0; i < files.n; i++) {
        if (run_file(files.items[i], policies_dir, tests, coverage) != 0) {
            gl_error_nomem(err);
            goto out;
        }
    }
    if (gl_value_object_set(results, "tests", tests) != 0) {
        tests = NULL;
        gl_error_nomem(err);
        goto out;
    }
    tests = NULL;
    if (summarise(results, coverage) != 0) {
        gl_error_nomem(err);
        goto out;
    }
    *out_results = results;
    results = NULL;
    rc = 0;
out:
    list_free(&files);
    gl_value_free(results);
    gl_value_free(tests);
    gl_value_free(coverage);
    return rc;
}

/* ---- JUnit ---- */

static int junit_suite(xmlTextWriterPtr w, const gl_value *tests, size_t from, size_t to)
{
    const char *file = gl_value_object_string(gl_value_array_at(tests, from), "file");
    size_t failures = 0;
    char n[32];

    for (size_t i = from; i < to; i++)
        failures += strcmp(gl_value_object_string(gl_value_array_at(tests, i), "status"), "pass") != 0;
    if (xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST file) < 0)
        return -1;
    snprintf(n, sizeof(n), "%zu", to - from);
    if (xmlTextWriterWriteAttribute(w, BAD_CAST "tests", BAD_CAST n) < 0)
        return -1;
    snprintf(n, sizeof(n), "%zu", failures);
    if (xmlTextWriterWriteAttribute(w, BAD_CAST "failures", BAD_CAST n) < 0)
        return -1;
    for (size_t i = from; i < to; i++) {
        const gl_value *t = gl_value_array_at(tests, i);
        const char *policy = gl_value_object_string(t, "policy");
        char seconds[32];

        snprintf(seconds, sizeof(seconds), "%.3f",
                 gl_value_get_number(gl_value_object_get(t, "duration_ms")) / 1000.0);
        if (xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ||
            xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST(policy ? policy : file)) < 0 ||
            xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST gl_value_object_string(t, "name")) < 0 ||
            xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST seconds) < 0)
            return -1;
        if (strcmp(gl_value_object_string(t, "status"), "pass") != 0) {
            const char *msg = gl_value_object_string(t, "message");
            if (xmlTextWriterStartElement(w, BAD_CAST "failure") < 0 ||
                xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST msg) < 0 ||
                xmlTextWriterWriteString(w, BAD_CAST msg) < 0 || xmlTextWriterEndElement(w) < 0)
                return -1;
        }
        if (xmlTextWriterEndElement(w) < 0)
            return -1;
    }
    return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

int gl_policy_suite_write_junit(const gl_value *results, const char *path, gl_error *err)
{
    const gl_value *tests = gl_value_object_get(results, "tests");
    xmlTextWriterPtr w = xmlNewTextWriterFilename(path, 0);
    size_t n = gl_value_len(tests), from = 0;
    char count[32];
    int rc = -1;

    if (w == NULL)
        return gl_error_set(err, GL_ERR_USAGE, "--junit: cannot write %s", path);
    if (xmlTextWriterSetIndent(w, 1) < 0 || xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
        xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "greenlight policy test") < 0)
        goto out;
    snprintf(count, sizeof(count), "%lld", (long long)gl_value_get_int(gl_value_object_get(results, "passed")) +
                                               (long long)gl_value_get_int(gl_value_object_get(results, "failed")));
    if (xmlTextWriterWriteAttribute(w, BAD_CAST "tests", BAD_CAST count) < 0)
        goto out;
    snprintf(count, sizeof(count), "%lld", (long long)gl_value_get_int(gl_value_object_get(results, "failed")));
    if (xmlTextWriterWriteAttribute(w, BAD_CAST "failures", BAD_CAST count) < 0)
        goto out;
    /* tests are grouped by file already (files run one after the other) */
    for (size_t i = 1; i <= n; i++) {
        if (i == n || strcmp(gl_value_object_string(gl_value_array_at(tests, i), "file"),
                             gl_value_object_string(gl_value_array_at(tests, from), "file")) != 0) {
            if (junit_suite(w, tests, from, i) != 0)
                goto out;
            from = i;
        }
    }
    if (xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndDocument(w) < 0)
        goto out;
    rc = 0;
out:
    xmlFreeTextWriter(w);
    if (rc != 0)
        gl_error_set(err, GL_ERR_INTERNAL, "--junit: writing %s failed", path);
    return rc;
}
