/* test_elastic.c -- elasticity metrics on a hand-computed sequence, and the
 * demanded-supply model against Erlang C computed independently here (the
 * textbook sum formula with GSL's factorials, not the module's recursion). */
#include <math.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_pow_int.h>
#include "check.h"
#include "sim/run/elastic.h"
#include "models/scenario/config.h"
#include "sim/config/settings.h"

static void model(asim_config *cfg, asim_dist_kind kind, double mean, double cv, int workers,
                  asim_lb_policy lb, double slo)
{
    asim_config_defaults(cfg);
    cfg->app.service.kind = kind;
    cfg->app.service.mean = mean;
    cfg->app.service.cv = cv;
    asim_err err;
    CHECK(asim_dist_prepare(&cfg->app.service, &err) == 0);
    cfg->app.workers = workers;
    cfg->balancer.policy = lb;
    cfg->ext.slo.latency = slo;
}

/* P(wait) in M/M/c with offered load a < c:
 *   C = (a^c/c! * c/(c-a)) / (sum_{k<c} a^k/k! + a^c/c! * c/(c-a)). */
static double erlang_c_sum(int c, double a)
{
    double top = gsl_sf_pow_int(a, c) / gsl_sf_fact((unsigned)c) * c / (c - a);
    double s = 0;
    for (int k = 0; k < c; k++)
        s += gsl_sf_pow_int(a, k) / gsl_sf_fact((unsigned)k);
    return top / (s + top);
}

/* M/M/c mean response time of one of n replicas fed at rate/n. */
static double mmc_w(int c, double rate, int n, double m)
{
    double a = rate / n * m;
    if (a >= c)
        return INFINITY;
    return m + erlang_c_sum(c, a) * m / (c - a);
}

/* Hand computation for the sequence below (d = demanded, s = supplied):
 *   t   d  s   under (d-s)+  /d    over (s-d)+  /d   ds  dd  differ?
 *   1   2  1      1         1/2       -               -   -
 *   2   3  2      1         1/3       -               +   +   no
 *   3   3  3      -                   -               +   0   yes
 *   4   3  4      -                   1      1/3      +   0   yes
 *   5   1  4      -                   3      3        0   -   yes
 *   6   1  1      -                   -               -   0   yes
 *   7   1  1      -                   -               0   0   no
 * T = 7.  theta_U = (1/2 + 1/3)/7 = 5/42; theta_O = (1/3 + 3)/7 = 10/21;
 * under replicas 2/7, over replicas 4/7; tau_U = tau_O = 2/7;
 * instability = 4 of 6 pairs = 2/3; E_S = 4 (t2, t3, t4, t6), E_D = 2 (t2, t5),
 * jitter = (4 - 2)/7 s * 3600 = 7200/7 per hour; mean demand 14/7 = 2. */
static void test_hand_sequence(void)
{
    asim_config cfg;
    model(&cfg, ASIM_DIST_EXPONENTIAL, 0.06, 1, 4, ASIM_LB_ROUND_ROBIN, 0.6);
    asim_elastic *e = asim_elastic_create(&cfg);
    static const int d[] = {2, 3, 3, 3, 1, 1, 1}, s[] = {1, 2, 3, 4, 4, 1, 1};
    for (size_t i = 0; i < 7; i++)
        asim_elastic_observe(e, d[i], s[i]);
    asim_summary sum;
    asim_summary_init(&sum, "t", 1);
    asim_elastic_finish(e, &sum);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_under_accuracy", NULL), 5.0 / 42, 1e-12);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_over_accuracy", NULL), 10.0 / 21, 1e-12);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_under_replicas", NULL), 2.0 / 7, 1e-12);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_over_replicas", NULL), 4.0 / 7, 1e-12);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_under_timeshare", NULL), 2.0 / 7, 1e-12);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_over_timeshare", NULL), 2.0 / 7, 1e-12);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_instability", NULL), 2.0 / 3, 1e-12);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_jitter", NULL), 7200.0 / 7, 1e-9);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_supply_changes", NULL), 4, 0);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_demand_changes", NULL), 2, 0);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_mean_demand", NULL), 2, 1e-12);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_unreachable_seconds", NULL), 0, 0);
    asim_elastic_destroy(e);
    asim_config_free(&cfg);
}

/* Seconds with an unknown rate are skipped and break the pair chain; with
 * nothing observed every metric is undefined (NaN -> null in JSON). */
static void test_gaps_and_empty(void)
{
    asim_config cfg;
    model(&cfg, ASIM_DIST_EXPONENTIAL, 0.06, 1, 4, ASIM_LB_ROUND_ROBIN, 0.6);
    asim_elastic *e = asim_elastic_create(&cfg);
    asim_elastic_observe(e, 1, 1);
    asim_elastic_second(e, 1, NAN, 3);
    asim_elastic_observe(e, 2, 1);
    asim_summary sum;
    asim_summary_init(&sum, "t", 1);
    asim_elastic_finish(e, &sum);
    CHECK(isnan(asim_summary_get(&sum, "elastic_instability", NULL)));   /* no consecutive pair */
    CHECK_NEAR(asim_summary_get(&sum, "elastic_under_timeshare", NULL), 0.5, 1e-12);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_supply_changes", NULL), 0, 0);
    asim_elastic_destroy(e);

    e = asim_elastic_create(&cfg);
    asim_summary_init(&sum, "t", 1);
    asim_elastic_finish(e, &sum);
    int found = 0;
    CHECK(isnan(asim_summary_get(&sum, "elastic_under_accuracy", &found)) && found);
    CHECK(isnan(asim_summary_get(&sum, "elastic_jitter", NULL)));
    asim_elastic_destroy(e);
    asim_config_free(&cfg);
}

/* asim_elastic_second derives demand from the rate: 100 req/s at 60 ms on 4
 * workers is a = 6 Erlangs, so 1 replica is overloaded and 2 suffice. */
static void test_second_uses_demand(void)
{
    asim_config cfg;
    model(&cfg, ASIM_DIST_EXPONENTIAL, 0.06, 1, 4, ASIM_LB_RANDOM, 0.6);
    asim_elastic *e = asim_elastic_create(&cfg);
    for (int t = 0; t < 10; t++)
        asim_elastic_second(e, t, t < 5 ? 100 : 0, 1);
    asim_summary sum;
    asim_summary_init(&sum, "t", 1);
    asim_elastic_finish(e, &sum);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_mean_demand", NULL), 1.5, 1e-12);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_under_timeshare", NULL), 0.5, 1e-12);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_under_accuracy", NULL), 0.25, 1e-12);  /* 5 * (1/2) / 10 */
    asim_elastic_destroy(e);
    asim_config_free(&cfg);
}

/* Textbook point: M/M/2 at a = 1 Erlang has C = 2 rho^2/(1 + rho) = 1/3
 * (rho = 1/2), so W = m + C m/(c - a) = 0.1 + 0.1/3. */
static void test_latency_textbook(void)
{
    asim_config cfg;
    model(&cfg, ASIM_DIST_EXPONENTIAL, 0.1, 1, 2, ASIM_LB_RANDOM, 0.6);
    CHECK_NEAR(asim_elastic_latency(&cfg, 10, 1), 0.1 + 0.1 / 3, 1e-12);
    CHECK_NEAR(erlang_c_sum(2, 1.0), 1.0 / 3, 1e-12);
    CHECK(isinf(asim_elastic_latency(&cfg, 20, 1)));         /* a = 2 = c: overloaded */
    CHECK_NEAR(asim_elastic_latency(&cfg, 0, 1), 0.1, 0);    /* no load: the service time */
    asim_config_free(&cfg);
}

/* Exponential service + random split is exactly M/M/c per replica: the
 * module's latency and demand must agree with the independent formula. */
static void test_demand_vs_erlang_c(void)
{
    static const int workers[] = {1, 2, 4, 8};
    static const double means[] = {0.06, 0.2};
    static const double slos[] = {0.25, 0.6, 2.0};
    int checked = 0;
    for (size_t wi = 0; wi < 4; wi++)
        for (size_t mi = 0; mi < 2; mi++)
            for (size_t si = 0; si < 3; si++) {
                double m = means[mi], L = slos[si];
                if (m >= L)
                    continue;
                asim_config cfg;
                model(&cfg, ASIM_DIST_EXPONENTIAL, m, 1, workers[wi], ASIM_LB_RANDOM, L);
                for (double rate = 0.5; rate < 600; rate *= 1.37) {
                    int want = 1;
                    while (mmc_w(workers[wi], rate, want, m) > L)
                        want++;
                    int got = asim_elastic_demand(&cfg, rate);
                    CHECK_MSG(got == want, "c=%d m=%g slo=%g rate=%g: demand %d, Erlang C says %d",
                              workers[wi], m, L, rate, got, want);
                    double w = asim_elastic_latency(&cfg, rate, want);
                    CHECK_REL(w, mmc_w(workers[wi], rate, want, m), 1e-9);
                    checked++;
                }
                asim_config_free(&cfg);
            }
    CHECK(checked > 300);
}

/* Allen-Cunneen: the M/M/c wait scaled by (ca2 + cs2)/2. */
static void test_allen_cunneen(void)
{
    asim_config cfg;
    /* lognormal cv 2 (cs2 = 4), random split (ca2 = 1): factor 2.5 */
    model(&cfg, ASIM_DIST_LOGNORMAL, 0.1, 2, 4, ASIM_LB_RANDOM, 0.6);
    double wq = mmc_w(4, 30, 1, 0.1) - 0.1;
    CHECK_REL(asim_elastic_latency(&cfg, 30, 1) - 0.1, wq * 2.5, 1e-9);
    /* round robin over 2 replicas: each sees every 2nd arrival, ca2 = 1/2 */
    cfg.balancer.policy = ASIM_LB_ROUND_ROBIN;
    wq = mmc_w(4, 60, 2, 0.1) - 0.1;
    CHECK_REL(asim_elastic_latency(&cfg, 60, 2) - 0.1, wq * (0.5 + 4) / 2, 1e-9);
    /* least connections: one pooled M/G/(n c) */
    cfg.balancer.policy = ASIM_LB_LEAST_CONNECTIONS;
    wq = mmc_w(8, 60, 1, 0.1) - 0.1;
    CHECK_REL(asim_elastic_latency(&cfg, 60, 2) - 0.1, wq * 2.5, 1e-9);
    asim_config_free(&cfg);
    /* deterministic service: cs2 = 0, so half the M/M/c wait (random split) */
    model(&cfg, ASIM_DIST_DETERMINISTIC, 0.1, 0, 2, ASIM_LB_RANDOM, 0.6);
    wq = mmc_w(2, 15, 1, 0.1) - 0.1;
    CHECK_REL(asim_elastic_latency(&cfg, 15, 1) - 0.1, wq * 0.5, 1e-9);
    asim_config_free(&cfg);
}

/* Demand is 1 without load, grows with the rate, and falls back to the
 * minimal stable count when the objective is below the service time. */
static void test_demand_edges(void)
{
    asim_config cfg;
    model(&cfg, ASIM_DIST_LOGNORMAL, 0.06, 1, 4, ASIM_LB_ROUND_ROBIN, 0.6);
    CHECK(asim_elastic_demand(&cfg, 0) == 1);
    CHECK(asim_elastic_demand(&cfg, NAN) == 1);
    CHECK(asim_elastic_demand(&cfg, 100) == 2);       /* a = 6 Erlangs on 4 workers each */
    int prev = 1;
    for (double r = 1; r < 5000; r *= 1.5) {
        int d = asim_elastic_demand(&cfg, r);
        CHECK(d >= prev);
        CHECK(d >= (int)floor(r * 0.06 / 4) + 1);
        prev = d;
    }
    cfg.ext.slo.latency = 0.05;                       /* below the 60 ms mean: unreachable */
    CHECK(asim_elastic_demand(&cfg, 100) == 2);       /* floor(6/4) + 1 */
    asim_elastic *e = asim_elastic_create(&cfg);
    asim_elastic_second(e, 0, 100, 2);
    asim_elastic_second(e, 1, 0, 1);
    asim_summary sum;
    asim_summary_init(&sum, "t", 1);
    asim_elastic_finish(e, &sum);
    CHECK_NEAR(asim_summary_get(&sum, "elastic_unreachable_seconds", NULL), 1, 0);
    asim_elastic_destroy(e);
    asim_config_free(&cfg);
}

int main(void)
{
    RUN(test_hand_sequence);
    RUN(test_gaps_and_empty);
    RUN(test_second_uses_demand);
    RUN(test_latency_textbook);
    RUN(test_demand_vs_erlang_c);
    RUN(test_allen_cunneen);
    RUN(test_demand_edges);
    return check_report();
}
