/* settings_slo.c -- service-level objective and cost settings (slo_cfg.h):
 * what counts as a slow request and what a replica costs.  Used by the
 * summary's SLO metrics, the elasticity metrics and reports.
 *
 * Defaults: the seed's scale-up threshold as the latency objective (the
 * stack treats anything slower as a breach), and the on-demand price of an
 * AWS t3.medium in us-east-1, a typical host for one such container. */
#include "sim/config/settings.h"

#define FSIZE(fld) sizeof(((asim_config *)0)->fld)

static const asim_setting slo_table[] = {
    { .path = "slo.latency", .type = ASIM_SET_DOUBLE, .offset = offsetof(asim_config, ext.slo.latency),
      .size = FSIZE(ext.slo.latency), .def = "0.6", .min = ASIM_SET_POSITIVE, .max = 1e9, .unit = "s",
      .help = "Latency objective: a request slower than this (or rejected, or timed out) violates the SLO" },
    { .path = "slo.price_per_replica_hour", .type = ASIM_SET_DOUBLE,
      .offset = offsetof(asim_config, ext.slo.price_per_replica_hour),
      .size = FSIZE(ext.slo.price_per_replica_hour), .def = "0.0416", .min = 0, .max = ASIM_SET_NOLIMIT,
      .unit = "$/h", .help = "Cost of one replica for one hour, for cost figures (AWS t3.medium on demand)" },
    { .path = NULL },
};

const asim_settings_group asim_settings_slo = {
    .table = slo_table,
    .count = ASIM_ARRAY_LEN(slo_table) - 1,
};
