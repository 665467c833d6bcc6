/* host_cfg.h -- the hosts replicas run on and the CPU limits of their
 * containers (part of asim_ext_cfg; filled by sim/config/settings_hosts.c).
 *
 * hosts.count 0 (the default) is the seed model without hosts: every
 * replica has its own unlimited CPU and a request's service time is its
 * latency once a worker takes it.  With hosts, a service time is CPU demand
 * that the host's cores share by processor sharing (models/stack/host.h). */
#ifndef ASIM_HOST_CFG_H
#define ASIM_HOST_CFG_H

/* Which host a new container goes to (hosts.placement). */
typedef enum asim_placement {
    ASIM_PLACE_SPREAD,      /* the host with the fewest containers (Swarm's spread) */
    ASIM_PLACE_PACK         /* the first host whose cores hold the requests (first fit) */
} asim_placement;

/* Who gets an equal share of a saturated host (hosts.sharing). */
typedef enum asim_cpu_sharing {
    ASIM_SHARE_THREADS,     /* every runnable worker thread alike (flat CFS) */
    ASIM_SHARE_CONTAINERS   /* every busy container alike (CFS group scheduling, equal cpu.weight) */
} asim_cpu_sharing;

/* How container.cpu_limit acts (hosts.cpu_limit_model). */
typedef enum asim_quota_model {
    ASIM_QUOTA_PERIOD,      /* CFS bandwidth: quota per period, throttled for the rest once used */
    ASIM_QUOTA_FLUID        /* a rate cap of cpu_limit cores at every instant */
} asim_quota_model;

typedef struct asim_hosts_cfg {
    int count;                    /* hosts; 0: no host model */
    int cores;                    /* cores per host */
    asim_placement placement;
    asim_cpu_sharing sharing;
    asim_quota_model limit_model;
    int startup_cpu;              /* 1: container start-up is CPU work of one thread on its host */
    int playbook_cpu;             /* 1: the playbook run is CPU work of one thread on host 1 */
    double cpu_limit;             /* container.cpu_limit: cores (docker --cpus), 0 = none */
    double cpu_period;            /* container.cpu_period: s (cpu.cfs_period_us) */
    double cpu_request;           /* container.cpu_request: cores reserved for placement */
} asim_hosts_cfg;

#endif
