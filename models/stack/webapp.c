/* webapp.c -- one gunicorn-like replica (see webapp.h).
 *
 * Invariants:
 *  - busy <= workers; a request waits only if every worker is busy;
 *  - slot s is busy iff slots[s].timer is a pending completion event;
 *  - the backlog ring holds `waiting` requests from head, capacity grows by
 *    doubling up to params.backlog and never shrinks (no steady-state malloc);
 *  - histogram counts are per bucket (non-cumulative); the scrape sums them.
 * The CPU counter integrates busy/workers over time lazily: `cpu_area` is
 * brought up to date whenever `busy` changes or a scrape reads it. */
#include "models/stack/webapp.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "models/scenario/config.h"
#include "models/stack/host.h"

typedef struct slot {
    asim_request req;
    asim_timer timer;              /* CALL_WAIT: waiting for a call to return */
    uint32_t call_id;
} slot;

#define CALL_WAIT UINT64_MAX

/* A connection whose SYN was dropped, waiting for its next retransmission
 * (or for the client to give up: attempt < 0).  Pooled: `next` links free
 * entries, the pool grows by doubling and is reused. */
typedef struct synwait {
    asim_request req;
    asim_time first;               /* first SYN */
    asim_timer timer;
    int attempt;                   /* retransmissions sent so far; -1: give up */
    int next;                      /* free list */
} synwait;

/* Octaves of latency with a search start: 2^-40 s (1 ps) .. 2^24 s. */
#define OCT_N    64
#define OCT_BIAS 40

/* Layout: with many replicas (1,000-10,000) a request's completion misses
 * the cache on every line of its replica it touches, so the fields a request
 * uses fill the struct's first five 64-byte lines (the struct is
 * line-aligned), then oct_start; the per-replica arrays follow it in the
 * same allocation (hot ones first: free_slots, bucket and bounds, then the
 * slots from a line boundary) instead of separate ones, and the cold fields
 * (backlog ring, scrapes, dropped SYNs, drain) come last.  With the default
 * 4 workers the busy_frac table sits in line 4 itself. */
#define SMALL_WORKERS 4
struct asim_webapp {
    /* line 0: a request's way in and out of the workers and the backlog,
     * and where the histogram's search starts */
    asim_evq *q;
    asim_cgroup *cpu;              /* the container's cgroup on a shared host; NULL: own CPU */
    slot *slots;                   /* workers, in this allocation */
    int *free_slots;               /* stack of free slot indices, in this allocation */
    double *bounds;                /* the bounds, then oct_span times +Inf; in this allocation */
    int nfree;
    int cap, head, waiting;
    int draining;
    int oct_span;                  /* the most bounds inside one octave */
    /* line 1: the parameters (workers, backlog, timeout, bucket bounds) */
    asim_webapp_params p;
    /* line 2: the hooks (ctx, completed, failed first), the completion count */
    asim_webapp_hooks h;
    uint64_t completed;
    /* line 3: metrics every completion updates */
    double dur_sum, dur_comp;      /* Neumaier-compensated sum of latencies */
    uint64_t *bucket;              /* nbuckets + 1 (the +Inf bucket), in this allocation */
    double last_latency;
    double last_service;           /* demand of the last completed request (handler gauge) */
    double win_sum;
    uint64_t win_n;
    double cpu_area;               /* busy-worker-seconds / workers */
    /* line 4: the rest of the CPU counter */
    double *busy_frac;             /* busy_frac[b] = (double)b / workers, or NULL (many workers) */
    asim_time cpu_last;
    asim_time last_completion;
    double busy_frac_small[SMALL_WORKERS + 1];  /* busy_frac's table for few workers */
    /* oct_start[k]: how many bounds lie below 2^(k - OCT_BIAS) s, where the
     * search for a latency in that octave starts (bucket_of) */
    uint16_t oct_start[OCT_N];
    /* cold: the backlog ring (used only while every worker is busy),
     * identity, scrapes, dropped SYNs */
    asim_request *ring;            /* backlog ring */
    int id;
    int drain_mode;
    int scrapes_in;                /* in-band scrapes in service or waiting */
    uint64_t *bucket_cum;          /* scratch for snapshots, in this allocation */
    asim_scrape_done_fn scrape_done;
    void *scrape_ctx;
    double window_gauge;
    uint64_t completed_at_scrape;
    synwait *syn;
    int syn_cap, syn_free, syn_pending;
    void *mem;                     /* the allocation (w is its first line-aligned byte) */
};

static void on_complete(void *ctx, uint64_t arg, asim_time now);
static void on_syn_timer(void *ctx, uint64_t arg, asim_time now);

/* The busy fraction is a division per event; the table holds the very same
 * quotients (perf: the division stalled on_complete). */
#define BUSY_FRAC_MAX 256

static void cpu_advance(asim_webapp *w, asim_time now)
{
    if (now > w->cpu_last) {
        int busy = w->p.workers - w->nfree;
        double f = w->busy_frac ? w->busy_frac[busy] : (double)busy / w->p.workers;
        w->cpu_area += f * ASIM_TO_SEC(now - w->cpu_last);
        w->cpu_last = now;
    }
}

/* A worker's request is CPU work: without a host its completion is an
 * event `demand` from now; on a shared host the host's processor sharing
 * decides when it ends (host.h).  slots[s].timer holds the event or the
 * host's thread handle: non-zero while the worker is busy. */
static void schedule_completion(asim_webapp *w, int s, asim_time now)
{
    double demand = w->slots[s].req.demand;
    if (w->cpu) {
        w->slots[s].timer = asim_cgroup_run(w->cpu, demand > 0 ? demand : 0, on_complete, w, (uint64_t)s);
        return;
    }
    asim_time d = ASIM_SEC(demand);
    if (d < 0) d = 0;
    w->slots[s].timer = asim_evq_at(w->q, now + d, on_complete, w, (uint64_t)s);
}

static void cancel_completion(asim_webapp *w, int s)
{
    if (w->slots[s].timer == CALL_WAIT) ;   /* nothing scheduled: the call's return is ignored */
    else if (w->cpu) asim_cgroup_cancel(w->cpu, w->slots[s].timer);
    else asim_evq_cancel(w->q, w->slots[s].timer);
    w->slots[s].timer = 0;
}

void asim_webapp_set_cpu(asim_webapp *w, asim_cgroup *g) { w->cpu = g; }

/* One allocation, line-aligned: the struct, then free_slots, bucket and
 * bounds, the slots from a line boundary, then the cold arrays (bucket_cum, and
 * busy_frac when there are more than SMALL_WORKERS workers). */
#define LINE 64
static size_t round_up(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }

/* oct_start[k] for every octave k, and the most bounds inside one octave. */
static int octaves(const asim_webapp_params *p, uint16_t *oct_start)
{
    int span = 0;
    for (int k = 0, b = 0; k < OCT_N; k++) {
        double edge = ldexp(1.0, k - OCT_BIAS);
        while (b < p->nbuckets && p->bucket_bounds[b] < edge) b++;
        oct_start[k] = (uint16_t)b;
        if (k > 0 && b - oct_start[k - 1] > span) span = b - oct_start[k - 1];
    }
    if (p->nbuckets - oct_start[OCT_N - 1] > span) span = p->nbuckets - oct_start[OCT_N - 1];
    return span;
}

asim_webapp *asim_webapp_create(asim_evq *q, const asim_webapp_params *p,
                                const asim_webapp_hooks *hooks, int id)
{
    uint16_t oct_start[OCT_N];
    int oct_span = octaves(p, oct_start);
    size_t nw = (size_t)p->workers, nb = (size_t)p->nbuckets + 1;
    size_t nbf = p->workers > SMALL_WORKERS && p->workers <= BUSY_FRAC_MAX ? nw + 1 : 0;
    size_t nbounds = (size_t)p->nbuckets + (size_t)oct_span + 1;
    size_t o_free = round_up(sizeof(asim_webapp), LINE);
    size_t o_bucket = round_up(o_free + nw * sizeof(int), 8);
    size_t o_bounds = o_bucket + nb * sizeof(uint64_t);
    size_t o_slots = round_up(o_bounds + nbounds * sizeof(double), LINE);
    size_t o_cum = round_up(o_slots + nw * sizeof(slot), 8);
    size_t o_busy = o_cum + nb * sizeof(uint64_t);
    size_t size = o_busy + nbf * sizeof(double);
    char *raw = asim_calloc(1, size + LINE);
    char *mem = (char *)(((uintptr_t)raw + LINE - 1) & ~(uintptr_t)(LINE - 1));
    asim_webapp *w = (asim_webapp *)mem;
    w->mem = raw;
    w->slots = (slot *)(mem + o_slots);
    w->free_slots = (int *)(mem + o_free);
    w->bucket = (uint64_t *)(mem + o_bucket);
    w->bounds = (double *)(mem + o_bounds);
    w->bucket_cum = (uint64_t *)(mem + o_cum);
    if (p->workers <= SMALL_WORKERS)
        w->busy_frac = w->busy_frac_small;
    else if (nbf)
        w->busy_frac = (double *)(mem + o_busy);
    w->q = q;
    w->p = *p;
    w->h = *hooks;
    w->id = id;
    for (int i = 0; i < p->workers; i++)
        w->free_slots[i] = p->workers - 1 - i;    /* slot 0 on top */
    w->nfree = p->workers;
    if (w->busy_frac)
        for (int b = 0; b <= p->workers; b++)
            w->busy_frac[b] = (double)b / p->workers;
    w->cap = p->backlog < 64 ? p->backlog : 64;
    w->ring = asim_malloc((size_t)(w->cap > 0 ? w->cap : 1) * sizeof *w->ring);
    memcpy(w->oct_start, oct_start, sizeof oct_start);
    w->oct_span = oct_span;
    for (int b = 0; b < p->nbuckets + w->oct_span + 1; b++)
        w->bounds[b] = b < p->nbuckets ? p->bucket_bounds[b] : INFINITY;
    w->last_completion = -1;
    w->syn_free = -1;
    return w;
}

void asim_webapp_destroy(asim_webapp *w)
{
    if (!w) return;
    for (int i = 0; i < w->p.workers; i++)
        if (w->slots[i].timer) cancel_completion(w, i);
    for (int i = 0; i < w->syn_cap; i++)
        if (w->syn[i].timer) asim_evq_cancel(w->q, w->syn[i].timer);
    asim_free(w->syn);
    asim_free(w->ring);
    asim_free(w->mem);
}

int asim_webapp_id(const asim_webapp *w) { return w->id; }
int asim_webapp_busy(const asim_webapp *w) { return w->p.workers - w->nfree; }
int asim_webapp_waiting(const asim_webapp *w) { return w->waiting; }
int asim_webapp_in_flight(const asim_webapp *w) { return asim_webapp_busy(w) + w->waiting; }
asim_time asim_webapp_last_completion(const asim_webapp *w) { return w->last_completion; }

static void start_service(asim_webapp *w, const asim_request *r, asim_time now)
{
    cpu_advance(w, now);
    int s = w->free_slots[--w->nfree];
    w->slots[s].req = *r;
    schedule_completion(w, s, now);
}

static int ring_push(asim_webapp *w, const asim_request *r)
{
    if (w->waiting >= w->p.backlog) return -1;
    if (w->waiting == w->cap) {               /* grow: unwrap into a bigger ring */
        int ncap = w->cap * 2 > w->p.backlog ? w->p.backlog : w->cap * 2;
        asim_request *n = asim_malloc((size_t)ncap * sizeof *n);
        for (int i = 0; i < w->waiting; i++)
            n[i] = w->ring[(w->head + i) % w->cap];
        asim_free(w->ring);
        w->ring = n; w->cap = ncap; w->head = 0;
    }
    int tail = w->head + w->waiting;
    if (tail >= w->cap) tail -= w->cap;
    w->ring[tail] = *r;
    w->waiting++;
    return 0;
}

static asim_request ring_pop(asim_webapp *w)
{
    asim_request r = w->ring[w->head];
    if (++w->head == w->cap) w->head = 0;
    w->waiting--;
    return r;
}

/* A request leaves without being served.  Scrapes are not the simulation's
 * requests: the scraper learns of the loss through its own timeout. */
static void fail_request(asim_webapp *w, const asim_request *r, asim_fail_kind why, asim_time now)
{
    if (r->cls < 0) {
        w->scrapes_in--;
        return;
    }
    w->h.failed(w->h.ctx, r, why, now);
}

/* --- dropped SYNs ------------------------------------------------------------ */

static int syn_get(asim_webapp *w)
{
    if (w->syn_free < 0) {
        int ncap = w->syn_cap ? w->syn_cap * 2 : 16;
        w->syn = asim_realloc(w->syn, (size_t)ncap * sizeof *w->syn);
        for (int i = ncap - 1; i >= w->syn_cap; i--) {
            w->syn[i].timer = 0;
            w->syn[i].next = w->syn_free;
            w->syn_free = i;
        }
        w->syn_cap = ncap;
    }
    int i = w->syn_free;
    w->syn_free = w->syn[i].next;
    w->syn_pending++;
    return i;
}

static void syn_put(asim_webapp *w, int i)
{
    w->syn[i].timer = 0;
    w->syn[i].next = w->syn_free;
    w->syn_free = i;
    w->syn_pending--;
}

/* The SYN sent at `now` (retransmission number `attempt`, first SYN at
 * `first`) was dropped: schedule the next retransmission after the doubled
 * RTO, 2^attempt s, or the client's giving up. */
static void syn_dropped(asim_webapp *w, const asim_request *r, asim_time first, int attempt, asim_time now)
{
    int i = syn_get(w);
    synwait *e = &w->syn[i];
    e->req = *r;
    e->first = first;
    asim_time rto = ASIM_SEC(ldexp(1.0, attempt));
    asim_time deadline = first + ASIM_SEC(w->p.connect_timeout);
    asim_time at = now + rto;
    e->attempt = attempt + 1;
    if (attempt >= w->p.syn_retries || at >= deadline) e->attempt = -1;
    if (at > deadline) at = deadline;
    e->timer = asim_evq_at(w->q, at, on_syn_timer, w, (uint64_t)i);
}

/* A SYN reaches the listener: accepted by a free worker or the backlog, else
 * refused or dropped. */
static void offer_syn(asim_webapp *w, const asim_request *r, asim_time first, int attempt, asim_time now)
{
    if (w->nfree > 0) {
        start_service(w, r, now);
        return;
    }
    if (ring_push(w, r) == 0) return;
    if (w->p.syn_drop) syn_dropped(w, r, first, attempt, now);
    else fail_request(w, r, ASIM_FAIL_REJECTED, now);
}

static void on_syn_timer(void *ctx, uint64_t arg, asim_time now)
{
    asim_webapp *w = ctx;
    synwait e = w->syn[arg];
    syn_put(w, (int)arg);
    if (e.attempt < 0) {
        fail_request(w, &e.req, ASIM_FAIL_CONNECT_TIMEOUT, now);
        return;
    }
    if (w->h.syn_retry && e.req.cls >= 0) w->h.syn_retry(w->h.ctx, &e.req, now);
    offer_syn(w, &e.req, e.first, e.attempt, now);
}

/* Fail every connection still retrying its SYN (listener closed or killed). */
static void syn_fail_all(asim_webapp *w, asim_fail_kind why, asim_time now)
{
    for (int i = 0; i < w->syn_cap && w->syn_pending > 0; i++) {
        if (!w->syn[i].timer) continue;
        asim_evq_cancel(w->q, w->syn[i].timer);
        asim_request r = w->syn[i].req;
        syn_put(w, i);
        fail_request(w, &r, why, now);
    }
}

void asim_webapp_offer(asim_webapp *w, const asim_request *r, asim_time now)
{
    offer_syn(w, r, now, 0, now);
}

void asim_webapp_offer_scrape(asim_webapp *w, int target, int tag, double demand, asim_time now,
                              asim_scrape_done_fn done, void *ctx)
{
    w->scrape_done = done;
    w->scrape_ctx = ctx;
    w->scrapes_in++;
    asim_request r = { now, demand, -1 - target, tag, 0, 0 };
    asim_webapp_offer(w, &r, now);
}

/* Hand the freed worker to the next waiting request that has not timed out. */
static void serve_next(asim_webapp *w, asim_time now)
{
    asim_time limit = w->p.timeout > 0 ? ASIM_SEC(w->p.timeout) : ASIM_TIME_MAX;
    while (w->waiting > 0 && w->nfree > 0) {
        asim_request r = ring_pop(w);
        if (r.cls >= 0 && now - r.arrival >= limit) {
            w->h.failed(w->h.ctx, &r, ASIM_FAIL_TIMEOUT, now);
            continue;
        }
        start_service(w, &r, now);
    }
}

/* The histogram bucket of lat: the number of bounds below it (le is
 * inclusive; the bounds ascend).  The search starts at lat's octave (its
 * binary exponent, a table lookup), so it compares with the zero to
 * oct_span bounds inside that octave instead of searching all of them: a
 * full search cost 5 % of a soak run.  It always makes oct_span comparisons
 * and adds their results: a bound past the octave is above lat (the padding
 * +Inf too), so the extra ones add 0, and a loop of fixed length has no
 * mispredicted exit, which a loop until the first bound above lat had on
 * every request (perf: a third of the completion handler).  Out of the
 * table's range (and for 0, negatives, NaN: the sign or exponent puts them
 * there) it searches from 0. */
static int bucket_of(const asim_webapp *w, double lat)
{
    uint64_t u;
    memcpy(&u, &lat, sizeof u);
    unsigned k = (unsigned)(u >> 52) - (1023u - OCT_BIAS);
    const double *bound = w->bounds;
    if (k >= OCT_N) {
        int b = 0;
        while (b < w->p.nbuckets && lat > bound[b]) b++;
        return b;
    }
    /* the bounds ascend, so counting those below lat among the next
     * oct_span is the same as stepping while below; counted this way the
     * loads do not wait for each other's comparison */
    int b = w->oct_start[k], below = 0;        /* bounds of the octave below lat */
    for (int j = 0; j < w->oct_span; j++)
        below += lat > bound[b + j];
    return b + below;
}

static void record_latency(asim_webapp *w, double lat, double service)
{
    w->last_service = service;
    w->completed++;
    double t = w->dur_sum + lat;                  /* Neumaier */
    if (fabs(w->dur_sum) >= fabs(lat)) w->dur_comp += (w->dur_sum - t) + lat;
    else w->dur_comp += (lat - t) + w->dur_sum;
    w->dur_sum = t;
    w->bucket[bucket_of(w, lat)]++;
    w->last_latency = lat;
    w->win_sum += lat;
    w->win_n++;
}

static void finish(asim_webapp *w, int arg, int ok, asim_time now);

static void on_complete(void *ctx, uint64_t arg, asim_time now)
{
    asim_webapp *w = ctx;
    slot *s = &w->slots[arg];
    s->timer = 0;
    if (s->req.cls >= 0 && s->req.calls && w->h.call) {
        uint32_t id = w->h.call(w->h.ctx, w, (int)arg, &s->req, now);
        if (id) {               /* the worker blocks on the call (a sync worker) */
            s->timer = CALL_WAIT;
            s->call_id = id;
            return;
        }
    }
    finish(w, (int)arg, 1, now);
}

void asim_webapp_call_returned(asim_webapp *w, int arg, uint32_t id, int ok, asim_time now)
{
    if (arg < 0 || arg >= w->p.workers) return;
    slot *s = &w->slots[arg];
    if (s->timer != CALL_WAIT || s->call_id != id) return;
    s->timer = 0;
    finish(w, arg, ok, now);
}

/* Worker arg is done with its request: account for it, take the next. */
static void finish(asim_webapp *w, int arg, int ok, asim_time now)
{
    slot *s = &w->slots[arg];
    asim_request r = s->req;
    cpu_advance(w, now);
    /* The /metrics handler reads the metrics while it holds its worker: the
     * scraper's snapshot is taken before the worker and the scrape leave. */
    if (r.cls < 0) w->scrape_done(w->scrape_ctx, w, -1 - r.cls, r.tag, now);
    w->free_slots[w->nfree++] = (int)arg;
    double lat = ASIM_TO_SEC(now - r.arrival);
    if (r.cls < 0) {
        w->scrapes_in--;
    } else if (!ok) {
        w->h.failed(w->h.ctx, &r, ASIM_FAIL_REJECTED, now);
    } else if (w->p.timeout > 0 && lat > w->p.timeout) {
        w->h.failed(w->h.ctx, &r, ASIM_FAIL_TIMEOUT, now);
    } else {
        record_latency(w, lat, r.demand);
        w->last_completion = now;
        w->h.completed(w->h.ctx, &r, lat, now);
    }
    serve_next(w, now);
    if (w->draining && w->nfree == w->p.workers && w->waiting == 0)
        w->h.drained(w->h.ctx, w, now);
}

void asim_webapp_drain(asim_webapp *w, int mode, asim_time now)
{
    w->draining = 1;
    w->drain_mode = mode;
    syn_fail_all(w, ASIM_FAIL_REJECTED, now);
    if (mode != ASIM_DRAIN_FINISH) {
        while (w->waiting > 0) {
            asim_request r = ring_pop(w);
            if (r.cls >= 0 && mode == ASIM_DRAIN_REQUEUE && w->h.requeue) w->h.requeue(w->h.ctx, &r, now);
            else fail_request(w, &r, ASIM_FAIL_DROPPED, now);
        }
    }
    if (w->nfree == w->p.workers && w->waiting == 0)
        w->h.drained(w->h.ctx, w, now);
}

void asim_webapp_kill(asim_webapp *w, asim_time now)
{
    cpu_advance(w, now);
    syn_fail_all(w, ASIM_FAIL_DROPPED, now);
    for (int i = 0; i < w->p.workers; i++) {
        if (!w->slots[i].timer) continue;
        cancel_completion(w, i);
        w->free_slots[w->nfree++] = i;
        fail_request(w, &w->slots[i].req, ASIM_FAIL_DROPPED, now);
    }
    while (w->waiting > 0) {
        asim_request r = ring_pop(w);
        fail_request(w, &r, ASIM_FAIL_DROPPED, now);
    }
}

static double current_gauge(const asim_webapp *w)
{
    double s = w->p.mean_service;
    if (w->nfree > 0) return s;
    return s + (double)(w->waiting + 1) * s / w->p.workers;
}

void asim_webapp_scrape(asim_webapp *w, asim_time now, asim_webapp_snapshot *s)
{
    cpu_advance(w, now);
    s->frozen = w->completed == w->completed_at_scrape;
    switch (w->p.gauge_mode) {
    case ASIM_GAUGE_LAST_REQUEST:
        s->response_time = w->last_latency;
        break;
    case ASIM_GAUGE_HANDLER:
        s->response_time = w->last_service;
        break;
    case ASIM_GAUGE_WINDOW_MEAN:
        if (w->win_n > 0) w->window_gauge = w->win_sum / (double)w->win_n;
        s->response_time = w->window_gauge;
        break;
    default:
        s->response_time = current_gauge(w);
        s->frozen = 0;
        break;
    }
    w->win_sum = 0;
    w->win_n = 0;
    w->completed_at_scrape = w->completed;
    s->request_count = asim_webapp_in_flight(w) - w->scrapes_in;
    s->total_requests = (double)w->completed;
    s->health = w->draining ? 0 : 1;
    s->duration_sum = w->dur_sum + w->dur_comp;
    s->duration_count = (double)w->completed;
    uint64_t c = 0;
    for (int b = 0; b <= w->p.nbuckets; b++) {
        c += w->bucket[b];
        w->bucket_cum[b] = c;
    }
    s->bucket_cum = w->bucket_cum;
    s->cpu_seconds = w->cpu_area;
    /* On a shared host a busy worker may get less than a core: the counter
     * is the CPU the cgroup really used, on the same scale (per worker). */
    if (w->cpu) s->cpu_seconds = asim_cgroup_cpu_seconds(w->cpu) / w->p.workers;
}
