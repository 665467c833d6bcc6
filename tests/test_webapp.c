/* test_webapp.c -- one replica: workers and FIFO backlog, rejection when the
 * backlog is full, SYN drop and client retransmission, client timeouts, the
 * gauge meanings, the histogram, draining and killing. */
#include "check.h"

#include <string.h>

#include "sim/engine/evq.h"
#include "models/scenario/config.h"
#include "models/stack/webapp.h"

typedef struct acct {
    int completed, rejected, timeouts, dropped, requeued, drained, syn_retries, connect_timeouts;
    double last_retry;
    double last_latency;
    int bad_latency;               /* completions whose hook latency was not now - arrival */
} acct;

static void completed(void *c, const asim_request *r, double latency, asim_time now)
{
    acct *a = c;
    a->completed++;
    a->last_latency = ASIM_TO_SEC(now - r->arrival);
    if (latency != a->last_latency) a->bad_latency++;    /* the hook's contract */
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

/* Each test's replica: its event queue Q and what happened to its requests
 * A (tests run one at a time). */
static asim_evq *Q;
static acct A;

static asim_webapp *start(const asim_webapp_params *p, void (*syn)(void *, const asim_request *, asim_time))
{
    memset(&A, 0, sizeof A);
    Q = asim_evq_create(16);
    asim_webapp_hooks h = { &A, completed, failed, drained, requeue, syn, NULL };
    return asim_webapp_create(Q, p, &h, 1);
}

static asim_webapp *make(int workers, int backlog, double timeout, int gauge)
{
    asim_webapp_params p = { workers, backlog, timeout, 0.2, gauge, bounds, 3, 0, 0, 0 };
    return start(&p, NULL);
}

static asim_webapp *make_syn(int workers, int backlog, int retries, double connect_timeout)
{
    asim_webapp_params p = { workers, backlog, 0, 0.2, ASIM_GAUGE_CURRENT, bounds, 3, 1, retries, connect_timeout };
    return start(&p, syn_retry);
}

static void done(asim_webapp *w)
{
    asim_webapp_destroy(w);
    asim_evq_destroy(Q);
}

static void offer(asim_webapp *w, double at, double demand)
{
    asim_request r = { ASIM_SEC(at), demand, 0, 0, 0, 0 };
    asim_webapp_offer(w, &r, ASIM_SEC(at));
}

static void test_fifo_and_rejection(void)
{
    asim_webapp *w = make(2, 2, 0, ASIM_GAUGE_CURRENT);
    for (int i = 0; i < 5; i++) offer(w, 0, 1.0);     /* 2 served, 2 wait, 1 rejected */
    CHECK(asim_webapp_busy(w) == 2 && asim_webapp_waiting(w) == 2 && A.rejected == 1);
    asim_evq_run(Q, ASIM_SEC(10));
    CHECK(A.completed == 4);
    CHECK_NEAR(A.last_latency, 2.0, 1e-9);            /* waited 1 s, served 1 s */
    done(w);
}

/* A full backlog drops the SYN: the client retransmits it 1 s later, the
 * request is then queued and served, late, not rejected. */
static void test_syn_drop_served_later(void)
{
    asim_webapp *w = make_syn(1, 1, 6, 300);
    for (int i = 0; i < 3; i++) offer(w, 0, 0.7);     /* served, queued, SYN dropped */
    CHECK(A.rejected == 0 && asim_webapp_in_flight(w) == 2);
    asim_evq_run(Q, ASIM_SEC(10));
    CHECK(A.completed == 3 && A.rejected == 0 && A.connect_timeouts == 0);
    CHECK(A.syn_retries == 1);
    CHECK_NEAR(A.last_retry, 1.0, 1e-9);               /* initial RTO 1 s */
    CHECK_NEAR(A.last_latency, 2.1, 1e-9);             /* queued at 1.0 behind the 2nd: 1.4 + 0.7 */
    done(w);
}

/* Never room: retransmissions at 1, 3, 7, ..., 63 s (6 of them), then the
 * kernel gives up at 127 s; a shorter connect timeout ends it sooner. */
static void test_syn_drop_gives_up(void)
{
    asim_webapp *w = make_syn(1, 0, 6, 300);
    offer(w, 0, 1000);
    offer(w, 0, 1);
    asim_evq_run(Q, ASIM_SEC(126.9));
    CHECK(A.syn_retries == 6 && A.connect_timeouts == 0);
    CHECK_NEAR(A.last_retry, 63.0, 1e-9);
    asim_evq_run(Q, ASIM_SEC(128));
    CHECK(A.connect_timeouts == 1 && A.rejected == 0);
    CHECK_NEAR(A.last_retry, 127.0, 1e-9);
    done(w);

    w = make_syn(1, 0, 6, 10);
    offer(w, 0, 1000);
    offer(w, 0, 1);
    asim_evq_run(Q, ASIM_SEC(20));
    CHECK(A.syn_retries == 3 && A.connect_timeouts == 1);   /* 1, 3, 7; gave up at 10 */
    CHECK_NEAR(A.last_retry, 10.0, 1e-9);
    asim_webapp_kill(w, ASIM_SEC(20));
    done(w);
}

/* handler: the service time of the last request, blind to the backlog. */
static void test_handler_gauge(void)
{
    asim_webapp *w = make(1, 10, 0, ASIM_GAUGE_HANDLER);
    for (int i = 0; i < 3; i++) offer(w, 0, 1.0);
    asim_evq_run(Q, ASIM_SEC(10));
    asim_webapp_snapshot s;
    asim_webapp_scrape(w, ASIM_SEC(10), &s);
    CHECK_NEAR(A.last_latency, 3.0, 1e-9);
    CHECK_NEAR(s.response_time, 1.0, 1e-12);
    done(w);
}

static void test_current_gauge_formula(void)
{
    asim_webapp *w = make(2, 10, 0, ASIM_GAUGE_CURRENT);
    asim_webapp_snapshot s;
    asim_webapp_scrape(w, 0, &s);
    CHECK_NEAR(s.response_time, 0.2, 1e-12);          /* idle: S */
    for (int i = 0; i < 5; i++) offer(w, 0, 1.0);     /* 2 busy, 3 waiting */
    asim_webapp_scrape(w, 0, &s);
    CHECK_NEAR(s.response_time, 0.2 + 4 * 0.2 / 2, 1e-12);   /* S + (q+1) S / c */
    CHECK(s.request_count == 5);
    done(w);
}

static void test_last_request_gauge_freezes(void)
{
    asim_webapp *w = make(1, 10, 0, ASIM_GAUGE_LAST_REQUEST);
    offer(w, 0, 0.7);
    offer(w, 0, 0.7);
    asim_evq_run(Q, ASIM_SEC(5));
    asim_webapp_snapshot s;
    asim_webapp_scrape(w, ASIM_SEC(5), &s);
    CHECK_NEAR(s.response_time, 1.4, 1e-9);
    CHECK(!s.frozen);
    asim_evq_run(Q, ASIM_SEC(100));
    asim_webapp_scrape(w, ASIM_SEC(100), &s);
    CHECK_NEAR(s.response_time, 1.4, 1e-9);           /* no traffic: frozen */
    CHECK(s.frozen);
    done(w);
}

static void test_window_mean_gauge_and_histogram(void)
{
    asim_webapp *w = make(4, 10, 0, ASIM_GAUGE_WINDOW_MEAN);
    offer(w, 0, 0.05);
    offer(w, 0, 0.5);        /* exactly on a bound: le is inclusive */
    offer(w, 0, 3.0);
    asim_evq_run(Q, ASIM_SEC(5));
    asim_webapp_snapshot s;
    asim_webapp_scrape(w, ASIM_SEC(5), &s);
    CHECK_NEAR(s.response_time, (0.05 + 0.5 + 3.0) / 3, 1e-12);
    CHECK(s.bucket_cum[0] == 1 && s.bucket_cum[1] == 2 && s.bucket_cum[2] == 2 && s.bucket_cum[3] == 3);
    CHECK_NEAR(s.duration_sum, 3.55, 1e-12);
    CHECK(s.duration_count == 3 && s.total_requests == 3);
    asim_webapp_scrape(w, ASIM_SEC(10), &s);
    CHECK_NEAR(s.response_time, (0.05 + 0.5 + 3.0) / 3, 1e-12);   /* unchanged with none */
    done(w);
}

/* The histogram bucket of every latency at, 1 ns below and 1 ns above each
 * bound, plus 0, sub-nanosecond-table and beyond-table latencies, against a
 * naive count of the bounds below each latency (le is inclusive). */
static void check_buckets_at_bounds(const double *pb, int nb)
{
    enum { MAXNB = 64, MAXL = 3 * MAXNB + 3 };
    double lat[MAXL];
    int n = 0;
    for (int i = 0; i < nb; i++) {
        asim_time t = ASIM_SEC(pb[i]);
        lat[n++] = ASIM_TO_SEC(t - 1);
        lat[n++] = ASIM_TO_SEC(t);
        lat[n++] = ASIM_TO_SEC(t + 1);
    }
    lat[n++] = 0;
    lat[n++] = 1e-9;
    lat[n++] = 3e7;                       /* beyond 2^24 s */
    acct a = { 0 };
    asim_evq *q = asim_evq_create(16);
    asim_webapp_hooks h = { &a, completed, failed, drained, requeue, NULL, NULL };
    asim_webapp_params p = { MAXL, 10, 0, 0.2, ASIM_GAUGE_CURRENT, pb, nb, 0, 0, 0 };
    asim_webapp *w = asim_webapp_create(q, &p, &h, 1);
    uint64_t want[MAXNB + 1] = { 0 };
    for (int k = 0; k < n; k++) {
        offer(w, 0, lat[k]);
        int b = 0;
        for (int i = 0; i < nb; i++) b += lat[k] > pb[i];
        want[b]++;
    }
    asim_evq_run(q, ASIM_SEC(4e7));
    asim_webapp_snapshot s;
    asim_webapp_scrape(w, ASIM_SEC(4e7), &s);
    uint64_t cum = 0;
    for (int b = 0; b <= nb; b++) {
        cum += want[b];
        CHECK_MSG(s.bucket_cum[b] == cum, "bucket %d of %d: %llu, want %llu", b, nb,
                  (unsigned long long)s.bucket_cum[b], (unsigned long long)cum);
    }
    CHECK(a.completed == n && a.bad_latency == 0);
    asim_webapp_destroy(w);
    asim_evq_destroy(q);
}

/* Prometheus' default bounds (several are octave edges: 0.25, 0.5, 1), and
 * linear bounds, up to 11 in one octave (the search makes as many
 * comparisons as the most bounds in an octave). */
static void test_histogram_buckets_at_bounds(void)
{
    static const double pb[] = { 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0 };
    check_buckets_at_bounds(pb, 14);
    double lin[40];
    for (int i = 0; i < 40; i++) lin[i] = 0.05 * (i + 1);      /* 0.05 .. 2.0 */
    check_buckets_at_bounds(lin, 40);
    static const double one[] = { 3.0 };
    check_buckets_at_bounds(one, 1);
}

static void test_timeout(void)
{
    asim_webapp *w = make(1, 10, 1.5, ASIM_GAUGE_CURRENT);
    offer(w, 0, 1.0);        /* done at 1 */
    offer(w, 0, 1.0);        /* starts at 1, done at 2: latency 2 > 1.5 -> timeout */
    offer(w, 0, 1.0);        /* starts at 2: waited 2 >= 1.5 -> abandoned */
    asim_evq_run(Q, ASIM_SEC(10));
    CHECK(A.completed == 1 && A.timeouts == 2);
    done(w);
}

static void test_drain_modes(void)
{
    for (int mode = ASIM_DRAIN_FINISH; mode <= ASIM_DRAIN_REQUEUE; mode++) {
        asim_webapp *w = make(1, 10, 0, ASIM_GAUGE_CURRENT);
        for (int i = 0; i < 3; i++) offer(w, 0, 1.0);
        asim_webapp_drain(w, mode, 0);
        asim_evq_run(Q, ASIM_SEC(10));
        CHECK(A.drained == 1);
        if (mode == ASIM_DRAIN_FINISH) CHECK(A.completed == 3);
        if (mode == ASIM_DRAIN_DROP) CHECK(A.completed == 1 && A.dropped == 2);
        if (mode == ASIM_DRAIN_REQUEUE) CHECK(A.completed == 1 && A.requeued == 2);
        done(w);
    }
}

static void test_kill_cancels_work(void)
{
    asim_webapp *w = make(2, 10, 0, ASIM_GAUGE_CURRENT);
    for (int i = 0; i < 4; i++) offer(w, 0, 5.0);
    asim_evq_run(Q, ASIM_SEC(1));
    asim_webapp_kill(w, ASIM_SEC(1));
    CHECK(A.dropped == 4 && asim_webapp_in_flight(w) == 0);
    CHECK(asim_evq_pending(Q) == 0);
    asim_evq_run(Q, ASIM_SEC(10));
    CHECK(A.completed == 0);
    done(w);
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
    RUN(test_histogram_buckets_at_bounds);
    RUN(test_timeout);
    RUN(test_drain_modes);
    RUN(test_kill_cancels_work);
    return check_report();
}
