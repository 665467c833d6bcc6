/* test_stats.c -- the log-bucketed histogram against exact order statistics,
 * and the time-weighted mean. */
#include "sim/engine/stats.h"
#include "check.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Exact nearest-rank quantile of sorted v[0..n). */
static double exact_quantile(const double *v, size_t n, double q)
{
    double r = ceil(q * (double)n);
    size_t k = r < 1 ? 1 : r > (double)n ? n : (size_t)r;
    return v[k - 1];
}

static void test_known_data(void)
{
    asim_hist *h = asim_hist_create();
    enum { N = 100000 };
    static double v[N];
    for (int i = 0; i < N; i++) {
        v[i] = (i + 1) * 1e-3;                 /* 1 ms .. 100 s */
        asim_hist_add(h, v[i]);
    }
    CHECK(asim_hist_count(h) == N);
    CHECK(asim_hist_min(h) == 1e-3 && asim_hist_max(h) == 100.0);
    /* Mean: the exact mean of the stored doubles, (N+1)/2 ms, to rounding. */
    CHECK_REL(asim_hist_mean(h), (N + 1) / 2.0 * 1e-3, 1e-15);
    double worst = 0;
    for (int k = 1; k < 1000; k++) {
        double q = k / 1000.0, e = exact_quantile(v, N, q), got = asim_hist_quantile(h, q);
        double rel = fabs(got - e) / e;
        worst = rel > worst ? rel : worst;
    }
    CHECK_MSG(worst <= ASIM_HIST_REL, "worst relative error %g", worst);
    CHECK(asim_hist_quantile(h, 0) == 1e-3);
    CHECK(asim_hist_quantile(h, 1) == 100.0);
    CHECK_REL(asim_hist_quantile(h, 0.99), 99.0, ASIM_HIST_REL);
    asim_hist_destroy(h);
    asim_hist_destroy(NULL);
}

static void test_random_lognormal_and_multi(void)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2024);
    enum { N = 50000 };
    static double v[N];
    asim_hist *h = asim_hist_create();
    for (int i = 0; i < N; i++) {
        v[i] = gsl_ran_lognormal(r, -2.0, 1.5);
        asim_hist_add(h, v[i]);
    }
    qsort(v, N, sizeof v[0], cmp_double);
    double qs[] = { 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999 };
    double out[ASIM_ARRAY_LEN(qs)];
    asim_hist_quantiles(h, qs, ASIM_ARRAY_LEN(qs), out);
    for (size_t k = 0; k < ASIM_ARRAY_LEN(qs); k++) {
        double e = exact_quantile(v, N, qs[k]);
        CHECK_MSG(fabs(out[k] - e) <= ASIM_HIST_REL * e, "q=%g: %.9g vs exact %.9g", qs[k], out[k], e);
        CHECK(out[k] == asim_hist_quantile(h, qs[k]));
    }
    /* fraction_above within one bucket of the exact fraction. */
    for (int k = 0; k < 20; k++) {
        double x = gsl_ran_lognormal(r, -2.0, 1.5);
        size_t above = 0;
        for (int i = 0; i < N; i++)
            above += v[i] > x;
        double lo = 0, hi = 0;                 /* exact fractions above x(1+-1%) */
        for (int i = 0; i < N; i++) {
            lo += v[i] > x * 1.01;
            hi += v[i] > x * 0.99;
        }
        double f = asim_hist_fraction_above(h, x);
        CHECK_MSG(f >= lo / N && f <= hi / N, "x=%g: %g not in [%g, %g] (exact %g)", x, f, lo / N,
                  hi / N, (double)above / N);
    }
    CHECK(asim_hist_fraction_above(h, v[0] / 2) == 1.0);
    CHECK(asim_hist_fraction_above(h, v[N - 1]) == 0.0);
    asim_hist_destroy(h);
    gsl_rng_free(r);
}

/* The bucket bound itself: {v, 1e5}: the median is v's bucket, clamped up to v. */
static void test_relative_error_everywhere(void)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    asim_hist *h = asim_hist_create();
    int n = getenv("ASIM_SANITIZED") ? 5000 : 100000, bad = 0;
    double worst = 0;
    for (int i = 0; i < n; i++) {
        double v = pow(10, -6 + 11 * gsl_rng_uniform(r));   /* log-uniform over the range */
        asim_hist_reset(h);
        asim_hist_add(h, v);
        asim_hist_add(h, 2e5);
        double got = asim_hist_quantile(h, 0.5), rel = fabs(got - v) / v;
        worst = rel > worst ? rel : worst;
        bad += rel > ASIM_HIST_REL;
    }
    CHECK_MSG(bad == 0, "%d values off by more than %g (worst %g)", bad, ASIM_HIST_REL, worst);
    CHECK(worst > 0.003);          /* the bound is 0.39 %: the test can see the buckets */
    asim_hist_destroy(h);
    gsl_rng_free(r);
}

static void test_mean_exact_and_edges(void)
{
    asim_hist *h = asim_hist_create();
    CHECK(isnan(asim_hist_mean(h)) && isnan(asim_hist_min(h)) && isnan(asim_hist_max(h)));
    CHECK(isnan(asim_hist_quantile(h, 0.5)) && isnan(asim_hist_fraction_above(h, 1)));
    CHECK(asim_hist_count(h) == 0 && asim_hist_sum(h) == 0);
    /* A naive running sum of 1e6 x 0.1 drifts to 100000.00000133288; the exact
     * sum of those doubles rounds to 100000, so the mean is 0.1 exactly. */
    for (int i = 0; i < 1000000; i++)
        asim_hist_add(h, 0.1);
    CHECK(asim_hist_sum(h) == 100000.0);
    CHECK(asim_hist_mean(h) == 0.1);
    CHECK(asim_hist_quantile(h, 0.5) == 0.1);      /* clamped to [min, max] */
    asim_hist_reset(h);
    CHECK(asim_hist_count(h) == 0 && isnan(asim_hist_quantile(h, 0.5)));
    asim_hist_add(h, -3);                           /* counts as 0 */
    asim_hist_add(h, 1e-9);                         /* underflow */
    asim_hist_add(h, 1e7);                          /* overflow */
    CHECK(asim_hist_min(h) == 0 && asim_hist_max(h) == 1e7);
    CHECK(asim_hist_quantile(h, 1.0) == 1e7);
    CHECK(asim_hist_quantile(h, 0.9) == 1e7);       /* overflow bucket reports the max */
    CHECK(asim_hist_quantile(h, 0.5) <= ASIM_HIST_MIN);
    CHECK(asim_hist_quantile(h, 0.0) == 0);
    CHECK_NEAR(asim_hist_fraction_above(h, 1.0), 1.0 / 3, 1e-15);
    asim_hist_destroy(h);
}

static void test_merge_equals_adding_all(void)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 99);
    asim_hist *a = asim_hist_create(), *b = asim_hist_create(), *all = asim_hist_create();
    asim_hist *empty = asim_hist_create();
    for (int i = 0; i < 20000; i++) {
        double x = gsl_ran_exponential(r, 0.05), y = gsl_ran_gamma(r, 2.0, 0.5);
        asim_hist_add(a, x);
        asim_hist_add(b, y);
        asim_hist_add(all, x);
        asim_hist_add(all, y);
    }
    asim_hist_merge(a, b);
    asim_hist_merge(a, empty);
    CHECK(asim_hist_count(a) == asim_hist_count(all));
    CHECK_REL(asim_hist_sum(a), asim_hist_sum(all), 1e-15);
    CHECK(asim_hist_min(a) == asim_hist_min(all) && asim_hist_max(a) == asim_hist_max(all));
    int same = 1;
    for (int k = 0; k <= 1000; k++)
        same &= asim_hist_quantile(a, k / 1000.0) == asim_hist_quantile(all, k / 1000.0);
    CHECK(same);
    CHECK(asim_hist_fraction_above(a, 0.3) == asim_hist_fraction_above(all, 0.3));
    /* Merging into an empty histogram copies. */
    asim_hist_merge(empty, b);
    CHECK(asim_hist_quantile(empty, 0.5) == asim_hist_quantile(b, 0.5));
    CHECK(asim_hist_count(empty) == asim_hist_count(b));
    asim_hist_destroy(a);
    asim_hist_destroy(b);
    asim_hist_destroy(all);
    asim_hist_destroy(empty);
    gsl_rng_free(r);
}

static void test_reset_reuse(void)
{
    asim_hist *h = asim_hist_create(), *fresh = asim_hist_create();
    for (int s = 0; s < 3; s++) {
        asim_hist_reset(h);
        asim_hist_reset(fresh);
        for (int i = 1; i <= 1000; i++) {
            double v = s == 0 ? i * 1e-4 : s == 1 ? 50.0 / i : 1e-6 * i;
            asim_hist_add(h, v);
            asim_hist_add(fresh, v);
        }
        CHECK(asim_hist_quantile(h, 0.37) == asim_hist_quantile(fresh, 0.37));
    }
    /* After reset nothing of the old data remains visible. */
    asim_hist_reset(h);
    asim_hist_add(h, 2.0);
    CHECK(asim_hist_quantile(h, 0.01) == 2.0 && asim_hist_fraction_above(h, 1.0) == 1.0);
    asim_hist_destroy(h);
    asim_hist_destroy(fresh);
}

/* reset zeroes only the buckets a few adds touched (up to 64 of them), else
 * the touched range: around that limit, and after a merge, every old count
 * must be gone.  A new sample on each side of the old ones makes the touched
 * range span them all, so any stale count would show in the quantiles. */
static void test_reset_sparse_and_dense(void)
{
    const int distinct[] = { 1, 63, 64, 65, 500 };
    asim_hist *h = asim_hist_create(), *other = asim_hist_create();
    for (size_t k = 0; k < ASIM_ARRAY_LEN(distinct) * 2; k++) {
        int n = distinct[k / 2];
        for (int i = 0; i < n; i++) {
            asim_hist_add(h, 0.01 * (1 + i * 0.05));    /* one bucket each: 5 % apart */
            asim_hist_add(h, 0.01 * (1 + i * 0.05));
        }
        if (k % 2) {                                      /* and via merge */
            asim_hist_add(other, 0.02);
            asim_hist_merge(h, other);
        }
        asim_hist_reset(h);
        asim_hist_add(h, 0.001);
        asim_hist_add(h, 100.0);
        CHECK(asim_hist_count(h) == 2);
        CHECK_MSG(asim_hist_fraction_above(h, 0.002) == 0.5 && asim_hist_fraction_above(h, 50) == 0.5,
                  "%d distinct buckets%s: stale counts after reset", n, k % 2 ? " + merge" : "");
        CHECK_REL(asim_hist_quantile(h, 0.49), 0.001, 0.005);
        asim_hist_reset(h);
    }
    asim_hist_destroy(h);
    asim_hist_destroy(other);
}

static void test_twmean(void)
{
    asim_twmean m;
    asim_twmean_init(&m, ASIM_SEC(10), 2);
    CHECK(asim_twmean_mean(&m, ASIM_SEC(10)) == 2);
    asim_twmean_set(&m, ASIM_SEC(11), 4);
    asim_twmean_set(&m, ASIM_SEC(13), 0);
    asim_twmean_set(&m, ASIM_SEC(13), 1);           /* zero-length level */
    /* 2 x 1 s + 4 x 2 s + 1 x 1 s = 11 level-seconds over 4 s. */
    CHECK_NEAR(asim_twmean_area(&m, ASIM_SEC(14)), 11.0, 1e-12);
    CHECK_NEAR(asim_twmean_mean(&m, ASIM_SEC(14)), 11.0 / 4, 1e-12);
    CHECK_NEAR(asim_twmean_area(&m, ASIM_SEC(13)), 10.0, 1e-12);
}

/* A pair is two histograms for the cost of one: in both modes the total
 * must be, bit for bit, the histogram of every value added in order, and
 * each period the histogram of that period's values (its count and mean;
 * its quantiles too in period_quantiles mode).  Periods of 0..200 values,
 * lognormal with some zeros, negatives and NaN (counted as 0). */
static void test_pair_equals_two_histograms(void)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    static const double qs[4] = { 0, 0.5, 0.99, 1 };
    for (int mode = 0; mode <= 1; mode++) {
        gsl_rng_set(r, 7);
        asim_hist_pair *p = asim_hist_pair_create(mode);
        asim_hist *all = asim_hist_create(), *sec = asim_hist_create();
        for (int period = 0; period < 300; period++) {
            int n = (int)gsl_rng_uniform_int(r, 201);
            for (int i = 0; i < n; i++) {
                double v = gsl_ran_lognormal(r, -2, 1.5);
                unsigned odd = (unsigned)gsl_rng_uniform_int(r, 50);
                if (odd == 0) v = 0;
                else if (odd == 1) v = -v;
                else if (odd == 2) v = NAN;
                asim_hist_pair_add(p, v);
                asim_hist_add(all, v);
                asim_hist_add(sec, v);
            }
            const asim_hist *ps = asim_hist_pair_period(p);
            CHECK(asim_hist_count(ps) == asim_hist_count(sec));
            double m1 = asim_hist_mean(ps), m2 = asim_hist_mean(sec);
            CHECK(memcmp(&m1, &m2, sizeof m1) == 0);
            if (mode) {
                double a[4], b[4], c[4];
                asim_hist_quantiles(ps, qs, 4, a);
                asim_hist_quantiles(sec, qs, 4, b);
                CHECK(memcmp(a, b, sizeof a) == 0);
                if (period % 2) {                /* closing with the quantiles: the same ones */
                    asim_hist_pair_close_quantiles(p, qs, 4, c);
                    CHECK_MSG(memcmp(a, c, sizeof a) == 0 || (n == 0 && isnan(c[0]) && isnan(c[3])),
                              "period %d (%d values): closing quantiles differ", period, n);
                }
            }
            asim_hist_pair_close(p);
            asim_hist_reset(sec);
        }
        const asim_hist *t = asim_hist_pair_total(p);
        double a[4], b[4];
        asim_hist_quantiles(t, qs, 4, a);
        asim_hist_quantiles(all, qs, 4, b);
        CHECK_MSG(memcmp(a, b, sizeof a) == 0, "mode %d: total quantiles differ", mode);
        CHECK(asim_hist_count(t) == asim_hist_count(all));
        double s1 = asim_hist_sum(t), s2 = asim_hist_sum(all);
        CHECK(memcmp(&s1, &s2, sizeof s1) == 0);
        CHECK(asim_hist_min(t) == asim_hist_min(all) && asim_hist_max(t) == asim_hist_max(all));
        CHECK(asim_hist_fraction_above(t, 0.1) == asim_hist_fraction_above(all, 0.1));
        asim_hist_pair_destroy(p);
        asim_hist_destroy(all);
        asim_hist_destroy(sec);
    }
    gsl_rng_free(r);
}

int main(void)
{
    RUN(test_known_data);
    RUN(test_random_lognormal_and_multi);
    RUN(test_relative_error_everywhere);
    RUN(test_mean_exact_and_edges);
    RUN(test_merge_equals_adding_all);
    RUN(test_reset_reuse);
    RUN(test_reset_sparse_and_dense);
    RUN(test_pair_equals_two_histograms);
    RUN(test_twmean);
    return check_report();
}
