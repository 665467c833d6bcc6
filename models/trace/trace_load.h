/* trace_load.h -- the seed app's /load/increase|decrease|reset|spike
 * endpoints as a load factor over sim time, applied by every arrival source
 * (trace sources in trace_transform.c, the profile in models/stack/sources.c).
 * Factors and sources: doc/traces.md. */
#ifndef ASIM_TRACE_LOAD_H
#define ASIM_TRACE_LOAD_H

#include <stddef.h>
#include "sim/engine/common.h"
#include "models/trace/trace_cfg.h"

/* The load factor of the /load/... events: piecewise constant in sim time,
 * factor[i] from at[i] on, 1 before at[0]. */
typedef struct asim_load_schedule {
    size_t n;
    double *at;               /* sim seconds, increasing */
    double *factor;
} asim_load_schedule;

/* Build the schedule of cfg's load events (see doc/traces.md for the
 * factors).  Owned arrays; free with asim_load_schedule_free.  O(n^2), n <= 256. */
void asim_load_schedule_build(const asim_trace_cfg *cfg, asim_load_schedule *out);
void asim_load_schedule_free(asim_load_schedule *s);
double asim_load_factor(const asim_load_schedule *s, double t);
double asim_load_max(const asim_load_schedule *s);     /* >= the factor at any time */
/* First breakpoint strictly after t (INFINITY if none). */
double asim_load_next_change(const asim_load_schedule *s, double t);
/* A deep copy of src (NULL or empty: an empty schedule). */
void asim_load_schedule_copy(asim_load_schedule *dst, const asim_load_schedule *src);

#endif
