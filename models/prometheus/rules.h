/* rules.h -- Prometheus rule groups: recording rules, and the group's
 * schedule for its alerting rules (whose state machine is alerts.h).
 *
 * Semantics of Prometheus 2.42's rules/manager.go and rules/recording.go
 * (read from the prometheus/prometheus source; doc/rules.md):
 *  - a group is evaluated every `interval` on a fixed grid: the instants
 *    whose Unix time in ns is congruent to offset = hash(name, file) mod
 *    interval, hash being labels.Hash() of {file="<file>", name="<name>"},
 *    i.e. XXH64 (seed 0) of "file\xff<file>\xffname\xff<name>\xff"
 *    (Group.hash, Group.EvalTimestamp).  The first evaluation is the first
 *    grid instant strictly after Prometheus starts (here: t = 0), as
 *    Group.run waits for EvalTimestamp(now) + interval;
 *  - the rules of a group run in order at that one timestamp, and each
 *    rule's output is committed before the next rule runs, so a later rule
 *    sees an earlier rule's result of the same evaluation (Group.Eval);
 *  - a recording rule evaluates its expression as an instant query at the
 *    evaluation timestamp; each element becomes a sample at that timestamp
 *    of the series whose labels are the element's, with __name__ set to the
 *    rule's `record` and the rule's labels set over them (an empty value
 *    removes the label); a scalar is one element without labels
 *    (RecordingRule.Eval, EngineQueryFunc);
 *  - two elements with the same final label set, or a query error, make
 *    the evaluation fail: nothing is written for that rule and its
 *    previous series are left as they were (no staleness markers);
 *  - a series the rule wrote at the previous evaluation but not at this one
 *    gets a staleness marker at this evaluation's timestamp.
 * Not modelled: the group `limit`, missed iterations (evaluation is
 * instantaneous here), `for` state restoration after a restart. */
#ifndef ASIM_RULES_H
#define ASIM_RULES_H

#include <stdint.h>
#include <stdio.h>
#include "models/prometheus/alerts.h"
#include "models/prometheus/tsdb.h"
#include "sim/engine/summary.h"

struct asim_config;
typedef struct asim_rules asim_rules;

/* Prometheus's Group.hash() of (name, file): XXH64 of labels
 * {file=..., name=...} in labels.Hash()'s byte layout. */
uint64_t asim_rule_group_hash(const char *name, const char *file);

/* The groups of cfg->ext.rules, their recording rules parsed; alerting
 * rules are looked up in `alerts` (which must outlive the result; NULL
 * when the groups hold none).  0, or ASIM_EINPUT with err naming the JSON
 * path ("$.prometheus.rule_groups[0].rules[1].expr: position 7: ..."). */
int asim_rules_create(const struct asim_config *cfg, asim_alerts *alerts, asim_rules **out, asim_err *err);
void asim_rules_destroy(asim_rules *r);                  /* NULL is a no-op */
/* Check the groups' settings (names, expressions) without keeping anything. */
int asim_rules_check(const struct asim_config *cfg, asim_err *err);

size_t asim_rules_ngroups(const asim_rules *r);
/* Interval of group g in ns. */
int64_t asim_rules_interval_ns(const asim_rules *r, size_t g);
/* Prometheus's offset of group g within its interval, in ns. */
int64_t asim_rules_offset_ns(const asim_rules *r, size_t g);
/* First evaluation of group g, ns after t = 0, when t = 0 is Unix time
 * epoch_ns: in (0, interval]. */
int64_t asim_rules_first_ns(const asim_rules *r, size_t g, int64_t epoch_ns);
/* How far back (ms) the recording rules' selectors reach. */
int64_t asim_rules_reach_ms(const asim_rules *r, int64_t lookback_ms);

/* Evaluate group g at t_ms (ms since t = 0 of the tsdb's timestamps):
 * every rule in order; alert state changes go to alerts_csv (may be NULL).
 * Calls for one group must come with increasing t_ms.  Allocates only when
 * a result grows beyond what earlier evaluations needed. */
void asim_rules_eval_group(asim_rules *r, size_t g, asim_tsdb *db, int64_t t_ms, int64_t lookback_ms,
                           FILE *alerts_csv);

/* Failed recording-rule evaluations so far; asim_rules_finish adds
 * rule_eval_errors to the summary when non-zero. */
long asim_rules_errors(const asim_rules *r);
void asim_rules_finish(const asim_rules *r, asim_summary *sum);

#endif
