/* series_io.h -- reading recorded samples into memory (and into a tsdb):
 *
 *  - CSV `series,timestamp,value` (header row optional): series is a metric
 *    name with labels in Prometheus text syntax, e.g.
 *    "webapp_response_time_seconds{instance=""app-1:8080""}" (CSV-quoted
 *    because of the quotes and commas); timestamp in seconds, fractional
 *    allowed (rounded to the millisecond); value a number, NaN, +Inf, -Inf,
 *    Inf or `stale` (a staleness marker).  Rows may come in any order.
 *  - A Prometheus query API JSON response: the whole body
 *    {"status":"success","data":{...}} or just its data object, with
 *    resultType matrix (query_range), vector (instant query) or scalar.
 *
 *  - OpenMetrics text as `run --export openmetrics` writes it (metrics.om):
 *    "series value timestamp" lines, timestamps in Unix seconds; # lines
 *    skipped.  A directory stands for its metrics.om (a run directory).
 *
 * The format is detected by content: JSON when the first non-blank character
 * is '{', OpenMetrics when the text starts with a "# HELP", "# TYPE",
 * "# UNIT" or "# EOF" line, else CSV.  Errors name the file and the line (CSV) or the JSON path, e.g.
 * "m.csv:7: value: cannot parse \"abc\"" or
 * "m.json: $.data.result[0].values[3][1]: expected a string".
 *
 * Ownership: a set owns its series, labels and sample arrays; free it with
 * asim_series_set_free (a zeroed set is empty and may be freed). */
#ifndef ASIM_SERIES_IO_H
#define ASIM_SERIES_IO_H

#include <stddef.h>
#include <stdint.h>
#include "sim/engine/common.h"
#include "models/prometheus/tsdb.h"

typedef struct asim_series {
    asim_label *labels;        /* sorted by name, unique, non-empty values */
    size_t nlabels;
    int64_t *t;                /* ms, strictly increasing */
    double *v;                 /* a marker is asim_stale_nan() */
    size_t n;
} asim_series;

typedef struct asim_series_set {
    asim_series *s;
    size_t n;
} asim_series_set;

/* Read and parse a file (format detected by content).  On error returns
 * ASIM_EINPUT (bad content) or ASIM_ERUNTIME (cannot read) with a message,
 * and *out is left empty.  Cost O(samples log samples). */
int asim_series_read_file(const char *path, asim_series_set *out, asim_err *err);
/* The same; with allow_empty a CSV without samples (empty, or a header
 * only) is an empty set rather than an error, as an empty Prometheus is. */
int asim_series_read_file_ex(const char *path, int allow_empty, asim_series_set *out, asim_err *err);

/* Parse text already in memory; `name` is used in messages. */
int asim_series_parse_csv(const char *text, size_t len, const char *name,
                          asim_series_set *out, asim_err *err);
int asim_series_parse_om(const char *text, size_t len, const char *name,
                         asim_series_set *out, asim_err *err);
int asim_series_parse_json(const char *text, size_t len, const char *name,
                           asim_series_set *out, asim_err *err);

/* Order the series by label set the way Prometheus orders results
 * (labels.Compare: name by name, then value, then the shorter set first). */
void asim_series_sort(asim_series_set *s);

/* Create the set's series in db, in set order (so after asim_series_sort the
 * db's storage order is label order, as in a Prometheus block), and append
 * every sample.  Returns ASIM_EINPUT if db refuses a label set. */
int asim_series_to_tsdb(const asim_series_set *s, asim_tsdb *db, asim_err *err);

void asim_series_set_free(asim_series_set *s);

/* Parse `name{a="b",c="d"}` (either part may be absent, but not both; the
 * name may also be given as __name__) into a sorted, owned label array.
 * Label values use the text-format escapes \\ \" \n.  On error returns
 * ASIM_EINPUT with "column N: problem" in err (N 1-based). */
int asim_series_parse_labels(const char *text, asim_label **out, size_t *n, asim_err *err);
void asim_series_free_labels(asim_label *l, size_t n);

/* Prometheus's labels.Compare (<0, 0, >0). */
int asim_labels_compare(const asim_label *a, size_t na, const asim_label *b, size_t nb);

#endif
