/* cmd_plot.c -- `autoscale-sim plot RUN_DIR`: draw a run's figures with
 * gnuplot (figures.h does the work; this file is options and messages). */
#include "sim/cli/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "sim/cli/cli.h"
#include "sim/engine/common.h"
#include "sim/report/figures.h"
#include "sim/engine/output.h"
#include "sim/report/plot.h"

static const char usage_text[] =
    "usage: autoscale-sim plot RUN_DIR [--format png|svg|pdf|all] [--figure dashboard|timeline|all]\n"
    "                          [--out DIR]\n"
    "\n"
    "Draw the figures of a run directory (written by `autoscale-sim run`) with gnuplot:\n"
    "  dashboard   the seed's eight Grafana panels on one page\n"
    "  timeline    offered load, the metric the scaler saw against its thresholds,\n"
    "              replicas desired vs ready, scaling actions and alerts\n"
    "\n"
    "  --format F   comma-separated list of png, svg, pdf, or all (default png,svg)\n"
    "  --figure F   dashboard, timeline or all (default all)\n"
    "  --out DIR    write the figures there (default RUN_DIR)\n"
    "  --help       show this help\n"
    "\n"
    "Writes DIR/dashboard.png, DIR/timeline.png, ... (see doc/plots.md).\n"
    "Needs gnuplot at run time (Debian/Ubuntu: apt-get install gnuplot-nox).\n"
    "\n"
    "Exit status: 0 ok, 1 gnuplot failed or a file could not be written,\n"
    "2 bad usage, unreadable run directory, or gnuplot missing.\n";

/* "autoscale-sim plot: error: ..." on stderr; returns 2. */
#define usage_error(...) asim_cli_error("plot", 2, __VA_ARGS__)

int asim_cmd_plot(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"figure", required_argument, NULL, 'g'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    unsigned formats = ASIM_FMT_PNG | ASIM_FMT_SVG, figures = ASIM_FIG_DASHBOARD | ASIM_FIG_TIMELINE;
    const char *out = NULL;
    int c;
    optind = 0;        /* glibc: full re-initialisation (run --plot calls us after its own getopt) */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (asim_plot_parse_formats(optarg, &formats) != 0)
                return usage_error("--format: '%s': expected png, svg, pdf or all (comma-separated)", optarg);
            break;
        case 'g':
            if (strcmp(optarg, "dashboard") == 0) figures = ASIM_FIG_DASHBOARD;
            else if (strcmp(optarg, "timeline") == 0) figures = ASIM_FIG_TIMELINE;
            else if (strcmp(optarg, "all") == 0) figures = ASIM_FIG_DASHBOARD | ASIM_FIG_TIMELINE;
            else return usage_error("--figure: '%s': expected dashboard, timeline or all", optarg);
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case ':':
            return usage_error("%s needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s' (see --help)", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error("%s", "missing RUN_DIR (see --help)");
    if (optind + 1 < argc)
        return usage_error("unexpected argument '%s'", argv[optind + 1]);
    const char *dir = argv[optind];
    asim_err err = {""};
    if (out && asim_mkdirs(out, &err) != 0) {
        fprintf(stderr, "autoscale-sim plot: error: %s\n", err.msg);
        return 1;
    }
    int rc = asim_plot_run(dir, figures, formats, out, &err);
    if (rc) {
        fprintf(stderr, "autoscale-sim plot: error: %s\n", err.msg);
        return rc == ASIM_EINPUT ? 2 : 1;
    }
    return 0;
}
