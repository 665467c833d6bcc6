/* elastic.h -- elasticity metrics after Herbst et al. (SPEC RG), computed
 * streaming, second by second, against the demanded supply: the minimal
 * number of replicas that would meet the latency objective at the offered
 * load at that instant (from the app model; see asim_elastic_demand).
 *
 * Metrics added to the summary (definitions in the README):
 *   elastic_under_accuracy, elastic_over_accuracy      (mean shortfall/excess, replicas)
 *   elastic_under_timeshare, elastic_over_timeshare    (fraction of time)
 *   elastic_instability, elastic_jitter                ... */
#ifndef ASIM_ELASTIC_H
#define ASIM_ELASTIC_H

#include "../sim/summary.h"

struct asim_config;
typedef struct asim_elastic asim_elastic;

asim_elastic *asim_elastic_create(const struct asim_config *cfg);
void asim_elastic_destroy(asim_elastic *e);
/* Minimal replicas (>= 1, may exceed max_replicas) whose expected latency at
 * offered rate `rate` (req/s) meets the SLO latency. */
int asim_elastic_demand(const struct asim_config *cfg, double rate);
/* One simulated second [t, t+1): offered rate and supplied replicas (ready). */
void asim_elastic_second(asim_elastic *e, double t, double offered_rate, int supplied);
void asim_elastic_finish(asim_elastic *e, asim_summary *sum);

#endif
