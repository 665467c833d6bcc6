/* trace_load.c -- the load factor of the seed's /load/... events as a
 * piecewise-constant schedule in sim time (see trace_load.h). */
#include "models/trace/trace_load.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------
 * Load schedule
 * --------------------------------------------------------------------- */

static double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

/* The factor right after every event with at <= t has been applied. */
static double factor_at(const asim_trace_cfg *c, double t)
{
    double base = 1, spike_until = -INFINITY;
    int spike_forever = 0;
    for (size_t i = 0; i < c->nload_events && c->load_events[i].at <= t; i++) {
        const asim_load_event *e = &c->load_events[i];
        switch (e->action) {
        case ASIM_LOAD_INCREASE: base = clampd(base * c->load_increase, c->load_min, c->load_max); break;
        case ASIM_LOAD_DECREASE: base = clampd(base / c->load_decrease, c->load_min, c->load_max); break;
        case ASIM_LOAD_RESET: base = 1; spike_until = -INFINITY; spike_forever = 0; break;
        case ASIM_LOAD_SPIKE:
            if (c->load_spike_duration > 0) spike_until = e->at + c->load_spike_duration;
            else spike_forever = 1;
            break;
        }
    }
    return base * (spike_forever || t < spike_until ? c->load_spike : 1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void asim_load_schedule_build(const asim_trace_cfg *c, asim_load_schedule *out)
{
    memset(out, 0, sizeof *out);
    size_t n = c->nload_events;
    if (n == 0) return;
    double *bp = asim_malloc(2 * n * sizeof *bp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        bp[m++] = c->load_events[i].at;
        if (c->load_events[i].action == ASIM_LOAD_SPIKE && c->load_spike_duration > 0)
            bp[m++] = c->load_events[i].at + c->load_spike_duration;
    }
    qsort(bp, m, sizeof *bp, cmp_double);
    out->at = asim_malloc(m * sizeof *out->at);
    out->factor = asim_malloc(m * sizeof *out->factor);
    double prev = 1;
    for (size_t i = 0; i < m; i++) {
        if (i && bp[i] == bp[i - 1]) continue;
        double f = factor_at(c, bp[i]);
        if (f == prev) continue;            /* no change: not a breakpoint */
        out->at[out->n] = bp[i];
        out->factor[out->n] = f;
        out->n++;
        prev = f;
    }
    asim_free(bp);
}

void asim_load_schedule_free(asim_load_schedule *s)
{
    asim_free(s->at);
    asim_free(s->factor);
    memset(s, 0, sizeof *s);
}

double asim_load_factor(const asim_load_schedule *s, double t)
{
    if (!s || s->n == 0 || t < s->at[0]) return 1;
    size_t lo = 0, hi = s->n;             /* last i with at[i] <= t */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (s->at[mid] <= t) lo = mid; else hi = mid;
    }
    return s->factor[lo];
}

double asim_load_max(const asim_load_schedule *s)
{
    double m = 1;
    for (size_t i = 0; s && i < s->n; i++)
        if (s->factor[i] > m) m = s->factor[i];
    return m;
}

double asim_load_next_change(const asim_load_schedule *s, double t)
{
    if (!s || s->n == 0 || t >= s->at[s->n - 1]) return INFINITY;
    size_t lo = 0, hi = s->n;             /* first i with at[i] > t */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->at[mid] > t) hi = mid; else lo = mid + 1;
    }
    return s->at[lo];
}

void asim_load_schedule_copy(asim_load_schedule *dst, const asim_load_schedule *src)
{
    memset(dst, 0, sizeof *dst);
    if (!src || src->n == 0) return;
    dst->n = src->n;
    dst->at = asim_malloc(src->n * sizeof *dst->at);
    dst->factor = asim_malloc(src->n * sizeof *dst->factor);
    memcpy(dst->at, src->at, src->n * sizeof *dst->at);
    memcpy(dst->factor, src->factor, src->n * sizeof *dst->factor);
}
