/* sim_cache.c -- what one process's simulations reuse between runs (see
 * sim_cache.h).  Spares are stacks: a run takes from the top and gives back
 * at its end, so a worker holds at most what one run held at once. */
#include "sim/run/sim_cache.h"

#include "models/promql/promql_memo.h"
#include "sim/engine/common.h"
#include "sim/engine/rng.h"

/* Query texts remembered: a scenario has a few dozen at most; a sweep over
 * query texts themselves recycles the ones no run holds. */
#define MEMO_MAX 256

struct asim_sim_cache {
    asim_promql_memo *memo;
    asim_promql_memo *prev_memo;       /* in use before the cache; restored */
    asim_hist_pair **hists;
    size_t nhists, caphists;
    gsl_rng **rngs;
    size_t nrngs, caprngs;
};

asim_sim_cache *asim_sim_cache_create(void)
{
    asim_sim_cache *c = asim_calloc(1, sizeof *c);
    c->memo = asim_promql_memo_create(MEMO_MAX);
    c->prev_memo = asim_promql_memo_use(c->memo);
    return c;
}

void asim_sim_cache_destroy(asim_sim_cache *c)
{
    if (!c) return;
    asim_promql_memo_use(c->prev_memo);
    asim_promql_memo_destroy(c->memo);
    for (size_t i = 0; i < c->nhists; i++) asim_hist_pair_destroy(c->hists[i]);
    for (size_t i = 0; i < c->nrngs; i++) asim_rng_free(c->rngs[i]);
    asim_free(c->hists);
    asim_free(c->rngs);
    asim_free(c);
}

asim_hist_pair *asim_sim_cache_hist_pair(asim_sim_cache *c, int period_quantiles)
{
    if (!c || c->nhists == 0) return asim_hist_pair_create(period_quantiles);
    asim_hist_pair *p = c->hists[--c->nhists];
    asim_hist_pair_reset(p, period_quantiles);    /* now as asim_hist_pair_create makes it */
    return p;
}

void asim_sim_cache_put_hist_pair(asim_sim_cache *c, asim_hist_pair *p)
{
    if (!p) return;
    if (!c) {
        asim_hist_pair_destroy(p);
        return;
    }
    ASIM_GROW(c->hists, c->caphists, c->nhists + 1, 8);
    c->hists[c->nhists++] = p;
}

gsl_rng *asim_sim_cache_rng(asim_sim_cache *c, uint64_t seed, const char *name)
{
    if (!c || c->nrngs == 0) return asim_rng_stream(seed, name);
    gsl_rng *r = c->rngs[--c->nrngs];
    asim_rng_reseed(r, seed, name);
    return r;
}

void asim_sim_cache_put_rng(asim_sim_cache *c, gsl_rng *r)
{
    if (!r) return;
    if (!c) {
        asim_rng_free(r);
        return;
    }
    ASIM_GROW(c->rngs, c->caprngs, c->nrngs + 1, 8);
    c->rngs[c->nrngs++] = r;
}

uint64_t asim_sim_cache_parse_hits(const asim_sim_cache *c) { return c ? asim_promql_memo_hits(c->memo) : 0; }
uint64_t asim_sim_cache_parse_misses(const asim_sim_cache *c) { return c ? asim_promql_memo_misses(c->memo) : 0; }
