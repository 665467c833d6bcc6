/* cmd_trace.c -- `autoscale-sim trace`: look at a traffic trace, or convert
 * it to another format.
 *
 *   trace stats FILE            duration, requests, mean and peak rate at 1 s
 *                               and 1 min, burstiness (peak-to-mean, index of
 *                               dispersion of counts, inter-arrival cv)
 *   trace convert IN OUT --to F timestamps, counts, rates, access_log, prometheus
 *
 * Both stream: memory does not grow with the trace (a Prometheus output is a
 * cJSON tree of one point per --interval).  Request traces are binned from
 * their records; rate traces are integrated exactly over each bin (counts of
 * a rate trace are expected counts), and sampled as a Poisson process when
 * converted to requests (--seed).
 *
 * Bins are aligned to whole multiples of the bin width in the trace's own
 * time (epoch seconds for dated traces), so 60 s bins start on the minute. */
#include "sim/cli/commands.h"

#include <getopt.h>
#include <stdint.h>
#include <sys/stat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include <gsl/gsl_rstat.h>

#include "sim/cli/cli.h"
#include "sim/engine/output.h"
#include "models/trace/trace_transform.h"
#include "sim/engine/timefmt.h"
#include "sim/run/budget.h"
#include "sim/engine/stats.h"
#include "sim/config/settings.h"

typedef struct topts {
    asim_trace_spec spec;
    int json;
    double interval;              /* convert: bin width (s); 0 = by output format */
    asim_trace_format to;
    int have_to;
    uint64_t seed;
    int rfc3339;
    int force;                    /* convert: write even above the size limit */
} topts;

static void usage(FILE *f)
{
    fputs("usage: autoscale-sim trace stats FILE [options]\n"
          "       autoscale-sim trace convert IN OUT --to FORMAT [options]\n"
          "\n"
          "stats:    duration, requests, mean and peak rate (1 s and 1 min), burstiness:\n"
          "          peak-to-mean, index of dispersion of the counts per 1 s and per 1 min\n"
          "          (variance / mean: 1 for a Poisson process, more when bursty) and,\n"
          "          for request timestamps, the coefficient of variation of inter-arrivals.\n"
          "convert:  between the trace formats; OUT '-' is standard output.  Request\n"
          "          traces are binned into counts/rates/prometheus; rate traces are\n"
          "          integrated over each bin, or sampled as a Poisson process into\n"
          "          timestamps/access_log.\n"
          "\n"
          "FORMAT: timestamps, counts, rates, access_log, prometheus; input also: auto, nginx_json,\n"
          "        gcp_lb, alb, jtl, k6, locust (doc/traces.md); gzip input is inflated\n"
          "\n"
          "options:\n"
          "  -f, --format F          the input's format (default: detected from its first line)\n"
          "      --to F              convert: the output's format\n"
          "      --interval S        convert: bin width in seconds for counts/rates/prometheus\n"
          "                          (default 60; 15 for prometheus)\n"
          "      --time-format T     convert: timestamps in CSV output: seconds (default) or rfc3339\n"
          "      --seed N            convert: seed for sampling a rate trace into requests (default 1)\n"
          "      --force             convert: write even when the output is estimated above 8 GiB\n"
          "      --on-error E        fail (default) or skip bad lines (counted and reported)\n"
          "      --max-skip-fraction F  with --on-error skip: skipping more than this share\n"
          "                          of the lines is an error (default 0.01)\n"
          "      --reorder-window S  request traces: records up to S seconds late are put\n"
          "                          back in order (default 60; 0: they must be in order)\n"
          "      --delimiter C       CSV delimiter of the input (default ','; 'tab' for a tab)\n"
          "      --time-column C     CSV column of the time: a header name or a number from 1\n"
          "      --value-column C    CSV column of the count or rate (default 2)\n"
          "      --time-unit U       unit of numeric timestamps: s (default), ms, us, ns\n"
          "      --interpolation I   rate inputs: constant (default) or linear between points\n"
          "      --filter K=V        request traces: keep only status=2xx,3xx | path=RE2 | method=GET,POST |\n"
          "                          user_agent=RE2 (repeatable; doc/traces.md#request-filters)\n"
          "      --latency-field F   where the log keeps the latency (stats prints its distribution)\n"
          "      --latency-unit U    auto (default), s, ms, us\n"
          "      --user-rate R       k6/locust: requests per second per VU/user (default 1)\n"
          "      --json              stats: print JSON\n"
          "  -h, --help              this help\n"
          "\n"
          "Exit status: 0 ok, 1 runtime error, 2 bad input or usage.\n", f);
}

/* "autoscale-sim trace: error: ..." on stderr; returns rc. */
#define fail(rc, ...) asim_cli_error("trace", rc, __VA_ARGS__)

/* ---- shared ------------------------------------------------------------ */

/* An opened input: an event trace (rd) or a rate series (it), the other
 * NULL. */
typedef struct tinput {
    asim_trace_reader *rd;
    asim_rate_iter *it;
} tinput;

static void close_input(tinput *in)
{
    asim_trace_close(in->rd);
    asim_rate_iter_close(in->it);
}

static int open_input(topts *o, const char *path, tinput *in)
{
    asim_trace_reader **rd = &in->rd;
    asim_rate_iter **it = &in->it;
    asim_err err;
    int rc = 0;
    snprintf(o->spec.path, sizeof o->spec.path, "%s", path);
    snprintf(o->spec.name, sizeof o->spec.name, "trace");
    if (o->spec.format == ASIM_TRACE_AUTO) {
        if (strcmp(path, "-") == 0)
            return fail(2, "give --format when reading standard input");
        if (asim_trace_detect(path, &o->spec.format, &err) != 0) return fail(2, "%s", err.msg);
    }
    if (o->spec.on_error == ASIM_ONERR_INHERIT) o->spec.on_error = ASIM_ONERR_FAIL;
    if (asim_trace_is_stages(o->spec.format)) o->spec.interpolation = ASIM_INTERP_LINEAR;
    *rd = NULL;
    *it = NULL;
    if (asim_trace_is_rate(o->spec.format)) {
        *it = asim_rate_iter_open(&o->spec, path, NULL, NULL, &rc, &err);
        if (!*it) return fail(rc ? rc : 2, "%s", err.msg);
    } else {
        asim_trace_opts opts;
        asim_trace_opts_from_spec(&opts, &o->spec);
        *rd = asim_trace_open(path, &opts, &rc, &err);
        if (!*rd) return fail(rc ? rc : 2, "%s", err.msg);
    }
    return 0;
}

static double max_skip_fraction = 0.01;     /* --max-skip-fraction */

/* Too many skipped lines is an error (exit 2); fewer are a warning. */
static int check_skips(const asim_trace_reader *rd)
{
    asim_err err;
    if (asim_trace_check_skips(rd, max_skip_fraction, &err) != 0) return fail(2, "%s", err.msg);
    return 0;
}

static void report_skips(const asim_trace_reader *rd)
{
    if (asim_trace_skipped(rd))
        fprintf(stderr, "autoscale-sim trace: warning: skipped %llu bad line(s); the first: %s\n",
                (unsigned long long)asim_trace_skipped(rd), asim_trace_first_skip(rd));
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* Exact decimal seconds of ns ("1705312800.25", "-0.5"). */
static void fmt_seconds(int64_t ns, char *buf, size_t len)
{
    int neg = ns < 0;
    uint64_t a = neg ? (uint64_t)(-(ns + 1)) + 1 : (uint64_t)ns;
    uint64_t s = a / 1000000000u, f = a % 1000000000u;
    if (!f) { snprintf(buf, len, "%s%llu", neg ? "-" : "", (unsigned long long)s); return; }
    char fr[16];
    snprintf(fr, sizeof fr, "%09llu", (unsigned long long)f);
    for (int i = 8; i > 0 && fr[i] == '0'; i--) fr[i] = 0;
    snprintf(buf, len, "%s%llu.%s", neg ? "-" : "", (unsigned long long)s, fr);
}

/* Integral of a linear rate over [x, y] inside piece p. */
static double piece_mass(const asim_rate_piece *p, double x, double y)
{
    double w = p->b - p->a;
    double rx = w > 0 ? p->ra + (p->rb - p->ra) * (x - p->a) / w : p->ra;
    double ry = w > 0 ? p->ra + (p->rb - p->ra) * (y - p->a) / w : p->ra;
    return 0.5 * (rx + ry) * (y - x);
}

/* Counts per bin, streamed: bins are [k w, (k+1) w) for integer k. */
typedef struct binner {
    double width;
    int started;
    int64_t k;             /* current bin */
    double count;
    /* statistics over all bins from the first to the last */
    uint64_t nbins;
    double sum, sumsq, max;
    /* output hook, called for each closed bin (may be NULL) */
    int (*emit)(void *ctx, int64_t k, double count);
    void *ctx;
    int rc;
} binner;

static void bin_close(binner *b, int64_t k, double c)
{
    b->nbins++;
    b->sum += c;
    b->sumsq += c * c;
    if (c > b->max) b->max = c;
    if (b->emit && !b->rc) b->rc = b->emit(b->ctx, k, c);
}

/* Move to bin k (>= current), closing the bins in between (empty ones too). */
static void bin_goto(binner *b, int64_t k)
{
    if (!b->started) { b->started = 1; b->k = k; b->count = 0; return; }
    while (b->k < k) {
        if (b->rc) { b->k = k; break; }        /* the writer failed: stop here */
        bin_close(b, b->k, b->count);
        b->count = 0;
        b->k++;
        if (!b->emit && b->k < k) {            /* only statistics: skip empties in bulk */
            uint64_t gap = (uint64_t)(k - b->k);
            b->nbins += gap;
            b->k = k;
        }
    }
}

static void bin_finish(binner *b)
{
    if (b->started) bin_close(b, b->k, b->count);
}

static double bin_mean(const binner *b) { return b->nbins ? b->sum / (double)b->nbins : NAN; }

static double bin_var(const binner *b)
{
    if (b->nbins < 2) return NAN;
    double m = bin_mean(b);
    double v = (b->sumsq - (double)b->nbins * m * m) / (double)(b->nbins - 1);
    return v > 0 ? v : 0;
}

/* Add the rate pieces' mass into a binner; x0 is the offset of piece time 0
 * in seconds (bins align to absolute multiples of the width). */
static void bin_piece(binner *b, const asim_rate_piece *p, double x0)
{
    double x = p->a;
    while (x < p->b && !b->rc) {
        int64_t k = (int64_t)floor((x + x0) / b->width);
        double end = (double)(k + 1) * b->width - x0;
        if (end <= x) end = x + b->width * 1e-9;    /* rounding at a boundary */
        double y = end < p->b ? end : p->b;
        bin_goto(b, k);
        b->count += piece_mass(p, x, y);
        x = y;
    }
}

/* ---- stats ------------------------------------------------------------- */

typedef struct tstats {
    const char *file;
    asim_trace_format format;
    int interp;
    int64_t first, last;          /* ns */
    int tz;
    double duration;              /* s */
    uint64_t records, skipped;
    double requests;
    binner b1, b60;
    double iat_cv;                /* NaN unless request timestamps */
    double peak_rate;             /* rate traces: max instantaneous rate */
    const asim_hist *lat;         /* logged latencies (request traces that carry them) */
} tstats;

static void print_stats(const tstats *s, int json)
{
    double mean = s->duration > 0 ? s->requests / s->duration : NAN;
    double peak1 = asim_trace_is_rate(s->format) ? s->b1.max : s->b1.max;
    double peak60 = s->b60.max / 60.0;
    double idx1 = 1 + (asim_trace_is_rate(s->format) ? bin_var(&s->b1) / bin_mean(&s->b1) : 0);
    double idx60 = 1 + (asim_trace_is_rate(s->format) ? bin_var(&s->b60) / bin_mean(&s->b60) : 0);
    if (!asim_trace_is_rate(s->format)) {
        idx1 = bin_var(&s->b1) / bin_mean(&s->b1);
        idx60 = bin_var(&s->b60) / bin_mean(&s->b60);
    }
    char a[48], b[48];
    asim_time_format_rfc3339(s->first, s->tz, a, sizeof a);
    asim_time_format_rfc3339(s->last, s->tz, b, sizeof b);
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", s->file);
        cJSON_AddStringToObject(o, "format", asim_trace_format_name(s->format));
        cJSON_AddStringToObject(o, "start", a);
        cJSON_AddStringToObject(o, "end", b);
        cJSON_AddNumberToObject(o, "duration", s->duration);
        cJSON_AddNumberToObject(o, "records", (double)s->records);
        cJSON_AddNumberToObject(o, "skipped_lines", (double)s->skipped);
        cJSON_AddNumberToObject(o, "requests", s->requests);
        cJSON_AddNumberToObject(o, "mean_rate", mean);
        cJSON_AddNumberToObject(o, "peak_rate_1s", peak1);
        cJSON_AddNumberToObject(o, "peak_rate_1m", peak60);
        cJSON_AddNumberToObject(o, "peak_to_mean_1s", peak1 / mean);
        cJSON_AddNumberToObject(o, "peak_to_mean_1m", peak60 / mean);
        if (isfinite(idx1)) cJSON_AddNumberToObject(o, "dispersion_1s", idx1);
        else cJSON_AddNullToObject(o, "dispersion_1s");
        if (isfinite(idx60)) cJSON_AddNumberToObject(o, "dispersion_1m", idx60);
        else cJSON_AddNullToObject(o, "dispersion_1m");
        if (isfinite(s->iat_cv)) cJSON_AddNumberToObject(o, "interarrival_cv", s->iat_cv);
        else cJSON_AddNullToObject(o, "interarrival_cv");
        if (s->lat) {
            cJSON *l = cJSON_AddObjectToObject(o, "latency");
            cJSON_AddNumberToObject(l, "count", (double)asim_hist_count(s->lat));
            cJSON_AddNumberToObject(l, "mean", asim_hist_mean(s->lat));
            cJSON_AddNumberToObject(l, "p50", asim_hist_quantile(s->lat, 0.5));
            cJSON_AddNumberToObject(l, "p95", asim_hist_quantile(s->lat, 0.95));
            cJSON_AddNumberToObject(l, "p99", asim_hist_quantile(s->lat, 0.99));
            cJSON_AddNumberToObject(l, "max", asim_hist_max(s->lat));
        }
        char *txt = cJSON_Print(o);
        puts(txt);
        cJSON_free(txt);
        cJSON_Delete(o);
        return;
    }
    printf("file          %s\n", s->file);
    printf("format        %s%s\n", asim_trace_format_name(s->format),
           asim_trace_is_rate(s->format) ?
           (s->interp == ASIM_INTERP_LINEAR ? " (a rate, linear between points)" : " (a rate, constant between points)") :
           " (one request per record)");
    printf("start         %s\n", a);
    printf("end           %s\n", b);
    printf("duration      %.10g s (%.3g h)\n", s->duration, s->duration / 3600);
    printf("records       %llu (%llu bad lines skipped)\n", (unsigned long long)s->records,
           (unsigned long long)s->skipped);
    printf("requests      %.10g%s\n", asim_trace_is_rate(s->format) ? round(s->requests * 1000) / 1000 : s->requests,
           asim_trace_is_rate(s->format) ? " (expected)" : "");
    printf("mean rate     %.4g req/s\n", mean);
    printf("peak rate     %.4g req/s over 1 s, %.4g req/s over 1 min\n", peak1, peak60);
    printf("peak/mean     %.3g (1 s), %.3g (1 min)\n", peak1 / mean, peak60 / mean);
    printf("dispersion    %.3g (1 s), %.3g (1 min)   variance/mean of counts; 1 = Poisson\n", idx1, idx60);
    if (isfinite(s->iat_cv))
        printf("interarrival  cv %.3g   (1 = Poisson, > 1 bursty)\n", s->iat_cv);
    if (s->lat)
        printf("latency       %llu logged: mean %.4g s, p50 %.4g s, p95 %.4g s, p99 %.4g s, max %.4g s\n",
               (unsigned long long)asim_hist_count(s->lat), asim_hist_mean(s->lat),
               asim_hist_quantile(s->lat, 0.5), asim_hist_quantile(s->lat, 0.95),
               asim_hist_quantile(s->lat, 0.99), asim_hist_max(s->lat));
}

static int stats_events(tstats *st, asim_trace_reader *rd)
{
    asim_err err;
    asim_trace_rec rec;
    int k;
    gsl_rstat_workspace *iat = gsl_rstat_alloc();
    int64_t prev = 0;
    uint64_t n = 0;
    while ((k = asim_trace_next(rd, &rec, &err)) == 1) {
        if (n == 0) { st->first = rec.t; st->tz = rec.tz_offset; }
        else gsl_rstat_add(ASIM_TO_SEC(rec.t - prev), iat);
        prev = rec.t;
        st->last = rec.t;
        n++;
        bin_goto(&st->b1, floor_div(rec.t, ASIM_NS_PER_SEC));
        st->b1.count += 1;
        bin_goto(&st->b60, floor_div(rec.t, 60 * ASIM_NS_PER_SEC));
        st->b60.count += 1;
    }
    if (k < 0) {
        gsl_rstat_free(iat);
        return fail(-k, "%s", err.msg);
    }
    bin_finish(&st->b1);
    bin_finish(&st->b60);
    st->requests = (double)n;
    int whole = st->format == ASIM_TRACE_ACCESS_LOG;
    st->duration = ASIM_TO_SEC(st->last - st->first) + (whole ? 1 : 0);
    if (st->duration <= 0) st->duration = NAN;
    st->iat_cv = !whole && gsl_rstat_n(iat) > 1 && gsl_rstat_mean(iat) > 0 ?
                 gsl_rstat_sd(iat) / gsl_rstat_mean(iat) : NAN;
    gsl_rstat_free(iat);
    st->records = asim_trace_records(rd);
    st->skipped = asim_trace_skipped(rd);
    report_skips(rd);
    return check_skips(rd);
}

static int stats_rates(tstats *st, asim_rate_iter *it)
{
    asim_err err;
    asim_rate_piece p;
    int k;
    st->first = asim_rate_iter_origin(it, &st->tz);
    double x0 = ASIM_TO_SEC(st->first), end = 0;
    while ((k = asim_rate_iter_next(it, &p, &err)) == 1) {
        bin_piece(&st->b1, &p, x0);
        bin_piece(&st->b60, &p, x0);
        st->requests += piece_mass(&p, p.a, p.b);
        if (p.ra > st->peak_rate) st->peak_rate = p.ra;
        if (p.rb > st->peak_rate) st->peak_rate = p.rb;
        end = p.b;
    }
    if (k < 0) return fail(-k, "%s", err.msg);
    bin_finish(&st->b1);
    bin_finish(&st->b60);
    st->last = st->first + ASIM_SEC(end);
    st->duration = end;
    st->iat_cv = NAN;
    const asim_trace_reader *rd = asim_rate_iter_reader(it);
    st->records = asim_trace_records(rd);
    st->skipped = asim_trace_skipped(rd);
    report_skips(rd);
    return check_skips(rd);
}

static int cmd_stats(topts *o, const char *file)
{
    tinput in;
    int rc = open_input(o, file, &in);
    if (rc) return rc;
    tstats st;
    memset(&st, 0, sizeof st);
    st.file = file;
    st.format = o->spec.format;
    st.interp = o->spec.interpolation;
    st.b1.width = 1;
    st.b60.width = 60;
    rc = in.rd ? stats_events(&st, in.rd) : stats_rates(&st, in.it);
    if (in.rd) st.lat = asim_trace_latency(in.rd);
    if (rc == 0) print_stats(&st, o->json);
    close_input(&in);
    return rc;
}

/* ---- convert ------------------------------------------------------------- */

typedef struct writer {
    topts *o;
    FILE *f;
    asim_csv csv;
    cJSON *root, *values;
    int64_t origin;               /* ns: bin k starts at origin + k * width (rate inputs: 0) */
    double width;
    int tz;
    uint64_t rows;
    uint64_t max_rows;            /* the size limit in rows (UINT64_MAX with --force) */
} writer;

/* Output bytes per row: a CSV line, an access-log line, or (prometheus) the
 * cJSON nodes a point holds in memory until the end. */
static double row_bytes(asim_trace_format to)
{
    return to == ASIM_TRACE_PROMETHEUS ? 256 : to == ASIM_TRACE_ACCESS_LOG ? 64 : 24;
}

static int too_big(const topts *o, double rows)
{
    return fail(2, "the output would hold about %.3g %s (%.3g GB%s), above the limit of %.3g GB: use a wider "
                "--interval, or --force", rows, o->to == ASIM_TRACE_TIMESTAMPS || o->to == ASIM_TRACE_ACCESS_LOG ?
                "requests" : "bins", rows * row_bytes(o->to) / 1e9, o->to == ASIM_TRACE_PROMETHEUS ?
                " of memory" : "", ASIM_BUDGET_BYTES / 1e9);
}

static void write_time_field(writer *w, int64_t ns, int tz)
{
    char buf[64];
    if (w->o->rfc3339) asim_time_format_rfc3339(ns, tz, buf, sizeof buf);
    else fmt_seconds(ns, buf, sizeof buf);
    asim_csv_str(&w->csv, buf);
}

/* One request at ns. */
static int write_request(writer *w, int64_t ns, int tz)
{
    if (w->o->to == ASIM_TRACE_TIMESTAMPS) {
        write_time_field(w, ns, tz);
        asim_csv_end(&w->csv);
    } else {
        char date[48];
        asim_time_format_clf(ns, tz, date, sizeof date);
        fprintf(w->f, "127.0.0.1 - - [%s] \"GET / HTTP/1.1\" 200 0\n", date);
    }
    if (++w->rows > w->max_rows) return ASIM_EINPUT;
    return ferror(w->f) ? ASIM_ERUNTIME : 0;
}

/* One bin of `count` requests (may be fractional: expected counts). */
static int write_bin(void *ctx, int64_t k, double count)
{
    writer *w = ctx;
    int64_t t = w->origin + (int64_t)llround((double)k * w->width * 1e9);
    if (w->o->to == ASIM_TRACE_PROMETHEUS) {
        char v[40];
        asim_fmt_double(v, sizeof v, count / w->width);
        cJSON *pt = cJSON_CreateArray();
        cJSON_AddItemToArray(pt, cJSON_CreateNumber((double)(t / ASIM_NS_PER_MS) / 1000.0));
        cJSON_AddItemToArray(pt, cJSON_CreateString(v));
        cJSON_AddItemToArray(w->values, pt);
    } else {
        write_time_field(w, t, w->tz);
        asim_csv_num(&w->csv, w->o->to == ASIM_TRACE_COUNTS ? count : count / w->width);
        asim_csv_end(&w->csv);
    }
    if (++w->rows > w->max_rows) return ASIM_EINPUT;
    return ferror(w->f) ? ASIM_ERUNTIME : 0;
}

static int convert_body(writer *w, asim_trace_reader *rd, asim_rate_iter *it)
{
    topts *o = w->o;
    asim_err err;
    int k, rc = 0;
    int binned = !(o->to == ASIM_TRACE_TIMESTAMPS || o->to == ASIM_TRACE_ACCESS_LOG);
    if (binned) {
        binner b;
        memset(&b, 0, sizeof b);
        b.width = w->width;
        b.emit = write_bin;
        b.ctx = w;
        if (rd) {
            asim_trace_rec rec;
            int64_t wns = ASIM_SEC(w->width);
            int first = 1;
            while ((k = asim_trace_next(rd, &rec, &err)) == 1 && !b.rc) {
                if (first) { w->tz = rec.tz_offset; first = 0; }
                bin_goto(&b, floor_div(rec.t, wns));
                b.count += 1;
            }
            w->origin = 0;
        } else {
            asim_rate_piece p;
            int64_t origin = asim_rate_iter_origin(it, &w->tz);
            /* bins align to absolute multiples of the width; piece time 0 is origin */
            double x0 = ASIM_TO_SEC(origin);
            while ((k = asim_rate_iter_next(it, &p, &err)) == 1 && !b.rc) bin_piece(&b, &p, x0);
            w->origin = 0;
        }
        if (k < 0) return fail(-k, "%s", err.msg);
        bin_finish(&b);
        if (w->rows > w->max_rows) return too_big(o, (double)w->rows);
        return b.rc ? fail(b.rc, "%s: write error", o->spec.path) : 0;
    }
    if (rd) {
        asim_trace_rec rec;
        while ((k = asim_trace_next(rd, &rec, &err)) == 1 && !rc) rc = write_request(w, rec.t, rec.tz_offset);
        if (k < 0) return fail(-k, "%s", err.msg);
        if (w->rows > w->max_rows) return too_big(o, (double)w->rows);
        return rc ? fail(rc, "write error") : 0;
    }
    /* a rate trace into requests: sample it */
    asim_trace_source_params p;
    memset(&p, 0, sizeof p);
    p.spec = &o->spec;
    p.path = o->spec.path;
    p.seed = o->seed;
    p.fixed_class = -1;
    int src_rc = 0;
    asim_source *s = asim_trace_source_create(&p, &src_rc, &err);
    if (!s) return fail(src_rc ? src_rc : 2, "%s", err.msg);
    int tz;
    int64_t origin = asim_rate_iter_origin(it, &tz);
    int cls;
    asim_time t;
    while (!rc && (t = asim_source_next(s, 0, &cls)) != ASIM_TIME_MAX) rc = write_request(w, origin + t, tz);
    int serr = asim_trace_source_error(s, &err);
    asim_source_destroy(s);
    if (serr) return fail(serr, "%s", err.msg);
    if (w->rows > w->max_rows) return too_big(o, (double)w->rows);
    return rc ? fail(rc, "write error") : 0;
}

/* Before writing: the rows a conversion will write, from a first pass over
 * a regular input file (bins over its span, or the requests a rate trace
 * is sampled into), refused above the size limit unless --force, so a tiny
 * --interval fails at once instead of filling the disk.  Inputs that can be
 * read only once are bounded while writing (writer.max_rows). */
static int convert_budget(topts *o, const char *in, double width)
{
    struct stat sb;
    int binned = !(o->to == ASIM_TRACE_TIMESTAMPS || o->to == ASIM_TRACE_ACCESS_LOG);
    if (o->force || strcmp(in, "-") == 0 || stat(in, &sb) != 0 || !S_ISREG(sb.st_mode))
        return 0;
    tinput src;
    int rc = open_input(o, in, &src);
    if (rc) return rc;
    asim_trace_reader *rd = src.rd;
    asim_rate_iter *it = src.it;
    asim_err err;
    int k;
    double rows = 0;
    if (rd) {                                 /* requests: bins over the span */
        asim_trace_rec rec;
        int64_t first = 0, last = 0;
        int any = 0;
        while (binned && (k = asim_trace_next(rd, &rec, &err)) == 1) {
            if (!any) first = rec.t;
            any = 1;
            last = rec.t;
        }
        rows = any ? ASIM_TO_SEC(last - first) / width + 1 : 0;
    } else {                                  /* rates: bins over the span, or requests */
        asim_rate_piece p;
        double end = 0, mass = 0;
        while ((k = asim_rate_iter_next(it, &p, &err)) == 1) {
            mass += piece_mass(&p, p.a, p.b);
            end = p.b;
        }
        rows = binned ? end / width + 1 : mass;
    }
    close_input(&src);
    return rows * row_bytes(o->to) > ASIM_BUDGET_BYTES ? too_big(o, rows) : 0;
}

static int cmd_convert(topts *o, const char *in, const char *out)
{
    if (!o->have_to) return fail(2, "convert: give the output format with --to");
    if (o->to == ASIM_TRACE_AUTO) return fail(2, "convert: --to needs a format, not auto");
    if (o->to > ASIM_TRACE_PROMETHEUS)
        return fail(2, "convert: --to %s: the output is one of timestamps, counts, rates, access_log, prometheus "
                    "(the other formats are read only)", asim_trace_format_name(o->to));
    tinput src;
    double width = o->interval > 0 ? o->interval : o->to == ASIM_TRACE_PROMETHEUS ? 15 : 60;
    int rc = convert_budget(o, in, width);
    if (rc) return rc;
    if ((rc = open_input(o, in, &src)) != 0) return rc;
    writer w;
    memset(&w, 0, sizeof w);
    w.o = o;
    w.width = width;
    w.max_rows = o->force ? UINT64_MAX : (uint64_t)(ASIM_BUDGET_BYTES / row_bytes(o->to));
    asim_afile af;
    memset(&af, 0, sizeof af);
    asim_err err;
    int to_stdout = strcmp(out, "-") == 0;
    if (to_stdout) w.f = stdout;
    else {
        if (asim_afile_open(&af, out, &err) != 0) {
            close_input(&src);
            return fail(ASIM_ERUNTIME, "%s", err.msg);
        }
        w.f = af.f;
    }
    asim_csv_init(&w.csv, w.f);
    if (o->to == ASIM_TRACE_TIMESTAMPS) {
        asim_csv_str(&w.csv, "timestamp");
        asim_csv_end(&w.csv);
    } else if (o->to == ASIM_TRACE_COUNTS || o->to == ASIM_TRACE_RATES) {
        asim_csv_str(&w.csv, "timestamp");
        asim_csv_str(&w.csv, o->to == ASIM_TRACE_COUNTS ? "count" : "rate");
        asim_csv_end(&w.csv);
    } else if (o->to == ASIM_TRACE_PROMETHEUS) {
        w.root = cJSON_CreateObject();
        cJSON_AddStringToObject(w.root, "status", "success");
        cJSON *data = cJSON_AddObjectToObject(w.root, "data");
        cJSON_AddStringToObject(data, "resultType", "matrix");
        cJSON *result = cJSON_AddArrayToObject(data, "result");
        cJSON *series = cJSON_CreateObject();
        cJSON_AddObjectToObject(series, "metric");
        w.values = cJSON_AddArrayToObject(series, "values");
        cJSON_AddItemToArray(result, series);
    }
    rc = convert_body(&w, src.rd, src.it);
    if (rc == 0 && w.root) {
        char *txt = cJSON_PrintUnformatted(w.root);
        fputs(txt, w.f);
        fputc('\n', w.f);
        cJSON_free(txt);
    }
    cJSON_Delete(w.root);
    const asim_trace_reader *crd = src.rd ? src.rd : asim_rate_iter_reader(src.it);
    report_skips(crd);
    if (rc == 0) rc = check_skips(crd);
    close_input(&src);
    if (to_stdout) {
        fflush(stdout);
        return rc;
    }
    if (rc) {
        asim_afile_abort(&af);
        return rc;
    }
    if (asim_afile_commit(&af, &err) != 0) return fail(ASIM_ERUNTIME, "%s", err.msg);
    fprintf(stderr, "autoscale-sim trace: wrote %s (%llu %s)\n", out, (unsigned long long)w.rows,
            o->to == ASIM_TRACE_TIMESTAMPS || o->to == ASIM_TRACE_ACCESS_LOG ? "requests" : "bins");
    return 0;
}

/* ---- options --------------------------------------------------------------- */

static int parse_format(const char *v, asim_trace_format *f, const char *opt)
{
    if (asim_trace_format_parse(v, f) != 0)
        return fail(2, "%s '%s': unknown format (choices: %s)", opt, v, asim_trace_format_names());
    return 0;
}

/* --filter KEY=VALUE (status, path, method, user_agent), checked now. */
static int parse_filter(asim_trace_filter *f, const char *kv)
{
    const char *eq = strchr(kv, '=');
    size_t k = eq ? (size_t)(eq - kv) : 0;
    char *dst = !eq ? NULL : k == 6 && strncmp(kv, "status", 6) == 0 ? f->status :
                k == 4 && strncmp(kv, "path", 4) == 0 ? f->path : k == 6 && strncmp(kv, "method", 6) == 0 ? f->method :
                k == 10 && strncmp(kv, "user_agent", 10) == 0 ? f->user_agent : NULL;
    if (!dst) return fail(2, "--filter '%s': expected status=..., path=..., method=... or user_agent=...", kv);
    if (strlen(eq + 1) >= ASIM_TRACE_FILTER_MAX) return fail(2, "--filter '%s': too long", kv);
    snprintf(dst, ASIM_TRACE_FILTER_MAX, "%s", eq + 1);
    asim_err err;
    if (asim_trace_filter_check(f, &err) != 0) return fail(2, "--filter: %s", err.msg);
    return 0;
}

int asim_cmd_trace(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'}, {"to", required_argument, 0, 't'},
        {"interval", required_argument, 0, 'i'}, {"seed", required_argument, 0, 's'},
        {"on-error", required_argument, 0, 'e'}, {"delimiter", required_argument, 0, 'd'},
        {"time-column", required_argument, 0, 'T'}, {"value-column", required_argument, 0, 'V'},
        {"time-unit", required_argument, 0, 'u'}, {"interpolation", required_argument, 0, 'I'},
        {"time-format", required_argument, 0, 'F'}, {"json", no_argument, 0, 'j'},
        {"force", no_argument, 0, 'G'},
        {"reorder-window", required_argument, 0, 'R'}, {"max-skip-fraction", required_argument, 0, 'M'}, {"filter", required_argument, 0, 'X'},
        {"latency-field", required_argument, 0, 'L'}, {"latency-unit", required_argument, 0, 'U'},
        {"user-rate", required_argument, 0, 'Y'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "stats") != 0 && strcmp(sub, "convert") != 0)
        return fail(2, "unknown subcommand '%s' (stats or convert; see --help)", sub);
    topts o;
    memset(&o, 0, sizeof o);
    asim_trace_spec_defaults(&o.spec);
    {   /* the defaults of trace.reorder_window and trace.max_skip_fraction */
        asim_config dflt;
        asim_config_defaults(&dflt);
        o.spec.reorder_window = dflt.ext.trace.reorder_window;
        max_skip_fraction = dflt.ext.trace.max_skip_fraction;
        asim_config_free(&dflt);
    }
    o.seed = 1;
    optind = 1;
    opterr = 0;
    int c;
    char *end;
    char **av = argv + 1;
    /* options may follow the subcommand and the files */
    while ((c = getopt_long(argc - 1, argv + 1, ":f:t:i:s:e:d:T:V:u:I:F:jGhR:M:X:L:U:Y:", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': if (parse_format(optarg, &o.spec.format, "--format")) return 2; break;
        case 't': if (parse_format(optarg, &o.to, "--to")) return 2; o.have_to = 1; break;
        case 'i':
            if (asim_seconds_parse(optarg, &o.interval) != 0 || !(o.interval > 0 && o.interval <= 1e7))
                return fail(2, "--interval '%s': expected seconds > 0 or a duration (30s, 1m)", optarg);
            break;
        case 's':
            o.seed = strtoull(optarg, &end, 10);
            if (*end || !*optarg) return fail(2, "--seed '%s': expected a non-negative integer", optarg);
            break;
        case 'e':
            if (strcmp(optarg, "fail") == 0) o.spec.on_error = ASIM_ONERR_FAIL;
            else if (strcmp(optarg, "skip") == 0) o.spec.on_error = ASIM_ONERR_SKIP;
            else return fail(2, "--on-error '%s': expected fail or skip", optarg);
            break;
        case 'd':
            if (strcmp(optarg, "tab") == 0 || strcmp(optarg, "\\t") == 0) o.spec.delimiter = '\t';
            else if (strlen(optarg) == 1 && optarg[0] != '"') o.spec.delimiter = optarg[0];
            else return fail(2, "--delimiter '%s': expected one character or 'tab'", optarg);
            break;
        case 'T': snprintf(o.spec.time_column, sizeof o.spec.time_column, "%s", optarg); break;
        case 'V': snprintf(o.spec.value_column, sizeof o.spec.value_column, "%s", optarg); break;
        case 'u': {
            static const char *const u[] = { "s", "ms", "us", "ns" };
            static const int64_t ns[] = { 1000000000, 1000000, 1000, 1 };
            size_t i;
            for (i = 0; i < 4 && strcmp(optarg, u[i]) != 0; i++)
                ;
            if (i == 4) return fail(2, "--time-unit '%s': expected s, ms, us or ns", optarg);
            o.spec.time_unit_ns = ns[i];
            break;
        }
        case 'I':
            if (strcmp(optarg, "constant") == 0) o.spec.interpolation = ASIM_INTERP_CONSTANT;
            else if (strcmp(optarg, "linear") == 0) o.spec.interpolation = ASIM_INTERP_LINEAR;
            else return fail(2, "--interpolation '%s': expected constant or linear", optarg);
            break;
        case 'F':
            if (strcmp(optarg, "rfc3339") == 0) o.rfc3339 = 1;
            else if (strcmp(optarg, "seconds") == 0) o.rfc3339 = 0;
            else return fail(2, "--time-format '%s': expected seconds or rfc3339", optarg);
            break;
        case 'R':
            if (asim_seconds_parse(optarg, &o.spec.reorder_window) != 0 ||
                !(o.spec.reorder_window >= 0 && o.spec.reorder_window <= 86400))
                return fail(2, "--reorder-window '%s': expected seconds in [0, 86400] or a duration (30s)", optarg);
            break;
        case 'M':
            max_skip_fraction = strtod(optarg, &end);
            if (*end || !*optarg || !(max_skip_fraction >= 0 && max_skip_fraction <= 1))
                return fail(2, "--max-skip-fraction '%s': expected a number in [0, 1]", optarg);
            break;
        case 'j': o.json = 1; break;
        case 'G': o.force = 1; break;
        case 'X': if (parse_filter(&o.spec.filter, optarg) != 0) return 2; break;
        case 'L': snprintf(o.spec.latency_field, sizeof o.spec.latency_field, "%s", optarg); break;
        case 'U': {
            static const char *const lu[] = { "auto", "s", "ms", "us" };
            int k = 0;
            while (k < 4 && strcmp(optarg, lu[k]) != 0) k++;
            if (k == 4) return fail(2, "--latency-unit '%s': expected auto, s, ms or us", optarg);
            o.spec.latency_unit = k;
            break;
        }
        case 'Y':
            o.spec.user_rate = strtod(optarg, &end);
            if (*end || !(o.spec.user_rate > 0 && o.spec.user_rate <= 1e6))
                return fail(2, "--user-rate '%s': expected requests per second per user, above 0", optarg);
            break;
        case 'h': usage(stdout); return 0;
        case ':': return fail(2, "option %s needs a value", av[optind - 1]);
        default: return fail(2, "unknown option '%s' (see --help)", av[optind - 1]);
        }
    }
    int nargs = argc - 1 - optind;
    char **args = argv + 1 + optind;
    if (strcmp(sub, "stats") == 0) {
        if (nargs != 1) return fail(2, "stats takes one FILE (got %d arguments)", nargs);
        return cmd_stats(&o, args[0]);
    }
    if (nargs != 2) return fail(2, "convert takes IN and OUT (got %d arguments)", nargs);
    return cmd_convert(&o, args[0], args[1]);
}
