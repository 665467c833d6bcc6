/* cmd_compare.c -- `autoscale-sim compare RUN_DIR...`: runs side by side
 * (report.h's asim_compare_dirs_opts does the work). */
#include "sim/cli/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "sim/cli/cli.h"
#include "sim/engine/common.h"
#include "sim/report/plot.h"
#include "sim/report/report.h"

static const char usage_text[] =
    "usage: autoscale-sim compare RUN_DIR... [--out DIR] [--labels A,B,...] [--format png|svg|pdf|all]\n"
    "                             [--no-figure]\n"
    "       autoscale-sim compare --policies A[,B...] SCENARIO [options]\n"
    "                             (runs each policy on identical traffic first; its own\n"
    "                             help: autoscale-sim compare --policies x SCENARIO --help)\n"
    "\n"
    "Compare run directories (written by `autoscale-sim run`, e.g. the same scenario\n"
    "with different policies, thresholds or seeds): prints their summary metrics side\n"
    "by side, writes DIR/compare.csv (one row per run) and DIR/compare.png/.svg\n"
    "(offered load, the metric each scaler saw, ready replicas and p95 latency\n"
    "overlaid on one time axis).\n"
    "\n"
    "  --out DIR        where compare.csv and the figure go (default: current directory)\n"
    "  --labels L       comma-separated names for the runs (default: directory names)\n"
    "  --format F       figure formats: png, svg, pdf, all, comma-separated (default png,svg)\n"
    "  --no-figure      table and CSV only (no gnuplot needed)\n"
    "  --help           show this help\n"
    "\n"
    "Exit status: 0 ok, 1 I/O or gnuplot failure, 2 bad usage, an unreadable run\n"
    "directory, or gnuplot missing (the table and CSV are still written).\n";

/* "autoscale-sim compare: error: ..." on stderr; returns 2. */
#define usage_error(...) asim_cli_error("compare", 2, __VA_ARGS__)

int asim_cmd_compare(int argc, char **argv)
{
    /* `compare --policies ... SCENARIO` runs the policies first
     * (cmd_compare_policies.c), then comes back here through the C API. */
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--policies", 10) == 0)
            return asim_cmd_compare_policies(argc, argv);

    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"labels", required_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'f'},
        {"no-figure", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    asim_compare_opts o = {NULL, 0, NULL, 0};
    const char *out = ".", *labels_arg = NULL;
    int c;
    optind = 0;        /* glibc: full re-initialisation */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'l': labels_arg = optarg; break;
        case 'f':
            if (asim_plot_parse_formats(optarg, &o.formats) != 0)
                return usage_error("--format: '%s': expected png, svg, pdf or all (comma-separated)", optarg);
            break;
        case 'n': o.no_figure = 1; break;
        case 'h': fputs(usage_text, stdout); return 0;
        case ':': return usage_error("%s needs a value", argv[optind - 1]);
        default: return usage_error("unknown option '%s' (see --help)", argv[optind - 1]);
        }
    }
    size_t n = (size_t)(argc - optind);
    if (n == 0)
        return usage_error("%s", "no RUN_DIR given (see --help)");
    const char *const *dirs = (const char *const *)argv + optind;
    char *lab_buf = NULL;
    const char **labels = NULL;
    if (labels_arg) {
        lab_buf = asim_strdup(labels_arg);
        labels = asim_calloc(n, sizeof *labels);
        size_t k = 0;
        for (char *p = lab_buf, *tok; (tok = strsep(&p, ",")) != NULL; k++)
            if (k < n)
                labels[k] = tok;
        if (k != n) {
            char msg[32];
            snprintf(msg, sizeof msg, "%zu", n);
            asim_free(labels);
            asim_free(lab_buf);
            return usage_error("--labels: expected one name per run directory (%s)", msg);
        }
        o.labels = labels;
    }
    asim_err err = {""};
    int rc = asim_compare_dirs_opts(dirs, n, out, &o, &err);
    asim_free(labels);
    asim_free(lab_buf);
    if (rc) {
        fprintf(stderr, "autoscale-sim compare: error: %s\n", err.msg);
        return rc == ASIM_EINPUT ? 2 : 1;
    }
    return 0;
}
