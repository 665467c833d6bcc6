/* cmd_compare_policies.c -- `autoscale-sim compare --policies A,B,... SCENARIO`:
 * one scenario, several scaling policies, identical traffic.
 *
 * Each item of the list is either a policy file -- a partial scenario laid
 * over SCENARIO (typically "scaler" plus the policy's own section; see
 * scenarios/policies/) -- or a bare policy name, meaning
 * --set scaler.policy=NAME.  Every run uses the same seed, so the core's
 * named random streams give every policy the same arrivals and service
 * demands (common random numbers): differences in the results are the
 * policies', not the dice's.  A policy file that touches the workload
 * (traffic, traces, seed, duration, app) is reported, since its run no
 * longer sees the same requests.
 *
 * Everything is built and validated before anything runs or is written;
 * the runs go to OUT/runs/LABEL/ and the side-by-side table, compare.csv and
 * the overlaid timeline to OUT/ (report.h's asim_compare_dirs_opts, the same
 * code as `compare RUN_DIR...`). */
#include "sim/cli/commands.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cJSON.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_opts.h"
#include "sim/engine/output.h"
#include "sim/report/plot.h"
#include "sim/report/report.h"
#include "sim/config/settings.h"
#include "sim/run/budget.h"
#include "sim/run/simulate.h"

int asim_cmd_compare_policies(int argc, char **argv);

static const char usage_text[] =
    "usage: autoscale-sim compare --policies A[,B...] SCENARIO [--out DIR] [--set KEY=VALUE]...\n"
    "                             [--seed N] [--duration S] [--labels L] [--format F] [--no-figure] [-q]\n"
    "\n"
    "Runs SCENARIO once per policy on identical arrivals and service times (one\n"
    "seed, the core's named random streams), then prints their summary metrics side\n"
    "by side and writes DIR/compare.csv and DIR/compare.png/.svg (offered load, the\n"
    "metric each scaler saw, ready replicas and p95 latency on one time axis).\n"
    "\n"
    "Each policy is a JSON file laid over the scenario (e.g. scenarios/policies/hpa.json:\n"
    "{\"scaler\": {\"policy\": \"hpa\"}, \"hpa\": {...}}) or a policy name (same as\n"
    "--set scaler.policy=NAME): threshold, hpa, step, target_tracking, predictive,\n"
    "scheduled, cpu.\n"
    "\n"
    "  --policies LIST    comma-separated policy files or names (required)\n"
    "  --out DIR          output directory (default: results/<scenario name>-policies);\n"
    "                     each run is written to DIR/runs/<label>/\n"
    "  --set KEY=VALUE    override a setting for every run (after the policy file)\n"
    "  --seed N           seed of every run (default: the scenario's)\n"
    "  --duration S       simulated seconds of every run\n"
    "  --labels L         comma-separated names for the runs (default: file names or policy names)\n"
    "  --format F         figure formats: png, svg, pdf, all, comma-separated (default png,svg)\n"
    "  --no-figure        table and CSV only (no gnuplot needed)\n"
    "  -q, --quiet        no progress lines\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 ok, 1 runtime error, 2 bad usage or input (nothing is run).\n";

/* "autoscale-sim compare: error: ..." on stderr; returns 2. */
#define usage_error(...) asim_cli_error("compare", 2, __VA_ARGS__)

/* Keys of a policy file that change the workload itself. */
static const char *const workload_keys[] = {"traffic", "traces", "seed", "duration", "app", "classes", NULL};

static int is_file_item(const char *item)
{
    struct stat st;
    size_t l = strlen(item);
    return strchr(item, '/') || (l > 5 && strcmp(item + l - 5, ".json") == 0) ||
           (stat(item, &st) == 0 && S_ISREG(st.st_mode));
}

/* "dir/hpa.json" -> "hpa"; a name stays itself. */
static void label_of(const char *item, char *buf, size_t len)
{
    const char *b = strrchr(item, '/');
    b = b ? b + 1 : item;
    snprintf(buf, len, "%s", b);
    size_t l = strlen(buf);
    if (l > 5 && strcmp(buf + l - 5, ".json") == 0)
        buf[l - 5] = 0;
}

/* Warn about keys of the policy file that alter the workload. */
static void warn_workload(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char *text = asim_malloc(1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    text[n] = 0;
    cJSON *root = cJSON_Parse(text);
    asim_free(text);
    for (const cJSON *c = root && cJSON_IsObject(root) ? root->child : NULL; c; c = c->next)
        for (size_t k = 0; workload_keys[k]; k++)
            if (c->string && strcmp(c->string, workload_keys[k]) == 0)
                fprintf(stderr, "autoscale-sim compare: warning: %s sets \"%s\": its run does not see the same "
                        "requests as the others\n", path, c->string);
    cJSON_Delete(root);
}

/* Build and validate one run's config.  0 or an error code with err set. */
static int build(asim_config *cfg, const char *scenario, const char *item, const char *const *sets, size_t nsets,
                 const char *seed, const char *duration, asim_err *err)
{
    int rc;
    asim_config_defaults(cfg);
    if ((rc = asim_config_load(cfg, scenario, err)))
        return rc;
    char scenario_name[sizeof cfg->name], scenario_file[sizeof cfg->source_file];
    memcpy(scenario_name, cfg->name, sizeof scenario_name);
    memcpy(scenario_file, cfg->source_file, sizeof scenario_file);
    int overlay = is_file_item(item);
    if (overlay) {
        if ((rc = asim_config_load(cfg, item, err)))
            return rc;
        /* Trace paths resolve against the scenario's directory, not the
         * policy file's. */
        memcpy(cfg->source_file, scenario_file, sizeof scenario_file);
    } else {
        char a[300];
        snprintf(a, sizeof a, "scaler.policy=%s", item);
        if ((rc = asim_config_set(cfg, a, err)))
            return rc;
    }
    memcpy(cfg->name, scenario_name, sizeof cfg->name);   /* a policy file without "name" renamed it */
    if ((rc = asim_config_set_all(cfg, sets, nsets, err)))
        return rc;
    char a[300];
    if (duration) {
        snprintf(a, sizeof a, "duration=%s", duration);
        if ((rc = asim_config_set(cfg, a, err)))
            return rc;
    }
    if (seed) {
        snprintf(a, sizeof a, "seed=%s", seed);
        if ((rc = asim_config_set(cfg, a, err)))
            return rc;
    }
    if ((rc = asim_config_validate_sets(cfg, sets, nsets, err))) {
        if (strncmp(err->msg, "--set", 5) != 0) {
            size_t l = strlen(err->msg);
            if (overlay)
                snprintf(err->msg + l, sizeof err->msg - l, " (with %s laid over it)", item);
            else
                snprintf(err->msg + l, sizeof err->msg - l, " (--policies item '%s')", item);
        }
    }
    if (rc == 0)     /* the run budget, as `run` applies it */
        rc = asim_budget_check(cfg, 0, "compare --policies", err);
    return rc;
}

/* Split a comma-separated list into a NULL-terminated array of pointers
 * into buf (modified). */
static size_t split(char *buf, char **out, size_t max)
{
    size_t n = 0;
    for (char *p = buf, *tok; (tok = strsep(&p, ",")) != NULL;)
        if (*tok && n < max)
            out[n++] = tok;
    return n;
}

enum { OPT_POLICIES = 1000, OPT_LABELS, OPT_FORMAT, OPT_NOFIG };

#define MAX_POLICIES 32

int asim_cmd_compare_policies(int argc, char **argv)
{
    static const struct option own[] = {
        {"policies", required_argument, NULL, OPT_POLICIES},
        {"labels", required_argument, NULL, OPT_LABELS},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"no-figure", no_argument, NULL, OPT_NOFIG},
        {NULL, 0, NULL, 0}};
    asim_cli_opts opt;
    asim_cli_opts_init(&opt, "compare", ASIM_CLI_SCENARIO, own, argc);
    opt.usage_text = usage_text;
    opt.see = "compare --help";
    const char *policies = NULL, *labels_arg = NULL;
    int rc = 0, c;
    asim_compare_opts co = {NULL, 0, NULL, 0};
    while ((c = asim_cli_next(&opt, argc, argv)) > 0) {
        switch (c) {
        case OPT_POLICIES: policies = optarg; break;
        case OPT_LABELS: labels_arg = optarg; break;
        case OPT_FORMAT:
            if (asim_plot_parse_formats(optarg, &co.formats) != 0) {
                rc = usage_error("--format: '%s': expected png, svg, pdf or all (comma-separated)", optarg);
                goto done;
            }
            break;
        case OPT_NOFIG: co.no_figure = 1; break;
        }
    }
    if (c < 0) {
        rc = opt.rc;
        goto done;
    }
    if (!policies) {
        rc = usage_error("--policies is required here (or give run directories: compare RUN_DIR...)");
        goto done;
    }
    if (optind != argc - 1) {
        rc = usage_error(optind == argc ? "no SCENARIO given (see compare --help)"
                                        : "give exactly one SCENARIO with --policies (got %d arguments)",
                         argc - optind);
        goto done;
    }
    const char *scenario = argv[optind];

    char *pol_buf = asim_strdup(policies), *lab_buf = labels_arg ? asim_strdup(labels_arg) : NULL;
    char *items[MAX_POLICIES], *given[MAX_POLICIES];
    size_t n = split(pol_buf, items, MAX_POLICIES), nl = lab_buf ? split(lab_buf, given, MAX_POLICIES) : 0;
    asim_config *cfgs = NULL;
    char (*labels)[128] = NULL;
    char (*dirs)[PATH_MAX] = NULL;
    const char **label_ptrs = NULL, **dir_ptrs = NULL;
    size_t built = 0;
    if (n == 0 || n > MAX_POLICIES) {
        rc = usage_error("--policies: give 1 to %d comma-separated policy files or names", MAX_POLICIES);
        goto free_lists;
    }
    if (lab_buf && nl != n) {
        rc = usage_error("--labels: expected one name per policy (%zu)", n);
        goto free_lists;
    }
    cfgs = asim_calloc(n, sizeof *cfgs);
    labels = asim_calloc(n, sizeof *labels);
    dirs = asim_calloc(n, sizeof *dirs);
    label_ptrs = asim_calloc(n, sizeof *label_ptrs);
    dir_ptrs = asim_calloc(n, sizeof *dir_ptrs);

    /* Everything is checked before anything runs. */
    asim_err err = {""};
    for (; built < n; built++) {
        if ((rc = build(&cfgs[built], scenario, items[built], opt.sets, opt.nsets, opt.seed, opt.duration, &err))) {
            built++;                        /* its config holds defaults: free it too */
            rc = usage_error("%s", err.msg);
            goto free_cfgs;
        }
        if (lab_buf)
            snprintf(labels[built], sizeof labels[0], "%s", given[built]);
        else
            label_of(items[built], labels[built], sizeof labels[0]);
        for (size_t k = 0; k < built; k++)
            if (strcmp(labels[k], labels[built]) == 0) {
                size_t l = strlen(labels[built]);
                snprintf(labels[built] + (l < 100 ? l : 100), 28, "-%zu", built + 1);
                break;
            }
        if (strchr(labels[built], '/') || !strcmp(labels[built], ".") || !strcmp(labels[built], "..")) {
            rc = usage_error("label '%s' cannot name a directory", labels[built]);
            built++;
            goto free_cfgs;
        }
        label_ptrs[built] = labels[built];
        if (is_file_item(items[built]))
            warn_workload(items[built]);
    }
    char out_dir[PATH_MAX - 200];
    if (opt.out)
        snprintf(out_dir, sizeof out_dir, "%s", opt.out);
    else
        snprintf(out_dir, sizeof out_dir, "results/%s-policies", cfgs[0].name);
    for (size_t i = 0; i < n; i++) {
        snprintf(dirs[i], sizeof dirs[0], "%s/runs/%s", out_dir, labels[i]);
        dir_ptrs[i] = dirs[i];
        if ((rc = asim_mkdirs(dirs[i], &err))) {
            fprintf(stderr, "autoscale-sim compare: error: %s\n", err.msg);
            rc = 1;
            goto free_cfgs;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!opt.quiet)
            fprintf(stderr, "compare: %s (%zu/%zu): %s, seed %llu, %g s\n", labels[i], i + 1, n,
                    cfgs[i].scaler.policy, (unsigned long long)cfgs[i].seed, cfgs[i].duration);
        asim_summary sum;
        asim_run_stats stats = {0, 0, 0};
        if ((rc = asim_simulate(&cfgs[i], cfgs[i].seed, dirs[i], 0, &sum, &stats, &err))) {
            fprintf(stderr, "autoscale-sim compare: error: %s: %s\n", labels[i], err.msg);
            rc = rc == ASIM_EINPUT ? 2 : 1;
            goto free_cfgs;
        }
    }
    co.labels = label_ptrs;
    if ((rc = asim_compare_dirs_opts(dir_ptrs, n, out_dir, &co, &err))) {
        fprintf(stderr, "autoscale-sim compare: error: %s\n", err.msg);
        rc = rc == ASIM_EINPUT ? 2 : 1;
        goto free_cfgs;
    }
    if (!opt.quiet)
        fprintf(stderr, "compare: runs in %s/runs/, table in %s/compare.csv\n", out_dir, out_dir);

free_cfgs:
    for (size_t i = 0; i < built; i++)
        asim_config_free(&cfgs[i]);
free_lists:
    asim_free(cfgs);
    asim_free(labels);
    asim_free(dirs);
    asim_free(label_ptrs);
    asim_free(dir_ptrs);
    asim_free(pol_buf);
    asim_free(lab_buf);
done:
    asim_cli_opts_free(&opt);
    return rc;
}
