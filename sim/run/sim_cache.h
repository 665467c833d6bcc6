/* sim_cache.h -- what one process's simulations can reuse from one run to
 * the next (a sweep or tune worker runs thousands of them).
 *
 * A run builds its models from scratch and frees them at the end; most of
 * that set-up is parsing and allocation that the next run repeats exactly.
 * The cache keeps, between runs of one process:
 *   - parsed PromQL expressions by query text (promql_memo.h): the alert
 *     and recording rules, the scaler's and the policies' queries, parsed
 *     when a configuration is validated and again when its models are built;
 *   - the run's latency histograms, reset (asim_hist_pair_reset) instead of freed;
 *   - the run's own random streams, reseeded (asim_rng_reseed) instead of
 *     freed and allocated.
 * Each is returned in the state a fresh one would have, so a run given a
 * cache (asim_simulate_cached) produces the same bytes as a run without.
 * Memory: at most what the largest run held at once (spares), plus at most
 * 256 remembered query texts.
 *
 * While a cache exists its memo is the process's (asim_promql_memo_use):
 * every PromQL parse goes through it, configuration validation included.
 * One cache per process; create it once, destroy it when done (that
 * restores the memo in use before). */
#ifndef ASIM_SIM_CACHE_H
#define ASIM_SIM_CACHE_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "sim/engine/stats.h"

typedef struct asim_sim_cache asim_sim_cache;

asim_sim_cache *asim_sim_cache_create(void);
void asim_sim_cache_destroy(asim_sim_cache *c);     /* NULL is a no-op */

/* For simulate.c.  c may be NULL: then these are asim_hist_pair_create,
 * asim_hist_pair_destroy, asim_rng_stream and asim_rng_free. */
asim_hist_pair *asim_sim_cache_hist_pair(asim_sim_cache *c, int period_quantiles);  /* empty */
void asim_sim_cache_put_hist_pair(asim_sim_cache *c, asim_hist_pair *p);           /* NULL: no-op */
gsl_rng *asim_sim_cache_rng(asim_sim_cache *c, uint64_t seed, const char *name);
void asim_sim_cache_put_rng(asim_sim_cache *c, gsl_rng *r);    /* NULL: no-op */

/* Parses answered from the cache's memo, and not (for tests and benchmarks). */
uint64_t asim_sim_cache_parse_hits(const asim_sim_cache *c);
uint64_t asim_sim_cache_parse_misses(const asim_sim_cache *c);

#endif
