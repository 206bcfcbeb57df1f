/*
 * names — the one table of finding severities and the one table of decision
 * actions, with their order. Every part of the engine that ranks, counts or
 * validates a severity or an action asks here (issue #9: there were five
 * copies, and one had drifted).
 */
#ifndef GL_NAMES_H
#define GL_NAMES_H

#include <stddef.h>

/* Finding severities, least to most severe: rank 1 .. GL_SEVERITY_COUNT. */
#define GL_SEVERITY_COUNT 4
/* NULL-terminated, in rank order: "info", "warning", "error", "critical". */
extern const char *const gl_severity_names[GL_SEVERITY_COUNT + 1];
/* 1 (info) .. 4 (critical); 0 when s (len bytes, or NUL-terminated) is not a
 * severity or is NULL. */
int gl_severity_rank(const char *s);
int gl_severity_rank_len(const char *s, size_t len);
/* The name of rank 1..4, NULL otherwise. */
const char *gl_severity_name(int rank);

/* Decision actions, by precedence: when rules disagree the higher one wins
 * (rollback over hold over switchover). Rank 1 .. GL_ACTION_COUNT. */
#define GL_ACTION_COUNT 3
enum { GL_ACTION_SWITCHOVER = 1, GL_ACTION_HOLD = 2, GL_ACTION_ROLLBACK = 3 };
/* NULL-terminated, in precedence order: "switchover", "hold", "rollback". */
extern const char *const gl_action_names[GL_ACTION_COUNT + 1];
/* GL_ACTION_*; 0 when a is not an action or is NULL. */
int gl_action_rank(const char *a);
/* The name of GL_ACTION_*, NULL otherwise. */
const char *gl_action_name(int rank);
/* The exit code of a decision: GL_EXIT_SWITCHOVER for "switchover",
 * GL_EXIT_ROLLBACK for "rollback", GL_EXIT_HOLD for anything else (NULL or
 * not an action included: fail closed). */
int gl_action_exit_code(const char *action);

#endif
