/* test_policy_predictive.c -- the forecasting pieces and the predictive
 * policy's decisions:
 *  - Holt-Winters on a purely seasonal series forecasts it exactly (the
 *    first season initialises level and season; later ones add no error);
 *  - the GSL Nelder-Mead fit never ends worse than where it started;
 *  - gsl_fit_linear through an exact line extrapolates it;
 *  - the policy, fed a daily pattern (20 req/s with a 80 req/s peak),
 *    asks for the peak's replicas before the peak arrives in the third
 *    season, while the present reading still says 20. */
#include "check.h"
#include "test_support.h"
#include "models/scenario/config.h"
#include "sim/config/settings.h"
#include "models/scaling/policy.h"
#include "models/scaling/policy_predictive.h"

static asim_config cfg;

static void test_hw_exact_season(void)
{
    enum { M = 24 };
    asim_hw h;
    asim_hw_init(&h, M, 0.5, 0.1, 0.3);
    CHECK(!asim_hw_ready(&h));
    for (int t = 0; t < 3 * M; t++)
        asim_hw_update(&h, 10 + 5 * sin(2 * M_PI * t / M));
    CHECK(asim_hw_ready(&h));
    for (int k = 1; k <= 2 * M; k++)
        CHECK_NEAR(asim_hw_forecast(&h, k), 10 + 5 * sin(2 * M_PI * (3 * M - 1 + k) / M), 1e-9);
    asim_hw_reset(&h);
    CHECK(!asim_hw_ready(&h) && h.n == 0);
    asim_hw_free(&h);
}

/* A season plus a trend plus a deterministic wiggle: the fitted parameters'
 * one-step errors are no larger than the starting ones'; the fit's values
 * stay within [0, 1]. */
static void test_hw_fit_improves(void)
{
    enum { M = 12, N = 4 * M };
    double y[N];
    for (int t = 0; t < N; t++)
        y[t] = 50 + 0.8 * t + 10 * sin(2 * M_PI * t / M) + 3 * sin(1.7 * t);
    double a = 0.9, b = 0.9, g = 0.9;
    double before = asim_hw_sse(y, N, M, a, b, g);
    CHECK(asim_hw_fit(y, N, M, &a, &b, &g) == 0);
    double after = asim_hw_sse(y, N, M, a, b, g);
    CHECK_MSG(after <= before, "before %g after %g", before, after);
    CHECK(after < 0.5 * before);                      /* 0.9s are a poor start here */
    CHECK(a >= 0 && a <= 1 && b >= 0 && b <= 1 && g >= 0 && g <= 1);
    CHECK(asim_hw_fit(y, M, M, &a, &b, &g) == -1);   /* needs two seasons */
}

static void test_linear(void)
{
    double t[] = {0, 1, 2, 3}, y[] = {3, 5, 7, 9}, out = 0;
    CHECK(asim_linear_forecast(t, y, 4, 10, &out) == 0);
    CHECK_NEAR(out, 23, 1e-9);
    CHECK(asim_linear_forecast(t, y, 1, 10, &out) == -1);
    double same[] = {2, 2, 2};
    CHECK(asim_linear_forecast(same, y, 3, 10, &out) == -1);   /* vertical: no line */
}

/* The daily pattern, one "day" being 1200 s: 20 req/s, 80 in [600, 900). */
static double daily(double t)
{
    double s = fmod(t, 1200);
    return s >= 600 && s < 900 ? 80 : 20;
}

static void *make(const char *const *sets)
{
    static const char *const base[] = {"scaler.policy=predictive", "scaler.max_replicas=20", "predictive.query=",
                          "predictive.season=1200", "predictive.sample_interval=60", "predictive.interval=15",
                          "predictive.capacity_per_replica=10", "predictive.target_utilization=1",
                          "predictive.lead=60", "predictive.lookahead=0", "predictive.reactive=false", NULL};
    const asim_policy_methods *pm;
    return ts_policy(&cfg, "predictive", base, sets, &pm);
}

static asim_policy_out at(void *st, double t, double signal, int r)
{
    return ts_decide(asim_policy_find("predictive"), st, t, signal, r);
}

/* Samples are 60 s means; the one ending at 3000 holds the readings at
 * 2955..3000 (20, 20, 20, 80), the next 80.  From 2955 on the forecast
 * window (now, now + 60] reaches the sample ending at 3060: 80 req/s ->
 * 8 replicas, 45 s before the peak, while the reading is still 20 (2). */
static void test_scales_before_peak(void)
{
    const char *fit[] = {"predictive.fit=true", NULL};
    void *st = make(fit);
    int replicas = 2;
    int first_up = -1;
    for (int t = 0; t <= 3 * 1200; t += 15) {
        asim_policy_out o = at(st, t, daily(t), replicas);
        if (t >= 2400 && t < 3000 && o.desired >= 8 && first_up < 0)
            first_up = t;
        if (t == 2700)
            CHECK_MSG(o.desired == 2, "quiet time: %d %s", o.desired, o.reason);
        if (t == 3150)
            CHECK_MSG(o.desired == 8, "in the peak: %d %s", o.desired, o.reason);
        replicas = o.desired;
    }
    CHECK_MSG(first_up == 2955, "first scale-up to the peak at %d", first_up);
    asim_policy_find("predictive")->destroy(st);
}

/* Until a season has been seen the forecast is the linear trend over the
 * trend window; with nothing yet the policy holds ("learning"). */
static void test_linear_fallback_and_learning(void)
{
    const char *lin[] = {"predictive.method=linear", "predictive.trend_window=300", "predictive.lead=120", NULL};
    void *st = make(lin);
    asim_policy_out o = at(st, 0, 10, 1);
    CHECK(o.desired == 1 && strstr(o.reason, "learning"));
    /* a ramp of 1 req/s per 60 s: the sample ending at t is the mean of the
     * readings at t-45..t, 10 + (t - 22.5)/60, placed at its midpoint t - 30:
     * the line 10 + (tau + 7.5)/60.  At t = 600, 120 s ahead: 22.125 -> 3
     * replicas of 10 (the reading, 20, would say 2). */
    int r = 1;
    for (int t = 15; t <= 600; t += 15) {
        o = at(st, t, 10 + t / 60.0, r);
        r = o.desired;
    }
    CHECK_MSG(o.desired == 3 && strstr(o.reason, "linear 22.1 in 120s"), "%d %s", o.desired, o.reason);
    asim_policy_find("predictive")->destroy(st);

    const char *react[] = {"predictive.reactive=true", NULL};
    st = make(react);
    o = at(st, 0, 95, 1);                 /* no forecast, but the present says 10 */
    CHECK_MSG(o.desired == 10 && o.decision == ASIM_DEC_SCALE_UP, "%d %s", o.desired, o.reason);
    asim_policy_find("predictive")->destroy(st);
}

int main(void)
{
    RUN(test_hw_exact_season);
    RUN(test_hw_fit_improves);
    RUN(test_linear);
    RUN(test_scales_before_peak);
    RUN(test_linear_fallback_and_learning);
    asim_config_free(&cfg);
    return check_report();
}
