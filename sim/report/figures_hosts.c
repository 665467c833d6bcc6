/* figures_hosts.c -- the data behind the hosts figure (scripts/hosts.gp) of
 * a run on shared hosts: each host's CPU utilisation and runnable threads
 * from hosts.csv, and the ready replicas and latency of EVERY service of the
 * run, read from its own timeseries.csv (the run's own service at the top,
 * each further one in services/NAME/), so the figure shows all the scalers
 * that compete for the same cores. */
#include "sim/report/figures_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "sim/engine/output.h"

#define MAX_SERVICES 32        /* lines in the figure; more services are left out of it */

/* hosts.dat: time host utilisation runnable containers throttled_periods. */
static int write_hosts(asim_gp *g, const char *path, const tscale *sc, asim_err *err)
{
    static const char *const req[] = {"time", "host", "cpu_utilisation", "runnable_threads", NULL};
    asim_table t;
    int rc = asim_table_read(&t, path, NULL, req, err);
    if (rc)
        return rc;
    FILE *f = asim_gp_data(g, "hosts.dat", err);
    if (!f) {
        asim_table_free(&t);
        return ASIM_ERUNTIME;
    }
    static const char *const cols[] = {"host", "cpu_utilisation", "runnable_threads", "containers",
                                       "throttled_periods"};
    int ct = asim_table_col(&t, "time"), c[5];
    for (int k = 0; k < 5; k++) c[k] = asim_table_col(&t, cols[k]);
    double nh = 0;
    for (size_t i = 0; i < t.nrow; i++) {
        fprintf(f, "%.6g", asim_table_num(&t, i, ct) / sc->div);
        for (int k = 0; k < 5; k++) asim_fig_put_num(f, asim_table_num(&t, i, c[k]));
        fputc('\n', f);
        if (asim_table_num(&t, i, c[0]) > nh) nh = asim_table_num(&t, i, c[0]);
    }
    asim_table_free(&t);
    asim_gp_set_num(g, "n_hosts", nh);
    return ASIM_OK;
}

/* ts_K.dat and rep_K.dat of service K (2, 3 ...) from services/NAME/. */
static int write_service(asim_gp *g, const asim_rundir *r, const char *name, int k, const tscale *sc,
                         asim_err *err)
{
    char sub[4096], fn[32];
    snprintf(sub, sizeof sub, "%s/services/%s", r->dir, name);
    asim_rundir s;
    int rc = asim_rundir_load(&s, sub, ASIM_RD_TIMESERIES, err);
    if (rc)
        return rc;
    FILE *f;
    snprintf(fn, sizeof fn, "ts_%d.dat", k);
    if ((f = asim_gp_data(g, fn, err)))
        asim_fig_write_ts(f, &s, sc, asim_fig_ts_bucket(&s));
    snprintf(fn, sizeof fn, "rep_%d.dat", k);
    if (f && (f = asim_gp_data(g, fn, err)))
        asim_fig_write_rep(f, &s, sc);
    asim_rundir_free(&s);
    return f ? ASIM_OK : ASIM_ERUNTIME;
}

int asim_fig_hosts_data(asim_gp *g, const asim_rundir *r, const tscale *sc, asim_err *err)
{
    char *path = asim_path_join(r->dir, "hosts.csv");
    FILE *probe = fopen(path, "r");
    if (!probe) {
        asim_free(path);
        return 0;
    }
    fclose(probe);
    int rc = write_hosts(g, path, sc, err);
    asim_free(path);
    if (rc)
        return -rc;
    asim_gp_set_num(g, "cores", asim_rundir_setting_num(r, "hosts.cores", NAN));

    /* the services: the run's own (ts.dat, rep.dat are already written),
     * then each of settings.services in order */
    const char *names[MAX_SERVICES];
    size_t n = 0;
    names[n++] = asim_rundir_setting_str(r, "container.service_name", "webapp");
    const cJSON *sv;
    cJSON_ArrayForEach(sv, cJSON_GetObjectItemCaseSensitive(r->settings, "services")) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(sv, "name");
        if (!cJSON_IsString(nm) || n == MAX_SERVICES)
            continue;
        names[n] = nm->valuestring;
        if ((rc = write_service(g, r, names[n], (int)n + 1, sc, err)))
            return -rc;
        n++;
    }
    asim_fig_vars_names(g, "svc", names, n, 24);
    return 1;
}
