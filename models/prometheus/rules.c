/* rules.c -- rule groups and recording rules, as Prometheus 2.42 evaluates
 * them (rules.h gives the semantics and their sources).
 *
 * Invariants:
 *  - a group's steps are its rules in file order: a recording rule of this
 *    module or an alerting rule of asim_alerts (by index);
 *  - per recording rule, `prev` holds the series ids written at its last
 *    successful evaluation, so vanished series get staleness markers;
 *  - scratch buffers (labels, ids) grow to the largest result seen and are
 *    reused: steady-state evaluation allocates nothing. */
#include "models/prometheus/rules.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include "models/promql/promql.h"
#include "models/scenario/config.h"

typedef struct record_rule {
    char name[ASIM_ALERT_NAME_MAX];
    asim_promql *e;
    asim_promql_result res;
    const asim_alert_rule_cfg *c;     /* labels (the config outlives the rules) */
    int *prev, *cur;
    size_t nprev, ncur, cap;
} record_rule;

typedef struct step {
    int record;                       /* 1: rec[idx]; 0: alert rule idx of asim_alerts */
    size_t idx;
} step;

typedef struct group {
    int64_t interval_ns, offset_ns;
    step *steps;
    size_t nsteps;
} group;

struct asim_rules {
    group *g;
    size_t ng;
    record_rule *rec;
    size_t nrec;
    asim_alerts *alerts;
    long errors;
    /* scratch */
    asim_label *lab;
    size_t caplab;
    int *ids;
    size_t capids;
};

uint64_t asim_rule_group_hash(const char *name, const char *file)
{
    /* labels.New sorts by name: file, then name; labels.Hash() writes
     * name 0xff value 0xff for each pair and hashes with xxhash.Sum64. */
    size_t fl = strlen(file), nl = strlen(name), len = 0;
    char *b = asim_malloc(fl + nl + 16);
    memcpy(b + len, "file\xff", 5);
    len += 5;
    memcpy(b + len, file, fl);
    len += fl;
    memcpy(b + len, "\xffname\xff", 6);
    len += 6;
    memcpy(b + len, name, nl);
    len += nl;
    b[len++] = '\xff';
    uint64_t h = XXH64(b, len, 0);
    asim_free(b);
    return h;
}

static void free_record(record_rule *rr)
{
    asim_promql_free(rr->e);
    asim_promql_result_free(&rr->res);
    asim_free(rr->prev);
    asim_free(rr->cur);
}

void asim_rules_destroy(asim_rules *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->ng; i++) asim_free(r->g[i].steps);
    for (size_t i = 0; i < r->nrec; i++) free_record(&r->rec[i]);
    asim_free(r->g);
    asim_free(r->rec);
    asim_free(r->lab);
    asim_free(r->ids);
    asim_free(r);
}

static int build_record(const asim_config *cfg, const asim_alert_rule_cfg *c, record_rule *rr, const char *jp,
                        asim_err *err)
{
    char kp[300], msg[300];
    rr->c = c;
    snprintf(rr->name, sizeof rr->name, "%s", c->alert);
    snprintf(kp, sizeof kp, "%s.record", jp);
    if (!asim_valid_metric_name(c->alert))
        return asim_config_errf(cfg, err, kp, "'%s' is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", c->alert);
    snprintf(kp, sizeof kp, "%s.expr", jp);
    rr->e = asim_promql_parse(c->expr, msg, sizeof msg);
    if (!rr->e) return asim_config_errf(cfg, err, kp, "%s", msg);
    asim_promql_type t = asim_promql_result_type(rr->e);
    if (t != ASIM_PROMQL_VECTOR && t != ASIM_PROMQL_SCALAR)
        return asim_config_errf(cfg, err, kp, "a recording rule must give an instant vector or a scalar, not a %s",
                                t == ASIM_PROMQL_MATRIX ? "range vector" : "string");
    return 0;
}

int asim_rules_create(const asim_config *cfg, asim_alerts *alerts, asim_rules **out, asim_err *err)
{
    const asim_rule_groups_cfg *rg = &cfg->ext.rules;
    asim_rules *r = asim_calloc(1, sizeof *r);
    *out = NULL;
    r->alerts = alerts;
    r->g = asim_calloc(rg->ngroups + 1, sizeof *r->g);
    r->rec = asim_calloc(rg->nrules + 1, sizeof *r->rec);
    r->ng = rg->ngroups;
    for (size_t gi = 0; gi < rg->ngroups; gi++) {
        const asim_rule_group_cfg *gc = &rg->groups[gi];
        group *g = &r->g[gi];
        double iv = gc->interval > 0 ? gc->interval : cfg->prometheus.evaluation_interval;
        g->interval_ns = (int64_t)llround(iv * 1e9);
        if (g->interval_ns < 1000000) g->interval_ns = 1000000;
        g->offset_ns = (int64_t)(asim_rule_group_hash(gc->name, gc->file) % (uint64_t)g->interval_ns);
        g->steps = asim_calloc(gc->nrules + 1, sizeof *g->steps);
        for (size_t k = 0; k < gc->nrules; k++) {
            const asim_group_rule_cfg *rc = &rg->rules[gc->first + k];
            char jp[200];
            snprintf(jp, sizeof jp, "$.prometheus.rule_groups[%zu].rules[%zu]", gi, k);
            step *s = &g->steps[g->nsteps++];
            if (rc->record) {
                s->record = 1;
                s->idx = r->nrec;
                if (build_record(cfg, &rc->rule, &r->rec[r->nrec++], jp, err) != 0) {
                    asim_rules_destroy(r);
                    return ASIM_EINPUT;
                }
            } else {
                long i = alerts ? asim_alerts_find(alerts, (int)gi, k) : -1;
                if (i < 0) {
                    asim_rules_destroy(r);
                    return asim_config_errf(cfg, err, jp, "internal error: alerting rule not in the alert set");
                }
                s->idx = (size_t)i;
            }
        }
    }
    *out = r;
    return 0;
}

int asim_rules_check(const asim_config *cfg, asim_err *err)
{
    asim_alerts *a = NULL;
    asim_rules *r = NULL;
    int rc = asim_alerts_create(cfg, &a, err);
    if (rc == 0) rc = asim_rules_create(cfg, a, &r, err);
    asim_rules_destroy(r);
    asim_alerts_destroy(a);
    return rc;
}

size_t asim_rules_ngroups(const asim_rules *r) { return r->ng; }
int64_t asim_rules_interval_ns(const asim_rules *r, size_t g) { return r->g[g].interval_ns; }
int64_t asim_rules_offset_ns(const asim_rules *r, size_t g) { return r->g[g].offset_ns; }
long asim_rules_errors(const asim_rules *r) { return r->errors; }

int64_t asim_rules_first_ns(const asim_rules *r, size_t g, int64_t epoch_ns)
{
    /* EvalTimestamp(start) = start - ((start - offset) mod interval), then
     * + interval: the first grid instant strictly after start. */
    int64_t iv = r->g[g].interval_ns;
    int64_t m = (epoch_ns - r->g[g].offset_ns) % iv;
    if (m < 0) m += iv;
    return iv - m;
}

int64_t asim_rules_reach_ms(const asim_rules *r, int64_t lookback_ms)
{
    int64_t m = 0;
    for (size_t i = 0; i < r->nrec; i++) {
        int64_t x = asim_promql_reach_ms(r->rec[i].e, lookback_ms);
        if (x > m) m = x;
    }
    return m;
}

static int cmp_int(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

/* The element's labels with __name__ = record and the rule's labels set
 * over them, into r->lab; returns the count (empty values are dropped by
 * the tsdb when it creates the series, i.e. such a label is removed). */
static size_t output_labels(asim_rules *r, const record_rule *rr, const asim_label *l, size_t n)
{
    size_t need = n + (size_t)rr->c->nlabels + 1;
    if (need > r->caplab) {
        r->caplab = need * 2;
        r->lab = asim_realloc(r->lab, r->caplab * sizeof *r->lab);
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int over = strcmp(l[i].name, "__name__") == 0;
        for (int k = 0; k < rr->c->nlabels && !over; k++) over = strcmp(rr->c->labels[k].name, l[i].name) == 0;
        if (!over) r->lab[m++] = l[i];
    }
    for (int k = 0; k < rr->c->nlabels; k++)
        r->lab[m++] = (asim_label){ rr->c->labels[k].name, rr->c->labels[k].value };
    r->lab[m++] = (asim_label){ "__name__", rr->name };
    return m;
}

static void eval_record(asim_rules *r, record_rule *rr, asim_tsdb *db, int64_t t_ms, int64_t lookback_ms)
{
    char msg[256];
    if (asim_promql_eval(rr->e, db, t_ms, lookback_ms, &rr->res, msg, sizeof msg) != 0) {
        r->errors++;
        return;
    }
    size_t nel = rr->res.type == ASIM_PROMQL_SCALAR ? 1 : rr->res.n;
    if (nel > rr->cap) {
        rr->cap = nel * 2;
        rr->cur = asim_realloc(rr->cur, rr->cap * sizeof *rr->cur);
        rr->prev = asim_realloc(rr->prev, rr->cap * sizeof *rr->prev);
    }
    if (nel > r->capids) {
        r->capids = nel * 2;
        r->ids = asim_realloc(r->ids, r->capids * sizeof *r->ids);
    }
    for (size_t i = 0; i < nel; i++) {
        const asim_label *l = NULL;
        size_t nl = 0;
        if (rr->res.type != ASIM_PROMQL_SCALAR) {
            l = rr->res.v[i].labels;
            nl = rr->res.v[i].nlabels;
        }
        size_t m = output_labels(r, rr, l, nl);
        rr->cur[i] = asim_tsdb_series(db, r->lab, m);
        if (rr->cur[i] < 0) {                  /* a label the tsdb refuses */
            r->errors++;
            return;
        }
        r->ids[i] = rr->cur[i];
    }
    /* "vector contains metrics with the same labelset after applying rule labels" */
    if (nel > 1) qsort(r->ids, nel, sizeof *r->ids, cmp_int);
    for (size_t i = 1; i < nel; i++)
        if (r->ids[i] == r->ids[i - 1]) {
            r->errors++;
            return;
        }
    for (size_t i = 0; i < nel; i++) {
        double v = rr->res.type == ASIM_PROMQL_SCALAR ? rr->res.scalar : rr->res.v[i].value;
        asim_tsdb_append(db, rr->cur[i], t_ms, v);
    }
    for (size_t p = 0; p < rr->nprev; p++)
        if (nel == 0 || !bsearch(&rr->prev[p], r->ids, nel, sizeof *r->ids, cmp_int))
            asim_tsdb_append_stale(db, rr->prev[p], t_ms);
    if (nel) memcpy(rr->prev, r->ids, nel * sizeof *rr->prev);
    rr->nprev = nel;
}

void asim_rules_eval_group(asim_rules *r, size_t g, asim_tsdb *db, int64_t t_ms, int64_t lookback_ms,
                           FILE *alerts_csv)
{
    const group *gr = &r->g[g];
    for (size_t i = 0; i < gr->nsteps; i++) {
        const step *s = &gr->steps[i];
        if (s->record) eval_record(r, &r->rec[s->idx], db, t_ms, lookback_ms);
        else asim_alerts_eval_rule(r->alerts, s->idx, db, t_ms, alerts_csv);
    }
}

void asim_rules_finish(const asim_rules *r, asim_summary *sum)
{
    if (sum && r->errors) asim_summary_set(sum, "rule_eval_errors", (double)r->errors);
}
