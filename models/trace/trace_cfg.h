/* trace_cfg.h -- settings of the trace feature (part of asim_ext_cfg):
 * recorded traffic (traces), request classes and the seed's /load/... events.
 * Owned by that feature; filled by its settings table (sim/config/settings_trace.c),
 * turned into arrival sources by models/stack/sources.c.
 *
 * Plain data like the rest of asim_config: fixed-size strings, and three owned
 * arrays (traces, classes, load events) deep-copied by the group's copy hook. */
#ifndef ASIM_TRACE_CFG_H
#define ASIM_TRACE_CFG_H

#include <stddef.h>
#include <stdint.h>
#include "sim/engine/dist.h"

#define ASIM_TRACE_NAME_MAX  64
#define ASIM_TRACE_PATH_MAX  1024
#define ASIM_TRACE_COL_MAX   64
#define ASIM_TRACE_REGEX_MAX 256
#define ASIM_TRACE_MAX       16      /* traces per scenario */
#define ASIM_CLASS_MAX       16      /* user classes per scenario (class 0 is extra) */
#define ASIM_LOAD_EVENTS_MAX 256

typedef enum asim_trace_format {
    ASIM_TRACE_AUTO,          /* detect from the file's first line */
    ASIM_TRACE_TIMESTAMPS,    /* CSV, one request per row */
    ASIM_TRACE_COUNTS,        /* CSV timestamp,count: requests in [t_i, t_i+1) */
    ASIM_TRACE_RATES,         /* CSV timestamp,rate: req/s at t_i */
    ASIM_TRACE_ACCESS_LOG,    /* Common / Combined Log Format */
    ASIM_TRACE_PROMETHEUS,    /* query_range JSON, series summed, read as a rate */
    ASIM_TRACE_NGINX_JSON,    /* one JSON object per line: nginx log_format escape=json, ingress-nginx */
    ASIM_TRACE_GCP_LB,        /* Google Cloud HTTP(S) load balancer: Cloud Logging LogEntry per line */
    ASIM_TRACE_ALB,           /* AWS Application Load Balancer access log (space-separated) */
    ASIM_TRACE_JTL,           /* JMeter results CSV (timeStamp,elapsed,label,responseCode,...) */
    ASIM_TRACE_K6,            /* k6 options JSON: stages (ramping VUs or ramping-arrival-rate) */
    ASIM_TRACE_LOCUST         /* Locust LoadTestShape-style stages JSON */
} asim_trace_format;

enum { ASIM_ONERR_INHERIT = -1, ASIM_ONERR_FAIL = 0, ASIM_ONERR_SKIP = 1 };
enum { ASIM_INTERP_CONSTANT = 0, ASIM_INTERP_LINEAR = 1 };
enum { ASIM_LOGFMT_AUTO = 0, ASIM_LOGFMT_COMMON = 1, ASIM_LOGFMT_COMBINED = 2 };
enum { ASIM_HEADER_AUTO = 0, ASIM_HEADER_YES = 1, ASIM_HEADER_NO = 2 };
enum { ASIM_SPEEDUP_KEEP_RATE = 0, ASIM_SPEEDUP_SCALE_RATE = 1 };
enum { ASIM_PROFILE_REPLACE = 0, ASIM_PROFILE_ADD = 1 };
/* Unit of a latency field; AUTO = the format's own (doc/traces.md). */
enum { ASIM_LATU_AUTO = 0, ASIM_LATU_S = 1, ASIM_LATU_MS = 2, ASIM_LATU_US = 3 };

#define ASIM_TRACE_FILTER_MAX 256

/* Which requests of a request trace are replayed (every non-empty test must
 * hold).  A filter on a field the format does not carry is a config error. */
typedef struct asim_trace_filter {
    char status[ASIM_TRACE_FILTER_MAX];      /* "200-399,404", "2xx,3xx", "!5xx"; "" = any */
    char path[ASIM_TRACE_FILTER_MAX];        /* RE2, the whole path (query string included) */
    char method[ASIM_TRACE_FILTER_MAX];      /* "GET,POST" (case-sensitive, as logged) */
    char user_agent[ASIM_TRACE_FILTER_MAX];  /* RE2, the whole user agent */
} asim_trace_filter;
/* How several traces share the run's clock: on their absolute timestamps
 * (the earliest record plays first, a log that began 3.5 min later plays 3.5
 * min later), or each from its own start. */
enum { ASIM_ALIGN_ABSOLUTE = 0, ASIM_ALIGN_START = 1 };

/* A window bound as the user wrote it. */
typedef enum asim_when_kind {
    ASIM_WHEN_NONE,           /* unbounded */
    ASIM_WHEN_REL,            /* seconds after the trace's first timestamp */
    ASIM_WHEN_ABS,            /* an RFC 3339 instant */
    ASIM_WHEN_TOD             /* "HH:MM[:SS]": that time of day on the first
                                 timestamp's day, in its UTC offset */
} asim_when_kind;

typedef struct asim_trace_when {
    asim_when_kind kind;
    double sec;               /* REL: seconds; TOD: seconds after midnight */
    int64_t abs_ns;           /* ABS: ns since the Unix epoch */
} asim_trace_when;

/* One trace of the scenario ("traces": [...]).  Transformations apply in the
 * order listed: window, speed-up, offset, multiplier and thinning, looping. */
typedef struct asim_trace_spec {
    char name[ASIM_TRACE_NAME_MAX];      /* unique; names its random streams */
    char path[ASIM_TRACE_PATH_MAX];      /* relative to the scenario's directory */
    asim_trace_format format;
    int on_error;                        /* ASIM_ONERR_*; INHERIT = trace.on_error */
    /* CSV formats */
    char delimiter;                      /* ',' */
    int header;                          /* ASIM_HEADER_* */
    char time_column[ASIM_TRACE_COL_MAX];   /* header name or 1-based index; "" = 1 */
    char value_column[ASIM_TRACE_COL_MAX];  /* counts/rates; "" = 2 */
    char class_column[ASIM_TRACE_COL_MAX];  /* timestamps: a path or class name; "" = none */
    int64_t time_unit_ns;                /* numeric timestamps: ns per unit (1e9 = s) */
    /* access logs */
    int log_format;                      /* ASIM_LOGFMT_* */
    /* rate traces (counts, rates, prometheus) */
    int interpolation;                   /* ASIM_INTERP_* */
    double interval;                     /* s: length of a lone/last interval; 0 = previous one's */
    /* request traces (timestamps, access logs) */
    double resolution;                   /* s: a timestamp stands for [t, t+res) and its
                                            requests are spread uniformly; <0 = by format */
    double reorder_window;               /* s: sort records up to this late; <0 = trace.reorder_window */
    double max_skip_fraction;            /* on_error=skip: more skipped lines than this share
                                            of the lines read is an error; <0 = trace.max_skip_fraction */
    double copy_shift;                   /* s: max time shift of the extra copies made
                                            when the rate is multiplied by more than 1 */
    /* transformations */
    asim_trace_when window_from, window_to;
    double speedup;                      /* time compression factor (1 = real time) */
    int speedup_rate;                    /* ASIM_SPEEDUP_*: keep the rate or scale it */
    double offset;                       /* sim s at which the window's start plays */
    double multiplier;                   /* rate factor (3 = three times the traffic) */
    double thin;                         /* keep probability in (0, 1] */
    int loop;                            /* 1: replay again when the window ends */
    double duration;                     /* sim s the trace plays; 0 = until it ends */
    char cls[ASIM_TRACE_NAME_MAX];       /* every request is of this class ("" = by path/shares) */
    /* real-world inputs (doc/traces.md) */
    asim_trace_filter filter;            /* request traces: which requests to replay */
    char latency_field[ASIM_TRACE_COL_MAX]; /* where the logged latency is ("" = the format's default) */
    int latency_unit;                    /* ASIM_LATU_* */
    double user_rate;                    /* k6 VUs / Locust users: requests per second per user */
} asim_trace_spec;

/* A request class.  Classes are numbered from 1 in the order given; class 0 is
 * the default class (app.service_time).  A request from a trace with paths
 * gets the first class whose path_regex matches (0 if none); a request from a
 * source without paths gets class i with probability share_i(t). */
typedef struct asim_share_point { double t, share; } asim_share_point;

typedef struct asim_class_spec {
    char name[ASIM_TRACE_NAME_MAX];
    char path_regex[ASIM_TRACE_REGEX_MAX];  /* POSIX extended; "" = none */
    asim_share_point *share;                /* owned; piecewise linear in sim time */
    size_t nshare;                          /* 0: share 0 */
    asim_dist service;
    int has_service;                        /* 0: app.service_time */
} asim_class_spec;

/* The seed app's load-control endpoints as scenario events. */
typedef enum asim_load_action {
    ASIM_LOAD_INCREASE, ASIM_LOAD_DECREASE, ASIM_LOAD_RESET, ASIM_LOAD_SPIKE
} asim_load_action;

typedef struct asim_load_event {
    double at;                           /* sim seconds */
    asim_load_action action;
} asim_load_event;

typedef struct asim_trace_cfg {
    asim_trace_spec *traces;             /* owned */
    size_t ntraces;
    asim_class_spec *classes;            /* owned; classes[i] is class i+1 */
    size_t nclasses;
    asim_load_event *load_events;        /* owned, sorted by time */
    size_t nload_events;

    /* trace.* scalars: a one-trace shortcut and factors applied to every trace */
    char path[ASIM_TRACE_PATH_MAX];      /* non-empty: one more trace named "trace" */
    asim_trace_format format;            /* its format */
    int on_error;                        /* ASIM_ONERR_FAIL / SKIP */
    int profile;                         /* ASIM_PROFILE_*: keep traffic.profile beside traces? */
    double multiplier;                   /* times every trace's own multiplier */
    double speedup;                      /* times every trace's own speed-up */
    double offset;                       /* added to every trace's offset */
    double thin;                         /* times every trace's keep probability */
    int loop;                            /* 1: every trace loops */
    char window[96];                     /* "FROM,TO" overriding every trace's window */
    asim_trace_filter filter;            /* trace.filter.*: fills every trace's empty filter fields */
    char latency_field[ASIM_TRACE_COL_MAX]; /* trace.latency_field: for traces without their own */
    int latency_unit;                    /* trace.latency_unit: for traces without their own */
    double user_rate;                    /* trace.user_rate: for traces without their own (0 = none) */
    double reorder_window;               /* s: default of every trace's reorder_window */
    double max_skip_fraction;            /* default of every trace's max_skip_fraction */
    int align;                           /* ASIM_ALIGN_*: several traces on one clock */

    /* load control (load_events) */
    double load_increase;                /* factor of /load/increase */
    double load_decrease;                /* divisor of /load/decrease */
    double load_spike;                   /* factor of /load/spike while it lasts */
    double load_spike_duration;          /* s */
    double load_min, load_max;           /* bounds of the increase/decrease factor */
} asim_trace_cfg;

#endif
