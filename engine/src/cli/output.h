/*
 * output — the output and evidence options every deciding verb shares
 * (--format, --out, --color, --no-color, --sign-key, --audit-log, --policy-pub,
 * --notify),
 * parsed in one place so `check`, the
 * deployment verbs and the rds verbs accept the same flags. A verb adds
 * GL_CLI_OUTPUT_LONGOPTS to its getopt_long table, hands unknown option
 * codes to gl_cli_output_option(), and ends with gl_cli_output_finish().
 */
#ifndef GL_CLI_OUTPUT_H
#define GL_CLI_OUTPUT_H

#include <getopt.h>
#include <stdio.h>

#include "evidence/notify.h"
#include "report/report.h"
#include "run/run.h"
#include "util/error.h"

enum {
    GL_CLI_OPT_FORMAT = 0x1000,
    GL_CLI_OPT_OUT,
    GL_CLI_OPT_NO_COLOR,
    GL_CLI_OPT_SIGN_KEY,
    GL_CLI_OPT_AUDIT_LOG,
    GL_CLI_OPT_POLICY_PUB,
    GL_CLI_OPT_NOTIFY,
    GL_CLI_OPT_COLOR,
};

#define GL_CLI_OUTPUT_LONGOPTS                                             \
    {"format", required_argument, NULL, GL_CLI_OPT_FORMAT},                \
    {"out", required_argument, NULL, GL_CLI_OPT_OUT},                      \
    {"color", required_argument, NULL, GL_CLI_OPT_COLOR},                  \
    {"no-color", no_argument, NULL, GL_CLI_OPT_NO_COLOR}

/* Deciding verbs also take the evidence options. */
#define GL_CLI_EVIDENCE_LONGOPTS                                           \
    {"sign-key", required_argument, NULL, GL_CLI_OPT_SIGN_KEY},            \
    {"audit-log", required_argument, NULL, GL_CLI_OPT_AUDIT_LOG},          \
    {"policy-pub", required_argument, NULL, GL_CLI_OPT_POLICY_PUB},        \
    {"notify", required_argument, NULL, GL_CLI_OPT_NOTIFY}

/* The gate's inputs, for the verbs that run it before acting (check runs
 * the gate alone and lists its own). */
#define GL_CLI_GATE_LONGOPTS                                               \
    {"policy", required_argument, NULL, 'p'},                              \
    {"change", required_argument, NULL, 'c'},                              \
    {"config", required_argument, NULL, 'C'},                              \
    {"waivers", required_argument, NULL, 'W'},                             \
    {"plugin-path", required_argument, NULL, 'P'},                         \
    {"plugins", required_argument, NULL, 'L'},                             \
    {"jobs", required_argument, NULL, 'J'}

/* The most --plugin-path options a verb takes, and the refusal past it. */
#define GL_CLI_MAX_PLUGIN_DIRS 32
#define GL_CLI_TOO_MANY_PLUGIN_DIRS "too many --plugin-path options (limit 32)"

/* Reads one of GL_CLI_GATE_LONGOPTS into g (a --plugin-path into dirs, which
 * holds GL_CLI_MAX_PLUGIN_DIRS; the caller points g->plugin_dirs at it): 1
 * when c is one of them, 0 when it is not, -1 with *why the usage error (one
 * --plugin-path too many: GL_CLI_TOO_MANY_PLUGIN_DIRS; a --jobs that is not
 * 1 to GL_RUN_JOBS_MAX). */
int gl_cli_gate_option(gl_check_options *g, const char **dirs, int c, const char *arg, const char **why);
#define GL_CLI_BAD_JOBS "--jobs takes how many plugins collect at once: 1 to 16 (1: one after another)"

/* For the --help of the verbs that take GL_CLI_GATE_LONGOPTS. */
#define GL_CLI_JOBS_HELP                                                                        \
    "  --jobs N              collect up to N plugins at once, each on connections of its\n"     \
    "                        own (default 2; 1: one after another on one connection per side)\n"

/* For a verb's --help. */
#define GL_CLI_OUTPUT_HELP                                                                      \
    "  --format LIST         comma list of text,json,junit,sarif,github,markdown,html;\n"     \
    "                        the first goes to stdout (default text)\n"                        \
    "  --out DIR             write DIR/report.json and each format beside it (report.txt,\n"   \
    "                        report.junit.xml, report.sarif, report.md, report.html, ...)\n"   \
    "  --color WHEN          colour the text output: auto (default: when stdout is a\n"           \
    "                        terminal, NO_COLOR is unset and TERM is not dumb), always, never\n" \
    "  --no-color            the same as --color never\n"

#define GL_CLI_EVIDENCE_HELP                                                                    \
    "  --sign-key KEY        sign a decision record (Ed25519 key from `greenlight keygen`):\n"   \
    "                        DIR/decision.json with --out, and/or a line of --audit-log\n"      \
    "  --audit-log FILE      append the signed record to FILE (hash-chained JSON lines)\n"     \
    "  --policy-pub KEY      refuse (exit 64) a policy without a valid POLICY.sig by KEY\n"    \
    "                        (default $GREENLIGHT_POLICY_PUB)\n"                            \
    "  --notify URL          POST the decision to a webhook (repeatable), signed with\n"     \
    "                        $GREENLIGHT_WEBHOOK_SECRET; slack:URL or hooks.slack.com for\n"  \
    "                        Slack; a failed notification never changes the exit code\n"

typedef struct gl_cli_output {
    const char *verb;            /* recorded in decision records */
    const char *format;          /* the raw --format list */
    const char *out_dir;         /* NULL: nothing written to disk */
    const char *color_when;      /* --color: "auto", "always" or "never" */
    int color;                   /* colour text on stdout (gl_cli_output_validate) */
    int all_findings;            /* -v: info findings in the text on stdout too */
    FILE *stream;                /* where the first format is printed: stdout, or stderr for a
                                  * verb that prints its own summary on stdout */
    int files_written;           /* --out files already written by the verb: print only */
    const char *sign_key;        /* NULL: no decision record */
    const char *audit_log;       /* NULL: no audit log */
    const char *policy_pub;      /* NULL: policies need no signature */
    char policy_sha256[65];      /* what gl_cli_output_check_policy verified */
    gl_report_formats formats;   /* parsed by gl_cli_output_validate */
    const char *notify[GL_NOTIFY_MAX_URLS];  /* --notify URLs, in order */
    size_t n_notify;
    int notify_overflow;         /* more --notify than GL_NOTIFY_MAX_URLS */
    gl_notify_options notify_options;
} gl_cli_output;

/* Defaults: text, no directory, --color auto, policy key from
 * $GREENLIGHT_POLICY_PUB. */
void gl_cli_output_init(gl_cli_output *o, const char *verb);
/* Returns 1 when c is an output option (consumed), 0 when it is not. */
int gl_cli_output_option(gl_cli_output *o, int c, const char *arg);
/* After parsing: checks the format list, --color, that the signing key loads
 * and that --sign-key has somewhere to go, and decides o->color. Usage errors
 * name the flag. */
int gl_cli_output_validate(gl_cli_output *o, gl_error *err);
/* Whether to colour what goes to `stream` for --color `when`: always, never,
 * or (auto) when the stream is a terminal, NO_COLOR is unset or empty and
 * TERM is not "dumb". The one place this is decided. */
int gl_cli_color_wanted(const char *when, FILE *stream);
/* With a policy key configured: the policy must carry a valid POLICY.sig
 * (exit 64 otherwise). Without one: nothing to do. */
int gl_cli_output_check_policy(gl_cli_output *o, const char *policy_path, gl_error *err);
/* Prints and writes every format, then the signed record and audit line,
 * then sends the --notify webhooks (a failure is reported on stderr and does
 * not change the exit code).
 * Returns exit_code, or (after printing the error) GL_EXIT_INTERNAL when an
 * output or record could not be written, GL_EXIT_USAGE when the policy that
 * ran is not the one whose signature was verified. */
int gl_cli_output_finish(gl_cli_output *o, const gl_value *report, int exit_code);
/* What a deciding verb does with its report: writes the --out files first
 * (when they cannot be written the report's decision becomes a hold, exit
 * 70, so what is printed is what is returned), then gl_cli_output_finish. */
int gl_cli_output_report(gl_cli_output *o, gl_value *report, int exit_code);
/* After a verb acted on an authorising report (rds switchover): with
 * --sign-key, a second signed record of kind "outcome" (the gate's record
 * plus `outcome`, what was done and how it ended) appended to --audit-log
 * and written to DIR/outcome.json. 0, or -1 with err (GL_ERR_INTERNAL). */
int gl_cli_output_outcome(gl_cli_output *o, const gl_value *report, const gl_value *outcome, gl_error *err);

#endif
