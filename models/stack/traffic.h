/* traffic.h -- where requests come from.
 *
 * An arrival source produces request arrival instants one at a time, in
 * increasing order, plus the request class of each (index into the
 * scenario's classes; 0 when there is one class).  The simulation keeps one
 * pending "next arrival" event per source, so several sources superpose
 * (a trace plus a spike profile) without either knowing of the other.
 *
 * Sources plug in through a small method table (like SQLite's VFS):
 * the rate profile below is one, the trace readers (trace.h) are others.
 *
 * The rate profile is a non-homogeneous Poisson process whose rate is
 * piecewise linear in time, built from segments laid end to end:
 *   constant  rate r for `duration` seconds
 *   step      the same as constant (a level change; kept as its own kind so
 *             plots and reports can name it)
 *   ramp      rate from `from` to `to`, linear, over `duration`
 *   spike     a burst: rate r for `duration` (a short constant segment)
 * After the last segment the rate is 0 (or the profile repeats, if asked).
 * Sampling is exact by time-change inversion: with Lambda(t) the integrated
 * rate, the next arrival after t solves Lambda(t') - Lambda(t) = E, E ~ Exp(1);
 * on a ramp that is a quadratic with a closed-form root.  No per-second
 * batching, no thinning rejections.  Paced arrivals use the same inversion
 * with E = 1 (E = 0 for the first request, sent at once; with jitter, E =
 * 1 + jitter (2U - 1)): deterministic gaps 1/rate, as `sleep 1/RPS` gives. */
#ifndef ASIM_TRAFFIC_H
#define ASIM_TRAFFIC_H

#include <gsl/gsl_rng.h>
#include "sim/engine/common.h"
#include "sim/engine/dist.h"

typedef enum asim_seg_kind {
    ASIM_SEG_CONSTANT, ASIM_SEG_STEP, ASIM_SEG_RAMP, ASIM_SEG_SPIKE
} asim_seg_kind;

typedef struct asim_segment {
    asim_seg_kind kind;
    double duration;        /* seconds, > 0 */
    double from, to;        /* req/s at the start and end (equal unless ramp) */
} asim_segment;

/* How the profile's requests are spaced (traffic.arrivals). */
typedef enum asim_arrivals {
    ASIM_ARRIVALS_POISSON,  /* independent users: exponential gaps at the rate */
    ASIM_ARRIVALS_PACED,    /* a sleep loop (load-test.sh): one request each time the
                             * integrated rate grows by 1, the first at the start */
    ASIM_ARRIVALS_CLOSED    /* N clients (ab -c N): see closed.h; the profile only
                             * bounds how long they send */
} asim_arrivals;

typedef struct asim_traffic_cfg {
    asim_segment *segments; /* owned by the config */
    size_t nsegments;
    int repeat;             /* 1: the profile loops forever */
    double rate_multiplier; /* scales every rate (default 1) */
    asim_arrivals arrivals;
    double jitter;          /* paced: each gap times 1 + jitter * U(-1, 1) */
    int clients;            /* closed: number of clients */
    asim_dist think;        /* closed: think time between a return and the next send */
} asim_traffic_cfg;

/* --- arrival sources -------------------------------------------------- */

typedef struct asim_source asim_source;

typedef struct asim_source_methods {
    const char *name;
    /* Next arrival strictly after (or at) `now`; returns its time, or
     * ASIM_TIME_MAX when the source is exhausted.  *cls gets the class. */
    asim_time (*next)(asim_source *s, asim_time now, int *cls);
    /* Offered rate (req/s) at time t, for plots and the demanded-supply
     * computation; sources that cannot know it return NAN. */
    double (*rate_at)(const asim_source *s, asim_time t);
    void (*destroy)(asim_source *s);
} asim_source_methods;

struct asim_source {
    const asim_source_methods *m;
};

static inline asim_time asim_source_next(asim_source *s, asim_time now, int *cls)
{ return s->m->next(s, now, cls); }
static inline double asim_source_rate(const asim_source *s, asim_time t)
{ return s->m->rate_at(s, t); }
static inline void asim_source_destroy(asim_source *s)
{ if (s) s->m->destroy(s); }

/* A source for a rate profile.  It draws from `rng` (the "arrivals" stream;
 * the source does not own it).  The profile is copied. */
asim_source *asim_profile_source(const asim_traffic_cfg *cfg, gsl_rng *rng);

/* The profile's rate at t (seconds), and its total length in seconds. */
double asim_profile_rate(const asim_traffic_cfg *cfg, double t);
double asim_profile_length(const asim_traffic_cfg *cfg);

/* Names for scenario files: "constant", "step", "ramp", "spike". */
const char *asim_seg_name(asim_seg_kind k);
int asim_seg_parse(const char *name, asim_seg_kind *k);

#endif
