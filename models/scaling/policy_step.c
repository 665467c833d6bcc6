/* policy_step.c -- AWS EC2 Auto Scaling step scaling: two CloudWatch alarms
 * (high: metric >= scale_out_threshold, low: metric <= scale_in_threshold),
 * each with step adjustments chosen by the size of the breach.
 *
 * Rules (../shared/reference/semantics.md section C and the AWS pages it
 * cites):
 *  - one datapoint per step.period; an alarm is in ALARM when at least M of
 *    the last N datapoints breach (missing data is skipped: the alarm looks
 *    further back, CloudWatch's treatMissingData=missing);
 *  - while in ALARM the policy acts at every datapoint ("continues to respond
 *    to additional alarm breaches, even while a scaling activity is in
 *    progress");
 *  - step bounds are offsets from the threshold: above it lower <= breach <
 *    upper, below it lower < breach <= upper; absent = unbounded;
 *  - instance warm-up, not cooldown: replicas added within the warm-up count
 *    toward capacity, so a repeated breach of the same step adds nothing and
 *    a bigger step adds only the difference (new = max(current, current -
 *    warming + adjustment)); scale-in waits until no replica is warming;
 *  - PercentChangeInCapacity rounding as the "Scaling adjustment types" page
 *    states it (|x| > 1 truncated toward zero, 0 < |x| < 1 to +-1), at
 *    least min_adjustment_magnitude replicas (not verified against the
 *    stored corpus; see doc/policies.md). */
#include "models/scaling/policy_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct step {
    asim_step_cfg c;
    int min, max;
    asim_reduce reduce;
    asim_pquery q;
    int n, m;                        /* EvaluationPeriods, DatapointsToAlarm */
    unsigned char *hi, *lo;          /* breach flags of the last n datapoints (rings) */
    int head, count;
    asim_warmup warm;
} step;

static void destroy(void *state);

static void *create(const struct asim_config *cfg, asim_err *err)
{
    step *s = asim_calloc(1, sizeof *s);
    s->c = cfg->ext.policies.step;
    asim_scaler_bounds(&cfg->scaler, &s->min, &s->max, &s->reduce);
    if (asim_pquery_init(&s->q, s->c.query, &cfg->prometheus, "step.query", err)) {
        destroy(s);                  /* frees what is built so far */
        return NULL;
    }
    s->n = s->c.evaluation_periods;
    s->m = s->c.datapoints_to_alarm > 0 ? s->c.datapoints_to_alarm : s->n;
    s->hi = asim_calloc((size_t)s->n, 1);
    s->lo = asim_calloc((size_t)s->n, 1);
    asim_warmup_init(&s->warm, s->c.warmup);
    return s;
}

static double interval(const void *state)
{
    return ((const step *)state)->c.period;
}

static int breaching(const unsigned char *ring, int count)
{
    int b = 0;
    for (int i = 0; i < count; i++)
        b += ring[i];
    return b;
}

/* The adjustment whose interval holds the breach (above: [lower, upper),
 * below: (lower, upper]); 0 with *found = 0 when none does. */
static int find_step(const asim_step_adjustment *st, int n, double breach, int above, int *found)
{
    for (int i = 0; i < n; i++) {
        int in = above ? (st[i].lower <= breach && breach < st[i].upper)
                       : (st[i].lower < breach && breach <= st[i].upper);
        if (in) {
            *found = 1;
            return st[i].adjustment;
        }
    }
    *found = 0;
    return 0;
}

/* The capacity change a PercentChangeInCapacity step makes. */
static int percent_change(int base, int pct, int magnitude)
{
    double x = (double)base * pct / 100.0;
    int d;
    if (x > 1 || x < -1)
        d = (int)x;                     /* truncation toward zero: 12.7 -> 12, -6.67 -> -6 */
    else if (x > 0)
        d = 1;
    else if (x < 0)
        d = -1;
    else
        d = 0;
    if (d > 0 && d < magnitude) d = magnitude;
    if (d < 0 && -d < magnitude) d = -magnitude;
    return d;
}

static int apply(const step *s, int base, int adj)
{
    switch (s->c.adjustment_type) {
    case ASIM_ADJ_EXACT: return adj;
    case ASIM_ADJ_PERCENT: return base + percent_change(base, adj, s->c.min_adjustment_magnitude);
    default: return base + adj;
    }
}

static void decide(void *state, const asim_policy_obs *o, asim_policy_out *out)
{
    step *s = state;
    int cur = o->replicas;
    out->desired = cur;
    out->decision = ASIM_DEC_HOLD;
    out->reason[0] = 0;
    double v = asim_pquery_value(&s->q, o, s->reduce);
    out->metric = v;
    int warming = asim_warmup_count(&s->warm, o->now);
    if (warming > cur)
        warming = cur;
    if (!isnan(v)) {
        s->hi[s->head] = v >= s->c.scale_out_threshold;
        s->lo[s->head] = v <= s->c.scale_in_threshold;
        s->head = (s->head + 1) % s->n;
        if (s->count < s->n) s->count++;
    }
    int nhi = breaching(s->hi, s->count), nlo = breaching(s->lo, s->count);
    out->high_breaches = nhi;
    out->low_breaches = nlo;
    if (isnan(v)) {
        out->decision = ASIM_DEC_NO_DATA;
        snprintf(out->reason, sizeof out->reason, "no data (missing datapoint)");
        return;
    }
    int found;
    if (nhi >= s->m) {
        double breach = v - s->c.scale_out_threshold;
        int adj = find_step(s->c.out, s->c.nout, breach, 1, &found);
        if (!found) {
            snprintf(out->reason, sizeof out->reason, "high alarm, no step holds breach %+g", breach);
            return;
        }
        int want = apply(s, cur - warming, adj);
        if (want > s->max) want = s->max;
        if (want <= cur) {
            out->decision = cur >= s->max ? ASIM_DEC_AT_MAX : ASIM_DEC_HOLD;
            snprintf(out->reason, sizeof out->reason, "high alarm %g >= %g, step %+d: %s", v, s->c.scale_out_threshold,
                     adj, cur >= s->max ? "at maximum" : "covered by warming replicas");
            if (warming && cur < s->max) {
                size_t l = strlen(out->reason);
                snprintf(out->reason + l, sizeof out->reason - l, " (%d)", warming);
            }
            return;
        }
        out->desired = want;
        out->decision = ASIM_DEC_SCALE_UP;
        snprintf(out->reason, sizeof out->reason, "high alarm %g >= %g (%d/%d), step %+d on %d in service -> %d",
                 v, s->c.scale_out_threshold, nhi, s->n, adj, cur - warming, want);
        asim_warmup_add(&s->warm, want - cur);
    } else if (nlo >= s->m) {
        double breach = v - s->c.scale_in_threshold;
        int adj = find_step(s->c.in, s->c.nin, breach, 0, &found);
        if (!found) {
            snprintf(out->reason, sizeof out->reason, "low alarm, no step holds breach %+g", breach);
            return;
        }
        if (warming > 0) {
            out->decision = ASIM_DEC_COOLDOWN;
            snprintf(out->reason, sizeof out->reason, "low alarm %g <= %g: scale-in blocked, %d replica(s) warming up",
                     v, s->c.scale_in_threshold, warming);
            return;
        }
        int want = apply(s, cur, adj);
        if (want < s->min) want = s->min;
        if (want >= cur) {
            out->decision = cur <= s->min ? ASIM_DEC_AT_MIN : ASIM_DEC_HOLD;
            snprintf(out->reason, sizeof out->reason, "low alarm %g <= %g, step %+d: %s", v, s->c.scale_in_threshold,
                     adj, cur <= s->min ? "at minimum" : "no change");
            return;
        }
        out->desired = want;
        out->decision = ASIM_DEC_SCALE_DOWN;
        snprintf(out->reason, sizeof out->reason, "low alarm %g <= %g (%d/%d), step %+d -> %d", v,
                 s->c.scale_in_threshold, nlo, s->n, adj, want);
    } else {
        snprintf(out->reason, sizeof out->reason, "alarms OK (%g; high %d/%d, low %d/%d of %d)", v, nhi, s->m, nlo,
                 s->m, s->n);
    }
}

static void actuated(void *state, asim_time now, int replicas)
{
    ASIM_UNUSED(replicas);
    asim_warmup_done(&((step *)state)->warm, now);
}

static void destroy(void *state)
{
    step *s = state;
    if (!s)
        return;
    asim_pquery_free(&s->q);
    asim_free(s->hi);
    asim_free(s->lo);
    asim_warmup_free(&s->warm);
    asim_free(s);
}

const asim_policy_methods asim_policy_step = {
    .version = ASIM_POLICY_VERSION,
    .name = "step",
    .summary = "AWS step scaling: CloudWatch alarms, step adjustments by breach size, instance warm-up",
    .create = create, .interval = interval, .decide = decide, .actuated = actuated, .destroy = destroy
};
