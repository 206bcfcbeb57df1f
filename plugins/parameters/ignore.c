/* ignore — see ignore.h. */
#include "ignore.h"

#include <ctype.h>
#include <fnmatch.h>
#include <string.h>

/*
 * Why each is here is in share/doc/checks/parameters.md. In short: paths,
 * ports and names that differ between any two servers by construction; the
 * version itself (engine_version reports it); the settings greenlight's own
 * read-only session sets; and per-session or per-transaction state.
 */
const char *const parameters_default_ignore[] = {
    /* identity and location of the instance */
    "port",
    "listen_addresses",
    "cluster_name",
    "data_directory",
    "data_directory_mode",
    "config_file",
    "hba_file",
    "ident_file",
    "external_pid_file",
    "unix_socket_directories",
    "unix_socket_group",
    "unix_socket_permissions",
    "log_directory",
    "log_filename",
    "krb_server_keyfile",
    "ssl_cert_file",
    "ssl_key_file",
    "ssl_ca_file",
    "ssl_crl_file",
    "ssl_crl_dir",
    /* the version: the engine_version check owns it */
    "server_version",
    "server_version_num",
    /* set by greenlight's own connection, not by the server's configuration */
    "application_name",
    "default_transaction_read_only",
    "transaction_read_only",
    "statement_timeout",
    "lock_timeout",
    "idle_in_transaction_session_timeout",
    "client_encoding",
    /* per-session and per-transaction state */
    "transaction_isolation",
    "transaction_deferrable",
    "is_superuser",
    "session_authorization",
    "in_hot_standby",
    NULL
};

/* One glob dialect everywhere (waivers, schema filters, query_regression's
 * deny list, this list): fnmatch(3) with no flags. Setting names are
 * case-insensitive in PostgreSQL, so both sides are compared lower-cased. */
int parameters_glob_match(const char *pattern, const char *name)
{
    char p[256], n[256];
    size_t i;

    if (strlen(pattern) >= sizeof(p) || strlen(name) >= sizeof(n))
        return 0;
    for (i = 0; pattern[i] != '\0'; i++)
        p[i] = (char)tolower((unsigned char)pattern[i]);
    p[i] = '\0';
    for (i = 0; name[i] != '\0'; i++)
        n[i] = (char)tolower((unsigned char)name[i]);
    n[i] = '\0';
    return fnmatch(p, n, 0) == 0;
}

char *parameters_ignore_line(char *line)
{
    char *hash = strchr(line, '#');
    char *end;

    if (hash != NULL)
        *hash = '\0';
    while (isspace((unsigned char)*line))
        line++;
    end = line + strlen(line);
    while (end > line && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return line[0] != '\0' ? line : NULL;
}
