/* figures.h -- the figures of a run (dashboard, timeline) and of a
 * comparison, drawn with gnuplot through plot.h.
 *
 * This module does the arithmetic the figures need from a run directory
 * (per-instance 1-minute request rates, the dashboard's 30 s moving average,
 * replica steps, scaling-action and alert spans, downsampling of long runs to
 * ~1500 points per series) and writes it as data files; the scripts
 * scripts/{dashboard,timeline,compare}.gp do the drawing.  Formats and the
 * meaning of each panel: doc/plots.md. */
#ifndef ASIM_FIGURES_H
#define ASIM_FIGURES_H

#include <stddef.h>
#include "sim/engine/common.h"
#include "sim/report/rundir.h"

/* Figures of one run (bit set). */
enum { ASIM_FIG_DASHBOARD = 1u << 0, ASIM_FIG_TIMELINE = 1u << 1 };

/* What a run directory must hold for the figures. */
#define ASIM_FIG_RUNDIR_FILES (ASIM_RD_TIMESERIES | ASIM_RD_SCRAPES | ASIM_RD_EVENTS | ASIM_RD_ALERTS)

/* Draw `figures` of a loaded run (loaded with at least ASIM_FIG_RUNDIR_FILES)
 * into out_dir as dashboard.<ext> / timeline.<ext> for each format.
 * 0; ASIM_EINPUT with ASIM_GNUPLOT_HINT when gnuplot is missing;
 * ASIM_ERUNTIME when gnuplot fails or a file cannot be written.
 * Cost: linear in the run's rows, plus ~0.2-1 s of gnuplot per figure. */
int asim_plot_rundir(const asim_rundir *r, unsigned figures, unsigned formats,
                     const char *out_dir, asim_err *err);

/* Load `dir` and draw into out_dir (NULL: dir itself).  Errors as above,
 * plus ASIM_EINPUT for a missing or malformed run directory. */
int asim_plot_run(const char *dir, unsigned figures, unsigned formats, const char *out_dir,
                  asim_err *err);

/* Overlay n runs (each loaded with at least timeseries and events) on one
 * timeline: <out_base>.<ext>.  labels[i] names run i in the legend;
 * subtitle (may be "") is printed under the title. */
int asim_plot_compare(const asim_rundir *runs, const char *const *labels, size_t n,
                      unsigned formats, const char *subtitle, const char *out_base, asim_err *err);

/* One line describing the run's scaling policy from its settings, e.g.
 * "threshold: up > 0.6 for 2 checks, down < 0.2 for 3 | cooldown 30 s / 60 s |
 * 1-6 replicas | check every 10 s".  Always NUL-terminated. */
void asim_fig_policy_text(const asim_rundir *r, char *buf, size_t len);

#endif
