/*
 * pgbouncer_internal — shared by pgbouncer.c (the admin console) and
 * pgbouncer_ini.c (the ini file).
 */
#ifndef GL_ACT_PGBOUNCER_INTERNAL_H
#define GL_ACT_PGBOUNCER_INTERNAL_H

#include "util/error.h"

/* Database aliases go into console commands unquoted: 0 when alias is a plain
 * name, else -1 with a GL_ERR_USAGE naming it. */
int gl_pgbouncer__alias_ok(const char *alias, gl_error *err);

#endif
