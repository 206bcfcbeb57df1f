/* greenlight keygen --out KEY: a new Ed25519 key pair (KEY 0600, KEY.pub). */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "evidence/evidence.h"

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
    int c;

    gl_error_clear(&err);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        if (c == 'o') {
            out = optarg;
        } else if (c == 'h') {
            printf("usage: greenlight keygen --out KEY\n\n"
                   "Writes a new Ed25519 private key to KEY (PEM, mode 0600) and its public key to\n"
                   "KEY.pub (PEM). Never overwrites. Sign with --sign-key KEY; verify with --pub KEY.pub.\n");
            return 0;
        } else {
            snprintf(msg, sizeof(msg), "unknown or incomplete option \"%s\"", argv[optind - 1]);
            return gl_cli_fail("keygen", GL_EXIT_USAGE, msg);
        }
    }
    if (optind < argc) {
        snprintf(msg, sizeof(msg), "unexpected argument \"%s\"", argv[optind]);
        return gl_cli_fail("keygen", GL_EXIT_USAGE, msg);
    }
    if (out == NULL)
        return gl_cli_fail("keygen", GL_EXIT_USAGE, "keygen needs --out KEY");
    if (gl_evidence_keygen(out, &err) != 0)
        return gl_cli_fail("keygen", err.exit_code, err.message);
    fprintf(stderr, "private key: %s (keep it secret)\npublic key: %s.pub\n", out, out);
    return 0;
}

/* greenlight sign-policy --key KEY POLICY: writes POLICY.sig. */
int gl_cli_sign_policy(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"key", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *key = NULL;
    gl_error err;
    char msg[256];
    int c;

    gl_error_clear(&err);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'k') {
            key = optarg;
        } else if (c == 'h') {
            printf("usage: greenlight sign-policy --key KEY POLICY.lua\n\n"
                   "Writes POLICY.lua.sig, the Ed25519 signature of the policy file. Deciding verbs\n"
                   "given --policy-pub KEY.pub (or GREENLIGHT_POLICY_PUB) refuse unsigned policies.\n");
            return 0;
        } else {
            snprintf(msg, sizeof(msg), "unknown or incomplete option \"%s\"", argv[optind - 1]);
            return gl_cli_fail("sign-policy", GL_EXIT_USAGE, msg);
        }
    }
    if (key == NULL || optind != argc - 1)
        return gl_cli_fail("sign-policy", GL_EXIT_USAGE, "sign-policy needs --key KEY and one policy file");
    if (gl_evidence_policy_sign(argv[optind], key, &err) != 0)
        return gl_cli_fail("sign-policy", err.exit_code, err.message);
    fprintf(stderr, "signature: %s.sig\n", argv[optind]);
    return 0;
}
