/* promql_funcs.c -- the numeric cores of Prometheus 2.42's functions
 * (promql/functions.go) that need nothing from the evaluator: pointwise math,
 * calendar functions, linear regression, Holt-Winters smoothing, variance.
 * The evaluator (promql_eval.c) applies them to vectors and ranges. */
#include "models/promql/promql_int.h"

#include <math.h>
#include <time.h>

int asim_pq_is_math(pq_fn id) { return id >= PQ_FN_ROUND && id <= PQ_FN_TANH; }
int asim_pq_is_date(pq_fn id) { return id >= PQ_FN_DAY_OF_MONTH && id <= PQ_FN_YEAR; }

double asim_pq_math(pq_fn id, double v, double a)
{
    switch (id) {
    case PQ_FN_ROUND: {              /* funcRound: floor(v*inv+0.5)/inv, halves round up */
        double inv = 1.0 / a;
        return floor(v * inv + 0.5) / inv;
    }
    case PQ_FN_EXP: return exp(v);
    case PQ_FN_LN: return log(v);
    case PQ_FN_LOG2: return log2(v);
    case PQ_FN_LOG10: return log10(v);
    case PQ_FN_SGN: return v < 0 ? -1 : v > 0 ? 1 : v;      /* keeps 0 and NaN */
    case PQ_FN_DEG: return v * 180 / M_PI;
    case PQ_FN_RAD: return v * M_PI / 180;
    case PQ_FN_ACOS: return acos(v);
    case PQ_FN_ACOSH: return acosh(v);
    case PQ_FN_ASIN: return asin(v);
    case PQ_FN_ASINH: return asinh(v);
    case PQ_FN_ATAN: return atan(v);
    case PQ_FN_ATANH: return atanh(v);
    case PQ_FN_COS: return cos(v);
    case PQ_FN_COSH: return cosh(v);
    case PQ_FN_SIN: return sin(v);
    case PQ_FN_SINH: return sinh(v);
    case PQ_FN_TAN: return tan(v);
    case PQ_FN_TANH: return tanh(v);
    default: return v;
    }
}

static int is_leap(long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

double asim_pq_date(pq_fn id, double secs)
{
    /* Go converts with int64(v): truncation toward zero; out-of-range and NaN
     * are undefined in Go, here they give NaN. */
    if (!(fabs(secs) < 9.2e18)) return NAN;
    time_t t = (time_t)(int64_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) return NAN;
    static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    long year = (long)tm.tm_year + 1900;
    switch (id) {
    case PQ_FN_DAY_OF_MONTH: return tm.tm_mday;
    case PQ_FN_DAY_OF_WEEK: return tm.tm_wday;
    case PQ_FN_DAY_OF_YEAR: return tm.tm_yday + 1;
    case PQ_FN_DAYS_IN_MONTH: return mdays[tm.tm_mon] + (tm.tm_mon == 1 && is_leap(year));
    case PQ_FN_HOUR: return tm.tm_hour;
    case PQ_FN_MINUTE: return tm.tm_min;
    case PQ_FN_MONTH: return tm.tm_mon + 1;
    case PQ_FN_YEAR: return (double)year;
    default: return NAN;
    }
}

static void kahan(double inc, double *sum, double *c)
{
    double t = *sum + inc;
    if (fabs(*sum) >= fabs(inc)) *c += (*sum - t) + inc;
    else *c += (inc - t) + *sum;
    *sum = t;
}

void asim_pq_linreg(const asim_sample *p, size_t n, int64_t intercept_ms, double *slope,
                    double *intercept)
{
    double cnt = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
    double init = p[0].v;
    int const_y = 1;
    for (size_t i = 0; i < n; i++) {
        if (const_y && i > 0 && p[i].v != init) const_y = 0;
        cnt += 1;
        double x = (double)(p[i].t - intercept_ms) / 1e3;
        kahan(x, &sx, &cx);
        kahan(p[i].v, &sy, &cy);
        kahan(x * p[i].v, &sxy, &cxy);
        kahan(x * x, &sx2, &cx2);
    }
    if (const_y) {          /* a constant series has slope 0 exactly, not 0/0 noise */
        if (isinf(init)) { *slope = NAN; *intercept = NAN; }
        else { *slope = 0; *intercept = init; }
        return;
    }
    sx += cx; sy += cy; sxy += cxy; sx2 += cx2;
    double cov = sxy - sx * sy / cnt, var = sx2 - sx * sx / cnt;
    *slope = cov / var;
    *intercept = sy / cnt - *slope * sx / cnt;
}

static double trend(size_t i, double tf, double s0, double s1, double b)
{
    if (i == 0) return b;
    return tf * (s1 - s0) + (1 - tf) * b;
}

int asim_pq_holt_winters(const asim_sample *p, size_t n, double sf, double tf, double *out)
{
    if (n < 2) return -1;
    double s0 = 0, s1 = p[0].v, b = p[1].v - p[0].v;
    for (size_t i = 1; i < n; i++) {
        double x = sf * p[i].v;
        b = trend(i - 1, tf, s0, s1, b);
        double y = (1 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
    }
    *out = s1;
    return 0;
}

double asim_pq_variance(const asim_sample *p, size_t n)
{
    double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
    for (size_t i = 0; i < n; i++) {
        count++;
        double delta = p[i].v - (mean + cmean);
        kahan(delta / count, &mean, &cmean);
        kahan(delta * (p[i].v - (mean + cmean)), &aux, &caux);
    }
    return (aux + caux) / count;
}
