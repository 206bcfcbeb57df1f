/* version — see version.h. */
#include "version.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int gl_ev__version_from_num(int num, gl_ev_version *out)
{
    memset(out, 0, sizeof(*out));
    if (num <= 0)
        return -1;
    out->num = num;
    if (num >= 100000) {
        /* 10 and later: major * 10000 + minor */
        out->major = num / 10000;
        out->minor = num % 10000;
    } else {
        /* 9.6.24 = 90624: major is "9.6", kept as 96 so it orders */
        out->pre10 = 1;
        out->major = (num / 10000) * 10 + (num / 100) % 100;
        out->minor = num % 100;
    }
    return 0;
}

int gl_ev__version_major_string(const gl_ev_version *v, char *buf, size_t buflen)
{
    if (buflen == 0)
        return -1;
    if (v->pre10)
        snprintf(buf, buflen, "%d.%d", v->major / 10, v->major % 10);
    else
        snprintf(buf, buflen, "%d", v->major);
    return 0;
}

int gl_ev__version_string(const gl_ev_version *v, char *buf, size_t buflen)
{
    if (buflen == 0)
        return -1;
    if (v->pre10)
        snprintf(buf, buflen, "%d.%d.%d", v->major / 10, v->major % 10, v->minor);
    else
        snprintf(buf, buflen, "%d.%d", v->major, v->minor);
    return 0;
}

gl_ev_change gl_ev__version_change(const gl_ev_version *blue, const gl_ev_version *green)
{
    if (green->num < blue->num)
        return GL_EV_DOWNGRADE;
    /* pre-10 majors (96) are below every 10+ major (10..) only via num; compare nums */
    if (green->num == blue->num)
        return GL_EV_SAME;
    if (green->major != blue->major || green->pre10 != blue->pre10)
        return GL_EV_MAJOR_UPGRADE;
    return GL_EV_MINOR_UPGRADE;
}

/* Compares two digit runs as numbers without overflow: longer (sans leading zeros) is bigger. */
static int cmp_digits(const char *a, size_t alen, const char *b, size_t blen)
{
    while (alen > 1 && *a == '0') {
        a++;
        alen--;
    }
    while (blen > 1 && *b == '0') {
        b++;
        blen--;
    }
    if (alen != blen)
        return alen < blen ? -1 : 1;
    return memcmp(a, b, alen);
}

int gl_ev__extension_version_cmp(const char *a, const char *b)
{
    while (*a != '\0' && *b != '\0') {
        int da = isdigit((unsigned char)*a), db = isdigit((unsigned char)*b);

        if (da && db) {
            size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
            int c = cmp_digits(a, la, b, lb);

            if (c != 0)
                return c < 0 ? -1 : 1;
            a += la;
            b += lb;
        } else if (da != db) {
            /* a number outranks letters at the same place: "2.1" > "2.beta" */
            return da ? 1 : -1;
        } else {
            if (*a != *b)
                return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            a++;
            b++;
        }
    }
    if (*a == '\0' && *b == '\0')
        return 0;
    /* One is a prefix of the other: "1.0" < "1.0.1", but "2.0beta" < "2.0". */
    if (*a == '\0')
        return isalpha((unsigned char)*b) ? 1 : -1;
    return isalpha((unsigned char)*a) ? -1 : 1;
}

int gl_ev__source_is_operator(const char *source)
{
    static const char *const not_operator[] = {
        "default", "override", "client", "session", "interactive", "test",
    };

    if (source == NULL)
        return 0;
    for (size_t i = 0; i < sizeof(not_operator) / sizeof(not_operator[0]); i++)
        if (strcmp(source, not_operator[i]) == 0)
            return 0;
    return 1;
}

/*
 * Parameters removed or renamed by PostgreSQL releases (release notes,
 * "Migration to Version N"). Kept in this one table; a later change moves it
 * to a data file under share/.
 */
const gl_ev_renamed_parameter gl_ev__renamed_parameters[] = {
    { "checkpoint_segments", "max_wal_size", "9.5",
      "Set max_wal_size (and min_wal_size) instead of a segment count." },
    { "sql_inheritance", NULL, "10", "Inheritance is always on; remove the setting." },
    { "min_parallel_relation_size", "min_parallel_table_scan_size", "10",
      "Renamed; min_parallel_index_scan_size was added beside it." },
    { "replacement_sort_tuples", NULL, "11", "Replacement selection sort is gone; remove it." },
    { "default_with_oids", NULL, "12", "Tables cannot have OIDs any more; remove it." },
    { "wal_keep_segments", "wal_keep_size", "13",
      "Set wal_keep_size in megabytes (segments x wal_segment_size)." },
    { "operator_precedence_warning", NULL, "14", "Remove it; the 9.5 precedence change is old." },
    { "vacuum_cleanup_index_scale_factor", NULL, "14", "Remove it; vacuum decides by itself." },
    { "stats_temp_directory", NULL, "15",
      "Statistics live in shared memory; remove the setting." },
    { "force_parallel_mode", "debug_parallel_query", "16", "Renamed." },
    { "promote_trigger_file", NULL, "16", "Promote with pg_ctl promote or pg_promote()." },
    { "vacuum_defer_cleanup_age", NULL, "16",
      "Use hot_standby_feedback or replication slots instead." },
    { "lc_collate", NULL, "16", "Read the database's collation from pg_database instead." },
    { "lc_ctype", NULL, "16", "Read the database's ctype from pg_database instead." },
    { "old_snapshot_threshold", NULL, "17", "Removed; remove the setting." },
    { "db_user_namespace", NULL, "17", "Removed; remove the setting." },
    { "trace_recovery_messages", NULL, "17", "Removed; use log_min_messages." },
    { NULL, NULL, NULL, NULL }
};

const gl_ev_renamed_parameter *gl_ev__renamed_lookup(const char *name)
{
    if (name == NULL)
        return NULL;
    for (const gl_ev_renamed_parameter *p = gl_ev__renamed_parameters; p->name != NULL; p++)
        if (strcasecmp(p->name, name) == 0)
            return p;
    return NULL;
}
