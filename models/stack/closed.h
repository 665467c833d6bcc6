/* closed.h -- closed-loop load: N clients, each with at most one request in
 * flight (ab -c N, k6 virtual users, Locust users).
 *
 * Every client sends its first request at `start` (as ab does), and after
 * each of its requests returns -- completed, rejected, timed out, dropped --
 * thinks for a time drawn from `think` and sends the next.  Clients stop
 * sending at `end`.  The client is carried in the request's tag (client + 1)
 * so the caller can hand the return back with asim_closed_returned.
 *
 * With c workers, exponential service S and N clients this is the machine-
 * repairman model (a closed product-form network: the throughput and the
 * mean response time follow from mean value analysis or the birth-death
 * chain, whatever the think-time distribution).
 *
 * One pending event per thinking client; no allocation after creation. */
#ifndef ASIM_CLOSED_H
#define ASIM_CLOSED_H

#include <gsl/gsl_rng.h>
#include "sim/engine/common.h"
#include "sim/engine/evq.h"
#include "sim/engine/dist.h"

typedef struct asim_closed asim_closed;

/* Client `client` sends a request now (the callee builds and routes it with
 * tag = client + 1). */
typedef void (*asim_closed_send_fn)(void *ctx, int client, asim_time now);

/* think is copied and must be prepared (asim_dist_prepare); rng is borrowed. */
asim_closed *asim_closed_create(asim_evq *q, int clients, const asim_dist *think, gsl_rng *rng,
                                asim_time start, asim_time end, asim_closed_send_fn send, void *ctx);
void asim_closed_destroy(asim_closed *c);

/* The request of `client` has returned (any outcome) at `now`. */
void asim_closed_returned(asim_closed *c, int client, asim_time now);

#endif
