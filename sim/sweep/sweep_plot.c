/* sweep_plot.c -- a sweep's figures (see sweep.h): the Pareto front of two
 * metrics, heatmaps over two axes and mean-with-CI lines over one axis,
 * written as gnuplot scripts and drawn through sim/report/plot.h. */
#include "sim/sweep/sweep.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/engine/output.h"
#include "sim/config/settings.h"
#include "sim/report/plot.h"
#include "sim/report/report.h"
#include "sim/sweep/sweep_int.h"

/* ---- figures ------------------------------------------------------------------------- */

/* Is every value of axis x a number? */
static int axis_numeric(const asim_sweep_axis *x)
{
    for (size_t i = 0; i < x->n; i++) {
        double v;
        if (!asim_sweep_parse_num(x->values[i], &v))
            return 0;
    }
    return 1;
}

/* Row of configuration c, or -1 (configurations without results). */
static long row_of(const asim_agg *a, uint64_t c)
{
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->rows[mid].config < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->n && a->rows[lo].config == c ? (long)lo : -1;
}

/* Grid digit of axis ax in configuration c, and the configuration equal
 * to `ref` except for grid axis ax at digit d. */
static size_t grid_stride(const asim_sweep *sw, size_t ax)
{
    size_t stride = 1;
    for (size_t b = ax + 1; b < sw->naxes; b++)
        if (!sw->axes[b].random)
            stride *= sw->axes[b].n;
    return stride;
}

static size_t with_digit(const asim_sweep *sw, size_t ref, size_t ax, size_t d)
{
    size_t g = ref / sw->samples, s = ref % sw->samples, stride = grid_stride(sw, ax);
    size_t old = (g / stride) % sw->axes[ax].n;
    g = g - old * stride + d * stride;
    return g * sw->samples + s;
}

/* A swept setting's axis label, with the setting's unit: "scaler.check_interval (s)". */
static void gp_label(asim_gp *g, const char *var, const asim_sweep_axis *x)
{
    const asim_setting *st = asim_setting_find(x->key);
    char buf[400];
    if (st && st->unit && st->unit[0])
        snprintf(buf, sizeof buf, "%s (%s)", x->key, st->unit);
    else
        snprintf(buf, sizeof buf, "%s", x->key);
    asim_gp_set_str(g, var, buf);
}

/* A metric's axis label, with its unit (report.h). */
static void gp_metric_label(asim_gp *g, const char *var, const char *metric)
{
    char buf[200];
    asim_metric_axis_label(metric, buf, sizeof buf);
    asim_gp_set_str(g, var, buf);
}

/* A sweep figure being made: its gnuplot job and its script. */
typedef struct figure {
    asim_gp *g;
    char *script;
} figure;

/* Find the script (scripts/<name>) and start the job: 0, or ASIM_ERUNTIME
 * with err set (nothing to end). */
static int fig_start(figure *f, const char *name, asim_err *err)
{
    f->g = NULL;
    if (!(f->script = asim_plot_script(name, err)))
        return ASIM_ERUNTIME;
    if (!(f->g = asim_gp_create(err))) {
        asim_free(f->script);
        return ASIM_ERUNTIME;
    }
    return 0;
}

/* Draw out_base.<format> for each format; asim_gp_run's status.  The
 * figure scripts load sweep_term.gp from their own directory. */
static int fig_draw(figure *f, const char *out_base, unsigned formats, asim_err *err)
{
    char d[PATH_MAX];
    snprintf(d, sizeof d, "%s", f->script);
    char *slash = strrchr(d, '/');
    if (slash)
        slash[1] = 0;
    else
        d[0] = 0;
    asim_gp_set_str(f->g, "dir_of_script", d);
    asim_gp_render(f->g, f->script, out_base, formats);
    return asim_gp_run(f->g, err);
}

static void fig_end(figure *f)
{
    asim_gp_destroy(f->g);
    asim_free(f->script);
}

/* Tic labels of a categorical axis as the gnuplot array <which>tl (value i
 * at position i-1).  The values are user text: they reach gnuplot only as
 * single-quoted string constants (asim_gp_set_str), never as code, because
 * gnuplot runs `backquoted` commands and @macros in anything it evaluates. */
static void gp_tics(asim_gp *g, const char *which, const asim_sweep_axis *x)
{
    fprintf(asim_gp_vars(g), "array %stl[%zu]\n", which, x->n ? x->n : 1);
    for (size_t i = 0; i < x->n; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "%stl[%zu]", which, i + 1);
        asim_gp_set_str(g, nm, x->values[i]);
    }
}

static int plot_pareto(const asim_agg *a, const asim_objective *o, const char *out_base, unsigned formats,
                       const char *title, asim_err *err)
{
    int mx = asim_agg_metric(a, o->pareto_x), my = asim_agg_metric(a, o->pareto_y);
    if (mx < 0 || my < 0)
        return 0;
    figure fig;
    if (fig_start(&fig, "sweep_pareto.gp", err) != 0)
        return ASIM_ERUNTIME;
    asim_gp *g = fig.g;
    int rc = ASIM_ERUNTIME;
    FILE *all = asim_gp_data(g, "points.dat", err);
    FILE *front = all ? asim_gp_data(g, "front.dat", err) : NULL;
    FILE *best = front ? asim_gp_data(g, "best.dat", err) : NULL;
    if (!best)
        goto done;
    fprintf(all, "# x y xci yci feasible config\n");
    fprintf(front, "# x y config\n");
    fprintf(best, "# x y config\n");
    size_t npts = 0;
    double xmin = INFINITY, ymin = INFINITY;
    /* The front in x order: it is a staircase. */
    front_pt *fp = asim_malloc((a->n ? a->n : 1) * sizeof *fp);
    size_t nf = 0;
    for (size_t i = 0; i < a->n; i++) {
        const asim_agg_row *r = &a->rows[i];
        if (r->ok != r->reps || !isfinite(r->mean[mx]) || !isfinite(r->mean[my]))
            continue;
        npts++;
        xmin = fmin(xmin, r->mean[mx]);
        ymin = fmin(ymin, r->mean[my]);
        fprintf(all, "%.10g %.10g %.10g %.10g %d %llu\n", r->mean[mx], r->mean[my],
                isnan(r->ci[mx]) ? 0 : r->ci[mx], isnan(r->ci[my]) ? 0 : r->ci[my], r->feasible,
                (unsigned long long)r->config);
        if (r->pareto)
            fp[nf++] = (front_pt){r->mean[mx], r->mean[my], i};
        if (r->best)
            fprintf(best, "%.10g %.10g %llu\n", r->mean[mx], r->mean[my], (unsigned long long)r->config);
    }
    qsort(fp, nf, sizeof *fp, asim_sweep_front_cmp);
    for (size_t i = 0; i < nf; i++)
        fprintf(front, "%.10g %.10g %llu\n", fp[i].x, fp[i].y, (unsigned long long)a->rows[fp[i].row].config);
    asim_free(fp);
    if (npts == 0) {
        rc = 0;
        goto done;
    }
    asim_gp_set_str(g, "t_title", title);
    gp_metric_label(g, "xlabel", o->pareto_x);
    gp_metric_label(g, "ylabel", o->pareto_y);
    asim_gp_set_num(g, "has_best", a->best >= 0);
    asim_gp_set_num(g, "nonneg_x", xmin >= 0);
    asim_gp_set_num(g, "nonneg_y", ymin >= 0);
    asim_gp_set_num(g, "has_cons", (double)o->ncons);
    rc = fig_draw(&fig, out_base, formats, err);
done:
    fig_end(&fig);
    return rc;
}

/* Axes with at least two values (at most max of them). */
static size_t varying_axes(const asim_sweep *sw, size_t *out, size_t max)
{
    size_t n = 0;
    for (size_t x = 0; x < sw->naxes && n < max; x++)
        if (sw->axes[x].n >= 2)
            out[n++] = x;
    return n;
}

/* "fixed: a=1, b=2 (config 7, the best)": the values of the varying grid
 * axes other than skip1/skip2 in configuration ref; "" when there are none. */
static void slice_text(char *buf, size_t len, const asim_sweep *sw, size_t ref, long skip1, long skip2,
                       int is_best)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t x = 0; x < sw->naxes && used < len; x++) {
        if ((long)x == skip1 || (long)x == skip2 || sw->axes[x].n < 2 || sw->axes[x].random)
            continue;
        used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", used ? ", " : "other settings: ",
                                 sw->axes[x].key, asim_sweep_value(sw, ref, x));
    }
    if (used && used < len)
        snprintf(buf + used, len - used, " (config %zu%s)", ref, is_best ? ", the best" : "");
}

/* A cell label: 3 significant digits (whole numbers up to 9999), then
 * k/M/G: "0.512", "52", "2281", "21.5k". */
static void cell_label(char *buf, size_t len, double v)
{
    static const char *const suffix[] = {"", "k", "M", "G"};
    size_t i = 0;
    while (fabs(v) >= 10000 && i + 1 < ASIM_ARRAY_LEN(suffix)) {
        v /= 1000;
        i++;
    }
    snprintf(buf, len, fabs(v) >= 100 ? "%.0f%s" : "%.3g%s", v, suffix[i]);
}

static void safe_name(char *out, size_t len, const char *key);

static int plot_heatmap(const asim_agg *a, const asim_sweep *sw, const asim_objective *o, size_t ax, size_t ay,
                        int m, size_t ref, const char *metric, const char *out_base, unsigned formats,
                        const char *title, const char *sub, asim_err *err)
{
    figure fig;
    if (fig_start(&fig, "sweep_heatmap.gp", err) != 0)
        return ASIM_ERUNTIME;
    asim_gp *g = fig.g;
    int rc = ASIM_ERUNTIME;
    FILE *d = asim_gp_data(g, "cells.dat", err);
    if (!d)
        goto done;
    const asim_sweep_axis *X = &sw->axes[ax], *Y = &sw->axes[ay];
    /* Infeasible cells (a constraint fails on the means) keep their colour,
     * hatched, their label marked with a cross: the value still informs. */
    fprintf(d, "# xi yi mean ci config ok label feasible\n");
    double lo = INFINITY, hi = -INFINITY;
    size_t ninf = 0, nfeas = 0;
    for (size_t j = 0; j < Y->n; j++) {
        for (size_t i = 0; i < X->n; i++) {
            size_t c = with_digit(sw, with_digit(sw, ref, ax, i), ay, j);
            long r = row_of(a, c);
            double v = r >= 0 && a->rows[r].ok == a->rows[r].reps ? a->rows[r].mean[m] : NAN;
            double ci = r >= 0 ? a->rows[r].ci[m] : NAN;
            int feas = r >= 0 && a->rows[r].feasible;
            if (isfinite(v)) {
                lo = fmin(lo, v);
                hi = fmax(hi, v);
                char lab[40];
                cell_label(lab, sizeof lab, v);
                if (!feas)
                    strcat(lab, " ✗");
                ninf += !feas;
                nfeas += (size_t)feas;
                fprintf(d, "%zu %zu %.10g %.10g %zu 1 \"%s\" %d\n", i, j, v, isnan(ci) ? 0 : ci, c, lab, feas);
            } else
                fprintf(d, "%zu %zu NaN NaN %zu 0 failed 0\n", i, j, c);
        }
        fputc('\n', d);
    }
    /* The key says what the marks mean, and what was chosen or that nothing
     * was; the objective goes in the subtitle. */
    char ot[600], cons[600] = "", chosen[200], sub2[1400];
    asim_objective_text(o, ot, sizeof ot);
    const char *st = strstr(ot, " subject to ");
    if (st)
        snprintf(cons, sizeof cons, "✗ infeasible: %s fails on the means", st + 12);
    else
        snprintf(cons, sizeof cons, "✗ infeasible: a replication failed");
    if (a->best >= 0)
        snprintf(chosen, sizeof chosen, "outlined: the chosen configuration (config %llu, feasible)",
                 (unsigned long long)a->rows[a->best].config);
    else if (!o->metric[0])
        snprintf(chosen, sizeof chosen, "nothing chosen (no --minimize or --maximize)");
    else
        snprintf(chosen, sizeof chosen, "no configuration is feasible: nothing chosen");
    snprintf(sub2, sizeof sub2, "%s%s%s%s; %zu of %zu cells feasible", sub, sub[0] ? "\n" : "",
             o->metric[0] || o->ncons ? "" : "no objective", o->metric[0] || o->ncons ? ot : "", nfeas,
             X->n * Y->n);
    asim_gp_set_num(g, "n_infeasible", (double)ninf);
    asim_gp_set_num(g, "n_feasible", (double)nfeas);
    asim_gp_set_str(g, "t_infeasible", cons);
    asim_gp_set_str(g, "t_chosen", chosen);
    gp_tics(g, "x", X);
    gp_tics(g, "y", Y);
    asim_gp_set_str(g, "t_title", title);
    asim_gp_set_str(g, "t_sub", sub2);
    gp_label(g, "xlabel", X);
    gp_label(g, "ylabel", Y);
    gp_metric_label(g, "zlabel", metric);
    asim_gp_set_num(g, "nx", (double)X->n);
    asim_gp_set_num(g, "ny", (double)Y->n);
    asim_gp_set_num(g, "zmin", isfinite(lo) ? lo : 0);
    asim_gp_set_num(g, "zmax", isfinite(hi) ? (hi > lo ? hi : lo + 1) : 1);
    long br = a->best >= 0 ? a->best : -1;
    double bx = NAN, by = NAN;
    if (br >= 0) {
        size_t bc = a->rows[br].config;
        for (size_t i = 0; i < X->n; i++)
            if (strcmp(X->values[i], asim_sweep_value(sw, bc, ax)) == 0)
                bx = (double)i;
        for (size_t j = 0; j < Y->n; j++)
            if (strcmp(Y->values[j], asim_sweep_value(sw, bc, ay)) == 0)
                by = (double)j;
    }
    asim_gp_set_num(g, "best_x", bx);
    asim_gp_set_num(g, "best_y", by);
    rc = fig_draw(&fig, out_base, formats, err);
done:
    fig_end(&fig);
    return rc;
}

static int plot_ci(const asim_agg *a, const asim_sweep *sw, size_t ax, int m, size_t ref, const char *metric,
                   const char *out_base, unsigned formats, const char *title, const char *sub, asim_err *err)
{
    figure fig;
    if (fig_start(&fig, "sweep_ci.gp", err) != 0)
        return ASIM_ERUNTIME;
    asim_gp *g = fig.g;
    int rc = ASIM_ERUNTIME;
    FILE *d = asim_gp_data(g, "ci.dat", err);
    if (!d)
        goto done;
    const asim_sweep_axis *X = &sw->axes[ax];
    int numeric = axis_numeric(X);
    fprintf(d, "# x mean ci config best\n");
    size_t npts = 0;
    if (X->random) {
        /* Random axis: every configuration (the others vary too). */
        for (size_t i = 0; i < a->n; i++) {
            const asim_agg_row *r = &a->rows[i];
            if (r->ok != r->reps || !isfinite(r->mean[m]))
                continue;
            fprintf(d, "%s %.10g %.10g %llu %d\n", asim_sweep_value(sw, r->config, ax), r->mean[m],
                    isnan(r->ci[m]) ? 0 : r->ci[m], (unsigned long long)r->config, r->best);
            npts++;
        }
    } else
        for (size_t i = 0; i < X->n; i++) {
            size_t c = with_digit(sw, ref, ax, i);
            long r = row_of(a, c);
            if (r < 0 || a->rows[r].ok != a->rows[r].reps || !isfinite(a->rows[r].mean[m]))
                continue;
            if (numeric)
                fprintf(d, "%s", X->values[i]);
            else
                fprintf(d, "%zu", i);
            fprintf(d, " %.10g %.10g %zu %d\n", a->rows[r].mean[m],
                    isnan(a->rows[r].ci[m]) ? 0 : a->rows[r].ci[m], c, a->rows[r].best);
            npts++;
        }
    if (npts == 0) {
        rc = 0;
        goto done;
    }
    if (!numeric)
        gp_tics(g, "x", X);
    asim_gp_set_num(g, "categorical", !numeric);
    asim_gp_set_num(g, "nx", (double)X->n);
    asim_gp_set_num(g, "scatter", X->random);
    asim_gp_set_str(g, "t_title", title);
    asim_gp_set_str(g, "t_sub", sub);
    gp_label(g, "xlabel", X);
    gp_metric_label(g, "ylabel", metric);
    rc = fig_draw(&fig, out_base, formats, err);
done:
    fig_end(&fig);
    return rc;
}

/* A file-name-safe version of a setting path. */
static void safe_name(char *out, size_t len, const char *key)
{
    size_t i = 0;
    for (; key[i] && i + 1 < len; i++)
        out[i] = (key[i] == '/' || key[i] == ' ') ? '_' : key[i];
    out[i] = 0;
}

int asim_sweep_plot(const asim_agg *a, const asim_sweep *sw, const asim_objective *o,
                    const char *metric, const char *dir, unsigned formats, asim_err *err)
{
    if (!metric)
        metric = o->metric[0] ? o->metric : "slo_violation_seconds";
    int m = asim_agg_metric(a, metric);
    if (m < 0 && a->nmetrics > 0)
        return asim_err_set(err, ASIM_EINPUT, "--plot-metric: no metric %s in runs.csv", metric);
    char *pdir = asim_sweep_path_join(dir, "plots");
    int rc = asim_mkdirs(pdir, err);
    if (rc) {
        asim_free(pdir);
        return rc;
    }
    char *abs = realpath(pdir, NULL);      /* gnuplot runs in its own directory */
    char *base = abs ? asim_strdup(abs) : asim_strdup(pdir);
    free(abs);
    asim_free(pdir);

    char title[700], obj[600];
    asim_objective_text(o, obj, sizeof obj);
    snprintf(title, sizeof title, "%s: %zu configurations x %u replications", sw->base.name, a->n, sw->reps);
    char *out = asim_sweep_path_join(base, "pareto");
    rc = plot_pareto(a, o, out, formats, title, err);
    asim_free(out);
    if (rc || m < 0)
        goto done;

    /* Slices go through the best configuration (or the first with results). */
    size_t ref = a->best >= 0 ? a->rows[a->best].config : (a->n ? a->rows[0].config : 0);
    char head[300], sub[700];
    snprintf(head, sizeof head, "%s: mean of %u replications", metric, sw->reps);
    size_t axes[64];
    size_t nv = varying_axes(sw, axes, ASIM_ARRAY_LEN(axes));
    size_t grid[64], ng = 0;
    for (size_t i = 0; i < nv; i++)
        if (!sw->axes[axes[i]].random)
            grid[ng++] = axes[i];
    if (ng >= 2) {
        /* heatmap.<ext> for the metric, heatmap-<metric>.<ext> for each
         * constrained metric: where the constraint holds is half the answer. */
        slice_text(sub, sizeof sub, sw, ref, (long)grid[0], (long)grid[1], a->best >= 0);
        for (size_t k = 0; k <= o->ncons; k++) {
            const char *mk = k == 0 ? metric : o->cons[k - 1].metric;
            int mi = asim_agg_metric(a, mk), dup = 0;
            for (size_t q = 0; q < k; q++)
                dup |= strcmp(mk, q == 0 ? metric : o->cons[q - 1].metric) == 0;
            if (mi < 0 || dup)
                continue;
            char hk[300];
            snprintf(hk, sizeof hk, "%s: mean of %u replications", mk, sw->reps);
            char nm[200];
            safe_name(nm, sizeof nm, mk);
            out = k == 0 ? asim_sweep_path_join(base, "heatmap") : asim_sweep_xasprintf("%s/heatmap-%s", base, nm);
            rc = plot_heatmap(a, sw, o, grid[0], grid[1], mi, ref, mk, out, formats, hk, sub, err);
            asim_free(out);
            if (rc)
                goto done;
        }
    }
    for (size_t i = 0; i < nv; i++) {
        char nm[300];
        safe_name(nm, sizeof nm, sw->axes[axes[i]].key);
        char *file = asim_sweep_xasprintf("%s/ci-%s", base, nm);
        if (sw->axes[axes[i]].random)
            snprintf(sub, sizeof sub, "every sampled configuration (the other settings vary too)");
        else
            slice_text(sub, sizeof sub, sw, ref, (long)axes[i], -1, a->best >= 0);
        rc = plot_ci(a, sw, axes[i], m, ref, metric, file, formats, head, sub, err);
        asim_free(file);
        if (rc)
            goto done;
    }
done:
    asim_free(base);
    return rc;
}
