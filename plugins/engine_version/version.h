/*
 * version — the pure logic of the engine_version check: PostgreSQL version
 * numbers, extension version ordering, which pg_settings sources mean "an
 * operator set this", which version steps cross a pg_upgrade problem, and
 * the parser of the data file (removed/renamed parameters, extensions that
 * need a human). No host: unit tests include version.c directly.
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

/*
 * 1 when a pg_upgrade-style problem that first breaks at PostgreSQL
 * `first_bad_num` (a server_version_num, e.g. 160000 for aclitem) applies to
 * this step: blue is older than it and green is at or past it. first_bad_num
 * 0 means "every major upgrade" (OIDs pg_upgrade does not preserve).
 */
int gl_ev__crosses(const gl_ev_version *blue, const gl_ev_version *green, int first_bad_num);

/* A parameter PostgreSQL removed or renamed (share/engine_version/upgrade_data.txt). */
typedef struct gl_ev_renamed_parameter {
    char *name;         /* lower-case, as in pg_settings */
    char *renamed_to;   /* the successor, or NULL when simply removed */
    char *removed_in;   /* first major version without it: "9.5", "16" */
    char *note;         /* one sentence: what to do instead */
} gl_ev_renamed_parameter;

/* An extension that needs a human before a blue/green switchover. */
typedef struct gl_ev_extension_note {
    char *name;
    char *severity;     /* "info", "warning", "error" or "critical" */
    char *reason;       /* why, and what to do */
} gl_ev_extension_note;

/* The parsed data file. */
typedef struct gl_ev_data {
    gl_ev_renamed_parameter *parameters;
    size_t nparameters;
    gl_ev_extension_note *extensions;
    size_t nextensions;
} gl_ev_data;

/*
 * Parses the data file's text (format in share/engine_version/upgrade_data.txt):
 * a "format 1" line, then `parameter REMOVED_IN NAME SUCCESSOR|- NOTE...` and
 * `extension NAME SEVERITY REASON...` lines; '#' starts a comment line.
 * Returns 0 with *out filled (free with gl_ev__data_free), or -1 with errbuf
 * naming the line that is wrong.
 */
int gl_ev__data_parse(const char *text, size_t len, gl_ev_data *out, char *errbuf, size_t errlen);
void gl_ev__data_free(gl_ev_data *data);

/* Case-insensitive lookups; NULL when the name is not listed. */
const gl_ev_renamed_parameter *gl_ev__data_parameter(const gl_ev_data *data, const char *name);
const gl_ev_extension_note *gl_ev__data_extension(const gl_ev_data *data, const char *name);

#endif
