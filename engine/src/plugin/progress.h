/*
 * progress — what the parent shows on stderr while a plugin call runs in its
 * child (plugin/isolate.c), from the progress the plugin reports
 * (host->progress, sent over the call's progress channel) and the time.
 *
 * On a terminal: one line, redrawn in place ("schema: 12/14 functions, 3 s"),
 * and cleared when the call ends, so what is printed next starts on a clean
 * line. Otherwise (a CI log): a line every GREENLIGHT_PROGRESS_INTERVAL
 * seconds (default 5) while the call runs ("greenlight: schema: running for
 * 10 s: 12/14 functions"), so a log is never silent for long; a call shorter
 * than that prints nothing.
 */
#ifndef GL_PROGRESS_H
#define GL_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

typedef struct gl_progress {
    FILE *out;
    const char *plugin;
    int tty;
    int drawn;               /* a terminal line is showing */
    double started, next_due, interval_ms;
    size_t done, total;      /* total 0: none reported yet */
    char label[96];
} gl_progress;

/* Starts showing a call of `plugin` (borrowed) on stderr. */
void gl_progress_start(gl_progress *p, const char *plugin);
/* The plugin says how far it is; label is untrusted text (control characters
 * are dropped, it is cut at 95 bytes). */
void gl_progress_update(gl_progress *p, size_t done, size_t total, const char *label);
/* Shows what is due now; returns the ms until the next thing is due. */
double gl_progress_tick(gl_progress *p);
/* The call ended: the terminal line is cleared. */
void gl_progress_end(gl_progress *p);

#endif
