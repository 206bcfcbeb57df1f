/*
 * shape — strict validation of a JSON input file against a declared shape:
 * the kinds a value may take, the known members of an object (unknown ones
 * are refused with a "did you mean" suggestion), array items, allowed
 * strings and extra rules. Every input format greenlight reads (change,
 * config, waivers, snapshot, policy input) is declared as a gl_shape in
 * engine/src/input/ and mirrored by a JSON Schema in share/schema/; the test
 * tests/integration/test_input_schemas.sh proves the two agree.
 *
 * Errors are GL_ERR_USAGE and read "FILE: $.json.path: what is wrong (the
 * fix)".
 */
#ifndef GL_SHAPE_H
#define GL_SHAPE_H

#include <stddef.h>

#include "greenlight/plugin.h"
#include "util/error.h"

enum {
    GL_SHAPE_NULL = 1u << 0,
    GL_SHAPE_BOOL = 1u << 1,
    GL_SHAPE_INT = 1u << 2,
    GL_SHAPE_NUMBER = 1u << 3,     /* any number, integers included */
    GL_SHAPE_STRING = 1u << 4,
    GL_SHAPE_ARRAY = 1u << 5,
    GL_SHAPE_OBJECT = 1u << 6,
    GL_SHAPE_ANY = 0x7fu
};

typedef struct gl_shape gl_shape;

typedef struct gl_shape_member {
    const char *key;               /* NULL ends the list */
    const gl_shape *shape;
    int required;
} gl_shape_member;

struct gl_shape {
    unsigned kinds;                        /* GL_SHAPE_* bits */
    const gl_shape_member *members;        /* objects: known members */
    const gl_shape *other_members;         /* objects: shape of any other member; NULL refuses them */
    const gl_shape *items;                 /* arrays: every item */
    const char *const *one_of;             /* strings: allowed values, NULL-terminated */
    size_t min_length;                     /* strings: bytes; arrays: items */
    /* Extra rule; returns 0 or writes why (without the path) and returns -1. */
    int (*rule)(const gl_value *v, char *why, size_t len);
};

/* Checks v against shape. file names the input in messages (e.g.
 * "--change change.json"). Returns 0, or -1 with err set (GL_ERR_USAGE). */
int gl_shape_check(const gl_value *v, const gl_shape *shape, const char *file, gl_error *err);

/* The candidate nearest to word by edit distance, or NULL when none is close
 * enough to be a likely typo. */
const char *gl_shape_suggest(const char *word, const char *const *candidates, size_t n);

/* Rule: a strict calendar date "YYYY-MM-DD". */
int gl_shape_rule_date(const gl_value *v, char *why, size_t len);

#endif
