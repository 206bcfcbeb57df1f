/*
 * The audit log: JSON lines, one signed decision record each, chained by
 * seq (1, 2, ...) and prev (SHA-256 of the previous line's bytes). Appends
 * hold an exclusive flock for read-last-line, write, fsync, so concurrent
 * writers on one host (or a filesystem with working flock) never interleave
 * or fork the chain. Verification names every problem with its line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evidence/evidence.h"
#include "value/value.h"

#define LOG_LINE_MAX (4u * 1024u * 1024u)
#define LOG_MAX (1024u * 1024u * 1024u)

/* Reads the log's last line (under the caller's lock): *seq and prev_hex, or
 * seq 0 for an empty log. */
static int last_record(int fd, const char *path, int64_t *seq, char prev_hex[65], gl_error *err)
{
    struct stat st;
    size_t window, start = 0, end;
    char *buf = NULL;
    gl_value *env = NULL;
    int rc = -1;

    *seq = 0;
    prev_hex[0] = '\0';
    if (fstat(fd, &st) != 0)
        return gl_error_set(err, GL_ERR_INTERNAL, "cannot read the audit log %s: %s", path, strerror(errno));
    if (st.st_size == 0)
        return 0;
    window = (size_t)st.st_size < LOG_LINE_MAX ? (size_t)st.st_size : LOG_LINE_MAX;
    buf = malloc(window + 1);
    if (buf == NULL)
        return gl_error_set(err, GL_ERR_NOMEM, "out of memory reading %s", path);
    if (pread(fd, buf, window, st.st_size - (off_t)window) != (ssize_t)window) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot read the audit log %s: %s", path, strerror(errno));
        goto out;
    }
    buf[window] = '\0';
    if (buf[window - 1] != '\n') {
        gl_error_set(err, GL_ERR_INTERNAL,
                     "the audit log %s ends with an incomplete record (truncated?): refusing to extend it; "
                     "run `greenlight verify %s --pub KEY` and start a new log", path, path);
        goto out;
    }
    end = window - 1;
    for (size_t i = end; i > 0; i--)
        if (buf[i - 1] == '\n') {
            start = i;
            break;
        }
    if (start == 0 && window < (size_t)st.st_size) {
        gl_error_set(err, GL_ERR_INTERNAL, "the audit log %s: last line is over %u bytes", path, LOG_LINE_MAX);
        goto out;
    }
    gl_sha256_hex(buf + start, end - start, prev_hex);
    if (gl_json_parse(buf + start, end - start, &env, err) != 0 ||
        gl_value_kind_of(gl_value_object_get(gl_value_object_get(env, "record"), "seq")) != GL_VALUE_INT) {
        gl_error_set(err, GL_ERR_INTERNAL,
                     "the audit log %s: its last line is not a greenlight log record: refusing to extend it", path);
        goto out;
    }
    *seq = gl_value_get_int(gl_value_object_get(gl_value_object_get(env, "record"), "seq"));
    rc = 0;
out:
    gl_value_free(env);
    free(buf);
    return rc;
}

int gl_evidence_log_append(const char *path, const gl_value *record, gl_evidence_key *key,
                           gl_value **out_envelope, gl_error *err)
{
    gl_value *rec = gl_value_copy(record), *env = NULL;
    char prev[65], *line = NULL;
    size_t len = 0, off = 0;
    int64_t seq = 0;
    int fd = -1, rc = -1;

    if (out_envelope)
        *out_envelope = NULL;
    if (rec == NULL)
        return gl_error_nomem(err);
    fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot open the audit log %s: %s", path, strerror(errno));
        goto out;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            gl_error_set(err, GL_ERR_INTERNAL, "cannot lock the audit log %s: %s", path, strerror(errno));
            goto out;
        }
    }
    if (last_record(fd, path, &seq, prev, err) != 0)
        goto out;
    if (gl_value_object_set(rec, "seq", gl_value_int(seq + 1)) != 0 ||
        gl_value_object_set(rec, "prev", seq ? gl_value_string(prev) : gl_value_null()) != 0) {
        gl_error_nomem(err);
        goto out;
    }
    if (gl_evidence_record_sign(rec, key, &env, err) != 0)
        goto out;
    line = gl_evidence_canonical(env, &len);
    if (line == NULL) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot serialise the audit record");
        goto out;
    }
    line[len++] = '\n'; /* replaces the NUL: written by length */
    while (off < len) {
        ssize_t n = write(fd, line + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            gl_error_set(err, GL_ERR_INTERNAL, "cannot append to the audit log %s: %s", path, strerror(errno));
            goto out;
        }
        off += (size_t)n;
    }
    if (fsync(fd) != 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot fsync the audit log %s: %s", path, strerror(errno));
        goto out;
    }
    if (out_envelope) {
        *out_envelope = env;
        env = NULL;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd); /* releases the lock */
    free(line);
    gl_value_free(env);
    gl_value_free(rec);
    return rc;
}

/* Line lineno of a chained log holds record seq (prev: its "prev" field,
 * prev_hex: the hash of the line before): prints what was removed,
 * reordered, inserted or edited before it; 1 when something was, else 0. */
static int chain_problem(FILE *to, const char *path, size_t lineno, int64_t seq, int64_t prev_seq, const char *prev,
                         const char *prev_hex)
{
    int64_t want = prev_seq + 1;

    if (seq == 2 && lineno == 1)
        fprintf(to, "%s:%zu: the log starts at seq 2: record 1 was removed\n", path, lineno);
    else if (seq > want && lineno == 1)
        fprintf(to, "%s:%zu: the log starts at seq %lld: records 1 to %lld were removed\n", path, lineno,
                (long long)seq, (long long)(seq - 1));
    else if (seq == want + 1)
        fprintf(to, "%s:%zu: seq %lld follows seq %lld: record %lld was removed\n", path, lineno, (long long)seq,
                (long long)prev_seq, (long long)want);
    else if (seq > want)
        fprintf(to, "%s:%zu: seq %lld follows seq %lld: records %lld to %lld were removed\n", path, lineno,
                (long long)seq, (long long)prev_seq, (long long)want, (long long)(seq - 1));
    else if (seq < want)
        fprintf(to, "%s:%zu: seq %lld after seq %lld: records were reordered or a record was inserted\n", path,
                lineno, (long long)seq, (long long)prev_seq);
    else if (lineno == 1 ? prev != NULL : (prev == NULL || strcmp(prev, prev_hex) != 0))
        fprintf(to, "%s:%zu: prev does not match line %zu: the record before it was edited or replaced\n", path,
                lineno, lineno - 1);
    else
        return 0;
    return 1;
}

/* The last line of verify: ok (what was verified) or FAILED (how many problems). */
static void print_verdict(FILE *to, const char *path, const char *key_id, size_t records, size_t problems,
                          int64_t single_seq, int chain_intact)
{
    if (problems == 0 && single_seq > 0)
        fprintf(to, "ok: %s: 1 record (seq %lld of an audit log: --log LOG checks it is in the chain), "
                    "every signature verifies with key id %s\n", path, (long long)single_seq, key_id);
    else if (problems == 0)
        fprintf(to, "ok: %s: %zu record%s%s, every signature verifies with key id %s\n", path, records,
                records == 1 ? "" : "s", chain_intact ? ", chain intact" : "", key_id);
    else
        fprintf(to, "FAILED: %s: %zu problem%s\n", path, problems, problems == 1 ? "" : "s");
}

/* as_log: the file is a log even when it holds one line (--log). */
static int verify_path(const char *path, gl_evidence_key *pub, FILE *to, int as_log, gl_error *err)
{
    char *text = NULL, why[2048], prev_hex[65] = "", key_id[17];
    gl_error jerr;
    size_t len = 0, pos = 0, lineno = 0, records = 0, problems = 0;
    int64_t prev_seq = 0, single_seq = 0;
    int chained = -1, single;

    if (gl_file_read(path, LOG_MAX, &text, &len, err) != 0)
        return -1;
    gl_evidence_key_id(pub, key_id);
    if (len == 0) {
        fprintf(to, "%s: empty: no record to verify\n", path);
        free(text);
        return 1;
    }
    /* One line is one record (DIR/decision.json): a run that also wrote the
     * audit log gave it that log's seq, so its chain is checked against the
     * log (--log), not demanded to start at 1. */
    single = !as_log && memchr(text, '\n', len) == text + len - 1;
    while (pos < len) {
        char *nl = memchr(text + pos, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - (text + pos)) : len - pos;
        const char *line = text + pos;
        gl_value *env = NULL;
        const gl_value *rec, *seqv;
        char here[65];
        int ok;

        lineno++;
        gl_sha256_hex(line, line_len, here);
        pos += line_len + (nl ? 1 : 0);
        if (nl == NULL) {
            fprintf(to, "%s:%zu: incomplete last record (no end of line): the log was truncated\n", path, lineno);
            problems++;
            break;
        }
        if (line_len == 0) {
            fprintf(to, "%s:%zu: empty line inserted\n", path, lineno);
            problems++;
            continue;
        }
        if (gl_json_parse(line, line_len, &env, &jerr) != 0) {
            fprintf(to, "%s:%zu: not valid JSON (%s): the record was edited or cut\n", path, lineno, jerr.message);
            problems++;
            snprintf(prev_hex, sizeof(prev_hex), "%s", here);
            prev_seq++;
            continue;
        }
        records++;
        rec = gl_value_object_get(env, "record");
        seqv = gl_value_object_get(rec, "seq");
        ok = gl_evidence_record_check(env, pub, why, sizeof(why));
        if (ok < 0) {
            gl_value_free(env);
            free(text);
            return gl_error_set(err, GL_ERR_NOMEM, "out of memory verifying %s", path);
        }
        if (ok == 0) {
            fprintf(to, "%s:%zu: %s\n", path, lineno, why);
            problems++;
        }
        if (chained < 0)
            chained = gl_value_kind_of(seqv) == GL_VALUE_INT;
        if (single && gl_value_kind_of(seqv) == GL_VALUE_INT) {
            single_seq = gl_value_get_int(seqv);
        } else if (chained && gl_value_kind_of(seqv) == GL_VALUE_INT) {
            int64_t seq = gl_value_get_int(seqv);
            problems += chain_problem(to, path, lineno, seq, prev_seq, gl_value_object_string(rec, "prev"), prev_hex);
            prev_seq = seq;
        } else if (chained) {
            fprintf(to, "%s:%zu: a record without seq inside a chained log (inserted)\n", path, lineno);
            problems++;
        }
        snprintf(prev_hex, sizeof(prev_hex), "%s", here);
        gl_value_free(env);
    }
    free(text);
    print_verdict(to, path, key_id, records, problems, single_seq, chained > 0 && !single);
    return problems ? 1 : 0;
}

int gl_evidence_verify_file(const char *path, gl_evidence_key *pub, FILE *to, gl_error *err)
{
    return verify_path(path, pub, to, 0, err);
}

/* The seq and canonical bytes of a one-record file's envelope. */
static int read_one_record(const char *path, int64_t *seq, char **canonical, gl_error *err)
{
    char *text = NULL;
    size_t len = 0, clen = 0;
    gl_value *env = NULL;
    const gl_value *seqv;
    int rc = -1;

    *canonical = NULL;
    if (gl_file_read(path, LOG_LINE_MAX, &text, &len, err) != 0)
        return -1;
    if (gl_json_parse(text, len, &env, err) != 0) {
        gl_error_set(err, GL_ERR_USAGE, "%s is not one decision record (%s)", path, err->message);
        goto out;
    }
    seqv = gl_value_object_get(gl_value_object_get(env, "record"), "seq");
    if (gl_value_kind_of(seqv) != GL_VALUE_INT || gl_value_get_int(seqv) < 1) {
        gl_error_set(err, GL_ERR_USAGE,
                     "%s has no seq: it was not written to an audit log, so there is nothing to find in one", path);
        goto out;
    }
    *seq = gl_value_get_int(seqv);
    *canonical = gl_evidence_canonical(env, &clen);
    if (*canonical == NULL) {
        gl_error_set(err, GL_ERR_NOMEM, "out of memory verifying %s", path);
        goto out;
    }
    rc = 0;
out:
    gl_value_free(env);
    free(text);
    return rc;
}

int gl_evidence_verify_in_log(const char *record_path, const char *log_path, gl_evidence_key *pub, FILE *to,
                              gl_error *err)
{
    char *want = NULL, *text = NULL;
    size_t len = 0, pos = 0, lineno = 0;
    int64_t seq = 0;
    int rc, found = 0;

    rc = gl_evidence_verify_file(record_path, pub, to, err);
    if (rc != 0)
        return rc;
    if (read_one_record(record_path, &seq, &want, err) != 0)
        return -1;
    rc = verify_path(log_path, pub, to, 1, err);
    if (rc < 0 || gl_file_read(log_path, LOG_MAX, &text, &len, err) != 0) {
        free(want);
        return -1;
    }
    /* Line seq of an intact log holds record seq; find it wherever it is, so
     * a tampered log still says whether the record is in it. */
    while (pos < len) {
        char *nl = memchr(text + pos, '\n', len - pos), *have = NULL;
        size_t line_len = nl ? (size_t)(nl - (text + pos)) : len - pos, hlen = 0;
        gl_value *env = NULL;

        lineno++;
        if (gl_json_parse(text + pos, line_len, &env, NULL) == 0)
            have = gl_evidence_canonical(env, &hlen);
        gl_value_free(env);
        pos += line_len + 1;
        if (have != NULL && strcmp(have, want) == 0) {
            found = 1;
            free(have);
            break;
        }
        free(have);
    }
    if (!found) {
        fprintf(to, "%s: record seq %lld is not in %s: the record or the log was altered, or records were "
                    "removed from the log's end\n", record_path, (long long)seq, log_path);
        rc = 1;
    } else if ((int64_t)lineno != seq) {
        fprintf(to, "%s: record seq %lld is line %zu of %s: records before it were removed or inserted\n",
                record_path, (long long)seq, lineno, log_path);
        rc = 1;
    } else if (rc == 0) {
        fprintf(to, "ok: %s is record %lld of %s, and the log verifies up to and past it\n", record_path,
                (long long)seq, log_path);
    }
    free(text);
    free(want);
    return rc;
}
