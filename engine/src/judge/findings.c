/*
 * findings — gl.findings(input, filter): the findings that pass a filter,
 * chosen in C.
 *
 * A large run has 100,000s of findings and every rule filters them, so the
 * input's findings get an index, built in the same walk over the input as
 * the input budget check (gl_judge__prepare_input: the input tree is read
 * once; a second pass over 100,000s of scattered nodes costs more than all
 * the rules). One compact row per finding: check, code and severity
 * *interned* (the same text gets the same small integer), the severity
 * rank, the waived flag, the object and its first bytes. Filtering then
 * compares integers in one contiguous array instead of following pointers
 * into the input tree, and Lua values are made only for the findings
 * returned. A code_match pattern is matched once per distinct code, and
 * patterns that are plain text ("^schema%.replication%.", "film$") are
 * compared as bytes, not through string.find.
 *
 * The index is allocated through the state's allocator, so the memory
 * budget counts it; the judge owns it (gl_judge__free_index after
 * lua_close).
 *
 * Any other table (a policy may pass its own {findings = {...}}) is
 * filtered through ordinary Lua reads instead.
 */
#define _GNU_SOURCE /* memmem */
#include <lauxlib.h>
#include <stdint.h>
#include <string.h>

#include "judge/findings_index.h"
#include "judge/judge.h"
#include "util/names.h"

/* The longest plain-text pattern compared as bytes; longer ones go to
 * string.find (which handles them just as well, only slower). */
#define LITERAL_MAX 256

/* The index of the findings array node, or NULL when it is not the input's
 * own findings. */
static const finding_index *index_of(lua_State *L, const gl_value *array)
{
    gl_judge *j = gl_judge__of(L);

    return array != NULL && array == j->index_array ? j->index : NULL;
}

/* ---- filters ------------------------------------------------------------ */

/* A Lua pattern that matches only literal text, as bytes and anchors. */
typedef struct literal {
    int usable;                /* 0: not plain text, use string.find */
    int at_start, at_end;      /* "^..." / "...$" */
    size_t len;
    char text[LITERAL_MAX];
} literal;

/* Compiles p when it is plain text (letters, digits, '%' escapes of
 * punctuation, an optional leading '^' and trailing '$'). Anything else —
 * classes, sets, quantifiers, captures, '.', '%b', '%f', back references —
 * leaves usable 0. */
static void compile_literal(const char *p, size_t plen, literal *out)
{
    size_t i = 0;

    memset(out, 0, sizeof(*out));
    if (plen > 0 && p[0] == '^') {
        out->at_start = 1;
        i = 1;
    }
    while (i < plen) {
        char c = p[i];
        if (c == '$' && i + 1 == plen) {
            out->at_end = 1;
            break;
        }
        if (c == '%') {
            if (i + 1 >= plen)
                return; /* malformed: let string.find say so */
            c = p[i + 1];
            if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
                return; /* a class, %b, %f or a back reference */
            i += 2;
        } else {
            if (strchr("^$*+?.([%-])", c) != NULL || c == '\0')
                return;
            i++;
        }
        /* a quantifier after this single character makes it a repetition */
        if (i < plen && strchr("*+-?", p[i]) != NULL)
            return;
        if (out->len == sizeof(out->text))
            return;
        out->text[out->len++] = c;
    }
    out->usable = 1;
}

static int literal_matches(const literal *lit, const text *s)
{
    if (lit->len > s->len)
        return 0;
    if (lit->at_start && lit->at_end)
        return s->len == lit->len && memcmp(s->s, lit->text, lit->len) == 0;
    if (lit->at_start)
        return memcmp(s->s, lit->text, lit->len) == 0;
    if (lit->at_end)
        return memcmp(s->s + s->len - lit->len, lit->text, lit->len) == 0;
    return lit->len == 0 || memmem(s->s, s->len, lit->text, lit->len) != NULL;
}

typedef struct pattern {
    const char *source;        /* NULL: no such filter */
    size_t len;
    literal lit;
} pattern;

/* Does s match p? Through the real string.find (saved before the policy
 * could touch it) unless p is plain text. */
static int pattern_matches(lua_State *L, const pattern *p, const text *s)
{
    int found;

    if (s->s == NULL)
        return 0;
    if (p->lit.usable)
        return literal_matches(&p->lit, s);
    lua_getfield(L, LUA_REGISTRYINDEX, GL_JUDGE_REG_STRING_FIND);
    lua_pushlstring(L, s->s, s->len);
    lua_pushlstring(L, p->source, p->len);
    lua_call(L, 2, 1);
    found = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return found;
}

typedef struct names {
    const text *items;         /* anchored by a userdata on the stack */
    size_t n;
} names;

typedef struct finding_filter {
    text check, code, severity; /* s NULL: no such filter */
    pattern code_match, object;
    int min_rank;
    int waived;                /* -1 any, 0 only not waived, 1 only waived */
    const names *under, *outside;
    names under_list, outside_list;
    lua_Integer limit;         /* at most this many results; 0 for all */
} finding_filter;

/* The list of object names at the top (a list of strings) as a C array in
 * a userdata left at the top, in place of the list. */
static void read_names(lua_State *L, const char *key, names *out)
{
    lua_Integer n;
    text *items;
    int list = lua_gettop(L);

    if (lua_type(L, list) != LUA_TTABLE)
        luaL_error(L, "gl.findings: filter '%s' must be a list of object names", key);
    n = luaL_len(L, list);
    if (n < 0 || (lua_Unsigned)n > SIZE_MAX / sizeof(*items) / 2)
        luaL_error(L, "gl.findings: filter '%s' is too long", key);
    /* the strings stay anchored by this table, a copy the policy cannot change */
    lua_createtable(L, (int)n, 0);
    items = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof(*items), 1);
    lua_pushvalue(L, -2);
    lua_setiuservalue(L, -2, 1);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_geti(L, list, i) != LUA_TSTRING)
            luaL_error(L, "gl.findings: filter '%s' must be a list of strings", key);
        items[i - 1].s = lua_tolstring(L, -1, &items[i - 1].len);
        lua_rawseti(L, list + 1, i);
    }
    out->items = items;
    out->n = (size_t)n;
    lua_replace(L, list);      /* the userdata (holding the copy) replaces the list */
    lua_pop(L, 1);
}

/* Reads the filter table at idx. Userdata the filter needs are left on the
 * stack (the caller keeps them until it is done). */
static void read_filter(lua_State *L, int idx, finding_filter *f)
{
    static const char *const keys[] = {"check", "code", "code_match", "severity", "min_severity",
                                       "object", "waived", "under", "outside", "limit", NULL};

    memset(f, 0, sizeof(*f));
    f->waived = -1;
    if (lua_isnoneornil(L, idx))
        return;
    luaL_checktype(L, idx, LUA_TTABLE);
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        const char *key;
        int k;

        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "gl.findings: filter keys must be strings");
        key = lua_tostring(L, -2);
        for (k = 0; keys[k] != NULL && strcmp(keys[k], key) != 0; k++)
            ;
        if (keys[k] == NULL)
            luaL_error(L, "gl.findings: unknown filter '%s' (expected check, code, code_match, "
                       "severity, min_severity, object, waived, under, outside or limit)", key);
        if (strcmp(key, "limit") == 0) {
            if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1)
                luaL_error(L, "gl.findings: filter 'limit' must be a positive integer");
            f->limit = lua_tointeger(L, -1);
        } else if (strcmp(key, "under") == 0 || strcmp(key, "outside") == 0) {
            names *list = key[0] == 'u' ? &f->under_list : &f->outside_list;
            read_names(L, key, list);
            *(key[0] == 'u' ? &f->under : &f->outside) = list;
            lua_insert(L, -2); /* keep the names' userdata below the key */
            continue;
        } else if (strcmp(key, "waived") == 0) {
            if (lua_type(L, -1) != LUA_TBOOLEAN)
                luaL_error(L, "gl.findings: filter 'waived' must be a boolean");
            f->waived = lua_toboolean(L, -1);
        } else {
            text value;
            if (lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "gl.findings: filter '%s' must be a string", key);
            value.s = lua_tolstring(L, -1, &value.len); /* anchored in the filter table */
            if (strcmp(key, "check") == 0) {
                f->check = value;
            } else if (strcmp(key, "code") == 0) {
                f->code = value;
            } else if (strcmp(key, "severity") == 0) {
                f->severity = value;
            } else if (strcmp(key, "min_severity") == 0) {
                f->min_rank = gl_severity_rank_len(value.s, value.len);
                if (f->min_rank == 0)
                    luaL_error(L, "gl.findings: unknown severity '%s'", value.s);
            } else {
                pattern *p = strcmp(key, "code_match") == 0 ? &f->code_match : &f->object;
                p->source = value.s;
                p->len = value.len;
                compile_literal(value.s, value.len, &p->lit);
            }
        }
        lua_pop(L, 1);
    }
}

/* Is object one of the names, or beneath one ("public.film" covers
 * "public.film.title")? */
static int object_under(const names *list, const text *object)
{
    for (size_t i = 0; i < list->n; i++) {
        const text *name = &list->items[i];
        if (object->len >= name->len && memcmp(object->s, name->s, name->len) == 0 &&
            (object->len == name->len || object->s[name->len] == '.'))
            return 1;
    }
    return 0;
}

static int placed(const finding_filter *f, const text *object)
{
    if (f->under && (object->s == NULL || !object_under(f->under, object)))
        return 0;
    if (f->outside && object->s != NULL && object_under(f->outside, object))
        return 0;
    return 1;
}

/* placed() on a row: from the prefix kept in the row when every name is
 * short enough to be decided there (name and the byte after it). */
static int row_placed(const finding_filter *f, const finding_row *r)
{
    const names *lists[2] = {f->under, f->outside};
    int in[2] = {0, 0};

    if (r->object.s == NULL)
        return f->under == NULL;
    for (int k = 0; k < 2; k++) {
        const names *list = lists[k];
        for (size_t i = 0; list != NULL && i < list->n && !in[k]; i++) {
            const text *name = &list->items[i];
            if (name->len >= OBJECT_PREFIX) {
                in[k] = object_under(&(names){name, 1}, &r->object);
                continue;
            }
            in[k] = r->object.len >= name->len && memcmp(r->object_prefix, name->s, name->len) == 0 &&
                    (r->object.len == name->len || r->object_prefix[name->len] == '.');
        }
    }
    if (f->under && !in[0])
        return 0;
    if (f->outside && in[1])
        return 0;
    return 1;
}

/* The filter's strings as interned ids. An id of 0 for a given filter
 * means no finding has that text: nothing can match. */
typedef struct filter_ids {
    uint32_t check, code, severity;
    int none;                  /* some exact filter names a text no finding has */
} filter_ids;

static void lookup_ids(const finding_index *ix, const finding_filter *f, filter_ids *ids)
{
    memset(ids, 0, sizeof(*ids));
    if (f->check.s != NULL && (ids->check = gl_judge__intern_find(ix, f->check.s, f->check.len)) == 0)
        ids->none = 1;
    if (f->code.s != NULL && (ids->code = gl_judge__intern_find(ix, f->code.s, f->code.len)) == 0)
        ids->none = 1;
    if (f->severity.s != NULL && (ids->severity = gl_judge__intern_find(ix, f->severity.s, f->severity.len)) == 0)
        ids->none = 1;
}

/* code_match per distinct code: cache[id] is 0 unknown, 1 match, 2 not. */
static int code_selected(lua_State *L, const finding_index *ix, const finding_filter *f,
                         uint8_t *cache, uint32_t code)
{
    if (code == 0)
        return 0;
    if (cache[code] == 0)
        cache[code] = pattern_matches(L, &f->code_match, &ix->strings[code - 1]) ? 1 : 2;
    return cache[code] == 1;
}

/* The checks in the order the filter documents them; the cheap ones
 * (integers in the row) first. */
static int row_selected(lua_State *L, const finding_index *ix, const finding_row *r,
                        const finding_filter *f, const filter_ids *ids, uint8_t *code_cache)
{
    if (ids->check && r->check != ids->check)
        return 0;
    if (ids->code && r->code != ids->code)
        return 0;
    if (ids->severity && r->severity != ids->severity)
        return 0;
    if (f->min_rank) {
        if (r->rank == 0)
            luaL_error(L, "gl.findings: a finding has an unknown severity '%s'",
                       r->severity ? ix->strings[r->severity - 1].s : "(none)");
        if (r->rank < f->min_rank)
            return 0;
    }
    if (f->waived >= 0 && r->waived != f->waived)
        return 0;
    if (f->code_match.source && !code_selected(L, ix, f, code_cache, r->code))
        return 0;
    if ((f->under || f->outside) && !row_placed(f, r))
        return 0;
    if (f->object.source && !pattern_matches(L, &f->object, &r->object))
        return 0;
    return 1;
}

/* ---- plain tables (not the input) ---------------------------------------- */

/* The string field key of the table at idx as text (s NULL when it is not a
 * string); the value is left on the stack to anchor it. */
static text string_field(lua_State *L, int idx, const char *key)
{
    text t = {NULL, 0};

    if (lua_getfield(L, idx, key) == LUA_TSTRING)
        t.s = lua_tolstring(L, -1, &t.len);
    return t;
}

static int text_equals(const text *a, const text *b)
{
    return a->s != NULL && a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

static int table_selected(lua_State *L, int idx, const finding_filter *f)
{
    int top = lua_gettop(L), ok = 0;
    text check = string_field(L, idx, "check"), code = string_field(L, idx, "code");
    text severity = string_field(L, idx, "severity"), object = string_field(L, idx, "object");

    if (f->check.s && !text_equals(&check, &f->check))
        goto out;
    if (f->code.s && !text_equals(&code, &f->code))
        goto out;
    if (f->severity.s && !text_equals(&severity, &f->severity))
        goto out;
    if (f->min_rank) {
        int rank = severity.s ? gl_severity_rank_len(severity.s, severity.len) : 0;
        if (rank == 0)
            luaL_error(L, "gl.findings: a finding has an unknown severity '%s'",
                       luaL_tolstring(L, top + 3, NULL));
        if (rank < f->min_rank)
            goto out;
    }
    if (f->waived >= 0) {
        int waived = lua_getfield(L, idx, "waived") == LUA_TBOOLEAN && lua_toboolean(L, -1);
        if (waived != f->waived)
            goto out;
    }
    if ((f->under || f->outside) && !placed(f, &object))
        goto out;
    if (f->code_match.source && !pattern_matches(L, &f->code_match, &code))
        goto out;
    if (f->object.source && !pattern_matches(L, &f->object, &object))
        goto out;
    ok = 1;
out:
    lua_settop(L, top);
    return ok;
}

/* gl.findings(input, filter) -> list of the findings that pass the filter. */
int gl_judge__findings(lua_State *L)
{
    finding_filter filter;
    gl_judge *j = gl_judge__of(L);
    lua_Integer n, kept = 0;
    int list, out;
    const gl_value *nodes;
    const finding_index *ix;

    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    read_filter(L, 2, &filter);
    lua_getfield(L, 1, "findings");
    list = lua_gettop(L);
    lua_newtable(L);
    out = lua_gettop(L);
    if (lua_type(L, list) != LUA_TTABLE)
        return 1; /* no findings (nil or null) */
    nodes = gl_judge__node(L, list);
    ix = index_of(L, nodes);
    if (ix != NULL) {
        filter_ids ids;
        uint8_t *code_cache = NULL;

        if (ix->bad)
            return luaL_error(L, "gl.findings: input.findings[%I] is not a table", (lua_Integer)ix->bad);
        j->instructions += ix->n; /* C work the count hook does not see */
        lookup_ids(ix, &filter, &ids);
        if (ids.none)
            return 1;
        if (filter.code_match.source) {
            code_cache = lua_newuserdatauv(L, (size_t)ix->n_strings + 1, 0);
            memset(code_cache, 0, (size_t)ix->n_strings + 1);
            lua_insert(L, out); /* below the result, which stays on top */
            out++;
        }
        for (size_t i = 0; i < ix->n && (filter.limit == 0 || kept < filter.limit); i++) {
            if (row_selected(L, ix, &ix->rows[i], &filter, &ids, code_cache)) {
                gl_judge__push_value(L, ix->rows[i].node);
                lua_rawseti(L, out, ++kept);
            }
        }
        return 1;
    }
    n = luaL_len(L, list);
    for (lua_Integer i = 1; i <= n && (filter.limit == 0 || kept < filter.limit); i++) {
        j->instructions += 10; /* C work the count hook does not see */
        if (lua_geti(L, list, i) != LUA_TTABLE)
            return luaL_error(L, "gl.findings: input.findings[%I] is not a table", i);
        if (table_selected(L, lua_gettop(L), &filter))
            lua_rawseti(L, out, ++kept);
        else
            lua_pop(L, 1);
    }
    lua_settop(L, out);
    return 1;
}
