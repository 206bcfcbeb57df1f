/*
 * Pure logic of the schema plugin: type widening (decides warning vs error
 * for a changed column type), parse keys of definitions, filter patterns and
 * privilege-by-privilege acl comparison.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../plugins/schema/filter.c"
#include "../../plugins/schema/normalise.c"
#include "plugin/host.h"
#include "value/value.h"

static int widening(const char *from, const char *to)
{
    return schema_type_is_widening(from, strlen(from), to, strlen(to));
}

Test(schema_types, widening_changes_keep_every_old_value)
{
    cr_expect(widening("character varying(20)", "character varying(40)"));
    cr_expect(widening("character varying(20)", "text"));
    cr_expect(widening("character varying(20)", "character varying"));
    cr_expect(widening("smallint", "integer"));
    cr_expect(widening("integer", "bigint"));
    cr_expect(widening("integer", "numeric"));
    cr_expect(widening("numeric(10,2)", "numeric(12,2)"));
    cr_expect(widening("numeric(10,2)", "numeric(12,4)"));
    cr_expect(widening("real", "double precision"));
    cr_expect(widening("integer[]", "integer[]"));
}

Test(schema_types, narrowing_or_incompatible_changes_are_not_widening)
{
    cr_expect_not(widening("character varying(20)", "character varying(10)"));
    cr_expect_not(widening("text", "character varying(10)"));
    cr_expect_not(widening("bigint", "integer"));
    cr_expect_not(widening("numeric(10,2)", "numeric(10,4)"));   /* fewer integer digits */
    cr_expect_not(widening("numeric(10,2)", "numeric(10,0)"));
    cr_expect_not(widening("numeric", "numeric(10,2)"));
    cr_expect_not(widening("bigint", "numeric(10,0)"));
    cr_expect_not(widening("text", "integer"));
    cr_expect_not(widening("integer", "integer[]"));
    cr_expect_not(widening("double precision", "real"));
}

static int same_key(const char *a, const char *qa, const char *b, const char *qb)
{
    char ka[SCHEMA_KEY_LEN], kb[SCHEMA_KEY_LEN];

    cr_assert_eq(schema_definition_key(a, qa, ka), 0, "%s parses", a);
    cr_assert_eq(schema_definition_key(b, qb, kb), 0, "%s parses", b);
    return memcmp(ka, kb, SCHEMA_KEY_LEN) == 0;
}

Test(schema_normalise, layout_between_tokens_does_not_count)
{
    cr_expect(same_key(" SELECT a,\n    b\n   FROM t;", NULL, "SELECT a, b FROM t", NULL));
    cr_expect(same_key("SELECT 1 ;", NULL, "SELECT\r\n1", NULL));
}

Test(schema_normalise, the_single_relation_qualifier_is_dropped_from_column_references)
{
    /* 15 prints "orders.id", 17 prints "id". */
    cr_expect(same_key(" SELECT orders.id,\n    orders.total\n   FROM orders;", "orders",
                       " SELECT id,\n    total\n   FROM orders;", "orders"));
    /* Through the relation's alias too, when it is the only one. */
    cr_expect(same_key("SELECT o.id FROM orders o", "orders", "SELECT id FROM orders o", "orders"));
    /* Without a qualifier (several relations) it counts. */
    cr_expect_not(same_key("SELECT orders.id FROM orders", NULL, "SELECT id FROM orders", NULL));
    /* A self-join's aliases tell its two sides apart. */
    cr_expect_not(same_key("SELECT a.id FROM t a JOIN t b ON a.p = b.id", "t",
                           "SELECT b.id FROM t a JOIN t b ON a.p = b.id", "t"));
}

Test(schema_normalise, literals_count_byte_for_byte)
{
    /* The old text clean-up stripped "orders." inside the literal too. */
    cr_expect_not(same_key("SELECT 'orders.x'::text AS l FROM orders", "orders",
                           "SELECT 'x'::text AS l FROM orders", "orders"));
    /* A blank at a line end inside a function body is part of the body. */
    cr_expect_not(same_key("CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$SELECT 'a \n b'$$",
                           NULL,
                           "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$SELECT 'a\n b'$$",
                           NULL));
    cr_expect(same_key("CREATE FUNCTION f() RETURNS text\n LANGUAGE sql\nAS $function$SELECT 'a \n b'$function$\n",
                       NULL, "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$SELECT 'a \n b'$$",
                       NULL));
    cr_expect_not(same_key("SELECT 1.50", NULL, "SELECT 1.5", NULL));
}

Test(schema_normalise, text_that_does_not_parse_has_no_key)
{
    char key[SCHEMA_KEY_LEN];

    cr_expect_eq(schema_definition_key("AGGREGATE integer RETURNS bigint", NULL, key), -1);
    cr_expect_eq(schema_definition_key("", NULL, key), 0);   /* an empty statement list */
}

Test(schema_filter, glob_patterns)
{
    cr_expect(schema_glob_match("public.tmp_*", "public.tmp_x"));
    cr_expect(schema_glob_match("*", ""));
    cr_expect(schema_glob_match("a?c", "abc"));
    /* one glob dialect everywhere: fnmatch's sets and quoting, as in waivers */
    cr_expect(schema_glob_match("public.tmp_[0-9]*", "public.tmp_1x"));
    cr_expect(!schema_glob_match("public.tmp_[0-9]*", "public.tmp_x"));
    cr_expect(schema_glob_match("public.a\\?", "public.a?"));
    cr_expect(!schema_glob_match("public.a\\?", "public.ab"));
    cr_expect(schema_glob_match("*.film*", "public.film.title"));
    cr_expect_not(schema_glob_match("public.tmp_*", "public.tmpx"));
    cr_expect_not(schema_glob_match("a?c", "ac"));
}

Test(schema_filter, schemas_objects_and_parents)
{
    char *inc[] = { "app*" }, *exc[] = { "app_old" }, *obj[] = { "app.audit", "*.tmp_*" };
    schema_filter f = { inc, 1, exc, 1, obj, 2 };

    cr_expect_not(schema_filter_excludes(&f, "app", "app.orders", NULL));
    cr_expect(schema_filter_excludes(&f, "public", "public.film", NULL));
    cr_expect(schema_filter_excludes(&f, "app_old", "app_old.x", NULL));
    cr_expect(schema_filter_excludes(&f, "app", "app.audit", NULL));
    cr_expect(schema_filter_excludes(&f, "app", "app.audit.id", "app.audit"));
    cr_expect(schema_filter_excludes(&f, "app", "app.tmp_1", NULL));
    cr_expect_not(schema_filter_excludes(&f, NULL, "citext", NULL));
    cr_expect_not(schema_filter_excludes(NULL, "x", "x.y", NULL));
}

/* schema_acl_missing(a, b) as compact JSON ("[...]"), owners given. */
static char *missing(const char *a, const char *a_owner, const char *b, const char *b_owner,
                     const char *ignore)
{
    gl_value *v = schema_acl_missing(gl_host_table(), a, strlen(a), a_owner, strlen(a_owner), b,
                                     strlen(b), b_owner, strlen(b_owner), ignore);
    char *json;

    cr_assert_not_null(v);
    json = gl_json_write(v, 0, NULL);
    gl_value_free(v);
    cr_assert_not_null(json);
    return json;
}

#define EXPECT_MISSING(expected, ...)                                                          \
    do {                                                                                        \
        char *got_ = missing(__VA_ARGS__);                                                      \
        cr_expect_str_eq(got_, expected);                                                       \
        free(got_);                                                                             \
    } while (0)

Test(schema_acl, compared_privilege_by_privilege)
{
    /* GRANT INSERT ... TO PUBLIC: one privilege granted, nothing revoked. */
    EXPECT_MISSING("[]", "=r/o,o=arwdDxt/o", "o", "=ar/o,o=arwdDxt/o", "o", NULL);
    EXPECT_MISSING("[\"=a\"]", "=ar/o,o=arwdDxt/o", "o", "=r/o,o=arwdDxt/o", "o", NULL);
    /* A grantee gone entirely, and the grantor does not matter. */
    EXPECT_MISSING("[\"app=rw\"]", "app=rw/o,o=arwdDxt/o", "o", "o=arwdDxt/o", "o", NULL);
    EXPECT_MISSING("[]", "app=rw/o", "o", "app=rw/someone", "o", NULL);
    /* The grant option is a privilege of its own. */
    EXPECT_MISSING("[\"app=r*\"]", "app=r*w/o", "o", "app=rw/o", "o", NULL);
    EXPECT_MISSING("[]", "app=rw/o", "o", "app=r*w/o", "o", NULL);
}

Test(schema_acl, owners_privileges_follow_the_owner)
{
    /* ALTER ... OWNER TO: the owner's own privileges move with it. */
    EXPECT_MISSING("[]", "=r/o,o=arwdDxt/o", "o", "=r/n,n=arwdDxt/n", "n", NULL);
    /* ...but the old owner keeping nothing is not hidden when it is not the owner. */
    EXPECT_MISSING("[\"o=arwdDxt\"]", "o=arwdDxt/o", "", "n=arwdDxt/n", "n", NULL);
    /* REVOKE ALL FROM the owner. */
    EXPECT_MISSING("[\"o=arwdDxt\"]", "o=arwdDxt/o", "o", "", "o", NULL);
}

Test(schema_acl, quoted_owner_names_are_the_owner)
{
    /* An owner whose name needs quotes ("Shop Owner", a"b) is printed quoted in
     * aclitem but unquoted by pg_get_userbyid: it is still the owner. */
    EXPECT_MISSING("[]", "\"Shop Owner\"=arwdDxt/\"Shop Owner\"", "Shop Owner",
                   "\"New Owner\"=arwdDxt/\"New Owner\"", "New Owner", NULL);
    cr_expect(schema_acl_name_is("\"a\"\"b\"", 6, "a\"b", 3));
    cr_expect(schema_acl_name_is("app", 3, "app", 3));
    cr_expect_not(schema_acl_name_is("\"app x\"", 7, "app", 3));
    cr_expect_not(schema_acl_name_is("\"a\"b\"", 5, "a\"b", 3), "a lone quote inside is malformed");
    cr_expect_not(schema_acl_name_is("app", 3, "", 0));
}

Test(schema_acl, ignored_privileges_and_quoted_names)
{
    /* 17's MAINTAIN against 15. */
    EXPECT_MISSING("[]", "o=arwdDxtm/o", "o", "o=arwdDxt/o", "o", "m");
    EXPECT_MISSING("[\"o=m\"]", "o=arwdDxtm/o", "o", "o=arwdDxt/o", "o", NULL);
    /* Names with ',' '=' '/' are double-quoted in aclitem output. */
    EXPECT_MISSING("[\"\\\"a,b=c\\\"=r\"]", "\"a,b=c\"=r/o,x=r/o", "o", "x=r/o", "o", NULL);
    EXPECT_MISSING("[]", "\"a,b=c\"=r/o", "o", "\"a,b=c\"=r/\"x/y\"", "o", NULL);
    EXPECT_MISSING("[]", "", "o", "", "o", NULL);
}
