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
#include <zlib.h>
#include "models/trace/trace.h"
#include "models/promql/regex.h"
#include "sim/engine/stats.h"

#define LINEBUF_INIT (64u << 10)
/* records kept to loop a small trace from memory: 2 MiB of them */
#define CACHE_MAX ((size_t)(2u << 20) / sizeof(asim_trace_rec))
#define PROM_MAX_BYTES ((size_t)1 << 30)

#include <cjson/cJSON.h>

typedef struct heap_item {
    asim_trace_rec rec;
    uint64_t seq;                 /* FIFO among equal times */
} heap_item;

typedef struct prom_point { int64_t t; double v; } prom_point;

/* A filter, compiled (trace_filter.c). */
#define TRACE_STATUS_MAX 16
typedef struct trace_filter_c {
    int on;                           /* any test at all */
    int nst, npos;                    /* status ranges; how many are positive */
    struct { int lo, hi, neg; } st[TRACE_STATUS_MAX];
    asim_regex *path, *ua;
    char method[ASIM_TRACE_FILTER_MAX];   /* ",GET,POST," or "" */
} trace_filter_c;

/* What a request line says besides its time (for filters and classes).
 * A NULL pointer: the line does not carry that field. */
typedef struct trace_req {
    int status;                       /* -1: none */
    const char *method, *path, *ua;
    size_t method_len, path_len, ua_len;
} trace_req;
#define TRACE_REQ_NONE { -1, NULL, NULL, NULL, 0, 0, 0 }

struct asim_trace_reader {
    asim_trace_opts o;
    char tcol[ASIM_TRACE_COL_MAX], vcol[ASIM_TRACE_COL_MAX], ccol[ASIM_TRACE_COL_MAX];
    char *name;
    FILE *f;
    int own_f;

    /* input: plain, or gzip inflated on the fly (trace_input.c) */
    int gz, zs_on, zin_eof, zend;
    z_stream zs;
    unsigned char *zin;
    unsigned char pre[2];         /* bytes read to look for gzip's magic */
    size_t npre, ipre;

    /* filters and logged latency (trace_filter.c) */
    trace_filter_c flt;
    char lfield[ASIM_TRACE_COL_MAX];
    double lscale;                /* latency unit -> s */
    asim_hist *lat;
    int64_t span_from, span_to;
    uint64_t filtered;
    int lat_i;                    /* access log: token after the standard fields (1-based); CSV: column */
    int jtl_code_i, jtl_path_i, jtl_label_i;   /* JMeter columns (-1: absent) */

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
    int have_peek, in_peek;

    /* a trace of at most CACHE_MAX records is kept from its first pass, so
     * looping it replays from memory instead of parsing the file again */
    asim_trace_rec *cache;
    size_t ncache, icache;
    int caching, cached;
    asim_err err;
    uint64_t records, skipped, lines;
    char first_skip[512];
    int64_t first_t;              /* the first record read: offsets in messages count from it */
    int first_tz, have_first;

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
/* The whole input parsed as one JSON document (at most max bytes); NULL with
 * the reader failed ("NAME:LINE: not valid JSON (near byte N)"). */
cJSON *trace_read_json(asim_trace_reader *r, size_t max);

/* --- input (trace_input.c): plain or gzip --- */
/* Look for gzip's magic at the start of r->f and set up inflation.  0 or -1. */
int trace_input_open(asim_trace_reader *r);
/* Up to n bytes of (inflated) input: the count, 0 at the end, -1 on error. */
long trace_input_read(asim_trace_reader *r, void *dst, size_t n);
/* After fseek(r->f, 0): start inflating again. */
void trace_input_rewind(asim_trace_reader *r);
void trace_input_close(asim_trace_reader *r);

/* --- filters and latency (trace_filter.c) --- */
/* Compile the options' filter and latency settings; 0 or -1 (reader failed). */
int trace_filter_open(asim_trace_reader *r);
void trace_filter_close(asim_trace_reader *r);
/* A request record with what its line says: filtered out (counted), or
 * classed by its path and pushed to the ordering stage.  0 or -1. */
int trace_emit(asim_trace_reader *r, asim_trace_rec *rec, const trace_req *q);
/* The path of a URL ("https://h:443/a?b" -> "/a?b"; a bare path as is). */
void trace_url_path(const char *s, size_t len, const char **path, size_t *plen);
/* A latency text in the reader's unit -> s; 0 or -1.  "-" is -1. */
int trace_latency_parse(const asim_trace_reader *r, const char *s, size_t len, double *sec);

/* --- time text (trace_time.c) --- */
void trace_trim(const char **s, size_t *len);
/* A decimal number (blanks around allowed, at most 64 characters) -> *v.  0 or -1. */
int trace_parse_double(const char *s, size_t len, double *v);

/* --- per-format parsers --- */
void trace_csv_reset(asim_trace_reader *r);                          /* trace_csv.c */
/* A column option ("" = def, a 1-based number, or a header name) -> 0-based
 * index in *out (-1 = none).  0 or -1 (reader failed, naming the columns). */
int trace_resolve_col(asim_trace_reader *r, const char *opt, const char *what, int def,
                      int have_header, long line, int *out);
int trace_csv_feed(asim_trace_reader *r, const char *line, size_t len);
int trace_csv_finish(asim_trace_reader *r);
void trace_clf_line(asim_trace_reader *r, const char *s, size_t len);  /* trace_clf.c */
int trace_prom_load(asim_trace_reader *r);                           /* trace_prom.c */
void trace_json_line(asim_trace_reader *r, const char *s, size_t len);  /* trace_json.c */
void trace_alb_line(asim_trace_reader *r, const char *s, size_t len);   /* trace_alb.c */
int trace_jtl_header(asim_trace_reader *r, long line);               /* trace_jtl.c */
void trace_jtl_row(asim_trace_reader *r, long line);
int trace_stages_load(asim_trace_reader *r);                         /* trace_stages.c */
/* End of a quoted string starting after the opening quote at s[0]; handles
 * the \" escape.  Index of the closing quote or -1 (trace_clf.c). */
long trace_quoted_end(const char *s, size_t len);

/* The i-th field of the current CSV row. */
static inline const char *trace_field(const asim_trace_reader *r, int i, size_t *len)
{
    *len = r->flen[i];
    return r->row + r->foff[i];
}

#endif
