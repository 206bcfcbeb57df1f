/*
 * ignore — which settings the parameters check leaves alone: the built-in
 * list (mirrored in share/parameters/ignore.txt; a unit test keeps the two
 * identical), glob matching, and reading an ignore file. Pure: no host.
 */
#ifndef GL_PARAMETERS_IGNORE_H
#define GL_PARAMETERS_IGNORE_H

#include <stddef.h>

/* NULL-terminated built-in patterns. */
extern const char *const parameters_default_ignore[];

/*
 * 1 when name matches the fnmatch(3) glob pattern (greenlight's one glob
 * dialect: `*`, `?`, `[...]`, `\` quotes), case-insensitively (setting names
 * are case-insensitive in PostgreSQL: TimeZone = timezone). Names or patterns
 * of 256 bytes or more match nothing.
 */
int parameters_glob_match(const char *pattern, const char *name);

/*
 * Trims one line of an ignore file in place: strips `#` comments and blanks.
 * Returns the pattern, or NULL when the line holds none.
 */
char *parameters_ignore_line(char *line);

#endif
