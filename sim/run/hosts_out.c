/* hosts_out.c -- hosts.csv and the summary's host metrics (see hosts_out.h).
 *
 * Utilisation of a host in a second = CPU-seconds its threads received in
 * that second / its cores.  A second is "saturated" when the host's cores
 * were busy all of it (utilisation >= 0.999): then every runnable thread
 * ran slower than alone. */
#include "sim/run/hosts_out.h"

#include <stdio.h>
#include "sim/engine/output.h"

struct asim_hosts_out {
    asim_hosts *h;
    asim_afile f;
    int have_file;
    asim_csv csv;
    double *prev;               /* busy CPU-seconds at the previous row, per host */
    double util_max;            /* highest one-second utilisation of any host */
    double saturated_seconds;   /* host-seconds at full utilisation */
    long seconds;
};

int asim_hosts_out_create(asim_hosts *h, const char *dir, asim_hosts_out **out, asim_err *err)
{
    asim_hosts_out *o = asim_calloc(1, sizeof *o);
    o->h = h;
    o->prev = asim_calloc((size_t)asim_hosts_count(h), sizeof *o->prev);
    *out = o;
    if (!dir) return 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/hosts.csv", dir);
    int rc = asim_afile_open(&o->f, path, err);
    if (rc) return rc;
    o->have_file = 1;
    asim_csv_init(&o->csv, o->f.f);
    static const char *const head[] = {
        "time", "host", "cpu_utilisation", "busy_cores", "runnable_threads", "containers", "throttled_periods"
    };
    for (size_t i = 0; i < ASIM_ARRAY_LEN(head); i++) asim_csv_str(&o->csv, head[i]);
    asim_csv_end(&o->csv);
    return 0;
}

void asim_hosts_out_second(asim_hosts_out *o, double t)
{
    int cores = asim_hosts_cores(o->h);
    o->seconds++;
    for (int i = 0; i < asim_hosts_count(o->h); i++) {
        double busy = asim_hosts_busy_seconds(o->h, i);
        double used = busy - o->prev[i];
        o->prev[i] = busy;
        double util = used / cores;
        if (util > o->util_max) o->util_max = util;
        if (util >= 0.999) o->saturated_seconds += 1;
        if (!o->have_file) continue;
        asim_csv_int(&o->csv, (long long)t);
        asim_csv_int(&o->csv, i + 1);
        asim_csv_num(&o->csv, util);
        asim_csv_num(&o->csv, asim_hosts_busy_cores(o->h, i));
        asim_csv_int(&o->csv, asim_hosts_runnable(o->h, i));
        asim_csv_int(&o->csv, asim_hosts_groups(o->h, i));
        asim_csv_int(&o->csv, asim_hosts_nr_throttled(o->h, i));
        asim_csv_end(&o->csv);
    }
}

void asim_hosts_out_summarize(const asim_hosts_out *o, double duration, asim_summary *sum)
{
    int n = asim_hosts_count(o->h);
    double busy = 0;
    long throttled = 0;
    for (int i = 0; i < n; i++) {
        busy += asim_hosts_busy_seconds(o->h, i);
        throttled += asim_hosts_nr_throttled(o->h, i);
    }
    double capacity = duration * n * asim_hosts_cores(o->h);
    asim_summary_set(sum, "host_cpu_utilisation_mean", capacity > 0 ? busy / capacity : 0);
    asim_summary_set(sum, "host_cpu_utilisation_max", o->util_max);
    asim_summary_set(sum, "host_saturated_seconds", o->saturated_seconds);
    asim_summary_set(sum, "cpu_throttled_periods", (double)throttled);
}

int asim_hosts_out_commit(asim_hosts_out *o, asim_err *err)
{
    if (!o->have_file) return 0;
    o->have_file = 0;
    return asim_afile_commit(&o->f, err);
}

void asim_hosts_out_destroy(asim_hosts_out *o)
{
    if (!o) return;
    if (o->have_file) asim_afile_abort(&o->f);
    asim_free(o->prev);
    asim_free(o);
}
