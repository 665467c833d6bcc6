/* services_cfg.h -- more services in one scenario (part of asim_ext_cfg;
 * filled by sim/config/settings_services.c).
 *
 * The scenario's own settings describe the first service (the seed's
 * webapp).  Each entry of `services` is one more service: a name and an
 * overlay, the settings it changes from the scenario's (JSON text of an
 * object in scenario form: {"traffic": ..., "scaler": ...}).  Each service
 * has its own containers, traffic, scaler and Prometheus job; they share the
 * event queue, the hosts and one TSDB.  Build a service's full config with
 * asim_config_service (sim/config/settings.h). */
#ifndef ASIM_SERVICES_CFG_H
#define ASIM_SERVICES_CFG_H

#include <stddef.h>

typedef struct asim_service_spec {
    char name[64];          /* [a-z0-9_-], unique, not the first service's */
    char *overlay;          /* owned JSON text of the overlay object */
} asim_service_spec;

typedef struct asim_services_cfg {
    asim_service_spec *v;   /* owned */
    size_t n;
    /* This service's requests call another: a fraction of them, after their
     * CPU work, call service `call` and wait for its answer (calls.*). */
    char call[64];          /* "" none */
    double call_fraction;
    int member;             /* built by asim_config_service: calls are checked by the run's config */
} asim_services_cfg;

#endif
