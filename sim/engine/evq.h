/* evq.h -- the pending-event set of the discrete-event engine.
 *
 * Contract
 *  - Events are ordered by (time, insertion sequence): two events scheduled for
 *    the same instant run in the order they were scheduled (FIFO).  This is the
 *    documented tie-break every model relies on.
 *  - Time is asim_time (int64 ns).  Scheduling in the past (before now) is a
 *    bug and asserts.
 *  - Every scheduled event gets a handle (asim_timer) for O(log n) cancel and
 *    reschedule.  Handles carry a generation, so cancelling an event that
 *    already ran (or was cancelled) is a harmless no-op returning 0.
 *  - Nodes come from a pool that grows geometrically and is reused: no
 *    allocation per event in steady state.
 *  - Only asim_evq_step/run move the clock.
 *
 * An event carries a handler, a context pointer (the model) and a 64-bit
 * argument (an index, an id).  The engine knows nothing of what they mean. */
#ifndef ASIM_EVQ_H
#define ASIM_EVQ_H

#include "sim/engine/common.h"

typedef struct asim_evq asim_evq;
typedef uint64_t asim_timer;            /* 0 is never a valid handle */

typedef void (*asim_event_fn)(void *ctx, uint64_t arg, asim_time now);

/* Create an empty queue at time 0.  capacity_hint pre-sizes the pool. */
asim_evq *asim_evq_create(size_t capacity_hint);
void asim_evq_destroy(asim_evq *q);        /* NULL is a no-op */

/* Schedule fn(ctx, arg, at) at absolute time at (>= now).  O(log n). */
asim_timer asim_evq_at(asim_evq *q, asim_time at, asim_event_fn fn, void *ctx, uint64_t arg);
/* Convenience: at now + delay (delay >= 0; saturates at ASIM_TIME_MAX). */
asim_timer asim_evq_after(asim_evq *q, asim_time delay, asim_event_fn fn, void *ctx, uint64_t arg);

/* Cancel a pending event.  Returns 1 if it was pending, 0 if the handle is
 * stale (already ran, already cancelled, or 0). */
int asim_evq_cancel(asim_evq *q, asim_timer h);

/* Move a pending event to a new time (>= now); it gets a new sequence number,
 * i.e. it orders after events already scheduled for that instant.  Returns 1 if
 * it was pending, 0 if stale. */
int asim_evq_reschedule(asim_evq *q, asim_timer h, asim_time at);

/* Time of the pending event h, or -1 if stale. */
asim_time asim_evq_when(const asim_evq *q, asim_timer h);

asim_time asim_evq_now(const asim_evq *q);
size_t    asim_evq_pending(const asim_evq *q);
uint64_t  asim_evq_dispatched(const asim_evq *q);   /* events run so far */
asim_time asim_evq_next_time(const asim_evq *q);    /* ASIM_TIME_MAX when empty */
/* Nodes the pool holds (pending + free).  It only grows, geometrically, when
 * more events are pending at once than ever before; tests use it to check
 * that steady state allocates nothing. */
size_t    asim_evq_capacity(const asim_evq *q);

/* Pop and run the earliest event if its time is <= horizon.  Returns 1 if an
 * event ran, 0 otherwise (empty, or next event after horizon). */
int asim_evq_step(asim_evq *q, asim_time horizon);

/* Lanes: an event stream with at most one pending event, which its own
 * handler schedules again -- a traffic source's next arrival.  A lane's event
 * waits beside the queue, not in it: scheduling it is a store, and each pop
 * compares the queue's earliest event with the lanes' (the soak's arrivals
 * cost an insertion, a node and a handle each in the queue).  The ordering
 * contract is the queue's: time, then the order of scheduling (a lane event
 * takes its sequence number when scheduled), so moving a stream into a lane
 * changes no event's order.  At most ASIM_EVQ_LANES per queue: asim_evq_lane
 * returns the lane, or -1 when all are taken (schedule with asim_evq_at then).
 * A lane event is not cancellable; it counts in pending, next_time and
 * dispatched like any event. */
#define ASIM_EVQ_LANES 4
int  asim_evq_lane(asim_evq *q, asim_event_fn fn, void *ctx);
/* Schedule the lane's event fn(ctx, arg, at), at >= now; none of the lane's
 * may be pending (asserted). */
void asim_evq_lane_at(asim_evq *q, int lane, asim_time at, uint64_t arg);

/* Run events until none is left at or before horizon, or asim_evq_stop is
 * called from a handler; then set now = horizon (if not stopped, and unless
 * horizon is ASIM_TIME_MAX, which means "until the queue is empty").  Returns
 * the number of events run. */
uint64_t asim_evq_run(asim_evq *q, asim_time horizon);
void asim_evq_stop(asim_evq *q);

#endif
