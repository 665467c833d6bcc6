/* test_policy_aws.c -- AWS step scaling and target tracking, decision by
 * decision, on examples worked by hand from the rules in semantics.md C:
 * inclusive/exclusive step bounds above and below the threshold, M of N
 * datapoints, warm-up counting toward capacity and blocking scale-in,
 * percent adjustments with MinAdjustmentMagnitude (AWS's own example:
 * 25 % of 4 with a magnitude of 2 adds 2), and target tracking's
 * proportional rule with fast scale-out and slow scale-in.  Values are
 * binary fractions (0.5, 0.25, ...) so breach sizes are exact. */
#include "check.h"
#include "test_support.h"
#include "models/scenario/config.h"
#include "sim/config/settings.h"
#include "models/scaling/policy.h"

static asim_config cfg;
static const asim_policy_methods *pm;

static void *make(const char *policy, const char *const *sets)
{
    static const char *const base[] = {"scaler.max_replicas=20", NULL};
    return ts_policy(&cfg, policy, base, sets, &pm);
}

/* A datapoint m at t seconds with r replicas (db NULL: the policy reads m);
 * a scaling decision is actuated at once (the replicas are then InService,
 * and warm `warmup` seconds later). */
static asim_policy_out at(void *st, double t, double m, int r)
{
    asim_policy_out out = ts_decide(pm, st, t, m, r);
    if (out.desired != r)
        pm->actuated(st, ASIM_SEC(t), out.desired);
    return out;
}

#define STEPS_OUT "step.scale_out_steps=[{\"lower\":0,\"upper\":0.25,\"adjustment\":1}," \
                  "{\"lower\":0.25,\"upper\":1,\"adjustment\":2},{\"lower\":1,\"adjustment\":3}]"
#define STEPS_IN  "step.scale_in_steps=[{\"lower\":-0.125,\"upper\":0,\"adjustment\":-1}," \
                  "{\"upper\":-0.125,\"adjustment\":-2}]"

/* Above the threshold the lower bound is inclusive and the upper exclusive;
 * below it the other way round. */
static void test_step_bounds(void)
{
    const char *s[] = {"step.scale_out_threshold=0.5", "step.scale_in_threshold=0.25", STEPS_OUT, STEPS_IN,
                       "step.warmup=0", NULL};
    void *st = make("step", s);
    CHECK(at(st, 0, 0.5, 2).desired == 3);            /* breach 0: [0, 0.25) -> +1 */
    CHECK(at(st, 60, 0.75, 2).desired == 4);          /* breach 0.25: [0.25, 1) -> +2 */
    CHECK(at(st, 120, 0.71875, 2).desired == 3);      /* breach 0.21875 -> +1 */
    CHECK(at(st, 180, 1.5, 2).desired == 5);          /* breach 1: [1, inf) -> +3 */
    CHECK(at(st, 240, 0.49, 2).decision == ASIM_DEC_HOLD);
    CHECK(at(st, 300, 0.25, 4).desired == 3);         /* breach 0: (-0.125, 0] -> -1 */
    CHECK(at(st, 360, 0.125, 4).desired == 2);        /* breach -0.125: (-inf, -0.125] -> -2 */
    CHECK(at(st, 420, 0.1875, 4).desired == 3);       /* breach -0.0625 -> -1 */
    asim_policy_out o = at(st, 480, 0.0, 1);
    CHECK(o.desired == 1 && o.decision == ASIM_DEC_AT_MIN);
    o = at(st, 540, 2.0, 20);
    CHECK(o.desired == 20 && o.decision == ASIM_DEC_AT_MAX);
    pm->destroy(st);
}

/* 2 of 3 datapoints; missing datapoints are skipped, not counted. */
static void test_step_m_of_n(void)
{
    const char *s[] = {"step.scale_out_threshold=0.5", "step.evaluation_periods=3", "step.datapoints_to_alarm=2",
                       "step.warmup=0", NULL};
    void *st = make("step", s);
    CHECK(at(st, 0, 0.75, 2).decision == ASIM_DEC_HOLD);      /* 1 of 1 */
    CHECK(at(st, 60, 0.375, 2).decision == ASIM_DEC_HOLD);    /* 1 of 2 */
    asim_policy_out o = at(st, 120, NAN, 2);
    CHECK(o.decision == ASIM_DEC_NO_DATA && o.high_breaches == 1);
    o = at(st, 180, 0.75, 2);                                  /* 2 of 3 */
    CHECK_MSG(o.decision == ASIM_DEC_SCALE_UP && o.desired == 3, "%s", o.reason);
    CHECK(at(st, 240, 0.375, 3).decision == ASIM_DEC_HOLD);   /* window 0.375, 0.75, 0.375: 1 of 3 */
    pm->destroy(st);
}

/* Warm-up: the +1 of t=0 is warming, so the same step again adds nothing;
 * a +3 step adds 3 - 1 = 2 more; scale-in waits until all are warm. */
static void test_step_warmup(void)
{
    const char *s[] = {"step.scale_out_threshold=0.5", "step.scale_in_threshold=0.25", STEPS_OUT, STEPS_IN,
                       "step.warmup=300", NULL};
    void *st = make("step", s);
    CHECK(at(st, 0, 0.5, 2).desired == 3);
    asim_policy_out o = at(st, 60, 0.5, 3);
    CHECK_MSG(o.desired == 3 && o.decision == ASIM_DEC_HOLD, "%s", o.reason);
    o = at(st, 120, 1.5, 3);                                   /* 2 in service + 3 = 5 */
    CHECK_MSG(o.desired == 5, "%d %s", o.desired, o.reason);
    o = at(st, 180, 0.0, 5);
    CHECK_MSG(o.decision == ASIM_DEC_COOLDOWN && o.desired == 5, "%s", o.reason);
    o = at(st, 309, 0.0, 5);                                   /* the first +1 is warm; 2 still warming */
    CHECK(o.decision == ASIM_DEC_COOLDOWN);
    o = at(st, 420, 0.0, 5);                                   /* 300 s after 120 */
    CHECK_MSG(o.decision == ASIM_DEC_SCALE_DOWN && o.desired == 3, "%s", o.reason);
    pm->destroy(st);
}

static void test_step_percent_and_exact(void)
{
    const char *s[] = {"step.adjustment_type=percent_change_in_capacity", "step.scale_out_threshold=0.5",
                       "step.scale_out_steps=[{\"lower\":0,\"adjustment\":50}]",
                       "step.scale_in_steps=[{\"upper\":0,\"adjustment\":-50}]", "step.warmup=0", NULL};
    void *st = make("step", s);
    CHECK(at(st, 0, 0.75, 5).desired == 7);           /* 2.5 -> 2 */
    CHECK(at(st, 60, 0.75, 1).desired == 2);          /* 0.5 -> 1 */
    CHECK(at(st, 120, 0.0, 3).desired == 2);          /* -1.5 -> -1 */
    CHECK(at(st, 180, 0.0, 1).desired == 1);          /* -0.5 -> -1, floored at min 1 */
    pm->destroy(st);

    const char *mag[] = {"step.adjustment_type=percent_change_in_capacity", "step.min_adjustment_magnitude=2",
                         "step.scale_out_steps=[{\"lower\":0,\"adjustment\":25}]",
                         "step.scale_in_steps=[{\"upper\":0,\"adjustment\":-25}]", "step.warmup=0", NULL};
    st = make("step", mag);
    CHECK(at(st, 0, 0.9, 4).desired == 6);            /* 25 % of 4 = 1, magnitude 2 */
    pm->destroy(st);

    const char *ex[] = {"step.adjustment_type=exact_capacity", "step.scale_out_steps=[{\"lower\":0,\"adjustment\":8}]",
                        "step.scale_in_steps=[{\"upper\":0,\"adjustment\":2}]", "step.warmup=0", NULL};
    st = make("step", ex);
    CHECK(at(st, 0, 0.9, 3).desired == 8);
    CHECK(at(st, 60, 0.1, 8).desired == 2);
    pm->destroy(st);
}

static void test_step_validation(void)
{
    asim_config_free(&cfg);
    asim_config_defaults(&cfg);
    asim_err err = {""};
    /* a gap between steps */
    CHECK(asim_config_set(&cfg, "step.scale_out_steps=[{\"lower\":0,\"upper\":0.2,\"adjustment\":1},"
                                "{\"lower\":0.3,\"adjustment\":2}]", &err) == 0);
    CHECK(asim_config_validate(&cfg, &err) == ASIM_EINPUT);
    CHECK_MSG(strstr(err.msg, "$.step.scale_out_steps[1]") && strstr(err.msg, "gaps"), "%s", err.msg);
    asim_config_free(&cfg);
    asim_config_defaults(&cfg);
    CHECK(asim_config_set(&cfg, "step.scale_in_steps=[{\"upper\":0,\"adjustment\":1}]", &err) == 0);
    CHECK(asim_config_validate(&cfg, &err) == ASIM_EINPUT);
    CHECK_MSG(strstr(err.msg, "negative adjustment"), "%s", err.msg);
    CHECK(asim_config_set(&cfg, "step.scale_in_steps=[{\"upper\":0,\"adjustmnt\":-1}]", &err) == ASIM_EINPUT);
    CHECK_MSG(strstr(err.msg, "did you mean adjustment"), "%s", err.msg);
}

/* Target 0.5: three datapoints at 0.75 on 4 replicas -> ceil(4 x 1.5) = 6;
 * while the 2 new ones warm up, the same reading keeps 6 (4 in service x
 * 1.5); 15 datapoints below 0.45 on 6 -> ceil(6 x 0.5) = 3. */
static void test_target_tracking(void)
{
    const char *s[] = {"target_tracking.target_value=0.5", "target_tracking.warmup=150", NULL};
    void *st = make("target_tracking", s);
    CHECK(at(st, 0, 0.75, 4).decision == ASIM_DEC_HOLD);
    CHECK(at(st, 60, 0.75, 4).decision == ASIM_DEC_HOLD);
    asim_policy_out o = at(st, 120, 0.75, 4);
    CHECK_MSG(o.decision == ASIM_DEC_SCALE_UP && o.desired == 6, "%s", o.reason);
    o = at(st, 180, 0.75, 6);
    CHECK_MSG(o.decision == ASIM_DEC_HOLD && o.desired == 6, "%s", o.reason);
    o = at(st, 240, 1.0, 6);                          /* 2 still warming: 4 in service x 2 = 8 */
    CHECK_MSG(o.desired == 8, "%d %s", o.desired, o.reason);
    /* below 0.45 from t=300 on; all warm from 390 on */
    for (int k = 0; k < 14; k++) {
        o = at(st, 300 + 60 * k, 0.25, 8);
        CHECK_MSG(o.desired == 8, "k=%d %s", k, o.reason);
    }
    o = at(st, 300 + 60 * 14, 0.25, 8);
    CHECK_MSG(o.decision == ASIM_DEC_SCALE_DOWN && o.desired == 4, "%s", o.reason);
    o = at(st, 300 + 60 * 15, 0.25, 4);               /* counting starts afresh */
    CHECK(o.decision == ASIM_DEC_HOLD && o.low_breaches == 1);
    /* in the band [0.45, 0.5]: neither */
    o = at(st, 2000, 0.46875, 4);
    CHECK(o.decision == ASIM_DEC_HOLD && o.low_breaches == 0 && o.high_breaches == 0);
    pm->destroy(st);
}

static void test_target_tracking_scale_in_blocked(void)
{
    const char *s[] = {"target_tracking.target_value=0.5", "target_tracking.scale_in_datapoints=2",
                       "target_tracking.scale_out_datapoints=1", "target_tracking.warmup=300", NULL};
    void *st = make("target_tracking", s);
    CHECK(at(st, 0, 1.0, 2).desired == 4);
    at(st, 60, 0.125, 4);
    asim_policy_out o = at(st, 120, 0.125, 4);
    CHECK_MSG(o.decision == ASIM_DEC_COOLDOWN, "%s", o.reason);
    o = at(st, 310, 0.125, 4);
    CHECK_MSG(o.decision == ASIM_DEC_SCALE_DOWN && o.desired == 1, "%s", o.reason);
    pm->destroy(st);

    const char *off[] = {"target_tracking.target_value=0.5", "target_tracking.scale_in_datapoints=1",
                         "target_tracking.disable_scale_in=true", NULL};
    st = make("target_tracking", off);
    CHECK(at(st, 0, 0.125, 4).desired == 4);
    pm->destroy(st);
}

int main(void)
{
    RUN(test_step_bounds);
    RUN(test_step_m_of_n);
    RUN(test_step_warmup);
    RUN(test_step_percent_and_exact);
    RUN(test_step_validation);
    RUN(test_target_tracking);
    RUN(test_target_tracking_scale_in_blocked);
    asim_config_free(&cfg);
    return check_report();
}
