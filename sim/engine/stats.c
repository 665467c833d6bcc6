/* stats.c -- log-bucketed latency histogram and time-weighted mean (stats.h).
 *
 * Bucket index straight from the bits of the double (HdrHistogram's idea):
 * for a positive finite double, bits >> (52 - SUB_BITS) is
 * exponent * 2^SUB_BITS + the top SUB_BITS bits of the mantissa, i.e. each
 * power of two [2^e, 2^(e+1)) is cut into 2^SUB_BITS = 128 equal sub-buckets.
 * A sub-bucket [a, b) has b/a <= 1 + 1/128, so its geometric midpoint
 * sqrt(a b) is within 0.39 % of every value in it (<= ASIM_HIST_REL = 0.5 %).
 * No log(), no search: add() is a shift, a subtract and two compares.
 *
 * Index 0 is the underflow bucket (v < ASIM_HIST_MIN, including 0 and the
 * negatives and NaN that count as 0), the last index the overflow bucket
 * (v > ASIM_HIST_MAX).  1e-6 .. 1e5 spans 37 octaves: 4670 regular buckets,
 * 37 KB of counts.
 *
 * Invariants: count == sum of b[]; when count > 0, every non-zero bucket lies
 * in [lo, hi] (the touched range); bit i of nz[] is set iff b[i] != 0.
 * Reset and quantiles walk the set bits of nz[] within the touched range
 * (count-trailing-zeros), so they cost what was added, not the range: a
 * second of 50 lognormal latencies spans ~800 buckets, and walking them for
 * the p99 of every per-second row was 5 % of a soak `run`. */
#include "sim/engine/stats.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#define SUB_BITS  7
#define SHIFT     (52 - SUB_BITS)

struct asim_hist {
    uint64_t count;
    double sum, comp;            /* Neumaier: true sum = sum + comp */
    double min, max;
    size_t lo, hi;               /* touched bucket range; lo > hi when empty */
    uint64_t base;               /* bits(ASIM_HIST_MIN) >> SHIFT, minus 1 */
    size_t nb;                   /* number of buckets incl. under/overflow */
    uint64_t *nz;                /* bitmap of the non-zero buckets (after b[]) */
    uint64_t b[];
};

static uint64_t bits_of(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static double double_of(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Bucket of a value already known to be in [MIN, MAX]. */
static inline size_t regular_index(const asim_hist *h, double v)
{
    return (size_t)((bits_of(v) >> SHIFT) - h->base);
}

static inline size_t index_of(const asim_hist *h, double v)
{
    if (!(v >= ASIM_HIST_MIN))
        return 0;
    if (v > ASIM_HIST_MAX)
        return h->nb - 1;
    return regular_index(h, v);
}

/* Representative of bucket i: the geometric midpoint of its value range. */
static double bucket_value(const asim_hist *h, size_t i)
{
    if (i == 0)
        return ASIM_HIST_MIN / 2;
    if (i == h->nb - 1)
        return INFINITY;                 /* clamped to the exact maximum */
    uint64_t top = (uint64_t)i + h->base;
    double a = double_of(top << SHIFT), b = double_of((top + 1) << SHIFT);
    return sqrt(a * b);
}

static void clear_summary(asim_hist *h)
{
    h->count = 0;
    h->sum = h->comp = 0;
    h->min = INFINITY;
    h->max = -INFINITY;
    h->lo = h->nb;
    h->hi = 0;
}

/* The lowest set bit of a non-zero word, as a bucket offset. */
static inline unsigned low_bit(uint64_t w) { return (unsigned)__builtin_ctzll(w); }

asim_hist *asim_hist_create(void)
{
    uint64_t base = (bits_of(ASIM_HIST_MIN) >> SHIFT) - 1;
    size_t nb = (size_t)((bits_of(ASIM_HIST_MAX) >> SHIFT) - base) + 2;
    size_t nw = nb / 64 + 1;
    asim_hist *h = asim_calloc(1, sizeof *h + (nb + nw) * sizeof h->b[0]);
    h->nz = &h->b[nb];
    h->base = base;
    h->nb = nb;
    clear_summary(h);
    return h;
}

void asim_hist_destroy(asim_hist *h)
{
    asim_free(h);
}

void asim_hist_reset(asim_hist *h)
{
    if (h->count) {
        for (size_t w = h->lo / 64; w <= h->hi / 64; w++) {
            for (uint64_t bits = h->nz[w]; bits; bits &= bits - 1)
                h->b[w * 64 + low_bit(bits)] = 0;
            h->nz[w] = 0;
        }
    }
    clear_summary(h);
}

/* Neumaier's compensated addition of x into (sum, comp). */
static inline void kahan_add(double *sum, double *comp, double x)
{
    double t = *sum + x;
    if (fabs(*sum) >= fabs(x))
        *comp += (*sum - t) + x;
    else
        *comp += (x - t) + *sum;
    *sum = t;
}

/* The count, sum, min and max of an add, without the bucket. */
static inline void add_summary(asim_hist *h, double v)
{
    h->count++;
    kahan_add(&h->sum, &h->comp, v);
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

/* The bucket of an add, without the rest. */
static inline void add_bucket(asim_hist *h, double v)
{
    size_t i = index_of(h, v);
    h->b[i]++;
    h->nz[i / 64] |= UINT64_C(1) << (i % 64);
    if (i < h->lo)
        h->lo = i;
    if (i > h->hi)
        h->hi = i;
}

void asim_hist_add(asim_hist *h, double v)
{
    if (!(v >= 0))
        v = 0;
    add_bucket(h, v);
    add_summary(h, v);
}

void asim_hist_merge(asim_hist *into, const asim_hist *from)
{
    if (!from->count)
        return;
    for (size_t i = from->lo; i <= from->hi; i++)
        into->b[i] += from->b[i];
    for (size_t w = from->lo / 64; w <= from->hi / 64; w++)
        into->nz[w] |= from->nz[w];
    into->count += from->count;
    kahan_add(&into->sum, &into->comp, from->sum);
    kahan_add(&into->sum, &into->comp, from->comp);
    if (from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
    if (from->lo < into->lo)
        into->lo = from->lo;
    if (from->hi > into->hi)
        into->hi = from->hi;
}

uint64_t asim_hist_count(const asim_hist *h) { return h->count; }
double asim_hist_sum(const asim_hist *h) { return h->sum + h->comp; }
double asim_hist_min(const asim_hist *h) { return h->count ? h->min : NAN; }
double asim_hist_max(const asim_hist *h) { return h->count ? h->max : NAN; }

double asim_hist_mean(const asim_hist *h)
{
    return h->count ? (h->sum + h->comp) / (double)h->count : NAN;
}

/* Nearest rank of quantile q among count values: ceil(q * count) in [1, count]. */
static uint64_t rank_of(double q, uint64_t count)
{
    double r = ceil(q * (double)count);
    if (!(r >= 1))
        return 1;
    if (r >= (double)count)
        return count;
    return (uint64_t)r;
}

static double clamp(const asim_hist *h, double v)
{
    return v < h->min ? h->min : v > h->max ? h->max : v;
}

void asim_hist_quantiles(const asim_hist *h, const double *q, size_t nq, double *out)
{
    if (!h->count) {
        for (size_t k = 0; k < nq; k++)
            out[k] = NAN;
        return;
    }
    for (size_t k = 1; k < nq; k++)
        assert(q[k] >= q[k - 1] && "asim_hist_quantiles: q must be ascending");
    /* One pass over the non-zero buckets serves every (ascending) quantile:
     * the answer is the first bucket whose cumulative count reaches the
     * rank, and an empty bucket never is the first. */
    size_t k = 0, w = h->lo / 64;
    uint64_t cum = 0, bits = h->nz[w];
    while (k < nq) {
        if (q[k] >= 1) {                 /* rank count is the maximum itself */
            out[k++] = h->max;
            continue;
        }
        if (q[k] <= 0) {
            out[k++] = h->min;
            continue;
        }
        uint64_t want = rank_of(q[k], h->count);
        for (;;) {
            while (!bits)
                bits = h->nz[++w];       /* cum < want <= count: a non-zero bucket is ahead */
            size_t i = w * 64 + low_bit(bits);
            if (cum + h->b[i] >= want) {
                out[k++] = clamp(h, bucket_value(h, i));
                break;                   /* the next quantile may end in this bucket too */
            }
            cum += h->b[i];
            bits &= bits - 1;
        }
    }
}

double asim_hist_quantile(const asim_hist *h, double q)
{
    double v;
    asim_hist_quantiles(h, &q, 1, &v);
    return v;
}

double asim_hist_fraction_above(const asim_hist *h, double x)
{
    if (!h->count)
        return NAN;
    if (x < h->min)
        return 1;
    if (!(x < h->max))
        return 0;
    /* Values in x's own bucket count as not above: the answer is exact up to
     * that one bucket (relative width < 1 %). */
    size_t ix = index_of(h, x < 0 ? 0 : x);
    uint64_t above = 0;
    for (size_t i = ix + 1; i <= h->hi; i++)
        above += h->b[i];
    return (double)above / (double)h->count;
}

/* --- time-weighted mean ------------------------------------------------- */

/* --- two histograms for the cost of one (stats.h) ---------------------- */

struct asim_hist_pair {
    asim_hist *total, *period;
    int period_quantiles;
};

asim_hist_pair *asim_hist_pair_create(int period_quantiles)
{
    asim_hist_pair *p = asim_calloc(1, sizeof *p);
    p->total = asim_hist_create();
    p->period = asim_hist_create();
    p->period_quantiles = period_quantiles;
    return p;
}

void asim_hist_pair_destroy(asim_hist_pair *p)
{
    if (!p)
        return;
    asim_hist_destroy(p->total);
    asim_hist_destroy(p->period);
    asim_free(p);
}

void asim_hist_pair_reset(asim_hist_pair *p, int period_quantiles)
{
    asim_hist_reset(p->total);
    asim_hist_reset(p->period);
    p->period_quantiles = period_quantiles;
}

void asim_hist_pair_add(asim_hist_pair *p, double v)
{
    if (!(v >= 0))
        v = 0;
    add_bucket(p->period_quantiles ? p->period : p->total, v);
    add_summary(p->total, v);
    add_summary(p->period, v);
}

const asim_hist *asim_hist_pair_period(const asim_hist_pair *p)
{
    return p->period;
}

/* Quantiles read off a walk over the buckets in ascending order: the next
 * wanted quantile k ends in the first bucket whose cumulative count reaches
 * its rank (see asim_hist_quantiles); q >= 1 (the maximum) is left to the
 * caller.  NULL: no quantiles wanted. */
typedef struct quantile_walk {
    const double *q;
    size_t nq, k;
    double *out;
    uint64_t cum, want;
} quantile_walk;

static void walk_next_rank(quantile_walk *qw, uint64_t count)
{
    qw->want = qw->k < qw->nq && qw->q[qw->k] < 1 ? rank_of(qw->q[qw->k], count) : 0;
}

static void walk_bucket(quantile_walk *qw, const asim_hist *h, size_t i)
{
    qw->cum += h->b[i];
    while (qw->k < qw->nq && qw->q[qw->k] < 1 && qw->cum >= qw->want) {
        qw->out[qw->k++] = clamp(h, bucket_value(h, i));
        walk_next_rank(qw, h->count);
    }
}

/* Move the period's buckets into the total's and clear them: the walk over
 * the non-zero buckets that asim_hist_reset does, adding as it clears, and
 * reading quantiles on the way when qw is given. */
static void move_buckets(asim_hist *into, asim_hist *from, quantile_walk *qw)
{
    if (from->lo > from->hi)
        return;
    for (size_t w = from->lo / 64; w <= from->hi / 64; w++) {
        for (uint64_t bits = from->nz[w]; bits; bits &= bits - 1) {
            size_t i = w * 64 + low_bit(bits);
            if (qw)
                walk_bucket(qw, from, i);
            into->b[i] += from->b[i];
            from->b[i] = 0;
        }
        into->nz[w] |= from->nz[w];
        from->nz[w] = 0;
    }
    if (from->lo < into->lo)
        into->lo = from->lo;
    if (from->hi > into->hi)
        into->hi = from->hi;
}

void asim_hist_pair_close_quantiles(asim_hist_pair *p, const double *q, size_t nq, double *out)
{
    asim_hist *from = p->period;
    assert(p->period_quantiles);
    for (size_t k = 1; k < nq; k++)
        assert(q[k] >= q[k - 1] && "asim_hist_pair_close_quantiles: q must be ascending");
    quantile_walk qw = { q, nq, 0, out, 0, 0 };
    if (!from->count) {
        for (; qw.k < nq; qw.k++)
            out[qw.k] = NAN;
    }
    for (; qw.k < nq && q[qw.k] <= 0; qw.k++)
        out[qw.k] = from->min;
    walk_next_rank(&qw, from->count);
    move_buckets(p->total, from, &qw);
    for (; qw.k < nq; qw.k++)                /* q >= 1: the maximum itself */
        out[qw.k] = from->max;
    clear_summary(from);
}

void asim_hist_pair_close(asim_hist_pair *p)
{
    if (p->period_quantiles)
        move_buckets(p->total, p->period, NULL);
    clear_summary(p->period);
}

const asim_hist *asim_hist_pair_total(asim_hist_pair *p)
{
    asim_hist_pair_close(p);
    return p->total;
}

void asim_twmean_init(asim_twmean *m, asim_time t0, double v0)
{
    m->start = m->last = t0;
    m->value = v0;
    m->area = 0;
}

void asim_twmean_set(asim_twmean *m, asim_time t, double v)
{
    assert(t >= m->last && "asim_twmean: time went backwards");
    m->area += m->value * ASIM_TO_SEC(t - m->last);
    m->last = t;
    m->value = v;
}

double asim_twmean_area(const asim_twmean *m, asim_time t)
{
    assert(t >= m->last && "asim_twmean: time went backwards");
    return m->area + m->value * ASIM_TO_SEC(t - m->last);
}

double asim_twmean_mean(const asim_twmean *m, asim_time t)
{
    if (t <= m->start)
        return m->value;
    return asim_twmean_area(m, t) / ASIM_TO_SEC(t - m->start);
}
