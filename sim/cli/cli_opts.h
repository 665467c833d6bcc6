/* cli_opts.h -- the options several commands share, parsed in one place.
 *
 * `run`, `sweep`, `tune`, `merge`, `compare --policies`, `alerts` and
 * `replay` all take some of -o/--out, -q/--quiet, --set, --seed,
 * --duration, -j/--jobs, the objective (--minimize, --maximize,
 * --subject-to) and the figures (--plot, --plot-metric, --format).  A
 * command names the groups it takes and its own options; asim_cli_next()
 * runs getopt_long over both, stores the shared ones here, answers -h/--help
 * and reports getopt's errors, and hands the command only its own options:
 *
 *     asim_cli_opts c;
 *     asim_cli_opts_init(&c, "sweep", ASIM_CLI_OUT | ASIM_CLI_SET | ..., own, argc);
 *     c.usage = usage;
 *     while ((o = asim_cli_next(&c, argc, argv)) > 0)
 *         switch (o) { case OPT_GRID: ...; }
 *     if (o < 0) { rc = c.rc; goto done; }      (-h/--help: rc 0; error: 2)
 *     ...
 *     asim_cli_opts_free(&c);
 *
 * Messages keep each command's wording: with `see` unset, getopt's errors
 * read as asim_cli_getopt_error() writes them; with `see` set, as
 * "X needs a value" / "unknown option 'X' (see <see>)". */
#ifndef ASIM_CLI_OPTS_H
#define ASIM_CLI_OPTS_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/engine/common.h"
#include "sim/engine/output.h"
#include "models/scenario/config.h"

/* The groups of shared options a command takes (a bit set). */
enum {
    ASIM_CLI_OUT = 1u << 0,       /* -o, --out PATH */
    ASIM_CLI_QUIET = 1u << 1,     /* -q, --quiet */
    ASIM_CLI_SET = 1u << 2,       /* --set KEY=VALUE, repeatable */
    ASIM_CLI_SEED = 1u << 3,      /* --seed S, kept as text (commands differ in how they apply it) */
    ASIM_CLI_DURATION = 1u << 4,  /* --duration S, kept as text */
    ASIM_CLI_JOBS = 1u << 5,      /* -j, --jobs J: 1..255 */
    ASIM_CLI_OBJECTIVE = 1u << 6, /* --minimize M, --maximize M, --subject-to C (repeatable) */
    ASIM_CLI_PLOT = 1u << 7,      /* --plot, --plot-metric M (implies --plot), --format png,svg,pdf */
};

/* What every command that runs a scenario takes: -o, -q, --set, --seed,
 * --duration. */
#define ASIM_CLI_SCENARIO (ASIM_CLI_OUT | ASIM_CLI_QUIET | ASIM_CLI_SET | ASIM_CLI_SEED | ASIM_CLI_DURATION)

/* getopt_long's codes of the shared long-only options; a command's own
 * codes are short letters or >= 1000 (or 256..699). */
enum {
    ASIM_OPT_SET = 700, ASIM_OPT_SEED, ASIM_OPT_DURATION, ASIM_OPT_MINIMIZE, ASIM_OPT_MAXIMIZE,
    ASIM_OPT_SUBJECT_TO, ASIM_OPT_PLOT, ASIM_OPT_PLOT_METRIC, ASIM_OPT_FORMAT
};

typedef struct asim_cli_opts {
    /* Set by the command (asim_cli_opts_init sets the first four). */
    const char *cmd;               /* "sweep": names the command in messages */
    unsigned take;                 /* ASIM_CLI_* groups */
    const struct option *own;      /* the command's own long options, NULL-terminated (or NULL) */
    const char *own_short;         /* its own short options, getopt syntax ("" if none) */
    void (*usage)(FILE *f);        /* -h/--help prints this ... */
    const char *usage_text;        /* ... or this */
    const char *see;               /* see the header comment */

    /* The shared options as given (NULL / 0 when absent). */
    const char **sets;             /* --set values, in order */
    size_t nsets;
    const char **subj;             /* --subject-to values, in order */
    size_t nsubj;
    const char *out, *seed, *duration, *minimize, *maximize, *plot_metric;
    unsigned long jobs;            /* 0: not given */
    int quiet, plot;
    unsigned formats;              /* ASIM_FMT_* bits; ASIM_FMT_PNG unless --format */

    int rc;                        /* the exit status once asim_cli_next returned -1 */
    struct option *table;          /* internal: the merged option table */
    char shortopts[64];
} asim_cli_opts;

/* Prepare c for a command's argv of argc words (the repeatable options are
 * sized by argc). */
void asim_cli_opts_init(asim_cli_opts *c, const char *cmd, unsigned take, const struct option *own, int argc);

/* The next of the command's own options (> 0, optarg set as getopt_long
 * sets it), 0 when the options are over (optind is the first operand), or
 * -1 when the command must stop with c->rc: 0 after -h/--help, 2 after a
 * bad option (message printed). */
int asim_cli_next(asim_cli_opts *c, int argc, char **argv);

void asim_cli_opts_free(asim_cli_opts *c);

/* The scenario's settings for a command that reads them without running
 * it (alerts, replay): the defaults, the scenario file when given, each
 * --set, then the whole-configuration checks.  0, or the exit status
 * after printing the error as "autoscale-sim <cmd>: error: ..."; cfg is to
 * be freed either way. */
int asim_cli_load_config(const asim_cli_opts *c, const char *scenario, asim_config *cfg);

/* The scenario's settings for a command that runs it many times (sweep,
 * tune): the defaults, the scenario, --set and --duration
 * (asim_config_build), and in *seed the seed of replication 0: --seed
 * when given, else the scenario's.  0, or the error class with err set;
 * cfg is to be freed either way. */
int asim_cli_build_config(const asim_cli_opts *c, const char *scenario, asim_config *cfg, uint64_t *seed,
                          asim_err *err);

/* The run directory: out when given, else results/<name><suffix>; trailing
 * slashes dropped. */
void asim_cli_out_dir(char *dir, size_t len, const char *out, const char *name, const char *suffix);

/* An output file when path is given (written atomically), else stdout. */
typedef struct asim_cli_sink {
    FILE *f;
    const char *path;
    asim_afile af;
} asim_cli_sink;

/* Open s on path (NULL: stdout).  0, or the error class with err set. */
int asim_cli_sink_open(asim_cli_sink *s, const char *path, asim_err *err);

/* Finish s: when rc != 0 discard the file; otherwise commit it (or flush
 * stdout), reporting a failure as "autoscale-sim <cmd>: error: ...".
 * Returns the command's status: rc, or the failure's. */
int asim_cli_sink_close(asim_cli_sink *s, int rc, const char *cmd);

#endif
