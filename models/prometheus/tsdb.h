/* tsdb.h -- the simulated Prometheus's sample storage.
 *
 * A series is identified by its label set (the metric name is the label
 * __name__).  Each series keeps its samples in a ring buffer bounded by time:
 * samples older than (newest append time - retention) are dropped as new ones
 * arrive, so memory is bounded by (#series x retention / scrape interval), not
 * by simulated duration.  Retention must cover the query lookback (5 min) plus
 * the longest range selector any query uses; the simulator computes it from
 * the parsed queries.
 *
 * Timestamps are int64 milliseconds, like Prometheus.  Appends to one series
 * must have non-decreasing timestamps; an append with an equal timestamp
 * replaces nothing and is ignored (Prometheus rejects duplicates).  A
 * staleness marker is appended with asim_tsdb_append_stale (stored as
 * Prometheus's special StaleNaN bit pattern, distinguishable from a real NaN).
 *
 * Series are never removed while the db lives (ids stay valid); a series whose
 * samples have all expired costs its label set only.  Series ids are dense,
 * 0..n-1, in creation order (which is Prometheus's head-block storage order,
 * the order avg() visits series in).
 *
 * Label pairs with an empty value are dropped when a series is created (in
 * Prometheus an empty label value is the same as an absent label).
 *
 * Ownership: the db owns label strings and samples; label strings stay valid
 * (and unmoved) for the life of the db.  Not thread-safe. */
#ifndef ASIM_TSDB_H
#define ASIM_TSDB_H

#include <stdint.h>
#include <stddef.h>

typedef struct asim_tsdb asim_tsdb;

typedef struct asim_label {
    const char *name;
    const char *value;
} asim_label;

/* A label set: pairs sorted by name, no duplicates. */
typedef struct asim_labels {
    const asim_label *v;
    size_t n;
} asim_labels;

/* FNV-1a hash of the pairs in the order given (names and values each
 * followed by a separator byte, so ("ab","c") and ("a","bc") differ); the
 * same pairs in the same order give the same hash in every module.  O(text). */
uint64_t asim_labels_hash(const asim_label *l, size_t n);

typedef struct asim_sample {
    int64_t t;       /* ms */
    double  v;
} asim_sample;

/* Prometheus's staleness marker value (a NaN with payload 0x7ff0000000000002). */
double asim_stale_nan(void);
int    asim_is_stale_nan(double v);

/* retention_ms: see above; 0 means keep everything (tests, promql command). */
asim_tsdb *asim_tsdb_create(int64_t retention_ms);
void asim_tsdb_destroy(asim_tsdb *db);               /* NULL is a no-op */

/* Get or create the series with this label set.  Pairs need not be sorted;
 * the db copies and sorts them.  Returns the series id (>= 0), or -1 if a
 * name is invalid (not [a-zA-Z_][a-zA-Z0-9_]*, or duplicate) or a value is
 * NULL.  Pairs with an empty value are dropped.  O(labels) with a hash
 * lookup; allocates only when the series is new. */
int asim_tsdb_series(asim_tsdb *db, const asim_label *pairs, size_t n);

/* Append a sample / a staleness marker.  O(1) amortised, no allocation once
 * the series' ring has reached its steady-state size. */
void asim_tsdb_append(asim_tsdb *db, int series, int64_t t_ms, double v);
void asim_tsdb_append_stale(asim_tsdb *db, int series, int64_t t_ms);

/* Read side. */
size_t      asim_tsdb_nseries(const asim_tsdb *db);
asim_labels asim_tsdb_labels(const asim_tsdb *db, int series);
/* Value of label `name` in series, or NULL. */
const char *asim_tsdb_label(const asim_tsdb *db, int series, const char *name);
/* Samples of a series with mint <= t <= maxt (markers included), oldest
 * first.  Fills *out with a pointer into the series' buffer, valid until the
 * next append to any series, and returns the count (0: *out is NULL).
 * O(log n): the ring is kept contiguous (see tsdb.c), nothing is copied. */
size_t asim_tsdb_range(asim_tsdb *db, int series, int64_t mint, int64_t maxt,
                       const asim_sample **out);
/* Newest sample with t <= maxt, or 0 if none (returns 1 and fills *s). */
int asim_tsdb_latest(const asim_tsdb *db, int series, int64_t maxt, asim_sample *s);

/* Series with exactly this label set (same rules as asim_tsdb_series), or -1;
 * never creates one. */
int asim_tsdb_find(asim_tsdb *db, const asim_label *pairs, size_t n);

/* Observer of every stored sample, markers included (a marker arrives as
 * asim_stale_nan(); test it with asim_is_stale_nan).  Appends that are
 * ignored (timestamp not after the series' newest) are not reported.  One
 * observer per db; fn NULL removes it.  Called synchronously from append. */
void asim_tsdb_on_append(asim_tsdb *db, void (*fn)(void *ctx, int series, int64_t t_ms, double v),
                         void *ctx);

/* Number of samples (markers included) the series currently holds, and the
 * total capacity of all rings in samples: for memory tests and reports. */
size_t asim_tsdb_nsamples(const asim_tsdb *db, int series);
size_t asim_tsdb_capacity(const asim_tsdb *db);

#endif
