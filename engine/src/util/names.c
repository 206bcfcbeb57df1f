/*
 * names — severity and action tables (see names.h).
 */
#include "util/names.h"

#include <string.h>

#include "util/error.h"

const char *const gl_severity_names[GL_SEVERITY_COUNT + 1] = {"info", "warning", "error", "critical", NULL};
const char *const gl_action_names[GL_ACTION_COUNT + 1] = {"switchover", "hold", "rollback", NULL};

static int rank_in(const char *const *table, int n, const char *s, size_t len)
{
    for (int i = 0; s != NULL && i < n; i++)
        if (strlen(table[i]) == len && memcmp(s, table[i], len) == 0)
            return i + 1;
    return 0;
}

int gl_severity_rank_len(const char *s, size_t len)
{
    return rank_in(gl_severity_names, GL_SEVERITY_COUNT, s, len);
}

int gl_severity_rank(const char *s)
{
    return s == NULL ? 0 : gl_severity_rank_len(s, strlen(s));
}

const char *gl_severity_name(int rank)
{
    return rank >= 1 && rank <= GL_SEVERITY_COUNT ? gl_severity_names[rank - 1] : NULL;
}

int gl_action_rank(const char *a)
{
    return a == NULL ? 0 : rank_in(gl_action_names, GL_ACTION_COUNT, a, strlen(a));
}

const char *gl_action_name(int rank)
{
    return rank >= 1 && rank <= GL_ACTION_COUNT ? gl_action_names[rank - 1] : NULL;
}

int gl_action_exit_code(const char *action)
{
    switch (gl_action_rank(action)) {
    case GL_ACTION_SWITCHOVER: return GL_EXIT_SWITCHOVER;
    case GL_ACTION_ROLLBACK: return GL_EXIT_ROLLBACK;
    default: return GL_EXIT_HOLD;
    }
}
