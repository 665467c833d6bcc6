/* policy_cpu.c -- the seed's "Scale Based on CPU Usage" example: the
 * threshold policy's decision rules (consecutive breaches, cooldowns,
 * +/- step; scaler.*) applied to CPU instead of response time.
 *
 * The metric is the policy's own query (cpu.query, default the seed's
 * avg(rate(container_cpu_usage_seconds_total[1m])): busy workers / workers
 * plus the idle floor, per replica, averaged) with the thresholds
 * cpu.scale_up_threshold (0.8) and cpu.scale_down_threshold (0.3).  The
 * decision itself is the seed policy's, unchanged: this file builds a
 * threshold policy whose thresholds are the CPU ones and feeds it CPU. */
#include "models/scaling/policy_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct cpu {
    asim_pquery q;
    void *inner;                     /* a threshold policy with the CPU thresholds */
    double up, down;                 /* the CPU thresholds, for scaler.log */
} cpu;

static void *create(const struct asim_config *cfg, asim_err *err)
{
    cpu *c = asim_calloc(1, sizeof *c);
    if (asim_pquery_init(&c->q, cfg->ext.policies.cpu.query, &cfg->prometheus, "cpu.query", err))
        goto fail;
    /* The threshold policy takes scaler.* alone: a copy with the CPU
     * thresholds. */
    asim_scaler_cfg sc = cfg->scaler;
    sc.scale_up_threshold = cfg->ext.policies.cpu.scale_up_threshold;
    sc.scale_down_threshold = cfg->ext.policies.cpu.scale_down_threshold;
    c->up = sc.scale_up_threshold;
    c->down = sc.scale_down_threshold;
    c->inner = asim_threshold_create(&sc);
    return c;
fail:
    asim_pquery_free(&c->q);
    asim_free(c);
    return NULL;
}

static double interval(const void *state)
{
    return asim_policy_threshold.interval(((const cpu *)state)->inner);
}

static void decide(void *state, const asim_policy_obs *o, asim_policy_out *out)
{
    cpu *c = state;
    asim_policy_obs mine = *o;
    mine.metric = asim_pquery_value(&c->q, o, ASIM_REDUCE_AVG);
    asim_policy_threshold.decide(c->inner, &mine, out);
    out->metric = mine.metric;
    if (!isnan(mine.metric)) {          /* prefix the reason with the CPU value, cutting its end */
        char pre[40];
        size_t pl = (size_t)snprintf(pre, sizeof pre, "cpu %.3f: ", mine.metric);
        size_t rl = strlen(out->reason);
        if (pl + rl >= sizeof out->reason)
            rl = sizeof out->reason - 1 - pl;
        memmove(out->reason + pl, out->reason, rl);
        memcpy(out->reason, pre, pl);
        out->reason[pl + rl] = 0;
    }
}

static void actuated(void *state, asim_time now, int replicas)
{
    asim_policy_threshold.actuated(((cpu *)state)->inner, now, replicas);
}

static void destroy(void *state)
{
    cpu *c = state;
    if (!c)
        return;
    asim_policy_threshold.destroy(c->inner);
    asim_pquery_free(&c->q);
    asim_free(c);
}

static void log_state(const void *state, const asim_policy_out *out, FILE *f)
{
    const cpu *c = state;
    asim_policy_log_thresholds(f, "CPU usage (cores per replica)", "", out->metric, c->up, c->down);
}

const asim_policy_methods asim_policy_cpu = {
    .version = ASIM_POLICY_VERSION,
    .name = "cpu",
    .summary = "the seed's CPU example: threshold rules on avg(rate(container_cpu_usage_seconds_total[1m])), 0.8 / 0.3",
    .create = create, .interval = interval, .decide = decide, .actuated = actuated, .destroy = destroy,
    .log_state = log_state
};
