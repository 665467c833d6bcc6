/* stats.h -- streaming statistics: no per-sample storage.
 *
 * asim_hist is a log-bucketed histogram of positive values (latencies in
 * seconds) in the spirit of HdrHistogram: buckets are spaced so that any value
 * in [ASIM_HIST_MIN, ASIM_HIST_MAX] is known to within ASIM_HIST_REL relative
 * error; values below MIN go to an underflow bucket, above MAX to overflow.
 * It keeps an exact count, sum (Neumaier-compensated), min and max, so the
 * mean is exact and quantiles are bucket-accurate.  Adding is O(1) (an index
 * computed from the value, no search); merging two is O(buckets).
 *
 * Quantile definition: the smallest bucket whose cumulative count reaches
 * ceil(q * count) (the "nearest rank" method), reported as the bucket's
 * midpoint (geometric), clamped to [min, max].  q <= 0 gives the exact min,
 * q >= 1 the exact max.  Values below ASIM_HIST_MIN (underflow) are known to
 * within ASIM_HIST_MIN absolute; above ASIM_HIST_MAX (overflow) they report
 * the max.  Memory: ~38 KB per histogram; merge visits only the range of
 * buckets touched since the last reset, reset and quantiles only the
 * non-zero buckets (a bitmap of them is kept). */
#ifndef ASIM_STATS_H
#define ASIM_STATS_H

#include "sim/engine/common.h"

#define ASIM_HIST_MIN 1e-6          /* seconds */
#define ASIM_HIST_MAX 1e5           /* seconds */
#define ASIM_HIST_REL 0.005         /* half-width of a bucket, relative */

typedef struct asim_hist asim_hist;

asim_hist *asim_hist_create(void);
void   asim_hist_destroy(asim_hist *h);          /* NULL is a no-op */
void   asim_hist_reset(asim_hist *h);            /* O(buckets touched) */
void   asim_hist_add(asim_hist *h, double v);    /* v < 0 (and NaN) counts as 0; ~6 ns */
void   asim_hist_merge(asim_hist *into, const asim_hist *from);
uint64_t asim_hist_count(const asim_hist *h);
double asim_hist_mean(const asim_hist *h);       /* NaN when empty */
double asim_hist_min(const asim_hist *h);        /* NaN when empty */
double asim_hist_max(const asim_hist *h);        /* NaN when empty */
double asim_hist_sum(const asim_hist *h);
double asim_hist_quantile(const asim_hist *h, double q);  /* NaN when empty */
/* Several quantiles in one pass: out[k] = asim_hist_quantile(h, q[k]).  q must
 * be ascending (asserted).  All NaN when empty.  Cost: one scan of the touched
 * range, however many quantiles. */
void   asim_hist_quantiles(const asim_hist *h, const double *q, size_t nq, double *out);
/* Fraction of added values strictly greater than x (bucket-accurate: values
 * in x's own bucket count as not above; exact when x < min or x >= max).
 * NaN when empty. */
double asim_hist_fraction_above(const asim_hist *h, double x);

/* The same values into two histograms, the whole run and the current period
 * (a second), for the cost of one: the buckets go to one of them per value
 * and the other keeps only its count, sum, min and max.
 *  - period_quantiles 1: the period holds the buckets; closing the period
 *    moves them into the total (a walk of the non-zero buckets, which
 *    resetting the period took anyway).
 *  - period_quantiles 0: the total holds the buckets; the period has only its
 *    count, sum, min, max and mean (ask it for no quantiles).
 * Either way the total is the histogram asim_hist_add would have built from
 * the same values in the same order (the same counts, and the same sum
 * to the bit, being summed in that order), once the period is closed. */
typedef struct asim_hist_pair asim_hist_pair;

asim_hist_pair *asim_hist_pair_create(int period_quantiles);
void   asim_hist_pair_destroy(asim_hist_pair *p);  /* NULL is a no-op */
/* Empty it and set period_quantiles: then as asim_hist_pair_create made it
 * (for a caller that recycles pairs between runs). */
void   asim_hist_pair_reset(asim_hist_pair *p, int period_quantiles);
void   asim_hist_pair_add(asim_hist_pair *p, double v);
/* The period so far: count, mean and, with period_quantiles, quantiles. */
const asim_hist *asim_hist_pair_period(const asim_hist_pair *p);
/* End the period: its values join the total and it starts empty. */
void   asim_hist_pair_close(asim_hist_pair *p);
/* The same, also giving the period's quantiles (as asim_hist_quantiles on
 * asim_hist_pair_period before closing; period_quantiles only): one walk
 * over the period's buckets serves both. */
void   asim_hist_pair_close_quantiles(asim_hist_pair *p, const double *q, size_t nq, double *out);
/* The whole run's histogram (ends the current period first). */
const asim_hist *asim_hist_pair_total(asim_hist_pair *p);

/* Time-weighted mean of a piecewise-constant signal (replicas, in-flight). */
typedef struct asim_twmean {
    asim_time start, last;   /* start of accumulation, time of last change */
    double value;            /* current level */
    double area;             /* integral of level dt, in level*seconds */
} asim_twmean;

void   asim_twmean_init(asim_twmean *m, asim_time t0, double v0);
void   asim_twmean_set(asim_twmean *m, asim_time t, double v);   /* level changes at t (>= last; asserted) */
double asim_twmean_area(const asim_twmean *m, asim_time t);      /* integral up to t */
double asim_twmean_mean(const asim_twmean *m, asim_time t);      /* area / (t - start); the level if t == start */

#endif
