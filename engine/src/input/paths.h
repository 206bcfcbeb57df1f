/*
 * paths — files and directories named on the command line, checked before a
 * run so that a bad path fails in a second, not after the check: outputs
 * must be regular files or new paths in a writable directory (never a FIFO,
 * a device or a symbolic link, which a write would replace or follow), and
 * --out must be a directory.
 *
 * Errors: GL_ERR_USAGE naming the option, the path and the fix.
 */
#ifndef GL_PATHS_H
#define GL_PATHS_H

#include "util/error.h"

/* A file greenlight will write (snapshot -o, --save-input). */
int gl_path_check_output_file(const char *flag, const char *path, gl_error *err);

/* A directory greenlight will write into (--out), created when missing;
 * `file` is the name it will write there (e.g. "report.json"). */
int gl_path_check_output_dir(const char *flag, const char *dir, const char *file, gl_error *err);

/* "a FIFO", "a character device", ... for st_mode. */
const char *gl_path_kind(unsigned mode);

#endif
