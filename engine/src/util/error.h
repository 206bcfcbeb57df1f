/*
 * error — the per-context error buffer, its classes and greenlight's exit codes.
 * Functions that fail return -1 after gl_error_set(); the message is one or
 * two sentences that name the input and say what to do, and the class says
 * what kind of failure it is. Which exit code a class gives is decided in one
 * place, gl_cli_exit_code() (cli/exit.c). (libgit2 include/git2/errors.h.)
 */
#ifndef GL_ERROR_H
#define GL_ERROR_H

#include <stddef.h>

/* Exit codes (share/doc/exit-codes.md, DESIGN.md). */
enum {
    GL_EXIT_SWITCHOVER = 0,
    GL_EXIT_HOLD = 1,
    GL_EXIT_ROLLBACK = 2,
    GL_EXIT_USAGE = 64,
    GL_EXIT_UNAVAILABLE = 69,
    GL_EXIT_INTERNAL = 70,
    GL_EXIT_CONFIG = 78      /* EX_CONFIG: the policy is broken (error, bad return, budget) */
};

/* What kind of failure an error is. The decisions (exit 0/1/2) are not errors. */
typedef enum gl_error_class {
    GL_ERR_NONE = 0,     /* no error set */
    GL_ERR_USAGE,        /* a bad flag or input the user must fix */
    GL_ERR_UNAVAILABLE,  /* a server or service cannot be reached or used now */
    GL_ERR_NOMEM,        /* out of memory */
    GL_ERR_TOO_LARGE,    /* an input over its documented size limit */
    GL_ERR_INTERNAL,     /* a failure after the run started (plugin, I/O, bug) */
    GL_ERR_CONFIG,       /* the policy is broken (error, bad return, budget) */
    GL_ERR_AUTH,         /* refused for lack of permission (RDS IAM, a GRANT) */
    GL_ERR_CONFLICT      /* another actor holds what we need (the deploy lock) */
} gl_error_class;

typedef struct gl_error {
    gl_error_class error_class;
    char message[2048];
} gl_error;

/* Sets the message and class; returns -1. The arguments may include
 * err->message itself. */
int gl_error_set(gl_error *err, gl_error_class error_class, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* gl_error_set(err, GL_ERR_NOMEM, "out of memory"); returns -1. */
int gl_error_nomem(gl_error *err);
/* Puts "<formatted prefix>: " before the current message, keeping the
 * class; returns -1. The arguments may include err->message itself.
 * e.g. gl_error_prefix(err, "--policy") */
int gl_error_prefix(gl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void gl_error_clear(gl_error *err);

/* Current time as RFC 3339 UTC with milliseconds into buf (>= 32 bytes). */
void gl_time_rfc3339(char *buf, size_t len);
/* "3d 4h", "2h 5min", "12min", "40s": an age or a duration for people. */
void gl_age_format(double seconds, char *buf, size_t len);
/* Monotonic milliseconds. */
double gl_time_ms(void);

/* Reads the regular file at path, at most max_bytes, into a NUL-terminated
 * *out (the caller frees) with its length in *out_len (may be NULL). Opens
 * without blocking and refuses FIFOs, devices and directories. Errors, all
 * naming the path: "cannot read P: <why>" (usage), "P: too large (N bytes;
 * the limit is L)" (too large), out of memory (no memory). In buf.c. */
int gl_file_read(const char *path, size_t max_bytes, char **out, size_t *out_len, gl_error *err);

/* Writes len bytes to path atomically: a temp file beside it (mode 0666 &
 * ~umask), fsync, rename. On error returns -1 with "cannot write PATH: why"
 * in err (class internal; usage when there is no path) and leaves no temp
 * file behind. In file_write.c. */
int gl_file_write_atomic(const char *path, const void *data, size_t len, gl_error *err);

/* SHA-256 of a buffer as 64 lowercase hex characters (OpenSSL). */
int gl_sha256_hex(const void *data, size_t len, char out[65]);

#endif
