/*
 * rollback — `greenlight deploy rollback`: the switchover's steps from green
 * back to blue over the reverse path (deploy/switch.h). No gate: going back
 * to the known-good side is the safety action; every other guard (fence,
 * catch-up, commit point) applies. Afterwards a fresh forward path (a new
 * slot on blue, the subscription on green without copy) lets the deployment
 * switch over again.
 */
#include <string.h>

#include "deploy/record.h"
#include "deploy/switch_run.h"

int gl_deploy_rollback(const gl_switch_options *o, gl_error *err)
{
    static const char *const allowed[] = {"switchover_completed", NULL};
    gl_switch_run r;
    int lock_fd = -1, finished = 0, rc;

    memset(&r, 0, sizeof(r));
    gl_error_clear(err);
    rc = gl_switch__open(&r, o, "rollback", allowed, &lock_fd, &finished, err);
    if (rc == 0 && !finished)
        rc = gl_switch__execute(&r, o, err);
    gl_switch__close(&r);
    gl_value_free(r.rec);
    gl_deploy_unlock(lock_fd);
    return rc;
}
