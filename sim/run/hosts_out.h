/* hosts_out.h -- what a run with shared hosts adds to its outputs:
 * hosts.csv (one row per host per second: CPU utilisation, runnable
 * threads, containers, throttled periods) and the summary's host metrics.
 * Runs without hosts have none of it, so their files do not change. */
#ifndef ASIM_HOSTS_OUT_H
#define ASIM_HOSTS_OUT_H

#include "sim/engine/summary.h"
#include "models/stack/host.h"

typedef struct asim_hosts_out asim_hosts_out;

/* dir NULL: summary metrics only, no file. */
int asim_hosts_out_create(asim_hosts *h, const char *dir, asim_hosts_out **out, asim_err *err);
/* The rows for the second [t, t+1) (call once the second has run). */
void asim_hosts_out_second(asim_hosts_out *o, double t);
void asim_hosts_out_summarize(const asim_hosts_out *o, double duration, asim_summary *sum);
int  asim_hosts_out_commit(asim_hosts_out *o, asim_err *err);
void asim_hosts_out_destroy(asim_hosts_out *o);    /* aborts an uncommitted file; NULL ok */

#endif
