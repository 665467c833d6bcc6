/* test_evq.c -- the pending-event set: ordering, cancel/reschedule, handles,
 * pool reuse, and a randomized comparison against a naive sorted model. */
#include "sim/engine/evq.h"
#include "check.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

/* A log of (arg, time) pairs the handlers append to. */
typedef struct run_log {
    size_t n;
    uint64_t arg[4096];
    asim_time at[4096];
} run_log;

static void record(void *ctx, uint64_t arg, asim_time now)
{
    run_log *l = ctx;
    if (l->n < ASIM_ARRAY_LEN(l->arg)) {
        l->arg[l->n] = arg;
        l->at[l->n] = now;
    }
    l->n++;
}

static void test_order_and_fifo_ties(void)
{
    asim_evq *q = asim_evq_create(0);
    static run_log l;
    l.n = 0;
    /* Interleave three instants; within each instant the insertion order must hold. */
    for (uint64_t i = 0; i < 300; i++)
        asim_evq_at(q, (asim_time)(30 - 10 * (i % 3)), record, &l, i);
    CHECK(asim_evq_pending(q) == 300);
    CHECK(asim_evq_next_time(q) == 10);
    CHECK(asim_evq_run(q, ASIM_TIME_MAX) == 300);
    CHECK(l.n == 300);
    int ok = 1;
    for (size_t k = 1; k < l.n; k++) {
        if (l.at[k] < l.at[k - 1] || (l.at[k] == l.at[k - 1] && l.arg[k] <= l.arg[k - 1]))
            ok = 0;
    }
    CHECK(ok);
    CHECK(l.arg[0] == 2 && l.arg[99] == 299 && l.arg[100] == 1 && l.arg[299] == 297);
    CHECK(asim_evq_dispatched(q) == 300);
    CHECK(asim_evq_now(q) == 30);             /* horizon MAX leaves the clock at the last event */
    CHECK(asim_evq_next_time(q) == ASIM_TIME_MAX);
    asim_evq_destroy(q);
    asim_evq_destroy(NULL);
}

static void test_cancel_reschedule_stale(void)
{
    asim_evq *q = asim_evq_create(4);
    static run_log l;
    l.n = 0;
    asim_timer a = asim_evq_at(q, 100, record, &l, 1);
    asim_timer b = asim_evq_at(q, 200, record, &l, 2);
    asim_timer c = asim_evq_at(q, 300, record, &l, 3);
    asim_timer d = asim_evq_at(q, 300, record, &l, 4);
    CHECK(a && b && c && d && a != b && c != d);
    CHECK(asim_evq_when(q, b) == 200);
    CHECK(asim_evq_cancel(q, b) == 1);
    CHECK(asim_evq_cancel(q, b) == 0);          /* already cancelled */
    CHECK(asim_evq_when(q, b) == -1);
    CHECK(asim_evq_reschedule(q, b, 500) == 0);
    CHECK(asim_evq_cancel(q, 0) == 0);
    CHECK(asim_evq_cancel(q, UINT64_C(0xffffffff00000007)) == 0);  /* never issued */
    /* The freed node is reused; the old handle must not reach the new event. */
    asim_timer e = asim_evq_at(q, 250, record, &l, 5);
    CHECK(e != b);
    CHECK(asim_evq_cancel(q, b) == 0);
    CHECK(asim_evq_when(q, e) == 250);
    /* Rescheduling c to 300 again puts it after d (new sequence number). */
    CHECK(asim_evq_reschedule(q, c, 300) == 1);
    /* Move a later and e earlier. */
    CHECK(asim_evq_reschedule(q, a, 260) == 1);
    CHECK(asim_evq_reschedule(q, e, 50) == 1);
    CHECK(asim_evq_when(q, a) == 260 && asim_evq_when(q, e) == 50);
    CHECK(asim_evq_pending(q) == 4);
    CHECK(asim_evq_step(q, 49) == 0);           /* next event is after the horizon */
    CHECK(asim_evq_now(q) == 0);
    CHECK(asim_evq_step(q, 50) == 1);
    CHECK(asim_evq_now(q) == 50);
    CHECK(asim_evq_cancel(q, e) == 0);          /* already ran */
    CHECK(asim_evq_run(q, 1000) == 3);
    CHECK(asim_evq_now(q) == 1000);             /* run moves the clock to the horizon */
    CHECK(l.n == 4);
    CHECK(l.arg[0] == 5 && l.arg[1] == 1 && l.arg[2] == 4 && l.arg[3] == 3);
    CHECK(l.at[0] == 50 && l.at[1] == 260 && l.at[2] == 300 && l.at[3] == 300);
    asim_evq_destroy(q);
}

/* Handlers that schedule, cancel themselves and stop the loop. */
typedef struct chain {
    asim_evq *q;
    asim_timer self;
    int self_cancel;
    int count;
    run_log *log;
} chain;

static void chain_fn(void *ctx, uint64_t arg, asim_time now)
{
    chain *c = ctx;
    c->self_cancel = asim_evq_cancel(c->q, c->self);   /* must be stale: it is running */
    record(c->log, arg, now);
    if (++c->count == 5) {
        asim_evq_stop(c->q);
        return;
    }
    /* A zero-delay event orders after everything already due now. */
    c->self = asim_evq_after(c->q, 0, chain_fn, c, arg + 1);
}

static void test_handlers_and_stop(void)
{
    asim_evq *q = asim_evq_create(0);
    static run_log l;
    l.n = 0;
    chain c = { q, 0, -1, 0, &l };
    c.self = asim_evq_at(q, 10, chain_fn, &c, 100);
    asim_evq_at(q, 10, record, &l, 1);
    asim_evq_at(q, 10, record, &l, 2);
    asim_evq_at(q, 20, record, &l, 3);
    uint64_t ran = asim_evq_run(q, 1000);
    CHECK(c.self_cancel == 0);
    CHECK(c.count == 5);
    /* 100, 1, 2, then the chain at t=10: 101, 102, 103, 104 (stop). */
    CHECK(ran == 7);
    CHECK(l.arg[0] == 100 && l.arg[1] == 1 && l.arg[2] == 2 && l.arg[3] == 101 && l.arg[6] == 104);
    CHECK(asim_evq_now(q) == 10);               /* stopped: the clock stays */
    CHECK(asim_evq_pending(q) == 1);
    CHECK(asim_evq_run(q, 1000) == 1);
    CHECK(asim_evq_now(q) == 1000);
    /* after() saturates instead of overflowing. */
    asim_timer t = asim_evq_after(q, ASIM_TIME_MAX, record, &l, 9);
    CHECK(asim_evq_when(q, t) == ASIM_TIME_MAX);
    asim_evq_destroy(q);
}

/* The dispatched root stays in the heap until the handler's first schedule
 * overwrites it (evq.c): whatever a handler asks or does must see it gone. */
typedef struct inside {
    asim_evq *q;
    run_log *log;
    asim_timer other, late;
    size_t pending;
    asim_time next;
    int cancelled;
} inside;

static void inside_fn(void *ctx, uint64_t arg, asim_time now)
{
    inside *in = ctx;
    record(in->log, arg, now);
    in->pending = asim_evq_pending(in->q);
    in->next = asim_evq_next_time(in->q);
    in->cancelled = asim_evq_cancel(in->q, in->other);            /* before any schedule */
    asim_evq_at(in->q, now + 100, record, in->log, 7);             /* later than all: sifts down */
    asim_evq_at(in->q, now, record, in->log, 8);                   /* due now: after the tie at 10 */
    CHECK(asim_evq_reschedule(in->q, in->late, now + 1));
}

static void test_handler_sees_root_gone(void)
{
    asim_evq *q = asim_evq_create(0);
    static run_log l;
    l.n = 0;
    inside in = { q, &l, 0, 0, 0, 0, 0 };
    asim_evq_at(q, 10, inside_fn, &in, 1);
    asim_evq_at(q, 10, record, &l, 2);
    in.other = asim_evq_at(q, 30, record, &l, 3);
    in.late = asim_evq_at(q, 40, record, &l, 4);
    asim_evq_at(q, 50, record, &l, 5);
    CHECK(asim_evq_next_time(q) == 10 && asim_evq_pending(q) == 5);
    CHECK(asim_evq_run(q, 1000) == 6);
    CHECK(in.pending == 4 && in.next == 10 && in.cancelled == 1);
    /* 1; 2 (due at 10 before 8 was scheduled); 8 at 10; 4 moved to 11; 5; 7 */
    uint64_t want[] = { 1, 2, 8, 4, 5, 7 };
    asim_time at[] = { 10, 10, 10, 11, 50, 110 };
    CHECK(l.n == 6);
    for (size_t i = 0; i < 6 && i < l.n; i++)
        CHECK_MSG(l.arg[i] == want[i] && l.at[i] == at[i], "event %zu: %llu at %lld", i,
                  (unsigned long long)l.arg[i], (long long)l.at[i]);
    /* A handler that schedules nothing: the root is removed after it. */
    asim_evq_at(q, 2000, record, &l, 9);
    CHECK(asim_evq_run(q, 3000) == 1 && asim_evq_pending(q) == 0);
    CHECK(asim_evq_next_time(q) == ASIM_TIME_MAX);
    asim_evq_destroy(q);
}

/* --- randomized comparison with a naive model -------------------------- */

typedef struct model_ev {
    asim_time at;
    uint64_t seq, id;
    int pending;
    asim_timer h;
} model_ev;

static uint64_t xs_state;
static uint64_t xs(void)        /* xorshift64*: the test's own, independent of GSL */
{
    xs_state ^= xs_state >> 12;
    xs_state ^= xs_state << 25;
    xs_state ^= xs_state >> 27;
    return xs_state * UINT64_C(2685821657736338717);
}

/* The pending model event with the smallest (at, seq), or -1. */
static long model_min(const model_ev *m, size_t n)
{
    long best = -1;
    for (size_t i = 0; i < n; i++) {
        if (!m[i].pending)
            continue;
        if (best < 0 || m[i].at < m[best].at || (m[i].at == m[best].at && m[i].seq < m[best].seq))
            best = (long)i;
    }
    return best;
}

/* osc: the mix swings between mostly schedules and mostly removals whenever
 * the pending count reaches 4 or 40, so the queue crosses its sorted/heap
 * thresholds (evq.c: 24 and 12) back and forth. */
static int random_run(uint64_t seed, int nops, int osc)
{
    enum { MAXEV = 20000 };
    static model_ev m[MAXEV];
    static run_log l;
    size_t nm = 0, npending = 0;
    uint64_t seq = 0;
    int mismatches = 0;
    asim_evq *q = asim_evq_create(0);
    xs_state = seed;
    l.n = 0;
    int down = 0;
    for (int op = 0; op < nops && nm < MAXEV; op++) {
        uint64_t r = xs() % 100;
        if (osc) {
            if (npending >= 40) down = 1;
            if (npending <= 4) down = 0;
            if (down && r < 40) r = 75 + r % 25;       /* a step instead */
            else if (!down && r >= 75) r %= 40;         /* a schedule instead */
        }
        asim_time now = asim_evq_now(q);
        if (r < 40) {                                   /* schedule; small range forces ties */
            asim_time at = now + (asim_time)(xs() % 20);
            model_ev *e = &m[nm];
            e->at = at; e->seq = seq++; e->id = nm; e->pending = 1;
            e->h = asim_evq_at(q, at, record, &l, nm);
            nm++; npending++;
        } else if (r < 55 && nm) {                      /* cancel, often stale */
            model_ev *e = &m[xs() % nm];
            int got = asim_evq_cancel(q, e->h);
            if (got != e->pending)
                mismatches++;
            if (e->pending) { e->pending = 0; npending--; }
        } else if (r < 70 && nm) {                      /* reschedule */
            model_ev *e = &m[xs() % nm];
            asim_time at = now + (asim_time)(xs() % 20);
            int got = asim_evq_reschedule(q, e->h, at);
            if (got != e->pending)
                mismatches++;
            if (e->pending) { e->at = at; e->seq = seq++; }
        } else if (r < 75 && nm) {                      /* when */
            model_ev *e = &m[xs() % nm];
            if (asim_evq_when(q, e->h) != (e->pending ? e->at : -1))
                mismatches++;
        } else {                                        /* step */
            long want = model_min(m, nm);
            l.n = 0;
            int ran = asim_evq_step(q, ASIM_TIME_MAX);
            if (ran != (want >= 0))
                mismatches++;
            if (want >= 0) {
                if (l.n != 1 || l.arg[0] != m[want].id || asim_evq_now(q) != m[want].at)
                    mismatches++;
                m[want].pending = 0;
                npending--;
            }
        }
        if (asim_evq_pending(q) != npending)
            mismatches++;
    }
    /* Drain: the remaining events must come out in model order. */
    for (long want; (want = model_min(m, nm)) >= 0;) {
        l.n = 0;
        if (!asim_evq_step(q, ASIM_TIME_MAX) || l.n != 1 || l.arg[0] != m[want].id)
            mismatches++;
        m[want].pending = 0;
    }
    if (asim_evq_pending(q) != 0)
        mismatches++;
    asim_evq_destroy(q);
    return mismatches;
}

static void test_random_against_model(void)
{
    int nops = getenv("ASIM_SANITIZED") ? 4000 : 20000;
    for (uint64_t seed = 1; seed <= 8; seed++) {
        int bad = random_run(seed * UINT64_C(0x9E3779B97F4A7C15), nops, 0);
        CHECK_MSG(bad == 0, "seed %llu: %d mismatches", (unsigned long long)seed, bad);
        bad = random_run(seed * UINT64_C(0x9E3779B97F4A7C15), nops, 1);
        CHECK_MSG(bad == 0, "seed %llu, oscillating: %d mismatches", (unsigned long long)seed, bad);
    }
}

/* --- lanes ---------------------------------------------------------------- */

/* A world of S self-rescheduling streams (like arrival sources) and events
 * they spawn into the queue (like completions), with ties on purpose: gaps
 * of 0..3 ns.  Run once with the streams in lanes and once with them as
 * ordinary events: the same events must run in the same order, with the
 * same pending counts and next times along the way. */
typedef struct lane_world {
    asim_evq *q;
    int lanes[8];                  /* stream -> lane, -1: ordinary events */
    uint64_t x;                    /* LCG state */
    run_log log;
    size_t pending_sum;
    uint64_t next_sum;             /* wraps: ASIM_TIME_MAX when nothing else is pending */
    int budget;
} lane_world;

static uint64_t lw_next(lane_world *w)
{
    w->x = w->x * 6364136223846793005u + 1442695040888963407u;
    return w->x >> 33;
}

static void lw_spawned(void *ctx, uint64_t arg, asim_time now)
{
    lane_world *w = ctx;
    record(&w->log, arg, now);
    w->pending_sum += asim_evq_pending(w->q);
}

static void lw_stream(void *ctx, uint64_t arg, asim_time now);

static void lw_schedule_stream(lane_world *w, int s, asim_time at)
{
    if (w->lanes[s] >= 0)
        asim_evq_lane_at(w->q, w->lanes[s], at, (uint64_t)s);
    else
        asim_evq_at(w->q, at, lw_stream, w, (uint64_t)s);
}

static void lw_stream(void *ctx, uint64_t arg, asim_time now)
{
    lane_world *w = ctx;
    record(&w->log, 1000 + arg, now);
    w->pending_sum += asim_evq_pending(w->q);
    w->next_sum += (uint64_t)asim_evq_next_time(w->q);
    if (--w->budget <= 0)
        return;
    int spawn = (int)(lw_next(w) % 3);
    for (int k = 0; k < spawn; k++)        /* before the stream's next: its sequence is later */
        asim_evq_at(w->q, now + (asim_time)(lw_next(w) % 4), lw_spawned, w, w->log.n * 10 + (uint64_t)k);
    lw_schedule_stream(w, (int)arg, now + (asim_time)(lw_next(w) % 4));
}

static void lane_run(lane_world *w, int nstreams, int use_lanes)
{
    w->q = asim_evq_create(0);
    w->x = 12345;
    w->log.n = 0;
    w->pending_sum = 0;
    w->next_sum = 0;
    w->budget = 3000;
    for (int s = 0; s < nstreams; s++)
        w->lanes[s] = use_lanes ? asim_evq_lane(w->q, lw_stream, w) : -1;
    for (int s = 0; s < nstreams; s++)
        lw_schedule_stream(w, s, (asim_time)(s % 2));
    asim_evq_run(w->q, 1500);             /* a horizon in the middle, then the rest */
    asim_evq_run(w->q, ASIM_TIME_MAX);
    CHECK(asim_evq_pending(w->q) == 0 && asim_evq_next_time(w->q) == ASIM_TIME_MAX);
    asim_evq_destroy(w->q);
}

static void test_lanes_keep_the_order(void)
{
    static lane_world a, b;
    for (int n = 1; n <= 6; n++) {       /* 5 and 6 streams: more than the lanes */
        lane_run(&a, n, 0);
        lane_run(&b, n, 1);
        CHECK(a.log.n == b.log.n && a.log.n > 3000);
        size_t same = 0;
        for (size_t i = 0; i < a.log.n && i < ASIM_ARRAY_LEN(a.log.arg); i++)
            same += a.log.arg[i] == b.log.arg[i] && a.log.at[i] == b.log.at[i];
        CHECK_MSG(same == (a.log.n < ASIM_ARRAY_LEN(a.log.arg) ? a.log.n : ASIM_ARRAY_LEN(a.log.arg)),
                  "%d streams: %zu of %zu events in the same order", n, same, a.log.n);
        CHECK(a.pending_sum == b.pending_sum && a.next_sum == b.next_sum);
    }
    asim_evq *q = asim_evq_create(0);
    for (int i = 0; i < ASIM_EVQ_LANES; i++)
        CHECK(asim_evq_lane(q, lw_stream, NULL) == i);
    CHECK(asim_evq_lane(q, lw_stream, NULL) == -1);
    asim_evq_destroy(q);
}

/* --- pool reuse ---------------------------------------------------------- */

typedef struct hold {
    asim_evq *q;
    uint64_t x;
} hold;

static void hold_fn(void *ctx, uint64_t arg, asim_time now)
{
    hold *h = ctx;
    h->x = h->x * 6364136223846793005u + 1442695040888963407u;
    asim_evq_after(h->q, (asim_time)(h->x >> 44), hold_fn, h, arg);
}

static void test_pool_reuse(void)
{
    asim_evq *q = asim_evq_create(0);
    hold h = { q, 42 };
    for (uint64_t i = 0; i < 100; i++)
        asim_evq_at(q, (asim_time)i, hold_fn, &h, i);
    size_t cap = asim_evq_capacity(q);
    CHECK(cap >= 100 && cap <= 256);
    for (int i = 0; i < 200000; i++)
        asim_evq_step(q, ASIM_TIME_MAX);
    CHECK(asim_evq_pending(q) == 100);
    CHECK(asim_evq_capacity(q) == cap);         /* no growth in steady state */
    /* Cancel + re-add churn does not grow it either. */
    for (int i = 0; i < 10000; i++) {
        asim_timer t = asim_evq_after(q, 5, hold_fn, &h, 0);
        CHECK(asim_evq_cancel(q, t) == 1);
    }
    CHECK(asim_evq_capacity(q) == cap);
    asim_evq_destroy(q);

    asim_evq *big = asim_evq_create(1000);
    CHECK(asim_evq_capacity(big) == 1000);
    for (int i = 0; i < 5000; i++)
        asim_evq_at(big, i % 7, record, NULL, 0);
    CHECK(asim_evq_capacity(big) >= 5000 && asim_evq_capacity(big) <= 8000);
    asim_evq_destroy(big);
}

/* Scheduling in the past is a bug: the process must abort. */
static void test_past_asserts(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0)
            dup2(fd, 2);
        asim_evq *q = asim_evq_create(0);
        asim_evq_run(q, 100);
        asim_evq_at(q, 99, record, NULL, 0);
        _exit(0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

int main(void)
{
    RUN(test_order_and_fifo_ties);
    RUN(test_cancel_reschedule_stale);
    RUN(test_handlers_and_stop);
    RUN(test_handler_sees_root_gone);
    RUN(test_random_against_model);
    RUN(test_lanes_keep_the_order);
    RUN(test_pool_reuse);
    RUN(test_past_asserts);
    return check_report();
}
