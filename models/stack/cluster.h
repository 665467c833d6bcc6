/* cluster.h -- the replicas' lifecycle, the load balancer in front of them,
 * and the actuator that changes their number (the seed's Ansible playbook
 * running `docker compose up --scale`).
 *
 * Container lifecycle:  created -> starting --(start latency)--> ready
 *                       ready --(scale down)--> draining --> removed
 * A starting container is running (it is in Docker's DNS, so Prometheus can
 * discover it) but its app does not serve yet: it takes no traffic and its
 * scrapes fail.  A draining container (SIGTERM) takes no new requests,
 * finishes its in-flight work (its backlog per container.drain) and is removed
 * when empty, or killed after stop_grace_period (docker stop's SIGKILL).
 * Scale-down stops the highest-numbered replicas, as compose does; a new
 * replica takes the lowest free number.  The replica count the scaler reads,
 * as `docker compose ps` reports it, is starting + ready.
 *
 * Actuation: playbook start -> (actuator.latency) compose applies the new
 * scale -> (actuator.stabilization_wait) the playbook returns.  A request
 * made while a playbook runs is applied after it (the latest target wins).
 *
 * Balancer (balancer.policy): round_robin over ready replicas in replica
 * order (Docker's embedded DNS), random, or least_connections (fewest in
 * flight, lowest number on ties). */
#ifndef ASIM_CLUSTER_H
#define ASIM_CLUSTER_H

#include <gsl/gsl_rng.h>
#include "sim/engine/common.h"
#include "sim/engine/evq.h"
#include "models/scenario/config.h"
#include "models/stack/webapp.h"

typedef enum asim_cstate {
    ASIM_CONTAINER_STARTING, ASIM_CONTAINER_READY, ASIM_CONTAINER_DRAINING, ASIM_CONTAINER_REMOVED
} asim_cstate;

typedef struct asim_cluster asim_cluster;

typedef struct asim_cluster_hooks {
    void *ctx;
    /* The compose scale took effect (containers created / stopping). */
    void (*applied)(void *ctx, int target, asim_time now);
    /* The playbook returned; replicas = compose ps count then. */
    void (*actuation_done)(void *ctx, int target, int replicas, asim_time now);
    /* Some container changed state (for exact replica-second accounting). */
    void (*changed)(void *ctx, asim_time now);
} asim_cluster_hooks;

typedef struct asim_cluster_rngs {
    gsl_rng *start;         /* container start latency */
    gsl_rng *actuation;     /* playbook latency */
    gsl_rng *balancer;      /* random balancing */
} asim_cluster_rngs;

/* Create with container.initial_replicas ready at time 0.  The webapp hooks
 * are passed to every replica (accounting); app params describe a replica. */
asim_cluster *asim_cluster_create(asim_evq *q, const asim_config *cfg,
                                  const asim_webapp_params *app,
                                  const asim_webapp_hooks *app_hooks,
                                  const asim_cluster_hooks *hooks,
                                  const asim_cluster_rngs *rngs);
/* The same with the replicas on shared hosts (cfg->ext.hosts, host.h): each
 * container is a cgroup placed on a host, its requests are CPU work there,
 * with hosts.startup_cpu its start-up too, and with hosts.playbook_cpu the
 * playbook is CPU work of one thread on the first host.  hosts NULL: asim_cluster_create. */
struct asim_hosts;
asim_cluster *asim_cluster_create_on(asim_evq *q, const asim_config *cfg,
                                     const asim_webapp_params *app,
                                     const asim_webapp_hooks *app_hooks,
                                     const asim_cluster_hooks *hooks,
                                     const asim_cluster_rngs *rngs,
                                     struct asim_hosts *hosts);
void asim_cluster_destroy(asim_cluster *c);

/* Route a request to a ready replica; with none ready it is rejected. */
void asim_cluster_route(asim_cluster *c, const asim_request *r, asim_time now);

/* Start a playbook run towards `target` replicas (clamped to >= 0).  Returns
 * 1 if a run started now, 0 if one is running (the target is queued). */
int asim_cluster_scale(asim_cluster *c, int target, asim_time now);
int asim_cluster_actuating(const asim_cluster *c);
int asim_cluster_target(const asim_cluster *c);       /* last requested target */

int asim_cluster_count(const asim_cluster *c, asim_cstate s);
int asim_cluster_compose_ps(const asim_cluster *c);   /* starting + ready */
int asim_cluster_in_flight(const asim_cluster *c);    /* requests in all replicas */

/* Containers, for discovery and scraping.  Index i in [0, asim_cluster_slots)
 * is a slot; a slot in state REMOVED is empty. */
int asim_cluster_slots(const asim_cluster *c);
asim_cstate asim_cluster_state(const asim_cluster *c, int i);
int asim_cluster_number(const asim_cluster *c, int i);            /* replica number */
asim_webapp *asim_cluster_webapp(asim_cluster *c, int i);         /* NULL if removed */
/* Slot of the running container with this replica number, or -1. */
int asim_cluster_find(const asim_cluster *c, int number);

/* The host of the container in slot i (0-based), -1 without hosts. */
int asim_cluster_host_of(const asim_cluster *c, int i);

/* Latest completion in any replica (for frozen-gauge detection), -1 if none. */
asim_time asim_cluster_last_completion(const asim_cluster *c);

#endif
