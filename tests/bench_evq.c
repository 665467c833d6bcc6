/* bench_evq.c -- measures candidate pending-event-set structures and the
 * shipped asim_evq, to pick (and keep checking) the structure evq.c uses.
 *
 * Variants (all with the same contract as asim_evq: (time, sequence) order,
 * generation-checked handles, O(log n) cancel, pooled nodes):
 *   heap2, heap4, heap8  d-ary heaps of 16-byte {time, seq<<24|node} entries
 *                        with positions kept in the node pool (evq.c's layout;
 *                        evq.c is heap4)
 *   pairing              a two-pass pairing heap on the same node pool
 *   asim_evq             the shipped queue through its public API, each event
 *                        dispatched to a handler that schedules the next one
 *
 * Workloads
 *   hold N      N events pending; repeat: pop the minimum, push it back at
 *               now + Exp(1 ms).  Figure: ns per pop+push pair.
 *   cancel N    N requests, each with a completion (Exp(1 ms)) and a timeout
 *               (20 ms) pending (2N events); repeat: pop a completion, cancel
 *               its timeout, push the next completion and a new timeout.
 *               Figure: ns per cycle (pop + cancel + 2 push).
 *   resched N   as cancel, but the timeout is rescheduled instead of cancelled
 *               and re-pushed.  Figure: ns per cycle (pop + reschedule + push).
 * Each figure is the median of REPS timed repetitions, each on a fresh queue
 * after a warm-up.  Usage: bench_evq [--quick] */
#include "sim/engine/evq.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INLINE static inline __attribute__((always_inline))

enum { V_HEAP2, V_HEAP4, V_HEAP8, V_PAIRING, V_SHIPPED, NV };
static const char *const vname[NV] = { "heap2", "heap4", "heap8", "pairing", "asim_evq" };

#define NDELAY 65536
typedef struct bench_ctx {
    asim_time delay[NDELAY];   /* Exp(1 ms) in ns, precomputed: RNG cost stays out */
} bench_ctx;

/* ---- common node pool ---------------------------------------------------- */

#define NODE_BITS 24
#define NODE_MASK ((UINT64_C(1) << NODE_BITS) - 1)
#define NIL 0u                        /* node 0 is never used: NIL links */

typedef struct bnode {
    asim_time at;                    /* pairing heap keeps the key here */
    uint64_t seq;
    uint64_t arg;
    uint32_t pos;                    /* d-heap position / next free */
    uint32_t gen;
    uint32_t child, next, prev;      /* pairing heap links */
} bnode;

typedef struct entry {
    asim_time at;
    uint64_t tie;
} entry;

typedef struct bq {
    bnode *nodes;
    entry *heap;
    size_t n;
    uint32_t cap, used, free_head, root;
    uint64_t seq;
} bq;

static void bq_init(bq *q)
{
    memset(q, 0, sizeof *q);
    q->cap = 16;
    q->used = 1;
    q->nodes = malloc(q->cap * sizeof *q->nodes);
    q->heap = malloc(q->cap * sizeof *q->heap);
}

static void bq_free(bq *q)
{
    free(q->nodes);
    free(q->heap);
}

static void bq_grow(bq *q)
{
    q->cap *= 2;
    q->nodes = realloc(q->nodes, q->cap * sizeof *q->nodes);
    q->heap = realloc(q->heap, q->cap * sizeof *q->heap);
    if (!q->nodes || !q->heap)
        abort();
}

INLINE uint32_t node_alloc(bq *q)
{
    uint32_t k = q->free_head;
    if (k != NIL) {
        q->free_head = q->nodes[k].pos;
    } else {
        if (q->used == q->cap)
            bq_grow(q);
        k = q->used++;
        q->nodes[k].gen = 0;
    }
    q->nodes[k].gen++;
    return k;
}

INLINE void node_release(bq *q, uint32_t k)
{
    q->nodes[k].gen++;
    q->nodes[k].pos = q->free_head;
    q->free_head = k;
}

INLINE uint32_t lookup(const bq *q, uint64_t h)
{
    uint32_t k = (uint32_t)h;
    return k < q->used && q->nodes[k].gen == (uint32_t)(h >> 32) ? k : NIL;
}

INLINE uint64_t handle(const bq *q, uint32_t k) { return (uint64_t)q->nodes[k].gen << 32 | k; }

/* ---- d-ary heap ---------------------------------------------------------- */

typedef unsigned __int128 key128;
INLINE int eless(entry a, entry b)
{
    return ((key128)(uint64_t)a.at << 64 | a.tie) < ((key128)(uint64_t)b.at << 64 | b.tie);
}

/* Branchless index of the smallest of d full children at c (a tournament). */
INLINE size_t min_child(const entry *h, size_t c, const unsigned d)
{
    if (d == 2)
        return c + eless(h[c + 1], h[c]);
    size_t a = min_child(h, c, d / 2), b = min_child(h, c + d / 2, d / 2);
    return a ^ ((a ^ b) & -(size_t)eless(h[b], h[a]));
}

INLINE void put(bq *q, size_t i, entry e)
{
    q->heap[i] = e;
    q->nodes[e.tie & NODE_MASK].pos = (uint32_t)i;
}

INLINE void dh_up(bq *q, size_t i, entry e, const unsigned d)
{
    while (i > 0) {
        size_t p = (i - 1) / d;
        if (!eless(e, q->heap[p]))
            break;
        put(q, i, q->heap[p]);
        i = p;
    }
    put(q, i, e);
}

INLINE void dh_down(bq *q, size_t i, entry e, const unsigned d)
{
    const entry *h = q->heap;
    size_t n = q->n;
    for (;;) {
        size_t c = d * i + 1, m;
        if (c + d <= n) {
            m = min_child(h, c, d);
        } else {
            if (c >= n)
                break;
            m = c;
            for (size_t k = c + 1; k < n; k++)
                if (eless(h[k], h[m]))
                    m = k;
        }
        if (!eless(h[m], e))
            break;
        put(q, i, h[m]);
        i = m;
    }
    put(q, i, e);
}

INLINE void dh_fix(bq *q, size_t i, entry e, const unsigned d)
{
    if (i > 0 && eless(e, q->heap[(i - 1) / d]))
        dh_up(q, i, e, d);
    else
        dh_down(q, i, e, d);
}

INLINE uint64_t dh_push(bq *q, asim_time at, uint64_t arg, const unsigned d)
{
    uint32_t k = node_alloc(q);
    q->nodes[k].arg = arg;
    entry e = { at, q->seq++ << NODE_BITS | k };
    dh_up(q, q->n++, e, d);
    return handle(q, k);
}

INLINE asim_time dh_pop(bq *q, uint64_t *arg, const unsigned d)
{
    entry top = q->heap[0];
    if (--q->n > 0)
        dh_down(q, 0, q->heap[q->n], d);
    uint32_t k = (uint32_t)(top.tie & NODE_MASK);
    *arg = q->nodes[k].arg;
    node_release(q, k);
    return top.at;
}

INLINE int dh_cancel(bq *q, uint64_t h, const unsigned d)
{
    uint32_t k = lookup(q, h);
    if (k == NIL)
        return 0;
    size_t i = q->nodes[k].pos;
    entry last = q->heap[--q->n];
    if (i < q->n)
        dh_fix(q, i, last, d);
    node_release(q, k);
    return 1;
}

INLINE int dh_resched(bq *q, uint64_t h, asim_time at, const unsigned d)
{
    uint32_t k = lookup(q, h);
    if (k == NIL)
        return 0;
    entry e = { at, q->seq++ << NODE_BITS | k };
    dh_fix(q, q->nodes[k].pos, e, d);
    return 1;
}

/* ---- pairing heap (two-pass, node indices, NIL = 0) ---------------------- */

INLINE int nless(const bnode *a, const bnode *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

/* Meld two roots; the loser becomes the winner's first child. */
INLINE uint32_t ph_meld(bnode *nd, uint32_t a, uint32_t b)
{
    if (a == NIL)
        return b;
    if (b == NIL)
        return a;
    if (nless(&nd[b], &nd[a])) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    nd[b].next = nd[a].child;
    if (nd[a].child != NIL)
        nd[nd[a].child].prev = b;
    nd[b].prev = a;
    nd[a].child = b;
    nd[a].next = NIL;
    nd[a].prev = NIL;
    return a;
}

/* Two-pass combine of a sibling list into one tree. */
static uint32_t ph_combine(bnode *nd, uint32_t first)
{
    if (first == NIL || nd[first].next == NIL) {
        if (first != NIL)
            nd[first].prev = nd[first].next = NIL;
        return first;
    }
    /* Pass 1: meld pairs left to right, chaining the results backwards. */
    uint32_t acc = NIL;
    while (first != NIL) {
        uint32_t a = first, b = nd[a].next;
        uint32_t rest = b != NIL ? nd[b].next : NIL;
        nd[a].next = nd[a].prev = NIL;
        if (b != NIL)
            nd[b].next = nd[b].prev = NIL;
        uint32_t m = ph_meld(nd, a, b);
        nd[m].prev = acc;            /* temporary back chain */
        acc = m;
        first = rest;
    }
    /* Pass 2: meld right to left. */
    uint32_t root = acc;
    acc = nd[acc].prev;
    nd[root].prev = NIL;
    while (acc != NIL) {
        uint32_t p = nd[acc].prev;
        nd[acc].prev = NIL;
        root = ph_meld(nd, root, acc);
        acc = p;
    }
    return root;
}

INLINE uint64_t ph_push(bq *q, asim_time at, uint64_t arg)
{
    uint32_t k = node_alloc(q);
    bnode *x = &q->nodes[k];
    x->at = at;
    x->seq = q->seq++;
    x->arg = arg;
    x->child = x->next = x->prev = NIL;
    q->root = ph_meld(q->nodes, q->root, k);
    q->n++;
    return handle(q, k);
}

INLINE asim_time ph_pop(bq *q, uint64_t *arg)
{
    uint32_t r = q->root;
    bnode *x = &q->nodes[r];
    asim_time at = x->at;
    *arg = x->arg;
    q->root = ph_combine(q->nodes, x->child);
    q->n--;
    node_release(q, r);
    return at;
}

/* Cut k (with its subtree) out of the tree; k must not be the root. */
static void ph_cut(bnode *nd, uint32_t k)
{
    uint32_t p = nd[k].prev;
    if (nd[p].child == k)
        nd[p].child = nd[k].next;
    else
        nd[p].next = nd[k].next;
    if (nd[k].next != NIL)
        nd[nd[k].next].prev = p;
    nd[k].next = nd[k].prev = NIL;
}

static void ph_detach(bq *q, uint32_t k)
{
    bnode *nd = q->nodes;
    if (k == q->root) {
        q->root = ph_combine(nd, nd[k].child);
    } else {
        ph_cut(nd, k);
        q->root = ph_meld(nd, q->root, ph_combine(nd, nd[k].child));
    }
    nd[k].child = NIL;
}

INLINE int ph_cancel(bq *q, uint64_t h)
{
    uint32_t k = lookup(q, h);
    if (k == NIL)
        return 0;
    ph_detach(q, k);
    q->n--;
    node_release(q, k);
    return 1;
}

INLINE int ph_resched(bq *q, uint64_t h, asim_time at)
{
    uint32_t k = lookup(q, h);
    if (k == NIL)
        return 0;
    bnode *nd = q->nodes;
    if (at < nd[k].at && k != q->root) {     /* decrease key: cut and meld */
        ph_cut(nd, k);
        nd[k].at = at;
        nd[k].seq = q->seq++;
        q->root = ph_meld(nd, q->root, k);
    } else {
        ph_detach(q, k);
        nd[k].at = at;
        nd[k].seq = q->seq++;
        q->root = ph_meld(nd, q->root, k);
    }
    return 1;
}

/* ---- dispatch on a compile-time variant ---------------------------------- */

INLINE uint64_t v_push(bq *q, int v, asim_time at, uint64_t arg)
{
    switch (v) {
    case V_HEAP2: return dh_push(q, at, arg, 2);
    case V_HEAP4: return dh_push(q, at, arg, 4);
    case V_HEAP8: return dh_push(q, at, arg, 8);
    default: return ph_push(q, at, arg);
    }
}

INLINE asim_time v_pop(bq *q, int v, uint64_t *arg)
{
    switch (v) {
    case V_HEAP2: return dh_pop(q, arg, 2);
    case V_HEAP4: return dh_pop(q, arg, 4);
    case V_HEAP8: return dh_pop(q, arg, 8);
    default: return ph_pop(q, arg);
    }
}

INLINE int v_cancel(bq *q, int v, uint64_t h)
{
    switch (v) {
    case V_HEAP2: return dh_cancel(q, h, 2);
    case V_HEAP4: return dh_cancel(q, h, 4);
    case V_HEAP8: return dh_cancel(q, h, 8);
    default: return ph_cancel(q, h);
    }
}

INLINE int v_resched(bq *q, int v, uint64_t h, asim_time at)
{
    switch (v) {
    case V_HEAP2: return dh_resched(q, h, at, 2);
    case V_HEAP4: return dh_resched(q, h, at, 4);
    case V_HEAP8: return dh_resched(q, h, at, 8);
    default: return ph_resched(q, h, at);
    }
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ---- workloads on the variants ------------------------------------------ */

enum { W_HOLD, W_CANCEL, W_RESCHED };
#define TIMEOUT_NS   INT64_C(20000000)
#define TIMEOUT_FLAG (UINT64_C(1) << 62)

/* Returns ns per operation over `ops` timed operations after `warm` untimed. */
INLINE double work_variant(int v, int w, const bench_ctx *b, size_t n, size_t warm, size_t ops,
                           uint64_t *check)
{
    bq q;
    bq_init(&q);
    uint64_t *tmo = w == W_HOLD ? NULL : malloc(n * sizeof *tmo);
    size_t di = 0;
    for (size_t i = 0; i < n; i++) {
        v_push(&q, v, b->delay[di++ & (NDELAY - 1)], i);
        if (tmo)
            tmo[i] = v_push(&q, v, TIMEOUT_NS, i | TIMEOUT_FLAG);
    }
    double t0 = 0;
    uint64_t sum = 0;
    for (size_t it = 0; it < warm + ops; it++) {
        if (it == warm) {
            sum = 0;
            t0 = now_ns();
        }
        uint64_t arg;
        asim_time now = v_pop(&q, v, &arg);
        sum += (uint64_t)now;
        if (arg & TIMEOUT_FLAG) {                     /* practically never */
            tmo[arg & ~TIMEOUT_FLAG] = v_push(&q, v, now + TIMEOUT_NS, arg);
            continue;
        }
        asim_time next = now + b->delay[di++ & (NDELAY - 1)];
        if (w == W_CANCEL) {
            v_cancel(&q, v, tmo[arg]);
            tmo[arg] = v_push(&q, v, now + TIMEOUT_NS, arg | TIMEOUT_FLAG);
        } else if (w == W_RESCHED) {
            v_resched(&q, v, tmo[arg], now + TIMEOUT_NS);
        }
        v_push(&q, v, next, arg);
    }
    double dt = now_ns() - t0;
    *check = sum;
    free(tmo);
    bq_free(&q);
    return dt / (double)ops;
}

#define DEF_VARIANT(V, fname) \
    static double fname(int w, const bench_ctx *b, size_t n, size_t warm, size_t ops, uint64_t *chk) \
    { return work_variant(V, w, b, n, warm, ops, chk); }
DEF_VARIANT(V_HEAP2, run_heap2)
DEF_VARIANT(V_HEAP4, run_heap4)
DEF_VARIANT(V_HEAP8, run_heap8)
DEF_VARIANT(V_PAIRING, run_pairing)

/* ---- the same workloads on asim_evq, event by event through handlers ------ */

typedef struct shipped {
    asim_evq *q;
    const bench_ctx *b;
    size_t di, left;
    int w;
    uint64_t sum;
    asim_timer *tmo;
} shipped;

static void on_timeout(void *ctx, uint64_t arg, asim_time now);

static void on_event(void *ctx, uint64_t arg, asim_time now)
{
    shipped *s = ctx;
    s->sum += (uint64_t)now;
    asim_time delay = s->b->delay[s->di++ & (NDELAY - 1)];
    if (s->w == W_CANCEL) {
        asim_evq_cancel(s->q, s->tmo[arg]);
        s->tmo[arg] = asim_evq_after(s->q, TIMEOUT_NS, on_timeout, s, arg);
    } else if (s->w == W_RESCHED) {
        asim_evq_reschedule(s->q, s->tmo[arg], now + TIMEOUT_NS);
    }
    asim_evq_after(s->q, delay, on_event, s, arg);
    if (--s->left == 0)
        asim_evq_stop(s->q);
}

static void on_timeout(void *ctx, uint64_t arg, asim_time now)
{
    shipped *s = ctx;
    s->sum += (uint64_t)now;
    s->tmo[arg] = asim_evq_after(s->q, TIMEOUT_NS, on_timeout, s, arg);
    if (--s->left == 0)
        asim_evq_stop(s->q);
}

static double run_shipped(int w, const bench_ctx *b, size_t n, size_t warm, size_t ops, uint64_t *chk)
{
    shipped s = { asim_evq_create(0), b, 0, warm, w, 0, NULL };
    if (w != W_HOLD)
        s.tmo = malloc(n * sizeof *s.tmo);
    for (size_t i = 0; i < n; i++) {
        asim_evq_at(s.q, b->delay[s.di++ & (NDELAY - 1)], on_event, &s, i);
        if (s.tmo)
            s.tmo[i] = asim_evq_at(s.q, TIMEOUT_NS, on_timeout, &s, i);
    }
    if (warm)
        asim_evq_run(s.q, ASIM_TIME_MAX);
    s.left = ops;
    s.sum = 0;
    double t0 = now_ns();
    asim_evq_run(s.q, ASIM_TIME_MAX);
    double dt = now_ns() - t0;
    *chk = s.sum;
    free(s.tmo);
    asim_evq_destroy(s.q);
    return dt / (double)ops;
}

typedef double (*runner)(int, const bench_ctx *, size_t, size_t, size_t, uint64_t *);
static const runner runners[NV] = { run_heap2, run_heap4, run_heap8, run_pairing, run_shipped };

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    static bench_ctx b;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 12345);
    for (size_t i = 0; i < NDELAY; i++)
        b.delay[i] = (asim_time)(gsl_ran_exponential(r, 1e6) + 0.5);
    gsl_rng_free(r);

    struct { const char *label; int w; size_t n; } cases[] = {
        { "hold 16", W_HOLD, 16 },
        { "hold 64", W_HOLD, 64 },
        { "hold 1k", W_HOLD, 1000 },
        { "hold 100k", W_HOLD, 100000 },
        { "cancel 64", W_CANCEL, 32 },
        { "cancel 1k", W_CANCEL, 500 },
        { "resched 64", W_RESCHED, 32 },
        { "resched 1k", W_RESCHED, 500 },
    };
    const int reps = quick ? 3 : 5;
    printf("evq bench: ns per operation, median of %d runs (hold: pop+push pair;\n"
           "cancel: pop+cancel+2 push; resched: pop+reschedule+push; N = events pending)\n", reps);
    printf("%-12s", "workload");
    for (int v = 0; v < NV; v++)
        printf(" %9s", vname[v]);
    printf("\n");
    for (size_t c = 0; c < ASIM_ARRAY_LEN(cases); c++) {
        size_t n = cases[c].n;
        size_t ops = n >= 100000 ? 400000 : 1000000;
        if (quick)
            ops /= 10;
        size_t warm = n >= 100000 ? 200000 : ops / 4;
        printf("%-12s", cases[c].label);
        uint64_t ref = 0;
        for (int v = 0; v < NV; v++) {
            double t[9];
            uint64_t chk = 0;
            for (int k = 0; k < reps; k++)
                t[k] = runners[v](cases[c].w, &b, n, warm, ops, &chk);
            /* All variants must pop the same times in the same order (same sum). */
            if (v == 0)
                ref = chk;
            else if (chk != ref)
                printf("\nbench_evq: %s disagrees with %s on %s\n", vname[v], vname[0], cases[c].label);
            qsort(t, (size_t)reps, sizeof t[0], cmp_double);
            printf(" %9.1f", t[reps / 2]);
            fflush(stdout);
        }
        printf("\n");
    }
    return 0;
}
