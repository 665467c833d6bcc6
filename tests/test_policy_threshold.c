/* test_policy_threshold.c -- the seed policy's decision table, worked by
 * hand from the flowchart and the "The seed policy, exactly". */
#include "check.h"
#include "test_support.h"
#include "models/scenario/config.h"
#include "sim/config/settings.h"
#include "models/scaling/policy.h"

static asim_config cfg;
static const asim_policy_methods *pm;

static void *fresh(void)
{
    return ts_policy(&cfg, "threshold", NULL, NULL, &pm);
}

/* One check at t seconds with metric m and r replicas. */
static asim_policy_out step(void *st, double t, double m, int r)
{
    return ts_decide(pm, st, t, m, r);
}

static void test_two_breaches_scale_up(void)
{
    void *st = fresh();
    asim_policy_out o = step(st, 0, 0.7, 1);
    CHECK(o.decision == ASIM_DEC_HOLD && o.desired == 1 && o.high_breaches == 1);
    o = step(st, 10, 0.7, 1);
    CHECK(o.decision == ASIM_DEC_SCALE_UP && o.desired == 2);
    CHECK(o.high_breaches == 0);                /* reset after scaling */
    pm->destroy(st);
}

static void test_strict_comparisons(void)
{
    void *st = fresh();
    /* exactly at the thresholds is "within": counters reset */
    CHECK(step(st, 0, 0.6, 1).decision == ASIM_DEC_HOLD);
    CHECK(step(st, 10, 0.6, 1).decision == ASIM_DEC_HOLD);
    CHECK(step(st, 20, 0.2, 2).decision == ASIM_DEC_HOLD);
    CHECK(step(st, 30, 0.2, 2).decision == ASIM_DEC_HOLD);
    CHECK(step(st, 40, 0.2, 2).decision == ASIM_DEC_HOLD);
    pm->destroy(st);
}

static void test_reset_between_breaches(void)
{
    void *st = fresh();
    step(st, 0, 0.7, 1);
    asim_policy_out o = step(st, 10, 0.4, 1);      /* within: reset */
    CHECK(o.high_breaches == 0 && o.low_breaches == 0);
    CHECK(step(st, 20, 0.7, 1).decision == ASIM_DEC_HOLD);   /* breach 1 again */
    CHECK(step(st, 30, 0.1, 1).low_breaches == 1);           /* low resets high */
    CHECK(step(st, 40, 0.7, 1).decision == ASIM_DEC_HOLD);
    CHECK(step(st, 50, 0.7, 1).decision == ASIM_DEC_SCALE_UP);
    pm->destroy(st);
}

static void test_three_low_breaches_scale_down(void)
{
    void *st = fresh();
    CHECK(step(st, 0, 0.1, 3).decision == ASIM_DEC_HOLD);
    CHECK(step(st, 10, 0.1, 3).decision == ASIM_DEC_HOLD);
    asim_policy_out o = step(st, 20, 0.1, 3);
    CHECK(o.decision == ASIM_DEC_SCALE_DOWN && o.desired == 2);
    pm->destroy(st);
}

static void test_cooldown_from_actuation_end(void)
{
    void *st = fresh();
    step(st, 0, 0.7, 1);
    CHECK(step(st, 10, 0.7, 1).decision == ASIM_DEC_SCALE_UP);
    pm->actuated(st, ASIM_SEC(19), 2);             /* playbook returned at 19 s */
    step(st, 29, 0.7, 2);
    asim_policy_out o = step(st, 39, 0.7, 2);      /* 20 s after: < 30 s up cooldown */
    CHECK(o.decision == ASIM_DEC_COOLDOWN && o.desired == 2);
    CHECK(o.high_breaches == 2);                   /* counter not reset by cooldown */
    o = step(st, 48.999, 0.7, 2);                  /* 29.999 s: still cooldown */
    CHECK(o.decision == ASIM_DEC_COOLDOWN);
    o = step(st, 49, 0.7, 2);                      /* exactly 30 s: cooldown passed */
    CHECK(o.decision == ASIM_DEC_SCALE_UP && o.desired == 3);
    pm->destroy(st);
}

static void test_down_cooldown_counts_any_direction(void)
{
    void *st = fresh();
    step(st, 0, 0.7, 1);
    step(st, 10, 0.7, 1);
    pm->actuated(st, ASIM_SEC(20), 2);
    step(st, 30, 0.1, 2);
    step(st, 40, 0.1, 2);
    CHECK(step(st, 50, 0.1, 2).decision == ASIM_DEC_COOLDOWN);  /* 30 s < 60 s */
    CHECK(step(st, 80, 0.1, 2).decision == ASIM_DEC_SCALE_DOWN); /* 60 s */
    pm->destroy(st);
}

static void test_at_max_and_min(void)
{
    void *st = fresh();
    step(st, 0, 0.9, 6);
    asim_policy_out o = step(st, 10, 0.9, 6);
    CHECK(o.decision == ASIM_DEC_AT_MAX && o.desired == 6);
    CHECK(step(st, 20, 0.9, 6).decision == ASIM_DEC_AT_MAX);    /* keeps reporting */
    step(st, 30, 0.05, 1);
    step(st, 40, 0.05, 1);
    CHECK(step(st, 50, 0.05, 1).decision == ASIM_DEC_AT_MIN);
    pm->destroy(st);
}

static void test_no_data_keeps_counters(void)
{
    void *st = fresh();
    step(st, 0, 0.7, 1);
    asim_policy_out o = step(st, 10, NAN, 1);
    CHECK(o.decision == ASIM_DEC_NO_DATA && o.desired == 1 && o.high_breaches == 1);
    CHECK(step(st, 20, 0.7, 1).decision == ASIM_DEC_SCALE_UP);
    pm->destroy(st);
}

static void test_settings_step_and_breaches(void)
{
    static const char *const sets[] = {"scaler.scale_up_breaches=1", "scaler.scale_up_step=2",
                                       "scaler.max_replicas=4", NULL};
    void *st = ts_policy(&cfg, "threshold", NULL, sets, &pm);
    CHECK(step(st, 0, 0.7, 1).desired == 3);
    CHECK(step(st, 100, 0.7, 3).desired == 4);     /* clamped to max */
    pm->destroy(st);
}

int main(void)
{
    RUN(test_two_breaches_scale_up);
    RUN(test_strict_comparisons);
    RUN(test_reset_between_breaches);
    RUN(test_three_low_breaches_scale_down);
    RUN(test_cooldown_from_actuation_end);
    RUN(test_down_cooldown_counts_any_direction);
    RUN(test_at_max_and_min);
    RUN(test_no_data_keeps_counters);
    RUN(test_settings_step_and_breaches);
    asim_config_free(&cfg);
    return check_report();
}
