/*
 * value_read — reading the value tree: kinds, scalars, lengths, members by
 * position or key; equality and sorting (see value.h; the node layout is in
 * value/node.h).
 */
#include "value/node.h"
#include "value/value.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- readers ---------------------------------------------------------- */

gl_value_kind gl_value_kind_of(const gl_value *v)
{
    return v == NULL ? GL_VALUE_NULL : (gl_value_kind)v->kind;
}

int gl_value_get_bool(const gl_value *v)
{
    return (v != NULL && v->kind == GL_VALUE_BOOL) ? v->u.b : 0;
}

int64_t gl_value_get_int(const gl_value *v)
{
    if (v == NULL)
        return 0;
    if (v->kind == GL_VALUE_INT)
        return v->u.i;
    if (v->kind == GL_VALUE_NUMBER) {
        double d = v->u.d;
        /* Converting an out-of-range double is undefined: saturate instead. */
        if (isnan(d))
            return 0;
        if (d >= 9223372036854775808.0)
            return INT64_MAX;
        if (d < -9223372036854775808.0)
            return INT64_MIN;
        return (int64_t)d;
    }
    return 0;
}

double gl_value_get_number(const gl_value *v)
{
    if (v == NULL)
        return 0.0;
    if (v->kind == GL_VALUE_NUMBER)
        return v->u.d;
    if (v->kind == GL_VALUE_INT)
        return (double)v->u.i;
    return 0.0;
}

const char *gl_value_get_string(const gl_value *v)
{
    return (v != NULL && v->kind == GL_VALUE_STRING) ? v->u.str.s : NULL;
}

size_t gl_value_string_length(const gl_value *v)
{
    return (v != NULL && v->kind == GL_VALUE_STRING) ? v->u.str.len : 0;
}

size_t gl_value_len(const gl_value *v)
{
    if (v == NULL)
        return 0;
    if (v->kind == GL_VALUE_ARRAY)
        return v->u.arr.len;
    if (v->kind == GL_VALUE_OBJECT)
        return v->u.obj.len;
    return 0;
}

const gl_value *gl_value_array_at(const gl_value *array, size_t i)
{
    if (array == NULL || array->kind != GL_VALUE_ARRAY || i >= array->u.arr.len)
        return NULL;
    return array->u.arr.items[i];
}

gl_value *gl_value_array_at_mut(gl_value *array, size_t i)
{
    if (array == NULL || array->kind != GL_VALUE_ARRAY || i >= array->u.arr.len)
        return NULL;
    return array->u.arr.items[i];
}

const gl_value *gl_value_object_get(const gl_value *object, const char *key)
{
    long at;

    if (object == NULL || object->kind != GL_VALUE_OBJECT || key == NULL)
        return NULL;
    at = gl_value__object_find(object, key, strlen(key), NULL);
    return at < 0 ? NULL : object->u.obj.members[at].val;
}

gl_value *gl_value_object_get_mut(gl_value *object, const char *key)
{
    return (gl_value *)gl_value_object_get(object, key);
}

const char *gl_value_object_key_at(const gl_value *object, size_t i)
{
    if (object == NULL || object->kind != GL_VALUE_OBJECT || i >= object->u.obj.len)
        return NULL;
    return object->u.obj.members[i].key;
}

const gl_value *gl_value_object_value_at(const gl_value *object, size_t i)
{
    if (object == NULL || object->kind != GL_VALUE_OBJECT || i >= object->u.obj.len)
        return NULL;
    return object->u.obj.members[i].val;
}

const char *gl_value_object_string(const gl_value *object, const char *key)
{
    return gl_value_get_string(gl_value_object_get(object, key));
}

/* ---- equality and sorting -------------------------------------------- */

/* An int and a number are equal when they denote the same mathematical value. */
static int int_equals_number(int64_t i, double d)
{
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return 0;   /* NaN, infinities, out of int64 range */
    if (d != floor(d))
        return 0;
    return (int64_t)d == i;
}

int gl_value_equal(const gl_value *a, const gl_value *b)
{
    uint32_t i;

    if (a == NULL || b == NULL)
        return a == b;
    if (a == b)
        return 1;
    if (a->kind != b->kind) {
        if (a->kind == GL_VALUE_INT && b->kind == GL_VALUE_NUMBER)
            return int_equals_number(a->u.i, b->u.d);
        if (a->kind == GL_VALUE_NUMBER && b->kind == GL_VALUE_INT)
            return int_equals_number(b->u.i, a->u.d);
        return 0;
    }
    switch ((gl_value_kind)a->kind) {
    case GL_VALUE_NULL:
        return 1;
    case GL_VALUE_BOOL:
        return a->u.b == b->u.b;
    case GL_VALUE_INT:
        return a->u.i == b->u.i;
    case GL_VALUE_NUMBER:
        return a->u.d == b->u.d;
    case GL_VALUE_STRING:
        return a->u.str.len == b->u.str.len &&
               memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
    case GL_VALUE_ARRAY:
        if (a->u.arr.len != b->u.arr.len)
            return 0;
        for (i = 0; i < a->u.arr.len; i++) {
            if (!gl_value_equal(a->u.arr.items[i], b->u.arr.items[i]))
                return 0;
        }
        return 1;
    case GL_VALUE_OBJECT:
        /* Keys are unique, so same count + every key of a matching in b
         * means the key sets are equal. */
        if (a->u.obj.len != b->u.obj.len)
            return 0;
        for (i = 0; i < a->u.obj.len; i++) {
            const gl_member *m = &a->u.obj.members[i];
            long at;
            /* Same position first: the common case of equal insertion order. */
            if (strcmp(m->key, b->u.obj.members[i].key) == 0) {
                at = (long)i;
            } else {
                at = gl_value__object_find(b, m->key, strlen(m->key), NULL);
                if (at < 0)
                    return 0;
            }
            if (!gl_value_equal(m->val, b->u.obj.members[at].val))
                return 0;
        }
        return 1;
    }
    return 0;
}

static void merge_sort(gl_value **items, gl_value **tmp, size_t n,
                       int (*cmp)(const gl_value *a, const gl_value *b))
{
    size_t mid = n / 2, i = 0, j = mid, k = 0;

    if (n < 2)
        return;
    merge_sort(items, tmp, mid, cmp);
    merge_sort(items + mid, tmp, n - mid, cmp);
    if (cmp(items[mid - 1], items[mid]) <= 0)
        return;   /* already in order */
    while (i < mid && j < n) {
        /* Take from the left on ties: that is what makes the sort stable. */
        if (cmp(items[j], items[i]) < 0)
            tmp[k++] = items[j++];
        else
            tmp[k++] = items[i++];
    }
    while (i < mid)
        tmp[k++] = items[i++];
    while (j < n)
        tmp[k++] = items[j++];
    memcpy(items, tmp, n * sizeof(*items));
}

int gl_value_array_sort(gl_value *array, int (*cmp)(const gl_value *a, const gl_value *b))
{
    gl_value **tmp;
    size_t n;

    if (array == NULL || array->kind != GL_VALUE_ARRAY || cmp == NULL)
        return 0;
    n = array->u.arr.len;
    if (n < 2)
        return 0;
    /* No quadratic fallback when the buffer cannot be had: a run that is out
     * of memory fails (and holds) rather than sorting for hours. */
    tmp = gl_value__allocator.malloc_fn(n * sizeof(*tmp));
    if (tmp == NULL)
        return -1;
    merge_sort(array->u.arr.items, tmp, n, cmp);
    gl_value__allocator.free_fn(tmp);
    return 0;
}
