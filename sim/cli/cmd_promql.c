/* cmd_promql.c -- `autoscale-sim promql`: evaluate a PromQL expression over
 * samples from a file, printing what Prometheus's HTTP API would return.
 *
 * The samples are loaded into a tsdb with series created in label order,
 * which is the storage order of a Prometheus block, so instant-query results
 * come out in the order a real Prometheus serving that data lists them.  A
 * range query evaluates the expression at every step (exactly Prometheus's
 * semantics for the supported subset) and returns series sorted by labels,
 * as the API does.  --format json prints the API's `data` object byte for
 * byte (values via asim_promql_format_value, times via _format_time, label
 * strings escaped as Go's encoding/json does). */
#include "sim/cli/commands.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sim/cli/cli.h"
#include "sim/engine/common.h"
#include "models/prometheus/series_io.h"
#include "models/promql/promql.h"
#include "models/prometheus/tsdb.h"
#include "sim/engine/timefmt.h"

static const char usage_text[] =
    "usage: autoscale-sim promql --series FILE (--at T | --start T1 --end T2 --step S)\n"
    "                            [--format text|json] [--lookback D] EXPR\n"
    "\n"
    "Evaluate the PromQL expression EXPR (Prometheus 2.42 semantics, see doc/promql.md)\n"
    "over the samples in FILE and print the result.\n"
    "\n"
    "  --series FILE    CSV with rows series,timestamp,value (series like\n"
    "                   name{label=\"v\"}, timestamp in seconds, value a number, NaN,\n"
    "                   +Inf, -Inf or stale), or a Prometheus query API JSON response\n"
    "                   (query_range matrix, instant vector or scalar), or a run's\n"
    "                   OpenMetrics export (metrics.om, or the run directory holding it)\n"
    "  --at T           instant query at time T (seconds, or RFC 3339)\n"
    "  --start T1 --end T2 --step S\n"
    "                   range query from T1 to T2 every S (seconds or a duration, 15s)\n"
    "  --format F       text (default): one 'labels value' line per series (range\n"
    "                   queries: 'labels value @time' per sample); json: the 'data'\n"
    "                   object of Prometheus's /api/v1/query(_range) response\n"
    "  --lookback D     lookback delta for instant selectors (default 5m)\n"
    "  --help           show this help\n"
    "\n"
    "Exit status: 0 ok, 2 bad input (file, expression or options; the message\n"
    "names the file and line, or the position in the expression).\n";

/* "autoscale-sim promql: error: ..." on stderr; returns 2. */
#define usage_error(...) asim_cli_error("promql", 2, __VA_ARGS__)

/* Prometheus's parseTime: float seconds (milliseconds rounded) or RFC 3339. */
static int parse_time(const char *s, int64_t *ms)
{
    return asim_api_time_ms(s, ms);
}

/* Prometheus's parseDuration: float seconds or a duration string; ms. */
static int parse_dur(const char *s, int64_t *ms)
{
    char *end;
    double d = strtod(s, &end);
    if (*s && !*end && isfinite(d)) {
        double ns = d * 1e9;
        if (ns >= 9.2e18 || ns <= -9.2e18) return -1;
        *ms = (int64_t)ns / 1000000;
        return 0;
    }
    return asim_duration_parse(s, strlen(s), ms) == 0 ? 0 : -1;
}

/* --- output ---------------------------------------------------------------- */

/* Text-format label set: name{a="b",c="d"}, name, or {} when there are no
 * labels; escapes as in the exposition format. */
static void print_labels(FILE *f, const asim_label *l, size_t n)
{
    const char *name = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i].name, "__name__") == 0) name = l[i].value;
    if (name) {
        fputs(name, f);
        if (n == 1) return;                /* name only: no braces, as in the text format */
    }
    size_t shown = 0;
    fputc('{', f);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(l[i].name, "__name__") == 0) continue;
        fprintf(f, "%s%s=\"", shown++ ? "," : "", l[i].name);
        for (const char *p = l[i].value; *p; p++) {
            if (*p == '\\' || *p == '"') { fputc('\\', f); fputc(*p, f); }
            else if (*p == '\n') fputs("\\n", f);
            else fputc(*p, f);
        }
        fputc('"', f);
    }
    fputc('}', f);
}

static cJSON *json_metric(const asim_label *l, size_t n)
{
    cJSON *m = cJSON_CreateObject();
    for (size_t i = 0; i < n; i++) cJSON_AddItemToObject(m, l[i].name, cJSON_CreateString(l[i].value));
    return m;
}

/* [t, "v"].  Sample times are written by Prometheus's own timestamp
 * marshaller ("0.600"); a scalar result goes through encoding/json's float
 * formatting instead ("0.7"), hence scalar_time. */
static cJSON *json_point_as(int64_t t, double v, int scalar_time)
{
    char tb[ASIM_PROMQL_FMT_MAX], vb[ASIM_PROMQL_FMT_MAX];
    if (scalar_time) asim_promql_format_value((double)t / 1000, tb, sizeof tb);
    else asim_promql_format_time(t, tb, sizeof tb);
    asim_promql_format_value(v, vb, sizeof vb);
    cJSON *p = cJSON_CreateArray();
    cJSON_AddItemToArray(p, cJSON_CreateRaw(tb));
    cJSON_AddItemToArray(p, cJSON_CreateString(vb));
    return p;
}

static cJSON *json_point(int64_t t, double v) { return json_point_as(t, v, 0); }

/* cJSON's compact text, re-escaped where Go's encoding/json differs:
 * <, >, & and U+2028/2029 as \uXXXX, \b and \f as \u0008 and \u000c. */
static void print_json(cJSON *root)
{
    char *s = cJSON_PrintUnformatted(root);
    if (!s) { fputs("null\n", stdout); return; }
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\\') {
            char n = p[1];
            if (n == 'b') fputs("\\u0008", stdout);
            else if (n == 'f') fputs("\\u000c", stdout);
            else { fputc('\\', stdout); fputc(n, stdout); }
            p++;
        } else if (c == '<') fputs("\\u003c", stdout);
        else if (c == '>') fputs("\\u003e", stdout);
        else if (c == '&') fputs("\\u0026", stdout);
        else if (c == 0xE2 && (unsigned char)p[1] == 0x80 &&
                 ((unsigned char)p[2] == 0xA8 || (unsigned char)p[2] == 0xA9)) {
            fputs((unsigned char)p[2] == 0xA8 ? "\\u2028" : "\\u2029", stdout);
            p += 2;
        } else fputc(c, stdout);
    }
    fputc('\n', stdout);
    cJSON_free(s);
}

static void print_value_text(double v)
{
    char b[ASIM_PROMQL_FMT_MAX];
    asim_promql_format_value(v, b, sizeof b);
    fputs(b, stdout);
}

static void output_instant(const asim_promql_result *r, int64_t t, int json)
{
    if (!json) {
        if (r->type == ASIM_PROMQL_SCALAR) { print_value_text(r->scalar); putchar('\n'); return; }
        for (size_t i = 0; i < r->n; i++) {
            const asim_promql_elem *e = &r->v[i];
            if (r->type == ASIM_PROMQL_MATRIX) {
                for (size_t j = 0; j < e->nsamples; j++) {
                    char tb[32];
                    print_labels(stdout, e->labels, e->nlabels);
                    putchar(' ');
                    print_value_text(e->samples[j].v);
                    asim_promql_format_time(e->samples[j].t, tb, sizeof tb);
                    printf(" @%s\n", tb);
                }
                continue;
            }
            print_labels(stdout, e->labels, e->nlabels);
            putchar(' ');
            print_value_text(e->value);
            putchar('\n');
        }
        return;
    }
    cJSON *root = cJSON_CreateObject();
    if (r->type == ASIM_PROMQL_SCALAR) {
        cJSON_AddStringToObject(root, "resultType", "scalar");
        cJSON_AddItemToObject(root, "result", json_point_as(t, r->scalar, 1));
    } else {
        int matrix = r->type == ASIM_PROMQL_MATRIX;
        cJSON_AddStringToObject(root, "resultType", matrix ? "matrix" : "vector");
        cJSON *res = cJSON_AddArrayToObject(root, "result");
        for (size_t i = 0; i < r->n; i++) {
            const asim_promql_elem *e = &r->v[i];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToObject(o, "metric", json_metric(e->labels, e->nlabels));
            if (matrix) {
                cJSON *vals = cJSON_AddArrayToObject(o, "values");
                for (size_t j = 0; j < e->nsamples; j++)
                    cJSON_AddItemToArray(vals, json_point(e->samples[j].t, e->samples[j].v));
            } else {
                cJSON_AddItemToObject(o, "value", json_point(t, e->value));
            }
            cJSON_AddItemToArray(res, o);
        }
    }
    print_json(root);
    cJSON_Delete(root);
}

/* Range query: the series seen at any step, with their points. */
typedef struct rseries {
    asim_label *lab;          /* owned copies */
    size_t nlab;
    int64_t *t;
    double *v;
    size_t n, cap;
} rseries;

static size_t find_or_add(rseries **s, size_t *n, const asim_label *l, size_t nl)
{
    for (size_t i = 0; i < *n; i++)     /* result sets are small; linear is fine */
        if (asim_labels_compare((*s)[i].lab, (*s)[i].nlab, l, nl) == 0) return i;
    *s = asim_realloc(*s, (*n + 1) * sizeof **s);
    rseries *r = &(*s)[*n];
    memset(r, 0, sizeof *r);
    r->lab = asim_malloc((nl ? nl : 1) * sizeof *r->lab);
    for (size_t i = 0; i < nl; i++) {
        r->lab[i].name = asim_strdup(l[i].name);
        r->lab[i].value = asim_strdup(l[i].value);
    }
    r->nlab = nl;
    return (*n)++;
}

static void add_point(rseries *r, int64_t t, double v)
{
    size_t tcap = r->cap;          /* t and v grow alike: one capacity for both */
    ASIM_GROW(r->t, tcap, r->n + 1, 16);
    ASIM_GROW(r->v, r->cap, r->n + 1, 16);
    r->t[r->n] = t;
    r->v[r->n++] = v;
}

static int cmp_rseries(const void *a, const void *b)
{
    const rseries *x = a, *y = b;
    return asim_labels_compare(x->lab, x->nlab, y->lab, y->nlab);
}

static int run_range(const asim_promql *e, asim_tsdb *db, int64_t start, int64_t end, int64_t step,
                     int64_t lookback, int json)
{
    rseries *s = NULL;
    size_t n = 0;
    asim_promql_result r = { 0 };
    char err[512];
    int rc = 0;
    for (int64_t t = start; t <= end; t += step) {
        if (asim_promql_eval_in(e, db, t, start, end, lookback, &r, err, sizeof err) != 0) {
            fprintf(stderr, "autoscale-sim promql: error: execution: %s\n", err);
            rc = 2;
            goto done;
        }
        if (r.type == ASIM_PROMQL_SCALAR) {
            size_t k = find_or_add(&s, &n, NULL, 0);
            add_point(&s[k], t, r.scalar);
            continue;
        }
        for (size_t i = 0; i < r.n; i++) {
            size_t k = find_or_add(&s, &n, r.v[i].labels, r.v[i].nlabels);   /* may move s */
            add_point(&s[k], t, r.v[i].value);
        }
    }
    if (n > 1) qsort(s, n, sizeof *s, cmp_rseries);
    if (json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "resultType", "matrix");
        cJSON *res = cJSON_AddArrayToObject(root, "result");
        for (size_t i = 0; i < n; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToObject(o, "metric", json_metric(s[i].lab, s[i].nlab));
            cJSON *vals = cJSON_AddArrayToObject(o, "values");
            for (size_t j = 0; j < s[i].n; j++) cJSON_AddItemToArray(vals, json_point(s[i].t[j], s[i].v[j]));
            cJSON_AddItemToArray(res, o);
        }
        print_json(root);
        cJSON_Delete(root);
    } else {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < s[i].n; j++) {
                char tb[32];
                print_labels(stdout, s[i].lab, s[i].nlab);
                putchar(' ');
                print_value_text(s[i].v[j]);
                asim_promql_format_time(s[i].t[j], tb, sizeof tb);
                printf(" @%s\n", tb);
            }
    }
done:
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < s[i].nlab; j++) {
            asim_free((char *)s[i].lab[j].name);
            asim_free((char *)s[i].lab[j].value);
        }
        asim_free(s[i].lab);
        asim_free(s[i].t);
        asim_free(s[i].v);
    }
    asim_free(s);
    asim_promql_result_free(&r);
    return rc;
}

int asim_cmd_promql(int argc, char **argv)
{
    static const struct option opts[] = {
        { "series", required_argument, NULL, 's' },
        { "at", required_argument, NULL, 'a' },
        { "start", required_argument, NULL, 'S' },
        { "end", required_argument, NULL, 'E' },
        { "step", required_argument, NULL, 'p' },
        { "format", required_argument, NULL, 'f' },
        { "lookback", required_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *series = NULL, *at = NULL, *start_s = NULL, *end_s = NULL, *step_s = NULL;
    int json = 0;
    int64_t lookback = 300000;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 's': series = optarg; break;
        case 'a': at = optarg; break;
        case 'S': start_s = optarg; break;
        case 'E': end_s = optarg; break;
        case 'p': step_s = optarg; break;
        case 'f':
            if (strcmp(optarg, "json") == 0) json = 1;
            else if (strcmp(optarg, "text") == 0) json = 0;
            else return usage_error("--format must be text or json, not '%s'", optarg);
            break;
        case 'l':
            if (parse_dur(optarg, &lookback) != 0 || lookback <= 0)
                return usage_error("--lookback: '%s' is not a positive duration (seconds or e.g. 5m)", optarg);
            break;
        case 'h': fputs(usage_text, stdout); return 0;
        default:
            return usage_error("unknown or incomplete option '%s' (see --help)", argv[optind - 1]);
        }
    }
    if (!series) return usage_error("%s--series FILE is required", "");
    if (optind != argc - 1)
        return usage_error("%s", optind >= argc ? "expected one expression (EXPR)"
                                                : "expected exactly one expression; quote it");
    const char *expr_text = argv[optind];
    int range = start_s || end_s || step_s;
    if (at && range) return usage_error("%s", "use either --at or --start/--end/--step");
    if (!at && !range) return usage_error("%s", "give --at T, or --start, --end and --step");
    int64_t t = 0, start = 0, end = 0, step = 0;
    if (at && parse_time(at, &t) != 0) return usage_error("--at: cannot parse '%s' as a time", at);
    if (range) {
        if (!start_s || !end_s || !step_s) return usage_error("%s", "a range query needs --start, --end and --step");
        if (parse_time(start_s, &start) != 0) return usage_error("--start: cannot parse '%s' as a time", start_s);
        if (parse_time(end_s, &end) != 0) return usage_error("--end: cannot parse '%s' as a time", end_s);
        if (parse_dur(step_s, &step) != 0) return usage_error("--step: cannot parse '%s' as a duration", step_s);
        if (end < start) return usage_error("%s", "end timestamp must not be before start time");
        if (step <= 0)
            return usage_error("%s", "zero or negative query resolution step widths are not accepted. Try a positive integer");
        if ((end - start) / step > 11000)
            return usage_error("%s", "exceeded maximum resolution of 11,000 points per timeseries. "
                               "Try decreasing the query resolution (--step)");
    }

    char perr[512];
    asim_promql *e = asim_promql_parse(expr_text, perr, sizeof perr);
    if (!e) {
        fprintf(stderr, "autoscale-sim promql: error: expression: %s\n", perr);
        return 2;
    }
    if (range && asim_promql_result_type(e) == ASIM_PROMQL_MATRIX) {
        asim_promql_free(e);
        return usage_error("%s", "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector");
    }
    asim_series_set set = { 0 };
    asim_err err;
    int rc = asim_series_read_file_ex(series, 1, &set, &err);
    if (rc != 0) {
        fprintf(stderr, "autoscale-sim promql: error: %s\n", err.msg);
        asim_promql_free(e);
        return rc == ASIM_ERUNTIME ? 1 : 2;
    }
    asim_series_sort(&set);
    asim_tsdb *db = asim_tsdb_create(0);
    rc = asim_series_to_tsdb(&set, db, &err);
    asim_series_set_free(&set);
    if (rc != 0) {
        fprintf(stderr, "autoscale-sim promql: error: %s: %s\n", series, err.msg);
    } else if (range) {
        rc = run_range(e, db, start, end, step, lookback, json);
    } else {
        asim_promql_result r = { 0 };
        char xerr[512];
        if (asim_promql_eval(e, db, t, lookback, &r, xerr, sizeof xerr) != 0) {
            fprintf(stderr, "autoscale-sim promql: error: execution: %s\n", xerr);
            rc = 2;
        } else {
            output_instant(&r, t, json);
        }
        asim_promql_result_free(&r);
    }
    if (fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "autoscale-sim promql: error: writing the output failed\n");
        rc = 1;
    }
    asim_tsdb_destroy(db);
    asim_promql_free(e);
    return rc;
}
