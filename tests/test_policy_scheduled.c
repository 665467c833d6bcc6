/* test_policy_scheduled.c -- wall-clock floors around another policy.
 * start_time 2024-01-15T10:00:00Z is a Monday (checked against the
 * calendar: 2024-01-01 was a Monday). */
#include "check.h"
#include "test_support.h"
#include "models/scenario/config.h"
#include "sim/config/settings.h"
#include "models/scaling/policy.h"
#include "models/scaling/policy_scheduled.h"

static asim_config cfg;
static const asim_policy_methods *pm;

#define H(x) ((x) * 3600.0)

static void test_wallclock(void)
{
    asim_wallclock w;
    asim_err err;
    int wd;
    double sod;
    CHECK(asim_wallclock_init(&w, "2024-01-15T10:00:00Z", &err) == 0);
    asim_wallclock_local(&w, 0, &wd, &sod);
    CHECK(wd == 1 && sod == 36000);
    asim_wallclock_local(&w, ASIM_SEC(H(14)), &wd, &sod);     /* Tuesday 00:00 */
    CHECK(wd == 2 && sod == 0);
    asim_wallclock_local(&w, ASIM_SEC(H(14 + 24 * 5) + 1.5), &wd, &sod);   /* Sunday 00:00:01.5 */
    CHECK(wd == 0 && sod == 1.5);
    CHECK(asim_wallclock_init(&w, "2024-01-15T10:00:00.25+02:00", &err) == 0);
    asim_wallclock_local(&w, ASIM_SEC(0.75), &wd, &sod);      /* local clock: 10:00:01 */
    CHECK(wd == 1 && sod == 36001);
    CHECK(asim_wallclock_init(&w, "2024-03-01T00:00:00-05:00", &err) == 0);   /* a Friday, leap year */
    asim_wallclock_local(&w, 0, &wd, &sod);
    CHECK(wd == 5 && sod == 0);
    CHECK(asim_wallclock_init(&w, "2024-01-15 10:00", &err) == ASIM_EINPUT);
}

static void *make(const char *const *sets)
{
    static const char *const base[] = {"scaler.policy=scheduled", NULL};
    return ts_policy(&cfg, "scheduled", base, sets, &pm);
}

static asim_policy_out at(void *st, double t, double m, int r)
{
    return ts_decide(pm, st, t, m, r);
}

static int floor_at(double t)
{
    asim_wallclock w;
    asim_err err;
    CHECK(asim_wallclock_init(&w, cfg.start_time, &err) == 0);
    int rule;
    return asim_schedule_floor(&cfg.ext.policies.schedule, &w, ASIM_SEC(t), &rule);
}

/* The seed's example: 09:00-17:00 -> at least 3; the end is exclusive. */
static void test_default_business_hours(void)
{
    void *st = make(NULL);
    CHECK(floor_at(0) == 3);                         /* Monday 10:00 */
    CHECK(floor_at(H(7) - 1) == 3);                  /* 16:59:59 */
    CHECK(floor_at(H(7)) == 0);                      /* 17:00 */
    CHECK(floor_at(H(23)) == 3);                     /* Tuesday 09:00 */
    CHECK(floor_at(H(23) - 0.001) == 0);
    /* With the threshold policy inside: low metric at 1 replica -> 3. */
    asim_policy_out o = at(st, 0, 0.05, 1);
    CHECK_MSG(o.desired == 3 && o.decision == ASIM_DEC_SCALE_UP && strstr(o.reason, "schedule floor 3"),
              "%d %s", o.desired, o.reason);
    /* At 3 the inner policy wants to scale down after 3 low checks: held at 3. */
    at(st, 10, 0.05, 3);
    at(st, 20, 0.05, 3);
    o = at(st, 30, 0.05, 3);
    CHECK_MSG(o.desired == 3 && o.decision == ASIM_DEC_HOLD, "%d %s", o.desired, o.reason);
    /* Above the floor the inner policy rules: 2 high checks -> 4. */
    at(st, 40, 0.9, 3);
    o = at(st, 50, 0.9, 3);
    CHECK(o.desired == 4 && o.decision == ASIM_DEC_SCALE_UP);
    /* After 17:00 the floor is gone: the inner scale-down goes through. */
    at(st, H(7), 0.05, 4);
    at(st, H(7) + 10, 0.05, 4);
    o = at(st, H(7) + 20, 0.05, 4);
    CHECK_MSG(o.desired == 3 && o.decision == ASIM_DEC_SCALE_DOWN, "%d %s", o.desired, o.reason);
    pm->destroy(st);
}

/* Weekdays, overlapping rules (the highest wins) and a rule spanning
 * midnight, which belongs to the day it starts on. */
static void test_days_and_midnight(void)
{
    const char *s[] = {"schedule.rules=[{\"days\":\"Mon-Fri\",\"from\":\"08:00\",\"to\":\"18:00\",\"min_replicas\":2},"
                       "{\"days\":\"Mon\",\"from\":\"11:00\",\"to\":\"12:00\",\"min_replicas\":5},"
                       "{\"days\":\"Fri\",\"from\":\"22:00\",\"to\":\"02:00\",\"min_replicas\":4}]",
                       "scaler.max_replicas=6", NULL};
    void *st = make(s);
    CHECK(floor_at(0) == 2);                         /* Mon 10:00 */
    CHECK(floor_at(H(1.5)) == 5);                    /* Mon 11:30 */
    CHECK(floor_at(H(4 * 24 + 12.5)) == 4);          /* Fri 22:30 */
    CHECK(floor_at(H(4 * 24 + 15.5)) == 4);          /* Sat 01:30 */
    CHECK(floor_at(H(4 * 24 + 16)) == 0);            /* Sat 02:00 */
    CHECK(floor_at(H(5 * 24)) == 0);                 /* Sat 10:00 */
    CHECK(floor_at(H(5 * 24 + 12.5)) == 0);          /* Sat 22:30: only Fridays */
    CHECK(floor_at(H(3 * 24 + 15.5)) == 0);          /* Fri 01:30: Thursday night is not in */
    pm->destroy(st);
}

static void test_wraps_other_policies(void)
{
    const char *s[] = {"schedule.policy=hpa", "hpa.target=0.5", NULL};
    void *st = make(s);
    CHECK(pm->interval(st) == 15);                   /* the HPA's sync period */
    pm->destroy(st);
}

static void test_rule_errors(void)
{
    asim_config_free(&cfg);
    asim_config_defaults(&cfg);
    asim_err err = {""};
    CHECK(asim_config_set(&cfg, "schedule.rules=[{\"days\":\"Mon-Fry\",\"from\":\"09:00\",\"to\":\"17:00\","
                                "\"min_replicas\":3}]", &err) == ASIM_EINPUT);
    CHECK_MSG(strstr(err.msg, "$.schedule.rules[0].days"), "%s", err.msg);
    CHECK(asim_config_set(&cfg, "schedule.rules=[{\"from\":\"9:00\",\"to\":\"17:00\",\"min_replicas\":3}]", &err)
          == ASIM_EINPUT);
    CHECK_MSG(strstr(err.msg, "$.schedule.rules[0].from"), "%s", err.msg);
    CHECK(asim_config_set(&cfg, "schedule.rules=[{\"from\":\"09:00\",\"to\":\"17:00\",\"min_replicas\":30}]", &err)
          == 0);
    CHECK(asim_config_validate(&cfg, &err) == 0);        /* floors unused by the threshold policy */
    CHECK(asim_config_set(&cfg, "scaler.policy=scheduled", &err) == 0);
    CHECK(asim_config_validate(&cfg, &err) == ASIM_EINPUT);
    CHECK_MSG(strstr(err.msg, "above $.scaler.max_replicas"), "%s", err.msg);
    asim_config_free(&cfg);
    asim_config_defaults(&cfg);
    CHECK(asim_config_set(&cfg, "schedule.policy=scheduled", &err) == 0);
    CHECK(asim_config_validate(&cfg, &err) == ASIM_EINPUT);
    CHECK(asim_config_set(&cfg, "schedule.policy=hpaa", &err) == 0);
    CHECK(asim_config_validate(&cfg, &err) == ASIM_EINPUT);
    CHECK_MSG(strstr(err.msg, "unknown policy"), "%s", err.msg);
    /* days round-trip as text */
    asim_config_free(&cfg);
    asim_config_defaults(&cfg);
    CHECK(asim_config_set(&cfg, "schedule.rules=[{\"days\":\"Sat,Sun\",\"from\":\"22:00\",\"to\":\"24:00\","
                                "\"min_replicas\":1}]", &err) == 0);
    char buf[300];
    CHECK(asim_config_get_text(&cfg, "schedule.rules", buf, sizeof buf) == 0);
    CHECK_MSG(strstr(buf, "\"Sun,Sat\"") && strstr(buf, "\"24:00\""), "%s", buf);
}

int main(void)
{
    RUN(test_wallclock);
    RUN(test_default_business_hours);
    RUN(test_days_and_midnight);
    RUN(test_wraps_other_policies);
    RUN(test_rule_errors);
    asim_config_free(&cfg);
    return check_report();
}
