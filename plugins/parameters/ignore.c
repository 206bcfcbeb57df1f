/* ignore — see ignore.h. */
#include "ignore.h"

#include <ctype.h>
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

int parameters_glob_match(const char *pattern, const char *name)
{
    const char *star = NULL;   /* last `*` seen, to backtrack to */
    const char *resume = NULL; /* where in name that `*` resumes */

    /* Iterative with single backtracking: linear-ish, no recursion depth. */
    while (*name != '\0') {
        if (*pattern == '*') {
            star = pattern++;
            resume = name;
        } else if (*pattern == '?' ||
                   (*pattern != '\0' &&
                    tolower((unsigned char)*pattern) == tolower((unsigned char)*name))) {
            pattern++;
            name++;
        } else if (star != NULL) {
            pattern = star + 1;
            name = ++resume;
        } else {
            return 0;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
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
