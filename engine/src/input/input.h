/*
 * input — every JSON file a user hands greenlight, read and validated
 * strictly before anything runs: the change (--change), the configuration
 * (--config), waivers (--waivers), snapshots (--blue/--green FILE) and a
 * saved policy input (policy eval --input). Unknown members and wrong kinds
 * are refused (GL_ERR_USAGE) naming the file, the JSON path and the fix.
 * Each format's JSON Schema is share/schema/<format>.schema.json.
 *
 * A path of "-" reads standard input (once per run: a second "-" is refused
 * by gl_input_read_json).
 */
#ifndef GL_INPUT_H
#define GL_INPUT_H

#include <stddef.h>

#include "greenlight/plugin.h"
#include "util/error.h"

typedef enum gl_input_format {
    GL_INPUT_CHANGE = 0,
    GL_INPUT_CONFIG,
    GL_INPUT_WAIVERS,
    GL_INPUT_SNAPSHOT,
    GL_INPUT_POLICY_INPUT,
    GL_INPUT_FORMAT_COUNT
} gl_input_format;

/* "change", "config", "waivers", "snapshot", "policy-input". */
const char *gl_input_format_name(gl_input_format f);
/* The format of a name, or -1. */
int gl_input_format_of(const char *name);

/* Parses path ("-": standard input) as JSON under max_bytes (0: the JSON
 * default). flag names the option in messages ("--change"). Errors:
 * GL_ERR_USAGE naming flag and path. */
int gl_input_read_json(const char *flag, const char *path, size_t max_bytes, gl_value **out,
                       gl_error *err);

/* Validates a parsed value of a format; label names it ("--change x.json"). */
int gl_input_validate(gl_input_format f, const gl_value *v, const char *label, gl_error *err);

/* Reads and validates a file of a format; *out owned by the caller. */
int gl_input_load(gl_input_format f, const char *flag, const char *path, gl_value **out,
                  gl_error *err);

/* Refuses members of config.plugins that name none of the plugins in
 * names[0..n) (with "did you mean"); path is the --config file (NULL:
 * nothing to check). */
int gl_input_config_names_plugins(const gl_value *config, const char *path, const char *const *names,
                                  size_t n, gl_error *err);

#endif
