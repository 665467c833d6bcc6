/* policy_util.c -- helpers shared by the policies beyond the seed's (see
 * policy_util.h).
 *
 * Invariants: an asim_pquery with expr == NULL never touches the tsdb; its
 * answers are the scaler's (obs->result, obs->metric).  The wall clock
 * never reads the host's clock or time zone: only the scenario's start_time. */
#include "models/scaling/policy_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/scaling/scaler.h"
#include "sim/engine/timefmt.h"

/* ---- a policy's own query ------------------------------------------------ */

int asim_pquery_init(asim_pquery *q, const char *text, const asim_prometheus_cfg *prom,
                     const char *jpath, asim_err *err)
{
    memset(q, 0, sizeof *q);
    q->lookback_ms = (int64_t)(prom->lookback_delta * 1000 + 0.5);
    if (!text || !*text)
        return 0;
    char msg[256];
    q->expr = asim_promql_parse(text, msg, sizeof msg);
    if (!q->expr)
        return asim_err_set(err, ASIM_EINPUT, "$.%s: %s", jpath, msg);
    return 0;
}

const asim_promql_result *asim_pquery_result(asim_pquery *q, const asim_policy_obs *o)
{
    if (!q->expr || !o->db)
        return o->result;
    char msg[256];
    if (asim_promql_eval(q->expr, o->db, ASIM_TO_MS(o->now), q->lookback_ms, &q->res, msg, sizeof msg) != 0)
        return NULL;
    return &q->res;
}

double asim_pquery_value(asim_pquery *q, const asim_policy_obs *o, asim_reduce how)
{
    if (!q->expr || !o->db)
        return o->metric;
    const asim_promql_result *r = asim_pquery_result(q, o);
    return r ? asim_scaler_reduce(r, how) : NAN;
}

void asim_pquery_free(asim_pquery *q)
{
    asim_promql_result_free(&q->res);
    asim_promql_free(q->expr);
    q->expr = NULL;
}

int64_t asim_pquery_reach_ms(const asim_pquery *q)
{
    return q->expr ? asim_promql_reach_ms(q->expr, q->lookback_ms) : 0;
}

static int64_t text_reach(const char *text, int64_t lookback_ms)
{
    if (!text || !*text)
        return 0;
    char msg[256];
    asim_promql *e = asim_promql_parse(text, msg, sizeof msg);
    if (!e)
        return 0;
    int64_t r = asim_promql_reach_ms(e, lookback_ms);
    asim_promql_free(e);
    return r;
}

static int64_t policy_reach(const asim_config *cfg, const char *name, int64_t lb)
{
    const asim_policies_cfg *p = &cfg->ext.policies;
    if (strcmp(name, "hpa") == 0) {
        int64_t r = text_reach(p->hpa.query, lb);
        if (!p->hpa.query[0] && p->hpa.metric_type == ASIM_HPA_RESOURCE)
            r = text_reach("rate(container_cpu_usage_seconds_total[1m])", lb);
        return r > lb ? r : lb;          /* `up`, an instant selector, reaches the lookback */
    }
    if (strcmp(name, "step") == 0) return text_reach(p->step.query, lb);
    if (strcmp(name, "target_tracking") == 0) return text_reach(p->target.query, lb);
    if (strcmp(name, "predictive") == 0) return text_reach(p->predictive.query, lb);
    if (strcmp(name, "cpu") == 0) return text_reach(p->cpu.query, lb);
    return 0;
}

int64_t asim_policies_reach_ms(const asim_config *cfg, int64_t lookback_ms)
{
    const char *name = cfg->scaler.policy;
    int64_t r = 0;
    if (strcmp(name, "scheduled") == 0)
        name = cfg->ext.policies.schedule.policy;
    r = policy_reach(cfg, name, lookback_ms);
    return r;
}

/* ---- instance warm-up ------------------------------------------------------- */

void asim_warmup_init(asim_warmup *w, double warmup_s)
{
    memset(w, 0, sizeof *w);
    w->warmup = ASIM_SEC(warmup_s);
}

void asim_warmup_add(asim_warmup *w, int added)
{
    ASIM_GROW(w->a, w->cap, w->n + 1, 8);
    w->a[w->n++] = (struct asim_warming){-1, added};
}

void asim_warmup_done(asim_warmup *w, asim_time now)
{
    for (int i = 0; i < w->n; i++)
        if (w->a[i].done < 0)
            w->a[i].done = now;
}

int asim_warmup_count(asim_warmup *w, asim_time now)
{
    int k = 0, total = 0;
    for (int i = 0; i < w->n; i++) {
        if (w->a[i].done >= 0 && now - w->a[i].done >= w->warmup)
            continue;                       /* warmed up: forget it */
        w->a[k++] = w->a[i];
        total += w->a[i].added;
    }
    w->n = k;
    return total;
}

void asim_warmup_free(asim_warmup *w)
{
    asim_free(w->a);
    w->a = NULL;
    w->n = w->cap = 0;
}

/* ---- wall clock ------------------------------------------------------------ */

int asim_wallclock_init(asim_wallclock *w, const char *t, asim_err *err)
{
    asim_instant in;
    memset(w, 0, sizeof *w);
    if (asim_rfc3339_parse(t, strlen(t), 0, &in) != 0)
        return asim_err_set(err, ASIM_EINPUT,
                            "$.start_time: '%s' is not an RFC 3339 time like 2024-01-15T10:00:00Z", t);
    w->offset_min = in.tz / 60;
    w->epoch_s = in.sec;
    w->frac = in.nsec / 1e9;
    return 0;
}

void asim_wallclock_local(const asim_wallclock *w, asim_time now, int *weekday, double *sec_of_day)
{
    /* Whole seconds and the fraction apart, so a year-long run keeps
     * sub-second precision. */
    int64_t whole = now / ASIM_NS_PER_SEC;
    double frac = w->frac + (double)(now % ASIM_NS_PER_SEC) / 1e9;
    int64_t extra = (int64_t)floor(frac);
    frac -= (double)extra;
    int64_t local = w->epoch_s + (int64_t)w->offset_min * 60 + whole + extra;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t sod = local - days * 86400;
    int wd = (int)((days + 4) % 7);   /* 1970-01-01 was a Thursday */
    if (wd < 0)
        wd += 7;
    *weekday = wd;
    *sec_of_day = (double)sod + frac;
}

/* ---- Kubernetes quantities ------------------------------------------------- */

int64_t asim_milli_value(double v)
{
    double x = v * 1000.0;
    double r = nearbyint(x);
    if (fabs(x - r) <= 1e-9 * (fabs(r) > 1 ? fabs(r) : 1))
        return (int64_t)r;
    if (x >= 9.2e18)
        return INT64_MAX;
    if (x <= -9.2e18)
        return INT64_MIN;
    return (int64_t)ceil(x);
}

/* ---- scaler.log wording ---------------------------------------------------- */

void asim_policy_log_thresholds(FILE *f, const char *what, const char *unit, double v, double up,
                                double down)
{
    fprintf(f, "  \xe2\x80\xa2 %s: %.3f%s\n", what, v, unit);
    if (v > up)
        fprintf(f, "    WARNING ABOVE scale-up threshold (%g%s)\n", up, unit);
    else if (v < down)
        fprintf(f, "    BELOW scale-down threshold (%g%s)\n", down, unit);
    else
        fprintf(f, "    OK within thresholds (%g%s - %g%s)\n", down, unit, up, unit);
}
