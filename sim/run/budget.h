/* budget.h -- how big a run will be, estimated before it starts.
 *
 * Values that each pass validation can still ask for more than the model can
 * simulate in reasonable time or space together (a rate of 1e9 req/s for a
 * day, 10,000 replicas scraped every millisecond).  asim_budget_check
 * estimates the events and output bytes of a configuration from its
 * settings and refuses the run above ASIM_BUDGET_EVENTS events or
 * ASIM_BUDGET_BYTES bytes unless forced (--force).  A rate that is not
 * finite (a multiplier overflowing to +Inf) is refused even with --force.
 * Trace and class sources are not read here: their volume is bounded by the
 * trace file itself. */
#ifndef ASIM_BUDGET_H
#define ASIM_BUDGET_H

#include "sim/engine/common.h"
#include "models/scenario/config.h"

#define ASIM_BUDGET_EVENTS 2e9          /* about 5 minutes of simulation */
#define ASIM_BUDGET_BYTES  (8.0 * (1 << 30))

typedef struct asim_budget {
    double events;                      /* simulation events */
    double bytes;                       /* output files, bytes */
    double peak_rate;                   /* req/s, the profile's highest */
} asim_budget;

/* Estimate (orders of magnitude, not exact). */
asim_budget asim_budget_estimate(const asim_config *cfg);

/* 0, or ASIM_EINPUT with a message giving the estimate, the limit and the
 * remedy: "--force", or for a command without one (no_force names it, e.g.
 * "tune") running the configuration alone with `run --force`. */
int asim_budget_check(const asim_config *cfg, int force, const char *no_force, asim_err *err);

#endif
