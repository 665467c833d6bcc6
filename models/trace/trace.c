/* trace.c -- streaming readers of recorded traffic (see trace.h).
 *
 * Pipeline of a text reader:
 *   line buffer (bounded) -> per-format parser (libcsv rows / access-log
 *   lines) -> ordering stage (monotonic check, optional reorder heap) ->
 *   output ring -> asim_trace_next.
 * A parser may emit several records per line (libcsv sees a lone CR as a row
 * end), so the output ring grows to the largest burst of one line's rows; the
 * reorder heap holds at most the records of one reorder window.
 *
 * Invariants
 *  - records leave the reader in non-decreasing time order (strictly
 *    increasing for rate formats);
 *  - an error is sticky: once rc is set every call returns it;
 *  - counters (records, skipped, lines) only move during the first pass, so
 *    looping a trace does not inflate them;
 *  - every input byte is bounded: a line or CSV row longer than
 *    ASIM_TRACE_LINE_MAX is an error (or skipped whole);
 *  - a trace of at most CACHE_MAX records that was read to its end is
 *    replayed from memory after a rewind (looping a short trace costs no
 *    parsing); a longer one is read again from the file. */
#include "models/trace/trace.h"
#include "models/trace/trace_spec.h"
#include "sim/engine/timefmt.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <csv.h>
#include <cjson/cJSON.h>

#define LINEBUF_INIT (64u << 10)
#define CACHE_MAX 65536           /* records kept to loop a small trace from memory (2 MiB) */
#define PROM_MAX_BYTES ((size_t)1 << 30)

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
    int64_t first_t;              /* the first record read: offsets in messages count from it */
    int first_tz, have_first;

    /* access-log date cache: consecutive lines usually share the second */
    char dcache[48];
    size_t dcache_len;
    int64_t dcache_ns;
    int dcache_tz;
};

/* ---------------------------------------------------------------------
 * Names and options
 * --------------------------------------------------------------------- */

static const char *const format_names[] = {
    "auto", "timestamps", "counts", "rates", "access_log", "prometheus"
};

const char *asim_trace_format_name(asim_trace_format f)
{
    return (unsigned)f < ASIM_ARRAY_LEN(format_names) ? format_names[f] : "?";
}

int asim_trace_format_parse(const char *name, asim_trace_format *f)
{
    for (size_t i = 0; i < ASIM_ARRAY_LEN(format_names); i++)
        if (strcmp(name, format_names[i]) == 0) { *f = (asim_trace_format)i; return 0; }
    return -1;
}

const char *asim_trace_format_names(void)
{
    return "auto, timestamps, counts, rates, access_log, prometheus";
}

int asim_trace_is_rate(asim_trace_format f)
{
    return f == ASIM_TRACE_COUNTS || f == ASIM_TRACE_RATES || f == ASIM_TRACE_PROMETHEUS;
}

void asim_trace_opts_init(asim_trace_opts *o, asim_trace_format f)
{
    memset(o, 0, sizeof *o);
    o->format = f;
    o->on_error = ASIM_ONERR_FAIL;
    o->delimiter = ',';
    o->header = ASIM_HEADER_AUTO;
    o->time_unit_ns = ASIM_NS_PER_SEC;
    o->log_format = ASIM_LOGFMT_AUTO;
}

void asim_trace_opts_from_spec(asim_trace_opts *o, const asim_trace_spec *s)
{
    asim_trace_opts_init(o, s->format);
    o->on_error = s->on_error == ASIM_ONERR_SKIP ? ASIM_ONERR_SKIP : ASIM_ONERR_FAIL;
    o->delimiter = s->delimiter ? s->delimiter : ',';
    o->header = s->header;
    o->time_column = s->time_column;
    o->value_column = s->value_column;
    o->class_column = s->class_column;
    o->time_unit_ns = s->time_unit_ns > 0 ? s->time_unit_ns : ASIM_NS_PER_SEC;
    o->log_format = s->log_format;
    o->reorder_window = s->reorder_window;
}

/* ---------------------------------------------------------------------
 * Time text
 * --------------------------------------------------------------------- */


/* n digits at s -> *v; 0 or -1. */
static int digits(const char *s, size_t n, int *v)
{
    int x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

static int make_time(int y, int mo, int d, int h, int mi, int s, int64_t frac_ns, int tz,
                     int64_t *ns)
{
    if (y < 1843 || y > 2096 || mo < 1 || mo > 12 || d < 1 || d > asim_days_in_month(y, mo) ||
        h > 23 || mi > 59 || s > 60)   /* 60: a leap second, read as :59 + 1 s */
        return -1;
    int64_t secs = asim_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - tz;
    if (secs > ASIM_TRACE_TMAX / ASIM_NS_PER_SEC - 1 || secs < -ASIM_TRACE_TMAX / ASIM_NS_PER_SEC + 1)
        return -1;
    *ns = secs * ASIM_NS_PER_SEC + frac_ns;
    return 0;
}

static void trim(const char **s, size_t *len)
{
    while (*len && isspace((unsigned char)**s)) { (*s)++; (*len)--; }
    while (*len && isspace((unsigned char)(*s)[*len - 1])) (*len)--;
}

/* ".123" at s (the dot included) -> ns; returns chars used. */
static size_t frac_part(const char *s, size_t len, int64_t *ns)
{
    *ns = 0;
    if (len < 2 || s[0] != '.' || !isdigit((unsigned char)s[1])) return 0;
    size_t i = 1;
    int64_t scale = 100000000;
    while (i < len && isdigit((unsigned char)s[i])) {
        *ns += (s[i] - '0') * scale;
        scale /= 10;
        i++;
    }
    return i;
}

int asim_time_parse_rfc3339(const char *s, size_t len, int64_t *ns, int *tz)
{
    asim_instant t;
    if (asim_rfc3339_parse(s, len, ASIM_RFC3339_ISO, &t) != 0) return -1;
    if (t.sec > ASIM_TRACE_TMAX / ASIM_NS_PER_SEC - 1 || t.sec < -ASIM_TRACE_TMAX / ASIM_NS_PER_SEC + 1)
        return -1;
    if (tz) *tz = t.tz;
    *ns = t.sec * ASIM_NS_PER_SEC + t.nsec;
    return 0;
}

static int month_index(const char *s)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    for (int i = 0; i < 12; i++)
        if (strncmp(s, months + 3 * i, 3) == 0) return i + 1;
    return -1;
}

int asim_time_parse_clf(const char *s, size_t len, int64_t *ns, int *tz)
{
    /* dd/Mon/yyyy:HH:MM:SS[.frac] +zzzz */
    int d, mo, y, h, mi, sec, oh, om;
    int64_t frac = 0;
    if (len < 20 || digits(s, 2, &d) || s[2] != '/' || (mo = month_index(s + 3)) < 0 ||
        s[6] != '/' || digits(s + 7, 4, &y) || s[11] != ':' || digits(s + 12, 2, &h) ||
        s[14] != ':' || digits(s + 15, 2, &mi) || s[17] != ':' || digits(s + 18, 2, &sec))
        return -1;
    size_t i = 20;
    i += frac_part(s + i, len - i, &frac);
    int off = 0;
    if (i < len) {
        if (s[i] != ' ' || len != i + 6 || (s[i + 1] != '+' && s[i + 1] != '-') ||
            digits(s + i + 2, 2, &oh) || digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        off = (s[i + 1] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    }
    if (tz) *tz = off;
    return make_time(y, mo, d, h, mi, sec, frac, off, ns);
}

int asim_time_parse_number(const char *s, size_t len, int64_t unit, int64_t *ns)
{
    trim(&s, &len);
    if (len == 0 || len > 64 || unit <= 0) return -1;
    size_t i = 0;
    int neg = 0;
    if (s[i] == '+' || s[i] == '-') neg = s[i++] == '-';
    int64_t ip = 0, fp = 0, fscale = 1;
    size_t nd = 0;
    int exact = 1;
    while (i < len && isdigit((unsigned char)s[i])) {
        if (ip > (INT64_MAX - 9) / 10) return -1;
        ip = ip * 10 + (s[i++] - '0');
        nd++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && isdigit((unsigned char)s[i])) {
            if (fscale < INT64_C(1000000000)) { fp = fp * 10 + (s[i] - '0'); fscale *= 10; }
            i++;
            nd++;
        }
    }
    if (nd == 0) return -1;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) exact = 0;
    else if (i != len) return -1;
    if (exact) {
        if (ip > ASIM_TRACE_TMAX / unit - 1) return -1;
        int64_t v = ip * unit + (int64_t)((double)fp * (double)unit / (double)fscale + 0.5);
        *ns = neg ? -v : v;
        return 0;
    }
    char tmp[72];
    memcpy(tmp, s, len);
    tmp[len] = 0;
    char *e;
    errno = 0;
    double v = strtod(tmp, &e);
    if (*e || errno || !isfinite(v)) return -1;
    double t = v * (double)unit;
    if (!(fabs(t) <= (double)ASIM_TRACE_TMAX)) return -1;
    *ns = (int64_t)llround(t);
    return 0;
}

int asim_time_parse_any(const char *s, size_t len, int64_t unit, int64_t *ns, int *tz)
{
    trim(&s, &len);
    if (tz) *tz = 0;
    if (len >= 10 && s[4] == '-' && isdigit((unsigned char)s[0]))
        return asim_time_parse_rfc3339(s, len, ns, tz);
    return asim_time_parse_number(s, len, unit, ns);
}

int asim_time_parse_tod(const char *s, double *sec)
{
    int h, m, x = 0;
    size_t n = strlen(s);
    if ((n != 5 && n != 8) || digits(s, 2, &h) || s[2] != ':' || digits(s + 3, 2, &m) ||
        (n == 8 && (s[5] != ':' || digits(s + 6, 2, &x))) || h > 24 || m > 59 || x > 59 ||
        (h == 24 && (m || x)))
        return -1;
    *sec = h * 3600.0 + m * 60.0 + x;
    return 0;
}

static void split_time(int64_t ns, int tz, int *y, int *mo, int *d, int *h, int *mi, int *s,
                       int *ms)
{
    int64_t secs = ns >= 0 ? ns / ASIM_NS_PER_SEC : -((-ns + ASIM_NS_PER_SEC - 1) / ASIM_NS_PER_SEC);
    asim_civil c;
    asim_civil_from_unix(secs + tz, &c);
    *y = c.year; *mo = c.month; *d = c.day; *h = c.hour; *mi = c.min; *s = c.sec;
    *ms = (int)((ns - secs * ASIM_NS_PER_SEC) / ASIM_NS_PER_MS);
}

void asim_time_format_rfc3339(int64_t ns, int tz, char *buf, size_t len)
{
    asim_rfc3339_format(ns, tz, buf, len);
}

void asim_time_format_clf(int64_t ns, int tz, char *buf, size_t len)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int y, mo, d, h, mi, s, ms;
    split_time(ns, tz, &y, &mo, &d, &h, &mi, &s, &ms);
    snprintf(buf, len, "%02d/%.3s/%04d:%02d:%02d:%02d %c%02d%02d", d, months + 3 * (mo - 1), y,
             h, mi, s, tz < 0 ? '-' : '+', abs(tz) / 3600, abs(tz) / 60 % 60);
}

/* ---------------------------------------------------------------------
 * Errors
 * --------------------------------------------------------------------- */

static int fail_rc(asim_trace_reader *r, int rc, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_rc(asim_trace_reader *r, int rc, long line, const char *fmt, ...)
{
    if (r->rc) return -1;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0) asim_err_set(&r->err, rc, "%s:%ld: %s", r->name, line, msg);
    else asim_err_set(&r->err, rc, "%s: %s", r->name, msg);
    r->rc = rc;
    return -1;
}

/* A bad line or point: an error, or a counted skip with on_error=skip.
 * Returns 0 when skipped, -1 when it is an error. */
static int bad(asim_trace_reader *r, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(asim_trace_reader *r, long line, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->o.on_error == ASIM_ONERR_SKIP) {
        if (r->pass == 0) {
            r->skipped++;
            if (!r->first_skip[0]) {
                if (line > 0) snprintf(r->first_skip, sizeof r->first_skip, "%s:%ld: %s", r->name, line, msg);
                else snprintf(r->first_skip, sizeof r->first_skip, "%s: %s", r->name, msg);
            }
        }
        return 0;
    }
    return fail_rc(r, ASIM_EINPUT, line, "%s", msg);
}

/* Printable excerpt of a field for messages. */
static const char *excerpt(const char *s, size_t len, char *buf, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 4 < cap; i++)
        buf[n++] = isprint((unsigned char)s[i]) ? s[i] : '?';
    if (len > n) { buf[n++] = '.'; buf[n++] = '.'; buf[n++] = '.'; }
    buf[n] = 0;
    return buf;
}

/* ---------------------------------------------------------------------
 * Output ring and ordering
 * --------------------------------------------------------------------- */

static void ring_push(asim_trace_reader *r, const asim_trace_rec *rec)
{
    r->q = asim_ring_reserve(r->q, sizeof *r->q, &r->qcap, &r->qhead, r->qn, 16);
    r->q[(r->qhead + r->qn) % r->qcap] = *rec;
    r->qn++;
}

static int heap_less(const heap_item *a, const heap_item *b)
{
    return a->rec.t < b->rec.t || (a->rec.t == b->rec.t && a->seq < b->seq);
}

static void heap_push(asim_trace_reader *r, const asim_trace_rec *rec)
{
    ASIM_GROW(r->heap, r->hcap, r->hn + 1, 64);
    size_t i = r->hn++;
    heap_item it = { *rec, r->seq++ };
    while (i > 0 && heap_less(&it, &r->heap[(i - 1) / 2])) {
        r->heap[i] = r->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    r->heap[i] = it;
}

static asim_trace_rec heap_pop(asim_trace_reader *r)
{
    asim_trace_rec top = r->heap[0].rec;
    heap_item last = r->heap[--r->hn];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= r->hn) break;
        if (c + 1 < r->hn && heap_less(&r->heap[c + 1], &r->heap[c])) c++;
        if (!heap_less(&r->heap[c], &last)) break;
        r->heap[i] = r->heap[c];
        i = c;
    }
    if (r->hn) r->heap[i] = last;
    return top;
}

/* A record's time for a message: RFC 3339 and its offset from the trace's
 * first record for dates ("2024-01-15T14:03:20.000Z, +200 s"), seconds for
 * relative timestamps ("2 s"), never a bare epoch number. */
static void seconds_text(const asim_trace_reader *r, int64_t ns, int tz, char *buf, size_t len)
{
    asim_trace_time_text(ns, tz, r->have_first ? r->first_t : ns, buf, len);
}

/* A parsed record enters the ordering stage.  0 (accepted or skipped) or -1. */
static int order_push(asim_trace_reader *r, const asim_trace_rec *rec)
{
    int rate = asim_trace_is_rate(r->o.format);
    if (!r->have_first) { r->first_t = rec->t; r->first_tz = rec->tz_offset; r->have_first = 1; }
    if (r->have_last && (rate ? rec->t <= r->last_t : rec->t < r->last_t)) {
        char a[80], b[80];
        seconds_text(r, rec->t, rec->tz_offset, a, sizeof a);
        seconds_text(r, r->last_t, rec->tz_offset, b, sizeof b);
        if (rate)
            return bad(r, rec->line, "timestamp %s is not after the previous row's, %s on line %ld: "
                       "points must be in strictly increasing time order", a, b, r->last_line);
        return bad(r, rec->line, "timestamp %s is %.3f s before the previous record's, %s on line %ld: "
                   "records must be in time order%s", a, ASIM_TO_SEC(r->last_t - rec->t), b,
                   r->last_line,
                   r->window_ns ? " (beyond reorder_window: several logs concatenated? give each its own "
                                  "trace, or sort the file by time first)" :
                   " (access logs written at completion are often slightly out of order: "
                   "set reorder_window, in seconds, to sort them)");
    }
    if (r->window_ns > 0 && !rate) {
        heap_push(r, rec);
        if (!r->have_max || rec->t > r->max_seen) { r->max_seen = rec->t; r->have_max = 1; }
        while (r->hn && r->heap[0].rec.t <= r->max_seen - r->window_ns) {
            asim_trace_rec out = heap_pop(r);
            ring_push(r, &out);
            r->last_t = out.t;
            r->last_line = out.line;
            r->have_last = 1;
        }
        return 0;
    }
    ring_push(r, rec);
    r->last_t = rec->t;
    r->last_line = rec->line;
    r->have_last = 1;
    return 0;
}

/* ---------------------------------------------------------------------
 * Line buffer
 * --------------------------------------------------------------------- */

/* Next physical line (with its '\n' if any) in *line and *len.  1, 0 at end of
 * input, -1 on I/O error or a line too long (with on_error=fail). */
static int next_line(asim_trace_reader *r, const char **line, size_t *len)
{
    for (;;) {
        char *nl = r->beg < r->end ? memchr(r->buf + r->beg, '\n', r->end - r->beg) : NULL;
        if (nl || (r->eof && r->beg < r->end)) {
            size_t n = nl ? (size_t)(nl - (r->buf + r->beg)) + 1 : r->end - r->beg;
            *line = r->buf + r->beg;
            *len = n;
            r->beg += n;
            if (r->pass == 0) r->lines++;
            r->lineno++;
            if (r->discarding) {           /* the tail of an over-long line */
                r->discarding = 0;
                continue;
            }
            return 1;
        }
        if (r->eof) return 0;
        if (r->beg > 0) {
            memmove(r->buf, r->buf + r->beg, r->end - r->beg);
            r->end -= r->beg;
            r->beg = 0;
        }
        if (r->end == r->cap) {
            if (r->cap >= ASIM_TRACE_LINE_MAX) {
                long at = r->lineno + 1;
                r->end = 0;                /* drop what we have of it */
                r->discarding = 1;
                if (bad(r, at, "line longer than %u bytes", ASIM_TRACE_LINE_MAX) < 0) return -1;
                continue;
            }
            r->cap *= 2;
            r->buf = asim_realloc(r->buf, r->cap);
        }
        size_t got = fread(r->buf + r->end, 1, r->cap - r->end, r->f);
        r->end += got;
        if (got == 0) {
            if (ferror(r->f))
                return fail_rc(r, ASIM_ERUNTIME, 0, "read error: %s", strerror(errno));
            r->eof = 1;
        }
    }
}

/* ---------------------------------------------------------------------
 * CSV formats
 * --------------------------------------------------------------------- */

static int is_index(const char *s)
{
    if (!*s) return 0;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p)) return 0;
    return 1;
}

static const char *field(const asim_trace_reader *r, int i, size_t *len)
{
    *len = r->flen[i];
    return r->row + r->foff[i];
}

static int name_eq(const char *a, size_t alen, const char *b)
{
    trim(&a, &alen);
    return strlen(b) == alen && strncasecmp(a, b, alen) == 0;
}

/* Resolve a column option against the header row (or without one).
 * def is the 0-based default, -1 for none.  0 or -1 (fatal). */
static int resolve_col(asim_trace_reader *r, const char *opt, const char *what, int def,
                       int have_header, long line, int *out)
{
    if (!opt[0]) { *out = def; return 0; }
    if (is_index(opt)) {
        long v = strtol(opt, NULL, 10);
        if (v < 1 || v > ASIM_TRACE_FIELDS_MAX)
            return fail_rc(r, ASIM_EINPUT, 0, "%s %s: column numbers go from 1 to %d",
                           what, opt, ASIM_TRACE_FIELDS_MAX);
        *out = (int)v - 1;
        return 0;
    }
    if (!have_header)
        return fail_rc(r, ASIM_EINPUT, line, "%s '%s' names a column, but the file has no header row "
                       "(use a column number, or header=yes)", what, opt);
    char cols[200] = "";
    for (int i = 0; i < r->nf; i++) {
        size_t len;
        const char *f = field(r, i, &len);
        if (name_eq(f, len, opt)) { *out = i; return 0; }
        char ex[40];
        size_t used = strlen(cols);
        snprintf(cols + used, sizeof cols - used, "%s%s", i ? ", " : "", excerpt(f, len, ex, sizeof ex));
    }
    return fail_rc(r, ASIM_EINPUT, line, "%s '%s' is not in the header (columns: %s)", what, opt, cols);
}

static int parse_value(const char *s, size_t len, double *v)
{
    trim(&s, &len);
    if (len == 0 || len > 64) return -1;
    char tmp[72];
    memcpy(tmp, s, len);
    tmp[len] = 0;
    char *e;
    errno = 0;
    *v = strtod(tmp, &e);
    return *e || errno == ERANGE ? -1 : 0;
}

static void handle_row(asim_trace_reader *r)
{
    long line = r->row_line ? r->row_line : r->lineno;
    int rate = asim_trace_is_rate(r->o.format);
    size_t len;
    const char *f;
    if (!r->header_seen) {
        r->header_seen = 1;
        int header = r->o.header == ASIM_HEADER_YES;
        int def_t = 0;
        if (r->o.header == ASIM_HEADER_AUTO) {
            if (r->tcol[0] && !is_index(r->tcol)) header = 1;
            else {
                int ti = r->tcol[0] ? atoi(r->tcol) - 1 : def_t;
                int64_t ns;
                int tz;
                header = ti >= r->nf || (f = field(r, ti, &len),
                          asim_time_parse_any(f, len, r->o.time_unit_ns, &ns, &tz) != 0);
                if (!header && rate) {     /* "t,count" rows always have a number in column 2 */
                    int vi = r->vcol[0] && is_index(r->vcol) ? atoi(r->vcol) - 1 : 1;
                    double v;
                    header = vi < r->nf && (f = field(r, vi, &len), parse_value(f, len, &v) != 0);
                }
            }
        }
        if (resolve_col(r, r->tcol, "time_column", def_t, header, line, &r->tcol_i) < 0 ||
            resolve_col(r, r->vcol, "value_column", rate ? 1 : -1, header, line, &r->vcol_i) < 0 ||
            resolve_col(r, r->ccol, "class_column", -1, header, line, &r->ccol_i) < 0)
            return;
        if (!rate) r->vcol_i = -1;
        if (header) return;
    }
    int need = r->tcol_i;
    if (r->vcol_i > need) need = r->vcol_i;
    if (r->ccol_i > need) need = r->ccol_i;
    if (r->nf <= need) {
        bad(r, line, "expected at least %d columns, found %d%s", need + 1, r->nf,
            r->nf == 1 && r->o.delimiter != ',' ? "" :
            r->nf == 1 ? " (is the delimiter right?)" : "");
        return;
    }
    asim_trace_rec rec = { 0, 1.0, -1, 0, line };
    f = field(r, r->tcol_i, &len);
    if (asim_time_parse_any(f, len, r->o.time_unit_ns, &rec.t, &rec.tz_offset) != 0) {
        char ex[48];
        bad(r, line, "cannot read the timestamp '%s' (expected seconds or RFC 3339)",
            excerpt(f, len, ex, sizeof ex));
        return;
    }
    if (rate) {
        f = field(r, r->vcol_i, &len);
        char ex[48];
        if (parse_value(f, len, &rec.value) != 0 || !isfinite(rec.value)) {
            bad(r, line, "cannot read the %s '%s' (expected a finite number)",
                r->o.format == ASIM_TRACE_COUNTS ? "count" : "rate", excerpt(f, len, ex, sizeof ex));
            return;
        }
        if (rec.value < 0) {
            bad(r, line, "negative %s %s", r->o.format == ASIM_TRACE_COUNTS ? "count" : "rate",
                excerpt(f, len, ex, sizeof ex));
            return;
        }
    }
    if (r->o.classify) {
        if (r->ccol_i >= 0) {
            f = field(r, r->ccol_i, &len);
            rec.cls = r->o.classify(r->o.classify_ctx, f, len);
        }
    }
    order_push(r, &rec);
}

static void csv_field_cb(void *data, size_t len, void *ctx)
{
    asim_trace_reader *r = ctx;
    if (r->nf >= ASIM_TRACE_FIELDS_MAX) { r->extra_fields++; return; }
    if (!data) len = 0;
    ASIM_GROW(r->row, r->rowcap, r->rowlen + len + 1, 256);
    if (len) memcpy(r->row + r->rowlen, data, len);
    r->row[r->rowlen + len] = 0;
    r->foff[r->nf] = r->rowlen;
    r->flen[r->nf] = len;
    r->rowlen += len + 1;
    r->nf++;
}

static void csv_row_cb(int c, void *ctx)
{
    asim_trace_reader *r = ctx;
    ASIM_UNUSED(c);
    if (r->nf > 0 && !r->rc) handle_row(r);
    r->nf = 0;
    r->rowlen = 0;
    r->extra_fields = 0;
    r->row_line = 0;
    r->row_bytes = 0;
}

static void csv_reset(asim_trace_reader *r)
{
    if (r->csv_on) csv_free(&r->csv);
    csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL);
    csv_set_delim(&r->csv, (unsigned char)r->o.delimiter);
    r->csv_on = 1;
    r->nf = 0;
    r->rowlen = 0;
    r->row_line = 0;
    r->row_bytes = 0;
}

static int blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != '\r' && s[i] != '\n' && s[i] != ' ' && s[i] != '\t') return 0;
    return 1;
}

/* Feed one line to libcsv; rows it completes are handled by csv_row_cb. */
static int csv_feed(asim_trace_reader *r, const char *line, size_t len)
{
    if (r->lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) { line += 3; len -= 3; }
    if (!r->row_line && !blank(line, len)) r->row_line = r->lineno;
    r->row_bytes += len;
    if (r->row_bytes > ASIM_TRACE_LINE_MAX) {
        long at = r->row_line;
        csv_reset(r);
        return bad(r, at, "CSV row longer than %u bytes (an unterminated quote?)", ASIM_TRACE_LINE_MAX);
    }
    size_t used = csv_parse(&r->csv, line, len, csv_field_cb, csv_row_cb, r);
    if (r->rc) return -1;
    if (used != len) {
        long at = r->row_line ? r->row_line : r->lineno;
        csv_reset(r);
        return bad(r, at, "malformed CSV (a quote inside an unquoted field, or text after a closing quote)");
    }
    return 0;
}

static int csv_finish(asim_trace_reader *r)
{
    long at = r->row_line ? r->row_line : r->lineno;
    if (csv_fini(&r->csv, csv_field_cb, csv_row_cb, r) != 0) {
        csv_reset(r);
        return bad(r, at, "unterminated quoted field at the end of the file");
    }
    return r->rc ? -1 : 0;
}

/* ---------------------------------------------------------------------
 * Access logs
 * --------------------------------------------------------------------- */

/* End of a quoted string starting after the opening quote at s[0]; handles
 * Apache's \" escape.  Returns the index of the closing quote or -1. */
static long quoted_end(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {                  /* memchr is vectorised: find quotes, then */
        const char *q = memchr(s + i, '"', len - i);
        if (!q) return -1;
        size_t j = (size_t)(q - s), bs = 0;
        while (bs < j && s[j - 1 - bs] == '\\') bs++;   /* ... count the backslashes before */
        if (bs % 2 == 0) return (long)j;
        i = j + 1;
    }
    return -1;
}

static const char *clf_expect =
    "not an access-log line in Common or Combined Log Format "
    "(expected: host ident user [dd/Mon/yyyy:HH:MM:SS +zzzz] \"METHOD /path HTTP/x\" status bytes";

static void handle_log_line(asim_trace_reader *r, const char *s, size_t len)
{
    long line = r->lineno;
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r')) len--;
    if (blank(s, len)) return;
    const char *lb = memchr(s, '[', len);
    /* host, ident and user before the date: at least "h - - " */
    if (!lb || lb - s < 6 || lb[-1] != ' ') {
        bad(r, line, "%s)", clf_expect);
        return;
    }
    size_t rest = len - (size_t)(lb - s) - 1;
    const char *rb = memchr(lb + 1, ']', rest);
    if (!rb) { bad(r, line, "%s): no ']' closing the date)", clf_expect); return; }
    size_t dlen = (size_t)(rb - lb - 1);
    asim_trace_rec rec = { 0, 1.0, -1, 0, line };
    if (dlen < sizeof r->dcache && dlen == r->dcache_len && memcmp(lb + 1, r->dcache, dlen) == 0) {
        rec.t = r->dcache_ns;
        rec.tz_offset = r->dcache_tz;
    } else {
        if (asim_time_parse_clf(lb + 1, dlen, &rec.t, &rec.tz_offset) != 0) {
            char ex[48];
            bad(r, line, "cannot read the date '%s' (expected dd/Mon/yyyy:HH:MM:SS +zzzz)",
                excerpt(lb + 1, dlen, ex, sizeof ex));
            return;
        }
        if (dlen < sizeof r->dcache) {
            memcpy(r->dcache, lb + 1, dlen);
            r->dcache_len = dlen;
            r->dcache_ns = rec.t;
            r->dcache_tz = rec.tz_offset;
        }
    }
    const char *p = rb + 1, *end = s + len;
    if (end - p < 3 || p[0] != ' ' || p[1] != '"') {
        bad(r, line, "%s): no quoted request after the date)", clf_expect);
        return;
    }
    const char *req = p + 2;
    long qe = quoted_end(req, (size_t)(end - req));
    if (qe < 0) { bad(r, line, "%s): unterminated request string)", clf_expect); return; }
    const char *req_end = req + qe;
    p = req_end + 1;
    /* status and bytes: digits or '-' */
    for (int k = 0; k < 2; k++) {
        if (p >= end || *p != ' ' || p + 1 >= end) {
            bad(r, line, "%s): missing %s)", clf_expect, k ? "byte count" : "status");
            return;
        }
        p++;
        const char *q = p;
        while (p < end && ((*p >= '0' && *p <= '9') || *p == '-')) p++;
        if (p == q || (p < end && *p != ' ')) {
            bad(r, line, "%s): bad %s)", clf_expect, k ? "byte count" : "status");
            return;
        }
    }
    int combined = 0;
    if (p < end && r->o.log_format != ASIM_LOGFMT_AUTO) {   /* the rest: "referer" "agent" [more] */
        if (end - p >= 3 && p[0] == ' ' && p[1] == '"') {
            long e1 = quoted_end(p + 2, (size_t)(end - p - 2));
            const char *a = e1 >= 0 ? p + 2 + e1 + 1 : NULL;
            combined = a && end - a >= 2 && a[0] == ' ' && a[1] == '"' &&
                       quoted_end(a + 2, (size_t)(end - a - 2)) >= 0;
        }
        if (!combined && r->o.log_format != ASIM_LOGFMT_AUTO) {
            /* common: only whitespace may follow */
            for (const char *q = p; q < end; q++)
                if (*q != ' ' && *q != '\t') {
                    bad(r, line, "unexpected text after the byte count (log_format is %s)",
                        r->o.log_format == ASIM_LOGFMT_COMMON ? "common" : "combined");
                    return;
                }
        }
        if (combined && r->o.log_format == ASIM_LOGFMT_COMMON) {
            bad(r, line, "referer and user agent after the byte count: this is Combined Log Format, "
                "but log_format is common");
            return;
        }
    }
    if (!combined && r->o.log_format == ASIM_LOGFMT_COMBINED) {
        bad(r, line, "no \"referer\" \"user-agent\" after the byte count (log_format is combined)");
        return;
    }
    if (r->o.classify) {
        /* the path: the request's second word ("GET /x HTTP/1.1"); "" if malformed */
        const char *sp = memchr(req, ' ', (size_t)(req_end - req));
        const char *path = req_end, *pend = req_end;
        if (sp) {
            path = sp + 1;
            pend = memchr(path, ' ', (size_t)(req_end - path));
            if (!pend) pend = req_end;
        }
        rec.cls = r->o.classify(r->o.classify_ctx, path, (size_t)(pend - path));
    }
    order_push(r, &rec);
}

/* ---------------------------------------------------------------------
 * Prometheus query_range JSON
 * --------------------------------------------------------------------- */

static int cmp_point(const void *a, const void *b)
{
    const prom_point *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

static int read_all(asim_trace_reader *r, char **out, size_t *n)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = asim_malloc(cap + 1);
    for (;;) {
        if (len == cap) {
            if (cap >= PROM_MAX_BYTES) {
                asim_free(buf);
                return fail_rc(r, ASIM_EINPUT, 0, "larger than %zu bytes", PROM_MAX_BYTES);
            }
            cap *= 2;
            buf = asim_realloc(buf, cap + 1);
        }
        size_t got = fread(buf + len, 1, cap - len, r->f);
        len += got;
        if (got == 0) break;
    }
    if (ferror(r->f)) {
        asim_free(buf);
        return fail_rc(r, ASIM_ERUNTIME, 0, "read error: %s", strerror(errno));
    }
    buf[len] = 0;
    *out = buf;
    *n = len;
    return 0;
}

static int prom_timestamp(const cJSON *t, int64_t *ns)
{
    double v;
    if (cJSON_IsNumber(t)) v = t->valuedouble;
    else if (cJSON_IsString(t)) {
        char *e;
        v = strtod(t->valuestring, &e);
        if (*e || e == t->valuestring) return -1;
    } else return -1;
    if (!isfinite(v) || fabs(v) * 1e9 > (double)ASIM_TRACE_TMAX) return -1;
    *ns = (int64_t)llround(v * 1e3) * ASIM_NS_PER_MS;   /* Prometheus keeps ms */
    return 0;
}

static int prom_load(asim_trace_reader *r)
{
    char *text = NULL;
    size_t n = 0;
    if (read_all(r, &text, &n) < 0) return -1;
    const char *text_end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, n, &text_end, 0);
    if (!root) {
        size_t off = text_end ? (size_t)(text_end - text) : 0;
        long line = 1;
        for (size_t i = 0; i < off && i < n; i++) line += text[i] == '\n';
        asim_free(text);
        return fail_rc(r, ASIM_EINPUT, line, "not valid JSON (near byte %zu)", off);
    }
    asim_free(text);
    const cJSON *result = NULL;
    const char *rpath = "$";
    if (cJSON_IsArray(root)) {
        result = root;                  /* promtool's bare matrix */
    } else if (cJSON_IsObject(root)) {
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(root, "status");
        if (status && !(cJSON_IsString(status) && strcmp(status->valuestring, "success") == 0)) {
            const cJSON *et = cJSON_GetObjectItemCaseSensitive(root, "errorType");
            const cJSON *em = cJSON_GetObjectItemCaseSensitive(root, "error");
            int rc = fail_rc(r, ASIM_EINPUT, 0, "$.status: the query failed (%s): %s: %s",
                             cJSON_IsString(status) ? status->valuestring : "?",
                             cJSON_IsString(et) ? et->valuestring : "unknown error type",
                             cJSON_IsString(em) ? em->valuestring : "no message");
            cJSON_Delete(root);
            return rc;
        }
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
        if (!cJSON_IsObject(data)) {
            cJSON_Delete(root);
            return fail_rc(r, ASIM_EINPUT, 0, "$.data: missing (not a Prometheus query_range response)");
        }
        const cJSON *rt = cJSON_GetObjectItemCaseSensitive(data, "resultType");
        if (rt && !(cJSON_IsString(rt) && strcmp(rt->valuestring, "matrix") == 0)) {
            int rc = fail_rc(r, ASIM_EINPUT, 0, "$.data.resultType: expected \"matrix\" "
                             "(a query_range response), got %s%s%s",
                             cJSON_IsString(rt) ? "\"" : "", cJSON_IsString(rt) ? rt->valuestring : "a non-string",
                             cJSON_IsString(rt) ? "\"" : "");
            cJSON_Delete(root);
            return rc;
        }
        result = cJSON_GetObjectItemCaseSensitive(data, "result");
        rpath = "$.data.result";
    }
    if (!cJSON_IsArray(result)) {
        cJSON_Delete(root);
        return fail_rc(r, ASIM_EINPUT, 0, "%s: expected an array of series", rpath);
    }
    size_t cap = 0, np = 0;
    prom_point *pts = NULL;
    int si = 0;
    for (const cJSON *series = result->child; series; series = series->next, si++) {
        const cJSON *values = cJSON_IsObject(series) ?
            cJSON_GetObjectItemCaseSensitive(series, "values") : NULL;
        if (!cJSON_IsArray(values)) {
            if (cJSON_IsObject(series) && cJSON_GetObjectItemCaseSensitive(series, "value")) {
                asim_free(pts);
                cJSON_Delete(root);
                return fail_rc(r, ASIM_EINPUT, 0, "%s[%d]: has \"value\", not \"values\": "
                               "this is an instant query; export with query_range", rpath, si);
            }
            if (bad(r, 0, "%s[%d].values: missing or not an array", rpath, si) < 0) {
                asim_free(pts);
                cJSON_Delete(root);
                return -1;
            }
            continue;
        }
        int vi = 0;
        int64_t prev = 0;
        int have_prev = 0;
        for (const cJSON *pt = values->child; pt; pt = pt->next, vi++) {
            int64_t t;
            double v = NAN;
            const cJSON *tv = cJSON_IsArray(pt) ? cJSON_GetArrayItem(pt, 0) : NULL;
            const cJSON *vv = cJSON_IsArray(pt) ? cJSON_GetArrayItem(pt, 1) : NULL;
            const char *problem = NULL;
            if (!tv || !vv || cJSON_GetArraySize(pt) != 2) problem = "expected [timestamp, \"value\"]";
            else if (prom_timestamp(tv, &t) != 0) problem = "bad timestamp";
            else {
                if (cJSON_IsString(vv)) {
                    char *e;
                    v = strtod(vv->valuestring, &e);
                    if (*e || e == vv->valuestring) problem = "value is not a number";
                } else if (cJSON_IsNumber(vv)) v = vv->valuedouble;
                else problem = "value is not a number";
                if (!problem && !isfinite(v)) problem = "value is NaN or infinite";
                else if (!problem && v < 0) problem = "negative rate";
                else if (!problem && have_prev && t <= prev) problem = "timestamp not after the previous point";
            }
            if (problem) {
                if (bad(r, 0, "%s[%d].values[%d]: %s", rpath, si, vi, problem) < 0) {
                    asim_free(pts);
                    cJSON_Delete(root);
                    return -1;
                }
                continue;
            }
            prev = t;
            have_prev = 1;
            ASIM_GROW(pts, cap, np + 1, 256);
            pts[np].t = t;
            pts[np].v = v;
            np++;
        }
    }
    cJSON_Delete(root);
    if (np == 0) {
        asim_free(pts);
        return fail_rc(r, ASIM_EINPUT, 0, "%s: no data points (the query returned no series%s)", rpath,
                       r->skipped ? ", or every point was skipped" : "");
    }
    /* sum the series: query_range evaluates every series at the same steps */
    qsort(pts, np, sizeof *pts, cmp_point);
    size_t m = 0;
    for (size_t i = 0; i < np; i++) {
        if (m && pts[m - 1].t == pts[i].t) pts[m - 1].v += pts[i].v;
        else pts[m++] = pts[i];
    }
    r->pts = pts;
    r->npts = m;
    return 0;
}

/* ---------------------------------------------------------------------
 * Reader
 * --------------------------------------------------------------------- */

static void copy_opt(char *dst, const char *src)
{
    snprintf(dst, ASIM_TRACE_COL_MAX, "%s", src ? src : "");
}

asim_trace_reader *asim_trace_open_stream(FILE *f, const char *name, const asim_trace_opts *o,
                                          int *rc, asim_err *err)
{
    asim_trace_reader *r = asim_calloc(1, sizeof *r);
    r->o = *o;
    copy_opt(r->tcol, o->time_column);
    copy_opt(r->vcol, o->value_column);
    copy_opt(r->ccol, o->class_column);
    r->o.time_column = r->tcol;
    r->o.value_column = r->vcol;
    r->o.class_column = r->ccol;
    if (r->o.time_unit_ns <= 0) r->o.time_unit_ns = ASIM_NS_PER_SEC;
    if (!r->o.delimiter) r->o.delimiter = ',';
    r->name = asim_strdup(name);
    r->f = f;
    r->own_f = f != stdin;
    r->window_ns = o->reorder_window > 0 ? ASIM_SEC(o->reorder_window) : 0;
    r->tcol_i = 0;
    r->vcol_i = 1;
    r->ccol_i = -1;
    r->caching = o->format != ASIM_TRACE_PROMETHEUS;   /* prometheus is in memory anyway */
    int bad_fmt = o->format == ASIM_TRACE_AUTO || (unsigned)o->format > ASIM_TRACE_PROMETHEUS;
    if (bad_fmt) {
        fail_rc(r, ASIM_EINPUT, 0, "format %s: resolve it before opening", asim_trace_format_name(o->format));
    } else if (o->format == ASIM_TRACE_PROMETHEUS) {
        prom_load(r);
    } else {
        r->cap = LINEBUF_INIT;
        r->buf = asim_malloc(r->cap);
        if (o->format != ASIM_TRACE_ACCESS_LOG) csv_reset(r);
    }
    if (r->rc) {
        if (err) *err = r->err;
        if (rc) *rc = r->rc;
        asim_trace_close(r);
        return NULL;
    }
    return r;
}

asim_trace_reader *asim_trace_open(const char *path, const asim_trace_opts *o, int *rc, asim_err *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        int e = errno;
        if (rc) *rc = e == ENOENT || e == EISDIR ? ASIM_EINPUT : ASIM_ERUNTIME;
        asim_err_set(err, ASIM_EINPUT, "%s: cannot open trace: %s", path, strerror(e));
        return NULL;
    }
    return asim_trace_open_stream(f, strcmp(path, "-") == 0 ? "<stdin>" : path, o, rc, err);
}

void asim_trace_close(asim_trace_reader *r)
{
    if (!r) return;
    if (r->csv_on) csv_free(&r->csv);
    if (r->f && r->own_f) fclose(r->f);
    asim_free(r->buf);
    asim_free(r->row);
    asim_free(r->q);
    asim_free(r->heap);
    asim_free(r->pts);
    asim_free(r->cache);
    asim_free(r->name);
    asim_free(r);
}

/* Read until the output ring has a record or the input is exhausted. */
static int fill(asim_trace_reader *r)
{
    while (r->qn == 0 && !r->input_done && !r->rc) {
        const char *line = NULL;
        size_t len = 0;
        int got = next_line(r, &line, &len);
        if (got < 0) return -1;
        if (got == 0) {
            if (r->o.format != ASIM_TRACE_ACCESS_LOG && csv_finish(r) < 0) return -1;
            r->input_done = 1;
            while (r->hn) {                /* flush the reorder window */
                asim_trace_rec out = heap_pop(r);
                ring_push(r, &out);
                r->last_t = out.t;
                r->last_line = out.line;
                r->have_last = 1;
            }
            break;
        }
        if (r->o.format == ASIM_TRACE_ACCESS_LOG) handle_log_line(r, line, len);
        else csv_feed(r, line, len);
    }
    return r->rc ? -1 : 0;
}

static int next_record(asim_trace_reader *r, asim_trace_rec *rec, asim_err *err);

int asim_trace_next(asim_trace_reader *r, asim_trace_rec *rec, asim_err *err)
{
    if (r->have_peek) {
        *rec = r->peeked;
        r->have_peek = 0;
        return 1;
    }
    if (r->cached && r->pass > 0) {
        if (r->icache == r->ncache) return 0;
        *rec = r->cache[r->icache++];
        return 1;
    }
    int k = next_record(r, rec, err);
    if (r->pass == 0 && r->caching) {
        if (k == 1 && r->ncache < CACHE_MAX) {
            if (r->ncache % 1024 == 0)
                r->cache = asim_realloc(r->cache, (r->ncache + 1024) * sizeof *r->cache);
            r->cache[r->ncache++] = *rec;
        } else if (k == 1) {
            r->caching = 0;
            asim_free(r->cache);
            r->cache = NULL;
            r->ncache = 0;
        } else if (k == 0) {
            r->cached = 1;
        }
    }
    return k;
}

static int next_record(asim_trace_reader *r, asim_trace_rec *rec, asim_err *err)
{
    if (!r->rc) {
        if (r->o.format == ASIM_TRACE_PROMETHEUS) {
            if (r->ipts < r->npts) {
                rec->t = r->pts[r->ipts].t;
                rec->value = r->pts[r->ipts].v;
                rec->cls = -1;
                rec->tz_offset = 0;
                rec->line = 0;
                r->ipts++;
                if (r->pass == 0) r->records++;
                return 1;
            }
            return 0;
        }
        fill(r);
    }
    if (r->rc) {
        if (err) *err = r->err;
        return -r->rc;
    }
    if (r->qn == 0) {
        if (r->records == 0 && r->pass == 0) {
            if (r->skipped)
                fail_rc(r, ASIM_EINPUT, 0, "no valid records: all %llu were skipped; the first: %s",
                        (unsigned long long)r->skipped, r->first_skip);
            else
                fail_rc(r, ASIM_EINPUT, 0, "empty trace (no records)");
            if (err) *err = r->err;
            return -r->rc;
        }
        return 0;
    }
    *rec = r->q[r->qhead];
    r->qhead = (r->qhead + 1) % r->qcap;
    r->qn--;
    if (r->pass == 0) r->records++;
    return 1;
}

int asim_trace_peek(asim_trace_reader *r, asim_trace_rec *rec, asim_err *err)
{
    if (!r->have_peek) {
        int k = asim_trace_next(r, &r->peeked, err);
        if (k <= 0) return k;
        r->have_peek = 1;
    }
    *rec = r->peeked;
    return 1;
}

int asim_trace_rewind(asim_trace_reader *r, asim_err *err)
{
    r->have_peek = 0;
    if (r->rc) {
        if (err) *err = r->err;
        return r->rc;
    }
    r->pass++;
    r->caching = 0;
    if (r->cached) {
        r->icache = 0;
        return 0;
    }
    asim_free(r->cache);
    r->cache = NULL;
    r->ncache = 0;
    r->have_last = 0;
    r->have_max = 0;
    r->hn = 0;
    r->qn = 0;
    r->qhead = 0;
    if (r->o.format == ASIM_TRACE_PROMETHEUS) {
        r->ipts = 0;
        return 0;
    }
    if (!r->own_f || fseek(r->f, 0, SEEK_SET) != 0)
        return asim_err_set(err, ASIM_ERUNTIME, "%s: cannot rewind the trace to loop it%s",
                            r->name, r->own_f ? "" : " (standard input)");
    clearerr(r->f);
    r->beg = r->end = 0;
    r->eof = r->discarding = 0;
    r->lineno = 0;
    r->input_done = 0;
    r->header_seen = 0;
    r->dcache_len = 0;
    if (r->o.format != ASIM_TRACE_ACCESS_LOG) csv_reset(r);
    return 0;
}

uint64_t asim_trace_records(const asim_trace_reader *r) { return r->records; }
uint64_t asim_trace_skipped(const asim_trace_reader *r) { return r->skipped; }
uint64_t asim_trace_lines(const asim_trace_reader *r) { return r->lines; }
const char *asim_trace_first_skip(const asim_trace_reader *r) { return r->first_skip; }
const char *asim_trace_name(const asim_trace_reader *r) { return r->name; }

/* ---------------------------------------------------------------------
 * Format detection
 * --------------------------------------------------------------------- */

typedef struct sniff { int nf; char f[2][64]; } sniff;

static void sniff_field(void *data, size_t len, void *ctx)
{
    sniff *s = ctx;
    if (s->nf < 2) snprintf(s->f[s->nf], sizeof s->f[0], "%.*s", (int)(len < 63 ? len : 63),
                            data ? (const char *)data : "");
    s->nf++;
}

static void sniff_row(int c, void *ctx) { ASIM_UNUSED(c); ASIM_UNUSED(ctx); }

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0) return 1;
    return 0;
}

int asim_trace_detect(const char *path, asim_trace_format *fmt, asim_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return asim_err_set(err, ASIM_EINPUT, "%s: cannot open trace: %s", path, strerror(errno));
    /* Detection reads the first line and the reader opens the file again:
     * from a pipe or FIFO the second open would miss what detection read
     * (the first ~64 KiB).  Refuse clearly rather than lose records. */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
        fclose(f);
        return asim_err_set(err, ASIM_EINPUT, "%s: not a regular file (a pipe, FIFO or device); the format "
                            "cannot be detected without consuming it: save it to a file first, or name the "
                            "format (trace.format / --format)", path);
    }
    char line[8192];
    size_t len = 0;
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        len = strlen(line);
        char *s = line;
        if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) { s += 3; len -= 3; }
        while (len && isspace((unsigned char)s[len - 1])) s[--len] = 0;
        while (*s == ' ' || *s == '\t') { s++; len--; }
        if (len) { memmove(line, s, len + 1); found = 1; break; }
    }
    fclose(f);
    if (!found) return asim_err_set(err, ASIM_EINPUT, "%s: empty trace (no records)", path);
    if (line[0] == '{' || line[0] == '[') { *fmt = ASIM_TRACE_PROMETHEUS; return 0; }
    const char *lb = strchr(line, '['), *rb = lb ? strchr(lb, ']') : NULL;
    int64_t ns;
    int tz;
    if (lb && rb && strstr(rb, "\"") &&
        asim_time_parse_clf(lb + 1, (size_t)(rb - lb - 1), &ns, &tz) == 0) {
        *fmt = ASIM_TRACE_ACCESS_LOG;
        return 0;
    }
    struct csv_parser p;
    sniff s = { 0, { "", "" } };
    csv_init(&p, CSV_APPEND_NULL);
    csv_parse(&p, line, len, sniff_field, sniff_row, &s);
    csv_fini(&p, sniff_field, sniff_row, &s);
    csv_free(&p);
    if (s.nf == 1) { *fmt = ASIM_TRACE_TIMESTAMPS; return 0; }
    if (s.nf >= 2 && asim_time_parse_any(s.f[0], strlen(s.f[0]), ASIM_NS_PER_SEC, &ns, &tz) != 0) {
        /* a header: name the second column */
        if (contains_ci(s.f[1], "count") || contains_ci(s.f[1], "requests") || strcasecmp(s.f[1], "n") == 0) {
            *fmt = ASIM_TRACE_COUNTS;
            return 0;
        }
        if (contains_ci(s.f[1], "rate") || contains_ci(s.f[1], "rps") || contains_ci(s.f[1], "qps") ||
            contains_ci(s.f[1], "value")) {
            *fmt = ASIM_TRACE_RATES;
            return 0;
        }
        if (contains_ci(s.f[1], "path") || contains_ci(s.f[1], "url") || contains_ci(s.f[1], "class") ||
            contains_ci(s.f[1], "endpoint")) {
            *fmt = ASIM_TRACE_TIMESTAMPS;
            return 0;
        }
    }
    return asim_err_set(err, ASIM_EINPUT, "%s: cannot tell the trace format from its first line "
                        "(set format to one of: timestamps, counts, rates, access_log, prometheus; "
                        "a CSV header with a column named count or rate also tells)", path);
}
