#include "input/paths.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GL_PATH_MAX 4096

const char *gl_path_kind(unsigned mode)
{
    if (S_ISREG(mode))
        return "a regular file";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISLNK(mode))
        return "a symbolic link";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

/* The directory part of path into out ("." when there is none). */
static void parent_of(const char *path, char *out, size_t len)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        snprintf(out, len, ".");
    else if (slash == path)
        snprintf(out, len, "/");
    else
        snprintf(out, len, "%.*s", (int)(slash - path), path);
}

static int writable_dir(const char *flag, const char *path, const char *dir, gl_error *err)
{
    struct stat st;

    if (stat(dir, &st) != 0)
        return gl_error_set(err, GL_ERR_USAGE, "%s %s: the directory %s does not exist: create it "
                            "first", flag, path, dir);
    if (!S_ISDIR(st.st_mode))
        return gl_error_set(err, GL_ERR_USAGE, "%s %s: %s is %s, not a directory", flag, path, dir,
                            gl_path_kind(st.st_mode));
    if (access(dir, W_OK | X_OK) != 0)
        return gl_error_set(err, GL_ERR_USAGE, "%s %s: cannot write in %s: %s", flag, path, dir,
                            strerror(errno));
    return 0;
}

int gl_path_check_output_file(const char *flag, const char *path, gl_error *err)
{
    char dir[GL_PATH_MAX];
    struct stat st;

    if (path == NULL || path[0] == '\0')
        return gl_error_set(err, GL_ERR_USAGE, "%s: give a file name", flag);
    if (strlen(path) >= GL_PATH_MAX - 64)
        return gl_error_set(err, GL_ERR_USAGE, "%s: the path is too long", flag);
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode))
            return gl_error_set(err, GL_ERR_USAGE, "%s %s: is a symbolic link; greenlight does not "
                                "write through links: give the path it points to", flag, path);
        if (!S_ISREG(st.st_mode))
            return gl_error_set(err, GL_ERR_USAGE, "%s %s: is %s, not a regular file: give the "
                                "path of a file to create or replace", flag, path,
                                gl_path_kind(st.st_mode));
    } else if (errno != ENOENT) {
        return gl_error_set(err, GL_ERR_USAGE, "%s %s: %s", flag, path, strerror(errno));
    }
    parent_of(path, dir, sizeof(dir));
    return writable_dir(flag, path, dir, err);
}

int gl_path_check_output_dir(const char *flag, const char *dir, const char *file, gl_error *err)
{
    char path[GL_PATH_MAX], probe[GL_PATH_MAX];
    struct stat st;

    if (dir == NULL || dir[0] == '\0')
        return gl_error_set(err, GL_ERR_USAGE, "%s: give a directory", flag);
    if (strlen(dir) + strlen(file) + 2 >= GL_PATH_MAX - 64)
        return gl_error_set(err, GL_ERR_USAGE, "%s: the path is too long", flag);
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return gl_error_set(err, GL_ERR_USAGE, "%s %s: is %s; %s takes a directory and writes "
                                "%s in it", flag, dir, gl_path_kind(st.st_mode), flag, file);
        if (access(dir, W_OK | X_OK) != 0)
            return gl_error_set(err, GL_ERR_USAGE, "%s %s: cannot write in it: %s", flag, dir,
                                strerror(errno));
        snprintf(path, sizeof(path), "%s/%s", dir, file);
        return gl_path_check_output_file(flag, path, err);
    }
    if (errno != ENOENT)
        return gl_error_set(err, GL_ERR_USAGE, "%s %s: %s", flag, dir, strerror(errno));
    /* Created at the end of the run: its nearest existing ancestor must let us. */
    snprintf(probe, sizeof(probe), "%s", dir);
    for (;;) {
        char *slash = strrchr(probe, '/');
        if (slash == NULL) {
            snprintf(probe, sizeof(probe), ".");
            break;
        }
        if (slash == probe) {
            probe[1] = '\0';
            break;
        }
        *slash = '\0';
        if (stat(probe, &st) == 0)
            break;
    }
    return writable_dir(flag, dir, probe, err);
}
