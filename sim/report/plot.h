/* plot.h -- drawing figures with gnuplot (a run-time dependency).
 *
 * A figure is made in three steps: the C side reads the run's files and
 * writes small whitespace-separated data files plus a driver script of
 * gnuplot variables into a private temporary directory (an asim_gp job);
 * the driver then `load`s one of the scripts in scripts/ (dashboard.gp,
 * timeline.gp, compare.gp) once per output format; finally one gnuplot
 * process runs the driver and its exit status is checked.  Scripts hold all
 * layout and styling, C holds all arithmetic (moving averages, rates,
 * spans), so either can change without the other.
 *
 * Where things are found:
 *   gnuplot  $ASIM_GNUPLOT if set, else the first executable "gnuplot" on PATH;
 *   scripts  $ASIM_SCRIPTS_DIR, else next to the executable (EXE_DIR/scripts,
 *            EXE_DIR/../scripts, EXE_DIR/../../scripts,
 *            EXE_DIR/../share/autoscale-sim/scripts), else ./scripts.
 * Set ASIM_KEEP_PLOT_TMP=1 to keep the temporary directory (its path is
 * printed) for debugging a script. */
#ifndef ASIM_PLOT_H
#define ASIM_PLOT_H

#include <stdio.h>
#include "sim/engine/common.h"

/* Output formats (bit set). */
enum { ASIM_FMT_PNG = 1u << 0, ASIM_FMT_SVG = 1u << 1, ASIM_FMT_PDF = 1u << 2 };
/* The message for a missing gnuplot, also used by report. */
#define ASIM_GNUPLOT_HINT "gnuplot not found on PATH: install it (Debian/Ubuntu: apt-get install gnuplot-nox) " \
                          "or set ASIM_GNUPLOT to its path"

/* Path of the gnuplot executable (caller frees), or NULL when there is none. */
char *asim_gnuplot_find(void);

/* Path of scripts/<name> by the search order above (caller frees), or NULL
 * with ASIM_ERUNTIME in err naming the places searched. */
char *asim_plot_script(const char *name, asim_err *err);

/* One gnuplot job: a temporary directory, data files in it and a driver. */
typedef struct asim_gp asim_gp;

/* mkdtemp under $TMPDIR or /tmp.  NULL + ASIM_ERUNTIME when impossible. */
asim_gp *asim_gp_create(asim_err *err);
/* Removes the temporary directory and its files (unless ASIM_KEEP_PLOT_TMP). */
void asim_gp_destroy(asim_gp *g);
/* Open (create) a data file in the job's directory; scripts refer to it by
 * `name` alone (gnuplot runs there).  NULL + err on failure.  The job keeps
 * the FILE and closes it before running. */
FILE *asim_gp_data(asim_gp *g, const char *name, asim_err *err);
/* vars.gp, loaded before each figure: free-form gnuplot commands (arrays,
 * assignments) the figure scripts rely on. */
FILE *asim_gp_vars(asim_gp *g);
/* Assignments in vars.gp: name = 'value' (quotes escaped; newlines dropped)
 * / name = number (NaN for non-finite values). */
void asim_gp_set_str(asim_gp *g, const char *name, const char *value);
void asim_gp_set_num(asim_gp *g, const char *name, double value);
/* Append to the driver: for each format in `formats`: reset the session,
 * load vars.gp, set fmt ('png', 'svg', 'pdf') and out ("<out_base>.<ext>")
 * and load `script` (a path from asim_plot_script). */
void asim_gp_render(asim_gp *g, const char *script, const char *out_base, unsigned formats);
/* Run gnuplot on the driver.  0; ASIM_EINPUT with ASIM_GNUPLOT_HINT when
 * gnuplot is missing; ASIM_ERUNTIME with gnuplot's last error lines when
 * it fails.  Cost: one process, ~0.1-0.5 s per figure and format. */
int asim_gp_run(asim_gp *g, asim_err *err);

/* Parse "png,svg" / "all" into formats; -1 on an unknown name. */
int asim_plot_parse_formats(const char *s, unsigned *formats);

#endif
