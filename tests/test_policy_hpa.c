/* test_policy_hpa.c -- the Kubernetes HPA policy, decision by decision, on
 * examples worked by hand from replica_calculator.go, horizontal.go and the
 * Kubernetes docs ("Algorithm details", "Scaling policies"): the tolerance
 * boundary under both tolerance rules, milli-unit integer averages, missing
 * and unready pods, the stabilisation windows with and without a behavior
 * block, the Pods/Percent rate limits (default scale-up from 3 -> 7; the
 * docs' 80 -> 72 -> 64), min/max handling and the Object/External/Resource
 * metric paths. */
#include "check.h"
#include "test_support.h"
#include "models/scenario/config.h"
#include "sim/config/settings.h"
#include "models/scaling/policy.h"
#include "models/scaling/policy_util.h"

static asim_config cfg;
static const asim_policy_methods *pm;

/* A fresh HPA from the defaults plus `sets` (NULL-terminated). */
static void *make(const char *const *sets)
{
    static const char *const base[] = {"scaler.policy=hpa", "scaler.max_replicas=100", NULL};
    return ts_policy(&cfg, "hpa", base, sets, &pm);
}

/* One sync at t seconds: n per-pod values, `ready` ready and `starting`
 * starting replicas (current = ready + starting); metric is the reduced
 * value for Object metrics (the mean of vals when NaN). */
static asim_policy_out sync_at(void *st, double t, const double *vals, size_t n, int ready, int starting,
                               double metric)
{
    asim_promql_elem e[128];
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        e[i] = (asim_promql_elem){NULL, 0, vals[i], NULL, 0};
        sum += vals[i];
    }
    asim_promql_result r = {ASIM_PROMQL_VECTOR, 0, e, n, NULL};
    if (isnan(metric) && n)
        metric = sum / (double)n;
    asim_policy_obs o = {ASIM_SEC(t), metric, &r, NULL, ready + starting, ready, starting};
    asim_policy_out out;
    pm->decide(st, &o, &out);
    return out;
}

/* n pods all reporting v. */
static asim_policy_out uniform(void *st, double t, double v, int n)
{
    double vals[128];
    for (int i = 0; i < n; i++) vals[i] = v;
    return sync_at(st, t, vals, (size_t)n, n, 0, NAN);
}

/* The replicas a fresh HPA with `sets` wants at its first sync (t = 0) of
 * n pods all reporting v. */
static int first_desired(const char *const *sets, double v, int n)
{
    void *st = make(sets);
    int d = uniform(st, 0, v, n).desired;
    pm->destroy(st);
    return d;
}

static void test_milli_values(void)
{
    CHECK(asim_milli_value(0.55) == 550);          /* 0.55*1000 = 550.0000000000001 in binary */
    CHECK(asim_milli_value(0.5501) == 551);        /* MilliValue rounds up */
    CHECK(asim_milli_value(0.0001) == 1);
    CHECK(asim_milli_value(2) == 2000);
    CHECK(asim_milli_value(-0.0015) == -1);        /* ceil of -1.5 */
}

/* 5 pods at 550m against 500m: ratio 550/500 = 1.1.  Kubernetes 1.33+
 * (range rule) holds; earlier releases compute |1 - 1.1| =
 * 0.10000000000000009 > 0.1 and scale to ceil(1.1 x 5) = 6. */
static void test_tolerance_boundary(void)
{
    const char *range[] = {"hpa.target=0.5", NULL};
    void *st = make(range);
    asim_policy_out o = uniform(st, 0, 0.55, 5);
    CHECK(o.desired == 5 && o.decision == ASIM_DEC_HOLD);
    pm->destroy(st);

    const char *abs_rule[] = {"hpa.target=0.5", "hpa.tolerance_rule=abs", NULL};
    st = make(abs_rule);
    o = uniform(st, 0, 0.55, 5);
    CHECK_MSG(o.desired == 6 && o.decision == ASIM_DEC_SCALE_UP, "%d %s", o.desired, o.reason);
    pm->destroy(st);

    /* Just past the boundary both rules scale: 551m -> ratio 1.102 -> ceil(5.51) = 6. */
    CHECK(first_desired(range, 0.551, 5) == 6);

    /* Just inside on the low side: 450m -> 0.9, within; 449m -> ceil(0.898 x 5) = 5, no change either. */
    const char *down[] = {"hpa.target=0.5", "hpa.behavior={\"scaleDown\":{\"stabilizationWindowSeconds\":0}}", NULL};
    st = make(down);
    CHECK(uniform(st, 0, 0.45, 5).desired == 5);
    CHECK(uniform(st, 15, 0.39, 5).desired == 4);  /* 390/500 = 0.78 -> ceil(3.9) = 4 */
    pm->destroy(st);
}

/* Averages are integer milli-units: 550 + 550 + 551 = 1651, / 3 = 550 (not
 * 550.33), so the ratio is exactly 1.1 and within tolerance. */
static void test_integer_average(void)
{
    const char *s[] = {"hpa.target=0.5", NULL};
    void *st = make(s);
    double v[] = {0.55, 0.55, 0.551};
    asim_policy_out o = sync_at(st, 0, v, 3, 3, 0, NAN);
    CHECK_MSG(o.desired == 3, "%d %s", o.desired, o.reason);
    pm->destroy(st);
}

/* Missing metrics: 4 ready pods, 2 report 100m (target 500m): ratio 0.2 ->
 * a scale-down, so the 2 missing count as 500m: (200+1000)/4 = 300 -> 0.6
 * -> ceil(0.6 x 4) = 3 (not ceil(0.2 x 2) = 1).  On a scale-up (2 x 1000m,
 * ratio 2) the missing count as 0: 2000/4 = 500 -> ratio 1 -> hold. */
static void test_missing_metrics(void)
{
    const char *s[] = {"hpa.target=0.5", "hpa.behavior={\"scaleDown\":{\"stabilizationWindowSeconds\":0}}", NULL};
    void *st = make(s);
    double low[] = {0.1, 0.1};
    asim_policy_out o = sync_at(st, 0, low, 2, 4, 0, NAN);
    CHECK_MSG(o.desired == 3 && o.decision == ASIM_DEC_SCALE_DOWN, "%d %s", o.desired, o.reason);
    double high[] = {1.0, 1.0};
    o = sync_at(st, 15, high, 2, 4, 0, NAN);
    CHECK_MSG(o.desired == 4 && o.decision == ASIM_DEC_HOLD, "%d %s", o.desired, o.reason);
    pm->destroy(st);
}

/* Unready (starting) pods count as 0 on a scale-up.  1 ready pod at 600m
 * and 3 starting, target 500m: the raw ratio 1.2 says scale up, but with
 * the 3 unready at 0 it is 600/4 = 150 -> 0.3, the other direction: hold
 * at 4 (uncorrected it would be ceil(1.2 x 1) = 2, a scale-down).  2 ready
 * at 1500m and 2 starting: 3000/4 = 750 -> 1.5 -> ceil(1.5 x 4) = 6. */
static void test_unready_pods(void)
{
    const char *s[] = {"hpa.target=0.5", "hpa.behavior={\"scaleDown\":{\"stabilizationWindowSeconds\":0}}", NULL};
    void *st = make(s);
    double v1[] = {0.6};
    asim_policy_out o = sync_at(st, 0, v1, 1, 1, 3, NAN);
    CHECK_MSG(o.desired == 4 && o.decision == ASIM_DEC_HOLD, "%d %s", o.desired, o.reason);
    double v2[] = {1.5, 1.5};
    o = sync_at(st, 15, v2, 2, 2, 2, NAN);       /* 3000/4 = 750 -> 1.5 x 4 = 6 */
    CHECK_MSG(o.desired == 6, "%d %s", o.desired, o.reason);
    pm->destroy(st);
}

/* Default behavior (an empty block): scale-up from 3 may reach
 * max(3 + 4 Pods, 3 x 2 Percent) = 7 per 15 s. */
static void test_default_scale_up_limit(void)
{
    const char *s[] = {"hpa.target=0.5", "hpa.behavior={}", NULL};
    void *st = make(s);
    asim_policy_out o = uniform(st, 0, 5.0, 3);      /* ratio 10 -> 30 */
    CHECK_MSG(o.desired == 7 && o.decision == ASIM_DEC_SCALE_UP, "%d %s", o.desired, o.reason);
    /* 10 s later the +4 is still inside both 15 s periods: periodStart = 3,
     * limit 7 again, so no further growth. */
    o = uniform(st, 10, 5.0, 7);
    CHECK_MSG(o.desired == 7, "%d %s", o.desired, o.reason);
    /* At 15 s the event is at the cutoff (not after it): periodStart = 7,
     * limit max(11, 14) = 14. */
    o = uniform(st, 15, 5.0, 7);
    CHECK_MSG(o.desired == 14, "%d %s", o.desired, o.reason);
    pm->destroy(st);

    const char *mn[] = {"hpa.target=0.5", "hpa.behavior={\"scaleUp\":{\"selectPolicy\":\"Min\"}}", NULL};
    CHECK(first_desired(mn, 5.0, 3) == 6); /* min(7, 6) */

    const char *off[] = {"hpa.target=0.5", "hpa.behavior={\"scaleUp\":{\"selectPolicy\":\"Disabled\"}}", NULL};
    CHECK(first_desired(off, 5.0, 3) == 3);

    /* No behavior block: at most max(2 x 3, 4) = 6; from 1, max(2, 4) = 4. */
    const char *legacy[] = {"hpa.target=0.5", NULL};
    CHECK(first_desired(legacy, 5.0, 3) == 6);
    CHECK(first_desired(legacy, 5.0, 1) == 4);
}

/* The docs' scale-down example: 80 replicas, Percent 10 per 60 s: 80 -> 72,
 * held at 72 within the minute (periodStart = 72 + 8 = 80), then
 * int32(72 x 0.9) = 64. */
static void test_percent_scale_down(void)
{
    const char *s[] = {"hpa.target=0.5", "hpa.behavior={\"scaleDown\":{\"stabilizationWindowSeconds\":0,"
                       "\"policies\":[{\"type\":\"Percent\",\"value\":10,\"periodSeconds\":60}]}}", NULL};
    void *st = make(s);
    asim_policy_out o = uniform(st, 0, 0.05, 80);    /* ratio 0.1 -> 8 */
    CHECK_MSG(o.desired == 72 && o.decision == ASIM_DEC_SCALE_DOWN, "%d %s", o.desired, o.reason);
    o = uniform(st, 15, 0.05, 72);
    CHECK_MSG(o.desired == 72, "%d %s", o.desired, o.reason);
    o = uniform(st, 45, 0.05, 72);
    CHECK(o.desired == 72);
    o = uniform(st, 60, 0.05, 72);
    CHECK_MSG(o.desired == 64, "%d %s", o.desired, o.reason);
    pm->destroy(st);

    /* Pods 5 per 60 s alongside, selectPolicy Max (the biggest change):
     * min(80 - 5, int(80 x 0.9)) = 72; with Min: max(75, 72) = 75. */
    const char *mn[] = {"hpa.target=0.5", "hpa.behavior={\"scaleDown\":{\"stabilizationWindowSeconds\":0,"
                        "\"selectPolicy\":\"Min\",\"policies\":[{\"type\":\"Percent\",\"value\":10,"
                        "\"periodSeconds\":60},{\"type\":\"Pods\",\"value\":5,\"periodSeconds\":60}]}}", NULL};
    CHECK(first_desired(mn, 0.05, 80) == 75);
}

/* With behavior defaults the scale-down window is 300 s: a recommendation
 * of 8 at t=0 holds the replicas at 8 while every later one says 2, until
 * it is no longer strictly inside the window (t = 300). */
static void test_stabilization_window_behavior(void)
{
    const char *s[] = {"hpa.target=0.5", "hpa.behavior={}", NULL};
    void *st = make(s);
    asim_policy_out o = uniform(st, 0, 1.0, 4);      /* ratio 2 -> 8 (limit 8) */
    CHECK(o.desired == 8);
    for (int t = 15; t < 300; t += 15) {
        o = uniform(st, t, 0.1, 8);                  /* ratio 0.2 -> 2 */
        CHECK_MSG(o.desired == 8 && o.decision == ASIM_DEC_HOLD, "t=%d: %d %s", t, o.desired, o.reason);
    }
    o = uniform(st, 300, 0.1, 8);
    CHECK_MSG(o.desired == 2 && o.decision == ASIM_DEC_SCALE_DOWN, "%d %s", o.desired, o.reason);
    pm->destroy(st);
}

/* Without behavior (normalizeDesiredReplicas) the window includes its
 * cutoff: the 8 of t=0 still counts at t=300 and is gone at t=315.  The
 * controller also seeds the window with the replica count of its first
 * sync, so a scale-down right after start waits 5 minutes too. */
static void test_stabilization_window_legacy(void)
{
    const char *s[] = {"hpa.target=0.5", NULL};
    void *st = make(s);
    CHECK(uniform(st, 0, 1.0, 4).desired == 8);
    CHECK(uniform(st, 15, 0.1, 8).desired == 8);
    CHECK(uniform(st, 300, 0.1, 8).desired == 8);
    asim_policy_out o = uniform(st, 315, 0.1, 8);
    CHECK_MSG(o.desired == 2, "%d %s", o.desired, o.reason);
    pm->destroy(st);

    st = make(s);
    CHECK(uniform(st, 0, 0.1, 4).desired == 4);      /* the initial 4 is in the window */
    CHECK(uniform(st, 285, 0.1, 4).desired == 4);
    CHECK(uniform(st, 315, 0.1, 4).desired == 1);    /* ratio 0.2 x 4 = 0.8 -> 1 */
    pm->destroy(st);
}

/* An upscale window keeps the lowest recent recommendation. */
static void test_scale_up_window(void)
{
    const char *s[] = {"hpa.target=0.5", "hpa.behavior={\"scaleUp\":{\"stabilizationWindowSeconds\":60}}", NULL};
    void *st = make(s);
    CHECK(uniform(st, 0, 0.5, 4).desired == 4);      /* recommendation 4 (within tolerance) */
    asim_policy_out o = uniform(st, 15, 1.0, 4);     /* 8 wanted, but 4 is within 60 s */
    CHECK_MSG(o.desired == 4 && o.decision == ASIM_DEC_HOLD, "%d %s", o.desired, o.reason);
    o = uniform(st, 61, 1.0, 4);                     /* the t=0 4 is out; 15 s said 8 */
    CHECK_MSG(o.desired == 8, "%d %s", o.desired, o.reason);
    pm->destroy(st);
}

static void test_min_max_and_no_data(void)
{
    const char *s[] = {"hpa.target=0.5", "scaler.max_replicas=6", "scaler.min_replicas=2",
                       "container.initial_replicas=2", NULL};
    void *st = make(s);
    asim_policy_out o = sync_at(st, 0, NULL, 0, 8, 0, NAN);     /* above max: to max, metrics unread */
    CHECK(o.desired == 6 && o.decision == ASIM_DEC_SCALE_DOWN);
    o = sync_at(st, 15, NULL, 0, 1, 0, NAN);
    CHECK(o.desired == 2 && o.decision == ASIM_DEC_SCALE_UP);
    o = sync_at(st, 30, NULL, 0, 3, 0, NAN);
    CHECK(o.desired == 3 && o.decision == ASIM_DEC_NO_DATA);
    o = uniform(st, 45, 5.0, 6);
    CHECK(o.desired == 6 && o.decision == ASIM_DEC_AT_MAX);
    o = sync_at(st, 60, NULL, 0, 0, 0, NAN);                    /* 0 replicas, min 2: disabled */
    CHECK(o.desired == 0 && o.decision == ASIM_DEC_HOLD);
    pm->destroy(st);
}

/* Object Value: ratio x ready pods; External AverageValue: ceil(sum / target). */
static void test_object_and_external(void)
{
    const char *obj[] = {"hpa.metric_type=object", "hpa.target_type=value", "hpa.target=0.5", NULL};
    void *st = make(obj);
    asim_policy_out o = sync_at(st, 0, NULL, 0, 2, 0, 1.0);     /* 1000/500 = 2 x 2 ready */
    CHECK_MSG(o.desired == 4, "%d %s", o.desired, o.reason);
    o = sync_at(st, 15, NULL, 0, 4, 0, 1.9);                    /* 3.8 x 4 = 15.2 -> 16, limit max(8, 4) */
    CHECK_MSG(o.desired == 8, "%d %s", o.desired, o.reason);
    pm->destroy(st);

    const char *ext[] = {"hpa.metric_type=external", "hpa.target=0.2", NULL};
    st = make(ext);
    double v[] = {0.3, 0.3, 0.6};                               /* sum 1200m; 1200/(200 x 3) = 2 */
    o = sync_at(st, 0, v, 3, 3, 0, NAN);
    CHECK_MSG(o.desired == 6, "%d %s", o.desired, o.reason);
    pm->destroy(st);
    st = make(ext);
    double w[] = {0.2, 0.2, 0.25};                              /* 650/(200 x 3) = 1.083: within */
    o = sync_at(st, 0, w, 3, 3, 0, NAN);
    CHECK_MSG(o.desired == 3 && strstr(o.reason, "-> 3"), "%d %s", o.desired, o.reason);
    pm->destroy(st);
}

/* CPU utilisation: request 500m, target 60%; 3 pods using 450m each:
 * 1350 x 100 / 1500 = 90% -> 1.5 -> ceil(4.5) = 5.  Integer percent:
 * 3 x 301m = 903 -> 60.2 -> 60 -> ratio 1.0 -> hold. */
static void test_resource_utilization(void)
{
    const char *s[] = {"hpa.metric_type=resource", "hpa.target_type=utilization", "hpa.target=60",
                       "hpa.cpu_request=0.5", NULL};
    CHECK(first_desired(s, 0.45, 3) == 5);
    CHECK(first_desired(s, 0.301, 3) == 3);
}

static void test_settings_errors(void)
{
    asim_config_free(&cfg);
    asim_config_defaults(&cfg);
    asim_err err = {""};
    CHECK(asim_config_set(&cfg, "hpa.behavior={\"scaleUp\":{\"selectPolicy\":\"Maximum\"}}", &err) == ASIM_EINPUT);
    CHECK(strstr(err.msg, "$.hpa.behavior.scaleUp.selectPolicy") != NULL);
    CHECK(asim_config_set(&cfg, "hpa.behavior={\"scaleDown\":{\"policies\":[{\"type\":\"Pods\",\"value\":1,"
                                "\"periodSeconds\":3600}]}}", &err) == ASIM_EINPUT);
    CHECK(strstr(err.msg, "periodSeconds") != NULL);
    CHECK(asim_config_set(&cfg, "hpa.behavior={\"scaleUp\":{\"stabilisationWindowSeconds\":5}}", &err) == ASIM_EINPUT);
    CHECK(strstr(err.msg, "did you mean stabilizationWindowSeconds") != NULL);
    CHECK(asim_config_set(&cfg, "hpa.target_type=utilization", &err) == 0);
    CHECK(asim_config_validate(&cfg, &err) == ASIM_EINPUT);   /* Pods needs average_value */
    CHECK(strstr(err.msg, "$.hpa.target_type") != NULL);
    /* The block round-trips through JSON with the defaults filled in. */
    asim_config_free(&cfg);
    asim_config_defaults(&cfg);
    CHECK(asim_config_set(&cfg, "hpa.behavior={\"scaleDown\":{\"selectPolicy\":\"Min\"}}", &err) == 0);
    char buf[600];
    CHECK(asim_config_get_text(&cfg, "hpa.behavior", buf, sizeof buf) == 0);
    CHECK_MSG(strstr(buf, "\"periodSeconds\":15") && strstr(buf, "\"Min\"") && strstr(buf, "\"value\":4"), "%s", buf);
}

int main(void)
{
    RUN(test_milli_values);
    RUN(test_tolerance_boundary);
    RUN(test_integer_average);
    RUN(test_missing_metrics);
    RUN(test_unready_pods);
    RUN(test_default_scale_up_limit);
    RUN(test_percent_scale_down);
    RUN(test_stabilization_window_behavior);
    RUN(test_stabilization_window_legacy);
    RUN(test_scale_up_window);
    RUN(test_min_max_and_no_data);
    RUN(test_object_and_external);
    RUN(test_resource_utilization);
    RUN(test_settings_errors);
    asim_config_free(&cfg);
    return check_report();
}
