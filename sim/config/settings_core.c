/* settings_core.c -- the core loop's settings: top level, traffic, app,
 * balancer, container, prometheus, scaler and actuator.
 *
 * The defaults are the seed's (../shared/reference): its docker-compose
 * environment for the scaler, its prometheus.yml for scrape and evaluation
 * intervals, Prometheus 2.42's own defaults for discovery and lookback, and
 * `scripts/load-test.sh` with no arguments (60 s at 50 req/s) for traffic.
 * The service-time and latency defaults are ours (the seed's app fakes its
 * latency), chosen so the seed's manual test tells its story: 100 req/s on
 * one replica of 4 workers at 60 ms mean service is 1.5x overload, so the
 * 30 s average climbs past 0.6 s and the scaler adds replicas.
 *
 * The order of the table is the order of --help, the README table and the
 * JSON that asim_config_to_json writes. */
#include "sim/config/settings.h"
#include "sim/engine/timefmt.h"

#include <math.h>
#include <string.h>
#include <cJSON.h>

_Static_assert(sizeof(asim_dist_kind) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_gauge_mode) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_sd_kind) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_reload_model) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_entry_mode) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_arrivals) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_backlog_full) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_metrics_port) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_lb_policy) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_drain_mode) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_reduce) == sizeof(int), "ENUM settings store an int");

/* Index = enum value (config.h, dist.h). */
static const char *const dist_names[] = {"deterministic", "exponential", "lognormal", "gamma", "uniform", NULL};
static const char *const gauge_names[] = {"current", "last_request", "window_mean", "handler", NULL};
static const char *const sd_names[] = {"dns", "file", NULL};
static const char *const reload_model_names[] = {"blocking", "ticker", NULL};
static const char *const entry_names[] = {"dns", "published_port", NULL};
static const char *const arrivals_names[] = {"poisson", "paced", "closed", NULL};
static const char *const backlog_full_names[] = {"syn_drop", "reject", NULL};
static const char *const metrics_port_names[] = {"inband", "sidecar", NULL};
static const char *const lb_names[] = {"round_robin", "random", "least_connections", NULL};
static const char *const drain_names[] = {"finish", "drop", "requeue", NULL};
static const char *const reduce_names[] = {"avg", "max", "min", "sum", NULL};

#define TMAX 1e9                       /* seconds: keeps every time within int64 ns */
#define POS  ASIM_SET_POSITIVE
/* Periods and intervals: the model schedules them in whole milliseconds
 * (phases are drawn modulo the period in ms), so nothing below 1 ms. */
#define PERIOD 0.001
#define INF  ASIM_SET_NOLIMIT
#define FSIZE(fld) sizeof(((asim_config *)0)->fld)

#define NUM(p, fld, d, lo, hi, u, h) { .path = p, .type = ASIM_SET_DOUBLE, \
    .offset = offsetof(asim_config, fld), .size = FSIZE(fld), .def = d, .min = lo, .max = hi, .unit = u, .help = h }
#define INT(p, fld, d, lo, hi, u, h) { .path = p, .type = ASIM_SET_INT, \
    .offset = offsetof(asim_config, fld), .size = FSIZE(fld), .def = d, .min = lo, .max = hi, .unit = u, .help = h }
#define BOOL(p, fld, d, h) { .path = p, .type = ASIM_SET_BOOL, \
    .offset = offsetof(asim_config, fld), .size = FSIZE(fld), .def = d, .unit = "", .help = h }
#define STR(p, fld, d, h) { .path = p, .type = ASIM_SET_STRING, \
    .offset = offsetof(asim_config, fld), .size = FSIZE(fld), .def = d, .unit = "", .help = h }
#define ENUM(p, fld, d, nm, h) { .path = p, .type = ASIM_SET_ENUM, \
    .offset = offsetof(asim_config, fld), .size = FSIZE(fld), .def = d, .names = nm, .unit = "", .help = h }
/* A distribution: three settings under one section (see settings.c). */
#define DIST(p, fld, d, dmean, dcv, what) \
    ENUM(p ".distribution", fld.kind, d, dist_names, what ": distribution family"), \
    NUM(p ".mean", fld.mean, dmean, POS, TMAX, "s", what ": mean"), \
    NUM(p ".cv", fld.cv, dcv, 0, 100, "", what ": coefficient of variation (stddev / mean)")

/* ---- traffic.profile ---------------------------------------------------- */

static int profile_parse(asim_config *cfg, const cJSON *node, const char *jpath, asim_err *err);
static cJSON *profile_json(const asim_config *cfg);

static const char *const seg_keys[] = {"type", "duration", "rate", "from", "to", NULL};

/* A required, finite number >= lo (> 0 when positive). */
static int seg_number(const asim_config *cfg, const cJSON *seg, const char *key, int positive,
                      double *out, const char *jpath, asim_err *err)
{
    char kp[600];
    asim_jpath_key(kp, sizeof kp, jpath, key);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(seg, key);
    if (!n)
        return asim_config_errf(cfg, err, jpath, "missing \"%s\"", key);
    if (!cJSON_IsNumber(n) || !isfinite(n->valuedouble))
        return asim_config_errf(cfg, err, kp, "expected a finite number");
    double v = n->valuedouble;
    if (positive ? !(v > 0 && v <= TMAX) : !(v >= 0))
        return asim_config_errf(cfg, err, kp, "%g is out of range (must be %s)", v,
                                positive ? "> 0 and <= 1e9" : ">= 0");
    *out = v;
    return 0;
}

static int parse_segment(const asim_config *cfg, const cJSON *seg, const char *jp,
                         asim_segment *out, asim_err *err)
{
    if (!cJSON_IsObject(seg))
        return asim_config_errf(cfg, err, jp, "expected a segment object {\"type\", \"duration\", \"rate\"}");
    int rc = asim_json_check_keys(cfg, seg, seg_keys, jp, err);
    if (rc)
        return rc;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(seg, "type");
    char tp[600];
    asim_jpath_key(tp, sizeof tp, jp, "type");
    if (!t)
        return asim_config_errf(cfg, err, jp, "missing \"type\" (constant, step, ramp or spike)");
    if (!cJSON_IsString(t))
        return asim_config_errf(cfg, err, tp, "expected a string (constant, step, ramp or spike)");
    if (asim_seg_parse(t->valuestring, &out->kind) != 0) {
        static const char *const kinds[] = {"constant", "step", "ramp", "spike"};
        const char *sug = asim_suggest(t->valuestring, kinds, 4);
        return asim_config_errf(cfg, err, tp, "unknown segment type '%s' (%s%s%schoices: constant, step, ramp, spike)",
                                t->valuestring, sug ? "did you mean " : "", sug ? sug : "", sug ? "? " : "");
    }
    if ((rc = seg_number(cfg, seg, "duration", 1, &out->duration, jp, err)))
        return rc;
    int ramp = out->kind == ASIM_SEG_RAMP;
    const char *const wrong[] = {ramp ? "rate" : "from", ramp ? NULL : "to"};
    for (size_t i = 0; i < 2; i++)
        if (wrong[i] && cJSON_GetObjectItemCaseSensitive(seg, wrong[i])) {
            char kp[600];
            asim_jpath_key(kp, sizeof kp, jp, wrong[i]);
            return asim_config_errf(cfg, err, kp, ramp ? "a ramp takes \"from\" and \"to\", not \"rate\""
                                                       : "only a ramp takes \"from\" and \"to\"; use \"rate\"");
        }
    if (ramp) {
        if ((rc = seg_number(cfg, seg, "from", 0, &out->from, jp, err)) ||
            (rc = seg_number(cfg, seg, "to", 0, &out->to, jp, err)))
            return rc;
    } else {
        if ((rc = seg_number(cfg, seg, "rate", 0, &out->from, jp, err)))
            return rc;
        out->to = out->from;
    }
    return 0;
}

static int profile_parse(asim_config *cfg, const cJSON *node, const char *jpath, asim_err *err)
{
    if (!cJSON_IsArray(node))
        return asim_config_errf(cfg, err, jpath,
                                "expected an array of segments like [{\"type\": \"constant\", \"duration\": 60, \"rate\": 50}]");
    size_t n = (size_t)cJSON_GetArraySize(node), i = 0;
    asim_segment *segs = asim_calloc(n ? n : 1, sizeof *segs);
    for (const cJSON *seg = node->child; seg; seg = seg->next, i++) {
        char jp[600];
        asim_jpath_index(jp, sizeof jp, jpath, i);
        int rc = parse_segment(cfg, seg, jp, &segs[i], err);
        if (rc) {
            asim_free(segs);
            return rc;
        }
    }
    asim_free(cfg->traffic.segments);
    cfg->traffic.segments = segs;
    cfg->traffic.nsegments = n;
    return 0;
}

static cJSON *profile_json(const asim_config *cfg)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < cfg->traffic.nsegments; i++) {
        const asim_segment *s = &cfg->traffic.segments[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", asim_seg_name(s->kind));
        cJSON_AddNumberToObject(o, "duration", s->duration);
        if (s->kind == ASIM_SEG_RAMP) {
            cJSON_AddNumberToObject(o, "from", s->from);
            cJSON_AddNumberToObject(o, "to", s->to);
        } else
            cJSON_AddNumberToObject(o, "rate", s->from);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static void core_free(asim_config *cfg)
{
    asim_free(cfg->traffic.segments);
    cfg->traffic.segments = NULL;
    cfg->traffic.nsegments = 0;
}

static void core_copy(asim_config *dst, const asim_config *src)
{
    size_t n = src->traffic.nsegments;
    dst->traffic.segments = asim_malloc((n ? n : 1) * sizeof *dst->traffic.segments);
    if (n)
        memcpy(dst->traffic.segments, src->traffic.segments, n * sizeof *dst->traffic.segments);
}

/* ---- cross-field checks --------------------------------------------------- */

/* RFC 3339 from 1970 on: the scaler log's timestamps are computed from it. */
static int rfc3339_ok(const char *s)
{
    asim_instant in;
    return asim_rfc3339_parse(s, strlen(s), 0, &in) == 0 && in.sec + in.tz >= 0;
}

static int name_ok(const char *s)
{
    if (!*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    for (; *s; s++)
        if (*s == '/' || (unsigned char)*s < 0x20)
            return 0;
    return 1;
}

static int service_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

static int core_validate(asim_config *cfg, asim_err *err)
{
    const asim_scaler_cfg *sc = &cfg->scaler;
    struct { asim_dist *d; const char *path; } dists[] = {
        {&cfg->app.service, "$.app.service_time"},
        {&cfg->traffic.think, "$.traffic.think_time"},
        {&cfg->container.start_latency, "$.container.start_latency"},
        {&cfg->actuator.latency, "$.actuator.latency"},
    };
    for (size_t i = 0; i < ASIM_ARRAY_LEN(dists); i++) {
        asim_err derr;
        if (asim_dist_prepare(dists[i].d, &derr) != 0)
            return asim_config_errf(cfg, err, dists[i].path, "%s", derr.msg);
    }
    if (!cfg->name[0])      /* loaded from text or defaults only: no file to name it */
        snprintf(cfg->name, sizeof cfg->name, "scenario");
    if (!name_ok(cfg->name))
        return asim_config_errf(cfg, err, "$.name",
                                "'%s' cannot name an output directory (empty, '.', '..', or contains '/')", cfg->name);
    if (!rfc3339_ok(cfg->start_time))
        return asim_config_errf(cfg, err, "$.start_time",
                                "'%s' is not an RFC 3339 time like 2024-01-15T10:00:00Z", cfg->start_time);
    if (!service_ok(cfg->container.service_name))
        return asim_config_errf(cfg, err, "$.container.service_name",
                                "'%s' is not a compose service name (letters, digits, '_', '-', '.')",
                                cfg->container.service_name);
    if (!*sc->query)
        return asim_config_errf(cfg, err, "$.scaler.query", "empty query");
    if (sc->min_replicas > sc->max_replicas)
        return asim_config_errf(cfg, err, "$.scaler.min_replicas",
                                "%d is greater than $.scaler.max_replicas (%d)", sc->min_replicas, sc->max_replicas);
    if (cfg->container.initial_replicas < sc->min_replicas || cfg->container.initial_replicas > sc->max_replicas)
        return asim_config_errf(cfg, err, "$.container.initial_replicas",
                                "%d is outside [$.scaler.min_replicas, $.scaler.max_replicas] = [%d, %d]",
                                cfg->container.initial_replicas, sc->min_replicas, sc->max_replicas);
    if (!(sc->scale_down_threshold < sc->scale_up_threshold))
        return asim_config_errf(cfg, err, "$.scaler.scale_down_threshold",
                                "%g must be below $.scaler.scale_up_threshold (%g)",
                                sc->scale_down_threshold, sc->scale_up_threshold);
    if (cfg->prometheus.lookback_delta < cfg->prometheus.scrape_interval)
        return asim_config_errf(cfg, err, "$.prometheus.lookback_delta",
                                "%g s is shorter than $.prometheus.scrape_interval (%g s): instant queries would miss samples",
                                cfg->prometheus.lookback_delta, cfg->prometheus.scrape_interval);
    if (cfg->prometheus.scrape_timeout > cfg->prometheus.scrape_interval)
        return asim_config_errf(cfg, err, "$.prometheus.scrape_timeout",
                                "%g s is greater than $.prometheus.scrape_interval (%g s); Prometheus rejects this too",
                                cfg->prometheus.scrape_timeout, cfg->prometheus.scrape_interval);
    return 0;
}

/* ---- the table -------------------------------------------------------------- */

static const asim_setting core_table[] = {
    STR("name", name, "", "Scenario name: names the output directory results/NAME/ (default: the file name without .json)"),
    STR("description", description, "", "Free text: what the scenario mimics"),
    NUM("duration", duration, "600", PERIOD, TMAX, "s", "Simulated time to run"),
    { .path = "seed", .type = ASIM_SET_U64, .offset = offsetof(asim_config, seed), .size = sizeof(uint64_t),
      .def = "1", .min = 0, .max = INF, .unit = "",
      .help = "Seed of every random stream (--seed overrides it); same seed, same output bytes" },
    STR("start_time", start_time, "2024-01-15T10:00:00Z", "Wall-clock time of t=0 (RFC 3339), for scaler.log timestamps"),

    { .path = "traffic.profile", .type = ASIM_SET_CUSTOM, .def = "[{\"type\":\"constant\",\"duration\":60,\"rate\":50}]",
      .unit = "req/s", .parse = profile_parse, .to_json = profile_json,
      .help = "Request-rate profile: segments laid end to end, {\"type\": constant|step|spike, \"duration\": s, "
              "\"rate\": r} or {\"type\": \"ramp\", \"duration\": s, \"from\": a, \"to\": b}; rate 0 after the last "
              "(default: the seed's `load-test.sh` with no arguments, 60 s at 50 req/s)" },
    BOOL("traffic.repeat", traffic.repeat, "false", "Loop the profile forever instead of stopping after its last segment"),
    NUM("traffic.rate_multiplier", traffic.rate_multiplier, "1", 0, INF, "", "Multiplies every rate of the profile"),
    ENUM("traffic.arrivals", traffic.arrivals, "poisson", arrivals_names,
         "How the profile's requests are spaced: poisson (independent users), paced (a sleep loop such as the "
         "seed's load-test.sh: gaps of exactly 1/rate, the first request at once), closed (traffic.clients "
         "clients each sending its next request when the last one returned, after a think time: ab -c N)"),
    NUM("traffic.jitter", traffic.jitter, "0", 0, 1, "",
        "paced: each gap is 1/rate times 1 + jitter * U(-1, 1) (the loop's own timing noise)"),
    INT("traffic.clients", traffic.clients, "10", 1, 10000000, "",
        "closed: clients, each with one request in flight (ab -c N); they send from t=0 until the profile ends"),
    DIST("traffic.think_time", traffic.think, "exponential", "1", "1",
         "closed: a client's pause between a request's return and its next send (ab: none, use a tiny mean)"),

    INT("app.workers", app.workers, "4", 1, 100000, "", "Requests one replica serves concurrently (gunicorn workers)"),
    INT("app.backlog", app.backlog, "2048", 0, 100000000, "",
        "Requests queued per replica beyond the workers (gunicorn --backlog); more are rejected"),
    ENUM("app.backlog_full", app.backlog_full, "syn_drop", backlog_full_names,
         "A connection arriving to a full backlog: syn_drop (Linux drops its SYN and the client retransmits it "
         "after 1, 2, 4, ... s: served late, see client.*) or reject (refused at once, as a proxy answering 503)"),
    DIST("app.service_time", app.service, "lognormal", "0.06", "1", "Service demand of one request"),
    NUM("app.timeout", app.timeout, "0", 0, TMAX, "s",
        "Client timeout: a request not completed by then counts as timed out (0: none)"),
    ENUM("app.response_time_gauge", app.gauge, "current", gauge_names,
         "Meaning of webapp_response_time_seconds: current (what a request arriving now would see), "
         "last_request (latency of the last completed request; freezes without traffic), "
         "window_mean (mean latency of requests completed since the last scrape), "
         "handler (service time of the last completed request, no queueing: an app timing its own handler)"),
    INT("app.port", app.port, "8000", 1, 65535, "", "Port in the instance label (webapp-1:8000)"),
    NUM("app.cpu_idle_floor", app.cpu_idle_floor, "0.01", 0, 1, "CPU",
        "CPU a replica uses with no request in service, as a fraction of one CPU "
        "(container_cpu_usage_seconds_total adds busy workers / workers to it)"),
    ENUM("app.metrics_port", app.metrics_port, "inband", metrics_port_names,
         "Where /metrics is served: inband (a Flask route on the app port, as the seed's app: a scrape waits in "
         "the same backlog as the requests and can time out) or sidecar (a separate listener: scrapes never wait)"),
    NUM("app.metrics_service_time", app.metrics_service, "0.003", 0, TMAX, "s",
        "Worker time one in-band /metrics request takes (prometheus_client generate_latest under Flask)"),

    INT("client.syn_retries", client.syn_retries, "6", 0, 30, "",
        "SYN retransmissions before connect() gives up (net.ipv4.tcp_syn_retries; Linux default 6: 127 s)"),
    NUM("client.connect_timeout", client.connect_timeout, "300", POS, TMAX, "s",
        "Client connect timeout (curl's default 300 s; the kernel's SYN retries usually end first)"),

    ENUM("balancer.policy", balancer.policy, "round_robin", lb_names,
         "How requests are spread over ready replicas (round_robin is Docker's embedded DNS)"),
    ENUM("balancer.mode", balancer.mode, "dns", entry_names,
         "Where the load connects: dns (the service name; balancer.policy spreads it) or published_port (one "
         "host port such as the seed's localhost:8000: compose publishes a port range, one host port per "
         "container, so all load reaches the container holding that port, the oldest; new replicas get none)"),

    INT("container.initial_replicas", container.initial_replicas, "1", 0, 10000, "", "Replicas ready at t=0"),
    DIST("container.start_latency", container.start_latency, "lognormal", "3", "0.3", "Container start: created to ready"),
    ENUM("container.drain", container.drain, "finish", drain_names,
         "What a replica being removed does with its backlog: finish it, drop it (rejected), or requeue it to the balancer"),
    NUM("container.stop_grace_period", container.stop_grace_period, "10", 0, TMAX, "s",
        "docker stop: requests still running this long after a scale-down are killed"),
    STR("container.service_name", container.service_name, "webapp", "Compose service; replicas are named NAME-1, NAME-2, ..."),

    NUM("prometheus.scrape_interval", prometheus.scrape_interval, "5", PERIOD, TMAX, "s", "Scrape interval (the seed's prometheus.yml)"),
    NUM("prometheus.evaluation_interval", prometheus.evaluation_interval, "5", PERIOD, TMAX, "s", "Alert rule evaluation interval"),
    NUM("prometheus.refresh_interval", prometheus.refresh_interval, "30", PERIOD, TMAX, "s",
        "DNS service discovery refresh interval (Prometheus default)"),
    ENUM("prometheus.sd", prometheus.sd, "dns", sd_names,
         "How Prometheus finds the replicas: dns (dns_sd_configs on the service name, re-resolved every "
         "refresh_interval) or file (file_sd_configs kept up to date with the running containers and watched: "
         "a change reaches the discovery manager at once)"),
    ENUM("prometheus.reload_model", prometheus.reload_model, "blocking", reload_model_names,
         "Scrape manager reloader: blocking (Prometheus 2.42 scrape/manager.go: on a tick it waits for the next "
         "target update and applies it at once, so updates apply on the discovery manager's tick) or ticker "
         "(an update waits for the reloader's own next tick, independently phased)"),
    NUM("prometheus.discovery_throttle", prometheus.discovery_throttle, "5", PERIOD, TMAX, "s",
        "Discovery manager sends target updates at most this often"),
    NUM("prometheus.reload_interval", prometheus.reload_interval, "5", PERIOD, TMAX, "s",
        "Scrape manager applies new targets at most this often"),
    NUM("prometheus.lookback_delta", prometheus.lookback_delta, "300", PERIOD, TMAX, "s", "Instant-vector lookback (query.lookback-delta)"),
    NUM("prometheus.scrape_timeout", prometheus.scrape_timeout, "0", 0, TMAX, "s",
        "Scrape timeout; 0: Prometheus's default, min(10 s, scrape_interval); above scrape_interval is an error "
        "as in Prometheus"),
    STR("prometheus.job", prometheus.job, "webapp", "Scrape job name (the job label)"),

    STR("scaler.policy", scaler.policy, "threshold", "Scaling policy: threshold (the seed's), hpa, step, target_tracking, predictive, scheduled, cpu (doc/policies.md)"),
    STR("scaler.query", scaler.query, "avg_over_time(webapp_response_time_seconds[30s])",
        "PromQL evaluated at each check (PROMETHEUS_QUERY)"),
    ENUM("scaler.reduce", scaler.reduce, "avg", reduce_names, "How the query's series become one number"),
    STR("scaler.prometheus_url", scaler.prometheus_url, "http://prometheus:9090", "PROMETHEUS_URL (for logs)"),
    STR("scaler.service_name", scaler.service_name, "webapp", "SERVICE_NAME (for logs)"),
    NUM("scaler.scale_up_threshold", scaler.scale_up_threshold, "0.6", -INF, INF, "s",
        "SCALE_UP_THRESHOLD: a check counts as high when the metric is above this"),
    NUM("scaler.scale_down_threshold", scaler.scale_down_threshold, "0.2", -INF, INF, "s",
        "SCALE_DOWN_THRESHOLD: a check counts as low when the metric is below this"),
    INT("scaler.max_replicas", scaler.max_replicas, "6", 1, 10000, "", "MAX_REPLICAS"),
    INT("scaler.min_replicas", scaler.min_replicas, "1", 0, 10000, "", "MIN_REPLICAS"),
    NUM("scaler.check_interval", scaler.check_interval, "10", PERIOD, TMAX, "s",
        "CHECK_INTERVAL: sleep after each check (a check that ran the playbook starts the sleep after it)"),
    NUM("scaler.scale_up_cooldown", scaler.scale_up_cooldown, "30", 0, TMAX, "s",
        "SCALE_UP_COOLDOWN: no scale-up until this long after the last scaling action finished"),
    NUM("scaler.scale_down_cooldown", scaler.scale_down_cooldown, "60", 0, TMAX, "s",
        "SCALE_DOWN_COOLDOWN: no scale-down until this long after the last scaling action finished"),
    INT("scaler.scale_up_breaches", scaler.scale_up_breaches, "2", 1, 1000000, "", "Consecutive high checks before scaling up"),
    INT("scaler.scale_down_breaches", scaler.scale_down_breaches, "3", 1, 1000000, "", "Consecutive low checks before scaling down"),
    INT("scaler.scale_up_step", scaler.scale_up_step, "1", 1, 10000, "", "Replicas added per scale-up"),
    INT("scaler.scale_down_step", scaler.scale_down_step, "1", 1, 10000, "", "Replicas removed per scale-down"),
    NUM("scaler.first_check", scaler.first_check, "0", 0, TMAX, "s", "Time of the first check"),

    DIST("actuator.latency", actuator.latency, "lognormal", "4", "0.25",
         "Playbook run until `docker compose up --scale` has applied"),
    NUM("actuator.stabilization_wait", actuator.stabilization_wait, "5", 0, TMAX, "s",
        "The playbook's wait after compose, before it returns"),
    BOOL("actuator.async", actuator.async, "false",
         "Run the playbook in the background (the seed runs it synchronously, blocking the scaler loop)"),
    { .path = NULL },
};

const asim_settings_group asim_settings_core = {
    .table = core_table,
    .count = ASIM_ARRAY_LEN(core_table) - 1,
    .validate = core_validate,
    .free_owned = core_free,
    .copy_owned = core_copy,
};
