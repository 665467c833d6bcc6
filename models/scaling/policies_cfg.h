/* policies_cfg.h -- settings of the scaling policies beyond the seed's
 * threshold policy (part of asim_ext_cfg), filled by sim/config/settings_policies.c.
 *
 * Scenario JSON (every key optional; see doc/policies.md):
 *   "scaler":     {"policy": "hpa" | "step" | "target_tracking" | "predictive" |
 *                            "scheduled" | "cpu" | "threshold", ...}
 *   "hpa":        Kubernetes HPA v2: sync_period, metric_type, target_type,
 *                 target, query, cpu_request, tolerance, tolerance_rule,
 *                 downscale_stabilization, behavior (the HPA's spec.behavior
 *                 with Kubernetes' own key names, or null for none)
 *   "step":       AWS step scaling: query, period, evaluation_periods,
 *                 datapoints_to_alarm, adjustment_type, min_adjustment_magnitude,
 *                 scale_out_threshold, scale_out_steps, scale_in_threshold,
 *                 scale_in_steps, warmup
 *   "target_tracking": AWS target tracking: query, target_value, period,
 *                 scale_out_datapoints, scale_in_datapoints, scale_in_ratio,
 *                 disable_scale_in, warmup
 *   "predictive": query, method, interval, sample_interval, season,
 *                 trend_window, lead, lookahead, capacity_per_replica,
 *                 target_utilization, alpha, beta, gamma, fit, reactive
 *   "schedule":   policy (the wrapped one), rules [{days, from, to, min_replicas}]
 *   "cpu":        query, scale_up_threshold, scale_down_threshold
 * min/max replicas are always scaler.min_replicas / scaler.max_replicas.
 *
 * Plain data with fixed-size arrays: the struct copies with =. */
#ifndef ASIM_POLICIES_CFG_H
#define ASIM_POLICIES_CFG_H

#include <stddef.h>

#define ASIM_POLICY_QUERY_MAX  1024
#define ASIM_POLICY_NAME_MAX   64
#define ASIM_HPA_POLICIES_MAX  8
#define ASIM_STEPS_MAX         16
#define ASIM_SCHEDULE_MAX      16

/* ---- Kubernetes HPA ----------------------------------------------------- */

typedef enum asim_hpa_metric_type {
    ASIM_HPA_PODS,          /* per-pod values, one series per replica (type: Pods) */
    ASIM_HPA_OBJECT,        /* one value describing an object (type: Object) */
    ASIM_HPA_EXTERNAL,      /* values summed over the series (type: External) */
    ASIM_HPA_RESOURCE       /* per-pod CPU usage in cores (type: Resource, cpu) */
} asim_hpa_metric_type;

typedef enum asim_hpa_target_type {
    ASIM_HPA_AVERAGE_VALUE, ASIM_HPA_VALUE, ASIM_HPA_UTILIZATION
} asim_hpa_target_type;

typedef enum asim_hpa_tolerance_rule {
    ASIM_HPA_TOL_RANGE,     /* (1-tol) <= ratio <= (1+tol): Kubernetes >= 1.33 */
    ASIM_HPA_TOL_ABS        /* |1 - ratio| <= tol: earlier releases */
} asim_hpa_tolerance_rule;

typedef enum asim_hpa_select { ASIM_HPA_SELECT_MAX, ASIM_HPA_SELECT_MIN, ASIM_HPA_SELECT_DISABLED } asim_hpa_select;
typedef enum asim_hpa_policy_type { ASIM_HPA_POLICY_PODS, ASIM_HPA_POLICY_PERCENT } asim_hpa_policy_type;

typedef struct asim_hpa_scaling_policy {
    asim_hpa_policy_type type;
    int value;                       /* pods, or percent */
    int period;                      /* periodSeconds, 1..1800 */
} asim_hpa_scaling_policy;

/* One direction of spec.behavior after Kubernetes' defaulting. */
typedef struct asim_hpa_rules {
    int stabilization_window;        /* s; -1 = unset (scale-down: the controller flag) */
    asim_hpa_select select;
    int npolicies;
    asim_hpa_scaling_policy policies[ASIM_HPA_POLICIES_MAX];
    double tolerance;                /* per-direction tolerance (1.33+); < 0 = the global one */
} asim_hpa_rules;

typedef struct asim_hpa_cfg {
    double sync_period;              /* s, --horizontal-pod-autoscaler-sync-period (15) */
    asim_hpa_metric_type metric_type;
    asim_hpa_target_type target_type;
    double target;                   /* metric units; percent for utilization */
    char query[ASIM_POLICY_QUERY_MAX];  /* "" = the scaler's query (cpu rate for resource) */
    double cpu_request;              /* cores requested per pod (utilization = usage / request) */
    double tolerance;                /* 0.1 */
    asim_hpa_tolerance_rule tolerance_rule;
    double downscale_stabilization;  /* s, controller flag (300) */
    int has_behavior;                /* 0: spec.behavior is nil (legacy normalisation) */
    asim_hpa_rules scale_up, scale_down;
} asim_hpa_cfg;

/* ---- AWS step scaling and target tracking ------------------------------- */

typedef enum asim_adjustment_type {
    ASIM_ADJ_CHANGE, ASIM_ADJ_EXACT, ASIM_ADJ_PERCENT
} asim_adjustment_type;

/* One StepAdjustment: bounds are offsets from the alarm threshold; an
 * absent bound is -inf (lower) or +inf (upper). */
typedef struct asim_step_adjustment {
    double lower, upper;
    int adjustment;
} asim_step_adjustment;

typedef struct asim_step_cfg {
    char query[ASIM_POLICY_QUERY_MAX];  /* "" = the scaler's query, reduced */
    double period;                   /* s between alarm datapoints (CloudWatch: 60) */
    int evaluation_periods;          /* N */
    int datapoints_to_alarm;         /* M of N; 0 = N */
    asim_adjustment_type adjustment_type;
    int min_adjustment_magnitude;    /* percent adjustments: at least this many */
    double scale_out_threshold;      /* high alarm: metric >= threshold */
    int nout;
    asim_step_adjustment out[ASIM_STEPS_MAX];
    double scale_in_threshold;       /* low alarm: metric <= threshold */
    int nin;
    asim_step_adjustment in[ASIM_STEPS_MAX];
    double warmup;                   /* s: instance warm-up (blocks scale-in, counts capacity) */
} asim_step_cfg;

typedef struct asim_target_cfg {
    char query[ASIM_POLICY_QUERY_MAX];  /* "" = the scaler's query, reduced */
    double target_value;
    double period;                   /* s per datapoint (60) */
    int scale_out_datapoints;        /* consecutive datapoints above target (3) */
    int scale_in_datapoints;         /* consecutive datapoints below the low mark (15) */
    double scale_in_ratio;           /* low mark = target * ratio (0.9) */
    int disable_scale_in;
    double warmup;                   /* s (300) */
} asim_target_cfg;

/* ---- predictive --------------------------------------------------------- */

typedef enum asim_forecast_method { ASIM_FC_HOLT_WINTERS, ASIM_FC_LINEAR } asim_forecast_method;

typedef struct asim_predictive_cfg {
    char query[ASIM_POLICY_QUERY_MAX];  /* the forecast signal; "" = the scaler's query */
    asim_forecast_method method;
    double interval;                 /* s between decisions */
    double sample_interval;          /* s between history samples */
    double season;                   /* s, Holt-Winters season (a day) */
    double trend_window;             /* s of history the linear fit uses */
    double lead;                     /* s ahead to provision for; < 0 = start-up latency (auto) */
    double lookahead;                /* s beyond lead kept when scaling down */
    double capacity_per_replica;     /* signal units one replica carries; 0 = auto */
    double target_utilization;       /* fraction of a replica's capacity to plan for */
    double alpha, beta, gamma;       /* Holt-Winters smoothing */
    int fit;                         /* refit alpha/beta/gamma each season (GSL Nelder-Mead) */
    int reactive;                    /* also cover the current signal (max of both) */
} asim_predictive_cfg;

/* ---- scheduled floors --------------------------------------------------- */

typedef struct asim_schedule_rule {
    unsigned days;                   /* bit d = weekday d (0 = Sunday ... 6 = Saturday) */
    int from_min, to_min;            /* minutes of the day, [from, to); to <= from wraps midnight */
    int min_replicas;
} asim_schedule_rule;

typedef struct asim_schedule_cfg {
    char policy[ASIM_POLICY_NAME_MAX];  /* the wrapped policy */
    int nrules;
    asim_schedule_rule rules[ASIM_SCHEDULE_MAX];
} asim_schedule_cfg;

/* ---- CPU thresholds (the seed's "Scale Based on CPU Usage") -------------- */

typedef struct asim_cpu_cfg {
    char query[ASIM_POLICY_QUERY_MAX];
    double scale_up_threshold;       /* 0.8 */
    double scale_down_threshold;     /* 0.3 */
} asim_cpu_cfg;

typedef struct asim_policies_cfg {
    asim_hpa_cfg hpa;
    asim_step_cfg step;
    asim_target_cfg target;
    asim_predictive_cfg predictive;
    asim_schedule_cfg schedule;
    asim_cpu_cfg cpu;
} asim_policies_cfg;

#endif
