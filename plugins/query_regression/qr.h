/*
 * query_regression internals shared between the plugin's files.
 *
 * Pure modules (no gl_host, unit-tested directly):
 *   workload.c  the workload file (JSON, parsed with yajl_tree)
 *   safety.c    libpg_query parse + read-only check, ORDER BY detection, fingerprint
 *   stats.c     percentiles, Mann-Whitney U, latency verdicts
 *   plan.c      EXPLAIN (FORMAT JSON) reduced to a version-neutral shape
 *   digest.c    order-insensitive (or ordered) SHA-256 result digests + row samples
 * Host-facing modules:
 *   run.c         one statement in BEGIN READ ONLY ... ROLLBACK, timed
 *   readiness.c   planner statistics on the tables a workload touches
 *   collect.c     the plugin descriptor, config, collect / collect_pair
 *   compare.c     facts -> findings
 *
 * Every function returns 0 or a negative number; pure ones write a sentence
 * into `err`, host-facing ones call host->set_error.
 */
#ifndef GL_QR_H
#define GL_QR_H

#include <greenlight/plugin.h>

#include <stddef.h>

#define GL_QR_NAME "query_regression"
#define GL_QR_VERSION "1.0.0"

/* Hard limits: a workload file is read whole and every case is held in memory. */
#define GL_QR_MAX_WORKLOAD_BYTES (4u * 1024u * 1024u)
#define GL_QR_MAX_QUERIES 1000
#define GL_QR_MAX_PARAM_SETS 100
#define GL_QR_MAX_PARAMS 100
#define GL_QR_MAX_NAME 100
#define GL_QR_MAX_SAMPLES 10000

/* ---------------------------------------------------------------- workload */

typedef struct gl_qr_query {
    char *name;
    char *sql;
    char **tags;
    size_t ntags;
    /* nsets parameter sets of nparams values each; a NULL value is SQL NULL. */
    char ***param_sets;
    size_t nsets;
    int nparams;
    /* Per-query thresholds; <= 0 (or -1) means "use the run's setting". */
    double effect_tolerance;
    double confidence;
    double min_effect_ms;
    int samples;
    int compare_results;   /* 0 for queries whose rows legitimately differ */
    int compare_plan;
} gl_qr_query;

typedef struct gl_qr_workload {
    gl_qr_query *queries;
    size_t count;
} gl_qr_workload;

/* Parses a workload document (text need not be NUL-terminated). *out is the caller's. */
int gl_qr_workload_parse(const char *text, size_t len, gl_qr_workload **out, char *err,
                         size_t errlen);
/* Reads and parses a workload file (at most GL_QR_MAX_WORKLOAD_BYTES). */
int gl_qr_workload_load(const char *path, gl_qr_workload **out, char *err, size_t errlen);
void gl_qr_workload_free(gl_qr_workload *w);

/* ------------------------------------------------------------------ safety */

/*
 * Returns 0 when `sql` is one read-only SELECT (setting *out_ordered when its
 * top level has ORDER BY), 1 when refused (the reason in `reason`), -1 when
 * out of memory.
 */
int gl_qr_safety_check(const char *sql, int *out_ordered, char *reason, size_t reasonlen);
/* The libpg_query fingerprint (hex) of `sql` into buf; 0 or -1 (does not parse). */
int gl_qr_fingerprint(const char *sql, char *buf, size_t buflen);

/* ------------------------------------------------------------------- stats */

typedef enum gl_qr_verdict {
    GL_QR_PASS = 0,
    GL_QR_REGRESSED,
    GL_QR_IMPROVED,
    GL_QR_INCONCLUSIVE
} gl_qr_verdict;

typedef struct gl_qr_mw {
    double u;       /* U of the first sample */
    double z;       /* normal approximation, tie- and continuity-corrected */
    double p;       /* two-sided p-value */
} gl_qr_mw;

typedef struct gl_qr_judgement {
    gl_qr_verdict verdict;
    double blue_p50, blue_p95, blue_p99;
    double green_p50, green_p95, green_p99;
    double ratio;   /* green median / blue median */
    gl_qr_mw mw;
} gl_qr_judgement;

/* Percentile p in [0,1] of sorted[0..n) with linear interpolation; n > 0. */
double gl_qr_percentile(const double *sorted, size_t n, double p);
/* Mann-Whitney U of x against y; 0, or -1 when a sample is empty or out of memory. */
int gl_qr_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, gl_qr_mw *out);
/*
 * Judges green against blue: regressed/improved only when the difference is
 * significant at `confidence` AND the median ratio leaves [1/tol, tol] AND the
 * medians differ by more than min_effect_ms; inconclusive when the ratio is
 * outside the tolerance but not significant; pass otherwise.
 */
int gl_qr_judge(const double *blue, size_t nb, const double *green, size_t ng, double confidence,
                double tolerance, double min_effect_ms, gl_qr_judgement *out);
const char *gl_qr_verdict_name(gl_qr_verdict v);

/* -------------------------------------------------------------------- plan */

/*
 * Reduces the text of EXPLAIN (FORMAT JSON, VERBOSE) to a shape: one line per
 * node, indented by depth, with node type, join type, strategy, relation,
 * index and subplan role; costs, rows, output lists and version-specific keys
 * dropped. *out_shape (malloc) and *out_relations (malloc'd array of
 * "schema.relation" strings, deduplicated, *out_nrel of them) are the caller's.
 */
int gl_qr_plan_shape(const char *explain_json, char **out_shape, double *out_total_cost,
                     char ***out_relations, size_t *out_nrel, char *err, size_t errlen);

/* ------------------------------------------------------------------ digest */

#define GL_QR_SAMPLE_ROWS 20

typedef struct gl_qr_row {
    int ncols;
    char **values;      /* NULL entries are SQL NULL */
} gl_qr_row;

typedef struct gl_qr_digest {
    int ordered;
    size_t nrows;
    unsigned char *hashes;      /* nrows * 32 bytes */
    size_t cap;
    gl_qr_row sample[GL_QR_SAMPLE_ROWS];   /* first rows (ordered) or the smallest rows */
    size_t nsample;
    int failed;                 /* out of memory or too many rows */
} gl_qr_digest;

void gl_qr_digest_init(gl_qr_digest *d, int ordered);
/* Adds one row; 0 or -1 (out of memory / too many rows: d->failed is set). */
int gl_qr_digest_add(gl_qr_digest *d, int ncols, const char *const *values, const int *is_null);
/* Writes the hex SHA-256 (65 bytes with NUL) of the result. */
int gl_qr_digest_finish(gl_qr_digest *d, char hex[65]);
void gl_qr_digest_free(gl_qr_digest *d);

/* ---------------------------------------------------------- host-facing */

/*
 * Runs `sql` on `side` inside BEGIN READ ONLY ... ROLLBACK (with SET LOCAL
 * statement_timeout when timeout_ms > 0), passing rows to fn (may be NULL).
 * *out_ms is the statement's wall time. Returns 0 or -1 with the host error
 * set; the transaction is always rolled back.
 */
int gl_qr__run(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql, int nparams,
               const char *const *params, int timeout_ms, gl_row_fn fn, void *userdata,
               double *out_ms);

/*
 * Planner-statistics readiness of `relations` ("schema.name") on one side:
 * returns an array of {relation, reltuples, last_analyze, last_autoanalyze}
 * for the never-analyzed ones through *out_missing. When `analyze` is set
 * they are ANALYZEd first (the session is switched out of read-only for that
 * statement only) and *out_analyzed lists them.
 */
int gl_qr__readiness(gl_ctx *ctx, const gl_host *host, gl_side side, char **relations,
                     size_t nrel, int analyze, gl_value **out_missing, gl_value **out_analyzed);

int gl_qr__compare(gl_ctx *ctx, const gl_host *host, const gl_value *blue, const gl_value *green);

#endif
