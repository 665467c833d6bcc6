/* promql.h -- a PromQL engine (all of PromQL 2.42 for float samples),
 * with Prometheus 2.42 semantics (see doc/promql.md for what is supported,
 * the exact rules, the 3.x differences and the known deviations, and
 * ../shared/reference/semantics.md for the sources).
 *
 * Lifecycle: parse once (when the scenario loads; errors carry the position),
 * evaluate many times against an asim_tsdb at instants in milliseconds. */
#ifndef ASIM_PROMQL_H
#define ASIM_PROMQL_H

#include "models/prometheus/tsdb.h"

typedef struct asim_promql asim_promql;          /* a parsed expression */

typedef enum asim_promql_type {
    ASIM_PROMQL_SCALAR, ASIM_PROMQL_VECTOR, ASIM_PROMQL_MATRIX, ASIM_PROMQL_STRING
} asim_promql_type;

/* One element of an instant-vector result: a label set and a value.  For a
 * MATRIX result (a bare range selector such as x[1m]) samples/nsamples hold
 * the series' samples in the window (markers removed; they may point into
 * the tsdb, so they are valid until its next append) and value is the last. */
typedef struct asim_promql_elem {
    asim_label *labels;    /* sorted by name; owned by the result */
    size_t nlabels;
    double value;
    const asim_sample *samples;
    size_t nsamples;
} asim_promql_elem;

typedef struct asim_promql_result {
    asim_promql_type type;
    double scalar;                 /* when type == SCALAR */
    asim_promql_elem *v;           /* when type == VECTOR or MATRIX */
    size_t n;
    /* engine-private storage; reused across evaluations to avoid allocation */
    void *priv;
} asim_promql_result;

/* Parse `query`.  On error returns NULL and writes "position N: problem" into
 * err (errlen bytes), N being the 1-based character position; valid PromQL
 * outside the supported subset is an error too ("... is not supported by
 * this engine"), so whatever parses can be evaluated.  Cost O(length). */
asim_promql *asim_promql_parse(const char *query, char *err, size_t errlen);
void asim_promql_free(asim_promql *e);                    /* NULL is a no-op */

/* The longest range (ms) any selector of e reaches back, including offsets
 * and the lookback delta for instant selectors: what the tsdb must retain. */
int64_t asim_promql_reach_ms(const asim_promql *e, int64_t lookback_ms);


asim_promql_type asim_promql_result_type(const asim_promql *e);

/* Evaluate at instant t_ms with the given lookback delta (300000 in
 * Prometheus 2.42 by default).  The result is overwritten on each call;
 * initialise it with {0} and release with asim_promql_result_free.
 * Returns 0, or -1 with a message in err for runtime errors (e.g. vector
 * matching with duplicate series), like Prometheus's execution errors.
 * Element order is Prometheus's for an instant query: selector results in
 * series-creation (storage) order, aggregations in first-seen group order,
 * binary operators in left-hand-side order.
 * Cost and memory: a result keeps a cache of which series each selector
 * matches (only series created since the last call are tested) and an arena
 * that is reused, so repeated evaluation of one expression against one db
 * allocates nothing in steady state.  Use one result per (expression, db)
 * pair; switching either resets the cache (it is keyed by their addresses,
 * so call asim_promql_result_free after destroying a db or expression you
 * will replace with a new one). */
int asim_promql_eval(const asim_promql *e, asim_tsdb *db, int64_t t_ms,
                     int64_t lookback_ms, asim_promql_result *out,
                     char *err, size_t errlen);
void asim_promql_result_free(asim_promql_result *r);

/* The same, as one step (t_ms) of a range query from start_ms to end_ms:
 * what `@ start()` and `@ end()` refer to (asim_promql_eval is the instant
 * query, start = end = t). */
int asim_promql_eval_in(const asim_promql *e, asim_tsdb *db, int64_t t_ms, int64_t start_ms,
                        int64_t end_ms, int64_t lookback_ms, asim_promql_result *out,
                        char *err, size_t errlen);

/* Formatting exactly as Prometheus's HTTP API writes numbers, so outputs can
 * be compared byte for byte.  Both write a NUL-terminated string into buf
 * (truncated to len) and return its full length like snprintf.
 * format_value: Go strconv.FormatFloat(v, 'f', -1, 64): the shortest digits
 * that read back as v, never an exponent (1e21 -> "1000000000000000000000");
 * NaN -> "NaN", infinities -> "+Inf"/"-Inf".  Up to ASIM_PROMQL_FMT_MAX bytes.
 * format_time: a millisecond timestamp as seconds with the milliseconds
 * after a point only when non-zero, zero-padded ("60", "1.500", "0.001"). */
#define ASIM_PROMQL_FMT_MAX 340
size_t asim_promql_format_value(double v, char *buf, size_t len);
size_t asim_promql_format_time(int64_t ms, char *buf, size_t len);

#endif
