/* test_cluster.c -- container lifecycle, compose's numbering, the actuator's
 * timing and the balancer policies. */
#include "check.h"

#include "sim/engine/evq.h"
#include "sim/engine/rng.h"
#include "sim/config/settings.h"
#include "models/stack/cluster.h"
#include "models/prometheus/prometheus.h"

typedef struct world {
    asim_config cfg;
    asim_evq *q;
    asim_cluster *cl;
    gsl_rng *r[3];
    int completed, failed, applied, done_replicas;
    asim_time done_at, applied_at;
} world;

static void completed(void *c, const asim_request *r, double lat, asim_time t) { ASIM_UNUSED(r); ASIM_UNUSED(lat); ASIM_UNUSED(t); ((world *)c)->completed++; }
static void failed(void *c, const asim_request *r, asim_fail_kind k, asim_time t) { ASIM_UNUSED(r); ASIM_UNUSED(k); ASIM_UNUSED(t); ((world *)c)->failed++; }
static void applied(void *c, int target, asim_time t) { ASIM_UNUSED(target); ((world *)c)->applied++; ((world *)c)->applied_at = t; }
static void done(void *c, int target, int replicas, asim_time t) { ASIM_UNUSED(target); ((world *)c)->done_replicas = replicas; ((world *)c)->done_at = t; }

static void build(world *w, int replicas, const char *lb)
{
    asim_err err;
    asim_config_defaults(&w->cfg);
    char set[64];
    snprintf(set, sizeof set, "balancer.policy=%s", lb);
    CHECK(asim_config_set(&w->cfg, set, &err) == 0);
    CHECK(asim_config_set(&w->cfg, "actuator.latency=4", &err) == 0);        /* deterministic */
    CHECK(asim_config_set(&w->cfg, "container.start_latency=3", &err) == 0);
    w->cfg.container.initial_replicas = replicas;
    if (replicas == 0) w->cfg.scaler.min_replicas = 0;
    if (replicas > w->cfg.scaler.max_replicas) w->cfg.scaler.max_replicas = replicas;
    CHECK(asim_config_validate(&w->cfg, &err) == 0);
    w->q = asim_evq_create(64);
    w->r[0] = asim_rng_stream(1, "container_start");
    w->r[1] = asim_rng_stream(1, "actuation");
    w->r[2] = asim_rng_stream(1, "balancer");
    asim_webapp_hooks wh = { w, completed, failed, NULL, NULL, NULL, NULL };
    asim_webapp_params ap = { 1, 10000, 0, 0.06, ASIM_GAUGE_CURRENT, asim_prom_default_buckets, asim_prom_default_nbuckets, 0, 0, 0 };
    asim_cluster_hooks ch = { w, applied, done, NULL };
    asim_cluster_rngs cr = { w->r[0], w->r[1], w->r[2] };
    w->cl = asim_cluster_create(w->q, &w->cfg, &ap, &wh, &ch, &cr);
}

static void teardown(world *w)
{
    asim_cluster_destroy(w->cl);
    asim_evq_destroy(w->q);
    for (int i = 0; i < 3; i++) asim_rng_free(w->r[i]);
    asim_config_free(&w->cfg);
}

static int ready_numbers(world *w)      /* bitmask of ready replica numbers */
{
    int m = 0;
    for (int i = 0; i < asim_cluster_slots(w->cl); i++)
        if (asim_cluster_state(w->cl, i) == ASIM_CONTAINER_READY) m |= 1 << asim_cluster_number(w->cl, i);
    return m;
}

static void test_actuation_timing_and_lifecycle(void)
{
    world w = { 0 };
    build(&w, 1, "round_robin");
    CHECK(asim_cluster_scale(w.cl, 3, ASIM_SEC(10)) == 1);
    CHECK(asim_cluster_scale(w.cl, 2, ASIM_SEC(11)) == 0);          /* queued while running */
    asim_evq_run(w.q, ASIM_SEC(14) - 1);
    CHECK(w.applied == 0 && asim_cluster_compose_ps(w.cl) == 1);
    asim_evq_run(w.q, ASIM_SEC(14));                                 /* 10 + latency 4 */
    CHECK(w.applied == 1 && asim_cluster_count(w.cl, ASIM_CONTAINER_STARTING) == 2);
    CHECK(asim_cluster_compose_ps(w.cl) == 3);                       /* starting counts */
    asim_evq_run(w.q, ASIM_SEC(17));                                 /* + start 3 */
    CHECK(ready_numbers(&w) == ((1 << 1) | (1 << 2) | (1 << 3)));
    asim_evq_run(w.q, ASIM_SEC(19));                                 /* + stabilisation 5 */
    CHECK(w.done_at == ASIM_SEC(19) && w.done_replicas == 3);
    /* the queued request (2) runs next: stops the highest number, 3 */
    asim_evq_run(w.q, ASIM_SEC(40));
    CHECK(ready_numbers(&w) == ((1 << 1) | (1 << 2)));
    CHECK(asim_cluster_compose_ps(w.cl) == 2);
    /* scaling up again takes the lowest free number */
    asim_cluster_scale(w.cl, 3, ASIM_SEC(40));
    asim_evq_run(w.q, ASIM_SEC(60));
    CHECK(ready_numbers(&w) == ((1 << 1) | (1 << 2) | (1 << 3)));
    teardown(&w);
}

static void test_draining_not_counted(void)
{
    world w = { 0 };
    build(&w, 2, "round_robin");
    for (int i = 0; i < 6; i++) {       /* long requests keep replica 2 draining */
        asim_request r = { 0, 8.0, 0, 0, 0, 0 };
        asim_cluster_route(w.cl, &r, 0);
    }
    asim_cluster_scale(w.cl, 1, 0);
    asim_evq_run(w.q, ASIM_SEC(5));
    CHECK(asim_cluster_count(w.cl, ASIM_CONTAINER_DRAINING) == 1);
    CHECK(asim_cluster_compose_ps(w.cl) == 1);
    asim_evq_run(w.q, ASIM_SEC(15));    /* stop grace 10 s: killed at 14 s */
    CHECK(asim_cluster_count(w.cl, ASIM_CONTAINER_DRAINING) == 0);
    CHECK(w.failed > 0);                /* its unfinished work was killed */
    teardown(&w);
}

static void count_routing(const char *lb, int *per)
{
    world w = { 0 };
    build(&w, 3, lb);
    for (int i = 0; i < 3000; i++) {
        asim_request r = { ASIM_SEC(i * 0.001), 0.5, 0, 0, 0, 0 };
        asim_evq_run(w.q, r.arrival);
        asim_cluster_route(w.cl, &r, r.arrival);
    }
    for (int k = 0; k < 3; k++) {       /* routed = completed + in flight */
        asim_webapp_snapshot snap;
        asim_webapp_scrape(asim_cluster_webapp(w.cl, k), ASIM_SEC(3), &snap);
        per[k] = (int)(snap.total_requests + snap.request_count);
    }
    teardown(&w);
}

static void test_balancers(void)
{
    int per[3];
    count_routing("round_robin", per);
    CHECK(per[0] == 1000 && per[1] == 1000 && per[2] == 1000);
    count_routing("least_connections", per);
    CHECK(per[0] == 1000 && per[1] == 1000 && per[2] == 1000);
    count_routing("random", per);
    for (int k = 0; k < 3; k++) CHECK_MSG(per[k] > 850 && per[k] < 1150, "random share %d", per[k]);
}

static void test_no_ready_replica_rejects(void)
{
    world w = { 0 };
    build(&w, 0, "round_robin");
    asim_request r = { 0, 0.1, 0, 0, 0, 0 };
    asim_cluster_route(w.cl, &r, 0);
    CHECK(w.failed == 1);
    teardown(&w);
}

/* Compose's numbering at the largest allowed size: 10,000 replicas get
 * 1..10000 in slot order; scaling down stops the highest numbers; scaling
 * back up hands out the lowest free numbers again and reuses freed slots
 * rather than growing.  (Before numbers came from a bitmap this set-up alone
 * was O(N^3), minutes at this size; bench_setup in `make bench` times it.) */
static void test_numbering_at_scale(void)
{
    enum { N = 10000, LOW = 4000 };
    world w = { 0 };
    build(&w, N, "round_robin");
    int in_order = 1;
    for (int i = 0; i < asim_cluster_slots(w.cl); i++)
        in_order &= asim_cluster_number(w.cl, i) == i + 1 && asim_cluster_state(w.cl, i) == ASIM_CONTAINER_READY;
    CHECK(asim_cluster_slots(w.cl) == N && in_order);
    CHECK(asim_cluster_count(w.cl, ASIM_CONTAINER_READY) == N);
    CHECK(asim_cluster_scale(w.cl, LOW, ASIM_SEC(1)) == 1);
    asim_evq_run(w.q, ASIM_SEC(600));
    CHECK(asim_cluster_compose_ps(w.cl) == LOW);
    CHECK(asim_cluster_count(w.cl, ASIM_CONTAINER_REMOVED) == N - LOW);
    int kept_lowest = 1;
    for (int i = 0; i < asim_cluster_slots(w.cl); i++)
        if (asim_cluster_state(w.cl, i) != ASIM_CONTAINER_REMOVED) kept_lowest &= asim_cluster_number(w.cl, i) <= LOW;
    CHECK(kept_lowest);
    CHECK(asim_cluster_scale(w.cl, N, ASIM_SEC(601)) == 1);
    asim_evq_run(w.q, ASIM_SEC(1200));
    CHECK(asim_cluster_count(w.cl, ASIM_CONTAINER_READY) == N);
    CHECK(asim_cluster_slots(w.cl) == N);                         /* slots reused */
    for (int n = 1; n <= N; n += 997)
        CHECK(asim_cluster_find(w.cl, n) >= 0);
    CHECK(asim_cluster_find(w.cl, N + 1) < 0);
    teardown(&w);
}

int main(void)
{
    RUN(test_actuation_timing_and_lifecycle);
    RUN(test_draining_not_counted);
    RUN(test_balancers);
    RUN(test_no_ready_replica_rejects);
    RUN(test_numbering_at_scale);
    return check_report();
}
