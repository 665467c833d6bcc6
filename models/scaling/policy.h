/* policy.h -- the scaling-policy interface.
 *
 * The scaler loop (scaler.h) owns timing, the query and the actuation; a
 * policy only decides.  At each of its evaluation instants the loop hands the
 * policy an observation (query result, replica counts) and the policy returns
 * a desired replica count, a decision label and a reason.  The policy keeps
 * its own state (breach counters, stabilisation windows, forecasts) and is
 * told when an actuation it asked for has finished.
 *
 * A policy also describes itself, so the run loop knows no policy's wording:
 * out.metric is the value it decided on (events.csv's `metric`), and the
 * optional log_state slot writes its lines of scaler.log.  As SQLite's
 * module tables, the table carries the interface version it was written
 * for; slots past that version, and NULL optional slots, get the defaults
 * (see asim_policy_decide and asim_policy_log_state).
 *
 * Adding a policy = one new file policy_<name>.c defining an
 * asim_policy_methods and one line in the registry in policy.c. */
#ifndef ASIM_POLICY_H
#define ASIM_POLICY_H

#include <stdio.h>
#include "sim/engine/common.h"
#include "models/promql/promql.h"

/* Version 1: name .. destroy.  Version 2 adds log_state and out.metric. */
#define ASIM_POLICY_VERSION 2

struct asim_config;

typedef enum asim_decision {
    ASIM_DEC_HOLD, ASIM_DEC_SCALE_UP, ASIM_DEC_SCALE_DOWN, ASIM_DEC_COOLDOWN,
    ASIM_DEC_AT_MAX, ASIM_DEC_AT_MIN, ASIM_DEC_NO_DATA
} asim_decision;

/* "hold", "scale_up", ... as written in events.csv and replay output. */
const char *asim_decision_name(asim_decision d);

typedef struct asim_policy_obs {
    asim_time now;
    double metric;                      /* reduced query result; NaN = no data */
    const asim_promql_result *result;   /* the full result (per-series values); may be NULL (replay) */
    asim_tsdb *db;                      /* for policies that run their own queries; may be NULL (replay) */
    int replicas;                       /* as `docker compose ps` reports: starting + ready */
    int ready;                          /* of which ready (serving) */
    int starting;                       /* of which still starting */
} asim_policy_obs;

typedef struct asim_policy_out {
    int desired;                        /* replicas wanted; == obs.replicas to hold */
    asim_decision decision;
    char reason[200];
    int high_breaches, low_breaches;    /* for events.csv; 0 if the policy has none */
    /* The value the decision was based on, in the policy's own unit (its own
     * query's, a utilisation in %, a forecast); NaN = none.  Preset to
     * obs.metric by asim_policy_decide: a policy that decides on scaler.query
     * leaves it. */
    double metric;
} asim_policy_out;

typedef struct asim_policy_methods {
    int version;                        /* ASIM_POLICY_VERSION it was written for */
    const char *name;                   /* as in scaler.policy */
    const char *summary;                /* one line for --help */
    /* Build the policy's state from the config (validated).  NULL + err on a
     * setting the policy cannot accept. */
    void *(*create)(const struct asim_config *cfg, asim_err *err);
    /* Seconds between evaluations (the seed: check_interval). */
    double (*interval)(const void *state);
    void (*decide)(void *state, const asim_policy_obs *obs, asim_policy_out *out);
    /* The actuation for a decision finished at `now` with `replicas`. */
    void (*actuated)(void *state, asim_time now, int replicas);
    void (*destroy)(void *state);

    /* ---- version 2, optional (NULL: the default) ---- */
    /* scaler.log's lines about the metric for a check with data (out->metric
     * not NaN), between "Current State:" and the replica count: what the
     * value is and where it stands.  Default: "  * Metric (<name>): <value>". */
    void (*log_state)(const void *state, const asim_policy_out *out, FILE *f);
} asim_policy_methods;

/* Call m->decide with out->metric preset to obs->metric (every caller of a
 * policy goes through here, so the default holds for every policy). */
void asim_policy_decide(const asim_policy_methods *m, void *state, const asim_policy_obs *obs,
                        asim_policy_out *out);
/* Write the policy's scaler.log state lines (log_state or the default). */
void asim_policy_log_state(const asim_policy_methods *m, const void *state, const asim_policy_out *out,
                           FILE *f);

/* Look a policy up by name; NULL if unknown.  asim_policy_names lists them
 * comma-separated for error messages. */
const asim_policy_methods *asim_policy_find(const char *name);
const char *asim_policy_names(void);

extern const asim_policy_methods asim_policy_threshold;   /* the seed's */

#endif
