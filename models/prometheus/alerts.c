/* alerts.c -- alerting rules with Prometheus 2.42's state machine (see
 * alerts.h for the semantics and semantics.md A5 for the sources).
 *
 * Invariants:
 *  - a rule's active alerts are kept sorted by key (the final label set in
 *    text form), so lookups are binary searches and CSV rows come out in a
 *    deterministic order (Prometheus iterates a map: its order is random);
 *  - an active alert is pending or firing; an alert that resolves or whose
 *    pending condition clears is deleted at once (Prometheus keeps resolved
 *    alerts 15 min for notifications, which changes no state here: a later
 *    result with the same labels starts a new pending alert either way);
 *  - per evaluation nothing is allocated unless an alert or an ALERTS series
 *    appears: keys are built in scratch buffers reused across calls. */
#include "models/prometheus/alerts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "models/promql/promql.h"
#include "models/prometheus/openmetrics.h"
#include "models/scenario/config.h"
#include "sim/engine/output.h"
#include "sim/engine/timefmt.h"

enum { ST_NEW, ST_PENDING, ST_FIRING };

/* A growable text buffer. */
typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_reserve(sbuf *b, size_t extra)
{
    ASIM_GROW(b->s, b->cap, b->n + extra + 1, 256);
}

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

static void sb_puts(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

/* A label value as Prometheus prints it inside "": \ " and newline escaped. */
static void sb_quoted(sbuf *b, const char *v)
{
    sb_putn(b, "\"", 1);
    for (const char *p = v; *p; p++) {
        if (*p == '\\') sb_putn(b, "\\\\", 2);
        else if (*p == '"') sb_putn(b, "\\\"", 2);
        else if (*p == '\n') sb_putn(b, "\\n", 2);
        else sb_putn(b, p, 1);
    }
    sb_putn(b, "\"", 1);
}

/* {a="x",b="y"}: labels.String() of Prometheus (pairs sorted by name). */
static void sb_labels(sbuf *b, const asim_label *l, size_t n)
{
    sb_putn(b, "{", 1);
    for (size_t i = 0; i < n; i++) {
        if (i) sb_putn(b, ",", 1);
        sb_puts(b, l[i].name);
        sb_putn(b, "=", 1);
        sb_quoted(b, l[i].value);
    }
    sb_putn(b, "}", 1);
}

typedef struct alert {
    char *key;                    /* final label set, text form */
    asim_label *labels;           /* owned copies, sorted by name */
    size_t nlabels;
    int state;
    int seen;                     /* in this evaluation's result */
    int64_t active_at, keep_since;    /* ms; keep_since -1: not being kept */
    double value;
    int sid_alerts[2];            /* ALERTS series for pending / firing, -1 until made */
    int sid_for;                  /* ALERTS_FOR_STATE series */
} alert;

typedef struct rule {
    char name[ASIM_ALERT_NAME_MAX];
    int group;                    /* rule group evaluating it; -1: the default group */
    size_t pos;                   /* its index in that group */
    char *expr;                   /* expanded */
    asim_promql *e;
    int64_t for_ms, keep_ms;
    asim_label *labels;           /* the rule's labels (point into cfg copy) */
    size_t nlabels;
    asim_alert_label_cfg cl[ASIM_ALERT_LABELS_MAX];
    alert **al;                   /* active, sorted by key */
    size_t nal, capal;
    asim_promql_result res;
    int64_t firing_since;         /* -1: none firing */
    int64_t firing_ms;
    long fired;
    int *written, *prev;          /* ALERTS series written this / last evaluation */
    size_t nwritten, nprev, capw;
} rule;

struct asim_alerts {
    rule *r;
    size_t n;
    int64_t lookback_ms;
    int64_t epoch_ms;
    int write_series;
    int timeline;
    long errors;
    /* scratch, reused across evaluations */
    sbuf keys;
    size_t *koff;
    const char **kptr;
    size_t capk;
    asim_label *merged;
    size_t capm;
};

/* ------------------------------------------------------------------ */
/* the default rules                                                    */

static const asim_alert_rule_cfg default_rules[] = {
    { .alert = "HighResponseTime",
      .expr = "avg(avg_over_time(webapp_response_time_seconds[30s])) > 0.5",
      .for_s = 10, .nlabels = 1, .labels = { { "severity", "warning" } } },
    { .alert = "CriticalResponseTime",
      .expr = "avg(avg_over_time(webapp_response_time_seconds[30s])) > 1.0",
      .for_s = 30, .nlabels = 1, .labels = { { "severity", "critical" } } },
    { .alert = "ServiceDown",
      .expr = "up{job=\"${prometheus.job}\"} == 0",
      .for_s = 30, .nlabels = 1, .labels = { { "severity", "critical" } } },
    { .alert = "MaxCapacityReached",
      .expr = "count(up{job=\"${prometheus.job}\"}) >= ${scaler.max_replicas}",
      .for_s = 120, .nlabels = 1, .labels = { { "severity", "warning" } } },
};

const asim_alert_rule_cfg *asim_alerts_defaults(size_t *n)
{
    *n = ASIM_ARRAY_LEN(default_rules);
    return default_rules;
}

/* ------------------------------------------------------------------ */
/* building the rule set                                                */

/* One rule in effect, where it came from (for messages) and which rule
 * group evaluates it (-1: the default group, every evaluation_interval). */
typedef struct eff_rule {
    const asim_alert_rule_cfg *c;
    char jpath[200];
    int group;
    size_t pos;                   /* index of the rule in its group */
} eff_rule;

/* The alerting rules of prometheus.rule_groups, in order: group, position. */
static size_t group_alerts(const asim_config *cfg, eff_rule *v)
{
    const asim_rule_groups_cfg *rg = &cfg->ext.rules;
    size_t n = 0;
    for (size_t g = 0; g < rg->ngroups; g++)
        for (size_t k = 0; k < rg->groups[g].nrules; k++) {
            const asim_group_rule_cfg *r = &rg->rules[rg->groups[g].first + k];
            if (r->record) continue;
            if (v) {
                v[n].c = &r->rule;
                v[n].group = (int)g;
                v[n].pos = k;
                snprintf(v[n].jpath, sizeof v[n].jpath, "$.prometheus.rule_groups[%zu].rules[%zu]", g, k);
            }
            n++;
        }
    return n;
}

/* Defaults (unless replaced; a scenario rule of the same name, from
 * alerts.rules or a rule group, takes the default's place), then the
 * other rules of alerts.rules, then those of the rule groups.  Returns the
 * count; *out is owned by the caller. */
static size_t effective_rules(const asim_config *cfg, eff_rule **out)
{
    const asim_alerts_cfg *ac = &cfg->ext.alerts;
    size_t nd = ac->replace_defaults ? 0 : ASIM_ARRAY_LEN(default_rules);
    size_t ng = group_alerts(cfg, NULL);
    eff_rule *user = asim_calloc(ac->nrules + ng + 1, sizeof *user);
    for (size_t u = 0; u < ac->nrules; u++) {
        user[u].c = &ac->rules[u];
        user[u].group = -1;
        snprintf(user[u].jpath, sizeof user[u].jpath, "$.alerts.rules[%zu]", u);
    }
    group_alerts(cfg, user + ac->nrules);
    size_t nu = ac->nrules + ng;
    eff_rule *v = asim_calloc(nd + nu + 1, sizeof *v);
    char *used = asim_calloc(nu + 1, 1);
    size_t n = 0;
    for (size_t d = 0; d < nd; d++) {
        v[n].c = &default_rules[d];
        v[n].group = -1;
        snprintf(v[n].jpath, sizeof v[n].jpath, "$.alerts(default %.100s)", default_rules[d].alert);
        for (size_t u = 0; u < nu; u++)
            if (strcmp(user[u].c->alert, default_rules[d].alert) == 0) {
                v[n] = user[u];
                used[u] = 1;
                break;
            }
        n++;
    }
    for (size_t u = 0; u < nu; u++)
        if (!used[u]) v[n++] = user[u];
    asim_free(used);
    asim_free(user);
    *out = v;
    return n;
}

/* Replace ${setting.path} in src by the setting's value.  srcpos[i] is the
 * 1-based position in src of output character i (so parse errors can point
 * into what the user wrote).  0, or ASIM_EINPUT with err filled. */
static int expand(const asim_config *cfg, const char *src, sbuf *out, int **srcpos,
                  const char *jpath, asim_err *err)
{
    size_t cap = strlen(src) + 1, npos = 0;
    int *pos = asim_malloc(cap * sizeof *pos);
    out->n = 0;
    sb_reserve(out, 0);
    out->s[0] = 0;
    for (const char *p = src; *p;) {
        if (p[0] == '$' && p[1] == '{') {
            const char *end = strchr(p + 2, '}');
            char path[128], val[512];
            size_t len = end ? (size_t)(end - p - 2) : 0;
            if (!end || len == 0 || len >= sizeof path) {
                asim_free(pos);
                return asim_config_errf(cfg, err, jpath, "position %d: unterminated or empty ${...}",
                                        (int)(p - src) + 1);
            }
            memcpy(path, p + 2, len);
            path[len] = 0;
            if (!cfg->ext.alerts.setting_text ||
                cfg->ext.alerts.setting_text(cfg, path, val, sizeof val) != 0) {
                asim_free(pos);
                return asim_config_errf(cfg, err, jpath, "position %d: unknown setting ${%s}",
                                        (int)(p - src) + 1, path);
            }
            size_t vl = strlen(val);
            if (npos + vl + 1 > cap) {
                cap = (npos + vl + 1) * 2;
                pos = asim_realloc(pos, cap * sizeof *pos);
            }
            for (size_t k = 0; k < vl; k++) pos[npos++] = (int)(p - src) + 1;
            sb_putn(out, val, vl);
            p = end + 1;
        } else {
            if (npos + 2 > cap) {
                cap = (npos + 2) * 2;
                pos = asim_realloc(pos, cap * sizeof *pos);
            }
            pos[npos++] = (int)(p - src) + 1;
            sb_putn(out, p, 1);
            p++;
        }
    }
    pos[npos] = (int)strlen(src) + 1;       /* "position" just past the end */
    *srcpos = pos;
    return 0;
}

/* "position N: problem" from the parser, with N mapped back through srcpos. */
static int parse_error(const asim_config *cfg, const char *msg, const int *srcpos, size_t outlen,
                       const char *jpath, asim_err *err)
{
    int p = 0, k = 0;
    if (sscanf(msg, "position %d:%n", &p, &k) == 1 && k > 0 && p >= 1) {
        size_t i = (size_t)p - 1;
        if (i > outlen) i = outlen;
        return asim_config_errf(cfg, err, jpath, "position %d:%s", srcpos[i], msg + k);
    }
    return asim_config_errf(cfg, err, jpath, "%s", msg);
}

int asim_valid_metric_name(const char *s)
{
    if (!*s || !(s[0] == '_' || s[0] == ':' || ((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z'))) return 0;
    for (const char *p = s + 1; *p; p++)
        if (!(*p == '_' || *p == ':' || (*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z')))
            return 0;
    return 1;
}

/* Build rule r from c: expand and parse the expression.  Checks that a
 * settings parser cannot (the expression needs the other settings). */
static int build_rule(const asim_config *cfg, const eff_rule *er, rule *r, asim_err *err)
{
    const asim_alert_rule_cfg *c = er->c;
    char jp[240];
    snprintf(r->name, sizeof r->name, "%s", c->alert);
    r->group = er->group;
    r->pos = er->pos;
    r->firing_since = -1;
    r->for_ms = (int64_t)llround(c->for_s * 1000);
    r->keep_ms = (int64_t)llround(c->keep_firing_for * 1000);
    r->nlabels = (size_t)c->nlabels;
    memcpy(r->cl, c->labels, sizeof r->cl);
    r->labels = asim_calloc(r->nlabels + 1, sizeof *r->labels);
    for (size_t i = 0; i < r->nlabels; i++)
        r->labels[i] = (asim_label){ r->cl[i].name, r->cl[i].value };

    snprintf(jp, sizeof jp, "%s.alert", er->jpath);
    if (!asim_valid_metric_name(c->alert))
        return asim_config_errf(cfg, err, jp, "'%s' is not a valid alert name ([a-zA-Z_:][a-zA-Z0-9_:]*)", c->alert);
    if (strlen(c->alert) + strlen("alert_firing_seconds.") >= ASIM_METRIC_NAME_MAX)
        return asim_config_errf(cfg, err, jp, "alert name too long for summary metrics (at most %d characters)",
                                (int)(ASIM_METRIC_NAME_MAX - 1 - strlen("alert_firing_seconds.")));

    snprintf(jp, sizeof jp, "%s.expr", er->jpath);
    sbuf ex = {0};
    int *srcpos = NULL;
    int rc = expand(cfg, c->expr, &ex, &srcpos, jp, err);
    if (rc) {
        asim_free(ex.s);
        return rc;
    }
    char msg[300];
    r->e = asim_promql_parse(ex.s, msg, sizeof msg);
    if (!r->e) {
        rc = parse_error(cfg, msg, srcpos, ex.n, jp, err);
    } else {
        asim_promql_type t = asim_promql_result_type(r->e);
        if (t != ASIM_PROMQL_VECTOR && t != ASIM_PROMQL_SCALAR)
            rc = asim_config_errf(cfg, err, jp, "an alert expression must give an instant vector or a scalar, "
                                  "not a %s", t == ASIM_PROMQL_MATRIX ? "range vector" : "string");
    }
    r->expr = ex.s;
    asim_free(srcpos);
    return rc;
}

static void free_alert(alert *al)
{
    if (!al) return;
    for (size_t i = 0; i < al->nlabels; i++) {
        asim_free((char *)al->labels[i].name);
        asim_free((char *)al->labels[i].value);
    }
    asim_free(al->labels);
    asim_free(al->key);
    asim_free(al);
}

void asim_alerts_destroy(asim_alerts *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->n; i++) {
        rule *r = &a->r[i];
        for (size_t k = 0; k < r->nal; k++) free_alert(r->al[k]);
        asim_free(r->al);
        asim_promql_free(r->e);
        asim_promql_result_free(&r->res);
        asim_free(r->expr);
        asim_free(r->labels);
        asim_free(r->written);
        asim_free(r->prev);
    }
    asim_free(a->r);
    asim_free(a->keys.s);
    asim_free(a->koff);
    asim_free(a->kptr);
    asim_free(a->merged);
    asim_free(a);
}

int asim_alerts_create(const asim_config *cfg, asim_alerts **out, asim_err *err)
{
    asim_alerts *a = asim_calloc(1, sizeof *a);
    *out = NULL;
    a->lookback_ms = (int64_t)llround(cfg->prometheus.lookback_delta * 1000);
    a->write_series = cfg->ext.alerts.write_series;
    if (asim_rfc3339_ms(cfg->start_time, &a->epoch_ms) != 0) a->epoch_ms = 0;
    eff_rule *er;
    size_t n = effective_rules(cfg, &er);
    a->r = asim_calloc(n + 1, sizeof *a->r);
    for (size_t i = 0; i < n; i++) {
        a->n = i + 1;
        int rc = build_rule(cfg, &er[i], &a->r[i], err);
        for (size_t k = 0; rc == 0 && k < i; k++)
            if (strcmp(a->r[k].name, a->r[i].name) == 0) {
                char jp[240];
                snprintf(jp, sizeof jp, "%s.alert", er[i].jpath);
                rc = asim_config_errf(cfg, err, jp, "alert '%s' is also defined at %s: the simulator keeps one "
                                      "summary per alert name, so rename one", a->r[i].name, er[k].jpath);
            }
        if (rc != 0) {
            asim_free(er);
            asim_alerts_destroy(a);
            return ASIM_EINPUT;
        }
    }
    asim_free(er);
    *out = a;
    return 0;
}

int asim_alerts_check(const asim_config *cfg, asim_err *err)
{
    asim_alerts *a;
    int rc = asim_alerts_create(cfg, &a, err);
    asim_alerts_destroy(a);
    return rc;
}

int64_t asim_alerts_reach_ms(const asim_alerts *a, int64_t lookback_ms)
{
    int64_t m = 0;
    for (size_t i = 0; i < a->n; i++) {
        int64_t r = asim_promql_reach_ms(a->r[i].e, lookback_ms);
        if (r > m) m = r;
    }
    return m;
}

/* ------------------------------------------------------------------ */
/* evaluation                                                           */

void asim_alerts_csv_header(FILE *csv)
{
    fputs("time,alert,labels,state,value\n", csv);
}

static void write_row(FILE *csv, int64_t t_ms, const rule *r, const alert *al, const char *state)
{
    if (!csv) return;
    asim_csv w;
    asim_csv_init(&w, csv);
    asim_csv_num(&w, (double)t_ms / 1000.0);
    asim_csv_str(&w, r->name);
    asim_csv_str(&w, al->key);
    asim_csv_str(&w, state);
    asim_csv_num(&w, al->value);
    asim_csv_end(&w);
}

static int cmp_label(const void *x, const void *y)
{
    return strcmp(((const asim_label *)x)->name, ((const asim_label *)y)->name);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The final label set of a result element, in a->merged (sorted by name):
 * element labels minus __name__, rule labels over them, alertname last;
 * empty values dropped. */
static size_t merge_labels(asim_alerts *a, const rule *r, const asim_label *l, size_t n)
{
    size_t need = n + r->nlabels + 1;
    if (need > a->capm) {
        a->capm = need * 2;
        a->merged = asim_realloc(a->merged, a->capm * sizeof *a->merged);
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(l[i].name, "__name__") == 0 || strcmp(l[i].name, "alertname") == 0) continue;
        int over = 0;
        for (size_t k = 0; k < r->nlabels; k++)
            if (strcmp(r->labels[k].name, l[i].name) == 0) over = 1;
        if (!over && l[i].value[0]) a->merged[m++] = l[i];
    }
    for (size_t k = 0; k < r->nlabels; k++)
        if (strcmp(r->labels[k].name, "alertname") != 0 && r->labels[k].value[0])
            a->merged[m++] = r->labels[k];
    a->merged[m++] = (asim_label){ "alertname", r->name };
    qsort(a->merged, m, sizeof *a->merged, cmp_label);
    return m;
}

static long find_alert(const rule *r, const char *key)
{
    size_t lo = 0, hi = r->nal;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(r->al[mid]->key, key);
        if (c == 0) return (long)mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -(long)lo - 1;
}

static alert *new_alert(const char *key, const asim_label *l, size_t n, int64_t t_ms, double v)
{
    alert *al = asim_calloc(1, sizeof *al);
    al->key = asim_strdup(key);
    al->labels = asim_calloc(n + 1, sizeof *al->labels);
    al->nlabels = n;
    for (size_t i = 0; i < n; i++)
        al->labels[i] = (asim_label){ asim_strdup(l[i].name), asim_strdup(l[i].value) };
    al->state = ST_NEW;
    al->active_at = t_ms;
    al->keep_since = -1;
    al->value = v;
    al->sid_alerts[0] = al->sid_alerts[1] = al->sid_for = -1;
    return al;
}

static void insert_alert(rule *r, size_t at, alert *al)
{
    if (r->nal == r->capal) {
        r->capal = r->capal ? r->capal * 2 : 8;
        r->al = asim_realloc(r->al, r->capal * sizeof *r->al);
    }
    memmove(r->al + at + 1, r->al + at, (r->nal - at) * sizeof *r->al);
    r->al[at] = al;
    r->nal++;
}

/* ALERTS{..., alertstate} = 1 and ALERTS_FOR_STATE{...} = ActiveAt (Unix s). */
static int series_for(asim_alerts *a, asim_tsdb *db, const alert *al, const char *name, const char *state)
{
    size_t n = al->nlabels + 2;
    if (n > a->capm) {
        a->capm = n * 2;
        a->merged = asim_realloc(a->merged, a->capm * sizeof *a->merged);
    }
    size_t m = 0;
    for (size_t i = 0; i < al->nlabels; i++) a->merged[m++] = al->labels[i];
    a->merged[m++] = (asim_label){ "__name__", name };
    if (state) a->merged[m++] = (asim_label){ "alertstate", state };
    return asim_tsdb_series(db, a->merged, m);
}

static void note_written(rule *r, int sid)
{
    if (sid < 0) return;
    if (r->nwritten == r->capw) {
        r->capw = r->capw ? r->capw * 2 : 16;
        r->written = asim_realloc(r->written, r->capw * sizeof *r->written);
        r->prev = asim_realloc(r->prev, r->capw * sizeof *r->prev);
    }
    r->written[r->nwritten++] = sid;
}

static void write_series(asim_alerts *a, asim_tsdb *db, rule *r, alert *al, int64_t t_ms)
{
    int f = al->state == ST_FIRING;
    if (al->sid_alerts[f] < 0)
        al->sid_alerts[f] = series_for(a, db, al, "ALERTS", f ? "firing" : "pending");
    if (al->sid_for < 0)
        al->sid_for = series_for(a, db, al, "ALERTS_FOR_STATE", NULL);
    if (al->sid_alerts[f] >= 0) asim_tsdb_append(db, al->sid_alerts[f], t_ms, 1);
    if (al->sid_for >= 0)
        asim_tsdb_append(db, al->sid_for, t_ms, floor((double)(a->epoch_ms + al->active_at) / 1000.0));
    note_written(r, al->sid_alerts[f]);
    note_written(r, al->sid_for);
}

/* Series written last time but not this time get a staleness marker, as the
 * rule group does for vanished rule outputs. */
static void stale_vanished(asim_tsdb *db, rule *r, int64_t t_ms)
{
    for (size_t i = 0; i < r->nprev; i++) {
        int still = 0;
        for (size_t k = 0; k < r->nwritten && !still; k++) still = r->written[k] == r->prev[i];
        if (!still) asim_tsdb_append_stale(db, r->prev[i], t_ms);
    }
    int *t = r->prev;
    r->prev = r->written;
    r->written = t;
    r->nprev = r->nwritten;
    r->nwritten = 0;
}

/* Element i of the result as (labels, value); a scalar is one element
 * without labels (Prometheus's rule query function does the same). */
static void elem_at(const asim_promql_result *res, size_t i, const asim_label **l, size_t *nl, double *v)
{
    if (res->type == ASIM_PROMQL_SCALAR) {
        *l = NULL;
        *nl = 0;
        *v = res->scalar;
    } else {
        *l = res->v[i].labels;
        *nl = res->v[i].nlabels;
        *v = res->v[i].value;
    }
}

/* Keys of every element into a->keys; 0, or -1 on a duplicate label set. */
static int build_keys(asim_alerts *a, const rule *r, size_t nel)
{
    if (nel > a->capk) {
        a->capk = nel * 2;
        a->koff = asim_realloc(a->koff, a->capk * sizeof *a->koff);
        a->kptr = asim_realloc(a->kptr, a->capk * sizeof *a->kptr);
    }
    a->keys.n = 0;
    for (size_t i = 0; i < nel; i++) {
        const asim_label *l;
        size_t nl;
        double v;
        elem_at(&r->res, i, &l, &nl, &v);
        size_t m = merge_labels(a, r, l, nl);
        a->koff[i] = a->keys.n;
        sb_labels(&a->keys, a->merged, m);
        sb_putn(&a->keys, "", 1);     /* keep the NUL inside the buffer */
    }
    for (size_t i = 0; i < nel; i++) a->kptr[i] = a->keys.s + a->koff[i];
    if (nel > 1) qsort(a->kptr, nel, sizeof *a->kptr, cmp_str);
    for (size_t i = 1; i < nel; i++)
        if (strcmp(a->kptr[i - 1], a->kptr[i]) == 0) return -1;
    return 0;
}

static void eval_rule(asim_alerts *a, rule *r, asim_tsdb *db, int64_t t_ms, FILE *csv)
{
    char msg[256];
    if (asim_promql_eval(r->e, db, t_ms, a->lookback_ms, &r->res, msg, sizeof msg) != 0) {
        a->errors++;
        return;
    }
    size_t nel = r->res.type == ASIM_PROMQL_SCALAR ? 1 : r->res.n;
    if (build_keys(a, r, nel) != 0) {         /* "same labelset after applying alert labels" */
        a->errors++;
        return;
    }
    for (size_t k = 0; k < r->nal; k++) r->al[k]->seen = 0;
    for (size_t i = 0; i < nel; i++) {
        const asim_label *l;
        size_t nl;
        double v;
        elem_at(&r->res, i, &l, &nl, &v);
        const char *key = a->keys.s + a->koff[i];
        long at = find_alert(r, key);
        if (at >= 0) {
            r->al[at]->value = v;
            r->al[at]->seen = 1;
            continue;
        }
        size_t m = merge_labels(a, r, l, nl);
        alert *al = new_alert(key, a->merged, m, t_ms, v);
        al->seen = 1;
        insert_alert(r, (size_t)(-at - 1), al);
    }

    size_t keep = 0;
    int nfiring = 0;
    for (size_t k = 0; k < r->nal; k++) {
        alert *al = r->al[k];
        int old = al->state;
        if (!al->seen) {
            int kept = 0;
            if (al->state == ST_FIRING && r->keep_ms > 0) {
                if (al->keep_since < 0) al->keep_since = t_ms;
                kept = t_ms - al->keep_since < r->keep_ms;
            }
            if (!kept) {
                write_row(csv, t_ms, r, al, al->state == ST_FIRING ? "resolved" : "inactive");
                free_alert(al);
                continue;
            }
        } else {
            al->keep_since = -1;
        }
        if (al->state == ST_NEW) al->state = ST_PENDING;
        if (al->state == ST_PENDING && t_ms - al->active_at >= r->for_ms) {
            al->state = ST_FIRING;
            r->fired++;
        }
        if (al->state != old || a->timeline)
            write_row(csv, t_ms, r, al, al->state == ST_FIRING ? "firing" : "pending");
        if (al->state == ST_FIRING) nfiring++;
        if (a->write_series && db) write_series(a, db, r, al, t_ms);
        r->al[keep++] = al;
    }
    r->nal = keep;
    if (a->write_series && db) stale_vanished(db, r, t_ms);

    if (nfiring && r->firing_since < 0) r->firing_since = t_ms;
    if (!nfiring && r->firing_since >= 0) {
        r->firing_ms += t_ms - r->firing_since;
        r->firing_since = -1;
    }
}

void asim_alerts_eval(asim_alerts *a, asim_tsdb *db, int64_t t_ms, FILE *csv)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->r[i].group < 0) eval_rule(a, &a->r[i], db, t_ms, csv);
}

void asim_alerts_eval_rule(asim_alerts *a, size_t i, asim_tsdb *db, int64_t t_ms, FILE *csv)
{
    eval_rule(a, &a->r[i], db, t_ms, csv);
}

long asim_alerts_find(const asim_alerts *a, int group, size_t pos)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->r[i].group == group && a->r[i].pos == pos) return (long)i;
    return -1;
}

int asim_alerts_has_default_group(const asim_alerts *a)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->r[i].group < 0) return 1;
    return 0;
}

void asim_alerts_finish(asim_alerts *a, int64_t end_ms, asim_summary *sum)
{
    char name[ASIM_ALERT_NAME_MAX + 32];     /* names were checked to fit the summary */
    for (size_t i = 0; i < a->n; i++) {
        rule *r = &a->r[i];
        if (r->firing_since >= 0 && end_ms > r->firing_since) {
            r->firing_ms += end_ms - r->firing_since;     /* a second finish adds nothing */
            r->firing_since = end_ms;
        }
        if (!sum) continue;
        snprintf(name, sizeof name, "alert_firing_seconds.%s", r->name);
        asim_summary_set(sum, name, (double)r->firing_ms / 1000.0);
    }
    for (size_t i = 0; sum && i < a->n; i++) {
        snprintf(name, sizeof name, "alert_fired_count.%s", a->r[i].name);
        asim_summary_set(sum, name, (double)a->r[i].fired);
    }
    if (sum && a->errors) asim_summary_set(sum, "alert_eval_errors", (double)a->errors);
}

/* ------------------------------------------------------------------ */
/* accessors and the rule file                                          */

size_t asim_alerts_nrules(const asim_alerts *a) { return a->n; }
const char *asim_alerts_rule_name(const asim_alerts *a, size_t i) { return a->r[i].name; }
const char *asim_alerts_rule_expr(const asim_alerts *a, size_t i) { return a->r[i].expr; }
long asim_alerts_errors(const asim_alerts *a) { return a->errors; }
void asim_alerts_set_timeline(asim_alerts *a, int on) { a->timeline = on; }
void asim_alerts_set_write_series(asim_alerts *a, int on) { a->write_series = on; }

static int count_state(const asim_alerts *a, size_t i, int st)
{
    int n = 0;
    for (size_t k = 0; k < a->r[i].nal; k++) n += a->r[i].al[k]->state == st;
    return n;
}

int asim_alerts_nfiring(const asim_alerts *a, size_t i) { return count_state(a, i, ST_FIRING); }
int asim_alerts_npending(const asim_alerts *a, size_t i) { return count_state(a, i, ST_PENDING); }

/* A YAML single-quoted scalar: '' stands for '. */
static void yaml_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (const char *p = s; *p; p++) {
        if (*p == '\'') fputc('\'', f);
        fputc(*p, f);
    }
    fputc('\'', f);
}

/* Prometheus duration text of ms ("1500ms", "30s", "2m"). */
static void yaml_duration(FILE *f, int64_t ms)
{
    if (ms % 60000 == 0 && ms) fprintf(f, "%lldm", (long long)(ms / 60000));
    else if (ms % 1000 == 0) fprintf(f, "%llds", (long long)(ms / 1000));
    else fprintf(f, "%lldms", (long long)ms);
}

void asim_alerts_write_rules_yaml(const asim_alerts *a, FILE *f, const char *group,
                                  double interval, int value_annotation)
{
    fputs("groups:\n  - name: ", f);
    yaml_quoted(f, group);
    fputs("\n    interval: ", f);
    yaml_duration(f, (int64_t)llround(interval * 1000));
    fputs("\n    rules:\n", f);
    for (size_t i = 0; i < a->n; i++) {
        const rule *r = &a->r[i];
        fprintf(f, "      - alert: %s\n        expr: ", r->name);
        yaml_quoted(f, r->expr);
        fputs("\n        for: ", f);
        yaml_duration(f, r->for_ms);
        fputc('\n', f);
        if (r->keep_ms > 0) {
            fputs("        keep_firing_for: ", f);
            yaml_duration(f, r->keep_ms);
            fputc('\n', f);
        }
        if (r->nlabels) {
            fputs("        labels:\n", f);
            for (size_t k = 0; k < r->nlabels; k++) {
                fprintf(f, "          %s: ", r->labels[k].name);
                yaml_quoted(f, r->labels[k].value);
                fputc('\n', f);
            }
        }
        if (value_annotation)
            fputs("        annotations:\n          value: '{{ printf \"%.17g\" $value }}'\n", f);
    }
}
