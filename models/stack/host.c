/* host.c -- processor sharing on hosts, CFS bandwidth limits (see host.h).
 *
 * Invariants:
 *  - a group's V, used quota and CPU counter are exact up to g->last; they
 *    are brought to `now` (advance) before anything that changes the
 *    group's rate or its number of runnable threads;
 *  - a host's busy-core area is exact up to ho->last (host_advance) and is
 *    brought up to date before its busy cores change;
 *  - an active thread has a pending completion event iff its group's rate
 *    is > 0 (a throttled group has none; they are rescheduled on refill);
 *  - a PERIOD-limited group has a pending quota event while it is throttled
 *    (at the next period start) or running (at the earlier of exhaustion
 *    and the next period start); an idle group has none and refills lazily;
 *  - handles are (generation << 32) | (slot + 1), so a stale handle (its
 *    thread ended, the slot reused) is recognised and ignored. */
#include "models/stack/host.h"

#include <string.h>

typedef struct cjob {
    double tag;                 /* V at which the work is done */
    asim_timer timer;
    asim_cpu_done_fn fn;
    void *ctx;
    uint64_t arg;
    uint32_t gen;
    int active;
    int next;                   /* free list */
} cjob;

struct asim_cgroup {
    asim_hosts *hs;
    int host;
    /* threads */
    cjob *jobs;
    size_t cap;
    int free_head;
    int nrun;
    /* processor sharing */
    double V;                   /* CPU-seconds one thread has received */
    double rate;                /* cores per thread now */
    asim_time last;
    double cpu;                 /* CPU-seconds used, all threads */
    /* CFS bandwidth */
    double limit;               /* cores, 0 none */
    asim_time period;
    double quota;               /* CPU-seconds per period */
    double used;                /* in the current period */
    asim_time pstart;           /* start of the current period */
    int throttled;
    long nr_throttled;
    asim_timer qtimer;
    double request;
    int container;              /* placed by asim_hosts_place (counts for spread) */
};

typedef struct host {
    asim_cgroup **g;
    size_t cap;
    int n;
    double busy;                /* cores in use now */
    double area;                /* CPU-seconds used up to last */
    asim_time last;
    int runnable;
    double requested;
    long nr_throttled;          /* of every group that ran here */
    int containers;             /* groups placed by asim_hosts_place */
} host;

struct asim_hosts {
    asim_evq *q;
    asim_hosts_cfg cfg;
    host *h;
    /* water-filling scratch, one entry per group of one host */
    struct wf { double cap, w, rate; } *wf;
    size_t wfcap;
};

static void on_job(void *ctx, uint64_t arg, asim_time now);
static void on_quota(void *ctx, uint64_t arg, asim_time now);

/* --- bookkeeping ------------------------------------------------------- */

static void host_advance(host *ho, asim_time now)
{
    if (now > ho->last) {
        ho->area += ho->busy * ASIM_TO_SEC(now - ho->last);
        ho->last = now;
    }
}

static void advance(asim_cgroup *g, asim_time now)
{
    if (now > g->last) {
        double dt = ASIM_TO_SEC(now - g->last);
        double used = g->nrun * g->rate * dt;
        g->V += g->rate * dt;
        g->cpu += used;
        g->used += used;
        g->last = now;
    }
}

static int period_limited(const asim_cgroup *g)
{
    return g->limit > 0 && g->hs->cfg.limit_model == ASIM_QUOTA_PERIOD;
}

/* An idle group's periods passed without events: refill now. */
static void quota_catch_up(asim_cgroup *g, asim_time now)
{
    if (!period_limited(g) || now < g->pstart + g->period) return;
    g->pstart += (now - g->pstart) / g->period * g->period;
    g->used = 0;
}

static void retime_quota(asim_cgroup *g, asim_time now)
{
    if (!period_limited(g)) return;
    asim_time at = -1;
    asim_time next_period = g->pstart + g->period;
    if (g->throttled) {
        at = next_period;
    } else if (g->nrun > 0 && g->rate > 0) {
        double left = g->quota - g->used;
        asim_time ex = now + ASIM_SEC((left > 0 ? left : 0) / (g->nrun * g->rate));
        at = ex < next_period ? ex : next_period;
    }
    if (at < 0) {
        if (g->qtimer) asim_evq_cancel(g->hs->q, g->qtimer);
        g->qtimer = 0;
    } else if (!g->qtimer || !asim_evq_reschedule(g->hs->q, g->qtimer, at)) {
        g->qtimer = asim_evq_at(g->hs->q, at, on_quota, g, 0);
    }
}

/* Move every thread's completion to match the group's (new) rate. */
static void retime_jobs(asim_cgroup *g, asim_time now)
{
    asim_evq *q = g->hs->q;
    for (size_t i = 0; i < g->cap; i++) {
        cjob *j = &g->jobs[i];
        if (!j->active) continue;
        if (g->rate <= 0) {
            if (j->timer) asim_evq_cancel(q, j->timer);
            j->timer = 0;
            continue;
        }
        double left = j->tag - g->V;
        asim_time at = now + ASIM_SEC((left > 0 ? left : 0) / g->rate);
        if (!j->timer || !asim_evq_reschedule(q, j->timer, at))
            j->timer = asim_evq_at(q, at, on_job, g, (uint64_t)i);
    }
}

/* Water filling over the host's groups: group i wants up to cap[i] cores
 * with weight w[i]; the level L rises until the cores are used up or every
 * cap is met.  A group whose cap is below w L gets its cap and leaves; the
 * rest share what remains in proportion to their weights.  Per-thread
 * rates go to rate[]. */
static void water_fill(asim_hosts *hs, const host *ho)
{
    int n = ho->n;
    double left = hs->cfg.cores;
    int fluid = hs->cfg.limit_model == ASIM_QUOTA_FLUID;
    for (int i = 0; i < n; i++) {
        const asim_cgroup *g = ho->g[i];
        int k = g->throttled ? 0 : g->nrun;
        hs->wf[i].cap = k;
        if (fluid && g->limit > 0 && g->limit < k) hs->wf[i].cap = g->limit;
        hs->wf[i].w = k == 0 ? 0 : hs->cfg.sharing == ASIM_SHARE_THREADS ? k : 1;
        hs->wf[i].rate = -1;                      /* not fixed yet */
        if (k == 0) hs->wf[i].rate = 0;
    }
    for (;;) {
        double W = 0;
        for (int i = 0; i < n; i++)
            if (hs->wf[i].rate < 0) W += hs->wf[i].w;
        if (W == 0) return;
        double L = left / W;
        int fixed = 0;
        for (int i = 0; i < n; i++) {
            if (hs->wf[i].rate >= 0 || hs->wf[i].cap > hs->wf[i].w * L) continue;
            int k = ho->g[i]->nrun;
            hs->wf[i].rate = hs->wf[i].cap / k;      /* k / k is exactly 1 */
            left -= hs->wf[i].cap;
            fixed = 1;
        }
        if (fixed) continue;
        for (int i = 0; i < n; i++)
            if (hs->wf[i].rate < 0) hs->wf[i].rate = L * (hs->wf[i].w / ho->g[i]->nrun);
        return;
    }
}

/* The runnable set of host `hi` changed: new rates; events move only for
 * groups whose rate changed, and for `touched` (whose thread count did). */
static void reshare(asim_hosts *hs, int hi, asim_cgroup *touched, asim_time now)
{
    host *ho = &hs->h[hi];
    host_advance(ho, now);
    water_fill(hs, ho);
    double busy = 0;
    int runnable = 0;
    for (int i = 0; i < ho->n; i++) {
        asim_cgroup *g = ho->g[i];
        double r = hs->wf[i].rate;
        if (r != g->rate) {
            advance(g, now);
            g->rate = r;
            retime_jobs(g, now);
            retime_quota(g, now);
        } else if (g == touched) {
            retime_quota(g, now);
        }
        if (!g->throttled) runnable += g->nrun;
        busy += g->nrun * r;
    }
    ho->busy = busy;
    ho->runnable = runnable;
}

/* --- threads ---------------------------------------------------------- */

static int job_get(asim_cgroup *g)
{
    if (g->free_head < 0) {
        size_t old = g->cap;
        ASIM_GROW(g->jobs, g->cap, old + 1, 4);
        for (size_t i = g->cap; i-- > old;) {
            memset(&g->jobs[i], 0, sizeof g->jobs[i]);
            g->jobs[i].next = g->free_head;
            g->free_head = (int)i;
        }
    }
    int i = g->free_head;
    g->free_head = g->jobs[i].next;
    return i;
}

static void job_put(asim_cgroup *g, int i)
{
    cjob *j = &g->jobs[i];
    j->active = 0;
    j->timer = 0;
    j->gen++;
    j->next = g->free_head;
    g->free_head = i;
}

uint64_t asim_cgroup_run(asim_cgroup *g, double work, asim_cpu_done_fn fn, void *ctx, uint64_t arg)
{
    asim_hosts *hs = g->hs;
    asim_time now = asim_evq_now(hs->q);
    if (work < 0) work = 0;
    host_advance(&hs->h[g->host], now);
    advance(g, now);
    if (g->nrun == 0 && !g->throttled) quota_catch_up(g, now);
    int i = job_get(g);
    cjob *j = &g->jobs[i];
    j->tag = g->V + work;
    j->fn = fn;
    j->ctx = ctx;
    j->arg = arg;
    j->active = 1;
    g->nrun++;
    reshare(hs, g->host, g, now);
    /* A fresh thread at rate 1 finishes exactly `work` after now, as an
     * event scheduled without hosts would (work / 1.0 is work). */
    if (g->rate > 0 && !j->timer)
        j->timer = asim_evq_at(hs->q, now + ASIM_SEC(work / g->rate), on_job, g, (uint64_t)i);
    return ((uint64_t)j->gen << 32) | (uint64_t)(i + 1);
}

/* End thread i (done or cancelled) and reshare the host. */
static void job_end(asim_cgroup *g, int i, asim_time now)
{
    asim_hosts *hs = g->hs;
    host_advance(&hs->h[g->host], now);
    advance(g, now);
    job_put(g, i);
    g->nrun--;
    reshare(hs, g->host, g, now);
}

static void on_job(void *ctx, uint64_t arg, asim_time now)
{
    asim_cgroup *g = ctx;
    cjob *j = &g->jobs[arg];
    asim_cpu_done_fn fn = j->fn;
    void *fctx = j->ctx;
    uint64_t farg = j->arg;
    j->timer = 0;
    job_end(g, (int)arg, now);
    fn(fctx, farg, now);
}

void asim_cgroup_cancel(asim_cgroup *g, uint64_t job)
{
    size_t i = (size_t)(job & 0xffffffffu);
    if (i == 0 || i > g->cap) return;
    cjob *j = &g->jobs[i - 1];
    if (!j->active || j->gen != (uint32_t)(job >> 32)) return;
    if (j->timer) asim_evq_cancel(g->hs->q, j->timer);
    j->timer = 0;
    job_end(g, (int)(i - 1), asim_evq_now(g->hs->q));
}

/* Quota used up (throttle until the next period) or a new period (refill). */
static void on_quota(void *ctx, uint64_t arg, asim_time now)
{
    asim_cgroup *g = ctx;
    ASIM_UNUSED(arg);
    g->qtimer = 0;
    host_advance(&g->hs->h[g->host], now);
    advance(g, now);
    if (now >= g->pstart + g->period) {
        g->pstart += (now - g->pstart) / g->period * g->period;
        g->used = 0;
        g->throttled = 0;
    } else {
        g->used = g->quota;
        if (!g->throttled) {
            g->nr_throttled++;
            g->hs->h[g->host].nr_throttled++;
        }
        g->throttled = 1;
    }
    reshare(g->hs, g->host, g, now);
}

/* --- hosts and groups -------------------------------------------------- */

asim_hosts *asim_hosts_create(asim_evq *q, const asim_hosts_cfg *cfg)
{
    asim_hosts *hs = asim_calloc(1, sizeof *hs);
    hs->q = q;
    hs->cfg = *cfg;
    if (hs->cfg.count < 1) hs->cfg.count = 1;
    if (hs->cfg.cores < 1) hs->cfg.cores = 1;
    hs->h = asim_calloc((size_t)hs->cfg.count, sizeof *hs->h);
    for (int i = 0; i < hs->cfg.count; i++) hs->h[i].last = asim_evq_now(q);
    return hs;
}

void asim_hosts_destroy(asim_hosts *hs)
{
    if (!hs) return;
    for (int i = 0; i < hs->cfg.count; i++) asim_free(hs->h[i].g);
    asim_free(hs->h);
    asim_free(hs->wf);
    asim_free(hs);
}

int asim_hosts_count(const asim_hosts *hs) { return hs->cfg.count; }
int asim_hosts_cores(const asim_hosts *hs) { return hs->cfg.cores; }

static int pick_host(const asim_hosts *hs, double request)
{
    int best = 0;
    if (hs->cfg.placement == ASIM_PLACE_PACK) {
        for (int i = 0; i < hs->cfg.count; i++)
            if (hs->h[i].requested + request <= hs->cfg.cores + 1e-9) return i;
        for (int i = 1; i < hs->cfg.count; i++)
            if (hs->h[i].requested < hs->h[best].requested) best = i;
        return best;
    }
    for (int i = 1; i < hs->cfg.count; i++)
        if (hs->h[i].containers < hs->h[best].containers) best = i;
    return best;
}

asim_cgroup *asim_hosts_place_on(asim_hosts *hs, int hi, double limit, double period, double request)
{
    asim_time now = asim_evq_now(hs->q);
    asim_cgroup *g = asim_calloc(1, sizeof *g);
    g->hs = hs;
    g->host = hi;
    g->free_head = -1;
    g->last = now;
    g->limit = limit > 0 ? limit : 0;
    g->period = ASIM_SEC(period > 0 ? period : 0.1);
    if (g->period < 1) g->period = 1;
    g->quota = g->limit * ASIM_TO_SEC(g->period);
    g->pstart = now;
    g->request = request;
    host *ho = &hs->h[hi];
    ASIM_GROW(ho->g, ho->cap, (size_t)ho->n + 1, 8);
    ho->g[ho->n++] = g;
    ho->requested += request;
    ASIM_GROW(hs->wf, hs->wfcap, (size_t)ho->n, 8);
    return g;
}

asim_cgroup *asim_hosts_place(asim_hosts *hs, double limit, double period, double request)
{
    asim_cgroup *g = asim_hosts_place_on(hs, pick_host(hs, request), limit, period, request);
    g->container = 1;
    hs->h[g->host].containers++;
    return g;
}

void asim_cgroup_release(asim_cgroup *g)
{
    if (!g) return;
    asim_hosts *hs = g->hs;
    asim_time now = asim_evq_now(hs->q);
    host *ho = &hs->h[g->host];
    host_advance(ho, now);
    for (size_t i = 0; i < g->cap; i++)
        if (g->jobs[i].timer) asim_evq_cancel(hs->q, g->jobs[i].timer);
    if (g->qtimer) asim_evq_cancel(hs->q, g->qtimer);
    int pos = 0;
    while (pos < ho->n && ho->g[pos] != g) pos++;
    memmove(ho->g + pos, ho->g + pos + 1, (size_t)(ho->n - pos - 1) * sizeof *ho->g);
    ho->n--;
    ho->requested -= g->request;
    ho->containers -= g->container;
    reshare(hs, g->host, NULL, now);
    asim_free(g->jobs);
    asim_free(g);
}

int asim_cgroup_host(const asim_cgroup *g) { return g->host; }
int asim_cgroup_runnable(const asim_cgroup *g) { return g->nrun; }
int asim_cgroup_throttled(const asim_cgroup *g) { return g->throttled; }
long asim_cgroup_nr_throttled(const asim_cgroup *g) { return g->nr_throttled; }

double asim_cgroup_cpu_seconds(asim_cgroup *g)
{
    advance(g, asim_evq_now(g->hs->q));
    return g->cpu;
}

double asim_hosts_busy_seconds(asim_hosts *hs, int i)
{
    host_advance(&hs->h[i], asim_evq_now(hs->q));
    return hs->h[i].area;
}

int asim_hosts_runnable(const asim_hosts *hs, int i) { return hs->h[i].runnable; }
int asim_hosts_groups(const asim_hosts *hs, int i) { return hs->h[i].containers; }
double asim_hosts_busy_cores(const asim_hosts *hs, int i) { return hs->h[i].busy; }
long asim_hosts_nr_throttled(const asim_hosts *hs, int i) { return hs->h[i].nr_throttled; }
