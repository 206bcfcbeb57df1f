/*
 * greenlight plugin ABI — the only header a check plugin includes.
 *
 * A plugin is a shared object that exports one symbol:
 *
 *     const gl_plugin *greenlight_plugin(void);
 *
 * returning a static descriptor whose first fields are its size and the ABI
 * major/minor it was built against. The loader refuses a plugin whose major
 * differs from the host's, or whose minor is newer than the host's, and names
 * the field that differs.
 *
 * Plugins link nothing of the engine: every service (queries, logging, value
 * trees, findings) comes through the `const gl_host *` table handed to each
 * call. The table only ever grows at the end; `host->size` tells a plugin
 * which members exist.
 *
 * Versions: members are tagged with the ABI version that added them. The
 * host table and the descriptor only ever grow at the end (a minor bump);
 * a plugin tests for a member added after 1.0 with GL_HOST_HAS(host, member),
 * the host does the same for descriptors with GL_PLUGIN_HAS. The loader
 * accepts any descriptor at least as large as 1.0's, and a plugin built
 * against an older minor keeps working: the host reads its structures in
 * that minor's layout (e.g. a 1.0 gl_finding has no size).
 *
 * Memory: values are allocated by the host (host->value_*) and freed by the
 * host. A value handed to the host (object_set, array_push, a finding's
 * blue/green/details, the facts returned by collect) is owned by the host
 * from then on, also when the call fails: the host frees it, the plugin
 * must not touch it again. Values the host hands in (facts, rows, config)
 * are borrowed: valid for the call only. Facts a collect returns with -1
 * are freed by the host.
 *
 * Phases: collect reads a side (host->query*); compare works on the facts
 * alone and must not query — it may run offline from two snapshots — so
 * host->query* fail in compare ("compare must not query"). Findings are
 * emitted in compare only. Findings of a compare that fails are dropped.
 *
 * Threads: a plugin may call host->query / host->query_rows /
 * host->query_simple / host->query_read_only (and host->set_error) for the two
 * different sides from two threads at once (each side has its own
 * connection), e.g. in collect_pair; value builders are thread-safe for
 * distinct values. Everything else is called from one thread.
 *
 * Errors: callbacks return 0 on success or a negative number on failure after
 * calling host->set_error() with one sentence saying what failed and what to
 * do. A failing plugin never makes the decision `switchover`: the run is held.
 */
#ifndef GREENLIGHT_PLUGIN_H
#define GREENLIGHT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GL_PLUGIN_ABI_MAJOR 1
#define GL_PLUGIN_ABI_MINOR 4

/* Opaque host objects. */
typedef struct gl_value gl_value;   /* JSON-shaped value tree node */
typedef struct gl_ctx gl_ctx;       /* one plugin's view of one run */

typedef enum gl_value_kind {
    GL_VALUE_NULL = 0,
    GL_VALUE_BOOL,
    GL_VALUE_INT,
    GL_VALUE_NUMBER,
    GL_VALUE_STRING,
    GL_VALUE_ARRAY,
    GL_VALUE_OBJECT
} gl_value_kind;

typedef enum gl_side {
    GL_SIDE_BLUE = 0,
    GL_SIDE_GREEN = 1
} gl_side;

typedef enum gl_severity {
    GL_SEVERITY_INFO = 0,
    GL_SEVERITY_WARNING,
    GL_SEVERITY_ERROR,
    GL_SEVERITY_CRITICAL
} gl_severity;

typedef enum gl_log_level {
    GL_LOG_DEBUG = 0,
    GL_LOG_INFO,
    GL_LOG_WARNING,
    GL_LOG_ERROR
} gl_log_level;

/*
 * One finding. Strings are copied by the host; `blue`, `green` and `details`
 * (each may be NULL) become the host's, whether emit succeeds or not.
 * Initialise with GL_FINDING_INIT so `size` is set:
 *     gl_finding f = GL_FINDING_INIT;
 */
typedef struct gl_finding {
    size_t size;           /* (ABI 1.1) sizeof(gl_finding) the plugin was built with */
    const char *code;      /* stable dotted id, e.g. "parameters.changed" */
    gl_severity severity;
    const char *object;    /* qualified name of what the finding is about */
    gl_value *blue;        /* value on blue, or NULL */
    gl_value *green;       /* value on green, or NULL */
    const char *message;   /* one sentence for a person */
    gl_value *details;     /* object with anything else, or NULL */
} gl_finding;

#define GL_FINDING_INIT { .size = sizeof(gl_finding) }

/*
 * Called once per result row. `names`, `values` and `is_null` have `ncols`
 * entries; values are PostgreSQL text output, borrowed for the call. Return
 * 0 to go on, or non-zero to stop: the query then returns that number
 * (a positive number for "found what I wanted", a negative one after
 * host->set_error for a failure — the caller treats it as the query's).
 */
typedef int (*gl_row_fn)(void *userdata, int ncols, const char *const *names,
                         const char *const *values, const int *is_null);

typedef struct gl_host {
    size_t size;               /* sizeof(gl_host) of the host that built it */
    uint16_t abi_major;
    uint16_t abi_minor;

    /* Errors and logging. set_error returns -1 so `return host->set_error(...)` works. */
    int (*set_error)(gl_ctx *ctx, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
    void (*log)(gl_ctx *ctx, gl_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

    /*
     * Run one read-only statement on a side. The connection is read-only,
     * under statement_timeout and lock_timeout. Parameters are text, may be
     * NULL. Returns 0, the non-zero value a row callback returned, or -1 with
     * the error set (the server's message, never the password).
     */
    int (*query)(gl_ctx *ctx, gl_side side, const char *sql, int nparams,
                 const char *const *params, gl_row_fn fn, void *userdata);
    /* Like query, but returns the rows as an array of objects of strings/nulls. */
    int (*query_rows)(gl_ctx *ctx, gl_side side, const char *sql, int nparams,
                      const char *const *params, gl_value **out_rows);
    /* server_version_num of a side, or -1 when the side is a snapshot. */
    int (*server_version_num)(gl_ctx *ctx, gl_side side);

    /* This plugin's configuration (object, possibly empty); borrowed. */
    const gl_value *(*config)(gl_ctx *ctx);

    /* Emit a finding; the check name is filled in by the host. */
    int (*emit)(gl_ctx *ctx, const gl_finding *finding);

    /* Value builders: return NULL only when out of memory. */
    gl_value *(*value_null)(void);
    gl_value *(*value_bool)(int b);
    gl_value *(*value_int)(int64_t i);
    gl_value *(*value_number)(double d);
    gl_value *(*value_string)(const char *s);          /* NULL s gives null */
    gl_value *(*value_string_len)(const char *s, size_t len);
    gl_value *(*value_array)(void);
    gl_value *(*value_object)(void);
    /* Take ownership of `item`/`val` (freed on failure too). Return 0 or -1. */
    int (*array_push)(gl_value *array, gl_value *item);
    int (*object_set)(gl_value *object, const char *key, gl_value *val);
    gl_value *(*value_copy)(const gl_value *v);
    void (*value_free)(gl_value *v);

    /* Value readers: NULL-safe; a wrong kind reads as NULL/0/"". */
    gl_value_kind (*value_kind)(const gl_value *v);
    int (*value_get_bool)(const gl_value *v);
    int64_t (*value_get_int)(const gl_value *v);
    double (*value_get_number)(const gl_value *v);
    const char *(*value_get_string)(const gl_value *v);   /* NULL if not a string */
    size_t (*value_len)(const gl_value *v);               /* array items / object keys */
    const gl_value *(*array_at)(const gl_value *array, size_t i);
    const gl_value *(*object_get)(const gl_value *object, const char *key);
    const char *(*object_key_at)(const gl_value *object, size_t i);
    const gl_value *(*object_value_at)(const gl_value *object, size_t i);
    /* 1 when equal as JSON values (objects compare key sets, not order). */
    int (*value_equal)(const gl_value *a, const gl_value *b);

    /* Progress for long checks (from collect's thread, as often as you like):
     * greenlight shows it on stderr, on a terminal as one line redrawn in
     * place, in a log with the periodic "running for N s" lines. */
    void (*progress)(gl_ctx *ctx, size_t done, size_t total, const char *label);

    /* ABI 1.0 ends here. Members below were added later: test them with
     * GL_HOST_HAS(host, member) before use. New members go at the end. */

    /* (ABI 1.1) The message of the last failed host call or set_error in this ctx
     * (e.g. the server's error for a failed query), "" when none. */
    const char *(*last_error)(gl_ctx *ctx);

    /* (ABI 1.1) Like query, but over the simple query protocol (no parameters): for
     * statements whose own text holds $n placeholders, such as
     * EXPLAIN (GENERIC_PLAN) on PostgreSQL 16+. */
    int (*query_simple)(gl_ctx *ctx, gl_side side, const char *sql, gl_row_fn fn,
                        void *userdata);

    /* ABI 1.1 ends here. */

    /* (ABI 1.2) From compare only: this check had nothing to measure here
     * (nothing configured for it, nothing on the servers for it to guard).
     * The run lists it as "skipped" with this reason, never as "ok"; a compare
     * that calls skip must emit no findings and return 0. A check that was
     * configured and still measured nothing must fail instead (set_error):
     * that is not a skip. Returns 0, or -1 outside compare. */
    int (*skip)(gl_ctx *ctx, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

    /* ABI 1.2 ends here. */

    /* (ABI 1.3) From collect only: replace a live side's connection with a
     * fresh one (a new server backend) to the same server, under the same
     * read-only session guard (statement_timeout, lock_timeout, ...). Nothing
     * of the old session carries over (prepared statements, settings the
     * plugin made). For measurements that must not share one backend's state,
     * e.g. two passes of a latency check. The host checks the new connection
     * reaches the same server and database; when it cannot (the server is
     * gone, another server answers), it returns -1 with the error set and the
     * plugin must fail its call: a side that cannot be reopened fails closed.
     * Not while a query on the side is in flight (one thread per side). */
    int (*reconnect)(gl_ctx *ctx, gl_side side);

    /* ABI 1.3 ends here. */

    /* (ABI 1.4) From collect only: query (same sql, parameters, rows, return
     * values and errors) inside its own read-only transaction, in one round
     * trip to the server: BEGIN READ ONLY; SET LOCAL statement_timeout =
     * timeout_ms (when > 0); the statement; ROLLBACK, sent as one libpq
     * pipeline. ROLLBACK always runs, also after the statement failed: on
     * return the session is idle, in no transaction, and nothing the
     * statement set carries over. For timing a statement without paying the
     * round trips of the transaction around it. */
    int (*query_read_only)(gl_ctx *ctx, gl_side side, const char *sql, int nparams,
                           const char *const *params, int timeout_ms, gl_row_fn fn,
                           void *userdata);

    /* ABI 1.4 ends here. New members go below, never above. */
} gl_host;

/* 1 when the host table has `member` (and it is set): use before calling a
 * member added after ABI 1.0. */
#define GL_HOST_HAS(host, member)                                              \
    ((host)->size >= offsetof(gl_host, member) + sizeof((host)->member) &&     \
     (host)->member != NULL)

typedef struct gl_plugin {
    size_t size;               /* sizeof(gl_plugin) the plugin was built with */
    uint16_t abi_major;        /* GL_PLUGIN_ABI_MAJOR */
    uint16_t abi_minor;        /* GL_PLUGIN_ABI_MINOR */
    const char *name;          /* [a-z0-9_]+, unique */
    const char *version;       /* the plugin's own version */
    const char *description;   /* one line */

    /* Read one side; return its facts (any value tree) through *out_facts. */
    int (*collect)(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out_facts);

    /* Compare both sides' facts and emit findings through host->emit. */
    int (*compare)(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
                   const gl_value *green);

    /*
     * Optional (NULL when unused). Collects both live sides in one call, for
     * checks that must interleave work across sides (latency: blue, green,
     * blue, green... so machine noise hits both alike). Called instead of
     * collect when both sides are live; when a side is a snapshot its facts
     * come from the file and collect runs on the live side alone.
     */
    int (*collect_pair)(gl_ctx *ctx, const gl_host *host, gl_value **out_blue,
                        gl_value **out_green);

    /* ABI 1.0 ends here (1.1 added nothing to the descriptor). New members
     * go below; the host tests them with GL_PLUGIN_HAS. */
} gl_plugin;

/* 1 when the descriptor has `member` (and it is set). */
#define GL_PLUGIN_HAS(plugin, member)                                          \
    ((plugin)->size >= offsetof(gl_plugin, member) + sizeof((plugin)->member) && \
     (plugin)->member != NULL)

#define GL_PLUGIN_ENTRY "greenlight_plugin"

/* Mark the entry point exported even when built with -fvisibility=hidden. */
#define GL_PLUGIN_EXPORT __attribute__((visibility("default")))

typedef const gl_plugin *(*gl_plugin_entry_fn)(void);

/*
 * Writes the descriptor and the exported entry point (as PostgreSQL's
 * PG_MODULE_MAGIC does); size and ABI version are filled in:
 *
 *     GL_PLUGIN_DEFINE(.name = "parameters", .version = "1.2.0",
 *                      .description = "server settings",
 *                      .collect = collect, .compare = compare)
 */
#define GL_PLUGIN_DEFINE(...)                                                  \
    static const gl_plugin gl_plugin_descriptor_ = {                           \
        .size = sizeof(gl_plugin), .abi_major = GL_PLUGIN_ABI_MAJOR,           \
        .abi_minor = GL_PLUGIN_ABI_MINOR, __VA_ARGS__};                        \
    GL_PLUGIN_EXPORT const gl_plugin *greenlight_plugin(void);                 \
    GL_PLUGIN_EXPORT const gl_plugin *greenlight_plugin(void)                  \
    {                                                                          \
        return &gl_plugin_descriptor_;                                         \
    }

/* Kept for plugins written before GL_PLUGIN_DEFINE. */
#define GL_PLUGIN_INIT(name_, version_, description_, collect_, compare_)      \
    { sizeof(gl_plugin), GL_PLUGIN_ABI_MAJOR, GL_PLUGIN_ABI_MINOR, (name_),     \
      (version_), (description_), (collect_), (compare_), NULL }

#ifdef __cplusplus
}
#endif
#endif
