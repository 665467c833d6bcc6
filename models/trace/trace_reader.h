/* trace_reader.h -- the reader's state and the helpers its per-format parts
 * share (private to models/trace/: trace.c is the core -- options, errors,
 * ordering, line buffer, open/next/rewind --; trace_time.c reads and writes
 * time text; one file per format family parses its records:
 * trace_csv.c, trace_clf.c, trace_prom.c; trace_detect.c guesses the format).
 * Nothing outside models/trace/ includes this header: trace.h is the contract. */
#ifndef ASIM_TRACE_READER_H
#define ASIM_TRACE_READER_H

#include <stdarg.h>
#include <csv.h>
#include "models/trace/trace.h"

#define LINEBUF_INIT (64u << 10)
#define CACHE_MAX 65536           /* records kept to loop a small trace from memory (2 MiB) */
#define PROM_MAX_BYTES ((size_t)1 << 30)

#include <cjson/cJSON.h>

typedef struct heap_item {
    asim_trace_rec rec;
    uint64_t seq;                 /* FIFO among equal times */
} heap_item;

typedef struct prom_point { int64_t t; double v; } prom_point;

struct asim_trace_reader {
    asim_trace_opts o;
    char tcol[ASIM_TRACE_COL_MAX], vcol[ASIM_TRACE_COL_MAX], ccol[ASIM_TRACE_COL_MAX];
    char *name;
    FILE *f;
    int own_f;

    /* line buffer: unread bytes are buf[beg, end) */
    char *buf;
    size_t cap, beg, end;
    int eof, discarding;
    long lineno;

    /* CSV */
    struct csv_parser csv;
    int csv_on;
    char *row;                    /* the current row's fields, NUL-separated */
    size_t rowlen, rowcap;
    size_t foff[ASIM_TRACE_FIELDS_MAX], flen[ASIM_TRACE_FIELDS_MAX];
    int nf, extra_fields;
    long row_line;
    size_t row_bytes;
    int header_seen;
    int tcol_i, vcol_i, ccol_i;

    /* output ring */
    asim_trace_rec *q;
    size_t qhead, qn, qcap;

    /* ordering */
    heap_item *heap;
    size_t hn, hcap;
    uint64_t seq;
    int64_t window_ns;
    int64_t last_t, max_seen;
    long last_line;
    int have_last, have_max;

    /* Prometheus points, merged */
    prom_point *pts;
    size_t npts, ipts;

    /* state */
    int pass, input_done, rc;
    asim_trace_rec peeked;        /* asim_trace_peek's record */
    int have_peek;

    /* a trace of at most CACHE_MAX records is kept from its first pass, so
     * looping it replays from memory instead of parsing the file again */
    asim_trace_rec *cache;
    size_t ncache, icache;
    int caching, cached;
    asim_err err;
    uint64_t records, skipped, lines;
    char first_skip[512];

    /* access-log date cache: consecutive lines usually share the second */
    char dcache[48];
    size_t dcache_len;
    int64_t dcache_ns;
    int dcache_tz;
};
/* --- shared helpers (trace.c) --- */

/* Fail the reader (sticky): "NAME:LINE: msg" (or "NAME: msg" when line is 0).  Returns -1. */
int trace_fail_rc(asim_trace_reader *r, int rc, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A bad line or point: an error, or a counted skip with on_error=skip.
 * Returns 0 when skipped, -1 when it is an error. */
int trace_bad(asim_trace_reader *r, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Printable excerpt of a field for messages. */
const char *trace_excerpt(const char *s, size_t len, char *buf, size_t cap);
/* A parsed record enters the ordering stage.  0 (accepted or skipped) or -1. */
int trace_order_push(asim_trace_reader *r, const asim_trace_rec *rec);
/* 1 if s[0, len) is only blanks and line ends. */
int trace_blank(const char *s, size_t len);
/* The whole (remaining) input into a NUL-terminated buffer (owned by the caller).  0 or -1. */
int trace_read_all(asim_trace_reader *r, char **out, size_t *n);

/* --- time text (trace_time.c) --- */
void trace_trim(const char **s, size_t *len);

/* --- per-format parsers --- */
void trace_csv_reset(asim_trace_reader *r);                          /* trace_csv.c */
int trace_csv_feed(asim_trace_reader *r, const char *line, size_t len);
int trace_csv_finish(asim_trace_reader *r);
void trace_clf_line(asim_trace_reader *r, const char *s, size_t len);  /* trace_clf.c */
int trace_prom_load(asim_trace_reader *r);                           /* trace_prom.c */

#endif
