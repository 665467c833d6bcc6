/* rng.c -- named random streams derived from one run seed (see rng.h).
 *
 * Derivation, pinned by tests/test_rng.c against an independent Python
 * implementation (doc/engine.md):
 *     mix(z)    = splitmix64's finaliser: z ^= z>>30; z *= 0xbf58476d1ce4e5b9;
 *                 z ^= z>>27; z *= 0x94d049bb133111eb; z ^= z>>31
 *     sm(x)     = mix(x + 0x9e3779b97f4a7c15)   (splitmix64's first output for state x)
 *     derive(seed, name) = sm(sm(seed) ^ fnv1a64(name))
 * Mixing the seed first means seeds 1 and 2 do not give related streams;
 * mixing again after the name means names differing in one byte do not either.
 *
 * GSL's MT19937 seeding (gsl_rng_set) keeps only the low 32 bits of the seed
 * (and maps 0 to 4357), so streams are drawn from 2^32 possible sequences.  For
 * the ~20 streams of a run, the chance that two coincide is ~5e-8; acceptable,
 * and the price of feeding GSL's samplers directly. */
#include "sim/engine/rng.h"
#include "sim/engine/hash.h"

#include <stdio.h>
#include <stdlib.h>

static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t splitmix(uint64_t x)
{
    return mix(x + UINT64_C(0x9e3779b97f4a7c15));
}

uint64_t asim_rng_derive(uint64_t seed, const char *name)
{
    return splitmix(splitmix(seed) ^ asim_fnv1a64_str(ASIM_FNV64_OFFSET, name));
}

/* gsl_rng_alloc would seed the new generator with GSL's default seed, and
 * gsl_rng_set would then seed it again: MT19937's seeding rewrites the whole
 * state (all 624 words and the position), so the first seeding is wasted --
 * half of a stream's creation, a few of which every run makes.  Allocated
 * as gsl_rng_alloc does (malloc, calloc'd state; gsl_rng_free frees both),
 * seeded once: the same state, the same draws. */
gsl_rng *asim_rng_stream(uint64_t seed, const char *name)
{
    const gsl_rng_type *t = gsl_rng_mt19937;
    gsl_rng *r = malloc(sizeof *r);
    void *state = r ? calloc(1, t->size) : NULL;
    if (!state) {
        free(r);
        fprintf(stderr, "autoscale-sim: error: out of memory (random stream %s)\n", name);
        abort();
    }
    r->type = t;
    r->state = state;
    gsl_rng_set(r, (unsigned long)asim_rng_derive(seed, name));
    return r;
}

void asim_rng_reseed(gsl_rng *r, uint64_t seed, const char *name)
{
    gsl_rng_set(r, (unsigned long)asim_rng_derive(seed, name));
}

void asim_rng_free(gsl_rng *r)
{
    if (r)
        gsl_rng_free(r);
}

double asim_rng_open01(gsl_rng *r)
{
    /* uniform_pos excludes 0; MT19937's uniform is k / 2^32 and so never 1, but
     * reject 1 explicitly so the promise does not rest on the generator type. */
    double u;
    do
        u = gsl_rng_uniform_pos(r);
    while (u >= 1.0);
    return u;
}

asim_time asim_rng_phase(uint64_t seed, const char *name, asim_time period)
{
    int64_t ms = period / ASIM_NS_PER_MS;
    if (ms <= 0)
        return 0;
    return (asim_time)(asim_rng_derive(seed, name) % (uint64_t)ms) * ASIM_NS_PER_MS;
}
