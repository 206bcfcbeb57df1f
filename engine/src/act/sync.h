/*
 * sync — bringing a subscriber level with its fenced publisher before the
 * switch: the publisher's final WAL position, the wait until the subscriber
 * has applied it and the publisher's slot has it durable, and the copy of
 * every sequence (logical replication does not carry sequences).
 *
 * Errors: -1 after gl_error_set() (see act/fence.h); a wait past its deadline
 * says how far the subscriber got.
 */
#ifndef GL_ACT_SYNC_H
#define GL_ACT_SYNC_H

#include <libpq-fe.h>
#include <stddef.h>

#include "util/error.h"

/*
 * The publisher's final position: commits a transactional logical message
 * with synchronous_commit=on (so every earlier commit is flushed too) and
 * returns pg_current_wal_flush_lsn() in lsn (cap >= 32). Call it after
 * gl_fence_drain(): no commit can follow.
 */
int gl_sync_final_lsn(PGconn *publisher, const char *label, char *lsn, size_t cap,
                      gl_error *err);

/*
 * Waits until deadline_ms (gl_time_ms() clock) until subscription `subname`
 * on subscriber has every table ready and has applied lsn
 * (pg_stat_subscription.latest_end_lsn), and slot `slot` on publisher has it
 * durable (confirmed_flush_lsn). *waited_ms may be NULL.
 */
int gl_sync_wait_applied(PGconn *publisher, const char *pub_label, PGconn *subscriber,
                         const char *sub_label, const char *subname, const char *slot,
                         const char *lsn, double deadline_ms, gl_error *err);

/* Sets every sequence of `to` to its value on `from` (owned by a column or
 * not; a sequence never used stays unused). *n_out: how many. */
int gl_sync_sequences(PGconn *from, const char *from_label, PGconn *to, const char *to_label,
                      size_t *n_out, gl_error *err);

#endif
