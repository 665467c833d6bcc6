/* figures_int.h -- private to sim/report/: the helpers figures.c shares with
 * figures_hosts.c (the hosts figure).  Not a public contract; nothing
 * outside sim/report/ includes it. */
#ifndef ASIM_FIGURES_INT_H
#define ASIM_FIGURES_INT_H

#include <stddef.h>
#include <stdio.h>
#include "sim/engine/common.h"
#include "sim/report/plot.h"
#include "sim/report/rundir.h"

/* The figures' time axis: s, min or h, chosen from the run's duration. */
typedef struct tscale {
    double dur;                /* s */
    double div;                /* seconds per x unit */
    const char *unit;
} tscale;

tscale asim_fig_time_scale(const asim_rundir *r);
/* " %.6g", or " NaN" for a non-finite value (gnuplot leaves a gap). */
void asim_fig_put_num(FILE *f, double v);
/* Seconds per row of ts.dat, so no series has more than ~1500 points. */
size_t asim_fig_ts_bucket(const asim_rundir *r);
/* ts.dat and rep.dat of a run (columns in figures.c's header comment). */
void asim_fig_write_ts(FILE *f, const asim_rundir *r, const tscale *sc, size_t bucket);
void asim_fig_write_rep(FILE *f, const asim_rundir *r, const tscale *sc);
/* A gnuplot string array `array` (and n_<array>) in vars.gp; names longer
 * than maxlen bytes (0: no limit) are cut and end in "...". */
void asim_fig_vars_names(asim_gp *g, const char *array, const char *const *names, size_t n, size_t maxlen);

/* hosts.dat, and for each further service of the run (settings "services")
 * its ts_K.dat / rep_K.dat from services/NAME/timeseries.csv (K = 2, 3 ...;
 * the run's own service is ts.dat / rep.dat), plus the scalars hosts.gp
 * needs (n_hosts, cores, the svc names array).  1 when written, 0 when the
 * run has no hosts.csv, -rc on error (err set). */
int asim_fig_hosts_data(asim_gp *g, const asim_rundir *r, const tscale *sc, asim_err *err);

#endif
