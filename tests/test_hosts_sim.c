/* test_hosts_sim.c -- shared hosts inside a whole run (hosts.*, container.cpu_*):
 *  - hosts that are never saturated recover the model without hosts
 *    exactly: every summary metric bit for bit, start-up and playbook on
 *    the CPU too;
 *  - a saturated host slows the replicas (latency up, utilisation 1);
 *  - a CPU limit throttles (cpu_throttled_periods > 0) and costs latency;
 *  - settings: a limit without hosts is an error naming its JSON path, and
 *    the optional settings stay out of the settings JSON while all at their defaults. */
#include "check.h"

#include <cjson/cJSON.h>
#include "sim/config/settings.h"
#include "sim/run/simulate.h"

/* The seed's defaults at 100 req/s for 60 s (1.5x one replica: the scaler
 * adds replicas), then idle until 180 s. */
static void scenario(asim_config *cfg, const char *const *sets, size_t n)
{
    static const char *const base[] = {
        "traffic.profile=[{\"type\":\"constant\",\"duration\":60,\"rate\":100}]", "duration=3m"
    };
    asim_err err;
    asim_config_defaults(cfg);
    CHECK(asim_config_set_all(cfg, base, ASIM_ARRAY_LEN(base), &err) == 0);
    CHECK_MSG(asim_config_set_all(cfg, sets, n, &err) == 0, "%s", err.msg);
    CHECK_MSG(asim_config_validate(cfg, &err) == 0, "%s", err.msg);
}

/* A summary metric; NaN when absent, which fails every comparison below. */
static double get(const asim_summary *s, const char *name)
{
    int found = 0;
    double v = asim_summary_get(s, name, &found);
    return found ? v : NAN;
}

static void run(const char *const *sets, size_t n, asim_summary *s)
{
    asim_config cfg;
    asim_err err;
    scenario(&cfg, sets, n);
    asim_summary_init(s, "t", 1);
    CHECK_MSG(asim_simulate(&cfg, 1, NULL, 0, s, NULL, &err) == 0, "%s", err.msg);
    asim_config_free(&cfg);
}

static void test_unsaturated_hosts_recover_the_model(void)
{
    asim_summary plain, hosted;
    run(NULL, 0, &plain);
    static const char *const sets[] = { "hosts.count=3", "hosts.cores=64", "hosts.startup_cpu=true",
                                         "hosts.playbook_cpu=true" };
    run(sets, ASIM_ARRAY_LEN(sets), &hosted);
    CHECK(get(&plain, "scale_ups") > 0);      /* the run does exercise scaling */
    int same = 1;
    for (size_t i = 0; i < plain.n; i++) {
        int found = 0;
        double v = asim_summary_get(&hosted, plain.m[i].name, &found);
        int eq = found && (memcmp(&v, &plain.m[i].value, sizeof v) == 0 ||
                           (isnan(v) && isnan(plain.m[i].value)));
        if (!eq) fprintf(stderr, "  %s: %.17g vs %.17g\n", plain.m[i].name, plain.m[i].value, v);
        same &= eq;
    }
    CHECK(same);
    CHECK(get(&hosted, "host_cpu_utilisation_max") < 0.2);
    CHECK(get(&hosted, "host_saturated_seconds") == 0);
}

static void test_saturated_host_slows_replicas(void)
{
    asim_summary plain, one_core;
    run(NULL, 0, &plain);
    static const char *const sets[] = { "hosts.count=1", "hosts.cores=1" };
    run(sets, ASIM_ARRAY_LEN(sets), &one_core);
    /* 100 req/s x 60 ms = 6 cores of work on 1 core */
    CHECK(get(&one_core, "latency_mean") > 2 * get(&plain, "latency_mean"));
    CHECK(get(&one_core, "host_cpu_utilisation_max") > 0.999);
    CHECK(get(&one_core, "host_saturated_seconds") >= 55);
    CHECK(get(&one_core, "host_cpu_utilisation_mean") <= 1.0 + 1e-9);
}

static void test_cpu_limit_throttles(void)
{
    asim_summary free_, limited;
    static const char *const a[] = { "hosts.count=1", "hosts.cores=16" };
    static const char *const b[] = { "hosts.count=1", "hosts.cores=16", "container.cpu_limit=1" };
    run(a, ASIM_ARRAY_LEN(a), &free_);
    run(b, ASIM_ARRAY_LEN(b), &limited);
    CHECK(get(&free_, "cpu_throttled_periods") == 0);   /* present, and zero */
    CHECK(get(&limited, "cpu_throttled_periods") > 0);
    CHECK(get(&limited, "latency_mean") > get(&free_, "latency_mean"));
}

static void test_settings(void)
{
    asim_config cfg;
    asim_err err;
    asim_config_defaults(&cfg);
    CHECK(asim_config_set(&cfg, "container.cpu_limit=0.5", &err) == 0);
    CHECK(asim_config_validate(&cfg, &err) != 0);
    CHECK(strstr(err.msg, "$.container.cpu_limit") && strstr(err.msg, "hosts.count"));
    asim_config_free(&cfg);
    /* at defaults the host settings are left out of the JSON; set, they appear */
    asim_config_defaults(&cfg);
    cJSON *j = asim_config_to_json(&cfg);
    CHECK(!cJSON_GetObjectItemCaseSensitive(j, "hosts"));
    CHECK(!cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "container"), "cpu_limit"));
    cJSON_Delete(j);
    CHECK(asim_config_set(&cfg, "hosts.count=2", &err) == 0);
    CHECK(asim_config_set(&cfg, "hosts.placement=pack", &err) == 0);
    CHECK(asim_config_set(&cfg, "hosts.cpu_limit_model=bogus", &err) != 0);
    j = asim_config_to_json(&cfg);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "hosts");
    CHECK(h && cJSON_GetObjectItemCaseSensitive(h, "count") &&
          cJSON_GetObjectItemCaseSensitive(h, "count")->valuedouble == 2);
    CHECK(h && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(h, "placement")));
    CHECK(h && cJSON_GetObjectItemCaseSensitive(h, "cores"));    /* the whole group, defaults too */
    CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "container"), "cpu_period"));
    cJSON_Delete(j);
    asim_config_free(&cfg);
}

/* ---- services and calls ----------------------------------------------- */

static const char *const API =
    "services=[{\"name\":\"api\",\"traffic\":{\"profile\":[{\"type\":\"constant\",\"duration\":180,\"rate\":0}]},"
    "\"app\":{\"service_time\":{\"mean\":0.04}}}]";

static void test_idle_service_changes_nothing(void)
{
    /* Without hosts the services do not interact and draw from streams of
     * their own: with its query scoped to its job, the first service's
     * metrics are the same bit for bit.  The default alert rules match every
     * job, so the alert metrics may differ; and so does an unscoped query,
     * which averages both services' gauges (the shared-TSDB pitfall). */
    static const char *const scoped =
        "scaler.query=avg_over_time(webapp_response_time_seconds{job=\"webapp\"}[30s])";
    asim_summary plain, two, unscoped;
    const char *const a[] = { scoped };
    const char *const b[] = { scoped, API };
    const char *const c[] = { API };
    run(a, 1, &plain);
    run(b, 2, &two);
    run(c, 1, &unscoped);
    int same = 1;
    for (size_t i = 0; i < plain.n; i++) {
        if (strncmp(plain.m[i].name, "alert_", 6) == 0) continue;
        double v = get(&two, plain.m[i].name);
        int eq = memcmp(&v, &plain.m[i].value, sizeof v) == 0 || (isnan(v) && isnan(plain.m[i].value));
        if (!eq) fprintf(stderr, "  %s: %.17g vs %.17g\n", plain.m[i].name, plain.m[i].value, v);
        same &= eq;
    }
    CHECK(same);
    CHECK(get(&two, "service.api.requests") == 0);
    /* api's idle gauge (40 ms) pulls the unscoped average down */
    CHECK(get(&unscoped, "seconds_above_scale_up_threshold") < get(&plain, "seconds_above_scale_up_threshold"));
}

static void test_calls_add_the_dependency_latency(void)
{
    /* 10 req/s: no queueing in webapp; half the requests call api after
     * their CPU work, so webapp's mean latency grows by (calls / requests)
     * x api's mean latency, and api serves exactly the calls. */
    static const char *const light = "traffic.profile=[{\"type\":\"constant\",\"duration\":120,\"rate\":10}]";
    asim_summary alone, calling;
    const char *const a[] = { light, API };
    const char *const b[] = { light, API, "calls.service=api", "calls.fraction=0.5" };
    run(a, 2, &alone);
    run(b, 4, &calling);
    double n = get(&calling, "requests"), calls = get(&calling, "service.api.requests");
    CHECK(calls > 0.45 * n && calls < 0.55 * n);
    CHECK(get(&calling, "service.api.completed") == calls);
    double added = get(&calling, "latency_mean") - get(&alone, "latency_mean");
    double expect = calls / n * get(&calling, "service.api.latency_mean");
    CHECK_REL(added, expect, 0.1);
    CHECK(get(&alone, "service.api.requests") == 0);
}

static void test_calls_settings(void)
{
    asim_config cfg;
    asim_err err;
    static const char *const bad[][2] = {
        { "calls.service=nope", "no service named" },
        { "calls.service=webapp", "cannot call itself" },
    };
    for (size_t k = 0; k < ASIM_ARRAY_LEN(bad); k++) {
        asim_config_defaults(&cfg);
        CHECK(asim_config_set(&cfg, API, &err) == 0);
        CHECK(asim_config_set(&cfg, bad[k][0], &err) == 0);
        CHECK(asim_config_validate(&cfg, &err) != 0);
        CHECK_MSG(strstr(err.msg, bad[k][1]) && strstr(err.msg, "$.calls.service"), "%s", err.msg);
        asim_config_free(&cfg);
    }
    asim_config_defaults(&cfg);
    CHECK(asim_config_set(&cfg, "services=[{\"name\":\"api\",\"scaler\":{\"max_replica\":3}}]", &err) == 0);
    CHECK(asim_config_validate(&cfg, &err) != 0);
    CHECK_MSG(strstr(err.msg, "$.services[0].scaler.max_replica") && strstr(err.msg, "service api"), "%s", err.msg);
    asim_config_free(&cfg);
}

int main(void)
{
    RUN(test_unsaturated_hosts_recover_the_model);
    RUN(test_saturated_host_slows_replicas);
    RUN(test_cpu_limit_throttles);
    RUN(test_settings);
    RUN(test_idle_service_changes_nothing);
    RUN(test_calls_add_the_dependency_latency);
    RUN(test_calls_settings);
    return check_report();
}
