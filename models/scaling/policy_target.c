/* policy_target.c -- AWS target tracking: keep a metric at a target value.
 *
 * AWS manages two CloudWatch alarms for the policy and computes the new
 * capacity "to keep the metric at, or close to, the specified target
 * value", assuming the metric falls in proportion as capacity grows.  The
 * exact formula is not published; this model uses the proportional rule
 * desired = ceil(capacity x metric / target), the only one consistent with
 * that assumption, and the managed alarms' shape:
 *  - scale out after scale_out_datapoints (3) consecutive datapoints above
 *    the target, and at every further datapoint while it stays above (fast);
 *  - scale in after scale_in_datapoints (15) consecutive datapoints below
 *    target x scale_in_ratio (slow), and then count afresh;
 *  - warm-up: replicas added within `warmup` count toward capacity
 *    (desired = max(current, ceil(in service x metric / target))), and
 *    block scale-in until they are warm ("+1 while 1 instance warming ->
 *    still 5 desired").
 * The datapoint counts are a third-party description of the managed alarms
 * (semantics.md C marks them unverified), hence settings. */
#include "models/scaling/policy_util.h"

#include <math.h>
#include <stdio.h>

typedef struct tt {
    asim_target_cfg c;
    int min, max;
    asim_reduce reduce;
    asim_pquery q;
    int above, below;               /* consecutive datapoints */
    asim_warmup warm;
} tt;

static void destroy(void *state);

static void *create(const struct asim_config *cfg, asim_err *err)
{
    tt *t = asim_calloc(1, sizeof *t);
    t->c = cfg->ext.policies.target;
    asim_scaler_bounds(&cfg->scaler, &t->min, &t->max, &t->reduce);
    if (asim_pquery_init(&t->q, t->c.query, &cfg->prometheus, "target_tracking.query", err)) {
        destroy(t);                  /* frees what is built so far */
        return NULL;
    }
    asim_warmup_init(&t->warm, t->c.warmup);
    return t;
}

static double interval(const void *state)
{
    return ((const tt *)state)->c.period;
}

static void decide(void *state, const asim_policy_obs *o, asim_policy_out *out)
{
    tt *t = state;
    int cur = o->replicas;
    out->desired = cur;
    out->decision = ASIM_DEC_HOLD;
    double v = asim_pquery_value(&t->q, o, t->reduce);
    out->metric = v;
    int warming = asim_warmup_count(&t->warm, o->now);
    if (warming > cur)
        warming = cur;
    if (isnan(v)) {
        out->decision = ASIM_DEC_NO_DATA;
        out->high_breaches = t->above;
        out->low_breaches = t->below;
        snprintf(out->reason, sizeof out->reason, "no data (missing datapoint)");
        return;
    }
    double low = t->c.target_value * t->c.scale_in_ratio;
    if (v > t->c.target_value) {
        t->above++;
        t->below = 0;
    } else if (v < low) {
        t->below++;
        t->above = 0;
    } else {
        t->above = t->below = 0;
    }
    out->high_breaches = t->above;
    out->low_breaches = t->below;
    double ratio = v / t->c.target_value;
    if (t->above >= t->c.scale_out_datapoints) {
        int serving = cur - warming;
        int want = (int)ceil(serving * ratio - 1e-9);
        if (want > t->max) want = t->max;
        if (want <= cur) {
            out->decision = cur >= t->max ? ASIM_DEC_AT_MAX : ASIM_DEC_HOLD;
            snprintf(out->reason, sizeof out->reason, "%g above target %g: %d in service x %.3f = %d, %s", v,
                     t->c.target_value, serving, ratio, want,
                     cur >= t->max ? "at maximum" : "covered by warming replicas");
            return;
        }
        out->desired = want;
        out->decision = ASIM_DEC_SCALE_UP;
        snprintf(out->reason, sizeof out->reason, "%g above target %g for %d datapoints: %d in service x %.3f -> %d",
                 v, t->c.target_value, t->above, serving, ratio, want);
        asim_warmup_add(&t->warm, want - cur);
    } else if (t->below >= t->c.scale_in_datapoints && !t->c.disable_scale_in) {
        if (warming > 0) {
            out->decision = ASIM_DEC_COOLDOWN;
            snprintf(out->reason, sizeof out->reason, "%g below %g: scale-in blocked, %d replica(s) warming up", v,
                     low, warming);
            return;
        }
        int want = (int)ceil(cur * ratio - 1e-9);
        if (want < t->min) want = t->min;
        if (want >= cur) {
            out->decision = cur <= t->min ? ASIM_DEC_AT_MIN : ASIM_DEC_HOLD;
            snprintf(out->reason, sizeof out->reason, "%g below %g: %d x %.3f = %d, %s", v, low, cur, ratio, want,
                     cur <= t->min ? "at minimum" : "no change");
            return;
        }
        out->desired = want;
        out->decision = ASIM_DEC_SCALE_DOWN;
        snprintf(out->reason, sizeof out->reason, "%g below %g for %d datapoints: %d x %.3f -> %d", v, low, t->below,
                 cur, ratio, want);
        t->below = 0;
    } else {
        snprintf(out->reason, sizeof out->reason, "%g vs target %g (above %d/%d, below %d/%d)", v, t->c.target_value,
                 t->above, t->c.scale_out_datapoints, t->below, t->c.scale_in_datapoints);
    }
}

static void actuated(void *state, asim_time now, int replicas)
{
    ASIM_UNUSED(replicas);
    asim_warmup_done(&((tt *)state)->warm, now);
}

static void destroy(void *state)
{
    tt *t = state;
    if (!t)
        return;
    asim_pquery_free(&t->q);
    asim_warmup_free(&t->warm);
    asim_free(t);
}

const asim_policy_methods asim_policy_target_tracking = {
    .version = ASIM_POLICY_VERSION,
    .name = "target_tracking",
    .summary = "AWS target tracking: capacity proportional to metric/target, scale out fast (3 datapoints), in slowly (15)",
    .create = create, .interval = interval, .decide = decide, .actuated = actuated, .destroy = destroy
};
