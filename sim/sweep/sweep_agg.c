/* sweep_agg.c -- aggregating a sweep (see sweep.h): mean and confidence
 * interval per config and metric, constraints and the objective's best,
 * the Pareto front, summary.csv, best.json and the best config's scenario
 * file, the text report, and asim_sweep_aggregate which does all of it from
 * runs.csv alone. */
#include "sim/sweep/sweep.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#include "models/trace/trace_transform.h"
#include "sim/config/settings.h"
#include "sim/engine/output.h"
#include "sim/sweep/pool.h"
#include "sim/sweep/sweep_int.h"

/* ---- aggregation ------------------------------------------------------------------ */

size_t asim_mean_ci(const double *x, size_t n, double *mean, double *sd, double *ci)
{
    double *v = asim_malloc((n ? n : 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            v[k++] = x[i];
    *mean = *sd = *ci = NAN;
    if (k > 0)
        *mean = gsl_stats_mean(v, 1, k);
    if (k > 1) {
        *sd = gsl_stats_sd_m(v, 1, k, *mean);
        *ci = gsl_cdf_tdist_Pinv(0.975, (double)(k - 1)) * *sd / sqrt((double)k);
    }
    asim_free(v);
    return k;
}

int asim_agg_any_feasible(const asim_agg *a, const asim_objective *o, char *buf, size_t len)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->rows[i].feasible)
            return 1;
    char ot[600];
    asim_objective_text(o, ot, sizeof ot);
    const char *st = strstr(ot, " subject to ");
    snprintf(buf, len, "no configuration is feasible: none has every replication ok%s%s%s",
             st ? " and " : "", st ? st + 12 : "", st ? " on its means" : "");
    return 0;
}

int asim_agg_metric(const asim_agg *a, const char *name)
{
    for (size_t m = 0; m < a->nmetrics; m++)
        if (strcmp(a->metrics[m], name) == 0)
            return (int)m;
    return -1;
}

int asim_sweep_front_cmp(const void *a, const void *b)
{
    const front_pt *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    if (p->y != q->y)
        return p->y < q->y ? -1 : 1;
    return (p->row > q->row) - (p->row < q->row);
}

/* Non-dominated points (both minimised): sort by (x, y); a point is on the
 * front when its y is its x-group's smallest and below every y seen at a
 * smaller x.  Equal points are all on it (neither dominates). */
static void mark_front(asim_agg *a, int mx, int my)
{
    front_pt *p = asim_malloc((a->n ? a->n : 1) * sizeof *p);
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++) {
        asim_agg_row *r = &a->rows[i];
        if (r->ok == r->reps && r->reps > 0 && isfinite(r->mean[mx]) && isfinite(r->mean[my]))
            p[n++] = (front_pt){r->mean[mx], r->mean[my], i};
    }
    qsort(p, n, sizeof *p, asim_sweep_front_cmp);
    double best_y = INFINITY;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && p[j].x == p[i].x)
            j++;
        double gmin = p[i].y;
        if (gmin < best_y)
            for (size_t k = i; k < j && p[k].y == gmin; k++) {
                a->rows[p[k].row].pareto = 1;
                a->npareto++;
            }
        if (gmin < best_y)
            best_y = gmin;
        i = j;
    }
    asim_free(p);
}

void asim_agg_compute(asim_agg *a, const asim_sweep *sw, const asim_runs *t, const asim_objective *o)
{
    memset(a, 0, sizeof *a);
    a->best = -1;
    size_t fm = t->first_metric;
    a->nmetrics = t->ncols > fm ? t->ncols - fm : 0;
    a->metrics = asim_malloc((a->nmetrics ? a->nmetrics : 1) * sizeof *a->metrics);
    for (size_t m = 0; m < a->nmetrics; m++)
        a->metrics[m] = asim_strdup(t->cols[fm + m]);
    size_t status = 3 + sw->naxes, errcol = 4 + sw->naxes;
    a->rows = asim_malloc((t->n ? t->n : 1) * sizeof *a->rows);
    double *vals = asim_malloc((t->n ? t->n : 1) * sizeof *vals);
    for (size_t i = 0; i < t->n;) {
        size_t j = i;
        while (j < t->n && t->rows[j].config == t->rows[i].config)
            j++;
        asim_agg_row *r = &a->rows[a->n++];
        memset(r, 0, sizeof *r);
        r->config = t->rows[i].config;
        r->reps = (unsigned)(j - i);
        size_t nm = a->nmetrics ? a->nmetrics : 1;
        r->mean = asim_malloc(3 * nm * sizeof *r->mean);
        r->sd = r->mean + nm;
        r->ci = r->sd + nm;
        for (size_t k = i; k < j; k++) {
            if (strcmp(t->rows[k].f[status], "ok") == 0)
                r->ok++;
            else if (!r->error)
                r->error = asim_strdup(t->rows[k].f[errcol]);
        }
        for (size_t m = 0; m < a->nmetrics; m++) {
            size_t nv = 0;
            for (size_t k = i; k < j; k++) {
                if (strcmp(t->rows[k].f[status], "ok") != 0)
                    continue;
                const char *s = t->rows[k].f[fm + m];
                double v;
                vals[nv++] = *s && asim_sweep_parse_num(s, &v) ? v : NAN;
            }
            asim_mean_ci(vals, nv, &r->mean[m], &r->sd[m], &r->ci[m]);
        }
        i = j;
    }
    asim_free(vals);

    int mx = asim_agg_metric(a, o->pareto_x), my = asim_agg_metric(a, o->pareto_y);
    if (mx >= 0 && my >= 0)
        mark_front(a, mx, my);
    int mo = o->metric[0] ? asim_agg_metric(a, o->metric) : -1;
    for (size_t i = 0; i < a->n; i++) {
        asim_agg_row *r = &a->rows[i];
        r->feasible = r->ok == r->reps && r->reps > 0;
        for (size_t c = 0; c < o->ncons && r->feasible; c++) {
            int mc = asim_agg_metric(a, o->cons[c].metric);
            r->feasible = mc >= 0 && asim_constraint_ok(&o->cons[c], r->mean[mc]);
        }
        if (mo < 0 || !r->feasible || !isfinite(r->mean[mo]))
            continue;
        if (a->best < 0 || (o->maximize ? r->mean[mo] > a->rows[a->best].mean[mo]
                                        : r->mean[mo] < a->rows[a->best].mean[mo]))
            a->best = (long)i;
    }
    if (a->best >= 0)
        a->rows[a->best].best = 1;
}

void asim_agg_free(asim_agg *a)
{
    if (!a)
        return;
    for (size_t m = 0; m < a->nmetrics; m++)
        asim_free(a->metrics[m]);
    asim_free(a->metrics);
    for (size_t i = 0; i < a->n; i++) {
        asim_free(a->rows[i].mean);
        asim_free(a->rows[i].error);
    }
    asim_free(a->rows);
    memset(a, 0, sizeof *a);
    a->best = -1;
}

static void csv_num_or_empty(asim_csv *c, double v)
{
    if (isnan(v))
        asim_csv_str(c, "");
    else
        asim_csv_num(c, v);
}

int asim_agg_write_summary(const asim_agg *a, const asim_sweep *sw, const char *path, asim_err *err)
{
    asim_afile af;
    asim_csv c;
    int rc = asim_csv_open(&af, &c, path, err);
    if (rc)
        return rc;
    asim_csv_str(&c, "config");
    for (size_t x = 0; x < sw->naxes; x++)
        asim_csv_str(&c, sw->axes[x].key);
    static const char *const fixed[] = {"reps", "ok", "feasible", "pareto", "best", "error"};
    for (size_t i = 0; i < ASIM_ARRAY_LEN(fixed); i++)
        asim_csv_str(&c, fixed[i]);
    for (size_t m = 0; m < a->nmetrics; m++) {
        char name[ASIM_METRIC_NAME_MAX + 8];
        static const char *const suffix[] = {"_mean", "_sd", "_ci95"};
        for (size_t s = 0; s < 3; s++) {
            snprintf(name, sizeof name, "%s%s", a->metrics[m], suffix[s]);
            asim_csv_str(&c, name);
        }
    }
    asim_csv_end(&c);
    for (size_t i = 0; i < a->n; i++) {
        const asim_agg_row *r = &a->rows[i];
        asim_csv_int(&c, (long long)r->config);
        for (size_t x = 0; x < sw->naxes; x++)
            asim_csv_str(&c, asim_sweep_value(sw, r->config, x));
        asim_csv_int(&c, r->reps);
        asim_csv_int(&c, r->ok);
        asim_csv_int(&c, r->feasible);
        asim_csv_int(&c, r->pareto);
        asim_csv_int(&c, r->best);
        asim_csv_str(&c, r->error ? r->error : "");
        for (size_t m = 0; m < a->nmetrics; m++) {
            csv_num_or_empty(&c, r->mean[m]);
            csv_num_or_empty(&c, r->sd[m]);
            csv_num_or_empty(&c, r->ci[m]);
        }
        asim_csv_end(&c);
    }
    return asim_afile_commit(&af, err);
}

/* 4 significant digits, but whole numbers written out up to 1e9 rather
 * than as 2.151e+04. */
static void fmt4(char *buf, size_t len, double v, int digits)
{
    if (fabs(v) >= pow(10, digits) && fabs(v) < 1e9)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.*g", digits, v);
}

void asim_fmt_mean_ci(char *buf, size_t len, double mean, double ci)
{
    char m[64], c[64];
    if (isnan(mean)) {
        snprintf(buf, len, "undefined");
        return;
    }
    fmt4(m, sizeof m, mean, 4);
    if (isnan(ci)) {
        snprintf(buf, len, "%s", m);
        return;
    }
    fmt4(c, sizeof c, ci, 2);
    snprintf(buf, len, "%s ± %s", m, c);
}

static void mean_pm(char *buf, size_t len, double mean, double ci)
{
    asim_fmt_mean_ci(buf, len, mean, ci);
}

int asim_sweep_write_scenario(const asim_sweep *sw, size_t config, const char *description,
                              const char *path, asim_err *err)
{
    char *assign = asim_sweep_assignments(sw, config);
    asim_config cfg;
    int rc = asim_pool_build_config(&cfg, &sw->base, assign, err);
    asim_free(assign);
    if (rc) {
        asim_config_free(&cfg);
        return rc;
    }
    char name[ASIM_NAME_MAX];
    snprintf(name, sizeof name, "%.*s-best", (int)(sizeof name - 6), sw->base.name);
    snprintf(cfg.name, sizeof cfg.name, "%s", name);
    snprintf(cfg.description, sizeof cfg.description, "%s", description);
    cJSON *j = asim_config_to_json(&cfg);
    asim_config_json_absolute_paths(j, cfg.source_file);
    asim_config_free(&cfg);
    return asim_sweep_write_json_file(path, j, err);
}

int asim_agg_write_best(const asim_agg *a, const asim_sweep *sw, const asim_objective *o,
                        const char *path, asim_err *err)
{
    if (a->best < 0)
        return asim_err_set(err, ASIM_EINPUT, "no configuration satisfies the objective");
    const asim_agg_row *r = &a->rows[a->best];
    char obj[600], stat[200];
    asim_objective_text(o, obj, sizeof obj);
    int mo = asim_agg_metric(a, o->metric);
    mean_pm(stat, sizeof stat, r->mean[mo], r->ci[mo]);
    char *desc = asim_sweep_xasprintf("Best of a sweep of %s (%zu configurations x %u replications, seeds %llu+): "
                           "%s; %s = %s (mean and 95%% CI over the replications)", sw->base.name,
                           sw->nconfigs, sw->reps, (unsigned long long)sw->seed, obj, o->metric, stat);
    int rc = asim_sweep_write_scenario(sw, r->config, desc, path, err);
    asim_free(desc);
    return rc;
}

void asim_agg_report(FILE *f, const asim_agg *a, const asim_sweep *sw, const asim_objective *o)
{
    size_t full = 0, failed = 0;
    for (size_t i = 0; i < a->n; i++) {
        full += a->rows[i].ok == a->rows[i].reps;
        failed += a->rows[i].ok == 0;
    }
    fprintf(f, "configurations  %zu with results: %zu fully ok, %zu failed, %zu partly\n", a->n, full,
            failed, a->n - full - failed);
    for (size_t i = 0, shown = 0; i < a->n && shown < 3; i++)
        if (a->rows[i].error) {
            fprintf(f, "  config %llu: %s\n", (unsigned long long)a->rows[i].config, a->rows[i].error);
            shown++;
        }
    fprintf(f, "pareto front    %zu configurations (%s vs %s)\n", a->npareto, o->pareto_x, o->pareto_y);
    if (!o->metric[0]) {
        fprintf(f, "best            none chosen (give --minimize or --maximize METRIC)\n");
        return;
    }
    char obj[600];
    asim_objective_text(o, obj, sizeof obj);
    int mo = asim_agg_metric(a, o->metric);
    if (mo < 0) {
        fprintf(f, "best            none: no metric %s in runs.csv\n", o->metric);
        return;
    }
    if (a->best < 0) {
        fprintf(f, "best            none satisfies: %s\n", obj);
        for (size_t c = 0; c < o->ncons; c++) {
            int mc = asim_agg_metric(a, o->cons[c].metric);
            if (mc < 0) {
                fprintf(f, "  %s: no such metric\n", o->cons[c].metric);
                continue;
            }
            long bi = -1;
            for (size_t i = 0; i < a->n; i++) {
                double v = a->rows[i].mean[mc];
                if (a->rows[i].ok != a->rows[i].reps || isnan(v))
                    continue;
                int better = bi < 0 || (o->cons[c].op[0] == '<' ? v < a->rows[bi].mean[mc]
                                                                   : v > a->rows[bi].mean[mc]);
                if (better)
                    bi = (long)i;
            }
            if (bi >= 0) {
                char v[64];
                asim_fmt_mean_ci(v, sizeof v, a->rows[bi].mean[mc], a->rows[bi].ci[mc]);
                fprintf(f, "  %s: the closest is config %llu with %s\n", o->cons[c].metric,
                        (unsigned long long)a->rows[bi].config, v);
            }
        }
        return;
    }
    const asim_agg_row *r = &a->rows[a->best];
    fprintf(f, "best            config %llu for %s\n", (unsigned long long)r->config, obj);
    for (size_t x = 0; x < sw->naxes; x++)
        fprintf(f, "  %s = %s\n", sw->axes[x].key, asim_sweep_value(sw, r->config, x));
    const char *show[2 + ASIM_MAX_CONSTRAINTS + 2];
    size_t ns = 0;
    show[ns++] = o->metric;
    for (size_t c = 0; c < o->ncons; c++)
        show[ns++] = o->cons[c].metric;
    show[ns++] = o->pareto_x;
    show[ns++] = o->pareto_y;
    for (size_t i = 0; i < ns; i++) {
        int dup = 0;
        for (size_t k = 0; k < i; k++)
            dup |= strcmp(show[k], show[i]) == 0;
        int m = asim_agg_metric(a, show[i]);
        if (dup || m < 0)
            continue;
        char buf[100];
        mean_pm(buf, sizeof buf, r->mean[m], r->ci[m]);
        fprintf(f, "  %-28s %s  (mean ± 95%% CI, %u replications)\n", show[i], buf, r->ok);
    }
}

int asim_sweep_aggregate(const asim_sweep *sw, const asim_objective *o, const char *dir, FILE *out,
                         asim_agg *agg, asim_err *err)
{
    char *runs = asim_sweep_path_join(dir, "runs.csv");
    char *summary = asim_sweep_path_join(dir, "summary.csv");
    char *best = asim_sweep_path_join(dir, "best.json");
    asim_runs t;
    int rc = asim_runs_read(&t, sw, runs, 0, err);
    if (rc)
        goto done;
    asim_runs_sort(&t);
    asim_agg_compute(agg, sw, &t, o);
    asim_runs_free(&t);
    if ((rc = asim_agg_write_summary(agg, sw, summary, err)) != 0)
        goto done;
    if (agg->best >= 0)
        rc = asim_agg_write_best(agg, sw, o, best, err);
    else
        unlink(best);
    if (out) {
        asim_agg_report(out, agg, sw, o);
        if (agg->best >= 0 && rc == 0)
            fprintf(out, "scenario        %s (run it: autoscale-sim run %s)\n", best, best);
    }
done:
    asim_free(runs);
    asim_free(summary);
    asim_free(best);
    return rc;
}

