/* openmetrics.h -- export every sample the simulated Prometheus stored as an
 * OpenMetrics text file that `promtool tsdb create-blocks-from openmetrics`
 * loads into a real Prometheus (doc/openmetrics.md has the round trip).
 *
 * Usage: create the exporter, attach it to the tsdb (it becomes the tsdb's
 * append observer), run, then finish (or abort on failure):
 *
 *   asim_om *om = asim_om_create("run/metrics.om", epoch_ms, &err);
 *   asim_om_attach(om, db);
 *   ... simulate ...
 *   rc = asim_om_finish(om, &err);          // writes, renames, frees
 *
 * The file: one family per metric name, families sorted by name and never
 * interleaved; within a family the series sorted by label set, each series'
 * samples in time order; `# HELP` and `# TYPE` per family; timestamps in Unix seconds (epoch_ms + sample ms); `# EOF`
 * last.  Staleness markers cannot be expressed in OpenMetrics and are
 * skipped (a series just ends; Prometheus then drops it after the 5 min
 * lookback instead of at the marker).  Types come from a table of the
 * simulated stack's metrics (gauge; counter for container_cpu_usage_seconds
 * _total, whose family drops _total); other names are `unknown`, which
 * OpenMetrics allows for any name.
 *
 * Memory: samples are buffered per series and spilled to one unlinked
 * temporary file beside the output when the buffers exceed a fixed budget
 * (ASIM_OM_BUDGET bytes), so memory does not grow with run length. */
#ifndef ASIM_OPENMETRICS_H
#define ASIM_OPENMETRICS_H

#include <stdint.h>
#include "models/prometheus/tsdb.h"
#include "sim/engine/common.h"

#define ASIM_OM_BUDGET ((size_t)8 << 20)

typedef struct asim_om asim_om;

#define ASIM_OM_EXTRA_MAX 4

/* Add the label name="value" to every series of the export (before the first
 * sample; in label-name order, as every label set is written), e.g. run and
 * seed so that several runs loaded into one Prometheus stay apart.  A series
 * that already has a label of that name keeps its own.  0, or -1 when too
 * many were added or samples have arrived. */
int asim_om_add_label(asim_om *om, const char *name, const char *value);

/* Start an export to `path` (written as path.tmp.<pid>, renamed on finish)
 * into *out.  epoch_ms: Unix time (ms) of the tsdb's t = 0.  Returns 0, or
 * ASIM_ERUNTIME with err and *out NULL if the directory is not writable. */
int asim_om_create(const char *path, int64_t epoch_ms, asim_om **out, asim_err *err);
/* Register om as db's append observer (replacing any other observer).  The
 * db must outlive every later append; label sets are read from it when a
 * series' first sample arrives. */
void asim_om_attach(asim_om *om, asim_tsdb *db);
/* The observer itself (for callers that multiplex observers): ctx is the
 * asim_om.  Markers (asim_is_stale_nan) and non-increasing timestamps are
 * skipped.  O(1) amortised; I/O only when the budget is exceeded. */
void asim_om_sample(void *ctx, int series, int64_t t_ms, double v);
/* Detach from the db, write the file, rename it into place, free om.
 * 0 or ASIM_ERUNTIME (I/O error; nothing is left behind). */
int asim_om_finish(asim_om *om, asim_err *err);
/* Detach, remove temporaries, free.  NULL is a no-op. */
void asim_om_abort(asim_om *om);

/* Change the buffer budget (tests use a tiny one to exercise spilling). */
void asim_om_set_budget(asim_om *om, size_t bytes);

/* Samples written so far (markers and duplicates excluded). */
uint64_t asim_om_count(const asim_om *om);


/* The timestamp text (Unix seconds) of a sample at unix_ms that Prometheus's
 * OpenMetrics parser, which computes int64(float64(text) * 1000), reads back
 * as exactly that millisecond.  The plain "s.mmm" form does not always:
 * "1.001" becomes 1000 ms (checked with promtool 2.42); for present-day Unix
 * times it does, but a start_time near 1970 would shift samples.  This picks
 * the neighbouring double that truncates right and prints it shortest.
 * Returns the length. */
int asim_om_format_ts(char *buf, size_t len, int64_t unix_ms);

#endif
