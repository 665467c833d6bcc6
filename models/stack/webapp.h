/* webapp.h -- one web-app replica: a gunicorn-like server.
 *
 * `workers` requests are served concurrently; further requests wait in a FIFO
 * backlog of bounded capacity (a request arriving to a full backlog is
 * rejected).  A request's service demand is drawn by the caller when the
 * request arrives (common random numbers: the same request has the same
 * demand whatever the policy does).  An optional client timeout abandons a
 * request still waiting when its wait reaches the timeout; a request already
 * in service when it times out keeps its worker busy (the server does not
 * know the client left) but counts as a timeout, not a completion.
 *
 * The instance exposes the seed app's metrics through asim_webapp_scrape.
 * The gauge webapp_response_time_seconds has three meanings (app.response_time_gauge):
 *   current       the response time a request arriving now would see: the
 *                 mean service time S plus, when all c workers are busy and q
 *                 requests wait, the expected wait for q+1 departures,
 *                 (q+1) S / c (exact for exponential service);
 *   last_request  the latency of the last completed request (0 before any):
 *                 what `gauge.set()` per request exposes; freezes without traffic;
 *   window_mean   the mean latency of requests completed since the previous
 *                 scrape, unchanged when none completed;
 *   handler       the service time of the last completed request (0 before
 *                 any): an app that times its own handler (`t0 = time.time()`
 *                 ... `gauge.set(time.time() - t0)`) never sees its backlog.
 * Latency = completion - arrival (queueing + service), the time the client sees.
 *
 * Events: the instance schedules one completion event per busy worker on the
 * shared event queue; no allocation per request in steady state (the backlog
 * ring grows geometrically up to its capacity and is then reused). */
#ifndef ASIM_WEBAPP_H
#define ASIM_WEBAPP_H

#include "sim/engine/common.h"
#include "sim/engine/evq.h"
#include "sim/engine/dist.h"

typedef struct asim_webapp asim_webapp;

typedef enum asim_fail_kind {
    ASIM_FAIL_REJECTED, ASIM_FAIL_TIMEOUT, ASIM_FAIL_DROPPED,
    ASIM_FAIL_CONNECT_TIMEOUT    /* every SYN dropped until the client gave up */
} asim_fail_kind;

typedef struct asim_request {
    asim_time arrival;
    double demand;          /* service seconds */
    int cls;                /* request class; < 0: an in-band scrape (asim_webapp_offer_scrape) */
    int tag;                /* scrapes: the caller's sequence number; 0 for requests */
    uint32_t calls;         /* 1: after its CPU work it calls another service and waits (hooks.call) */
    uint32_t parent;        /* a call from another service: the caller's call id; 0 otherwise */
} asim_request;

/* An in-band scrape has completed: its worker ran the /metrics handler. */
typedef void (*asim_scrape_done_fn)(void *ctx, asim_webapp *w, int target, int tag, asim_time now);

/* Callbacks into the simulation (accounting).  ctx is passed back. */
typedef struct asim_webapp_hooks {
    void *ctx;
    /* latency: now - r->arrival in seconds, as the replica recorded it */
    void (*completed)(void *ctx, const asim_request *r, double latency, asim_time now);
    void (*failed)(void *ctx, const asim_request *r, asim_fail_kind why, asim_time now);
    /* A draining instance has no request left (in service or waiting). */
    void (*drained)(void *ctx, asim_webapp *w, asim_time now);
    /* ASIM_DRAIN_REQUEUE: a waiting request handed back for re-routing. */
    void (*requeue)(void *ctx, const asim_request *r, asim_time now);
    /* syn_drop: the client retransmitted the SYN of r (may be NULL). */
    void (*syn_retry)(void *ctx, const asim_request *r, asim_time now);
    /* r (r->calls) has done its CPU work on worker `slot` and now calls
     * another service: return a call id (> 0) and the worker waits, holding
     * the request, until asim_webapp_call_returned; 0: no call, r completes.
     * May be NULL. */
    uint32_t (*call)(void *ctx, asim_webapp *w, int slot, const asim_request *r, asim_time now);
} asim_webapp_hooks;

typedef struct asim_webapp_params {
    int workers;
    int backlog;
    double timeout;              /* s, 0 = none */
    double mean_service;         /* S for the "current" gauge */
    int gauge_mode;              /* asim_gauge_mode (config.h) */
    const double *bucket_bounds; /* histogram upper bounds, ascending, without +Inf */
    int nbuckets;
    /* A full backlog: 0 rejects at once; 1 drops the SYN (Linux, with
     * tcp_abort_on_overflow 0) and the client retransmits it after 1, 2,
     * 4, ... s (TCP_TIMEOUT_INIT 1 s, doubling), at most syn_retries times,
     * giving up (ASIM_FAIL_CONNECT_TIMEOUT) 2^syn_retries s after the last
     * one or connect_timeout s after the first SYN, whichever is first.  The
     * request keeps its arrival time, so its latency includes the wait. */
    int syn_drop;
    int syn_retries;
    double connect_timeout;      /* s */
} asim_webapp_params;

/* What one scrape of /metrics returns. */
typedef struct asim_webapp_snapshot {
    double response_time;        /* the gauge, per the mode */
    double request_count;        /* in flight: in service + waiting */
    double total_requests;       /* counter: completed requests */
    double health;               /* 1 healthy */
    double duration_sum;         /* histogram _sum */
    double duration_count;       /* histogram _count */
    const uint64_t *bucket_cum;  /* cumulative counts per bound, then +Inf; valid until next scrape */
    double cpu_seconds;          /* counter: busy-worker seconds / workers + idle floor */
    int frozen;                  /* gauge not refreshed by any completion since last scrape */
} asim_webapp_snapshot;

asim_webapp *asim_webapp_create(asim_evq *q, const asim_webapp_params *p,
                                const asim_webapp_hooks *hooks, int id);
void asim_webapp_destroy(asim_webapp *w);
int  asim_webapp_id(const asim_webapp *w);            /* replica number, 1-based */

/* Offer a request (its SYN arrives now): served, queued, rejected (the
 * failed hook has been called) or, with syn_drop, retried later. */
void asim_webapp_offer(asim_webapp *w, const asim_request *r, asim_time now);

/* In-band /metrics: a scrape request that waits in the same backlog and
 * takes a worker for `demand` seconds, like the seed's Flask route.  On
 * completion done(ctx, w, target, tag, now) is called (the caller then takes
 * the snapshot).  The app's own metrics do not count it: the seed's counter,
 * histogram and gauge are updated in the `/` handler, not in `/metrics`;
 * the in-flight gauge (request_count) excludes scrapes too.  A scrape the
 * replica cannot hold (backlog full), or drops (drain, kill), never calls
 * done(): the scraper's own timeout decides.  The app's client timeout
 * (app.timeout) does not apply to scrapes: Prometheus is its own client, and
 * a sync worker that accepts an abandoned scrape still runs it. */
void asim_webapp_offer_scrape(asim_webapp *w, int target, int tag, double demand, asim_time now,
                              asim_scrape_done_fn done, void *ctx);

/* Stop taking new requests; in-flight work continues.  What happens to the
 * waiting requests is mode (asim_drain_mode); connections still retrying
 * their SYN fail as rejected (gunicorn closed its listener: refused).  Calls drained() when empty
 * (possibly at once). */
void asim_webapp_drain(asim_webapp *w, int mode, asim_time now);
/* Abort everything (SIGKILL): in-service and waiting requests fail as
 * DROPPED; pending completion events are cancelled. */
void asim_webapp_kill(asim_webapp *w, asim_time now);

/* Run on a shared host: requests' demands become CPU work of the cgroup
 * (models/stack/host.h), done when processor sharing says so.  Call before
 * the first request; the webapp does not own g. */
struct asim_cgroup;
void asim_webapp_set_cpu(asim_webapp *w, struct asim_cgroup *g);

/* The call `id` made from worker `slot` returned (ok 0: it failed; the
 * request fails as rejected, the upstream's 502).  A stale call (the worker
 * was killed, the request already gone) is ignored. */
void asim_webapp_call_returned(asim_webapp *w, int slot, uint32_t id, int ok, asim_time now);

int asim_webapp_busy(const asim_webapp *w);
int asim_webapp_waiting(const asim_webapp *w);
int asim_webapp_in_flight(const asim_webapp *w);      /* busy + waiting */
asim_time asim_webapp_last_completion(const asim_webapp *w);  /* -1 if none */

/* Fill *s as a scrape at `now` would see it (resets the window_mean window). */
void asim_webapp_scrape(asim_webapp *w, asim_time now, asim_webapp_snapshot *s);

#endif
