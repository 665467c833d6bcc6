/* report_page.c -- a run's report: report.html and report.md (see
 * report.h; metric presentation and compare are in report.c).
 *
 * Everything the HTML shows is escaped on the way out (scenario names and
 * descriptions come from user files).  The figures are gnuplot's SVG,
 * inlined after dropping the XML prolog and prefixing every id (and the
 * references to it) so two figures in one page never share an id.  The page
 * references nothing outside itself: no scripts, fonts, images or styles
 * from anywhere (links to the run's CSV files are plain relative links). */
#include "sim/report/report.h"
#include "sim/report/report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sim/config/settings.h"
#include "sim/report/figures.h"
#include "sim/engine/output.h"
#include "sim/report/plot.h"
#include "sim/report/rundir.h"
#include "sim/engine/timefmt.h"

/* ------------------------------------------------------------------ */
/* report: HTML helpers                                                 */

static void html_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Markdown table cell: pipes escaped, newlines flattened, and <, >, &
 * written as entities, so user text never becomes raw HTML in a renderer. */
static void md_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|') fputs("\\|", f);
        else if (*s == '\n' || *s == '\r') fputc(' ', f);
        else if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else fputc(*s, f);
    }
}

/* Markdown prose from user files (names, descriptions): as md_esc, and
 * every other character Markdown gives a meaning to is backslash-escaped,
 * so a name cannot make links, images, emphasis or headings. */
static void md_text(FILE *f, const char *s)
{
    if (*s && strchr("#+-=", *s))          /* would start a heading or a list */
        fputc('\\', f);
    for (; *s; s++) {
        if (strchr("\\`*_[]!~", *s) && *s)
            fputc('\\', f);
        char c[2] = {*s, 0};
        md_esc(f, c);
    }
}

/* Inside a `code span`: HTML is already literal there; only the backquote
 * (which would end the span), pipes and newlines need care. */
static void md_code(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '`') fputc('\'', f);
        else if (*s == '|') fputs("\\|", f);
        else if (*s == '\n' || *s == '\r') fputc(' ', f);
        else fputc(*s, f);
    }
}

/* The run's settings that differ from the defaults (or that the defaults do
 * not have), as flattened paths; name, description and seed are left out
 * (the report's header shows them).  run/def are filled for the values and
 * freed by the caller (flat_free); the returned array points into run. */
static const char **settings_changed(const asim_rundir *r, flat *run, flat *def, size_t *count)
{
    asim_config c;
    asim_config_defaults(&c);
    cJSON *dj = asim_config_to_json(&c);
    asim_config_free(&c);
    memset(run, 0, sizeof *run);
    memset(def, 0, sizeof *def);
    asim_flatten(run, r->settings, "");
    asim_flatten(def, dj, "");
    cJSON_Delete(dj);
    const char **out = asim_malloc((run->n ? run->n : 1) * sizeof *out);
    size_t k = 0;
    for (size_t i = 0; i < run->n; i++) {
        const char *p = run->path[i];
        if (strcmp(p, "name") == 0 || strcmp(p, "description") == 0 || strcmp(p, "seed") == 0)
            continue;
        const char *d = asim_flat_get(def, p);
        if (!d || strcmp(d, run->val[i]) != 0)
            out[k++] = p;
    }
    *count = k;
    return out;
}

/* One table row of code cells, in HTML or Markdown: how a row opens, how
 * cells are separated, how it closes, how a cell's text is escaped. */
typedef struct cell_style {
    const char *open, *sep, *close;
    void (*esc)(FILE *f, const char *s);
} cell_style;

static const cell_style html_cells = {
    "<tr><td><code>", "</code></td><td><code>", "</code></td></tr>\n", html_esc
};
static const cell_style md_cells = { "| `", "` | `", "` |\n", md_code };

/* The rows of the settings that differ: setting, its value, its default. */
static void changed_rows(FILE *f, const char **ch, size_t nch, const flat *run, const flat *def,
                         const cell_style *st)
{
    for (size_t i = 0; i < nch; i++) {
        const char *d = asim_flat_get(def, ch[i]);
        fputs(st->open, f);
        st->esc(f, ch[i]);
        fputs(st->sep, f);
        st->esc(f, asim_flat_get(run, ch[i]));
        fputs(st->sep, f);
        st->esc(f, d ? d : "(none)");
        fputs(st->close, f);
    }
}

/* gnuplot's SVG, inlined: from "<svg" on, with ids and references to them
 * prefixed by `pfx`. */
static int inline_svg(FILE *out, const char *path, const char *pfx)
{
    char *svg;
    if (asim_read_file(path, &svg, NULL) != 0)
        return -1;
    const char *p = strstr(svg, "<svg");
    if (!p) {
        asim_free(svg);
        return -1;
    }
    static const char *const pats[] = {"id=\"", "id='", "href=\"#", "href='#", "url(#"};
    while (*p) {
        size_t k, best = (size_t)-1;
        const char *hit = NULL;
        for (k = 0; k < ASIM_ARRAY_LEN(pats); k++) {
            const char *h = strstr(p, pats[k]);
            if (h && (!hit || h < hit)) {
                hit = h;
                best = k;
            }
        }
        if (!hit) {
            fputs(p, out);
            break;
        }
        /* "id=" must start an attribute, not end e.g. "grid=" */
        size_t plen = strlen(pats[best]);
        fwrite(p, 1, (size_t)(hit - p) + plen, out);
        if (best > 1 || hit == svg || hit[-1] == ' ' || hit[-1] == '\n' || hit[-1] == '\t')
            fputs(pfx, out);
        p = hit + plen;
    }
    asim_free(svg);
    return 0;
}

/* Wall-clock of simulated second t from settings.start_time, in the start
 * time's own UTC offset; "" when it cannot be parsed. */
static void clock_of(const asim_rundir *r, double t, char *buf, size_t len)
{
    const char *st = asim_rundir_setting_str(r, "start_time", "");
    asim_instant in;
    buf[0] = '\0';
    if (asim_rfc3339_parse(st, strlen(st), 0, &in) != 0 || isnan(t))
        return;
    asim_civil c;
    asim_civil_from_unix(in.sec + in.tz + (int64_t)floor(t), &c);
    snprintf(buf, len, "%02d:%02d:%02d", c.hour, c.min, c.sec);
}

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "margin:0;color:#1d2329;background:#fff;line-height:1.45}"
    "main{max-width:1200px;margin:0 auto;padding:24px 28px 60px}"
    "h1{font-size:1.7em;margin:0 0 4px}h2{font-size:1.3em;margin:34px 0 10px;border-bottom:1px solid #e3e6ea;"
    "padding-bottom:4px}"
    ".sub{color:#555;margin:0 0 4px}.desc{color:#333;max-width:900px}"
    ".cards{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0}"
    ".card{border:1px solid #e3e6ea;border-radius:8px;padding:10px 14px;min-width:140px;background:#fafbfc}"
    ".card .v{font-size:1.45em;font-weight:600}.card .k{color:#555;font-size:.85em}"
    "figure{margin:10px 0 24px}figure svg{width:100%;height:auto;display:block;border:1px solid #eef0f2}"
    "figcaption{color:#555;font-size:.9em;margin-top:4px}"
    "table{border-collapse:collapse;font-size:.92em;margin:8px 0}"
    "th,td{border-bottom:1px solid #e9ecef;padding:4px 10px;text-align:left;vertical-align:top}"
    "th{background:#f3f5f7}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "tr.up td{background:#fff4e8}tr.down td{background:#eef5fc}"
    "pre{background:#f6f8fa;border:1px solid #e3e6ea;padding:10px;overflow:auto;font-size:.85em}"
    "details summary{cursor:pointer;color:#1f5f99}.note{color:#8a5a00;background:#fff8e6;"
    "border:1px solid #f0d9a0;padding:8px 12px;border-radius:6px}"
    "footer{color:#777;font-size:.85em;margin-top:40px}";

static void card(FILE *f, const asim_rundir *r, const char *metric, const char *label)
{
    char buf[64];
    asim_metric_format(metric, asim_rundir_metric(r, metric), buf, sizeof buf);
    fputs("<div class=\"card\"><div class=\"v\">", f);
    html_esc(f, buf);
    fputs("</div><div class=\"k\">", f);
    html_esc(f, label);
    fputs("</div></div>\n", f);
}

static int is_scaling_row(const asim_table *e, size_t i, int ck, int cd)
{
    const char *k = asim_table_txt(e, i, ck);
    if (strcmp(k, "check") != 0)
        return 1;                               /* actuation start / end */
    const char *d = asim_table_txt(e, i, cd);
    return strcmp(d, "scale_up") == 0 || strcmp(d, "scale_down") == 0 || strcmp(d, "at_max") == 0;
}

#define EVENTS_ALL_MAX 5000   /* rows in the collapsed "all events" table */

static void html_events(FILE *f, const asim_rundir *r, int all)
{
    const asim_table *e = &r->events;
    int ct = asim_table_col(e, "time"), ck = asim_table_col(e, "kind"), cm = asim_table_col(e, "metric");
    int crep = asim_table_col(e, "replicas"), cd = asim_table_col(e, "decision");
    int cdes = asim_table_col(e, "desired"), crs = asim_table_col(e, "reason");
    fputs("<table><thead><tr><th>t (s)</th><th>clock</th><th>event</th><th>metric</th><th>replicas</th>"
          "<th>desired</th><th>reason</th></tr></thead><tbody>\n", f);
    size_t shown = 0;
    for (size_t i = 0; i < e->nrow; i++) {
        if (!all && !is_scaling_row(e, i, ck, cd))
            continue;
        if (all && shown == EVENTS_ALL_MAX) {
            fprintf(f, "<tr><td colspan=\"7\">... %zu more rows in events.csv</td></tr>\n", e->nrow - i);
            break;
        }
        shown++;
        double t = asim_table_num(e, i, ct), rep = asim_table_num(e, i, crep);
        double des = asim_table_num(e, i, cdes);
        const char *k = asim_table_txt(e, i, ck), *d = asim_table_txt(e, i, cd);
        const char *cls = "";
        if (!isnan(rep) && !isnan(des) && des != rep)
            cls = des > rep ? " class=\"up\"" : " class=\"down\"";
        char clock[16], m[32], rs[32], ds[32];
        clock_of(r, t, clock, sizeof clock);
        double mv = asim_table_num(e, i, cm);
        snprintf(m, sizeof m, isnan(mv) ? "" : "%.4g", mv);
        snprintf(rs, sizeof rs, isnan(rep) ? "" : "%.0f", rep);
        snprintf(ds, sizeof ds, isnan(des) ? "" : "%.0f", des);
        fprintf(f, "<tr%s><td class=\"n\">%.3f</td><td>%s</td><td>", cls, t, clock);
        html_esc(f, strcmp(k, "check") == 0 ? d : k);
        fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td>", m, rs, ds);
        html_esc(f, asim_table_txt(e, i, crs));
        fputs("</td></tr>\n", f);
    }
    if (!shown)
        fputs("<tr><td colspan=\"7\">no scaling action</td></tr>\n", f);
    fputs("</tbody></table>\n", f);
}

static void html_alerts(FILE *f, const asim_rundir *r)
{
    const asim_table *a = &r->alerts;
    if (!a->nrow) {
        fputs("<p>No alert changed state.</p>\n", f);
        return;
    }
    int ct = asim_table_col(a, "time"), ca = asim_table_col(a, "alert"), cl = asim_table_col(a, "labels");
    int cs = asim_table_col(a, "state"), cv = asim_table_col(a, "value");
    fputs("<table><thead><tr><th>t (s)</th><th>clock</th><th>alert</th><th>state</th><th>value</th>"
          "<th>labels</th></tr></thead><tbody>\n", f);
    for (size_t i = 0; i < a->nrow && i < EVENTS_ALL_MAX; i++) {
        char clock[16];
        double t = asim_table_num(a, i, ct), v = asim_table_num(a, i, cv);
        clock_of(r, t, clock, sizeof clock);
        fprintf(f, "<tr><td class=\"n\">%.3f</td><td>%s</td><td>", t, clock);
        html_esc(f, asim_table_txt(a, i, ca));
        fputs("</td><td>", f);
        html_esc(f, asim_table_txt(a, i, cs));
        fprintf(f, "</td><td class=\"n\">%.4g</td><td><code>", v);
        html_esc(f, asim_table_txt(a, i, cl));
        fputs("</code></td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void html_metrics(FILE *f, const asim_rundir *r, int elastic)
{
    fputs("<table><thead><tr><th>metric</th><th>value</th><th>meaning</th></tr></thead><tbody>\n", f);
    const cJSON *it;
    cJSON_ArrayForEach(it, r->metrics) {
        int is_el = strncmp(it->string, "elastic_", 8) == 0;
        if (is_el != elastic)
            continue;
        char buf[64];
        asim_metric_format(it->string, cJSON_IsNumber(it) ? it->valuedouble : NAN, buf, sizeof buf);
        fputs("<tr><td><code>", f);
        html_esc(f, it->string);
        fputs("</code></td><td class=\"n\">", f);
        html_esc(f, buf);
        fputs("</td><td>", f);
        html_esc(f, asim_metric_desc(it->string));
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

/* The logged (real) and simulated latency side by side, when the run
 * replayed a trace that carries latencies (summary.json's trace_latency_*). */
static const char *const lat_stats[] = { "mean", "p50", "p95", "p99", "max" };

static int have_real_latency(const asim_rundir *r)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(r->metrics, "trace_latency_count");
    return cJSON_IsNumber(n) && n->valuedouble > 0;
}

static void lat_pair(const asim_rundir *r, const char *stat, char *real, char *sim, size_t len)
{
    char a[40], b[40];
    snprintf(a, sizeof a, "trace_latency_%s", stat);
    snprintf(b, sizeof b, "latency_%s", stat);
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(r->metrics, a);
    const cJSON *y = cJSON_GetObjectItemCaseSensitive(r->metrics, b);
    asim_metric_format(b, cJSON_IsNumber(x) ? x->valuedouble : NAN, real, len);
    asim_metric_format(b, cJSON_IsNumber(y) ? y->valuedouble : NAN, sim, len);
}

static double metric_num(const asim_rundir *r, const char *name)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(r->metrics, name);
    return cJSON_IsNumber(n) ? n->valuedouble : NAN;
}

/* The two distributions as paired horizontal bars (inline SVG, no gnuplot:
 * the report stays self-contained); one scale for both, in seconds. */
static void svg_latency_bars(FILE *f, const asim_rundir *r)
{
    static const char *const colour[2] = { "#1f77b4", "#ff7f0e" };
    static const char *const who[2] = { "trace_latency_", "latency_" };
    double top = 0;
    for (size_t i = 0; i < ASIM_ARRAY_LEN(lat_stats); i++)
        for (int k = 0; k < 2; k++) {
            char name[48];
            snprintf(name, sizeof name, "%s%s", who[k], lat_stats[i]);
            double v = metric_num(r, name);
            if (isfinite(v) && v > top) top = v;
        }
    if (!(top > 0)) return;
    const int left = 60, width = 420, row = 34, height = (int)ASIM_ARRAY_LEN(lat_stats) * row + 40;
    fprintf(f, "<figure id=\"fig-latency\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "font-family=\"sans-serif\" font-size=\"12\">\n", left + width + 90, height);
    for (size_t i = 0; i < ASIM_ARRAY_LEN(lat_stats); i++) {
        int y = 10 + (int)i * row;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 6, y + 17, lat_stats[i]);
        for (int k = 0; k < 2; k++) {
            char name[48];
            snprintf(name, sizeof name, "%s%s", who[k], lat_stats[i]);
            double v = metric_num(r, name);
            double w = isfinite(v) ? v / top * width : 0;
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"13\" fill=\"%s\"/>"
                    "<text x=\"%.1f\" y=\"%d\">%.4g s</text>\n", left, y + k * 14, w, colour[k],
                    left + w + 4, y + k * 14 + 11, v);
        }
    }
    int ly = height - 18;
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">logged (real)</text>"
            "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">simulated</text>\n",
            left, ly, colour[0], left + 16, ly + 10, left + 140, ly, colour[1], left + 156, ly + 10);
    fputs("</svg><figcaption>Latency of the replayed requests as the trace logged it, and of the simulated "
          "requests, on one scale (seconds).</figcaption></figure>\n", f);
}

static void html_latency_compare(FILE *f, const asim_rundir *r)
{
    if (!have_real_latency(r)) return;
    fputs("<h2>Real and simulated latency</h2>\n<p>Logged: the latency the trace recorded for the requests "
          "it replayed (nginx <code>$request_time</code>, Apache <code>%D</code>, JMeter <code>elapsed</code>, "
          "a load balancer's processing times). Simulated: every completed request of this run.</p>\n"
          "<table><thead><tr><th>statistic</th><th>logged (real)</th><th>simulated</th></tr></thead><tbody>\n", f);
    for (size_t i = 0; i < ASIM_ARRAY_LEN(lat_stats); i++) {
        char a[64], b[64];
        lat_pair(r, lat_stats[i], a, b, sizeof a);
        fprintf(f, "<tr><td>%s</td><td class=\"n\">", lat_stats[i]);
        html_esc(f, a);
        fputs("</td><td class=\"n\">", f);
        html_esc(f, b);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
    svg_latency_bars(f, r);
}

static void md_latency_compare(FILE *f, const asim_rundir *r)
{
    if (!have_real_latency(r)) return;
    fputs("\n## Real and simulated latency\n\nLogged: the latency the trace recorded for the requests it "
          "replayed. Simulated: every completed request of this run.\n\n"
          "| statistic | logged (real) | simulated |\n|---|---:|---:|\n", f);
    for (size_t i = 0; i < ASIM_ARRAY_LEN(lat_stats); i++) {
        char a[64], b[64];
        lat_pair(r, lat_stats[i], a, b, sizeof a);
        fprintf(f, "| %s | %s | %s |\n", lat_stats[i], a, b);
    }
}

/* dir/<name>.svg inlined as <figure id="fig-<id>">, the SVG's own ids
 * prefixed "<id>-" so figures of several services never share one. */
static void html_figure_in(FILE *f, const char *dir, const char *name, const char *id, const char *caption,
                           int have)
{
    fprintf(f, "<figure id=\"fig-%s\">\n", id);
    char file[64];
    snprintf(file, sizeof file, "%s.svg", name);
    char *p = asim_path_join(dir, file);
    char pfx[128];
    snprintf(pfx, sizeof pfx, "%s-", id);
    if (!have || inline_svg(f, p, pfx) != 0)
        fprintf(f, "<p class=\"note\">Figure %s.svg not available (gnuplot missing or failed).</p>\n", name);
    asim_free(p);
    fputs("<figcaption>", f);
    html_esc(f, caption);
    fputs("</figcaption></figure>\n", f);
}

static void html_figure(FILE *f, const char *out_dir, const char *name, const char *caption, int have)
{
    html_figure_in(f, out_dir, name, name, caption, have);
}

static const char cap_timeline[] =
    "Timeline. Top: offered load and throughput. Middle: the metric the scaler saw at each check against "
    "its thresholds (triangles: breaches; circles: checks that scaled). Then replicas desired vs ready, "
    "the shaded gap being start-up and playbook time. Bottom: alerts pending and firing. Shaded bands: "
    "scaling actions from playbook start to return.";
static const char cap_dashboard[] =
    "The seed's Grafana dashboard, offline: 30 s average response time (gauge, at the end of the run), "
    "active replicas, service health per instance, response time per instance with the 30 s moving "
    "average, percentiles, request count and rate per instance, replica count over time.";

static const char cap_hosts[] =
    "Hosts. Top: CPU utilisation of each host. Middle: runnable threads per host against its cores (above "
    "the dashed line every thread runs slower: processor sharing), with the ready replicas of every service "
    "on the right axis. Bottom: latency of the run's own service (p95, mean) and the p95 of each further "
    "service, against the SLO.";

/* What the report shows: the run's own service (the run directory's
 * files) and, for a run with `services`, each further one (services/NAME/,
 * loaded beside it); whether it ran on shared hosts (hosts.csv). */
typedef struct page {
    const asim_rundir *r;       /* the run's own service */
    const char *out_dir;        /* where report and figures go */
    int have_figs;              /* figures drawn (all services) */
    const char *fig_note;       /* why not, or "" */
    int hosts;                  /* the run has hosts.csv */
    size_t n;                   /* services in all: 1 for a single-service run */
    const char **name;          /* n names, [0] the run's own: letters, digits, '_', '-', '.' only
                                 * (validated with the settings), so safe in ids, text and paths */
    asim_rundir *svc;           /* n run directories, [0] unused (r) */
} page;

static const asim_rundir *page_run(const page *pg, size_t i)
{
    return i ? &pg->svc[i] : pg->r;
}

/* Where service i's files are, relative to the report ("" or
 * "services/NAME/"). */
static void page_rel(const page *pg, size_t i, char *buf, size_t len)
{
    if (i)
        snprintf(buf, len, "services/%s/", pg->name[i]);
    else
        buf[0] = '\0';
}

/* The key numbers of a service, in the services table and each section. */
static const struct { const char *metric, *label; } key_numbers[] = {
    {"requests", "requests"}, {"latency_mean", "mean latency"}, {"latency_p95", "p95 latency"},
    {"scale_ups", "scale-ups"}, {"scale_downs", "scale-downs"}, {"mean_replicas", "mean replicas"},
};

/* The key numbers as cards; with_mean: the mean latency too (a service's
 * section: every key number of the services table). */
static void html_cards(FILE *f, const asim_rundir *r, int with_mean)
{
    fputs("<div class=\"cards\">\n", f);
    card(f, r, "requests", "requests");
    if (with_mean)
        card(f, r, "latency_mean", "mean latency");
    card(f, r, "latency_p95", "p95 latency");
    card(f, r, "slo_violation_fraction", "requests violating the SLO");
    card(f, r, "error_ratio", "errors (rejected + timeouts)");
    card(f, r, "time_to_first_scale_up", "first scale-up at");
    card(f, r, "scale_ups", "scale-ups");
    card(f, r, "scale_downs", "scale-downs");
    card(f, r, "mean_replicas", "mean replicas");
    card(f, r, "cost", "cost");
    fputs("</div>\n", f);
}

static void html_fig_note(FILE *f, const char *note)
{
    if (!note || !*note)
        return;
    fputs("<p class=\"note\">", f);
    html_esc(f, note);
    fputs("</p>\n", f);
}

/* The scaling rows of a service's events.csv (at href), every check folded. */
static void html_scaling(FILE *f, const asim_rundir *r, const char *href)
{
    fputs("<p>Scaling decisions and actuations from <a href=\"", f);
    html_esc(f, href);
    fputs("\">", f);
    html_esc(f, href);
    fputs("</a> (orange: towards more replicas, blue: fewer).</p>\n", f);
    html_events(f, r, 0);
    fputs("<details><summary>All scaler checks</summary>\n", f);
    html_events(f, r, 1);
    fputs("</details>\n", f);
}

static void hosts_text(const page *pg, char *buf, size_t len)
{
    const asim_rundir *r = pg->r;
    snprintf(buf, len, "%g host(s) of %g cores, placement %s: every replica of %s is a container on them, "
             "and the CPU work of the requests shares a host's cores by processor sharing (doc/model.md, "
             "\"Shared hosts\").", asim_rundir_setting_num(r, "hosts.count", NAN),
             asim_rundir_setting_num(r, "hosts.cores", NAN), asim_rundir_setting_str(r, "hosts.placement", "?"),
             pg->n > 1 ? "every service" : "the service");
}

static const char *const host_metrics[] = {
    "host_cpu_utilisation_mean", "host_cpu_utilisation_max", "host_saturated_seconds", "cpu_throttled_periods",
};
static const char *const host_labels[] = {
    "mean host CPU utilisation", "peak host CPU (one second)", "host-seconds saturated", "CPU-throttled periods",
};

static void html_hosts(FILE *f, const page *pg)
{
    char txt[400];
    hosts_text(pg, txt, sizeof txt);
    fputs("<h2 id=\"hosts\">Hosts</h2>\n<p>", f);
    html_esc(f, txt);
    fputs(" Per host and second: <a href=\"hosts.csv\">hosts.csv</a>.</p>\n<div class=\"cards\">\n", f);
    for (size_t i = 0; i < ASIM_ARRAY_LEN(host_metrics); i++)
        card(f, pg->r, host_metrics[i], host_labels[i]);
    fputs("</div>\n", f);
    html_figure(f, pg->out_dir, "hosts", cap_hosts, pg->have_figs);
}

/* One service's section: key numbers, figures, scaling events; a further
 * service's alerts and summary metrics too (the run's own are the page's). */
static void html_service(FILE *f, const page *pg, size_t i)
{
    const asim_rundir *s = page_run(pg, i);
    char rel[128], pol[400], buf[200];
    page_rel(pg, i, rel, sizeof rel);
    asim_fig_policy_text(s, pol, sizeof pol);
    fprintf(f, "<section id=\"service-%s\">\n<h2>Service %s</h2>\n<p class=\"sub\">", pg->name[i], pg->name[i]);
    html_esc(f, pol);
    if (i)
        fprintf(f, "</p>\n<p class=\"sub\">Files: <a href=\"%ssummary.json\">%s</a>.</p>\n", rel, rel);
    else
        fputs("</p>\n<p class=\"sub\">Files: this run directory's own.</p>\n", f);
    html_cards(f, s, 1);
    char *dir = i ? asim_path_join(pg->out_dir, rel) : asim_strdup(pg->out_dir);
    snprintf(buf, sizeof buf, "svc-%s-timeline", pg->name[i]);
    html_figure_in(f, dir, "timeline", i ? buf : "timeline", cap_timeline, pg->have_figs);
    snprintf(buf, sizeof buf, "svc-%s-dashboard", pg->name[i]);
    html_figure_in(f, dir, "dashboard", i ? buf : "dashboard", cap_dashboard, pg->have_figs);
    asim_free(dir);
    fprintf(f, "<h3>Scaling events of %s</h3>\n", pg->name[i]);
    snprintf(buf, sizeof buf, "%sevents.csv", rel);
    html_scaling(f, s, buf);
    if (i && s->alerts.nrow) {
        fprintf(f, "<h3>Alerts of %s</h3>\n", pg->name[i]);
        html_alerts(f, s);
    }
    if (i) {
        fprintf(f, "<details><summary>All summary metrics of %s</summary>\n", pg->name[i]);
        html_metrics(f, s, 0);
        fputs("</details>\n", f);
    }
    fputs("</section>\n", f);
}

/* A run with services: the table of their key numbers, the hosts, then
 * one section per service. */
static void html_services(FILE *f, const page *pg)
{
    fprintf(f, "<h2 id=\"services\">Services</h2>\n<p>This run scales %zu services, each with its own "
            "replicas, Prometheus job and scaler; one section each below (the run's own service first, its "
            "files in this directory; each further one's in services/NAME/).</p>\n"
            "<table id=\"services-table\"><thead><tr><th>service</th>", pg->n);
    for (size_t k = 0; k < ASIM_ARRAY_LEN(key_numbers); k++)
        fprintf(f, "<th>%s</th>", key_numbers[k].label);
    fputs("</tr></thead><tbody>\n", f);
    for (size_t i = 0; i < pg->n; i++) {
        fprintf(f, "<tr><td><a href=\"#service-%s\">%s</a></td>", pg->name[i], pg->name[i]);
        for (size_t k = 0; k < ASIM_ARRAY_LEN(key_numbers); k++) {
            char buf[64];
            const char *m = key_numbers[k].metric;
            asim_metric_format(m, asim_rundir_metric(page_run(pg, i), m), buf, sizeof buf);
            fprintf(f, "<td class=\"n\">%s</td>", buf);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
    html_fig_note(f, pg->fig_note);
    if (pg->hosts)
        html_hosts(f, pg);
    for (size_t i = 0; i < pg->n; i++)
        html_service(f, pg, i);
}

static int write_html(const char *path, const page *pg, asim_err *err)
{
    const asim_rundir *r = pg->r;
    asim_afile a;
    int rc = asim_afile_open(&a, path, err);
    if (rc)
        return rc;
    FILE *f = a.f;
    char pol[400];
    asim_fig_policy_text(r, pol, sizeof pol);
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(r->summary, "version");
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
    html_esc(f, r->scenario);
    fprintf(f, " (seed %.0f): autoscale-sim report</title>\n<style>%s</style>\n</head><body><main>\n", r->seed, css);
    fputs("<h1>", f);
    html_esc(f, r->scenario);
    fprintf(f, " <span style=\"font-weight:normal;color:#666\">seed %.0f</span></h1>\n<p class=\"sub\">", r->seed);
    html_esc(f, pol);
    fputs("</p>\n", f);
    char rep[2048];
    if (asim_rundir_replays_text(r, 0, rep, sizeof rep)) {
        fputs("<p class=\"sub\">Replays ", f);
        html_esc(f, rep);
        fputs("</p>\n", f);
    }
    fputs("<p class=\"desc\">", f);
    html_esc(f, asim_rundir_setting_str(r, "description", ""));
    fprintf(f, "</p>\n<p class=\"sub\">Simulated %g s from %s; SLO latency %g s.</p>\n",
            asim_rundir_setting_num(r, "duration", NAN), asim_rundir_setting_str(r, "start_time", "?"),
            asim_rundir_setting_num(r, "slo.latency", NAN));

    if (pg->n > 1) {
        html_services(f, pg);       /* a section per service, the hosts first */
        html_latency_compare(f, r);
    } else {
        html_cards(f, r, 0);
        fputs("<h2>Figures</h2>\n", f);
        html_fig_note(f, pg->fig_note);
        html_figure(f, pg->out_dir, "timeline", cap_timeline, pg->have_figs);
        html_figure(f, pg->out_dir, "dashboard", cap_dashboard, pg->have_figs);
        if (pg->hosts)
            html_hosts(f, pg);
        html_latency_compare(f, r);
        fputs("<h2>Scaling events</h2>\n", f);
        html_scaling(f, r, "events.csv");
    }

    fputs("<h2>Alerts</h2>\n", f);
    html_alerts(f, r);

    fputs("<h2>Summary metrics</h2>\n", f);
    html_metrics(f, r, 0);
    fputs("<h2>Elasticity</h2>\n<p>After Herbst et al. (SPEC Research Group): supply is the number of ready "
          "replicas, demand the minimal number of replicas whose expected mean response time at the offered "
          "load meets the SLO latency (an M/G/c model of each replica; see doc/elasticity.md).</p>\n", f);
    html_metrics(f, r, 1);

    /* Only what differs from the defaults is shown; the full list folded. */
    flat run, def;
    size_t nch;
    const char **ch = settings_changed(r, &run, &def, &nch);
    fputs("<h2 id=\"settings\">Settings</h2>\n", f);
    if (nch) {
        fprintf(f, "<p>%zu setting%s differ%s from the defaults (<code>autoscale-sim settings</code> lists "
                "them all):</p>\n<table id=\"settings-changed\"><tr><th>setting</th><th>value</th>"
                "<th>default</th></tr>\n", nch, nch == 1 ? "" : "s", nch == 1 ? "s" : "");
        changed_rows(f, ch, nch, &run, &def, &html_cells);
        fputs("</table>\n", f);
    } else
        fputs("<p>Every setting has its default value.</p>\n", f);
    asim_free(ch);
    asim_flat_free(&run);
    asim_flat_free(&def);
    fputs("<details id=\"settings-all\"><summary>All settings (as in summary.json)</summary>\n<pre>", f);
    char *js = cJSON_Print(r->settings);
    if (js) {
        html_esc(f, js);
        cJSON_free(js);
    }
    fputs("</pre>\n</details>\n", f);
    fprintf(f, "<footer>Written by autoscale-sim %s from the files of this run directory: "
            "<a href=\"summary.json\">summary.json</a>, <a href=\"timeseries.csv\">timeseries.csv</a>, "
            "<a href=\"events.csv\">events.csv</a>, <a href=\"scrapes.csv\">scrapes.csv</a>, "
            "<a href=\"alerts.csv\">alerts.csv</a>, <a href=\"scaler.log\">scaler.log</a>.</footer>\n",
            cJSON_IsString(ver) ? ver->valuestring : "?");
    fputs("</main></body></html>\n", f);
    return asim_afile_commit(&a, err);
}

/* The scaling rows of events.csv as a Markdown table. */
static void md_events(FILE *f, const asim_rundir *r)
{
    fputs("| t (s) | clock | event | metric | replicas | desired | reason |\n"
          "|---:|---|---|---:|---:|---:|---|\n", f);
    const asim_table *e = &r->events;
    int ct = asim_table_col(e, "time"), ck = asim_table_col(e, "kind"), cm = asim_table_col(e, "metric");
    int crep = asim_table_col(e, "replicas"), cd = asim_table_col(e, "decision");
    int cdes = asim_table_col(e, "desired"), crs = asim_table_col(e, "reason");
    size_t shown = 0;
    for (size_t i = 0; i < e->nrow; i++) {
        if (!is_scaling_row(e, i, ck, cd))
            continue;
        char clock[16];
        double t = asim_table_num(e, i, ct), mv = asim_table_num(e, i, cm);
        double rep = asim_table_num(e, i, crep), des = asim_table_num(e, i, cdes);
        clock_of(r, t, clock, sizeof clock);
        const char *k = asim_table_txt(e, i, ck);
        fprintf(f, "| %.3f | %s | ", t, clock);
        md_esc(f, strcmp(k, "check") == 0 ? asim_table_txt(e, i, cd) : k);
        fputs(" | ", f);
        if (!isnan(mv)) fprintf(f, "%.4g", mv);
        fputs(" | ", f);
        if (!isnan(rep)) fprintf(f, "%.0f", rep);
        fputs(" | ", f);
        if (!isnan(des)) fprintf(f, "%.0f", des);
        fputs(" | ", f);
        md_esc(f, asim_table_txt(e, i, crs));
        fputs(" |\n", f);
        shown++;
    }
    if (!shown)
        fputs("| | | no scaling action | | | | |\n", f);
}

static void md_hosts(FILE *f, const page *pg)
{
    char txt[400], buf[64];
    hosts_text(pg, txt, sizeof txt);
    fputs("## Hosts\n\n", f);
    md_text(f, txt);
    fputs(" Per host and second: hosts.csv.\n\n| metric | value | meaning |\n|---|---:|---|\n", f);
    for (size_t i = 0; i < ASIM_ARRAY_LEN(host_metrics); i++) {
        asim_metric_format(host_metrics[i], asim_rundir_metric(pg->r, host_metrics[i]), buf, sizeof buf);
        fprintf(f, "| `%s` | %s | ", host_metrics[i], buf);
        md_esc(f, asim_metric_desc(host_metrics[i]));
        fputs(" |\n", f);
    }
    fputs(pg->have_figs ? "\n![Hosts](hosts.png)\n\n" : "\n", f);
}

static void md_services(FILE *f, const page *pg)
{
    char buf[64], rel[128], pol[400];
    fputs("## Services\n\n| service |", f);
    for (size_t k = 0; k < ASIM_ARRAY_LEN(key_numbers); k++)
        fprintf(f, " %s |", key_numbers[k].label);
    fputs("\n|---|", f);
    for (size_t k = 0; k < ASIM_ARRAY_LEN(key_numbers); k++)
        fputs("---:|", f);
    fputc('\n', f);
    for (size_t i = 0; i < pg->n; i++) {
        fprintf(f, "| %s |", pg->name[i]);
        for (size_t k = 0; k < ASIM_ARRAY_LEN(key_numbers); k++) {
            asim_metric_format(key_numbers[k].metric, asim_rundir_metric(page_run(pg, i), key_numbers[k].metric),
                               buf, sizeof buf);
            fprintf(f, " %s |", buf);
        }
        fputc('\n', f);
    }
    fputc('\n', f);
    if (!pg->have_figs)
        fputs("_Figures not available: gnuplot is not installed._\n\n", f);
    if (pg->hosts)
        md_hosts(f, pg);
    for (size_t i = 0; i < pg->n; i++) {
        const asim_rundir *s = page_run(pg, i);
        page_rel(pg, i, rel, sizeof rel);
        asim_fig_policy_text(s, pol, sizeof pol);
        fprintf(f, "%s## Service %s\n\n", i ? "\n" : "", pg->name[i]);
        md_text(f, pol);
        fprintf(f, "\n\nFiles: %s.\n\n", i ? rel : "this run directory's own");
        if (pg->have_figs)
            fprintf(f, "![Timeline of %s](%stimeline.png)\n\n![Dashboard of %s](%sdashboard.png)\n\n",
                    pg->name[i], rel, pg->name[i], rel);
        fprintf(f, "### Scaling events of %s\n\n", pg->name[i]);
        md_events(f, s);
    }
}

static int write_md(const char *path, const page *pg, asim_err *err)
{
    const asim_rundir *r = pg->r;
    asim_afile a;
    int rc = asim_afile_open(&a, path, err);
    if (rc)
        return rc;
    FILE *f = a.f;
    char pol[400], buf[64];
    asim_fig_policy_text(r, pol, sizeof pol);
    fputs("# ", f);
    md_text(f, r->scenario);
    fprintf(f, " (seed %.0f)\n\n", r->seed);
    md_text(f, pol);
    fputs("\n\n", f);
    char replays[2048];
    if (asim_rundir_replays_text(r, 0, replays, sizeof replays)) {
        fputs("Replays ", f);
        md_text(f, replays);
        fputs("\n\n", f);
    }
    const char *desc = asim_rundir_setting_str(r, "description", "");
    if (*desc) {
        md_text(f, desc);
        fputs("\n\n", f);
    }
    fprintf(f, "Simulated %g s from %s; SLO latency %g s.\n\n", asim_rundir_setting_num(r, "duration", NAN),
            asim_rundir_setting_str(r, "start_time", "?"), asim_rundir_setting_num(r, "slo.latency", NAN));
    if (pg->n > 1) {
        md_services(f, pg);
    } else {
        if (pg->have_figs)
            fputs("![Timeline](timeline.png)\n\n![Dashboard](dashboard.png)\n\n", f);
        else
            fputs("_Figures not available: gnuplot is not installed._\n\n", f);
        if (pg->hosts)
            md_hosts(f, pg);
        fputs("## Scaling events\n\n", f);
        md_events(f, r);
    }

    md_latency_compare(f, r);
    for (int el = 0; el <= 1; el++) {
        fputs(el ? "\n## Elasticity (Herbst et al., against the demanded supply; see doc/elasticity.md)\n\n"
                 : "\n## Summary metrics\n\n", f);
        fputs("| metric | value | meaning |\n|---|---:|---|\n", f);
        const cJSON *it;
        cJSON_ArrayForEach(it, r->metrics) {
            if ((strncmp(it->string, "elastic_", 8) == 0) != el)
                continue;
            asim_metric_format(it->string, cJSON_IsNumber(it) ? it->valuedouble : NAN, buf, sizeof buf);
            fputs("| `", f);
            md_code(f, it->string);
            fprintf(f, "` | %s | ", buf);
            md_esc(f, asim_metric_desc(it->string));
            fputs(" |\n", f);
        }
    }
    flat run, def;
    size_t nch;
    const char **ch = settings_changed(r, &run, &def, &nch);
    fputs("\n## Settings that differ from the defaults\n\n", f);
    if (nch) {
        fputs("| setting | value | default |\n|---|---|---|\n", f);
        changed_rows(f, ch, nch, &run, &def, &md_cells);
    } else
        fputs("Every setting has its default value.\n", f);
    asim_free(ch);
    asim_flat_free(&def);
    /* The full list as a table: user text (a query, a description) goes
     * through md_text, never raw into the page. */
    fputs("\n<details><summary>All settings</summary>\n\n| setting | value |\n|---|---|\n", f);
    for (size_t i = 0; i < run.n; i++) {
        fputs("| `", f);
        md_code(f, run.path[i]);
        fputs("` | ", f);
        md_text(f, run.val[i]);
        fputs(" |\n", f);
    }
    fputs("\n</details>\n", f);
    asim_flat_free(&run);
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(r->summary, "version");
    fprintf(f, "\n_Written by autoscale-sim %s; full settings in summary.json, every check in events.csv._\n",
            cJSON_IsString(ver) ? ver->valuestring : "?");
    return asim_afile_commit(&a, err);
}

/* The further services of the run (settings "services"), each loaded from
 * services/NAME/ of the run directory. */
static int page_load_services(page *pg, const char *dir, asim_err *err)
{
    const cJSON *svcs = cJSON_GetObjectItemCaseSensitive(pg->r->settings, "services");
    size_t n = 1 + (size_t)cJSON_GetArraySize(svcs);
    pg->name = asim_calloc(n, sizeof *pg->name);
    pg->svc = asim_calloc(n, sizeof *pg->svc);
    pg->name[0] = asim_rundir_setting_str(pg->r, "container.service_name", "webapp");
    pg->n = 1;
    const cJSON *sv;
    cJSON_ArrayForEach(sv, svcs) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(sv, "name");
        if (!cJSON_IsString(nm))
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/services/%s", dir, nm->valuestring);
        int rc = asim_rundir_load(&pg->svc[pg->n], sub, ASIM_RD_ALL, err);
        if (rc)
            return rc;
        pg->name[pg->n++] = nm->valuestring;
    }
    return ASIM_OK;
}

static void page_free(page *pg)
{
    for (size_t i = 1; i < pg->n; i++)
        asim_rundir_free(&pg->svc[i]);
    asim_free(pg->svc);
    asim_free(pg->name);
}

/* Every service's dashboard and timeline (each further service's in
 * out_dir/services/NAME/), and the hosts figure of a run on shared hosts
 * (drawn beside the run's own timeline). */
static int page_figures(const page *pg, asim_err *err)
{
    const unsigned figs = ASIM_FIG_DASHBOARD | ASIM_FIG_TIMELINE, fmts = ASIM_FMT_PNG | ASIM_FMT_SVG;
    int rc = asim_plot_rundir(pg->r, figs, fmts, pg->out_dir, err);
    for (size_t i = 1; i < pg->n && rc == ASIM_OK; i++) {
        char rel[128];
        page_rel(pg, i, rel, sizeof rel);
        char *dir = asim_path_join(pg->out_dir, rel);
        rc = asim_mkdirs(dir, err);
        if (rc == ASIM_OK)
            rc = asim_plot_rundir(&pg->svc[i], figs, fmts, dir, err);
        asim_free(dir);
    }
    return rc;
}

int asim_report_write(const char *dir, const char *out_dir, unsigned flags, asim_err *err)
{
    asim_rundir r;
    int rc = asim_rundir_load(&r, dir, ASIM_RD_ALL, err);
    if (rc)
        return rc;
    page pg = {.r = &r, .out_dir = out_dir ? out_dir : r.dir, .fig_note = ""};
    char *hosts_csv = asim_path_join(r.dir, "hosts.csv");
    pg.hosts = access(hosts_csv, F_OK) == 0;
    asim_free(hosts_csv);
    if ((rc = page_load_services(&pg, r.dir, err)) || (rc = asim_mkdirs(pg.out_dir, err))) {
        page_free(&pg);
        asim_rundir_free(&r);
        return rc;
    }
    int fig_rc = ASIM_OK;
    asim_err fig_err = {""};
    char note[700] = "";
    if (!(flags & ASIM_REPORT_NO_FIGURES)) {
        fig_rc = page_figures(&pg, &fig_err);
        pg.have_figs = fig_rc == ASIM_OK;
        if (!pg.have_figs)
            snprintf(note, sizeof note, "Figures could not be drawn: %s", fig_err.msg);
    }
    pg.fig_note = note;
    char *html = asim_path_join(pg.out_dir, "report.html");
    char *md = asim_path_join(pg.out_dir, "report.md");
    rc = write_html(html, &pg, err);
    if (rc == ASIM_OK)
        rc = write_md(md, &pg, err);
    asim_free(html);
    asim_free(md);
    page_free(&pg);
    asim_rundir_free(&r);
    if (rc == ASIM_OK && fig_rc != ASIM_OK) {
        *err = fig_err;
        rc = fig_rc;
    }
    return rc;
}
