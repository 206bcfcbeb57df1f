/*
 * query_regression's collection, shared by its parts: collect.c (config,
 * cases, the whole run), measure.c (plans, results, warm-up and the timed
 * passes) and collect_facts.c (the facts of a side). Internal to the plugin.
 */
#ifndef GL_QR_COLLECT_H
#define GL_QR_COLLECT_H

#include "qr.h"

/* One (query, parameter set) pair: the unit that is judged. */
typedef struct qr_case {
    const query_regression_query *q;
    char name[GL_QR_MAX_NAME + 16];
    const char *const *params;
    int nparams;
    int ordered;
    int samples;
    char refused[512];     /* non-empty: never run */
    char fingerprint[64];
    /* $n placeholders and no parameter sets (placeholder_case): never run; either
     * compared by plan only, through EXPLAIN (GENERIC_PLAN), or not at all. */
    int generic_plan;
    int placeholders;
    char not_comparable[512];
} qr_case;

/* What one side produced for one case. */
typedef struct qr_outcome {
    char error[1024];      /* non-empty: a statement failed on this side (with the server's message) */
    int have_result;
    size_t rows;
    char digest[65];
    gl_value *sample_rows; /* array of arrays */
    char *plan;
    double plan_cost;
    double *latency;
    size_t nlatency;
    int retry;             /* failed while both sides ran at once: run again alone for the message */
} qr_outcome;

typedef struct qr_run {
    gl_ctx *ctx;
    const gl_host *host;
    query_regression_config cfg;
    query_regression_workload *workload;
    qr_case *cases;
    size_t ncases;
    int live[2];           /* which sides this call collects */
    qr_outcome *out[2];    /* ncases each */
    char **relations;      /* union over both sides' plans */
    int import_side;       /* -1: no import */
    size_t import_skipped;
    char *import_problem;  /* pg_stat_statements could not be read */
    size_t nrel;
    size_t progress_done, progress_total;
    gl_value *role[2];     /* {name, superuser} of each live side */
    /* The server backend each timed pass ran on, per side (pg_backend_pid):
     * different when the host could open fresh connections (ABI 1.3). */
    long long pass_backend[2][2];
    int fresh_connections;
    /* The separation asked of every case's two passes: pass_gap_ms plus its jitter. */
    double pass_gap_waited_ms;
    /* When each case's first-pass rounds ended (ms, query_regression__now_ms), and
     * the smallest time seen between a case's passes (-1: no case ran both). */
    double *pass1_end;
    double pass_separation_ms;
    /* Both sides are running at once (measure.c, both_sides): a failing statement
     * is marked for a run alone instead of reading the host's one error. */
    int concurrent;
    /* Where the check's wall time went (facts settings.timing_ms), in ms. */
    double t_plans, t_readiness, t_results, t_warmup, t_timed, t_samples, t_gap, t_reconnect;
} qr_run;

const char *query_regression__side_name(int s);
/* EXPLAIN of case i on a side; whether a case can be explained (not refused, comparable). */
int query_regression__explain_case(qr_run *r, int side, size_t i);
int query_regression__explainable(const qr_case *c);
/* Plans of every case on the live sides; then results, warm-up and the two timed passes. */
int query_regression__run_plans(qr_run *r);
int query_regression__run_measure(qr_run *r);
/* The facts of one live side (NULL when out of memory), and of a plugin with no workload. */
gl_value *query_regression__side_facts(qr_run *r, int side, gl_value *missing, gl_value *analyzed);
gl_value *query_regression__disabled_facts(const gl_host *h);

#endif
