/*
 * credentials — see credentials.h. The shared files are INI-like:
 * "[section]", "key = value", comments (# or ;), blank lines, and indented
 * sub-settings under a key with an empty value (e.g. "s3 =").
 */
#include "aws/credentials.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define GL_AWS_FILE_MAX (1024u * 1024u)

/* Keys the AWS CLI documents for these files that greenlight reads or
 * knowingly ignores; anything else in the profile used is a mistake. */
static const char *const known_keys[] = {
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "region", "output",
    "cli_pager", "cli_timestamp_format", "cli_binary_format", "cli_auto_prompt", "cli_history",
    "max_attempts", "retry_mode", "ca_bundle", "parameter_validation", "tcp_keepalive",
    "use_fips_endpoint", "use_dualstack_endpoint", "endpoint_url", "ignore_configure_endpoint_urls",
    "duration_seconds", "external_id", "mfa_serial", "role_session_name", "s3", "services",
    "sts_regional_endpoints", "api_versions", "defaults_mode", "metadata_service_timeout",
    "metadata_service_num_attempts", "aws_account_id",
    NULL,
};

/* Keys that mean "credentials come from elsewhere", which greenlight does not
 * resolve itself. */
static const char *const indirect_keys[] = {
    "role_arn", "source_profile", "credential_source", "credential_process", "web_identity_token_file",
    "sso_session", "sso_account_id", "sso_role_name", "sso_start_url", "sso_region", "sso_registration_scopes",
    NULL,
};

static int in_list(const char *const *list, const char *key)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], key) == 0)
            return 1;
    return 0;
}

typedef struct profile_values {
    int found;
    char indirect[64];          /* first indirect key seen, for the message */
    char region[64];
    int has_key_id, has_secret, has_token;
} profile_values;

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

/* Copies a value into dst, refusing one that does not fit; the message never
 * includes the value (it may be a secret). */
static int take(char *dst, size_t cap, const char *value, const char *path, int line, const char *key,
                gl_error *err)
{
    size_t n = strlen(value);

    if (n == 0 || n >= cap)
        return gl_error_set(err, GL_ERR_USAGE, "%s:%d: %s is %s", path, line, key,
                            n == 0 ? "empty" : "too long to be an AWS value");
    memcpy(dst, value, n + 1);
    return 0;
}

/*
 * Parses text (NUL-terminated; modified in place) as the shared file `path`,
 * reading the section `want` into creds/vals. Syntax errors anywhere, and
 * unknown keys inside the section, are errors naming path:line.
 */
static int parse_profile(char *text, const char *path, const char *want, gl_aws_credentials *creds,
                         profile_values *vals, gl_error *err)
{
    char *line = text;
    int lineno = 0, in_section = 0, sub_block = 0;

    /* strtok_r would skip empty lines and lose line numbers: split by hand. */
    while (line != NULL) {
        char *next = strchr(line, '\n'), *s, *eq, *key, *value;

        if (next)
            *next++ = '\0';
        lineno++;
        if (line[0] == ' ' || line[0] == '\t') {
            s = trim(line);
            if (*s == '\0' || *s == '#' || *s == ';' || sub_block)
                goto next_line;     /* "s3 =" followed by indented settings */
            return gl_error_set(err, GL_ERR_USAGE,
                                "%s:%d: indented line outside a nested setting: remove the indentation", path, lineno);
        }
        s = trim(line);
        if (*s == '\0' || *s == '#' || *s == ';')
            goto next_line;
        sub_block = 0;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (close == NULL || *trim(close + 1) != '\0')
                return gl_error_set(err, GL_ERR_USAGE, "%s:%d: a section header is [name]", path, lineno);
            *close = '\0';
            in_section = strcmp(trim(s + 1), want) == 0;
            if (in_section)
                vals->found = 1;
            goto next_line;
        }
        eq = strchr(s, '=');
        if (eq == NULL)
            return gl_error_set(err, GL_ERR_USAGE, "%s:%d: expected [section] or key = value", path, lineno);
        *eq = '\0';
        key = trim(s);
        value = trim(eq + 1);
        if (*key == '\0' || strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != strlen(key))
            return gl_error_set(err, GL_ERR_USAGE, "%s:%d: \"%.64s\" is not a setting name", path, lineno, key);
        if (*value == '\0')
            sub_block = 1;
        if (!in_section)
            goto next_line;
        if (strcmp(key, "aws_access_key_id") == 0) {
            if (take(creds->access_key_id, sizeof(creds->access_key_id), value, path, lineno, key, err) != 0)
                return -1;
            vals->has_key_id = 1;
        } else if (strcmp(key, "aws_secret_access_key") == 0) {
            if (take(creds->secret_access_key, sizeof(creds->secret_access_key), value, path, lineno, key, err) != 0)
                return -1;
            vals->has_secret = 1;
        } else if (strcmp(key, "aws_session_token") == 0) {
            if (take(creds->session_token, sizeof(creds->session_token), value, path, lineno, key, err) != 0)
                return -1;
            vals->has_token = 1;
        } else if (strcmp(key, "region") == 0) {
            if (take(vals->region, sizeof(vals->region), value, path, lineno, key, err) != 0)
                return -1;
        } else if (in_list(indirect_keys, key)) {
            if (vals->indirect[0] == '\0')
                snprintf(vals->indirect, sizeof(vals->indirect), "%s", key);
        } else if (!in_list(known_keys, key)) {
            return gl_error_set(err, GL_ERR_USAGE, "%s:%d: unknown setting \"%.64s\" in [%s]: check its spelling",
                                path, lineno, key, want);
        }
next_line:
        line = next;
    }
    return 0;
}

/* Reads the section `want` of path. A missing file is fine (nothing found)
 * unless required (its path was given explicitly). */
static int read_profile(const char *path, int required, const char *want, gl_aws_credentials *creds,
                        profile_values *vals, gl_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc;
    FILE *probe;

    probe = fopen(path, "r");
    if (probe == NULL) {
        if (!required && errno == ENOENT)
            return 0;
        return gl_error_set(err, GL_ERR_USAGE, "cannot read AWS file %s: %s", path, strerror(errno));
    }
    fclose(probe);
    if (gl_file_read(path, GL_AWS_FILE_MAX, &text, &len, err) != 0)
        return -1;
    rc = parse_profile(text, path, want, creds, vals, err);
    OPENSSL_cleanse(text, len);
    free(text);
    return rc;
}

int gl_aws__credentials_parse(const char *text, size_t len, const char *section, gl_aws_credentials *out,
                              gl_error *err)
{
    profile_values vals;
    char *copy = malloc(len + 1);
    int rc;

    memset(&vals, 0, sizeof(vals));
    memset(out, 0, sizeof(*out));
    if (copy == NULL)
        return gl_error_nomem(err);
    memcpy(copy, text, len);
    copy[len] = '\0';
    rc = parse_profile(copy, "(buffer)", section, out, &vals, err);
    free(copy);
    return rc;
}

/* Default path of a shared file: ENV if set, else ~/.aws/NAME. */
static int shared_path(const char *env, const char *name, char *out, size_t cap, int *explicit_path)
{
    const char *v = getenv(env), *home = getenv("HOME");

    *explicit_path = v != NULL && *v != '\0';
    if (*explicit_path)
        return snprintf(out, cap, "%s", v) < (int)cap ? 0 : -1;
    if (home == NULL || *home == '\0')
        home = "/";
    return snprintf(out, cap, "%s/.aws/%s", home, name) < (int)cap ? 0 : -1;
}

typedef struct profile_files {
    char profile[128];
    int profile_explicit;
    char cred_path[1024], config_path[1024];
    profile_values cred_vals, config_vals;
} profile_files;

/* Reads the profile from both shared files. */
static int read_profile_files(profile_files *pf, gl_aws_credentials *creds, gl_error *err)
{
    const char *p = getenv("AWS_PROFILE");
    char section[160];
    int cred_explicit, config_explicit;

    memset(pf, 0, sizeof(*pf));
    pf->profile_explicit = p != NULL && *p != '\0';
    if (!pf->profile_explicit)
        p = "default";
    if (strlen(p) >= sizeof(pf->profile))
        return gl_error_set(err, GL_ERR_USAGE, "AWS_PROFILE is too long");
    snprintf(pf->profile, sizeof(pf->profile), "%s", p);
    if (shared_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", pf->cred_path, sizeof(pf->cred_path), &cred_explicit) != 0 ||
        shared_path("AWS_CONFIG_FILE", "config", pf->config_path, sizeof(pf->config_path), &config_explicit) != 0)
        return gl_error_set(err, GL_ERR_USAGE, "the AWS shared file path is too long");
    if (read_profile(pf->cred_path, cred_explicit, pf->profile, creds, &pf->cred_vals, err) != 0)
        return -1;
    if (strcmp(pf->profile, "default") == 0)
        snprintf(section, sizeof(section), "default");
    else
        snprintf(section, sizeof(section), "profile %s", pf->profile);
    return read_profile(pf->config_path, config_explicit, section, creds, &pf->config_vals, err);
}

int gl_aws_credentials_load(gl_aws_credentials *out, gl_error *err)
{
    const char *id = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
    const char *token = getenv("AWS_SESSION_TOKEN");
    profile_files pf;
    int has_id, has_secret;

    memset(out, 0, sizeof(*out));
    if ((id && *id) || (secret && *secret)) {
        if (!(id && *id) || !(secret && *secret))
            return gl_error_set(err, GL_ERR_USAGE, "%s is set but %s is not: set both, or neither to use a profile",
                                id && *id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                                id && *id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
        if (strlen(id) >= sizeof(out->access_key_id) || strlen(secret) >= sizeof(out->secret_access_key) ||
            (token && strlen(token) >= sizeof(out->session_token)))
            return gl_error_set(err, GL_ERR_USAGE,
                                "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or AWS_SESSION_TOKEN is too long to be an AWS value");
        snprintf(out->access_key_id, sizeof(out->access_key_id), "%s", id);
        snprintf(out->secret_access_key, sizeof(out->secret_access_key), "%s", secret);
        if (token)
            snprintf(out->session_token, sizeof(out->session_token), "%s", token);
        snprintf(out->source, sizeof(out->source), "environment (AWS_ACCESS_KEY_ID)");
        return 0;
    }
    if (read_profile_files(&pf, out, err) != 0) {
        gl_aws_credentials_clear(out);
        return -1;
    }
    has_id = pf.cred_vals.has_key_id || pf.config_vals.has_key_id;
    has_secret = pf.cred_vals.has_secret || pf.config_vals.has_secret;
    if (has_id && has_secret) {
        snprintf(out->source, sizeof(out->source), "profile %s in %s", pf.profile,
                 pf.cred_vals.has_key_id ? pf.cred_path : pf.config_path);
        return 0;
    }
    gl_aws_credentials_clear(out);
    if (has_id || has_secret)
        return gl_error_set(err, GL_ERR_USAGE, "AWS profile %s has aws_%s but not aws_%s (in %s or %s)",
                            pf.profile, has_id ? "access_key_id" : "secret_access_key",
                            has_id ? "secret_access_key" : "access_key_id", pf.cred_path, pf.config_path);
    if (pf.cred_vals.indirect[0] || pf.config_vals.indirect[0])
        return gl_error_set(err, GL_ERR_USAGE,
                            "AWS profile %s gets its credentials through %s, which greenlight does not resolve: "
                            "export them first (eval \"$(aws configure export-credentials --profile %s --format env)\")",
                            pf.profile, pf.cred_vals.indirect[0] ? pf.cred_vals.indirect : pf.config_vals.indirect,
                            pf.profile);
    if (pf.profile_explicit && !pf.cred_vals.found && !pf.config_vals.found)
        return gl_error_set(err, GL_ERR_USAGE, "AWS_PROFILE=%s: no such profile in %s or %s", pf.profile,
                            pf.cred_path, pf.config_path);
    return gl_error_set(err, GL_ERR_USAGE,
                        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), "
                        "or AWS_PROFILE naming a profile in %s", pf.cred_path);
}

int gl_aws_region_resolve(const char *explicit_region, char *out, size_t len, gl_error *err)
{
    const char *r = explicit_region;
    gl_aws_credentials scratch;
    profile_files pf;

    if (r == NULL || *r == '\0')
        r = getenv("AWS_REGION");
    if (r == NULL || *r == '\0')
        r = getenv("AWS_DEFAULT_REGION");
    if (r != NULL && *r != '\0') {
        if (strlen(r) >= len)
            return gl_error_set(err, GL_ERR_USAGE, "AWS region \"%.64s\" is too long", r);
        snprintf(out, len, "%s", r);
        return 0;
    }
    if (read_profile_files(&pf, &scratch, err) != 0) {
        gl_aws_credentials_clear(&scratch);
        return -1;
    }
    gl_aws_credentials_clear(&scratch);
    if (pf.config_vals.region[0] != '\0' && strlen(pf.config_vals.region) < len) {
        snprintf(out, len, "%s", pf.config_vals.region);
        return 0;
    }
    return gl_error_set(err, GL_ERR_USAGE,
                        "no AWS region: pass --region, set AWS_REGION, or set region in [%s%s] of %s",
                        strcmp(pf.profile, "default") == 0 ? "" : "profile ", pf.profile, pf.config_path);
}

void gl_aws_credentials_clear(gl_aws_credentials *creds)
{
    OPENSSL_cleanse(creds, sizeof(*creds));
}
