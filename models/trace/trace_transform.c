/* trace_transform.c -- a transformed trace as an arrival source (see
 * trace_transform.h for the transformations and the sampling methods).
 *
 * Two streams sit on a reader and speak sim time:
 *   estream  request traces: window, spreading within the resolution, the
 *            trace-to-sim time map, looping; yields (sim ns, class);
 *   pstream  rate traces: knots -> rate pieces [a, b) with a linear rate,
 *            clipped to the window, mapped to sim seconds, looped.
 * The sources on top: event_source (copies + thinning) and rate_source
 * (exact NHPP inversion over the pieces, load breakpoints splitting them).
 *
 * Invariants
 *  - every stream yields non-decreasing times, so next() never goes back;
 *  - a reader error is recorded once (err/rc) and ends the source;
 *  - memory per source is O(1) in the trace length: one group of equal
 *    timestamps (spreading), the copies' FIFO (rate * copy_shift), a few
 *    rate pieces. */
#include "models/trace/trace_transform.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_randist.h>
#include "sim/engine/rng.h"

#define MIN_PERIOD ASIM_NS_PER_MS           /* shortest trace that may loop */
#define PROBE_MAX_RECORDS 10000000          /* rate_at gives up (NaN) past this per call */
#define RING_SECONDS 128                    /* per-second counts a request stream keeps */

/* ---------------------------------------------------------------------
 * Trace time -> sim time
 * --------------------------------------------------------------------- */

typedef struct tmap {
    int64_t from, to;          /* window, trace ns (to = INT64_MAX: open) */
    int64_t zero;              /* trace ns that plays at sim `offset`: `from`, or with
                                  several traces on one clock their common origin */
    double speedup;
    asim_time offset;          /* sim ns where `zero` plays */
    asim_time start;           /* sim ns where `from` plays */
    asim_time sim_end;         /* start + duration, or ASIM_TIME_MAX */
    int loop;
} tmap;

static asim_time map_ns(const tmap *m, int64_t t, asim_time shift)
{
    int64_t d = t - m->zero;
    if (m->speedup != 1) d = (int64_t)llround((double)d / m->speedup);
    return m->offset + shift + d;
}

/* Resolve a window bound against the first record (time and UTC offset). */
static int64_t resolve_when(const asim_trace_when *w, int64_t first, int tz, int64_t dflt)
{
    switch (w->kind) {
    case ASIM_WHEN_REL: return first + ASIM_SEC(w->sec);
    case ASIM_WHEN_ABS: return w->abs_ns;
    case ASIM_WHEN_TOD: {
        int64_t local = first / ASIM_NS_PER_SEC + tz;
        int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
        return (day * 86400 - tz) * ASIM_NS_PER_SEC + ASIM_SEC(w->sec);
    }
    default: return dflt;
    }
}

/* ---------------------------------------------------------------------
 * Shared source state
 * --------------------------------------------------------------------- */

typedef struct trace_common {
    asim_source base;
    asim_trace_spec spec;
    char *path;
    asim_trace_opts opts;
    tmap map;
    asim_load_schedule load;
    uint64_t seed;
    int fixed_class;
    asim_class_draw_fn draw_class;
    void *draw_ctx;
    gsl_rng *rng, *spread_rng, *class_rng;
    asim_trace_reader *rd;
    int rc;                    /* sticky run-time error */
    asim_err err;
    int done;
} trace_common;

static void common_fail(trace_common *c, int rc, const asim_err *e)
{
    if (c->rc) return;
    c->rc = rc;
    c->err = *e;
    c->done = 1;
}

static int pick_class(trace_common *c, int cls, asim_time t)
{
    if (c->fixed_class >= 0) return c->fixed_class;
    if (cls >= 0) return cls;
    return c->draw_class ? c->draw_class(c->draw_ctx, t, c->class_rng) : 0;
}

/* ---------------------------------------------------------------------
 * estream: request traces in sim time
 * --------------------------------------------------------------------- */

typedef struct estream {
    asim_trace_reader *rd;     /* not owned */
    const tmap *map;
    int64_t res;               /* spread resolution, trace ns (0: none) */
    gsl_rng *rng;              /* spreading */
    asim_time shift;           /* sim ns added in the current pass */
    asim_time period;          /* sim ns of one pass (0 until known) */
    int pass, done;
    int64_t first, last;       /* in-window trace times of the first pass */
    uint64_t n_in, pass_n;
    asim_trace_rec la;
    int have_la;
    /* the current group of one resolution interval */
    int64_t g_start;
    int *gcls;
    double *gu;
    size_t gn, gi, gcap;
    /* requests per sim second of the last RING_SECONDS seconds emitted, for
     * rate_at without a second reader; hi_sec is the last second touched */
    double ring[RING_SECONDS];
    int64_t hi_sec;
    int rc;
    asim_err err;
} estream;

static void estream_init(estream *e, asim_trace_reader *rd, const tmap *m, int64_t res, gsl_rng *rng)
{
    memset(e, 0, sizeof *e);
    e->rd = rd;
    e->map = m;
    e->res = res;
    e->rng = rng;
    e->hi_sec = -1;
}

/* Count an emitted request in its second. */
static void ring_count(estream *e, asim_time t)
{
    int64_t sec = t / ASIM_NS_PER_SEC;
    if (sec > e->hi_sec) {
        int64_t from = e->hi_sec + 1;
        if (sec - from >= RING_SECONDS) from = sec - RING_SECONDS + 1;
        for (int64_t k = from; k <= sec; k++) e->ring[k % RING_SECONDS] = 0;
        e->hi_sec = sec;
    }
    if (e->hi_sec - sec < RING_SECONDS) e->ring[sec % RING_SECONDS] += 1;
}

static void estream_free(estream *e)
{
    asim_free(e->gcls);
    asim_free(e->gu);
}

static int floor_div(int64_t a, int64_t b, int64_t *q)
{
    *q = a >= 0 ? a / b : -((-a + b - 1) / b);
    return 0;
}

/* Raw in-window record: 1, 0 end of pass, -1 error. */
static int estream_raw(estream *e, asim_trace_rec *rec)
{
    for (;;) {
        if (e->have_la) { *rec = e->la; e->have_la = 0; }
        else {
            int k = asim_trace_next(e->rd, rec, &e->err);
            if (k < 0) { e->rc = -k; return -1; }
            if (k == 0) return 0;
        }
        if (rec->t < e->map->from) continue;
        if (rec->t >= e->map->to) return 0;
        return 1;
    }
}

/* End of a pass: start the next one when looping.  1 continue, 0 done, -1 error. */
static int estream_end_pass(estream *e)
{
    if (e->pass == 0) {
        if (e->map->to != INT64_MAX) {
            e->period = (asim_time)llround((double)(e->map->to - e->map->from) / e->map->speedup);
        } else if (e->n_in > 0) {
            int64_t gap = e->res > 0 ? e->res :
                e->n_in > 1 ? (e->last - e->first) / (int64_t)(e->n_in - 1) : ASIM_NS_PER_SEC;
            if (gap <= 0) gap = ASIM_NS_PER_SEC;     /* every record at one instant */
            e->period = (asim_time)llround((double)(e->last + gap - e->map->from) / e->map->speedup);
        }
    }
    if (!e->map->loop || e->pass_n == 0) { e->done = 1; return 0; }
    if (e->period < MIN_PERIOD) {
        e->rc = asim_err_set(&e->err, ASIM_EINPUT, "%s: cannot loop a trace that lasts %g s "
                             "(less than 1 ms)", asim_trace_name(e->rd), ASIM_TO_SEC(e->period));
        return -1;
    }
    if (e->map->sim_end != ASIM_TIME_MAX && e->map->start + e->shift + e->period >= e->map->sim_end) {
        e->done = 1;
        return 0;
    }
    int rc = asim_trace_rewind(e->rd, &e->err);
    if (rc) { e->rc = rc; return -1; }
    e->pass++;
    e->pass_n = 0;
    e->shift += e->period;
    e->have_la = 0;
    return 1;
}

/* Next request: 1 (*t sim ns, *cls), 0 exhausted, -1 error (e->rc, e->err). */
static int estream_next(estream *e, asim_time *t, int *cls)
{
    for (;;) {
        if (e->done) return 0;
        if (e->gi < e->gn) {
            int64_t tt = e->g_start + (int64_t)(e->gu[e->gi] * (double)e->res);
            *cls = e->gcls[e->gi++];
            if (tt < e->map->from || tt >= e->map->to) continue;
            *t = map_ns(e->map, tt, e->shift);
            if (*t < 0) continue;
            if (*t >= e->map->sim_end) { e->done = 1; return 0; }
            ring_count(e, *t);
            return 1;
        }
        asim_trace_rec rec;
        int k = estream_raw(e, &rec);
        if (k < 0) return -1;
        if (k == 0) {
            k = estream_end_pass(e);
            if (k < 0) return -1;
            continue;
        }
        if (e->pass == 0) {
            if (e->n_in == 0) e->first = rec.t;
            e->last = rec.t;
            e->n_in++;
        }
        e->pass_n++;
        if (e->res <= 0) {
            *t = map_ns(e->map, rec.t, e->shift);
            *cls = rec.cls;
            if (*t < 0) continue;
            if (*t >= e->map->sim_end) { e->done = 1; return 0; }
            ring_count(e, *t);
            return 1;
        }
        /* gather the group [g, g+res) and spread it: sorted uniforms by
         * normalised cumulative exponential spacings */
        int64_t g;
        floor_div(rec.t, e->res, &g);
        e->g_start = g * e->res;
        e->gn = e->gi = 0;
        for (;;) {
            if (e->gn == e->gcap) {
                size_t grown = asim_grow_cap(e->gcap, e->gn + 1, 64);
                e->gcls = asim_realloc(e->gcls, grown * sizeof *e->gcls);
                e->gu = asim_realloc(e->gu, grown * sizeof *e->gu);
                e->gcap = grown;
            }
            e->gcls[e->gn++] = rec.cls;
            k = estream_raw(e, &rec);
            if (k < 0) return -1;
            if (k == 0) break;
            int64_t g2;
            floor_div(rec.t, e->res, &g2);
            if (g2 != g) { e->la = rec; e->have_la = 1; break; }
            if (e->pass == 0) { e->last = rec.t; e->n_in++; }
            e->pass_n++;
        }
        double sum = 0;
        for (size_t i = 0; i < e->gn; i++) {
            sum += gsl_ran_exponential(e->rng, 1.0);
            e->gu[i] = sum;
        }
        sum += gsl_ran_exponential(e->rng, 1.0);
        for (size_t i = 0; i < e->gn; i++) e->gu[i] /= sum;
    }
}

/* ---------------------------------------------------------------------
 * event_source: copies and thinning over an estream
 * --------------------------------------------------------------------- */

typedef struct ev_item { asim_time t; int cls; } ev_item;
typedef struct ev_copy { uint64_t cur; asim_time shift; asim_time key; } ev_copy;

typedef struct event_source {
    trace_common c;
    estream es;
    double wbase;              /* multiplier * thin (/ speedup with keep_rate) */
    int k;                     /* copies */
    /* FIFO of loaded requests: absolute indices [base, base + n) */
    ev_item *fifo;
    size_t fcap, fhead, fn;
    uint64_t fbase;
    int es_done;
    ev_copy *copies;
    int *heap;                 /* copy indices ordered by key */
    int hn;
    asim_time last_out;
    /* rate_at: requests per sim second counted by a second reader */
    asim_trace_reader *prd;
    estream pes;
    int p_on, p_failed;
    int64_t p_sec;             /* the counted second */
    double p_count;
    asim_time p_next;          /* the first request after it */
    int p_have_next;
} event_source;

static double weight(const trace_common *c, double wbase, asim_time t)
{
    return wbase * asim_load_factor(&c->load, ASIM_TO_SEC(t));
}

/* Make index idx loaded; 1 if it is, 0 if the stream ended before it. */
static int fifo_load(event_source *s, uint64_t idx)
{
    while (s->fbase + s->fn <= idx) {
        if (s->es_done) return 0;
        asim_time t;
        int cls;
        int k = estream_next(&s->es, &t, &cls);
        if (k < 0) { common_fail(&s->c, s->es.rc, &s->es.err); s->es_done = 1; return 0; }
        if (k == 0) { s->es_done = 1; return 0; }
        if (s->fn == s->fcap) {
            /* drop what every copy has passed before growing */
            uint64_t lo = UINT64_MAX;
            for (int h = 0; h < s->hn; h++)
                if (s->copies[s->heap[h]].cur < lo) lo = s->copies[s->heap[h]].cur;
            while (s->fn && s->fbase < lo && s->fbase < idx) {
                s->fhead = (s->fhead + 1) % s->fcap;
                s->fn--;
                s->fbase++;
            }
            s->fifo = asim_ring_reserve(s->fifo, sizeof *s->fifo, &s->fcap, &s->fhead, s->fn, 256);
        }
        s->fifo[(s->fhead + s->fn) % s->fcap] = (ev_item){ t, cls };
        s->fn++;
    }
    return 1;
}

static const ev_item *fifo_at(const event_source *s, uint64_t idx)
{
    return &s->fifo[(s->fhead + (idx - s->fbase)) % s->fcap];
}

static int copy_less(const event_source *s, int a, int b)
{
    const ev_copy *x = &s->copies[a], *y = &s->copies[b];
    return x->key < y->key || (x->key == y->key && a < b);
}

static void heap_sift_down(event_source *s, int i)
{
    for (;;) {
        int l = 2 * i + 1, m = i;
        if (l < s->hn && copy_less(s, s->heap[l], s->heap[m])) m = l;
        if (l + 1 < s->hn && copy_less(s, s->heap[l + 1], s->heap[m])) m = l + 1;
        if (m == i) return;
        int tmp = s->heap[i]; s->heap[i] = s->heap[m]; s->heap[m] = tmp;
        i = m;
    }
}

static void heap_sift_up(event_source *s, int i)
{
    while (i > 0 && copy_less(s, s->heap[i], s->heap[(i - 1) / 2])) {
        int p = (i - 1) / 2, tmp = s->heap[i];
        s->heap[i] = s->heap[p];
        s->heap[p] = tmp;
        i = p;
    }
}

/* Set copy j's key from its cursor; 0 if the copy has nothing left. */
static int copy_key(event_source *s, int j)
{
    ev_copy *cp = &s->copies[j];
    if (!fifo_load(s, cp->cur)) return 0;
    cp->key = fifo_at(s, cp->cur)->t + cp->shift;
    return 1;
}

static asim_time event_next(asim_source *src, asim_time now, int *cls)
{
    event_source *s = (event_source *)src;
    ASIM_UNUSED(now);
    *cls = 0;
    while (!s->c.done) {
        asim_time t;
        int c0;
        double p;
        if (s->k == 1) {
            int k = estream_next(&s->es, &t, &c0);
            if (k < 0) { common_fail(&s->c, s->es.rc, &s->es.err); break; }
            if (k == 0) { s->c.done = 1; break; }
            p = weight(&s->c, s->wbase, t);
        } else {
            if (s->hn == 0) { s->c.done = 1; break; }
            int j = s->heap[0];
            ev_copy *cp = &s->copies[j];
            t = cp->key;
            c0 = fifo_at(s, cp->cur)->cls;
            cp->cur++;
            if (copy_key(s, j)) heap_sift_down(s, 0);
            else {
                s->heap[0] = s->heap[--s->hn];
                heap_sift_down(s, 0);
            }
            if (s->c.rc) break;
            if (t >= s->c.map.sim_end) continue;   /* a shifted copy past the end */
            p = weight(&s->c, s->wbase, t) / s->k;
        }
        if (p < 1 && gsl_rng_uniform(s->c.rng) >= p) continue;
        if (t < s->last_out) t = s->last_out;       /* never goes back (rounding) */
        s->last_out = t;
        *cls = pick_class(&s->c, c0, t);
        return t;
    }
    return ASIM_TIME_MAX;
}

/* rate_at for request traces: the requests whose sim time falls in the
 * second containing t, times the weight at t (the expected offered count).
 * A second the main stream has passed comes from its ring of counts; any
 * other (before the first arrival, or far back) from a second reader that
 * walks along, opened on first need. */
static double event_rate_at(const asim_source *src, asim_time t)
{
    event_source *s = (event_source *)(uintptr_t)src;   /* the probe is a cache */
    int64_t sec = t >= 0 ? t / ASIM_NS_PER_SEC : -1;
    double w = s->wbase * asim_load_factor(&s->c.load, ASIM_TO_SEC(t));
    /* the usual question (the second just ended) is answered by the main
     * stream's own counts: it has read past that second already */
    const estream *e = &s->es;
    if (sec >= 0 && (sec < e->hi_sec || e->done) && e->hi_sec - sec < RING_SECONDS)
        return (sec > e->hi_sec ? 0 : e->ring[sec % RING_SECONDS]) * w;
    if (s->p_failed) return NAN;
    if (s->p_on && sec < s->p_sec) {             /* asked about the past: start over */
        estream_free(&s->pes);
        asim_trace_close(s->prd);
        s->prd = NULL;
        s->p_on = 0;
    }
    if (!s->p_on) {
        int rc;
        asim_err err;
        asim_trace_opts o = s->c.opts;
        o.classify = NULL;                       /* counting needs no classes */
        s->prd = asim_trace_open(s->c.path, &o, &rc, &err);
        if (!s->prd) { s->p_failed = 1; return NAN; }
        estream_init(&s->pes, s->prd, &s->c.map, 0, NULL);
        s->p_on = 1;
        s->p_sec = -1;
        s->p_count = 0;
        s->p_have_next = 0;
    }
    long work = 0;
    while (s->p_sec < sec) {
        s->p_sec++;
        s->p_count = 0;
        for (;;) {
            if (++work > PROBE_MAX_RECORDS) { s->p_failed = 1; return NAN; }
            if (!s->p_have_next) {
                int c0;
                int k = estream_next(&s->pes, &s->p_next, &c0);
                if (k < 0) { s->p_failed = 1; return NAN; }
                if (k == 0) { s->p_next = ASIM_TIME_MAX; }
                s->p_have_next = 1;
            }
            if (s->p_next == ASIM_TIME_MAX) break;
            int64_t ns = s->p_next / ASIM_NS_PER_SEC;
            if (ns > s->p_sec) {
                if (ns > sec && s->p_sec < sec) { s->p_sec = sec; s->p_count = 0; }  /* skip empty seconds */
                break;
            }
            if (ns == s->p_sec) s->p_count += 1;
            s->p_have_next = 0;
        }
        if (s->p_next == ASIM_TIME_MAX && s->p_sec < sec) { s->p_sec = sec; s->p_count = 0; }
    }
    return s->p_count * w;
}

/* ---------------------------------------------------------------------
 * pstream: rate traces as rate pieces in sim time
 * --------------------------------------------------------------------- */

typedef struct piece { double a, b, ra, rb; } piece;   /* sim s; trace req/s */

typedef struct pstream {
    asim_trace_reader *rd;     /* not owned */
    const tmap *map;
    asim_trace_format format;
    int interp;
    int64_t interval;          /* trace ns, 0 = previous */
    int counts;
    int stages;                /* k6/Locust: the last point ends the trace */
    /* knots of the current pass */
    int have_prev, have_mid;
    int64_t pt, pdt;           /* previous knot time, previous spacing */
    double pv;
    int64_t mt;                /* last rate point (linear counts) */
    double mr;
    int64_t data_end;          /* end of the last piece in the first pass */
    /* output pieces */
    piece q[4];
    int qh, qn;
    double shift;              /* sim s */
    double period;             /* sim s of one pass */
    double pass_mass;          /* integral of rate over the pass (0: nothing to loop) */
    int pass, done, pass_over;
    int rc;
    asim_err err;
    long last_line;
} pstream;

static void pstream_init(pstream *p, asim_trace_reader *rd, const tmap *m, const asim_trace_spec *spec)
{
    memset(p, 0, sizeof *p);
    p->rd = rd;
    p->map = m;
    p->format = spec->format;
    p->interp = spec->interpolation;
    p->interval = spec->interval > 0 ? ASIM_SEC(spec->interval) : 0;
    p->counts = spec->format == ASIM_TRACE_COUNTS;
    p->stages = asim_trace_is_stages(spec->format);
    if (p->stages) p->interp = ASIM_INTERP_LINEAR;   /* stage lists ramp linearly and end at their last point */
}

static double to_sim(const pstream *p, int64_t t)
{
    return ASIM_TO_SEC(p->map->offset) + p->shift + ASIM_TO_SEC(t - p->map->zero) / p->map->speedup;
}

/* Emit trace piece [a, b) with rates ra..rb, clipped to the window and the
 * duration, as sim seconds. */
static void emit(pstream *p, int64_t a, int64_t b, double ra, double rb)
{
    if (b <= a) return;
    int64_t lo = a > p->map->from ? a : p->map->from;
    int64_t hi = b < p->map->to ? b : p->map->to;
    if (hi <= lo) return;
    double span = (double)(b - a);
    double rlo = ra + (rb - ra) * (double)(lo - a) / span;
    double rhi = ra + (rb - ra) * (double)(hi - a) / span;
    piece pc = { to_sim(p, lo), to_sim(p, hi), rlo, rhi };
    p->pass_mass += (rlo + rhi) * (pc.b - pc.a);
    double end = p->map->sim_end == ASIM_TIME_MAX ? INFINITY : ASIM_TO_SEC(p->map->sim_end);
    if (pc.a < 0) {
        if (pc.b <= 0) return;
        pc.ra = pc.ra + (pc.rb - pc.ra) * (0 - pc.a) / (pc.b - pc.a);
        pc.a = 0;
    }
    if (pc.a >= end) return;
    if (pc.b > end) {
        pc.rb = pc.ra + (pc.rb - pc.ra) * (end - pc.a) / (pc.b - pc.a);
        pc.b = end;
    }
    if (pc.b <= pc.a) return;
    p->q[(p->qh + p->qn) % 4] = pc;
    p->qn++;
}

static double dt_rate(double count, int64_t dt) { return count / ASIM_TO_SEC(dt); }

/* A knot arrives (or the end, when last is set). */
static int knot(pstream *p, int64_t t, double v, int last)
{
    if (last) {
        if (!p->have_prev) return 0;
        if (p->stages) {
            if (p->pass == 0) p->data_end = p->pt;
            return 0;
        }
        int64_t dt = p->interval ? p->interval : p->pdt;
        if (dt <= 0) {
            asim_err_set(&p->err, ASIM_EINPUT, "%s: a single point: set interval (seconds) to say "
                         "how long it lasts", asim_trace_name(p->rd));
            p->rc = ASIM_EINPUT;
            return -1;
        }
        double r = p->counts ? dt_rate(p->pv, dt) : p->pv;
        if (p->counts && p->interp == ASIM_INTERP_LINEAR) {
            int64_t mid = p->pt + dt / 2;
            if (p->have_mid) emit(p, p->mt, mid, p->mr, r);
            else emit(p, p->pt, mid, r, r);
            emit(p, mid, p->pt + dt, r, r);
        } else {
            emit(p, p->pt, p->pt + dt, r, r);
        }
        if (p->pass == 0) p->data_end = p->pt + dt;
        return 0;
    }
    if (p->have_prev) {
        int64_t dt = t - p->pt;
        if (p->counts) {
            double r = dt_rate(p->pv, dt);
            if (p->interp == ASIM_INTERP_LINEAR) {
                int64_t mid = p->pt + dt / 2;
                if (p->have_mid) emit(p, p->mt, mid, p->mr, r);
                else emit(p, p->pt, mid, r, r);
                p->mt = mid;
                p->mr = r;
                p->have_mid = 1;
            } else {
                emit(p, p->pt, t, r, r);
            }
        } else {
            emit(p, p->pt, t, p->pv, p->interp == ASIM_INTERP_LINEAR ? v : p->pv);
        }
        p->pdt = dt;
    }
    p->pt = t;
    p->pv = v;
    p->have_prev = 1;
    return 0;
}

static int pstream_end_pass(pstream *p)
{
    if (p->pass == 0) {
        int64_t end = p->map->to != INT64_MAX ? p->map->to : p->data_end;
        p->period = ASIM_TO_SEC(end - p->map->from) / p->map->speedup;
    }
    double end = p->map->sim_end == ASIM_TIME_MAX ? INFINITY : ASIM_TO_SEC(p->map->sim_end);
    if (p->map->loop && p->pass_mass > 0 && p->period < ASIM_TO_SEC(MIN_PERIOD)) {
        p->rc = asim_err_set(&p->err, ASIM_EINPUT, "%s: cannot loop a trace that lasts %g s "
                             "(less than 1 ms)", asim_trace_name(p->rd), p->period);
        return -1;
    }
    if (!p->map->loop || p->pass_mass <= 0 || p->period <= 0 ||
        ASIM_TO_SEC(p->map->start) + p->shift + p->period >= end) {
        p->done = 1;
        return 0;
    }
    int rc = asim_trace_rewind(p->rd, &p->err);
    if (rc) { p->rc = rc; return -1; }
    p->pass++;
    p->shift += p->period;
    p->have_prev = p->have_mid = 0;
    p->pdt = 0;
    p->pass_mass = 0;
    p->pass_over = 0;
    return 1;
}

/* Next piece: 1, 0 exhausted, -1 error. */
static int pstream_next(pstream *p, piece *out)
{
    for (;;) {
        if (p->qn) {
            *out = p->q[p->qh];
            p->qh = (p->qh + 1) % 4;
            p->qn--;
            return 1;
        }
        if (p->done) return 0;
        if (p->pass_over) {
            if (pstream_end_pass(p) < 0) return -1;
            continue;
        }
        asim_trace_rec rec;
        int k = asim_trace_next(p->rd, &rec, &p->err);
        if (k < 0) { p->rc = -k; return -1; }
        if (k == 0) {
            if (knot(p, 0, 0, 1) < 0) return -1;
            p->pass_over = 1;
            continue;
        }
        if (knot(p, rec.t, rec.value, 0) < 0) return -1;
        if (rec.t >= p->map->to) p->pass_over = 1;
    }
}

/* ---------------------------------------------------------------------
 * rate_source: exact NHPP over pieces
 * --------------------------------------------------------------------- */

typedef struct rate_source {
    trace_common c;
    pstream ps;
    double scale;              /* multiplier * thin (* speedup with scale_rate) */
    piece cur;
    int have_cur;
    double x;                  /* sim s: the position of the last arrival */
    asim_time last_out;
    /* rate_at: a second reader walking pieces */
    asim_trace_reader *prd;
    pstream pps;
    piece pcur;
    int p_on, p_have, p_failed;
} rate_source;

static double piece_rate(const piece *pc, double t)
{
    if (pc->b <= pc->a) return pc->ra;
    return pc->ra + (pc->rb - pc->ra) * (t - pc->a) / (pc->b - pc->a);
}

static asim_time rate_next(asim_source *src, asim_time now, int *cls)
{
    rate_source *s = (rate_source *)src;
    ASIM_UNUSED(now);
    *cls = 0;
    if (s->c.done) return ASIM_TIME_MAX;
    double e = gsl_ran_exponential(s->c.rng, 1.0);
    for (;;) {
        if (!s->have_cur) {
            int k = pstream_next(&s->ps, &s->cur);
            if (k < 0) { common_fail(&s->c, s->ps.rc, &s->ps.err); return ASIM_TIME_MAX; }
            if (k == 0) { s->c.done = 1; return ASIM_TIME_MAX; }
            s->have_cur = 1;
            if (s->x < s->cur.a) s->x = s->cur.a;
        }
        if (s->x >= s->cur.b) { s->have_cur = 0; continue; }
        double y = asim_load_next_change(&s->c.load, s->x);
        if (y > s->cur.b) y = s->cur.b;
        double f = s->scale * asim_load_factor(&s->c.load, s->x);
        double rx = f * piece_rate(&s->cur, s->x), ry = f * piece_rate(&s->cur, y);
        double mass = 0.5 * (rx + ry) * (y - s->x);
        if (mass > 0 && e <= mass) {
            /* r(x) z + k z^2 = e with k = (ry - rx) / (2 (y - x)); stable root */
            double k = (ry - rx) / (2 * (y - s->x));
            double disc = rx * rx + 4 * k * e;
            if (disc < 0) disc = 0;
            double den = rx + sqrt(disc);
            double z = den > 0 ? 2 * e / den : y - s->x;
            double t = s->x + z;
            if (t > y) t = y;
            s->x = t;
            asim_time out = (asim_time)llround(t * 1e9);
            if (out < s->last_out) out = s->last_out;
            s->last_out = out;
            *cls = pick_class(&s->c, -1, out);
            return out;
        }
        e -= mass > 0 ? mass : 0;
        s->x = y;
    }
}

static double rate_rate_at(const asim_source *src, asim_time t)
{
    rate_source *s = (rate_source *)(uintptr_t)src;   /* the probe is a cache */
    if (s->p_failed) return NAN;
    double ts = ASIM_TO_SEC(t);
    if (s->p_on && s->p_have && ts < s->pcur.a) {      /* the past: start over */
        asim_trace_close(s->prd);
        s->prd = NULL;
        s->p_on = 0;
    }
    if (!s->p_on) {
        int rc;
        asim_err err;
        s->prd = asim_trace_open(s->c.path, &s->c.opts, &rc, &err);
        if (!s->prd) { s->p_failed = 1; return NAN; }
        pstream_init(&s->pps, s->prd, &s->c.map, &s->c.spec);
        s->p_on = 1;
        s->p_have = 0;
    }
    for (;;) {
        if (!s->p_have) {
            int k = pstream_next(&s->pps, &s->pcur);
            if (k < 0) { s->p_failed = 1; return NAN; }
            if (k == 0) return 0;
            s->p_have = 1;
        }
        if (ts < s->pcur.a) return 0;               /* a gap */
        if (ts < s->pcur.b) break;
        s->p_have = 0;
    }
    return s->scale * asim_load_factor(&s->c.load, ts) * piece_rate(&s->pcur, ts);
}

/* ---------------------------------------------------------------------
 * Creation and common methods
 * --------------------------------------------------------------------- */

static void common_free(trace_common *c)
{
    asim_trace_close(c->rd);
    asim_rng_free(c->rng);
    asim_rng_free(c->spread_rng);
    asim_rng_free(c->class_rng);
    asim_load_schedule_free(&c->load);
    asim_free(c->path);
}

static void event_destroy(asim_source *src)
{
    event_source *s = (event_source *)src;
    estream_free(&s->es);
    if (s->p_on) estream_free(&s->pes);
    asim_trace_close(s->prd);
    asim_free(s->fifo);
    asim_free(s->copies);
    asim_free(s->heap);
    common_free(&s->c);
    asim_free(s);
}

static void rate_destroy(asim_source *src)
{
    rate_source *s = (rate_source *)src;
    asim_trace_close(s->prd);
    common_free(&s->c);
    asim_free(s);
}

static const asim_source_methods event_methods = { "trace", event_next, event_rate_at, event_destroy };
static const asim_source_methods rate_methods = { "trace", rate_next, rate_rate_at, rate_destroy };

int asim_is_trace_source(const asim_source *s)
{
    return s && (s->m == &event_methods || s->m == &rate_methods);
}

int asim_trace_source_error(const asim_source *s, asim_err *err)
{
    if (!asim_is_trace_source(s)) return 0;
    const trace_common *c = (const trace_common *)s;
    if (c->rc && err) *err = c->err;
    if (!c->rc && c->rd) {
        asim_err e;
        if (asim_trace_check_skips(c->rd, c->spec.max_skip_fraction, &e) != 0) {
            if (err) *err = e;
            return ASIM_EINPUT;
        }
    }
    return c->rc;
}

uint64_t asim_trace_source_skipped(const asim_source *s)
{
    return asim_is_trace_source(s) ? asim_trace_skipped(((const trace_common *)s)->rd) : 0;
}

uint64_t asim_trace_source_records(const asim_source *s)
{
    return asim_is_trace_source(s) ? asim_trace_records(((const trace_common *)s)->rd) : 0;
}

uint64_t asim_trace_source_filtered(const asim_source *s, int *on)
{
    const asim_trace_reader *rd = asim_is_trace_source(s) ? ((const trace_common *)s)->rd : NULL;
    if (on) *on = rd && asim_trace_filtering(rd);
    return rd ? asim_trace_filtered(rd) : 0;
}

const struct asim_hist *asim_trace_source_latency(const asim_source *s)
{
    return asim_is_trace_source(s) ? asim_trace_latency(((const trace_common *)s)->rd) : NULL;
}

const char *asim_trace_source_first_skip(const asim_source *s)
{
    return asim_is_trace_source(s) ? asim_trace_first_skip(((const trace_common *)s)->rd) : "";
}

/* Open-time work shared by sources and rate iterators: the first record
 * fixes the origin (and fails fast on bad input); the window resolves
 * against it, or against the common origin of several traces (origin
 * non-NULL: its time and UTC offset), which then plays at sim `offset`.
 * 0, or -1 with *rc and err. */
static int map_setup(asim_trace_reader *rd, const asim_trace_spec *sp, const char *path,
                     const asim_trace_rec *origin, tmap *m, int *rc, asim_err *err)
{
    asim_trace_rec first;
    int k = asim_trace_peek(rd, &first, err);
    if (k < 0) { *rc = -k; return -1; }
    if (k == 0) {     /* cannot happen: an empty trace is an error */
        *rc = asim_err_set(err, ASIM_EINPUT, "%s: empty trace", path);
        return -1;
    }
    int64_t base = origin ? origin->t : first.t;
    int tz = origin ? origin->tz_offset : first.tz_offset;
    int64_t from = resolve_when(&sp->window_from, base, tz, first.t);
    int64_t to = resolve_when(&sp->window_to, base, tz, INT64_MAX);
    if (sp->window_to.kind == ASIM_WHEN_TOD && sp->window_from.kind == ASIM_WHEN_TOD && to <= from)
        to += 86400 * ASIM_NS_PER_SEC;      /* 22:00-02:00 crosses midnight */
    if (to <= from) {
        *rc = asim_err_set(err, ASIM_EINPUT, "%s: the window ends before it starts", path);
        return -1;
    }
    m->from = from;
    m->to = to;
    asim_trace_set_span(rd, from, to);   /* the logged latencies of the replayed window */
    m->zero = origin ? resolve_when(&sp->window_from, base, tz, base) : from;
    m->speedup = sp->speedup > 0 ? sp->speedup : 1;
    m->offset = ASIM_SEC(sp->offset);
    m->start = map_ns(m, from, 0);
    m->sim_end = sp->duration > 0 ? m->start + ASIM_SEC(sp->duration) : ASIM_TIME_MAX;
    m->loop = sp->loop;
    return 0;
}

static int setup_common(trace_common *c, const asim_trace_source_params *p, int *rc, asim_err *err)
{
    const asim_trace_spec *sp = p->spec;
    c->spec = *sp;
    c->path = asim_strdup(p->path);
    c->seed = p->seed;
    c->fixed_class = p->fixed_class;
    c->draw_class = p->draw_class;
    c->draw_ctx = p->draw_ctx;
    asim_load_schedule_copy(&c->load, p->load);
    asim_trace_opts_from_spec(&c->opts, &c->spec);
    c->opts.classify = p->classify;
    c->opts.classify_ctx = p->classify_ctx;
    char name[ASIM_TRACE_NAME_MAX + 16];
    snprintf(name, sizeof name, "trace:%s", sp->name);
    c->rng = asim_rng_stream(p->seed, name);
    snprintf(name, sizeof name, "trace:%s:spread", sp->name);
    c->spread_rng = asim_rng_stream(p->seed, name);
    snprintf(name, sizeof name, "trace:%s:class", sp->name);
    c->class_rng = asim_rng_stream(p->seed, name);

    c->rd = asim_trace_open(c->path, &c->opts, rc, err);
    if (!c->rd) return -1;
    return map_setup(c->rd, sp, c->path, p->has_origin ? &p->origin : NULL, &c->map, rc, err);
}

asim_source *asim_trace_source_create(const asim_trace_source_params *p, int *rc, asim_err *err)
{
    const asim_trace_spec *sp = p->spec;
    int dummy;
    if (!rc) rc = &dummy;
    *rc = 0;
    double speed = sp->speedup > 0 ? sp->speedup : 1;
    double thin = sp->thin > 0 ? sp->thin : 1;
    double mult = sp->multiplier >= 0 ? sp->multiplier : 1;
    if (asim_trace_is_rate(sp->format)) {
        rate_source *s = asim_calloc(1, sizeof *s);
        s->c.base.m = &rate_methods;
        if (setup_common(&s->c, p, rc, err) < 0) { rate_destroy(&s->c.base); return NULL; }
        s->scale = mult * thin * (sp->speedup_rate == ASIM_SPEEDUP_SCALE_RATE ? speed : 1);
        pstream_init(&s->ps, s->c.rd, &s->c.map, &s->c.spec);
        if (!(s->scale > 0)) s->c.done = 1;      /* multiplier 0: nothing to wait for */
        return &s->c.base;
    }
    event_source *s = asim_calloc(1, sizeof *s);
    s->c.base.m = &event_methods;
    if (setup_common(&s->c, p, rc, err) < 0) { event_destroy(&s->c.base); return NULL; }
    double res = sp->resolution >= 0 ? sp->resolution : sp->format == ASIM_TRACE_ACCESS_LOG ? 1 : 0;
    estream_init(&s->es, s->c.rd, &s->c.map, ASIM_SEC(res), s->c.spread_rng);
    s->wbase = mult * thin / (sp->speedup_rate == ASIM_SPEEDUP_SCALE_RATE ? 1 : speed);
    double wmax = s->wbase * asim_load_max(&s->c.load);
    s->k = wmax > 1 ? (int)ceil(wmax - 1e-12) : 1;
    if (!(wmax > 0)) s->c.done = 1;              /* multiplier 0: a looping trace would spin */
    if (s->k > 1) {
        s->copies = asim_calloc((size_t)s->k, sizeof *s->copies);
        s->heap = asim_malloc((size_t)s->k * sizeof *s->heap);
        double shift = (sp->copy_shift > 0 ? sp->copy_shift : 1.0) / speed;
        for (int j = 0; j < s->k; j++) {
            s->copies[j].shift = j ? ASIM_SEC(gsl_rng_uniform(s->c.rng) * shift) : 0;
            if (copy_key(s, j)) {
                s->heap[s->hn] = j;
                heap_sift_up(s, s->hn++);
            }
        }
        if (s->c.rc) {
            *rc = s->c.rc;
            if (err) *err = s->c.err;
            event_destroy(&s->c.base);
            return NULL;
        }
    }
    return &s->c.base;
}

/* ---------------------------------------------------------------------
 * What a source replays (coverage) and where traces start (alignment)
 * --------------------------------------------------------------------- */

int asim_trace_first_record(const asim_trace_spec *spec, const char *path, asim_trace_rec *first,
                            int *rc, asim_err *err)
{
    asim_trace_opts o;
    asim_trace_opts_from_spec(&o, spec);
    int dummy;
    if (!rc) rc = &dummy;
    *rc = 0;
    asim_trace_reader *rd = asim_trace_open(path, &o, rc, err);
    if (!rd) return -1;
    int k = asim_trace_peek(rd, first, err);
    asim_trace_close(rd);
    if (k == 1) return 0;
    *rc = k < 0 ? -k : asim_err_set(err, ASIM_EINPUT, "%s: empty trace", path);
    return -1;
}

/* One pass over the file with a fresh reader: the in-window records, the
 * first and the last, and how many play before `until` (sim ns). */
int asim_trace_source_coverage(const asim_source *src, asim_time horizon, asim_trace_coverage *cv,
                               asim_err *err)
{
    memset(cv, 0, sizeof *cv);
    if (!asim_is_trace_source(src)) return asim_err_set(err, ASIM_EINPUT, "not a trace source");
    const trace_common *c = (const trace_common *)src;
    const tmap *m = &c->map;
    asim_trace_opts o = c->opts;
    o.classify = NULL;
    o.on_error = ASIM_ONERR_SKIP;              /* the run has judged the lines already */
    int rc = 0;
    asim_trace_reader *rd = asim_trace_open(c->path, &o, &rc, err);
    if (!rd) return rc ? rc : ASIM_EINPUT;
    int rate = asim_trace_is_rate(c->spec.format);
    double res = c->spec.resolution >= 0 ? c->spec.resolution : c->spec.format == ASIM_TRACE_ACCESS_LOG ? 1 : 0;
    int64_t prev = 0, gap = 0;
    asim_trace_rec rec;
    int k;
    int before = 0;                            /* a rate point before the window covers its start */
    while ((k = asim_trace_next(rd, &rec, err)) == 1) {
        if (rec.t < m->from) { before = rate; continue; }
        if (rec.t >= m->to) break;
        if (cv->records == 0) { cv->data_from = before ? m->from : rec.t; cv->tz = rec.tz_offset; }
        else gap = rec.t - prev;
        prev = rec.t;
        cv->records++;
        asim_time at = map_ns(m, rec.t, 0);
        /* an arrival at the horizon still runs, but a record spread over [t, t + res) from
         * the horizon does not; the trace's own end (sim_end) is exclusive */
        int in_run = at < horizon || (at == horizon && !(res > 0) && !rate);
        if (at >= 0 && in_run && at < m->sim_end) cv->played++;
        else if (!in_run) cv->cut = 1;
    }
    asim_trace_close(rd);
    if (k < 0) return -k;
    if (rate) gap = c->spec.interval > 0 ? ASIM_SEC(c->spec.interval) : gap;
    else gap = ASIM_SEC(res);
    if (cv->records == 0) cv->data_from = prev = m->from, gap = 0;   /* nothing in the window */
    cv->data_to = prev + gap < m->to ? prev + gap : m->to;
    cv->zero = m->zero;
    cv->loop = m->loop;
    if (cv->loop) cv->cut = 0;                 /* it plays until the run ends */
    if (cv->cut && m->sim_end <= horizon) cv->cut = 0;   /* its own duration ended it */
    cv->absolute = asim_trace_time_is_absolute(m->zero);
    cv->sim_from = ASIM_TO_SEC(map_ns(m, cv->data_from, 0));
    cv->sim_to = ASIM_TO_SEC(map_ns(m, cv->data_to, 0));
    if (m->sim_end != ASIM_TIME_MAX && cv->sim_to > ASIM_TO_SEC(m->sim_end)) {   /* its own duration ends it */
        cv->sim_to = ASIM_TO_SEC(m->sim_end);
        cv->data_to = m->zero + (int64_t)llround((double)(m->sim_end - m->offset) * m->speedup);
    }
    return 0;
}

/* ---------------------------------------------------------------------
 * Rate iterator (trace stats / convert)
 * --------------------------------------------------------------------- */

struct asim_rate_iter {
    asim_trace_spec spec;
    asim_trace_reader *rd;
    tmap map;
    pstream ps;
    int tz;
};

asim_rate_iter *asim_rate_iter_open(const asim_trace_spec *spec, const char *path,
                                    asim_trace_classify_fn classify, void *ctx, int *rc, asim_err *err)
{
    int dummy;
    if (!rc) rc = &dummy;
    *rc = 0;
    asim_rate_iter *it = asim_calloc(1, sizeof *it);
    it->spec = *spec;
    asim_trace_opts o;
    asim_trace_opts_from_spec(&o, &it->spec);
    o.classify = classify;
    o.classify_ctx = ctx;
    it->rd = asim_trace_open(path, &o, rc, err);
    if (!it->rd || map_setup(it->rd, &it->spec, path, NULL, &it->map, rc, err) < 0) {
        asim_rate_iter_close(it);
        return NULL;
    }
    asim_trace_rec first;
    asim_trace_peek(it->rd, &first, err);
    it->tz = first.tz_offset;
    pstream_init(&it->ps, it->rd, &it->map, &it->spec);
    return it;
}

int asim_rate_iter_next(asim_rate_iter *it, asim_rate_piece *out, asim_err *err)
{
    piece pc;
    int k = pstream_next(&it->ps, &pc);
    if (k < 0) {
        if (err) *err = it->ps.err;
        return -it->ps.rc;
    }
    if (k == 1) *out = (asim_rate_piece){ pc.a, pc.b, pc.ra, pc.rb };
    return k;
}

int64_t asim_rate_iter_origin(const asim_rate_iter *it, int *tz)
{
    if (tz) *tz = it->tz;
    return it->map.from;
}

asim_trace_reader *asim_rate_iter_reader(const asim_rate_iter *it) { return it->rd; }

void asim_rate_iter_close(asim_rate_iter *it)
{
    if (!it) return;
    asim_trace_close(it->rd);
    asim_free(it);
}
