/*
 * value — the JSON-shaped value tree (see value.h).
 *
 * Memory layout, chosen because a run holds the catalog facts of 10,000s of
 * tables on each side:
 *   - a node is 32 bytes (48 with malloc's overhead); a string node carries
 *     its bytes inline, right after the node (one allocation, not two). Nodes
 *     are not trimmed to their kind's size: UBSan's object-size check (rightly)
 *     rejects member access through a struct pointer to a smaller block;
 *   - arrays and objects count with uint32_t (4 billion items is plenty);
 *   - an object keeps its members in insertion order and, once it holds more
 *     than GL_VALUE_INDEX_MIN keys, an open-addressing index (linear probing
 *     on FNV-1a) of member positions, so lookups stay O(1).
 */
#include "value/node.h"
#include "value/value.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


gl_value_allocator gl_value__allocator = {malloc, realloc, free};

void gl_value_set_allocator(const gl_value_allocator *a)
{
    static const gl_value_allocator system = {malloc, realloc, free};

    gl_value__allocator = a != NULL ? *a : system;
}

static void *value_zalloc(size_t n)
{
    void *p = gl_value__allocator.malloc_fn(n);

    if (p != NULL)
        memset(p, 0, n);
    return p;
}

static char *value_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = gl_value__allocator.malloc_fn(n);

    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

static gl_value *node_new(gl_value_kind kind)
{
    gl_value *v = value_zalloc(sizeof(*v));
    if (v == NULL)
        return NULL;
    v->kind = (uint8_t)kind;
    return v;
}

gl_value *gl_value_null(void)
{
    return node_new(GL_VALUE_NULL);
}

gl_value *gl_value_bool(int b)
{
    gl_value *v = node_new(GL_VALUE_BOOL);
    if (v != NULL)
        v->u.b = b ? 1 : 0;
    return v;
}

gl_value *gl_value_int(int64_t i)
{
    gl_value *v = node_new(GL_VALUE_INT);
    if (v != NULL)
        v->u.i = i;
    return v;
}

gl_value *gl_value_number(double d)
{
    gl_value *v = node_new(GL_VALUE_NUMBER);
    if (v != NULL)
        v->u.d = d;
    return v;
}

gl_value *gl_value_string_len(const char *s, size_t len)
{
    gl_value *v;

    if (s == NULL)
        return gl_value_null();
    if (len > SIZE_MAX - sizeof(*v) - 1)
        return NULL;
    v = gl_value__allocator.malloc_fn(sizeof(*v) + len + 1);
    if (v == NULL)
        return NULL;
    v->kind = GL_VALUE_STRING;
    v->index_bits = 0;
    v->u.str.len = len;
    v->u.str.s = (char *)(v + 1);
    if (len > 0)
        memcpy(v->u.str.s, s, len);
    v->u.str.s[len] = '\0';
    return v;
}

gl_value *gl_value_string(const char *s)
{
    if (s == NULL)
        return gl_value_null();
    return gl_value_string_len(s, strlen(s));
}

gl_value *gl_value_stringf(const char *fmt, ...)
{
    va_list ap;
    char small[256];
    char *big = NULL;
    gl_value *v = NULL;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        goto out;
    if ((size_t)n < sizeof(small)) {
        v = gl_value_string_len(small, (size_t)n);
        goto out;
    }
    big = gl_value__allocator.malloc_fn((size_t)n + 1);
    if (big == NULL)
        goto out;
    va_start(ap, fmt);
    n = vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        goto out;
    v = gl_value_string_len(big, (size_t)n);
out:
    gl_value__allocator.free_fn(big);
    return v;
}

gl_value *gl_value_array(void)
{
    return node_new(GL_VALUE_ARRAY);
}

gl_value *gl_value_object(void)
{
    return node_new(GL_VALUE_OBJECT);
}

void gl_value_free(gl_value *v)
{
    uint32_t i;

    if (v == NULL)
        return;
    if (v->kind == GL_VALUE_ARRAY) {
        for (i = 0; i < v->u.arr.len; i++)
            gl_value_free(v->u.arr.items[i]);
        gl_value__allocator.free_fn(v->u.arr.items);
    } else if (v->kind == GL_VALUE_OBJECT) {
        for (i = 0; i < v->u.obj.len; i++) {
            gl_value__allocator.free_fn(v->u.obj.members[i].key);
            gl_value_free(v->u.obj.members[i].val);
        }
        gl_value__allocator.free_fn(v->u.obj.members);
        gl_value__allocator.free_fn(v->u.obj.index);
    }
    gl_value__allocator.free_fn(v);
}

/* ---- object index ---------------------------------------------------- */

static uint32_t hash_key(const char *key, size_t len)
{
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 16777619u;
    }
    return h;
}

/* Fills a fresh index of 2^bits slots from the members; -1 on OOM. */
static int index_build(gl_value *o, uint8_t bits)
{
    size_t size = (size_t)1 << bits;
    size_t mask = size - 1;
    uint32_t *index = value_zalloc(size * sizeof(*index));
    uint32_t i;

    if (index == NULL)
        return -1;
    for (i = 0; i < o->u.obj.len; i++) {
        const char *k = o->u.obj.members[i].key;
        size_t slot = hash_key(k, strlen(k)) & mask;
        while (index[slot] != 0)
            slot = (slot + 1) & mask;
        index[slot] = i + 1;
    }
    gl_value__allocator.free_fn(o->u.obj.index);
    o->u.obj.index = index;
    o->index_bits = bits;
    return 0;
}

/* Keeps the index at most half full; builds it once past the threshold. */
static int index_reserve(gl_value *o, uint32_t want_len)
{
    uint8_t bits = o->index_bits;

    if (want_len <= GL_VALUE_INDEX_MIN)
        return 0;
    if (bits == 0)
        bits = 5;
    while (((size_t)1 << bits) < (size_t)want_len * 2)
        bits++;
    if (bits == o->index_bits && o->u.obj.index != NULL)
        return 0;
    return index_build(o, bits);
}

/* Position of key in members, or -1. With an index, *slot_out gets its slot. */
long gl_value__object_find(const gl_value *o, const char *key, size_t len, size_t *slot_out)
{
    uint32_t i;

    if (o->u.obj.index != NULL) {
        size_t mask = ((size_t)1 << o->index_bits) - 1;
        size_t slot = hash_key(key, len) & mask;
        uint32_t at;

        while ((at = o->u.obj.index[slot]) != 0) {
            const char *k = o->u.obj.members[at - 1].key;
            if (strncmp(k, key, len) == 0 && k[len] == '\0') {
                if (slot_out != NULL)
                    *slot_out = slot;
                return (long)(at - 1);
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }
    for (i = 0; i < o->u.obj.len; i++) {
        const char *k = o->u.obj.members[i].key;
        if (strncmp(k, key, len) == 0 && k[len] == '\0')
            return (long)i;
    }
    return -1;
}

/* Removes one slot from a linear-probing table without tombstones: entries
 * after it in the same probe run move back so lookups never stop early. */
static void index_delete_slot(gl_value *o, size_t slot)
{
    uint32_t *index = o->u.obj.index;
    size_t mask = ((size_t)1 << o->index_bits) - 1;
    size_t hole = slot;
    size_t next = (slot + 1) & mask;

    index[hole] = 0;
    while (index[next] != 0) {
        const char *k = o->u.obj.members[index[next] - 1].key;
        size_t home = hash_key(k, strlen(k)) & mask;
        /* Move the entry into the hole unless its home lies cyclically in (hole, next]. */
        int stays = (hole <= next) ? (home > hole && home <= next)
                                   : (home > hole || home <= next);
        if (!stays) {
            index[hole] = index[next];
            index[next] = 0;
            hole = next;
        }
        next = (next + 1) & mask;
    }
}

/* ---- mutators --------------------------------------------------------- */

int gl_value_array_push(gl_value *array, gl_value *item)
{
    if (array == NULL || array->kind != GL_VALUE_ARRAY || item == NULL)
        goto fail;
    if (array->u.arr.len == array->u.arr.cap) {
        uint32_t cap = array->u.arr.cap ? array->u.arr.cap * 2 : 4;
        gl_value **items;
        if (array->u.arr.cap >= GL_VALUE_MAX_ITEMS / 2)
            goto fail;
        items = gl_value__allocator.realloc_fn(array->u.arr.items, (size_t)cap * sizeof(*items));
        if (items == NULL)
            goto fail;
        array->u.arr.items = items;
        array->u.arr.cap = cap;
    }
    array->u.arr.items[array->u.arr.len++] = item;
    return 0;
fail:
    gl_value_free(item);
    return -1;
}

int gl_value_array_move_all(gl_value *array, gl_value *src)
{
    size_t len;

    if (array == NULL || array->kind != GL_VALUE_ARRAY || src == NULL ||
        src->kind != GL_VALUE_ARRAY || array == src)
        return -1;
    len = (size_t)array->u.arr.len + src->u.arr.len;
    if (len > GL_VALUE_MAX_ITEMS)
        return -1;
    if (len > array->u.arr.cap) {
        gl_value **items = gl_value__allocator.realloc_fn(array->u.arr.items, len * sizeof(*items));
        if (items == NULL)
            return -1;
        array->u.arr.items = items;
        array->u.arr.cap = (uint32_t)len;
    }
    if (src->u.arr.len > 0)
        memcpy(array->u.arr.items + array->u.arr.len, src->u.arr.items,
               (size_t)src->u.arr.len * sizeof(*src->u.arr.items));
    array->u.arr.len = (uint32_t)len;
    src->u.arr.len = 0;
    return 0;
}

int gl_value_object_set_len(gl_value *object, const char *key, size_t key_len, gl_value *val)
{
    gl_member *m;
    char *copy = NULL;
    long at;

    if (object == NULL || object->kind != GL_VALUE_OBJECT || key == NULL || val == NULL)
        goto fail;
    if (memchr(key, '\0', key_len) != NULL)
        goto fail;
    at = gl_value__object_find(object, key, key_len, NULL);
    if (at >= 0) {
        m = &object->u.obj.members[at];
        gl_value_free(m->val);
        m->val = val;
        return 0;
    }
    if (object->u.obj.len >= GL_VALUE_MAX_ITEMS || key_len == SIZE_MAX)
        goto fail;
    copy = gl_value__allocator.malloc_fn(key_len + 1);
    if (copy == NULL)
        goto fail;
    memcpy(copy, key, key_len);
    copy[key_len] = '\0';
    if (object->u.obj.len == object->u.obj.cap) {
        uint32_t cap = object->u.obj.cap ? object->u.obj.cap * 2 : 4;
        gl_member *members;
        if (object->u.obj.cap >= GL_VALUE_MAX_ITEMS / 2)
            goto fail;
        members = gl_value__allocator.realloc_fn(object->u.obj.members, (size_t)cap * sizeof(*members));
        if (members == NULL)
            goto fail;
        object->u.obj.members = members;
        object->u.obj.cap = cap;
    }
    m = &object->u.obj.members[object->u.obj.len];
    m->key = copy;
    m->val = val;
    object->u.obj.len++;
    if (object->u.obj.index != NULL &&
        ((size_t)1 << object->index_bits) >= (size_t)object->u.obj.len * 2) {
        /* Room left: insert just the new key. */
        size_t mask = ((size_t)1 << object->index_bits) - 1;
        size_t slot = hash_key(copy, key_len) & mask;
        while (object->u.obj.index[slot] != 0)
            slot = (slot + 1) & mask;
        object->u.obj.index[slot] = object->u.obj.len;
    } else if (index_reserve(object, object->u.obj.len) != 0) {
        /* Undo the append so the object stays consistent. */
        object->u.obj.len--;
        goto fail;
    }
    return 0;
fail:
    gl_value__allocator.free_fn(copy);
    gl_value_free(val);
    return -1;
}

int gl_value_object_set(gl_value *object, const char *key, gl_value *val)
{
    if (key == NULL) {
        gl_value_free(val);
        return -1;
    }
    return gl_value_object_set_len(object, key, strlen(key), val);
}

int gl_value_object_remove(gl_value *object, const char *key)
{
    size_t slot = 0;
    uint32_t pos;
    long at;

    if (object == NULL || object->kind != GL_VALUE_OBJECT || key == NULL)
        return 0;
    at = gl_value__object_find(object, key, strlen(key), &slot);
    if (at < 0)
        return 0;
    pos = (uint32_t)at;
    if (object->u.obj.index != NULL) {
        size_t size = (size_t)1 << object->index_bits;
        size_t s;
        index_delete_slot(object, slot);
        /* Members after pos shift down by one; so do their positions. */
        for (s = 0; s < size; s++) {
            if (object->u.obj.index[s] > pos + 1)
                object->u.obj.index[s]--;
        }
    }
    gl_value__allocator.free_fn(object->u.obj.members[pos].key);
    gl_value_free(object->u.obj.members[pos].val);
    memmove(&object->u.obj.members[pos], &object->u.obj.members[pos + 1],
            (size_t)(object->u.obj.len - pos - 1) * sizeof(gl_member));
    object->u.obj.len--;
    if (object->u.obj.len <= GL_VALUE_INDEX_MIN && object->u.obj.index != NULL) {
        gl_value__allocator.free_fn(object->u.obj.index);
        object->u.obj.index = NULL;
        object->index_bits = 0;
    }
    return 1;
}

gl_value *gl_value_array_take(gl_value *array, size_t i)
{
    gl_value *item;

    if (array == NULL || array->kind != GL_VALUE_ARRAY || i >= array->u.arr.len)
        return NULL;
    item = array->u.arr.items[i];
    memmove(&array->u.arr.items[i], &array->u.arr.items[i + 1],
            (array->u.arr.len - i - 1) * sizeof(gl_value *));
    array->u.arr.len--;
    return item;
}

gl_value *gl_value_copy(const gl_value *v)
{
    gl_value *c = NULL;
    uint32_t i;

    if (v == NULL)
        return NULL;
    switch ((gl_value_kind)v->kind) {
    case GL_VALUE_NULL:
        return gl_value_null();
    case GL_VALUE_BOOL:
        return gl_value_bool(v->u.b);
    case GL_VALUE_INT:
        return gl_value_int(v->u.i);
    case GL_VALUE_NUMBER:
        return gl_value_number(v->u.d);
    case GL_VALUE_STRING:
        return gl_value_string_len(v->u.str.s, v->u.str.len);
    case GL_VALUE_ARRAY:
        c = gl_value_array();
        if (c == NULL)
            goto fail;
        if (v->u.arr.len > 0) {
            c->u.arr.items = gl_value__allocator.malloc_fn((size_t)v->u.arr.len * sizeof(gl_value *));
            if (c->u.arr.items == NULL)
                goto fail;
            c->u.arr.cap = v->u.arr.len;
        }
        for (i = 0; i < v->u.arr.len; i++) {
            gl_value *item = gl_value_copy(v->u.arr.items[i]);
            if (item == NULL)
                goto fail;
            c->u.arr.items[c->u.arr.len++] = item;
        }
        return c;
    case GL_VALUE_OBJECT:
        c = gl_value_object();
        if (c == NULL)
            goto fail;
        if (v->u.obj.len > 0) {
            c->u.obj.members = gl_value__allocator.malloc_fn((size_t)v->u.obj.len * sizeof(gl_member));
            if (c->u.obj.members == NULL)
                goto fail;
            c->u.obj.cap = v->u.obj.len;
        }
        for (i = 0; i < v->u.obj.len; i++) {
            const gl_member *m = &v->u.obj.members[i];
            gl_member *n = &c->u.obj.members[i];
            n->key = value_strdup(m->key);
            if (n->key == NULL)
                goto fail;
            n->val = gl_value_copy(m->val);
            if (n->val == NULL) {
                gl_value__allocator.free_fn(n->key);
                goto fail;
            }
            c->u.obj.len++;
        }
        if (v->u.obj.index != NULL) {
            size_t bytes = ((size_t)1 << v->index_bits) * sizeof(uint32_t);
            c->u.obj.index = gl_value__allocator.malloc_fn(bytes);
            if (c->u.obj.index == NULL)
                goto fail;
            memcpy(c->u.obj.index, v->u.obj.index, bytes);
            c->index_bits = v->index_bits;
        }
        return c;
    }
fail:
    gl_value_free(c);
    return NULL;
}

