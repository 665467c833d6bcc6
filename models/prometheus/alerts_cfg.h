/* alerts_cfg.h -- settings of the alerts feature (part of asim_ext_cfg).
 * Owned by that feature; filled by its settings table (sim/config/settings_alerts.c).
 *
 * Scenario JSON:
 *   "alerts": {
 *     "rules": [ {"alert": "SlowP95", "expr": "...", "for": 30,
 *                 "keep_firing_for": 0, "labels": {"severity": "page"}} ],
 *     "replace_defaults": false,
 *     "write_series": true
 *   }
 * The rules in effect are the four default rules (alerts.h,
 * asim_alerts_defaults) unless replace_defaults, then the scenario's rules;
 * a scenario rule named like a default replaces that default in place.
 * `expr` may contain ${setting.path} (e.g. ${scaler.max_replicas}),
 * replaced by the setting's value when the run starts. */
#ifndef ASIM_ALERTS_CFG_H
#define ASIM_ALERTS_CFG_H

#include <stddef.h>

#define ASIM_ALERT_NAME_MAX    128
#define ASIM_ALERT_EXPR_MAX    1024
#define ASIM_ALERT_LABELS_MAX  8
#define ASIM_ALERT_LNAME_MAX   64
#define ASIM_ALERT_LVALUE_MAX  256

typedef struct asim_alert_label_cfg {
    char name[ASIM_ALERT_LNAME_MAX];
    char value[ASIM_ALERT_LVALUE_MAX];
} asim_alert_label_cfg;

/* One alerting rule, as in a Prometheus rule file. */
typedef struct asim_alert_rule_cfg {
    char alert[ASIM_ALERT_NAME_MAX];     /* alertname; a valid metric-style name */
    char expr[ASIM_ALERT_EXPR_MAX];      /* PromQL, may hold ${setting.path} */
    double for_s;                        /* s the condition must hold before firing */
    double keep_firing_for;              /* s a firing alert stays firing after it clears */
    int nlabels;
    asim_alert_label_cfg labels[ASIM_ALERT_LABELS_MAX];  /* added to every alert */
} asim_alert_rule_cfg;

struct asim_config;

typedef struct asim_alerts_cfg {
    asim_alert_rule_cfg *rules;          /* owned (asim_config_free/copy) */
    size_t nrules;
    int replace_defaults;                /* 1: only `rules`; 0: defaults + rules */
    int write_series;                    /* write ALERTS / ALERTS_FOR_STATE into the tsdb */
    /* Resolves ${setting.path} in rule expressions to the setting's text;
     * 0, or -1 for an unknown setting.  Injected by the settings layer
     * (asim_config_defaults), so this model never depends on it. */
    int (*setting_text)(const struct asim_config *cfg, const char *path, char *buf, size_t len);
} asim_alerts_cfg;

#endif
