/*
 * normalise.c — what differs between server versions but not in meaning, and
 * the small type and privilege algebra the diff needs.
 *
 * Most version noise is avoided at the source (catalog.c): definitions come
 * from the server's deparsers, collations and storage are kept only when they
 * differ from the type's default, partition children
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

/*
 * Privileges are compared one by one, not aclitem by aclitem: GRANT INSERT
 * turns "=r/postgres" into "=ar/postgres", which is one privilege granted,
 * not "=r" revoked and "=ar" granted. An item is "grantee=privs/grantor";
 * names are double-quoted when they hold special characters (',' '=' '/').
 */
typedef struct acl_item {
    const char *grantee;
    size_t grantee_len;
    const char *privs;      /* letters, each maybe followed by '*' (grant option) */
    size_t privs_len;
} acl_item;

/* Length of a run up to an unquoted `stop` (or the end). */
static size_t acl_span(const char *s, size_t len, char stop)
{
    int quoted = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (s[i] == stop && !quoted)
            return i;
    }
    return len;
}

/* Parses the item at `s` (of the list's remaining `len` bytes); returns the
 * bytes consumed including the trailing ','. */
static size_t acl_next(const char *s, size_t len, acl_item *out)
{
    size_t item_len = acl_span(s, len, ',');
    size_t eq = acl_span(s, item_len, '=');
    size_t slash;

    out->grantee = s;
    out->grantee_len = eq;
    out->privs = eq < item_len ? s + eq + 1 : s + item_len;
    slash = acl_span(out->privs, (size_t)(s + item_len - out->privs), '/');
    out->privs_len = slash;
    return item_len < len ? item_len + 1 : item_len;
}

/* 1 when an aclitem grantee (as the server prints it: double-quoted, with
 * '"' doubled, when the name holds anything but letters, digits and '_')
 * names the role `name` (as pg_get_userbyid prints it: unquoted). */
int schema_acl_name_is(const char *grantee, size_t glen, const char *name, size_t nlen)
{
    size_t i = 1, j = 0;

    if (nlen == 0)
        return 0;
    if (glen == nlen && memcmp(grantee, name, nlen) == 0)
        return 1;
    if (glen < 2 || grantee[0] != '"' || grantee[glen - 1] != '"')
        return 0;
    while (i < glen - 1 && j < nlen) {
        if (grantee[i] == '"') {
            if (i + 1 >= glen - 1 || grantee[i + 1] != '"')
                return 0;
            i++;
        }
        if (grantee[i] != name[j])
            return 0;
        i++;
        j++;
    }
    return i == glen - 1 && j == nlen;
}

static int same_grantee(const acl_item *x, const char *x_owner, size_t x_owner_len,
                        const acl_item *y, const char *y_owner, size_t y_owner_len)
{
    int x_is_owner = schema_acl_name_is(x->grantee, x->grantee_len, x_owner, x_owner_len);
    int y_is_owner = schema_acl_name_is(y->grantee, y->grantee_len, y_owner, y_owner_len);

    /* The owner's own privileges follow the owner: compared as "the owner's"
     * so an ownership change (its own finding) does not read as a revoke. */
    if (x_is_owner || y_is_owner)
        return x_is_owner && y_is_owner;
    return x->grantee_len == y->grantee_len && memcmp(x->grantee, y->grantee, x->grantee_len) == 0;
}

/* 1 when `privs` holds privilege `c` (with the grant option when `option`). */
static int has_priv(const char *privs, size_t len, char c, int option)
{
    for (size_t i = 0; i < len; i++)
        if (privs[i] == c)
            return !option || (i + 1 < len && privs[i + 1] == '*');
    return 0;
}

gl_value *schema_acl_missing(const gl_host *host, const char *a, size_t a_len, const char *a_owner,
                             size_t a_owner_len, const char *b, size_t b_len, const char *b_owner,
                             size_t b_owner_len, const char *ignore)
{
    gl_value *missing = host->value_array();
    size_t i = 0;

    if (missing == NULL)
        return NULL;
    while (i < a_len) {
        acl_item x;
        char lost[128];
        size_t n_lost = 0;

        i += acl_next(a + i, a_len - i, &x);
        if (x.grantee_len + x.privs_len == 0)
            continue;
        for (size_t p = 0; p < x.privs_len; p++) {
            char c = x.privs[p];
            int option = p + 1 < x.privs_len && x.privs[p + 1] == '*';
            int found = 0;

            if (c == '*' || (ignore != NULL && strchr(ignore, c) != NULL))
                continue;
            for (size_t j = 0; j < b_len && !found;) {
                acl_item y;

                j += acl_next(b + j, b_len - j, &y);
                found = same_grantee(&x, a_owner, a_owner_len, &y, b_owner, b_owner_len) &&
                        has_priv(y.privs, y.privs_len, c, option);
            }
            if (!found && n_lost + 2 < sizeof(lost)) {
                lost[n_lost++] = c;
                if (option)
                    lost[n_lost++] = '*';
            }
        }
        if (n_lost > 0) {
            char *text = malloc(x.grantee_len + 1 + n_lost + 1);   /* "grantee=privs" */
            gl_value *item;

            if (text == NULL) {
                host->value_free(missing);
                return NULL;
            }
            memcpy(text, x.grantee, x.grantee_len);
            text[x.grantee_len] = '=';
            memcpy(text + x.grantee_len + 1, lost, n_lost);
            text[x.grantee_len + 1 + n_lost] = '\0';
            item = host->value_string(text);
            free(text);
            if (host->array_push(missing, item) != 0) {
                host->value_free(missing);
                return NULL;
            }
        }
    }
    return missing;
}
