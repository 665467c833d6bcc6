/* test_webapp.c -- one replica: workers and FIFO backlog, rejection when the
 * backlog is full, SYN drop and client retransmission, client timeouts, the
 * gauge meanings, the histogram, draining and killing. */
#include "check.h"

#include "sim/engine/evq.h"
#include "models/scenario/config.h"
#include "models/stack/webapp.h"

typedef struct acct {
    int completed, rejected, timeouts, dropped, requeued, drained, syn_retries, connect_timeouts;
    double last_retry;
    double last_latency;
} acct;

static void completed(void *c, const asim_request *r, asim_time now)
{
    acct *a = c;
    a->completed++;
    a->last_latency = ASIM_TO_SEC(now - r->arrival);
}
static void failed(void *c, const asim_request *r, asim_fail_kind k, asim_time now)
{
    acct *a = c;
    ASIM_UNUSED(r);
    if (k == ASIM_FAIL_REJECTED) a->rejected++;
    else if (k == ASIM_FAIL_TIMEOUT) a->timeouts++;
    else if (k == ASIM_FAIL_CONNECT_TIMEOUT) { a->connect_timeouts++; a->last_retry = ASIM_TO_SEC(now); }
    else a->dropped++;
}
static void drained(void *c, asim_webapp *w, asim_time now) { ASIM_UNUSED(w); ASIM_UNUSED(now); ((acct *)c)->drained++; }
static void requeue(void *c, const asim_request *r, asim_time now) { ASIM_UNUSED(r); ASIM_UNUSED(now); ((acct *)c)->requeued++; }

static void syn_retry(void *c, const asim_request *r, asim_time now)
{
    acct *a = c;
    ASIM_UNUSED(r);
    a->syn_retries++;
    a->last_retry = ASIM_TO_SEC(now);
}

static const double bounds[] = { 0.1, 0.5, 1.0 };

static asim_webapp *make(asim_evq *q, acct *a, int workers, int backlog, double timeout, int gauge)
{
    asim_webapp_hooks h = { a, completed, failed, drained, requeue, NULL, NULL };
    asim_webapp_params p = { workers, backlog, timeout, 0.2, gauge, bounds, 3, 0, 0, 0 };
    return asim_webapp_create(q, &p, &h, 1);
}

static asim_webapp *make_syn(asim_evq *q, acct *a, int workers, int backlog, int retries, double connect_timeout)
{
    asim_webapp_hooks h = { a, completed, failed, drained, requeue, syn_retry, NULL };
    asim_webapp_params p = { workers, backlog, 0, 0.2, ASIM_GAUGE_CURRENT, bounds, 3, 1, retries, connect_timeout };
    return asim_webapp_create(q, &p, &h, 1);
}

static void offer(asim_webapp *w, double at, double demand)
{
    asim_request r = { ASIM_SEC(at), demand, 0, 0, 0, 0 };
    asim_webapp_offer(w, &r, ASIM_SEC(at));
}

static void test_fifo_and_rejection(void)
{
    acct a = { 0 };
    asim_evq *q = asim_evq_create(16);
    asim_webapp *w = make(q, &a, 2, 2, 0, ASIM_GAUGE_CURRENT);
    for (int i = 0; i < 5; i++) offer(w, 0, 1.0);     /* 2 served, 2 wait, 1 rejected */
    CHECK(asim_webapp_busy(w) == 2 && asim_webapp_waiting(w) == 2 && a.rejected == 1);
    asim_evq_run(q, ASIM_SEC(10));
    CHECK(a.completed == 4);
    CHECK_NEAR(a.last_latency, 2.0, 1e-9);            /* waited 1 s, served 1 s */
    asim_webapp_destroy(w);
    asim_evq_destroy(q);
}

/* A full backlog drops the SYN: the client retransmits it 1 s later, the
 * request is then queued and served, late, not rejected. */
static void test_syn_drop_served_later(void)
{
    acct a = { 0 };
    asim_evq *q = asim_evq_create(16);
    asim_webapp *w = make_syn(q, &a, 1, 1, 6, 300);
    for (int i = 0; i < 3; i++) offer(w, 0, 0.7);     /* served, queued, SYN dropped */
    CHECK(a.rejected == 0 && asim_webapp_in_flight(w) == 2);
    asim_evq_run(q, ASIM_SEC(10));
    CHECK(a.completed == 3 && a.rejected == 0 && a.connect_timeouts == 0);
    CHECK(a.syn_retries == 1);
    CHECK_NEAR(a.last_retry, 1.0, 1e-9);               /* initial RTO 1 s */
    CHECK_NEAR(a.last_latency, 2.1, 1e-9);             /* queued at 1.0 behind the 2nd: 1.4 + 0.7 */
    asim_webapp_destroy(w);
    asim_evq_destroy(q);
}

/* Never room: retransmissions at 1, 3, 7, ..., 63 s (6 of them), then the
 * kernel gives up at 127 s; a shorter connect timeout ends it sooner. */
static void test_syn_drop_gives_up(void)
{
    acct a = { 0 };
    asim_evq *q = asim_evq_create(16);
    asim_webapp *w = make_syn(q, &a, 1, 0, 6, 300);
    offer(w, 0, 1000);
    offer(w, 0, 1);
    asim_evq_run(q, ASIM_SEC(126.9));
    CHECK(a.syn_retries == 6 && a.connect_timeouts == 0);
    CHECK_NEAR(a.last_retry, 63.0, 1e-9);
    asim_evq_run(q, ASIM_SEC(128));
    CHECK(a.connect_timeouts == 1 && a.rejected == 0);
    CHECK_NEAR(a.last_retry, 127.0, 1e-9);
    asim_webapp_destroy(w);
    asim_evq_destroy(q);

    acct b = { 0 };
    q = asim_evq_create(16);
    w = make_syn(q, &b, 1, 0, 6, 10);
    offer(w, 0, 1000);
    offer(w, 0, 1);
    asim_evq_run(q, ASIM_SEC(20));
    CHECK(b.syn_retries == 3 && b.connect_timeouts == 1);   /* 1, 3, 7; gave up at 10 */
    CHECK_NEAR(b.last_retry, 10.0, 1e-9);
    asim_webapp_kill(w, ASIM_SEC(20));
    asim_webapp_destroy(w);
    asim_evq_destroy(q);
}

/* handler: the service time of the last request, blind to the backlog. */
static void test_handler_gauge(void)
{
    acct a = { 0 };
    asim_evq *q = asim_evq_create(16);
    asim_webapp *w = make(q, &a, 1, 10, 0, ASIM_GAUGE_HANDLER);
    for (int i = 0; i < 3; i++) offer(w, 0, 1.0);
    asim_evq_run(q, ASIM_SEC(10));
    asim_webapp_snapshot s;
    asim_webapp_scrape(w, ASIM_SEC(10), &s);
    CHECK_NEAR(a.last_latency, 3.0, 1e-9);
    CHECK_NEAR(s.response_time, 1.0, 1e-12);
    asim_webapp_destroy(w);
    asim_evq_destroy(q);
}

static void test_current_gauge_formula(void)
{
    acct a = { 0 };
    asim_evq *q = asim_evq_create(16);
    asim_webapp *w = make(q, &a, 2, 10, 0, ASIM_GAUGE_CURRENT);
    asim_webapp_snapshot s;
    asim_webapp_scrape(w, 0, &s);
    CHECK_NEAR(s.response_time, 0.2, 1e-12);          /* idle: S */
    for (int i = 0; i < 5; i++) offer(w, 0, 1.0);     /* 2 busy, 3 waiting */
    asim_webapp_scrape(w, 0, &s);
    CHECK_NEAR(s.response_time, 0.2 + 4 * 0.2 / 2, 1e-12);   /* S + (q+1) S / c */
    CHECK(s.request_count == 5);
    asim_webapp_destroy(w);
    asim_evq_destroy(q);
}

static void test_last_request_gauge_freezes(void)
{
    acct a = { 0 };
    asim_evq *q = asim_evq_create(16);
    asim_webapp *w = make(q, &a, 1, 10, 0, ASIM_GAUGE_LAST_REQUEST);
    offer(w, 0, 0.7);
    offer(w, 0, 0.7);
    asim_evq_run(q, ASIM_SEC(5));
    asim_webapp_snapshot s;
    asim_webapp_scrape(w, ASIM_SEC(5), &s);
    CHECK_NEAR(s.response_time, 1.4, 1e-9);
    CHECK(!s.frozen);
    asim_evq_run(q, ASIM_SEC(100));
    asim_webapp_scrape(w, ASIM_SEC(100), &s);
    CHECK_NEAR(s.response_time, 1.4, 1e-9);           /* no traffic: frozen */
    CHECK(s.frozen);
    asim_webapp_destroy(w);
    asim_evq_destroy(q);
}

static void test_window_mean_gauge_and_histogram(void)
{
    acct a = { 0 };
    asim_evq *q = asim_evq_create(16);
    asim_webapp *w = make(q, &a, 4, 10, 0, ASIM_GAUGE_WINDOW_MEAN);
    offer(w, 0, 0.05);
    offer(w, 0, 0.5);        /* exactly on a bound: le is inclusive */
    offer(w, 0, 3.0);
    asim_evq_run(q, ASIM_SEC(5));
    asim_webapp_snapshot s;
    asim_webapp_scrape(w, ASIM_SEC(5), &s);
    CHECK_NEAR(s.response_time, (0.05 + 0.5 + 3.0) / 3, 1e-12);
    CHECK(s.bucket_cum[0] == 1 && s.bucket_cum[1] == 2 && s.bucket_cum[2] == 2 && s.bucket_cum[3] == 3);
    CHECK_NEAR(s.duration_sum, 3.55, 1e-12);
    CHECK(s.duration_count == 3 && s.total_requests == 3);
    asim_webapp_scrape(w, ASIM_SEC(10), &s);
    CHECK_NEAR(s.response_time, (0.05 + 0.5 + 3.0) / 3, 1e-12);   /* unchanged with none */
    asim_webapp_destroy(w);
    asim_evq_destroy(q);
}

static void test_timeout(void)
{
    acct a = { 0 };
    asim_evq *q = asim_evq_create(16);
    asim_webapp *w = make(q, &a, 1, 10, 1.5, ASIM_GAUGE_CURRENT);
    offer(w, 0, 1.0);        /* done at 1 */
    offer(w, 0, 1.0);        /* starts at 1, done at 2: latency 2 > 1.5 -> timeout */
    offer(w, 0, 1.0);        /* starts at 2: waited 2 >= 1.5 -> abandoned */
    asim_evq_run(q, ASIM_SEC(10));
    CHECK(a.completed == 1 && a.timeouts == 2);
    asim_webapp_destroy(w);
    asim_evq_destroy(q);
}

static void test_drain_modes(void)
{
    for (int mode = ASIM_DRAIN_FINISH; mode <= ASIM_DRAIN_REQUEUE; mode++) {
        acct a = { 0 };
        asim_evq *q = asim_evq_create(16);
        asim_webapp *w = make(q, &a, 1, 10, 0, ASIM_GAUGE_CURRENT);
        for (int i = 0; i < 3; i++) offer(w, 0, 1.0);
        asim_webapp_drain(w, mode, 0);
        asim_evq_run(q, ASIM_SEC(10));
        CHECK(a.drained == 1);
        if (mode == ASIM_DRAIN_FINISH) CHECK(a.completed == 3);
        if (mode == ASIM_DRAIN_DROP) CHECK(a.completed == 1 && a.dropped == 2);
        if (mode == ASIM_DRAIN_REQUEUE) CHECK(a.completed == 1 && a.requeued == 2);
        asim_webapp_destroy(w);
        asim_evq_destroy(q);
    }
}

static void test_kill_cancels_work(void)
{
    acct a = { 0 };
    asim_evq *q = asim_evq_create(16);
    asim_webapp *w = make(q, &a, 2, 10, 0, ASIM_GAUGE_CURRENT);
    for (int i = 0; i < 4; i++) offer(w, 0, 5.0);
    asim_evq_run(q, ASIM_SEC(1));
    asim_webapp_kill(w, ASIM_SEC(1));
    CHECK(a.dropped == 4 && asim_webapp_in_flight(w) == 0);
    CHECK(asim_evq_pending(q) == 0);
    asim_evq_run(q, ASIM_SEC(10));
    CHECK(a.completed == 0);
    asim_webapp_destroy(w);
    asim_evq_destroy(q);
}

int main(void)
{
    RUN(test_fifo_and_rejection);
    RUN(test_syn_drop_served_later);
    RUN(test_syn_drop_gives_up);
    RUN(test_handler_gauge);
    RUN(test_current_gauge_formula);
    RUN(test_last_request_gauge_freezes);
    RUN(test_window_mean_gauge_and_histogram);
    RUN(test_timeout);
    RUN(test_drain_modes);
    RUN(test_kill_cancels_work);
    return check_report();
}
