/* alerts.h -- Prometheus alerting rules: inactive -> pending -> firing ->
 * resolved, with `for:` durations, evaluated on the rule group's grid.
 *
 * The simulation calls asim_alerts_eval every evaluation_interval; each
 * state change is written to alerts.csv (time,alert,labels,state,value) and
 * firing seconds per alert are added to the summary at the end.  The seed's
 * four rules are the default set (see alerts_cfg.h / settings_alerts.c). */
#ifndef ASIM_ALERTS_H
#define ASIM_ALERTS_H

#include <stdio.h>
#include "tsdb.h"
#include "../sim/summary.h"

struct asim_config;
typedef struct asim_alerts asim_alerts;

/* Parse every rule's expression; NULL + err ("$.alerts.rules[2].expr:
 * position 7: ...") on a bad one. */
asim_alerts *asim_alerts_create(const struct asim_config *cfg, asim_err *err);
void asim_alerts_destroy(asim_alerts *a);
/* How far back (ms) the rules' selectors reach, for tsdb retention. */
int64_t asim_alerts_reach_ms(const asim_alerts *a, int64_t lookback_ms);
/* Header line of alerts.csv. */
void asim_alerts_csv_header(FILE *csv);
/* Evaluate every rule at t_ms; state changes go to csv (may be NULL). */
void asim_alerts_eval(asim_alerts *a, asim_tsdb *db, int64_t t_ms, FILE *csv);
/* Close open firing intervals at end_ms and add alert_firing_seconds.<name>
 * (one per rule, 0 if never fired) to the summary. */
void asim_alerts_finish(asim_alerts *a, int64_t end_ms, asim_summary *sum);

#endif
