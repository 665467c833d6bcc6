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
 *    parsing); a longer one is read again from the file.
 *
 * The per-format parsers live beside this file (trace_reader.h lists them). */
#include "models/trace/trace_reader.h"
#include "models/trace/trace_spec.h"
#include "sim/engine/timefmt.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------------
 * Names and options
 * --------------------------------------------------------------------- */

static const char *const format_names[] = {
    "auto", "timestamps", "counts", "rates", "access_log", "prometheus",
    "nginx_json", "gcp_lb", "alb", "jtl", "k6", "locust"
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
    return "auto, timestamps, counts, rates, access_log, prometheus, nginx_json, gcp_lb, alb, jtl, k6, locust";
}

int asim_trace_is_stages(asim_trace_format f)
{
    return f == ASIM_TRACE_K6 || f == ASIM_TRACE_LOCUST;
}

int asim_trace_is_rate(asim_trace_format f)
{
    return f == ASIM_TRACE_COUNTS || f == ASIM_TRACE_RATES || f == ASIM_TRACE_PROMETHEUS ||
           asim_trace_is_stages(f);
}

/* Formats read whole into points (r->pts) when the reader opens. */
static int in_memory(asim_trace_format f)
{
    return f == ASIM_TRACE_PROMETHEUS || asim_trace_is_stages(f);
}

/* Formats parsed by libcsv (the others are read line by line). */
static int is_csv(asim_trace_format f)
{
    return f == ASIM_TRACE_TIMESTAMPS || f == ASIM_TRACE_COUNTS || f == ASIM_TRACE_RATES ||
           f == ASIM_TRACE_JTL;
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
    o->filter = &s->filter;
    o->latency_field = s->latency_field;
    o->latency_unit = s->latency_unit;
    o->user_rate = s->user_rate;
}

/* ---------------------------------------------------------------------
 * Errors
 * --------------------------------------------------------------------- */

int trace_fail_rc(asim_trace_reader *r, int rc, long line, const char *fmt, ...)
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
int trace_bad(asim_trace_reader *r, long line, const char *fmt, ...)
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
    return trace_fail_rc(r, ASIM_EINPUT, line, "%s", msg);
}

/* Printable excerpt of a field for messages. */
const char *trace_excerpt(const char *s, size_t len, char *buf, size_t cap)
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
int trace_order_push(asim_trace_reader *r, const asim_trace_rec *rec)
{
    int rate = asim_trace_is_rate(r->o.format);
    if (!r->have_first) { r->first_t = rec->t; r->first_tz = rec->tz_offset; r->have_first = 1; }
    if (r->have_last && (rate ? rec->t <= r->last_t : rec->t < r->last_t)) {
        char a[80], b[80];
        seconds_text(r, rec->t, rec->tz_offset, a, sizeof a);
        seconds_text(r, r->last_t, rec->tz_offset, b, sizeof b);
        if (rate)
            return trace_bad(r, rec->line, "timestamp %s is not after the previous row's, %s on line %ld: "
                       "points must be in strictly increasing time order", a, b, r->last_line);
        return trace_bad(r, rec->line, "timestamp %s is %.3f s before the previous record's, %s on line %ld: "
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
                if (trace_bad(r, at, "line longer than %u bytes", ASIM_TRACE_LINE_MAX) < 0) return -1;
                continue;
            }
            r->cap *= 2;
            r->buf = asim_realloc(r->buf, r->cap);
        }
        long got = trace_input_read(r, r->buf + r->end, r->cap - r->end);
        if (got < 0) return -1;
        r->end += (size_t)got;
        if (got == 0) r->eof = 1;
    }
}

/* ---------------------------------------------------------------------
 * Reader
 * --------------------------------------------------------------------- */

int trace_read_all(asim_trace_reader *r, char **out, size_t *n)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = asim_malloc(cap + 1);
    for (;;) {
        if (len == cap) {
            if (cap >= PROM_MAX_BYTES) {
                asim_free(buf);
                return trace_fail_rc(r, ASIM_EINPUT, 0, "larger than %zu bytes", PROM_MAX_BYTES);
            }
            cap *= 2;
            buf = asim_realloc(buf, cap + 1);
        }
        long got = trace_input_read(r, buf + len, cap - len);
        if (got < 0) {
            asim_free(buf);
            return -1;
        }
        len += (size_t)got;
        if (got == 0) break;
    }
    buf[len] = 0;
    *out = buf;
    *n = len;
    return 0;
}

cJSON *trace_read_json(asim_trace_reader *r, size_t max)
{
    char *text = NULL;
    size_t n = 0;
    if (trace_read_all(r, &text, &n) < 0) return NULL;
    if (n > max) {
        asim_free(text);
        trace_fail_rc(r, ASIM_EINPUT, 0, "larger than %zu bytes", max);
        return NULL;
    }
    const char *text_end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, n, &text_end, 0);
    if (!root) {
        size_t off = text_end ? (size_t)(text_end - text) : 0;
        long line = 1;
        for (size_t i = 0; i < off && i < n; i++) line += text[i] == '\n';
        trace_fail_rc(r, ASIM_EINPUT, line, "not valid JSON (near byte %zu)", off);
    }
    asim_free(text);
    return root;
}

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
    r->caching = !in_memory(o->format);   /* those are in memory anyway */
    r->span_from = INT64_MIN;
    r->span_to = INT64_MAX;
    int bad_fmt = o->format == ASIM_TRACE_AUTO || (unsigned)o->format > ASIM_TRACE_LOCUST;
    if (bad_fmt) {
        trace_fail_rc(r, ASIM_EINPUT, 0, "format %s: resolve it before opening", asim_trace_format_name(o->format));
    } else if (trace_filter_open(r) < 0 || trace_input_open(r) < 0) {
        /* failed */
    } else if (o->format == ASIM_TRACE_PROMETHEUS) {
        trace_prom_load(r);
    } else if (asim_trace_is_stages(o->format)) {
        trace_stages_load(r);
    } else {
        r->cap = LINEBUF_INIT;
        r->buf = asim_malloc(r->cap);
        if (is_csv(o->format)) trace_csv_reset(r);
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
    trace_input_close(r);
    trace_filter_close(r);
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
            if (is_csv(r->o.format) && trace_csv_finish(r) < 0) return -1;
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
        switch (r->o.format) {
        case ASIM_TRACE_ACCESS_LOG: trace_clf_line(r, line, len); break;
        case ASIM_TRACE_NGINX_JSON:
        case ASIM_TRACE_GCP_LB: trace_json_line(r, line, len); break;
        case ASIM_TRACE_ALB: trace_alb_line(r, line, len); break;
        default: trace_csv_feed(r, line, len); break;
        }
    }
    return r->rc ? -1 : 0;
}

static int next_record(asim_trace_reader *r, asim_trace_rec *rec, asim_err *err);

/* A record leaves the reader: its logged latency joins the histogram (first
 * pass, inside the span).  Done on delivery, not on peek, so the span set
 * after peeking the first record applies to it too. */
static void account(asim_trace_reader *r, const asim_trace_rec *rec)
{
    if (r->pass == 0 && isfinite(rec->latency) && rec->t >= r->span_from && rec->t < r->span_to) {
        if (!r->lat) r->lat = asim_hist_create();
        asim_hist_add(r->lat, rec->latency);
    }
}

int asim_trace_next(asim_trace_reader *r, asim_trace_rec *rec, asim_err *err)
{
    if (r->have_peek) {
        *rec = r->peeked;
        r->have_peek = 0;
        account(r, rec);
        return 1;
    }
    if (r->cached && r->pass > 0) {
        if (r->icache == r->ncache) return 0;
        *rec = r->cache[r->icache++];
        return 1;
    }
    int k = next_record(r, rec, err);
    if (k == 1 && !r->in_peek) account(r, rec);
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
        if (in_memory(r->o.format)) {
            if (r->ipts < r->npts) {
                rec->t = r->pts[r->ipts].t;
                rec->value = r->pts[r->ipts].v;
                rec->cls = -1;
                rec->tz_offset = 0;
                rec->line = 0;
                rec->latency = NAN;
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
                trace_fail_rc(r, ASIM_EINPUT, 0, "no valid records: all %llu were skipped; the first: %s",
                        (unsigned long long)r->skipped, r->first_skip);
            else if (r->filtered)
                trace_fail_rc(r, ASIM_EINPUT, 0, "no records left: the filters dropped all %llu requests",
                              (unsigned long long)r->filtered);
            else
                trace_fail_rc(r, ASIM_EINPUT, 0, "empty trace (no records)");
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
        r->in_peek = 1;
        int k = asim_trace_next(r, &r->peeked, err);
        r->in_peek = 0;
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
    if (in_memory(r->o.format)) {
        r->ipts = 0;
        return 0;
    }
    if (!r->own_f || fseek(r->f, 0, SEEK_SET) != 0)
        return asim_err_set(err, ASIM_ERUNTIME, "%s: cannot rewind the trace to loop it%s",
                            r->name, r->own_f ? "" : " (standard input)");
    clearerr(r->f);
    trace_input_rewind(r);
    r->beg = r->end = 0;
    r->eof = r->discarding = 0;
    r->lineno = 0;
    r->input_done = 0;
    r->header_seen = 0;
    r->dcache_len = 0;
    if (is_csv(r->o.format)) trace_csv_reset(r);
    return 0;
}

uint64_t asim_trace_records(const asim_trace_reader *r) { return r->records; }
uint64_t asim_trace_skipped(const asim_trace_reader *r) { return r->skipped; }
uint64_t asim_trace_lines(const asim_trace_reader *r) { return r->lines; }
const char *asim_trace_first_skip(const asim_trace_reader *r) { return r->first_skip; }
const char *asim_trace_name(const asim_trace_reader *r) { return r->name; }
uint64_t asim_trace_filtered(const asim_trace_reader *r) { return r->filtered; }
int asim_trace_filtering(const asim_trace_reader *r) { return r->flt.on; }
const asim_hist *asim_trace_latency(const asim_trace_reader *r) { return r->lat; }

void asim_trace_set_span(asim_trace_reader *r, int64_t from, int64_t to)
{
    r->span_from = from;
    r->span_to = to;
}
