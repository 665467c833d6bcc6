/* sources.c -- a scenario's arrival sources and request classes (see
 * sources.h).
 *
 * The sources are:
 *   - the rate profile (traffic.profile), the lead's asim_profile_source on
 *     the stream "arrivals", unless traces replace it (trace.profile);
 *   - one trace source per trace (trace_transform.h), streams "trace:<name>...".
 * Request classes: class 0 is app.service_time, class i (1..) the scenario's
 * classes[i-1].  A trace with paths classes each request by the first
 * matching path_regex; every other request draws its class from the shares
 * at its arrival time (stream "classes" for the profile).
 *
 * The load factor of the seed's /load/... endpoints (load.events) scales every
 * source: rate traces fold it into their rate; request traces into their
 * copies and thinning; the profile is superposed k = ceil(max factor) times
 * (independent streams "arrivals", "arrivals#1", ...) and each copy thinned by
 * factor(t)/k, which is exact for a Poisson source.  Without load events and
 * classes the profile source is the lead's, untouched, so scenarios without
 * those features draw the very same arrivals.
 *
 * Invariants: the sources object owns every source, stream and compiled
 * regex; trace sources keep a pointer to the class mix, which lives as long. */
#include "models/stack/sources.h"

#include <math.h>
#include <regex.h>
#include "sim/engine/stats.h"
#include <stdio.h>
#include <string.h>
#include "sim/engine/rng.h"
#include "models/trace/trace_transform.h"
#include "sim/engine/hash.h"

#define MAX_SOURCES ASIM_SOURCES_MAX
#define PATH_CACHE 1024            /* direct-mapped path -> class entries */
#define PATH_CACHE_LEN 96          /* longer paths are not cached */

/* Logs repeat their paths: remembering the class of recent ones saves a
 * regexec per line (~60 ns of the ~150 a log line costs). */
typedef struct path_entry {
    uint32_t len;                  /* 0: empty slot */
    int cls;
    char path[PATH_CACHE_LEN];
} path_entry;

typedef struct class_mix {
    size_t n;                                  /* user classes */
    asim_share_point *share[ASIM_CLASS_MAX];   /* owned copies */
    size_t nshare[ASIM_CLASS_MAX];
    regex_t re[ASIM_CLASS_MAX];
    int has_re[ASIM_CLASS_MAX];
    int any_re, any_share;
    path_entry *cache;             /* PATH_CACHE entries when any_re */
} class_mix;

/* The profile (or another source) under the load factor and class shares. */
typedef struct wrap_source {
    asim_source base;
    asim_source *inner;                        /* owned */
    double k;                                  /* copies: keep with factor(t)/k */
    const asim_load_schedule *load;            /* the sources' schedule */
    const class_mix *mix;                      /* NULL: class 0 */
    gsl_rng *rng;                              /* thinning (owned) */
    gsl_rng *class_rng;                        /* not owned (shared "classes") */
} wrap_source;

typedef struct trace_entry {
    size_t src;                                /* index in src[] */
    char name[ASIM_TRACE_NAME_MAX];
    char path[ASIM_TRACE_PATH_MAX + 1100];     /* resolved */
    asim_trace_format format;                  /* resolved */
} trace_entry;

/* A trace to open: its spec (format resolved) and resolved path. */
typedef struct trace_plan {
    asim_trace_spec spec;
    char path[ASIM_TRACE_PATH_MAX + 1100];
} trace_plan;

struct asim_sources {
    asim_source *src[MAX_SOURCES];
    gsl_rng *rng[MAX_SOURCES];                 /* owned streams (may be NULL) */
    size_t n;
    asim_dist classes[ASIM_CLASS_MAX + 1];
    size_t nclasses;
    class_mix mix;
    asim_load_schedule load;
    gsl_rng *class_rng;                        /* "classes" */
    trace_entry traces[ASIM_TRACE_MAX + 1];
    size_t ntraces;
};

/* ---- classes -------------------------------------------------------------- */

static double share_at(const asim_share_point *p, size_t n, double t)
{
    if (n == 0) return 0;
    if (t <= p[0].t) return p[0].share;
    for (size_t i = 1; i < n; i++)
        if (t < p[i].t) {
            double u = (t - p[i - 1].t) / (p[i].t - p[i - 1].t);
            return p[i - 1].share + u * (p[i].share - p[i - 1].share);
        }
    return p[n - 1].share;
}

static int draw_class(void *ctx, asim_time t, gsl_rng *r)
{
    const class_mix *m = ctx;
    double u = gsl_rng_uniform(r), cum = 0, ts = ASIM_TO_SEC(t);
    for (size_t i = 0; i < m->n; i++) {
        cum += share_at(m->share[i], m->nshare[i], ts);
        if (u < cum) return (int)i + 1;
    }
    return 0;
}

static int classify(void *ctx, const char *path, size_t len)
{
    class_mix *m = ctx;
    path_entry *e = NULL;
    if (len > 0 && len < PATH_CACHE_LEN) {
        uint32_t h = asim_fnv1a32(path, len);
        e = &m->cache[h % PATH_CACHE];
        if (e->len == len && memcmp(e->path, path, len) == 0) return e->cls;
    }
    char buf[2048];
    if (len >= sizeof buf) len = sizeof buf - 1;
    memcpy(buf, path, len);
    buf[len] = 0;
    int cls = 0;
    for (size_t i = 0; i < m->n && !cls; i++)
        if (m->has_re[i] && regexec(&m->re[i], buf, 0, NULL, 0) == 0) cls = (int)i + 1;
    if (e) {
        e->len = (uint32_t)len;
        e->cls = cls;
        memcpy(e->path, path, len);
    }
    return cls;
}

static int mix_init(class_mix *m, const asim_trace_cfg *tc, asim_err *err)
{
    m->n = tc->nclasses < ASIM_CLASS_MAX ? tc->nclasses : ASIM_CLASS_MAX;
    for (size_t i = 0; i < m->n; i++) {
        const asim_class_spec *c = &tc->classes[i];
        if (c->nshare) {
            m->share[i] = asim_malloc(c->nshare * sizeof *m->share[i]);
            memcpy(m->share[i], c->share, c->nshare * sizeof *m->share[i]);
            m->nshare[i] = c->nshare;
            for (size_t k = 0; k < c->nshare; k++)
                if (c->share[k].share > 0) m->any_share = 1;
        }
        if (c->path_regex[0]) {
            int rc = regcomp(&m->re[i], c->path_regex, REG_EXTENDED | REG_NOSUB);
            if (rc) {
                char msg[200];
                regerror(rc, &m->re[i], msg, sizeof msg);
                return asim_err_set(err, ASIM_EINPUT, "classes[%zu].path_regex '%s': %s", i, c->path_regex, msg);
            }
            m->has_re[i] = 1;
            m->any_re = 1;
        }
    }
    if (m->any_re) m->cache = asim_calloc(PATH_CACHE, sizeof *m->cache);
    return 0;
}

static void mix_free(class_mix *m)
{
    for (size_t i = 0; i < m->n; i++) {
        asim_free(m->share[i]);
        if (m->has_re[i]) regfree(&m->re[i]);
    }
    asim_free(m->cache);
}

/* ---- the wrapper ------------------------------------------------------------ */

static asim_time wrap_next(asim_source *s, asim_time now, int *cls)
{
    wrap_source *w = (wrap_source *)s;
    for (;;) {
        int c0 = 0;
        asim_time t = asim_source_next(w->inner, now, &c0);
        if (t == ASIM_TIME_MAX) return t;
        if (w->load) {
            double p = asim_load_factor(w->load, ASIM_TO_SEC(t)) / w->k;
            if (p < 1 && gsl_rng_uniform(w->rng) >= p) continue;
        }
        *cls = w->mix ? draw_class((void *)(uintptr_t)w->mix, t, w->class_rng) : c0;
        return t;
    }
}

static double wrap_rate_at(const asim_source *s, asim_time t)
{
    const wrap_source *w = (const wrap_source *)s;
    double r = asim_source_rate(w->inner, t);
    return w->load ? r * asim_load_factor(w->load, ASIM_TO_SEC(t)) / w->k : r;
}

static void wrap_destroy(asim_source *s)
{
    wrap_source *w = (wrap_source *)s;
    asim_source_destroy(w->inner);
    asim_rng_free(w->rng);
    asim_free(w);
}

static const asim_source_methods wrap_methods = { "modulated", wrap_next, wrap_rate_at, wrap_destroy };

/* ---- building ---------------------------------------------------------------- */

static int add(asim_sources *s, asim_source *src, gsl_rng *rng, asim_err *err)
{
    if (s->n == MAX_SOURCES) {
        asim_source_destroy(src);
        asim_rng_free(rng);
        return asim_err_set(err, ASIM_EINPUT, "too many arrival sources (at most %d)", MAX_SOURCES);
    }
    s->src[s->n] = src;
    s->rng[s->n] = rng;
    s->n++;
    return 0;
}

static int add_profile(asim_sources *s, const asim_config *cfg, uint64_t seed, asim_err *err)
{
    int modulate = s->load.n > 0;
    const class_mix *mix = s->mix.any_share ? &s->mix : NULL;
    if (!modulate && !mix) {
        gsl_rng *r = asim_rng_stream(seed, "arrivals");
        return add(s, asim_profile_source(&cfg->traffic, r), r, err);
    }
    double fmax = asim_load_max(&s->load);
    int k = modulate && fmax > 1 ? (int)ceil(fmax - 1e-12) : 1;
    for (int j = 0; j < k; j++) {
        char name[32], tname[32];
        if (j) snprintf(name, sizeof name, "arrivals#%d", j);
        else snprintf(name, sizeof name, "arrivals");
        snprintf(tname, sizeof tname, "load:%d", j);
        gsl_rng *r = asim_rng_stream(seed, name);
        wrap_source *w = asim_calloc(1, sizeof *w);
        w->base.m = &wrap_methods;
        w->inner = asim_profile_source(&cfg->traffic, r);
        w->k = k;
        w->load = modulate ? &s->load : NULL;
        w->mix = mix;
        w->rng = asim_rng_stream(seed, tname);
        w->class_rng = s->class_rng;
        int rc = add(s, &w->base, r, err);
        if (rc) return rc;
    }
    return 0;
}

static int class_index(const asim_trace_cfg *tc, const char *name)
{
    if (!name[0]) return -1;
    if (strcmp(name, "default") == 0) return 0;
    for (size_t i = 0; i < tc->nclasses; i++)
        if (strcmp(tc->classes[i].name, name) == 0) return (int)i + 1;
    return -1;
}

/* Resolve a trace's path and format (the scenario's checks ran already,
 * but the file system may have changed since). */
static int plan_trace(const asim_config *cfg, const asim_trace_spec *spec, size_t i, trace_plan *tp,
                      asim_err *err)
{
    const asim_trace_cfg *tc = &cfg->ext.trace;
    tp->spec = *spec;
    char where[64];
    if (i < tc->ntraces) snprintf(where, sizeof where, "$.traces[%zu].path", i);
    else snprintf(where, sizeof where, "$.trace.path");
    if (!asim_trace_resolve_path(cfg->source_file, spec->path, tp->path, sizeof tp->path))
        return asim_err_set(err, ASIM_EINPUT, "%s: %s: cannot open trace '%s'",
                            cfg->source_file[0] ? cfg->source_file : "scenario", where, tp->path);
    if (tp->spec.format == ASIM_TRACE_AUTO) return asim_trace_detect(tp->path, &tp->spec.format, err);
    return 0;
}

/* trace.align=absolute: the earliest first record of the traces whose times
 * are instants (relative-time traces keep their own start).  0 when fewer
 * than two traces take part (one trace plays as before). */
static int common_origin(const trace_plan *plans, size_t n, asim_trace_rec *origin, int *is_abs,
                         asim_err *err)
{
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        asim_trace_rec first;
        int rc = 0;
        if (asim_trace_first_record(&plans[i].spec, plans[i].path, &first, &rc, err) != 0)
            return rc ? -rc : -ASIM_EINPUT;
        is_abs[i] = asim_trace_time_is_absolute(first.t);
        if (!is_abs[i]) continue;
        if (count == 0 || first.t < origin->t) *origin = first;
        count++;
    }
    return count;
}

static int add_trace(asim_sources *s, const asim_config *cfg, const trace_plan *tp,
                     const asim_trace_rec *origin, uint64_t seed, asim_err *err)
{
    const asim_trace_cfg *tc = &cfg->ext.trace;
    asim_trace_source_params p;
    memset(&p, 0, sizeof p);
    p.spec = &tp->spec;
    p.path = tp->path;
    p.seed = seed;
    p.fixed_class = class_index(tc, tp->spec.cls);
    if (s->mix.any_re) {
        p.classify = classify;
        p.classify_ctx = &s->mix;
    }
    if (s->mix.any_share) {
        p.draw_class = draw_class;
        p.draw_ctx = &s->mix;
    }
    p.load = s->load.n ? &s->load : NULL;
    if (origin) {
        p.has_origin = 1;
        p.origin = *origin;
    }
    int rc = 0;
    asim_source *src = asim_trace_source_create(&p, &rc, err);
    if (!src) return rc ? rc : ASIM_EINPUT;
    if (s->ntraces < ASIM_ARRAY_LEN(s->traces)) {
        trace_entry *e = &s->traces[s->ntraces++];
        e->src = s->n;
        snprintf(e->name, sizeof e->name, "%s", tp->spec.name);
        snprintf(e->path, sizeof e->path, "%s", tp->path);
        e->format = tp->spec.format;
    }
    return add(s, src, NULL, err);
}

static int add_traces(asim_sources *s, const asim_config *cfg, const asim_trace_spec *specs, size_t n,
                      uint64_t seed, asim_err *err)
{
    trace_plan *plans = asim_calloc(n ? n : 1, sizeof *plans);
    int is_abs[ASIM_TRACE_MAX + 1] = {0};
    asim_trace_rec origin;
    memset(&origin, 0, sizeof origin);
    int rc = 0, aligned = 0;
    for (size_t i = 0; i < n && !rc; i++) rc = plan_trace(cfg, &specs[i], i, &plans[i], err);
    if (!rc && n > 1 && cfg->ext.trace.align == ASIM_ALIGN_ABSOLUTE) {
        aligned = common_origin(plans, n, &origin, is_abs, err);
        if (aligned < 0) rc = -aligned;
    }
    for (size_t i = 0; i < n && !rc; i++)
        rc = add_trace(s, cfg, &plans[i], aligned > 1 && is_abs[i] ? &origin : NULL, seed, err);
    asim_free(plans);
    return rc;
}

int asim_sources_create(const asim_config *cfg, uint64_t seed, asim_sources **out, asim_err *err)
{
    const asim_trace_cfg *tc = &cfg->ext.trace;
    asim_sources *s = asim_calloc(1, sizeof *s);
    *out = NULL;
    int rc = mix_init(&s->mix, tc, err);
    if (rc) goto fail;
    asim_load_schedule_build(tc, &s->load);
    s->class_rng = asim_rng_stream(seed, "classes");

    asim_trace_spec specs[ASIM_TRACE_MAX + 1];
    int nspec = asim_trace_effective(tc, specs, ASIM_ARRAY_LEN(specs), err);
    if (nspec < 0) { rc = ASIM_EINPUT; goto fail; }
    /* closed-loop clients replace the profile's open arrivals (simulate.c runs them) */
    if (cfg->traffic.nsegments > 0 && cfg->traffic.arrivals != ASIM_ARRIVALS_CLOSED &&
        (nspec == 0 || tc->profile == ASIM_PROFILE_ADD)) {
        if ((rc = add_profile(s, cfg, seed, err)) != 0) goto fail;
    }
    if ((rc = add_traces(s, cfg, specs, (size_t)nspec, seed, err)) != 0) goto fail;

    s->classes[0] = cfg->app.service;
    s->nclasses = 1 + s->mix.n;
    for (size_t i = 0; i < s->mix.n; i++) {
        const asim_class_spec *c = &tc->classes[i];
        s->classes[i + 1] = c->has_service ? c->service : cfg->app.service;
        asim_err derr;
        if (asim_dist_prepare(&s->classes[i + 1], &derr) != 0) {
            rc = asim_err_set(err, ASIM_EINPUT, "classes[%zu].service_time: %s", i, derr.msg);
            goto fail;
        }
    }
    *out = s;
    return 0;
fail:
    asim_sources_destroy(s);
    return rc ? rc : ASIM_EINPUT;
}

void asim_sources_destroy(asim_sources *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) {
        asim_source_destroy(s->src[i]);
        asim_rng_free(s->rng[i]);
    }
    mix_free(&s->mix);
    asim_load_schedule_free(&s->load);
    asim_rng_free(s->class_rng);
    asim_free(s);
}

size_t asim_sources_count(const asim_sources *s) { return s->n; }
asim_source *asim_sources_get(asim_sources *s, size_t i) { return s->src[i]; }

const asim_dist *asim_sources_classes(const asim_sources *s, size_t *n)
{
    *n = s->nclasses;
    return s->classes;
}

double asim_sources_rate(const asim_sources *s, asim_time t)
{
    double r = 0;
    for (size_t i = 0; i < s->n; i++) r += asim_source_rate(s->src[i], t);
    return r;
}

int asim_sources_error(const asim_sources *s, asim_err *err)
{
    for (size_t i = 0; i < s->ntraces; i++) {
        int rc = asim_trace_source_error(s->src[s->traces[i].src], err);
        if (rc) return rc;
    }
    return 0;
}

/* Filtered requests (when a trace has a filter) and the logged latencies of
 * the replayed requests, pooled over traces: trace_latency_* sit beside the
 * simulated latency_* so the two distributions read side by side. */
static void summarize_inputs(const asim_sources *s, asim_summary *sum)
{
    double filtered = 0;
    int any_filter = 0;
    asim_hist *lat = NULL;
    for (size_t i = 0; i < s->ntraces; i++) {
        const asim_source *src = s->src[s->traces[i].src];
        int on = 0;
        filtered += (double)asim_trace_source_filtered(src, &on);
        any_filter |= on;
        const asim_hist *h = asim_trace_source_latency(src);
        if (h) {
            if (!lat) lat = asim_hist_create();
            asim_hist_merge(lat, h);
        }
    }
    if (any_filter) asim_summary_set(sum, "trace_filtered_requests", filtered);
    if (!lat) return;
    static const double q[3] = { 0.5, 0.95, 0.99 };
    double v[3];
    asim_hist_quantiles(lat, q, 3, v);
    asim_summary_set(sum, "trace_latency_count", (double)asim_hist_count(lat));
    asim_summary_set(sum, "trace_latency_mean", asim_hist_mean(lat));
    asim_summary_set(sum, "trace_latency_p50", v[0]);
    asim_summary_set(sum, "trace_latency_p95", v[1]);
    asim_summary_set(sum, "trace_latency_p99", v[2]);
    asim_summary_set(sum, "trace_latency_max", asim_hist_max(lat));
    asim_hist_destroy(lat);
}

void asim_sources_summarize(const asim_sources *s, asim_summary *sum)
{
    if (s->ntraces == 0) return;
    double skipped = 0, records = 0;
    for (size_t i = 0; i < s->ntraces; i++) {
        const asim_source *src = s->src[s->traces[i].src];
        skipped += (double)asim_trace_source_skipped(src);
        records += (double)asim_trace_source_records(src);
    }
    asim_summary_set(sum, "trace_records", records);
    asim_summary_set(sum, "trace_skipped_lines", skipped);
    summarize_inputs(s, sum);
    if (s->ntraces > 1)
        for (size_t i = 0; i < s->ntraces; i++) {
            char name[ASIM_METRIC_NAME_MAX];
            snprintf(name, sizeof name, "trace_skipped_lines.%s", s->traces[i].name);
            asim_summary_set(sum, name, (double)asim_trace_source_skipped(s->src[s->traces[i].src]));
        }
}

size_t asim_sources_ntraces(const asim_sources *s) { return s->ntraces; }

int asim_sources_trace_info(const asim_sources *s, size_t i, asim_time horizon, asim_sources_trace *out,
                            asim_err *err)
{
    memset(out, 0, sizeof *out);
    if (i >= s->ntraces) return asim_err_set(err, ASIM_EINPUT, "no trace %zu", i);
    const trace_entry *e = &s->traces[i];
    out->name = e->name;
    out->path = e->path;
    out->format = e->format;
    return asim_trace_source_coverage(s->src[e->src], horizon, &out->cov, err);
}
