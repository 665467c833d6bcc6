/* figures.c -- the data behind the dashboard, timeline and compare figures
 * (see figures.h; drawing is in the scripts/ directory).
 *
 * Conventions of the data files written here (whitespace-separated, "NaN"
 * for a missing value, so gnuplot leaves a gap):
 *   ts.dat       x offered arrivals/s completions/s failed/s lat_mean p50 p95 p99 metric
 *                (one row per second, or per bucket of `bucket` seconds
 *                averaged, when the run is longer than MAX_POINTS seconds)
 *   rep.dat      x ready desired running: step-shaped (two rows per change),
 *                so `with lines` draws exact steps and filledcurves can shade
 *                between desired and ready
 *   checks.dat   x metric class decision: class 0 within, 1 above the
 *                scale-up threshold, 2 below scale-down, 3 no data;
 *                decision +1 scale_up, -1 scale_down, 0 other
 *   insts.dat    one gnuplot index per instance: x response_time request_count rate1m up
 *                (blank line where the instance was not scraped)
 *   ma.dat       x avg(avg_over_time(response_time[30s])) on the scrape grid
 *   health.dat   x_center row half_width up: one box per stretch of equal state
 * x is time in the figure's unit (s, min or h; chosen from the duration).
 * Spans (scaling actions, alerts) and scalars go to vars.gp as gnuplot
 * arrays and variables. */
#include "sim/report/figures.h"
#include "sim/report/figures_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/engine/timefmt.h"
#include "sim/report/plot.h"
#include "sim/engine/output.h"

#define MAX_POINTS 1500        /* per series: enough for any screen, keeps SVGs small */
#define MA_WINDOW 30.0         /* s, the seed's Grafana "30-second moving average" */
#define RATE_WINDOW 60.0       /* s, rate(webapp_total_requests[1m]) */

tscale asim_fig_time_scale(const asim_rundir *r)
{
    tscale s;
    s.dur = asim_rundir_setting_num(r, "duration", NAN);
    if (!(s.dur > 0)) {
        int c = asim_table_col(&r->ts, "time");
        s.dur = r->ts.nrow ? asim_table_num(&r->ts, r->ts.nrow - 1, c) + 1 : 1;
    }
    if (s.dur <= 1200) {
        s.div = 1;
        s.unit = "s";
    } else if (s.dur <= 4 * 3600) {
        s.div = 60;
        s.unit = "min";
    } else {
        s.div = 3600;
        s.unit = "h";
    }
    return s;
}

void asim_fig_put_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, " %.6g", v);
    else
        fputs(" NaN", f);
}

static void fmt_g(char *buf, size_t len, double v)
{
    if (isnan(v))
        snprintf(buf, len, "?");
    else
        snprintf(buf, len, "%g", v);
}

/* ------------------------------------------------------------------ */
/* wall-clock time axis                                                  */

#define DEFAULT_START "2024-01-15T10:00:00Z"   /* settings_core.c's default */

/* Does the run have an absolute start worth showing (doc/plots.md)?  A
 * trace replay (its traffic happened at real instants), or a start_time the
 * user set.  *t0 / *tz: the start in Unix seconds and its UTC offset. */
static int wall_start(const asim_rundir *r, int64_t *t0, int *tz)
{
    const char *st = asim_rundir_setting_str(r, "start_time", DEFAULT_START);
    const char *tp = asim_rundir_setting_str(r, "trace.path", "");
    const cJSON *trs = cJSON_GetObjectItemCaseSensitive(r->settings, "traces");
    int replay = tp[0] || cJSON_GetArraySize(trs) > 0;
    asim_instant in;
    if (!(replay || strcmp(st, DEFAULT_START) != 0) || asim_rfc3339_parse(st, strlen(st), 0, &in) != 0)
        return 0;
    *t0 = in.sec;
    *tz = in.tz;
    return 1;
}

/* RFC 3339 of whole second t (Unix) in zone tz, without the ".000". */
static void rfc3339_s(int64_t t, int tz, char *buf, size_t len)
{
    asim_rfc3339_format(t * INT64_C(1000000000), tz, buf, len);
    char *dot = strchr(buf, '.');
    if (dot)
        memmove(dot, dot + 4, strlen(dot + 4) + 1);
}

/* Tick positions (x units) and RFC 3339 labels for a wall-clock axis, as
 * gnuplot arrays <name>_pos / <name>_lab, n_<name>: fewer than maxticks
 * ticks, on whole steps of local time (1 s ... 1 week). */
static void wall_ticks(asim_gp *g, const char *name, const tscale *sc, int64_t t0, int tz, int maxticks)
{
    static const int64_t steps[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
                                    21600, 43200, 86400, 172800, 604800};
    int64_t step = steps[ASIM_ARRAY_LEN(steps) - 1];
    for (size_t i = 0; i < ASIM_ARRAY_LEN(steps); i++)
        if (sc->dur / (double)steps[i] < (double)maxticks) {
            step = steps[i];
            break;
        }
    int64_t local0 = t0 + tz, rem = ((local0 % step) + step) % step;
    int64_t first = rem ? local0 + step - rem : local0;
    FILE *v = asim_gp_vars(g);
    size_t n = 0;
    for (int64_t t = first; (double)(t - local0) <= sc->dur + 1e-9; t += step)
        n++;
    fprintf(v, "n_%s = %zu\narray %s_pos[%zu]\narray %s_lab[%zu]\n", name, n, name, n ? n : 1, name, n ? n : 1);
    size_t k = 0;
    for (int64_t t = first; (double)(t - local0) <= sc->dur + 1e-9; t += step) {
        char lab[48], nm[64];
        rfc3339_s(t - tz, tz, lab, sizeof lab);
        k++;
        fprintf(v, "%s_pos[%zu] = %.10g\n", name, k, (double)(t - local0) / sc->div);
        snprintf(nm, sizeof nm, "%s_lab[%zu]", name, k);
        asim_gp_set_str(g, nm, lab);
    }
}

/* wall, xlab and the tick arrays the scripts use: xt (wide panels, fewer
 * than wide_ticks) and xtn (narrow dashboard panels, at most 2).  r NULL:
 * time since start. */
static void time_axis_vars(asim_gp *g, const asim_rundir *r, const tscale *sc, int wide_ticks)
{
    int64_t t0 = 0;
    int tz = 0;
    char lab[160];
    int wall = r && wall_start(r, &t0, &tz);
    asim_gp_set_num(g, "wall", wall);
    if (wall) {
        char st[48];
        rfc3339_s(t0, tz, st, sizeof st);
        snprintf(lab, sizeof lab, "wall-clock time, RFC 3339 (the run starts %s)", st);
        wall_ticks(g, "xt", sc, t0, tz, wide_ticks);
        wall_ticks(g, "xtn", sc, t0, tz, 3);
    } else {
        snprintf(lab, sizeof lab, "time since start (%s)", sc->unit);
        fputs("n_xt = 0\narray xt_pos[1]\narray xt_lab[1]\nn_xtn = 0\narray xtn_pos[1]\narray xtn_lab[1]\n",
              asim_gp_vars(g));
    }
    asim_gp_set_str(g, "xlab", lab);
}

/* The scaler metric's unit, from Prometheus's naming convention (the base
 * unit is the name's suffix: webapp_response_time_seconds): seconds when the
 * query reads a *_seconds series without turning it into a rate or a count;
 * else the query's own value (no unit can be claimed).  Used as a y label. */
static const char *query_label(const char *q)
{
    static const char *const not_seconds[] = {"rate(", "increase(", "deriv(", "_count", "_total", "count(",
                                              "count_over_time(", "changes(", "resets("};
    if (!strstr(q, "_seconds"))
        return "metric (query value)";
    for (size_t i = 0; i < ASIM_ARRAY_LEN(not_seconds); i++)
        if (strstr(q, not_seconds[i]) && !strstr(q, "histogram_quantile("))
            return "metric (query value)";
    return "metric (s)";
}

/* The log-scale rule for latency panels (doc/plots.md): a log axis when the
 * largest positive value is more than LOG_RATIO times the median of the
 * positive values (at least 10 of them): one burst would otherwise flatten
 * everything else against the floor. */
#define LOG_RATIO 20.0

typedef struct posvals {
    double *v;
    size_t n, cap;
} posvals;

static void posvals_add(posvals *p, double x)
{
    if (!(x > 0) || !isfinite(x))
        return;
    ASIM_GROW(p->v, p->cap, p->n + 1, 256);
    p->v[p->n++] = x;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* 1 for a log axis by the rule above; *floor gets a lower bound for it
 * (the smallest positive value, or NaN).  Frees p's values. */
static int posvals_log(posvals *p, double *floor_v)
{
    int lg = 0;
    *floor_v = NAN;
    if (p->n >= 10) {
        qsort(p->v, p->n, sizeof *p->v, cmp_double);
        double med = p->v[p->n / 2], mx = p->v[p->n - 1];
        lg = mx > LOG_RATIO * med;
        *floor_v = p->v[0];
    }
    asim_free(p->v);
    p->v = NULL;
    p->n = p->cap = 0;
    return lg;
}

/* Latency columns of the timeseries (p50, p95, p99) into p. */
static void posvals_ts(posvals *p, const asim_rundir *r, const char *const *cols, size_t ncols)
{
    for (size_t k = 0; k < ncols; k++) {
        int c = asim_table_col(&r->ts, cols[k]);
        for (size_t i = 0; c >= 0 && i < r->ts.nrow; i++)
            posvals_add(p, asim_table_num(&r->ts, i, c));
    }
}

void asim_fig_policy_text(const asim_rundir *r, char *buf, size_t len)
{
    const char *pol = asim_rundir_setting_str(r, "scaler.policy", "threshold");
    char up[32], down[32], cu[32], cd[32], mn[32], mx[32], ci[32];
    fmt_g(up, sizeof up, asim_rundir_setting_num(r, "scaler.scale_up_threshold", NAN));
    fmt_g(down, sizeof down, asim_rundir_setting_num(r, "scaler.scale_down_threshold", NAN));
    fmt_g(cu, sizeof cu, asim_rundir_setting_num(r, "scaler.scale_up_cooldown", NAN));
    fmt_g(cd, sizeof cd, asim_rundir_setting_num(r, "scaler.scale_down_cooldown", NAN));
    fmt_g(mn, sizeof mn, asim_rundir_setting_num(r, "scaler.min_replicas", NAN));
    fmt_g(mx, sizeof mx, asim_rundir_setting_num(r, "scaler.max_replicas", NAN));
    fmt_g(ci, sizeof ci, asim_rundir_setting_num(r, "scaler.check_interval", NAN));
    double bu = asim_rundir_setting_num(r, "scaler.scale_up_breaches", NAN);
    double bd = asim_rundir_setting_num(r, "scaler.scale_down_breaches", NAN);
    int n = snprintf(buf, len, "%s policy: up > %s for %g check%s, down < %s for %g | cooldown %s s / %s s"
                     " | %s-%s replicas | check every %s s", pol, up, bu, bu == 1 ? "" : "s", down, bd,
                     cu, cd, mn, mx, ci);
    /* A policy with its own settings (settings.policies.<name>) lists them too. */
    const cJSON *pols = cJSON_GetObjectItemCaseSensitive(r->settings, "policies");
    const cJSON *mine = pols ? cJSON_GetObjectItemCaseSensitive(pols, pol) : NULL;
    const cJSON *it;
    cJSON_ArrayForEach(it, mine) {
        if (n < 0 || (size_t)n >= len)
            break;
        if (cJSON_IsNumber(it))
            n += snprintf(buf + n, len - (size_t)n, " | %s %g", it->string, it->valuedouble);
        else if (cJSON_IsString(it))
            n += snprintf(buf + n, len - (size_t)n, " | %s %s", it->string, it->valuestring);
    }
}

/* ------------------------------------------------------------------ */
/* timeseries-based files                                               */

size_t asim_fig_ts_bucket(const asim_rundir *r)
{
    size_t b = (r->ts.nrow + MAX_POINTS - 1) / MAX_POINTS;
    return b ? b : 1;
}

void asim_fig_write_ts(FILE *f, const asim_rundir *r, const tscale *sc, size_t bucket)
{
    static const char *const names[] = {"offered_rate", "arrivals", "completions", "rejections",
                                        "timeouts", "latency_mean", "latency_p50", "latency_p95",
                                        "latency_p99", "metric"};
    enum { NC = 10 };
    const asim_table *t = &r->ts;
    int ct = asim_table_col(t, "time");
    int col[NC];
    for (int k = 0; k < NC; k++)
        col[k] = asim_table_col(t, names[k]);
    for (size_t i = 0; i < t->nrow; i += bucket) {
        size_t end = i + bucket < t->nrow ? i + bucket : t->nrow;
        double sum[NC] = {0};
        size_t cnt[NC] = {0};
        for (size_t j = i; j < end; j++)
            for (int k = 0; k < NC; k++) {
                double v = asim_table_num(t, j, col[k]);
                if (!isnan(v)) {
                    sum[k] += v;
                    cnt[k]++;
                }
            }
        double m[NC];
        for (int k = 0; k < NC; k++)
            m[k] = cnt[k] ? sum[k] / (double)cnt[k] : NAN;
        double x = asim_table_num(t, i, ct) + (bucket > 1 ? (double)(end - i) / 2 : 0);
        fprintf(f, "%.6g", x / sc->div);
        asim_fig_put_num(f, m[0]);
        asim_fig_put_num(f, m[1]);
        asim_fig_put_num(f, m[2]);
        /* failed/s: rejections + timeouts (either may be absent: count as 0) */
        asim_fig_put_num(f, (cnt[3] ? m[3] : 0) + (cnt[4] ? m[4] : 0));
        for (int k = 5; k < NC; k++)
            asim_fig_put_num(f, m[k]);
        fputc('\n', f);
    }
}

void asim_fig_write_rep(FILE *f, const asim_rundir *r, const tscale *sc)
{
    const asim_table *t = &r->ts;
    int ct = asim_table_col(t, "time"), cr = asim_table_col(t, "replicas_ready");
    int cdz = asim_table_col(t, "desired_replicas"), cs = asim_table_col(t, "replicas_starting");
    double pr = NAN, pd = NAN, ps = NAN;
    for (size_t i = 0; i < t->nrow; i++) {
        double x = asim_table_num(t, i, ct) / sc->div;
        double rd = asim_table_num(t, i, cr), de = asim_table_num(t, i, cdz);
        double st = asim_table_num(t, i, cs);
        double run = rd + (isnan(st) ? 0 : st);
        if (i > 0 && rd == pr && de == pd && run == ps)
            continue;
        if (i > 0)
            fprintf(f, "%.6g %.6g %.6g %.6g\n", x, pr, pd, ps);
        fprintf(f, "%.6g %.6g %.6g %.6g\n", x, rd, de, run);
        pr = rd;
        pd = de;
        ps = run;
    }
    if (t->nrow)
        fprintf(f, "%.6g %.6g %.6g %.6g\n", sc->dur / sc->div, pr, pd, ps);
}

/* ------------------------------------------------------------------ */
/* events: checks and scaling actions                                   */

typedef struct span {
    double x0, x1;
    int a, b;                  /* actions: from, to replicas; alerts: row, state */
} span;

typedef struct spans {
    span *v;
    size_t n, cap;
} spans;

static void spans_add(spans *s, double x0, double x1, int a, int b)
{
    ASIM_GROW(s->v, s->cap, s->n + 1, 16);
    s->v[s->n++] = (span){x0, x1, a, b};
}

static int decision_code(const char *d)
{
    if (strcmp(d, "scale_up") == 0) return 1;
    if (strcmp(d, "scale_down") == 0) return -1;
    return 0;
}

/* checks.dat; returns the largest metric seen (NaN if none) and the
 * smallest positive one in *minpos. */
static double write_checks(FILE *f, const asim_rundir *r, const tscale *sc, double up, double down,
                           double *minpos)
{
    const asim_table *e = &r->events;
    int ct = asim_table_col(e, "time"), ck = asim_table_col(e, "kind");
    int cm = asim_table_col(e, "metric"), cdz = asim_table_col(e, "decision");
    double mx = NAN;
    *minpos = NAN;
    for (size_t i = 0; i < e->nrow; i++) {
        if (strcmp(asim_table_txt(e, i, ck), "check") != 0)
            continue;
        double m = asim_table_num(e, i, cm);
        int cls = isnan(m) ? 3 : m > up ? 1 : m < down ? 2 : 0;
        fprintf(f, "%.6g", asim_table_num(e, i, ct) / sc->div);
        asim_fig_put_num(f, m);
        fprintf(f, " %d %d\n", cls, decision_code(asim_table_txt(e, i, cdz)));
        if (!isnan(m)) {
            if (isnan(mx) || m > mx) mx = m;
            if (m > 0 && (isnan(*minpos) || m < *minpos)) *minpos = m;
        }
    }
    return mx;
}

static void collect_actions(const asim_rundir *r, const tscale *sc, spans *out)
{
    const asim_table *e = &r->events;
    int ct = asim_table_col(e, "time"), ck = asim_table_col(e, "kind");
    int cr = asim_table_col(e, "replicas"), cdz = asim_table_col(e, "desired");
    int open = 0, from = 0, to = 0;
    double x0 = 0;
    for (size_t i = 0; i < e->nrow; i++) {
        const char *k = asim_table_txt(e, i, ck);
        double t = asim_table_num(e, i, ct);
        if (strcmp(k, "actuation_start") == 0) {
            if (open)
                spans_add(out, x0, t / sc->div, from, to);
            open = 1;
            x0 = t / sc->div;
            from = (int)asim_table_num(e, i, cr);
            to = (int)asim_table_num(e, i, cdz);
        } else if (strcmp(k, "actuation_end") == 0 && open) {
            spans_add(out, x0, t / sc->div, from, to);
            open = 0;
        }
    }
    if (open)
        spans_add(out, x0, sc->dur / sc->div, from, to);
}

/* Alert spans, one row per alert name (instances of a per-instance alert
 * share the row).  State 1 pending, 2 firing.  Names go into names[]
 * (pointers into the table), *nnames rows. */
static void collect_alerts(const asim_rundir *r, const tscale *sc, spans *out, const char ***names,
                           size_t *nnames)
{
    const asim_table *a = &r->alerts;
    int ct = asim_table_col(a, "time"), ca = asim_table_col(a, "alert");
    int cl = asim_table_col(a, "labels"), cs = asim_table_col(a, "state");
    /* Open spans per (alert, labels) series: index of the row where it started. */
    size_t n = a->nrow;
    double *start = asim_malloc((n ? n : 1) * sizeof *start);
    int *state = asim_calloc(n ? n : 1, sizeof *state);
    const char **nm = asim_malloc((n ? n : 1) * sizeof *nm);
    size_t nn = 0;
    for (size_t i = 0; i < n; i++) {
        const char *alert = asim_table_txt(a, i, ca), *labels = asim_table_txt(a, i, cl);
        const char *st = asim_table_txt(a, i, cs);
        double t = asim_table_num(a, i, ct) / sc->div;
        /* the series' first row is its key */
        size_t key = i;
        for (size_t j = 0; j < i; j++)
            if (strcmp(asim_table_txt(a, j, ca), alert) == 0 && strcmp(asim_table_txt(a, j, cl), labels) == 0) {
                key = j;
                break;
            }
        size_t row = nn;
        for (size_t k = 0; k < nn; k++)
            if (strcmp(nm[k], alert) == 0)
                row = k;
        int ns = strcmp(st, "pending") == 0 ? 1 : strcmp(st, "firing") == 0 ? 2 : 0;
        if (row == nn && ns)
            nm[nn++] = alert;
        if (state[key] && state[key] != ns)
            spans_add(out, start[key], t, (int)row, state[key]);
        if (state[key] != ns)
            start[key] = t;
        state[key] = ns;
    }
    for (size_t i = 0; i < n; i++)
        if (state[i]) {
            size_t row = 0;
            for (size_t k = 0; k < nn; k++)
                if (strcmp(nm[k], asim_table_txt(a, i, ca)) == 0)
                    row = k;
            spans_add(out, start[i], sc->dur / sc->div, (int)row, state[i]);
        }
    asim_free(start);
    asim_free(state);
    *names = nm;
    *nnames = nn;
}

static void vars_spans(FILE *v, const char *prefix, const spans *s)
{
    fprintf(v, "n_%s = %zu\n", prefix, s->n);
    if (!s->n)
        return;
    static const char *const fld[] = {"x0", "x1", "a", "b"};
    for (int k = 0; k < 4; k++) {
        fprintf(v, "array %s_%s[%zu]\n", prefix, fld[k], s->n);
        for (size_t i = 0; i < s->n; i++) {
            double val = k == 0 ? s->v[i].x0 : k == 1 ? s->v[i].x1 : k == 2 ? s->v[i].a : s->v[i].b;
            fprintf(v, "%s_%s[%zu] = %.6g\n", prefix, fld[k], i + 1, val);
        }
    }
}

/* A gnuplot array of names; names longer than maxlen bytes are cut (at a
 * UTF-8 character boundary) and end in "...", so tick labels and keys fit
 * the space the scripts give them (0: no limit). */
void asim_fig_vars_names(asim_gp *g, const char *array, const char *const *names, size_t n, size_t maxlen)
{
    FILE *v = asim_gp_vars(g);
    fprintf(v, "n_%s = %zu\n", array, n);
    if (!n) {          /* the scripts name the array even when they iterate over none (short runs) */
        fprintf(v, "array %s[1]\n%s[1] = ''\n", array, array);
        return;
    }
    fprintf(v, "array %s[%zu]\n", array, n);
    for (size_t i = 0; i < n; i++) {
        char nm[64], buf[256];
        snprintf(nm, sizeof nm, "%s[%zu]", array, i + 1);
        snprintf(buf, sizeof buf, "%s", names[i]);
        size_t len = strlen(buf);
        if (maxlen && len > maxlen && maxlen + 3 < sizeof buf) {
            size_t cut = maxlen - 3;
            while (cut > 0 && ((unsigned char)buf[cut] & 0xC0) == 0x80)
                cut--;
            memcpy(buf + cut, "...", 4);
        }
        asim_gp_set_str(g, nm, buf);
    }
}

/* Title lines and the shared scalars of both figures. */
static void common_vars(asim_gp *g, const asim_rundir *r, const tscale *sc)
{
    char buf[1024], pol[400], rep[600];
    if (asim_rundir_replays_text(r, 1, rep, sizeof rep))      /* say what it replays */
        snprintf(buf, sizeof buf, "%s  (seed %.0f)  replays %s", r->scenario, r->seed, rep);
    else
        snprintf(buf, sizeof buf, "%s  (seed %.0f)", r->scenario, r->seed);
    asim_gp_set_str(g, "t_run", buf);
    asim_fig_policy_text(r, pol, sizeof pol);
    asim_gp_set_str(g, "t_policy", pol);
    asim_gp_set_str(g, "tunit", sc->unit);
    asim_gp_set_num(g, "tmax", sc->dur / sc->div);
    time_axis_vars(g, r, sc, 5);
    asim_gp_set_num(g, "up_thr", asim_rundir_setting_num(r, "scaler.scale_up_threshold", NAN));
    asim_gp_set_num(g, "down_thr", asim_rundir_setting_num(r, "scaler.scale_down_threshold", NAN));
    asim_gp_set_num(g, "min_rep", asim_rundir_setting_num(r, "scaler.min_replicas", NAN));
    asim_gp_set_num(g, "max_rep", asim_rundir_setting_num(r, "scaler.max_replicas", NAN));
    asim_gp_set_num(g, "slo", asim_rundir_setting_num(r, "slo.latency", 0.6));
    double failed = asim_rundir_metric(r, "rejected") + asim_rundir_metric(r, "timeouts");
    asim_gp_set_num(g, "has_fail", !(failed == 0));     /* unknown (NaN) counts as possible */
    size_t b = asim_fig_ts_bucket(r);
    asim_gp_set_num(g, "bucket", (double)b);
    buf[0] = '\0';
    if (b > 1)
        snprintf(buf, sizeof buf, "  (means over %zu s)", b);
    asim_gp_set_str(g, "t_bucket", buf);
}

/* ------------------------------------------------------------------ */
/* scrapes: per-instance series                                         */

typedef struct inst {
    const char *name;          /* points into the scrapes table */
    size_t *rows;              /* rows of this instance, in time order */
    size_t n, cap;
} inst;

typedef struct insts {
    inst *v;
    size_t n;
} insts;

static void insts_build(const asim_rundir *r, insts *out)
{
    const asim_table *s = &r->scrapes;
    int ci = asim_table_col(s, "instance");
    out->v = NULL;
    out->n = 0;
    for (size_t i = 0; i < s->nrow; i++) {
        const char *name = asim_table_txt(s, i, ci);
        size_t k;
        for (k = 0; k < out->n; k++)
            if (strcmp(out->v[k].name, name) == 0)
                break;
        if (k == out->n) {
            out->v = asim_realloc(out->v, (out->n + 1) * sizeof *out->v);
            out->v[k] = (inst){name, NULL, 0, 0};
            out->n++;
        }
        inst *in = &out->v[k];
        ASIM_GROW(in->rows, in->cap, in->n + 1, 64);
        in->rows[in->n++] = i;
    }
}

static void insts_free(insts *s)
{
    for (size_t k = 0; k < s->n; k++)
        asim_free(s->v[k].rows);
    asim_free(s->v);
}

/* rate(total_requests[1m]) at sample j of an instance: counter increase
 * over the samples in (t-60, t] divided by their time span (counter resets
 * handled as Prometheus does; no extrapolation to the window edges). */
static double rate_at(const asim_table *s, const inst *in, size_t j, int ct, int ctot)
{
    double t = asim_table_num(s, in->rows[j], ct);
    size_t lo = j;
    while (lo > 0 && asim_table_num(s, in->rows[lo - 1], ct) > t - RATE_WINDOW)
        lo--;
    double inc = 0, prev = NAN, t0 = NAN, t1 = NAN;
    for (size_t k = lo; k <= j; k++) {
        double v = asim_table_num(s, in->rows[k], ctot);
        if (isnan(v))
            continue;
        double tk = asim_table_num(s, in->rows[k], ct);
        if (isnan(prev)) {
            t0 = tk;
        } else {
            inc += v >= prev ? v - prev : v;
        }
        prev = v;
        t1 = tk;
    }
    return t1 > t0 ? inc / (t1 - t0) : NAN;
}

static void write_insts(FILE *f, const asim_rundir *r, const insts *is, const tscale *sc, double si)
{
    const asim_table *s = &r->scrapes;
    int ct = asim_table_col(s, "time"), cu = asim_table_col(s, "up");
    int crt = asim_table_col(s, "response_time"), crc = asim_table_col(s, "request_count");
    int ctot = asim_table_col(s, "total_requests");
    /* Bucket width (s) when an instance has more samples than MAX_POINTS. */
    double w = sc->dur / si > MAX_POINTS ? ceil(sc->dur / MAX_POINTS) : 0;
    for (size_t k = 0; k < is->n; k++) {
        const inst *in = &is->v[k];
        if (k > 0)
            fputs("\n\n", f);
        fprintf(f, "# %s\n", in->name);
        double prev_t = NAN, acc[4] = {0}, bt = NAN;
        size_t cnt[4] = {0};
        long cur_b = -1;
        for (size_t j = 0; j < in->n; j++) {
            size_t row = in->rows[j];
            double t = asim_table_num(s, row, ct);
            double v[4] = {asim_table_num(s, row, crt), asim_table_num(s, row, crc),
                           rate_at(s, in, j, ct, ctot), asim_table_num(s, row, cu)};
            int gap = !isnan(prev_t) && t - prev_t > 2.5 * si;
            long b = w > 0 ? (long)floor(t / w) : (long)j;
            if ((gap || b != cur_b) && cur_b >= 0) {
                fprintf(f, "%.6g", bt / sc->div);
                for (int c = 0; c < 4; c++)
                    asim_fig_put_num(f, cnt[c] ? acc[c] / (double)cnt[c] : NAN);
                fputc('\n', f);
                memset(acc, 0, sizeof acc);
                memset(cnt, 0, sizeof cnt);
            }
            if (gap)
                fputc('\n', f);
            if (b != cur_b || gap)
                bt = w > 0 ? (double)b * w + w / 2 : t;
            cur_b = b;
            for (int c = 0; c < 4; c++)
                if (!isnan(v[c])) {
                    acc[c] += v[c];
                    cnt[c]++;
                }
            prev_t = t;
        }
        if (cur_b >= 0) {
            fprintf(f, "%.6g", bt / sc->div);
            for (int c = 0; c < 4; c++)
                asim_fig_put_num(f, cnt[c] ? acc[c] / (double)cnt[c] : NAN);
            fputc('\n', f);
        }
    }
}

/* avg(avg_over_time(response_time[30s])) on a grid; returns the last value
 * and the peak (and its time) through the pointers. */
static void write_ma(FILE *f, const asim_rundir *r, const insts *is, const tscale *sc, double si,
                     double *last, double *peak, double *peak_t)
{
    const asim_table *s = &r->scrapes;
    int ct = asim_table_col(s, "time"), crt = asim_table_col(s, "response_time");
    double step = si;
    if (sc->dur / step > MAX_POINTS)
        step = ceil(sc->dur / MAX_POINTS);
    size_t *lo = asim_calloc(is->n ? is->n : 1, sizeof *lo), *hi = asim_calloc(is->n ? is->n : 1, sizeof *hi);
    double *sum = asim_calloc(is->n ? is->n : 1, sizeof *sum);
    size_t *cnt = asim_calloc(is->n ? is->n : 1, sizeof *cnt);
    *last = *peak = *peak_t = NAN;
    for (double t = step; t <= sc->dur + 1e-9; t += step) {
        double tot = 0;
        size_t ninst = 0;
        for (size_t k = 0; k < is->n; k++) {
            const inst *in = &is->v[k];
            while (hi[k] < in->n && asim_table_num(s, in->rows[hi[k]], ct) <= t) {
                double v = asim_table_num(s, in->rows[hi[k]], crt);
                if (!isnan(v)) {
                    sum[k] += v;
                    cnt[k]++;
                }
                hi[k]++;
            }
            while (lo[k] < hi[k] && asim_table_num(s, in->rows[lo[k]], ct) <= t - MA_WINDOW) {
                double v = asim_table_num(s, in->rows[lo[k]], crt);
                if (!isnan(v)) {
                    sum[k] -= v;
                    cnt[k]--;
                }
                lo[k]++;
            }
            if (cnt[k]) {
                tot += sum[k] / (double)cnt[k];
                ninst++;
            }
        }
        double v = ninst ? tot / (double)ninst : NAN;
        fprintf(f, "%.6g", t / sc->div);
        asim_fig_put_num(f, v);
        fputc('\n', f);
        *last = v;
        if (!isnan(v) && (isnan(*peak) || v > *peak)) {
            *peak = v;
            *peak_t = t;
        }
    }
    asim_free(lo);
    asim_free(hi);
    asim_free(sum);
    asim_free(cnt);
}

static void write_health(FILE *f, const asim_rundir *r, const insts *is, const tscale *sc, double si)
{
    const asim_table *s = &r->scrapes;
    int ct = asim_table_col(s, "time"), cu = asim_table_col(s, "up");
    for (size_t k = 0; k < is->n; k++) {
        const inst *in = &is->v[k];
        double x0 = NAN, x1 = NAN;
        int st = -1;
        for (size_t j = 0; j <= in->n; j++) {
            double t = j < in->n ? asim_table_num(s, in->rows[j], ct) : NAN;
            int u = j < in->n ? asim_table_num(s, in->rows[j], cu) > 0.5 : -1;
            int contiguous = j < in->n && !isnan(x1) && t - x1 <= 1.5 * si + 1e-9;
            /* a stretch ends at a state change, a gap, or the end */
            if (st >= 0 && (!contiguous || u != st)) {
                double end = contiguous ? t : x1;
                fprintf(f, "%.6g %zu %.6g %d\n", (x0 + end) / 2 / sc->div, k + 1, (end - x0) / 2 / sc->div, st);
                st = -1;
            }
            if (j == in->n)
                break;
            if (st < 0) {
                st = u;
                x0 = t;
            }
            x1 = t + si < sc->dur ? t + si : sc->dur;
        }
    }
}

/* ------------------------------------------------------------------ */

static char *out_base(const char *out_dir, const char *name)
{
    return asim_path_join(out_dir, name);
}

/* scr.dat: one line per scrape, "time row status" with row the instance's
 * index (1-based, as inst[]) and status 1 up, 0 timed out (in-band scrape
 * stuck in the replica's queue), -1 down (container not ready).  The
 * timeline draws it as up-per-replica, failed scrapes marked. */
static void write_scrape_status(FILE *f, const asim_rundir *r, const insts *is, const tscale *sc)
{
    const asim_table *s = &r->scrapes;
    int ct = asim_table_col(s, "time"), cu = asim_table_col(s, "up");
    int ce = asim_table_col(s, "error");                /* in-band runs only */
    for (size_t k = 0; k < is->n; k++) {
        const inst *in = &is->v[k];
        for (size_t j = 0; j < in->n; j++) {
            size_t row = in->rows[j];
            int st = asim_table_num(s, row, cu) == 1 ? 1 : -1;
            if (st < 0 && ce >= 0 && strcmp(asim_table_txt(s, row, ce), "timeout") == 0)
                st = 0;
            fprintf(f, "%.6g %zu %d\n", asim_table_num(s, row, ct) / sc->div, k + 1, st);
        }
    }
}

static int timeline_data(asim_gp *g, const asim_rundir *r, const tscale *sc, asim_err *err)
{
    FILE *v = asim_gp_vars(g);
    double up = asim_rundir_setting_num(r, "scaler.scale_up_threshold", NAN);
    double down = asim_rundir_setting_num(r, "scaler.scale_down_threshold", NAN);
    FILE *f = asim_gp_data(g, "checks.dat", err);
    if (!f)
        return ASIM_ERUNTIME;
    double minpos, mmax = write_checks(f, r, sc, up, down, &minpos);
    /* A log axis when the metric ran far above the thresholds, or they
     * would be squashed onto the floor of a linear axis. */
    int mlog = !isnan(mmax) && up > 0 && down > 0 && mmax > 8 * up;
    double floor_v = down > 0 ? down / 4 : 0;
    if (mlog && !isnan(minpos) && minpos < floor_v)
        floor_v = minpos;
    asim_gp_set_num(g, "m_log", mlog);
    asim_gp_set_num(g, "m_floor", mlog ? floor_v : 0);
    asim_gp_set_num(g, "m_max", mmax);
    asim_gp_set_str(g, "m_query", asim_rundir_setting_str(r, "scaler.query", "metric"));
    asim_gp_set_str(g, "m_label", query_label(asim_rundir_setting_str(r, "scaler.query", "")));

    spans act = {0}, al = {0};
    collect_actions(r, sc, &act);
    vars_spans(v, "act", &act);
    const char **names;
    size_t nn;
    collect_alerts(r, sc, &al, &names, &nn);
    asim_fig_vars_names(g, "alert_name", names, nn, 22);
    vars_spans(v, "al", &al);
    asim_free(names);
    asim_free(act.v);
    asim_free(al.v);
    return ASIM_OK;
}

static int dashboard_data(asim_gp *g, const asim_rundir *r, const tscale *sc, asim_err *err)
{
    double si = asim_rundir_setting_num(r, "prometheus.scrape_interval", 5);
    if (!(si > 0))
        si = 5;
    insts is;
    insts_build(r, &is);
    const char **names = asim_malloc((is.n ? is.n : 1) * sizeof *names);
    for (size_t k = 0; k < is.n; k++)
        names[k] = is.v[k].name;
    asim_fig_vars_names(g, "inst", names, is.n, 24);
    asim_free(names);
    int rc = ASIM_OK;
    FILE *f;
    if (!(f = asim_gp_data(g, "insts.dat", err))) {
        rc = ASIM_ERUNTIME;
        goto out;
    }
    write_insts(f, r, &is, sc, si);
    if (!(f = asim_gp_data(g, "ma.dat", err))) {
        rc = ASIM_ERUNTIME;
        goto out;
    }
    double last, peak, peak_t;
    write_ma(f, r, &is, sc, si, &last, &peak, &peak_t);
    asim_gp_set_num(g, "g_now", last);
    asim_gp_set_num(g, "g_peak", peak);
    asim_gp_set_num(g, "g_peak_t", peak_t / sc->div);
    if (!(f = asim_gp_data(g, "health.dat", err))) {
        rc = ASIM_ERUNTIME;
        goto out;
    }
    write_health(f, r, &is, sc, si);
    if (!(f = asim_gp_data(g, "scr.dat", err))) {
        rc = ASIM_ERUNTIME;
        goto out;
    }
    write_scrape_status(f, r, &is, sc);

    const asim_table *t = &r->ts;
    int cr = asim_table_col(t, "replicas_ready");
    double now = t->nrow ? asim_table_num(t, t->nrow - 1, cr) : NAN, mx = NAN;
    for (size_t i = 0; i < t->nrow; i++) {
        double v = asim_table_num(t, i, cr);
        if (!isnan(v) && (isnan(mx) || v > mx))
            mx = v;
    }
    /* Log axes for the two latency panels, by the max/median rule. */
    posvals pv = {0};
    double fl;
    int crt = asim_table_col(&r->scrapes, "response_time");
    for (size_t i = 0; crt >= 0 && i < r->scrapes.nrow; i++)
        posvals_add(&pv, asim_table_num(&r->scrapes, i, crt));
    int lg = posvals_log(&pv, &fl);
    asim_gp_set_num(g, "rt_log", lg);
    asim_gp_set_num(g, "rt_floor", lg ? fl / 2 : 0);
    static const char *const pct[] = {"latency_p50", "latency_p95", "latency_p99"};
    posvals_ts(&pv, r, pct, ASIM_ARRAY_LEN(pct));
    lg = posvals_log(&pv, &fl);
    asim_gp_set_num(g, "pct_log", lg);
    asim_gp_set_num(g, "pct_floor", lg ? fl / 2 : 0);
    asim_gp_set_num(g, "r_now", now);
    asim_gp_set_num(g, "r_max", mx);
    asim_gp_set_num(g, "r_mean", asim_rundir_metric(r, "mean_replicas"));
out:
    insts_free(&is);
    return rc;
}

int asim_plot_rundir(const asim_rundir *r, unsigned figures, unsigned formats,
                     const char *out_dir, asim_err *err)
{
    char *gp_dash = NULL, *gp_time = NULL, *gp_hosts = NULL;
    if ((figures & ASIM_FIG_DASHBOARD) && !(gp_dash = asim_plot_script("dashboard.gp", err)))
        return ASIM_ERUNTIME;
    if ((figures & ASIM_FIG_TIMELINE) && !(gp_time = asim_plot_script("timeline.gp", err))) {
        asim_free(gp_dash);
        return ASIM_ERUNTIME;
    }
    char *gnuplot = asim_gnuplot_find();
    if (!gnuplot) {
        asim_free(gp_dash);
        asim_free(gp_time);
        return asim_err_set(err, ASIM_EINPUT, "%s", ASIM_GNUPLOT_HINT);
    }
    asim_free(gnuplot);
    tscale sc = asim_fig_time_scale(r);
    int rc = ASIM_OK;
    asim_gp *g = asim_gp_create(err);
    if (!g) {
        rc = ASIM_ERUNTIME;
        goto out;
    }
    common_vars(g, r, &sc);
    FILE *f;
    if (!(f = asim_gp_data(g, "ts.dat", err))) {
        rc = ASIM_ERUNTIME;
        goto out;
    }
    asim_fig_write_ts(f, r, &sc, asim_fig_ts_bucket(r));
    if (!(f = asim_gp_data(g, "rep.dat", err))) {
        rc = ASIM_ERUNTIME;
        goto out;
    }
    asim_fig_write_rep(f, r, &sc);
    if ((rc = timeline_data(g, r, &sc, err)))
        goto out;
    if ((rc = dashboard_data(g, r, &sc, err)))
        goto out;
    if (gp_dash) {
        char *b = out_base(out_dir, "dashboard");
        asim_gp_render(g, gp_dash, b, formats);
        asim_free(b);
    }
    if (gp_time) {
        char *b = out_base(out_dir, "timeline");
        asim_gp_render(g, gp_time, b, formats);
        asim_free(b);
        /* runs on shared hosts: hosts.png beside the timeline */
        int hosts = asim_fig_hosts_data(g, r, &sc, err);
        if (hosts < 0) {
            rc = -hosts;
            goto out;
        }
        if (hosts && !(gp_hosts = asim_plot_script("hosts.gp", err))) {
            rc = ASIM_ERUNTIME;
            goto out;
        }
        if (gp_hosts) {
            b = out_base(out_dir, "hosts");
            asim_gp_render(g, gp_hosts, b, formats);
            asim_free(b);
        }
    }
    rc = asim_gp_run(g, err);
out:
    asim_gp_destroy(g);
    asim_free(gp_dash);
    asim_free(gp_time);
    asim_free(gp_hosts);
    return rc;
}

int asim_plot_run(const char *dir, unsigned figures, unsigned formats, const char *out_dir,
                  asim_err *err)
{
    asim_rundir r;
    int rc = asim_rundir_load(&r, dir, ASIM_FIG_RUNDIR_FILES, err);
    if (rc)
        return rc;
    rc = asim_plot_rundir(&r, figures, formats, out_dir ? out_dir : r.dir, err);
    /* a run with more services: each one's figures in services/NAME/ */
    const cJSON *svcs = cJSON_GetObjectItemCaseSensitive(r.settings, "services");
    const cJSON *sv;
    cJSON_ArrayForEach(sv, svcs) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(sv, "name");
        if (rc || !cJSON_IsString(nm)) continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/services/%s", r.dir, nm->valuestring);
        char *o = out_dir ? asim_malloc(strlen(out_dir) + strlen(nm->valuestring) + 16) : NULL;
        if (o) sprintf(o, "%s/services/%s", out_dir, nm->valuestring);
        if (o) rc = asim_mkdirs(o, err);
        if (rc == 0) rc = asim_plot_run(sub, figures, formats, o, err);
        asim_free(o);
    }
    asim_rundir_free(&r);
    return rc;
}

/* ------------------------------------------------------------------ */
/* compare                                                              */

int asim_plot_compare(const asim_rundir *runs, const char *const *labels, size_t n,
                      unsigned formats, const char *subtitle, const char *out_base_path, asim_err *err)
{
    char *script = asim_plot_script("compare.gp", err);
    if (!script)
        return ASIM_ERUNTIME;
    char *gnuplot = asim_gnuplot_find();
    if (!gnuplot) {
        asim_free(script);
        return asim_err_set(err, ASIM_EINPUT, "%s", ASIM_GNUPLOT_HINT);
    }
    asim_free(gnuplot);
    /* One time scale for all: the longest run decides. */
    tscale sc = asim_fig_time_scale(&runs[0]);
    for (size_t i = 1; i < n; i++) {
        tscale s = asim_fig_time_scale(&runs[i]);
        if (s.dur > sc.dur)
            sc = s;
    }
    int rc = ASIM_OK;
    asim_gp *g = asim_gp_create(err);
    if (!g) {
        asim_free(script);
        return ASIM_ERUNTIME;
    }
    asim_gp_set_str(g, "tunit", sc.unit);
    asim_gp_set_num(g, "tmax", sc.dur / sc.div);
    /* Wall-clock ticks only when every run starts at the same instant. */
    int64_t w0 = 0, wi = 0;
    int z0 = 0, zi = 0, same_start = n > 0 && wall_start(&runs[0], &w0, &z0);
    for (size_t i = 1; i < n && same_start; i++)
        same_start = wall_start(&runs[i], &wi, &zi) && wi == w0;
    time_axis_vars(g, same_start ? &runs[0] : NULL, &sc, 5);
    /* Run names are never cut: the figure widens for the longest (in
     * characters, not bytes). */
    asim_fig_vars_names(g, "run", labels, n, 0);
    size_t key_chars = 0;
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        for (const unsigned char *p = (const unsigned char *)labels[i]; *p; p++)
            c += (*p & 0xC0) != 0x80;
        if (c > key_chars)
            key_chars = c;
    }
    asim_gp_set_num(g, "key_chars", (double)key_chars);
    FILE *v = asim_gp_vars(g);
    /* Per-run thresholds, and whether they all agree (drawn once then). */
    fprintf(v, "array up_thr[%zu]\narray down_thr[%zu]\n", n ? n : 1, n ? n : 1);
    int same = 1;
    double mmax = NAN, up0 = NAN;
    for (size_t i = 0; i < n; i++) {
        double up = asim_rundir_setting_num(&runs[i], "scaler.scale_up_threshold", NAN);
        double down = asim_rundir_setting_num(&runs[i], "scaler.scale_down_threshold", NAN);
        fprintf(v, "up_thr[%zu] = %.10g\ndown_thr[%zu] = %.10g\n", i + 1, up, i + 1, down);
        if (i == 0)
            up0 = up;
        else if (up != up0 || down != asim_rundir_setting_num(&runs[0], "scaler.scale_down_threshold", NAN))
            same = 0;
        int cm = asim_table_col(&runs[i].ts, "metric");
        for (size_t j = 0; j < runs[i].ts.nrow; j++) {
            double m = asim_table_num(&runs[i].ts, j, cm);
            if (!isnan(m) && (isnan(mmax) || m > mmax))
                mmax = m;
        }
    }
    asim_gp_set_num(g, "thr_same", same);
    /* SLO lines on the p95 panel (once when every run has the same SLO), its
     * log rule, and the metric's unit when every run's query has the same. */
    fprintf(v, "array slo[%zu]\n", n ? n : 1);
    int slo_same = 1;
    const char *mlab = n ? query_label(asim_rundir_setting_str(&runs[0], "scaler.query", "")) : "metric";
    posvals pv = {0};
    static const char *const p95[] = {"latency_p95"};
    for (size_t i = 0; i < n; i++) {
        double sl = asim_rundir_setting_num(&runs[i], "slo.latency", 0.6);
        fprintf(v, "slo[%zu] = %.10g\n", i + 1, sl);
        slo_same &= sl == asim_rundir_setting_num(&runs[0], "slo.latency", 0.6);
        if (strcmp(query_label(asim_rundir_setting_str(&runs[i], "scaler.query", "")), mlab) != 0)
            mlab = "metric (query value)";
        posvals_ts(&pv, &runs[i], p95, 1);
    }
    double fl;
    int lg = posvals_log(&pv, &fl);
    asim_gp_set_num(g, "slo_same", slo_same);
    asim_gp_set_num(g, "p95_log", lg);
    asim_gp_set_num(g, "p95_floor", lg ? fl / 2 : 0);
    asim_gp_set_str(g, "m_label", mlab);
    double down0 = n ? asim_rundir_setting_num(&runs[0], "scaler.scale_down_threshold", NAN) : NAN;
    int mlog = !isnan(mmax) && up0 > 0 && mmax > 8 * up0;
    asim_gp_set_num(g, "m_log", mlog);
    asim_gp_set_num(g, "m_floor", mlog ? (down0 > 0 ? down0 / 4 : up0 / 10) : 0);
    char title[600];
    int k = snprintf(title, sizeof title, "%s", n ? runs[0].scenario : "");
    for (size_t i = 1; i < n && k > 0 && (size_t)k < sizeof title; i++)
        if (strcmp(runs[i].scenario, runs[0].scenario) != 0) {
            k = snprintf(title, sizeof title, "%zu runs", n);
            break;
        }
    asim_gp_set_str(g, "t_run", title);
    asim_gp_set_str(g, "t_sub", subtitle ? subtitle : "");
    for (size_t i = 0; i < n && rc == ASIM_OK; i++) {
        char name[32];
        snprintf(name, sizeof name, "ts_%zu.dat", i + 1);
        FILE *f = asim_gp_data(g, name, err);
        if (!f) {
            rc = ASIM_ERUNTIME;
            break;
        }
        asim_fig_write_ts(f, &runs[i], &sc, asim_fig_ts_bucket(&runs[i]));
        snprintf(name, sizeof name, "rep_%zu.dat", i + 1);
        if (!(f = asim_gp_data(g, name, err))) {
            rc = ASIM_ERUNTIME;
            break;
        }
        tscale si = sc;
        si.dur = asim_fig_time_scale(&runs[i]).dur;
        asim_fig_write_rep(f, &runs[i], &si);
    }
    if (rc == ASIM_OK) {
        asim_gp_render(g, script, out_base_path, formats);
        rc = asim_gp_run(g, err);
    }
    asim_gp_destroy(g);
    asim_free(script);
    return rc;
}
