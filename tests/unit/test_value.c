/* Unit tests for the value tree (engine/src/value/value.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value/value.h"

Test(value, scalar_builders_read_back)
{
    gl_value *n = gl_value_null(), *t = gl_value_bool(7), *f = gl_value_bool(0);
    gl_value *i = gl_value_int(INT64_MIN), *d = gl_value_number(2.5);

    cr_assert_eq(gl_value_kind_of(n), GL_VALUE_NULL);
    cr_assert_eq(gl_value_kind_of(t), GL_VALUE_BOOL);
    cr_assert_eq(gl_value_get_bool(t), 1, "any non-zero int is stored as true (1)");
    cr_assert_eq(gl_value_get_bool(f), 0);
    cr_assert_eq(gl_value_kind_of(i), GL_VALUE_INT);
    cr_assert_eq(gl_value_get_int(i), INT64_MIN);
    cr_assert_eq(gl_value_kind_of(d), GL_VALUE_NUMBER);
    cr_assert_eq(gl_value_get_number(d), 2.5);
    gl_value_free(n);
    gl_value_free(t);
    gl_value_free(f);
    gl_value_free(i);
    gl_value_free(d);
}

Test(value, ints_widen_and_numbers_truncate_or_saturate)
{
    gl_value *i = gl_value_int(42), *d = gl_value_number(-3.9);
    gl_value *huge = gl_value_number(1e300), *nan = gl_value_number(NAN);

    cr_assert_eq(gl_value_get_number(i), 42.0);
    cr_assert_eq(gl_value_get_int(d), -3);
    cr_assert_eq(gl_value_get_int(huge), INT64_MAX, "out-of-range doubles saturate");
    cr_assert_eq(gl_value_get_int(nan), 0);
    gl_value_free(i);
    gl_value_free(d);
    gl_value_free(huge);
    gl_value_free(nan);
}

Test(value, strings_keep_length_and_embedded_nul)
{
    gl_value *s = gl_value_string("héllo");
    gl_value *z = gl_value_string_len("a\0b", 3);
    gl_value *fromnull = gl_value_string(NULL);
    gl_value *f = gl_value_stringf("%s-%d", "table", 12);
    char big[1000];
    gl_value *bf;

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    bf = gl_value_stringf("<%s>", big);

    cr_assert_str_eq(gl_value_get_string(s), "héllo");
    cr_assert_eq(gl_value_string_length(s), strlen("héllo"));
    cr_assert_eq(gl_value_string_length(z), 3);
    cr_assert_eq(memcmp(gl_value_get_string(z), "a\0b", 4), 0, "NUL-terminated after the bytes");
    cr_assert_eq(gl_value_kind_of(fromnull), GL_VALUE_NULL, "NULL string gives null");
    cr_assert_str_eq(gl_value_get_string(f), "table-12");
    cr_assert_eq(gl_value_string_length(bf), 1001, "stringf longer than its stack buffer");
    cr_assert_eq(gl_value_get_string(bf)[0], '<');
    cr_assert_eq(gl_value_get_string(bf)[1000], '>');
    gl_value_free(s);
    gl_value_free(z);
    gl_value_free(fromnull);
    gl_value_free(f);
    gl_value_free(bf);
}

Test(value, readers_are_null_safe_and_wrong_kinds_read_as_zero)
{
    gl_value *s = gl_value_string("x"), *a = gl_value_array(), *o = gl_value_object();

    cr_assert_eq(gl_value_kind_of(NULL), GL_VALUE_NULL);
    cr_assert_eq(gl_value_get_bool(NULL), 0);
    cr_assert_eq(gl_value_get_int(NULL), 0);
    cr_assert_eq(gl_value_get_number(NULL), 0.0);
    cr_assert_null(gl_value_get_string(NULL));
    cr_assert_eq(gl_value_string_length(NULL), 0);
    cr_assert_eq(gl_value_len(NULL), 0);
    cr_assert_null(gl_value_array_at(NULL, 0));
    cr_assert_null(gl_value_object_get(NULL, "k"));
    cr_assert_null(gl_value_object_key_at(NULL, 0));
    cr_assert_null(gl_value_object_value_at(NULL, 0));
    cr_assert_null(gl_value_object_string(NULL, "k"));
    cr_assert_null(gl_value_copy(NULL));
    gl_value_free(NULL);

    /* Wrong kinds. */
    cr_assert_eq(gl_value_get_bool(s), 0);
    cr_assert_eq(gl_value_get_int(s), 0);
    cr_assert_eq(gl_value_get_number(a), 0.0);
    cr_assert_null(gl_value_get_string(o));
    cr_assert_eq(gl_value_len(s), 0);
    cr_assert_null(gl_value_array_at(o, 0));
    cr_assert_null(gl_value_object_get(a, "k"));
    cr_assert_null(gl_value_object_key_at(a, 0));
    cr_assert_null(gl_value_array_take(o, 0));
    cr_assert_eq(gl_value_object_remove(a, "k"), 0);
    gl_value_array_sort(o, NULL); /* no-op, no crash */

    /* Mutators on the wrong kind fail and still take ownership (ASan checks the leak). */
    cr_assert_eq(gl_value_array_push(o, gl_value_int(1)), -1);
    cr_assert_eq(gl_value_object_set(a, "k", gl_value_int(1)), -1);
    cr_assert_eq(gl_value_object_set(o, NULL, gl_value_int(1)), -1);
    cr_assert_eq(gl_value_array_push(NULL, gl_value_int(1)), -1);
    cr_assert_eq(gl_value_array_push(a, NULL), -1);
    cr_assert_eq(gl_value_object_set_len(o, "a\0b", 3, gl_value_int(1)), -1,
                 "keys with NUL bytes are refused");
    cr_assert_eq(gl_value_len(a), 0);
    cr_assert_eq(gl_value_len(o), 0);
    gl_value_free(s);
    gl_value_free(a);
    gl_value_free(o);
}

Test(value, array_push_at_take)
{
    gl_value *a = gl_value_array();
    gl_value *taken;
    int i;

    for (i = 0; i < 100; i++)
        cr_assert_eq(gl_value_array_push(a, gl_value_int(i)), 0);
    cr_assert_eq(gl_value_len(a), 100);
    cr_assert_eq(gl_value_get_int(gl_value_array_at(a, 99)), 99);
    cr_assert_null(gl_value_array_at(a, 100));

    taken = gl_value_array_take(a, 10);
    cr_assert_eq(gl_value_get_int(taken), 10);
    gl_value_free(taken);
    cr_assert_eq(gl_value_len(a), 99);
    cr_assert_eq(gl_value_get_int(gl_value_array_at(a, 10)), 11, "the rest shifts down");
    cr_assert_null(gl_value_array_take(a, 99));

    /* at_mut gives a writable child. */
    cr_assert_eq(gl_value_array_push(a, gl_value_object()), 0);
    cr_assert_eq(gl_value_object_set(gl_value_array_at_mut(a, 99), "k", gl_value_bool(1)), 0);
    cr_assert_eq(gl_value_get_bool(gl_value_object_get(gl_value_array_at(a, 99), "k")), 1);
    gl_value_free(a);
}

Test(value, object_keeps_insertion_order_and_replaces_in_place)
{
    gl_value *o = gl_value_object();

    cr_assert_eq(gl_value_object_set(o, "zeta", gl_value_int(1)), 0);
    cr_assert_eq(gl_value_object_set(o, "alpha", gl_value_int(2)), 0);
    cr_assert_eq(gl_value_object_set(o, "mid", gl_value_string("m")), 0);
    cr_assert_eq(gl_value_object_set(o, "alpha", gl_value_int(20)), 0);

    cr_assert_eq(gl_value_len(o), 3, "replacing does not add a key");
    cr_assert_str_eq(gl_value_object_key_at(o, 0), "zeta");
    cr_assert_str_eq(gl_value_object_key_at(o, 1), "alpha", "replaced key keeps its place");
    cr_assert_str_eq(gl_value_object_key_at(o, 2), "mid");
    cr_assert_eq(gl_value_get_int(gl_value_object_value_at(o, 1)), 20);
    cr_assert_str_eq(gl_value_object_string(o, "mid"), "m");
    cr_assert_null(gl_value_object_string(o, "zeta"), "not a string");
    cr_assert_null(gl_value_object_get(o, "missing"));
    cr_assert_null(gl_value_object_key_at(o, 3));

    cr_assert_eq(gl_value_object_remove(o, "alpha"), 1);
    cr_assert_eq(gl_value_object_remove(o, "alpha"), 0, "second remove finds nothing");
    cr_assert_eq(gl_value_len(o), 2);
    cr_assert_str_eq(gl_value_object_key_at(o, 1), "mid");

    cr_assert_eq(gl_value_object_set_len(o, "keyXXX", 3, gl_value_int(5)), 0);
    cr_assert_eq(gl_value_get_int(gl_value_object_get(o, "key")), 5);
    cr_assert_eq(gl_value_object_get_mut(o, "key"), gl_value_object_get(o, "key"));
    cr_assert_eq(gl_value_object_set(o, "", gl_value_null()), 0,
                 "the empty key is a key like any other");
    cr_assert_eq(gl_value_kind_of(gl_value_object_get(o, "")), GL_VALUE_NULL);
    cr_assert_not_null(gl_value_object_get(o, ""));
    gl_value_free(o);
}

Test(value, big_object_lookup_replace_remove)
{
    enum { N = 50000 };
    gl_value *o = gl_value_object();
    char key[32];
    int i;

    for (i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "public.table_%d", i);
        cr_assert_eq(gl_value_object_set(o, key, gl_value_int(i)), 0);
    }
    cr_assert_eq(gl_value_len(o), N);
    for (i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "public.table_%d", i);
        cr_assert_eq(gl_value_get_int(gl_value_object_get(o, key)), i, "key %s", key);
        cr_assert_str_eq(gl_value_object_key_at(o, (size_t)i), key, "insertion order");
    }
    cr_assert_null(gl_value_object_get(o, "public.table_50000"));

    /* Replace does not grow; remove every third key, then look all up again. */
    cr_assert_eq(gl_value_object_set(o, "public.table_7", gl_value_int(-7)), 0);
    cr_assert_eq(gl_value_len(o), N);
    cr_assert_eq(gl_value_get_int(gl_value_object_get(o, "public.table_7")), -7);
    for (i = 0; i < 3000; i += 3) {
        snprintf(key, sizeof(key), "public.table_%d", i);
        cr_assert_eq(gl_value_object_remove(o, key), 1);
    }
    for (i = 0; i < N; i++) {
        const gl_value *got;
        snprintf(key, sizeof(key), "public.table_%d", i);
        got = gl_value_object_get(o, key);
        if (i < 3000 && i % 3 == 0)
            cr_assert_null(got, "%s was removed", key);
        else
            cr_assert_eq(gl_value_get_int(got), i == 7 ? -7 : i, "key %s", key);
    }
    cr_assert_eq(gl_value_len(o), N - 1000);
    cr_assert_str_eq(gl_value_object_key_at(o, 0), "public.table_1");
    cr_assert_str_eq(gl_value_object_key_at(o, 1), "public.table_2");
    cr_assert_str_eq(gl_value_object_key_at(o, 2), "public.table_4");
    gl_value_free(o);
}

Test(value, object_shrinks_back_below_index_threshold)
{
    gl_value *o = gl_value_object();
    char key[16];
    int i;

    for (i = 0; i < 20; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        cr_assert_eq(gl_value_object_set(o, key, gl_value_int(i)), 0);
    }
    for (i = 0; i < 15; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        cr_assert_eq(gl_value_object_remove(o, key), 1);
    }
    for (i = 15; i < 20; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        cr_assert_eq(gl_value_get_int(gl_value_object_get(o, key)), i);
    }
    /* Grow again across the threshold. */
    for (i = 100; i < 130; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        cr_assert_eq(gl_value_object_set(o, key, gl_value_int(i)), 0);
    }
    for (i = 100; i < 130; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        cr_assert_eq(gl_value_get_int(gl_value_object_get(o, key)), i);
    }
    cr_assert_eq(gl_value_len(o), 35);
    gl_value_free(o);
}

static gl_value *sample_tree(int reverse_keys)
{
    gl_value *o = gl_value_object(), *a = gl_value_array(), *inner = gl_value_object();

    gl_value_array_push(a, gl_value_int(1));
    gl_value_array_push(a, gl_value_string("two"));
    gl_value_array_push(a, gl_value_null());
    gl_value_object_set(inner, "deep", gl_value_bool(1));
    if (reverse_keys) {
        gl_value_object_set(o, "inner", inner);
        gl_value_object_set(o, "list", a);
        gl_value_object_set(o, "name", gl_value_string("orders"));
    } else {
        gl_value_object_set(o, "name", gl_value_string("orders"));
        gl_value_object_set(o, "list", a);
        gl_value_object_set(o, "inner", inner);
    }
    return o;
}

Test(value, equality_is_deep_and_ignores_key_order)
{
    gl_value *a = sample_tree(0), *b = sample_tree(1);
    gl_value *one = gl_value_int(1), *onef = gl_value_number(1.0), *halff = gl_value_number(1.5);
    gl_value *big = gl_value_int(INT64_MAX), *bigf = gl_value_number(9223372036854775808.0);
    gl_value *nan = gl_value_number(NAN);
    gl_value *s1 = gl_value_string_len("a\0b", 3), *s2 = gl_value_string_len("a\0c", 3);

    cr_assert(gl_value_equal(a, b), "same members, different order");
    cr_assert(gl_value_equal(one, onef), "int 1 == number 1.0");
    cr_assert(gl_value_equal(onef, one));
    cr_assert_not(gl_value_equal(one, halff));
    cr_assert_not(gl_value_equal(big, bigf), "2^63 is not INT64_MAX");
    cr_assert_not(gl_value_equal(one, nan));
    cr_assert_not(gl_value_equal(s1, s2), "bytes after an embedded NUL count");
    cr_assert(gl_value_equal(NULL, NULL));
    cr_assert_not(gl_value_equal(one, NULL));

    gl_value_object_set(gl_value_object_get_mut(b, "inner"), "deep", gl_value_bool(0));
    cr_assert_not(gl_value_equal(a, b), "a nested difference is seen");
    gl_value_object_set(gl_value_object_get_mut(b, "inner"), "deep", gl_value_bool(1));
    cr_assert(gl_value_equal(a, b));
    gl_value_object_set(b, "extra", gl_value_null());
    cr_assert_not(gl_value_equal(a, b), "an extra key differs");
    cr_assert_not(gl_value_equal(gl_value_object_get(a, "list"), gl_value_object_get(a, "name")));

    gl_value_free(a);
    gl_value_free(b);
    gl_value_free(one);
    gl_value_free(onef);
    gl_value_free(halff);
    gl_value_free(big);
    gl_value_free(bigf);
    gl_value_free(nan);
    gl_value_free(s1);
    gl_value_free(s2);
}

Test(value, copy_is_deep_and_independent)
{
    gl_value *a = sample_tree(0), *c;
    gl_value *big = gl_value_object();
    gl_value *bigc;
    char key[16];
    int i;

    c = gl_value_copy(a);
    cr_assert(gl_value_equal(a, c));
    cr_assert_str_eq(gl_value_object_key_at(c, 0), "name", "order is copied");
    gl_value_object_set(gl_value_object_get_mut(c, "inner"), "deep", gl_value_int(3));
    cr_assert_eq(gl_value_get_bool(gl_value_object_get(gl_value_object_get(a, "inner"), "deep")), 1,
                 "changing the copy leaves the original alone");

    for (i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        gl_value_object_set(big, key, gl_value_int(i));
    }
    bigc = gl_value_copy(big);
    cr_assert(gl_value_equal(big, bigc));
    gl_value_object_set(bigc, "k200", gl_value_int(200)); /* the copied index keeps working */
    cr_assert_eq(gl_value_get_int(gl_value_object_get(bigc, "k99")), 99);
    cr_assert_eq(gl_value_get_int(gl_value_object_get(bigc, "k200")), 200);
    cr_assert_null(gl_value_object_get(big, "k200"));
    gl_value_free(a);
    gl_value_free(c);
    gl_value_free(big);
    gl_value_free(bigc);
}

static int by_group(const gl_value *a, const gl_value *b)
{
    int64_t x = gl_value_get_int(gl_value_object_get(a, "group"));
    int64_t y = gl_value_get_int(gl_value_object_get(b, "group"));
    return (x > y) - (x < y);
}

Test(value, sort_is_stable)
{
    enum { N = 1000 };
    gl_value *a = gl_value_array();
    int i;

    for (i = 0; i < N; i++) {
        gl_value *item = gl_value_object();
        gl_value_object_set(item, "group", gl_value_int((i * 7) % 5));
        gl_value_object_set(item, "seq", gl_value_int(i));
        cr_assert_eq(gl_value_array_push(a, item), 0);
    }
    gl_value_array_sort(a, by_group);
    cr_assert_eq(gl_value_len(a), N);
    for (i = 1; i < N; i++) {
        const gl_value *p = gl_value_array_at(a, (size_t)i - 1), *q = gl_value_array_at(a, (size_t)i);
        int g = by_group(p, q);
        cr_assert_leq(g, 0, "sorted at %d", i);
        if (g == 0)
            cr_assert_lt(gl_value_get_int(gl_value_object_get(p, "seq")),
                         gl_value_get_int(gl_value_object_get(q, "seq")),
                         "equal items keep their order at %d", i);
    }
    gl_value_free(a);
}

static int by_int(const gl_value *a, const gl_value *b)
{
    int64_t x = gl_value_get_int(a), y = gl_value_get_int(b);
    return (x > y) - (x < y);
}

Test(value, sort_small_and_sorted_inputs)
{
    gl_value *a = gl_value_array();
    int vals[] = { 3, 1, 2 };
    size_t i;

    gl_value_array_sort(a, by_int); /* empty */
    for (i = 0; i < 3; i++)
        gl_value_array_push(a, gl_value_int(vals[i]));
    gl_value_array_sort(a, by_int);
    for (i = 0; i < 3; i++)
        cr_assert_eq(gl_value_get_int(gl_value_array_at(a, i)), (int64_t)i + 1);
    gl_value_array_sort(a, by_int); /* already sorted */
    cr_assert_eq(gl_value_get_int(gl_value_array_at(a, 2)), 3);
    gl_value_free(a);
}

static void *no_malloc(size_t size)
{
    (void)size;
    return NULL;
}

/* Out of memory for the merge buffer: the sort fails and leaves the array as
 * it was, instead of falling back to an O(n^2) sort (a run with 100,000
 * findings would sort for minutes while it holds its memory). */
Test(value, sort_out_of_memory_fails_and_leaves_the_array)
{
    gl_value *a = gl_value_array();
    gl_value_allocator failing = {no_malloc, realloc, free};
    int vals[] = {3, 1, 2};
    int rc;

    for (size_t i = 0; i < 3; i++)
        gl_value_array_push(a, gl_value_int(vals[i]));
    gl_value_set_allocator(&failing);
    rc = gl_value_array_sort(a, by_int);
    gl_value_set_allocator(NULL);
    cr_assert_eq(rc, -1);
    for (size_t i = 0; i < 3; i++)
        cr_assert_eq(gl_value_get_int(gl_value_array_at(a, i)), vals[i]);
    cr_assert_eq(gl_value_array_sort(a, by_int), 0);
    cr_assert_eq(gl_value_get_int(gl_value_array_at(a, 0)), 1);
    gl_value_free(a);
}

static void *no_realloc(void *p, size_t size)
{
    (void)p;
    (void)size;
    return NULL;
}

/* A plugin's findings join the run's all at once, in order; out of memory,
 * neither array changes (no partial merge). */
Test(value, array_move_all_moves_in_order_or_nothing)
{
    gl_value *dst = gl_value_array(), *src = gl_value_array();
    gl_value_allocator failing = {malloc, no_realloc, free};
    int rc;

    gl_value_array_push(dst, gl_value_int(0));
    for (int i = 1; i <= 9; i++)
        gl_value_array_push(src, gl_value_int(i));
    gl_value_set_allocator(&failing);
    rc = gl_value_array_move_all(dst, src);
    gl_value_set_allocator(NULL);
    cr_assert_eq(rc, -1);
    cr_assert_eq(gl_value_len(dst), 1);
    cr_assert_eq(gl_value_len(src), 9);
    cr_assert_eq(gl_value_array_move_all(dst, src), 0);
    cr_assert_eq(gl_value_len(src), 0);
    cr_assert_eq(gl_value_len(dst), 10);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(gl_value_get_int(gl_value_array_at(dst, (size_t)i)), i);
    cr_assert_eq(gl_value_array_move_all(dst, dst), -1);
    cr_assert_eq(gl_value_array_move_all(dst, gl_value_array_at_mut(dst, 0)), -1);
    gl_value_free(src);
    gl_value_free(dst);
}
