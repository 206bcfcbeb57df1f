/* What the parent shows while a plugin call runs (engine/src/plugin/progress.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/host.h"
#include "plugin/progress.h"

/* A label comes from the plugin's process: control characters (an escape
 * sequence that would clear the screen, a newline that would forge a line)
 * never reach the terminal, and it is cut to fit. */
Test(progress, a_label_loses_its_control_characters_and_is_cut)
{
    gl_progress p;
    char long_label[300];

    gl_progress_start(&p, "schema");
    gl_progress_update(&p, 3, 14, "\033[2Jtables\ndecision: switchover\r\x7f");
    cr_assert_str_eq(p.label, "[2Jtablesdecision: switchover");
    memset(long_label, 'x', sizeof(long_label) - 1);
    long_label[sizeof(long_label) - 1] = '\0';
    gl_progress_update(&p, 4, 14, long_label);
    cr_assert_eq(strlen(p.label), sizeof(p.label) - 1);
    gl_progress_update(&p, 5, 14, NULL);
    cr_assert_str_eq(p.label, "");
}

/* Not a terminal: nothing before the interval, then one line naming the
 * plugin, the time and how far it is; the next one an interval later. */
Test(progress, a_log_gets_a_line_per_interval)
{
    gl_progress p;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    setenv("GREENLIGHT_PROGRESS_INTERVAL", "0.2", 1);
    gl_progress_start(&p, "schema");
    p.out = f;
    p.tty = 0;   /* whatever stderr is under the test runner */
    cr_assert_gt(gl_progress_tick(&p), 100.0);
    fflush(f);
    cr_assert_eq(len, 0);
    gl_progress_update(&p, 9, 16, "views");
    p.next_due = gl_time_ms();       /* due now */
    p.started = p.next_due - 1500.0; /* 1.5 s into the call */
    cr_assert_float_eq(gl_progress_tick(&p), 200.0, 0.001);
    cr_assert_gt(gl_progress_tick(&p), 100.0, "not twice in one interval");
    gl_progress_end(&p);
    fclose(f);
    cr_assert_str_eq(buf, "greenlight: schema: running for 1.5 s: 9/16 views\n");
    free(buf);
}

/* A bad interval falls back to 5 s rather than flooding the log. */
Test(progress, a_bad_interval_is_the_default)
{
    gl_progress p;

    if (isatty(STDERR_FILENO))
        cr_skip_test("stderr is a terminal: the interval is the redraw rate");
    setenv("GREENLIGHT_PROGRESS_INTERVAL", "0", 1);
    gl_progress_start(&p, "x");
    cr_assert_float_eq(p.interval_ms, 5000.0, 0.001);
    setenv("GREENLIGHT_PROGRESS_INTERVAL", "soon", 1);
    gl_progress_start(&p, "x");
    cr_assert_float_eq(p.interval_ms, 5000.0, 0.001);
    setenv("GREENLIGHT_PROGRESS_INTERVAL", "2", 1);
    gl_progress_start(&p, "x");
    cr_assert_float_eq(p.interval_ms, 2000.0, 0.001);
}
