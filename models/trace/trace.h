/* trace.h -- streaming readers of recorded traffic.
 *
 * A reader turns one trace file into a sequence of records in time order:
 *   request formats (timestamps CSV, access logs): one record per request;
 *   rate formats (counts CSV, rates CSV, Prometheus query_range JSON): one
 *   record per point, its value a count (of [t_i, t_i+1)) or a rate (req/s).
 * Times are int64 nanoseconds as written in the file: since the Unix epoch
 * for RFC 3339 / log dates / epoch seconds, or since the file's own zero for
 * relative seconds.
 *
 * Streaming: text formats are read line by line through a bounded buffer
 * (lines up to ASIM_TRACE_LINE_MAX), CSV rows through libcsv fed one line at
 * a time so the reader always knows the line number.  Memory does not grow
 * with the file, except (a) the reorder window, which holds the records of
 * `reorder_window` seconds, and (b) Prometheus JSON, parsed whole by cJSON
 * (a query_range response is bounded by Prometheus's 11,000 points per series).
 *
 * Any input may be gzip-compressed: the reader recognises gzip's magic bytes
 * (1f 8b, RFC 1952), not the file name, and inflates it as it streams
 * (zlib; concatenated members, as `cat a.gz b.gz` makes, are read in turn).
 *
 * Request formats may carry more than a time: status, method, path, user
 * agent and the logged latency.  Filters (asim_trace_filter) keep only the
 * matching requests (the others are counted, asim_trace_filtered); the
 * latency of every kept record inside the span set by asim_trace_set_span
 * is collected into a histogram (asim_trace_latency), so a run can show the
 * real latency distribution beside the simulated one.
 *
 * Bad input (unparsable line, timestamp out of order, negative count, empty
 * file, unknown log format, "status":"error") is reported as
 * "FILE:LINE: problem" or "FILE: $.json.path: problem".  With on_error=skip a
 * bad line or point is counted (asim_trace_skipped) and skipped instead; an
 * empty trace or a failed query is an error either way. */
#ifndef ASIM_TRACE_H
#define ASIM_TRACE_H

#include <stdio.h>
#include "sim/engine/common.h"
#include "models/trace/trace_cfg.h"

#define ASIM_TRACE_LINE_MAX  (1u << 20)   /* bytes in one line or CSV row */
#define ASIM_TRACE_FIELDS_MAX 64          /* CSV columns kept per row */
/* Timestamps are accepted within +-4e18 ns of their zero (1843..2096 for
 * dates), so differences of two never overflow int64. */
#define ASIM_TRACE_TMAX INT64_C(4000000000000000000)

typedef struct asim_trace_reader asim_trace_reader;

/* Maps a request path (access log) or a class-column value to a class index;
 * returns 0 for "the default class". */
typedef int (*asim_trace_classify_fn)(void *ctx, const char *path, size_t len);

typedef struct asim_trace_opts {
    asim_trace_format format;         /* not AUTO (see asim_trace_detect) */
    int on_error;                     /* ASIM_ONERR_FAIL or ASIM_ONERR_SKIP */
    char delimiter;                   /* CSV */
    int header;                       /* ASIM_HEADER_* */
    const char *time_column;          /* NULL/"" = column 1 */
    const char *value_column;         /* NULL/"" = column 2 */
    const char *class_column;         /* NULL/"" = none */
    int64_t time_unit_ns;             /* ns per unit of numeric timestamps */
    int log_format;                   /* ASIM_LOGFMT_* */
    double reorder_window;            /* s, request formats */
    asim_trace_classify_fn classify;  /* NULL: records get cls -1 */
    void *classify_ctx;
    const asim_trace_filter *filter;  /* NULL: every request (copied at open) */
    const char *latency_field;        /* NULL/"" = the format's default (none for CLF) */
    int latency_unit;                 /* ASIM_LATU_* */
    double user_rate;                 /* k6 VUs / Locust users -> req/s (0 = 1 per user) */
} asim_trace_opts;

/* Defaults: on_error fail, ',' header auto, columns 1 and 2, seconds,
 * log format auto, no reorder window, no classifier. */
void asim_trace_opts_init(asim_trace_opts *o, asim_trace_format f);
/* Reader options from a scenario's trace spec (format must be resolved;
 * on_error already inherited).  The spec must outlive the reader. */
void asim_trace_opts_from_spec(asim_trace_opts *o, const asim_trace_spec *spec);

typedef struct asim_trace_rec {
    int64_t t;                /* ns, as written in the file */
    double value;             /* request formats: 1; counts: count; rates: req/s */
    int cls;                  /* from classify; -1 when the format has no path */
    int tz_offset;            /* s east of UTC the timestamp was written in */
    long line;                /* 1-based line of the record; 0 for JSON */
    double latency;           /* s, as logged; NaN when the format or line has none */
} asim_trace_rec;

/* Open a file ("-" is stdin, which cannot be rewound).  Copies the options'
 * strings.  NULL + err (ASIM_EINPUT: missing file, bad column name; the rc is
 * in *rc when rc is non-NULL) on failure.  Cost: O(1) for text formats; the
 * whole file for Prometheus JSON. */
asim_trace_reader *asim_trace_open(const char *path, const asim_trace_opts *o,
                                   int *rc, asim_err *err);
/* The same on an open stream (fmemopen in tests and fuzzers); takes ownership
 * of f.  `name` is used in messages. */
asim_trace_reader *asim_trace_open_stream(FILE *f, const char *name, const asim_trace_opts *o,
                                          int *rc, asim_err *err);
void asim_trace_close(asim_trace_reader *r);          /* NULL is a no-op */

/* Next record.  Returns 1 (rec filled), 0 at the end of the trace, or
 * -ASIM_EINPUT / -ASIM_ERUNTIME with err filled.  Errors are sticky.
 * Amortised O(1) per line (O(log w) with a reorder window of w records). */
int asim_trace_next(asim_trace_reader *r, asim_trace_rec *rec, asim_err *err);

/* The record the next call to asim_trace_next will return, without
 * consuming it.  Same returns as asim_trace_next. */
int asim_trace_peek(asim_trace_reader *r, asim_trace_rec *rec, asim_err *err);

/* Start again from the first record (for looping).  Lines skipped again on
 * later passes are not counted twice.  0, or ASIM_ERUNTIME for stdin. */
int asim_trace_rewind(asim_trace_reader *r, asim_err *err);

uint64_t asim_trace_records(const asim_trace_reader *r);    /* good records, first pass */
uint64_t asim_trace_skipped(const asim_trace_reader *r);    /* skipped lines/points, first pass */
uint64_t asim_trace_lines(const asim_trace_reader *r);      /* lines read, first pass */
/* "FILE:LINE: problem" of the first skipped line, "" if none. */
const char *asim_trace_first_skip(const asim_trace_reader *r);
const char *asim_trace_name(const asim_trace_reader *r);
/* Requests dropped by the filters, first pass. */
uint64_t asim_trace_filtered(const asim_trace_reader *r);
int asim_trace_filtering(const asim_trace_reader *r);   /* 1 when a filter is set */
/* Latencies are collected for records with from <= t < to (trace ns);
 * by default every record.  Call before the first asim_trace_next. */
void asim_trace_set_span(asim_trace_reader *r, int64_t from, int64_t to);
/* Histogram (sim/engine/stats.h) of the logged latencies (s) of the first
 * pass's records inside the span; NULL when the format carries none or no
 * record had one.  Owned by the reader. */
const struct asim_hist *asim_trace_latency(const asim_trace_reader *r);
/* 1 when the format can carry a latency, status, method, path or user agent. */
int asim_trace_has_field(asim_trace_format f, const char *field);
/* Check a filter's syntax (status list, regexes) without opening a file:
 * 0, or ASIM_EINPUT with err naming the field ("filter.status: ..."). */
int asim_trace_filter_check(const asim_trace_filter *f, asim_err *err);
/* Fill s's empty filter fields, latency field and unit, and user rate from
 * the trace.* settings of tc (asim_trace_effective calls it). */
void asim_trace_fold_inputs(const asim_trace_cfg *tc, asim_trace_spec *s);

/* Guess a file's format from its start (inflated if gzip): JSON with
 * "stages" -> k6 or locust, other JSON documents -> prometheus, one JSON
 * object per line -> gcp_lb (with "httpRequest") or nginx_json, an
 * access-log line -> access_log, an ALB log line -> alb, a JMeter header ->
 * jtl, one CSV column -> timestamps, a header naming a count/rate column ->
 * counts/rates.  ASIM_EINPUT with a message
 * saying what to set when it cannot tell. */
int asim_trace_detect(const char *path, asim_trace_format *f, asim_err *err);

/* Format names as in scenario files: "auto", "timestamps", "counts", "rates",
 * "access_log", "prometheus", "nginx_json", "gcp_lb", "alb", "jtl", "k6", "locust".  parse returns 0, or -1 for an unknown name. */
const char *asim_trace_format_name(asim_trace_format f);
int asim_trace_format_parse(const char *name, asim_trace_format *f);
const char *asim_trace_format_names(void);   /* comma-separated, for messages */
/* 1 for counts, rates, prometheus, k6 and locust (a rate function), 0 for
 * request formats.  asim_trace_is_stages: k6 and locust (a rate that is
 * linear between points and ends at the last one). */
int asim_trace_is_stages(asim_trace_format f);
int asim_trace_is_rate(asim_trace_format f);

/* --- time text ------------------------------------------------------- */

/* RFC 3339 / ISO 8601: "2024-01-15T10:00:00.25Z", "+01:00", "+0100", a space
 * instead of T, no zone = UTC.  0 or -1.  *tz gets the offset in seconds. */
int asim_time_parse_rfc3339(const char *s, size_t len, int64_t *ns, int *tz);
/* Access-log date "10/Oct/2000:13:55:36 -0700".  0 or -1. */
int asim_time_parse_clf(const char *s, size_t len, int64_t *ns, int *tz);
/* A decimal number of units ("1700000000.123", "-5", "1e3"), exact to the ns
 * for plain decimals.  0 or -1 (not a number, out of range). */
int asim_time_parse_number(const char *s, size_t len, int64_t unit_ns, int64_t *ns);
/* Either of the two above (RFC 3339 when the text has a '-' after 4 digits). */
int asim_time_parse_any(const char *s, size_t len, int64_t unit_ns, int64_t *ns, int *tz);
/* "HH:MM[:SS]" -> seconds after midnight.  0 or -1. */
int asim_time_parse_tod(const char *s, double *sec);
/* Writers: RFC 3339 with ms ("2024-01-15T10:00:00.250Z" or "+01:00") and
 * the access-log date.  buf should hold 40 bytes. */
void asim_time_format_rfc3339(int64_t ns, int tz, char *buf, size_t len);
void asim_time_format_clf(int64_t ns, int tz, char *buf, size_t len);

#endif
