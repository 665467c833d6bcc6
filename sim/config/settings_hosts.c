/* settings_hosts.c -- the hosts the replicas share and their containers'
 * CPU limits (models/stack/host_cfg.h, models/stack/host.h).
 *
 * Off by default (hosts.count 0): the seed's single-service runs model no
 * host, every replica having its own CPU.  Every setting here is optional
 * (left out of summary.json while at its default), so scenarios that do not
 * use hosts write the same files as before the feature existed.
 *
 * Defaults: 4 cores (the "one 4-core host" of issue 15), Docker's CFS
 * period of 100 ms (cpu.cfs_period_us 100000, `docker run --cpu-period`),
 * no limit and no request (docker compose without `cpus:` / reservations). */
#include "sim/config/settings.h"

#define FSIZE(fld) sizeof(((asim_config *)0)->fld)
#define HOSTS(fld) .offset = offsetof(asim_config, ext.hosts.fld), .size = FSIZE(ext.hosts.fld), .optional = 1

_Static_assert(sizeof(asim_placement) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_cpu_sharing) == sizeof(int), "ENUM settings store an int");
_Static_assert(sizeof(asim_quota_model) == sizeof(int), "ENUM settings store an int");

static const char *const placement_names[] = {"spread", "pack", NULL};
static const char *const sharing_names[] = {"threads", "containers", NULL};
static const char *const limit_model_names[] = {"period", "fluid", NULL};

static const asim_setting hosts_table[] = {
    { .path = "hosts.count", .type = ASIM_SET_INT, HOSTS(count), .def = "0", .min = 0, .max = 10000,
      .unit = "", .help = "Hosts the replicas share (0: no host model, every replica has its own CPU). "
      "With hosts a service time is CPU demand, shared by processor sharing on its host's cores" },
    { .path = "hosts.cores", .type = ASIM_SET_INT, HOSTS(cores), .def = "4", .min = 1, .max = 4096,
      .unit = "cores", .help = "Cores per host" },
    { .path = "hosts.placement", .type = ASIM_SET_ENUM, HOSTS(placement), .def = "spread",
      .names = placement_names, .unit = "",
      .help = "Where a new container goes: spread (host with the fewest containers) or pack "
      "(first host whose cores hold container.cpu_request; else the least requested)" },
    { .path = "hosts.sharing", .type = ASIM_SET_ENUM, HOSTS(sharing), .def = "threads",
      .names = sharing_names, .unit = "",
      .help = "Equal CPU shares on a saturated host for every runnable thread (threads) or every "
      "busy container first (containers: CFS group scheduling with equal cpu.weight)" },
    { .path = "hosts.cpu_limit_model", .type = ASIM_SET_ENUM, HOSTS(limit_model), .def = "period",
      .names = limit_model_names, .unit = "",
      .help = "How container.cpu_limit acts: period (CFS bandwidth: the quota per period, throttled "
      "for the rest of the period once used) or fluid (a rate cap at every instant)" },
    { .path = "hosts.startup_cpu", .type = ASIM_SET_BOOL, HOSTS(startup_cpu), .def = "false",
      .help = "Container start-up is CPU work (container.start_latency CPU-seconds of one thread) on "
      "its host, so it takes longer on a busy host" },
    { .path = "hosts.playbook_cpu", .type = ASIM_SET_BOOL, HOSTS(playbook_cpu), .def = "false",
      .help = "The playbook run is CPU work (actuator.latency CPU-seconds of one thread) on the first "
      "host, where the seed runs ansible, so it takes longer on a busy host" },
    { .path = "container.cpu_limit", .type = ASIM_SET_DOUBLE, HOSTS(cpu_limit), .def = "0", .min = 0,
      .max = 4096, .unit = "cores",
      .help = "CPU limit of each container (docker --cpus: cfs_quota_us / cfs_period_us); 0 none. Needs hosts" },
    { .path = "container.cpu_period", .type = ASIM_SET_DOUBLE, HOSTS(cpu_period), .def = "0.1",
      .min = 0.001, .max = 1, .unit = "s", .help = "CFS bandwidth period (cpu.cfs_period_us; 1 ms to 1 s)" },
    { .path = "container.cpu_request", .type = ASIM_SET_DOUBLE, HOSTS(cpu_request), .def = "0", .min = 0,
      .max = 4096, .unit = "cores", .help = "Cores reserved per container, for pack placement" },
    { .path = NULL },
};

static int hosts_validate(asim_config *cfg, asim_err *err)
{
    const asim_hosts_cfg *h = &cfg->ext.hosts;
    if (h->count > 0)
        return 0;
    if (h->cpu_limit > 0)
        return asim_config_errf(cfg, err, "$.container.cpu_limit",
                                "a CPU limit needs hosts (set hosts.count >= 1)");
    if (h->startup_cpu)
        return asim_config_errf(cfg, err, "$.hosts.startup_cpu",
                                "start-up on the CPU needs hosts (set hosts.count >= 1)");
    if (h->playbook_cpu)
        return asim_config_errf(cfg, err, "$.hosts.playbook_cpu",
                                "the playbook on the CPU needs hosts (set hosts.count >= 1)");
    return 0;
}

const asim_settings_group asim_settings_hosts = {
    .table = hosts_table,
    .count = ASIM_ARRAY_LEN(hosts_table) - 1,
    .validate = hosts_validate,
};
