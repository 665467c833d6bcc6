/* cmd_import.c -- `autoscale-sim import FILE...`: the scenario settings
 * derived from the user's own files (sim/config/import.h), as JSON on
 * stdout; what was ignored, and why, on stderr.
 *
 * The derived settings are checked as `run` would check them (loaded over
 * the defaults, validated), so a file that imports is a file that runs. */
#include "sim/cli/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "sim/cli/cli.h"
#include "sim/config/import.h"
#include "sim/config/settings.h"

static void usage(FILE *f)
{
    fputs("usage: autoscale-sim import [options] FILE...\n"
          "\n"
          "Reads the files a stack already has and prints the scenario settings they\n"
          "amount to (JSON, stdout); every field not simulated is named on stderr.\n"
          "Each file's kind is told from its content:\n"
          "  prometheus.yml        global/job scrape_interval, scrape_timeout,\n"
          "                        evaluation_interval, job_name, dns_sd/file_sd, rule_files\n"
          "  rule files            groups: recording and alerting rules (they replace the\n"
          "                        default alerts: alerts.replace_defaults=true)\n"
          "  docker-compose.yml    the scaler service's environment: block (the seed\n"
          "  or .env               scaler's nine variables)\n"
          "  HPA manifest          autoscaling/v2 HorizontalPodAutoscaler -> scaler.policy=hpa\n"
          "\n"
          "Use the result as a scenario fragment, or directly:\n"
          "  autoscale-sim run SCENARIO.json --from prometheus.yml --from rules.yml\n"
          "\n"
          "options:\n"
          "  --prometheus-config PATH  where Prometheus reads prometheus.yml (its\n"
          "                        --config.file; default /etc/prometheus/prometheus.yml):\n"
          "                        relative rule_files are joined to its directory, which\n"
          "                        names each rule group's file (its evaluation offset)\n"
          "  -h, --help            this help\n"
          "\n"
          "Field by field: doc/import.md.  Exit status: 0 ok, 2 bad input (file:line:col).\n", f);
}

enum { OPT_PROMCFG = 1000 };

int asim_cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"prometheus-config", required_argument, NULL, OPT_PROMCFG},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *promcfg = NULL;
    optind = 0;
    opterr = 0;
    int o;
    while ((o = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (o) {
        case OPT_PROMCFG: promcfg = optarg; break;
        case 'h': usage(stdout); return 0;
        default: return asim_cli_getopt_error("import", o, argv);
        }
    }
    if (optind >= argc) return asim_cli_error("import", 2, "no file given (see autoscale-sim import --help)");
    asim_import *im = asim_import_new(stderr, promcfg);
    asim_err err;
    int rc = 0;
    for (int i = optind; i < argc && !rc; i++) rc = asim_import_file(im, argv[i], &err);
    if (rc) {
        asim_import_free(im);
        return asim_cli_error("import", rc == ASIM_EINPUT ? 2 : 1, "%s", err.msg);
    }
    cJSON *j = asim_import_finish(im);
    asim_import_free(im);
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    asim_config cfg;
    asim_config_defaults(&cfg);
    rc = asim_config_load_text(&cfg, text, "imported settings", &err);
    if (!rc) rc = asim_config_validate(&cfg, &err);
    asim_config_free(&cfg);
    if (rc) {
        cJSON_free(text);
        return asim_cli_error("import", 2, "%s", err.msg);
    }
    fputs(text, stdout);
    fputc('\n', stdout);
    cJSON_free(text);
    return 0;
}
