/* replay.h -- dry run of a scenario's scaling policy over a recorded metric
 * series (the `replay` command).
 *
 * Each step is one check at a given time with a given query result (NaN =
 * no data).  Replicas start at container.initial_replicas; the policy is
 * the scenario's (scaler.policy, through the policy.h interface, so every
 * registered policy replays), it sees obs.replicas = obs.ready = the current
 * count and no starting replicas; an action takes effect at once (replicas
 * := desired) and the policy is told at that same check (`actuated`), so
 * cooldowns run from the check that acted.
 *
 * The recorded metric may hold several series (one per pod or instance):
 * each check then gives the policy the whole vector (obs.result, what
 * per-series policies such as the HPA read) and its reduction by
 * scaler.reduce (obs.metric, what single-number policies read), exactly as
 * the scaler does with a live query result.  A recording of ONE series fed
 * to a per-pod policy (hpa with metric_type pods or resource) means "every
 * ready pod has this value": the policy sees one element per current
 * replica, all with that value. */
#ifndef ASIM_REPLAY_H
#define ASIM_REPLAY_H

#include <stdio.h>
#include "models/scaling/policy.h"
#include "models/promql/promql.h"

struct asim_config;
typedef struct asim_replay asim_replay;

typedef struct asim_replay_row {
    double time;                  /* s, as given */
    double metric;                /* NaN: no data */
    int before, after;            /* replicas */
    asim_decision decision;
    char reason[200];
} asim_replay_row;

/* NULL + err if the policy is unknown or refuses the config. */
asim_replay *asim_replay_create(const struct asim_config *cfg, asim_err *err);
void asim_replay_destroy(asim_replay *r);                  /* NULL is a no-op */
/* One check at t seconds (t must not decrease; the first t is the policy's
 * time 0).  Fills row.  O(1) plus the policy's cost. */
void asim_replay_step(asim_replay *r, double t, double metric, asim_replay_row *row);
/* The same with the query's whole result at t (a vector; n = 0 is no data).
 * broadcast: the recording is a single series (see above).  Allocates only
 * when the replica count reaches a new maximum. */
void asim_replay_step_vector(asim_replay *r, double t, const asim_promql_result *res, int broadcast,
                             asim_replay_row *row);
/* 1 when the configured policy reads one value per pod (hpa, metric_type
 * pods or resource). */
int asim_replay_per_pod(const struct asim_config *cfg);
int asim_replay_replicas(const asim_replay *r);

/* time,metric,replicas_before,decision,replicas_after,reason */
void asim_replay_csv_header(FILE *f);
void asim_replay_csv_row(FILE *f, const asim_replay_row *row);

#endif
