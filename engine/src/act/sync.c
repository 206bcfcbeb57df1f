#include "act/sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "act/fence.h"

/* Commits a logical message with synchronous_commit=on: the WAL up to it is
 * flushed, and the walsender has something new to send. */
static int emit_marker(PGconn *conn, const char *label, const char *what, const char *marker, gl_error *err)
{
    const char *params[1] = {marker};
    PGresult *res = gl_act_query(conn, label, what,
                                 "SELECT pg_catalog.set_config('synchronous_commit', 'on', true),"
                                 " pg_catalog.pg_logical_emit_message(true, 'greenlight', $1::text)",
                                 1, params, err);

    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

int gl_sync_final_lsn(PGconn *publisher, const char *label, char *lsn, size_t cap,
                      gl_error *err)
{
    PGresult *res;

    /* A commit with synchronous_commit=on flushes the WAL up to it, so every
     * commit acknowledged before the fence is durable and sendable. */
    if (emit_marker(publisher, label, "writing the fence marker", "fenced", err) != 0)
        return -1;
    res = gl_act_query(publisher, label, "reading the final WAL position",
                       "SELECT pg_catalog.pg_current_wal_flush_lsn()::text", 0, NULL, err);
    if (res == NULL)
        return -1;
    snprintf(lsn, cap, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

/* The subscription's progress towards lsn: *not_ready tables not yet
 * synchronised, applied the position it reports; *done when it reached lsn. */
static int subscription_progress(PGconn *subscriber, const char *sub_label, const char *subname, const char *lsn,
                                 int *not_ready, char applied[64], int *done, gl_error *err)
{
    const char *params[2] = {subname, lsn};
    PGresult *res = gl_act_query(subscriber, sub_label, "reading the subscription's progress",
                                 "SELECT (SELECT count(*) FROM pg_catalog.pg_subscription_rel r"
                                 "         WHERE r.srsubid = s.oid AND r.srsubstate <> 'r'),"
                                 "       coalesce(st.latest_end_lsn::text, 'none'),"
                                 "       coalesce(st.latest_end_lsn >= $2::pg_lsn, false)"
                                 "  FROM pg_catalog.pg_subscription s"
                                 "  LEFT JOIN pg_catalog.pg_stat_subscription st"
                                 "    ON st.subid = s.oid AND st.relid IS NULL"
                                 " WHERE s.subname = $1"
                                 "   AND s.subdbid = (SELECT oid FROM pg_catalog.pg_database"
                                 "                     WHERE datname = current_database())",
                                 2, params, err);

    if (res == NULL)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return gl_error_set(err, GL_ERR_INTERNAL, "%s: subscription \"%s\" does not exist", sub_label, subname);
    }
    *not_ready = atoi(PQgetvalue(res, 0, 0));
    snprintf(applied, 64, "%s", PQgetvalue(res, 0, 1));
    *done = *not_ready == 0 && strcmp(PQgetvalue(res, 0, 2), "t") == 0;
    PQclear(res);
    return 0;
}

/* The slot's confirmed (durable on the subscriber) position in durable;
 * *done when it reached lsn. */
static int slot_progress(PGconn *publisher, const char *pub_label, const char *slot, const char *lsn,
                         char durable[64], int *done, gl_error *err)
{
    const char *params[2] = {slot, lsn};
    PGresult *res = gl_act_query(publisher, pub_label, "reading the slot's confirmed position",
                                 "SELECT coalesce(confirmed_flush_lsn::text, 'none'),"
                                 "       coalesce(confirmed_flush_lsn >= $2::pg_lsn, false)"
                                 "  FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
                                 2, params, err);

    if (res == NULL)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return gl_error_set(err, GL_ERR_INTERNAL, "%s: replication slot \"%s\" does not exist", pub_label, slot);
    }
    snprintf(durable, 64, "%s", PQgetvalue(res, 0, 0));
    *done = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    PQclear(res);
    return 0;
}

int gl_sync_wait_applied(PGconn *publisher, const char *pub_label, PGconn *subscriber,
                         const char *sub_label, const char *subname, const char *slot,
                         const char *lsn, double deadline_ms, gl_error *err)
{
    char applied[64] = "none", durable[64] = "none";
    int not_ready = -1, flushed = 0;
    double last_nudge = 0;

    for (;;) {
        int sub_done = 0, pub_done = 0;

        if (subscription_progress(subscriber, sub_label, subname, lsn, &not_ready, applied, &sub_done, err) != 0)
            return -1;
        /* The subscriber commits what it applies asynchronously, so its
         * flush (and the slot's confirmed_flush_lsn) trails by up to the
         * WAL writer's delay: one synchronous commit here flushes it all,
         * and the walsender's next keepalive brings the position back. */
        if (sub_done && !flushed) {
            if (emit_marker(subscriber, sub_label, "flushing applied changes", "applied", err) != 0)
                return -1;
            flushed = 1;
        }
        if (sub_done && slot_progress(publisher, pub_label, slot, lsn, durable, &pub_done, err) != 0)
            return -1;
        if (sub_done && pub_done)
            return 0;
        /* Once the subscriber acknowledged the position as written, the
         * walsender stops asking; new WAL on the publisher makes it ask
         * again, and the answer carries the flushed position. */
        if (sub_done && gl_time_ms() - last_nudge > 10) {
            if (emit_marker(publisher, pub_label, "asking for the subscriber's position", "durable?", err) != 0)
                return -1;
            last_nudge = gl_time_ms();
        }
        if (gl_time_ms() > deadline_ms)
            return gl_error_set(err, GL_ERR_INTERNAL,
                                "%s did not catch up with %s before the deadline: needed %s, applied %s, "
                                "durable %s, %d table(s) not ready in subscription \"%s\"",
                                sub_label, pub_label, lsn, applied, durable, not_ready, subname);
        nanosleep(&(struct timespec){0, 1000000L}, NULL);
    }
}

int gl_sync_sequences(PGconn *from, const char *from_label, PGconn *to, const char *to_label,
                      size_t *n_out, gl_error *err)
{
    PGresult *res = NULL;
    char *list = NULL;
    const char *params[1];
    int rc = -1;

    *n_out = 0;
    /* One round trip each way: the list travels as JSON text built and read
     * by the servers. */
    res = gl_act_query(from, from_label, "reading the sequences",
                       "SELECT coalesce(json_agg(json_build_array(schemaname, sequencename,"
                       "                                          last_value, start_value)), '[]')"
                       "  FROM pg_catalog.pg_sequences",
                       0, NULL, err);
    if (res == NULL)
        goto out;
    list = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    res = NULL;
    if (list == NULL) {
        gl_error_nomem(err);
        goto out;
    }
    params[0] = list;
    res = gl_act_query(to, to_label, "setting the sequences",
                       "SELECT count(pg_catalog.setval("
                       "         pg_catalog.format('%I.%I', e->>0, e->>1)::regclass,"
                       "         coalesce((e->>2)::bigint, (e->>3)::bigint), e->>2 IS NOT NULL))"
                       "  FROM pg_catalog.json_array_elements($1::json) AS e",
                       1, params, err);
    if (res == NULL)
        goto out;
    *n_out = (size_t)strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    rc = 0;
out:
    PQclear(res);
    free(list);
    return rc;
}
