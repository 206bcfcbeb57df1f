/* version — see version.h. */
#include "version.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int engine_version_version_from_num(int num, engine_version_version *out)
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

int engine_version_version_major_string(const engine_version_version *v, char *buf, size_t buflen)
{
    if (buflen == 0)
        return -1;
    if (v->pre10)
        snprintf(buf, buflen, "%d.%d", v->major / 10, v->major % 10);
    else
        snprintf(buf, buflen, "%d", v->major);
    return 0;
}

int engine_version_version_string(const engine_version_version *v, char *buf, size_t buflen)
{
    if (buflen == 0)
        return -1;
    if (v->pre10)
        snprintf(buf, buflen, "%d.%d.%d", v->major / 10, v->major % 10, v->minor);
    else
        snprintf(buf, buflen, "%d.%d", v->major, v->minor);
    return 0;
}

engine_version_change engine_version_version_change(const engine_version_version *blue, const engine_version_version *green)
{
    if (green->num < blue->num)
        return ENGINE_VERSION_DOWNGRADE;
    /* pre-10 majors (96) are below every 10+ major (10..) only via num; compare nums */
    if (green->num == blue->num)
        return ENGINE_VERSION_SAME;
    if (green->major != blue->major || green->pre10 != blue->pre10)
        return ENGINE_VERSION_MAJOR_UPGRADE;
    return ENGINE_VERSION_MINOR_UPGRADE;
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

int engine_version_extension_version_cmp(const char *a, const char *b)
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

int engine_version_source_is_operator(const char *source)
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

int engine_version_crosses(const engine_version_version *blue, const engine_version_version *green, int first_bad_num)
{
    if (engine_version_version_change(blue, green) != ENGINE_VERSION_MAJOR_UPGRADE)
        return 0;
    if (first_bad_num <= 0)
        return 1;
    return blue->num < first_bad_num && green->num >= first_bad_num;
}

/* ---------------------------------------------------------------- data file */

#define DATA_MAX_FIELDS 4

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
}

/* Grows *items (of size `size`) to hold one more; returns the new slot or NULL. */
static void *grow(void **items, size_t *n, size_t size)
{
    void *p = realloc(*items, (*n + 1) * size);

    if (p == NULL)
        return NULL;
    *items = p;
    memset((char *)p + *n * size, 0, size);
    return (char *)p + (*n)++ * size;
}

/*
 * Splits line (NUL-terminated, modified in place) into up to nfields
 * whitespace-separated words, the last one taking the rest of the line.
 * Returns the number of fields found.
 */
static int split_fields(char *line, char **fields, int nfields)
{
    int n = 0;
    char *p = line;

    while (n < nfields) {
        p += strspn(p, " \t");
        if (*p == '\0')
            break;
        fields[n++] = p;
        if (n == nfields)
            break;
        p += strcspn(p, " \t");
        if (*p == '\0')
            break;
        *p++ = '\0';
    }
    /* trim the trailing blanks of the rest-of-line field */
    if (n > 0) {
        char *last = fields[n - 1];
        size_t len = strlen(last);

        while (len > 0 && (last[len - 1] == ' ' || last[len - 1] == '\t' || last[len - 1] == '\r'))
            last[--len] = '\0';
    }
    return n;
}

static int is_severity(const char *s)
{
    return strcmp(s, "info") == 0 || strcmp(s, "warning") == 0 || strcmp(s, "error") == 0 ||
           strcmp(s, "critical") == 0;
}

/* Parses one non-comment line into data. Returns 0, or -1 with errbuf set. */
static int parse_line(char *line, int lineno, int *seen_format, engine_version_data *data, char *errbuf,
                      size_t errlen)
{
    char *f[DATA_MAX_FIELDS + 1] = { 0 };
    int n = split_fields(line, f, DATA_MAX_FIELDS + 1);

    if (n == 0)
        return 0;
    if (!*seen_format) {
        if (n != 2 || strcmp(f[0], "format") != 0 || strcmp(f[1], "1") != 0) {
            set_err(errbuf, errlen, "line %d: the first line must be \"format 1\"", lineno);
            return -1;
        }
        *seen_format = 1;
        return 0;
    }
    if (strcmp(f[0], "parameter") == 0) {
        engine_version_renamed_parameter *p;

        if (n != 5) {
            set_err(errbuf, errlen, "line %d: %s", lineno,
                    "expected \"parameter REMOVED_IN NAME SUCCESSOR|- NOTE\"");
            return -1;
        }
        for (const char *c = f[2]; *c != '\0'; c++)
            if (!(*c == '_' || *c == '.' || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9'))) {
                set_err(errbuf, errlen, "line %d: parameter name %s is not lower-case", lineno, f[2]);
                return -1;
            }
        if (engine_version_data_parameter(data, f[2]) != NULL) {
            set_err(errbuf, errlen, "line %d: parameter %s is listed twice", lineno, f[2]);
            return -1;
        }
        p = grow((void **)&data->parameters, &data->nparameters, sizeof(*p));
        if (p == NULL)
            goto oom;
        p->removed_in = strdup(f[1]);
        p->name = strdup(f[2]);
        p->renamed_to = strcmp(f[3], "-") == 0 ? NULL : strdup(f[3]);
        p->note = strdup(f[4]);
        if (p->removed_in == NULL || p->name == NULL || p->note == NULL ||
            (strcmp(f[3], "-") != 0 && p->renamed_to == NULL))
            goto oom;
        return 0;
    }
    if (strcmp(f[0], "extension") == 0) {
        engine_version_extension_note *e;

        if (n < 4) {
            set_err(errbuf, errlen, "line %d: %s", lineno,
                    "expected \"extension NAME SEVERITY REASON\"");
            return -1;
        }
        if (n == 5) {
            /* the reason was split by the fifth field: glue it back */
            f[3][strlen(f[3])] = ' ';
        }
        if (!is_severity(f[2])) {
            set_err(errbuf, errlen, "line %d: %s is not info, warning, error or critical", lineno,
                    f[2]);
            return -1;
        }
        if (engine_version_data_extension(data, f[1]) != NULL) {
            set_err(errbuf, errlen, "line %d: extension %s is listed twice", lineno, f[1]);
            return -1;
        }
        e = grow((void **)&data->extensions, &data->nextensions, sizeof(*e));
        if (e == NULL)
            goto oom;
        e->name = strdup(f[1]);
        e->severity = strdup(f[2]);
        e->reason = strdup(f[3]);
        if (e->name == NULL || e->severity == NULL || e->reason == NULL)
            goto oom;
        return 0;
    }
    set_err(errbuf, errlen, "line %d: unknown record \"%s\" (parameter or extension)", lineno, f[0]);
    return -1;
oom:
    set_err(errbuf, errlen, "line %d: out of memory", lineno);
    return -1;
}

int engine_version_data_parse(const char *text, size_t len, engine_version_data *out, char *errbuf, size_t errlen)
{
    char *copy = NULL, *line, *next;
    int lineno = 0, seen_format = 0, rc = -1;

    memset(out, 0, sizeof(*out));
    if (memchr(text, '\0', len) != NULL) {
        set_err(errbuf, errlen, "the data contains a NUL byte");
        return -1;
    }
    copy = malloc(len + 1);
    if (copy == NULL) {
        set_err(errbuf, errlen, "out of memory");
        return -1;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    for (line = copy; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        lineno++;
        if (line[strspn(line, " \t\r")] == '#')
            continue;
        if (parse_line(line, lineno, &seen_format, out, errbuf, errlen) != 0)
            goto out;
    }
    if (!seen_format) {
        set_err(errbuf, errlen, "line %d: %s", lineno, "no \"format 1\" line");
        goto out;
    }
    rc = 0;
out:
    free(copy);
    if (rc != 0)
        engine_version_data_free(out);
    return rc;
}

void engine_version_data_free(engine_version_data *data)
{
    for (size_t i = 0; i < data->nparameters; i++) {
        free(data->parameters[i].name);
        free(data->parameters[i].renamed_to);
        free(data->parameters[i].removed_in);
        free(data->parameters[i].note);
    }
    for (size_t i = 0; i < data->nextensions; i++) {
        free(data->extensions[i].name);
        free(data->extensions[i].severity);
        free(data->extensions[i].reason);
    }
    free(data->parameters);
    free(data->extensions);
    memset(data, 0, sizeof(*data));
}

const engine_version_renamed_parameter *engine_version_data_parameter(const engine_version_data *data, const char *name)
{
    if (data == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < data->nparameters; i++)
        if (strcasecmp(data->parameters[i].name, name) == 0)
            return &data->parameters[i];
    return NULL;
}

const engine_version_extension_note *engine_version_data_extension(const engine_version_data *data, const char *name)
{
    if (data == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < data->nextensions; i++)
        if (strcasecmp(data->extensions[i].name, name) == 0)
            return &data->extensions[i];
    return NULL;
}
