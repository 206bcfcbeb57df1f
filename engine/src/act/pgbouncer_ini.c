/*
 * pgbouncer_ini — the PgBouncer actuator's ini file: reading and atomically
 * rewriting one [databases] entry (the console side is in pgbouncer.c).
 */
#include "act/pgbouncer.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/pgbouncer_internal.h"
#include "collect/target.h"

#define GL_INI_MAX (1024u * 1024u)

typedef struct span {
    const char *p;
    size_t n;
} span;

static span trim(span s)
{
    while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r'))
        s.p++, s.n--;
    while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r'))
        s.n--;
    return s;
}

static int span_is(span s, const char *word)
{
    return s.n == strlen(word) && strncasecmp(s.p, word, s.n) == 0;
}

/* The entry of alias: *line is the whole line (without '\n'), *value the text
 * after '='. Returns 0, or -1 (missing, duplicated or not in [databases]). */
static int find_entry(const char *text, size_t len, const char *alias, span *line, span *value,
                      gl_error *err)
{
    int in_databases = 0, found = 0;
    size_t pos = 0;

    if (len > GL_INI_MAX)
        return gl_error_set(err, GL_ERR_TOO_LARGE, "the PgBouncer ini is too large (%zu bytes; the "
                            "limit is %u)", len, GL_INI_MAX);
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        span raw = {text + pos, nl ? (size_t)(nl - (text + pos)) : len - pos};
        span t = trim(raw), key;
        const char *eq;

        pos += raw.n + (nl ? 1 : 0);
        if (memchr(raw.p, '\0', raw.n) != NULL)
            return gl_error_set(err, GL_ERR_USAGE, "the PgBouncer ini contains a NUL byte");
        if (t.n == 0 || t.p[0] == ';' || t.p[0] == '#')
            continue;
        if (t.p[0] == '[') {
            span name = {t.p + 1, t.n > 1 && t.p[t.n - 1] == ']' ? t.n - 2 : t.n - 1};
            in_databases = span_is(trim(name), "databases");
            continue;
        }
        if (!in_databases)
            continue;
        eq = memchr(t.p, '=', t.n);
        if (eq == NULL)
            continue;
        key = trim((span){t.p, (size_t)(eq - t.p)});
        if (key.n != strlen(alias) || memcmp(key.p, alias, key.n) != 0)
            continue;
        if (found)
            return gl_error_set(err, GL_ERR_USAGE, "the PgBouncer ini defines database \"%s\" "
                                "twice in [databases]: keep one entry", alias);
        found = 1;
        *line = raw;
        *value = trim((span){eq + 1, (size_t)(t.p + t.n - (eq + 1))});
    }
    if (!found)
        return gl_error_set(err, GL_ERR_USAGE, "the PgBouncer ini has no entry \"%s\" in "
                            "[databases]: add one (%s = host=... port=... dbname=...)",
                            alias, alias);
    return 0;
}

/* One key=value pair of an entry: raw is the whole token, key and val its
 * parts (val without quotes). */
typedef struct pair {
    span raw, key, val;
} pair;

#define GL_INI_MAX_PAIRS 64

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static int split_pairs(span value, pair *pairs, size_t *n_pairs, const char *alias, gl_error *err)
{
    size_t i = 0, n = 0;

    while (i < value.n) {
        pair p;
        size_t start;

        while (i < value.n && is_space(value.p[i]))
            i++;
        if (i >= value.n)
            break;
        if (n == GL_INI_MAX_PAIRS)
            return gl_error_set(err, GL_ERR_USAGE, "the PgBouncer entry \"%s\" has more than %d "
                                "settings", alias, GL_INI_MAX_PAIRS);
        start = i;
        while (i < value.n && value.p[i] != '=' && !is_space(value.p[i]))
            i++;
        p.key = (span){value.p + start, i - start};
        while (i < value.n && is_space(value.p[i]))
            i++;
        if (p.key.n == 0 || i >= value.n || value.p[i] != '=')
            return gl_error_set(err, GL_ERR_USAGE, "the PgBouncer entry \"%s\" is not a list of "
                                "key=value settings: fix it by hand", alias);
        i++;
        while (i < value.n && is_space(value.p[i]))
            i++;
        if (i < value.n && (value.p[i] == '\'' || value.p[i] == '"')) {
            char q = value.p[i++];
            size_t vs = i;
            while (i < value.n && value.p[i] != q)
                i++;
            if (i >= value.n)
                return gl_error_set(err, GL_ERR_USAGE, "the PgBouncer entry \"%s\" has an "
                                    "unterminated quote", alias);
            p.val = (span){value.p + vs, i - vs};
            i++;
        } else {
            size_t vs = i;
            while (i < value.n && !is_space(value.p[i]))
                i++;
            p.val = (span){value.p + vs, i - vs};
        }
        p.raw = (span){value.p + start, i - start};
        pairs[n++] = p;
    }
    *n_pairs = n;
    return 0;
}

static int plain_value(const char *v)
{
    size_t n = strlen(v);

    return n > 0 && strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "0123456789_./:-") == n;
}

static void copy_span(char *dst, size_t cap, span s)
{
    snprintf(dst, cap, "%.*s", (int)(s.n < cap ? s.n : cap - 1), s.p);
}

int gl_pgbouncer_ini_get(const char *text, size_t len, const char *alias,
                         gl_pgbouncer_target *out, gl_error *err)
{
    pair pairs[GL_INI_MAX_PAIRS];
    size_t n = 0;
    span line, value;

    memset(out, 0, sizeof(*out));
    if (gl_pgbouncer__alias_ok(alias, err) != 0 ||
        find_entry(text, len, alias, &line, &value, err) != 0 ||
        split_pairs(value, pairs, &n, alias, err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (span_is(pairs[i].key, "host"))
            copy_span(out->host, sizeof(out->host), pairs[i].val);
        else if (span_is(pairs[i].key, "port"))
            copy_span(out->port, sizeof(out->port), pairs[i].val);
        else if (span_is(pairs[i].key, "dbname"))
            copy_span(out->dbname, sizeof(out->dbname), pairs[i].val);
    }
    return 0;
}

/* Appends n bytes to a buffer sized by the caller to fit. */
static void put(char *buf, size_t *len, const char *s, size_t n)
{
    memcpy(buf + *len, s, n);
    *len += n;
}

int gl_pgbouncer_ini_rewrite(const char *text, size_t len, const char *alias,
                             const gl_pgbouncer_target *target, char **out, size_t *out_len,
                             gl_error *err)
{
    static const char *const keys[] = {"host", "port", "dbname"};
    const char *vals[3] = {target->host, target->port, target->dbname};
    pair pairs[GL_INI_MAX_PAIRS];
    size_t n = 0, o = 0, cap;
    span line, value;
    char *buf = NULL;
    int rc = -1;

    *out = NULL;
    *out_len = 0;
    if (gl_pgbouncer__alias_ok(alias, err) != 0)
        goto out;
    for (int k = 0; k < 3; k++) {
        if (!plain_value(vals[k]) || strlen(vals[k]) > 255) {
            gl_error_set(err, GL_ERR_USAGE, "cannot point PgBouncer entry \"%s\" at %s \"%s\": "
                         "only plain values (letters, digits, `_./:-`) are written", alias,
                         keys[k], vals[k]);
            goto out;
        }
    }
    if (find_entry(text, len, alias, &line, &value, err) != 0 ||
        split_pairs(value, pairs, &n, alias, err) != 0)
        goto out;
    cap = len + strlen(alias) + 3 * 270 + 16;
    buf = malloc(cap);
    if (buf == NULL) {
        gl_error_nomem(err);
        goto out;
    }
    put(buf, &o, text, (size_t)(line.p - text));
    put(buf, &o, alias, strlen(alias));
    put(buf, &o, " =", 2);
    for (int k = 0; k < 3; k++) {
        put(buf, &o, " ", 1);
        put(buf, &o, keys[k], strlen(keys[k]));
        put(buf, &o, "=", 1);
        put(buf, &o, vals[k], strlen(vals[k]));
    }
    for (size_t i = 0; i < n; i++) {
        if (span_is(pairs[i].key, "host") || span_is(pairs[i].key, "port") ||
            span_is(pairs[i].key, "dbname"))
            continue;
        put(buf, &o, " ", 1);
        put(buf, &o, pairs[i].raw.p, pairs[i].raw.n);
    }
    if (line.n > 0 && line.p[line.n - 1] == '\r')
        put(buf, &o, "\r", 1);
    put(buf, &o, line.p + line.n, (size_t)(text + len - (line.p + line.n)));
    buf[o] = '\0';
    *out = buf;
    *out_len = o;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    return rc;
}

int gl_pgbouncer_ini_read_target(const char *path, const char *alias,
                                 gl_pgbouncer_target *out, gl_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (gl_file_read(path, GL_INI_MAX, &text, &len, err) != 0)
        return -1;
    rc = gl_pgbouncer_ini_get(text, len, alias, out, err);
    if (rc != 0)
        gl_error_prefix(err, "%s", path);
    free(text);
    return rc;
}

/* fsync of the directory holding path, so the rename is durable. */
static int sync_dir_of(const char *path)
{
    char *copy = strdup(path);
    int fd, rc = -1;

    if (copy == NULL)
        return -1;
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        rc = fsync(fd);
        close(fd);
    }
    free(copy);
    return rc;
}

int gl_pgbouncer_ini_write_target(const char *path, const char *alias,
                                  const gl_pgbouncer_target *target, gl_error *err)
{
    char *text = NULL, *next = NULL, tmp[4096] = "";
    size_t len = 0, next_len = 0, done = 0;
    struct stat st;
    int fd = -1, rc = -1;

    if (gl_file_read(path, GL_INI_MAX, &text, &len, err) != 0)
        goto out;
    if (gl_pgbouncer_ini_rewrite(text, len, alias, target, &next, &next_len, err) != 0) {
        gl_error_prefix(err, "%s", path);
        goto out;
    }
    if (stat(path, &st) != 0 ||
        snprintf(tmp, sizeof(tmp), "%s.greenlight-tmp", path) >= (int)sizeof(tmp)) {
        gl_error_set(err, GL_ERR_USAGE, "cannot rewrite %s: %s", path, strerror(errno));
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 07777);
    if (fd < 0) {
        gl_error_set(err, GL_ERR_USAGE, "cannot write %s (to replace %s atomically): %s", tmp,
                     path, strerror(errno));
        goto out;
    }
    /* PgBouncer may run as another user: keep the owner when we may. */
    if (fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot chown %s: %s", tmp, strerror(errno));
        goto out;
    }
    (void)fchmod(fd, st.st_mode & 07777);
    while (done < next_len) {
        ssize_t w = write(fd, next + done, next_len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            gl_error_set(err, GL_ERR_INTERNAL, "cannot write %s: %s", tmp, strerror(errno));
            goto out;
        }
        done += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        gl_error_set(err, GL_ERR_INTERNAL, "cannot sync %s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot rename %s to %s: %s", tmp, path,
                     strerror(errno));
        goto out;
    }
    if (sync_dir_of(path) != 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot sync the directory of %s: %s", path,
                     strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc != 0 && tmp[0] != '\0')
        unlink(tmp);
    free(text);
    free(next);
    return rc;
}
