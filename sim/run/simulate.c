/* simulate.c -- one run: build the models, run the event loop, fold the
 * results into the summary and the run's files (see simulate.h).
 *
 * Random streams (all derived from the run seed by name, rng.h):
 *   arrivals (the profile source), service (each request's demand, drawn at
 *   arrival in arrival order), container_start, actuation, balancer; scrape
 *   and discovery phases are hashes of the seed and a name.  A policy
 *   setting therefore never changes the traffic or the service demands.
 *
 * Same-instant order: events at one instant run in the order they were
 * scheduled (evq.h).  Per-second rows are not events: the loop runs the
 * queue up to t - 1 ns and then writes the row for [t-1, t), so whatever
 * happens at exactly t belongs to row t.
 *
 * Streams, not stores: per-request data goes into two histograms (whole run,
 * current second) and counters; memory does not grow with duration. */
#include "sim/run/simulate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "sim/engine/evq.h"
#include "sim/engine/rng.h"
#include "sim/engine/stats.h"
#include "sim/engine/output.h"
#include "sim/config/settings.h"
#include "models/prometheus/tsdb.h"
#include "models/stack/webapp.h"
#include "models/stack/cluster.h"
#include "models/prometheus/prometheus.h"
#include "models/scaling/scaler.h"
#include "models/stack/sources.h"
#include "models/stack/closed.h"
#include "models/prometheus/alerts.h"
#include "models/prometheus/rules.h"
#include "sim/run/elastic.h"
#include "models/promql/promql.h"
#include "models/prometheus/openmetrics.h"
#include "models/scaling/policy_util.h"
#include "sim/engine/timefmt.h"
#include "sim/run/replayed.h"
#include "models/stack/host.h"
#include "sim/run/hosts_out.h"
#include "sim/engine/hash.h"
#include "sim/run/sim_cache.h"

enum { F_TIMESERIES, F_SCRAPES, F_EVENTS, F_LOG, F_ALERTS, F_NFILES };
static const char *const file_names[F_NFILES] = {
    "timeseries.csv", "scrapes.csv", "events.csv", "scaler.log", "alerts.csv"
};

typedef struct sim sim;

/* Calls in progress between services: who waits for each.  Pooled (free
 * list), grown geometrically: no allocation per call in steady state.  A
 * call id is index + 1. */
typedef struct callrec {
    sim *caller;
    int number;                        /* the caller's replica number */
    int slot;                          /* its worker */
    int next;                          /* free list */
} callrec;

typedef struct callreg {
    callrec *v;
    size_t cap;
    int free_head;
} callreg;

struct sim {
    const asim_config *cfg;
    asim_sim_cache *cache;             /* the process's reusable parts, or NULL (sim_cache.h) */
    /* More services (cfg->ext.services): each a sim of its own on the
     * parent's event queue, hosts and TSDB, with files in services/NAME/. */
    const sim *parent;                 /* NULL for the scenario's own service */
    sim *children;
    size_t nchildren;
    asim_config own_cfg;               /* a child's configuration (asim_config_service) */
    char dir[4096];                    /* a child's directory, "" without files */
    sim *call_target;                  /* calls.service, NULL: none */
    gsl_rng *rng_calls;                /* stream "calls": which requests call */
    callreg *calls;                    /* the run's calls in progress (the root's) */
    uint64_t seed;
    asim_evq *q;
    asim_time horizon;
    gsl_rng *rng_service, *rng_start, *rng_actuation, *rng_balancer;
    asim_sources *sources;
    int lane[ASIM_EVQ_LANES];          /* the event-queue lane of source i, -1: none */
    asim_closed *closed;               /* traffic.arrivals = closed */
    gsl_rng *rng_think;
    const asim_dist *classes;
    size_t nclasses;
    asim_tsdb *db;
    asim_cluster *cl;
    asim_prom *prom;
    asim_scaler *scaler;
    asim_alerts *alerts;
    asim_rules *rules;                 /* prometheus.rule_groups */
    asim_elastic *elastic;
    asim_om *om;                       /* OpenMetrics export, when asked */
    asim_hosts *hosts;                 /* shared hosts (hosts.count > 0), else NULL */
    asim_hosts_out *hosts_out;         /* hosts.csv and host metrics */
    /* files */
    asim_afile f[F_NFILES];
    int have_files;
    asim_csv ts, ev;
    time_t epoch;                      /* wall-clock of t=0 (s), for logs */
    int64_t epoch_ms;                  /* the same in ms, for the OpenMetrics export */
    /* accounting */
    asim_hist_pair *lat;               /* whole run, and the current second */
    uint64_t arrivals, completed, rejected, timeouts, dropped, slow;
    uint64_t syn_retries, connect_timeouts;
    uint64_t sec_arrivals, sec_completed, sec_rejected, sec_timeouts;
    asim_twmean running;               /* starting + ready + draining containers */
    double seconds_above, slo_violation_seconds;
    int scale_ups, scale_downs, max_seen;
    double first_scale_up;             /* s, NaN if none */
    uint64_t frozen_actions, frozen_checks;
    uint64_t blind_checks;             /* checks with a target whose last scrape timed out */
    int progress;                      /* ASIM_RUN_PROGRESS */
    double progress_wall;              /* wall clock of the last progress line */
};

/* Wall-clock seconds, for progress lines on stderr only: never in files. */
static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void report_progress(sim *s, asim_time now)
{
    double w = wall_now();
    if (w - s->progress_wall < 1.0) return;
    s->progress_wall = w;
    fprintf(stderr, "autoscale-sim: simulated %.0f of %.0f s (%.0f%%), %llu requests\n",
            ASIM_TO_SEC(now), ASIM_TO_SEC(s->horizon), 100.0 * (double)now / (double)s->horizon,
            (unsigned long long)s->arrivals);
}

static char run_label[256];

void asim_simulate_set_run_label(const char *name)
{
    snprintf(run_label, sizeof run_label, "%s", name ? name : "");
}

/* ------------------------------------------------------------------ */
/* accounting hooks                                                     */

static void call_returned(sim *s, uint32_t id, int ok, asim_time now);

static void on_completed(void *ctx, const asim_request *r, double lat, asim_time now)
{
    sim *s = ctx;
    if (r->parent) call_returned(s, r->parent, 1, now);
    asim_hist_pair_add(s->lat, lat);
    s->completed++;
    s->sec_completed++;
    if (lat > s->cfg->ext.slo.latency) s->slow++;
    if (r->tag > 0 && s->closed) asim_closed_returned(s->closed, r->tag - 1, now);
}

static void on_failed(void *ctx, const asim_request *r, asim_fail_kind why, asim_time now)
{
    sim *s = ctx;
    if (r->parent) call_returned(s, r->parent, 0, now);
    if (why == ASIM_FAIL_CONNECT_TIMEOUT) s->connect_timeouts++;   /* also a timeout, as the client sees it */
    if (why == ASIM_FAIL_TIMEOUT || why == ASIM_FAIL_CONNECT_TIMEOUT) { s->timeouts++; s->sec_timeouts++; }
    else { s->rejected++; s->sec_rejected++; if (why == ASIM_FAIL_DROPPED) s->dropped++; }
    if (r->tag > 0 && s->closed) asim_closed_returned(s->closed, r->tag - 1, now);
}

/* Worker `slot` of replica w of service s calls s->call_target: the callee
 * gets a request of its own (its demand from its own service stream, its
 * own accounting), and the caller's worker waits for it. */
static uint32_t on_call(void *ctx, asim_webapp *w, int slot, const asim_request *r, asim_time now)
{
    sim *s = ctx;
    ASIM_UNUSED(r);
    sim *t = s->call_target;
    callreg *g = s->calls;
    if (!t || !g) return 0;
    if (g->free_head < 0) {
        size_t old = g->cap;
        ASIM_GROW(g->v, g->cap, old + 1, 64);
        for (size_t i = g->cap; i-- > old;) {
            g->v[i].next = g->free_head;
            g->free_head = (int)i;
        }
    }
    int i = g->free_head;
    g->free_head = g->v[i].next;
    g->v[i].caller = s;
    g->v[i].number = asim_webapp_id(w);
    g->v[i].slot = slot;
    asim_request c;
    c.arrival = now;
    c.cls = 0;
    c.tag = 0;
    c.demand = asim_dist_sample(&t->classes[0], t->rng_service);
    c.calls = t->call_target && gsl_rng_uniform(t->rng_calls) < t->cfg->ext.services.call_fraction;
    c.parent = (uint32_t)i + 1;
    t->arrivals++;
    t->sec_arrivals++;
    asim_cluster_route(t->cl, &c, now);
    return (uint32_t)i + 1;
}

/* The call `id` ended (ok 0: failed): wake its caller's worker, if the
 * replica still exists (asim_webapp_call_returned ignores a stale id). */
static void call_returned(sim *s, uint32_t id, int ok, asim_time now)
{
    callreg *g = s->calls;
    if (!g || id == 0 || id > g->cap) return;
    callrec rec = g->v[id - 1];
    g->v[id - 1].next = g->free_head;
    g->free_head = (int)id - 1;
    int k = asim_cluster_find(rec.caller->cl, rec.number);
    asim_webapp *w = k >= 0 ? asim_cluster_webapp(rec.caller->cl, k) : NULL;
    if (w) asim_webapp_call_returned(w, rec.slot, id, ok, now);
}

static void on_syn_retry(void *ctx, const asim_request *r, asim_time now)
{
    sim *s = ctx;
    ASIM_UNUSED(r); ASIM_UNUSED(now);
    s->syn_retries++;
}

static int running_containers(const asim_cluster *cl)
{
    return asim_cluster_compose_ps(cl) + asim_cluster_count(cl, ASIM_CONTAINER_DRAINING);
}

static void on_cluster_changed(void *ctx, asim_time now)
{
    sim *s = ctx;
    if (!s->cl) return;                /* during creation */
    int n = running_containers(s->cl);
    asim_prom_sd_changed(s->prom, now);
    asim_twmean_set(&s->running, now, n);
    if (n > s->max_seen) s->max_seen = n;
}

static void on_actuation_done(void *ctx, int target, int replicas, asim_time now)
{
    sim *s = ctx;
    ASIM_UNUSED(target);
    asim_scaler_actuation_done(s->scaler, replicas, now);
}

/* ------------------------------------------------------------------ */
/* arrivals                                                             */

/* The event argument packs the source index (low 32 bits) and the class of
 * the arrival it announces (high 32 bits), so no per-request record exists
 * outside the replicas. */
static void on_arrival(void *ctx, uint64_t arg, asim_time now);

static uint64_t arrival_arg(size_t src, int cls)
{
    return (uint64_t)src | ((uint64_t)(uint32_t)cls << 32);
}

static void schedule_arrival(sim *s, size_t src, asim_time now)
{
    int cls = 0;
    asim_time next = asim_source_next(asim_sources_get(s->sources, src), now, &cls);
    if (next == ASIM_TIME_MAX || next > s->horizon) return;
    if (next < now) next = now;               /* a source may not go back in time */
    if (src < ASIM_EVQ_LANES && s->lane[src] >= 0)
        asim_evq_lane_at(s->q, s->lane[src], next, arrival_arg(src, cls));
    else
        asim_evq_at(s->q, next, on_arrival, s, arrival_arg(src, cls));
}

/* A request enters: its demand is drawn now, in arrival order (common
 * random numbers); tag names a closed-loop client (0: open arrivals). */
static void admit(sim *s, int cls, int tag, asim_time now)
{
    asim_request r;
    r.arrival = now;
    r.cls = cls < (int)s->nclasses ? cls : 0;
    r.tag = tag;
    r.demand = asim_dist_sample(&s->classes[r.cls], s->rng_service);
    r.calls = s->call_target && gsl_rng_uniform(s->rng_calls) < s->cfg->ext.services.call_fraction;
    r.parent = 0;
    s->arrivals++;
    s->sec_arrivals++;
    asim_cluster_route(s->cl, &r, now);
}

static void on_arrival(void *ctx, uint64_t arg, asim_time now)
{
    sim *s = ctx;
    size_t src = (size_t)(arg & 0xffffffffu);
    admit(s, (int)(arg >> 32), 0, now);
    schedule_arrival(s, src, now);
}

static void on_client_send(void *ctx, int client, asim_time now)
{
    admit(ctx, 0, client + 1, now);
}

/* ------------------------------------------------------------------ */
/* per-second rows                                                      */

static void csv_opt(asim_csv *w, double v)
{
    if (isnan(v)) asim_csv_str(w, "");
    else asim_csv_num(w, v);
}

/* The row for [t-1, t), written once every event before t has run and none
 * at t has (see run_seconds). */
static void second_row(sim *s, asim_time now)
{
    double t = ASIM_TO_SEC(now) - 1;            /* the row covers [t, t+1) */
    double metric = asim_scaler_last_metric(s->scaler);
    double rate = asim_sources_rate(s->sources, now - ASIM_NS_PER_SEC);
    int ready = asim_cluster_count(s->cl, ASIM_CONTAINER_READY);
    if (!isnan(metric) && metric > s->cfg->scaler.scale_up_threshold) s->seconds_above += 1;
    const asim_hist *sec = asim_hist_pair_period(s->lat);
    int violated = s->sec_rejected + s->sec_timeouts > 0 ||
                   (asim_hist_count(sec) > 0 && asim_hist_mean(sec) > s->cfg->ext.slo.latency);
    if (violated) s->slo_violation_seconds += 1;
    if (s->elastic) asim_elastic_second(s->elastic, t, rate, ready);
    if (s->have_files) {
        asim_csv *w = &s->ts;
        asim_csv_int(w, (long long)t);
        asim_csv_int(w, (long long)s->sec_arrivals);
        asim_csv_int(w, (long long)s->sec_completed);
        asim_csv_int(w, (long long)s->sec_rejected);
        asim_csv_int(w, (long long)s->sec_timeouts);
        asim_csv_int(w, asim_cluster_in_flight(s->cl));
        asim_csv_int(w, ready);
        asim_csv_int(w, asim_cluster_count(s->cl, ASIM_CONTAINER_STARTING));
        asim_csv_int(w, asim_cluster_count(s->cl, ASIM_CONTAINER_DRAINING));
        static const double qs[3] = { 0.50, 0.95, 0.99 };
        double qv[3], mean = asim_hist_mean(sec);
        asim_hist_pair_close_quantiles(s->lat, qs, 3, qv);   /* the second ends here */
        csv_opt(w, mean);
        for (int i = 0; i < 3; i++) csv_opt(w, qv[i]);
        csv_opt(w, metric);
        csv_opt(w, rate);
        asim_csv_int(w, asim_cluster_target(s->cl));
        asim_csv_end(w);
    }
    if (s->hosts_out) asim_hosts_out_second(s->hosts_out, t);
    if (!s->have_files) asim_hist_pair_close(s->lat);
    s->sec_arrivals = s->sec_completed = s->sec_rejected = s->sec_timeouts = 0;
    if (s->progress && (int64_t)t % 600 == 599) report_progress(s, now);
}

/* Run the event loop second by second: events in [t-1, t) (up to t - 1 ns),
 * then the row for that second, so an event at exactly t (a check at 20 s)
 * always lands in row t whatever order it was scheduled in.  Events at the
 * horizon itself still run. */
static void run_seconds(sim *s)
{
    for (asim_time t = ASIM_NS_PER_SEC; t <= s->horizon; t += ASIM_NS_PER_SEC) {
        asim_evq_run(s->q, t - 1);
        second_row(s, t);
        for (size_t i = 0; i < s->nchildren; i++) second_row(&s->children[i], t);
    }
    asim_evq_run(s->q, s->horizon);
}

/* ------------------------------------------------------------------ */
/* scaler events and the seed's log                                     */

static void fmt_wall(const sim *s, asim_time t, char *buf, size_t len)
{
    asim_civil c;
    asim_civil_from_unix((int64_t)s->epoch + t / ASIM_NS_PER_SEC, &c);
    snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.month, c.day, c.hour, c.min, c.sec);
}

static const char *RULE = "============================================================";
static const char *LINE = "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80"
                          "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80"
                          "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80"
                          "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80"
                          "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80"
                          "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80";

static void log_check(sim *s, const asim_check *c)
{
    FILE *f = s->f[F_LOG].f;
    const asim_scaler_cfg *sc = &s->cfg->scaler;
    char when[32];
    fmt_wall(s, c->now, when, sizeof when);
    fprintf(f, "%s\nIteration #%d - %s\n%s\n", RULE, c->iteration, when, RULE);
    if (isnan(c->out.metric)) {
        fprintf(f, "No data available from Prometheus (query returned no series)\n");
        fprintf(f, "Current State:\n  \xe2\x80\xa2 Current Replicas: %d\n\n", c->replicas);
        return;
    }
    fprintf(f, "Current State:\n");
    asim_scaler_log_state(s->scaler, &c->out, f);
    fprintf(f, "  \xe2\x80\xa2 Current Replicas: %d\n", c->replicas);
    if (c->frozen)
        fprintf(f, "  WARNING frozen gauge: no request completed since the previous check; "
                   "webapp_response_time_seconds still shows old latencies\n");
    fprintf(f, "\n");
    switch (c->out.decision) {
    case ASIM_DEC_SCALE_UP:
    case ASIM_DEC_SCALE_DOWN: {
        int up = c->out.decision == ASIM_DEC_SCALE_UP;
        fprintf(f, "%s\nSCALING ACTION REQUIRED\n%s\n", LINE, LINE);
        fprintf(f, "  Direction: %s\n  Current:   %d replicas\n  Target:    %d replicas\n"
                   "  Change:    %+d replicas\n  Executing scaling action...\n",
                up ? "UP" : "DOWN", c->replicas, c->out.desired, c->out.desired - c->replicas);
        break;
    }
    case ASIM_DEC_COOLDOWN:
        fprintf(f, "Scaling decision: Cooldown active - %s\n", c->out.reason);
        break;
    case ASIM_DEC_AT_MAX:
        fprintf(f, "Scaling decision: At maximum replicas (%d)\n", sc->max_replicas);
        break;
    case ASIM_DEC_AT_MIN:
        fprintf(f, "Scaling decision: At minimum replicas (%d)\n", sc->min_replicas);
        break;
    default:
        fprintf(f, "Scaling decision: No action (%s)\n", c->out.reason);
        break;
    }
}

static void event_row(sim *s, asim_time now, const char *kind, double metric, int replicas,
                      int hi, int lo, const char *decision, int desired, const char *reason)
{
    asim_csv *w = &s->ev;
    char tb[32];
    snprintf(tb, sizeof tb, "%.3f", ASIM_TO_SEC(now));
    asim_csv_str(w, tb);
    asim_csv_str(w, kind);
    csv_opt(w, metric);
    asim_csv_int(w, replicas);
    if (hi >= 0) asim_csv_int(w, hi); else asim_csv_str(w, "");
    if (lo >= 0) asim_csv_int(w, lo); else asim_csv_str(w, "");
    asim_csv_str(w, decision);
    asim_csv_int(w, desired);
    asim_csv_str(w, reason);
    asim_csv_end(w);
}

static void on_checked(void *ctx, const asim_check *c)
{
    sim *s = ctx;
    int acts = c->out.desired != c->replicas;
    if (c->frozen) {
        s->frozen_checks++;
        if (acts) s->frozen_actions++;
    }
    if (c->out.decision == ASIM_DEC_SCALE_UP) {
        s->scale_ups++;
        if (isnan(s->first_scale_up)) s->first_scale_up = ASIM_TO_SEC(c->now);
    } else if (c->out.decision == ASIM_DEC_SCALE_DOWN) {
        s->scale_downs++;
    }
    char who[200];
    int nblind = s->prom ? asim_prom_timed_out(s->prom, who, sizeof who) : 0;
    s->blind_checks += nblind > 0;
    if (!s->have_files) return;
    char reason[800], blind[320] = "";
    if (nblind)
        snprintf(blind, sizeof blind, "; WARNING: blind to %d of %d targets (last scrape timed out: %s)",
                 nblind, asim_prom_targets(s->prom), who);
    snprintf(reason, sizeof reason, "%s%s%s", c->out.reason,
             c->frozen ? "; WARNING: frozen gauge (no request completed since the previous check)" : "", blind);
    event_row(s, c->now, "check", c->out.metric, c->replicas, c->out.high_breaches, c->out.low_breaches,
              asim_decision_name(c->out.decision), c->out.desired, reason);
    log_check(s, c);
}

static void on_actuation(void *ctx, int started, int from, int to, asim_time now)
{
    sim *s = ctx;
    if (!s->have_files) return;
    char reason[160];
    if (started) snprintf(reason, sizeof reason, "playbook started: scale %d -> %d", from, to);
    else snprintf(reason, sizeof reason, "playbook returned: %d replicas", to);
    event_row(s, now, started ? "actuation_start" : "actuation_end", NAN, started ? from : to,
              -1, -1, "", to, reason);
    if (!started) {
        fprintf(s->f[F_LOG].f, "  Successfully scaled to %d replicas\n%s\n", to, LINE);
    }
}

/* ------------------------------------------------------------------ */
/* alerts                                                               */

static void on_alert_eval(void *ctx, uint64_t arg, asim_time now)
{
    sim *s = ctx;
    asim_alerts_eval(s->alerts, s->db, ASIM_TO_MS(now), s->have_files ? s->f[F_ALERTS].f : NULL);
    asim_time next = now + ASIM_SEC(s->cfg->prometheus.evaluation_interval);
    if (next <= s->horizon) asim_evq_at(s->q, next, on_alert_eval, s, arg);
}

/* One evaluation of rule group `arg`, on its own grid (rules.h). */
static void on_group_eval(void *ctx, uint64_t arg, asim_time now)
{
    sim *s = ctx;
    asim_rules_eval_group(s->rules, (size_t)arg, s->db, ASIM_TO_MS(now),
                          (int64_t)(s->cfg->prometheus.lookback_delta * 1000 + 0.5),
                          s->have_files ? s->f[F_ALERTS].f : NULL);
    asim_time next = now + (asim_time)asim_rules_interval_ns(s->rules, (size_t)arg);
    if (next <= s->horizon) asim_evq_at(s->q, next, on_group_eval, s, arg);
}

/* ------------------------------------------------------------------ */
/* set-up and tear-down                                                 */

static int open_files(sim *s, const char *dir, asim_err *err)
{
    char path[4096];
    for (int i = 0; i < F_NFILES; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, file_names[i]);
        int rc = asim_afile_open(&s->f[i], path, err);
        if (rc) {
            for (int j = 0; j < i; j++) asim_afile_abort(&s->f[j]);
            return rc;
        }
    }
    s->have_files = 1;
    asim_csv_init(&s->ts, s->f[F_TIMESERIES].f);
    static const char *const th[] = {
        "time", "arrivals", "completions", "rejections", "timeouts", "in_flight", "replicas_ready",
        "replicas_starting", "replicas_draining", "latency_mean", "latency_p50", "latency_p95",
        "latency_p99", "metric", "offered_rate", "desired_replicas"
    };
    for (size_t i = 0; i < ASIM_ARRAY_LEN(th); i++) asim_csv_str(&s->ts, th[i]);
    asim_csv_end(&s->ts);
    asim_csv_init(&s->ev, s->f[F_EVENTS].f);
    static const char *const eh[] = {
        "time", "kind", "metric", "replicas", "high_breaches", "low_breaches", "decision", "desired", "reason"
    };
    for (size_t i = 0; i < ASIM_ARRAY_LEN(eh); i++) asim_csv_str(&s->ev, eh[i]);
    asim_csv_end(&s->ev);
    if (s->alerts) asim_alerts_csv_header(s->f[F_ALERTS].f);
    else fprintf(s->f[F_ALERTS].f, "time,alert,labels,state,value\n");
    return 0;
}

static void destroy_models(sim *s)
{
    for (size_t i = 0; i < s->nchildren; i++) {
        destroy_models(&s->children[i]);
        asim_config_free(&s->children[i].own_cfg);
    }
    asim_free(s->children);
    s->children = NULL;
    s->nchildren = 0;
    if (s->om) asim_om_abort(s->om);
    for (int i = 0; i < F_NFILES; i++)
        if (s->have_files) asim_afile_abort(&s->f[i]);
    asim_rules_destroy(s->rules);
    if (s->alerts) asim_alerts_destroy(s->alerts);
    if (s->elastic) asim_elastic_destroy(s->elastic);
    asim_scaler_destroy(s->scaler);
    asim_prom_destroy(s->prom);
    asim_cluster_destroy(s->cl);
    asim_sources_destroy(s->sources);
    asim_closed_destroy(s->closed);      /* cancels its events: before the queue */
    if (!s->parent) {                    /* the shared parts */
        asim_hosts_out_destroy(s->hosts_out);
        asim_hosts_destroy(s->hosts);    /* after the clusters: their containers are cgroups here */
        asim_tsdb_destroy(s->db);
        asim_evq_destroy(s->q);
    }
    asim_sim_cache_put_rng(s->cache, s->rng_think);
    asim_sim_cache_put_rng(s->cache, s->rng_calls);
    if (!s->parent && s->calls) {
        asim_free(s->calls->v);
        asim_free(s->calls);
    }
    asim_sim_cache_put_rng(s->cache, s->rng_service);
    asim_sim_cache_put_rng(s->cache, s->rng_start);
    asim_sim_cache_put_rng(s->cache, s->rng_actuation);
    asim_sim_cache_put_rng(s->cache, s->rng_balancer);
    asim_sim_cache_put_hist_pair(s->cache, s->lat);
}

static int query_reach(const asim_config *cfg, int64_t lookback_ms, int64_t *reach, asim_err *err);

/* How far back (ms) a service's queries reach: the scaler's and its policy's. */
static int service_reach(const asim_config *cfg, int64_t lookback_ms, int64_t *reach, asim_err *err)
{
    int rc = query_reach(cfg, lookback_ms, reach, err);
    if (rc) return rc;
    int64_t pr = asim_policies_reach_ms(cfg, lookback_ms);    /* policies' own queries */
    if (pr > *reach) *reach = pr;
    return 0;
}

/* How far back (ms) the scaler's query reaches; checks that it parses. */
static int query_reach(const asim_config *cfg, int64_t lookback_ms, int64_t *reach, asim_err *err)
{
    char msg[256];
    asim_promql *e = asim_promql_parse(cfg->scaler.query, msg, sizeof msg);
    if (!e) return asim_err_set(err, ASIM_EINPUT, "$.scaler.query: %s", msg);
    *reach = asim_promql_reach_ms(e, lookback_ms);
    asim_promql_free(e);
    return 0;
}

/* The seed of a service's random streams: the run seed for the scenario's
 * own service; for another, the run seed mixed with the service's name, so
 * adding a service never shifts the first one's streams. */
static uint64_t stream_seed(const sim *s, uint64_t seed)
{
    const char *name = s->cfg->container.service_name;
    return s->parent ? asim_fnv1a64(ASIM_FNV64_OFFSET ^ seed, name, strlen(name)) : seed;
}

static int build(sim *s, const asim_config *cfg, uint64_t seed, const char *dir,
                 unsigned flags, asim_err *err)
{
    s->cfg = cfg;
    s->seed = seed;
    s->horizon = ASIM_SEC(cfg->duration);
    int64_t epoch_ms = 0;
    if (asim_rfc3339_ms(cfg->start_time, &epoch_ms) != 0)
        return asim_err_set(err, ASIM_EINPUT, "$.start_time: \"%s\" is not an RFC 3339 time", cfg->start_time);
    s->epoch_ms = epoch_ms;
    s->epoch = (time_t)(epoch_ms >= 0 ? epoch_ms / 1000 : -((-epoch_ms + 999) / 1000));
    s->first_scale_up = NAN;
    /* another service draws from streams of its own: the run seed mixed
     * with its name, so adding a service never shifts the first one's */
    uint64_t rseed = stream_seed(s, seed);
    s->q = s->parent ? s->parent->q : asim_evq_create(256);
    if (s->parent) s->cache = s->parent->cache;
    s->rng_service = asim_sim_cache_rng(s->cache, rseed, "service");
    s->rng_start = asim_sim_cache_rng(s->cache, rseed, "container_start");
    s->rng_actuation = asim_sim_cache_rng(s->cache, rseed, "actuation");
    s->rng_balancer = asim_sim_cache_rng(s->cache, rseed, "balancer");
    /* per-second quantiles only for timeseries.csv */
    s->lat = asim_sim_cache_hist_pair(s->cache, dir != NULL);
    int rc = asim_sources_create(cfg, rseed, &s->sources, err);
    if (rc) return rc;
    s->classes = asim_sources_classes(s->sources, &s->nclasses);

    /* The tsdb keeps what the longest query can reach, plus two scrapes. */
    int64_t lookback_ms = (int64_t)(cfg->prometheus.lookback_delta * 1000 + 0.5);
    int64_t reach = 0;
    rc = service_reach(cfg, lookback_ms, &reach, err);
    if (rc) return rc;
    for (size_t i = 0; i < s->nchildren; i++) {             /* one TSDB for every service */
        int64_t cr = 0;
        rc = service_reach(&s->children[i].own_cfg, lookback_ms, &cr, err);
        if (rc) return rc;
        if (cr > reach) reach = cr;
    }
    if (s->parent) {
        s->db = s->parent->db;
    } else {                                                 /* one alert rule set */
        rc = asim_alerts_create(cfg, &s->alerts, err);
        if (rc) return rc;
        int64_t ar = asim_alerts_reach_ms(s->alerts, lookback_ms);
        if (ar > reach) reach = ar;
        rc = asim_rules_create(cfg, s->alerts, &s->rules, err);
        if (rc) return rc;
        ar = asim_rules_reach_ms(s->rules, lookback_ms);
        if (ar > reach) reach = ar;
        s->db = asim_tsdb_create(reach + 2 * (int64_t)(cfg->prometheus.scrape_interval * 1000) + 1000);
    }

    static const asim_webapp_hooks wh_template = { 0 };
    asim_webapp_hooks wh = wh_template;
    wh.ctx = s;
    wh.completed = on_completed;
    wh.failed = on_failed;
    wh.syn_retry = on_syn_retry;
    wh.call = on_call;
    asim_webapp_params ap = {
        cfg->app.workers, cfg->app.backlog, cfg->app.timeout, cfg->app.service.mean,
        (int)cfg->app.gauge, asim_prom_default_buckets, asim_prom_default_nbuckets,
        cfg->app.backlog_full == ASIM_BACKLOG_SYN_DROP, cfg->client.syn_retries, cfg->client.connect_timeout
    };
    asim_cluster_hooks ch = { s, NULL, on_actuation_done, on_cluster_changed };
    asim_cluster_rngs cr = { s->rng_start, s->rng_actuation, s->rng_balancer };
    if (s->parent) s->hosts = s->parent->hosts;
    else if (cfg->ext.hosts.count > 0) s->hosts = asim_hosts_create(s->q, &cfg->ext.hosts);
    s->cl = asim_cluster_create_on(s->q, cfg, &ap, &wh, &ch, &cr, s->hosts);
    asim_twmean_init(&s->running, 0, running_containers(s->cl));
    s->max_seen = running_containers(s->cl);

    asim_scaler_hooks sh = { s, on_checked, on_actuation };
    rc = asim_scaler_create(s->q, cfg, s->cl, s->db, &sh, &s->scaler, err);
    if (rc) return rc;
    s->elastic = asim_elastic_create(cfg);

    if (s->hosts && !s->parent) {
        rc = asim_hosts_out_create(s->hosts, dir, &s->hosts_out, err);
        if (rc) return rc;
    }
    if (dir) {
        rc = open_files(s, dir, err);
        if (rc) return rc;
        if ((flags & ASIM_RUN_OPENMETRICS) && !s->parent) {
            char path[4096];
            snprintf(path, sizeof path, "%s/metrics.om", dir);
            rc = asim_om_create(path, s->epoch_ms, &s->om, err);
            if (rc) return rc;
            if (flags & ASIM_RUN_OM_LABELS) {
                char sd[32];
                snprintf(sd, sizeof sd, "%llu", (unsigned long long)seed);
                asim_om_add_label(s->om, "run", run_label[0] ? run_label : cfg->name);
                asim_om_add_label(s->om, "seed", sd);
            }
            asim_om_attach(s->om, s->db);
        }
    }
    s->prom = asim_prom_create(s->q, cfg, seed, s->cl, s->db, s->have_files ? s->f[F_SCRAPES].f : NULL);
    return 0;
}

/* ------------------------------------------------------------------ */
/* summary                                                              */

static void summarize(sim *s, asim_summary *sum)
{
    const asim_config *cfg = s->cfg;
    double dur = ASIM_TO_SEC(s->horizon);
    double rs = asim_twmean_area(&s->running, s->horizon);
    uint64_t failed = s->rejected + s->timeouts;
    const asim_hist *lat = asim_hist_pair_total(s->lat);
    asim_summary_init(sum, cfg->name, s->seed);
    asim_summary_set(sum, "requests", (double)s->arrivals);
    asim_summary_set(sum, "completed", (double)s->completed);
    asim_summary_set(sum, "rejected", (double)s->rejected);
    asim_summary_set(sum, "timeouts", (double)s->timeouts);
    asim_summary_set(sum, "syn_retries", (double)s->syn_retries);
    asim_summary_set(sum, "connect_timeouts", (double)s->connect_timeouts);
    asim_summary_set(sum, "scrape_timeouts", s->prom ? (double)asim_prom_scrape_timeouts(s->prom) : 0);
    asim_summary_set(sum, "blind_checks", (double)s->blind_checks);
    asim_summary_set(sum, "latency_mean", asim_hist_mean(lat));
    asim_summary_set(sum, "latency_p50", asim_hist_quantile(lat, 0.50));
    asim_summary_set(sum, "latency_p95", asim_hist_quantile(lat, 0.95));
    asim_summary_set(sum, "latency_p99", asim_hist_quantile(lat, 0.99));
    asim_summary_set(sum, "latency_max", asim_hist_max(lat));
    asim_summary_set(sum, "seconds_above_scale_up_threshold", s->seconds_above);
    asim_summary_set(sum, "replica_seconds", rs);
    asim_summary_set(sum, "mean_replicas", dur > 0 ? rs / dur : NAN);
    asim_summary_set(sum, "max_replicas_seen", s->max_seen);
    asim_summary_set(sum, "scale_ups", s->scale_ups);
    asim_summary_set(sum, "scale_downs", s->scale_downs);
    asim_summary_set(sum, "time_to_first_scale_up", s->first_scale_up);
    asim_summary_set(sum, "slo_violation_seconds", s->slo_violation_seconds);
    asim_summary_set(sum, "slo_violation_fraction",
                     s->arrivals ? (double)(s->slow + failed) / (double)s->arrivals : 0);
    asim_summary_set(sum, "error_ratio", s->arrivals ? (double)failed / (double)s->arrivals : 0);
    asim_summary_set(sum, "cost", rs / 3600.0 * cfg->ext.slo.price_per_replica_hour);
    asim_summary_set(sum, "frozen_gauge_checks", (double)s->frozen_checks);
    asim_summary_set(sum, "frozen_gauge_actions", (double)s->frozen_actions);
    asim_sources_summarize(s->sources, sum);
    if (s->alerts) asim_alerts_finish(s->alerts, ASIM_TO_MS(s->horizon), sum);
    if (s->rules) asim_rules_finish(s->rules, sum);
    if (s->elastic) asim_elastic_finish(s->elastic, sum);
    if (s->hosts_out) asim_hosts_out_summarize(s->hosts_out, dur, sum);
}

static int write_summary(const sim *s, const char *dir, const asim_summary *sum, const asim_replayed *rp,
                         asim_err *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "scenario", s->cfg->name);
    cJSON_AddNumberToObject(root, "seed", (double)s->seed);
    cJSON_AddStringToObject(root, "version", ASIM_VERSION);
    if (rp && rp->n) cJSON_AddItemToObject(root, "replays", asim_replayed_json(rp));
    cJSON *m = cJSON_AddObjectToObject(root, "metrics");
    for (size_t i = 0; i < sum->n; i++) {
        if (isfinite(sum->m[i].value)) cJSON_AddNumberToObject(m, sum->m[i].name, sum->m[i].value);
        else cJSON_AddNullToObject(m, sum->m[i].name);
    }
    cJSON_AddItemToObject(root, "settings", asim_config_to_json(s->cfg));
    char *txt = cJSON_Print(root);
    cJSON_Delete(root);
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    int rc = asim_write_text_line(path, txt, err);
    cJSON_free(txt);
    return rc;
}

/* The other services of cfg (cfg->ext.services): their configurations, and
 * with files their directories DIR/services/NAME. */
static int prepare_services(sim *s, const asim_config *cfg, const char *dir, asim_err *err)
{
    size_t n = cfg->ext.services.n;
    if (n == 0) return 0;
    s->children = asim_calloc(n, sizeof *s->children);
    s->nchildren = n;
    for (size_t i = 0; i < n; i++) {
        sim *c = &s->children[i];
        c->parent = s;
        int rc = asim_config_service(cfg, i, &c->own_cfg, err);
        if (rc) return rc;
        if (dir) {
            snprintf(c->dir, sizeof c->dir, "%s/services/%s", dir, cfg->ext.services.v[i].name);
            rc = asim_mkdirs(c->dir, err);
            if (rc) return rc;
        }
    }
    return 0;
}

/* calls.service of each service: its target sim, its "calls" stream, the
 * run's registry of calls in progress. */
static void link_calls(sim *root, uint64_t seed)
{
    for (size_t i = 0; i <= root->nchildren; i++) {
        sim *s = i == 0 ? root : &root->children[i - 1];
        const char *c = s->cfg->ext.services.call;
        if (!*c) continue;
        for (size_t j = 0; j <= root->nchildren; j++) {
            sim *t = j == 0 ? root : &root->children[j - 1];
            if (t != s && strcmp(t->cfg->container.service_name, c) == 0) s->call_target = t;
        }
        if (!s->call_target) continue;
        if (!root->calls) {
            root->calls = asim_calloc(1, sizeof *root->calls);
            root->calls->free_head = -1;
        }
        s->calls = root->calls;
        s->rng_calls = asim_sim_cache_rng(s->cache, stream_seed(s, seed), "calls");
    }
    for (size_t i = 0; i < root->nchildren; i++) root->children[i].calls = root->calls;
}

/* First arrivals of every source; closed-loop clients. */
static void start_traffic(sim *s, uint64_t seed)
{
    const asim_config *cfg = s->cfg;
    /* arrivals wait in lanes while there are lanes (evq.h): the same order,
     * for less work per arrival */
    for (size_t i = 0; i < ASIM_EVQ_LANES; i++)
        s->lane[i] = i < asim_sources_count(s->sources) ? asim_evq_lane(s->q, on_arrival, s) : -1;
    for (size_t i = 0; i < asim_sources_count(s->sources); i++)
        schedule_arrival(s, i, 0);
    if (cfg->traffic.arrivals == ASIM_ARRIVALS_CLOSED) {
        /* own stream "think": closed clients never shift another stream */
        s->rng_think = asim_sim_cache_rng(s->cache, stream_seed(s, seed), "think");
        asim_time end = cfg->traffic.repeat ? s->horizon : ASIM_SEC(asim_profile_length(&cfg->traffic));
        s->closed = asim_closed_create(s->q, cfg->traffic.clients, &cfg->traffic.think, s->rng_think,
                                       0, end, on_client_send, s);
    }
}

/* Another service's summary: its own summary.json and files in its
 * directory, and a few of its metrics in the run's summary as
 * service.NAME.METRIC. */
static void summarize_child(sim *c, asim_summary *run_sum, asim_err *err, int *rc)
{
    static const char *const keep[] = {
        "requests", "completed", "latency_mean", "latency_p95", "error_ratio", "mean_replicas",
        "max_replicas_seen", "scale_ups", "scale_downs", "time_to_first_scale_up"
    };
    asim_summary cs;
    summarize(c, &cs);
    for (size_t k = 0; k < ASIM_ARRAY_LEN(keep); k++) {
        int found = 0;
        double v = asim_summary_get(&cs, keep[k], &found);
        char name[160];
        snprintf(name, sizeof name, "service.%s.%s", c->cfg->container.service_name, keep[k]);
        if (found) asim_summary_set(run_sum, name, v);
    }
    if (!c->have_files || !err) return;
    for (int i = 0; i < F_NFILES && *rc == 0; i++) *rc = asim_afile_commit(&c->f[i], err);
    for (int i = 0; i < F_NFILES; i++) asim_afile_abort(&c->f[i]);
    if (*rc == 0) *rc = write_summary(c, c->dir, &cs, NULL, err);
}

int asim_simulate(const asim_config *cfg, uint64_t seed, const char *out_dir,
                  unsigned flags, asim_summary *sum, asim_run_stats *stats, asim_err *err)
{
    return asim_simulate_cached(NULL, cfg, seed, out_dir, flags, sum, stats, err);
}

int asim_simulate_cached(asim_sim_cache *cache, const asim_config *cfg, uint64_t seed, const char *out_dir,
                         unsigned flags, asim_summary *sum, asim_run_stats *stats, asim_err *err)
{
    sim s;
    memset(&s, 0, sizeof s);
    s.cache = cache;
    s.progress = (flags & ASIM_RUN_PROGRESS) != 0;
    if (s.progress) s.progress_wall = wall_now();
    int rc = prepare_services(&s, cfg, out_dir, err);
    if (rc == 0) rc = build(&s, cfg, seed, out_dir, flags, err);
    for (size_t i = 0; i < s.nchildren && rc == 0; i++) {
        sim *c = &s.children[i];
        rc = build(c, &c->own_cfg, seed, c->dir[0] ? c->dir : NULL, flags, err);
    }
    if (rc) {
        destroy_models(&s);
        return rc;
    }
    link_calls(&s, seed);
    start_traffic(&s, seed);
    for (size_t i = 0; i < s.nchildren; i++) start_traffic(&s.children[i], seed);
    if (s.alerts && asim_alerts_has_default_group(s.alerts)) {
        asim_time period = ASIM_SEC(cfg->prometheus.evaluation_interval);
        asim_time offset = asim_rng_phase(0, "rule_group:webapp", period);
        asim_evq_at(s.q, offset, on_alert_eval, &s, 0);
    }
    for (size_t g = 0; g < asim_rules_ngroups(s.rules); g++) {
        asim_time first = (asim_time)asim_rules_first_ns(s.rules, g, s.epoch_ms * 1000000);
        if (first <= s.horizon) asim_evq_at(s.q, first, on_group_eval, &s, g);
    }
    run_seconds(&s);
    rc = asim_sources_error(s.sources, err);
    summarize(&s, sum);
    for (size_t i = 0; i < s.nchildren; i++) {
        if (rc == 0) rc = asim_sources_error(s.children[i].sources, err);
        summarize_child(&s.children[i], sum, rc == 0 ? err : NULL, &rc);
    }
    /* what the traces covered: for summary.json and the run's warnings */
    asim_replayed *rp = NULL;
    if (rc == 0 && asim_sources_ntraces(s.sources) > 0 && (s.have_files || (flags & ASIM_RUN_WARNINGS))) {
        rp = asim_malloc(sizeof *rp);
        rc = asim_replayed_collect(s.sources, cfg, rp, err);
        if (rc == 0 && (flags & ASIM_RUN_WARNINGS)) asim_replayed_warn(rp, stderr, "autoscale-sim run: warning: ");
    }
    if (stats) {
        stats->events = asim_evq_dispatched(s.q);
        stats->requests = s.arrivals;
        stats->simulated_seconds = ASIM_TO_SEC(s.horizon);
    }
    if (s.have_files) {
        for (int i = 0; i < F_NFILES && rc == 0; i++) rc = asim_afile_commit(&s.f[i], err);
        for (int i = 0; i < F_NFILES; i++) asim_afile_abort(&s.f[i]);
        if (rc == 0 && s.hosts_out) rc = asim_hosts_out_commit(s.hosts_out, err);
        if (rc == 0 && s.om) {
            rc = asim_om_finish(s.om, err);
            s.om = NULL;
        }
        if (rc == 0) rc = write_summary(&s, out_dir, sum, rp, err);
    }
    asim_free(rp);
    destroy_models(&s);
    return rc;
}
