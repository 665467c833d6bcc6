/* test_validation.c -- the replica model against queueing theory.
 *
 * One replica with scaling off, Poisson arrivals, a backlog too large to
 * overflow.  Theory (independent of this code):
 *   M/M/c   Erlang C: P(wait) = C(c, a), a = lambda S;  W = S + C/(c/S - lambda)
 *   M/M/1   the c = 1 case: P(wait) = rho, W = S/(1-rho)
 *   M/G/1   Pollaczek-Khinchine: Wq = lambda E[S^2] / (2 (1 - rho))
 *   Little  L = lambda_eff W, with L the time-average number in the system.
 * Sizing: each case simulates several million requests, pooled over seeds;
 * at these loads the relative standard error of the mean response time is
 * ~0.2-0.4 %, so the 2 % tolerance sits > 5 standard errors away and the test
 * cannot flake with a correct model (checked over 10 other seeds, see
 * README "Validation").  The same sizes run under the sanitizers. */
#include "check.h"

#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include "sim/engine/evq.h"
#include "sim/engine/rng.h"
#include "models/stack/webapp.h"
#include "models/stack/traffic.h"
#include "models/stack/closed.h"
#include "models/scenario/config.h"

typedef struct bench {
    asim_evq *q;
    asim_webapp *w;
    gsl_rng *arr, *svc;
    asim_dist service;
    double lambda;
    asim_source *src;        /* NULL: Poisson arrivals drawn here */
    asim_closed *closed;     /* closed-loop clients, or NULL */
    asim_time horizon;
    /* accounting */
    double sum_lat, sum_wait_pos;
    uint64_t n, waited, rejected;
    double area;             /* integral of number in system */
    asim_time last;
    int in_system;
} bench;

static void account(bench *b, asim_time now)
{
    b->area += b->in_system * ASIM_TO_SEC(now - b->last);
    b->last = now;
}

static void completed(void *ctx, const asim_request *r, double latency, asim_time now)
{
    bench *b = ctx;
    ASIM_UNUSED(latency);            /* measured here from the request itself */
    account(b, now);
    b->in_system--;
    double lat = ASIM_TO_SEC(now - r->arrival);
    b->sum_lat += lat;
    b->n++;
    if (lat - r->demand > 1e-9) b->waited++;
    if (b->closed) asim_closed_returned(b->closed, r->tag - 1, now);
}

static void failed(void *ctx, const asim_request *r, asim_fail_kind k, asim_time now)
{
    bench *b = ctx;
    ASIM_UNUSED(r); ASIM_UNUSED(k); ASIM_UNUSED(now);
    b->rejected++;
}

static void arrival(void *ctx, uint64_t arg, asim_time now)
{
    bench *b = ctx;
    asim_request r = { now, asim_dist_sample(&b->service, b->svc), 0, 0, 0, 0 };
    account(b, now);
    b->in_system++;
    asim_webapp_offer(b->w, &r, now);
    int cls;
    asim_time next = b->src ? asim_source_next(b->src, now, &cls)
                            : now + ASIM_SEC(gsl_ran_exponential(b->arr, 1 / b->lambda));
    if (next <= b->horizon) asim_evq_at(b->q, next, arrival, b, arg);
}

typedef struct result { double W, pwait, L, lambda_eff; uint64_t n; } result;

/* What the replications of one experiment add up. */
typedef struct totals { double sum_lat, area, time; uint64_t n, waited; } totals;

/* ASIM_VALIDATION_SEED shifts the seeds, to check robustness by hand. */
static uint64_t seed_base(void)
{
    const char *base_env = getenv("ASIM_VALIDATION_SEED");
    return base_env ? strtoull(base_env, NULL, 10) : 0;
}

/* One replica with `workers` workers, an unbounded backlog and mean
 * service S (the demand of each request is drawn by the bench). */
static void bench_app(bench *b, int workers, double S)
{
    asim_webapp_hooks h = { b, completed, failed, NULL, NULL, NULL, NULL };
    double bounds[1] = { 1 };
    asim_webapp_params p = { workers, 1 << 30, 0, S, ASIM_GAUGE_CURRENT, bounds, 1, 0, 0, 0 };
    b->w = asim_webapp_create(b->q, &p, &h, 1);
}

/* Replication `seed`: the event queue, the arrival (or think-time) stream
 * `arr` and the service stream, and the service distribution. */
static void bench_init(bench *b, uint64_t seed, const char *arr, asim_dist service)
{
    asim_err err;
    b->q = asim_evq_create(64);
    b->arr = asim_rng_stream(seed, arr);
    b->svc = asim_rng_stream(seed, "service");
    b->service = service;
    CHECK(asim_dist_prepare(&b->service, &err) == 0);
}

/* Run to `warm` seconds, discard it, run to the horizon, add the
 * statistics from warm on to t, and free the bench. */
static void bench_measure(bench *b, double warm, totals *t)
{
    asim_evq_run(b->q, ASIM_SEC(warm));
    b->sum_lat = 0; b->n = 0; b->waited = 0; b->area = 0; b->last = ASIM_SEC(warm);
    asim_evq_run(b->q, b->horizon);
    account(b, b->horizon);
    CHECK(b->rejected == 0);
    t->sum_lat += b->sum_lat; t->n += b->n; t->waited += b->waited; t->area += b->area;
    t->time += ASIM_TO_SEC(b->horizon) - warm;
    asim_closed_destroy(b->closed);
    asim_webapp_destroy(b->w);
    asim_source_destroy(b->src);
    asim_evq_destroy(b->q);
    asim_rng_free(b->arr);
    asim_rng_free(b->svc);
}

static result result_of(const totals *t)
{
    result r = { t->sum_lat / (double)t->n, (double)t->waited / (double)t->n, t->area / t->time,
                 (double)t->n / t->time, t->n };
    return r;
}

/* Pool `seeds` runs of `requests` arrivals each (after a warm-up of 2 %).
 * arrivals: ASIM_ARRIVALS_POISSON draws here; PACED uses the simulator's own
 * profile source (traffic.c) with one constant segment. */
static result simulate_arr(int workers, asim_dist_kind kind, double S, double cv, double lambda,
                           long requests, int seeds, asim_arrivals arrivals)
{
    totals t = { 0, 0, 0, 0, 0 };
    uint64_t base = seed_base();
    for (int seed = 1; seed <= seeds; seed++) {
        bench b = { 0 };
        bench_init(&b, base + (uint64_t)seed, "arrivals", (asim_dist){ kind, S, cv, 0, 0 });
        b.lambda = lambda;
        double warm = 0.02 * requests / lambda;
        b.horizon = ASIM_SEC(requests / lambda + warm);
        asim_segment seg = { ASIM_SEG_CONSTANT, requests / lambda + 2 * warm, lambda, lambda };
        asim_traffic_cfg tc = { &seg, 1, 0, 1, arrivals, 0, 0, { 0 } };
        b.src = arrivals == ASIM_ARRIVALS_POISSON ? NULL : asim_profile_source(&tc, b.arr);
        bench_app(&b, workers, S);
        asim_evq_at(b.q, 0, arrival, &b, 0);
        bench_measure(&b, warm, &t);
    }
    return result_of(&t);
}

static result simulate(int workers, asim_dist_kind kind, double S, double cv, double lambda,
                       long requests, int seeds)
{
    return simulate_arr(workers, kind, S, cv, lambda, requests, seeds, ASIM_ARRIVALS_POISSON);
}

/* Erlang C probability of waiting, c servers, offered load a = lambda S. */
static double erlang_c(int c, double a)
{
    double b = 1;                       /* Erlang B by recursion */
    for (int k = 1; k <= c; k++) b = a * b / (k + a * b);
    double rho = a / c;
    return b / (1 - rho + rho * b);
}

static void test_mm1(void)
{
    double S = 0.05, lambda = 12;       /* rho = 0.6 */
    result r = simulate(1, ASIM_DIST_EXPONENTIAL, S, 1, lambda, 1500000, 2);
    double rho = lambda * S;
    CHECK_REL(r.W, S / (1 - rho), 0.02);
    CHECK_REL(r.pwait, rho, 0.02);
    CHECK_REL(r.L, r.lambda_eff * r.W, 0.01);          /* Little, on measured means */
    printf("  M/M/1 rho=0.6: W=%.5f theory %.5f, P(wait)=%.4f theory %.4f, n=%llu\n",
           r.W, S / (1 - rho), r.pwait, rho, (unsigned long long)r.n);
}

static void test_mmc_erlang_c(void)
{
    int c = 4;
    double S = 0.06, lambda = 50;       /* a = 3, rho = 0.75 */
    result r = simulate(c, ASIM_DIST_EXPONENTIAL, S, 1, lambda, 2000000, 2);
    double a = lambda * S, C = erlang_c(c, a);
    double W = S + C / (c / S - lambda);
    CHECK_REL(r.W, W, 0.02);
    CHECK_REL(r.pwait, C, 0.02);
    CHECK_REL(r.L, r.lambda_eff * r.W, 0.01);
    printf("  M/M/4 rho=0.75: W=%.5f theory %.5f, P(wait)=%.4f Erlang C %.4f\n", r.W, W, r.pwait, C);
}

static void test_md1_pollaczek_khinchine(void)
{
    double S = 0.05, lambda = 14;       /* rho = 0.7 */
    result r = simulate(1, ASIM_DIST_DETERMINISTIC, S, 0, lambda, 1500000, 2);
    double rho = lambda * S;
    double W = S + lambda * S * S / (2 * (1 - rho));
    CHECK_REL(r.W, W, 0.02);
    CHECK_REL(r.pwait, rho, 0.02);                    /* M/G/1: P(wait) = rho */
    CHECK_REL(r.L, r.lambda_eff * r.W, 0.01);
    printf("  M/D/1 rho=0.7: W=%.5f P-K %.5f\n", r.W, W);
}

static void test_mg1_lognormal_pk(void)
{
    double S = 0.05, cv = 1.5, lambda = 10;   /* rho = 0.5, heavy-ish tail */
    result r = simulate(1, ASIM_DIST_LOGNORMAL, S, cv, lambda, 2000000, 2);
    double rho = lambda * S, ES2 = S * S * (1 + cv * cv);
    double W = S + lambda * ES2 / (2 * (1 - rho));
    CHECK_REL(r.W, W, 0.02);
    CHECK_REL(r.L, r.lambda_eff * r.W, 0.01);
    printf("  M/G/1 lognormal cv=1.5 rho=0.5: W=%.5f P-K %.5f\n", r.W, W);
}

/* Closed loop: client `client` sends now. */
static void client_send(void *ctx, int client, asim_time now)
{
    bench *b = ctx;
    asim_request r = { now, asim_dist_sample(&b->service, b->svc), 0, client + 1, 0, 0 };
    account(b, now);
    b->in_system++;
    asim_webapp_offer(b->w, &r, now);
}

/* N clients with think time (mean Z, cv zcv) on c workers with exponential
 * service S: measured throughput X and mean response time W. */
static result simulate_closed(int workers, double S, int clients, asim_dist_kind zkind, double Z, double zcv,
                              double horizon_s, int seeds)
{
    totals t = { 0, 0, 0, 0, 0 };
    uint64_t base = seed_base();
    for (int seed = 1; seed <= seeds; seed++) {
        bench b = { 0 };
        asim_err err;
        bench_init(&b, base + (uint64_t)seed, "think", (asim_dist){ ASIM_DIST_EXPONENTIAL, S, 1, 0, 0 });
        asim_dist think = { zkind, Z, zcv, 0, 0 };
        CHECK(asim_dist_prepare(&think, &err) == 0);
        double warm = 0.02 * horizon_s;
        b.horizon = ASIM_SEC(horizon_s + warm);
        bench_app(&b, workers, S);
        b.closed = asim_closed_create(b.q, clients, &think, b.arr, 0, ASIM_TIME_MAX, client_send, &b);
        bench_measure(&b, warm, &t);
    }
    return result_of(&t);
}

/* Machine repairman M/M/c//N, exact: the number at the replica is a birth-
 * death chain with birth (N - k)/Z and death min(k, c)/S; X = sum p_k
 * min(k, c)/S and, by Little on the whole loop, R = N/X - Z.  The think
 * station is infinite-server, so the result holds for any think-time law
 * (BCMP insensitivity); service must be exponential. */
static void repairman(int c, double S, int N, double Z, double *X, double *R)
{
    double w = 1, sum = 1, x = 0;
    for (int k = 1; k <= N; k++) {
        w *= ((double)(N - k + 1) / Z) / ((k < c ? k : c) / S);
        sum += w;
        x += w * (k < c ? k : c) / S;
    }
    *X = x / sum;
    *R = N / *X - Z;
}

static void test_closed_repairman(void)
{
    int c = 4, N = 20;
    double S = 0.06, Z = 0.3, X, R;   /* N/(Z+S) = 56/s against 67/s of capacity: queueing matters */
    repairman(c, S, N, Z, &X, &R);
    result r = simulate_closed(c, S, N, ASIM_DIST_EXPONENTIAL, Z, 1, 30000, 1);
    CHECK_REL(r.lambda_eff, X, 0.02);
    CHECK_REL(r.W, R, 0.02);
    CHECK_REL(r.L, r.lambda_eff * r.W, 0.01);
    printf("  closed N=%d Z=%.1f (exponential) c=%d: X=%.3f theory %.3f, R=%.5f theory %.5f, n=%llu\n",
           N, Z, c, r.lambda_eff, X, r.W, R, (unsigned long long)r.n);
    /* the same with lognormal think times (cv 2): insensitive */
    r = simulate_closed(c, S, N, ASIM_DIST_LOGNORMAL, Z, 2, 30000, 1);
    CHECK_REL(r.lambda_eff, X, 0.02);
    CHECK_REL(r.W, R, 0.02);
    printf("  closed N=%d Z=%.1f (lognormal cv 2) c=%d: X=%.3f theory %.3f, R=%.5f theory %.5f, n=%llu\n",
           N, Z, c, r.lambda_eff, X, r.W, R, (unsigned long long)r.n);
}

/* D/M/1 (GI/M/1 with deterministic gaps a = 1/lambda): sigma is the root in
 * (0, 1) of sigma = A*(mu (1 - sigma)) = exp(-mu a (1 - sigma)); an arrival
 * waits with probability sigma and W = 1 / (mu (1 - sigma))  (Kleinrock,
 * Queueing Systems I, sec. 6.4; Gross & Harris, GI/M/1). */
static double gim1_sigma(double mu_a)
{
    double x = 0.5;
    for (int i = 0; i < 10000; i++) x = exp(-mu_a * (1 - x));
    return x;
}

static void test_dm1_paced(void)
{
    double S = 0.05, lambda = 16;       /* rho = 0.8 */
    result r = simulate_arr(1, ASIM_DIST_EXPONENTIAL, S, 1, lambda, 2000000, 2, ASIM_ARRIVALS_PACED);
    double sigma = gim1_sigma(1 / (S * lambda));
    double W = S / (1 - sigma);
    CHECK_REL(r.W, W, 0.02);
    CHECK_REL(r.pwait, sigma, 0.02);
    CHECK_REL(r.L, r.lambda_eff * r.W, 0.01);
    CHECK_REL(r.lambda_eff, lambda, 1e-4);            /* exactly the rate: deterministic gaps */
    printf("  D/M/1 rho=0.8 (paced source): W=%.5f theory %.5f, P(wait)=%.4f sigma %.4f, n=%llu\n",
           r.W, W, r.pwait, sigma, (unsigned long long)r.n);
}

int main(void)
{
    RUN(test_mm1);
    RUN(test_mmc_erlang_c);
    RUN(test_md1_pollaczek_khinchine);
    RUN(test_mg1_lognormal_pk);
    RUN(test_dm1_paced);
    RUN(test_closed_repairman);
    return check_report();
}
