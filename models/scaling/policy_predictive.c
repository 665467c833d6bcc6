/* policy_predictive.c -- provision ahead of the load: forecast a signal
 * (by default the served request rate) from its own history and keep enough
 * replicas for the forecast at the moment new replicas would be ready.
 *
 * Each decision reads the signal (predictive.query, summed over its series).
 * Readings are averaged into one history sample per sample_interval; the
 * samples feed
 *  - holt_winters: additive Holt-Winters with season predictive.season (a
 *    day), whose smoothing parameters are refitted at every season's end by
 *    GSL's Nelder-Mead simplex over the last two seasons; until one season
 *    has been seen it falls back to the linear trend;
 *  - linear: a least-squares line (gsl_fit_linear) over trend_window.
 * Replicas wanted = ceil(signal / (capacity_per_replica x
 * target_utilization)) for the highest forecast between now and now + lead
 * (lead = playbook latency + container start + one interval + one sample
 * + half the query's range: how long a replica asked for now takes to
 * serve, the span a sample averages over, and how late a rate reports the
 * load), and with predictive.reactive for
 * the present reading too.  Scaling down goes only as far as the highest
 * forecast up to lead + lookahead allows, so capacity is not dropped just
 * before a rise the history predicts, nor below what any decision of the
 * last lookahead wanted (damping noise around a replica boundary).
 *
 * Memory is bounded by the history ring (max(trend_window, 2 seasons) of
 * samples) and the O(season) Holt-Winters state, whatever the run length. */
#include "models/scaling/policy_predictive.h"

#include "models/scaling/policy_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_multimin.h>

/* ---- Holt-Winters ------------------------------------------------------------ */

void asim_hw_init(asim_hw *h, int m, double alpha, double beta, double gamma)
{
    memset(h, 0, sizeof *h);
    h->m = m;
    h->alpha = alpha;
    h->beta = beta;
    h->gamma = gamma;
    h->season = asim_calloc((size_t)m, sizeof *h->season);
}

void asim_hw_free(asim_hw *h)
{
    asim_free(h->season);
    h->season = NULL;
}

void asim_hw_reset(asim_hw *h)
{
    h->level = h->trend = 0;
    h->n = 0;
    memset(h->season, 0, (size_t)h->m * sizeof *h->season);
}

void asim_hw_update(asim_hw *h, double y)
{
    int i = (int)(h->n % h->m);
    if (h->n < h->m) {                  /* the first season initialises */
        h->season[i] = y;
        if (++h->n == h->m) {
            double mean = 0;
            for (int k = 0; k < h->m; k++)
                mean += h->season[k];
            mean /= h->m;
            for (int k = 0; k < h->m; k++)
                h->season[k] -= mean;
            h->level = mean;
            h->trend = 0;
        }
        return;
    }
    double prev = h->level;
    h->level = h->alpha * (y - h->season[i]) + (1 - h->alpha) * (h->level + h->trend);
    h->trend = h->beta * (h->level - prev) + (1 - h->beta) * h->trend;
    h->season[i] = h->gamma * (y - h->level) + (1 - h->gamma) * h->season[i];
    h->n++;
}

int asim_hw_ready(const asim_hw *h)
{
    return h->n >= h->m;
}

double asim_hw_forecast(const asim_hw *h, int k)
{
    long idx = (h->n - 1 + k) % h->m;
    return h->level + k * h->trend + h->season[idx];
}

double asim_hw_sse(const double *y, size_t n, int m, double alpha, double beta, double gamma)
{
    asim_hw h;
    asim_hw_init(&h, m, alpha, beta, gamma);
    double sse = 0;
    for (size_t t = 0; t < n; t++) {
        if (asim_hw_ready(&h)) {
            double e = y[t] - asim_hw_forecast(&h, 1);
            sse += e * e;
        }
        asim_hw_update(&h, y[t]);
    }
    asim_hw_free(&h);
    return sse;
}

typedef struct fit_data {
    const double *y;
    size_t n;
    int m;
} fit_data;

static double logistic(double x) { return 1 / (1 + exp(-x)); }
static double logit(double p)
{
    if (p < 0.001) p = 0.001;
    if (p > 0.999) p = 0.999;
    return log(p / (1 - p));
}

static double fit_cost(const gsl_vector *x, void *params)
{
    const fit_data *d = params;
    return asim_hw_sse(d->y, d->n, d->m, logistic(gsl_vector_get(x, 0)), logistic(gsl_vector_get(x, 1)),
                       logistic(gsl_vector_get(x, 2)));
}

int asim_hw_fit(const double *y, size_t n, int m, double *a, double *b, double *g)
{
    if (n < (size_t)2 * (size_t)m)
        return -1;
    fit_data d = {y, n, m};
    gsl_multimin_function f = {fit_cost, 3, &d};
    gsl_vector *x = gsl_vector_alloc(3), *step = gsl_vector_alloc(3);
    gsl_vector_set(x, 0, logit(*a));
    gsl_vector_set(x, 1, logit(*b));
    gsl_vector_set(x, 2, logit(*g));
    gsl_vector_set_all(step, 1.0);
    gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, 3);
    int rc = -1;
    if (gsl_multimin_fminimizer_set(s, &f, x, step) == GSL_SUCCESS) {
        int status = GSL_CONTINUE;
        for (int it = 0; it < 200 && status == GSL_CONTINUE; it++) {
            if (gsl_multimin_fminimizer_iterate(s))
                break;
            status = gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), 1e-3);
        }
        if (isfinite(s->fval)) {
            *a = logistic(gsl_vector_get(s->x, 0));
            *b = logistic(gsl_vector_get(s->x, 1));
            *g = logistic(gsl_vector_get(s->x, 2));
            rc = 0;
        }
    }
    gsl_multimin_fminimizer_free(s);
    gsl_vector_free(x);
    gsl_vector_free(step);
    return rc;
}

int asim_linear_forecast(const double *t, const double *y, size_t n, double at, double *out)
{
    if (n < 2)
        return -1;
    double c0, c1, cov00, cov01, cov11, sumsq;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int rc = gsl_fit_linear(t, 1, y, 1, n, &c0, &c1, &cov00, &cov01, &cov11, &sumsq);
    gsl_set_error_handler(old);
    if (rc != GSL_SUCCESS || !isfinite(c0) || !isfinite(c1))
        return -1;
    *out = c0 + c1 * at;
    return 0;
}

/* ---- the policy ---------------------------------------------------------------- */

typedef struct pred {
    asim_predictive_cfg c;
    int min, max;
    asim_pquery q;
    double per_replica;              /* signal one replica should carry (capacity x utilisation) */
    double lead;                     /* s */
    asim_time dt;                    /* sample interval */
    double acc;                      /* readings of the open sample */
    int nacc;
    asim_time bucket_end;            /* -1 before the first reading */
    double last_sample;
    asim_time last_sample_t;         /* end of the newest sample's interval */
    double *ring_y, *ring_t;         /* history ring: values and interval midpoints (s) */
    size_t cap, n, head;
    double *scratch_y, *scratch_t;
    asim_hw hw;
    int m;                           /* samples per season */
    int fits;                        /* refits done */
    struct recent { asim_time t; int n; } *recent;   /* replicas wanted in the last lookahead */
    int nrecent, crecent;
} pred;

static void *create(const struct asim_config *cfg, asim_err *err)
{
    pred *p = asim_calloc(1, sizeof *p);
    p->c = cfg->ext.policies.predictive;
    asim_scaler_bounds(&cfg->scaler, &p->min, &p->max, NULL);
    if (asim_pquery_init(&p->q, p->c.query, &cfg->prometheus, "predictive.query", err)) {
        asim_pquery_free(&p->q);
        asim_free(p);
        return NULL;
    }
    double capacity = p->c.capacity_per_replica > 0 ? p->c.capacity_per_replica
                                                    : cfg->app.workers / cfg->app.service.mean;
    p->per_replica = capacity * p->c.target_utilization;
    /* Auto lead: a replica asked for now serves after the playbook and the
     * container start; the need may arise just after this decision (one
     * interval); a sample is an average over sample_interval, so the
     * capacity must be there when its interval begins; and a range function
     * over W seconds (rate(x[1m])) reports the load about W/2 late. */
    double lag = (double)asim_pquery_reach_ms(&p->q) / 2000.0;
    if (p->q.expr && lag > 0.5 * cfg->prometheus.lookback_delta)
        lag = 0;                         /* an instant selector's lookback is no lag */
    p->lead = p->c.lead >= 0 ? p->c.lead
                             : cfg->actuator.latency.mean + cfg->container.start_latency.mean + p->c.interval +
                                   p->c.sample_interval + lag;
    p->dt = ASIM_SEC(p->c.sample_interval);
    p->bucket_end = -1;
    p->last_sample_t = -1;
    p->m = (int)llround(p->c.season / p->c.sample_interval);
    if (p->m < 2)
        p->m = 2;
    size_t trend_n = (size_t)ceil(p->c.trend_window / p->c.sample_interval) + 1;
    p->cap = trend_n;
    if (p->c.method == ASIM_FC_HOLT_WINTERS && p->c.fit && (size_t)2 * (size_t)p->m > p->cap)
        p->cap = (size_t)2 * (size_t)p->m;
    p->ring_y = asim_calloc(p->cap, sizeof *p->ring_y);
    p->ring_t = asim_calloc(p->cap, sizeof *p->ring_t);
    p->scratch_y = asim_calloc(p->cap, sizeof *p->scratch_y);
    p->scratch_t = asim_calloc(p->cap, sizeof *p->scratch_t);
    asim_hw_init(&p->hw, p->m, p->c.alpha, p->c.beta, p->c.gamma);
    return p;
}

static double interval(const void *state)
{
    return ((const pred *)state)->c.interval;
}

/* The newest k samples of the ring, oldest first, into the scratch arrays. */
static size_t newest(pred *p, size_t k)
{
    if (k > p->n)
        k = p->n;
    for (size_t i = 0; i < k; i++) {
        size_t idx = (p->head + p->cap - k + i) % p->cap;
        p->scratch_y[i] = p->ring_y[idx];
        p->scratch_t[i] = p->ring_t[idx];
    }
    return k;
}

/* Refit the smoothing parameters on the last two seasons and rebuild the
 * state from them with the new parameters. */
static void refit(pred *p)
{
    size_t k = newest(p, (size_t)2 * (size_t)p->m);
    if (k < (size_t)2 * (size_t)p->m)
        return;
    double a = p->hw.alpha, b = p->hw.beta, g = p->hw.gamma;
    if (asim_hw_fit(p->scratch_y, k, p->m, &a, &b, &g) != 0)
        return;
    p->hw.alpha = a;
    p->hw.beta = b;
    p->hw.gamma = g;
    asim_hw_reset(&p->hw);
    for (size_t i = 0; i < k; i++)
        asim_hw_update(&p->hw, p->scratch_y[i]);
    p->fits++;
}

static void push_sample(pred *p, double y, asim_time end)
{
    p->ring_y[p->head] = y;
    p->ring_t[p->head] = ASIM_TO_SEC(end - p->dt / 2);
    p->head = (p->head + 1) % p->cap;
    if (p->n < p->cap)
        p->n++;
    p->last_sample = y;
    p->last_sample_t = end;
    if (p->c.method == ASIM_FC_HOLT_WINTERS) {
        asim_hw_update(&p->hw, y);
        if (p->c.fit && p->hw.n >= 2 * p->m && p->hw.n % p->m == 0)
            refit(p);
    }
}

/* Fold a reading into the open sample; close samples whose interval ended
 * (an interval without readings repeats the previous sample, so the
 * seasonal index keeps step with the clock). */
static void observe(pred *p, asim_time now, double v)
{
    if (p->bucket_end < 0) {
        if (isnan(v))
            return;
        p->bucket_end = now + p->dt;
    }
    if (!isnan(v)) {
        p->acc += v;
        p->nacc++;
    }
    while (now >= p->bucket_end) {
        if (p->nacc > 0)
            push_sample(p, p->acc / p->nacc, p->bucket_end);
        else if (p->last_sample_t >= 0)
            push_sample(p, p->last_sample, p->bucket_end);
        p->acc = 0;
        p->nacc = 0;
        p->bucket_end += p->dt;
    }
}

/* The highest forecast for times in (now, now + horizon]; NaN when no
 * forecast is possible yet.  *how names the method used. */
static double forecast_max(pred *p, asim_time now, double horizon, const char **how)
{
    *how = "none";
    if (p->last_sample_t < 0)
        return NAN;
    if (p->c.method == ASIM_FC_HOLT_WINTERS && asim_hw_ready(&p->hw)) {
        *how = "holt-winters";
        long k0 = (long)ceil((double)(now - p->last_sample_t) / (double)p->dt);
        long k1 = (long)ceil((double)(now + ASIM_SEC(horizon) - p->last_sample_t) / (double)p->dt);
        if (k0 < 1) k0 = 1;
        if (k1 < k0) k1 = k0;
        double best = -INFINITY;
        for (long k = k0; k <= k1; k++) {
            double f = asim_hw_forecast(&p->hw, (int)k);
            if (f > best) best = f;
        }
        return best;
    }
    size_t want = (size_t)ceil(p->c.trend_window / p->c.sample_interval);
    size_t k = newest(p, want);
    double t0 = ASIM_TO_SEC(now);
    for (size_t i = 0; i < k; i++)
        p->scratch_t[i] -= t0;               /* relative times: a well-conditioned fit */
    double a, b;
    if (asim_linear_forecast(p->scratch_t, p->scratch_y, k, 0, &a) != 0 ||
        asim_linear_forecast(p->scratch_t, p->scratch_y, k, horizon, &b) != 0)
        return NAN;
    *how = "linear";
    return a > b ? a : b;                    /* a line peaks at an end of the window */
}

/* Remember what this decision wanted; return the most any decision wanted
 * within the last lookahead seconds (scale-downs go no lower: the same
 * damping as the HPA's downscale stabilisation, so noise around a replica
 * boundary does not flap). */
static int recent_max(pred *p, asim_time now, int n)
{
    asim_time cut = now - ASIM_SEC(p->c.lookahead);
    int k = 0, best = n;
    for (int i = 0; i < p->nrecent; i++) {
        if (p->recent[i].t <= cut)
            continue;
        p->recent[k++] = p->recent[i];
        if (p->recent[i].n > best) best = p->recent[i].n;
    }
    p->nrecent = k;
    if (p->nrecent == p->crecent) {
        p->crecent = p->crecent ? 2 * p->crecent : 16;
        p->recent = asim_realloc(p->recent, (size_t)p->crecent * sizeof *p->recent);
    }
    p->recent[p->nrecent++] = (struct recent){now, n};
    return best;
}

static int replicas_for(const pred *p, double signal)
{
    if (!(signal > 0))
        return 0;
    double r = ceil(signal / p->per_replica - 1e-9);
    return r > 1e6 ? 1000000 : (int)r;
}

static void decide(void *state, const asim_policy_obs *o, asim_policy_out *out)
{
    pred *p = state;
    int cur = o->replicas;
    out->desired = cur;
    out->decision = ASIM_DEC_HOLD;
    out->high_breaches = out->low_breaches = 0;
    double v = asim_pquery_value(&p->q, o, ASIM_REDUCE_SUM);
    out->metric = v;                     /* the observed signal (the forecast is in the reason) */
    observe(p, o->now, v);
    const char *how;
    double f_up = forecast_max(p, o->now, p->lead, &how);
    double f_keep = forecast_max(p, o->now, p->lead + p->c.lookahead, &how);
    int have_f = !isnan(f_up);
    int use_now = p->c.reactive && !isnan(v);
    if (!have_f && !use_now) {
        out->decision = isnan(v) ? ASIM_DEC_NO_DATA : ASIM_DEC_HOLD;
        snprintf(out->reason, sizeof out->reason, "%s", isnan(v) ? "no data" : "learning (no forecast yet)");
        return;
    }
    double up_sig = have_f ? f_up : -INFINITY, keep_sig = have_f ? f_keep : -INFINITY;
    if (use_now) {
        if (v > up_sig) up_sig = v;
        if (v > keep_sig) keep_sig = v;
    }
    int n_up = replicas_for(p, up_sig);
    int n_keep = replicas_for(p, keep_sig);
    int n_recent = recent_max(p, o->now, n_up);
    if (n_keep < n_recent) n_keep = n_recent;
    int want = n_up > cur ? n_up : (n_keep < cur ? n_keep : cur);
    if (want > p->max) want = p->max;
    if (want < p->min) want = p->min;
    out->desired = want;
    if (want > cur) out->decision = ASIM_DEC_SCALE_UP;
    else if (want < cur) out->decision = ASIM_DEC_SCALE_DOWN;
    else if (n_up > cur && cur >= p->max) out->decision = ASIM_DEC_AT_MAX;
    else if (n_keep < cur && cur <= p->min) out->decision = ASIM_DEC_AT_MIN;
    char fs[80] = "";
    if (have_f)
        snprintf(fs, sizeof fs, "%s %.1f in %.0fs (%.1f in %.0fs)", how, f_up, p->lead, f_keep,
                 p->lead + p->c.lookahead);
    snprintf(out->reason, sizeof out->reason, "signal %.1f, forecast %s; %.1f per replica -> %d", v,
             have_f ? fs : "none yet", p->per_replica, want);
}

static void actuated(void *state, asim_time now, int replicas)
{
    ASIM_UNUSED(state);
    ASIM_UNUSED(now);
    ASIM_UNUSED(replicas);
}

static void destroy(void *state)
{
    pred *p = state;
    if (!p)
        return;
    asim_pquery_free(&p->q);
    asim_hw_free(&p->hw);
    asim_free(p->ring_y);
    asim_free(p->ring_t);
    asim_free(p->scratch_y);
    asim_free(p->scratch_t);
    asim_free(p->recent);
    asim_free(p);
}

const asim_policy_methods asim_policy_predictive = {
    .version = ASIM_POLICY_VERSION,
    .name = "predictive",
    .summary = "forecast the request rate (Holt-Winters with a daily season, or a linear trend) and provision ahead",
    .create = create, .interval = interval, .decide = decide, .actuated = actuated, .destroy = destroy
};
