/* pool.c -- forked simulation workers fed over pipes (see pool.h).
 *
 * Each worker has two pipes: jobs (parent writes, worker reads) and results
 * (worker writes, parent reads).  A job message is a fixed header followed
 * by the assignment text and the output directory; a result message is a
 * fixed header followed by the summary's metrics.  A worker has at most one
 * job, so the parent never blocks writing a job, and it reads a result only
 * when poll says one is ready (the worker writes it in one go).
 *
 * Invariants: a child closes every descriptor of the other workers and the
 * signalfd (else a pipe's reader would never see EOF); children leave with
 * _exit (stdio buffers inherited from the parent, such as a half-filled
 * runs.csv buffer, must never be flushed twice); the signalfd is checked
 * before any worker's EOF, so a Ctrl-C that kills the workers too is seen as
 * an interruption, not as jobs that failed. */
#include "sim/sweep/pool.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/engine/output.h"
#include "sim/config/settings.h"

#define ASSIGN_MAX (64u * 1024u)

typedef struct job_msg {
    uint64_t id, seed;
    uint32_t assign_len, out_len;
} job_msg;

typedef struct result_msg {
    uint64_t id;
    int32_t rc;
    uint32_t n;
    asim_run_stats stats;
    char err[sizeof(((asim_err *)0)->msg)];
    char scenario[sizeof(((asim_summary *)0)->scenario)];
    uint64_t seed;
} result_msg;

/* A message is its header and what follows it, at most: */
#define JOB_MSG_MAX (sizeof(job_msg) + 2 * (size_t)ASSIGN_MAX)
#define RESULT_MSG_MAX (sizeof(result_msg) + ASIM_SUMMARY_MAX * sizeof(asim_metric))

/* The length of the message whose header starts buf (SIZE_MAX: invalid). */
static size_t job_msg_len(const char *buf)
{
    job_msg m;
    memcpy(&m, buf, sizeof m);
    if (m.assign_len > ASSIGN_MAX || m.out_len > ASSIGN_MAX)
        return SIZE_MAX;
    return sizeof m + m.assign_len + m.out_len;
}

static size_t result_msg_len(const char *buf)
{
    result_msg r;
    memcpy(&r, buf, sizeof r);
    if (r.n > ASIM_SUMMARY_MAX)
        return SIZE_MAX;
    return sizeof r + r.n * sizeof(asim_metric);
}

typedef struct worker {
    pid_t pid;
    int job_fd;        /* parent -> worker */
    int res_fd;        /* worker -> parent */
    int busy;
    uint64_t job_id;
} worker;

struct asim_pool {
    asim_config base;
    char *msg;         /* a result being read (RESULT_MSG_MAX bytes) */
    unsigned flags;
    unsigned n;
    worker *w;
    int sig_fd;
    sigset_t old_mask;
    struct sigaction old_pipe;
};

unsigned asim_pool_default_workers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : (unsigned)n;
}

/* ---- I/O helpers ----------------------------------------------------- */

/* Full write of the n pieces of iov, in one system call when the pipe has
 * room (a message is one write: system calls are a run's largest fixed cost
 * after its set-up); -1 on error (EPIPE when the reader is gone).  iov is
 * consumed. */
static int writev_full(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t k = writev(fd, iov, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        size_t left = (size_t)k;              /* skip what was written */
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return 0;
}

/* Read at least min (> 0) and at most max bytes: the count, 0 on EOF before
 * the first byte, -1 on error or EOF before min.  The pipes carry one message
 * at a time (a worker has at most one job, and sends one result for it), so
 * reading up to max never takes bytes of the next message; one read usually
 * gets a whole message. */
static ssize_t read_some(int fd, void *buf, size_t min, size_t max)
{
    char *p = buf;
    size_t got = 0;
    while (got < min) {
        ssize_t k = read(fd, p + got, max - got);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (k == 0)
            return got == 0 ? 0 : -1;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/* Full read: 1 done, 0 EOF before the first byte, -1 error or EOF midway. */
static int read_full(int fd, void *buf, size_t len)
{
    if (len == 0)
        return 1;
    ssize_t k = read_some(fd, buf, len, len);
    return k < 0 ? -1 : k == 0 ? 0 : 1;
}

/* A whole message of at most max bytes whose length the first head bytes
 * tell (msg_len): 1 done, 0 EOF before the first byte, -1 error, EOF midway
 * or a length above max. */
static int read_message(int fd, char *buf, size_t head, size_t max, size_t (*msg_len)(const char *))
{
    ssize_t got = read_some(fd, buf, head, max);
    if (got <= 0)
        return (int)got;
    size_t len = msg_len(buf);
    if (len < head || len > max || (size_t)got > len)
        return -1;
    return read_full(fd, buf + got, len - (size_t)got) == 1 ? 1 : -1;
}

/* One line for a CSV cell: line breaks become spaces. */
static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r')
            *s = ' ';
}

/* ---- config building -------------------------------------------------- */

int asim_pool_build_config(asim_config *cfg, const asim_config *base, const char *assign, asim_err *err)
{
    asim_config_copy(cfg, base);
    const char *sets[64];
    char *copies[64];
    size_t n = 0;
    int rc = 0;
    const char *p = assign ? assign : "";
    while (*p && rc == 0) {
        size_t k = strcspn(p, "\n");
        if (k > 0) {
            char *line = asim_malloc(k + 1);
            memcpy(line, p, k);
            line[k] = 0;
            rc = asim_config_set(cfg, line, err);
            if (n < ASIM_ARRAY_LEN(copies)) {
                copies[n] = line;
                sets[n] = line;
                n++;
            } else
                asim_free(line);
        }
        p += k + (p[k] == '\n');
    }
    if (rc == 0)
        rc = asim_config_validate_sets(cfg, sets, n, err);
    for (size_t i = 0; i < n; i++)
        asim_free(copies[i]);
    return rc;
}

/* ---- the worker -------------------------------------------------------- */

/* Runs jobs until the parent closes the pipe.  One sim cache for the
 * worker's life: its runs (and the validation of their configurations)
 * reuse parsed queries and the runs' allocations (sim_cache.h). */
static void worker_run(const asim_config *base, unsigned flags, int in, int out)
{
    char *msg = asim_malloc(JOB_MSG_MAX);
    char *assign = asim_malloc(ASSIGN_MAX + 1);
    char *dir = asim_malloc(ASSIGN_MAX + 1);
    asim_summary *sum = asim_malloc(sizeof *sum);
    asim_sim_cache *cache = asim_sim_cache_create();
    for (;;) {
        job_msg m;
        if (read_message(in, msg, sizeof m, JOB_MSG_MAX, job_msg_len) != 1)
            break;
        memcpy(&m, msg, sizeof m);
        memcpy(assign, msg + sizeof m, m.assign_len);
        memcpy(dir, msg + sizeof m + m.assign_len, m.out_len);
        assign[m.assign_len] = 0;
        dir[m.out_len] = 0;

        result_msg r;
        memset(&r, 0, sizeof r);
        r.id = m.id;
        asim_err err = {""};
        asim_config cfg;
        int rc = asim_pool_build_config(&cfg, base, assign, &err);
        if (rc == 0 && m.out_len > 0)
            rc = asim_mkdirs(dir, &err);
        if (rc == 0)
            rc = asim_simulate_cached(cache, &cfg, m.seed, m.out_len > 0 ? dir : NULL, flags, sum, &r.stats,
                                      &err);
        asim_config_free(&cfg);
        r.rc = rc;
        if (rc) {
            snprintf(r.err, sizeof r.err, "%s", err.msg);
            one_line(r.err);
            r.n = 0;
        } else {
            r.n = (uint32_t)sum->n;
            memcpy(r.scenario, sum->scenario, sizeof r.scenario);
            r.seed = sum->seed;
        }
        struct iovec iov[2] = {{&r, sizeof r}, {sum->m, r.n * sizeof sum->m[0]}};
        if (writev_full(out, iov, 2) != 0)
            break;
    }
    asim_sim_cache_destroy(cache);
    asim_free(msg);
    asim_free(assign);
    asim_free(dir);
    asim_free(sum);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Fork worker i; 0 or -1 (errno set). */
static int spawn(asim_pool *p, unsigned i)
{
    int jp[2], rp[2];
    if (pipe(jp) != 0)
        return -1;
    if (pipe(rp) != 0) {
        close(jp[0]);
        close(jp[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(jp[0]); close(jp[1]); close(rp[0]); close(rp[1]);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        /* Child: only its own two pipe ends stay open. */
        for (unsigned k = 0; k < p->n; k++)
            if (k != i) {
                close_fd(&p->w[k].job_fd);
                close_fd(&p->w[k].res_fd);
            }
        close_fd(&p->sig_fd);
        close(jp[1]);
        close(rp[0]);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGINT);
        sigaddset(&s, SIGTERM);
        sigaddset(&s, SIGHUP);
        sigprocmask(SIG_UNBLOCK, &s, NULL);
        worker_run(&p->base, p->flags, jp[0], rp[1]);
        _exit(0);
    }
    close(jp[0]);
    close(rp[1]);
    p->w[i] = (worker){.pid = pid, .job_fd = jp[1], .res_fd = rp[0], .busy = 0, .job_id = 0};
    return 0;
}

/* Reap worker i (already dead or about to be: its pipe hit EOF); the
 * signal that killed it, 0 if it exited, -1 if unknown. */
static int reap(asim_pool *p, unsigned i)
{
    worker *w = &p->w[i];
    close_fd(&w->job_fd);
    close_fd(&w->res_fd);
    int st = 0, sig = -1;
    if (w->pid > 0 && waitpid(w->pid, &st, 0) == w->pid)
        sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    w->pid = -1;
    return sig;
}

static void restore_signals(asim_pool *p)
{
    if (p->sig_fd >= 0) {
        struct signalfd_siginfo si;
        while (read(p->sig_fd, &si, sizeof si) == (ssize_t)sizeof si)
            ;      /* drain: unblocking must not deliver them again */
        close_fd(&p->sig_fd);
    }
    sigprocmask(SIG_SETMASK, &p->old_mask, NULL);
    sigaction(SIGPIPE, &p->old_pipe, NULL);
}

asim_pool *asim_pool_create(const asim_config *base, unsigned workers, unsigned flags, asim_err *err)
{
    if (workers < 1)
        workers = 1;
    if (workers > 255)
        workers = 255;         /* one poll() set */
    asim_pool *p = asim_calloc(1, sizeof *p);
    p->msg = asim_malloc(RESULT_MSG_MAX);
    asim_config_copy(&p->base, base);
    p->flags = flags;
    p->n = workers;
    p->w = asim_calloc(workers, sizeof *p->w);
    for (unsigned i = 0; i < workers; i++)
        p->w[i] = (worker){.pid = -1, .job_fd = -1, .res_fd = -1};

    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGHUP);
    sigprocmask(SIG_BLOCK, &s, &p->old_mask);
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &p->old_pipe);
    p->sig_fd = signalfd(-1, &s, SFD_NONBLOCK | SFD_CLOEXEC);
    if (p->sig_fd < 0) {
        asim_err_set(err, ASIM_ERUNTIME, "signalfd: %s", strerror(errno));
        asim_pool_destroy(p, 1);
        return NULL;
    }
    for (unsigned i = 0; i < workers; i++)
        if (spawn(p, i) != 0) {
            asim_err_set(err, ASIM_ERUNTIME, "cannot start worker process: %s", strerror(errno));
            asim_pool_destroy(p, 1);
            return NULL;
        }
    return p;
}

unsigned asim_pool_idle(const asim_pool *p)
{
    unsigned k = 0;
    for (unsigned i = 0; i < p->n; i++)
        k += !p->w[i].busy;
    return k;
}

unsigned asim_pool_busy(const asim_pool *p)
{
    return p->n - asim_pool_idle(p);
}

static int send_job(worker *w, const asim_job *job, uint32_t al, uint32_t ol)
{
    job_msg m = {job->id, job->seed, al, ol};
    struct iovec iov[3] = {{&m, sizeof m}, {(char *)job->assign, al}, {(char *)job->out_dir, ol}};
    return writev_full(w->job_fd, iov, 3);
}

int asim_pool_submit(asim_pool *p, const asim_job *job, asim_err *err)
{
    size_t al = job->assign ? strlen(job->assign) : 0, ol = job->out_dir ? strlen(job->out_dir) : 0;
    if (al > ASSIGN_MAX || ol > ASSIGN_MAX)
        return asim_err_set(err, ASIM_EINPUT, "job %llu: settings text longer than %u bytes",
                            (unsigned long long)job->id, ASSIGN_MAX);
    unsigned i = 0;
    while (i < p->n && p->w[i].busy)
        i++;
    if (i == p->n)
        return asim_err_set(err, ASIM_ERUNTIME, "internal: no idle worker");
    worker *w = &p->w[i];
    if (send_job(w, job, (uint32_t)al, (uint32_t)ol) != 0) {
        /* It died while idle: replace it and try once more. */
        reap(p, i);
        if (spawn(p, i) != 0 || send_job(w, job, (uint32_t)al, (uint32_t)ol) != 0)
            return asim_err_set(err, ASIM_ERUNTIME, "cannot start worker process: %s", strerror(errno));
    }
    w->busy = 1;
    w->job_id = job->id;
    return 0;
}

static int check_signal(asim_pool *p, int *signo)
{
    struct signalfd_siginfo si;
    if (read(p->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (signo)
            *signo = (int)si.ssi_signo;
        return 1;
    }
    return 0;
}

/* Worker i's pipe is readable: its result, or its death. */
static int take_result(asim_pool *p, unsigned i, asim_job_result *res, int *signo, asim_err *err)
{
    worker *w = &p->w[i];
    result_msg r;
    if (read_message(w->res_fd, p->msg, sizeof r, RESULT_MSG_MAX, result_msg_len) == 1) {
        memcpy(&r, p->msg, sizeof r);
        memcpy(res->sum.m, p->msg + sizeof r, r.n * sizeof res->sum.m[0]);
        if (!w->busy || r.id != w->job_id)
            return asim_err_set(err, ASIM_ERUNTIME, "internal: unexpected result from worker"), -1;
        res->id = r.id;
        res->rc = r.rc;
        memcpy(res->err.msg, r.err, sizeof res->err.msg);
        res->err.msg[sizeof res->err.msg - 1] = 0;
        res->stats = r.stats;
        memcpy(res->sum.scenario, r.scenario, sizeof res->sum.scenario);
        res->sum.scenario[sizeof res->sum.scenario - 1] = 0;
        res->sum.seed = r.seed;
        res->sum.n = r.n;
        w->busy = 0;
        return ASIM_POOL_RESULT;
    }
    /* EOF or garbage: the worker died. */
    int busy = w->busy;
    uint64_t id = w->job_id;
    int sig = reap(p, i);
    w->busy = 0;
    if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
        /* Killed by the same Ctrl-C/kill that should reach us too. */
        if (signo)
            *signo = sig;
        return ASIM_POOL_SIGNAL;
    }
    if (spawn(p, i) != 0)
        return asim_err_set(err, ASIM_ERUNTIME, "cannot restart worker process: %s", strerror(errno)), -1;
    if (!busy)
        return ASIM_POOL_TIMEOUT;
    memset(res, 0, sizeof *res);
    res->id = id;
    res->rc = ASIM_ERUNTIME;
    if (sig > 0)
        asim_err_set(&res->err, ASIM_ERUNTIME, "worker process died (signal %d: %s)", sig, strsignal(sig));
    else
        asim_err_set(&res->err, ASIM_ERUNTIME, "worker process exited without a result");
    return ASIM_POOL_RESULT;
}

int asim_pool_wait(asim_pool *p, int timeout_ms, asim_job_result *res, int *signo, asim_err *err)
{
    struct pollfd fds[1 + 256];
    unsigned idx[256];
    for (;;) {
        /* A pending signal makes poll return at once (its fd is in the set);
         * the check after poll, before any worker's EOF, sees it. */
        size_t nf = 0;
        fds[nf++] = (struct pollfd){.fd = p->sig_fd, .events = POLLIN};
        for (unsigned i = 0; i < p->n && nf < ASIM_ARRAY_LEN(fds); i++) {
            if (p->w[i].res_fd < 0)
                continue;
            idx[nf - 1] = i;
            fds[nf++] = (struct pollfd){.fd = p->w[i].res_fd, .events = POLLIN};
        }
        int k = poll(fds, nf, timeout_ms);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            asim_err_set(err, ASIM_ERUNTIME, "poll: %s", strerror(errno));
            return -1;
        }
        if (k == 0)
            return ASIM_POOL_TIMEOUT;
        if (check_signal(p, signo))
            return ASIM_POOL_SIGNAL;
        for (size_t j = 1; j < nf; j++) {
            if (!(fds[j].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int r = take_result(p, idx[j - 1], res, signo, err);
            if (r == ASIM_POOL_TIMEOUT)
                break;         /* an idle worker died and was replaced: poll again */
            return r;
        }
    }
}

void asim_pool_destroy(asim_pool *p, int kill_now)
{
    if (!p)
        return;
    for (unsigned i = 0; i < p->n; i++) {
        worker *w = &p->w[i];
        if (w->pid > 0 && kill_now)
            kill(w->pid, SIGKILL);
        close_fd(&w->job_fd);     /* the worker sees EOF and exits */
    }
    for (unsigned i = 0; i < p->n; i++)
        if (p->w[i].pid > 0)
            reap(p, i);
    restore_signals(p);
    asim_config_free(&p->base);
    asim_free(p->w);
    asim_free(p->msg);
    asim_free(p);
}
