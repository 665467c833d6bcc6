/* cluster.c -- container lifecycle, balancer and actuator (see cluster.h).
 *
 * Invariants:
 *  - `ready` lists the slots of READY containers in ascending replica number;
 *    a container entering or leaving READY is inserted or removed in place
 *    (binary search + memmove), so routing a request is O(1) for round robin
 *    and random and scaling to N replicas costs O(N) small moves, not sorts;
 *  - a new container takes the lowest free replica number and the lowest
 *    free slot (Compose's naming; slots reused first), each found in a bitmap
 *    from a hint (`lowest_free`): O(1) amortised, where it once scanned every
 *    container for every candidate number (O(N^3) to start N replicas);
 *  - `by_number` maps a replica number in use to its slot (set on creation,
 *    cleared when REMOVED): a scrape, a returning call and a drained
 *    replica find their container in O(1), where a scan of every slot made
 *    a scrape round O(N^2) (at 10,000 replicas 5 % of the run);
 *  - `count[s]` is the number of slots in state s (REMOVED included), so
 *    `compose ps` and the simulation's per-change bookkeeping are O(1);
 *  - at most one playbook runs; `queued_target` >= 0 holds a request made
 *    while it ran;
 *  - a slot's webapp exists from creation until the container is REMOVED. */
#include "models/stack/cluster.h"
#include "sim/engine/idmap.h"

#include <string.h>
#include <gsl/gsl_rng.h>
#include "models/stack/host.h"

typedef struct container {
    int number;
    asim_cstate state;
    asim_webapp *app;
    asim_timer timer;           /* start (STARTING) or kill (DRAINING) */
    asim_cgroup *cg;            /* on a shared host; NULL without hosts */
    int start_on_cpu;           /* timer is the start-up thread on cg, not an event */
} container;

/* A set of small non-negative integers that hands out the lowest free one. */
typedef struct idset {
    uint64_t *bits;             /* bit i set: i is taken */
    size_t nwords;
    size_t hint;                /* no free id below word `hint` */
} idset;

struct asim_cluster {
    asim_evq *q;
    const asim_config *cfg;
    asim_webapp_params app;
    asim_webapp_hooks outer;    /* the simulation's accounting hooks */
    asim_webapp_hooks inner;    /* what replicas call: forwards + lifecycle */
    asim_cluster_hooks hooks;
    asim_cluster_rngs rng;
    container *c;
    int nslots, capslots;
    int *ready;
    int nready;
    int rr;                     /* round-robin cursor into ready[] */
    idset numbers;              /* replica numbers in use (bit n-1 for number n) */
    idset slots;                /* slots not REMOVED */
    asim_idmap by_number;       /* replica number -> its slot */
    int count[ASIM_CONTAINER_REMOVED + 1];
    int actuating;
    int target;                 /* target of the running/last playbook */
    int queued_target;          /* -1: none */
    asim_time last_completion;
    int port_slot;              /* published_port: route_published's last answer; -2: stale */
    asim_hosts *hosts;          /* NULL: every replica has its own CPU */
    asim_cgroup *playbook_cg;   /* hosts.playbook_cpu: the playbook's CPU on host 1 */
};

static void on_started(void *ctx, uint64_t slot, asim_time now);
static void on_kill(void *ctx, uint64_t slot, asim_time now);
static void on_applied(void *ctx, uint64_t arg, asim_time now);
static void on_playbook_done(void *ctx, uint64_t arg, asim_time now);

/* --- id sets ---------------------------------------------------------- */

static int idset_take_lowest(idset *s)
{
    size_t w = s->hint;
    while (w < s->nwords && s->bits[w] == UINT64_MAX)
        w++;
    if (w == s->nwords) {
        size_t n = s->nwords ? s->nwords * 2 : 4;
        s->bits = asim_realloc(s->bits, n * sizeof *s->bits);
        memset(s->bits + s->nwords, 0, (n - s->nwords) * sizeof *s->bits);
        s->nwords = n;
    }
    s->hint = w;
    int b = __builtin_ctzll(~s->bits[w]);
    s->bits[w] |= UINT64_C(1) << b;
    return (int)(w * 64) + b;
}

static void idset_release(idset *s, int id)
{
    size_t w = (size_t)id / 64;
    s->bits[w] &= ~(UINT64_C(1) << (id % 64));
    if (w < s->hint) s->hint = w;
}

/* --- ready list ---------------------------------------------------------- */

/* Index in ready[] of the first container numbered >= number. */
static int ready_pos(const asim_cluster *cl, int number)
{
    int lo = 0, hi = cl->nready;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cl->c[cl->ready[mid]].number < number) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* The round-robin cursor keeps its index into the changed list (as when
 * the list was rebuilt from scratch). */
static void ready_changed(asim_cluster *cl)
{
    if (cl->nready) cl->rr %= cl->nready;
    else cl->rr = 0;
}

static void ready_insert(asim_cluster *cl, int slot)
{
    int j = ready_pos(cl, cl->c[slot].number);
    memmove(cl->ready + j + 1, cl->ready + j, (size_t)(cl->nready - j) * sizeof *cl->ready);
    cl->ready[j] = slot;
    cl->nready++;
    ready_changed(cl);
}

static void ready_remove(asim_cluster *cl, int slot)
{
    int j = ready_pos(cl, cl->c[slot].number);
    if (j == cl->nready || cl->ready[j] != slot) return;
    memmove(cl->ready + j, cl->ready + j + 1, (size_t)(cl->nready - j - 1) * sizeof *cl->ready);
    cl->nready--;
    ready_changed(cl);
}

/* Every state change goes through here, for count[] and ready[]. */
static void set_state(asim_cluster *cl, int i, asim_cstate s)
{
    container *k = &cl->c[i];
    if (k->state == s) return;
    cl->port_slot = -2;
    if (k->state == ASIM_CONTAINER_READY) ready_remove(cl, i);
    cl->count[k->state]--;
    cl->count[s]++;
    k->state = s;
    if (s == ASIM_CONTAINER_READY) ready_insert(cl, i);
    if (s == ASIM_CONTAINER_REMOVED) {
        asim_idmap_set(&cl->by_number, k->number, -1);
        idset_release(&cl->numbers, k->number - 1);
        idset_release(&cl->slots, i);
    }
}

static void notify(asim_cluster *cl, asim_time now)
{
    if (cl->hooks.changed) cl->hooks.changed(cl->hooks.ctx, now);
}

/* The webapp's id is its replica number. */
static int slot_of(asim_cluster *cl, const asim_webapp *w)
{
    int i = asim_cluster_find(cl, asim_webapp_id(w));
    return i >= 0 && cl->c[i].app == w ? i : -1;
}

static void cancel_timer(asim_cluster *cl, container *k)
{
    if (k->timer && k->start_on_cpu) asim_cgroup_cancel(k->cg, k->timer);
    else if (k->timer) asim_evq_cancel(cl->q, k->timer);
    k->timer = 0;
    k->start_on_cpu = 0;
}

static void remove_container(asim_cluster *cl, int i, asim_time now)
{
    container *k = &cl->c[i];
    cancel_timer(cl, k);
    asim_webapp_destroy(k->app);
    k->app = NULL;
    asim_cgroup_release(k->cg);
    k->cg = NULL;
    set_state(cl, i, ASIM_CONTAINER_REMOVED);
    if (now >= 0) notify(cl, now);
}

/* --- replica hooks ----------------------------------------------------- */

static void fwd_completed(void *ctx, const asim_request *r, double latency, asim_time now)
{
    asim_cluster *cl = ctx;
    cl->last_completion = now;
    cl->outer.completed(cl->outer.ctx, r, latency, now);
}

static void fwd_failed(void *ctx, const asim_request *r, asim_fail_kind why, asim_time now)
{
    asim_cluster *cl = ctx;
    cl->outer.failed(cl->outer.ctx, r, why, now);
}

static uint32_t fwd_call(void *ctx, asim_webapp *w, int slot, const asim_request *r, asim_time now)
{
    asim_cluster *cl = ctx;
    return cl->outer.call ? cl->outer.call(cl->outer.ctx, w, slot, r, now) : 0;
}

static void fwd_syn_retry(void *ctx, const asim_request *r, asim_time now)
{
    asim_cluster *cl = ctx;
    if (cl->outer.syn_retry) cl->outer.syn_retry(cl->outer.ctx, r, now);
}

static void on_drained(void *ctx, asim_webapp *w, asim_time now)
{
    asim_cluster *cl = ctx;
    ASIM_UNUSED(now);
    int i = slot_of(cl, w);
    if (i < 0) return;
    /* Destroying the replica from inside its own completion handler is not
     * safe; finish the removal in a zero-delay event. */
    cancel_timer(cl, &cl->c[i]);
    cl->c[i].timer = asim_evq_after(cl->q, 0, on_kill, cl, (uint64_t)i);
}

static void on_requeue(void *ctx, const asim_request *r, asim_time now)
{
    asim_cluster_route(ctx, r, now);
}

/* --- lifecycle ---------------------------------------------------------- */

/* The lowest REMOVED slot, else a new one (a new slot starts REMOVED). */
static int new_slot(asim_cluster *cl)
{
    int i = idset_take_lowest(&cl->slots);
    if (i < cl->nslots) return i;
    if (cl->nslots == cl->capslots) {
        cl->capslots = cl->capslots ? cl->capslots * 2 : 8;
        cl->c = asim_realloc(cl->c, (size_t)cl->capslots * sizeof *cl->c);
        cl->ready = asim_realloc(cl->ready, (size_t)cl->capslots * sizeof *cl->ready);
    }
    cl->c[i].state = ASIM_CONTAINER_REMOVED;
    cl->count[ASIM_CONTAINER_REMOVED]++;
    return cl->nslots++;
}

static int create_container(asim_cluster *cl, asim_cstate state, asim_time now)
{
    int number = idset_take_lowest(&cl->numbers) + 1;
    int i = new_slot(cl);
    container *k = &cl->c[i];
    k->number = number;
    asim_idmap_set(&cl->by_number, number, i);
    set_state(cl, i, state);
    k->app = asim_webapp_create(cl->q, &cl->app, &cl->inner, number);
    k->timer = 0;
    k->start_on_cpu = 0;
    k->cg = NULL;
    if (cl->hosts) {
        const asim_hosts_cfg *hc = &cl->cfg->ext.hosts;
        k->cg = asim_hosts_place(cl->hosts, hc->cpu_limit, hc->cpu_period, hc->cpu_request);
        asim_webapp_set_cpu(k->app, k->cg);
    }
    notify(cl, now);
    if (state == ASIM_CONTAINER_STARTING) {
        double d = asim_dist_sample(&cl->cfg->container.start_latency, cl->rng.start);
        if (k->cg && cl->cfg->ext.hosts.startup_cpu) {
            /* the start-up (image, interpreter, app import) is CPU-bound:
             * one thread of d CPU-seconds on the new container's host */
            k->start_on_cpu = 1;
            k->timer = asim_cgroup_run(k->cg, d, on_started, cl, (uint64_t)i);
        } else {
            k->timer = asim_evq_at(cl->q, now + ASIM_SEC(d), on_started, cl, (uint64_t)i);
        }
    }
    return i;
}

static void on_started(void *ctx, uint64_t slot, asim_time now)
{
    asim_cluster *cl = ctx;
    cl->c[slot].timer = 0;
    cl->c[slot].start_on_cpu = 0;
    set_state(cl, (int)slot, ASIM_CONTAINER_READY);
    notify(cl, now);
}

static void on_kill(void *ctx, uint64_t slot, asim_time now)
{
    asim_cluster *cl = ctx;
    container *k = &cl->c[slot];
    k->timer = 0;
    if (k->state != ASIM_CONTAINER_DRAINING) return;
    asim_webapp_kill(k->app, now);
    remove_container(cl, (int)slot, now);
}

static void stop_container(asim_cluster *cl, int i, asim_time now)
{
    container *k = &cl->c[i];
    int was_starting = k->state == ASIM_CONTAINER_STARTING;
    cancel_timer(cl, k);
    set_state(cl, i, ASIM_CONTAINER_DRAINING);
    notify(cl, now);
    if (was_starting) {          /* nothing to drain */
        remove_container(cl, i, now);
        return;
    }
    k->timer = asim_evq_after(cl->q, ASIM_SEC(cl->cfg->container.stop_grace_period), on_kill, cl, (uint64_t)i);
    asim_webapp_drain(k->app, (int)cl->cfg->container.drain, now);
}

/* The highest-numbered running (starting or ready) container, or -1. */
static int highest_running(const asim_cluster *cl)
{
    int best = -1;
    for (int i = 0; i < cl->nslots; i++) {
        asim_cstate s = cl->c[i].state;
        if ((s == ASIM_CONTAINER_STARTING || s == ASIM_CONTAINER_READY) &&
            (best < 0 || cl->c[i].number > cl->c[best].number))
            best = i;
    }
    return best;
}

static void apply_scale(asim_cluster *cl, int target, asim_time now)
{
    int running = asim_cluster_compose_ps(cl);
    for (; running < target; running++)
        create_container(cl, ASIM_CONTAINER_STARTING, now);
    for (; running > target; running--)
        stop_container(cl, highest_running(cl), now);
}

/* --- actuator ------------------------------------------------------------ */

static void start_playbook(asim_cluster *cl, int target, asim_time now)
{
    cl->actuating = 1;
    cl->target = target;
    double lat = asim_dist_sample(&cl->cfg->actuator.latency, cl->rng.actuation);
    if (cl->playbook_cg)        /* ansible is CPU-bound: slower on a busy host */
        asim_cgroup_run(cl->playbook_cg, lat, on_applied, cl, (uint64_t)target);
    else
        asim_evq_at(cl->q, now + ASIM_SEC(lat), on_applied, cl, (uint64_t)target);
}

static void on_applied(void *ctx, uint64_t arg, asim_time now)
{
    asim_cluster *cl = ctx;
    apply_scale(cl, (int)arg, now);
    if (cl->hooks.applied) cl->hooks.applied(cl->hooks.ctx, (int)arg, now);
    asim_evq_after(cl->q, ASIM_SEC(cl->cfg->actuator.stabilization_wait), on_playbook_done, cl, arg);
}

static void on_playbook_done(void *ctx, uint64_t arg, asim_time now)
{
    asim_cluster *cl = ctx;
    cl->actuating = 0;
    if (cl->hooks.actuation_done)
        cl->hooks.actuation_done(cl->hooks.ctx, (int)arg, asim_cluster_compose_ps(cl), now);
    if (cl->queued_target >= 0) {
        int t = cl->queued_target;
        cl->queued_target = -1;
        if (t != asim_cluster_compose_ps(cl)) start_playbook(cl, t, now);
    }
}

int asim_cluster_scale(asim_cluster *cl, int target, asim_time now)
{
    if (target < 0) target = 0;
    if (cl->actuating) {
        cl->queued_target = target;
        return 0;
    }
    start_playbook(cl, target, now);
    return 1;
}

/* --- public ------------------------------------------------------------- */

asim_cluster *asim_cluster_create(asim_evq *q, const asim_config *cfg,
                                  const asim_webapp_params *app,
                                  const asim_webapp_hooks *app_hooks,
                                  const asim_cluster_hooks *hooks,
                                  const asim_cluster_rngs *rngs)
{
    return asim_cluster_create_on(q, cfg, app, app_hooks, hooks, rngs, NULL);
}

asim_cluster *asim_cluster_create_on(asim_evq *q, const asim_config *cfg,
                                     const asim_webapp_params *app,
                                     const asim_webapp_hooks *app_hooks,
                                     const asim_cluster_hooks *hooks,
                                     const asim_cluster_rngs *rngs,
                                     asim_hosts *hosts)
{
    asim_cluster *cl = asim_calloc(1, sizeof *cl);
    cl->q = q;
    cl->hosts = hosts;
    if (hosts && cfg->ext.hosts.playbook_cpu)
        cl->playbook_cg = asim_hosts_place_on(hosts, 0, 0, 0.1, 0);
    cl->cfg = cfg;
    cl->app = *app;
    cl->outer = *app_hooks;
    cl->inner.ctx = cl;
    cl->inner.completed = fwd_completed;
    cl->inner.failed = fwd_failed;
    cl->inner.drained = on_drained;
    cl->inner.requeue = on_requeue;
    cl->inner.syn_retry = fwd_syn_retry;
    cl->inner.call = fwd_call;
    cl->hooks = *hooks;
    cl->rng = *rngs;
    cl->queued_target = -1;
    cl->last_completion = -1;
    cl->port_slot = -2;
    for (int i = 0; i < cfg->container.initial_replicas; i++)
        create_container(cl, ASIM_CONTAINER_READY, 0);
    if (cl->capslots == 0) {             /* zero initial replicas */
        cl->capslots = 8;
        cl->c = asim_calloc(8, sizeof *cl->c);
        cl->ready = asim_calloc(8, sizeof *cl->ready);
    }
    cl->target = cfg->container.initial_replicas;
    return cl;
}

void asim_cluster_destroy(asim_cluster *cl)
{
    if (!cl) return;
    cl->nready = 0;        /* discarded whole: removing entries one by one from its front was O(N^2) */
    for (int i = 0; i < cl->nslots; i++)
        if (cl->c[i].state != ASIM_CONTAINER_REMOVED) remove_container(cl, i, -1);
    asim_cgroup_release(cl->playbook_cg);
    asim_free(cl->c);
    asim_free(cl->ready);
    asim_free(cl->numbers.bits);
    asim_idmap_free(&cl->by_number);
    asim_free(cl->slots.bits);
    asim_free(cl);
}

static int least_connections(const asim_cluster *cl)
{
    int best = cl->ready[0];
    int best_n = asim_webapp_in_flight(cl->c[best].app);
    for (int j = 1; j < cl->nready; j++) {
        int n = asim_webapp_in_flight(cl->c[cl->ready[j]].app);
        if (n < best_n) { best = cl->ready[j]; best_n = n; }
    }
    return best;
}

/* published_port: the container holding the host port is the oldest one
 * still running (compose removes the highest numbers first); a connection
 * to it while it is not ready is refused. */
static void route_published(asim_cluster *cl, const asim_request *r, asim_time now)
{
    int best = cl->port_slot;            /* numbers and states change only in set_state */
    if (best == -2) {
        best = -1;
        for (int i = 0; i < cl->nslots; i++) {
            if (cl->c[i].state == ASIM_CONTAINER_REMOVED) continue;
            if (best < 0 || cl->c[i].number < cl->c[best].number) best = i;
        }
        cl->port_slot = best;
    }
    if (best < 0 || cl->c[best].state != ASIM_CONTAINER_READY)
        cl->outer.failed(cl->outer.ctx, r, ASIM_FAIL_REJECTED, now);
    else
        asim_webapp_offer(cl->c[best].app, r, now);
}

void asim_cluster_route(asim_cluster *cl, const asim_request *r, asim_time now)
{
    if (cl->cfg->balancer.mode == ASIM_ENTRY_PUBLISHED_PORT) {
        route_published(cl, r, now);
        return;
    }
    if (cl->nready == 0) {
        cl->outer.failed(cl->outer.ctx, r, ASIM_FAIL_REJECTED, now);
        return;
    }
    int i;
    switch (cl->cfg->balancer.policy) {
    case ASIM_LB_RANDOM:
        i = cl->ready[gsl_rng_uniform_int(cl->rng.balancer, (unsigned long)cl->nready)];
        break;
    case ASIM_LB_LEAST_CONNECTIONS:
        i = least_connections(cl);
        break;
    default:
        i = cl->ready[cl->rr];
        if (++cl->rr == cl->nready) cl->rr = 0;
        break;
    }
    asim_webapp_offer(cl->c[i].app, r, now);
}

int asim_cluster_actuating(const asim_cluster *cl) { return cl->actuating; }
int asim_cluster_target(const asim_cluster *cl) { return cl->queued_target >= 0 ? cl->queued_target : cl->target; }

int asim_cluster_count(const asim_cluster *cl, asim_cstate s) { return cl->count[s]; }

int asim_cluster_compose_ps(const asim_cluster *cl)
{
    return asim_cluster_count(cl, ASIM_CONTAINER_STARTING) + asim_cluster_count(cl, ASIM_CONTAINER_READY);
}

int asim_cluster_in_flight(const asim_cluster *cl)
{
    int n = 0;
    for (int i = 0; i < cl->nslots; i++)
        if (cl->c[i].app) n += asim_webapp_in_flight(cl->c[i].app);
    return n;
}

int asim_cluster_slots(const asim_cluster *cl) { return cl->nslots; }
asim_cstate asim_cluster_state(const asim_cluster *cl, int i) { return cl->c[i].state; }
int asim_cluster_number(const asim_cluster *cl, int i) { return cl->c[i].number; }
asim_webapp *asim_cluster_webapp(asim_cluster *cl, int i) { return cl->c[i].app; }
asim_time asim_cluster_last_completion(const asim_cluster *cl) { return cl->last_completion; }

int asim_cluster_host_of(const asim_cluster *cl, int i)
{
    return cl->c[i].cg ? asim_cgroup_host(cl->c[i].cg) : -1;
}

int asim_cluster_find(const asim_cluster *cl, int number)
{
    return asim_idmap_get(&cl->by_number, number);
}
