/* traffic.c -- the rate-profile arrival source (see traffic.h).
 *
 * Exact sampling of a non-homogeneous Poisson process with a piecewise-linear
 * rate by time-change inversion.  The source remembers where it is (segment
 * index and offset, in double seconds, so no rounding accumulates across
 * millions of arrivals) and returns arrival instants rounded to nanoseconds.
 *
 * Within a segment with rate r(u) = from + 2k u (k = (to-from)/(2 duration)),
 * the integrated rate from offset x over z seconds is r(x) z + k z^2.  Solving
 * r(x) z + k z^2 = E uses the cancellation-free root z = 2E/(r(x)+sqrt(r(x)^2+4kE)). */
#include "models/stack/traffic.h"

#include <math.h>
#include <string.h>
#include <gsl/gsl_randist.h>

typedef struct profile_source {
    asim_source base;
    asim_traffic_cfg cfg;          /* segments copied */
    gsl_rng *rng;
    double length;                 /* seconds, one pass */
    double cycle_start;            /* seconds: start of the current pass */
    size_t seg;                    /* current segment */
    double seg_start;              /* seconds: absolute start of current segment */
    double x;                      /* seconds into the current segment */
    int done;
    int sent;                      /* paced: the first request has gone */
    double acc;                    /* paced: integrated rate used in the current segment */
    double total;                  /* paced: seg_rest(current segment, 0, m), or -1 if not yet known */
} profile_source;

static const char *const seg_names[] = { "constant", "step", "ramp", "spike" };

const char *asim_seg_name(asim_seg_kind k) { return seg_names[k]; }

int asim_seg_parse(const char *name, asim_seg_kind *k)
{
    for (size_t i = 0; i < ASIM_ARRAY_LEN(seg_names); i++)
        if (strcmp(name, seg_names[i]) == 0) { *k = (asim_seg_kind)i; return 0; }
    return -1;
}

double asim_profile_length(const asim_traffic_cfg *cfg)
{
    double len = 0;
    for (size_t i = 0; i < cfg->nsegments; i++)
        len += cfg->segments[i].duration;
    return len;
}

static double mult(const asim_traffic_cfg *cfg)
{
    return cfg->rate_multiplier > 0 ? cfg->rate_multiplier : 1.0;
}

double asim_profile_rate(const asim_traffic_cfg *cfg, double t)
{
    double len = asim_profile_length(cfg);
    if (t < 0 || len <= 0) return 0;
    if (t >= len) {
        if (!cfg->repeat) return 0;
        t = fmod(t, len);
    }
    for (size_t i = 0; i < cfg->nsegments; i++) {
        const asim_segment *s = &cfg->segments[i];
        if (t < s->duration)
            return mult(cfg) * (s->from + (s->to - s->from) * (t / s->duration));
        t -= s->duration;
    }
    return 0;
}

/* Integrated rate over [x, duration) of segment s (multiplier applied). */
static double seg_rest(const asim_segment *s, double x, double m)
{
    double z = s->duration - x;
    if (s->to == s->from) {            /* constant: k = 0 below, same value */
        double v = m * (s->from * z);
        return v > 0 ? v : 0;
    }
    double k = (s->to - s->from) / (2 * s->duration);
    double rx = s->from + 2 * k * x;
    double v = m * (rx * z + k * z * z);
    return v > 0 ? v : 0;
}

/* Offset z into the segment from x where the integrated rate reaches e. */
static double seg_solve(const asim_segment *s, double x, double e, double m)
{
    if (s->to == s->from) {
        /* constant rate: with k = 0 the general root is 2e / (rx + sqrt(rx^2));
         * in IEEE arithmetic sqrt(rx*rx) == |rx| exactly, and scaling by 2 is
         * exact, so e / rx is the very same double, without the sqrt and the
         * two divisions */
        double rx = m * s->from;
        return rx > 0 ? e / rx : s->duration - x;
    }
    double k = m * (s->to - s->from) / (2 * s->duration);
    double rx = m * s->from + 2 * k * x;
    double disc = rx * rx + 4 * k * e;
    if (disc < 0) disc = 0;
    double den = rx + sqrt(disc);
    return den > 0 ? 2 * e / den : s->duration - x;
}

/* llround(t) for 0 <= t < 2^63, inline: every arrival instant goes through
 * it (glibc's llround was 1.3 % of a soak run).  Below 2^52, i = trunc(t)
 * and t - i (the fraction) are exact, so the comparison with 0.5 rounds
 * halves away from zero as llround does; from 2^52 on t is a whole number. */
static inline asim_time round_ns(double t)
{
    if (!(t >= 0 && t < 9.2e18)) return (asim_time)llround(t);
    asim_time i = (asim_time)t;
    return i + (t - (double)i >= 0.5);
}

static void advance_segment(profile_source *p)
{
    p->seg_start += p->cfg.segments[p->seg].duration;
    p->x = 0;
    p->total = -1;
    if (++p->seg == p->cfg.nsegments) {
        if (!p->cfg.repeat) { p->done = 1; return; }
        p->seg = 0;
        p->cycle_start += p->length;
        p->seg_start = p->cycle_start;
    }
}

static asim_time profile_next(asim_source *s, asim_time now, int *cls)
{
    profile_source *p = (profile_source *)s;
    ASIM_UNUSED(now);
    *cls = 0;
    if (p->done) return ASIM_TIME_MAX;
    double e;
    int paced = p->cfg.arrivals == ASIM_ARRIVALS_PACED;
    if (paced) {
        e = p->sent ? 1.0 : 0.0;
        if (p->sent && p->cfg.jitter > 0) e += p->cfg.jitter * (2 * gsl_rng_uniform(p->rng) - 1);
        p->sent = 1;
    } else {
        /* Exp(1) as -log(U): the same law as gsl_ran_exponential, whose log1p
         * costs twice as much (perf: 12 % of a soak run). */
        e = -log(gsl_rng_uniform_pos(p->rng));
    }
    double m = mult(&p->cfg);
    size_t passes_without_rate = 0;
    for (;;) {
        const asim_segment *seg = &p->cfg.segments[p->seg];
        double rest;
        if (paced) {
            /* Paced: count the requests of the segment (acc, a sum of whole
             * numbers without jitter, hence exact) and place each from the
             * segment's start, so no rounding accumulates over an hour; one
             * due exactly at the segment's end belongs to the next segment
             * (60 s at 100 req/s is 6000 requests, as load-test.sh sends). */
            if (p->total < 0) p->total = seg_rest(seg, 0, m);   /* the same double each time */
            double total = p->total, need = p->acc + e;
            if (total > 0 && need < total) {
                p->acc = need;
                p->x = seg_solve(seg, 0, need, m);
                if (p->x > seg->duration) p->x = seg->duration;
                return round_ns((p->seg_start + p->x) * 1e9);
            }
            rest = total - p->acc;
            p->acc = 0;
        } else {
            rest = seg_rest(seg, p->x, m);
            if (e <= rest && rest > 0) {
                double z = seg_solve(seg, p->x, e, m);
                if (p->x + z > seg->duration) z = seg->duration - p->x;
                p->x += z;
                double t = p->seg_start + p->x;
                return round_ns(t * 1e9);
            }
        }
        e -= rest;
        if (e < 0) e = 0;
        if (rest <= 0 && ++passes_without_rate > p->cfg.nsegments) {
            p->done = 1;           /* a repeating profile with zero rate everywhere */
            return ASIM_TIME_MAX;
        }
        if (rest > 0) passes_without_rate = 0;
        advance_segment(p);
        if (p->done) return ASIM_TIME_MAX;
    }
}

static double profile_rate_at(const asim_source *s, asim_time t)
{
    const profile_source *p = (const profile_source *)s;
    return asim_profile_rate(&p->cfg, ASIM_TO_SEC(t));
}

static void profile_destroy(asim_source *s)
{
    profile_source *p = (profile_source *)s;
    asim_free(p->cfg.segments);
    asim_free(p);
}

static const asim_source_methods profile_methods = {
    "profile", profile_next, profile_rate_at, profile_destroy
};

asim_source *asim_profile_source(const asim_traffic_cfg *cfg, gsl_rng *rng)
{
    profile_source *p = asim_calloc(1, sizeof *p);
    p->base.m = &profile_methods;
    p->cfg = *cfg;
    p->cfg.segments = asim_malloc((cfg->nsegments ? cfg->nsegments : 1) * sizeof *cfg->segments);
    if (cfg->nsegments)
        memcpy(p->cfg.segments, cfg->segments, cfg->nsegments * sizeof *cfg->segments);
    p->rng = rng;
    p->length = asim_profile_length(cfg);
    p->done = cfg->nsegments == 0 || p->length <= 0;
    p->total = -1;
    return &p->base;
}
