/* cmd_settings.c -- `autoscale-sim settings`: the settings table (plain or
 * Markdown, from the one table in the settings registry), or a scenario
 * fully resolved as JSON (every setting, after the file and --set), which
 * is also a complete scenario file of its own. */
#include "sim/cli/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>

#include "sim/config/settings.h"

static void usage(FILE *f)
{
    fputs("usage: autoscale-sim settings [--markdown]\n"
          "       autoscale-sim settings --json [SCENARIO.json] [--set KEY.PATH=VALUE ...]\n"
          "\n"
          "Without --json, lists every setting a scenario file may hold: its JSON path,\n"
          "type, default, range or choices, unit and meaning (--markdown: as a table).\n"
          "A setting's path is its place in the scenario: scaler.max_replicas is\n"
          "{\"scaler\": {\"max_replicas\": ...}}; every setting is optional.\n"
          "\n"
          "With --json, prints the scenario (or the defaults) with every setting\n"
          "resolved and validated: a complete scenario file.\n"
          "\n"
          "options:\n"
          "  --markdown             the table in Markdown\n"
          "  --json                 the resolved scenario as JSON\n"
          "  --set KEY.PATH=VALUE   override a setting (with --json; repeatable)\n"
          "  -h, --help             this help\n", f);
}

/* cJSON_Print's layout with two-space indents and "key": value.  Raw tabs
 * occur only in its layout (inside strings they are escaped as \t). */
static void print_json(const char *text)
{
    int line_start = 1;
    for (const char *p = text; *p; p++) {
        if (*p == '\t')
            fputs(line_start ? "  " : " ", stdout);
        else {
            putchar(*p);
            line_start = *p == '\n';
        }
    }
    putchar('\n');
}

enum { OPT_MARKDOWN = 1000, OPT_JSON, OPT_SET };

int asim_cmd_settings(int argc, char **argv)
{
    static const struct option opts[] = {
        {"markdown", no_argument, NULL, OPT_MARKDOWN},
        {"json", no_argument, NULL, OPT_JSON},
        {"set", required_argument, NULL, OPT_SET},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int markdown = 0, json = 0, o, rc = 0;
    const char **sets = asim_calloc((size_t)argc + 1, sizeof *sets);
    size_t nsets = 0;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (o) {
        case OPT_MARKDOWN: markdown = 1; break;
        case OPT_JSON:     json = 1; break;
        case OPT_SET:      sets[nsets++] = optarg; break;
        case 'h':
            usage(stdout);
            goto done;
        case ':':
            fprintf(stderr, "autoscale-sim settings: error: option '%s' needs a value\n", argv[optind - 1]);
            rc = 2;
            goto done;
        default:
            fprintf(stderr, "autoscale-sim settings: error: unknown option '%s' (see autoscale-sim settings --help)\n",
                    argv[optind - 1]);
            rc = 2;
            goto done;
        }
    }
    if (!json && (optind < argc || nsets)) {
        fprintf(stderr, "autoscale-sim settings: error: a scenario and --set need --json\n");
        rc = 2;
        goto done;
    }
    if (argc - optind > 1) {
        fprintf(stderr, "autoscale-sim settings: error: more than one scenario given\n");
        rc = 2;
        goto done;
    }
    if (!json) {
        asim_settings_print(stdout, markdown);
        goto done;
    }

    asim_config cfg;
    asim_err err;
    asim_config_defaults(&cfg);
    if (optind < argc)
        rc = asim_config_load(&cfg, argv[optind], &err);
    if (rc == 0 && (rc = asim_config_set_all(&cfg, sets, nsets, &err)) == 0)
        rc = asim_config_validate_sets(&cfg, sets, nsets, &err);
    if (rc) {
        fprintf(stderr, "autoscale-sim settings: error: %s\n", err.msg);
        rc = rc == ASIM_ERUNTIME ? 1 : 2;
    } else {
        cJSON *j = asim_config_to_json(&cfg);
        asim_config_json_absolute_paths(j, cfg.source_file);
        char *text = cJSON_Print(j);
        print_json(text);
        cJSON_free(text);
        cJSON_Delete(j);
    }
    asim_config_free(&cfg);
done:
    asim_free(sets);
    return rc;
}
