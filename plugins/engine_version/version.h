/*
 * version — the pure logic of the engine_version check: PostgreSQL version
 * numbers, extension version ordering, which pg_settings sources mean "an
 * operator set this", and the table of removed/renamed parameters. No host:
 * unit tests include version.c directly.
 */
#ifndef GL_ENGINE_VERSION_VERSION_H
#define GL_ENGINE_VERSION_VERSION_H

#include <stddef.h>

typedef struct gl_ev_version {
    int num;     /* server_version_num, e.g. 150010 */
    int major;   /* 15; for 9.x the two-part major times ten plus minor part: 96 */
    int minor;   /* 10 */
    int pre10;   /* 1 for 9.x and older, where the major is two numbers ("9.6") */
} gl_ev_version;

/* Reads a server_version_num; -1 when it is not a plausible one (<= 0). */
int gl_ev__version_from_num(int num, gl_ev_version *out);

/* "15" or "9.6". Returns 0, or -1 when buflen is 0. */
int gl_ev__version_major_string(const gl_ev_version *v, char *buf, size_t buflen);
/* "15.10" or "9.6.24". */
int gl_ev__version_string(const gl_ev_version *v, char *buf, size_t buflen);

typedef enum gl_ev_change {
    GL_EV_SAME = 0,
    GL_EV_MINOR_UPGRADE,
    GL_EV_MAJOR_UPGRADE,
    GL_EV_DOWNGRADE       /* green older, major or minor */
} gl_ev_change;

gl_ev_change gl_ev__version_change(const gl_ev_version *blue, const gl_ev_version *green);

/*
 * Orders extension versions ("1.9" < "1.10" < "1.10.1", "2.0beta" < "2.0"):
 * runs of digits compare as numbers, other runs as text, and a version that
 * continues with letters after its common part (a pre-release) sorts before
 * the plain one. Returns <0, 0, >0 like strcmp.
 */
int gl_ev__extension_version_cmp(const char *a, const char *b);

/*
 * 1 when a pg_settings source means an operator chose the value (config
 * file, command line, ALTER DATABASE/ROLE ...), 0 for the server's own
 * defaults and for what one session set (default, override, client,
 * session, interactive, test).
 */
int gl_ev__source_is_operator(const char *source);

/* A parameter PostgreSQL removed or renamed. */
typedef struct gl_ev_renamed_parameter {
    const char *name;         /* lower-case, as in pg_settings */
    const char *renamed_to;   /* the successor, or NULL when simply removed */
    const char *removed_in;   /* first major version without it: "9.5", "16" */
    const char *note;         /* one sentence: what to do instead */
} gl_ev_renamed_parameter;

/* The table (NULL-name terminated) and a case-insensitive lookup (NULL if unknown). */
extern const gl_ev_renamed_parameter gl_ev__renamed_parameters[];
const gl_ev_renamed_parameter *gl_ev__renamed_lookup(const char *name);

#endif
