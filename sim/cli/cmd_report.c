/* cmd_report.c -- `autoscale-sim report RUN_DIR`: report.html + report.md
 * (report.h's asim_report_write does the work). */
#include "sim/cli/commands.h"

#include <getopt.h>
#include <stdio.h>
#include "sim/cli/cli.h"
#include "sim/engine/common.h"
#include "sim/report/report.h"

static const char usage_text[] =
    "usage: autoscale-sim report RUN_DIR [--out DIR] [--no-figures]\n"
    "\n"
    "Write a report of a run directory (written by `autoscale-sim run`):\n"
    "  report.html  self-contained (figures inlined as SVG, no network needed):\n"
    "               key numbers, timeline and dashboard figures, scaling events,\n"
    "               alerts, summary and elasticity metrics, settings\n"
    "  report.md    the same tables for a wiki, figures referenced as PNG files\n"
    "and the figures themselves (timeline/dashboard .svg and .png).\n"
    "\n"
    "  --out DIR      write there (default RUN_DIR)\n"
    "  --no-figures   tables only (no gnuplot needed)\n"
    "  --help         show this help\n"
    "\n"
    "Exit status: 0 ok, 1 I/O or gnuplot failure, 2 bad usage, an unreadable run\n"
    "directory, or gnuplot missing (the report is then written without figures).\n";

/* "autoscale-sim report: error: ..." on stderr; returns 2. */
#define usage_error(...) asim_cli_error("report", 2, __VA_ARGS__)

int asim_cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"no-figures", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *out = NULL;
    unsigned flags = 0;
    int c;
    optind = 0;        /* glibc: full re-initialisation (run --report calls us after its own getopt) */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'n': flags |= ASIM_REPORT_NO_FIGURES; break;
        case 'h': fputs(usage_text, stdout); return 0;
        case ':': return usage_error("%s needs a value", argv[optind - 1]);
        default: return usage_error("unknown option '%s' (see --help)", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error("%s", "missing RUN_DIR (see --help)");
    if (optind + 1 < argc)
        return usage_error("unexpected argument '%s'", argv[optind + 1]);
    asim_err err = {""};
    int rc = asim_report_write(argv[optind], out, flags, &err);
    if (rc) {
        fprintf(stderr, "autoscale-sim report: error: %s\n", err.msg);
        return rc == ASIM_EINPUT ? 2 : 1;
    }
    return 0;
}
