/* ext_config.h -- settings of features layered on the core loop.
 *
 * Each feature owns one header <feature>_cfg.h with its sub-struct and one
 * settings table file (sim/settings_<feature>.c).  Keeping them apart from
 * config.h lets each feature grow its settings without touching the core's. */
#ifndef ASIM_EXT_CONFIG_H
#define ASIM_EXT_CONFIG_H

#include "models/prometheus/alerts_cfg.h"
#include "models/prometheus/rules_cfg.h"
#include "models/trace/trace_cfg.h"
#include "models/scaling/policies_cfg.h"
#include "models/scenario/slo_cfg.h"
#include "models/stack/host_cfg.h"
#include "models/scenario/services_cfg.h"

typedef struct asim_ext_cfg {
    asim_slo_cfg slo;
    asim_alerts_cfg alerts;
    asim_rule_groups_cfg rules;      /* prometheus.rule_groups */
    asim_trace_cfg trace;
    asim_policies_cfg policies;
    asim_hosts_cfg hosts;
    asim_services_cfg services;
} asim_ext_cfg;

#endif
