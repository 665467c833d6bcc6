/* prometheus.c -- discovery, scrape loops and samples (see prometheus.h).
 *
 * Targets are identified by replica number.  The set of numbers flows
 * DNS refresh -> discovery manager tick -> scrape manager tick; each stage
 * holds at most one pending set (the latest), as Prometheus's channels do.
 * A target record keeps its tsdb series ids (created on first scrape, shared
 * with a later target of the same instance label, as in Prometheus). */
#include "models/prometheus/prometheus.h"
#include "sim/engine/idmap.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include "sim/engine/rng.h"
#include "sim/engine/output.h"

const double asim_prom_default_buckets[] = {
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0
};
const int asim_prom_default_nbuckets = 14;
/* le label values as prometheus_client (floatToGoString) writes them */
static const char *const le_text[] = {
    "0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75",
    "1.0", "2.5", "5.0", "7.5", "10.0", "+Inf"
};

enum {
    S_RT, S_COUNT, S_TOTAL, S_SUM, S_NCOUNT, S_INFO, S_HEALTH, S_CPU,
    S_BUCKET0,                           /* 15 bucket series follow */
    S_UP = S_BUCKET0 + 15,
    S_NSERIES
};

typedef struct target {
    int number;
    int active;                          /* being scraped */
    char instance[160];
    int series[S_NSERIES];               /* -1 until created */
    asim_time next;                      /* next scheduled scrape */
    asim_timer timer;                    /* scrape, or end-of-run staleness */
    int last_ok;                         /* previous scrape succeeded */
    asim_time created;                   /* container start, for the CPU floor */
    /* in-band scrape in flight (app.metrics_port = inband) */
    int pending;                         /* waiting for the replica's answer */
    int timed_out;                       /* the latest finished scrape timed out */
    int tag;                             /* sequence number of the scrape in flight */
    asim_time started;                   /* its start: the samples' timestamp */
    asim_timer deadline;                 /* its scrape_timeout event */
} target;

typedef struct numset {
    int *v;
    int n, cap;
    int valid;
} numset;

struct asim_prom {
    asim_evq *q;
    const asim_config *cfg;
    uint64_t seed;
    asim_cluster *cl;
    asim_tsdb *db;
    FILE *csv;
    asim_csv w;
    asim_time interval, refresh, throttle, reload, timeout;
    int inband;
    target *t;
    int nt, capt;
    asim_idmap by_number;                /* replica number -> its target */
    numset dns_last, dm_pending, sm_pending, scratch;
    int blocking;                        /* reload_model = blocking */
    int rl_waiting;                      /* reloader got a tick, waits for an update */
    int rl_tick_buffered;                /* a tick waits in the ticker's channel (buffer 1) */
    uint64_t scrapes, timeouts;
};

static void on_scrape(void *ctx, uint64_t arg, asim_time now);
static void on_end_staleness(void *ctx, uint64_t arg, asim_time now);
static void on_scrape_timeout(void *ctx, uint64_t arg, asim_time now);

/* --- number sets -------------------------------------------------------- */

static void set_copy(numset *d, const numset *s)
{
    if (d->cap < s->n) {
        d->cap = s->n + 8;
        d->v = asim_realloc(d->v, (size_t)d->cap * sizeof *d->v);
    }
    if (s->n) memcpy(d->v, s->v, (size_t)s->n * sizeof *s->v);
    d->n = s->n;
    d->valid = s->valid;
}

static int set_equal(const numset *a, const numset *b)
{
    return a->valid == b->valid && a->n == b->n &&
           (a->n == 0 || memcmp(a->v, b->v, (size_t)a->n * sizeof *a->v) == 0);
}

/* Sets are sorted ascending (resolve_dns builds them, set_copy copies
 * them): a binary search, where a scan made a reload of N targets O(N^2). */
static int set_has(const numset *s, int x)
{
    int lo = 0, hi = s->n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (s->v[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->n && s->v[lo] == x;
}

/* Running containers (starting, ready, draining): what Docker's DNS returns. */
static void resolve_dns(asim_prom *p, numset *out)
{
    out->n = 0;
    out->valid = 1;
    int n = asim_cluster_slots(p->cl);
    for (int i = 0; i < n; i++) {
        if (asim_cluster_state(p->cl, i) == ASIM_CONTAINER_REMOVED) continue;
        ASIM_GROW(out->v, out->cap, out->n + 1, 16);
        int x = asim_cluster_number(p->cl, i), j = out->n++;
        while (j > 0 && out->v[j - 1] > x) { out->v[j] = out->v[j - 1]; j--; }
        out->v[j] = x;
    }
}

/* --- targets -------------------------------------------------------------- */

/* Targets are never removed (a replica number's target is reused), so a
 * map from number to target replaces a scan of every target: starting N
 * targets was O(N^2), at 10,000 replicas half of the set-up. */
static int find_target(const asim_prom *p, int number)
{
    return asim_idmap_get(&p->by_number, number);
}

static asim_time phase_of(const asim_prom *p, const char *instance)
{
    char name[200];
    snprintf(name, sizeof name, "scrape_phase:%s", instance);
    return asim_rng_phase(p->seed, name, p->interval);
}

/* First instant > now congruent to the target's phase modulo the interval. */
static asim_time first_scrape(const asim_prom *p, const target *t, asim_time now)
{
    asim_time ph = phase_of(p, t->instance);
    asim_time k = now - ph;
    asim_time r = ((k % p->interval) + p->interval) % p->interval;
    asim_time wait = p->interval - r;
    return now + wait;
}

static void start_target(asim_prom *p, int number, asim_time now)
{
    int i = find_target(p, number);
    if (i < 0) {
        ASIM_GROW(p->t, p->capt, p->nt + 1, 16);
        i = p->nt++;
        target *t = &p->t[i];
        memset(t, 0, sizeof *t);
        t->number = number;
        asim_idmap_set(&p->by_number, number, i);
        snprintf(t->instance, sizeof t->instance, "%s-%d:%d",
                 p->cfg->container.service_name, number, p->cfg->app.port);
        for (int s = 0; s < S_NSERIES; s++) t->series[s] = -1;
    }
    target *t = &p->t[i];
    if (t->timer) asim_evq_cancel(p->q, t->timer);   /* pending end-of-run staleness is skipped */
    t->active = 1;
    t->last_ok = 0;
    t->created = now;
    t->next = first_scrape(p, t, now);
    t->timer = asim_evq_at(p->q, t->next, on_scrape, p, (uint64_t)i);
}

/* Forget the in-flight in-band scrape (its answer, if any, is ignored). */
static void abort_scrape(asim_prom *p, target *t)
{
    if (t->deadline) asim_evq_cancel(p->q, t->deadline);
    t->deadline = 0;
    t->pending = 0;
}

static void stop_target(asim_prom *p, int i)
{
    target *t = &p->t[i];
    t->active = 0;
    abort_scrape(p, t);   /* Prometheus cancels the loop's context: no samples from it */
    if (t->timer) asim_evq_cancel(p->q, t->timer);
    t->timer = asim_evq_at(p->q, t->next, on_end_staleness, p, (uint64_t)i);
}

static void apply_targets(asim_prom *p, const numset *s, asim_time now)
{
    for (int i = 0; i < p->nt; i++)
        if (p->t[i].active && !set_has(s, p->t[i].number)) stop_target(p, i);
    for (int j = 0; j < s->n; j++) {
        int i = find_target(p, s->v[j]);
        if (i < 0 || !p->t[i].active) start_target(p, s->v[j], now);
    }
}

/* --- discovery pipeline --------------------------------------------------- */

static void on_dns_refresh(void *ctx, uint64_t arg, asim_time now)
{
    asim_prom *p = ctx;
    resolve_dns(p, &p->scratch);
    if (!set_equal(&p->scratch, &p->dns_last)) {
        set_copy(&p->dns_last, &p->scratch);
        set_copy(&p->dm_pending, &p->scratch);
    }
    asim_evq_after(p->q, p->refresh, on_dns_refresh, p, arg);
}

/* 2.42's reloader (scrape/manager.go): `case <-ticker.C: select { case
 * <-m.triggerReload: m.reload() }` -- after a tick it blocks until an update
 * arrives and reloads at once; a tick that fires meanwhile waits in the
 * ticker's one-slot channel.  So in steady state every update is applied the
 * moment the discovery manager sends it. */
static void reload_now(asim_prom *p, asim_time now)
{
    apply_targets(p, &p->sm_pending, now);
    p->sm_pending.valid = 0;
    p->rl_waiting = 0;
    if (p->rl_tick_buffered) {           /* back to the select: the buffered tick is there */
        p->rl_tick_buffered = 0;
        p->rl_waiting = 1;
    }
}

static void on_discovery_tick(void *ctx, uint64_t arg, asim_time now)
{
    asim_prom *p = ctx;
    if (p->dm_pending.valid) {
        set_copy(&p->sm_pending, &p->dm_pending);
        p->dm_pending.valid = 0;
        if (p->blocking && p->rl_waiting) reload_now(p, now);
    }
    asim_evq_after(p->q, p->throttle, on_discovery_tick, p, arg);
}

static void on_reload_tick(void *ctx, uint64_t arg, asim_time now)
{
    asim_prom *p = ctx;
    if (!p->blocking) {
        if (p->sm_pending.valid) {
            apply_targets(p, &p->sm_pending, now);
            p->sm_pending.valid = 0;
        }
    } else if (p->rl_waiting) {
        p->rl_tick_buffered = 1;
    } else if (p->sm_pending.valid) {
        reload_now(p, now);
    } else {
        p->rl_waiting = 1;
    }
    asim_evq_after(p->q, p->reload, on_reload_tick, p, arg);
}

/* prometheus.sd = file: the file changed; the watcher (fsnotify) makes the
 * file discoverer re-read it at once and hand it to the discovery manager. */
void asim_prom_sd_changed(asim_prom *p, asim_time now)
{
    ASIM_UNUSED(now);
    if (!p || p->cfg->prometheus.sd != ASIM_SD_FILE) return;
    resolve_dns(p, &p->scratch);
    if (!set_equal(&p->scratch, &p->dns_last)) {
        set_copy(&p->dns_last, &p->scratch);
        set_copy(&p->dm_pending, &p->scratch);
    }
}

/* --- scraping --------------------------------------------------------------- */

static int series_id(asim_prom *p, target *t, int s)
{
    if (t->series[s] >= 0) return t->series[s];
    static const char *const names[] = {
        "webapp_response_time_seconds", "webapp_request_count", "webapp_total_requests",
        "webapp_request_duration_seconds_sum", "webapp_request_duration_seconds_count",
        "webapp_info", "webapp_health_status", "container_cpu_usage_seconds_total"
    };
    asim_label l[4];
    size_t n = 0;
    l[n++] = (asim_label){ "__name__", s >= S_BUCKET0 && s < S_UP ? "webapp_request_duration_seconds_bucket"
                                     : s == S_UP ? "up" : names[s] };
    l[n++] = (asim_label){ "instance", t->instance };
    l[n++] = (asim_label){ "job", p->cfg->prometheus.job };
    if (s >= S_BUCKET0 && s < S_UP) l[n++] = (asim_label){ "le", le_text[s - S_BUCKET0] };
    if (s == S_INFO) l[n++] = (asim_label){ "version", ASIM_APP_VERSION };
    t->series[s] = asim_tsdb_series(p->db, l, n);
    return t->series[s];
}

static void append(asim_prom *p, target *t, int s, int64_t ms, double v)
{
    asim_tsdb_append(p->db, series_id(p, t, s), ms, v);
}

static void mark_stale(asim_prom *p, target *t, int64_t ms, int include_up)
{
    for (int s = 0; s < S_NSERIES; s++) {
        if (s == S_UP && !include_up) continue;
        if (t->series[s] >= 0) asim_tsdb_append_stale(p->db, t->series[s], ms);
    }
}

/* One scrapes.csv row, `now` the scrape's start.  In-band runs add the
 * scrape's duration and why it failed ("timeout", "down"); sidecar runs keep
 * the historical columns byte for byte. */
static void write_row(asim_prom *p, const target *t, asim_time now, int up, const asim_webapp_snapshot *s,
                      double duration, const char *error)
{
    if (!p->csv) return;
    char tb[32];
    snprintf(tb, sizeof tb, "%.3f", ASIM_TO_SEC(now));
    asim_csv_str(&p->w, tb);
    asim_csv_str(&p->w, t->instance);
    asim_csv_int(&p->w, up);
    if (up) {
        asim_csv_num(&p->w, s->response_time);
        asim_csv_num(&p->w, s->request_count);
        asim_csv_num(&p->w, s->total_requests);
        asim_csv_num(&p->w, s->health);
    } else {
        for (int k = 0; k < 4; k++) asim_csv_str(&p->w, "");
    }
    if (p->inband) {
        if (duration >= 0) asim_csv_num(&p->w, duration);
        else asim_csv_str(&p->w, "");
        asim_csv_str(&p->w, error);
    }
    asim_csv_end(&p->w);
}

/* A successful scrape started at `start` and answered at `now`: its samples
 * carry the start time (Prometheus's appendTime) but exist only from `now`,
 * because they are appended when the answer arrives. */
static void scrape_ok(asim_prom *p, target *t, asim_webapp *app, asim_time start, asim_time now)
{
    int64_t ms = ASIM_TO_MS(start);
    asim_webapp_snapshot s;
    asim_webapp_scrape(app, now, &s);
    append(p, t, S_RT, ms, s.response_time);
    append(p, t, S_COUNT, ms, s.request_count);
    append(p, t, S_TOTAL, ms, s.total_requests);
    append(p, t, S_SUM, ms, s.duration_sum);
    append(p, t, S_NCOUNT, ms, s.duration_count);
    append(p, t, S_INFO, ms, 1);
    append(p, t, S_HEALTH, ms, s.health);
    append(p, t, S_CPU, ms, s.cpu_seconds + p->cfg->app.cpu_idle_floor * ASIM_TO_SEC(now - t->created));
    for (int b = 0; b <= asim_prom_default_nbuckets; b++)
        append(p, t, S_BUCKET0 + b, ms, (double)s.bucket_cum[b]);
    append(p, t, S_UP, ms, 1);
    t->last_ok = 1;
    t->timed_out = 0;
    write_row(p, t, start, 1, &s, ASIM_TO_SEC(now - start), "");
}

/* A failed scrape (target down, or no answer within scrape_timeout): up 0
 * and staleness markers, all stamped with the scrape's start. */
static void scrape_failed(asim_prom *p, target *t, asim_time start, double duration, const char *why)
{
    int64_t ms = ASIM_TO_MS(start);
    if (t->last_ok) mark_stale(p, t, ms, 0);
    append(p, t, S_UP, ms, 0);
    t->last_ok = 0;
    t->timed_out = strcmp(why, "timeout") == 0;
    p->timeouts += (uint64_t)t->timed_out;
    write_row(p, t, start, 0, NULL, duration, why);
}

static void on_scrape_done(void *ctx, asim_webapp *w, int index, int tag, asim_time now)
{
    asim_prom *p = ctx;
    target *t = &p->t[index];
    if (!t->pending || t->tag != tag) return;       /* answer to a scrape already timed out */
    asim_evq_cancel(p->q, t->deadline);
    t->deadline = 0;
    t->pending = 0;
    scrape_ok(p, t, w, t->started, now);
}

static void on_scrape_timeout(void *ctx, uint64_t arg, asim_time now)
{
    asim_prom *p = ctx;
    target *t = &p->t[arg];
    t->deadline = 0;
    t->pending = 0;
    scrape_failed(p, t, t->started, ASIM_TO_SEC(now - t->started), "timeout");
}

static void on_scrape(void *ctx, uint64_t arg, asim_time now)
{
    asim_prom *p = ctx;
    target *t = &p->t[arg];
    int slot = asim_cluster_find(p->cl, t->number);
    p->scrapes++;
    if (t->pending) on_scrape_timeout(p, arg, now);   /* timeout == interval: the tie goes to the timeout */
    if (slot >= 0 && asim_cluster_state(p->cl, slot) == ASIM_CONTAINER_READY) {
        asim_webapp *app = asim_cluster_webapp(p->cl, slot);
        if (p->inband) {
            t->pending = 1;
            t->started = now;
            if (++t->tag <= 0) t->tag = 1;
            t->deadline = asim_evq_at(p->q, now + p->timeout, on_scrape_timeout, p, arg);
            asim_webapp_offer_scrape(app, (int)arg, t->tag, p->cfg->app.metrics_service, now, on_scrape_done, p);
        } else {
            scrape_ok(p, t, app, now, now);
        }
    } else {
        scrape_failed(p, t, now, -1, "down");
    }
    t->next = now + p->interval;
    t->timer = asim_evq_at(p->q, t->next, on_scrape, p, arg);
}

static void on_end_staleness(void *ctx, uint64_t arg, asim_time now)
{
    asim_prom *p = ctx;
    target *t = &p->t[arg];
    t->timer = 0;
    /* the scrape cache holds the series of the last successful scrape only;
     * the report series (up) always get their marker */
    int64_t ms = ASIM_TO_MS(now);
    if (t->last_ok) mark_stale(p, t, ms, 0);
    if (t->series[S_UP] >= 0) asim_tsdb_append_stale(p->db, t->series[S_UP], ms);
    t->last_ok = 0;
}

/* --- public --------------------------------------------------------------- */

asim_prom *asim_prom_create(asim_evq *q, const asim_config *cfg, uint64_t seed,
                            asim_cluster *cl, asim_tsdb *db, FILE *scrapes_csv)
{
    asim_prom *p = asim_calloc(1, sizeof *p);
    p->q = q;
    p->cfg = cfg;
    p->seed = seed;
    p->cl = cl;
    p->db = db;
    p->csv = scrapes_csv;
    p->interval = ASIM_SEC(cfg->prometheus.scrape_interval);
    p->refresh = ASIM_SEC(cfg->prometheus.refresh_interval);
    p->throttle = ASIM_SEC(cfg->prometheus.discovery_throttle);
    p->reload = ASIM_SEC(cfg->prometheus.reload_interval);
    double to = cfg->prometheus.scrape_timeout;
    if (to <= 0) to = cfg->prometheus.scrape_interval < 10 ? cfg->prometheus.scrape_interval : 10;
    p->timeout = ASIM_SEC(to);
    p->inband = cfg->app.metrics_port == ASIM_METRICS_INBAND;
    if (scrapes_csv) {
        asim_csv_init(&p->w, scrapes_csv);
        const char *h[] = { "time", "instance", "up", "response_time", "request_count", "total_requests", "health" };
        for (size_t i = 0; i < ASIM_ARRAY_LEN(h); i++) asim_csv_str(&p->w, h[i]);
        if (p->inband) {
            asim_csv_str(&p->w, "duration");
            asim_csv_str(&p->w, "error");
        }
        asim_csv_end(&p->w);
    }
    /* Prometheus starts with the initial containers as targets. */
    resolve_dns(p, &p->dns_last);
    apply_targets(p, &p->dns_last, 0);
    p->blocking = cfg->prometheus.reload_model == ASIM_RELOAD_BLOCKING;
    if (cfg->prometheus.sd == ASIM_SD_DNS)
        asim_evq_at(q, asim_rng_phase(seed, "discovery_refresh", p->refresh) + p->refresh * 0, on_dns_refresh, p, 0);
    asim_time dphase = asim_rng_phase(seed, "discovery_throttle", p->throttle);
    asim_evq_at(q, dphase, on_discovery_tick, p, 0);
    /* blocking (2.42): both tickers start with the process, in step; the
     * scrape manager's after the discovery manager's (it waits for the
     * config), so at an equal instant the update goes first */
    asim_evq_at(q, p->blocking ? dphase : asim_rng_phase(seed, "scrape_reload", p->reload), on_reload_tick, p, 0);
    return p;
}

void asim_prom_destroy(asim_prom *p)
{
    if (!p) return;
    asim_free(p->t);
    asim_idmap_free(&p->by_number);
    asim_free(p->dns_last.v);
    asim_free(p->dm_pending.v);
    asim_free(p->sm_pending.v);
    asim_free(p->scratch.v);
    asim_free(p);
}

uint64_t asim_prom_scrapes(const asim_prom *p) { return p->scrapes; }
uint64_t asim_prom_scrape_timeouts(const asim_prom *p) { return p->timeouts; }

int asim_prom_timed_out(const asim_prom *p, char *buf, size_t size)
{
    int n = 0;
    size_t len = 0;
    if (size) buf[0] = 0;
    for (int i = 0; i < p->nt; i++) {
        if (!p->t[i].active || !p->t[i].timed_out) continue;
        if (len < size) len += (size_t)snprintf(buf + len, size - len, "%s%s", n ? "," : "", p->t[i].instance);
        n++;
    }
    return n;
}

int asim_prom_targets(const asim_prom *p)
{
    int n = 0;
    for (int i = 0; i < p->nt; i++) n += p->t[i].active;
    return n;
}
