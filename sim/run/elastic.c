/* elastic.c -- elasticity metrics against the demanded supply (see elastic.h
 * and doc/elasticity.md).
 *
 * Streaming: each observed second adds to a handful of sums, so memory is
 * constant whatever the duration.  Invariants: `pairs` counts consecutive
 * observed seconds (a skipped second resets `have_prev`), and
 * unstable <= pairs, under_n + over_n <= T.
 *
 * The demand function is evaluated once per second; offered rates are
 * piecewise constant or linear, so the last (rate, demand) pair is memoised. */
#include "sim/run/elastic.h"

#include <math.h>
#include <string.h>
#include "models/scenario/config.h"

struct asim_elastic {
    asim_config model;          /* copy of the fields asim_elastic_latency reads */
    size_t T;                   /* observed seconds */
    double under_rel, over_rel; /* sum (d-s)+/d, sum (s-d)+/d */
    double under_abs, over_abs; /* sum (d-s)+, sum (s-d)+ */
    size_t under_n, over_n;     /* seconds with d > s, s > d */
    double demand_sum;
    size_t pairs, unstable;     /* consecutive pairs; those moving differently */
    size_t es, ed;              /* supply changes, demand changes */
    size_t unreachable;
    int have_prev, prev_d, prev_s;
    double memo_rate;
    int memo_demand;
};

/* Only these fields of a config are read by the queueing model; copying them
 * (not the whole config with its owned arrays) keeps the object
 * self-contained. */
static void copy_model(asim_config *dst, const asim_config *src)
{
    memset(dst, 0, sizeof *dst);
    dst->app = src->app;
    dst->balancer = src->balancer;
    dst->ext.slo = src->ext.slo;
}

asim_elastic *asim_elastic_create(const asim_config *cfg)
{
    asim_elastic *e = asim_calloc(1, sizeof *e);
    copy_model(&e->model, cfg);
    e->memo_rate = NAN;
    return e;
}

void asim_elastic_destroy(asim_elastic *e)
{
    asim_free(e);
}

/* Erlang C: probability that an arrival waits in M/M/k with offered load a
 * (Erlangs), a < k.  Through the Erlang B recursion B(j) = a B(j-1) /
 * (j + a B(j-1)), which never overflows, then C = B / (1 - (a/k)(1 - B)). */
static double erlang_c(int k, double a)
{
    double b = 1.0;
    for (int j = 1; j <= k; j++)
        b = a * b / (j + a * b);
    return b / (1.0 - a / k * (1.0 - b));
}

static double service_scv(const asim_config *cfg)
{
    double m = cfg->app.service.mean;
    double scv = asim_dist_second_moment(&cfg->app.service) / (m * m) - 1.0;
    return scv > 0 ? scv : 0;     /* deterministic: 0 (rounding may give -1e-16) */
}

double asim_elastic_latency(const asim_config *cfg, double rate, int n)
{
    double m = cfg->app.service.mean;
    if (!(rate > 0))
        return m;
    if (n < 1)
        return INFINITY;
    int k = cfg->app.workers;
    double lam = rate / n, ca2 = 1.0;
    switch (cfg->balancer.policy) {
    case ASIM_LB_ROUND_ROBIN:
        ca2 = 1.0 / n;
        break;
    case ASIM_LB_RANDOM:
        break;
    case ASIM_LB_LEAST_CONNECTIONS:
        lam = rate;
        k = cfg->app.workers * n;
        break;
    }
    double a = lam * m;
    if (a >= k)
        return INFINITY;
    double wq = erlang_c(k, a) * m / (k - a);
    return m + wq * (ca2 + service_scv(cfg)) / 2.0;
}

int asim_elastic_demand(const asim_config *cfg, double rate)
{
    if (!(rate > 0))
        return 1;
    double m = cfg->app.service.mean;
    int c = cfg->app.workers > 0 ? cfg->app.workers : 1;
    double stable = floor(rate * m / c) + 1;
    if (stable > 1e7)
        return 10000000;
    int n0 = (int)stable;
    if (m >= cfg->ext.slo.latency)
        return n0;
    /* W(n) decreases towards m < slo as n grows, so this ends; the cap only
     * guards against a pathological slo a hair above m. */
    for (int n = n0; n < n0 + 100000; n++)
        if (asim_elastic_latency(cfg, rate, n) <= cfg->ext.slo.latency)
            return n;
    return n0 + 100000;
}

static int sgn(int x)
{
    return (x > 0) - (x < 0);
}

void asim_elastic_observe(asim_elastic *e, int d, int s)
{
    e->T++;
    e->demand_sum += d;
    double dd = d > 0 ? d : 1;           /* the papers' max(d_t, eps); d >= 1 here anyway */
    if (d > s) {
        e->under_n++;
        e->under_abs += d - s;
        e->under_rel += (d - s) / dd;
    } else if (s > d) {
        e->over_n++;
        e->over_abs += s - d;
        e->over_rel += (s - d) / dd;
    }
    if (e->have_prev) {
        int ds = sgn(s - e->prev_s), ddm = sgn(d - e->prev_d);
        e->pairs++;
        if (ds != ddm)
            e->unstable++;
        if (ds)
            e->es++;
        if (ddm)
            e->ed++;
    }
    e->have_prev = 1;
    e->prev_d = d;
    e->prev_s = s;
}

void asim_elastic_second(asim_elastic *e, double t, double rate, int supplied)
{
    (void)t;
    if (isnan(rate)) {
        e->have_prev = 0;
        return;
    }
    if (rate != e->memo_rate) {
        e->memo_rate = rate;
        e->memo_demand = asim_elastic_demand(&e->model, rate);
    }
    if (rate > 0 && e->model.app.service.mean >= e->model.ext.slo.latency)
        e->unreachable++;
    asim_elastic_observe(e, e->memo_demand, supplied);
}

void asim_elastic_finish(asim_elastic *e, asim_summary *sum)
{
    double T = (double)e->T;
    double nan = NAN;
    int ok = e->T > 0;
    asim_summary_set(sum, "elastic_under_accuracy", ok ? e->under_rel / T : nan);
    asim_summary_set(sum, "elastic_over_accuracy", ok ? e->over_rel / T : nan);
    asim_summary_set(sum, "elastic_under_replicas", ok ? e->under_abs / T : nan);
    asim_summary_set(sum, "elastic_over_replicas", ok ? e->over_abs / T : nan);
    asim_summary_set(sum, "elastic_under_timeshare", ok ? (double)e->under_n / T : nan);
    asim_summary_set(sum, "elastic_over_timeshare", ok ? (double)e->over_n / T : nan);
    asim_summary_set(sum, "elastic_instability", e->pairs ? (double)e->unstable / (double)e->pairs : nan);
    asim_summary_set(sum, "elastic_jitter", ok ? ((double)e->es - (double)e->ed) / T * 3600.0 : nan);
    asim_summary_set(sum, "elastic_supply_changes", ok ? (double)e->es : nan);
    asim_summary_set(sum, "elastic_demand_changes", ok ? (double)e->ed : nan);
    asim_summary_set(sum, "elastic_mean_demand", ok ? e->demand_sum / T : nan);
    asim_summary_set(sum, "elastic_unreachable_seconds", ok ? (double)e->unreachable : nan);
}
