/* query_regression safety: only single read-only SELECTs pass. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../plugins/query_regression/safety.c"

static int check(const char *sql, int *ordered, char *reason)
{
    return query_regression_safety_check(sql, ordered, reason, 512);
}

Test(qr_safety, plain_selects_pass)
{
    static const char *const ok[] = {
        "SELECT 1",
        "SELECT * FROM film WHERE title = $1",
        "WITH t AS (SELECT 1 AS a) SELECT a FROM t",
        "VALUES (1), (2)",
        "TABLE film",
        "SELECT count(*) FROM payment p JOIN rental r USING (rental_id)",
        "SELECT a FROM x UNION SELECT b FROM y",
        "SELECT to_tsquery('english', 'dog') @@ fulltext FROM film",
        NULL,
    };
    char reason[512];
    int ordered;

    for (const char *const *s = ok; *s; s++)
        cr_assert_eq(check(*s, &ordered, reason), 0, "refused %s: %s", *s, reason);
}

Test(qr_safety, order_by_detection_is_top_level_only)
{
    char reason[512];
    int ordered = -1;

    cr_assert_eq(check("SELECT * FROM film ORDER BY title", &ordered, reason), 0);
    cr_assert_eq(ordered, 1);
    cr_assert_eq(check("SELECT * FROM (SELECT * FROM film ORDER BY title) s", &ordered, reason), 0);
    cr_assert_eq(ordered, 0);
    cr_assert_eq(check("SELECT a FROM x UNION SELECT b FROM y ORDER BY 1", &ordered, reason), 0);
    cr_assert_eq(ordered, 1);
    cr_assert_eq(check("SELECT string_agg(title, ',' ORDER BY title) FROM film", &ordered, reason), 0);
    cr_assert_eq(ordered, 0);
}

Test(qr_safety, writers_are_refused_with_a_reason)
{
    static const char *const bad[][2] = {
        {"INSERT INTO t VALUES (1)", "only SELECT"},
        {"UPDATE t SET a = 1", "only SELECT"},
        {"DELETE FROM t", "only SELECT"},
        {"DROP TABLE t", "only SELECT"},
        {"SELECT 1; SELECT 2", "exactly one statement"},
        {"SELECT 1; DELETE FROM t", "exactly one statement"},
        {"", "exactly one statement"},
        {"SELECT * INTO t2 FROM t", "SELECT INTO"},
        {"SELECT * FROM t FOR UPDATE", "FOR UPDATE"},
        {"SELECT * FROM t FOR KEY SHARE", "FOR UPDATE"},
        {"SELECT * FROM (SELECT * FROM t FOR SHARE) s", "FOR UPDATE"},
        {"WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "data-modifying"},
        {"WITH u AS (UPDATE t SET a = 1 RETURNING a) SELECT * FROM u", "data-modifying"},
        {"SELECT * FROM (WITH i AS (INSERT INTO t VALUES (1) RETURNING 1) SELECT * FROM i) s", "data-modifying"},
        {"SELECT nextval('s')", "nextval"},
        {"SELECT pg_catalog.setval('s', 1)", "setval"},
        {"SELECT pg_advisory_lock(1)", "pg_advisory_lock"},
        {"SELECT lo_unlink(1)", "lo_unlink"},
        {"SELECT * FROM dblink('x', 'DELETE FROM t') AS r(a int)", "dblink"},
        {"SELECT a FROM t WHERE a = (SELECT pg_terminate_backend(1)::int)", "pg_terminate_backend"},
        {"SELEKT 1", "does not parse"},
    };
    char reason[512];
    int ordered;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(check(bad[i][0], &ordered, reason), 1, "not refused: %s", bad[i][0]);
        cr_assert(strstr(reason, bad[i][1]) != NULL, "reason for %s lacks '%s': %s", bad[i][0],
                  bad[i][1], reason);
    }
}

Test(qr_safety, fingerprint_ignores_constants)
{
    char a[64], b[64], c[64];

    cr_assert_eq(query_regression_fingerprint("SELECT * FROM film WHERE film_id = 1", a, sizeof(a)), 0);
    cr_assert_eq(query_regression_fingerprint("select * from film where film_id = $1", b, sizeof(b)), 0);
    cr_assert_eq(query_regression_fingerprint("SELECT * FROM actor WHERE actor_id = 1", c, sizeof(c)), 0);
    cr_assert_str_eq(a, b);
    cr_assert_str_neq(a, c);
    cr_assert_eq(query_regression_fingerprint("SELEKT", a, sizeof(a)), -1);
}

/* pg_stat_statements_reset() wipes the statistics the import reads, and a
 * READ ONLY transaction does not stop it: it must be refused by name. */
Test(qr_safety, pg_stat_statements_reset_is_refused)
{
    char reason[512];
    int ordered;

    cr_assert_eq(check("SELECT pg_stat_statements_reset()", &ordered, reason), 1);
    cr_assert(strstr(reason, "pg_stat_statements_reset") != NULL, "%s", reason);
    cr_assert_eq(check("SELECT public.pg_stat_statements_reset(0, 0, 0)", &ordered, reason), 1);
}

Test(qr_safety, placeholders_counts_the_highest_parameter)
{
    cr_assert_eq(query_regression_placeholders("SELECT 1"), 0);
    cr_assert_eq(query_regression_placeholders("SELECT title FROM film WHERE film_id = $1"), 1);
    cr_assert_eq(
        query_regression_placeholders("SELECT * FROM t WHERE a = $2 AND b IN (SELECT c FROM u WHERE d = $3)"),
        3);
    cr_assert_eq(query_regression_placeholders("SELEKT nothing"), -1);
}

/* Monitoring statements (greenlight's own among them) are not the application's workload. */
Test(qr_safety, catalog_only_statements_are_recognised)
{
    cr_assert_eq(query_regression_catalog_only("SELECT query FROM pg_stat_statements ORDER BY 1"), 1);
    cr_assert_eq(query_regression_catalog_only(
                     "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"),
                 1);
    cr_assert_eq(query_regression_catalog_only("SELECT * FROM information_schema.tables"), 1);
    cr_assert_eq(
        query_regression_catalog_only("SELECT f.title FROM film f JOIN pg_class c ON c.relname = f.title"),
        0);
    cr_assert_eq(query_regression_catalog_only("SELECT count(*) FROM rental"), 0);
    cr_assert_eq(query_regression_catalog_only("SELECT 1"), 0, "no relation at all is not monitoring");
}

Test(qr_safety, catalog_only_sees_through_ctes)
{
    /* greenlight's own allow-rule query names its CTEs r and cand: still catalog-only. */
    cr_assert_eq(query_regression_catalog_only("WITH r AS (SELECT oid FROM pg_catalog.pg_proc), cand AS "
                                               "(SELECT * FROM r) SELECT * FROM r JOIN cand USING (oid)"),
                 1);
    cr_assert_eq(query_regression_catalog_only("WITH r AS (SELECT 1) SELECT * FROM r JOIN film ON true"), 0);
}

static int has_ref(const query_regression_refs *refs, query_regression_ref_kind kind, const char *schema,
                   const char *name)
{
    for (size_t i = 0; i < refs->count; i++)
        if (refs->items[i].kind == kind && strcmp(refs->items[i].name, name) == 0 &&
            ((schema == NULL && refs->items[i].schema == NULL) ||
             (schema != NULL && refs->items[i].schema != NULL && strcmp(schema, refs->items[i].schema) == 0)))
            return 1;
    return 0;
}

Test(qr_safety, references_name_calls_operators_and_casts)
{
    query_regression_refs refs = {0};

    cr_assert_eq(query_regression_references(
                     "SELECT a.x::int4, b.y::public.mpaa_rating[], c BETWEEN 1 AND 2, d = ANY (SELECT 1), "
                     "public.f(1), count(*), e OPERATOR(pg_catalog.+) 1, z LIKE $1 "
                     "FROM t, LATERAL g(t.a) ORDER BY a USING <",
                     &refs),
                 0);
    cr_assert(has_ref(&refs, GL_QR_REF_TYPE, NULL, "int4"));
    cr_assert(has_ref(&refs, GL_QR_REF_TYPE, "public", "mpaa_rating"));
    cr_assert(has_ref(&refs, GL_QR_REF_OPERATOR, NULL, "<="), "BETWEEN is <= and >=");
    cr_assert(has_ref(&refs, GL_QR_REF_OPERATOR, NULL, ">="));
    cr_assert(has_ref(&refs, GL_QR_REF_OPERATOR, NULL, "="), "= ANY (subquery)");
    cr_assert(has_ref(&refs, GL_QR_REF_FUNCTION, "public", "f"));
    cr_assert(has_ref(&refs, GL_QR_REF_FUNCTION, NULL, "count"));
    cr_assert(has_ref(&refs, GL_QR_REF_FUNCTION, NULL, "g"), "a function in FROM");
    cr_assert(has_ref(&refs, GL_QR_REF_OPERATOR, "pg_catalog", "+"));
    cr_assert(has_ref(&refs, GL_QR_REF_OPERATOR, NULL, "~~"), "LIKE");
    cr_assert(has_ref(&refs, GL_QR_REF_OPERATOR, NULL, "<"), "ORDER BY ... USING <");
    size_t n = refs.count;
    cr_assert_eq(query_regression_references("SELECT count(*) FROM t", &refs), 0);
    cr_assert_eq(refs.count, n, "references are deduplicated");
    query_regression_refs_free(&refs);
    cr_assert_eq(query_regression_references("SELEKT", &refs), -1);
    query_regression_refs_free(&refs);
}

Test(qr_safety, stable_families_are_refused_by_name)
{
    char reason[512];
    int ordered;
    const char *const calls[] = {"SELECT table_to_xml('t', true, false, '')",
                                 "SELECT query_to_xml('SELECT 1', true, false, '')",
                                 "SELECT txid_current()", "SELECT * FROM ts_stat('SELECT v FROM t')",
                                 "SELECT pg_create_logical_replication_slot('s', 'p')",
                                 "SELECT pg_logical_slot_get_changes('s', NULL, NULL)",
                                 "SELECT brin_summarize_new_values('i')", NULL};
    for (const char *const *c = calls; *c; c++) {
        cr_assert_eq(check(*c, &ordered, reason), 1, "%s passed", *c);
        cr_assert(strstr(reason, "changes server state or runs SQL text") != NULL, "%s: %s", *c, reason);
    }
}
