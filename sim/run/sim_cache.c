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

/* A stack of spare objects of one kind. */
typedef struct spares {
    void **v;
    size_t n, cap;
} spares;

static void *spare_take(spares *s) { return s->n ? s->v[--s->n] : NULL; }

static void spare_keep(spares *s, void *x)
{
    ASIM_GROW(s->v, s->cap, s->n + 1, 8);
    s->v[s->n++] = x;
}

struct asim_sim_cache {
    asim_promql_memo *memo;
    asim_promql_memo *prev_memo;       /* in use before the cache; restored */
    spares hists;                      /* asim_hist_pair */
    spares rngs;                       /* gsl_rng */
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
    for (size_t i = 0; i < c->hists.n; i++) asim_hist_pair_destroy(c->hists.v[i]);
    for (size_t i = 0; i < c->rngs.n; i++) asim_rng_free(c->rngs.v[i]);
    asim_free(c->hists.v);
    asim_free(c->rngs.v);
    asim_free(c);
}

asim_hist_pair *asim_sim_cache_hist_pair(asim_sim_cache *c, int period_quantiles)
{
    asim_hist_pair *p = c ? spare_take(&c->hists) : NULL;
    if (!p) return asim_hist_pair_create(period_quantiles);
    asim_hist_pair_reset(p, period_quantiles);    /* now as asim_hist_pair_create makes it */
    return p;
}

void asim_sim_cache_put_hist_pair(asim_sim_cache *c, asim_hist_pair *p)
{
    if (!p) return;
    if (c) spare_keep(&c->hists, p);
    else asim_hist_pair_destroy(p);
}

gsl_rng *asim_sim_cache_rng(asim_sim_cache *c, uint64_t seed, const char *name)
{
    gsl_rng *r = c ? spare_take(&c->rngs) : NULL;
    if (!r) return asim_rng_stream(seed, name);
    asim_rng_reseed(r, seed, name);
    return r;
}

void asim_sim_cache_put_rng(asim_sim_cache *c, gsl_rng *r)
{
    if (!r) return;
    if (c) spare_keep(&c->rngs, r);
    else asim_rng_free(r);
}

uint64_t asim_sim_cache_parse_hits(const asim_sim_cache *c) { return c ? asim_promql_memo_hits(c->memo) : 0; }
uint64_t asim_sim_cache_parse_misses(const asim_sim_cache *c) { return c ? asim_promql_memo_misses(c->memo) : 0; }
