/* report.c -- metric presentation and compare (see report.h); the run's
 * report page is in report_page.c. */
#include "sim/report/report.h"
#include "sim/report/report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sim/report/figures.h"
#include "sim/engine/output.h"
#include "sim/report/plot.h"
#include "sim/report/rundir.h"

/* ------------------------------------------------------------------ */
/* metric presentation                                                  */

typedef enum mkind { K_NUM, K_INT, K_SEC, K_PCT, K_USD } mkind;

typedef struct minfo {
    const char *name;          /* exact, or a prefix ending in '.' */
    mkind kind;
    const char *unit;
    const char *desc;
} minfo;

static const minfo metric_info[] = {
    {"requests", K_INT, "", "requests that arrived"},
    {"completed", K_INT, "", "requests completed"},
    {"rejected", K_INT, "", "requests rejected (backlog full, or dropped while draining)"},
    {"timeouts", K_INT, "", "requests that hit the client timeout"},
    {"latency_mean", K_SEC, "s", "mean response time of completed requests"},
    {"latency_p50", K_SEC, "s", "median response time"},
    {"latency_p95", K_SEC, "s", "95th percentile response time"},
    {"latency_p99", K_SEC, "s", "99th percentile response time"},
    {"latency_max", K_SEC, "s", "slowest completed request"},
    {"seconds_above_scale_up_threshold", K_SEC, "s", "seconds the scaler's metric was above the scale-up threshold"},
    {"replica_seconds", K_NUM, "replica s", "integral of running replicas over time"},
    {"mean_replicas", K_NUM, "replicas", "time-weighted mean of running replicas"},
    {"max_replicas_seen", K_INT, "replicas", "most replicas running at once"},
    {"scale_ups", K_INT, "", "scale-up actions"},
    {"scale_downs", K_INT, "", "scale-down actions"},
    {"time_to_first_scale_up", K_SEC, "s", "time of the first scale-up decision (n/a: none)"},
    {"slo_violation_seconds", K_SEC, "s", "seconds whose completed requests' mean latency exceeded the SLO, or with failures"},
    {"slo_violation_fraction", K_PCT, "%", "requests slower than the SLO latency, or failed"},
    {"error_ratio", K_PCT, "%", "(rejected + timeouts) / requests"},
    {"cost", K_USD, "$", "replica-hours times the price per replica-hour"},
    {"frozen_gauge_checks", K_INT, "", "checks that saw a gauge no request had updated since the previous check"},
    {"frozen_gauge_actions", K_INT, "", "scaling actions taken on such a frozen gauge"},
    {"host_cpu_utilisation_mean", K_PCT, "%", "mean CPU utilisation of the hosts over the run"},
    {"host_cpu_utilisation_max", K_PCT, "%", "highest one-second CPU utilisation of any host"},
    {"host_saturated_seconds", K_SEC, "s", "host-seconds with every core busy (utilisation >= 99.9 %)"},
    {"cpu_throttled_periods", K_INT, "", "CFS periods in which a container was throttled (its CPU quota used up)"},
    {"alert_firing_seconds.", K_SEC, "s", "seconds the alert was firing"},
    {"alert_fired_count.", K_INT, "", "times the alert started firing"},
    {"trace_records", K_INT, "", "records read from the traces (first pass)"},
    {"trace_skipped_lines", K_INT, "", "bad trace lines skipped (on_error=skip)"},
    {"trace_filtered_requests", K_INT, "", "trace requests dropped by the filters (status, path, method, user agent)"},
    {"trace_latency_count", K_INT, "", "replayed trace requests with a logged latency"},
    {"trace_latency_mean", K_SEC, "s", "mean logged (real) latency of the replayed requests"},
    {"trace_latency_p50", K_SEC, "s", "median logged (real) latency"},
    {"trace_latency_p95", K_SEC, "s", "95th percentile of the logged (real) latency"},
    {"trace_latency_p99", K_SEC, "s", "99th percentile of the logged (real) latency"},
    {"trace_latency_max", K_SEC, "s", "slowest logged (real) latency"},
    {"elastic_under_accuracy", K_PCT, "%", "theta_U: mean under-provisioned replicas relative to demand"},
    {"elastic_over_accuracy", K_PCT, "%", "theta_O: mean over-provisioned replicas relative to demand"},
    {"elastic_under_replicas", K_NUM, "replicas", "mean shortfall of ready replicas below demand"},
    {"elastic_over_replicas", K_NUM, "replicas", "mean excess of ready replicas above demand"},
    {"elastic_under_timeshare", K_PCT, "%", "tau_U: share of time with fewer ready replicas than demanded"},
    {"elastic_over_timeshare", K_PCT, "%", "tau_O: share of time with more ready replicas than demanded"},
    {"elastic_instability", K_PCT, "%", "share of seconds where supply and demand did not move in the same direction"},
    {"elastic_jitter", K_NUM, "per hour", "supply changes minus demand changes, per hour (< 0: too sluggish, > 0: oscillating)"},
    {"elastic_supply_changes", K_INT, "", "times the number of ready replicas changed"},
    {"elastic_demand_changes", K_INT, "", "times the demanded number of replicas changed"},
    {"elastic_mean_demand", K_NUM, "replicas", "mean demanded replicas (minimal count meeting the SLO latency)"},
    {"elastic_unreachable_seconds", K_SEC, "s", "seconds where no replica count could meet the SLO latency"},
};

/* A further service's metric in the run's summary ("service.api.latency_p95")
 * is presented as the metric it copies. */
static const minfo *info(const char *name)
{
    const char *dot;
    if (strncmp(name, "service.", 8) == 0 && (dot = strchr(name + 8, '.')))
        name = dot + 1;
    for (size_t i = 0; i < ASIM_ARRAY_LEN(metric_info); i++) {
        const char *n = metric_info[i].name;
        size_t len = strlen(n);
        if (n[len - 1] == '.' ? strncmp(name, n, len) == 0 : strcmp(name, n) == 0)
            return &metric_info[i];
    }
    return NULL;
}

const char *asim_metric_unit(const char *name)
{
    const minfo *m = info(name);
    return m ? m->unit : "";
}

const char *asim_metric_desc(const char *name)
{
    const minfo *m = info(name);
    return m ? m->desc : "";
}

void asim_metric_axis_label(const char *name, char *buf, size_t len)
{
    const minfo *m = info(name);
    const char *unit = !m ? "" : m->kind == K_PCT ? "fraction" : m->kind == K_USD ? "USD"
                     : m->unit[0] ? m->unit : m->kind == K_INT ? "count" : "";
    if (unit[0])
        snprintf(buf, len, "%s (%s)", name, unit);
    else
        snprintf(buf, len, "%s", name);
}

void asim_metric_format(const char *name, double v, char *buf, size_t len)
{
    const minfo *m = info(name);
    mkind k = m ? m->kind : K_NUM;
    if (isnan(v)) {
        snprintf(buf, len, "n/a");
        return;
    }
    switch (k) {
    case K_INT:
        if (v == floor(v) && fabs(v) < 1e15) {
            snprintf(buf, len, "%.0f", v);
            return;
        }
        break;
    case K_PCT:
        snprintf(buf, len, "%.2f %%", v * 100);
        return;
    case K_USD:
        snprintf(buf, len, "$%.4f", v);
        return;
    case K_SEC:
        if (v == floor(v) && fabs(v) < 1e9) {
            snprintf(buf, len, "%.0f s", v);
            return;
        }
        snprintf(buf, len, "%.4g s", v);
        return;
    case K_NUM:
        break;
    }
    snprintf(buf, len, "%.4g", v);
}

/* ------------------------------------------------------------------ */
/* compare                                                              */

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Labels from directory names: the last component, or the last two when
 * that is ambiguous, or "#k" appended as a last resort. */
static char **make_labels(const asim_rundir *runs, size_t n)
{
    char **lab = asim_calloc(n, sizeof *lab);
    for (size_t i = 0; i < n; i++)
        lab[i] = asim_strdup(base_name(runs[i].dir));
    for (size_t i = 0; i < n; i++) {
        int dup = 0;
        for (size_t j = 0; j < n; j++)
            if (j != i && strcmp(base_name(runs[j].dir), base_name(runs[i].dir)) == 0)
                dup = 1;
        if (!dup)
            continue;
        const char *d = runs[i].dir, *last = strrchr(d, '/');
        const char *two = d;
        if (last) {
            for (const char *p = last - 1; p >= d; p--)
                if (*p == '/') {
                    two = p + 1;
                    break;
                }
        }
        asim_free(lab[i]);
        lab[i] = asim_strdup(two);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(lab[i], lab[j]) == 0) {
                size_t len = strlen(lab[j]) + 16;
                char *s = asim_malloc(len);
                snprintf(s, len, "%s #%zu", lab[j], j + 1);
                asim_free(lab[j]);
                lab[j] = s;
            }
    return lab;
}

/* Metric names of all runs, in first-seen order. */
static const char **metric_union(const asim_rundir *runs, size_t n, size_t *count)
{
    size_t cap = 64, k = 0;
    const char **names = asim_malloc(cap * sizeof *names);
    for (size_t i = 0; i < n; i++) {
        const cJSON *it;
        cJSON_ArrayForEach(it, runs[i].metrics) {
            size_t j;
            for (j = 0; j < k; j++)
                if (strcmp(names[j], it->string) == 0)
                    break;
            if (j < k)
                continue;
            ASIM_GROW(names, cap, k + 1, 16);
            names[k++] = it->string;
        }
    }
    *count = k;
    return names;
}

static void flat_add(flat *fl, const char *path, const cJSON *v)
{
    if (fl->n == fl->cap) {
        size_t grown = asim_grow_cap(fl->cap, fl->n + 1, 64);
        fl->path = asim_realloc(fl->path, grown * sizeof *fl->path);
        fl->val = asim_realloc(fl->val, grown * sizeof *fl->val);
        fl->cap = grown;
    }
    fl->path[fl->n] = asim_strdup(path);
    char *js = cJSON_IsString(v) ? NULL : cJSON_PrintUnformatted(v);
    fl->val[fl->n] = asim_strdup(js ? js : cJSON_IsString(v) ? v->valuestring : "");
    cJSON_free(js);
    fl->n++;
}

void asim_flatten(flat *fl, const cJSON *obj, const char *prefix)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj) {
        size_t len = strlen(prefix) + strlen(it->string) + 2;
        char *p = asim_malloc(len);
        snprintf(p, len, "%s%s%s", prefix, *prefix ? "." : "", it->string);
        if (cJSON_IsObject(it))
            asim_flatten(fl, it, p);
        else
            flat_add(fl, p, it);
        asim_free(p);
    }
}

void asim_flat_free(flat *fl)
{
    for (size_t i = 0; i < fl->n; i++) {
        asim_free(fl->path[i]);
        asim_free(fl->val[i]);
    }
    asim_free(fl->path);
    asim_free(fl->val);
}

const char *asim_flat_get(const flat *fl, const char *path)
{
    for (size_t i = 0; i < fl->n; i++)
        if (strcmp(fl->path[i], path) == 0)
            return fl->val[i];
    return NULL;
}

/* Paths whose values are not the same in every run (missing counts as a
 * value), in first-seen order; "seed" and "description" are left out (the
 * seed has its own row).  Pointers into fl[]. */
static const char **settings_diff(const flat *fl, size_t n, size_t *count)
{
    size_t k = 0, cap = 16;
    const char **out = asim_malloc(cap * sizeof *out);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < fl[i].n; j++) {
            const char *p = fl[i].path[j];
            if (strcmp(p, "seed") == 0 || strcmp(p, "description") == 0)
                continue;
            size_t q;
            for (q = 0; q < k; q++)
                if (strcmp(out[q], p) == 0)
                    break;
            if (q < k)
                continue;
            const char *v0 = asim_flat_get(&fl[0], p);
            int differs = 0;
            for (size_t r = 1; r < n && !differs; r++) {
                const char *v = asim_flat_get(&fl[r], p);
                differs = (!v0 != !v) || (v && strcmp(v, v0) != 0);
            }
            if (!differs)
                continue;
            ASIM_GROW(out, cap, k + 1, 16);
            out[k++] = p;
        }
    *count = k;
    return out;
}

static void print_table(FILE *f, const asim_rundir *runs, const char *const *labels, size_t n,
                        const char **names, size_t nm, const flat *fl, const char **diff, size_t nd)
{
    int w0 = 6;
    for (size_t j = 0; j < nm; j++)
        if ((int)strlen(names[j]) > w0)
            w0 = (int)strlen(names[j]);
    for (size_t j = 0; j < nd; j++)
        if ((int)strlen(diff[j]) > w0)
            w0 = (int)strlen(diff[j]);
    int *w = asim_malloc(n * sizeof *w);
    char buf[64];
    /* A column is as wide as its label and every value in it: nothing is
     * ever cut (a long query or name widens the table instead). */
    for (size_t i = 0; i < n; i++) {
        w[i] = (int)strlen(labels[i]) > 12 ? (int)strlen(labels[i]) : 12;
        int pw = (int)strlen(asim_rundir_setting_str(&runs[i], "scaler.policy", "?"));
        if (pw > w[i])
            w[i] = pw;
        for (size_t j = 0; j < nd; j++) {
            const char *v = asim_flat_get(&fl[i], diff[j]);
            if (v && (int)strlen(v) > w[i])
                w[i] = (int)strlen(v);
        }
    }
    fprintf(f, "%-*s", w0, "metric");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  %*s", w[i], labels[i]);
    fputc('\n', f);
    fprintf(f, "%-*s", w0, "policy");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  %*s", w[i], asim_rundir_setting_str(&runs[i], "scaler.policy", "?"));
    fputc('\n', f);
    fprintf(f, "%-*s", w0, "seed");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  %*.0f", w[i], runs[i].seed);
    fputc('\n', f);
    for (size_t j = 0; j < nd; j++) {
        fprintf(f, "%-*s", w0, diff[j]);
        for (size_t i = 0; i < n; i++) {
            const char *v = asim_flat_get(&fl[i], diff[j]);
            fprintf(f, "  %*s", w[i], v ? v : "-");
        }
        fputc('\n', f);
    }
    fputc('\n', f);
    for (size_t j = 0; j < nm; j++) {
        fprintf(f, "%-*s", w0, names[j]);
        for (size_t i = 0; i < n; i++) {
            asim_metric_format(names[j], asim_rundir_metric(&runs[i], names[j]), buf, sizeof buf);
            fprintf(f, "  %*s", w[i], buf);
        }
        fputc('\n', f);
    }
    asim_free(w);
}

static int write_compare_csv(const char *path, const asim_rundir *runs, const char *const *labels,
                             size_t n, const char **names, size_t nm, const flat *fl,
                             const char **diff, size_t nd, asim_err *err)
{
    asim_afile a;
    asim_csv c;
    int rc = asim_csv_open(&a, &c, path, err);
    if (rc)
        return rc;
    static const char *const fixed[] = {"run", "dir", "scenario", "seed", "policy"};
    for (size_t k = 0; k < ASIM_ARRAY_LEN(fixed); k++)
        asim_csv_str(&c, fixed[k]);
    for (size_t j = 0; j < nd; j++) {
        size_t len = strlen(diff[j]) + 10;
        char *h = asim_malloc(len);
        snprintf(h, len, "settings.%s", diff[j]);
        asim_csv_str(&c, h);
        asim_free(h);
    }
    for (size_t j = 0; j < nm; j++)
        asim_csv_str(&c, names[j]);
    asim_csv_end(&c);
    for (size_t i = 0; i < n; i++) {
        asim_csv_str(&c, labels[i]);
        asim_csv_str(&c, runs[i].dir);
        asim_csv_str(&c, runs[i].scenario);
        asim_csv_num(&c, runs[i].seed);
        asim_csv_str(&c, asim_rundir_setting_str(&runs[i], "scaler.policy", ""));
        for (size_t j = 0; j < nd; j++) {
            const char *v = asim_flat_get(&fl[i], diff[j]);
            asim_csv_str(&c, v ? v : "");
        }
        for (size_t j = 0; j < nm; j++) {
            double v = asim_rundir_metric(&runs[i], names[j]);
            if (isnan(v))
                asim_csv_str(&c, "");
            else
                asim_csv_num(&c, v);
        }
        asim_csv_end(&c);
    }
    return asim_afile_commit(&a, err);
}

int asim_compare_dirs_opts(const char *const *dirs, size_t n, const char *out_dir,
                           const asim_compare_opts *o, asim_err *err)
{
    asim_compare_opts def = {NULL, 0, NULL, 0};
    if (!o)
        o = &def;
    if (n == 0)
        return asim_err_set(err, ASIM_EINPUT, "no run directory to compare");
    if (!out_dir)
        out_dir = ".";
    asim_rundir *runs = asim_calloc(n, sizeof *runs);
    int rc = ASIM_OK;
    size_t loaded = 0;
    for (; loaded < n; loaded++)
        if ((rc = asim_rundir_load(&runs[loaded], dirs[loaded], ASIM_RD_TIMESERIES | ASIM_RD_EVENTS, err)))
            break;
    if (rc) {
        for (size_t i = 0; i < loaded; i++)
            asim_rundir_free(&runs[i]);
        asim_free(runs);
        return rc;
    }
    char **own = o->labels ? NULL : make_labels(runs, n);
    const char *const *labels = o->labels ? o->labels : (const char *const *)own;
    size_t nm, nd;
    const char **names = metric_union(runs, n, &nm);
    flat *fl = asim_calloc(n, sizeof *fl);
    for (size_t i = 0; i < n; i++)
        asim_flatten(&fl[i], runs[i].settings, "");
    const char **diff = settings_diff(fl, n, &nd);
    print_table(o->table ? o->table : stdout, runs, labels, n, names, nm, fl, diff, nd);
    if ((rc = asim_mkdirs(out_dir, err)) == ASIM_OK) {
        char *csv = asim_path_join(out_dir, "compare.csv");
        rc = write_compare_csv(csv, runs, labels, n, names, nm, fl, diff, nd, err);
        asim_free(csv);
    }
    if (rc == ASIM_OK && !o->no_figure) {
        char *base = asim_path_join(out_dir, "compare");
        char sub[300] = "";
        size_t k = 0;
        for (size_t i = 1; i < n; i++)
            if (runs[i].seed != runs[0].seed) {
                k = (size_t)snprintf(sub, sizeof sub, "runs differ in: seed");
                break;
            }
        /* Whole names only: when they do not all fit on the line, the count
         * of the rest (compare.csv has a column for each). */
        size_t j = 0;
        for (; j < nd && k + strlen(diff[j]) + 2 < 170; j++)
            k += (size_t)snprintf(sub + k, sizeof sub - k, "%s%s", k ? ", " : "runs differ in: ", diff[j]);
        if (j < nd)
            snprintf(sub + k, sizeof sub - k, "%s%zu more setting%s (see compare.csv)", k ? " and " : "runs differ in ",
                     nd - j, nd - j == 1 ? "" : "s");
        rc = asim_plot_compare(runs, labels, n, o->formats ? o->formats : ASIM_FMT_PNG | ASIM_FMT_SVG,
                               sub, base, err);
        asim_free(base);
    }
    asim_free(diff);
    for (size_t i = 0; i < n; i++)
        asim_flat_free(&fl[i]);
    asim_free(fl);
    asim_free(names);
    for (size_t i = 0; own && i < n; i++)
        asim_free(own[i]);
    asim_free(own);
    for (size_t i = 0; i < n; i++)
        asim_rundir_free(&runs[i]);
    asim_free(runs);
    return rc;
}

int asim_compare_dirs(const char *const *dirs, size_t n, const char *out_dir, asim_err *err)
{
    return asim_compare_dirs_opts(dirs, n, out_dir, NULL, err);
}
