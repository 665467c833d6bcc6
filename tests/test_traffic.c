/* test_traffic.c -- the rate-profile source: counts in windows match the
 * integrated rate (Poisson: variance = mean), arrivals are increasing, the
 * profile ends or repeats, and the same seed gives the same arrivals. */
#include "check.h"

#include <math.h>
#include "models/stack/traffic.h"
#include "sim/engine/rng.h"

static asim_segment segs[4];

static asim_traffic_cfg profile(void)
{
    segs[0] = (asim_segment){ ASIM_SEG_CONSTANT, 100, 50, 50 };
    segs[1] = (asim_segment){ ASIM_SEG_RAMP, 100, 0, 200 };
    segs[2] = (asim_segment){ ASIM_SEG_SPIKE, 10, 400, 400 };
    segs[3] = (asim_segment){ ASIM_SEG_RAMP, 50, 100, 0 };
    asim_traffic_cfg c = { segs, 4, 0, 1, ASIM_ARRIVALS_POISSON, 0, 0, { 0 } };
    return c;
}

/* Expected count in [a,b) by integrating the profile numerically (Simpson). */
static double expected(const asim_traffic_cfg *c, double a, double b)
{
    int n = 2000;
    double h = (b - a) / n, s = asim_profile_rate(c, a) + asim_profile_rate(c, b - 1e-12);
    for (int i = 1; i < n; i++) s += asim_profile_rate(c, a + i * h) * (i % 2 ? 4 : 2);
    return s * h / 3;
}

static void test_counts_follow_rate(void)
{
    asim_traffic_cfg c = profile();
    const double edges[] = { 0, 50, 100, 130, 170, 200, 205, 210, 230, 260, 300 };
    enum { NB = 10, REPS = 40 };
    double count[NB] = { 0 };
    for (int rep = 0; rep < REPS; rep++) {
        gsl_rng *r = asim_rng_stream((uint64_t)rep + 1, "arrivals");
        asim_source *s = asim_profile_source(&c, r);
        int cls;
        asim_time prev = -1;
        for (asim_time t; (t = asim_source_next(s, 0, &cls)) != ASIM_TIME_MAX;) {
            CHECK(t >= prev);
            prev = t;
            double x = ASIM_TO_SEC(t);
            for (int b = 0; b < NB; b++)
                if (x >= edges[b] && x < edges[b + 1]) count[b]++;
        }
        CHECK(ASIM_TO_SEC(prev) <= 260.0 + 1e-6);   /* nothing after the profile ends */
        asim_source_destroy(s);
        asim_rng_free(r);
    }
    for (int b = 0; b < NB; b++) {
        double mu = REPS * expected(&c, edges[b], edges[b + 1]);
        double z = mu > 0 ? (count[b] - mu) / sqrt(mu) : count[b];
        CHECK_MSG(fabs(z) < 5, "bin [%g,%g): count %g expected %g (z=%.2f)", edges[b], edges[b + 1], count[b], mu, z);
    }
}

static void test_rate_function(void)
{
    asim_traffic_cfg c = profile();
    CHECK_NEAR(asim_profile_rate(&c, 10), 50, 1e-12);
    CHECK_NEAR(asim_profile_rate(&c, 150), 100, 1e-9);
    CHECK_NEAR(asim_profile_rate(&c, 205), 400, 1e-12);
    CHECK_NEAR(asim_profile_rate(&c, 235), 50, 1e-9);
    CHECK_NEAR(asim_profile_rate(&c, 400), 0, 0);
    CHECK_NEAR(asim_profile_length(&c), 260, 1e-12);
    c.repeat = 1;
    CHECK_NEAR(asim_profile_rate(&c, 260 + 10), 50, 1e-12);
    c.rate_multiplier = 3;
    CHECK_NEAR(asim_profile_rate(&c, 10), 150, 1e-12);
}

static void test_exponential_gaps_on_constant(void)
{
    asim_segment one = { ASIM_SEG_CONSTANT, 20000, 5, 5 };
    asim_traffic_cfg c = { &one, 1, 0, 1, ASIM_ARRIVALS_POISSON, 0, 0, { 0 } };
    gsl_rng *r = asim_rng_stream(7, "arrivals");
    asim_source *s = asim_profile_source(&c, r);
    int cls;
    double prev = 0, sum = 0, sum2 = 0;
    long n = 0;
    for (asim_time t; (t = asim_source_next(s, 0, &cls)) != ASIM_TIME_MAX; n++) {
        double g = ASIM_TO_SEC(t) - prev;
        prev = ASIM_TO_SEC(t);
        sum += g; sum2 += g * g;
    }
    double mean = sum / n, var = sum2 / n - mean * mean;
    CHECK_REL(mean, 0.2, 0.01);                  /* n ~ 100k: SE 0.3 % */
    CHECK_REL(sqrt(var) / mean, 1.0, 0.02);      /* exponential: cv = 1 */
    asim_source_destroy(s);
    asim_rng_free(r);
}

/* The constant-rate shortcut (e / rate instead of the general root
 * 2e / (r + sqrt(r^2 + 4ke)) at k = 0) must give the very same instants:
 * recompute them here with the general root from a clone of the stream. */
static void test_constant_shortcut_is_exact(void)
{
    const double rates[] = { 5, 50, 0.3, 12345.678 };
    for (size_t j = 0; j < ASIM_ARRAY_LEN(rates); j++) {
        asim_segment one = { ASIM_SEG_CONSTANT, 2000, rates[j], rates[j] };
        asim_traffic_cfg c = { &one, 1, 0, 1.7, ASIM_ARRIVALS_POISSON, 0, 0, { 0 } };
        gsl_rng *r = asim_rng_stream(11, "arrivals");
        gsl_rng *ref = gsl_rng_clone(r);
        asim_source *s = asim_profile_source(&c, r);
        int cls, same = 1;
        long n = 0;
        double x = 0, rx = 1.7 * rates[j];
        for (asim_time t; (t = asim_source_next(s, 0, &cls)) != ASIM_TIME_MAX && n < 200000; n++) {
            double e = -log(gsl_rng_uniform_pos(ref));
            double z = 2 * e / (rx + sqrt(rx * rx + 4 * 0.0 * e));
            if (x + z > one.duration) z = one.duration - x;
            x += z;
            same &= t == (asim_time)llround(x * 1e9);
        }
        CHECK_MSG(same && n > 500, "rate %g: %ld arrivals", rates[j], n);
        asim_source_destroy(s);
        asim_rng_free(r);
        gsl_rng_free(ref);
    }
}

static void test_same_seed_same_arrivals(void)
{
    asim_traffic_cfg c = profile();
    gsl_rng *r1 = asim_rng_stream(3, "arrivals"), *r2 = asim_rng_stream(3, "arrivals");
    asim_source *a = asim_profile_source(&c, r1), *b = asim_profile_source(&c, r2);
    int cls, same = 1;
    for (int i = 0; i < 5000; i++) same &= asim_source_next(a, 0, &cls) == asim_source_next(b, 0, &cls);
    CHECK(same);
    asim_source_destroy(a); asim_source_destroy(b);
    asim_rng_free(r1); asim_rng_free(r2);
}

static void test_zero_rate_profile_ends(void)
{
    asim_segment z = { ASIM_SEG_CONSTANT, 10, 0, 0 };
    asim_traffic_cfg c = { &z, 1, 1, 1, ASIM_ARRIVALS_POISSON, 0, 0, { 0 } };     /* repeating, zero everywhere */
    gsl_rng *r = asim_rng_stream(1, "arrivals");
    asim_source *s = asim_profile_source(&c, r);
    int cls;
    CHECK(asim_source_next(s, 0, &cls) == ASIM_TIME_MAX);
    asim_source_destroy(s);
    asim_rng_free(r);
}

int main(void)
{
    RUN(test_counts_follow_rate);
    RUN(test_rate_function);
    RUN(test_exponential_gaps_on_constant);
    RUN(test_constant_shortcut_is_exact);
    RUN(test_same_seed_same_arrivals);
    RUN(test_zero_rate_profile_ends);
    return check_report();
}
