/* policy_threshold.c -- the seed's scaler policy, exactly as its flowchart
 * and the issue specify.
 *
 *  - no data: change nothing (counters kept);
 *  - metric > up threshold: high += 1, low = 0; at >= up_breaches: at max ->
 *    "at maximum"; else within scale_up_cooldown of the end of the last
 *    action (either direction) -> "cooldown active"; else replicas + step and
 *    high = 0;
 *  - metric < down threshold: symmetric with low, down_breaches, min,
 *    scale_down_cooldown and replicas - step;
 *  - otherwise both counters reset.
 * Comparisons are strict.  The cooldown clock starts when the actuation
 * returns (`actuated`), as the flowchart updates its state after the playbook. */
#include "models/scaling/policy.h"

#include <math.h>
#include <stdio.h>
#include "models/scenario/config.h"
#include "models/scaling/policy_util.h"

typedef struct threshold {
    asim_scaler_cfg c;
    int high, low;
    asim_time last_action_end;       /* -1: never */
} threshold;

void *asim_threshold_create(const asim_scaler_cfg *sc)
{
    threshold *t = asim_calloc(1, sizeof *t);
    t->c = *sc;
    t->last_action_end = -1;
    return t;
}

static void *create(const struct asim_config *cfg, asim_err *err)
{
    ASIM_UNUSED(err);
    return asim_threshold_create(&cfg->scaler);
}

static double interval(const void *state)
{
    return ((const threshold *)state)->c.check_interval;
}

static int in_cooldown(const threshold *t, asim_time now, double cooldown)
{
    return t->last_action_end >= 0 && now - t->last_action_end < ASIM_SEC(cooldown);
}

static void decide_up(threshold *t, const asim_policy_obs *o, asim_policy_out *out)
{
    const asim_scaler_cfg *c = &t->c;
    if (t->high < c->scale_up_breaches) {
        snprintf(out->reason, sizeof out->reason, "above %g (breach %d/%d)",
                 c->scale_up_threshold, t->high, c->scale_up_breaches);
        return;
    }
    if (o->replicas >= c->max_replicas) {
        out->decision = ASIM_DEC_AT_MAX;
        snprintf(out->reason, sizeof out->reason, "at maximum (%d replicas)", c->max_replicas);
    } else if (in_cooldown(t, o->now, c->scale_up_cooldown)) {
        out->decision = ASIM_DEC_COOLDOWN;
        snprintf(out->reason, sizeof out->reason, "cooldown active (%.1fs of %gs since last action)",
                 ASIM_TO_SEC(o->now - t->last_action_end), c->scale_up_cooldown);
    } else {
        int d = o->replicas + c->scale_up_step;
        out->desired = d > c->max_replicas ? c->max_replicas : d;
        out->decision = ASIM_DEC_SCALE_UP;
        snprintf(out->reason, sizeof out->reason, "above %g for %d checks", c->scale_up_threshold, t->high);
        t->high = 0;
    }
}

static void decide_down(threshold *t, const asim_policy_obs *o, asim_policy_out *out)
{
    const asim_scaler_cfg *c = &t->c;
    if (t->low < c->scale_down_breaches) {
        snprintf(out->reason, sizeof out->reason, "below %g (breach %d/%d)",
                 c->scale_down_threshold, t->low, c->scale_down_breaches);
        return;
    }
    if (o->replicas <= c->min_replicas) {
        out->decision = ASIM_DEC_AT_MIN;
        snprintf(out->reason, sizeof out->reason, "at minimum (%d replicas)", c->min_replicas);
    } else if (in_cooldown(t, o->now, c->scale_down_cooldown)) {
        out->decision = ASIM_DEC_COOLDOWN;
        snprintf(out->reason, sizeof out->reason, "cooldown active (%.1fs of %gs since last action)",
                 ASIM_TO_SEC(o->now - t->last_action_end), c->scale_down_cooldown);
    } else {
        int d = o->replicas - c->scale_down_step;
        out->desired = d < c->min_replicas ? c->min_replicas : d;
        out->decision = ASIM_DEC_SCALE_DOWN;
        snprintf(out->reason, sizeof out->reason, "below %g for %d checks", c->scale_down_threshold, t->low);
        t->low = 0;
    }
}

static void decide(void *state, const asim_policy_obs *o, asim_policy_out *out)
{
    threshold *t = state;
    const asim_scaler_cfg *c = &t->c;
    out->desired = o->replicas;
    out->decision = ASIM_DEC_HOLD;
    out->reason[0] = 0;
    if (isnan(o->metric)) {
        out->decision = ASIM_DEC_NO_DATA;
        snprintf(out->reason, sizeof out->reason, "no data");
    } else if (o->metric > c->scale_up_threshold) {
        t->high++;
        t->low = 0;
        decide_up(t, o, out);
    } else if (o->metric < c->scale_down_threshold) {
        t->low++;
        t->high = 0;
        decide_down(t, o, out);
    } else {
        t->high = t->low = 0;
        snprintf(out->reason, sizeof out->reason, "within thresholds");
    }
    out->high_breaches = t->high;
    out->low_breaches = t->low;
}

static void actuated(void *state, asim_time now, int replicas)
{
    ASIM_UNUSED(replicas);
    ((threshold *)state)->last_action_end = now;
}

static void destroy(void *state) { asim_free(state); }

/* The seed's wording: the query is the 30 s mean response time. */
static void log_state(const void *state, const asim_policy_out *out, FILE *f)
{
    const asim_scaler_cfg *c = &((const threshold *)state)->c;
    asim_policy_log_thresholds(f, "Average Response Time (30s)", "s", out->metric, c->scale_up_threshold,
                               c->scale_down_threshold);
}

const asim_policy_methods asim_policy_threshold = {
    .version = ASIM_POLICY_VERSION,
    .name = "threshold",
    .summary = "the seed's scaler: consecutive breaches of up/down thresholds, cooldowns, +/- step",
    .create = create, .interval = interval, .decide = decide, .actuated = actuated, .destroy = destroy,
    .log_state = log_state
};
