/* greenlight keygen --out KEY: a new Ed25519 key pair (KEY 0600, KEY.pub);
 * greenlight sign-policy --key KEY POLICY: writes POLICY.sig. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/exit.h"
#include "evidence/evidence.h"

/* Reads verb's options: its one option (longopts[0], value in *value) and
 * --help (usage printed). -1 when the verb goes on, else the exit code. */
static int one_option(int argc, char **argv, const char *verb, const char *shortopts,
                      const struct option *longopts, const char *usage, const char **value)
{
    char msg[256];
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (c == longopts[0].val) {
            *value = optarg;
        } else if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        } else {
            snprintf(msg, sizeof(msg), "unknown or incomplete option \"%s\"", argv[optind - 1]);
            return gl_cli_fail(verb, GL_EXIT_USAGE, msg);
        }
    }
    return -1;
}

int gl_cli_keygen(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    gl_error err;
    char msg[256];
    int rc;

    gl_error_clear(&err);
    rc = one_option(argc, argv, "keygen", "o:h", longopts,
                    "usage: greenlight keygen --out KEY\n\n"
                    "Writes a new Ed25519 private key to KEY (PEM, mode 0600) and its public key to\n"
                    "KEY.pub (PEM). Never overwrites. Sign with --sign-key KEY; verify with --pub KEY.pub.\n",
                    &out);
    if (rc >= 0)
        return rc;
    if (optind < argc) {
        snprintf(msg, sizeof(msg), "unexpected argument \"%s\"", argv[optind]);
        return gl_cli_fail("keygen", GL_EXIT_USAGE, msg);
    }
    if (out == NULL)
        return gl_cli_fail("keygen", GL_EXIT_USAGE, "keygen needs --out KEY");
    if (gl_evidence_keygen(out, &err) != 0)
        return gl_cli_fail("keygen", gl_cli_exit_code(&err), err.message);
    fprintf(stderr, "private key: %s (keep it secret)\npublic key: %s.pub\n", out, out);
    return 0;
}

int gl_cli_sign_policy(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"key", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *key = NULL;
    gl_error err;
    int rc;

    gl_error_clear(&err);
    rc = one_option(argc, argv, "sign-policy", "h", longopts,
                    "usage: greenlight sign-policy --key KEY POLICY.lua\n\n"
                    "Writes POLICY.lua.sig, the Ed25519 signature of the policy file. Deciding verbs\n"
                    "given --policy-pub KEY.pub (or GREENLIGHT_POLICY_PUB) refuse unsigned policies.\n",
                    &key);
    if (rc >= 0)
        return rc;
    if (key == NULL || optind != argc - 1)
        return gl_cli_fail("sign-policy", GL_EXIT_USAGE, "sign-policy needs --key KEY and one policy file");
    if (gl_evidence_policy_sign(argv[optind], key, &err) != 0)
        return gl_cli_fail("sign-policy", gl_cli_exit_code(&err), err.message);
    fprintf(stderr, "signature: %s.sig\n", argv[optind]);
    return 0;
}
