/* config.h -- a scenario, fully resolved: every setting with its value.
 *
 * The struct is filled with the seed's defaults by asim_config_defaults (the
 * settings table in settings.c is the one place defaults live), then
 * overridden by the scenario file and --set.  After asim_config_validate the
 * simulation core may trust every field.
 *
 * Plain data: strings are fixed-size arrays so most of the struct copies with
 * =; the few owned arrays (traffic segments, alert rules, ...) are deep-copied
 * by asim_config_copy and released by asim_config_free. */
#ifndef ASIM_CONFIG_H
#define ASIM_CONFIG_H

#include "sim/engine/common.h"
#include "sim/engine/dist.h"
#include "models/stack/traffic.h"
#include "models/scenario/ext_config.h"

#define ASIM_NAME_MAX  128
#define ASIM_QUERY_MAX 1024

typedef enum asim_gauge_mode {
    ASIM_GAUGE_CURRENT, ASIM_GAUGE_LAST_REQUEST, ASIM_GAUGE_WINDOW_MEAN, ASIM_GAUGE_HANDLER
} asim_gauge_mode;

/* Where /metrics is served (app.metrics_port). */
typedef enum asim_metrics_port {
    ASIM_METRICS_INBAND,    /* a Flask route on the app port: scrapes queue with requests */
    ASIM_METRICS_SIDECAR    /* a separate listener: scrapes never wait */
} asim_metrics_port;

typedef enum asim_lb_policy {
    ASIM_LB_ROUND_ROBIN, ASIM_LB_RANDOM, ASIM_LB_LEAST_CONNECTIONS
} asim_lb_policy;

typedef enum asim_drain_mode {
    ASIM_DRAIN_FINISH,      /* a draining replica serves its backlog too */
    ASIM_DRAIN_DROP,        /* its backlog is dropped (counted as rejected) */
    ASIM_DRAIN_REQUEUE      /* its backlog goes back to the balancer */
} asim_drain_mode;

typedef enum asim_reduce {
    ASIM_REDUCE_AVG, ASIM_REDUCE_MAX, ASIM_REDUCE_MIN, ASIM_REDUCE_SUM
} asim_reduce;

/* What a full accept queue does to a new connection (app.backlog_full). */
typedef enum asim_backlog_full {
    ASIM_BACKLOG_SYN_DROP,  /* Linux drops the SYN; the client retransmits it 1, 2, 4, ... s later */
    ASIM_BACKLOG_REJECT     /* refused at once (a proxy in front answers 503) */
} asim_backlog_full;

typedef struct asim_app_cfg {
    int workers;                  /* gunicorn workers: concurrent requests */
    int backlog;                  /* queued requests beyond workers; overflow rejected */
    asim_dist service;            /* service demand of one request, seconds */
    double timeout;               /* client timeout, seconds; 0 = none */
    asim_gauge_mode gauge;        /* meaning of webapp_response_time_seconds */
    int port;                     /* for instance labels, "webapp-1:8000" */
    double cpu_idle_floor;        /* CPU fraction used with no request in service */
    asim_backlog_full backlog_full;
    asim_metrics_port metrics_port;
    double metrics_service;       /* s, service time of one /metrics request (in-band) */
} asim_app_cfg;

/* The load generator's TCP client (curl in the seed's load-test.sh). */
typedef struct asim_client_cfg {
    int syn_retries;              /* net.ipv4.tcp_syn_retries */
    double connect_timeout;       /* s, curl --connect-timeout */
} asim_client_cfg;

/* Where the load generator connects (balancer.mode). */
typedef enum asim_entry_mode {
    ASIM_ENTRY_DNS,           /* the service name: Docker's DNS spreads clients (balancer.policy) */
    ASIM_ENTRY_PUBLISHED_PORT /* one host port (localhost:8000): the one container publishing it */
} asim_entry_mode;

typedef struct asim_balancer_cfg {
    asim_lb_policy policy;
    asim_entry_mode mode;
} asim_balancer_cfg;

typedef struct asim_container_cfg {
    int initial_replicas;
    asim_dist start_latency;      /* created -> ready */
    asim_drain_mode drain;
    double stop_grace_period;     /* docker stop: SIGKILL after this, seconds */
    char service_name[ASIM_NAME_MAX];  /* compose service, names replicas NAME-k */
} asim_container_cfg;

/* Service discovery of the webapp's replicas (prometheus.sd). */
typedef enum asim_sd_kind {
    ASIM_SD_DNS,            /* dns_sd_configs: resolved every refresh_interval */
    ASIM_SD_FILE            /* file_sd_configs, watched: a change is read at once */
} asim_sd_kind;

/* How the scrape manager's reload ticker applies discovered targets. */
typedef enum asim_reload_model {
    ASIM_RELOAD_BLOCKING,   /* 2.42's reloader: after a tick it waits for the next update */
    ASIM_RELOAD_TICKER      /* an update waits for the next tick of an independent ticker */
} asim_reload_model;

typedef struct asim_prometheus_cfg {
    double scrape_interval;       /* s */
    double evaluation_interval;   /* s, alert rules */
    double refresh_interval;      /* s, DNS service discovery */
    double discovery_throttle;    /* s, discovery manager update period */
    double reload_interval;       /* s, scrape manager applies targets */
    double lookback_delta;        /* s */
    double scrape_timeout;        /* s, 0 = Prometheus's default min(10 s, scrape_interval) */
    asim_sd_kind sd;
    asim_reload_model reload_model;
    char job[ASIM_NAME_MAX];
} asim_prometheus_cfg;

typedef struct asim_scaler_cfg {
    char policy[ASIM_NAME_MAX];        /* "threshold" (the seed's), others in policy.h */
    char query[ASIM_QUERY_MAX];        /* PromQL, evaluated at each check */
    asim_reduce reduce;                /* how the result vector becomes one number */
    char prometheus_url[ASIM_NAME_MAX];
    char service_name[ASIM_NAME_MAX];
    double scale_up_threshold;
    double scale_down_threshold;
    int max_replicas;
    int min_replicas;
    double check_interval;             /* s, sleep after each check */
    double scale_up_cooldown;          /* s */
    double scale_down_cooldown;        /* s */
    int scale_up_breaches;             /* consecutive checks above, default 2 */
    int scale_down_breaches;           /* consecutive checks below, default 3 */
    int scale_up_step;
    int scale_down_step;
    double first_check;                /* s from start of the first check */
} asim_scaler_cfg;

typedef struct asim_actuator_cfg {
    asim_dist latency;                 /* playbook start -> compose applied */
    double stabilization_wait;         /* s, the playbook's wait after compose */
    int async;                         /* 1: the scaler loop does not block */
} asim_actuator_cfg;

typedef struct asim_config {
    char name[ASIM_NAME_MAX];
    char description[512];
    char source_file[1024];            /* where it was loaded from, for messages */
    double duration;                   /* simulated seconds */
    uint64_t seed;
    char start_time[64];               /* RFC 3339 wall-clock of t=0, for logs */
    asim_traffic_cfg traffic;
    asim_app_cfg app;
    asim_client_cfg client;
    asim_balancer_cfg balancer;
    asim_container_cfg container;
    asim_prometheus_cfg prometheus;
    asim_scaler_cfg scaler;
    asim_actuator_cfg actuator;
    asim_ext_cfg ext;                  /* later features' settings (ext_config.h) */
} asim_config;

/* Fill err with "<cfg->source_file>: <jpath>: <message>" and return
 * ASIM_EINPUT.  For the settings layer's parsers and validate hooks, and for models
 * checking their part of the scenario, so every
 * message names the file (or "--set") and the JSON path the same way. */
int asim_config_errf(const asim_config *cfg, asim_err *err, const char *jpath,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
