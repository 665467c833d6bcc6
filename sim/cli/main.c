/* main.c -- the program: `autoscale-sim <command> [options]`.
 *
 * A thin driver: it finds the command in a table and calls it with argv
 * starting at the command's name, so each command parses its own options
 * (commands.h).  Only main() exits; its status is the command's return
 * value (0 ok, 1 runtime error, 2 bad input or usage). */
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_version.h>
#include <cJSON.h>

#include "sim/cli/commands.h"
#include "sim/engine/cleanup.h"
#include "sim/run/simulate.h"

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);   /* NULL: absent from this build */
    const char *summary;
} command;

static const command commands[] = {
    {"run",      asim_cmd_run,      "simulate a scenario; write timeseries, events, scaler log, summary"},
    {"settings", asim_cmd_settings, "list every scenario setting (default, range, meaning), or resolve a scenario"},
    {"promql",   asim_cmd_promql,   "evaluate a PromQL expression over recorded samples"},
    {"replay",   asim_cmd_replay,   "dry-run a scenario's scaling policy over a recorded metric series"},
    {"alerts",   asim_cmd_alerts,   "evaluate alerting rules"},
    {"import",   asim_cmd_import,   "scenario settings from prometheus.yml, rule files, compose env, HPA manifest"},
    {"trace",    asim_cmd_trace,    "inspect and convert traffic traces"},
    {"plot",     asim_cmd_plot,     "draw a run's figures with gnuplot"},
    {"compare",  asim_cmd_compare,  "compare runs or policies side by side"},
    {"report",   asim_cmd_report,   "write a self-contained HTML and Markdown report of a run"},
    {"sweep",    asim_cmd_sweep,    "run every combination of settings over replications"},
    {"merge",    asim_cmd_merge,    "combine the outputs of sharded sweeps"},
    {"tune",     asim_cmd_tune,     "search settings that optimise an objective"},
    {"version",  asim_cmd_version,  "print the version"},
    {"help",     NULL,              "show help for the program or a command"},
};

static void usage(FILE *f)
{
    fputs("usage: autoscale-sim <command> [options]\n"
          "       autoscale-sim <command> --help\n"
          "\n"
          "Simulates a Prometheus-driven autoscaling loop (web-app replicas, scrapes,\n"
          "a threshold scaler, Ansible/compose actuation) in simulated time.\n"
          "\n"
          "commands:\n", f);
    for (size_t i = 0; i < ASIM_ARRAY_LEN(commands); i++) {
        const command *c = &commands[i];
        int absent = strcmp(c->name, "help") != 0 && !c->fn;
        fprintf(f, "  %-9s %s%s\n", c->name, c->summary, absent ? " (not in this build)" : "");
    }
    fputs("\n"
          "Start with:  autoscale-sim run            (the bundled default scenario)\n"
          "             autoscale-sim run scenarios/spike.json --set scaler.max_replicas=4\n"
          "             autoscale-sim settings     (every setting a scenario may hold)\n"
          "See autoscale-sim(1) for details.\n", f);
}

int asim_cmd_version(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        puts("usage: autoscale-sim version\n\nPrints the program's version and those of its libraries.");
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "autoscale-sim version: error: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    printf("autoscale-sim %s (GSL %s, cJSON %s)\n", ASIM_VERSION, gsl_version, cJSON_Version());
    return 0;
}

static const command *find(const char *name)
{
    for (size_t i = 0; i < ASIM_ARRAY_LEN(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int call(const command *c, int argc, char **argv)
{
    return c->fn(argc, argv);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
        return asim_cmd_version(1, argv + 1);
    if (strcmp(name, "help") == 0) {
        if (argc < 3 || strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        const command *c = find(argv[2]);
        if (!c || !strcmp(c->name, "help")) {
            if (!c)
                fprintf(stderr, "autoscale-sim help: error: unknown command '%s'\n", argv[2]);
            else
                usage(stdout);
            return c ? 0 : 2;
        }
        char *hargv[] = {argv[2], "--help", NULL};
        return call(c, 2, hargv);
    }
    const command *c = find(name);
    if (!c) {
        fprintf(stderr, "autoscale-sim: error: unknown command '%s' (see autoscale-sim --help)\n", name);
        return 2;
    }
    asim_cleanup_install();     /* an interrupt removes this command's temporaries (cleanup.h) */
    return call(c, argc - 1, argv + 1);
}
