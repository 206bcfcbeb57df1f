/* schema_copy — blue's schema onto green, and schema comparisons through the
 * gate's pipeline (the schema plugin decides what differs). */
#ifndef GL_DEPLOY_SCHEMA_COPY_H
#define GL_DEPLOY_SCHEMA_COPY_H

#include <stddef.h>

#include "deploy/deploy.h"

/* Finds a pg_dump whose major version is >= blue's: `given` (--pg-dump) or
 * /usr/lib/postgresql/N/bin (newest first), /usr/bin. Writes its path and
 * version ("15.18"). GL_ERR_USAGE with the fix when none fits. */
int gl_deploy_find_pg_dump(const char *given, int blue_version_num, char *path, size_t cap,
                           char *version, size_t vcap, gl_error *err);

/* pg_dump --schema-only (no publications/subscriptions) of blue into file,
 * restored into green by the psql beside pg_dump, in one transaction. */
int gl_deploy_copy_schema(const char *pg_dump, gl_deploy_conn *blue, gl_deploy_conn *green,
                          const char *file, gl_error *err);

/* Runs the gate's pipeline with the schema plugin only on blue vs green (each
 * a conninfo or a snapshot file) and returns the differences (array of
 * {code, object, message}; caller frees): replication-readiness and
 * publication/subscription findings are left out. */
int gl_deploy_schema_diff(const char *blue, const char *green, int same_database_ok,
                          const char *const *plugin_dirs,
                          size_t n_plugin_dirs, gl_value **out, gl_error *err);

#endif
