/* query_regression plan shapes: what is kept, what is dropped, 15 vs 17. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/query_regression/plan.c"

static char *shape_of(const char *json, double *cost, char ***rels, size_t *nrel)
{
    char *shape = NULL, err[256];
    cr_assert_eq(query_regression_plan_shape(json, &shape, cost, rels, nrel, err, sizeof(err)), 0, "%s", err);
    return shape;
}

static void free_rels(char **rels, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rels[i]);
    free(rels);
}

/* The same plan as PostgreSQL 15 and 17 print it (17 drops "(returns $0)", adds keys). */
static const char pg15[] =
    "[{\"Plan\": {\"Node Type\": \"Hash Join\", \"Parallel Aware\": false, \"Join Type\": \"Inner\","
    " \"Startup Cost\": 1.5, \"Total Cost\": 102.86, \"Plan Rows\": 27, \"Output\": [\"f.title\"],"
    " \"Plans\": [{\"Node Type\": \"Seq Scan\", \"Parent Relationship\": \"Outer\", \"Parallel Aware\": false,"
    "   \"Relation Name\": \"film\", \"Schema\": \"public\", \"Alias\": \"f\", \"Total Cost\": 64},"
    "  {\"Node Type\": \"Hash\", \"Parent Relationship\": \"Inner\", \"Plans\": ["
    "   {\"Node Type\": \"Index Scan\", \"Parent Relationship\": \"Outer\", \"Scan Direction\": \"Forward\","
    "    \"Index Name\": \"film_actor_pkey\", \"Relation Name\": \"film_actor\", \"Schema\": \"public\","
    "    \"Alias\": \"fa\", \"Index Cond\": \"(fa.actor_id = 1)\"}]},"
    "  {\"Node Type\": \"Result\", \"Parent Relationship\": \"InitPlan\", \"Subplan Name\": \"InitPlan 1 (returns $0)\"}]}}]";
static const char pg17[] =
    "[{\"Plan\": {\"Node Type\": \"Hash Join\", \"Parallel Aware\": false, \"Async Capable\": false,"
    " \"Join Type\": \"Inner\", \"Startup Cost\": 1.7, \"Total Cost\": 127.69, \"Disabled\": false,"
    " \"Plans\": [{\"Node Type\": \"Seq Scan\", \"Parent Relationship\": \"Outer\", \"Parallel Aware\": false,"
    "   \"Async Capable\": false, \"Relation Name\": \"film\", \"Schema\": \"public\", \"Alias\": \"film\"},"
    "  {\"Node Type\": \"Hash\", \"Parent Relationship\": \"Inner\", \"Plans\": ["
    "   {\"Node Type\": \"Index Scan\", \"Parent Relationship\": \"Outer\", \"Scan Direction\": \"Forward\","
    "    \"Index Name\": \"film_actor_pkey\", \"Relation Name\": \"film_actor\", \"Schema\": \"public\","
    "    \"Alias\": \"film_actor\", \"Index Cond\": \"(film_actor.actor_id = 1)\"}]},"
    "  {\"Node Type\": \"Result\", \"Parent Relationship\": \"InitPlan\", \"Subplan Name\": \"InitPlan 1\"}]}}]";

Test(qr_plan, shape_is_equal_across_versions_and_costs)
{
    double c15, c17;
    char **r15, **r17;
    size_t n15, n17;
    char *s15 = shape_of(pg15, &c15, &r15, &n15), *s17 = shape_of(pg17, &c17, &r17, &n17);

    cr_assert_str_eq(s15, s17);
    cr_assert_float_eq(c15, 102.86, 1e-9);
    cr_assert_float_eq(c17, 127.69, 1e-9);
    cr_assert_str_eq(s15,
                     "Hash Join join=Inner\n"
                     "  Seq Scan parent=Outer relation=public.film\n"
                     "  Hash parent=Inner\n"
                     "    Index Scan index=film_actor_pkey parent=Outer relation=public.film_actor\n"
                     "  Result parent=InitPlan subplan=InitPlan 1\n");
    cr_assert_eq(n15, 2);
    cr_assert_str_eq(r15[0], "public.film");
    cr_assert_str_eq(r15[1], "public.film_actor");
    free(s15);
    free(s17);
    free_rels(r15, n15);
    free_rels(r17, n17);
}

Test(qr_plan, a_lost_index_changes_the_shape)
{
    static const char idx[] = "[{\"Plan\": {\"Node Type\": \"Index Scan\", \"Index Name\": \"idx_title\","
                              " \"Relation Name\": \"film\", \"Schema\": \"public\", \"Total Cost\": 8.3}}]";
    static const char seq[] = "[{\"Plan\": {\"Node Type\": \"Seq Scan\", \"Parallel Aware\": true,"
                              " \"Relation Name\": \"film\", \"Schema\": \"public\", \"Total Cost\": 66.5}}]";
    double c1, c2;
    char **r1, **r2;
    size_t n1, n2;
    char *a = shape_of(idx, &c1, &r1, &n1), *b = shape_of(seq, &c2, &r2, &n2);

    cr_assert_str_neq(a, b);
    cr_assert(strstr(a, "idx_title") != NULL);
    cr_assert_str_eq(b, "Parallel Seq Scan relation=public.film\n");
    free(a);
    free(b);
    free_rels(r1, n1);
    free_rels(r2, n2);
}

Test(qr_plan, aggregate_strategy_and_backward_scans_are_kept)
{
    static const char j[] = "[{\"Plan\": {\"Node Type\": \"Aggregate\", \"Strategy\": \"Hashed\","
                            " \"Partial Mode\": \"Simple\", \"Plans\": [{\"Node Type\": \"Index Only Scan\","
                            " \"Scan Direction\": \"Backward\", \"Index Name\": \"i\", \"Relation Name\": \"t\","
                            " \"Schema\": \"s\"}]}}]";
    double c;
    char **r;
    size_t n;
    char *s = shape_of(j, &c, &r, &n);

    cr_assert_str_eq(s, "Aggregate strategy=Hashed partial=Simple\n"
                        "  Index Only Scan index=i direction=backward relation=s.t\n");
    free(s);
    free_rels(r, n);
}

Test(qr_plan, malformed_explain_output_is_an_error)
{
    char *shape, **rels, err[256];
    double cost;
    size_t n;

    cr_assert_eq(query_regression_plan_shape("not json", &shape, &cost, &rels, &n, err, sizeof(err)), -1);
    cr_assert(strstr(err, "not JSON") != NULL);
    cr_assert_eq(query_regression_plan_shape("[{\"Nope\": 1}]", &shape, &cost, &rels, &n, err, sizeof(err)),
                 -1);
    cr_assert(shape == NULL && rels == NULL);
}
