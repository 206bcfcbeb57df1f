/*
 * identity — refuses a blue/green pair that is one database. Comparing a
 * database with itself finds nothing and would authorise a switchover.
 *
 * Two sides are one database when they are the same database (oid) of the
 * same running server: the same postmaster start time (microseconds), and,
 * where both sides could read them, the same system identifier and data
 * directory. That keeps the honest look-alikes apart: two databases of one
 * server differ in oid; a green made by a physical clone plus pg_upgrade may
 * share blue's system identifier and oids but is another postmaster (start
 * time, data directory). Snapshots carry the identity of the side they were
 * taken from, so two snapshots of one side are refused the same way.
 */
#include "collect/identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "value/value.h"

/* Equal when both are known; unknown on either side does not decide. */
static int same_or_unknown(const gl_value *a, const gl_value *b, const char *key)
{
    const char *x = gl_value_object_string(a, key), *y = gl_value_object_string(b, key);

    return x == NULL || y == NULL || strcmp(x, y) == 0;
}

int gl_identity_same_database(const gl_value *a, const gl_value *b)
{
    const char *start_a = gl_value_object_string(a, "postmaster_start_time");
    const char *start_b = gl_value_object_string(b, "postmaster_start_time");
    const gl_value *oid_a = gl_value_object_get(a, "database_oid");
    const gl_value *oid_b = gl_value_object_get(b, "database_oid");

    if (start_a == NULL || start_b == NULL || oid_a == NULL || oid_b == NULL)
        return 0;
    return strcmp(start_a, start_b) == 0 && gl_value_get_int(oid_a) == gl_value_get_int(oid_b) &&
           same_or_unknown(a, b, "system_identifier") && same_or_unknown(a, b, "data_directory");
}

/* "2026-12-02 14:03:11 UTC" from an epoch in seconds (text). */
static void start_time_text(const char *epoch, char *buf, size_t len)
{
    time_t t = (time_t)strtod(epoch ? epoch : "0", NULL);
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, len, "%s", epoch ? epoch : "?");
}

int gl_targets_distinct(const gl_target *blue, const gl_target *green, gl_error *err)
{
    const gl_value *id;
    char started[64], where[300] = "", sysid[80] = "";
    const char *host, *port, *sys;

    if (blue == NULL || green == NULL)
        return 0;
    if (blue->snapshot_file_id != NULL && green->snapshot_file_id != NULL &&
        strcmp(blue->snapshot_file_id, green->snapshot_file_id) == 0)
        return gl_error_set(err, GL_ERR_USAGE,
                            "--blue and --green are the same snapshot file (%s): green must be the "
                            "changed copy, not blue itself; give green's own snapshot or conninfo",
                            green->display);
    if (blue->identity == NULL || green->identity == NULL ||
        !gl_identity_same_database(blue->identity, green->identity))
        return 0;
    id = green->identity;
    start_time_text(gl_value_object_string(id, "postmaster_start_time"), started, sizeof(started));
    host = gl_value_object_string(id, "host");
    port = gl_value_object_string(id, "port");
    sys = gl_value_object_string(id, "system_identifier");
    if (host != NULL)
        snprintf(where, sizeof(where), " at %.200s port %.20s", host, port ? port : "?");
    if (sys != NULL)
        snprintf(sysid, sizeof(sysid), ", system identifier %.40s", sys);
    return gl_error_set(err, GL_ERR_USAGE,
                        "--blue and --green are the same database: \"%s\" (oid %lld) of the server%s "
                        "started %s%s (%s: %s, %s: %s). Green must be the changed copy, not blue "
                        "itself: give green's own conninfo or snapshot",
                        gl_value_object_string(id, "database") ? gl_value_object_string(id, "database") : "?",
                        (long long)gl_value_get_int(gl_value_object_get(id, "database_oid")), where,
                        started, sysid, blue->snapshot ? "blue snapshot" : "blue", blue->display,
                        green->snapshot ? "green snapshot" : "green", green->display);
}
