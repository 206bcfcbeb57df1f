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

typedef struct engine_version_version {
    int num;     /* server_version_num, e.g. 150010 */
    int major;   /* 15; for 9.x the two-part major times ten plus minor part: 96 */
    int minor;   /* 10 */
    int pre10;   /* 1 for 9.x and older, where the major is two numbers ("9.6") */
} engine_version_version;

/* Reads a server_version_num; -1 when it is not a plausible one (<= 0). */
int engine_version_version_from_num(int num, engine_version_version *out);

/* "15" or "9.6". Returns 0, or -1 when buflen is 0. */
int engine_version_version_major_string(const engine_version_version *v, char *buf, size_t buflen);
/* "15.10" or "9.6.24". */
int engine_version_version_string(const engine_version_version *v, char *buf, size_t buflen);

typedef enum engine_version_change {
    ENGINE_VERSION_SAME = 0,
    ENGINE_VERSION_MINOR_UPGRADE,
    ENGINE_VERSION_MAJOR_UPGRADE,
    ENGINE_VERSION_DOWNGRADE       /* green older, major or minor */
} engine_version_change;

engine_version_change engine_version_version_change(const engine_version_version *blue, const engine_version_version *green);

/*
 * Orders extension versions ("1.9" < "1.10" < "1.10.1", "2.0beta" < "2.0"):
 * runs of digits compare as numbers, other runs as text, and a version that
 * continues with letters after its common part (a pre-release) sorts before
 * the plain one. Returns <0, 0, >0 like strcmp.
 */
int engine_version_extension_version_cmp(const char *a, const char *b);

/*
 * 1 when a pg_settings source means an operator chose the value (config
 * file, command line, ALTER DATABASE/ROLE ...), 0 for the server's own
 * defaults and for what one session set (default, override, client,
 * session, interactive, test).
 */
int engine_version_source_is_operator(const char *source);

/*
 * 1 when a pg_upgrade-style problem that first breaks at PostgreSQL
 * `first_bad_num` (a server_version_num, e.g. 160000 for aclitem) applies to
 * this step: blue is older than it and green is at or past it. first_bad_num
 * 0 means "every major upgrade" (OIDs pg_upgrade does not preserve).
 */
int engine_version_crosses(const engine_version_version *blue, const engine_version_version *green, int first_bad_num);

/* A parameter PostgreSQL removed or renamed (share/engine_version/upgrade_data.txt). */
typedef struct engine_version_renamed_parameter {
    char *name;         /* lower-case, as in pg_settings */
    char *renamed_to;   /* the successor, or NULL when simply removed */
    char *removed_in;   /* first major version without it: "9.5", "16" */
    char *note;         /* one sentence: what to do instead */
} engine_version_renamed_parameter;

/* An extension that needs a human before a blue/green switchover. */
typedef struct engine_version_extension_note {
    char *name;
    char *severity;     /* "info", "warning", "error" or "critical" */
    char *reason;       /* why, and what to do */
} engine_version_extension_note;

/* The parsed data file. */
typedef struct engine_version_data {
    engine_version_renamed_parameter *parameters;
    size_t nparameters;
    engine_version_extension_note *extensions;
    size_t nextensions;
} engine_version_data;

/*
 * Parses the data file's text (format in share/engine_version/upgrade_data.txt):
 * a "format 1" line, then `parameter REMOVED_IN NAME SUCCESSOR|- NOTE...` and
 * `extension NAME SEVERITY REASON...` lines; '#' starts a comment line.
 * Returns 0 with *out filled (free with engine_version_data_free), or -1 with errbuf
 * naming the line that is wrong.
 */
int engine_version_data_parse(const char *text, size_t len, engine_version_data *out, char *errbuf, size_t errlen);
void engine_version_data_free(engine_version_data *data);

/* Case-insensitive lookups; NULL when the name is not listed. */
const engine_version_renamed_parameter *engine_version_data_parameter(const engine_version_data *data, const char *name);
const engine_version_extension_note *engine_version_data_extension(const engine_version_data *data, const char *name);

#endif
