/* test_settings.c -- the settings table: defaults, loading, validation,
 * --set, export.  Expected defaults are the seed's values as listed in
 * issue 2 and the seed's docker-compose/prometheus.yml, not read back from
 * the table. */
#include "sim/config/settings.h"

#include <cJSON.h>
#include <stdlib.h>
#include <unistd.h>
#include "check.h"

static int contains(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

#define CHECK_HAS(msg, needle) CHECK_MSG(contains(msg, needle), "\"%s\" lacks \"%s\"", msg, needle)

/* Load text over defaults; returns rc, message in err. */
static int load(asim_config *cfg, const char *text, asim_err *err)
{
    asim_config_defaults(cfg);
    err->msg[0] = 0;
    return asim_config_load_text(cfg, text, "t.json", err);
}

/* Load + validate; expect failure with both fragments in the message. */
static void expect_fail(const char *text, const char *frag1, const char *frag2)
{
    asim_config c;
    asim_err e;
    int rc = load(&c, text, &e);
    if (rc == 0)
        rc = asim_config_validate(&c, &e);
    CHECK_MSG(rc == ASIM_EINPUT, "no error for %s", text);
    CHECK_HAS(e.msg, "t.json");
    CHECK_HAS(e.msg, frag1);
    if (frag2)
        CHECK_HAS(e.msg, frag2);
    asim_config_free(&c);
}

static void expect_set_fail(const char *assignment, const char *frag1, const char *frag2)
{
    asim_config c;
    asim_err e = {""};
    asim_config_defaults(&c);
    int rc = asim_config_set(&c, assignment, &e);
    CHECK_MSG(rc == ASIM_EINPUT, "no error for --set %s", assignment);
    CHECK_HAS(e.msg, frag1);
    if (frag2)
        CHECK_HAS(e.msg, frag2);
    asim_config_free(&c);
}

static void test_defaults(void)
{
    asim_config c;
    asim_err e;
    asim_config_defaults(&c);
    CHECK_STR(c.scaler.query, "avg_over_time(webapp_response_time_seconds[30s])");
    CHECK(c.scaler.scale_up_threshold == 0.6);
    CHECK(c.scaler.scale_down_threshold == 0.2);
    CHECK(c.scaler.max_replicas == 6 && c.scaler.min_replicas == 1);
    CHECK(c.scaler.check_interval == 10);
    CHECK(c.scaler.scale_up_cooldown == 30 && c.scaler.scale_down_cooldown == 60);
    CHECK(c.scaler.scale_up_breaches == 2 && c.scaler.scale_down_breaches == 3);
    CHECK(c.scaler.scale_up_step == 1 && c.scaler.scale_down_step == 1);
    CHECK(c.scaler.first_check == 0);
    CHECK_STR(c.scaler.policy, "threshold");
    CHECK(c.scaler.reduce == ASIM_REDUCE_AVG);
    CHECK_STR(c.scaler.prometheus_url, "http://prometheus:9090");
    CHECK_STR(c.scaler.service_name, "webapp");
    CHECK(c.prometheus.scrape_interval == 5 && c.prometheus.evaluation_interval == 5);
    CHECK(c.prometheus.refresh_interval == 30 && c.prometheus.lookback_delta == 300);
    CHECK(c.prometheus.discovery_throttle == 5 && c.prometheus.reload_interval == 5);
    CHECK_STR(c.prometheus.job, "webapp");
    CHECK(c.app.workers == 4 && c.app.backlog == 2048 && c.app.port == 8000);
    CHECK(c.app.service.kind == ASIM_DIST_LOGNORMAL && c.app.service.mean == 0.06 && c.app.service.cv == 1.0);
    CHECK(c.app.timeout == 0 && c.app.gauge == ASIM_GAUGE_CURRENT);
    CHECK(c.balancer.policy == ASIM_LB_ROUND_ROBIN);
    CHECK(c.container.initial_replicas == 1 && c.container.drain == ASIM_DRAIN_FINISH);
    CHECK(c.container.start_latency.kind == ASIM_DIST_LOGNORMAL && c.container.start_latency.mean == 3 &&
          c.container.start_latency.cv == 0.3);
    CHECK(c.container.stop_grace_period == 10);
    CHECK_STR(c.container.service_name, "webapp");
    CHECK(c.actuator.latency.kind == ASIM_DIST_LOGNORMAL && c.actuator.latency.mean == 4 &&
          c.actuator.latency.cv == 0.25);
    CHECK(c.actuator.stabilization_wait == 5 && c.actuator.async == 0);
    CHECK(c.duration == 600 && c.seed == 1);
    CHECK_STR(c.start_time, "2024-01-15T10:00:00Z");
    CHECK_STR(c.description, "");
    CHECK(c.traffic.repeat == 0 && c.traffic.rate_multiplier == 1);
    /* load-test.sh with no arguments: 60 s at 50 req/s */
    CHECK(c.traffic.nsegments == 1);
    if (c.traffic.nsegments == 1)
        CHECK(c.traffic.segments[0].duration == 60 && c.traffic.segments[0].from == 50 &&
              c.traffic.segments[0].to == 50);
    CHECK(c.ext.slo.latency == 0.6 && c.ext.slo.price_per_replica_hour == 0.0416);
    /* Defaults alone (with a name) are a valid scenario. */
    snprintf(c.name, sizeof c.name, "x");
    CHECK(asim_config_validate(&c, &e) == 0);
    asim_config_free(&c);
}

/* The ENUM table for distributions must list dist.c's names in enum order. */
static void test_dist_names_agree(void)
{
    asim_config c;
    asim_err e;
    asim_config_defaults(&c);
    for (int k = 0; k <= ASIM_DIST_UNIFORM; k++) {
        char a[128];
        snprintf(a, sizeof a, "app.service_time.distribution=%s", asim_dist_name((asim_dist_kind)k));
        CHECK(asim_config_set(&c, a, &e) == 0);
        CHECK((int)c.app.service.kind == k);
    }
    asim_config_free(&c);
}

static void test_load_overrides(void)
{
    asim_config c;
    asim_err e;
    int rc = load(&c, "{\"name\": \"n1\", \"duration\": 120, \"scaler\": {\"max_replicas\": 3, "
                      "\"reduce\": \"max\"}, \"app\": {\"service_time\": {\"mean\": 0.1}}, "
                      "\"actuator\": {\"async\": true}, \"slo\": {\"latency\": 0.3}}", &e);
    CHECK_MSG(rc == 0, "%s", e.msg);
    CHECK_STR(c.name, "n1");
    CHECK(c.duration == 120 && c.scaler.max_replicas == 3 && c.scaler.reduce == ASIM_REDUCE_MAX);
    CHECK(c.app.service.mean == 0.1);
    CHECK(c.app.service.kind == ASIM_DIST_LOGNORMAL && c.app.service.cv == 1.0);  /* untouched */
    CHECK(c.actuator.async == 1 && c.ext.slo.latency == 0.3);
    CHECK(c.scaler.min_replicas == 1 && c.app.workers == 4);                      /* defaults stay */
    CHECK(asim_config_validate(&c, &e) == 0);
    asim_config_free(&c);
}

static void test_load_file_and_name(void)
{
    char dir[] = "/tmp/asim_test_settings_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/my-scenario.json", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("{\"duration\": 30}\n", f);
    fclose(f);
    asim_config c;
    asim_err e;
    asim_config_defaults(&c);
    CHECK(asim_config_load(&c, path, &e) == 0);
    CHECK_STR(c.name, "my-scenario");
    CHECK_STR(c.source_file, path);
    CHECK(c.duration == 30);
    unlink(path);
    CHECK(asim_config_load(&c, path, &e) == ASIM_EINPUT);
    CHECK_HAS(e.msg, path);
    CHECK_HAS(e.msg, "cannot open");
    CHECK(asim_config_load(&c, dir, &e) == ASIM_EINPUT);   /* a directory */
    CHECK_HAS(e.msg, dir);
    rmdir(dir);
    asim_config_free(&c);
}

static void test_unknown_keys(void)
{
    expect_fail("{\"scaler\": {\"max_replica\": 3}}", "$.scaler.max_replica: unknown setting",
                "did you mean max_replicas?");
    expect_fail("{\"scalr\": {\"max_replicas\": 3}}", "$.scalr: unknown section", "did you mean scaler?");
    /* Right key, wrong section. */
    expect_fail("{\"scaler\": {\"workers\": 3}}", "$.scaler.workers", "did you mean app.workers?");
    /* Nothing close: list what is valid. */
    expect_fail("{\"balancer\": {\"zzzzzzzz\": 1}}", "$.balancer.zzzzzzzz: unknown setting", "valid here: policy");
    expect_fail("{\"app\": {\"service_time\": {\"man\": 1}}}", "$.app.service_time.man", "did you mean mean?");
    expect_fail("{\"duration\": 5, \"duration\": 6}", "$.duration: duplicate key", NULL);
    expect_fail("[1, 2]", "$: expected a JSON object", NULL);
    expect_fail("{\"scaler.max_replicas\": 3}", "$.scaler.max_replicas: dotted keys", "{\"scaler\": {...}}");
}

static void test_wrong_types(void)
{
    expect_fail("{\"scaler\": {\"max_replicas\": \"6\"}}", "$.scaler.max_replicas: expected an integer, got a string", NULL);
    expect_fail("{\"scaler\": {\"max_replicas\": 2.5}}", "$.scaler.max_replicas: expected an integer, got 2.5", NULL);
    expect_fail("{\"duration\": true}", "$.duration: expected a number, got a boolean", NULL);
    expect_fail("{\"actuator\": {\"async\": 1}}", "$.actuator.async: expected true or false, got a number", NULL);
    expect_fail("{\"scaler\": {\"query\": 5}}", "$.scaler.query: expected a string, got a number", NULL);
    expect_fail("{\"balancer\": {\"policy\": \"round-robin\"}}", "$.balancer.policy: unknown value 'round-robin'",
                "did you mean round_robin?");
    expect_fail("{\"scaler\": 5}", "$.scaler: expected an object, got a number", NULL);
    expect_fail("{\"app\": {\"service_time\": \"fast\"}}", "$.app.service_time: expected an object", NULL);
    expect_fail("{\"traffic\": {\"profile\": {}}}", "$.traffic.profile: expected an array", NULL);
    expect_fail("{\"name\": null}", "$.name: expected a string, got null", NULL);
}

static void test_out_of_range(void)
{
    expect_fail("{\"app\": {\"workers\": 0}}", "$.app.workers: 0 is out of range", "between 1 and");
    expect_fail("{\"duration\": -5}", "$.duration: -5 is out of range", "between 0.001 and 1e9");
    expect_fail("{\"duration\": 0}", "$.duration: 0 is out of range", NULL);
    expect_fail("{\"app\": {\"port\": 70000}}", "$.app.port: 70000 is out of range", NULL);
    expect_fail("{\"scaler\": {\"scale_up_cooldown\": -1}}", "$.scaler.scale_up_cooldown", "between 0 and");
    expect_fail("{\"traffic\": {\"rate_multiplier\": -2}}", "$.traffic.rate_multiplier: -2 is out of range", NULL);
    expect_fail("{\"seed\": -1}", "$.seed", NULL);
    expect_fail("{\"duration\": 1e999}", "$.duration", "finite");
    expect_fail("{\"app\": {\"service_time\": {\"mean\": 0}}}", "$.app.service_time.mean: 0 is out of range", NULL);
    expect_fail("{\"name\": \"a/b\"}", "$.name", "output directory");
    expect_fail("{\"start_time\": \"yesterday\"}", "$.start_time", "RFC 3339");
}

static void test_contradictions(void)
{
    expect_fail("{\"scaler\": {\"min_replicas\": 5, \"max_replicas\": 3}}", "$.scaler.min_replicas: 5 is greater",
                "max_replicas (3)");
    expect_fail("{\"scaler\": {\"scale_down_threshold\": 0.6}}", "$.scaler.scale_down_threshold",
                "below $.scaler.scale_up_threshold");
    expect_fail("{\"scaler\": {\"scale_down_threshold\": 0.9, \"scale_up_threshold\": 0.5}}",
                "$.scaler.scale_down_threshold", NULL);
    expect_fail("{\"container\": {\"initial_replicas\": 8}}", "$.container.initial_replicas", "[1, 6]");
    expect_fail("{\"scaler\": {\"min_replicas\": 2}}", "$.container.initial_replicas", NULL);
    /* Distribution parameters that do not fit the family (dist.c's check). */
    expect_fail("{\"app\": {\"service_time\": {\"distribution\": \"lognormal\", \"cv\": 0}}}",
                "$.app.service_time:", "cv");
    expect_fail("{\"actuator\": {\"latency\": {\"distribution\": \"exponential\", \"cv\": 0.5}}}",
                "$.actuator.latency:", "cv");
    expect_fail("{\"scaler\": {\"policy\": \"no-such-policy\"}}", "$.scaler.policy", "no-such-policy");
}

static void test_distributions(void)
{
    asim_config c;
    asim_err e;
    /* A family without cv gets the cv it implies. */
    CHECK(load(&c, "{\"app\": {\"service_time\": {\"distribution\": \"exponential\", \"mean\": 0.05}}}", &e) == 0);
    CHECK(c.app.service.kind == ASIM_DIST_EXPONENTIAL && c.app.service.mean == 0.05 && c.app.service.cv == 1);
    CHECK(asim_config_validate(&c, &e) == 0);
    CHECK(c.app.service.a == 0.05);   /* prepared: exponential's mean parameter */
    asim_config_free(&c);
    CHECK(load(&c, "{\"container\": {\"start_latency\": {\"distribution\": \"deterministic\"}}}", &e) == 0);
    CHECK(c.container.start_latency.cv == 0 && c.container.start_latency.mean == 3);
    CHECK(asim_config_validate(&c, &e) == 0);
    asim_config_free(&c);
    /* A bare number: deterministic. */
    CHECK(load(&c, "{\"actuator\": {\"latency\": 2.5}}", &e) == 0);
    CHECK(c.actuator.latency.kind == ASIM_DIST_DETERMINISTIC && c.actuator.latency.mean == 2.5 &&
          c.actuator.latency.cv == 0);
    asim_config_free(&c);
    /* An explicit cv is kept. */
    CHECK(load(&c, "{\"app\": {\"service_time\": {\"distribution\": \"gamma\", \"cv\": 0.5}}}", &e) == 0);
    CHECK(c.app.service.kind == ASIM_DIST_GAMMA && c.app.service.cv == 0.5 && c.app.service.mean == 0.06);
    asim_config_free(&c);
    expect_fail("{\"app\": {\"service_time\": -1}}", "$.app.service_time: -1 is out of range", NULL);
    expect_fail("{\"app\": {\"service_time\": {\"distribution\": \"normal\"}}}",
                "$.app.service_time.distribution: unknown value 'normal'", "choices: deterministic");
}

static void test_set(void)
{
    asim_config c;
    asim_err e;
    asim_config_defaults(&c);
    CHECK(asim_config_set(&c, "scaler.scale_up_threshold=0.75", &e) == 0 && c.scaler.scale_up_threshold == 0.75);
    CHECK(asim_config_set(&c, "scaler.max_replicas=10", &e) == 0 && c.scaler.max_replicas == 10);
    CHECK(asim_config_set(&c, "seed=18446744073709551615", &e) == 0 && c.seed == UINT64_MAX);
    CHECK(asim_config_set(&c, "actuator.async=true", &e) == 0 && c.actuator.async == 1);
    CHECK(asim_config_set(&c, "actuator.async=0", &e) == 0 && c.actuator.async == 0);
    CHECK(asim_config_set(&c, "description=a b=c", &e) == 0);
    CHECK_STR(c.description, "a b=c");
    CHECK(asim_config_set(&c, "app.response_time_gauge=last_request", &e) == 0 &&
          c.app.gauge == ASIM_GAUGE_LAST_REQUEST);
    CHECK(asim_config_set(&c, "traffic.profile=[{\"type\":\"ramp\",\"duration\":10,\"from\":0,\"to\":20},"
                              "{\"type\":\"spike\",\"duration\":2,\"rate\":100}]", &e) == 0);
    CHECK(c.traffic.nsegments == 2);
    if (c.traffic.nsegments == 2) {
        CHECK(c.traffic.segments[0].kind == ASIM_SEG_RAMP && c.traffic.segments[0].to == 20);
        CHECK(c.traffic.segments[1].kind == ASIM_SEG_SPIKE && c.traffic.segments[1].from == 100);
    }
    /* Dist: bare number, whole object, family alone. */
    CHECK(asim_config_set(&c, "app.service_time=0.02", &e) == 0);
    CHECK(c.app.service.kind == ASIM_DIST_DETERMINISTIC && c.app.service.mean == 0.02);
    CHECK(asim_config_set(&c, "app.service_time={\"distribution\":\"gamma\",\"mean\":0.03,\"cv\":2}", &e) == 0);
    CHECK(c.app.service.kind == ASIM_DIST_GAMMA && c.app.service.mean == 0.03 && c.app.service.cv == 2);
    CHECK(asim_config_set(&c, "container.start_latency.distribution=exponential", &e) == 0);
    CHECK(c.container.start_latency.cv == 1);
    /* A whole section as JSON. */
    CHECK(asim_config_set(&c, "scaler={\"min_replicas\":2,\"max_replicas\":4}", &e) == 0);
    CHECK(c.scaler.min_replicas == 2 && c.scaler.max_replicas == 4);
    CHECK(asim_config_set(&c, "slo.price_per_replica_hour=0.1", &e) == 0 && c.ext.slo.price_per_replica_hour == 0.1);
    asim_config_free(&c);

    expect_set_fail("scaler.max_replicas=abc", "--set: $.scaler.max_replicas: 'abc' is not an integer", NULL);
    expect_set_fail("scaler.max_replicas=1.5", "expected an integer", NULL);
    expect_set_fail("scaler.max_replicas=0", "0 is out of range", NULL);
    expect_set_fail("duration=", "is not a number", NULL);
    expect_set_fail("duration=nan", "finite", NULL);
    expect_set_fail("seed=-3", "not a non-negative integer", NULL);
    expect_set_fail("actuator.async=maybe", "not a boolean", NULL);
    expect_set_fail("balancer.policy=rnd", "unknown value 'rnd'", NULL);
    expect_set_fail("scaler.max_replica=3", "$.scaler.max_replica: unknown setting", "did you mean max_replicas?");
    expect_set_fail("scalr.max_replicas=3", "unknown setting", "did you mean scaler.max_replicas?");
    expect_set_fail("workers=3", "unknown setting", "did you mean app.workers?");
    expect_set_fail("noequals", "expected key.path=value", NULL);
    expect_set_fail("=3", "expected key.path=value", NULL);
    expect_set_fail("traffic.profile=[{]", "$.traffic.profile", "malformed JSON");
    expect_set_fail("scaler=5", "$.scaler", "expected a JSON object");
    expect_set_fail("name=" "0123456789012345678901234567890123456789012345678901234567890123456789"
                    "0123456789012345678901234567890123456789012345678901234567890123456789", "too long", NULL);

    /* A failed --set leaves the config untouched. */
    asim_config_defaults(&c);
    CHECK(asim_config_set(&c, "scaler={\"min_replicas\":3,\"max_replicas\":\"x\"}", &e) == ASIM_EINPUT);
    CHECK(c.scaler.min_replicas == 1 && c.scaler.max_replicas == 6);
    asim_config_free(&c);
}

static void test_profile_errors(void)
{
    expect_fail("{\"traffic\": {\"profile\": [{\"type\": \"constant\", \"duration\": 10, \"rate\": 5},"
                "{\"type\": \"constant\", \"duration\": 10, \"rate\": 5},"
                "{\"type\": \"constant\", \"duration\": 10, \"rate\": -1}]}}",
                "$.traffic.profile[2].rate: -1 is out of range", ">= 0");
    expect_fail("{\"traffic\": {\"profile\": [{\"type\": \"constant\", \"duration\": 10}]}}",
                "$.traffic.profile[0]: missing \"rate\"", NULL);
    expect_fail("{\"traffic\": {\"profile\": [{\"type\": \"constant\", \"duration\": 10, \"rat\": 5}]}}",
                "$.traffic.profile[0].rat: unknown key", "did you mean rate?");
    expect_fail("{\"traffic\": {\"profile\": [{\"type\": \"spik\", \"duration\": 10, \"rate\": 5}]}}",
                "$.traffic.profile[0].type: unknown segment type 'spik'", "did you mean spike?");
    expect_fail("{\"traffic\": {\"profile\": [{\"type\": \"ramp\", \"duration\": 10, \"rate\": 5}]}}",
                "$.traffic.profile[0].rate", "a ramp takes");
    expect_fail("{\"traffic\": {\"profile\": [{\"type\": \"ramp\", \"duration\": 10, \"from\": 5}]}}",
                "$.traffic.profile[0]: missing \"to\"", NULL);
    expect_fail("{\"traffic\": {\"profile\": [{\"type\": \"step\", \"duration\": 0, \"rate\": 5}]}}",
                "$.traffic.profile[0].duration: 0 is out of range", NULL);
    expect_fail("{\"traffic\": {\"profile\": [{\"type\": \"step\", \"duration\": 1, \"rate\": 5, \"to\": 3}]}}",
                "$.traffic.profile[0].to", "only a ramp");
    expect_fail("{\"traffic\": {\"profile\": [5]}}", "$.traffic.profile[0]: expected a segment object", NULL);
    expect_fail("{\"traffic\": {\"profile\": [{\"duration\": 1, \"rate\": 5}]}}",
                "$.traffic.profile[0]: missing \"type\"", NULL);
    expect_fail("{\"traffic\": {\"profile\": [{\"type\": \"step\", \"duration\": \"1\", \"rate\": 5}]}}",
                "$.traffic.profile[0].duration: expected a finite number", NULL);
    /* An empty profile is allowed (no traffic). */
    asim_config c;
    asim_err e;
    CHECK(load(&c, "{\"traffic\": {\"profile\": []}}", &e) == 0 && c.traffic.nsegments == 0);
    asim_config_free(&c);
}

static void test_malformed_json(void)
{
    /* The value is missing where '}' stands: line 3, column 8. */
    expect_fail("{\n  \"duration\": 10,\n  \"x\": }\n", "t.json:3:8: malformed JSON", NULL);
    expect_fail("{\"duration\": 10", "t.json:1:", "malformed JSON");
    expect_fail("", "t.json:1:1: malformed JSON", "empty");
    expect_fail("{} {}", "t.json:1:4: malformed JSON", NULL);  /* trailing text */
}

/* Failed loads leave the config as it was. */
static void test_all_or_nothing(void)
{
    asim_config c;
    asim_err e;
    asim_config_defaults(&c);
    CHECK(asim_config_load_text(&c, "{\"duration\": 50, \"traffic\": {\"profile\": []}, \"scaler\": {\"x\": 1}}",
                                "t.json", &e) == ASIM_EINPUT);
    CHECK(c.duration == 600 && c.traffic.nsegments == 1);
    CHECK_STR(c.source_file, "");
    asim_config_free(&c);
}

/* A setting-by-setting comparison through get_text. */
static int same_settings(const asim_config *a, const asim_config *b)
{
    cJSON *ja = asim_config_to_json(a), *jb = asim_config_to_json(b);
    int same = cJSON_Compare(ja, jb, 1);
    char *ta = cJSON_Print(ja);
    for (const cJSON *sec = ja->child; sec; sec = sec->next) {
        char x[4096], y[4096];
        CHECK(asim_config_get_text(a, sec->string, x, sizeof x) == 0);
        CHECK(asim_config_get_text(b, sec->string, y, sizeof y) == 0);
        if (strcmp(x, y) != 0)
            same = 0;
    }
    cJSON_free(ta);
    cJSON_Delete(ja);
    cJSON_Delete(jb);
    return same;
}

static void test_round_trip(void)
{
    asim_config a, b;
    asim_err e;
    const char *sets[] = {
        "name=rt", "description=quote \" and \\ and ü", "seed=12345678901234567890", "duration=1234.5",
        "traffic.profile=[{\"type\":\"constant\",\"duration\":3,\"rate\":0.1},{\"type\":\"ramp\",\"duration\":7,"
        "\"from\":1e-3,\"to\":123.456789012345678}]",
        "traffic.repeat=true", "traffic.rate_multiplier=0.3",
        "app.service_time={\"distribution\":\"gamma\",\"mean\":0.0123,\"cv\":0.7}", "app.timeout=2.5",
        "app.response_time_gauge=window_mean", "balancer.policy=least_connections",
        "container.drain=requeue", "container.start_latency=1.25", "scaler.reduce=sum",
        "scaler.scale_up_threshold=0.1234567890123", "scaler.scale_down_threshold=-0.5",
        "scaler.query=max(up)", "actuator.async=yes", "slo.latency=0.25",
    };
    asim_config_defaults(&a);
    for (size_t i = 0; i < ASIM_ARRAY_LEN(sets); i++)
        CHECK_MSG(asim_config_set(&a, sets[i], &e) == 0, "%s: %s", sets[i], e.msg);
    cJSON *j = asim_config_to_json(&a);
    /* Every setting appears. */
    CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "scaler"), "first_check") != NULL);
    CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "seed")));  /* beyond 2^53 */
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    /* Load it over defaults different from a's values. */
    asim_config_defaults(&b);
    CHECK_MSG(asim_config_load_text(&b, text, "rt.json", &e) == 0, "%s", e.msg);
    cJSON_free(text);
    CHECK(same_settings(&a, &b));
    CHECK(b.seed == UINT64_C(12345678901234567890));
    CHECK(b.scaler.scale_up_threshold == 0.1234567890123);
    CHECK(b.traffic.nsegments == 2 && b.traffic.segments[1].to == 123.456789012345678);
    CHECK(b.app.service.kind == ASIM_DIST_GAMMA && b.app.service.cv == 0.7);
    CHECK(b.container.start_latency.kind == ASIM_DIST_DETERMINISTIC);
    CHECK_STR(b.description, "quote \" and \\ and ü");
    CHECK(b.actuator.async == 1 && b.ext.slo.latency == 0.25);
    /* And the defaults themselves round-trip. */
    asim_config d;
    asim_config_defaults(&d);
    j = asim_config_to_json(&d);
    text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    CHECK(asim_config_load_text(&b, text, "d.json", &e) == 0);
    cJSON_free(text);
    CHECK(same_settings(&b, &d));
    CHECK(!same_settings(&a, &d));
    asim_config_free(&a);
    asim_config_free(&b);
    asim_config_free(&d);
}

static void test_copy_is_deep(void)
{
    asim_config a, b;
    asim_err e;
    asim_config_defaults(&a);
    asim_config_copy(&b, &a);
    CHECK(b.traffic.segments != a.traffic.segments);
    CHECK(asim_config_set(&b, "traffic.profile=[]", &e) == 0);
    CHECK(a.traffic.nsegments == 1 && a.traffic.segments[0].from == 50);
    asim_config_free(&a);
    asim_config_free(&b);
}

static void test_get_text(void)
{
    asim_config c;
    char buf[256];
    asim_config_defaults(&c);
    static const struct { const char *path, *text; } defaults[] = {
        {"scaler.scale_up_threshold", "0.6"},
        {"balancer.policy", "round_robin"},
        {"scaler.max_replicas", "6"},
        {"actuator.async", "false"},
        {"seed", "1"},
        {"traffic.profile", "[{\"type\":\"constant\",\"duration\":60,\"rate\":50}]"},
        {"app.service_time", "{\"distribution\":\"lognormal\",\"mean\":0.06,\"cv\":1}"},
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        CHECK(asim_config_get_text(&c, defaults[i].path, buf, sizeof buf) == 0);
        CHECK_STR(buf, defaults[i].text);
    }
    CHECK(asim_config_get_text(&c, "scaler.nope", buf, sizeof buf) == ASIM_EINPUT);
    /* Numbers as people write them, and reading back to the same double. */
    asim_err e;
    static const struct { const char *set, *path, *text; } nums[] = {
        {"duration=1e8", "duration", "1e8"},
        {"duration=1234567.25", "duration", "1234567.25"},
        {"slo.price_per_replica_hour=0.00001", "slo.price_per_replica_hour", "1e-5"},
        {"slo.price_per_replica_hour=0.1", "slo.price_per_replica_hour", "0.1"},
        {"scaler.scale_down_threshold=-2.5e-7", "scaler.scale_down_threshold", "-2.5e-7"},
    };
    for (size_t i = 0; i < ASIM_ARRAY_LEN(nums); i++) {
        CHECK(asim_config_set(&c, nums[i].set, &e) == 0);
        CHECK(asim_config_get_text(&c, nums[i].path, buf, sizeof buf) == 0);
        CHECK_STR(buf, nums[i].text);
    }
    CHECK(asim_config_set(&c, "scaler.scale_up_threshold=0.30000000000000004", &e) == 0);
    CHECK(asim_config_get_text(&c, "scaler.scale_up_threshold", buf, sizeof buf) == 0);
    CHECK(strtod(buf, NULL) == 0.30000000000000004 && strtod(buf, NULL) != 0.3);
    CHECK(asim_setting_find("scaler.max_replicas") != NULL);
    CHECK(asim_setting_find("scaler") == NULL);
    asim_config_free(&c);
}

static void test_print(void)
{
    char *md = NULL, *txt = NULL;
    size_t mdn = 0, txtn = 0;
    FILE *f = open_memstream(&md, &mdn);
    asim_settings_print(f, 1);
    fclose(f);
    f = open_memstream(&txt, &txtn);
    asim_settings_print(f, 0);
    fclose(f);
    CHECK(strncmp(md, "| setting | type | default |", 27) == 0);
    CHECK_HAS(md, "| `scaler.scale_up_threshold` | duration | `0.6` |");
    CHECK_HAS(md, "| `app.workers` | integer | `4` | 1 to 100000 |");
    CHECK_HAS(md, "| `balancer.policy` | choice | `round_robin` | round_robin, random, least_connections |");
    CHECK_HAS(md, "`slo.latency`");
    /* One row per setting in the JSON export (with hosts, calls and a
     * service on: optional groups such as hosts.* are left out of the
     * export while all at their defaults, and an empty services list). */
    asim_config c;
    asim_config_defaults(&c);
    asim_err e;
    CHECK(asim_config_set(&c, "hosts.count=1", &e) == 0);
    CHECK(asim_config_set(&c, "calls.fraction=0.5", &e) == 0);
    CHECK(asim_config_set(&c, "services=[{\"name\":\"api\"}]", &e) == 0);
    size_t rows = 0, leaves = 0;
    for (const char *p = md; (p = strstr(p, "\n| `")); p++)
        rows++;
    cJSON *j = asim_config_to_json(&c);
    for (const cJSON *s = j->child; s; s = s->next) {
        if (cJSON_IsObject(s))
            for (const cJSON *t = s->child; t; t = t->next)
                leaves += cJSON_IsObject(t) ? (size_t)cJSON_GetArraySize(t) : 1;
        else
            leaves++;
    }
    CHECK_MSG(rows == leaves, "rows %zu, settings %zu", rows, leaves);
    CHECK_HAS(txt, "scaler.max_replicas");
    cJSON_Delete(j);
    asim_config_free(&c);
    free(md);
    free(txt);
}

static void test_suggest(void)
{
    const char *c[] = {"max_replicas", "min_replicas", "check_interval"};
    CHECK_STR(asim_suggest("max_replica", c, 3), "max_replicas");
    CHECK_STR(asim_suggest("mxa_replicas", c, 3), "max_replicas");   /* transposition */
    CHECK_STR(asim_suggest("check_intervall", c, 3), "check_interval");
    CHECK(asim_suggest("zzz", c, 3) == NULL);
    const char *g[] = {"current", "last_request", "window_mean"};
    CHECK_STR(asim_suggest("last", g, 3), "last_request");     /* abbreviation */
    const char *r[] = {"max_replicas", "max_rate"};
    CHECK(asim_suggest("max", r, 2) == NULL);                  /* ambiguous */
}

/* A validation error about a setting given with --set names --set. */
static void test_blame_set(void)
{
    asim_config c;
    asim_err e;
    asim_config_defaults(&c);
    CHECK(asim_config_load_text(&c, "{\"scaler\": {\"max_replicas\": 3}}", "f.json", &e) == 0);
    const char *sets[] = {"duration=10", "scaler.min_replicas=5"};
    for (size_t i = 0; i < 2; i++)
        CHECK(asim_config_set(&c, sets[i], &e) == 0);
    CHECK(asim_config_validate(&c, &e) == ASIM_EINPUT);
    asim_err_blame_set(&e, &c, sets, 2);
    CHECK_HAS(e.msg, "--set: $.scaler.min_replicas: 5 is greater");
    /* Not from --set: the file keeps the blame. */
    CHECK(asim_config_set(&c, "scaler.min_replicas=1", &e) == 0);
    CHECK(asim_config_set(&c, "scaler.scale_down_threshold=0.7", &e) == 0);
    CHECK(asim_config_validate(&c, &e) == ASIM_EINPUT);
    asim_err_blame_set(&e, &c, sets, 2);
    CHECK_HAS(e.msg, "f.json: $.scaler.scale_down_threshold");
    asim_config_free(&c);
}

/* The bundled scenarios load, validate and carry the seed scripts' loads:
 * requests offered = sum of rate x duration, from the scripts' arguments. */
static double offered(const asim_config *c, double *len)
{
    double n = 0;
    *len = 0;
    for (size_t i = 0; i < c->traffic.nsegments; i++) {
        const asim_segment *g = &c->traffic.segments[i];
        n += (g->from + g->to) / 2 * g->duration;
        *len += g->duration;
    }
    return n;
}

static void test_bundled_scenarios(void)
{
    static const struct { const char *file; double requests, length, duration; } sc[] = {
        {"manual", 60 * 100, 60, 300},                                   /* load-test.sh 60 100 */
        {"spike", 60 * 20 + 10 * 200 + 60 * 20, 100, 300},              /* 60@20 &, +30 s: 10@200, 60@20 */
        {"ramp", 30 * (10 + 20 + 40 + 80 + 160), 5 * 30 + 4 * 10, 600},  /* 30 s each, 10 s pauses */
        {"soak", 3600 * 50, 3600, 3600},                                  /* load-test.sh 3600 50 */
    };
    const char *root = getenv("ASIM_ROOT");
    for (size_t i = 0; i < ASIM_ARRAY_LEN(sc); i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/scenarios/%s.json", root ? root : ".", sc[i].file);
        asim_config c;
        asim_err e;
        asim_config_defaults(&c);
        CHECK_MSG(asim_config_load(&c, path, &e) == 0, "%s", e.msg);
        CHECK_MSG(asim_config_validate(&c, &e) == 0, "%s", e.msg);
        CHECK_STR(c.name, sc[i].file);
        CHECK(c.description[0] != 0);
        double len, n = offered(&c, &len);
        CHECK_NEAR(n, sc[i].requests, 1e-9);
        CHECK_NEAR(len, sc[i].length, 1e-9);
        CHECK(c.duration == sc[i].duration);
        asim_config_free(&c);
    }
}

/* Every setting in seconds takes a Prometheus duration too, from a scenario
 * file (a JSON string) or --set; a plain number still means seconds. */
static void test_durations(void)
{
    asim_config c;
    asim_err e;
    CHECK(load(&c, "{\"duration\": \"1h30m\", \"scaler\": {\"check_interval\": \"500ms\"}}", &e) == 0);
    CHECK(c.duration == 5400 && c.scaler.check_interval == 0.5);
    CHECK(asim_config_set(&c, "duration=2m", &e) == 0 && c.duration == 120);
    CHECK(asim_config_set(&c, "duration=30", &e) == 0 && c.duration == 30);
    CHECK(asim_config_set(&c, "duration=1h30x", &e) == ASIM_EINPUT);
    CHECK(strstr(e.msg, "$.duration") && strstr(e.msg, "1h30x"));
    asim_config_free(&c);
    CHECK(load(&c, "{\"duration\": \"30 s\"}", &e) == ASIM_EINPUT);
    /* not a time: a count stays a number */
    CHECK(asim_config_set(&c, "scaler.max_replicas=2m", &e) == ASIM_EINPUT);
    asim_config_free(&c);
}

int main(void)
{
    RUN(test_defaults);
    RUN(test_durations);
    RUN(test_dist_names_agree);
    RUN(test_load_overrides);
    RUN(test_load_file_and_name);
    RUN(test_unknown_keys);
    RUN(test_wrong_types);
    RUN(test_out_of_range);
    RUN(test_contradictions);
    RUN(test_distributions);
    RUN(test_set);
    RUN(test_profile_errors);
    RUN(test_malformed_json);
    RUN(test_all_or_nothing);
    RUN(test_round_trip);
    RUN(test_copy_is_deep);
    RUN(test_get_text);
    RUN(test_print);
    RUN(test_suggest);
    RUN(test_blame_set);
    RUN(test_bundled_scenarios);
    return check_report();
}
