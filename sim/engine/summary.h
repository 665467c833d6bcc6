/* summary.h -- the numbers a run ends with: an ordered list of named metrics.
 *
 * A list rather than a struct so features add metrics without touching the
 * writers: summary.json, sweep runs.csv columns and report tables all iterate
 * it.  Names are snake_case and may contain dots for grouping
 * ("alert_firing_seconds.HighResponseTime").  Order is insertion order and is
 * part of the output format (same run -> same bytes). */
#ifndef ASIM_SUMMARY_H
#define ASIM_SUMMARY_H

#include "sim/engine/common.h"

#define ASIM_SUMMARY_MAX 160
#define ASIM_METRIC_NAME_MAX 80

typedef struct asim_metric {
    char name[ASIM_METRIC_NAME_MAX];
    double value;              /* NaN when undefined (written as null in JSON) */
} asim_metric;

typedef struct asim_summary {
    char scenario[128];
    uint64_t seed;
    size_t n;
    asim_metric m[ASIM_SUMMARY_MAX];
} asim_summary;

void asim_summary_init(asim_summary *s, const char *scenario, uint64_t seed);
/* Set (or overwrite) a metric.  Silently ignores the 161st distinct name
 * (asserts in debug builds). */
void asim_summary_set(asim_summary *s, const char *name, double value);
/* Value of a metric, or NaN if absent; *found (may be NULL) says which. */
double asim_summary_get(const asim_summary *s, const char *name, int *found);

#endif
