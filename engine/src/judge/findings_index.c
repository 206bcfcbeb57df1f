/*
 * findings_index — the index of the input's findings (findings.c says why):
 * one compact row per finding with check, code and severity interned, built
 * in the same walk as the input budget check (gl_judge__prepare_input),
 * allocated through the state's allocator; gl_judge__free_index frees it.
 */
#include <string.h>

#include "judge/findings_index.h"
#include "judge/judge.h"
#include "util/names.h"

static uint32_t hash_text(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

uint32_t gl_judge__intern_find(const finding_index *ix, const char *s, size_t len)
{
    uint32_t slot, id;

    if (ix->slots == NULL)
        return 0;
    slot = hash_text(s, len) & ix->slots_mask;
    while ((id = ix->slots[slot]) != 0) {
        const text *t = &ix->strings[id - 1];
        if (t->len == len && memcmp(t->s, s, len) == 0)
            return id;
        slot = (slot + 1) & ix->slots_mask;
    }
    return 0;
}

/* Room for one more string: doubles the string list and the slot table
 * (rehashing) as needed. -1 when the allocator refuses (it has noted that:
 * the evaluation fails with the memory budget). */
static int intern_grow(finding_index *ix)
{
    if (ix->n_strings == ix->strings_cap) {
        uint32_t cap = ix->strings_cap ? ix->strings_cap * 2 : 32;
        text *strings;
        if (ix->strings_cap >= UINT32_MAX / 4)
            return -1;
        strings = ix->alloc(ix->alloc_ud, ix->strings, ix->strings_cap * sizeof(*strings),
                            cap * sizeof(*strings));
        if (strings == NULL)
            return -1;
        ix->strings = strings;
        ix->strings_cap = cap;
    }
    if (ix->slots == NULL || (ix->n_strings + 1) * 2 > ix->slots_mask + 1) {
        uint32_t count = ix->slots ? (ix->slots_mask + 1) * 2 : 64;
        uint32_t *slots = ix->alloc(ix->alloc_ud, NULL, 0, count * sizeof(*slots));
        if (slots == NULL)
            return -1;
        memset(slots, 0, count * sizeof(*slots));
        for (uint32_t id = 1; id <= ix->n_strings; id++) {
            uint32_t slot = hash_text(ix->strings[id - 1].s, ix->strings[id - 1].len) & (count - 1);
            while (slots[slot] != 0)
                slot = (slot + 1) & (count - 1);
            slots[slot] = id;
        }
        if (ix->slots != NULL)
            ix->alloc(ix->alloc_ud, ix->slots, (ix->slots_mask + 1) * sizeof(*slots), 0);
        ix->slots = slots;
        ix->slots_mask = count - 1;
    }
    return 0;
}

/* *id: the id of the string value v, interned now if new; 0 when v is not
 * a string. hint: an id v likely has (the previous finding's: runs sort
 * their findings, so neighbours share check, code and severity), tried
 * before hashing. -1 when out of memory. */
static int intern(finding_index *ix, const gl_value *v, uint32_t hint, uint32_t *id)
{
    const char *s;
    size_t len;
    uint32_t slot, at;

    *id = 0;
    if (gl_value_kind_of(v) != GL_VALUE_STRING)
        return 0;
    s = gl_value_get_string(v);
    len = gl_value_string_length(v);
    if (hint != 0 && ix->strings[hint - 1].len == len && memcmp(ix->strings[hint - 1].s, s, len) == 0) {
        *id = hint;
        return 0;
    }
    if ((ix->slots == NULL || (ix->n_strings + 1) * 2 > ix->slots_mask + 1 ||
         ix->n_strings == ix->strings_cap) && intern_grow(ix) != 0)
        return -1;
    slot = hash_text(s, len) & ix->slots_mask;
    while ((at = ix->slots[slot]) != 0) {
        const text *t = &ix->strings[at - 1];
        if (t->len == len && memcmp(t->s, s, len) == 0) {
            *id = at;
            return 0;
        }
        slot = (slot + 1) & ix->slots_mask;
    }
    ix->strings[ix->n_strings] = (text){s, len};
    ix->slots[slot] = ++ix->n_strings;
    *id = ix->n_strings;
    return 0;
}

void gl_judge__free_index(gl_judge *j)
{
    finding_index *ix = j->index;

    if (ix == NULL)
        return;
    if (ix->strings != NULL)
        ix->alloc(ix->alloc_ud, ix->strings, ix->strings_cap * sizeof(*ix->strings), 0);
    if (ix->slots != NULL)
        ix->alloc(ix->alloc_ud, ix->slots, (ix->slots_mask + 1) * sizeof(*ix->slots), 0);
    ix->alloc(ix->alloc_ud, ix, sizeof(*ix) + ix->n * sizeof(ix->rows[0]), 0);
    j->index = NULL;
    j->index_array = NULL;
}

/* Sizes the finding f (as gl_judge__value_size would) and fills its row,
 * reading each member once. 1 when the size passes cap, -1 out of memory. */
static int index_finding(finding_index *ix, finding_row *r, const finding_row *previous,
                         const gl_value *f, size_t cap, size_t *used)
{
    int rc = 0;

    *used += 8;
    for (size_t m = 0, len = gl_value_len(f); m < len && rc == 0; m++) {
        const char *key = gl_value_object_key_at(f, m);
        const gl_value *w = gl_value_object_value_at(f, m);

        *used += strlen(key);
        if (gl_judge__value_size(w, cap, used))
            return 1;
        switch (key[0]) {
        case 'c':
            if (strcmp(key, "check") == 0)
                rc = intern(ix, w, previous->check, &r->check);
            else if (strcmp(key, "code") == 0)
                rc = intern(ix, w, previous->code, &r->code);
            break;
        case 's':
            if (strcmp(key, "severity") == 0) {
                rc = intern(ix, w, previous->severity, &r->severity);
                if (rc == 0 && r->severity != 0)
                    r->rank = (uint8_t)gl_severity_rank_len(ix->strings[r->severity - 1].s,
                                                         ix->strings[r->severity - 1].len);
            }
            break;
        case 'o':
            if (strcmp(key, "object") == 0 && gl_value_kind_of(w) == GL_VALUE_STRING) {
                r->object = (text){gl_value_get_string(w), gl_value_string_length(w)};
                memcpy(r->object_prefix, r->object.s,
                       r->object.len < OBJECT_PREFIX ? r->object.len : OBJECT_PREFIX);
            }
            break;
        case 'w':
            if (strcmp(key, "waived") == 0)
                r->waived = gl_value_kind_of(w) == GL_VALUE_BOOL && gl_value_get_bool(w);
            break;
        default:
            break;
        }
    }
    return rc;
}

/* The findings array: sized, and indexed into j->index. */
static int index_findings(gl_judge *j, const gl_value *array, size_t cap, size_t *used)
{
    lua_Alloc alloc;
    void *ud;
    finding_index *ix;
    size_t n = gl_value_len(array);

    *used += 8;
    alloc = lua_getallocf(j->L, &ud);
    if (n > (SIZE_MAX - sizeof(*ix)) / sizeof(ix->rows[0]))
        return -1;
    ix = alloc(ud, NULL, 0, sizeof(*ix) + n * sizeof(ix->rows[0]));
    if (ix == NULL)
        return -1;
    memset(ix, 0, sizeof(*ix) + n * sizeof(ix->rows[0]));
    ix->n = n;
    ix->alloc = alloc;
    ix->alloc_ud = ud;
    j->index = ix;
    j->index_array = array;
    for (size_t i = 0; i < n && *used <= cap; i++) {
        const gl_value *f = gl_value_array_at(array, i);
        finding_row *r = &ix->rows[i];
        int rc;

        r->node = f;
        if (gl_value_kind_of(f) != GL_VALUE_OBJECT) {
            if (!ix->bad)
                ix->bad = i + 1;
            if (gl_judge__value_size(f, cap, used))
                return 1;
            continue;
        }
        rc = index_finding(ix, r, i > 0 ? &ix->rows[i - 1] : r, f, cap, used);
        if (rc != 0)
            return rc;
    }
    return *used > cap;
}

int gl_judge__prepare_input(gl_judge *j)
{
    const gl_value *input = j->input;
    size_t cap = j->limits.input_bytes, used = 8;

    for (size_t i = 0, n = gl_value_len(input); i < n && used <= cap; i++) {
        const char *key = gl_value_object_key_at(input, i);
        const gl_value *v = gl_value_object_value_at(input, i);
        int rc;

        used += strlen(key);
        if (strcmp(key, "findings") == 0 && gl_value_kind_of(v) == GL_VALUE_ARRAY && j->index == NULL)
            rc = index_findings(j, v, cap, &used);
        else
            rc = gl_judge__value_size(v, cap, &used);
        if (rc != 0)
            return rc;
    }
    return used > cap;
}
