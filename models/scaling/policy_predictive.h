/* policy_predictive.h -- the forecasting behind the "predictive" policy:
 * additive Holt-Winters with a seasonal period, a least-squares line, and a
 * fit of the Holt-Winters smoothing parameters.  Exposed for tests. */
#ifndef ASIM_POLICY_PREDICTIVE_H
#define ASIM_POLICY_PREDICTIVE_H

#include <stddef.h>

/* Additive Holt-Winters over equally spaced samples, season of m samples:
 *   level_t  = a (y_t - s_{t-m}) + (1-a)(level + trend)
 *   trend_t  = b (level_t - level_{t-1}) + (1-b) trend
 *   s_t      = g (y_t - level_t) + (1-g) s_{t-m}
 *   forecast(k) = level + k trend + s_{t+k-m}       (k >= 1 samples ahead)
 * Initialised from the first season: level = its mean, trend = 0, season =
 * deviations from that mean.  Memory O(m). */
typedef struct asim_hw {
    int m;
    double alpha, beta, gamma;
    double level, trend;
    double *season;                  /* m entries */
    long n;                          /* samples seen */
} asim_hw;

void asim_hw_init(asim_hw *h, int m, double alpha, double beta, double gamma);
void asim_hw_free(asim_hw *h);
/* Forget everything but m and the parameters. */
void asim_hw_reset(asim_hw *h);
void asim_hw_update(asim_hw *h, double y);
/* 1 once a full season has been seen (forecasts are defined). */
int asim_hw_ready(const asim_hw *h);
double asim_hw_forecast(const asim_hw *h, int k);
/* Sum of squared one-step-ahead errors of a Holt-Winters run over y[0..n)
 * (the first season initialises); n >= m + 1. */
double asim_hw_sse(const double *y, size_t n, int m, double alpha, double beta, double gamma);
/* Fit alpha, beta, gamma in [0, 1] minimising asim_hw_sse over y[0..n)
 * (n >= 2m) with GSL's Nelder-Mead simplex, starting from *a, *b, *g and
 * updating them.  Returns 0, or -1 if the minimiser failed (the values are
 * then unchanged).  Cost: about 200 runs over n samples. */
int asim_hw_fit(const double *y, size_t n, int m, double *a, double *b, double *g);

/* The least-squares line through (t[i], y[i]), i < n (gsl_fit_linear),
 * evaluated at `at`.  Returns 0, or -1 if n < 2 or all t are equal. */
int asim_linear_forecast(const double *t, const double *y, size_t n, double at, double *out);

#endif
