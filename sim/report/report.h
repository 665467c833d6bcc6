/* report.h -- comparing runs and writing a run's report.
 *
 * compare: n run directories side by side -- a table of their summary
 * metrics (stdout), compare.csv (one row per run, through libcsv) and one
 * overlaid timeline figure (compare.png/.svg, scripts/compare.gp).
 *
 * report: one self-contained report.html (summary, settings, the figures
 * inlined as SVG, scaling events, alerts; no external resource of any kind,
 * so it opens offline) and report.md for wikis (figures referenced as the
 * PNG files beside it).
 *
 * Both read run directories with rundir.h and draw with figures.h.  When
 * gnuplot is missing they still write everything else, then return
 * ASIM_EINPUT with ASIM_GNUPLOT_HINT (exit status 2). */
#ifndef ASIM_REPORT_H
#define ASIM_REPORT_H

#include <stdio.h>
#include <stddef.h>
#include "sim/engine/common.h"

typedef struct asim_compare_opts {
    const char *const *labels;  /* n names for the runs; NULL: from the directory names */
    unsigned formats;           /* figure formats (plot.h ASIM_FMT_*); 0: png + svg */
    FILE *table;                /* where the side-by-side table goes; NULL: stdout */
    int no_figure;              /* 1: skip the figure (no gnuplot needed) */
} asim_compare_opts;

/* Compare run directories dirs[0..n-1] (n >= 1) into out_dir (created if
 * needed): prints the table, writes out_dir/compare.csv and
 * out_dir/compare.{png,svg}.  0; ASIM_EINPUT for a bad run directory (the
 * message names it) or a missing gnuplot (after the table and CSV are
 * written); ASIM_ERUNTIME for I/O or gnuplot failures.
 * Cost: reads every run's files; ~0.5 s of gnuplot. */
int asim_compare_dirs(const char *const *dirs, size_t n, const char *out_dir, asim_err *err);
/* The same with options (o may be NULL for the defaults). */
int asim_compare_dirs_opts(const char *const *dirs, size_t n, const char *out_dir,
                           const asim_compare_opts *o, asim_err *err);

enum { ASIM_REPORT_NO_FIGURES = 1u << 0 };   /* skip gnuplot: tables only */

/* Write report.html and report.md (and the figures they show: dashboard and
 * timeline as .svg and .png) for run directory `dir` into out_dir (NULL: dir).
 * 0; ASIM_EINPUT for a bad run directory or a missing gnuplot (the report is
 * then written without figures, saying so); ASIM_ERUNTIME for I/O errors or
 * gnuplot failures. */
int asim_report_write(const char *dir, const char *out_dir, unsigned flags, asim_err *err);

/* Metric presentation shared by report, compare and (if they like) others:
 * unit ("s", "replicas", "%", "$", "" ...) and a one-line meaning of a
 * summary metric, "" when unknown; and its value as text (fractions as
 * percentages, counts as integers, NaN as "n/a"). */
const char *asim_metric_unit(const char *name);
const char *asim_metric_desc(const char *name);
void asim_metric_format(const char *name, double v, char *buf, size_t len);
/* An axis label for a metric, with its unit: "replica_seconds (replica s)",
 * "latency_p95 (s)", "error_ratio (fraction)", "scale_ups (count)"; the bare
 * name when the unit is unknown.  Always NUL-terminated. */
void asim_metric_axis_label(const char *name, char *buf, size_t len);

#endif
