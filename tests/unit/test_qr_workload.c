/* query_regression workload files and result digests. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../plugins/query_regression/workload.c"
#include "../../plugins/query_regression/digest.c"

static query_regression_workload *parse_ok(const char *json)
{
    query_regression_workload *w = NULL;
    char err[512];
    cr_assert_eq(query_regression_workload_parse(json, strlen(json), &w, err, sizeof(err)), 0, "%s", err);
    return w;
}

static void parse_fails(const char *json, const char *needle)
{
    query_regression_workload *w = NULL;
    char err[512] = "";
    cr_assert_eq(query_regression_workload_parse(json, strlen(json), &w, err, sizeof(err)), -1, "accepted %s",
                 json);
    cr_assert_null(w);
    cr_assert(strstr(err, needle) != NULL, "error for %s lacks '%s': %s", json, needle, err);
}

Test(qr_workload, full_query_is_read)
{
    query_regression_workload *w =
        parse_ok("{\"format\": \"greenlight-workload/1\", \"queries\": ["
                 " {\"name\": \"a\", \"sql\": \"SELECT $1, $2\", \"tags\": [\"x\", \"y\"],"
                 "  \"params\": [[\"PG\", 1.50], [null, true]],"
                 "  \"thresholds\": {\"effect_tolerance\": 1.5, \"confidence\": 0.99, \"samples\": 50, "
                 "\"min_effect_ms\": 2},"
                 "  \"compare\": {\"results\": false}},"
                 " {\"name\": \"b.c-d\", \"sql\": \"SELECT 1\"}]}");
    query_regression_query *a = &w->queries[0], *b = &w->queries[1];

    cr_assert_eq(w->count, 2);
    cr_assert_str_eq(a->name, "a");
    cr_assert_eq(a->ntags, 2);
    cr_assert_str_eq(a->tags[1], "y");
    cr_assert_eq(a->nsets, 2);
    cr_assert_eq(a->nparams, 2);
    cr_assert_str_eq(a->param_sets[0][0], "PG");
    cr_assert_str_eq(a->param_sets[0][1], "1.50", "numbers keep their written form");
    cr_assert_null(a->param_sets[1][0]);
    cr_assert_str_eq(a->param_sets[1][1], "true");
    cr_assert_float_eq(a->effect_tolerance, 1.5, 1e-12);
    cr_assert_float_eq(a->confidence, 0.99, 1e-12);
    cr_assert_float_eq(a->min_effect_ms, 2.0, 1e-12);
    cr_assert_eq(a->samples, 50);
    cr_assert_eq(a->compare_results, 0);
    cr_assert_eq(a->compare_plan, 1);
    cr_assert_eq(b->nsets, 0);
    cr_assert_eq(b->samples, -1);
    cr_assert(b->effect_tolerance < 0);
    query_regression_workload_free(w);
}

Test(qr_workload, errors_name_the_problem)
{
    parse_fails("", "not valid JSON");
    parse_fails("[1]", "JSON object");
    parse_fails("{\"queries\": 1}", "\"queries\"");
    parse_fails("{\"format\": \"v2\", \"queries\": []}", "format");
    parse_fails("{\"queries\": [{\"sql\": \"SELECT 1\"}]}", "\"name\"");
    parse_fails("{\"queries\": [{\"name\": \"bad name\", \"sql\": \"SELECT 1\"}]}", "\"name\"");
    parse_fails("{\"queries\": [{\"name\": \"a\"}]}", "\"sql\"");
    parse_fails("{\"queries\": [{\"name\": \"a\", \"sql\": \"x\"}, {\"name\": \"a\", \"sql\": \"y\"}]}", "used twice");
    parse_fails("{\"queries\": [{\"name\": \"a\", \"sql\": \"x\", \"params\": [[1], [1, 2]]}]}", "one value per $n");
    parse_fails("{\"queries\": [{\"name\": \"a\", \"sql\": \"x\", \"params\": [[{}]]}]}", "string, number");
    parse_fails("{\"queries\": [{\"name\": \"a\", \"sql\": \"x\", \"thresholds\": {\"samples\": 1}}]}", "samples");
    parse_fails("{\"queries\": [{\"name\": \"a\", \"sql\": \"x\", \"thresholds\": {\"effect_tolerance\": 0.5}}]}", "effect_tolerance");
    parse_fails("{\"queries\": [{\"name\": \"a\", \"sql\": \"x\", \"compare\": {\"plan\": 1}}]}", "compare.plan");
}

Test(qr_workload, shipped_pagila_workload_parses)
{
    query_regression_workload *w = NULL;
    char err[512];

    cr_assert_eq(query_regression_workload_load(GL_TEST_SOURCE_DIR "/checks/pagila/workload.json", &w, err,
                                                sizeof(err)),
                 0, "%s", err);
    cr_assert_geq(w->count, 25);
    query_regression_workload_free(w);
    cr_assert_eq(query_regression_workload_load("/nonexistent/w.json", &w, err, sizeof(err)), -1);
    cr_assert(strstr(err, "/nonexistent/w.json") != NULL);
}

static void add(query_regression_digest *d, const char *a, const char *b)
{
    const char *v[2] = {a, b};
    int nulls[2] = {a == NULL, b == NULL};
    cr_assert_eq(query_regression_digest_add(d, 2, v, nulls), 0);
}

Test(qr_digest, unordered_digest_ignores_row_order)
{
    query_regression_digest d1, d2, d3;
    char h1[65], h2[65], h3[65];

    query_regression_digest_init(&d1, 0);
    query_regression_digest_init(&d2, 0);
    query_regression_digest_init(&d3, 1);
    add(&d1, "1", "x");
    add(&d1, "2", NULL);
    add(&d1, "3", "z");
    add(&d2, "3", "z"); add(&d2, "1", "x"); add(&d2, "2", NULL);
    add(&d3, "3", "z"); add(&d3, "1", "x"); add(&d3, "2", NULL);
    cr_assert_eq(query_regression_digest_finish(&d1, h1), 0);
    cr_assert_eq(query_regression_digest_finish(&d2, h2), 0);
    cr_assert_eq(query_regression_digest_finish(&d3, h3), 0);
    cr_assert_str_eq(h1, h2);
    cr_assert_eq(strlen(h1), 64);
    /* Samples of unordered results are the smallest rows, sorted: comparable. */
    cr_assert_eq(d2.nsample, 3);
    cr_assert_str_eq(d2.sample[0].values[0], "1");
    cr_assert_null(d2.sample[1].values[1]);
    /* Ordered: the first rows in result order. */
    cr_assert_str_eq(d3.sample[0].values[0], "3");
    query_regression_digest_free(&d1);
    query_regression_digest_free(&d2);
    query_regression_digest_free(&d3);
}

Test(qr_digest, ordered_digest_sees_order_and_encoding_is_unambiguous)
{
    query_regression_digest a, b, c, e;
    char ha[65], hb[65], hc[65], he[65];

    query_regression_digest_init(&a, 1);
    query_regression_digest_init(&b, 1);
    query_regression_digest_init(&c, 0);
    query_regression_digest_init(&e, 0);
    add(&a, "1", "x");
    add(&a, "2", "y");
    add(&b, "2", "y"); add(&b, "1", "x");
    add(&c, "ab", "c");
    add(&e, "a", "bc");             /* same concatenation, different columns */
    query_regression_digest_finish(&a, ha);
    query_regression_digest_finish(&b, hb);
    query_regression_digest_finish(&c, hc);
    query_regression_digest_finish(&e, he);
    cr_assert_str_neq(ha, hb);
    cr_assert_str_neq(hc, he);
    query_regression_digest_free(&a);
    query_regression_digest_free(&b);
    query_regression_digest_free(&c);
    query_regression_digest_free(&e);
}

Test(qr_digest, null_differs_from_empty_string_and_sample_is_bounded)
{
    query_regression_digest a, b;
    char ha[65], hb[65];
    char buf[16];

    query_regression_digest_init(&a, 0);
    query_regression_digest_init(&b, 0);
    add(&a, NULL, "x");
    add(&b, "", "x");
    query_regression_digest_finish(&a, ha);
    query_regression_digest_finish(&b, hb);
    cr_assert_str_neq(ha, hb);
    query_regression_digest_free(&a);
    query_regression_digest_init(&a, 0);
    for (int i = 99; i >= 0; i--) {
        snprintf(buf, sizeof(buf), "%03d", i);
        add(&a, buf, "v");
    }
    cr_assert_eq(a.nrows, 100);
    cr_assert_eq(a.nsample, GL_QR_SAMPLE_ROWS);
    cr_assert_str_eq(a.sample[0].values[0], "000");
    cr_assert_str_eq(a.sample[GL_QR_SAMPLE_ROWS - 1].values[0], "019");
    query_regression_digest_free(&a);
    query_regression_digest_free(&b);
}

Test(qr_workload, unknown_keys_are_refused_with_the_path_and_the_nearest_key)
{
    /* Issue 10.2: "parms" silently ran the query with no parameter sets. */
    parse_fails("{\"queries\": [{\"name\": \"a\", \"sql\": \"SELECT $1\", \"parms\": [[1]]}]}",
                "queries[0].parms: unknown key (did you mean \"params\"?)");
    parse_fails("{\"queries\": [], \"quereis\": []}", "quereis: unknown key (did you mean \"queries\"?)");
    parse_fails("{\"queries\": [{\"name\": \"a\", \"sql\": \"SELECT 1\"},"
                " {\"name\": \"b\", \"sql\": \"SELECT 1\", \"thresholds\": {\"confidance\": 0.9}}]}",
                "queries[1].thresholds.confidance: unknown key (did you mean \"confidence\"?)");
    parse_fails("{\"queries\": [{\"name\": \"a\", \"sql\": \"SELECT 1\", \"compare\": {\"rows\": false}}]}",
                "queries[0].compare.rows: unknown key (the keys here are \"results\", \"plan\")");
    parse_fails("{\"queries\": [{\"name\": \"a\", \"sql\": \"SELECT 1\", \"description\": 5}]}",
                "queries[0].description must be a string");
}

Test(qr_workload, description_is_a_known_key)
{
    query_regression_workload *w = parse_ok("{\"description\": \"x\", \"queries\": [{\"name\": \"a\", "
                                            "\"description\": \"y\", \"sql\": \"SELECT 1\"}]}");
    cr_assert_eq(w->count, 1);
    query_regression_workload_free(w);
}

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

/* Every file of tests/data/workload/<dir>: the C parser and the JSON Schema
 * (share/schema/workload.schema.json, python3-jsonschema) must both accept
 * (valid/) or both refuse (invalid/). */
static void corpus_agrees(const char *dir, int valid)
{
    char path[1024], cmd[3072];
    const char *relative = dir;
    struct dirent *ent;
    DIR *d;
    int count = 0;

    /* "checks/NAME": the shipped workload of a check directory. */
    if (strncmp(dir, "checks/", 7) == 0)
        snprintf(path, sizeof(path), "%s/%s", GL_TEST_SOURCE_DIR, relative);
    else
        snprintf(path, sizeof(path), "%s/tests/data/workload/%s", GL_TEST_SOURCE_DIR, dir);
    d = opendir(path);
    cr_assert_not_null(d, "no corpus %s", path);
    while ((ent = readdir(d)) != NULL) {
        query_regression_workload *w = NULL;
        char err[512] = "", file[2048];
        int rc;

        if (strstr(ent->d_name, ".json") == NULL ||
            (strncmp(dir, "checks/", 7) == 0 && strcmp(ent->d_name, "workload.json") != 0))
            continue;
        snprintf(file, sizeof(file), "%s/%s", path, ent->d_name);
        rc = query_regression_workload_load(file, &w, err, sizeof(err));
        query_regression_workload_free(w);
        cr_assert_eq(rc == 0, valid, "C parser %s %s: %s", valid ? "refused" : "accepted", file, err);
        snprintf(cmd, sizeof(cmd), "python3 %s/tests/integration/validate.py "
                 "%s/share/schema/workload.schema.json '%s' >/dev/null 2>&1",
                 GL_TEST_SOURCE_DIR, GL_TEST_SOURCE_DIR, file);
        rc = system(cmd);
        cr_assert_eq(rc == 0, valid, "JSON Schema %s %s", valid ? "refused" : "accepted", file);
        count++;
    }
    closedir(d);
    cr_assert_geq(count, strncmp(dir, "checks/", 7) == 0 ? 1 : 2, "only %d files in %s", count, path);
}

Test(qr_workload, schema_and_parser_agree_on_valid_files)
{
    corpus_agrees("valid", 1);
    corpus_agrees("checks/gltest", 1);
    corpus_agrees("checks/pagila", 1);
}

Test(qr_workload, schema_and_parser_agree_on_invalid_files)
{
    corpus_agrees("invalid", 0);
}

/* pass_gap_ms (the pause between the two timed passes) is range-checked like
 * the thresholds: an integer in [0, 60000]. */
Test(qr_workload, pass_gap_ms_is_range_checked)
{
    char err[256];

    cr_assert_eq(query_regression_limit_check("pass_gap_ms", 0, "", err, sizeof(err)), 0);
    cr_assert_eq(query_regression_limit_check("pass_gap_ms", 60000, "", err, sizeof(err)), 0);
    cr_assert_eq(query_regression_limit_check("pass_gap_ms", 60001, "", err, sizeof(err)), -1);
    cr_assert_str_eq(err, "pass_gap_ms must be an integer in [0, 60000] (the pause between the two "
                          "timed passes), not 60001");
    cr_assert_eq(query_regression_limit_check("pass_gap_ms", -1, "", err, sizeof(err)), -1);
    cr_assert_eq(query_regression_limit_check("pass_gap_ms", 2.5, "settings", err, sizeof(err)), -1);
    cr_assert_str_eq(err, "settings.pass_gap_ms must be an integer in [0, 60000] (the pause between "
                          "the two timed passes), not 2.5");
}
