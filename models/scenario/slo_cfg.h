/* slo_cfg.h -- service-level objective and cost settings (part of
 * asim_ext_cfg), used by the summary's SLO metrics, the elasticity metrics
 * and reports.  Filled by sim/config/settings_slo.c. */
#ifndef ASIM_SLO_CFG_H
#define ASIM_SLO_CFG_H

typedef struct asim_slo_cfg {
    double latency;                /* s: a request slower than this violates (0.6) */
    double price_per_replica_hour; /* cost of one replica-hour (t3.medium, 0.0416) */
} asim_slo_cfg;

#endif
