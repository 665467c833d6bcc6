/* cmd_sweep.c -- `autoscale-sim sweep`: every combination of settings,
 * replicated, in parallel worker processes (sweep.h does the work).
 *
 * Everything the user gave is checked before anything runs: the scenario,
 * --set, every axis and link, every metric name (against a one-second probe
 * run) and every configuration (an invalid one refuses the sweep; with
 * --skip-invalid it is recorded in runs.csv with its error instead).
 * Re-running the same command resumes; when every run is done it only
 * re-aggregates, so changing --minimize/--subject-to/--plot on a finished
 * sweep costs no simulation.  Progress goes to stderr (a bar on a terminal,
 * a line every 10 s otherwise), results to files, the report to stdout. */
#include "sim/cli/commands.h"

#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_opts.h"
#include "sim/report/plot.h"
#include "sim/sweep/pool.h"
#include "sim/config/settings.h"
#include "sim/sweep/sweep.h"

static void usage(FILE *f)
{
    fputs("usage: autoscale-sim sweep SCENARIO.json --grid KEY=V1,V2,... [options]\n"
          "\n"
          "Runs every combination of the swept settings, each replicated with seeds S, S+1, ...\n"
          "(the same seeds for every combination: common random numbers), in parallel worker\n"
          "processes.  Writes DIR/runs.csv (one row per run, streamed), DIR/summary.csv (mean,\n"
          "sd and 95 % CI of every metric per combination, Pareto front), DIR/best.json (the\n"
          "best combination as a scenario, with --minimize/--maximize).  Re-running the same\n"
          "command resumes an interrupted sweep, or only re-aggregates a finished one.\n"
          "\n"
          "axes (repeatable; any setting of `autoscale-sim settings`):\n"
          "  --grid KEY=V1,V2,...     these values (JSON values may contain commas)\n"
          "  --grid KEY=START:STOP:STEP   START, START+STEP, ... up to STOP inclusive\n"
          "  --random KEY=LO:HI       --samples values in [LO, HI] (Latin hypercube), crossed\n"
          "                           with the grid; whole numbers for integer settings\n"
          "  --samples N              number of random samples\n"
          "  --link KEY=SWEPT_KEY     KEY follows a swept setting in every configuration, e.g.\n"
          "                           --link container.initial_replicas=scaler.min_replicas\n"
          "\n"
          "options:\n"
          "  --reps R                 replications per combination (default 10)\n"
          "  --seed S                 seed of replication 0 (default: the scenario's)\n"
          "  -o, --out DIR            output directory (default results/<scenario>-sweep)\n"
          "  -j, --jobs J             worker processes (default: one per online CPU)\n"
          "  --set KEY=VALUE          override a setting for every run (repeatable)\n"
          "  --duration S             simulated seconds (same as --set duration=S)\n"
          "  --keep-runs              keep each run's files in DIR/runs/c<config>-r<rep>/\n"
          "  --force                  run configurations estimated above the size limits (as run --force)\n"
          "  --skip-invalid           record invalid configurations as errors and run the\n"
          "                           others (default: refuse the sweep before any run)\n"
          "  --shard K/N              run only slice K of N (configs with config % N == K-1);\n"
          "                           combine the N directories with `autoscale-sim merge`\n"
          "  --minimize METRIC        choose the best combination by its mean (best.json)\n"
          "  --maximize METRIC\n"
          "  --subject-to 'M<=V'      constraint on a metric's mean (also >=, <, >; repeatable)\n"
          "  --pareto X,Y             metrics of the Pareto front (default\n"
          "                           replica_seconds,slo_violation_seconds; both minimised)\n"
          "  --plot                   draw DIR/plots/: pareto, heatmap (first two grid axes),\n"
          "                           ci-<setting> (mean ± 95 % CI vs each swept setting)\n"
          "  --plot-metric METRIC     metric of the heat map and CI plots (default: the objective)\n"
          "  --format png,svg,pdf     plot formats (default png)\n"
          "  -q, --quiet              no progress and no report\n"
          "  -h, --help               this help\n"
          "\n"
          "Metrics: those of summary.json (autoscale-sim run), e.g. replica_seconds,\n"
          "slo_violation_seconds, latency_p95, scale_ups, cost.  More: doc/sweeps.md.\n"
          "Every metric name and every configuration is checked before any run.\n"
          "Exit status: 0 done, 1 runtime error or interrupted (re-run to resume), 2 bad input\n"
          "(an unknown metric or setting, an invalid configuration), 3 done but no configuration\n"
          "is feasible (every replication ok and every --subject-to holds on the means; a\n"
          "shard never exits 3: merge decides).\n", f);
}

/* "autoscale-sim sweep: error: ..." on stderr; returns rc. */
#define fail(rc, ...) asim_cli_error("sweep", rc, __VA_ARGS__)

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct progress_ui {
    int tty;
    double last;                /* wall time of the last output */
    int drawn;                  /* a bar is on the line */
    int announced;              /* the resume line was printed */
} progress_ui;

static void fmt_eta(char *buf, size_t len, double s)
{
    if (!isfinite(s) || s < 0)
        snprintf(buf, len, "?");
    else if (s >= 3600)
        snprintf(buf, len, "%d:%02d:%02d", (int)(s / 3600), (int)fmod(s / 60, 60), (int)fmod(s, 60));
    else
        snprintf(buf, len, "%d:%02d", (int)(s / 60), (int)fmod(s, 60));
}

static void on_progress(void *ctx, const asim_sweep_progress *p)
{
    progress_ui *ui = ctx;
    double now = wall_now();
    if (!ui->announced) {
        ui->announced = 1;
        if (p->resumed > 0)
            fprintf(stderr, "sweep: resuming: %zu of %zu runs were already done\n", p->resumed, p->total);
    }
    if (!p->final && now - ui->last < (ui->tty ? 0.1 : 10.0))
        return;
    ui->last = now;
    size_t fresh = p->done - p->resumed;
    double rate = p->elapsed > 0 ? (double)fresh / p->elapsed : 0;
    double eta = rate > 0 ? (double)(p->total - p->done) / rate : NAN;
    double frac = p->total ? (double)p->done / (double)p->total : 1;
    char e[32], failed[48] = "";
    fmt_eta(e, sizeof e, eta);
    if (p->failed)
        snprintf(failed, sizeof failed, ", %zu failed", p->failed);
    if (ui->tty) {
        char bar[31];
        size_t fill = (size_t)(frac * 30 + 0.5);
        for (size_t i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = 0;
        fprintf(stderr, "\r\033[Ksweep [%s] %3.0f%%  %zu/%zu runs  %.1f runs/s  ETA %s%s", bar, frac * 100,
                p->done, p->total, rate, p->final ? "0:00" : e, failed);
        ui->drawn = 1;
        if (p->final) {
            fputc('\n', stderr);
            ui->drawn = 0;
        }
    } else if (p->final)
        fprintf(stderr, "sweep: %zu/%zu runs done in %.1f s (%.1f runs/s)%s\n", p->done, p->total, p->elapsed,
                rate, failed);
    else
        fprintf(stderr, "sweep: %zu/%zu runs (%.0f%%), %.1f runs/s, ETA %s%s\n", p->done, p->total, frac * 100,
                rate, e, failed);
    fflush(stderr);
}

/* The metric names the objective mentions all exist among the results'. */
static int check_metrics(const asim_agg *a, const asim_objective *o, const char *plot_metric, asim_err *err)
{
    if (a->nmetrics == 0)
        return 0;     /* every run failed: nothing to check against */
    return asim_objective_check_names(o, plot_metric, "--plot-metric", a->metrics, a->nmetrics, err);
}

/* Before any run, so a sweep fails at once rather than after its runs:
 * every configuration builds and validates, and those of this shard fit the
 * run budget (one pass, asim_sweep_validate), then the metric names exist in
 * a one-second probe run of the base scenario (after the budget, which keeps
 * the probe itself affordable). */
static int check_before_running(const asim_sweep *sw, const asim_objective *o, const char *plot_metric,
                                int force, int skip_invalid, int quiet, asim_err *err)
{
    size_t bad = 0;
    int rc = asim_sweep_validate(sw, force, &bad, err);
    if (rc && skip_invalid && bad > 0) {
        if (!quiet)
            fprintf(stderr, "sweep: warning: %zu of %zu configurations are invalid: recorded as errors "
                    "(--skip-invalid)\n", bad, sw->nconfigs);
        rc = 0;
    }
    if (rc)
        return rc;
    size_t nn = 0;
    char **names = asim_sweep_metric_names(&sw->base, &nn, err);
    if (names) {
        rc = asim_objective_check_names(o, plot_metric, "--plot-metric", names, nn, err);
        asim_sweep_free_names(names);
    }
    return rc;
}

static int set_pareto(asim_objective *o, const char *text, asim_err *err)
{
    const char *c = strchr(text, ',');
    if (!c || c == text || !c[1] || strchr(c + 1, ',') || (size_t)(c - text) >= sizeof o->pareto_x ||
        strlen(c + 1) >= sizeof o->pareto_y)
        return asim_err_set(err, ASIM_EINPUT, "--pareto '%s': expected two metrics, X,Y", text);
    snprintf(o->pareto_x, sizeof o->pareto_x, "%.*s", (int)(c - text), text);
    snprintf(o->pareto_y, sizeof o->pareto_y, "%s", c + 1);
    return 0;
}

enum { OPT_GRID = 1000, OPT_RANDOM, OPT_SAMPLES, OPT_REPS, OPT_KEEP, OPT_SHARD, OPT_PARETO, OPT_FORCE,
       OPT_LINK, OPT_SKIP_INVALID };

int asim_cmd_sweep(int argc, char **argv)
{
    static const struct option own[] = {
        {"grid", required_argument, NULL, OPT_GRID},
        {"random", required_argument, NULL, OPT_RANDOM},
        {"samples", required_argument, NULL, OPT_SAMPLES},
        {"reps", required_argument, NULL, OPT_REPS},
        {"keep-runs", no_argument, NULL, OPT_KEEP},
        {"force", no_argument, NULL, OPT_FORCE},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"pareto", required_argument, NULL, OPT_PARETO},
        {"link", required_argument, NULL, OPT_LINK},
        {"skip-invalid", no_argument, NULL, OPT_SKIP_INVALID},
        {NULL, 0, NULL, 0},
    };
    asim_cli_opts opt;
    asim_cli_opts_init(&opt, "sweep", ASIM_CLI_SCENARIO | ASIM_CLI_JOBS | ASIM_CLI_OBJECTIVE | ASIM_CLI_PLOT, own, argc);
    opt.usage = usage;
    const char **grids = asim_calloc((size_t)argc + 1, sizeof *grids);
    const char **randoms = asim_calloc((size_t)argc + 1, sizeof *randoms);
    const char **links = asim_calloc((size_t)argc + 1, sizeof *links);
    size_t ngrid = 0, nrandom = 0, nlinks = 0;
    const char *shard = NULL, *pareto = NULL, *scenario = NULL;
    unsigned long samples = 0, reps = 10;
    int keep = 0, force = 0, skip_invalid = 0, rc = 0;
    asim_err err;
    asim_config cfg;
    int have_cfg = 0;
    asim_sweep sw;
    memset(&sw, 0, sizeof sw);
    asim_agg agg;
    memset(&agg, 0, sizeof agg);

    int o;
    while ((o = asim_cli_next(&opt, argc, argv)) > 0) {
        switch (o) {
        case OPT_GRID:   grids[ngrid++] = optarg; break;
        case OPT_RANDOM: randoms[nrandom++] = optarg; break;
        case OPT_LINK:   links[nlinks++] = optarg; break;
        case OPT_SKIP_INVALID: skip_invalid = 1; break;
        case OPT_KEEP:   keep = 1; break;
        case OPT_FORCE:  force = 1; break;
        case OPT_SHARD:  shard = optarg; break;
        case OPT_PARETO: pareto = optarg; break;
        case OPT_SAMPLES:
            if (asim_cli_parse_ulong(optarg, 1, 100000000ul, &samples) != 0) {
                rc = fail(2, "--samples '%s': expected a whole number >= 1", optarg);
                goto done;
            }
            break;
        case OPT_REPS:
            if (asim_cli_parse_ulong(optarg, 1, 1000000ul, &reps) != 0) {
                rc = fail(2, "--reps '%s': expected a whole number >= 1", optarg);
                goto done;
            }
            break;
        }
    }
    if (o < 0) {
        rc = opt.rc;
        goto done;
    }
    if (optind < argc)
        scenario = argv[optind++];
    if (optind < argc) {
        rc = fail(2, "unexpected argument '%s' (one scenario per sweep)", argv[optind]);
        goto done;
    }
    if (!scenario) {
        rc = fail(2, "no scenario given (usage: autoscale-sim sweep SCENARIO.json --grid KEY=V1,V2 ...)");
        goto done;
    }
    if (ngrid == 0 && nrandom == 0) {
        rc = fail(2, "nothing to sweep: give --grid KEY=V1,V2,... or --random KEY=LO:HI");
        goto done;
    }
    if (nrandom > 0 && samples == 0) {
        rc = fail(2, "--random needs --samples N");
        goto done;
    }
    if (opt.minimize && opt.maximize) {
        rc = fail(2, "--minimize and --maximize are exclusive");
        goto done;
    }

    asim_objective obj;
    asim_objective_init(&obj);
    if ((rc = asim_objective_apply(&obj, opt.minimize, opt.maximize, opt.subj, opt.nsubj, &err)) != 0)
        goto bad_input;
    if (pareto && (rc = set_pareto(&obj, pareto, &err)) != 0)
        goto bad_input;

    have_cfg = 1;
    uint64_t seed;
    if ((rc = asim_cli_build_config(&opt, scenario, &cfg, &seed, &err)) != 0)
        goto bad_input;
    asim_sweep_init(&sw, &cfg, scenario, seed, (unsigned)reps);
    for (size_t i = 0; i < ngrid; i++)
        if ((rc = asim_sweep_add_grid(&sw, grids[i], &err)) != 0)
            goto bad_input;
    for (size_t i = 0; i < nrandom; i++)
        if ((rc = asim_sweep_add_random(&sw, randoms[i], &err)) != 0)
            goto bad_input;
    for (size_t i = 0; i < nlinks; i++)
        if ((rc = asim_sweep_add_link(&sw, links[i], &err)) != 0)
            goto bad_input;
    if ((rc = asim_sweep_finish(&sw, samples, &err)) != 0)
        goto bad_input;
    if (shard && (rc = asim_sweep_parse_shard(shard, &sw.shard_k, &sw.shard_n, &err)) != 0)
        goto bad_input;
    if ((rc = check_before_running(&sw, &obj, opt.plot_metric, force, skip_invalid, opt.quiet, &err)) != 0)
        goto bad_input;

    char dir[PATH_MAX];
    asim_cli_out_dir(dir, sizeof dir, opt.out, cfg.name, "-sweep");

    progress_ui ui = {.tty = isatty(STDERR_FILENO), .last = 0, .drawn = 0, .announced = 0};
    size_t shard_configs = 0;
    for (size_t c = 0; c < sw.nconfigs; c++)
        shard_configs += (size_t)asim_sweep_in_shard(&sw, c);
    unsigned j = opt.jobs ? (unsigned)opt.jobs : asim_pool_default_workers();
    if (!opt.quiet) {
        fprintf(stderr, "sweep: %zu configurations x %u replications = %zu runs", shard_configs, sw.reps,
                shard_configs * sw.reps);
        if (sw.shard_n > 1)
            fprintf(stderr, " (shard %u/%u of %zu configurations)", sw.shard_k, sw.shard_n, sw.nconfigs);
        fprintf(stderr, ", up to %u worker%s, into %s/\n", j, j == 1 ? "" : "s", dir);
    }
    asim_sweep_opts so = {.jobs = j, .keep_runs = keep, .obj = &obj,
                          .progress = opt.quiet ? NULL : on_progress, .ctx = &ui};
    int interrupted = 0;
    rc = asim_sweep_run(&sw, dir, &so, &interrupted, &err);
    if (rc) {
        rc = fail(rc == ASIM_EINPUT ? 2 : 1, "%s", err.msg);
        goto done;
    }
    rc = asim_sweep_aggregate(&sw, &obj, dir, NULL, &agg, &err);
    if (rc == 0 && (rc = check_metrics(&agg, &obj, opt.plot_metric, &err)) != 0)
        goto bad_input;
    if (rc) {
        rc = fail(rc == ASIM_EINPUT ? 2 : 1, "%s", err.msg);
        goto done;
    }
    if (!opt.quiet) {
        asim_agg_report(stdout, &agg, &sw, &obj);
        printf("output          %s/ (runs.csv, summary.csv%s)\n", dir, agg.best >= 0 ? ", best.json" : "");
    }
    if (opt.plot) {
        fflush(stdout);
        if ((rc = asim_sweep_plot(&agg, &sw, &obj, opt.plot_metric, dir, opt.formats, &err)) != 0) {
            rc = fail(rc == ASIM_EINPUT ? 2 : 1, "%s", err.msg);
            goto done;
        }
        if (!opt.quiet)
            printf("figures         %s/plots/\n", dir);
    }
    char why[700];
    if (sw.shard_n <= 1 && !asim_agg_any_feasible(&agg, &obj, why, sizeof why))
        rc = fail(ASIM_EXIT_INFEASIBLE, "%s", why);
    goto done;

bad_input:
    rc = fail(rc == ASIM_ERUNTIME ? 1 : 2, "%s", err.msg);
done:
    asim_agg_free(&agg);
    asim_sweep_free(&sw);
    if (have_cfg)
        asim_config_free(&cfg);
    asim_free(grids);
    asim_free(randoms);
    asim_cli_opts_free(&opt);
    asim_free(links);
    return rc;
}
