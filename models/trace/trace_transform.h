/* trace_transform.h -- a trace, transformed, as an arrival source.
 *
 * A trace source reads its file through trace.h (streaming) and applies the
 * scenario's transformations in this order:
 *   window      keep trace time [from, to) (default: from the first record on)
 *   speed-up    trace time is divided by `speedup` (a day in an hour: 24);
 *               keep_rate: the offered rate stays as recorded (request traces
 *               are thinned by 1/speedup); scale_rate: every request is kept,
 *               so the rate grows by `speedup`
 *   offset      the window's start plays at sim time `offset`
 *   multiplier  rate factor; thin: keep probability; load: the /load/... factor
 *   loop        at the window's end the trace starts again, until `duration`
 *
 * Rate traces (counts, rates, prometheus) become a non-homogeneous Poisson
 * process whose rate is piecewise constant or linear between points, sampled
 * exactly by time-change inversion (like traffic.h's profile): multipliers,
 * thinning and the load factor scale the rate, which is exact in law.
 *
 * Request traces (timestamps, access logs) replay request by request.  A
 * timestamp of resolution R (1 s in access logs) stands for [t, t+R): the n
 * requests of one such interval get n sorted uniform instants in it.  The
 * total weight w(t) = multiplier * thin * load(t) (/ speedup with keep_rate)
 * is applied by superposing k = ceil(max w) copies of the trace, copy j
 * shifted by an independent uniform delay in [0, copy_shift) (copy 0 not
 * shifted), each request of each copy kept with probability w(t)/k.  For
 * w <= 1 that is plain independent thinning; for w > 1 each recorded request
 * appears floor(w) or ceil(w) times on average w, and the copies' shifts keep
 * them from landing on the same instant.  One reader feeds all copies through
 * a FIFO spanning copy_shift, so memory is bounded by rate * copy_shift.
 *
 * Random streams (run seed + name): "trace:<name>" (thinning, copy shifts),
 * "trace:<name>:spread", "trace:<name>:class".  Changing a multiplier never
 * changes how requests are spread or classed. */
#ifndef ASIM_TRACE_TRANSFORM_H
#define ASIM_TRACE_TRANSFORM_H

#include <gsl/gsl_rng.h>
#include "models/trace/trace.h"
#include "models/stack/traffic.h"
#include "models/trace/trace_load.h"
#include "models/trace/trace_spec.h"

/* Class of a request that has none from its trace (share draw). */
typedef int (*asim_class_draw_fn)(void *ctx, asim_time t, gsl_rng *r);

typedef struct asim_trace_source_params {
    const asim_trace_spec *spec;     /* format resolved (not auto), on_error resolved */
    const char *path;                /* the file to open (resolved) */
    uint64_t seed;                   /* run seed */
    asim_trace_classify_fn classify; /* paths -> class (NULL: requests have none) */
    void *classify_ctx;
    int fixed_class;                 /* >= 0: every request is of this class */
    asim_class_draw_fn draw_class;   /* requests without a class (NULL: class 0) */
    void *draw_ctx;
    const asim_load_schedule *load;  /* NULL: none; copied */
    int has_origin;                  /* several traces on one clock (trace.align=absolute): */
    asim_trace_rec origin;           /* the earliest first record of them (t, tz_offset); it
                                        plays at sim `offset`, relative windows count from it */
} asim_trace_source_params;

/* Open the trace and read its first record (an empty or unreadable trace
 * fails here).  NULL + *rc + err on failure.  The source owns its reader(s)
 * and streams; rate_at opens a second reader of the same file on first use. */
asim_source *asim_trace_source_create(const asim_trace_source_params *p, int *rc, asim_err *err);

/* 1 if s was made by asim_trace_source_create. */
int asim_is_trace_source(const asim_source *s);
/* An error met while the run went on (a bad line with on_error=fail; more
 * skipped lines than the spec's max_skip_fraction allows): its rc with err
 * filled, or 0.  The source returned ASIM_TIME_MAX from then on. */
int asim_trace_source_error(const asim_source *s, asim_err *err);
uint64_t asim_trace_source_skipped(const asim_source *s);
uint64_t asim_trace_source_records(const asim_source *s);
const char *asim_trace_source_first_skip(const asim_source *s);
/* Requests the filters dropped (*on: 1 when the trace has a filter), and the
 * logged latencies of the replayed window (NULL if none): trace.h. */
uint64_t asim_trace_source_filtered(const asim_source *s, int *on);
const struct asim_hist *asim_trace_source_latency(const asim_source *s);

/* What a trace source replays, for summary.json and the run's warnings. */
typedef struct asim_trace_coverage {
    int64_t zero;             /* trace ns playing at sim time `offset` */
    int64_t data_from;        /* trace ns: the first record in the window */
    int64_t data_to;          /* trace ns: the end of the last (record + resolution,
                                 or point + interval), at most the window's end, or
                                 where the trace's own duration ends it */
    int tz;                   /* the first record's UTC offset (s) */
    int absolute;             /* times are instants (dates, epoch), not relative seconds */
    double sim_from, sim_to;  /* sim s where data_from and data_to play (one pass) */
    uint64_t records;         /* records (requests or rate points) in the window */
    uint64_t played;          /* of those, the ones that play before the run's end */
    int cut;                  /* the run ends before the trace does (not looping, not
                                 ended by its own duration) */
    int loop;
} asim_trace_coverage;

/* Read the source's file again (a fresh reader, the same options) and fill
 * cv for a run ending at sim time horizon (ASIM_TIME_MAX: none).  0, or an
 * error code with err.  Cost: one pass over the file. */
int asim_trace_source_coverage(const asim_source *s, asim_time horizon, asim_trace_coverage *cv,
                               asim_err *err);
/* The first record of a trace file (what the source's clock starts from).
 * 0, or -1 with *rc and err. */
int asim_trace_first_record(const asim_trace_spec *spec, const char *path, asim_trace_rec *first,
                            int *rc, asim_err *err);

/* --- a rate trace's rate function (trace stats / convert) -------------- */

typedef struct asim_rate_piece {
    double a, b;              /* seconds after the window's start (sim time with the spec's map) */
    double ra, rb;            /* req/s at a and at b (before multiplier and thinning), linear between */
} asim_rate_piece;

typedef struct asim_rate_iter asim_rate_iter;

/* Open a rate trace (counts, rates, prometheus) as pieces of its rate,
 * with the spec's window, speed-up, offset and loop applied (a spec fresh from
 * asim_trace_spec_defaults gives the trace as recorded).  NULL + *rc + err. */
asim_rate_iter *asim_rate_iter_open(const asim_trace_spec *spec, const char *path,
                                    asim_trace_classify_fn classify, void *ctx, int *rc, asim_err *err);
/* Next piece: 1, 0 at the end, -rc with err on bad input.  Pieces are in
 * time order; gaps between them have rate 0. */
int asim_rate_iter_next(asim_rate_iter *it, asim_rate_piece *p, asim_err *err);
/* The window's start in trace time (ns as written) and the first record's UTC offset. */
int64_t asim_rate_iter_origin(const asim_rate_iter *it, int *tz);
asim_trace_reader *asim_rate_iter_reader(const asim_rate_iter *it);   /* for counters */
void asim_rate_iter_close(asim_rate_iter *it);                        /* NULL is a no-op */

#endif
