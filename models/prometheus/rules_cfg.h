/* rules_cfg.h -- settings of Prometheus rule groups (part of asim_ext_cfg),
 * filled by sim/config/settings_alerts.c (prometheus.rule_groups).
 *
 * Scenario JSON, the shape of a Prometheus rule file's `groups:`:
 *   "prometheus": {"rule_groups": [
 *     {"name": "aggregations", "file": "/etc/prometheus/recording_rules.yml",
 *      "interval": "10s",
 *      "rules": [
 *        {"record": "webapp:response_time:avg30s",
 *         "expr": "avg_over_time(webapp_response_time_seconds[30s])"},
 *        {"alert": "Slow", "expr": "...", "for": "30s", "labels": {...}}]}]}
 * `file` is the path under which Prometheus loaded the file: with `name` it
 * fixes the group's evaluation offset (rules.h).  `interval` 0 (or absent)
 * is prometheus.evaluation_interval, as in Prometheus.
 *
 * Plain data: the rules of every group sit in one flat array (group g owns
 * rules[first .. first + nrules)), so a config copies with two memcpy. */
#ifndef ASIM_RULES_CFG_H
#define ASIM_RULES_CFG_H

#include <stddef.h>
#include "models/prometheus/alerts_cfg.h"

#define ASIM_RULE_GROUP_NAME_MAX 128
#define ASIM_RULE_FILE_MAX       512

/* One rule of a group: a recording rule (record = 1; rule.alert holds the
 * recorded metric name, rule.for_s and keep_firing_for are 0) or an
 * alerting rule. */
typedef struct asim_group_rule_cfg {
    int record;
    asim_alert_rule_cfg rule;
} asim_group_rule_cfg;

typedef struct asim_rule_group_cfg {
    char name[ASIM_RULE_GROUP_NAME_MAX];
    char file[ASIM_RULE_FILE_MAX];
    double interval;                 /* s; 0 = prometheus.evaluation_interval */
    size_t first, nrules;            /* its rules in asim_rule_groups_cfg.rules */
} asim_rule_group_cfg;

typedef struct asim_rule_groups_cfg {
    asim_rule_group_cfg *groups;     /* owned (asim_config_free/copy) */
    size_t ngroups;
    asim_group_rule_cfg *rules;      /* owned */
    size_t nrules;
} asim_rule_groups_cfg;

#endif
