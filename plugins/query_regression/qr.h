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
 *   run.c         one statement in BEGIN READ ONLY ... ROLLBACK, timed; generic plans
 *   readiness.c   planner statistics on the tables a workload touches
 *   import.c      top statements from pg_stat_statements as workload queries
 *   collect.c     the plugin descriptor, config, cases, collect / collect_pair
 *   measure.c     EXPLAIN, result runs, warm-up and the two timed passes (collect.h)
 *   collect_facts.c  one side's facts (collect.h)
 *   compare.c     facts -> findings (compare.h)
 *   compare_latency.c  one case's latency verdict and finding (compare.h)
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

typedef struct query_regression_query {
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
    double noise_floor;
    int samples;
    int compare_results;   /* 0 for queries whose rows legitimately differ */
    int compare_plan;
    /* Set for statements imported from pg_stat_statements (import.c). */
    int imported;
    long long calls;
    double total_time_ms;
} query_regression_query;

typedef struct query_regression_workload {
    query_regression_query *queries;
    size_t count;
} query_regression_workload;

/* Parses a workload document (text need not be NUL-terminated). *out is the caller's. */
int query_regression_workload_parse(const char *text, size_t len, query_regression_workload **out, char *err,
                                    size_t errlen);
/* Reads and parses a workload file (at most GL_QR_MAX_WORKLOAD_BYTES). */
int query_regression_workload_load(const char *path, query_regression_workload **out, char *err,
                                   size_t errlen);
void query_regression_workload_free(query_regression_workload *w);
/*
 * 0 when `key` is one of `known` (NULL-terminated); otherwise -1 and a
 * sentence naming path.key and the nearest known key ("did you mean ...?").
 */
/*
 * The one range check of every threshold and setting, wherever it comes from
 * (config, a workload query's thresholds, a snapshot's facts), so an offline
 * compare accepts exactly what a live run does. Keys: samples, warmup,
 * confidence, effect_tolerance, min_effect_ms, noise_floor,
 * statement_timeout_ms, pass_gap_ms. 0, or -1 and a sentence naming where.key and the range.
 */
int query_regression_limit_check(const char *key, double value, const char *where, char *err, size_t errlen);

int query_regression_key_check(const char *key, const char *const *known, const char *path, char *err,
                               size_t errlen);

/* ------------------------------------------------------------------ safety */

/*
 * Returns 0 when `sql` is one read-only SELECT (setting *out_ordered when its
 * top level has ORDER BY), 1 when refused (the reason in `reason`), -1 when
 * out of memory.
 */
int query_regression_safety_check(const char *sql, int *out_ordered, char *reason, size_t reasonlen);
/* The libpg_query fingerprint (hex) of `sql` into buf; 0 or -1 (does not parse). */
int query_regression_fingerprint(const char *sql, char *buf, size_t buflen);
/* The highest $n placeholder in `sql` (0 when none), or -1 when it does not parse. */
int query_regression_placeholders(const char *sql);
/* 1 when every relation `sql` reads is a system one (pg_*, pg_catalog,
 * information_schema): monitoring, not the application's workload. */
int query_regression_catalog_only(const char *sql);

/* NULL-terminated fnmatch globs of function names refused whatever their volatility. */
extern const char *const query_regression_denied_families[];

typedef enum query_regression_ref_kind {
    GL_QR_REF_FUNCTION = 0, /* a call: name(...) */
    GL_QR_REF_OPERATOR,     /* an operator (BETWEEN adds <= and >=) */
    GL_QR_REF_TYPE          /* a cast target: its input and cast functions run */
} query_regression_ref_kind;

typedef struct query_regression_ref {
    query_regression_ref_kind kind;
    char *schema; /* NULL when unqualified */
    char *name;
} query_regression_ref;

typedef struct query_regression_refs {
    query_regression_ref *items;
    size_t count, cap;
} query_regression_refs;

/* Appends (deduplicated) the functions, operators and cast targets `sql` names
 * to refs (zeroed by the caller). 0, or -1 (does not parse, out of memory). */
int query_regression_references(const char *sql, query_regression_refs *refs);
void query_regression_refs_free(query_regression_refs *refs);
/* Room for one more item in refs (doubling; 16 at first). 0, or -1 out of memory. */
int query_regression_refs_reserve(query_regression_refs *refs);
/* 1 when two references name the same thing (kind, schema or none, name). */
int query_regression_ref_equal(const query_regression_ref *a, const query_regression_ref *b);

/* ------------------------------------------------------------------ import */

#define GL_QR_MAX_IMPORT 500

typedef struct query_regression_import_config {
    int top;                 /* how many statements to import; 0 = no import */
    const char *params;      /* workload-format file of parameter sets, matched by fingerprint */
} query_regression_import_config;

/*
 * Imports the top `cfg->top` read-only statements by total execution time
 * from `side`'s pg_stat_statements (this database's, top-level only) and
 * appends them to `w` as queries named "pgss.<fingerprint>", with parameter
 * sets from cfg->params when it has the same fingerprint. Statements the
 * safety check refuses (writes, utility), catalog-only statements and
 * fingerprints already in the
 * workload are skipped. Returns 0 or -1 with the host error set; a failure
 * to read pg_stat_statements itself is not an error: it is returned in
 * *out_problem (malloc, the caller's) so the run can report it and go on.
 */
int query_regression__import(gl_ctx *ctx, const gl_host *host, gl_side side,
                             const query_regression_import_config *cfg, query_regression_workload *w,
                             size_t *out_skipped, char **out_problem);

/* ------------------------------------------------------------------ config */

/* Defaults of the run's settings (share/doc/checks/query_regression.md). */
#define GL_QR_DEFAULT_SAMPLES 30
#define GL_QR_DEFAULT_WARMUP 3
#define GL_QR_DEFAULT_CONFIDENCE 0.95
#define GL_QR_DEFAULT_TOLERANCE 1.2
#define GL_QR_DEFAULT_MIN_EFFECT_MS 0.05
#define GL_QR_DEFAULT_NOISE_FLOOR 2.0
/* The pause between the two timed passes (plus up to half of it at random). */
#define GL_QR_DEFAULT_PASS_GAP_MS 1000

typedef struct query_regression_config {
    const char *workload;
    int samples;
    int warmup;
    double confidence;
    double tolerance;
    double min_effect_ms;
    double noise_floor;
    int analyze_green;
    int timeout_ms;
    int pass_gap_ms;
    query_regression_import_config import;
} query_regression_config;

/*
 * Reads and validates this run's plugin config (unknown keys, kinds, ranges
 * through query_regression_limit_check): collect and compare (offline too) both use it.
 * 0, or -1 with the host error set.
 */
int query_regression__config_read(gl_ctx *ctx, const gl_host *host, query_regression_config *out);

/* ------------------------------------------------------------------- stats */

typedef enum query_regression_verdict {
    GL_QR_PASS = 0,
    GL_QR_REGRESSED,
    GL_QR_IMPROVED,
    GL_QR_INCONCLUSIVE
} query_regression_verdict;

typedef struct query_regression_mw {
    double u;       /* U of the first sample */
    double z;       /* normal approximation, tie- and continuity-corrected */
    double p;       /* two-sided p-value */
} query_regression_mw;

typedef struct query_regression_judgement {
    query_regression_verdict verdict;
    double blue_p50, blue_p95, blue_p99;
    double green_p50, green_p95, green_p99;
    double ratio;        /* effect size: green median / blue median */
    double ratio_low;    /* one-sided bootstrap bounds of ratio at the confidence level */
    double ratio_high;
    double shift_ms;     /* Hodges-Lehmann shift: median of all green - blue differences */
    int paired;          /* the bootstrap resampled whole rounds (interleaved samples) */
    int replicated;      /* query_regression_judge_passes: 1 both passes agree, 0 not, -1 not checked */
    query_regression_mw mw;
} query_regression_judgement;

/* Bootstrap replicates behind ratio_low/ratio_high; the generator is seeded
 * with a constant, so the same samples always give the same verdict. */
#define GL_QR_BOOTSTRAP 2000

/* Percentile p in [0,1] of sorted[0..n) with linear interpolation; n > 0. */
double query_regression_percentile(const double *sorted, size_t n, double p);
/* The median of x[0..n) (reordering x), equal to the percentile 0.5 of its sorted copy; NAN when n is 0. */
double query_regression_median(double *x, size_t n);
/* Mann-Whitney U of x against y; 0, or -1 when a sample is empty or out of memory. */
int query_regression_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
                                  query_regression_mw *out);
/*
 * Judges green against blue the way Kayenta's judge does, with a robust
 * effect size so that noise on a loaded machine is not called a regression:
 *   regressed  the Mann-Whitney test is significant at `confidence` (green
 *              slower) AND the bootstrap lower bound of the median ratio
 *              exceeds `tolerance` (we are confident green is more than
 *              tolerance x slower, not just that it differs) AND the
 *              Hodges-Lehmann shift exceeds min_effect_ms;
 *   improved   the mirror image (upper bound below 1/tolerance);
 *   inconclusive  the median ratio itself is beyond the tolerance (and the
 *              shift beyond min_effect_ms) but that is not confirmed;
 *   pass       otherwise.
 * `paired` says blue[k] and green[k] ran in the same interleaved round
 * (needs nb == ng): the bootstrap then resamples rounds, so noise that hit
 * both sides of a round cancels out instead of widening the interval.
 * Returns 0, or -1 when a sample is empty or out of memory.
 */
int query_regression_judge(const double *blue, size_t nb, const double *green, size_t ng, int paired,
                           double confidence, double tolerance, double min_effect_ms,
                           query_regression_judgement *out);
/*
 * query_regression_judge over samples collected in two passes over the workload
 * (blue[0..split) and green[0..split) in the first, the rest in the second),
 * then a replication rule: regressed/improved stands only when each pass on
 * its own has its median ratio beyond the tolerance the same way; otherwise
 * it becomes inconclusive. Load that slows one side's server process for a
 * few seconds (measured on a shared 2-core machine) hits one pass, not both.
 * With split 0 or >= n it is query_regression_judge.
 */
int query_regression_judge_passes(const double *blue, size_t nb, const double *green, size_t ng, size_t split,
                                  int paired, double confidence, double tolerance, double min_effect_ms,
                                  query_regression_judgement *out);
/* The monotonic clock in milliseconds (phase and statement timing). */
double query_regression__now_ms(void);

/*
 * The effect floor of one case, in ms: the larger of `min_effect_ms` (an
 * absolute floor: timer and round-trip resolution) and `noise_floor` times
 * the case's own spread. The spread is relative and measured within a pass:
 * for each side, the mean over its passes (split = where the second starts,
 * 0 for one) of MAD / median; the larger side's, times blue's median. Not
 * the raw MAD of the noisier side over both passes: a real slowdown scales
 * green's MAD with its times (x1.7 slower, x1.7 the MAD), and the level
 * difference between two passes on fresh backends counts as MAD too, so that
 * floor grew with the regression and dismissed a x1.55-1.7 slowdown as
 * noise. A side that scatters more than the other (load hitting one side)
 * still raises the floor. `spread_ms` (may be NULL) receives the spread.
 * Returns min_effect_ms when out of memory.
 */
double query_regression_effect_floor(const double *blue, size_t nb, const double *green, size_t ng,
                                     size_t split, double min_effect_ms, double noise_floor,
                                     double *spread_ms);
const char *query_regression_verdict_name(query_regression_verdict v);

/* -------------------------------------------------------------------- plan */

/*
 * Reduces the text of EXPLAIN (FORMAT JSON, VERBOSE) to a shape: one line per
 * node, indented by depth, with node type, join type, strategy, relation,
 * index and subplan role; costs, rows, output lists and version-specific keys
 * dropped. *out_shape (malloc) and *out_relations (malloc'd array of
 * "schema.relation" strings, deduplicated, *out_nrel of them) are the caller's.
 */
int query_regression_plan_shape(const char *explain_json, char **out_shape, double *out_total_cost,
                                char ***out_relations, size_t *out_nrel, char *err, size_t errlen);

/* ------------------------------------------------------------------ digest */

#define GL_QR_SAMPLE_ROWS 20

typedef struct query_regression_row {
    int ncols;
    char **values;      /* NULL entries are SQL NULL */
} query_regression_row;

typedef struct query_regression_digest {
    int ordered;
    size_t nrows;
    unsigned char *hashes;      /* nrows * 32 bytes */
    size_t cap;
    query_regression_row sample[GL_QR_SAMPLE_ROWS]; /* first rows (ordered) or the smallest rows */
    size_t nsample;
    int failed;                 /* out of memory or too many rows */
} query_regression_digest;

void query_regression_digest_init(query_regression_digest *d, int ordered);
/* Adds one row; 0 or -1 (out of memory / too many rows: d->failed is set). */
int query_regression_digest_add(query_regression_digest *d, int ncols, const char *const *values,
                                const int *is_null);
/* Writes the hex SHA-256 (65 bytes with NUL) of the result. */
int query_regression_digest_finish(query_regression_digest *d, char hex[65]);
void query_regression_digest_free(query_regression_digest *d);

/* ---------------------------------------------------------- host-facing */

/*
 * Runs `sql` on `side` inside BEGIN READ ONLY ... ROLLBACK (with SET LOCAL
 * statement_timeout when timeout_ms > 0), passing rows to fn (may be NULL):
 * one host->query_read_only call (one round trip) on an ABI 1.4 host, four
 * calls on an older one. *out_ms is the wall time of the call that runs the
 * statement (run.c says what that includes). Returns 0, the non-zero value fn
 * returned, or -1 with the host error set and, when err is not NULL, that
 * error (the server's message, from host->last_error) copied into err; the
 * transaction is always rolled back.
 */
int query_regression__run(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql, int nparams,
                          const char *const *params, int timeout_ms, gl_row_fn fn, void *userdata,
                          double *out_ms, char *err, size_t errlen);

/*
 * The generic plan (EXPLAIN (FORMAT JSON, VERBOSE) text, to fn) of `sql`, a
 * statement with its own $1..$nparams and no values: PREPARE over the extended
 * protocol, EXPLAIN EXECUTE with NULLs under plan_cache_mode =
 * force_generic_plan, in BEGIN READ ONLY ... ROLLBACK, then DEALLOCATE. Never
 * the simple protocol (run.c says why). 0, or -1 with the server's message in err.
 */
int query_regression__explain_generic(gl_ctx *ctx, const gl_host *host, gl_side side, const char *sql,
                                      int nparams, int timeout_ms, gl_row_fn fn, void *userdata, char *err,
                                      size_t errlen);

/*
 * Planner-statistics readiness of `relations` ("schema.name") on one side:
 * returns an array of {relation, reltuples, last_analyze, last_autoanalyze}
 * for the never-analyzed ones through *out_missing. When `analyze` is set
 * they are ANALYZEd first (the session is switched out of read-only for that
 * statement only) and *out_analyzed lists them.
 */
int query_regression__readiness(gl_ctx *ctx, const gl_host *host, gl_side side, char **relations, size_t nrel,
                                int analyze, gl_value **out_missing, gl_value **out_analyzed);

/*
 * The allow rule on one side (allow.c): for each of n statements (NULL ones
 * skipped), reasons[i] is set (malloc, the caller's) when it can call a
 * function that side marks volatile or one of query_regression_denied_families. 0, or -1
 * with the host error set (the check itself failed: nothing may run).
 */
int query_regression__allow_check(gl_ctx *ctx, const gl_host *host, gl_side side, const char *const *sqls,
                                  size_t n, char **reasons);
/* The connected role on one side: {name, superuser} (*out NULL when not found). */
int query_regression__role(gl_ctx *ctx, const gl_host *host, gl_side side, gl_value **out);

/* Validates one side's facts (kinds, sections, threshold ranges); 0 or -1 with the error set. */
int query_regression__facts_check(gl_ctx *ctx, const gl_host *host, const gl_value *facts, const char *side);

int query_regression__compare(gl_ctx *ctx, const gl_host *host, const gl_value *blue, const gl_value *green);

#endif
