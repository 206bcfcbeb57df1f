/*
 * value/node.h — the value tree's node layout, shared by the files of the
 * value module only (value.c: constructors, the object index, mutators, copy;
 * value_read.c: readers, equality, sorting). Nothing outside value/ includes it.
 */
#ifndef GL_VALUE_NODE_H
#define GL_VALUE_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "value/value.h"

/* Objects with at most this many keys are searched linearly. */
#define GL_VALUE_INDEX_MIN 8
/* Hard limit on items of one array or keys of one object. */
#define GL_VALUE_MAX_ITEMS ((uint32_t)0x7fffffffu)

typedef struct gl_member {
    char *key;
    gl_value *val;
} gl_member;

struct gl_value {
    uint8_t kind;        /* gl_value_kind */
    uint8_t index_bits;  /* objects: log2 of the index size, 0 = no index */
    union {
        int b;
        int64_t i;
        double d;
        struct {
            size_t len;
            char *s;       /* points just past the node, NUL-terminated */
        } str;
        struct {
            gl_value **items;
            uint32_t len, cap;
        } arr;
        struct {
            gl_member *members;
            uint32_t len, cap;
            uint32_t *index;   /* slots hold member position + 1; 0 = empty */
        } obj;
    } u;
};

_Static_assert(sizeof(struct gl_value) <= 32, "value nodes are counted in the 10,000s: keep them small");

/* Every allocation of the tree goes through here, so a test can fail the
 * Nth one (gl_value_set_allocator). In value.c. */
extern gl_value_allocator gl_value__allocator;

/* Position of key in o's members, or -1. With an index, *slot_out (may be
 * NULL) gets its slot. In value.c. */
long gl_value__object_find(const gl_value *o, const char *key, size_t len, size_t *slot_out);

#endif
