/* cmd_alerts.c -- `autoscale-sim alerts`: evaluate a scenario's alerting
 * rules over recorded samples, or print them as a Prometheus rule file.
 *
 * The same engine as a run (models/prometheus/alerts.c) on samples from a file (the
 * reader of the promql command, models/prometheus/series_io.h), evaluated on the grid
 * start, start + step, ... <= end as a Prometheus rule group is.  The rules'
 * own ALERTS series are not written into the loaded samples: a file saved
 * from a live Prometheus may already hold that system's ALERTS. */
#include "sim/cli/commands.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/cli/cli.h"
#include "sim/cli/cli_opts.h"
#include "sim/engine/output.h"
#include "models/prometheus/series_io.h"
#include "models/prometheus/rules.h"
#include "sim/config/settings.h"
#include "models/prometheus/alerts.h"
#include "models/prometheus/rules.h"
#include "models/prometheus/openmetrics.h"
#include "models/promql/promql.h"
#include "sim/engine/timefmt.h"

static const char usage_text[] =
    "usage: autoscale-sim alerts [SCENARIO.json] --series FILE [options]\n"
    "       autoscale-sim alerts [SCENARIO.json] --rules [--value-annotation]\n"
    "\n"
    "Evaluates the scenario's alerting rules (the seed's four defaults plus\n"
    "alerts.rules; see doc/alerts.md) over recorded samples on the evaluation grid\n"
    "START, START+STEP, ... <= END, with Prometheus's pending/firing semantics, and\n"
    "its rule groups (prometheus.rule_groups: recording rules first write their\n"
    "series, as `promtool test rules` evaluates every group at every step), and\n"
    "prints alerts.csv: time,alert,labels,state,value.  Without a scenario: the\n"
    "default settings.\n"
    "\n"
    "options:\n"
    "  --series FILE        samples: CSV series,timestamp,value (as for `promql`) or\n"
    "                       a Prometheus query API JSON response, or a run's metrics.om\n"
    "                       (or the run directory holding it: `run --export openmetrics`)\n"
    "  --start T, --end T   grid bounds (seconds or RFC 3339; default: the first and\n"
    "                       the last sample's time)\n"
    "  --step S             evaluation interval (seconds or a duration like 15s;\n"
    "                       default: prometheus.evaluation_interval)\n"
    "  --timeline           also a row for every pending or firing alert at every\n"
    "                       evaluation, not only for state changes\n"
    "  --set KEY.PATH=VALUE override a setting (repeatable)\n"
    "  -o, --out FILE       write the CSV to FILE instead of stdout\n"
    "  -q, --quiet          no summary (alert_firing_seconds.NAME lines) on stderr\n"
    "  --rules              print the rules in effect as a Prometheus rule file\n"
    "  --value-annotation   with --rules: add the annotation\n"
    "                       value: '{{ printf \"%.17g\" $value }}' (for promtool tests)\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 ok, 1 runtime error, 2 bad input.\n";

/* "autoscale-sim alerts: error: ..." on stderr; returns rc. */
#define fail(rc, ...) asim_cli_error("alerts", rc, __VA_ARGS__)

/* Seconds (fraction rounded to the ms) or RFC 3339, as Prometheus's API. */
static int parse_time(const char *s, int64_t *ms)
{
    return asim_api_time_ms(s, ms);
}

/* Seconds or a Prometheus duration ("15s", "1m30s"), > 0. */
static int parse_step(const char *s, int64_t *ms)
{
    double sec;
    if (asim_seconds_parse(s, &sec) != 0 || !(fabs(sec) < 9e15)) return -1;
    *ms = (int64_t)llround(sec * 1000);
    return *ms > 0 ? 0 : -1;
}

typedef struct opts {
    asim_cli_opts cli;
    const char *scenario, *series, *out, *start, *end, *step;
    int timeline, quiet, rules, value_annotation;
} opts;

static int parse_opts(int argc, char **argv, opts *o)
{
    enum { O_SERIES = 256, O_START, O_END, O_STEP, O_TIMELINE, O_RULES, O_VANN };
    static const struct option own[] = {
        {"series", required_argument, NULL, O_SERIES}, {"start", required_argument, NULL, O_START},
        {"end", required_argument, NULL, O_END}, {"step", required_argument, NULL, O_STEP},
        {"timeline", no_argument, NULL, O_TIMELINE},
        {"rules", no_argument, NULL, O_RULES}, {"value-annotation", no_argument, NULL, O_VANN},
        {NULL, 0, NULL, 0},
    };
    asim_cli_opts_init(&o->cli, "alerts", ASIM_CLI_OUT | ASIM_CLI_QUIET | ASIM_CLI_SET, own, argc);
    o->cli.usage_text = usage_text;
    o->cli.see = "--help";
    int c;
    while ((c = asim_cli_next(&o->cli, argc, argv)) > 0) {
        switch (c) {
        case O_SERIES: o->series = optarg; break;
        case O_START: o->start = optarg; break;
        case O_END: o->end = optarg; break;
        case O_STEP: o->step = optarg; break;
        case O_TIMELINE: o->timeline = 1; break;
        case O_RULES: o->rules = 1; break;
        case O_VANN: o->value_annotation = 1; break;
        }
    }
    if (c < 0) return o->cli.rc ? o->cli.rc : -1;
    o->out = o->cli.out;
    o->quiet = o->cli.quiet;
    if (optind < argc) o->scenario = argv[optind++];
    if (optind < argc) return fail(2, "unexpected argument '%s'", argv[optind]);
    if (!o->rules && !o->series) return fail(2, "--series FILE is required (or --rules)");
    if (o->rules && (o->series || o->timeline || o->start || o->end || o->step))
        return fail(2, "--rules prints the rules only; it takes no samples or grid");
    return 0;
}

/* Evaluate on the grid; rows to f. */
static int evaluate(const opts *o, const asim_config *cfg, FILE *f)
{
    asim_err err;
    asim_series_set set = { 0 };
    int rc = asim_series_read_file(o->series, &set, &err);
    if (rc) return fail(rc, "%s", err.msg);
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < set.n; i++)
        if (set.s[i].n) {
            if (set.s[i].t[0] < lo) lo = set.s[i].t[0];
            if (set.s[i].t[set.s[i].n - 1] > hi) hi = set.s[i].t[set.s[i].n - 1];
        }
    int64_t step = (int64_t)llround(cfg->prometheus.evaluation_interval * 1000);
    if (o->start && parse_time(o->start, &lo)) rc = fail(2, "--start: '%s' is not a time (seconds or RFC 3339)", o->start);
    if (!rc && o->end && parse_time(o->end, &hi)) rc = fail(2, "--end: '%s' is not a time (seconds or RFC 3339)", o->end);
    if (!rc && o->step && parse_step(o->step, &step)) rc = fail(2, "--step: '%s' is not a positive duration", o->step);
    if (!rc && lo == INT64_MAX) rc = fail(2, "%s: no samples (give --start and --end to evaluate anyway)", o->series);
    if (!rc && hi < lo) rc = fail(2, "--end is before --start");
    if (!rc && (hi - lo) / step > 10000000) rc = fail(2, "the grid has more than 10 million evaluations; raise --step");
    asim_tsdb *db = asim_tsdb_create(0);
    if (!rc) {
        asim_series_sort(&set);
        rc = asim_series_to_tsdb(&set, db, &err);
        if (rc) fail(rc, "%s", err.msg);
    }
    asim_series_set_free(&set);
    asim_alerts *a = NULL;
    asim_rules *groups = NULL;
    if (!rc) {
        rc = asim_alerts_create(cfg, &a, &err);
        if (!rc) rc = asim_rules_create(cfg, a, &groups, &err);
        if (rc) fail(rc, "%s", err.msg);
    }
    if (!rc) {
        asim_alerts_set_write_series(a, 0);
        asim_alerts_set_timeline(a, o->timeline);
        asim_alerts_csv_header(f);
        /* As `promtool test rules` does: every group at every step, in
         * order; recording rules write into the db, so later rules see them. */
        int64_t lookback = (int64_t)llround(cfg->prometheus.lookback_delta * 1000);
        for (int64_t t = lo; t <= hi; t += step) {
            asim_alerts_eval(a, db, t, f);
            for (size_t g = 0; g < asim_rules_ngroups(groups); g++)
                asim_rules_eval_group(groups, g, db, t, lookback, f);
        }
        asim_summary sum;
        asim_summary_init(&sum, cfg->name, cfg->seed);
        asim_alerts_finish(a, hi, &sum);
        for (size_t i = 0; !o->quiet && i < sum.n; i++) {
            char v[40];
            asim_fmt_double(v, sizeof v, sum.m[i].value);
            fprintf(stderr, "%s %s\n", sum.m[i].name, v);
        }
    }
    asim_rules_destroy(groups);
    asim_alerts_destroy(a);
    asim_tsdb_destroy(db);
    return rc;
}

int asim_cmd_alerts(int argc, char **argv)
{
    opts o = {.quiet = 0};
    asim_config cfg;
    asim_err err;
    asim_cli_sink out = {stdout, NULL, {0}};
    int rc = parse_opts(argc, argv, &o);
    if (rc) {
        asim_cli_opts_free(&o.cli);
        return rc < 0 ? 0 : rc;
    }
    rc = asim_cli_load_config(&o.cli, o.scenario, &cfg);
    if (!rc && (rc = asim_cli_sink_open(&out, o.out, &err)) != 0)
        fail(rc, "%s", err.msg);
    if (!rc && o.rules) {
        asim_alerts *a;
        rc = asim_alerts_create(&cfg, &a, &err);
        if (rc) fail(rc, "%s", err.msg);
        else asim_alerts_write_rules_yaml(a, out.f, "autoscale-sim", cfg.prometheus.evaluation_interval,
                                          o.value_annotation);
        asim_alerts_destroy(a);
    } else if (!rc) {
        rc = evaluate(&o, &cfg, out.f);
    }
    rc = asim_cli_sink_close(&out, rc, "alerts");
    asim_config_free(&cfg);
    asim_cli_opts_free(&o.cli);
    return rc;
}
