/*
 * normalise.c — what differs between server versions but not in meaning, and
 * the small type and privilege algebra the diff needs.
 *
 * Most version noise is avoided at the source (catalog.c): definitions come
 * from the server's deparsers, collations and storage are kept only when they
 * differ from the type's default, acl lists are sorted, partition children
 * are left out. Measured on Pagila loaded into PostgreSQL 15 and 17, the
 * deparsed text is then identical; what remains here is whitespace at line
 * ends (pg_get_functiondef keeps the body as written, so a dump/restore
 * through a different client may change "\r\n" or trailing blanks).
 */
#include "schema.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

size_t schema_normalise_definition(char *text, size_t len)
{
    size_t out = 0;

    for (size_t i = 0; i < len; i++) {
        char c = text[i];

        if (c == '\r' && i + 1 < len && text[i + 1] == '\n')
            continue;
        if (c == '\n') {
            while (out > 0 && (text[out - 1] == ' ' || text[out - 1] == '\t'))
                out--;
        }
        text[out++] = c;
    }
    while (out > 0 && (text[out - 1] == ' ' || text[out - 1] == '\t' || text[out - 1] == '\n'))
        out--;
    return out;
}

/* ------------------------------------------------------------------ types */

typedef struct parsed_type {
    char base[64];
    int nmods;
    long mods[2];
    int array;
} parsed_type;

/* format_type output: "character varying(20)", "numeric(10,2)", "integer[]",
 * "timestamp(3) with time zone". The modifier list is cut out of the name. */
static void parse_type(const char *s, size_t len, parsed_type *out)
{
    size_t o = 0;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '(') {
            char *end;
            const char *p = s + i + 1;

            while (out->nmods < 2) {
                out->mods[out->nmods++] = strtol(p, &end, 10);
                if (*end != ',')
                    break;
                p = end + 1;
            }
            while (i < len && s[i] != ')')
                i++;
            continue;
        }
        if (s[i] == '[') {
            out->array = 1;
            break;
        }
        if (o + 1 < sizeof(out->base))
            out->base[o++] = s[i];
    }
    while (o > 0 && out->base[o - 1] == ' ')
        o--;
    out->base[o] = '\0';
}

static int rank_in(const char *base, const char *const *chain)
{
    for (int i = 0; chain[i] != NULL; i++)
        if (strcmp(base, chain[i]) == 0)
            return i;
    return -1;
}

int schema_type_is_widening(const char *from, size_t from_len, const char *to, size_t to_len)
{
    static const char *const ints[] = { "smallint", "integer", "bigint", "numeric", NULL };
    static const char *const floats[] = { "real", "double precision", NULL };
    static const char *const texts[] = { "character", "character varying", "text", NULL };
    parsed_type a, b;
    int ra, rb;

    parse_type(from, from_len, &a);
    parse_type(to, to_len, &b);
    if (a.array != b.array)
        return 0;
    if (strcmp(a.base, b.base) == 0) {
        if (b.nmods == 0)
            return 1;   /* varchar(n) -> varchar, numeric(p,s) -> numeric */
        if (a.nmods == 0)
            return 0;
        if (strcmp(a.base, "numeric") == 0) {
            long a_scale = a.nmods > 1 ? a.mods[1] : 0, b_scale = b.nmods > 1 ? b.mods[1] : 0;

            return b_scale >= a_scale && b.mods[0] - b_scale >= a.mods[0] - a_scale;
        }
        return b.mods[0] >= a.mods[0];
    }
    ra = rank_in(a.base, ints);
    rb = rank_in(b.base, ints);
    if (ra >= 0 && rb >= 0)
        return rb > ra && (rb < 3 || b.nmods == 0 || b.mods[0] - (b.nmods > 1 ? b.mods[1] : 0) >= 19);
    ra = rank_in(a.base, floats);
    rb = rank_in(b.base, floats);
    if (ra >= 0 && rb >= 0)
        return rb > ra;
    ra = rank_in(a.base, texts);
    rb = rank_in(b.base, texts);
    if (ra >= 0 && rb >= 0)
        return rb == 2 || (rb > ra && (b.nmods == 0 || (a.nmods > 0 && b.mods[0] >= a.mods[0])));
    return 0;
}

/* ------------------------------------------------------------------ privileges */

/* One aclitem "grantee=privs/grantor" without its grantor. */
static size_t acl_item_len(const char *item, size_t len)
{
    const char *slash = memchr(item, '/', len);

    return slash != NULL ? (size_t)(slash - item) : len;
}

static int acl_contains(const char *list, size_t list_len, const char *item, size_t item_len)
{
    size_t i = 0;

    while (i < list_len) {
        const char *comma = memchr(list + i, ',', list_len - i);
        size_t len = comma != NULL ? (size_t)(comma - (list + i)) : list_len - i;
        size_t core = acl_item_len(list + i, len);

        if (core == item_len && memcmp(list + i, item, item_len) == 0)
            return 1;
        i += len + 1;
    }
    return 0;
}

gl_value *schema_acl_missing(const gl_host *host, const char *a, size_t a_len, const char *b,
                             size_t b_len)
{
    gl_value *missing = host->value_array();
    size_t i = 0;

    if (missing == NULL)
        return NULL;
    while (i < a_len) {
        const char *comma = memchr(a + i, ',', a_len - i);
        size_t len = comma != NULL ? (size_t)(comma - (a + i)) : a_len - i;
        size_t core = acl_item_len(a + i, len);

        if (core > 0 && !acl_contains(b, b_len, a + i, core) &&
            host->array_push(missing, host->value_string_len(a + i, core)) != 0) {
            host->value_free(missing);
            return NULL;
        }
        i += len + 1;
    }
    return missing;
}
