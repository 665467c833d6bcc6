/* pool.h -- a pool of forked worker processes that run simulations.
 *
 * Used by sweep and tune: the parent hands each idle worker a job (a list
 * of "path=value" settings applied over the pool's base config, a seed, an
 * optional output directory), the worker builds and validates the config,
 * calls asim_simulate and sends back the summary over a pipe.  Processes
 * rather than threads: a crash in one run (a bug, an abort) takes down one
 * worker, which the pool reports as that job's error and replaces.
 *
 * While a pool exists, SIGINT, SIGTERM and SIGHUP are blocked in the parent
 * and delivered through a signalfd: asim_pool_wait reports them, so the
 * caller can stop cleanly (a kill never interrupts a half-written row).
 * Workers get the default dispositions back (Ctrl-C on the terminal kills
 * them at once; the parent notices and does not record their jobs). */
#ifndef ASIM_POOL_H
#define ASIM_POOL_H

#include "models/scenario/config.h"
#include "sim/run/simulate.h"
#include "sim/engine/summary.h"

typedef struct asim_pool asim_pool;

typedef struct asim_job {
    uint64_t id;              /* the caller's; returned with the result */
    uint64_t seed;
    const char *assign;       /* "path=value" lines separated by '\n' (may be "" or NULL) */
    const char *out_dir;      /* NULL: no files; else created (mkdir -p) and written */
} asim_job;

typedef struct asim_job_result {
    uint64_t id;
    int rc;                   /* asim_simulate's (or the config build's) return code */
    asim_err err;             /* message when rc != 0; single line */
    asim_summary sum;         /* valid when rc == 0 */
    asim_run_stats stats;
} asim_job_result;

/* asim_pool_wait outcomes. */
enum { ASIM_POOL_TIMEOUT = 0, ASIM_POOL_RESULT = 1, ASIM_POOL_SIGNAL = 2 };

/* Fork `workers` processes (1 to 255; clamped) sharing a copy of base (the pool keeps its
 * own copy; base may be freed afterwards).  flags are passed to
 * asim_simulate.  NULL + ASIM_ERUNTIME when fork/pipe/signalfd fail (the
 * workers already started are stopped). */
asim_pool *asim_pool_create(const asim_config *base, unsigned workers, unsigned flags, asim_err *err);

/* Number of workers without a job. */
unsigned asim_pool_idle(const asim_pool *p);
/* Number of jobs handed out and not yet returned by asim_pool_wait. */
unsigned asim_pool_busy(const asim_pool *p);

/* Hand job to an idle worker (asserts one is idle).  The texts are copied
 * into the message.  ASIM_EINPUT when the assignments exceed 64 KiB;
 * ASIM_ERUNTIME when the worker is gone and cannot be replaced. */
int asim_pool_submit(asim_pool *p, const asim_job *job, asim_err *err);

/* Wait up to timeout_ms (-1: forever) for a result or a signal.
 *   ASIM_POOL_RESULT: *res is filled.  A worker that died mid-job yields its
 *     job with rc ASIM_ERUNTIME and "worker process died (signal N)", and is
 *     replaced by a fresh one.
 *   ASIM_POOL_SIGNAL: SIGINT/SIGTERM/SIGHUP arrived (*signo says which);
 *     the caller should call asim_pool_destroy(p, 1).
 *   ASIM_POOL_TIMEOUT: nothing happened.
 *   -1: internal failure (err says what). */
int asim_pool_wait(asim_pool *p, int timeout_ms, asim_job_result *res, int *signo, asim_err *err);

/* Stop the workers and restore the signal mask.  kill = 0: let running jobs
 * finish (their results are discarded), then the workers exit; kill = 1:
 * SIGKILL them at once.  NULL is a no-op. */
void asim_pool_destroy(asim_pool *p, int kill_now);

/* Build the config a job describes: base + assignments, validated.  The
 * same function the workers use (exposed for tests and for best.json).
 * cfg is initialised here (free it with asim_config_free even on error).
 * Returns 0 or ASIM_EINPUT with the message blaming the assignment. */
int asim_pool_build_config(asim_config *cfg, const asim_config *base, const char *assign, asim_err *err);

/* Logical processors online (at least 1). */
unsigned asim_pool_default_workers(void);

#endif
