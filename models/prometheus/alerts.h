/* alerts.h -- Prometheus alerting rules: inactive -> pending -> firing ->
 * resolved, with `for:` durations, evaluated on the rule group's grid.
 *
 * The simulation calls asim_alerts_eval every evaluation_interval; each
 * state change is written to alerts.csv (time,alert,labels,state,value) and
 * firing seconds per alert are added to the summary at the end.  The seed's
 * four rules are the default set (asim_alerts_defaults; alerts_cfg.h says
 * how a scenario replaces or extends them).
 *
 * Semantics are Prometheus 2.42's rules/alerting.go (semantics.md A5):
 *  - an alert instance is identified by its final label set: the result
 *    element's labels without __name__, plus the rule's labels, plus
 *    alertname (a label with an empty value is dropped);
 *  - a new element starts a pending alert with ActiveAt = t; it fires at the
 *    first evaluation with t - ActiveAt >= for (for 0: at once);
 *  - an element that disappears deletes a pending alert (row "inactive") and
 *    resolves a firing one (row "resolved"), unless keep_firing_for holds it:
 *    it stays firing while t - KeepFiringSince < keep_firing_for;
 *  - a result with two elements of the same final label set is an
 *    evaluation error, as is a PromQL runtime error: the rule's alerts keep
 *    their state for that evaluation (Prometheus does the same) and the
 *    error is counted (summary: alert_eval_errors, only when non-zero);
 *  - with alerts.write_series the rules write ALERTS{alertstate} = 1 and
 *    ALERTS_FOR_STATE = ActiveAt (Unix s) into the tsdb at every evaluation,
 *    and staleness markers when a series stops being written.
 * Not modelled: annotations and label templates ({{ $value }}), the 15 min
 * retention of resolved alerts (nothing observable here), notifications. */
#ifndef ASIM_ALERTS_H
#define ASIM_ALERTS_H

#include <stdio.h>
#include "models/prometheus/tsdb.h"
#include "models/prometheus/alerts_cfg.h"
#include "sim/engine/summary.h"

struct asim_config;
typedef struct asim_alerts asim_alerts;

/* The seed's four rules (static storage; exprs contain ${...}). */
const asim_alert_rule_cfg *asim_alerts_defaults(size_t *n);

/* Parse every rule's expression (after ${setting} substitution) into *out.
 * Returns 0, or ASIM_EINPUT with err ("scenario.json: $.alerts.rules[2].expr:
 * position 7: ...") and *out NULL on a bad one.
 * Errors on default rules name them ("$.alerts(default HighResponseTime).expr").
 * Timestamps of ALERTS_FOR_STATE use cfg->start_time as Unix epoch of t=0. */
int asim_alerts_create(const struct asim_config *cfg, asim_alerts **out, asim_err *err);
void asim_alerts_destroy(asim_alerts *a);                 /* NULL is a no-op */
/* How far back (ms) the rules' selectors reach, for tsdb retention. */
int64_t asim_alerts_reach_ms(const asim_alerts *a, int64_t lookback_ms);
/* Header line of alerts.csv. */
void asim_alerts_csv_header(FILE *csv);
/* Evaluate every rule of the default group, in order, at t_ms (ms since t=0 of the tsdb's
 * timestamps); state changes go to csv (may be NULL), time column in
 * seconds (t_ms / 1000).  Calls must come with increasing t_ms.  Cost: one
 * PromQL evaluation per rule, plus O(k log k) per rule for k result
 * elements; allocates only when a new alert appears. */
void asim_alerts_eval(asim_alerts *a, asim_tsdb *db, int64_t t_ms, FILE *csv);
/* Rules of prometheus.rule_groups (rules_cfg.h) are in the set too (a
 * group alert named like a default replaces it), but asim_alerts_eval
 * leaves them to their group (rules.h), which evaluates each in its turn
 * with asim_alerts_eval_rule.  asim_alerts_find gives the index of the
 * alerting rule at position pos of group g (-1: none);
 * asim_alerts_has_default_group says whether any rule is left for
 * asim_alerts_eval. */
void asim_alerts_eval_rule(asim_alerts *a, size_t i, asim_tsdb *db, int64_t t_ms, FILE *csv);
long asim_alerts_find(const asim_alerts *a, int group, size_t pos);
int asim_alerts_has_default_group(const asim_alerts *a);
/* Close open firing intervals at end_ms and add alert_firing_seconds.<name>
 * (seconds during which at least one alert of the rule was firing; 0 if
 * never) and alert_fired_count.<name> (pending -> firing transitions) per
 * rule to the summary. */
void asim_alerts_finish(asim_alerts *a, int64_t end_ms, asim_summary *sum);

/* Read-only accessors (tests, replay). */
size_t asim_alerts_nrules(const asim_alerts *a);
const char *asim_alerts_rule_name(const asim_alerts *a, size_t i);
const char *asim_alerts_rule_expr(const asim_alerts *a, size_t i);   /* expanded */
/* Alerts of rule i currently firing / pending. */
int asim_alerts_nfiring(const asim_alerts *a, size_t i);
int asim_alerts_npending(const asim_alerts *a, size_t i);
/* Evaluation errors so far (all rules). */
long asim_alerts_errors(const asim_alerts *a);

/* Timeline mode: every evaluation also writes a row for every pending or
 * firing alert whose state did not change (its current value), so the CSV
 * holds the complete state at each evaluation (the `alerts` command's
 * --timeline; tests compare it with promtool). */
void asim_alerts_set_timeline(asim_alerts *a, int on);
/* Override alerts.write_series (the `alerts` command turns it off: recorded
 * data may hold the live system's own ALERTS series). */
void asim_alerts_set_write_series(asim_alerts *a, int on);

/* Write the rules in effect as a Prometheus rule file (one group named
 * `group`, interval in seconds), loadable by prometheus and `promtool test
 * rules`.  value_annotation: add annotation value: '{{ printf "%.17g" $value }}'
 * so a promtool test can compare alert values bit for bit. */
void asim_alerts_write_rules_yaml(const asim_alerts *a, FILE *f, const char *group,
                                  double interval, int value_annotation);

/* A valid metric / alert name: [a-zA-Z_:][a-zA-Z0-9_:]*. */
int asim_valid_metric_name(const char *s);

/* Check the alerts settings of cfg (names, labels, expressions after
 * substitution) without keeping anything: the settings validate hook. */
int asim_alerts_check(const struct asim_config *cfg, asim_err *err);

#endif
