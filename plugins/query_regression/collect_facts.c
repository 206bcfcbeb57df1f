/*
 * query_regression's facts of a side (collect.h): settings, statistics and
 * every case's results, plan and samples, self-contained for an offline
 * compare (share/doc/checks/query_regression.md, Facts).
 */
#include "collect.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/* object_set that also fails on a NULL value (a builder that ran out of memory). */
static int set(const gl_host *h, gl_value *o, const char *k, gl_value *v)
{
    return v == NULL ? -1 : h->object_set(o, k, v);
}

/* A child object inserted into its parent first, so the parent owns it from the start. */
static gl_value *child_object(const gl_host *h, gl_value *parent, const char *key)
{
    gl_value *c = h->value_object();
    return set(h, parent, key, c) == 0 ? c : NULL;
}

/* Where the check's wall time went, both sides together (settings.timing_ms). */
static gl_value *timing(const qr_run *r)
{
    const gl_host *h = r->host;
    gl_value *t = h->value_object();

    if (t == NULL ||
        set(h, t, "plans", h->value_number(r->t_plans)) ||
        set(h, t, "readiness", h->value_number(r->t_readiness)) ||
        set(h, t, "results", h->value_number(r->t_results)) ||
        set(h, t, "warmup", h->value_number(r->t_warmup)) ||
        set(h, t, "timed_rounds", h->value_number(r->t_timed)) ||
        set(h, t, "samples", h->value_number(r->t_samples)) ||
        set(h, t, "pass_gap", h->value_number(r->t_gap)) ||
        set(h, t, "reconnect", h->value_number(r->t_reconnect))) {
        h->value_free(t);
        return NULL;
    }
    return t;
}

static gl_value *strings_value(const gl_host *h, char *const *items, size_t n, int with_nulls)
{
    gl_value *a = h->value_array();

    for (size_t i = 0; a != NULL && i < n; i++) {
        gl_value *v = items[i] == NULL && !with_nulls ? NULL : h->value_string(items[i]);
        if (v == NULL || h->array_push(a, v) != 0) {
            h->value_free(a);
            a = NULL;
        }
    }
    return a;
}

static gl_value *numbers_value(const gl_host *h, const double *v, size_t n)
{
    gl_value *a = h->value_array();

    for (size_t i = 0; a != NULL && i < n; i++)
        if (h->array_push(a, h->value_number(v[i])) != 0) {
            h->value_free(a);
            a = NULL;
        }
    return a;
}

static gl_value *case_facts(qr_run *r, int side, size_t i)
{
    const gl_host *h = r->host;
    qr_case *c = &r->cases[i];
    qr_outcome *o = &r->out[side][i];
    gl_value *f = h->value_object(), *thr, *cmp;
    int bad;

    if (f == NULL)
        return NULL;
    thr = child_object(h, f, "thresholds");
    cmp = child_object(h, f, "compare");
    bad = thr == NULL || cmp == NULL ||
          set(h, thr, "effect_tolerance", h->value_number(c->q->effect_tolerance)) ||
          set(h, thr, "confidence", h->value_number(c->q->confidence)) ||
          set(h, thr, "min_effect_ms", h->value_number(c->q->min_effect_ms)) ||
          set(h, thr, "noise_floor", h->value_number(c->q->noise_floor)) ||
          set(h, thr, "samples", h->value_int(c->samples)) ||
          set(h, cmp, "results", h->value_bool(c->q->compare_results)) ||
          set(h, cmp, "plan", h->value_bool(c->q->compare_plan)) ||
          set(h, f, "name", h->value_string(c->name)) ||
          set(h, f, "query", h->value_string(c->q->name)) ||
          set(h, f, "sql", h->value_string(c->q->sql)) ||
          set(h, f, "params", strings_value(h, (char *const *)c->params, (size_t)c->nparams, 1)) ||
          set(h, f, "tags", strings_value(h, c->q->tags, c->q->ntags, 0)) ||
          set(h, f, "ordered", h->value_bool(c->ordered));
    if (!bad && c->refused[0] != '\0')
        bad = set(h, f, "refused", h->value_string(c->refused + strlen("refused: ")));
    if (!bad && c->fingerprint[0] != '\0')
        bad = set(h, f, "fingerprint", h->value_string(c->fingerprint));
    if (!bad)
        bad = set(h, f, "source", h->value_string(c->q->imported ? "pg_stat_statements" : "workload"));
    if (!bad && c->q->imported)
        bad = set(h, f, "calls", h->value_int(c->q->calls)) ||
              set(h, f, "total_time_ms", h->value_number(c->q->total_time_ms));
    if (!bad && c->not_comparable[0] != '\0')
        bad = set(h, f, "not_comparable", h->value_string(c->not_comparable));
    if (!bad && c->generic_plan)
        bad = set(h, f, "generic_plan", h->value_bool(1));
    if (!bad && o->error[0] != '\0')
        bad = set(h, f, "error", h->value_string(o->error));
    if (!bad && o->have_result) {
        bad = set(h, f, "rows", h->value_int((int64_t)o->rows)) ||
              set(h, f, "digest", h->value_string(o->digest)) ||
              set(h, f, "sample_rows", h->value_copy(o->sample_rows));
    }
    if (!bad && o->plan != NULL)
        bad = set(h, f, "plan", h->value_string(o->plan)) ||
              set(h, f, "plan_cost", h->value_number(o->plan_cost));
    if (!bad)
        bad = set(h, f, "latency_ms", numbers_value(h, o->latency, o->nlatency));
    /* Where the second pass starts in latency_ms (run_measure). */
    if (!bad)
        bad = set(h, f, "latency_split", h->value_int(c->samples / 2));
    if (bad) {
        h->value_free(f);
        return NULL;
    }
    return f;
}

/* [pid of pass 1, pid of pass 2] on a side. */
static gl_value *pass_backends(qr_run *r, int side)
{
    const gl_host *h = r->host;
    gl_value *a = h->value_array();

    for (int p = 0; a != NULL && p < 2; p++)
        if (h->array_push(a, h->value_int(r->pass_backend[side][p])) != 0) {
            h->value_free(a);
            a = NULL;
        }
    return a;
}

gl_value *query_regression__side_facts(qr_run *r, int side, gl_value *missing, gl_value *analyzed)
{
    const gl_host *h = r->host;
    gl_value *f = h->value_object(), *st, *cases, *stats;
    int bad;

    if (f == NULL)
        goto fail;
    st = child_object(h, f, "settings");
    stats = child_object(h, f, "statistics");
    bad = st == NULL || stats == NULL ||
          set(h, f, "enabled", h->value_bool(1)) ||
          set(h, f, "server_version_num", h->value_int(h->server_version_num(r->ctx, (gl_side)side))) ||
          set(h, f, "workload", h->value_string(r->cfg.workload)) ||
          set(h, st, "samples", h->value_int(r->cfg.samples)) ||
          set(h, st, "warmup", h->value_int(r->cfg.warmup)) ||
          set(h, st, "confidence", h->value_number(r->cfg.confidence)) ||
          set(h, st, "effect_tolerance", h->value_number(r->cfg.tolerance)) ||
          set(h, st, "min_effect_ms", h->value_number(r->cfg.min_effect_ms)) ||
          set(h, st, "noise_floor", h->value_number(r->cfg.noise_floor)) ||
          set(h, st, "interleaved", h->value_bool(r->live[0] && r->live[1])) ||
          set(h, st, "pass_gap_ms", h->value_int(r->cfg.pass_gap_ms)) ||
          set(h, st, "pass_gap_waited_ms", h->value_number(r->pass_gap_waited_ms)) ||
          set(h, st, "pass_separation_ms",
              r->pass_separation_ms < 0 ? h->value_null() : h->value_number(r->pass_separation_ms)) ||
          set(h, st, "fresh_connections", h->value_bool(r->fresh_connections)) ||
          set(h, st, "pass_backends", pass_backends(r, side)) ||
          set(h, st, "timing_ms", timing(r)) ||
          set(h, stats, "missing", missing ? h->value_copy(missing) : h->value_array()) ||
          set(h, stats, "analyzed", analyzed ? h->value_copy(analyzed) : h->value_array());
    if (!bad && r->import_side >= 0) {
        gl_value *imp = child_object(h, f, "import");
        bad = imp == NULL ||
              set(h, imp, "source", h->value_string(query_regression__side_name(r->import_side))) ||
              set(h, imp, "top", h->value_int(r->cfg.import.top)) ||
              set(h, imp, "skipped", h->value_int((int64_t)r->import_skipped)) ||
              set(h, imp, "params", h->value_string(r->cfg.import.params)) ||
              (r->import_problem != NULL &&
               set(h, imp, "problem", h->value_string(r->import_problem)));
    }
    if (!bad && r->role[side] != NULL)
        bad = set(h, f, "role", h->value_copy(r->role[side]));
    cases = bad ? NULL : h->value_array();
    if (bad || set(h, f, "cases", cases) != 0)
        goto fail;
    for (size_t i = 0; i < r->ncases; i++)
        if (h->array_push(cases, case_facts(r, side, i)) != 0)
            goto fail;
    return f;
fail:
    h->value_free(f);
    h->set_error(r->ctx, "out of memory building facts");
    return NULL;
}

gl_value *query_regression__disabled_facts(const gl_host *h)
{
    gl_value *f = h->value_object();

    if (f != NULL && h->object_set(f, "enabled", h->value_bool(0)) != 0) {
        h->value_free(f);
        f = NULL;
    }
    return f;
}
