/* budget.c -- run size estimate before starting (see budget.h).
 *
 * Per simulated second: each request is an arrival, a start and a finish
 * (about 3 events); each target scrape appends about 10 samples and writes a
 * scrapes.csv row; every periodic activity (rules, discovery, reload, scaler
 * checks) is an event per period.  Output: a timeseries.csv row per second,
 * a scrapes.csv row per scrape. */
#include "sim/run/budget.h"

#include <math.h>
#include <stdio.h>

static double per_second(double period)
{
    return period > 0 ? 1.0 / period : 0;
}

asim_budget asim_budget_estimate(const asim_config *cfg)
{
    asim_budget b = {0, 0, 0};
    for (size_t i = 0; i < cfg->traffic.nsegments; i++) {
        const asim_segment *s = &cfg->traffic.segments[i];
        b.peak_rate = fmax(b.peak_rate, fmax(s->from, s->to) * cfg->traffic.rate_multiplier);
    }
    double reps = fmax(cfg->scaler.max_replicas, cfg->container.initial_replicas);
    const asim_prometheus_cfg *p = &cfg->prometheus;
    double scrapes = reps * per_second(p->scrape_interval);
    double ticks = per_second(p->evaluation_interval) + per_second(p->refresh_interval) +
                   per_second(p->discovery_throttle) + per_second(p->reload_interval) +
                   per_second(cfg->scaler.check_interval) + 1;          /* + the per-second row */
    b.events = cfg->duration * (3 * b.peak_rate + 10 * scrapes + ticks);
    b.bytes = cfg->duration * (120 + 80 * scrapes + 100 * per_second(cfg->scaler.check_interval));
    return b;
}

int asim_budget_check(const asim_config *cfg, int force, const char *no_force, asim_err *err)
{
    asim_budget b = asim_budget_estimate(cfg);
    if (!isfinite(b.peak_rate) || !isfinite(b.events))
        return asim_err_set(err, ASIM_EINPUT, "$.traffic: the offered rate (rate x rate_multiplier) is not a "
                            "finite number");
    if (force || (b.events <= ASIM_BUDGET_EVENTS && b.bytes <= ASIM_BUDGET_BYTES))
        return 0;
    char remedy[160];
    if (no_force)
        snprintf(remedy, sizeof remedy, "; %s has no --force: run such a configuration alone with "
                 "`autoscale-sim run --force`", no_force);
    else
        snprintf(remedy, sizeof remedy, ", or pass --force to run it anyway");
    return asim_err_set(err, ASIM_EINPUT, "this run would take about %.2g events and write about %.2g GB "
                        "(limits %.2g events, %.2g GB; peak rate %.3g req/s for %.3g s): shorten "
                        "duration, lower the rate or lengthen intervals%s",
                        b.events, b.bytes / 1e9, ASIM_BUDGET_EVENTS, ASIM_BUDGET_BYTES / 1e9, b.peak_rate,
                        cfg->duration, remedy);
}
