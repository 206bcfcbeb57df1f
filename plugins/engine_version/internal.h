/*
 * engine_version internals shared by its files: finding and value helpers,
 * the embedded data file, and each area's collect/compare pair.
 *
 *   engine_version.c  descriptor, collect, compare order, server version step,
 *                     the data file
 *   extensions.c      extensions: missing, other versions, update paths,
 *                     the ones that need a human at switchover
 *   parameters.c      parameters set on blue that green removed or renamed,
 *                     built-in defaults that changed
 *   upgrade.c         what pg_upgrade --check refuses: data types in user
 *                     columns (through domains, arrays, composites, ranges),
 *                     postfix operators, old polymorphic signatures,
 *                     encoding conversions, tables WITH OIDS
 *   storage.c         build settings that must match, collation versions
 *                     of indexed collations, tables without statistics
 *
 * Every function returns 0 or -1 after host->set_error(); values passed to
 * gl_plugin_emit become the host's, on failure too.
 */
#ifndef GL_ENGINE_VERSION_INTERNAL_H
#define GL_ENGINE_VERSION_INTERNAL_H

#include <greenlight/plugin.h>
#include <greenlight/plugin_util.h>
#include <stddef.h>

#include "version.h"

/* share/engine_version/upgrade_data.txt, embedded by CMakeLists.txt (NUL-terminated). */
extern const unsigned char engine_version_embedded_data[];
extern const size_t engine_version_embedded_data_len;

/* Texts (messages, fixes listing many objects) stop growing here, marked "...". */
#define ENGINE_VERSION_TEXT_MAX (32 * 1024)

typedef struct engine_version_text {
    char *s;
    size_t len;
    size_t cap;
    int truncated;   /* an append was dropped: the text ends with "..." */
    int failed;      /* out of memory */
} engine_version_text;

void engine_version_text_add(engine_version_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *engine_version_text_str(const engine_version_text *t);   /* "" when empty */
void engine_version_text_free(engine_version_text *t);

/* Frees a, b, c (each may be NULL) and sets the out-of-memory error. */
int engine_version_nomem(gl_ctx *ctx, const gl_host *host, gl_value *a, gl_value *b, gl_value *c);
/* obj[key] as a string, NULL when absent, null or not a string. */
const char *engine_version_get(const gl_host *host, const gl_value *obj, const char *key);
/* details[key] = s (string or null). Returns 0 or -1 (out of memory). */
int engine_version_set_str(const gl_host *host, gl_value *details, const char *key, const char *s);
/* Runs sql with query_rows and stores the rows in facts[key]. */
int engine_version_collect_rows(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql,
                        gl_value *facts, const char *key);
int engine_version_read_version(gl_ctx *ctx, const gl_host *host, const gl_value *facts,
                        const char *side, engine_version_version *v);
/* 1 when rows (an array of objects) has an entry whose `key` equals value. */
int engine_version_rows_have(const gl_host *host, const gl_value *rows, const char *key,
                     const char *value);

/* extensions.c */
int engine_version_compare_extensions(gl_ctx *ctx, const gl_host *host, const engine_version_data *data,
                                      const gl_value *blue, const gl_value *green);

/* parameters.c */
int engine_version_compare_parameters(gl_ctx *ctx, const gl_host *host, const engine_version_data *data,
                                      const gl_value *blue, const gl_value *green);
int engine_version_compare_defaults(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
                                    const gl_value *green);

/* upgrade.c */
/* collect.c: one side's facts (alone: every fact), or both at once. */
int engine_version_collect(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out_facts);
int engine_version_collect_pair(gl_ctx *ctx, const gl_host *host, gl_value **out_blue,
                                gl_value **out_green);
int engine_version_collect_upgrade(gl_ctx *ctx, const gl_host *host, gl_side side, int version_num,
                           gl_value *facts);
int engine_version_compare_upgrade(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
                           const gl_value *green);

/* storage.c */
int engine_version_collect_storage(gl_ctx *ctx, const gl_host *host, gl_side side, int version_num,
                           gl_value *facts);
int engine_version_compare_storage(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
                           const gl_value *green);

#endif
