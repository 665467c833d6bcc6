/* simulate.h -- one simulation run: config + seed -> summary (+ files).
 *
 * Every mode (run, sweep, tune, compare) calls this one function.  It builds
 * the models from the validated config, runs the event loop to the horizon
 * and folds everything into the summary.  When out_dir is non-NULL it writes
 * the run's files there, each atomically (temporary name, then rename):
 * timeseries.csv, events.csv, scaler.log, alerts.csv, summary.json (and
 * metrics.om with ASIM_RUN_OPENMETRICS).  Output files contain no wall-clock
 * data, so the same config and seed give byte-identical files. */
#ifndef ASIM_SIMULATE_H
#define ASIM_SIMULATE_H

#include "models/scenario/config.h"
#include "sim/engine/summary.h"
#include "sim/run/sim_cache.h"

enum {
    ASIM_RUN_OPENMETRICS = 1u << 0,   /* also write metrics.om */
    ASIM_RUN_PROGRESS    = 1u << 1,   /* progress lines on stderr */
    ASIM_RUN_OM_LABELS   = 1u << 2,   /* ... with run and seed labels on every series */
    ASIM_RUN_WARNINGS    = 1u << 3    /* warnings about the traces on stderr (replayed.h) */
};

/* Engine counters for speed reporting (the caller measures wall time). */
typedef struct asim_run_stats {
    uint64_t events;          /* events dispatched */
    uint64_t requests;        /* arrivals simulated */
    double simulated_seconds;
} asim_run_stats;

/* Returns 0, or ASIM_EINPUT / ASIM_ERUNTIME with a message in err (a query
 * the engine rejects, an unwritable directory).  The directory must exist. */
int asim_simulate(const asim_config *cfg, uint64_t seed, const char *out_dir,
                  unsigned flags, asim_summary *sum, asim_run_stats *stats,
                  asim_err *err);

/* The same, reusing (and returning to) cache what it can between runs of
 * one process (sim_cache.h): same outputs, byte for byte, with less set-up.
 * cache NULL: asim_simulate. */
int asim_simulate_cached(asim_sim_cache *cache, const asim_config *cfg, uint64_t seed,
                         const char *out_dir, unsigned flags, asim_summary *sum,
                         asim_run_stats *stats, asim_err *err);

/* The value of the run label of metrics.om under ASIM_RUN_OM_LABELS
 * (process-wide; `run --run-label NAME` sets it; default: the scenario's
 * name).  The seed label is the run's seed. */
void asim_simulate_set_run_label(const char *name);

#define ASIM_VERSION "0.1.0"

#endif
