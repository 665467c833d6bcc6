/* test_prometheus.c -- the scrape side of the simulated Prometheus:
 * fixed per-target phases, one timestamp per scrape, discovery delay of a
 * new replica (0..~45 s after it starts), staleness when a target goes,
 * in-band scrapes that wait behind requests and time out. */
#include "check.h"

#include <math.h>
#include "sim/engine/evq.h"
#include "sim/engine/rng.h"
#include "sim/config/settings.h"
#include "models/stack/cluster.h"
#include "models/prometheus/prometheus.h"
#include "models/prometheus/tsdb.h"

typedef struct world {
    asim_config cfg;
    double created2;            /* s: when a second container first existed, NaN before */
    asim_evq *q;
    asim_tsdb *db;
    asim_cluster *cl;
    asim_prom *p;
    gsl_rng *r1, *r2, *r3;
} world;

static void nop_completed(void *c, const asim_request *r, double lat, asim_time t) { ASIM_UNUSED(c); ASIM_UNUSED(r); ASIM_UNUSED(lat); ASIM_UNUSED(t); }
static void nop_failed(void *c, const asim_request *r, asim_fail_kind k, asim_time t) { ASIM_UNUSED(c); ASIM_UNUSED(r); ASIM_UNUSED(k); ASIM_UNUSED(t); }

/* The cluster changed: what simulate.c does (file SD reads the file at once),
 * and note when the second container appeared. */
static void changed(void *ctx, asim_time now)
{
    world *w = ctx;
    if (!w->cl) return;
    if (isnan(w->created2) && asim_cluster_compose_ps(w->cl) >= 2) w->created2 = ASIM_TO_SEC(now);
    asim_prom_sd_changed(w->p, now);
}

static void build_full(world *w, uint64_t seed, int replicas, asim_metrics_port mode,
                       asim_sd_kind sd, asim_reload_model rm)
{
    asim_err err;
    asim_config_defaults(&w->cfg);
    w->cfg.container.initial_replicas = replicas;
    w->cfg.app.metrics_port = mode;
    w->cfg.prometheus.sd = sd;
    w->cfg.prometheus.reload_model = rm;
    w->created2 = NAN;
    w->cl = NULL;
    w->p = NULL;
    CHECK(asim_config_validate(&w->cfg, &err) == 0);
    w->q = asim_evq_create(64);
    w->db = asim_tsdb_create(0);
    w->r1 = asim_rng_stream(seed, "container_start");
    w->r2 = asim_rng_stream(seed, "actuation");
    w->r3 = asim_rng_stream(seed, "balancer");
    asim_webapp_hooks wh = { NULL, nop_completed, nop_failed, NULL, NULL, NULL, NULL };
    asim_webapp_params ap = { 4, 100, 0, 0.06, ASIM_GAUGE_CURRENT, asim_prom_default_buckets, asim_prom_default_nbuckets, 0, 0, 0 };
    asim_cluster_hooks ch = { w, NULL, NULL, changed };
    asim_cluster_rngs cr = { w->r1, w->r2, w->r3 };
    w->cl = asim_cluster_create(w->q, &w->cfg, &ap, &wh, &ch, &cr);
    w->p = asim_prom_create(w->q, &w->cfg, seed, w->cl, w->db, NULL);
}

static void build_mode(world *w, uint64_t seed, int replicas, asim_metrics_port mode)
{
    build_full(w, seed, replicas, mode, ASIM_SD_DNS, ASIM_RELOAD_BLOCKING);
}

static void build(world *w, uint64_t seed, int replicas) { build_mode(w, seed, replicas, ASIM_METRICS_INBAND); }

static void teardown(world *w)
{
    asim_prom_destroy(w->p);
    asim_cluster_destroy(w->cl);
    asim_tsdb_destroy(w->db);
    asim_evq_destroy(w->q);
    asim_rng_free(w->r1); asim_rng_free(w->r2); asim_rng_free(w->r3);
    asim_config_free(&w->cfg);
}

static int series(world *w, const char *name, int replica)
{
    char inst[64];
    snprintf(inst, sizeof inst, "webapp-%d:8000", replica);
    asim_label l[3] = { { "__name__", name }, { "instance", inst }, { "job", "webapp" } };
    return asim_tsdb_find(w->db, l, 3);
}

static void test_phases_fixed_and_shared_timestamps(void)
{
    world w;
    build(&w, 11, 3);
    asim_evq_run(w.q, ASIM_SEC(120));
    int64_t phase[4];
    for (int k = 1; k <= 3; k++) {
        int up = series(&w, "up", k), rt = series(&w, "webapp_response_time_seconds", k);
        CHECK(up >= 0 && rt >= 0);
        const asim_sample *s;
        size_t n = asim_tsdb_range(w.db, up, 0, 120000, &s);
        CHECK(n >= 23 && n <= 24);
        phase[k] = s[0].t % 5000;
        int regular = 1;
        for (size_t i = 1; i < n; i++) regular &= s[i].t - s[i - 1].t == 5000;
        CHECK(regular);
        CHECK(s[0].t > 0 && s[0].t <= 5000);        /* first scrape within one interval */
        const asim_sample *r;
        size_t m = asim_tsdb_range(w.db, rt, 0, 120000, &r);
        CHECK(m == n);
        int same = 1;
        for (size_t i = 0; i < m && i < n; i++) same &= r[i].t == s[i].t;
        CHECK(same);                                  /* one timestamp per scrape */
    }
    CHECK(phase[1] != phase[2] || phase[2] != phase[3]);  /* hashed, not aligned */
    teardown(&w);
}

static void test_discovery_delay_of_new_replica(void)
{
    double sum = 0, worst = 0;
    int n = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        world w;
        build(&w, seed, 1);
        asim_evq_run(w.q, ASIM_SEC(100));
        asim_cluster_scale(w.cl, 2, ASIM_SEC(100));
        asim_evq_run(w.q, ASIM_SEC(300));
        int up = series(&w, "up", 2);
        CHECK(up >= 0);
        const asim_sample *s;
        size_t m = asim_tsdb_range(w.db, up, 0, 300000, &s);
        CHECK(m > 0);
        /* the container started when compose applied: find it from the first
         * sample relative to the playbook start (100 s) minus the drawn latency
         * bound; the scrape pipeline alone adds at most 30 + 5 + 5 + 5 s */
        double first = s[0].t / 1000.0;
        double delay = first - 100.0;
        sum += delay; n++;
        if (delay > worst) worst = delay;
        teardown(&w);
    }
    /* playbook latency (~4 s) + DNS refresh (<30) + throttle (<5) + reload (<5) + phase (<=5) */
    CHECK_MSG(worst < 4 * 3 + 45, "worst first-scrape delay %.1f s", worst);
    CHECK_MSG(sum / n > 10 && sum / n < 40, "mean delay %.1f s", sum / n);
    printf("  first scrape of a new replica: mean %.1f s, worst %.1f s after the playbook started\n", sum / n, worst);
}

static void test_staleness_after_scale_down(void)
{
    world w;
    build(&w, 5, 2);
    asim_evq_run(w.q, ASIM_SEC(60));
    asim_cluster_scale(w.cl, 1, ASIM_SEC(60));
    asim_evq_run(w.q, ASIM_SEC(200));
    int rt = series(&w, "webapp_response_time_seconds", 2), up = series(&w, "up", 2);
    const asim_sample *s;
    size_t n = asim_tsdb_range(w.db, rt, 0, 200000, &s);
    CHECK(n > 0 && asim_is_stale_nan(s[n - 1].v));          /* ended by a marker */
    int markers = 0;
    for (size_t i = 0; i < n; i++) markers += asim_is_stale_nan(s[i].v);
    CHECK(markers == 1);
    n = asim_tsdb_range(w.db, up, 0, 200000, &s);
    CHECK(n > 0 && asim_is_stale_nan(s[n - 1].v));          /* end-of-run staleness */
    CHECK(asim_prom_targets(w.p) == 1);
    teardown(&w);
}

/* Mean delay from the second container's creation to its first scrape. */
static double file_sd_delay(asim_reload_model rm, double *worst)
{
    double sum = 0;
    *worst = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        world w;
        build_full(&w, seed, 1, ASIM_METRICS_INBAND, ASIM_SD_FILE, rm);
        asim_evq_run(w.q, ASIM_SEC(100));
        asim_cluster_scale(w.cl, 2, ASIM_SEC(100));
        asim_evq_run(w.q, ASIM_SEC(200));
        int up = series(&w, "up", 2);
        const asim_sample *s;
        CHECK(up >= 0 && asim_tsdb_range(w.db, up, 0, 200000, &s) > 0 && !isnan(w.created2));
        if (up >= 0 && asim_tsdb_range(w.db, up, 0, 200000, &s) > 0) {
            double d = s[0].t / 1000.0 - w.created2;
            sum += d;
            if (d > *worst) *worst = d;
        }
        teardown(&w);
    }
    return sum / 40;
}

/* File SD, watched: a new target reaches the discovery manager at once, waits
 * for its 5 s tick, and (2.42's blocking reloader) is applied on that tick;
 * then the first scrape comes at the target's offset within the 5 s interval:
 * 0..10 s, mean ~5 s (measured on the real stack: 4.7 s).  The independent
 * ticker model adds up to another 5 s. */
static void test_file_sd_in_step(void)
{
    double worst_b, worst_t;
    double mean_b = file_sd_delay(ASIM_RELOAD_BLOCKING, &worst_b);
    double mean_t = file_sd_delay(ASIM_RELOAD_TICKER, &worst_t);
    CHECK_MSG(worst_b <= 10.0 + 1e-9, "worst %.2f s", worst_b);
    CHECK_MSG(mean_b > 3.5 && mean_b < 6.5, "mean %.2f s", mean_b);
    CHECK_MSG(mean_t > mean_b + 1.0, "ticker %.2f s vs blocking %.2f s", mean_t, mean_b);
    printf("  file SD, first scrape after the container appears: blocking mean %.1f s (worst %.1f), "
           "ticker mean %.1f s (worst %.1f)\n", mean_b, worst_b, mean_t, worst_t);
}

/* Occupy all 4 workers of replica 1 with requests of `demand` seconds. */
static void block_workers(world *w, double demand, asim_time now)
{
    for (int i = 0; i < 4; i++) {
        asim_request r = { now, demand, 0, 0, 0, 0 };
        asim_cluster_route(w->cl, &r, now);
    }
}

/* Number of samples of `series` with timestamps in [from, to] ms present now. */
static size_t count_in(world *w, int sr, int64_t from, int64_t to)
{
    const asim_sample *s;
    return asim_tsdb_range(w->db, sr, from, to, &s);
}

/* In-band (the seed's Flask route): a scrape takes a worker for
 * app.metrics_service_time; its samples carry its start time but appear only
 * when it completes; behind a backlog longer than scrape_timeout (default
 * min(10 s, 5 s) = 5 s) it fails with up 0, no samples. */
static void test_inband_scrape_late_and_timeout(void)
{
    world w;
    build(&w, 3, 1);
    asim_evq_run(w.q, ASIM_SEC(20));
    int up = series(&w, "up", 1), rt = series(&w, "webapp_response_time_seconds", 1);
    CHECK(up >= 0 && rt >= 0);
    asim_sample last;
    CHECK(asim_tsdb_latest(w.db, up, 20000, &last));
    int64_t start = last.t + 5000;                     /* the next scrape's start, ms */
    /* idle: answered after 3 ms, stamped at its start */
    asim_evq_run(w.q, start * ASIM_NS_PER_MS + ASIM_SEC(0.001));
    CHECK(count_in(&w, up, start, start) == 0);         /* not visible during the scrape */
    asim_evq_run(w.q, start * ASIM_NS_PER_MS + ASIM_SEC(0.004));
    CHECK(count_in(&w, up, start, start) == 1);         /* visible at completion, stamped at start */

    /* 2 s of work ahead of the next scrape: it waits, then succeeds */
    int64_t s2 = start + 5000;
    block_workers(&w, 2.0 + (s2 - start) / 1000.0 - 0.5, ASIM_SEC(start / 1000.0 + 0.5));
    asim_evq_run(w.q, s2 * ASIM_NS_PER_MS + ASIM_SEC(1.9));
    CHECK(count_in(&w, rt, s2, s2) == 0);
    asim_evq_run(w.q, s2 * ASIM_NS_PER_MS + ASIM_SEC(2.1));
    CHECK(count_in(&w, rt, s2, s2) == 1);
    const asim_sample *v;
    CHECK(asim_tsdb_range(w.db, up, s2, s2, &v) == 1 && v[0].v == 1);

    /* 30 s of work: the next scrapes fail by timeout (up 0 at their start,
     * written 5 s later), no response-time sample, a staleness marker */
    int64_t s3 = s2 + 5000;
    block_workers(&w, 30, s2 * ASIM_NS_PER_MS + ASIM_SEC(2.5));
    asim_evq_run(w.q, s3 * ASIM_NS_PER_MS + ASIM_SEC(4.9));
    CHECK(count_in(&w, up, s3, s3) == 0);
    asim_evq_run(w.q, s3 * ASIM_NS_PER_MS + ASIM_SEC(5.0));
    CHECK(asim_tsdb_range(w.db, up, s3, s3, &v) == 1 && v[0].v == 0);
    CHECK(asim_tsdb_range(w.db, rt, s3, s3, &v) == 1 && asim_is_stale_nan(v[0].v));
    asim_evq_run(w.q, s3 * ASIM_NS_PER_MS + ASIM_SEC(25));
    size_t n = asim_tsdb_range(w.db, up, s3, s3 + 20000, &v);
    int down = 0;
    for (size_t i = 0; i < n; i++) down += v[i].v == 0;
    CHECK_MSG(n >= 4 && down == (int)n, "%zu scrapes, %d failed while the backlog exceeds the timeout", n, down);
    teardown(&w);

    /* sidecar: the same load never delays a scrape */
    build_mode(&w, 3, 1, ASIM_METRICS_SIDECAR);
    asim_evq_run(w.q, ASIM_SEC(20));
    block_workers(&w, 30, ASIM_SEC(20));
    asim_evq_run(w.q, ASIM_SEC(50));
    up = series(&w, "up", 1);
    n = asim_tsdb_range(w.db, up, 20000, 50000, &v);
    int ok = 0;
    for (size_t i = 0; i < n; i++) ok += v[i].v == 1;
    CHECK(n == 6 && ok == 6);
    teardown(&w);
}

int main(void)
{
    RUN(test_inband_scrape_late_and_timeout);
    RUN(test_file_sd_in_step);
    RUN(test_phases_fixed_and_shared_timestamps);
    RUN(test_discovery_delay_of_new_replica);
    RUN(test_staleness_after_scale_down);
    return check_report();
}
