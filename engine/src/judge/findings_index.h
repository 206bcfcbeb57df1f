/*
 * findings_index — the index of the input's findings that gl.findings filters
 * (findings.c), built by findings_index.c in the input budget walk. Shared by
 * those two files only.
 */
#ifndef GL_FINDINGS_INDEX_H
#define GL_FINDINGS_INDEX_H

#include <lua.h>
#include <stddef.h>
#include <stdint.h>

#include "value/value.h"

typedef struct text {
    const char *s;             /* borrowed from the input, or NULL: absent */
    size_t len;
} text;

/* Bytes of the object kept in the row: under/outside compare names against
 * them without reading the input (most names are shorter). */
#define OBJECT_PREFIX 24

typedef struct finding_row {
    const gl_value *node;
    text object;
    char object_prefix[OBJECT_PREFIX]; /* its first bytes (fewer when shorter) */
    uint32_t check, code, severity;   /* interned ids; 0: absent or not a string */
    uint8_t rank;                     /* 0: not a severity */
    uint8_t waived;
} finding_row;

struct gl_judge_index {
    size_t n;
    size_t bad;                /* an item that is not an object (1-based), or 0 */
    /* interned strings: strings[id - 1]; slots hold id, 0 = empty */
    text *strings;
    uint32_t n_strings, strings_cap;
    uint32_t *slots;
    uint32_t slots_mask;       /* slot count - 1 (a power of two) */
    lua_Alloc alloc;           /* the state's: counted by the memory budget */
    void *alloc_ud;
    finding_row rows[];
};

typedef struct gl_judge_index finding_index;

/* The id of s, or 0 when it was never interned. */
uint32_t gl_judge__intern_find(const finding_index *ix, const char *s, size_t len);

#endif
