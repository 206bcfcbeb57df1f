/*
 * schema — internal interface of the schema check plugin.
 *
 * Facts of one side (self-contained: compare runs offline from snapshots):
 *
 *   { "format": 1, "server_version_num": N, "large_objects": N,
 *     "<kind key>": { "<identity>": "<record>", ... }, ... }
 *
 * One flat object per object kind (schema_kinds[] in kinds.c), keyed by the
 * object's qualified name (public.film, public.film.title, public.film.film_pkey,
 * public.film_in_stock(integer, integer)). A record is the object's fields joined
 * by SCHEMA_SEP (0x1f, the ASCII unit separator, which no identifier or
 * definition contains): one string per object instead of one value node per
 * field keeps 10,000 tables x 10 columns at ~20 MiB per side. A NULL catalog
 * value is stored as "" (for every field we keep, NULL and "" mean the same).
 *
 * Files: kinds.c (kinds and their queries), catalog.c (running them,
 * records), normalise.c (version noise, type widening, acl sets), diff.c
 * (identity diff), diff_fields.c (field by field, severities), replication.c (readiness on blue), filter.c
 * (include/exclude patterns), schema.c (entry).
 */
#ifndef GL_SCHEMA_H
#define GL_SCHEMA_H

#include <greenlight/plugin.h>
#include <stddef.h>

#define SCHEMA_SEP '\037'
#define SCHEMA_FACTS_FORMAT 5
#define SCHEMA_MAX_FIELDS 24

/* How a field is compared and which code a difference gets. */
typedef enum schema_field_role {
    SCHEMA_FIELD_PLAIN = 0,   /* string equality; code "schema.<kind>.<code>" */
    SCHEMA_FIELD_HIDDEN,      /* kept for other checks (parent, last_value); not diffed */
    SCHEMA_FIELD_OWNER,       /* schema.privilege.owner_changed */
    SCHEMA_FIELD_ACL,         /* aclitem set: schema.privilege.revoked / granted */
    SCHEMA_FIELD_COMMENT,     /* schema.comment.changed */
    SCHEMA_FIELD_ENUM_LABELS  /* schema.type.enum.label_added / label_removed / order_changed */
} schema_field_role;

typedef struct schema_field {
    const char *name;          /* name in findings ("type", "default") */
    schema_field_role role;
    const char *code;          /* PLAIN: last code part ("type_changed") */
    gl_severity severity;      /* PLAIN: default severity of a change */
} schema_field;

typedef struct schema_kind {
    const char *key;           /* facts member ("tables") */
    const char *stem;          /* code stem ("table" -> schema.table.dropped) */
    const char *noun;          /* for messages ("table") */
    const char *sql;           /* one query returning every object of the kind */
    int n_ident;               /* leading columns joined by '.' into the identity */
    int has_schema;            /* the first identity column is a schema name */
    int parent_field;          /* field holding the parent's identity, or -1 */
    const char *parent_key;    /* facts member of the parent kind */
    const char *parent_key2;   /* a second possible parent kind, or NULL */
    gl_severity dropped;       /* default severities (diff.c may raise them) */
    gl_severity added;
    const schema_field *fields;
    int n_fields;
    const char *sql_before_15; /* the query for servers 13 and 14, or NULL: sql */
    int schema_field;          /* field naming the schema the object lives in when its
                                * identity has none (an extension's), or -1 */
} schema_kind;

/* kinds.c */
extern const schema_kind schema_kinds[];
extern const size_t schema_kinds_count;
const schema_kind *schema_kind_find(const char *key);

/* One record split into fields; pointers into the record, not NUL-terminated. */
typedef struct schema_record {
    int n;
    const char *at[SCHEMA_MAX_FIELDS];
    size_t len[SCHEMA_MAX_FIELDS];
} schema_record;

/* Splits `rec` into at most SCHEMA_MAX_FIELDS fields; missing fields read as "". */
void schema_record_split(const char *rec, schema_record *out);
/* 1 when field i of both records is byte-equal. */
int schema_record_field_equal(const schema_record *a, const schema_record *b, int i);
/* Field i as a new string value (host-owned), "" when absent. */
gl_value *schema_record_field_value(const gl_host *host, const schema_record *r, int i);
/* The record as a small object {field name: value} for a finding (skips hidden
 * fields), or NULL when out of memory. */
gl_value *schema_record_object(const gl_host *host, const schema_kind *kind, const schema_record *r);
/* Field i compared to a C string. */
int schema_record_field_is(const schema_record *r, int i, const char *s);

/* filter.c — config keys include_schemas, exclude_schemas, exclude_objects. */
typedef struct schema_filter {
    char **include_schemas;
    size_t n_include;
    char **exclude_schemas;
    size_t n_exclude;
    char **exclude_objects;
    size_t n_objects;
} schema_filter;

int schema_filter_load(gl_ctx *ctx, const gl_host *host, schema_filter *out);
void schema_filter_free(schema_filter *f);
/* The schema an object of `kind` is filtered by: the identity's first part,
 * the kind's schema field, or NULL (kinds without one); `buf` holds it. */
const char *schema_kind_schema_of(const schema_kind *kind, const char *identity,
                                  const schema_record *r, char *buf, size_t cap);
/* 1 when the object is excluded. `schema` may be NULL (kinds without one). */
int schema_filter_excludes(const schema_filter *f, const char *schema, const char *identity,
                           const char *parent);
/* fnmatch(3) glob, no flags: greenlight's one glob dialect (`*`, `?`, `[...]`, `\`). */
int schema_glob_match(const char *pattern, const char *text);

/* catalog.c — runs every kind's query on one side and returns the facts.
 * Safe to run for blue and green from two threads at once: it calls only
 * host->query, set_error and the value builders, and host->progress only
 * when `report` is set (so set it in one thread at most). Per-kind timings go
 * to `timings` for the caller to log from its own thread. */
#define SCHEMA_MAX_KINDS 16

typedef struct schema_timings {
    double ms[SCHEMA_MAX_KINDS];
    size_t count[SCHEMA_MAX_KINDS];
} schema_timings;

int schema_catalog_collect(gl_ctx *ctx, const gl_host *host, gl_side side,
                           const schema_filter *filter, int report, schema_timings *timings,
                           gl_value **out_facts);
void schema_catalog_log_timings(gl_ctx *ctx, const gl_host *host, gl_side side,
                                const schema_timings *timings);

/* normalise.c */
/* Length of a parse key: SHA-256 in hex. */
#define SCHEMA_KEY_LEN 64
/*
 * The parse key of a definition the server printed (a view's SELECT, CREATE
 * FUNCTION, CREATE TRIGGER, CREATE RULE): SHA-256 of libpg_query's parse tree
 * without token locations, so layout outside literals does not count and
 * every byte inside a literal (a string constant, a function body) does.
 * When `qualifier` is not NULL, column references "qualifier.col" count as
 * "col" (and so do those through an alias of that relation): PostgreSQL 16+
 * no longer prints that qualifier in single-relation views. Writes
 * SCHEMA_KEY_LEN hex digits (no NUL) to `out`; returns 0, or -1 when the text
 * does not parse or memory runs out (then there is no key).
 */
int schema_definition_key(const char *definition, const char *qualifier, char *out);
/* Classifies a column type change: 1 = widening (every old value fits),
 * 0 = narrowing or incompatible. Types are format_type() output. */
int schema_type_is_widening(const char *from, size_t from_len, const char *to, size_t to_len);
/* 1 when an aclitem grantee (quoted as the server prints it) names role `name`. */
int schema_acl_name_is(const char *grantee, size_t glen, const char *name, size_t nlen);

/* The privileges of aclitem list `a` that list `b` does not grant, one
 * "grantee=privs" string per grantee with any (host-owned array), or NULL
 * when out of memory. Compared privilege by privilege (with grant option);
 * the grantor is ignored (it depends on who ran the GRANT); each side's
 * owner (`a_owner`, `b_owner`, may be empty) counts as the same grantee, so
 * an ownership change alone loses nothing; privilege letters in `ignore`
 * (may be NULL) are skipped. */
gl_value *schema_acl_missing(const gl_host *host, const char *a, size_t a_len, const char *a_owner,
                             size_t a_owner_len, const char *b, size_t b_len, const char *b_owner,
                             size_t b_owner_len, const char *ignore);

/* diff.c — emits every schema.<kind>.* finding. */
int schema_diff(gl_ctx *ctx, const gl_host *host, const schema_filter *filter,
                const gl_value *blue, const gl_value *green);

/* One compare's state, shared by diff.c and diff_fields.c. */
typedef struct diff_state {
    gl_ctx *ctx;
    const gl_host *host;
    const schema_filter *filter;
    const gl_value *blue, *green;
    int64_t blue_version, green_version;   /* server_version_num of each side */
} diff_state;

/* diff_fields.c — emits the findings of an object on both sides (b, g), field by field. */
int schema_diff_fields(diff_state *st, const schema_kind *kind, const char *ident,
                       const schema_record *b, const schema_record *g);

/* replication.c — emits schema.replication.* findings about blue. */
int schema_replication_check(gl_ctx *ctx, const gl_host *host, const schema_filter *filter,
                             const gl_value *blue, const gl_value *green);

/* Emits one finding; takes ownership of blue/green/details (even on failure). */
int schema_emit(gl_ctx *ctx, const gl_host *host, const char *code, gl_severity severity,
                const char *object, gl_value *blue, gl_value *green, gl_value *details,
                const char *fmt, ...) __attribute__((format(printf, 9, 10)));

#endif
