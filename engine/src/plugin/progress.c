#include "plugin/progress.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/host.h"

/* A terminal line is redrawn at most this often. */
#define TTY_REDRAW_MS 200.0
#define DEFAULT_INTERVAL_S 5.0

static double interval_ms(void)
{
    const char *env = getenv("GREENLIGHT_PROGRESS_INTERVAL");
    char *end;
    double s = env != NULL && *env != '\0' ? strtod(env, &end) : DEFAULT_INTERVAL_S;

    if (env != NULL && *env != '\0' && (*end != '\0' || s < 0.1 || s > 3600))
        s = DEFAULT_INTERVAL_S;
    return s * 1000.0;
}

void gl_progress_start(gl_progress *p, const char *plugin)
{
    memset(p, 0, sizeof(*p));
    p->out = stderr;
    p->plugin = plugin != NULL ? plugin : "plugin";
    p->tty = isatty(fileno(stderr));
    p->started = gl_time_ms();
    p->interval_ms = p->tty ? TTY_REDRAW_MS : interval_ms();
    p->next_due = p->started + p->interval_ms;
}

void gl_progress_update(gl_progress *p, size_t done, size_t total, const char *label)
{
    size_t n = 0;

    p->done = done;
    p->total = total;
    for (const char *s = label != NULL ? label : ""; *s != '\0' && n + 1 < sizeof(p->label); s++)
        if ((unsigned char)*s >= 0x20 && *s != 0x7f)
            p->label[n++] = *s;
    p->label[n] = '\0';
}

static void describe(const gl_progress *p, char *buf, size_t len)
{
    if (p->total > 0)
        snprintf(buf, len, ": %zu/%zu%s%s", p->done, p->total, p->label[0] ? " " : "", p->label);
    else
        buf[0] = '\0';
}

double gl_progress_tick(gl_progress *p)
{
    double now = gl_time_ms();
    char what[160];

    if (now < p->next_due)
        return p->next_due - now;
    describe(p, what, sizeof(what));
    if (p->tty) {
        fprintf(p->out, "\r\033[K%s%s, %.1f s", p->plugin, what, (now - p->started) / 1000.0);
        p->drawn = 1;
    } else {
        fprintf(p->out, "greenlight: %s: running for %.1f s%s\n", p->plugin, (now - p->started) / 1000.0,
                what);
    }
    fflush(p->out);
    p->next_due = now + p->interval_ms;
    return p->interval_ms;
}

void gl_progress_end(gl_progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
    }
    p->drawn = 0;
}
