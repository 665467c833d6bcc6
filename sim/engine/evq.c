/* evq.c -- the pending-event set: a sorted array while small, an indexed
 * 4-ary min-heap otherwise, over a node pool.
 *
 * Small queues (at most SORTED_MAX pending): heap[0..n) sorted in descending
 * order, so a pop takes the last entry and a push inserts from that end,
 * moving only the entries due before the new one.  A simulation's queue is
 * small and shaped (the soak: ~10 pending, the next arrival and a few
 * completions near, periodic timers seconds away), and there the heap's pop,
 * which sifts a far timer from the root back down, was the largest single
 * cost of a request (doc/engine.md).  A push into a full array reverses it
 * (ascending order is a heap) and the heap serves until a removal leaves
 * SORTED_BACK entries; the gap between the two keeps a queue hovering near
 * one size from converting back and forth.
 *
 * Why a 4-ary heap: tests/bench_evq.c measures binary, 4-ary and 8-ary heaps
 * and a pairing heap on the hold model (pop the minimum, push it back at
 * now + Exp(1 ms)) and on cancel/reschedule-heavy workloads.  Median ns per
 * operation, gcc 12 -O2, AMD EPYC VM (full table: doc/engine.md):
 *
 *     pending          16     64     1k   100k   cancel 64 / 1k
 *     binary heap    24.1   30.0   42.0  133.4    38.6 / 46.7
 *     4-ary heap     23.5   29.8   43.7  106.1    38.3 / 52.8
 *     8-ary heap     27.0   29.7   49.1  104.0    36.2 / 56.6
 *     pairing heap   37.9   61.7  104.8  317.9    58.2 / 105.7
 *     asim_evq       29.1   35.7   50.5  111.8    49.7 / 65.1  (4-ary + handler dispatch)
 *
 * At the sizes a simulation has (10-100 pending) the d-ary heaps tie within
 * noise; the 4-ary one is 20 % faster than the binary one at 100k and does not
 * lose at 16 as the 8-ary one does.  The pairing heap is twice as slow
 * everywhere.  The single biggest gain was choosing the smallest child
 * without branches (min_of_4): 57.6 -> 35.7 ns at 64 pending.
 *
 * Layout
 *  - heap[]: entries {at, tie} where tie = seq << NODE_BITS | node index, so
 *    one 16-byte entry carries the whole sort key (time, then insertion
 *    sequence) and four children fill 64 bytes.  Comparing entries never
 *    touches the node pool.
 *  - nodes[]: the payload (fn, ctx, arg), the entry's heap position (kept up
 *    to date by every sift, which is what makes cancel O(log n)) and a
 *    generation.  A node's generation is odd while it is pending and even
 *    while it is free; it is bumped on schedule and on release, so a handle
 *    (generation << 32 | index + 1) matches its node only while that very
 *    scheduling is pending.
 *  - Free nodes form a singly linked list through `pos`.  The pool and the
 *    heap grow together by doubling and never shrink, so a simulation in
 *    steady state allocates nothing.
 *
 * The popped root stays in place while its handler runs (`stale_root`): the
 * handler's first asim_evq_at overwrites it and sifts down once, where a pop
 * then a push cost a sift down and a sift up (most handlers schedule their
 * successor: the next arrival, a completion).  Every other operation first
 * settles a stale root by the ordinary removal.  Pop order is unchanged: keys
 * (time, sequence) are unique, so the order never depends on heap shape.
 *
 * Lanes (evq.h): a source's next arrival waits in a lane beside the queue;
 * each pop compares the queue's earliest entry with the pending lanes'
 * (one or two compares), which is cheaper than the insertion, node and
 * handle the arrival cost as a queue event.  Lane keys come from the same
 * sequence counter, so the order of events is the same either way.
 *
 * Invariants: if sorted, heap[0..n) is in strictly descending (at, tie) order
 * and stale_root is 0; else heap[0..n) is a 4-ary min-heap on (at, tie),
 * except that heap[0] is a dispatched entry while stale_root is set, and for
 * every pending node k, heap[nodes[k].pos] has node index k (the sorted array
 * keeps no positions: position() searches it); now <= the earliest pending
 * time. */
#include "sim/engine/evq.h"

#include <assert.h>
#include <stdlib.h>

#define ARITY      4
#define NODE_BITS  24                              /* at most 16.7M pending */
#define NODE_MASK  ((UINT64_C(1) << NODE_BITS) - 1)
#define SEQ_LIMIT  (UINT64_C(1) << (64 - NODE_BITS)) /* 1.1e12 schedules per queue */

typedef struct entry {
    asim_time at;
    uint64_t tie;                  /* seq << NODE_BITS | node index */
} entry;

typedef struct node {
    asim_event_fn fn;
    void *ctx;
    uint64_t arg;
    uint32_t pos;                  /* heap index if pending, else next free node */
    uint32_t gen;                  /* odd: pending; even: free */
} node;

typedef struct lane {
    entry e;                       /* its pending event's key */
    asim_event_fn fn;
    void *ctx;
    uint64_t arg;
    int pending;
} lane;

struct asim_evq {
    entry *heap;
    node *nodes;
    size_t n;                      /* pending events = heap entries */
    uint32_t cap;                  /* capacity of heap[] and nodes[] */
    uint32_t used;                 /* nodes[0..used) have been handed out once */
    uint32_t free_head;            /* UINT32_MAX: no free node */
    uint64_t seq;
    asim_time now;
    uint64_t dispatched;
    int stopped;
    int stale_root;                /* heap[0] was dispatched, not yet removed */
    int sorted;                    /* heap[0..n) sorted descending, not a heap */
    int nlanes, lanes_pending;
    int lane_first;                /* the pending lane due first, when lanes_pending */
    lane lanes[ASIM_EVQ_LANES];
};

#define NO_NODE UINT32_MAX

/* The sort key (time, then sequence) as one unsigned 128-bit number: times
 * are never negative (now starts at 0 and nothing is scheduled before now), so
 * the comparison compiles to a compare-with-borrow instead of two branches. */
typedef unsigned __int128 key128;
static inline key128 key(entry e) { return (key128)(uint64_t)e.at << 64 | e.tie; }
static inline int less(entry a, entry b) { return key(a) < key(b); }

static inline uint32_t node_of(entry e) { return (uint32_t)(e.tie & NODE_MASK); }

/* Small queues are a sorted array, large ones the heap (see the top). */
#define SORTED_MAX  24     /* a schedule into a full sorted array makes it a heap */
#define SORTED_BACK 12     /* a heap left with this many entries is sorted again */

/* Place e at heap index i and record the position in its node. */
static inline void put(asim_evq *q, size_t i, entry e)
{
    q->heap[i] = e;
    q->nodes[node_of(e)].pos = (uint32_t)i;
}

static void sift_up(asim_evq *q, size_t i, entry e)
{
    while (i > 0) {
        size_t p = (i - 1) / ARITY;
        if (!less(e, q->heap[p]))
            break;
        put(q, i, q->heap[p]);
        i = p;
    }
    put(q, i, e);
}

/* Index of the smallest of the four full children starting at c, without
 * branches: which child is smallest is a coin toss, and a mispredicted branch
 * per level cost a third of the pop (see doc/engine.md). */
static inline size_t min_of_4(const entry *h, size_t c)
{
    size_t a = c + less(h[c + 1], h[c]);
    size_t b = c + 2 + less(h[c + 3], h[c + 2]);
    return a ^ ((a ^ b) & -(size_t)less(h[b], h[a]));
}

static void sift_down(asim_evq *q, size_t i, entry e)
{
    const entry *h = q->heap;
    size_t n = q->n;
    for (;;) {
        size_t c = ARITY * i + 1, m;
        if (c + ARITY <= n) {
            m = min_of_4(h, c);
        } else {
            if (c >= n)
                break;
            m = c;
            for (size_t k = c + 1; k < n; k++)
                if (less(h[k], h[m]))
                    m = k;
        }
        if (!less(h[m], e))
            break;
        put(q, i, h[m]);
        i = m;
    }
    put(q, i, e);
}

/* Re-establish the heap after heap[i] was replaced by e. */
static void fix(asim_evq *q, size_t i, entry e)
{
    if (i > 0 && less(e, q->heap[(i - 1) / ARITY]))
        sift_up(q, i, e);
    else
        sift_down(q, i, e);
}

/* --- sorted mode: heap[0..n) in descending order, the minimum last ------ */

/* Insertion from the end: the entries moved are those due before e, which
 * for the usual schedule (a completion, the next arrival) are the few other
 * near-term events, not the periodic ones seconds away. */
static inline void sorted_insert(asim_evq *q, entry e)
{
    entry *a = q->heap;
    size_t i = q->n++;
    while (i > 0 && less(a[i - 1], e)) {
        a[i] = a[i - 1];
        i--;
    }
    a[i] = e;
}

static void sorted_remove(asim_evq *q, size_t i)
{
    for (size_t j = i + 1; j < q->n; j++)
        q->heap[j - 1] = q->heap[j];
    q->n--;
}

/* Where node k's entry is: the heap keeps positions in the nodes; the sorted
 * array does not (every insertion would write the position of each entry it
 * moves, for the rare cancel), so it is searched: at most SORTED_BACK..
 * SORTED_MAX entries. */
static size_t position(const asim_evq *q, uint32_t k)
{
    if (!q->sorted)
        return q->nodes[k].pos;
    size_t i = q->n;
    while (i-- > 0)
        if (node_of(q->heap[i]) == k)
            return i;
    assert(0 && "asim_evq: pending node not in the sorted array");
    return 0;
}

/* Ascending order is a valid d-ary heap: reversing is the whole conversion. */
static void to_heap(asim_evq *q)
{
    entry *a = q->heap;
    for (size_t i = 0, j = q->n; i + 1 < j; i++, j--) {
        entry t = a[i];
        a[i] = a[j - 1];
        a[j - 1] = t;
    }
    for (size_t i = 0; i < q->n; i++)
        q->nodes[node_of(a[i])].pos = (uint32_t)i;
    q->sorted = 0;
}

static void to_sorted(asim_evq *q)
{
    entry *a = q->heap;
    size_t n = q->n;
    q->n = 0;
    for (size_t i = 0; i < n; i++)
        sorted_insert(q, a[i]);            /* a[i] is never overwritten before it is read */
    q->sorted = 1;
}

/* After a removal from the heap: small again, sorted again. */
static inline void maybe_sort(asim_evq *q)
{
    if (q->n <= SORTED_BACK)
        to_sorted(q);
}

/* Remove a dispatched root left in place by step. */
static inline void settle(asim_evq *q)
{
    if (!q->stale_root)
        return;
    q->stale_root = 0;
    if (--q->n > 0)
        sift_down(q, 0, q->heap[q->n]);
    maybe_sort(q);
}

static __attribute__((noinline)) void grow(asim_evq *q)
{
    size_t ncap = asim_grow_cap((size_t)q->cap, (size_t)q->cap + 1, 16);
    if (ncap > NODE_MASK + 1)
        ncap = NODE_MASK + 1;
    assert(ncap > q->cap && "asim_evq: more than 2^24 pending events");
    q->heap = asim_realloc(q->heap, ncap * sizeof *q->heap);
    q->nodes = asim_realloc(q->nodes, ncap * sizeof *q->nodes);
    q->cap = (uint32_t)ncap;
}

static uint32_t node_alloc(asim_evq *q)
{
    uint32_t k = q->free_head;
    if (k != NO_NODE) {
        q->free_head = q->nodes[k].pos;
    } else {
        if (q->used == q->cap)
            grow(q);
        k = q->used++;
        q->nodes[k].gen = 0;
    }
    q->nodes[k].gen++;                     /* even -> odd: pending */
    return k;
}

static void node_release(asim_evq *q, uint32_t k)
{
    q->nodes[k].gen++;                     /* odd -> even: every handle goes stale */
    q->nodes[k].pos = q->free_head;
    q->free_head = k;
}

static inline uint64_t next_tie(asim_evq *q, uint32_t k)
{
    assert(q->seq < SEQ_LIMIT);
    return q->seq++ << NODE_BITS | k;
}

/* The node a handle names if that scheduling is still pending, else NO_NODE. */
static uint32_t lookup(const asim_evq *q, asim_timer h)
{
    uint32_t idx = (uint32_t)(h & 0xffffffffu);
    if (idx == 0 || idx > q->used)
        return NO_NODE;
    idx--;
    return q->nodes[idx].gen == (uint32_t)(h >> 32) ? idx : NO_NODE;
}

asim_evq *asim_evq_create(size_t capacity_hint)
{
    asim_evq *q = asim_calloc(1, sizeof *q);
    q->free_head = NO_NODE;
    q->sorted = 1;
    if (capacity_hint > NODE_MASK + 1)
        capacity_hint = NODE_MASK + 1;
    if (capacity_hint > 0) {
        q->heap = asim_malloc(capacity_hint * sizeof *q->heap);
        q->nodes = asim_malloc(capacity_hint * sizeof *q->nodes);
        q->cap = (uint32_t)capacity_hint;
    }
    return q;
}

void asim_evq_destroy(asim_evq *q)
{
    if (!q)
        return;
    asim_free(q->heap);
    asim_free(q->nodes);
    asim_free(q);
}

/* Out of line: the common case, a small sorted queue, then needs few
 * registers and no stack frame of its own (callgrind: the prologue and
 * epilogue were a fifth of every schedule). */
static __attribute__((noinline)) void heap_insert(asim_evq *q, entry e)
{
    if (q->stale_root) {                   /* at >= now = the old root's time */
        q->stale_root = 0;
        sift_down(q, 0, e);
    } else {
        if (q->sorted)
            to_heap(q);
        sift_up(q, q->n++, e);
    }
}

asim_timer asim_evq_at(asim_evq *q, asim_time at, asim_event_fn fn, void *ctx, uint64_t arg)
{
    assert(at >= q->now && "asim_evq: event scheduled in the past");
    assert(fn);
    uint32_t k = node_alloc(q);
    node *nd = &q->nodes[k];
    nd->fn = fn;
    nd->ctx = ctx;
    nd->arg = arg;
    entry e = { at, next_tie(q, k) };
    if (q->sorted && q->n < SORTED_MAX)    /* (never a stale root while sorted) */
        sorted_insert(q, e);
    else
        heap_insert(q, e);
    return (uint64_t)q->nodes[k].gen << 32 | (k + 1);
}

asim_timer asim_evq_after(asim_evq *q, asim_time delay, asim_event_fn fn, void *ctx, uint64_t arg)
{
    assert(delay >= 0 && "asim_evq: negative delay");
    asim_time at = delay > ASIM_TIME_MAX - q->now ? ASIM_TIME_MAX : q->now + delay;
    return asim_evq_at(q, at, fn, ctx, arg);
}

/* Remove heap[i] from the heap (its node stays allocated). */
static void heap_remove(asim_evq *q, size_t i)
{
    entry last = q->heap[--q->n];
    if (i < q->n)
        fix(q, i, last);
}

int asim_evq_cancel(asim_evq *q, asim_timer h)
{
    uint32_t k = lookup(q, h);
    if (k == NO_NODE)
        return 0;
    settle(q);
    if (q->sorted) {
        sorted_remove(q, position(q, k));
    } else {
        heap_remove(q, q->nodes[k].pos);
        maybe_sort(q);
    }
    node_release(q, k);
    return 1;
}

int asim_evq_reschedule(asim_evq *q, asim_timer h, asim_time at)
{
    assert(at >= q->now && "asim_evq: event rescheduled into the past");
    uint32_t k = lookup(q, h);
    if (k == NO_NODE)
        return 0;
    settle(q);
    entry e = { at, next_tie(q, k) };
    if (q->sorted) {
        sorted_remove(q, position(q, k));
        sorted_insert(q, e);
    } else {
        fix(q, q->nodes[k].pos, e);
    }
    return 1;
}

asim_time asim_evq_when(const asim_evq *q, asim_timer h)
{
    uint32_t k = lookup(q, h);
    return k == NO_NODE ? -1 : q->heap[position(q, k)].at;
}

int asim_evq_lane(asim_evq *q, asim_event_fn fn, void *ctx)
{
    assert(fn);
    if (q->nlanes == ASIM_EVQ_LANES)
        return -1;
    lane *l = &q->lanes[q->nlanes];
    l->fn = fn;
    l->ctx = ctx;
    l->pending = 0;
    return q->nlanes++;
}

void asim_evq_lane_at(asim_evq *q, int i, asim_time at, uint64_t arg)
{
    assert(i >= 0 && i < q->nlanes);
    lane *l = &q->lanes[i];
    assert(!l->pending && "asim_evq: lane event already pending");
    assert(at >= q->now && "asim_evq: event scheduled in the past");
    l->e.at = at;
    l->e.tie = next_tie(q, (uint32_t)NODE_MASK);    /* the node part is never read */
    l->arg = arg;
    l->pending = 1;
    if (q->lanes_pending++ == 0 || less(l->e, q->lanes[q->lane_first].e))
        q->lane_first = i;
}

/* Run the first lane event, already known to be due (see step). */
static void run_lane(asim_evq *q)
{
    lane *l = &q->lanes[q->lane_first];
    l->pending = 0;
    if (--q->lanes_pending > 0) {
        int best = -1;
        for (int i = 0; i < q->nlanes; i++)
            if (q->lanes[i].pending && (best < 0 || less(q->lanes[i].e, q->lanes[best].e)))
                best = i;
        q->lane_first = best;
    }
    q->now = l->e.at;
    q->dispatched++;
    l->fn(l->ctx, l->arg, l->e.at);
}

asim_time asim_evq_now(const asim_evq *q) { return q->now; }
size_t asim_evq_pending(const asim_evq *q)
{
    return q->n - (size_t)q->stale_root + (size_t)q->lanes_pending;
}
uint64_t asim_evq_dispatched(const asim_evq *q) { return q->dispatched; }
size_t asim_evq_capacity(const asim_evq *q) { return q->cap; }

static asim_time queue_next_time(const asim_evq *q)
{
    if (q->sorted)
        return q->n ? q->heap[q->n - 1].at : ASIM_TIME_MAX;
    if (!q->stale_root)
        return q->n ? q->heap[0].at : ASIM_TIME_MAX;
    /* the root is gone: the minimum is among its children */
    asim_time t = ASIM_TIME_MAX;
    for (size_t c = 1; c <= ARITY && c < q->n; c++)
        if (q->heap[c].at < t)
            t = q->heap[c].at;
    return t;
}

asim_time asim_evq_next_time(const asim_evq *q)
{
    asim_time t = queue_next_time(q);
    if (q->lanes_pending && q->lanes[q->lane_first].e.at < t)
        t = q->lanes[q->lane_first].e.at;
    return t;
}

/* Pop the minimum, free its node (so the handler may reuse it and its handle
 * is already stale), advance the clock and run the handler. */
static inline int step(asim_evq *q, asim_time horizon)
{
    settle(q);
    size_t first = q->sorted ? q->n - 1 : 0;      /* the queue's earliest, if n > 0 */
    if (q->lanes_pending) {
        const lane *l = &q->lanes[q->lane_first];
        if (q->n == 0 || less(l->e, q->heap[first])) {
            if (l->e.at > horizon)
                return 0;
            run_lane(q);
            return 1;
        }
    }
    if (q->n == 0 || q->heap[first].at > horizon)
        return 0;
    entry top = q->heap[first];
    if (q->sorted)
        q->n--;
    else
        q->stale_root = 1;
    uint32_t k = node_of(top);
    node nd = q->nodes[k];
    node_release(q, k);
    q->now = top.at;
    q->dispatched++;
    nd.fn(nd.ctx, nd.arg, top.at);
    return 1;
}

int asim_evq_step(asim_evq *q, asim_time horizon)
{
    return step(q, horizon);
}

uint64_t asim_evq_run(asim_evq *q, asim_time horizon)
{
    uint64_t ran = 0;
    q->stopped = 0;
    while (!q->stopped && step(q, horizon))
        ran++;
    settle(q);
    if (!q->stopped && horizon != ASIM_TIME_MAX && horizon > q->now)
        q->now = horizon;
    return ran;
}

void asim_evq_stop(asim_evq *q)
{
    q->stopped = 1;
}
