/*
 * identity — the blue/green pair must be two databases (collect/identity.c
 * says how "the same database" is decided).
 */
#ifndef GL_IDENTITY_H
#define GL_IDENTITY_H

#include "collect/target.h"
#include "util/error.h"

/* 1 when two identities (gl_target.identity) are one database. */
int gl_identity_same_database(const gl_value *a, const gl_value *b);

/* 0 when blue and green are distinct (or cannot be told apart for lack of
 * identities); -1 with GL_ERR_USAGE naming both sides when they are one. */
int gl_targets_distinct(const gl_target *blue, const gl_target *green, gl_error *err);

#endif
