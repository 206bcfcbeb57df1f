/*
 * engine_version internals shared by its files: finding and value helpers,
 * the embedded data file, and each area's collect/compare pair.
 *
 *   engine_version.c  descriptor, collect/compare order, server version step,
 *                     extensions, parameters (removed/renamed, defaults)
 *   upgrade.c         what pg_upgrade --check refuses: data types in user
 *                     columns (through domains, arrays, composites, ranges),
 *                     postfix operators, old polymorphic signatures,
 *                     encoding conversions, tables WITH OIDS
 *   storage.c         build settings that must match, collation versions
 *                     of indexed collations, tables without statistics
 *
 * Every function returns 0 or -1 after host->set_error(); values passed to
 * gl_ev__emit become the host's, on failure too.
 */
#ifndef GL_ENGINE_VERSION_INTERNAL_H
#define GL_ENGINE_VERSION_INTERNAL_H

#include <greenlight/plugin.h>
#include <stddef.h>

#include "version.h"

/* share/engine_version/upgrade_data.txt, embedded by CMakeLists.txt (NUL-terminated). */
extern const unsigned char gl_ev__embedded_data[];
extern const size_t gl_ev__embedded_data_len;

/* Texts (messages, fixes listing many objects) stop growing here, marked "...". */
#define GL_EV_TEXT_MAX (32 * 1024)

typedef struct gl_ev_text {
    char *s;
    size_t len;
    size_t cap;
    int truncated;   /* an append was dropped: the text ends with "..." */
    int failed;      /* out of memory */
} gl_ev_text;

void gl_ev__text_add(gl_ev_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *gl_ev__text_str(const gl_ev_text *t);   /* "" when empty */
void gl_ev__text_free(gl_ev_text *t);

int gl_ev__emit(gl_ctx *ctx, const gl_host *host, const char *code, gl_severity sev,
                const char *object, gl_value *blue, gl_value *green, gl_value *details,
                const char *message);
/* Frees a, b, c (each may be NULL) and sets the out-of-memory error. */
int gl_ev__nomem(gl_ctx *ctx, const gl_host *host, gl_value *a, gl_value *b, gl_value *c);
/* obj[key] as a string, NULL when absent, null or not a string. */
const char *gl_ev__get(const gl_host *host, const gl_value *obj, const char *key);
/* details[key] = s (string or null). Returns 0 or -1 (out of memory). */
int gl_ev__set_str(const gl_host *host, gl_value *details, const char *key, const char *s);
/* Runs sql with query_rows and stores the rows in facts[key]. */
int gl_ev__collect_rows(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql,
                        gl_value *facts, const char *key);
int gl_ev__read_version(gl_ctx *ctx, const gl_host *host, const gl_value *facts,
                        const char *side, gl_ev_version *v);
/* 1 when rows (an array of objects) has an entry whose `key` equals value. */
int gl_ev__rows_have(const gl_host *host, const gl_value *rows, const char *key,
                     const char *value);

/* upgrade.c */
int gl_ev__collect_upgrade(gl_ctx *ctx, const gl_host *host, gl_side side, int version_num,
                           gl_value *facts);
int gl_ev__compare_upgrade(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
                           const gl_value *green);

/* storage.c */
int gl_ev__collect_storage(gl_ctx *ctx, const gl_host *host, gl_side side, int version_num,
                           gl_value *facts);
int gl_ev__compare_storage(gl_ctx *ctx, const gl_host *host, const gl_value *blue,
                           const gl_value *green);

#endif
