/* sweep.h -- parameter sweeps: definition, runs.csv, aggregation, figures.
 *
 * A sweep is a base config (scenario + --set) and a list of axes, each a
 * setting path with values: grid axes list their values; random axes draw
 * `samples` values in [lo, hi] by Latin hypercube sampling.  Configurations
 * are the cross product of the grid axes (last axis varying fastest) with
 * the random samples; configuration c has grid index c / samples and random
 * sample c % samples.  Replication r of every configuration runs with seed
 * base seed + r (common random numbers: configurations differ only by their
 * settings, not by their luck).
 *
 * Files in a sweep directory DIR (formats: doc/sweeps.md):
 *   sweep.json   the definition (and its hash, checked when resuming/merging)
 *   runs.csv     one row per (configuration, replication): config, rep, seed,
 *                the swept settings, status (ok|error), error, every metric
 *   summary.csv  one row per configuration: mean, sd and 95 % CI half-width
 *                (Student t) of each metric, the Pareto front, the best one
 *   best.json    the best configuration as a complete scenario file
 *   plots/       heat map, Pareto scatter, metric vs setting (--plot)
 *
 * Errors: ASIM_EINPUT for a bad definition or a directory that holds a
 * different sweep; ASIM_ERUNTIME for I/O. */
#ifndef ASIM_SWEEP_H
#define ASIM_SWEEP_H

#include <stdio.h>
#include "models/scenario/config.h"
#include "sim/engine/summary.h"

/* ---- definition ---------------------------------------------------------- */

typedef struct asim_sweep_axis {
    char *key;                  /* setting path */
    char *spec;                 /* the text after '=', as given */
    int random;                 /* 0: grid; 1: Latin hypercube over [lo, hi] */
    int integer;                /* random: draws whole numbers (INT settings) */
    double lo, hi;              /* random */
    size_t n;                   /* number of values (random: the samples) */
    char **values;              /* as text, applied with asim_config_set */
} asim_sweep_axis;

/* A linked setting: in every configuration `key` takes the value of the
 * swept setting `from` (--link container.initial_replicas=scaler.min_replicas),
 * so a setting that must follow a swept one does not make configurations
 * invalid.  Links add no configurations and no runs.csv columns. */
typedef struct asim_sweep_link {
    char *key, *from;
} asim_sweep_link;

typedef struct asim_sweep {
    asim_config base;           /* scenario + --set, validated */
    char *scenario;             /* path (or name) it was loaded from */
    char *base_json;            /* base as unformatted JSON: hashed, kept in sweep.json */
    asim_sweep_axis *axes;
    size_t naxes;
    asim_sweep_link *links;
    size_t nlinks;
    size_t samples;             /* random samples (1 when there is no random axis) */
    size_t nconfigs;
    unsigned reps;
    uint64_t seed;              /* replication r uses seed + r */
    uint64_t hash;              /* of everything above that decides the runs */
    unsigned shard_k, shard_n;  /* this process's slice: configs with c % n == k - 1 */
    int finished;               /* asim_sweep_finish was called */
} asim_sweep;

/* Start a definition over a copy of base (validated by the caller).
 * scenario names it in sweep.json and messages.  Never fails. */
void asim_sweep_init(asim_sweep *sw, const asim_config *base, const char *scenario,
                     uint64_t seed, unsigned reps);
/* Add a grid axis: "key=v1,v2,..." (commas inside [], {} or "" do not split,
 * so JSON values work) or "key=start:stop:step" (inclusive of stop, to
 * within 1e-9 steps).  ASIM_EINPUT for a malformed spec, an unknown setting,
 * a key already swept, or more than 1e6 values. */
int asim_sweep_add_grid(asim_sweep *sw, const char *spec, asim_err *err);
/* Add a random axis "key=lo:hi" (numeric settings only).  Values are drawn
 * in asim_sweep_finish. */
int asim_sweep_add_random(asim_sweep *sw, const char *spec, asim_err *err);
/* Add a link "key=from" (after the axes): key a known setting that is not
 * swept, from a swept one.  ASIM_EINPUT otherwise. */
int asim_sweep_add_link(asim_sweep *sw, const char *spec, asim_err *err);
/* Draw the random values (samples of them, from the sweep's seed), count the
 * configurations and compute the hash.  samples is ignored without random
 * axes.  ASIM_EINPUT when random axes have samples == 0, or there are more
 * than 1e9 configurations × replications. */
int asim_sweep_finish(asim_sweep *sw, size_t samples, asim_err *err);
void asim_sweep_free(asim_sweep *sw);        /* zeroed struct or NULL: no-op */

/* Value of axis a in configuration c (text). */
const char *asim_sweep_value(const asim_sweep *sw, size_t c, size_t a);
/* "key=value\n..." for configuration c (axes, then links); caller frees. */
char *asim_sweep_assignments(const asim_sweep *sw, size_t c);
/* Build and validate every configuration of the definition (all shards)
 * before anything runs.  0 when all are valid; else ASIM_EINPUT with a
 * message giving how many are invalid, the first ones with their error, and
 * how to link a setting that must follow a swept one.  *ninvalid (may be
 * NULL) gets the count.  In the same pass, every valid configuration of
 * the shard must fit the run budget (budget.h; force as `run --force`): if
 * one does not, ASIM_EINPUT naming it and the estimate, whatever
 * skip_invalid.  Cost: one config build per configuration. */
int asim_sweep_validate(const asim_sweep *sw, int force, size_t *ninvalid, asim_err *err);
/* The names of the metrics a run of base produces (a run of at most 1
 * simulated second, no files): what --minimize, --subject-to, --pareto and
 * --plot-metric may name.  The list is NULL-terminated; free with
 * asim_sweep_free_names.  NULL when the probe run fails (err says why). */
char **asim_sweep_metric_names(const asim_config *base, size_t *n, asim_err *err);
void asim_sweep_free_names(char **names);
/* Seed of replication r. */
uint64_t asim_sweep_seed(const asim_sweep *sw, unsigned r);
/* Does configuration c belong to this process's shard? */
int asim_sweep_in_shard(const asim_sweep *sw, size_t c);
/* Parse "K/N" (1 <= K <= N <= 1e6). */
int asim_sweep_parse_shard(const char *text, unsigned *k, unsigned *n, asim_err *err);

/* ---- objective ------------------------------------------------------------ */

#define ASIM_MAX_CONSTRAINTS 16

typedef struct asim_constraint {
    char metric[ASIM_METRIC_NAME_MAX];
    char op[3];                 /* "<=", ">=", "<", ">" */
    double bound;
} asim_constraint;

typedef struct asim_objective {
    char metric[ASIM_METRIC_NAME_MAX];   /* "" when none was given */
    int maximize;
    size_t ncons;
    asim_constraint cons[ASIM_MAX_CONSTRAINTS];
    char pareto_x[ASIM_METRIC_NAME_MAX], pareto_y[ASIM_METRIC_NAME_MAX];
} asim_objective;

/* Defaults: no objective, Pareto front of replica_seconds vs slo_violation_seconds. */
void asim_objective_init(asim_objective *o);
/* Add "metric<=value" (also >=, <, >; blanks allowed).  ASIM_EINPUT if malformed. */
int asim_objective_add_constraint(asim_objective *o, const char *text, asim_err *err);
/* Apply the command line's objective: --minimize/--maximize METRIC (at most
 * one non-NULL; both NULL keeps o's metric) and, when nsubj > 0, the
 * --subject-to texts replacing o's constraints.  ASIM_EINPUT if one is
 * malformed.  Used by sweep, tune and merge. */
int asim_objective_apply(asim_objective *o, const char *minimize, const char *maximize,
                         const char *const *subj, size_t nsubj, asim_err *err);
/* Does value v satisfy constraint c?  NaN never does. */
int asim_constraint_ok(const asim_constraint *c, double v);
/* "minimize replica_seconds subject to slo_violation_seconds<=30". */
void asim_objective_text(const asim_objective *o, char *buf, size_t len);
/* Check the objective's metric names (and extra, may be NULL, labelled by
 * extra_opt) against names[0..n).  ASIM_EINPUT naming the option, the
 * metric and the closest known name. */
int asim_objective_check_names(const asim_objective *o, const char *extra, const char *extra_opt,
                               char *const *names, size_t n, asim_err *err);

/* ---- sweep.json ------------------------------------------------------------ */

/* Write DIR/sweep.json (atomically): the definition, its hash, the shard
 * (only when shard_n > 1) and the objective (not part of the hash). */
int asim_sweep_write_json(const asim_sweep *sw, const asim_objective *o, const char *dir, asim_err *err);
/* Rebuild a finished definition from DIR/sweep.json (the base config from
 * its JSON, not the scenario file); obj (may be NULL) gets the stored
 * objective.  ASIM_EINPUT when missing or malformed, or when the rebuilt
 * hash differs from the stored one (a different program version). */
int asim_sweep_read_json(asim_sweep *sw, asim_objective *obj, const char *dir, asim_err *err);

/* ---- runs.csv ---------------------------------------------------------------- */

typedef struct asim_run_row {
    uint64_t config;
    unsigned rep;
    char **f;                   /* every field as text (ncols of them) */
} asim_run_row;

typedef struct asim_runs {
    size_t ncols;
    char **cols;                /* header */
    size_t first_metric;        /* index of the first metric column */
    size_t n, cap;
    asim_run_row *rows;
} asim_runs;

/* Read a runs.csv written for sw.  A last line without its newline (a kill
 * during the write) is dropped and, with repair, truncated from the file.
 * A missing file gives an empty table (ncols 0).  ASIM_EINPUT when the
 * header does not match sw's axes or a row is malformed (names line). */
int asim_runs_read(asim_runs *t, const asim_sweep *sw, const char *path, int repair, asim_err *err);
/* Sort rows by (config, rep). */
void asim_runs_sort(asim_runs *t);
/* Write the table (header + rows in their order) atomically. */
int asim_runs_write(const asim_runs *t, const char *path, asim_err *err);
void asim_runs_free(asim_runs *t);

/* ---- running ------------------------------------------------------------------ */

typedef struct asim_sweep_progress {
    size_t total;               /* runs in this shard */
    size_t done;                /* finished, including those found when resuming */
    size_t resumed;             /* finished before this invocation */
    size_t failed;              /* rows with status error (this invocation) */
    double elapsed;             /* wall seconds since the first job */
    int final;                  /* last call */
} asim_sweep_progress;

typedef struct asim_sweep_opts {
    unsigned jobs;              /* worker processes; 0: one per online CPU */
    int keep_runs;              /* write each run's files to DIR/runs/c<config>-r<rep>/ */
    const asim_objective *obj;  /* stored in sweep.json */
    /* Called after each result and at least every 0.25 s; may be NULL. */
    void (*progress)(void *ctx, const asim_sweep_progress *p);
    void *ctx;
} asim_sweep_opts;

/* Run every (configuration, replication) of sw's shard not yet in
 * DIR/runs.csv, streaming rows as they finish (each row flushed: a kill
 * leaves a valid file).  Creates DIR and sweep.json; refuses (ASIM_EINPUT)
 * a DIR whose sweep.json describes another sweep or that holds other files
 * but no sweep.json.  When every run is done, runs.csv is rewritten sorted
 * by (config, rep), so the file does not depend on scheduling.
 * *interrupted (may be NULL) is set when SIGINT/SIGTERM/SIGHUP stopped it:
 * ASIM_ERUNTIME is returned then, with runs.csv valid and resumable. */
int asim_sweep_run(const asim_sweep *sw, const char *dir, const asim_sweep_opts *o,
                   int *interrupted, asim_err *err);



/* ---- aggregation ------------------------------------------------------------ */

/* Mean, sample standard deviation and 95 % CI half-width (Student t with
 * n - 1 degrees of freedom, gsl_cdf_tdist_Pinv) of the non-NaN values of
 * x[0..n).  Empty: all NaN; one value: sd and ci NaN.  Returns the count. */
size_t asim_mean_ci(const double *x, size_t n, double *mean, double *sd, double *ci);

/* "21510 ± 12", "0.512 ± 0.031" (4 and 2 significant digits, whole numbers
 * written out below 1e9), "undefined" for NaN; without ± when ci is NaN. */
void asim_fmt_mean_ci(char *buf, size_t len, double mean, double ci);

typedef struct asim_agg_row {
    uint64_t config;
    unsigned reps, ok;          /* rows, rows with status ok */
    char *error;                /* first error text, NULL if none */
    double *mean, *sd, *ci;     /* per metric (NaN when undefined) */
    int pareto, best, feasible;
} asim_agg_row;

typedef struct asim_agg {
    size_t nmetrics;
    char **metrics;
    size_t n;
    asim_agg_row *rows;         /* ascending config */
    long best;                  /* index into rows, -1 when none */
    size_t npareto;
} asim_agg;

/* Aggregate a sorted runs table.  Only configurations whose every
 * replication succeeded count for the front and the best.  The best
 * minimises (maximises) the objective's mean among those whose means
 * satisfy every constraint; ties go to the lowest config.  Never fails. */
void asim_agg_compute(asim_agg *a, const asim_sweep *sw, const asim_runs *runs, const asim_objective *o);
int asim_agg_metric(const asim_agg *a, const char *name);     /* index or -1 */
/* Is some configuration feasible (every replication ok, every constraint
 * holds on the means)?  When none is, why goes into buf ("no configuration
 * is feasible: ...") and sweep/merge exit with ASIM_EXIT_INFEASIBLE. */
int asim_agg_any_feasible(const asim_agg *a, const asim_objective *o, char *buf, size_t len);
#define ASIM_EXIT_INFEASIBLE 3
/* DIR/summary.csv, written atomically. */
int asim_agg_write_summary(const asim_agg *a, const asim_sweep *sw, const char *path, asim_err *err);
/* The best configuration as a complete scenario (name "<name>-best", the
 * description says how it was chosen).  ASIM_EINPUT when there is no best. */
int asim_agg_write_best(const asim_agg *a, const asim_sweep *sw, const asim_objective *o,
                        const char *path, asim_err *err);
/* Configuration `config` of sw as a complete scenario file: named
 * "<name>-best", with the given description (truncated to fit). */
int asim_sweep_write_scenario(const asim_sweep *sw, size_t config, const char *description,
                              const char *path, asim_err *err);
/* Human summary on f: front size, the best with its CI, or why there is none. */
void asim_agg_report(FILE *f, const asim_agg *a, const asim_sweep *sw, const asim_objective *o);
/* Aggregate DIR/runs.csv into DIR/summary.csv and DIR/best.json (removed
 * when there is no best), and print the report on out (may be NULL). */
int asim_sweep_aggregate(const asim_sweep *sw, const asim_objective *o, const char *dir, FILE *out,
                         asim_agg *agg, asim_err *err);
void asim_agg_free(asim_agg *a);

/* Figures into DIR/plots/ (formats as in plot.h): pareto.<ext> (every
 * configuration, the front, the best); heatmap.<ext> (metric over the first
 * two grid axes, the other axes at the best's values); ci-<key>.<ext> for
 * each axis with two or more values (metric mean ± CI vs the setting).
 * metric NULL: the objective's, else slo_violation_seconds. */
int asim_sweep_plot(const asim_agg *a, const asim_sweep *sw, const asim_objective *o,
                    const char *metric, const char *dir, unsigned formats, asim_err *err);

#endif
