/*
 * waiver — accepted findings. A waiver file (checks/waivers.example.json) is
 * a JSON array of
 *   {"code": "schema.index.dropped", "object": "public.film_*",
 *    "reason": "...", "owner": "dba@example.com", "expires": "2025-12-31",
 *    "created": "2025-11-20"}                       (created is optional)
 * A waiver applies to a finding that fired with exactly that code and an
 * object matching the glob (fnmatch: * ? [...]), through its expiry day
 * (UTC). An expired waiver applies to nothing and is reported as expired.
 *
 * Failure: 0 or -1 with err set (GL_ERR_USAGE for a bad file).
 */
#ifndef GL_WAIVER_H
#define GL_WAIVER_H

#include "util/error.h"
#include "value/value.h"

/* Reads and validates a waiver file into *out (an array; caller frees). */
int gl_waivers_load(const char *path, gl_value **out, gl_error *err);

/*
 * Matches the waivers against findings (the runner's, ids assigned) as of
 * today ("YYYY-MM-DD"). Each finding a valid waiver matches gets
 * "waived": true and "waiver": n (1-based position of the first matching
 * waiver in the file). *out_list (caller frees) is the waivers, in file
 * order, each with "status" ("used", "unused" or "expired"), "findings"
 * (ids it matched: waived, or for an expired one, that it would have
 * waived), "days_left" (0 on the expiry day, negative once expired) and
 * "age_days" (since created; null without created).
 */
int gl_waivers_apply(const gl_value *waivers, gl_value *findings, const char *today,
                     gl_value **out_list, gl_error *err);

/* Today in UTC as "YYYY-MM-DD" (buf >= 11 bytes). */
void gl_waivers_today(char *buf, size_t len);

#endif
