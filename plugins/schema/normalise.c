/*
 * normalise.c — what differs between server versions but not in meaning, and
 * the small type and privilege algebra the diff needs.
 *
 * Most version noise is avoided at the source (catalog.c): definitions come
 * from the server's deparsers, collations and storage are kept only when they
 * differ from the type's default, partition children are left out. What the
 * deparsers still print differently (PostgreSQL 16+ leaves out the qualifier
 * of column references in single-relation views) is normalised on the parse
 * tree, never on the text: libpg_query tells a literal from an identifier,
 * so 'orders.id' inside a string and every blank of a function body still
 * count, and layout between tokens does not.
 */
#include "schema.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <pg_query.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* ------------------------------------------------------------------ parse keys */

#define KEY_MAX_STRIP 8

typedef struct key_state {
    const char *strip[KEY_MAX_STRIP];   /* qualifiers dropped from column references */
    int n_strip;
    int range_vars;                     /* RangeVar nodes in the tree */
    const char *alias;                  /* alias of the qualifier's relation, if any */
} key_state;

/* The name a {"String": {"sval": "x"}} node holds ("str" before libpg_query 15). */
static const char *string_node(const yajl_val v)
{
    yajl_val inner;

    if (!YAJL_IS_OBJECT(v) || v->u.object.len != 1 || strcmp(v->u.object.keys[0], "String") != 0)
        return NULL;
    inner = v->u.object.values[0];
    if (!YAJL_IS_OBJECT(inner) || inner->u.object.len != 1 || !YAJL_IS_STRING(inner->u.object.values[0]))
        return NULL;
    return YAJL_GET_STRING(inner->u.object.values[0]);
}

/* Counts RangeVars and finds the alias of the one named `qualifier`. */
static void key_scan(const yajl_val v, const char *qualifier, key_state *ks)
{
    if (YAJL_IS_ARRAY(v)) {
        for (size_t i = 0; i < v->u.array.len; i++)
            key_scan(v->u.array.values[i], qualifier, ks);
        return;
    }
    if (!YAJL_IS_OBJECT(v))
        return;
    for (size_t i = 0; i < v->u.object.len; i++) {
        yajl_val child = v->u.object.values[i];

        if (strcmp(v->u.object.keys[i], "RangeVar") == 0 && YAJL_IS_OBJECT(child)) {
            const char *rel_path[] = { "relname", NULL }, *alias_path[] = { "alias", "aliasname", NULL };
            yajl_val rel = yajl_tree_get(child, rel_path, yajl_t_string);
            yajl_val alias = yajl_tree_get(child, alias_path, yajl_t_string);

            const char *relname = rel != NULL ? YAJL_GET_STRING(rel) : NULL;

            ks->range_vars++;
            if (relname != NULL && alias != NULL && strcmp(relname, qualifier) == 0)
                ks->alias = YAJL_GET_STRING(alias);
        }
        key_scan(child, qualifier, ks);
    }
}

static int stripped(const key_state *ks, const char *name)
{
    for (int i = 0; name != NULL && i < ks->n_strip; i++)
        if (strcmp(ks->strip[i], name) == 0)
            return 1;
    return 0;
}

/* Writes `v` without token locations; `column_ref` is set for the object under
 * a "ColumnRef" key, whose "fields" lose a stripped qualifier. */
static int key_gen(yajl_gen g, const yajl_val v, const key_state *ks, int column_ref)
{
    yajl_gen_status s = yajl_gen_status_ok;

    if (YAJL_IS_OBJECT(v)) {
        s = yajl_gen_map_open(g);
        for (size_t i = 0; s == yajl_gen_status_ok && i < v->u.object.len; i++) {
            const char *key = v->u.object.keys[i];
            yajl_val child = v->u.object.values[i];

            if (strcmp(key, "location") == 0 || strcmp(key, "stmt_location") == 0 ||
                strcmp(key, "stmt_len") == 0)
                continue;
            s = yajl_gen_string(g, (const unsigned char *)key, strlen(key));
            if (s != yajl_gen_status_ok)
                break;
            if (column_ref && strcmp(key, "fields") == 0 && YAJL_IS_ARRAY(child) &&
                child->u.array.len >= 2 && stripped(ks, string_node(child->u.array.values[0]))) {
                s = yajl_gen_array_open(g);
                for (size_t j = 1; s == yajl_gen_status_ok && j < child->u.array.len; j++)
                    if (key_gen(g, child->u.array.values[j], ks, 0) != 0)
                        return -1;
                if (s == yajl_gen_status_ok)
                    s = yajl_gen_array_close(g);
                continue;
            }
            if (key_gen(g, child, ks, strcmp(key, "ColumnRef") == 0) != 0)
                return -1;
        }
        if (s == yajl_gen_status_ok)
            s = yajl_gen_map_close(g);
    } else if (YAJL_IS_ARRAY(v)) {
        s = yajl_gen_array_open(g);
        for (size_t i = 0; s == yajl_gen_status_ok && i < v->u.array.len; i++)
            if (key_gen(g, v->u.array.values[i], ks, 0) != 0)
                return -1;
        if (s == yajl_gen_status_ok)
            s = yajl_gen_array_close(g);
    } else if (YAJL_IS_STRING(v)) {
        const char *str = YAJL_GET_STRING(v);

        s = yajl_gen_string(g, (const unsigned char *)str, strlen(str));
    } else if (YAJL_IS_NUMBER(v)) {
        /* Numbers are written as the parser printed them: no float round trip. */
        s = yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
    } else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
        s = yajl_gen_bool(g, YAJL_IS_TRUE(v));
    } else {
        s = yajl_gen_null(g);
    }
    return s == yajl_gen_status_ok ? 0 : -1;
}

int schema_definition_key(const char *definition, const char *qualifier, char *out)
{
    static const char hex[] = "0123456789abcdef";
    PgQueryParseResult parsed = pg_query_parse(definition);
    yajl_val tree = NULL;
    yajl_gen g = NULL;
    key_state ks = { { NULL }, 0, 0, NULL };
    const unsigned char *json;
    size_t json_len;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    int rc = -1;

    if (parsed.error != NULL || parsed.parse_tree == NULL)
        goto out;
    tree = yajl_tree_parse(parsed.parse_tree, NULL, 0);
    g = yajl_gen_alloc(NULL);
    if (tree == NULL || g == NULL)
        goto out;
    if (qualifier != NULL && qualifier[0] != '\0') {
        key_scan(tree, qualifier, &ks);
        ks.strip[ks.n_strip++] = qualifier;
        /* An alias is dropped only when the view reads nothing else: with two
         * range entries (a self-join) the alias tells them apart. */
        if (ks.alias != NULL && ks.range_vars == 1)
            ks.strip[ks.n_strip++] = ks.alias;
    }
    if (key_gen(g, tree, &ks, 0) != 0 || yajl_gen_get_buf(g, &json, &json_len) != yajl_gen_status_ok)
        goto out;
    if (EVP_Digest(json, json_len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len * 2 != SCHEMA_KEY_LEN)
        goto out;
    for (unsigned int i = 0; i < md_len; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    rc = 0;
out:
    if (g != NULL)
        yajl_gen_free(g);
    yajl_tree_free(tree);
    pg_query_free_parse_result(parsed);
    return rc;
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
