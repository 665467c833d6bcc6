/* scaler.h -- the scaler's check loop: query, decide, actuate, sleep.
 *
 * As the seed's Python loop: at each check it evaluates the query (PromQL,
 * at the check instant), reduces the result vector to one number
 * (scaler.reduce, default the mean of the values), reads the replica count
 * as `docker compose ps` would, and asks the policy.  When the policy wants a
 * different count it runs the actuator; with a synchronous actuator (the
 * seed's) the loop is blocked until the playbook returns, and then sleeps the
 * policy's interval, so an action delays the next check by its duration.
 * Every check and actuation is reported through hooks (events.csv,
 * scaler.log). */
#ifndef ASIM_SCALER_H
#define ASIM_SCALER_H

#include "sim/engine/common.h"
#include "sim/engine/evq.h"
#include "models/scenario/config.h"
#include "models/stack/cluster.h"
#include "models/scaling/policy.h"
#include "models/promql/promql.h"

typedef struct asim_scaler asim_scaler;

typedef struct asim_check {
    asim_time now;
    int iteration;                    /* 1-based */
    double metric;                    /* NaN = no data */
    int replicas;                     /* compose ps count at the check */
    asim_policy_out out;
    int frozen;                       /* the gauge was frozen (no completion since last check) */
} asim_check;

typedef struct asim_scaler_hooks {
    void *ctx;
    void (*checked)(void *ctx, const asim_check *c);
    void (*actuation)(void *ctx, int started, int from, int to, asim_time now);
} asim_scaler_hooks;

/* Parses cfg->scaler.query and creates the policy into *out; the first
 * check is at scaler.first_check.  Returns 0, or ASIM_EINPUT with err
 * ("$.scaler.query: position N: ...", a setting the policy refuses) and
 * *out NULL. */
int asim_scaler_create(asim_evq *q, const asim_config *cfg, asim_cluster *cl, asim_tsdb *db,
                       const asim_scaler_hooks *hooks, asim_scaler **out, asim_err *err);
void asim_scaler_destroy(asim_scaler *s);

/* How far back the query reaches (ms), for tsdb retention. */
int64_t asim_scaler_reach_ms(const asim_scaler *s);

/* The cluster reports that a playbook returned. */
void asim_scaler_actuation_done(asim_scaler *s, int replicas, asim_time now);

/* The policy's scaler.log lines about a check's metric (policy.h,
 * asim_policy_log_state): the run loop writes them without knowing any
 * policy's wording. */
void asim_scaler_log_state(const asim_scaler *s, const asim_policy_out *out, FILE *f);

/* The value of the last check with data (NaN before any). */
double asim_scaler_last_metric(const asim_scaler *s);

/* Reduce a query result to one number per cfg->scaler.reduce (NaN if empty;
 * a scalar result is its value).  Shared with replay and policies. */
double asim_scaler_reduce(const asim_promql_result *r, asim_reduce how);

#endif
