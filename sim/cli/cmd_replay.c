/* cmd_replay.c -- `autoscale-sim replay`: what the scenario's scaling policy
 * would have decided on a recorded metric series (models/scaling/replay.h).
 *
 * Input formats, told apart by content:
 *  - JSON (first non-blank character '{'): a Prometheus query API response
 *    (query_range matrix), one series or several (one per pod or instance),
 *    read by series_io.h;
 *  - CSV whose first data row has two fields: timestamp,value (header row
 *    optional; timestamp in seconds or RFC 3339; value a number, NaN, +Inf,
 *    -Inf, or empty for no data), read here line by line with libcsv so
 *    errors name the line;
 *  - CSV with three fields: the series,timestamp,value format of `promql`,
 *    one or several series.
 * Each check gets the vector of the series' samples at that time (a series
 * without one, or with a staleness marker, is left out), reduced by
 * scaler.reduce for single-number policies (models/scaling/replay.h). */
#include "sim/cli/commands.h"

#include <csv.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/cli/cli.h"
#include "sim/cli/cli_opts.h"
#include "sim/engine/output.h"
#include "models/prometheus/series_io.h"
#include "sim/config/settings.h"
#include "models/prometheus/openmetrics.h"
#include "models/scaling/replay.h"
#include "sim/engine/timefmt.h"

static const char usage_text[] =
    "usage: autoscale-sim replay [SCENARIO.json] --metrics FILE [options]\n"
    "\n"
    "Dry-runs the scenario's scaling policy (scaler.policy and its settings) over\n"
    "a recorded metric: every timestamp is one check at that time with that query\n"
    "result (NaN or an empty value: no data).  Several series (one per pod or\n"
    "instance) are the query's vector, reduced by scaler.reduce for single-number\n"
    "policies; per-pod policies (hpa, metric_type pods/resource) read each series,\n"
    "and a single series means every ready pod has that value.  Replicas start at\n"
    "container.initial_replicas; an action takes effect at once and starts the\n"
    "cooldown at that check.  Prints CSV:\n"
    "  time,metric,replicas_before,decision,replicas_after,reason\n"
    "with decision one of scale_up, scale_down, hold, cooldown, at_max, at_min,\n"
    "no_data.  Without a scenario: the default settings (the seed's scaler).\n"
    "\n"
    "options:\n"
    "  --metrics FILE       CSV timestamp,value (header optional; timestamp in\n"
    "                       seconds or RFC 3339), or a Prometheus query_range JSON\n"
    "                       response (saved from /api/v1/query_range), or a\n"
    "                       series,timestamp,value CSV; one series or several\n"
    "  --step S             the checks' interval: insert no_data checks where the\n"
    "                       series has a gap (query_range leaves out steps without\n"
    "                       data); seconds\n"
    "  --set KEY.PATH=VALUE override a setting (repeatable)\n"
    "  -o, --out FILE       write the CSV to FILE instead of stdout\n"
    "  -q, --quiet          no summary line on stderr\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 ok, 1 runtime error, 2 bad input.\n";

/* "autoscale-sim replay: error: ..." on stderr; returns rc. */
#define fail(rc, ...) asim_cli_error("replay", rc, __VA_ARGS__)

/* The checks: times (s) and values (NaN = no data). */
/* The checks: times (s) and, for a timestamp,value CSV, values (NaN = no
 * data); for the series formats, the series themselves (set.n >= 1). */
typedef struct checks {
    double *t, *v;
    size_t n, cap;
    asim_series_set set;
} checks;

static void add_check(checks *c, double t, double v)
{
    size_t tcap = c->cap;          /* t and v grow alike: one capacity for both */
    ASIM_GROW(c->t, tcap, c->n + 1, 256);
    ASIM_GROW(c->v, c->cap, c->n + 1, 256);
    c->t[c->n] = t;
    c->v[c->n] = v;
    c->n++;
}

static char *slurp(const char *path, size_t *len, asim_err *err)
{
    char *text;
    int r = asim_read_file(path, &text, len);
    if (r == -1)
        asim_err_set(err, ASIM_EINPUT, "%s: cannot open", path);
    else if (r != 0)
        asim_err_set(err, ASIM_ERUNTIME, "%s: read error", path);
    return text;
}

/* ---- CSV timestamp,value ------------------------------------------------- */

typedef struct row {
    char f[3][128];
    int nf, toolong;
} csv_row;

static void on_field(void *s, size_t len, void *data)
{
    csv_row *r = data;
    if (r->nf < 3) {
        if (len >= sizeof r->f[0]) r->toolong = 1;
        else {
            memcpy(r->f[r->nf], s, len);
            r->f[r->nf][len] = 0;
        }
    }
    r->nf++;
}

/* One line into fields with libcsv (quoting handled there). */
static int split_line(const char *line, size_t len, csv_row *r)
{
    struct csv_parser p;
    memset(r, 0, sizeof *r);
    if (csv_init(&p, CSV_APPEND_NULL) != 0) return -1;
    int rc = 0;
    if (csv_parse(&p, line, len, on_field, NULL, r) != len) rc = -1;
    if (csv_fini(&p, on_field, NULL, r) != 0) rc = -1;
    csv_free(&p);
    return rc;
}

static int parse_time(const char *s, double *t)
{
    char *end;
    double d = strtod(s, &end);
    if (*s && !*end && isfinite(d)) {
        *t = d;
        return 0;
    }
    int64_t ms;
    if (asim_rfc3339_ms(s, &ms) != 0) return -1;
    *t = (double)ms / 1000.0;
    return 0;
}

static int parse_value(const char *s, double *v)
{
    while (*s == ' ') s++;
    if (!*s) {
        *v = NAN;
        return 0;
    }
    static const struct { const char *w; double v; } words[] = {
        { "NaN", NAN }, { "nan", NAN }, { "+Inf", INFINITY }, { "Inf", INFINITY }, { "-Inf", -INFINITY },
    };
    for (size_t i = 0; i < ASIM_ARRAY_LEN(words); i++)
        if (strcmp(s, words[i].w) == 0) {
            *v = words[i].v;
            return 0;
        }
    char *end;
    *v = strtod(s, &end);
    while (*end == ' ') end++;
    return (end == s || *end) ? -1 : 0;
}

static int read_two_columns(const char *path, const char *text, size_t len, checks *c, asim_err *err)
{
    const char *p = text, *end = text + len;
    int line = 0, data = 0;
    double last = -INFINITY;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line++;
        const char *l = p;
        p += n + (nl ? 1 : 0);
        if (n && l[n - 1] == '\r') n--;
        if (strspn(l, " \t") >= n) continue;            /* blank line */
        csv_row r;
        if (split_line(l, n, &r) != 0 || r.toolong)
            return asim_err_set(err, ASIM_EINPUT, "%s:%d: malformed CSV line", path, line);
        double t, v;
        if (r.nf != 2)
            return asim_err_set(err, ASIM_EINPUT, "%s:%d: expected 2 fields (timestamp,value), got %d",
                                path, line, r.nf);
        if (parse_time(r.f[0], &t) != 0) {
            if (!data && c->n == 0) {                  /* a header row */
                data = 1;
                continue;
            }
            return asim_err_set(err, ASIM_EINPUT, "%s:%d: timestamp: cannot parse \"%s\" (seconds or RFC 3339)",
                                path, line, r.f[0]);
        }
        data = 1;
        if (parse_value(r.f[1], &v) != 0)
            return asim_err_set(err, ASIM_EINPUT, "%s:%d: value: cannot parse \"%s\" (a number, NaN, or empty)",
                                path, line, r.f[1]);
        if (!(t > last))
            return asim_err_set(err, ASIM_EINPUT, "%s:%d: timestamp %s is not after the previous row's",
                                path, line, r.f[0]);
        last = t;
        add_check(c, t, v);
    }
    return 0;
}

/* ---- one series through series_io ------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The series formats: any number of series (one per pod or instance); the
 * checks are the union of their timestamps. */
static int read_series(const char *path, const char *text, size_t len, int json, checks *c, asim_err *err)
{
    int rc = json ? asim_series_parse_json(text, len, path, &c->set, err)
                  : asim_series_parse_csv(text, len, path, &c->set, err);
    if (rc) return rc;
    asim_series_sort(&c->set);
    for (size_t k = 0; k < c->set.n; k++)
        for (size_t i = 0; i < c->set.s[k].n; i++) add_check(c, (double)c->set.s[k].t[i] / 1000.0, NAN);
    qsort(c->t, c->n, sizeof *c->t, cmp_double);
    size_t m = 0;
    for (size_t i = 0; i < c->n; i++)
        if (m == 0 || c->t[i] != c->t[m - 1]) c->t[m++] = c->t[i];
    c->n = m;
    return 0;
}

static int read_checks(const char *path, checks *c, asim_err *err)
{
    size_t len = 0;
    char *text = slurp(path, &len, err);
    if (!text) return ASIM_EINPUT;
    const char *p = text + strspn(text, " \t\r\n");
    int rc;
    if (*p == '{') {
        rc = read_series(path, text, len, 1, c, err);
    } else {
        /* Count the fields of the first non-blank line. */
        size_t n = strcspn(p, "\n");
        csv_row r;
        int three = split_line(p, n && p[n - 1] == '\r' ? n - 1 : n, &r) == 0 && r.nf == 3;
        rc = three ? read_series(path, text, len, 0, c, err) : read_two_columns(path, text, len, c, err);
    }
    asim_free(text);
    if (rc == 0 && c->n == 0) rc = asim_err_set(err, ASIM_EINPUT, "%s: no samples", path);
    return rc;
}

/* ---- the command ------------------------------------------------------------ */

typedef struct opts {
    asim_cli_opts cli;
    const char *scenario, *metrics, *out;
    double step;
    int quiet;
} opts;

static int parse_opts(int argc, char **argv, opts *o)
{
    enum { O_METRICS = 256, O_STEP };
    static const struct option own[] = {
        {"metrics", required_argument, NULL, O_METRICS}, {"step", required_argument, NULL, O_STEP},
        {NULL, 0, NULL, 0},
    };
    asim_cli_opts_init(&o->cli, "replay", ASIM_CLI_OUT | ASIM_CLI_QUIET | ASIM_CLI_SET, own, argc);
    o->cli.usage_text = usage_text;
    o->cli.see = "--help";
    int c;
    while ((c = asim_cli_next(&o->cli, argc, argv)) > 0) {
        switch (c) {
        case O_METRICS: o->metrics = optarg; break;
        case O_STEP:
            if (asim_seconds_parse(optarg, &o->step) != 0 || !(o->step > 0))
                return fail(2, "--step: '%s' is not a positive number of seconds or a duration (30s, 1m)", optarg);
            break;
        }
    }
    if (c < 0) return o->cli.rc ? o->cli.rc : -1;
    o->out = o->cli.out;
    o->quiet = o->cli.quiet;
    if (optind < argc) o->scenario = argv[optind++];
    if (optind < argc) return fail(2, "unexpected argument '%s'", argv[optind]);
    if (!o->metrics) return fail(2, "--metrics FILE is required");
    return 0;
}

/* The query result at check i: the series' samples at exactly that time
 * (markers are no data), advancing each series' cursor; or the two-column
 * value as one unlabelled element. */
typedef struct cursor {
    size_t *at;                /* per series: next sample index */
    asim_promql_elem *v;
} cursor;

static void result_at(const checks *c, cursor *cur, size_t i, asim_promql_result *res)
{
    memset(res, 0, sizeof *res);
    res->type = ASIM_PROMQL_VECTOR;
    res->v = cur->v;
    if (!c->set.n) {
        if (!isnan(c->v[i])) cur->v[res->n++] = (asim_promql_elem){ NULL, 0, c->v[i], NULL, 0 };
        return;
    }
    int64_t t = (int64_t)llround(c->t[i] * 1000.0);
    for (size_t k = 0; k < c->set.n; k++) {
        const asim_series *s = &c->set.s[k];
        while (cur->at[k] < s->n && s->t[cur->at[k]] < t) cur->at[k]++;
        if (cur->at[k] < s->n && s->t[cur->at[k]] == t && !asim_is_stale_nan(s->v[cur->at[k]]))
            cur->v[res->n++] = (asim_promql_elem){ s->labels, s->nlabels, s->v[cur->at[k]], NULL, 0 };
    }
}

/* Replay the checks, inserting no_data checks in gaps when step > 0. */
static void replay(asim_replay *r, const checks *c, double step, FILE *f, int *counts)
{
    asim_replay_row row;
    asim_replay_csv_header(f);
    cursor cur;
    cur.at = asim_calloc(c->set.n ? c->set.n : 1, sizeof *cur.at);
    cur.v = asim_calloc(c->set.n ? c->set.n : 1, sizeof *cur.v);
    int bcast = c->set.n <= 1;
    asim_promql_result res, none;
    memset(&none, 0, sizeof none);
    none.type = ASIM_PROMQL_VECTOR;
    for (size_t i = 0; i < c->n; i++) {
        if (step > 0 && i > 0) {
            /* k-th missing step: t0 + k*step, while clearly before the next sample */
            for (long k = 1; c->t[i - 1] + (double)k * step < c->t[i] - step / 2; k++) {
                asim_replay_step_vector(r, c->t[i - 1] + (double)k * step, &none, bcast, &row);
                asim_replay_csv_row(f, &row);
                counts[row.decision]++;
            }
        }
        result_at(c, &cur, i, &res);
        asim_replay_step_vector(r, c->t[i], &res, bcast, &row);
        asim_replay_csv_row(f, &row);
        counts[row.decision]++;
    }
    asim_free(cur.at);
    asim_free(cur.v);
}

int asim_cmd_replay(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    int rc = parse_opts(argc, argv, &o);
    if (rc) {
        asim_cli_opts_free(&o.cli);
        return rc < 0 ? 0 : rc;
    }
    asim_config cfg;
    rc = asim_cli_load_config(&o.cli, o.scenario, &cfg);
    asim_err err;

    checks c = { 0 };
    if (!rc && (rc = read_checks(o.metrics, &c, &err)) != 0) fail(rc, "%s", err.msg);
    if (!rc && o.step > 0 && (c.t[c.n - 1] - c.t[0]) / o.step > 1e8)
        rc = fail(2, "--step %g leaves more than 100 million checks", o.step);
    asim_replay *r = NULL;
    if (!rc && !(r = asim_replay_create(&cfg, &err))) rc = fail(ASIM_EINPUT, "%s", err.msg);

    asim_cli_sink out = {stdout, NULL, {0}};
    if (!rc && (rc = asim_cli_sink_open(&out, o.out, &err)) != 0)
        fail(rc, "%s", err.msg);
    if (!rc) {
        int counts[ASIM_DEC_NO_DATA + 1] = { 0 };
        replay(r, &c, o.step, out.f, counts);
        rc = asim_cli_sink_close(&out, rc, "replay");
        if (!rc && !o.quiet)
            fprintf(stderr, "replay: %zu samples; %d scale-ups, %d scale-downs, %d no-data checks; "
                    "%d replicas at the end\n", c.n, counts[ASIM_DEC_SCALE_UP], counts[ASIM_DEC_SCALE_DOWN],
                    counts[ASIM_DEC_NO_DATA], asim_replay_replicas(r));
    }
    asim_replay_destroy(r);
    asim_free(c.t);
    asim_free(c.v);
    asim_series_set_free(&c.set);
    asim_config_free(&cfg);
    asim_cli_opts_free(&o.cli);
    return rc;
}
