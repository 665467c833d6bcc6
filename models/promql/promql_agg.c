/* promql_agg.c -- PromQL aggregation operators (Prometheus 2.42
 * promql/engine.go aggregation): sum, avg, min, max, count, group, stddev,
 * stdvar, topk/bottomk, quantile and count_values, with by/without grouping.
 * Shared evaluator state and helpers are in promql_int.h; the evaluator core
 * is promql_eval.c. */

#include "models/promql/promql_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/engine/common.h"

/* --- aggregation ---------------------------------------------------------- */

typedef struct agroup {
    const asim_label *lab;
    size_t nlab;
    double value, mean, count;
} agroup;

/* topk/bottomk keep a heap per group exactly as aggregation() does with Go's
 * container/heap, so ties resolve to the same elements: vectorByValueHeap
 * (topk: NaN or smaller on top) or vectorByReverseValueHeap (bottomk). */
static int heap_less(const pq_sample *h, size_t i, size_t j, int top)
{
    if (isnan(h[i].v)) return 1;
    return top ? h[i].v < h[j].v : h[i].v > h[j].v;
}

static void heap_swap(pq_sample *h, size_t i, size_t j) { pq_sample t = h[i]; h[i] = h[j]; h[j] = t; }

static void heap_up(pq_sample *h, size_t j, int top)
{
    while (j > 0) {
        size_t i = (j - 1) / 2;
        if (!heap_less(h, j, i, top)) break;
        heap_swap(h, i, j);
        j = i;
    }
}

static int heap_down(pq_sample *h, size_t i0, size_t n, int top)
{
    size_t i = i0;
    for (;;) {
        size_t j1 = 2 * i + 1;
        if (j1 >= n) break;
        size_t j = j1;
        if (j1 + 1 < n && heap_less(h, j1 + 1, j1, top)) j = j1 + 1;
        if (!heap_less(h, j, i, top)) break;
        heap_swap(h, i, j);
        i = j;
    }
    return i > i0;
}

/* One group's topk/bottomk: elements in input order into the heap, then
 * sort.Sort(sort.Reverse(heap)) (insertion sort, Go's choice for small n). */
static size_t select_k(pq_sample *h, const pq_sample *in, size_t m, size_t k, int top)
{
    size_t n = 0;
    for (size_t i = 0; i < m; i++) {
        if (n == 0) { h[n++] = in[i]; continue; }
        if (n < k) { h[n++] = in[i]; heap_up(h, n - 1, top); continue; }
        int replace = top ? (h[0].v < in[i].v || (isnan(h[0].v) && !isnan(in[i].v)))
                          : (h[0].v > in[i].v || (isnan(h[0].v) && !isnan(in[i].v)));
        if (replace) {
            h[0] = in[i];
            if (k > 1 && !heap_down(h, 0, n, top)) heap_up(h, 0, top);
        }
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && heap_less(h, j - 1, j, top); j--) heap_swap(h, j, j - 1);
    return n;
}

/* The aggregations with a parameter (topk, bottomk, quantile, count_values),
 * grouped like the others; aggregation() in engine.go. */
static int eval_aggr_param(ev *e, const pq_node *n, const pq_val *in0, pq_val *out)
{
    pq_val in = *in0;
    double param = 0;
    const char *vlabel = NULL;
    if (n->op == PQ_AGG_COUNT_VALUES) {
        vlabel = pq_unparen(n->args[0])->str;
        if (!pq_valid_label_name(vlabel)) return pq_ev_fail(e, "invalid label name \"%s\"", vlabel);
        /* the value, formatted as Go's FormatFloat(v, 'f', -1), becomes a label */
        pq_sample *v = pq_alloc(e, (in.n ? in.n : 1) * sizeof *v);
        for (size_t i = 0; i < in.n; i++) {
            char *buf = pq_alloc(e, ASIM_PROMQL_FMT_MAX);
            asim_promql_format_value(in.v[i].v, buf, ASIM_PROMQL_FMT_MAX);
            v[i] = in.v[i];
            v[i].lab = pq_set_label(e, in.v[i].lab, in.v[i].nlab, vlabel, buf, &v[i].nlab);
        }
        in.v = v;
    } else if (pq_eval_scalar_arg(e, n->args[0], &param) != 0) {
        return -1;
    }
    out->type = ASIM_PROMQL_VECTOR;
    out->n = 0;
    out->v = pq_alloc(e, (in.n ? in.n : 1) * sizeof *out->v);
    int topk = n->op == PQ_AGG_TOPK || n->op == PQ_AGG_BOTTOMK;
    long k = 0;
    if (topk) {
        if (!(param >= 1)) return 0;          /* k < 1 (or NaN): nothing */
        k = param > (double)in.n ? (long)in.n : (long)param;
    }
    /* group index of every element, groups in first-seen order */
    long *gi = pq_alloc(e, (in.n ? in.n : 1) * sizeof *gi);
    const asim_label **glab = pq_alloc(e, (in.n ? in.n : 1) * sizeof *glab);
    size_t *gnlab = pq_alloc(e, (in.n ? in.n : 1) * sizeof *gnlab), ng = 0;
    hset s;
    pq_hset_init(e, &s, in.n);
    for (size_t i = 0; i < in.n; i++) {
        size_t nk;
        const asim_label *key = n->without
            ? pq_filter_labels(e, in.v[i].lab, in.v[i].nlab, n->labels, n->nlabels, 0, 1, &nk)
            : pq_filter_labels(e, in.v[i].lab, in.v[i].nlab, n->labels, n->nlabels, 1, 0, &nk);
        if (vlabel && !n->without) {
            const asim_label *x = pq_find_label(in.v[i].lab, in.v[i].nlab, vlabel);
            key = pq_set_label(e, key, nk, vlabel, x ? x->value : NULL, &nk);
        }
        hent *h = pq_hset_get(&s, key, nk);
        if (h->idx < 0) { h->idx = (long)ng; glab[ng] = key; gnlab[ng++] = nk; }
        gi[i] = h->idx;
    }
    pq_sample *grp = pq_alloc(e, (in.n ? in.n : 1) * sizeof *grp);
    double *vals = pq_alloc(e, (in.n ? in.n : 1) * sizeof *vals);
    for (size_t g = 0; g < ng; g++) {
        size_t m = 0;
        for (size_t i = 0; i < in.n; i++)
            if (gi[i] == (long)g) grp[m++] = in.v[i];
        if (topk) {
            out->n += select_k(out->v + out->n, grp, m, (size_t)k, n->op == PQ_AGG_TOPK);
            continue;
        }
        double v;
        if (n->op == PQ_AGG_QUANTILE) {
            for (size_t i = 0; i < m; i++) vals[i] = grp[i].v;
            v = pq_quantile_values(param, vals, m);
        } else {
            v = (double)m;                             /* count_values */
        }
        out->v[out->n++] = (pq_sample){ glab[g], gnlab[g], v };
    }
    return 0;
}

int pq_eval_aggr(ev *e, const pq_node *n, pq_val *out)
{
    pq_val in;
    if (pq_eval(e, n->lhs, &in) != 0) return -1;
    if (n->op >= PQ_AGG_TOPK) return eval_aggr_param(e, n, &in, out);
    agroup *g = pq_alloc(e, (in.n ? in.n : 1) * sizeof *g);
    size_t ng = 0;
    hset s;
    pq_hset_init(e, &s, in.n);
    for (size_t i = 0; i < in.n; i++) {
        double v = in.v[i].v;
        size_t nk;
        const asim_label *key = n->without
            ? pq_filter_labels(e, in.v[i].lab, in.v[i].nlab, n->labels, n->nlabels, 0, 1, &nk)
            : pq_filter_labels(e, in.v[i].lab, in.v[i].nlab, n->labels, n->nlabels, 1, 0, &nk);
        hent *h = pq_hset_get(&s, key, nk);
        if (h->idx < 0) {
            h->idx = (long)ng;
            agroup *a = &g[ng++];
            a->lab = key;
            a->nlab = nk;
            a->value = (n->op == PQ_AGG_STDDEV || n->op == PQ_AGG_STDVAR) ? 0 : v;
            a->mean = v;
            a->count = 1;
            continue;
        }
        agroup *a = &g[h->idx];
        switch ((pq_agg)n->op) {
        case PQ_AGG_SUM: a->value += v; break;
        case PQ_AGG_AVG:
            a->count++;
            if (isinf(a->mean)) {
                if (isinf(v) && (a->mean > 0) == (v > 0)) break;
                if (!isinf(v) && !isnan(v)) break;
            }
            a->mean += v / a->count - a->mean / a->count;
            break;
        case PQ_AGG_MAX: if (a->value < v || isnan(a->value)) a->value = v; break;
        case PQ_AGG_MIN: if (a->value > v || isnan(a->value)) a->value = v; break;
        case PQ_AGG_COUNT: a->count++; break;
        case PQ_AGG_GROUP: break;
        case PQ_AGG_STDDEV: case PQ_AGG_STDVAR: {
            a->count++;
            double delta = v - a->mean;
            a->mean += delta / a->count;
            a->value += delta * (v - a->mean);
            break;
        }
        default: break;             /* the parameterised ones: eval_aggr_param */
        }
    }
    out->type = ASIM_PROMQL_VECTOR;
    out->v = pq_alloc(e, (ng ? ng : 1) * sizeof *out->v);
    out->n = ng;
    for (size_t j = 0; j < ng; j++) {
        agroup *a = &g[j];
        double v = a->value;
        switch ((pq_agg)n->op) {
        case PQ_AGG_AVG: v = a->mean; break;
        case PQ_AGG_COUNT: v = a->count; break;
        case PQ_AGG_GROUP: v = 1; break;
        case PQ_AGG_STDVAR: v = a->value / a->count; break;
        case PQ_AGG_STDDEV: v = sqrt(a->value / a->count); break;
        default: break;
        }
        out->v[j] = (pq_sample){ a->lab, a->nlab, v };
    }
    return 0;
}

