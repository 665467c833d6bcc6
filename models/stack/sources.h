/* sources.h -- all arrival sources of a scenario, and its request classes.
 *
 * The scenario's rate profile is one source; traces (trace.h) add others.
 * Each source owns its random stream(s), derived from the run seed and a
 * name unique to the source, so adding a trace never changes the profile's
 * arrivals.  Request classes map a class index to a service-time
 * distribution; class 0 is app.service_time. */
#ifndef ASIM_SOURCES_H
#define ASIM_SOURCES_H

#include "models/scenario/config.h"
#include "sim/engine/summary.h"
#include "models/stack/traffic.h"
#include "models/trace/trace_transform.h"

/* Arrival sources of one run.  Under load events the profile is thinned from
 * ceil(highest load factor) copies, one source each (so a spike adds
 * arrivals without disturbing the others); validation (settings_trace.c)
 * refuses a factor that would need more. */
#define ASIM_SOURCES_MAX 256

typedef struct asim_sources asim_sources;

/* Build every source (opening trace files) into *out.  Returns 0, or the
 * error's class with err filled and *out NULL: ASIM_EINPUT (a setting, a
 * malformed trace) or ASIM_ERUNTIME (a trace that cannot be read). */
int asim_sources_create(const asim_config *cfg, uint64_t seed, asim_sources **out, asim_err *err);
void asim_sources_destroy(asim_sources *s);

size_t asim_sources_count(const asim_sources *s);
asim_source *asim_sources_get(asim_sources *s, size_t i);

/* Service-time distribution per class; *n gets the count (>= 1). */
const asim_dist *asim_sources_classes(const asim_sources *s, size_t *n);

/* Offered rate at t: the sum over sources (NaN if a source cannot tell). */
double asim_sources_rate(const asim_sources *s, asim_time t);

/* A source failed while the run went on (an unreadable line with
 * on_error=fail): returns the error, 0 if none.  Checked after the run. */
int asim_sources_error(const asim_sources *s, asim_err *err);

/* Add the sources' own metrics (skipped lines, ...) to the summary. */
void asim_sources_summarize(const asim_sources *s, asim_summary *sum);

/* The traces the sources replay, in scenario order (trace.path last). */
typedef struct asim_sources_trace {
    const char *name;             /* the trace's name (its random streams) */
    const char *path;             /* the file, resolved */
    asim_trace_format format;     /* resolved */
    asim_trace_coverage cov;      /* what of it plays in a run ending at `horizon` */
} asim_sources_trace;
size_t asim_sources_ntraces(const asim_sources *s);
/* Trace i; reads its file once more (asim_trace_source_coverage).  0 or an
 * error code with err.  Pointers in out live as long as s. */
int asim_sources_trace_info(const asim_sources *s, size_t i, asim_time horizon, asim_sources_trace *out,
                            asim_err *err);

#endif
