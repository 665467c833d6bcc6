/* scaler.c -- the check loop (see scaler.h).
 *
 * State machine: WAITING (a check event is pending) -> check -> either
 * WAITING again (no action, or asynchronous actuator) or BLOCKED (a
 * synchronous playbook runs; the next check is scheduled when it returns). */
#include "models/scaling/scaler.h"

#include <math.h>
#include <stdio.h>

struct asim_scaler {
    asim_evq *q;
    const asim_config *cfg;
    asim_cluster *cl;
    asim_tsdb *db;
    asim_scaler_hooks hooks;
    asim_promql *query;
    asim_promql_result res;
    const asim_policy_methods *pm;
    void *policy;
    asim_time interval;
    int64_t lookback_ms;
    int iteration;
    int blocked;
    int acting;                         /* an action of ours is in flight */
    int action_from;
    double last_metric;
    asim_time last_check;
};

static void on_check(void *ctx, uint64_t arg, asim_time now);

double asim_scaler_reduce(const asim_promql_result *r, asim_reduce how)
{
    if (r->type == ASIM_PROMQL_SCALAR) return r->scalar;
    if (r->type != ASIM_PROMQL_VECTOR || r->n == 0) return NAN;
    double acc = r->v[0].value;
    for (size_t i = 1; i < r->n; i++) {
        double v = r->v[i].value;
        switch (how) {
        case ASIM_REDUCE_MAX: if (v > acc || isnan(acc)) acc = v; break;
        case ASIM_REDUCE_MIN: if (v < acc || isnan(acc)) acc = v; break;
        default: acc += v; break;       /* sum, and avg's numerator, left to right as Python's sum() */
        }
    }
    if (how == ASIM_REDUCE_AVG) acc /= (double)r->n;
    return acc;
}

int asim_scaler_create(asim_evq *q, const asim_config *cfg, asim_cluster *cl, asim_tsdb *db,
                       const asim_scaler_hooks *hooks, asim_scaler **out, asim_err *err)
{
    char msg[256];
    *out = NULL;
    asim_promql *e = asim_promql_parse(cfg->scaler.query, msg, sizeof msg);
    if (!e)
        return asim_err_set(err, ASIM_EINPUT, "$.scaler.query: %s", msg);
    const asim_policy_methods *pm = asim_policy_find(cfg->scaler.policy);
    if (!pm) {
        asim_promql_free(e);
        return asim_err_set(err, ASIM_EINPUT, "$.scaler.policy: unknown policy \"%s\" (known: %s)",
                            cfg->scaler.policy, asim_policy_names());
    }
    void *st = pm->create(cfg, err);     /* a policy refuses only settings */
    if (!st) { asim_promql_free(e); return ASIM_EINPUT; }
    asim_scaler *s = asim_calloc(1, sizeof *s);
    s->q = q; s->cfg = cfg; s->cl = cl; s->db = db; s->hooks = *hooks;
    s->query = e;
    s->pm = pm;
    s->policy = st;
    s->interval = ASIM_SEC(pm->interval(st));
    s->lookback_ms = (int64_t)(cfg->prometheus.lookback_delta * 1000 + 0.5);
    s->last_metric = NAN;
    s->last_check = -1;
    asim_evq_at(q, ASIM_SEC(cfg->scaler.first_check), on_check, s, 0);
    *out = s;
    return 0;
}

void asim_scaler_destroy(asim_scaler *s)
{
    if (!s) return;
    asim_promql_result_free(&s->res);
    asim_promql_free(s->query);
    if (s->policy) s->pm->destroy(s->policy);
    asim_free(s);
}

int64_t asim_scaler_reach_ms(const asim_scaler *s)
{
    return asim_promql_reach_ms(s->query, s->lookback_ms);
}

double asim_scaler_last_metric(const asim_scaler *s) { return s->last_metric; }

void asim_scaler_log_state(const asim_scaler *s, const asim_policy_out *out, FILE *f)
{
    asim_policy_log_state(s->pm, s->policy, out, f);
}

static double query(asim_scaler *s, asim_time now)
{
    char msg[256];
    if (asim_promql_eval(s->query, s->db, ASIM_TO_MS(now), s->lookback_ms, &s->res, msg, sizeof msg) != 0)
        return NAN;                     /* an execution error reads as no data, as in the seed */
    return asim_scaler_reduce(&s->res, s->cfg->scaler.reduce);
}

static void on_check(void *ctx, uint64_t arg, asim_time now)
{
    asim_scaler *s = ctx;
    asim_check c = { 0 };
    c.now = now;
    c.iteration = ++s->iteration;
    c.metric = query(s, now);
    c.replicas = asim_cluster_compose_ps(s->cl);
    asim_policy_obs o = {
        now, c.metric, &s->res, s->db, c.replicas,
        asim_cluster_count(s->cl, ASIM_CONTAINER_READY),
        asim_cluster_count(s->cl, ASIM_CONTAINER_STARTING)
    };
    asim_policy_decide(s->pm, s->policy, &o, &c.out);
    if (!isnan(c.metric)) s->last_metric = c.metric;
    /* Frozen: the gauge only changes when requests complete, one has
     * completed before, and none has since the previous check. */
    asim_time lc = asim_cluster_last_completion(s->cl);
    c.frozen = s->cfg->app.gauge != ASIM_GAUGE_CURRENT && lc >= 0 && s->last_check >= 0 &&
               lc < s->last_check;
    s->last_check = now;
    if (s->hooks.checked) s->hooks.checked(s->hooks.ctx, &c);
    if (c.out.desired != c.replicas) {
        s->acting = 1;
        s->action_from = c.replicas;
        if (s->hooks.actuation) s->hooks.actuation(s->hooks.ctx, 1, c.replicas, c.out.desired, now);
        asim_cluster_scale(s->cl, c.out.desired, now);
        if (!s->cfg->actuator.async) {
            s->blocked = 1;
            return;                     /* next check when the playbook returns */
        }
    }
    asim_evq_after(s->q, s->interval, on_check, s, arg);
}

void asim_scaler_actuation_done(asim_scaler *s, int replicas, asim_time now)
{
    if (s->acting) {
        s->acting = 0;
        s->pm->actuated(s->policy, now, replicas);
        if (s->hooks.actuation) s->hooks.actuation(s->hooks.ctx, 0, s->action_from, replicas, now);
    }
    if (s->blocked) {
        s->blocked = 0;
        asim_evq_after(s->q, s->interval, on_check, s, 0);
    }
}
