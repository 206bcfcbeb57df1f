/*
 * run.c — gl_check_run: the gate as one page of stage calls (run/stages.h),
 * and the run's setup and teardown.
 */
#include "run/stages.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "plugin/invoke.h"

/* The kernel's random source; EINTR is retried. 0, or -1 with errno. */
static int kernel_random(void *buf, size_t len)
{
    ssize_t n;

    do
        n = getrandom(buf, len, 0);
    while (n < 0 && errno == EINTR);
    if (n >= 0 && (size_t)n != len)
        errno = EIO;
    return n >= 0 && (size_t)n == len ? 0 : -1;
}

static int (*random_source)(void *buf, size_t len) = kernel_random;

void gl_run_set_random_source(int (*fn)(void *buf, size_t len))
{
    random_source = fn != NULL ? fn : kernel_random;
}

/* A version 4 UUID; -1 when the random source fails (errno): never an id
 * made of zeros, which every failing run would share. */
static int uuid4(char out[37])
{
    unsigned char b[16];
    static const char hex[] = "0123456789abcdef";
    int o = 0;

    if (random_source(b, sizeof(b)) != 0)
        return -1;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
    return 0;
}

int gl_run_init(gl_run *run, const gl_check_options *opts, gl_error *err)
{
    memset(run, 0, sizeof(*run));
    run->opts = opts;
    run->exit_code = GL_EXIT_HOLD;
    run->t0_ms = gl_time_ms();
    gl_time_rfc3339(run->started_at, sizeof(run->started_at));
    if (uuid4(run->run_id) != 0)
        return gl_error_set(err, GL_ERR_INTERNAL, "cannot make a run id: the random source failed "
                            "(getrandom: %s); nothing was checked", strerror(errno));
    return 0;
}

void gl_run_free(gl_run *run)
{
    for (int s = 0; s < 2; s++)
        gl_target_free(run->targets[s]);
    gl_plugins_free(&run->plugins);
    free(run->ran);
    free(run->policy_text);
    gl_value_free(run->config);
    gl_value_free(run->change);
    gl_value_free(run->waivers);
    gl_value_free(run->facts);
    gl_value_free(run->findings);
    gl_value_free(run->errors);
    gl_value_free(run->waiver_list);
    gl_value_free(run->input);
    gl_value_free(run->decision);
    memset(run, 0, sizeof(*run));
}

int gl_run_error_push(gl_run *run, const char *stage, const char *side, const char *plugin,
                      const char *message)
{
    gl_value *e = gl_value_object();

    if (e == NULL || gl_value_object_set(e, "stage", gl_value_string(stage)) != 0 ||
        gl_value_object_set(e, "side", gl_value_string(side)) != 0 ||
        gl_value_object_set(e, "plugin", gl_value_string(plugin)) != 0 ||
        gl_value_object_set(e, "message", gl_value_string(message)) != 0) {
        gl_value_free(e);
        return -1;
    }
    return gl_value_array_push(run->errors, e);
}

int gl_check_run(const gl_check_options *opts, gl_value **out_report, int *out_exit,
                 gl_error *err)
{
    gl_run run;
    int rc = -1;

    *out_report = NULL;
    if (gl_run_init(&run, opts, err) != 0)
        goto out;
    /* Plugins are the run's long part: the run's deadline bounds their calls. */
    gl_plugins_set_deadline(opts->plugin_timeout_s * 1000.0,
                            gl_time_ms() + (opts->timeout_s ? opts->timeout_s : GL_RUN_TIMEOUT_DEFAULT_S) * 1000.0);
    if (gl_run_inputs_load(&run, err) != 0 ||
        gl_run_collect(&run, err) != 0 ||
        (opts->after_collect != NULL && (opts->after_collect(opts->after_collect_ud, run.config), 0)) ||
        gl_run_compare(&run, err) != 0 ||
        gl_run_findings_order(&run, err) != 0 ||
        gl_run_judge(&run, err) != 0 ||
        gl_run_outcome(&run, err) != 0 ||
        gl_run_report_build(&run, out_report, err) != 0)
        goto out;
    *out_exit = run.exit_code;
    rc = 0;
out:
    gl_run_free(&run);
    return rc;
}

int gl_check_inputs_check(const gl_check_options *opts, gl_error *err)
{
    gl_check_options only_inputs = *opts;
    gl_run run;
    int rc = -1;

    /* The targets are not inputs: the stage only wants them named. */
    if (only_inputs.blue == NULL)
        only_inputs.blue = "(blue: not yet known)";
    if (only_inputs.green == NULL)
        only_inputs.green = "(green: not yet known)";
    if (gl_run_init(&run, &only_inputs, err) == 0)
        rc = gl_run_inputs_load(&run, err);
    gl_run_free(&run);
    return rc;
}
