/* test_scaler.c -- the scaler's check loop (models/scaling/scaler.c) and the
 * policies' self-description (models/scaling/policy.c).
 *
 * The loop is driven with a real event queue, cluster and tsdb; the metric
 * is a plain series "m" the test writes, so each expectation follows from
 * the documented loop (scaler.h): a check at first_check, then every
 * check_interval; a synchronous actuator blocks the loop until the playbook
 * returns, an asynchronous one does not. */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "sim/engine/evq.h"
#include "sim/engine/rng.h"
#include "sim/config/settings.h"
#include "models/stack/cluster.h"
#include "models/prometheus/prometheus.h"
#include "models/scaling/scaler.h"
#include "models/prometheus/tsdb.h"

#define MAXC 64

typedef struct world {
    asim_config cfg;
    asim_evq *q;
    asim_cluster *cl;
    asim_tsdb *db;
    asim_scaler *sc;
    gsl_rng *r[3];
    int series;
    int nchecks, nact_start, nact_done;
    asim_check checks[MAXC];
} world;

static void on_done(void *ctx, int target, int replicas, asim_time now)
{
    ASIM_UNUSED(target);
    world *w = ctx;
    asim_scaler_actuation_done(w->sc, replicas, now);
}

static void on_checked(void *ctx, const asim_check *c)
{
    world *w = ctx;
    if (w->nchecks < MAXC) w->checks[w->nchecks] = *c;
    w->nchecks++;
}

static void on_actuation(void *ctx, int started, int from, int to, asim_time now)
{
    ASIM_UNUSED(from); ASIM_UNUSED(to); ASIM_UNUSED(now);
    world *w = ctx;
    if (started) w->nact_start++; else w->nact_done++;
}

/* sets: extra "path=value" assignments, NULL-terminated. */
static int build(world *w, const char *const *sets)
{
    asim_err err;
    memset(w, 0, sizeof *w);
    asim_config_defaults(&w->cfg);
    static const char *const base[] = {
        "scaler.query=m", "actuator.latency=4", "container.start_latency=3",
        "scaler.scale_up_breaches=1", "scaler.scale_down_breaches=1", "scaler.check_interval=10",
        "scaler.scale_up_cooldown=0", "scaler.scale_down_cooldown=0", NULL
    };
    for (int i = 0; base[i]; i++) CHECK(asim_config_set(&w->cfg, base[i], &err) == 0);
    for (int i = 0; sets && sets[i]; i++) CHECK_MSG(asim_config_set(&w->cfg, sets[i], &err) == 0, "%s", err.msg);
    if (asim_config_validate(&w->cfg, &err) != 0) {
        fprintf(stderr, "  validate: %s\n", err.msg);
        return -1;
    }
    w->q = asim_evq_create(64);
    w->r[0] = asim_rng_stream(1, "container_start");
    w->r[1] = asim_rng_stream(1, "actuation");
    w->r[2] = asim_rng_stream(1, "balancer");
    asim_webapp_hooks wh = { 0 };
    asim_webapp_params ap = { 1, 10000, 0, 0.06, ASIM_GAUGE_CURRENT, asim_prom_default_buckets,
                              asim_prom_default_nbuckets, 0, 0, 0 };
    asim_cluster_hooks ch = { w, NULL, on_done, NULL };
    asim_cluster_rngs cr = { w->r[0], w->r[1], w->r[2] };
    w->cl = asim_cluster_create(w->q, &w->cfg, &ap, &wh, &ch, &cr);
    w->db = asim_tsdb_create(3600 * 1000);
    asim_label l = { "__name__", "m" };
    w->series = asim_tsdb_series(w->db, &l, 1);
    asim_scaler_hooks h = { w, on_checked, on_actuation };
    int rc = asim_scaler_create(w->q, &w->cfg, w->cl, w->db, &h, &w->sc, &err);
    CHECK_MSG(rc == 0 && w->sc != NULL, "%s", err.msg);
    return w->sc ? 0 : -1;
}

static void teardown(world *w)
{
    asim_scaler_destroy(w->sc);
    asim_tsdb_destroy(w->db);
    asim_cluster_destroy(w->cl);
    asim_evq_destroy(w->q);
    for (int i = 0; i < 3; i++) asim_rng_free(w->r[i]);
    asim_config_free(&w->cfg);
}

/* The metric holds v from t=0 on (one sample a second up to `until_s`). */
static void metric(world *w, double v, int until_s)
{
    for (int t = 0; t <= until_s; t++) asim_tsdb_append(w->db, w->series, (int64_t)t * 1000, v);
}

static void test_checks_every_interval(void)
{
    world w;
    if (build(&w, NULL)) return;
    metric(&w, 0.4, 100);                       /* within thresholds: never acts */
    asim_evq_run(w.q, ASIM_SEC(35));
    CHECK(w.nchecks == 4);                      /* 0, 10, 20, 30 */
    for (int i = 0; i < 4 && i < w.nchecks; i++) {
        CHECK(w.checks[i].now == ASIM_SEC(10 * i));
        CHECK(w.checks[i].iteration == i + 1);
        CHECK(w.checks[i].metric == 0.4);
        CHECK(w.checks[i].out.decision == ASIM_DEC_HOLD);
        CHECK(w.checks[i].out.metric == 0.4);   /* the threshold policy decides on the query */
    }
    CHECK(w.nact_start == 0);
    CHECK(asim_scaler_last_metric(w.sc) == 0.4);
    teardown(&w);
}

static void test_sync_actuator_blocks(void)
{
    world w;
    static const char *const sets[] = { "actuator.stabilization_wait=2", NULL };
    if (build(&w, sets)) return;
    metric(&w, 1.0, 100);                       /* above 0.6: scale up at once (1 breach) */
    asim_evq_run(w.q, ASIM_SEC(35));
    /* The check at 0 acts; the playbook applies after actuator.latency (4 s)
     * and returns stabilization_wait (2 s) later, at 6; the next check is
     * check_interval (10 s) after that: 16, which acts again; then 32. */
    CHECK(w.nchecks == 3);
    CHECK(w.checks[0].now == 0 && w.checks[0].out.decision == ASIM_DEC_SCALE_UP);
    CHECK(w.checks[0].out.desired == 2);
    CHECK(w.nchecks < 2 || (w.checks[1].now == ASIM_SEC(16) && w.checks[1].out.desired == 3));
    CHECK(w.nchecks < 3 || w.checks[2].now == ASIM_SEC(32));
    CHECK(w.nact_start == 3 && w.nact_done == 2);
    teardown(&w);
}

static void test_async_actuator_does_not_block(void)
{
    world w;
    static const char *const sets[] = { "actuator.async=true", NULL };
    if (build(&w, sets)) return;
    metric(&w, 1.0, 100);
    asim_evq_run(w.q, ASIM_SEC(25));
    CHECK(w.nchecks == 3);                      /* 0, 10, 20 whatever the actuations */
    for (int i = 0; i < 3 && i < w.nchecks; i++) CHECK(w.checks[i].now == ASIM_SEC(10 * i));
    teardown(&w);
}

static void test_no_data(void)
{
    world w;
    if (build(&w, NULL)) return;                /* no sample at all */
    asim_evq_run(w.q, ASIM_SEC(5));
    CHECK(w.nchecks == 1);
    CHECK(isnan(w.checks[0].metric) && isnan(w.checks[0].out.metric));
    CHECK(w.checks[0].out.decision == ASIM_DEC_NO_DATA);
    CHECK(w.checks[0].out.desired == w.checks[0].replicas);
    CHECK(isnan(asim_scaler_last_metric(w.sc)));
    teardown(&w);
}

static void test_reduce(void)
{
    asim_promql_elem e[3] = { { .value = 1 }, { .value = 4 }, { .value = 7 } };
    asim_promql_result r = { .type = ASIM_PROMQL_VECTOR, .v = e, .n = 3 };
    CHECK(asim_scaler_reduce(&r, ASIM_REDUCE_AVG) == 4);
    CHECK(asim_scaler_reduce(&r, ASIM_REDUCE_MAX) == 7);
    CHECK(asim_scaler_reduce(&r, ASIM_REDUCE_MIN) == 1);
    CHECK(asim_scaler_reduce(&r, ASIM_REDUCE_SUM) == 12);
    r.n = 0;
    CHECK(isnan(asim_scaler_reduce(&r, ASIM_REDUCE_AVG)));
    asim_promql_result s = { .type = ASIM_PROMQL_SCALAR, .scalar = 2.5 };
    CHECK(asim_scaler_reduce(&s, ASIM_REDUCE_SUM) == 2.5);
}

/* The log lines a policy writes about a check (at most 1 KiB). */
static void log_of(const asim_scaler *sc, const asim_policy_out *out, char *buf, size_t len)
{
    FILE *f = fmemopen(buf, len, "w");
    asim_scaler_log_state(sc, out, f);
    fclose(f);
}

static void test_threshold_log_wording(void)
{
    world w;
    if (build(&w, NULL)) return;
    char buf[1024];
    asim_policy_out out = { .metric = 0.75 };
    log_of(w.sc, &out, buf, sizeof buf);
    CHECK_STR(buf, "  \xe2\x80\xa2 Average Response Time (30s): 0.750s\n"
                   "    WARNING ABOVE scale-up threshold (0.6s)\n");
    out.metric = 0.1;
    log_of(w.sc, &out, buf, sizeof buf);
    CHECK(strstr(buf, "BELOW scale-down threshold (0.2s)") != NULL);
    out.metric = 0.3;
    log_of(w.sc, &out, buf, sizeof buf);
    CHECK(strstr(buf, "OK within thresholds (0.2s - 0.6s)") != NULL);
    teardown(&w);
}

/* Under the HPA the log speaks of the HPA's metric and its target, never of
 * the threshold policy's thresholds; events.csv's metric is the HPA's. */
static void test_hpa_describes_itself(void)
{
    world w;
    static const char *const sets[] = { "scaler.policy=hpa", NULL };
    if (build(&w, sets)) return;
    metric(&w, 0.11, 100);
    asim_evq_run(w.q, ASIM_SEC(5));
    CHECK(w.nchecks == 1);
    char buf[1024];
    log_of(w.sc, &w.checks[0].out, buf, sizeof buf);
    CHECK_MSG(strstr(buf, "HPA metric") != NULL, "%s", buf);
    CHECK_MSG(strstr(buf, "threshold") == NULL, "%s", buf);
    teardown(&w);
}

/* SQLite-style optional slots: a version-1 table, or a NULL slot, gets the
 * default wording even if the struct happens to hold a function. */
static int called;
static void fake_log(const void *st, const asim_policy_out *out, FILE *f)
{
    ASIM_UNUSED(st); ASIM_UNUSED(out); ASIM_UNUSED(f);
    called++;
}

static void test_optional_slots(void)
{
    char buf[256];
    asim_policy_out out = { .metric = 2.5 };
    asim_policy_methods m = { .version = 1, .name = "fake", .log_state = fake_log };
    FILE *f = fmemopen(buf, sizeof buf, "w");
    asim_policy_log_state(&m, NULL, &out, f);
    fclose(f);
    CHECK(called == 0);
    CHECK_STR(buf, "  \xe2\x80\xa2 Metric (fake policy): 2.500\n");
    m.version = ASIM_POLICY_VERSION;
    f = fmemopen(buf, sizeof buf, "w");
    asim_policy_log_state(&m, NULL, &out, f);
    fclose(f);
    CHECK(called == 1);
    m.log_state = NULL;
    f = fmemopen(buf, sizeof buf, "w");
    asim_policy_log_state(&m, NULL, &out, f);
    fclose(f);
    CHECK_STR(buf, "  \xe2\x80\xa2 Metric (fake policy): 2.500\n");
}

int main(void)
{
    RUN(test_checks_every_interval);
    RUN(test_sync_actuator_blocks);
    RUN(test_async_actuator_does_not_block);
    RUN(test_no_data);
    RUN(test_reduce);
    RUN(test_threshold_log_wording);
    RUN(test_hpa_describes_itself);
    RUN(test_optional_slots);
    return check_report();
}
