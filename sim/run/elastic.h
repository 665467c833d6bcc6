/* elastic.h -- elasticity metrics after Herbst et al. (SPEC RG), computed
 * streaming, second by second, against the demanded supply: the minimal
 * number of replicas that would meet the latency objective at the offered
 * load at that instant (from the app model; see asim_elastic_demand).
 *
 * With d_t the demanded and s_t the supplied (ready) replicas in second t,
 * T the number of seconds with a known offered rate, x+ = max(x, 0), and
 * sums over those seconds (Delta t = 1 s), the metrics added to the summary
 * are (definitions and sources in doc/elasticity.md):
 *   elastic_under_accuracy   theta_U = (1/T) sum (d_t - s_t)+ / d_t     (fraction of demand)
 *   elastic_over_accuracy    theta_O = (1/T) sum (s_t - d_t)+ / d_t
 *   elastic_under_replicas   (1/T) sum (d_t - s_t)+                     (replicas)
 *   elastic_over_replicas    (1/T) sum (s_t - d_t)+
 *   elastic_under_timeshare  tau_U = (1/T) sum [d_t > s_t]              (fraction of time)
 *   elastic_over_timeshare   tau_O = (1/T) sum [s_t > d_t]
 *   elastic_instability      upsilon = (1/(T-1)) sum_{t>=2} min(|sgn ds_t - sgn dd_t|, 1)
 *   elastic_jitter           (E_S - E_D) / T * 3600  (supply minus demand changes, per hour)
 *   elastic_supply_changes   E_S, elastic_demand_changes E_D
 *   elastic_mean_demand      (1/T) sum d_t
 *   elastic_unreachable_seconds  seconds where no replica count meets the
 *                            objective (service time mean >= slo.latency)
 * The papers state theta and tau in percent; these are the same ratios as
 * fractions (x 100 for the papers' numbers).  All are null when T = 0. */
#ifndef ASIM_ELASTIC_H
#define ASIM_ELASTIC_H

#include "sim/engine/summary.h"

struct asim_config;
typedef struct asim_elastic asim_elastic;

/* Copies what it needs from cfg (app, balancer, slo).  Never NULL. */
asim_elastic *asim_elastic_create(const struct asim_config *cfg);
void asim_elastic_destroy(asim_elastic *e);            /* NULL is a no-op */

/* Mean response time (s) of the app model with n replicas at offered rate
 * `rate` (req/s): each replica an M/G/c queue (c = app.workers, service
 * mean and cv from app.service_time) under the balancer's split, by the
 * Allen-Cunneen approximation W = m + C(c, a) m / (c - a) (ca2 + cs2) / 2,
 * C the Erlang C probability of waiting, a the offered load in Erlangs per
 * replica, cs2 = cv^2, ca2 the arrival SCV at a replica: 1/n for
 * round_robin (every n-th Poisson arrival), 1 for random; least_connections
 * is approximated as one pooled M/G/(n c).  Exact for exponential service
 * with the random balancer.  INFINITY when the replicas are overloaded
 * (a >= c).  O(c). */
double asim_elastic_latency(const struct asim_config *cfg, double rate, int n);

/* Minimal replicas (>= 1, may exceed max_replicas) whose expected latency at
 * offered rate `rate` (req/s) meets the SLO latency (asim_elastic_latency <=
 * slo.latency).  Rate <= 0 or NaN: 1.  When no count can meet it (service
 * mean >= slo.latency), the minimal stable count floor(rate m / c) + 1.
 * Cost O(c * k), k the replicas tried from the stable minimum up (small). */
int asim_elastic_demand(const struct asim_config *cfg, double rate);

/* One simulated second [t, t+1): offered rate and supplied replicas (ready).
 * A NaN rate (a source that cannot tell) skips the second and breaks the
 * chain of consecutive seconds used by the instability metric. */
void asim_elastic_second(asim_elastic *e, double t, double offered_rate, int supplied);
/* The same with the demand given directly (for tests and replays). */
void asim_elastic_observe(asim_elastic *e, int demanded, int supplied);
/* Add the elastic_* metrics to sum. */
void asim_elastic_finish(asim_elastic *e, asim_summary *sum);

#endif
