/* policy_hpa.c -- the Kubernetes HorizontalPodAutoscaler (autoscaling/v2)
 * as its controller computes a replica count, one metric at a time.
 *
 * Followed line by line (doc/policies.md cites the versions):
 *  - pkg/controller/podautoscaler/replica_calculator.go: groupPods,
 *    calcPlainMetricReplicas, GetResourceReplicas, getUsageRatioReplicaCount,
 *    GetObjectPerPodMetricReplicas, GetExternal(PerPod)MetricReplicas;
 *  - pkg/controller/podautoscaler/metrics/utilization.go: integer milli-unit
 *    averages and the integer utilisation percentage;
 *  - pkg/controller/podautoscaler/horizontal.go: reconcileAutoscaler (min/max
 *    before metrics), normalizeDesiredReplicas (no behavior: 5-minute max of
 *    recommendations, then scaleUpLimitFactor 2 / scaleUpLimitMinimum 4),
 *    normalizeDesiredReplicasWithBehaviors (two stabilisation windows, then
 *    Pods/Percent rate limits over scale events of both directions);
 *  - pkg/apis/autoscaling/v2/defaults.go: behavior defaults (filled in the
 *    settings parser, sim/config/settings_policies.c).
 *
 * Mapping to the simulated stack: currentReplicas and status.replicas are
 * the compose count (starting + ready); a starting container is a Pending
 * pod (unready); a ready container without a value in the query result is a
 * pod with a missing metric; a series whose instance Prometheus no longer
 * scrapes successfully (up != 1: draining, removed) belongs to a deleted
 * pod and is dropped.  The CPU-specific readiness rule (cpu initialisation
 * period) reduces to the same thing here, because a container has no CPU
 * rate until two scrapes after it became ready.
 *
 * Invariants: recommendations and scale events are kept in time order and
 * pruned once no window can reach them, so memory is bounded by
 * (longest window / sync period), not by the run's length. */
#include "models/scaling/policy_util.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "models/scaling/scaler.h"

typedef struct stamped {
    asim_time t;
    int v;
} stamped;

/* A time-ordered list that forgets its oldest entries. */
typedef struct tlist {
    stamped *a;
    int n, cap;
} tlist;

typedef struct hpa {
    asim_hpa_cfg c;
    int min, max;
    asim_reduce reduce;
    asim_pquery q, up;
    int own_up;                      /* filter series by `up` (needs a db) */
    double used;                     /* the current metric value of this decision (NaN: none):
                                      * utilisation in %, else the value (milli-units / 1000) */
    tlist recs, ups, downs;
    int started;
    asim_time events_keep;           /* longest policy period, ns */
    asim_time recs_keep;             /* longest stabilisation window, ns */
} hpa;

static void tl_push(tlist *l, asim_time t, int v)
{
    ASIM_GROW(l->a, l->cap, l->n + 1, 16);
    l->a[l->n++] = (stamped){t, v};
}

/* Drop entries with t < limit (strict) or t <= limit. */
static void tl_prune(tlist *l, asim_time limit, int inclusive)
{
    int k = 0;
    while (k < l->n && (l->a[k].t < limit || (inclusive && l->a[k].t == limit)))
        k++;
    if (k) {
        memmove(l->a, l->a + k, (size_t)(l->n - k) * sizeof *l->a);
        l->n -= k;
    }
}

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

static int longest_period(const asim_hpa_rules *r)
{
    int p = 0;
    for (int i = 0; i < r->npolicies; i++)
        p = imax(p, r->policies[i].period);
    return p;
}

static void *create(const struct asim_config *cfg, asim_err *err)
{
    hpa *h = asim_calloc(1, sizeof *h);
    h->c = cfg->ext.policies.hpa;
    asim_scaler_bounds(&cfg->scaler, &h->min, &h->max, &h->reduce);
    const char *text = h->c.query;
    if (!text[0] && h->c.metric_type == ASIM_HPA_RESOURCE)
        text = "rate(container_cpu_usage_seconds_total[1m])";
    if (asim_pquery_init(&h->q, text, &cfg->prometheus, "hpa.query", err) ||
        asim_pquery_init(&h->up, "up", &cfg->prometheus, "hpa", err)) {
        asim_pquery_free(&h->q);
        asim_pquery_free(&h->up);
        asim_free(h);
        return NULL;
    }
    h->own_up = 1;
    if (h->c.has_behavior && h->c.scale_down.stabilization_window < 0)
        h->c.scale_down.stabilization_window = (int)h->c.downscale_stabilization;   /* maybeInitScaleDownStabilizationWindow */
    if (h->c.has_behavior) {
        h->recs_keep = ASIM_SEC((double)imax(h->c.scale_up.stabilization_window, h->c.scale_down.stabilization_window));
        h->events_keep = ASIM_SEC((double)imax(longest_period(&h->c.scale_up), longest_period(&h->c.scale_down)));
    } else {
        h->recs_keep = ASIM_SEC(h->c.downscale_stabilization);
    }
    return h;
}

static double interval(const void *state)
{
    return ((const hpa *)state)->c.sync_period;
}

/* ---- tolerance --------------------------------------------------------------- */

typedef struct tolerances {
    double down, up;
    int abs_rule;
} tolerances;

static tolerances tolerances_of(const hpa *h)
{
    tolerances t = {h->c.tolerance, h->c.tolerance, h->c.tolerance_rule == ASIM_HPA_TOL_ABS};
    if (h->c.has_behavior && !t.abs_rule) {
        if (h->c.scale_down.tolerance >= 0) t.down = h->c.scale_down.tolerance;
        if (h->c.scale_up.tolerance >= 0) t.up = h->c.scale_up.tolerance;
    }
    return t;
}

static int within(const tolerances *t, double ratio)
{
    if (t->abs_rule)
        return fabs(1.0 - ratio) <= t->down;
    return 1.0 - t->down <= ratio && ratio <= 1.0 + t->up;
}

/* ---- the metric: per-pod values ---------------------------------------------- */

static const char *label(const asim_promql_elem *e, const char *name)
{
    for (size_t i = 0; i < e->nlabels; i++)
        if (strcmp(e->labels[i].name, name) == 0)
            return e->labels[i].value;
    return NULL;
}

/* Is `instance` scraped successfully right now?  (up == 1; unknown: yes.) */
static int instance_up(const asim_promql_result *up, const char *instance)
{
    if (!up || up->type != ASIM_PROMQL_VECTOR || !instance)
        return 1;
    for (size_t i = 0; i < up->n; i++) {
        const char *in = label(&up->v[i], "instance");
        if (in && strcmp(in, instance) == 0)
            return up->v[i].value == 1;
    }
    return 0;
}

/* Ratio of a set of per-pod milli values to the target: the integer average
 * for plain metrics (GetMetricUsageRatio), the integer utilisation percent
 * for resource utilisation (GetResourceUtilizationRatio). */
static double usage_ratio(const hpa *h, int64_t total, int64_t count, int64_t request, int64_t *usage)
{
    if (h->c.target_type == ASIM_HPA_UTILIZATION) {
        int64_t util = (int32_t)((total * 100) / (request * count));
        *usage = util;
        return (double)util / (double)(int32_t)h->c.target;
    }
    *usage = total / count;
    return (double)*usage / (double)asim_milli_value(h->c.target);
}

static int per_pod(hpa *h, const asim_policy_obs *o, int cur, int *out, char *why, size_t wl)
{
    const asim_promql_result *r = asim_pquery_result(&h->q, o);
    if (!r || r->type != ASIM_PROMQL_VECTOR) {
        snprintf(why, wl, "%s", r ? "no per-pod vector (the query returns a scalar)" : "no data");
        return -1;
    }
    const asim_promql_result *up = h->own_up && o->db ? asim_pquery_result(&h->up, o) : NULL;
    int64_t total = 0, count = 0;
    for (size_t i = 0; i < r->n; i++) {
        double v = r->v[i].value;
        if (!isfinite(v) || !instance_up(up, label(&r->v[i], "instance")))
            continue;                          /* no usable value, or a deleted pod's series */
        total += asim_milli_value(v);
        count++;
    }
    if (count == 0) {
        snprintf(why, wl, "did not receive metrics for targeted pods (pods might be unready)");
        return -1;
    }
    int64_t request = asim_milli_value(h->c.cpu_request);
    int ready_count = (int)count;
    int missing = imax(0, o->ready - (int)count);
    int unready = o->starting;
    int64_t usage;
    double ratio = usage_ratio(h, total, count, request, &usage);
    h->used = h->c.target_type == ASIM_HPA_UTILIZATION ? (double)usage : (double)usage / 1000.0;
    tolerances tol = tolerances_of(h);
    const char *unit = h->c.target_type == ASIM_HPA_UTILIZATION ? "%" : "m";
    int64_t tgt = h->c.target_type == ASIM_HPA_UTILIZATION ? (int64_t)h->c.target : asim_milli_value(h->c.target);
    int scale_up_with_unready = unready > 0 && ratio > 1.0;
    if (!scale_up_with_unready && missing == 0) {
        if (within(&tol, ratio)) {
            *out = cur;
            snprintf(why, wl, "usage %lld%s/%lld%s ratio %.3f within tolerance", (long long)usage, unit,
                     (long long)tgt, unit, ratio);
        } else {
            *out = (int)ceil(ratio * ready_count);
            snprintf(why, wl, "usage %lld%s/%lld%s ratio %.3f x %d ready -> %d", (long long)usage, unit,
                     (long long)tgt, unit, ratio, ready_count, *out);
        }
        return 0;
    }
    /* Missing and unready pods, conservatively: missing count as the target
     * on a scale-down and 0 on a scale-up; unready count as 0 on a scale-up. */
    int64_t total2 = total, count2 = count;
    if (missing > 0) {
        int64_t fill = 0;
        if (h->c.target_type == ASIM_HPA_UTILIZATION)
            fill = request * (int64_t)imax(100, (int)h->c.target) / 100;
        else
            fill = asim_milli_value(h->c.target);
        if (ratio < 1.0) {
            total2 += fill * missing;
            count2 += missing;
        } else if (ratio > 1.0) {
            count2 += missing;
        }
    }
    if (scale_up_with_unready)
        count2 += unready;
    int64_t usage2;
    double ratio2 = usage_ratio(h, total2, count2, request, &usage2);
    if (within(&tol, ratio2) || (ratio < 1.0 && ratio2 > 1.0) || (ratio > 1.0 && ratio2 < 1.0)) {
        *out = cur;
        snprintf(why, wl, "usage %lld%s/%lld%s ratio %.3f, %.3f counting %d missing and %d unready: hold",
                 (long long)usage, unit, (long long)tgt, unit, ratio, ratio2, missing,
                 scale_up_with_unready ? unready : 0);
        return 0;
    }
    int n = (int)ceil(ratio2 * (double)count2);
    if ((ratio2 < 1.0 && n > cur) || (ratio2 > 1.0 && n < cur))
        n = cur;
    *out = n;
    snprintf(why, wl, "usage %lld%s/%lld%s ratio %.3f, %.3f x %lld counting %d missing and %d unready -> %d",
             (long long)usage, unit, (long long)tgt, unit, ratio, ratio2, (long long)count2, missing,
             scale_up_with_unready ? unready : 0, n);
    return 0;
}

/* ---- the metric: one value (Object) or a sum (External) ------------------------ */

static int single(hpa *h, const asim_policy_obs *o, int cur, int *out, char *why, size_t wl)
{
    int64_t usage = 0;
    if (h->c.metric_type == ASIM_HPA_EXTERNAL) {
        const asim_promql_result *r = asim_pquery_result(&h->q, o);
        size_t n = 0;
        if (r && r->type == ASIM_PROMQL_SCALAR && isfinite(r->scalar)) {
            usage = asim_milli_value(r->scalar);
            n = 1;
        } else if (r && r->type == ASIM_PROMQL_VECTOR) {
            for (size_t i = 0; i < r->n; i++)
                if (isfinite(r->v[i].value)) {
                    usage += asim_milli_value(r->v[i].value);
                    n++;
                }
        }
        if (n == 0) {
            snprintf(why, wl, "no data (external metric empty)");
            return -1;
        }
    } else {
        double v = asim_pquery_value(&h->q, o, h->reduce);
        if (!isfinite(v)) {
            snprintf(why, wl, "no data");
            return -1;
        }
        usage = asim_milli_value(v);
    }
    h->used = (double)usage / 1000.0;
    int64_t tgt = asim_milli_value(h->c.target);
    tolerances tol = tolerances_of(h);
    if (h->c.target_type == ASIM_HPA_AVERAGE_VALUE) {
        /* GetObjectPerPodMetricReplicas / GetExternalPerPodMetricReplicas */
        int status = o->replicas;
        double ratio = (double)usage / ((double)tgt * (double)status);
        *out = status;
        if (!within(&tol, ratio))
            *out = (int)ceil((double)usage / (double)tgt);
        snprintf(why, wl, "value %lldm / (%lldm x %d) ratio %.3f -> %d", (long long)usage, (long long)tgt,
                 status, ratio, *out);
        return 0;
    }
    double ratio = (double)usage / (double)tgt;       /* getUsageRatioReplicaCount */
    if (cur != 0) {
        if (within(&tol, ratio)) {
            *out = cur;
            snprintf(why, wl, "value %lldm/%lldm ratio %.3f within tolerance", (long long)usage, (long long)tgt, ratio);
            return 0;
        }
        *out = (int)ceil(ratio * (double)o->ready);
        snprintf(why, wl, "value %lldm/%lldm ratio %.3f x %d ready -> %d", (long long)usage, (long long)tgt,
                 ratio, o->ready, *out);
    } else {
        *out = (int)ceil(ratio);
        snprintf(why, wl, "value %lldm/%lldm ratio %.3f from zero -> %d", (long long)usage, (long long)tgt,
                 ratio, *out);
    }
    return 0;
}

/* ---- normalisation ---------------------------------------------------------------- */

/* Without spec.behavior (normalizeDesiredReplicas): the highest
 * recommendation of the downscale window, current one included, then
 * [minReplicas, min(maxReplicas, max(2 x current, 4))]. */
static int normalize_legacy(hpa *h, asim_time now, int cur, int desired, char *note, size_t nl)
{
    asim_time cutoff = now - ASIM_SEC(h->c.downscale_stabilization);
    tl_prune(&h->recs, cutoff, 0);                   /* Before(cutoff) is out; at the cutoff is in */
    int rec = desired;
    for (int i = 0; i < h->recs.n; i++)
        rec = imax(rec, h->recs.a[i].v);
    tl_push(&h->recs, now, desired);
    int up_limit = (int)fmax(2.0 * cur, 4.0);
    int max_allowed = imin(h->max, up_limit);
    int d = rec;
    note[0] = 0;
    if (rec != desired)
        snprintf(note, nl, "; stabilized %d", rec);
    if (d < h->min) {
        d = h->min;
    } else if (d > max_allowed) {
        d = max_allowed;
        size_t l = strlen(note);
        snprintf(note + l, nl - l, "; %s %d", h->max > up_limit ? "scale-up limit" : "maxReplicas", d);
    }
    return d;
}

static int change_in_period(const tlist *l, asim_time now, int period)
{
    asim_time cutoff = now - ASIM_SEC((double)period);
    int s = 0;
    for (int i = 0; i < l->n; i++)
        if (l->a[i].t > cutoff)
            s += l->a[i].v;
    return s;
}

static int scale_up_limit(const hpa *h, asim_time now, int cur)
{
    const asim_hpa_rules *r = &h->c.scale_up;
    if (r->select == ASIM_HPA_SELECT_DISABLED)
        return cur;
    int result = r->select == ASIM_HPA_SELECT_MIN ? INT_MAX : INT_MIN;
    for (int i = 0; i < r->npolicies; i++) {
        const asim_hpa_scaling_policy *p = &r->policies[i];
        int start = cur - change_in_period(&h->ups, now, p->period) + change_in_period(&h->downs, now, p->period);
        int proposed = p->type == ASIM_HPA_POLICY_PODS ? start + p->value
                     : (int)ceil((double)start * (1 + (double)p->value / 100));
        result = r->select == ASIM_HPA_SELECT_MIN ? imin(result, proposed) : imax(result, proposed);
    }
    return result;
}

static int scale_down_limit(const hpa *h, asim_time now, int cur)
{
    const asim_hpa_rules *r = &h->c.scale_down;
    if (r->select == ASIM_HPA_SELECT_DISABLED)
        return cur;
    int result = r->select == ASIM_HPA_SELECT_MIN ? INT_MIN : INT_MAX;
    for (int i = 0; i < r->npolicies; i++) {
        const asim_hpa_scaling_policy *p = &r->policies[i];
        int start = cur - change_in_period(&h->ups, now, p->period) + change_in_period(&h->downs, now, p->period);
        int proposed = p->type == ASIM_HPA_POLICY_PODS ? start - p->value
                     : (int)((double)start * (1 - (double)p->value / 100));
        result = r->select == ASIM_HPA_SELECT_MIN ? imax(result, proposed) : imin(result, proposed);
    }
    return result;
}

/* With spec.behavior (normalizeDesiredReplicasWithBehaviors). */
static int normalize_behavior(hpa *h, asim_time now, int cur, int desired, char *note, size_t nl)
{
    /* stabilizeRecommendationWithBehaviors: upRec is the lowest and downRec
     * the highest recommendation within their windows (strictly newer than
     * the cutoff), the current one included; current is moved into
     * [upRec, downRec]. */
    tl_prune(&h->recs, now - h->recs_keep, 1);
    asim_time up_cut = now - ASIM_SEC((double)h->c.scale_up.stabilization_window);
    asim_time down_cut = now - ASIM_SEC((double)h->c.scale_down.stabilization_window);
    int up_rec = desired, down_rec = desired;
    for (int i = 0; i < h->recs.n; i++) {
        if (h->recs.a[i].t > up_cut) up_rec = imin(up_rec, h->recs.a[i].v);
        if (h->recs.a[i].t > down_cut) down_rec = imax(down_rec, h->recs.a[i].v);
    }
    int rec = cur;
    if (rec < up_rec) rec = up_rec;
    if (rec > down_rec) rec = down_rec;
    tl_push(&h->recs, now, desired);
    note[0] = 0;
    if (rec != desired)
        snprintf(note, nl, "; %s %d", desired >= cur ? "ScaleUpStabilized" : "ScaleDownStabilized", rec);

    /* convertDesiredReplicasWithBehaviorRate */
    tl_prune(&h->ups, now - h->events_keep, 1);
    tl_prune(&h->downs, now - h->events_keep, 1);
    size_t l = strlen(note);
    if (rec > cur) {
        int lim = scale_up_limit(h, now, cur);
        if (lim < cur) lim = cur;
        int max_allowed = h->max;
        const char *why = "TooManyReplicas";
        if (max_allowed > lim) {
            max_allowed = lim;
            why = "ScaleUpLimit";
        }
        if (rec > max_allowed) {
            snprintf(note + l, nl - l, "; %s %d", why, max_allowed);
            return max_allowed;
        }
    } else if (rec < cur) {
        int lim = scale_down_limit(h, now, cur);
        if (lim > cur) lim = cur;
        int min_allowed = h->min;
        const char *why = "TooFewReplicas";
        if (min_allowed < lim) {
            min_allowed = lim;
            why = "ScaleDownLimit";
        }
        if (rec < min_allowed) {
            snprintf(note + l, nl - l, "; %s %d", why, min_allowed);
            return min_allowed;
        }
    }
    return rec;
}

static void decide_hpa(hpa *h, const asim_policy_obs *o, asim_policy_out *out)
{
    int cur = o->replicas;
    out->desired = cur;
    out->decision = ASIM_DEC_HOLD;
    out->high_breaches = out->low_breaches = 0;
    out->reason[0] = 0;
    h->used = NAN;
    if (!h->started) {                   /* recordInitialRecommendation */
        tl_push(&h->recs, o->now, cur);
        h->started = 1;
    }
    int desired = cur, proposal = cur;
    if (cur == 0 && h->min != 0) {
        snprintf(out->reason, sizeof out->reason, "scaling disabled: 0 replicas and minReplicas %d", h->min);
        return;
    } else if (cur > h->max) {
        desired = h->max;
        snprintf(out->reason, sizeof out->reason, "current replicas above maxReplicas %d", h->max);
    } else if (cur < h->min) {
        desired = h->min;
        snprintf(out->reason, sizeof out->reason, "current replicas below minReplicas %d", h->min);
    } else {
        char why[140], note[60];
        int rc = h->c.metric_type == ASIM_HPA_PODS || h->c.metric_type == ASIM_HPA_RESOURCE
                     ? per_pod(h, o, cur, &proposal, why, sizeof why)
                     : single(h, o, cur, &proposal, why, sizeof why);
        if (rc) {
            out->decision = ASIM_DEC_NO_DATA;
            snprintf(out->reason, sizeof out->reason, "%s", why);
            return;
        }
        if (proposal < 0)
            proposal = 0;
        desired = h->c.has_behavior ? normalize_behavior(h, o->now, cur, proposal, note, sizeof note)
                                    : normalize_legacy(h, o->now, cur, proposal, note, sizeof note);
        snprintf(out->reason, sizeof out->reason, "%s%s", why, note);
    }
    out->desired = desired;
    if (desired > cur) {
        out->decision = ASIM_DEC_SCALE_UP;
    } else if (desired < cur) {
        out->decision = ASIM_DEC_SCALE_DOWN;
    } else if (proposal > cur && cur >= h->max) {
        out->decision = ASIM_DEC_AT_MAX;
    } else if (proposal < cur && cur <= h->min) {
        out->decision = ASIM_DEC_AT_MIN;
    }
    if (desired != cur && h->c.has_behavior) {   /* storeScaleEvent */
        if (desired > cur)
            tl_push(&h->ups, o->now, desired - cur);
        else
            tl_push(&h->downs, o->now, cur - desired);
    }
}

static void actuated(void *state, asim_time now, int replicas)
{
    ASIM_UNUSED(state);
    ASIM_UNUSED(now);
    ASIM_UNUSED(replicas);
}

static void destroy(void *state)
{
    hpa *h = state;
    if (!h)
        return;
    asim_pquery_free(&h->q);
    asim_pquery_free(&h->up);
    asim_free(h->recs.a);
    asim_free(h->ups.a);
    asim_free(h->downs.a);
    asim_free(h);
}

static void decide(void *state, const asim_policy_obs *o, asim_policy_out *out)
{
    hpa *h = state;
    decide_hpa(h, o, out);
    out->metric = h->used;
}

/* The HPA's view, as `kubectl describe hpa` shows it: current vs target. */
static void log_state(const void *state, const asim_policy_out *out, FILE *f)
{
    const hpa *h = state;
    if (h->c.target_type == ASIM_HPA_UTILIZATION)
        fprintf(f, "  \xe2\x80\xa2 HPA metric: utilization %.0f%% (target %g%%)\n", out->metric, h->c.target);
    else
        fprintf(f, "  \xe2\x80\xa2 HPA metric: %.3f (target %g%s)\n", out->metric, h->c.target,
                h->c.target_type == ASIM_HPA_AVERAGE_VALUE ? " per pod" : "");
}

const asim_policy_methods asim_policy_hpa = {
    .version = ASIM_POLICY_VERSION,
    .name = "hpa",
    .summary = "Kubernetes HPA v2: ceil(current x metric/target), 0.1 tolerance, stabilisation windows, behavior rate limits",
    .create = create, .interval = interval, .decide = decide, .actuated = actuated, .destroy = destroy,
    .log_state = log_state
};
