/* prometheus.h -- the simulated Prometheus server's scraping side: DNS
 * service discovery, the scrape manager, one scrape loop per target, and
 * what each scrape writes into the tsdb.
 *
 * Timing (Prometheus 2.42; semantics.md A1, A2, A4):
 *  - DNS SD resolves at start and then every refresh_interval (phase drawn
 *    once from the "discovery" stream); file SD (prometheus.sd = file) is
 *    watched, so a change is read at once.  The discovery manager forwards
 *    changes on its discovery_throttle ticker (discovery/manager.go sender).
 *    The scrape manager's reloader (scrape/manager.go) with reload_model
 *    blocking, 2.42's code, waits after each tick for the next update and
 *    applies it at once, so updates apply on the discovery tick; with
 *    ticker (the older model) they wait for an independently phased tick.
 *    A new container is first scraped 0..~40 s (dns) or 0..~10 s (file)
 *    after it starts.
 *  - Target k is scraped at phase_k + n * scrape_interval; phase_k is a
 *    deterministic hash of the run seed and the target's instance label, in
 *    whole milliseconds; there is no per-scrape jitter.  Its first scrape is
 *    the first such instant strictly after the target was applied.
 *  - Every sample of a scrape carries the scrape's start time (ms).
 *  - A scrape of a container that is starting, draining or gone fails: up=0
 *    and every series the previous scrape returned gets a staleness marker.
 *  - A target that leaves discovery stops; its series get staleness markers
 *    stamped at its next scheduled scrape time (end-of-run staleness).
 *
 * Series per target (labels instance="<service>-<k>:<port>", job=<job>):
 * webapp_response_time_seconds, webapp_request_count, webapp_total_requests,
 * webapp_request_duration_seconds_{bucket,sum,count} (prometheus_client's
 * default buckets), webapp_info{version}, webapp_health_status,
 * container_cpu_usage_seconds_total, and up. */
#ifndef ASIM_PROMETHEUS_H
#define ASIM_PROMETHEUS_H

#include <stdio.h>
#include "sim/engine/common.h"
#include "sim/engine/evq.h"
#include "models/scenario/config.h"
#include "models/prometheus/tsdb.h"
#include "models/stack/cluster.h"

typedef struct asim_prom asim_prom;

#define ASIM_APP_VERSION "1.0.0"   /* webapp_info{version} of the simulated app */

/* prometheus_client's default histogram buckets (without +Inf). */
extern const double asim_prom_default_buckets[];
extern const int asim_prom_default_nbuckets;

/* Create and schedule discovery and scrapes.  scrapes_csv (may be NULL)
 * receives one row per scrape (time,instance,up,response_time,
 * request_count,total_requests,health). */
asim_prom *asim_prom_create(asim_evq *q, const asim_config *cfg, uint64_t seed,
                            asim_cluster *cl, asim_tsdb *db, FILE *scrapes_csv);
void asim_prom_destroy(asim_prom *p);

/* prometheus.sd = file: the set of running containers may have changed
 * (no-op for dns, which polls). */
void asim_prom_sd_changed(asim_prom *p, asim_time now);

/* Scrapes so far whose gauge was frozen (no completion since the previous
 * scrape) while the app had been idle: for the frozen-gauge warning. */
uint64_t asim_prom_scrapes(const asim_prom *p);
uint64_t asim_prom_scrape_timeouts(const asim_prom *p);   /* in-band scrapes that timed out */
int asim_prom_targets(const asim_prom *p);            /* targets being scraped */

/* In-band scrapes: the active targets whose latest scrape timed out (the
 * query cannot see them once their samples leave its range).  Writes their
 * instance labels, comma-separated, into buf and returns how many; always 0
 * with app.metrics_port = sidecar. */
int asim_prom_timed_out(const asim_prom *p, char *buf, size_t size);

#endif
