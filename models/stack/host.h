/* host.h -- hosts with a fixed number of cores shared by processor sharing,
 * and the containers (cgroups) that run threads on them.
 *
 * A thread is a unit of CPU work (a request in a gunicorn worker, a
 * container's start-up): it needs `work` CPU seconds.  A host with C cores
 * and N runnable threads serves each at rate min(1, C/N) cores (a thread
 * never runs on two cores at once): when runnable work exceeds the cores
 * everyone slows in proportion.  This is the egalitarian processor sharing
 * of Kleinrock (1967) generalised to C servers; it is the fluid limit of
 * Linux CFS, which gives runnable tasks of equal weight equal CPU time over
 * a scheduling period of a few ms (sched_latency_ns 6 ms, min granularity
 * 0.75 ms), far below the service times modelled here.
 *
 * Sharing (asim_cpu_sharing): THREADS shares among runnable threads (each
 * thread weight 1); CONTAINERS shares among busy cgroups first (each weight
 * 1, as Docker's containers each get cpu.weight 100 and CFS group
 * scheduling divides the CPU between groups), then equally among a group's
 * threads.  Both are computed by water filling: every group gets
 * min(cap, weight x level) cores, the level chosen so the host's cores are
 * used up or every cap is met; a group's cap is its runnable threads (and,
 * with a fluid limit, its cpu_limit).
 *
 * CPU limit (docker --cpus = cpu.cfs_quota_us / cpu.cfs_period_us):
 *  - PERIOD (CFS bandwidth control, Documentation/scheduler/sched-bwc.rst):
 *    a group may use quota = limit x period CPU-seconds per period; once
 *    used, its threads are throttled (not runnable) until the next period
 *    starts and the quota is refilled.  Periods start when the group is
 *    created.  Not modelled: the 5 ms per-CPU slice the kernel hands out
 *    (sched_cfs_bandwidth_slice_us), so a group here uses exactly its quota,
 *    and cpu.cfs_burst_us (0 by default).
 *  - FLUID: a rate cap of `limit` cores at every instant (the average of
 *    PERIOD over many periods, without its bursts and stalls).
 *
 * Exactness: the model is event driven, not time stepped.  Each group
 * keeps a virtual time V (CPU-seconds one of its threads has received); a
 * thread started at V0 with work w finishes when V reaches V0 + w.  Rates
 * change only when a host's runnable set changes (a thread starts or ends,
 * a group is throttled or refilled); then V of every group whose rate
 * changes is brought up to date and its threads' completion events are
 * moved.  A group whose rate does not change keeps its events untouched,
 * so on a host that is never saturated every completion happens exactly
 * `work` after its start, as without hosts.
 *
 * Memory: groups and their thread slots grow geometrically and are reused;
 * nothing is allocated per thread in steady state. */
#ifndef ASIM_HOST_H
#define ASIM_HOST_H

#include "sim/engine/common.h"
#include "sim/engine/evq.h"
#include "models/stack/host_cfg.h"

typedef struct asim_hosts asim_hosts;
typedef struct asim_cgroup asim_cgroup;

/* A thread's work is done: fn(ctx, arg, now), like an event handler. */
typedef void (*asim_cpu_done_fn)(void *ctx, uint64_t arg, asim_time now);

/* cfg->count hosts of cfg->cores cores each (count >= 1, cores >= 1). */
asim_hosts *asim_hosts_create(asim_evq *q, const asim_hosts_cfg *cfg);
void asim_hosts_destroy(asim_hosts *h);      /* every group must be released first */
int asim_hosts_count(const asim_hosts *h);
int asim_hosts_cores(const asim_hosts *h);

/* A new cgroup (a container) on the host cfg->placement picks:
 * limit cores (0 none) with period (s), request cores for placement.  With
 * PACK and no host holding the request, the host with the most unrequested
 * cores takes it (overcommitted). */
asim_cgroup *asim_hosts_place(asim_hosts *h, double limit, double period, double request);
/* A cgroup on host `host` (0-based), for tests and for groups that are not
 * containers (the playbook on the first host): these do not count as
 * containers for placement or asim_hosts_groups. */
asim_cgroup *asim_hosts_place_on(asim_hosts *h, int host, double limit, double period, double request);
/* Remove the group; its running threads are dropped without callbacks. */
void asim_cgroup_release(asim_cgroup *g);
int asim_cgroup_host(const asim_cgroup *g);   /* 0-based */

/* Start a thread needing `work` CPU seconds now; fn(ctx, arg, now) runs
 * when it is done.  Returns a handle (never 0) for asim_cgroup_cancel. */
uint64_t asim_cgroup_run(asim_cgroup *g, double work, asim_cpu_done_fn fn, void *ctx, uint64_t arg);
/* Stop a thread (its callback never runs).  Stale handles are a no-op. */
void asim_cgroup_cancel(asim_cgroup *g, uint64_t job);

/* Accounting, brought up to the queue's current time. */
double asim_cgroup_cpu_seconds(asim_cgroup *g);      /* cpuacct.usage, s */
int asim_cgroup_runnable(const asim_cgroup *g);      /* threads wanting CPU (throttled ones too) */
int asim_cgroup_throttled(const asim_cgroup *g);     /* 1 while throttled */
long asim_cgroup_nr_throttled(const asim_cgroup *g); /* periods in which it was throttled */

/* Per host i: CPU-seconds used since time 0 (all cores together), the
 * number of runnable threads not throttled, and the containers placed
 * there (asim_hosts_place). */
double asim_hosts_busy_seconds(asim_hosts *h, int i);
int asim_hosts_runnable(const asim_hosts *h, int i);
int asim_hosts_groups(const asim_hosts *h, int i);
double asim_hosts_busy_cores(const asim_hosts *h, int i);   /* cores in use now */
long asim_hosts_nr_throttled(const asim_hosts *h, int i);   /* throttled periods of its groups so far */

#endif
