/* greenlight verify RECORD|LOG --pub KEY: signatures and the chain, every problem named. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/exit.h"
#include "evidence/evidence.h"

int gl_cli_verify(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pub", required_argument, NULL, 'p'},
        {"log", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    gl_evidence_key *pub = NULL;
    const char *pub_path = NULL, *log_path = NULL;
    gl_error err;
    char msg[256];
    int c, rc;

    gl_error_clear(&err);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'p') {
            pub_path = optarg;
        } else if (c == 'l') {
            log_path = optarg;
        } else if (c == 'h') {
            printf("usage: greenlight verify RECORD|LOG --pub KEY.pub\n"
                   "       greenlight verify RECORD --log LOG --pub KEY.pub\n\n"
                   "Checks a signed decision record (DIR/decision.json) or an audit log: every\n"
                   "signature, and the chain (seq, prev). Prints one line per problem: the edited\n"
                   "field, the removed, inserted, reordered or truncated record, or a wrong key.\n"
                   "A record written with --audit-log carries its seq in that log; --log LOG also\n"
                   "checks the log and that it holds this exact record at that seq.\n\n"
                   "exit: 0 valid, 1 invalid, 64 usage or an unreadable file or key\n");
            return 0;
        } else {
            snprintf(msg, sizeof(msg), "unknown or incomplete option \"%s\"", argv[optind - 1]);
            return gl_cli_fail("verify", GL_EXIT_USAGE, msg);
        }
    }
    if (pub_path == NULL || optind != argc - 1)
        return gl_cli_fail("verify", GL_EXIT_USAGE, "verify needs one RECORD or LOG file and --pub KEY.pub");
    if (gl_evidence_key_load_public(pub_path, &pub, &err) != 0)
        return gl_cli_fail("verify", GL_EXIT_USAGE, err.message);
    if (log_path != NULL)
        rc = gl_evidence_verify_in_log(argv[optind], log_path, pub, stdout, &err);
    else
        rc = gl_evidence_verify_file(argv[optind], pub, stdout, &err);
    gl_evidence_key_free(pub);
    if (rc < 0)
        return gl_cli_fail("verify", gl_cli_exit_code(&err), err.message);
    return rc;
}
