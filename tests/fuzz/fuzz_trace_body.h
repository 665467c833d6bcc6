/* fuzz_trace_body.h -- what the trace fuzz harnesses do with one input,
 * shared with tests/test_trace.c, which replays the crashers kept under
 * tests/fuzz/regress/ through every body.
 *
 * The first input byte picks reader options (delimiter, header, on_error,
 * reorder window, columns); the rest is the file.  A body must return
 * normally for any input: a record stream or an error message, never a
 * crash, a leak, a hang, or a record out of time order. */
#ifndef ASIM_FUZZ_TRACE_BODY_H
#define ASIM_FUZZ_TRACE_BODY_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/trace/trace_transform.h"

static inline int fuzz_classify(void *ctx, const char *path, size_t len)
{
    (void)ctx;
    return len >= 4 && memcmp(path, "/api", 4) == 0 ? 1 : 0;
}

static inline void fuzz_opts(asim_trace_opts *o, asim_trace_format f, uint8_t sel)
{
    static const char delims[] = { ',', ';', '\t', '|' };
    asim_trace_opts_init(o, f);
    o->delimiter = delims[sel & 3];
    o->header = (sel >> 2) % 3;
    o->on_error = (sel >> 4) & 1;
    o->reorder_window = (sel & 0x20) ? 2.5 : 0;
    o->time_unit_ns = (sel & 0x40) ? 1000000 : 1000000000;
    if (sel & 0x80) { o->time_column = "ts"; o->value_column = "2"; o->class_column = "path"; }
    o->classify = fuzz_classify;
}

/* Read every record twice (a rewind between), close the reader; the count.
 * Aborts (a finding) if records go back in time (or repeat one, for rates). */
static inline long fuzz_drain(asim_trace_reader *r, int rate)
{
    asim_trace_rec rec;
    asim_err err;
    long n = 0;
    int k;
    for (int pass = 0; pass < 2; pass++) {
        int64_t last = INT64_MIN;
        while ((k = asim_trace_next(r, &rec, &err)) == 1) {
            if (rec.t < last || (rate && rec.t == last)) abort();
            last = rec.t;
            n++;
        }
        if (k < 0 || asim_trace_rewind(r, &err) != 0) break;
    }
    asim_trace_close(r);
    return n;
}

/* Read every record of data as format f; returns the number read or -rc.
 * Aborts (a finding) if records go back in time. */
static inline long fuzz_trace_read(const uint8_t *data, size_t size, asim_trace_format f)
{
    if (size < 1) return 0;
    asim_trace_opts o;
    fuzz_opts(&o, f, data[0]);
    FILE *mf = size > 1 ? fmemopen((void *)(data + 1), size - 1, "rb") : tmpfile();
    if (!mf) return 0;
    int rc;
    asim_err err;
    asim_trace_reader *r = asim_trace_open_stream(mf, "fuzz", &o, &rc, &err);
    if (!r) return -rc;
    return fuzz_drain(r, asim_trace_is_rate(f));
}

/* The real-world readers (gzip, JSON logs, ALB, JTL, k6, Locust, access logs
 * with latency fields) with filters: data[0] picks the format and reorder
 * window, data[1] the filters and latency options; the rest is the file
 * (inflated first when it starts with gzip's magic).  Returns the records
 * read, or -rc.  Aborts if records go back in time. */
static inline long fuzz_trace_inputs(const uint8_t *data, size_t size)
{
    static const asim_trace_format fmts[8] = {
        ASIM_TRACE_ACCESS_LOG, ASIM_TRACE_NGINX_JSON, ASIM_TRACE_GCP_LB, ASIM_TRACE_ALB,
        ASIM_TRACE_JTL, ASIM_TRACE_K6, ASIM_TRACE_LOCUST, ASIM_TRACE_NGINX_JSON
    };
    static const char *const statuses[4] = { "", "2xx,3xx", "!5xx", "200-399,404" };
    static const char *const lat_fields[4] = { "", "1", "2", "request_time" };
    if (size < 2) return 0;
    uint8_t a = data[0], b = data[1];
    asim_trace_format f = fmts[a & 7];
    asim_trace_filter flt;
    memset(&flt, 0, sizeof flt);
    snprintf(flt.status, sizeof flt.status, "%s", statuses[b & 3]);
    if (b & 4) snprintf(flt.path, sizeof flt.path, "/api/.*");
    if ((b & 8) && f != ASIM_TRACE_JTL) snprintf(flt.method, sizeof flt.method, "GET,POST");
    if ((b & 16) && f != ASIM_TRACE_JTL) snprintf(flt.user_agent, sizeof flt.user_agent, "(?i:.*bot.*)");
    int request = !asim_trace_is_rate(f);
    asim_trace_opts o;
    asim_trace_opts_init(&o, f);
    o.on_error = (a >> 3) & 1;
    o.reorder_window = (a & 0x10) ? 2.5 : 0;
    o.filter = request ? &flt : NULL;
    o.latency_field = f == ASIM_TRACE_ACCESS_LOG ? lat_fields[(b >> 5) & 1] :
                      f == ASIM_TRACE_NGINX_JSON ? lat_fields[2 + ((b >> 5) & 1)] : "";
    o.latency_unit = (b >> 6) & 3;
    o.user_rate = (a & 0x20) ? 0.5 : 0;
    o.classify = fuzz_classify;
    FILE *mf = size > 2 ? fmemopen((void *)(data + 2), size - 2, "rb") : tmpfile();
    if (!mf) return 0;
    int rc;
    asim_err err;
    asim_trace_reader *r = asim_trace_open_stream(mf, "fuzz", &o, &rc, &err);
    if (!r) return -rc;
    return fuzz_drain(r, !request);
}

/* The input as a file replayed through a transformed trace source: up to
 * 5000 arrivals within 2*10^4 s, with the transformation picked by data[0]. */
static inline long fuzz_trace_source(const uint8_t *data, size_t size, asim_trace_format f)
{
    if (size < 2) return 0;
    char path[] = "/tmp/asim-fuzz-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    size_t off = 0;
    while (off < size - 2) {
        ssize_t w = write(fd, data + 2 + off, size - 2 - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    close(fd);
    uint8_t a = data[0], b = data[1];
    asim_trace_spec sp;
    asim_trace_spec_defaults(&sp);
    snprintf(sp.name, sizeof sp.name, "fuzz");
    snprintf(sp.path, sizeof sp.path, "%s", path);
    sp.format = f;
    sp.on_error = (a & 1) ? ASIM_ONERR_SKIP : ASIM_ONERR_FAIL;
    sp.interpolation = (a >> 1) & 1;
    sp.loop = (a >> 2) & 1;
    sp.multiplier = (a & 0x08) ? 2.5 : (a & 0x10) ? 0.3 : 1;
    sp.speedup = (a & 0x20) ? 60 : 1;
    sp.speedup_rate = (a >> 6) & 1;
    sp.resolution = (a & 0x80) ? 1 : -1;
    sp.interval = (b & 1) ? 30 : 0;
    sp.reorder_window = (b & 2) ? 3 : 0;
    if (b & 4) { sp.window_from.kind = ASIM_WHEN_REL; sp.window_from.sec = (b >> 4) * 7.0; }
    if (b & 8) { sp.window_to.kind = ASIM_WHEN_REL; sp.window_to.sec = 100 + (b >> 4) * 50.0; }
    if (sp.window_from.kind && sp.window_to.kind && sp.window_to.sec <= sp.window_from.sec)
        sp.window_to.kind = ASIM_WHEN_NONE;
    sp.duration = (b & 0x40) ? 500 : 0;
    asim_trace_cfg lc;
    memset(&lc, 0, sizeof lc);
    asim_load_event ev[3] = { { 5, ASIM_LOAD_INCREASE }, { 10, ASIM_LOAD_SPIKE }, { 40, ASIM_LOAD_DECREASE } };
    lc.load_events = ev;
    lc.nload_events = (b & 0x80) ? 3 : 0;
    lc.load_increase = 2;
    lc.load_decrease = 4;
    lc.load_spike = 3;
    lc.load_spike_duration = 10;
    lc.load_min = 0.0625;
    lc.load_max = 16;
    asim_load_schedule load;
    asim_load_schedule_build(&lc, &load);
    asim_trace_source_params p;
    memset(&p, 0, sizeof p);
    p.spec = &sp;
    p.path = path;
    p.seed = 7;
    p.fixed_class = -1;
    p.classify = fuzz_classify;
    p.load = &load;
    int rc;
    asim_err err;
    asim_source *s = asim_trace_source_create(&p, &rc, &err);
    long n = 0;
    if (s) {
        asim_time last = 0, t;
        int cls;
        while (n < 5000 && (t = asim_source_next(s, last, &cls)) != ASIM_TIME_MAX) {
            if (t < last) abort();
            if (t > (asim_time)20000 * ASIM_NS_PER_SEC) break;
            if (n % 997 == 0) (void)asim_source_rate(s, t);
            last = t;
            n++;
        }
        (void)asim_trace_source_error(s, &err);
        asim_source_destroy(s);
    }
    asim_load_schedule_free(&load);
    unlink(path);
    return n;
}

#endif
