#include "cli/exit.h"

int gl_cli_exit_code(const gl_error *err)
{
    switch (err->error_class) {
    case GL_ERR_USAGE:
    case GL_ERR_TOO_LARGE:
    case GL_ERR_AUTH:
        return GL_EXIT_USAGE;
    case GL_ERR_UNAVAILABLE:
    case GL_ERR_CONFLICT:
        return GL_EXIT_UNAVAILABLE;
    case GL_ERR_CONFIG:
        return GL_EXIT_CONFIG;
    case GL_ERR_NOMEM:
    case GL_ERR_INTERNAL:
    case GL_ERR_NONE:
        break;
    }
    return GL_EXIT_INTERNAL;
}
