/* rng.h -- named, independent random streams derived from one run seed.
 *
 * Every source of randomness in a simulation (arrivals, service demand,
 * container start, actuation, scrape phases, balancer, ...) owns one stream,
 * seeded from (run seed, stream name) through a strong mix.  Adding a new
 * stream never shifts the numbers of an existing one, and changing a policy
 * setting never changes the traffic: common random numbers by construction.
 *
 * A stream is a gsl_rng (MT19937), so every GSL distribution sampler takes it
 * directly: gsl_ran_exponential(asim_rng_gsl(s), mu). */
#ifndef ASIM_RNG_H
#define ASIM_RNG_H

#include <gsl/gsl_rng.h>
#include "sim/engine/common.h"

/* The 64-bit seed a stream named `name` gets under run seed `seed`
 * (splitmix64 of seed mixed with FNV-1a of the name).  Pure function. */
uint64_t asim_rng_derive(uint64_t seed, const char *name);

/* The phase of a periodic activity named `name` (a scrape target, a rule
 * group, a ticker): whole milliseconds in [0, period), drawn from
 * asim_rng_derive(seed, name).  0 when the period is below 1 ms (the one
 * guard every caller needs: the draw is modulo the period in ms). */
asim_time asim_rng_phase(uint64_t seed, const char *name, asim_time period);

/* Allocate a stream; destroy with asim_rng_free (NULL is a no-op). */
gsl_rng *asim_rng_stream(uint64_t seed, const char *name);
void     asim_rng_free(gsl_rng *r);
/* Turn r (a stream from asim_rng_stream) into the stream (seed, name): the
 * same draws as asim_rng_stream(seed, name) would give, without allocating
 * (seeding rewrites the whole MT19937 state).  For callers that recycle
 * their generators between runs. */
void     asim_rng_reseed(gsl_rng *r, uint64_t seed, const char *name);

/* Uniform double in (0,1), never 0 or 1 (safe for log). */
double asim_rng_open01(gsl_rng *r);

#endif
