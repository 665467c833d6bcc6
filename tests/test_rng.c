/* test_rng.c -- stream derivation and the open-interval uniform.
 *
 * The pinned derive() values were computed by an independent Python 3
 * implementation of the documented formula (doc/engine.md, "Random streams"):
 *     M = 2**64 - 1
 *     def mix(z):
 *         z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
 *         z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
 *         return z ^ (z >> 31)
 *     def sm(x): return mix((x + 0x9e3779b97f4a7c15) & M)
 *     def fnv(s):
 *         h = 0xcbf29ce484222325
 *         for b in s.encode(): h = ((h ^ b) * 0x100000001b3) & M
 *         return h
 *     def derive(seed, name): return sm(sm(seed) ^ fnv(name))
 * and sm(0) == 0xe220a8397b1dcdaf is splitmix64's published first output. */
#include "sim/engine/rng.h"
#include "check.h"

#include <stdlib.h>

static void test_derive_pinned(void)
{
    CHECK(asim_rng_derive(0, "") == UINT64_C(0x5b21f68ffa77f14c));
    CHECK(asim_rng_derive(1, "arrivals") == UINT64_C(0xfedf193b064dff73));
    CHECK(asim_rng_derive(42, "service") == UINT64_C(0x07bc80869d6e2b8e));
    CHECK(asim_rng_derive(UINT64_MAX, "scrape.phase") == UINT64_C(0x075fc8f8f9f63545));
}

static void test_derive_spreads(void)
{
    /* Neighbouring seeds and names one byte apart land far apart: about half
     * of the 64 bits differ (a weak but independent check of the mixing). */
    int low = 0, n = 0;
    const char *names[] = { "arrivals", "arrivalt", "service", "servicd", "a", "b" };
    for (uint64_t s = 0; s < 50; s++) {
        for (size_t i = 0; i + 1 < ASIM_ARRAY_LEN(names); i += 2) {
            int d1 = __builtin_popcountll(asim_rng_derive(s, names[i]) ^ asim_rng_derive(s, names[i + 1]));
            int d2 = __builtin_popcountll(asim_rng_derive(s, names[i]) ^ asim_rng_derive(s + 1, names[i]));
            low += d1 < 12 || d2 < 12;
            n += 2;
        }
    }
    CHECK_MSG(low == 0, "%d of %d pairs differ in fewer than 12 bits", low, n);
}

static void test_streams_reproducible_and_independent(void)
{
    gsl_rng *a = asim_rng_stream(7, "arrivals");
    gsl_rng *b = asim_rng_stream(7, "arrivals");
    gsl_rng *c = asim_rng_stream(7, "service");
    gsl_rng *d = asim_rng_stream(8, "arrivals");
    gsl_rng *ref = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(ref, (unsigned long)asim_rng_derive(7, "arrivals"));
    CHECK(strcmp(gsl_rng_name(a), "mt19937") == 0);
    int same_ab = 1, same_ref = 1, eq_ac = 0, eq_ad = 0;
    for (int i = 0; i < 1000; i++) {
        unsigned long x = gsl_rng_get(a), y = gsl_rng_get(b), z = gsl_rng_get(c), w = gsl_rng_get(d);
        same_ab &= x == y;
        same_ref &= x == gsl_rng_get(ref);
        eq_ac += x == z;
        eq_ad += x == w;
    }
    CHECK(same_ab);
    CHECK(same_ref);
    CHECK(eq_ac <= 1 && eq_ad <= 1);     /* 32-bit outputs: a chance match is ~2e-7 */
    asim_rng_free(a);
    asim_rng_free(b);
    asim_rng_free(c);
    asim_rng_free(d);
    asim_rng_free(NULL);
    gsl_rng_free(ref);
}

static void test_open01_range(void)
{
    gsl_rng *r = asim_rng_stream(1, "open01");
    double lo = 1, hi = 0, sum = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double u = asim_rng_open01(r);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
        sum += u;
    }
    CHECK(lo > 0 && hi < 1);
    CHECK_NEAR(sum / n, 0.5, 0.005);       /* ~7 standard errors */
    asim_rng_free(r);
}

/* A fake generator whose doubles are 0, 1, then 0.25: open01 must skip both ends. */
typedef struct fake_state { int i; } fake_state;
static void fake_set(void *st, unsigned long s) { ((fake_state *)st)->i = (int)(s & 0); }
static unsigned long fake_get(void *st) { return (unsigned long)((fake_state *)st)->i++; }
static double fake_get_double(void *st)
{
    static const double seq[] = { 0.0, 1.0, 0.25 };
    fake_state *f = st;
    return seq[f->i++ % 3];
}
static const gsl_rng_type fake_type = {
    "fake", 0xffffffffUL, 0, sizeof(fake_state), fake_set, fake_get, fake_get_double
};

static void test_open01_excludes_ends(void)
{
    gsl_rng *r = gsl_rng_alloc(&fake_type);
    CHECK(asim_rng_open01(r) == 0.25);
    gsl_rng_free(r);
}

/* asim_rng_stream seeds once (not gsl_rng_alloc's default seed first) and
 * asim_rng_reseed turns a used stream into another: both must give exactly
 * the draws of GSL's own alloc + set, whatever the generator did before. */
static void test_stream_is_gsl_seeded_state(void)
{
    static const char *const names[] = { "service", "arrivals", "balancer" };
    gsl_rng *reused = asim_rng_stream(99, "scratch");
    for (uint64_t seed = 0; seed < 40; seed++)
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            gsl_rng *ref = gsl_rng_alloc(gsl_rng_mt19937);
            gsl_rng_set(ref, (unsigned long)asim_rng_derive(seed, names[k]));
            gsl_rng *ours = asim_rng_stream(seed, names[k]);
            for (int i = 0; i < 50; i++) gsl_rng_get(reused);      /* dirty it */
            asim_rng_reseed(reused, seed, names[k]);
            int same = 1;
            for (int i = 0; i < 1000; i++) {
                unsigned long x = gsl_rng_get(ref);
                same &= gsl_rng_get(ours) == x && gsl_rng_get(reused) == x;
            }
            CHECK_MSG(same, "seed %llu, stream %s", (unsigned long long)seed, names[k]);
            asim_rng_free(ours);
            gsl_rng_free(ref);
        }
    asim_rng_free(reused);
}

int main(void)
{
    RUN(test_derive_pinned);
    RUN(test_derive_spreads);
    RUN(test_streams_reproducible_and_independent);
    RUN(test_open01_range);
    RUN(test_open01_excludes_ends);
    RUN(test_stream_is_gsl_seeded_state);
    return check_report();
}
