/*
 * switch_run — internals shared by switch.c (setup, undo, finish, recovery),
 * switchover.c (the gate, the dry run, the steps) and rollback.c.
 */
#ifndef GL_DEPLOY_SWITCH_RUN_H
#define GL_DEPLOY_SWITCH_RUN_H

#include "act/pgbouncer.h"
#include "deploy/deploy.h"
#include "deploy/switch.h"

/* One replication path: publication and slot on the publisher, subscription
 * on the subscriber. The forward path goes blue -> green. */
typedef struct gl_switch_path {
    char pub[64], sub[64], slot[64];
} gl_switch_path;

typedef struct gl_switch_run {
    const char *dir;
    gl_value *rec;                 /* the record (borrowed) */
    const char *op;                /* "switchover" or "rollback" */
    int to_green;                  /* switchover: blue -> green */
    const char *src_side, *dst_side, *src_spec, *dst_spec;
    gl_deploy_conn src, dst;       /* serving before, serving after */
    gl_pgbouncer *pgb;
    const char *admin, *ini, *alias;
    gl_pgbouncer_target blue_t, green_t;
    gl_switch_path fwd, rev;
    gl_switch_path *old_path, *new_path;
    unsigned timeout_s;
    double deadline;               /* gl_time_ms() clock: the commit point's bound */
    const char *step;
    double step_t0, gap_t0, gap_ms;
    char lsn[64];
    int undo_src_ok;               /* set by undo: the source serves again */
    FILE *out;                     /* step lines (stderr with --format json) */
    int quiet;
} gl_switch_run;

int gl_switch__prepare(gl_switch_run *r, const char *op, const char *blue_flag,
                       const char *green_flag, gl_error *err);
int gl_switch__connect(gl_switch_run *r, int src, int dst, int bouncer, gl_error *err);
void gl_switch__close(gl_switch_run *r);
int gl_switch__record_begin(gl_switch_run *r, gl_error *err);
int gl_switch__record_set(gl_switch_run *r, const char *key, gl_value *val, int save,
                          gl_error *err);
int gl_switch__record_end(gl_switch_run *r, const char *outcome, const char *error,
                          gl_error *err);
void gl_switch__step(gl_switch_run *r, const char *step);
void gl_switch__step_done(gl_switch_run *r);
int gl_switch__sql(gl_deploy_conn *c, const char *doing, const char *sql, const char *param,
                   gl_error *err);
int gl_switch__bool(gl_deploy_conn *c, const char *doing, const char *sql, const char *param,
                    int *out, gl_error *err);
int gl_switch__drop_slot(gl_deploy_conn *c, const char *slot, gl_error *err);
int gl_switch__undo(gl_switch_run *r, gl_error *err);
int gl_switch__finish(gl_switch_run *r, gl_error *err);
int gl_switch__target_equal(const gl_pgbouncer_target *a, const gl_pgbouncer_target *b);
int gl_switch__target_from_conninfo(const char *conninfo, const char *side,
                                    gl_pgbouncer_target *t, gl_error *err);

/* Lock, load, recover an interrupted run, check the state is one of allowed
 * (NULL-terminated), prepare r. Returns 0 (*finished_now: the interrupted
 * run of op was finished, nothing more to do) or -1 with err (printed). */
int gl_switch__open(gl_switch_run *r, const gl_switch_options *o, const char *op,
                    const char *const *allowed, int *lock_fd, int *finished_now, gl_error *err);

/* The operation itself (switchover.c): checks, then steps pause .. cleanup.
 * Prints the outcome; returns 0 done (or planned, for a dry run), or -1 with
 * err, printed with what was undone or what is left. */
int gl_switch__execute(gl_switch_run *r, const gl_switch_options *o, gl_error *err);

#endif
