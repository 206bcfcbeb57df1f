/*
 * value — the one JSON-shaped value tree used for facts, findings, policy
 * input, decisions and reports. Owns: gl_value nodes. Objects keep insertion
 * order (deterministic output) and index keys by hash once they grow, so
 * lookups stay O(1) on catalogs with 10,000s of entries.
 *
 * Failure: constructors return NULL only when out of memory; mutators return
 * 0 or -1 and always take ownership of the value handed in (freed on failure).
 */
#ifndef GL_VALUE_H
#define GL_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "greenlight/plugin.h" /* gl_value, gl_value_kind */
#include "util/error.h"

gl_value *gl_value_null(void);
gl_value *gl_value_bool(int b);
gl_value *gl_value_int(int64_t i);
gl_value *gl_value_number(double d);
gl_value *gl_value_string(const char *s);          /* NULL gives a null value */
gl_value *gl_value_string_len(const char *s, size_t len);
gl_value *gl_value_stringf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
gl_value *gl_value_array(void);
gl_value *gl_value_object(void);
void gl_value_free(gl_value *v);
gl_value *gl_value_copy(const gl_value *v);

int gl_value_array_push(gl_value *array, gl_value *item);
/* Sets or replaces key. */
int gl_value_object_set(gl_value *object, const char *key, gl_value *val);
/* Same, with a key of known length (need not be NUL-terminated); a key that
 * contains a NUL byte is refused (-1, val freed). */
int gl_value_object_set_len(gl_value *object, const char *key, size_t key_len, gl_value *val);
/* Removes key if present; returns 1 if removed. */
int gl_value_object_remove(gl_value *object, const char *key);
/* Detach and return item i of an array (caller owns), shifting the rest. */
gl_value *gl_value_array_take(gl_value *array, size_t i);
/* Moves every item of src to the end of array, in order (src is left empty):
 * 0, or -1 out of memory with both arrays as they were. */
int gl_value_array_move_all(gl_value *array, gl_value *src);

gl_value_kind gl_value_kind_of(const gl_value *v);
int gl_value_get_bool(const gl_value *v);
int64_t gl_value_get_int(const gl_value *v);       /* numbers truncate */
double gl_value_get_number(const gl_value *v);     /* ints widen */
const char *gl_value_get_string(const gl_value *v);
size_t gl_value_string_length(const gl_value *v);
size_t gl_value_len(const gl_value *v);
const gl_value *gl_value_array_at(const gl_value *array, size_t i);
gl_value *gl_value_array_at_mut(gl_value *array, size_t i);
const gl_value *gl_value_object_get(const gl_value *object, const char *key);
gl_value *gl_value_object_get_mut(gl_value *object, const char *key);
const char *gl_value_object_key_at(const gl_value *object, size_t i);
const gl_value *gl_value_object_value_at(const gl_value *object, size_t i);
/* Convenience: string member of an object, or NULL. */
const char *gl_value_object_string(const gl_value *object, const char *key);

int gl_value_equal(const gl_value *a, const gl_value *b);

/* For failure-injection tests: every allocation the tree makes goes through
 * these three (NULL restores malloc/realloc/free). They must be wrappers of
 * malloc/realloc/free (values made before a switch are freed after it);
 * switch from one thread while no other thread builds values. */
typedef struct gl_value_allocator {
    void *(*malloc_fn)(size_t size);
    void *(*realloc_fn)(void *ptr, size_t size);
    void (*free_fn)(void *ptr);
} gl_value_allocator;
void gl_value_set_allocator(const gl_value_allocator *allocator);
/* Stable sort of an array with a comparator over items (merge sort,
 * O(n log n)). 0, or -1 when out of memory for the merge buffer: the array
 * is then left as it was. */
int gl_value_array_sort(gl_value *array, int (*cmp)(const gl_value *a, const gl_value *b));

/*
 * JSON. gl_json_parse reads exactly one JSON document (RFC 8259; duplicate
 * object keys: last wins; depth limited to GL_JSON_MAX_DEPTH). On error returns
 * -1 with "line L, column C: what is wrong" in err (class usage; no memory
 * when that is what went wrong).
 */
#define GL_JSON_MAX_DEPTH 256
int gl_json_parse(const char *text, size_t len, gl_value **out, gl_error *err);
/* Reads a whole file (limit GL_JSON_MAX_FILE bytes); errors name the path
 * and keep gl_file_read's class (usage, too large, no memory). */
#define GL_JSON_MAX_FILE (512u * 1024u * 1024u)
int gl_json_parse_file(const char *path, gl_value **out, gl_error *err);
/* Same under a smaller limit of the caller's (0: GL_JSON_MAX_FILE); a larger
 * file fails with "PATH: too large (N bytes; the limit is L)". */
int gl_json_parse_file_limit(const char *path, size_t max_bytes, gl_value **out, gl_error *err);

/* Serialise. pretty: 2-space indent and a final newline. Object keys in
 * insertion order; NaN/Inf are written as null; integral doubles keep a ".0"
 * so they read back as numbers. Returns a malloc'd NUL-terminated string
 * (caller frees) or NULL: out of memory, output over GL_JSON_MAX_FILE, or a
 * string that is not valid UTF-8. write_file replaces path atomically
 * (gl_file_write_atomic); errors "cannot write PATH: why". */
char *gl_json_write(const gl_value *v, int pretty, size_t *out_len);
int gl_json_write_file(const gl_value *v, int pretty, const char *path, gl_error *err);

#endif
