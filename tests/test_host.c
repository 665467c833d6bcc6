/* test_host.c -- processor sharing on hosts and CFS bandwidth limits
 * against theory nobody here wrote:
 *  - M/G/1-PS: mean response time E[S]/(1-rho) whatever the service
 *    distribution (Kleinrock, "Time-shared systems: a theoretical treatment", JACM
 *    1967; Harchol-Balter, "Performance Modeling and Design of Computer
 *    Systems", 2013, the M/G/1/PS chapter), for exponential, lognormal
 *    (cv 2) and deterministic service, ~1M requests each, within 2 %;
 *  - M/G/c with rates min(1, c/n) shared equally (a symmetric queue, hence
 *    insensitive: Kelly 1979): the number in system is that of M/M/c, so
 *    the mean response time is Erlang C's, for lognormal service;
 *  - two services on one host (multi-class M/G/1-PS): class k's mean
 *    response time is E[S_k]/(1-rho) with rho the total load;
 *  - CFS quota throttling against cases computed by hand from
 *    Documentation/scheduler/sched-bwc.rst;
 *  - no contention: a thread ends exactly `work` after it starts. */
#include "tests/check.h"
#include "models/stack/host.h"
#include "sim/engine/dist.h"
#include "sim/engine/rng.h"

#include <gsl/gsl_randist.h>

/* ---- an open Poisson stream of threads into one group ----------------- */

typedef struct stream {
    asim_evq *q;
    asim_cgroup *g;
    gsl_rng *r;
    asim_dist service;
    double rate;              /* arrivals per s */
    long left;                /* arrivals still to come */
    long done;
    double sum_resp;          /* response times of completed threads */
} stream;

static void on_done(void *ctx, uint64_t arrival, asim_time now)
{
    stream *s = ctx;
    s->done++;
    s->sum_resp += ASIM_TO_SEC(now - (asim_time)arrival);
}

static void on_arrive(void *ctx, uint64_t arg, asim_time now)
{
    stream *s = ctx;
    ASIM_UNUSED(arg);
    asim_cgroup_run(s->g, asim_dist_sample(&s->service, s->r), on_done, s, (uint64_t)now);
    if (--s->left > 0)
        asim_evq_at(s->q, now + ASIM_SEC(gsl_ran_exponential(s->r, 1.0 / s->rate)), on_arrive, s, 0);
}

static void stream_init(stream *s, asim_evq *q, asim_cgroup *g, const char *name,
                        asim_dist_kind kind, double mean, double cv, double rate, long n)
{
    memset(s, 0, sizeof *s);
    s->q = q;
    s->g = g;
    s->r = asim_rng_stream(42, name);
    s->service.kind = kind;
    s->service.mean = mean;
    s->service.cv = cv;
    asim_err err;
    CHECK(asim_dist_prepare(&s->service, &err) == 0);
    s->rate = rate;
    s->left = n;
    asim_evq_at(q, 0, on_arrive, s, 0);
}

static asim_hosts_cfg host_cfg(int cores)
{
    asim_hosts_cfg c;
    memset(&c, 0, sizeof c);
    c.count = 1;
    c.cores = cores;
    return c;
}

/* ---- M/G/1-PS and M/G/c-PS -------------------------------------------- */

/* Mean response time of n Poisson arrivals at rate lambda with the given
 * service on a host of `cores` cores, one group without a limit. */
static double ps_mean_response(int cores, asim_dist_kind kind, double mean, double cv,
                               double lambda, long n)
{
    asim_evq *q = asim_evq_create(1024);
    asim_hosts_cfg hc = host_cfg(cores);
    asim_hosts *hs = asim_hosts_create(q, &hc);
    asim_cgroup *g = asim_hosts_place(hs, 0, 0.1, 0);
    stream s;
    stream_init(&s, q, g, "ps", kind, mean, cv, lambda, n);
    asim_evq_run(q, ASIM_TIME_MAX);
    CHECK(s.done == n);
    /* utilisation check: busy CPU-seconds = total work */
    CHECK(asim_hosts_busy_seconds(hs, 0) > 0);
    asim_cgroup_release(g);
    asim_hosts_destroy(hs);
    asim_evq_destroy(q);
    asim_rng_free(s.r);
    return s.sum_resp / (double)s.done;
}

static void test_mg1_ps_exponential(void)
{
    double rho = 0.7, es = 0.05;
    double t = ps_mean_response(1, ASIM_DIST_EXPONENTIAL, es, 1, rho / es, 1000000);
    printf("  M/M/1-PS rho 0.7: mean response %.5f s, theory %.5f s\n", t, es / (1 - rho));
    CHECK_REL(t, es / (1 - rho), 0.02);
}

static void test_mg1_ps_insensitive(void)
{
    double rho = 0.7, es = 0.05;
    double tl = ps_mean_response(1, ASIM_DIST_LOGNORMAL, es, 2.0, rho / es, 1000000);
    double td = ps_mean_response(1, ASIM_DIST_DETERMINISTIC, es, 0, rho / es, 1000000);
    printf("  M/G/1-PS rho 0.7: lognormal cv 2 %.5f s, deterministic %.5f s, theory %.5f s\n",
           tl, td, es / (1 - rho));
    CHECK_REL(tl, es / (1 - rho), 0.02);
    CHECK_REL(td, es / (1 - rho), 0.02);
    /* FCFS would differ: Pollaczek-Khinchine gives 0.05 + 0.7*0.05*(1+4)/(2*0.3) = 0.342 s
     * for cv 2, against PS's 0.167 s; insensitivity is what is tested. */
}

/* Erlang C: probability of waiting in M/M/c at offered load a = lambda E[S]. */
static double erlang_c(int c, double a)
{
    double term = 1, sum = 1;                 /* sum_{k<c} a^k/k! */
    for (int k = 1; k < c; k++) { term *= a / k; sum += term; }
    double last = term * a / c;               /* a^c/c! */
    double pc = last / (1 - a / c);
    return pc / (sum + pc);
}

static void test_mgc_ps_insensitive(void)
{
    int c = 4;
    double es = 0.05, lambda = 0.8 * c / es;  /* rho 0.8 per core */
    double a = lambda * es;
    double theory = es + erlang_c(c, a) * es / (c - a);   /* E[N]/lambda of M/M/c */
    double t = ps_mean_response(c, ASIM_DIST_LOGNORMAL, es, 1.5, lambda, 1000000);
    printf("  M/G/4 with PS rates min(1, 4/n), rho 0.8, lognormal cv 1.5: %.5f s, Erlang C %.5f s\n",
           t, theory);
    CHECK_REL(t, theory, 0.02);
}

/* ---- two services on one host ----------------------------------------- */

static void test_two_services_one_host(void)
{
    asim_evq *q = asim_evq_create(1024);
    asim_hosts_cfg hc = host_cfg(1);
    asim_hosts *hs = asim_hosts_create(q, &hc);
    asim_cgroup *ga = asim_hosts_place(hs, 0, 0.1, 0);
    asim_cgroup *gb = asim_hosts_place(hs, 0, 0.1, 0);
    CHECK(asim_cgroup_host(ga) == 0 && asim_cgroup_host(gb) == 0);
    /* webapp: 0.05 s exponential at 8/s (rho 0.4); api: 0.02 s lognormal
     * cv 1.5 at 15/s (rho 0.3); total rho 0.7 */
    stream a, b;
    stream_init(&a, q, ga, "webapp", ASIM_DIST_EXPONENTIAL, 0.05, 1, 8, 400000);
    stream_init(&b, q, gb, "api", ASIM_DIST_LOGNORMAL, 0.02, 1.5, 15, 750000);
    asim_evq_run(q, ASIM_TIME_MAX);
    double rho = 8 * 0.05 + 15 * 0.02;
    double ta = a.sum_resp / (double)a.done, tb = b.sum_resp / (double)b.done;
    printf("  two services, one core, rho %.2f: webapp %.5f s (theory %.5f), api %.5f s (theory %.5f)\n",
           rho, ta, 0.05 / (1 - rho), tb, 0.02 / (1 - rho));
    CHECK_REL(ta, 0.05 / (1 - rho), 0.02);
    CHECK_REL(tb, 0.02 / (1 - rho), 0.02);
    asim_cgroup_release(ga);
    asim_cgroup_release(gb);
    asim_hosts_destroy(hs);
    asim_evq_destroy(q);
    asim_rng_free(a.r);
    asim_rng_free(b.r);
}

/* ---- deterministic cases ------------------------------------------------ */

typedef struct ends { asim_time at[8]; int n; } ends;

static void on_end(void *ctx, uint64_t i, asim_time now)
{
    ends *e = ctx;
    e->at[i] = now;
    e->n++;
}

/* Threads of `work` s each started at 0 in one group; their end times. */
static void run_batch(const asim_hosts_cfg *hc, double limit, int nthreads, double work, ends *e,
                      long *nr_throttled)
{
    asim_evq *q = asim_evq_create(64);
    asim_hosts *hs = asim_hosts_create(q, hc);
    asim_cgroup *g = asim_hosts_place(hs, limit, 0.1, 0);
    memset(e, 0, sizeof *e);
    for (int i = 0; i < nthreads; i++) asim_cgroup_run(g, work, on_end, e, (uint64_t)i);
    asim_evq_run(q, ASIM_TIME_MAX);
    CHECK(e->n == nthreads);
    CHECK_NEAR(asim_cgroup_cpu_seconds(g), nthreads * work, 1e-9);
    *nr_throttled = asim_cgroup_nr_throttled(g);
    asim_cgroup_release(g);
    asim_hosts_destroy(hs);
    asim_evq_destroy(q);
}

/* Threads started together in one group, computed by hand from
 * Documentation/scheduler/sched-bwc.rst and equal shares: every thread
 * ends at `end` s, the group throttled in `throttled` periods. */
static void test_batches_by_hand(void)
{
    static const struct {
        const char *what;
        int cores;
        asim_quota_model model;
        double limit;
        int threads;
        double work, end;
        long throttled;
    } cases[] = {
        /* --cpus 0.5: quota 50 ms per 100 ms period.  120 ms of work runs
         * 0-50, throttled 50-100, runs 100-150, throttled 150-200, runs
         * 200-220: done at 220 ms, throttled in 2 periods. */
        { "quota, one thread", 4, ASIM_QUOTA_PERIOD, 0.5, 1, 0.12, 0.22, 2 },
        /* fluid: 0.5 cores all along, 240 ms */
        { "fluid, one thread", 4, ASIM_QUOTA_FLUID, 0.5, 1, 0.12, 0.24, 0 },
        /* --cpus 1 on a 4-core host, 4 workers each with 100 ms of work:
         * the four run in parallel and use the 100 ms quota in 25 ms, then
         * wait 75 ms; 25 ms of progress per period, so all end at 325 ms,
         * throttled in 3 periods (the tail-latency effect of CFS quotas). */
        { "quota, parallel burst", 4, ASIM_QUOTA_PERIOD, 1.0, 4, 0.1, 0.325, 3 },
        /* the fluid model spreads 1 core over 4 threads: 400 ms */
        { "fluid, parallel", 4, ASIM_QUOTA_FLUID, 1.0, 4, 0.1, 0.4, 0 },
        /* 6 threads of 1 s on 2 cores, equal shares of 1/3 core: 3 s */
        { "saturated host", 2, ASIM_QUOTA_PERIOD, 0, 6, 1.0, 3.0, 0 },
    };
    for (size_t k = 0; k < ASIM_ARRAY_LEN(cases); k++) {
        asim_hosts_cfg hc = host_cfg(cases[k].cores);
        hc.limit_model = cases[k].model;
        ends e;
        long thr;
        run_batch(&hc, cases[k].limit, cases[k].threads, cases[k].work, &e, &thr);
        for (int i = 0; i < cases[k].threads; i++)
            CHECK_MSG(fabs(ASIM_TO_SEC(e.at[i]) - cases[k].end) < 1e-8, "%s: thread %d ends at %.9f s, not %g",
                      cases[k].what, i, ASIM_TO_SEC(e.at[i]), cases[k].end);
        CHECK_MSG(thr == cases[k].throttled, "%s: throttled %ld", cases[k].what, thr);
    }
}

static void test_container_sharing(void)
{
    /* One core; group A has 3 threads of 0.3 s, group B one thread of 0.3 s.
     * THREADS: 4 equal shares of 0.25 core, all end at 1.2 s.
     * CONTAINERS: A and B get 0.5 core each; B ends at 0.6 s; A's threads
     * got 1/6 core each (0.1 s done), then share the core: 0.2 s left each
     * at 1/3 core -> end at 0.6 + 0.6 = 1.2 s. */
    for (int mode = 0; mode < 2; mode++) {
        asim_evq *q = asim_evq_create(64);
        asim_hosts_cfg hc = host_cfg(1);
        hc.sharing = mode ? ASIM_SHARE_CONTAINERS : ASIM_SHARE_THREADS;
        asim_hosts *hs = asim_hosts_create(q, &hc);
        asim_cgroup *a = asim_hosts_place(hs, 0, 0.1, 0), *b = asim_hosts_place(hs, 0, 0.1, 0);
        ends ea, eb;
        memset(&ea, 0, sizeof ea);
        memset(&eb, 0, sizeof eb);
        for (int i = 0; i < 3; i++) asim_cgroup_run(a, 0.3, on_end, &ea, (uint64_t)i);
        asim_cgroup_run(b, 0.3, on_end, &eb, 0);
        asim_evq_run(q, ASIM_TIME_MAX);
        CHECK_NEAR(ASIM_TO_SEC(eb.at[0]), mode ? 0.6 : 1.2, 1e-8);
        for (int i = 0; i < 3; i++) CHECK_NEAR(ASIM_TO_SEC(ea.at[i]), 1.2, 1e-8);
        CHECK_NEAR(asim_hosts_busy_seconds(hs, 0), 1.2, 1e-8);
        asim_cgroup_release(a);
        asim_cgroup_release(b);
        asim_hosts_destroy(hs);
        asim_evq_destroy(q);
    }
}

static void test_no_contention_exact(void)
{
    /* Many cores: every thread ends exactly ASIM_SEC(work) after its start,
     * to the nanosecond, whatever else runs. */
    asim_evq *q = asim_evq_create(64);
    asim_hosts_cfg hc = host_cfg(64);
    asim_hosts *hs = asim_hosts_create(q, &hc);
    asim_cgroup *g = asim_hosts_place(hs, 0, 0.1, 0);
    gsl_rng *r = asim_rng_stream(3, "exact");
    int bad = 0;
    for (int k = 0; k < 2000; k++) {
        ends e;
        memset(&e, 0, sizeof e);
        double w1 = gsl_rng_uniform(r) * 0.3 + 1e-3, w2 = gsl_rng_uniform(r) * 0.3 + 1e-3;
        asim_time t0 = asim_evq_now(q);
        asim_cgroup_run(g, w1, on_end, &e, 0);
        asim_evq_run(q, t0 + ASIM_SEC(w1 / 3));
        asim_time t1 = asim_evq_now(q);
        asim_cgroup_run(g, w2, on_end, &e, 1);
        asim_evq_run(q, ASIM_TIME_MAX);
        bad += e.at[0] != t0 + ASIM_SEC(w1) || e.at[1] != t1 + ASIM_SEC(w2);
    }
    CHECK(bad == 0);
    asim_rng_free(r);
    asim_cgroup_release(g);
    asim_hosts_destroy(hs);
    asim_evq_destroy(q);
}

static void test_cancel_and_placement(void)
{
    asim_evq *q = asim_evq_create(64);
    asim_hosts_cfg hc = host_cfg(1);
    hc.count = 3;
    asim_hosts *hs = asim_hosts_create(q, &hc);
    asim_cgroup *g[4];
    for (int i = 0; i < 4; i++) g[i] = asim_hosts_place(hs, 0, 0.1, 0);
    /* spread: 0, 1, 2, then 0 again */
    CHECK(asim_cgroup_host(g[0]) == 0 && asim_cgroup_host(g[1]) == 1);
    CHECK(asim_cgroup_host(g[2]) == 2 && asim_cgroup_host(g[3]) == 0);
    /* two threads share host 0's core; cancelling one gives the other all of it */
    ends e;
    memset(&e, 0, sizeof e);
    uint64_t h0 = asim_cgroup_run(g[0], 1.0, on_end, &e, 0);
    asim_cgroup_run(g[3], 1.0, on_end, &e, 1);
    asim_evq_run(q, ASIM_SEC(0.5));             /* each has 0.25 s done */
    asim_cgroup_cancel(g[0], h0);
    asim_cgroup_cancel(g[0], h0);               /* stale: no-op */
    asim_evq_run(q, ASIM_TIME_MAX);
    CHECK(e.n == 1);
    CHECK_NEAR(ASIM_TO_SEC(e.at[1]), 1.25, 1e-8);
    for (int i = 0; i < 4; i++) asim_cgroup_release(g[i]);
    asim_hosts_destroy(hs);
    /* pack: first fit by requested cores */
    hc.placement = ASIM_PLACE_PACK;
    hc.cores = 2;
    hs = asim_hosts_create(q, &hc);
    for (int i = 0; i < 4; i++) g[i] = asim_hosts_place(hs, 0, 0.1, 1.0);
    CHECK(asim_cgroup_host(g[0]) == 0 && asim_cgroup_host(g[1]) == 0);
    CHECK(asim_cgroup_host(g[2]) == 1 && asim_cgroup_host(g[3]) == 1);
    for (int i = 0; i < 4; i++) asim_cgroup_release(g[i]);
    asim_hosts_destroy(hs);
    asim_evq_destroy(q);
}

int main(void)
{
    RUN(test_batches_by_hand);
    RUN(test_container_sharing);
    RUN(test_no_contention_exact);
    RUN(test_cancel_and_placement);
    RUN(test_mg1_ps_exponential);
    RUN(test_mg1_ps_insensitive);
    RUN(test_mgc_ps_insensitive);
    RUN(test_two_services_one_host);
    return check_report();
}
