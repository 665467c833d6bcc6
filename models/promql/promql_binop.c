/* promql_binop.c -- PromQL binary and unary operators (Prometheus 2.42
 * promql/engine.go VectorBinop / VectorscalarBinop): arithmetic, comparison
 * (with bool) and set operators, scalar/vector operands and vector matching
 * with on/ignoring and group_left/group_right.  Shared evaluator state and
 * helpers are in promql_int.h; the evaluator core is promql_eval.c. */

#include "models/promql/promql_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/engine/common.h"

/* --- binary operators ------------------------------------------------------ */

static int is_comparison(int op) { return op >= PQ_EQLC && op <= PQ_GTR; }
static int drops_name(int op) { return op >= PQ_ADD && op <= PQ_POW; }

/* vectorElemBinop: the value and whether a comparison keeps the element. */
static double elem_op(int op, double l, double r, int *keep)
{
    *keep = 1;
    switch ((pq_op)op) {
    case PQ_ADD: return l + r;
    case PQ_SUB: return l - r;
    case PQ_MUL: return l * r;
    case PQ_DIV: return l / r;
    case PQ_POW: return pq_go_pow(l, r);
    case PQ_MOD: return fmod(l, r);
    case PQ_ATAN2: return atan2(l, r);
    case PQ_EQLC: *keep = l == r; return l;
    case PQ_NEQ: *keep = l != r; return l;
    case PQ_GTR: *keep = l > r; return l;
    case PQ_LSS: *keep = l < r; return l;
    case PQ_GTE: *keep = l >= r; return l;
    case PQ_LTE: *keep = l <= r; return l;
    default: return pq_go_nan();
    }
}

/* The label set two vector elements are matched on. */
static const asim_label *signature(ev *e, const pq_node *n, const asim_label *l, size_t nl, size_t *ns)
{
    if (n->matching && !n->without) return pq_filter_labels(e, l, nl, n->labels, n->nlabels, 1, 0, ns);
    return pq_filter_labels(e, l, nl, n->labels, n->nlabels, 0, 1, ns);
}

/* The entry of set s for sample x's matching signature (also in *sig and
 * *ns when they are not NULL). */
static hent *match_entry(ev *e, const pq_node *n, hset *s, const pq_sample *x, const asim_label **sig, size_t *ns)
{
    size_t len;
    const asim_label *g = signature(e, n, x->lab, x->nlab, &len);
    if (sig) *sig = g;
    if (ns) *ns = len;
    return pq_hset_get(s, g, len);
}

static int vector_scalar(ev *e, const pq_node *n, const pq_val *vec, double s, int swap, pq_val *out)
{
    out->type = ASIM_PROMQL_VECTOR;
    out->v = pq_alloc(e, (vec->n ? vec->n : 1) * sizeof *out->v);
    out->n = 0;
    for (size_t i = 0; i < vec->n; i++) {
        double lv = vec->v[i].v, rv = s;
        if (swap) { lv = s; rv = vec->v[i].v; }
        int keep;
        double value = elem_op(n->op, lv, rv, &keep);
        if (is_comparison(n->op) && swap) value = rv;
        if (n->ret_bool) { value = keep ? 1.0 : 0.0; keep = 1; }
        if (!keep) continue;
        pq_sample *o = &out->v[out->n++];
        *o = vec->v[i];
        o->v = value;
        if (drops_name(n->op) || n->ret_bool) o->lab = pq_drop_name(e, o->lab, o->nlab, &o->nlab);
    }
    return pq_check_unique(e, out->v, out->n);
}

static int vector_match(ev *e, const pq_node *n, const pq_val *l, const pq_val *r, pq_val *out);

static int vector_vector(ev *e, const pq_node *n, const pq_val *l, const pq_val *r, pq_val *out)
{
    out->type = ASIM_PROMQL_VECTOR;
    out->n = 0;
    size_t cap = n->op == PQ_OR ? l->n + r->n : l->n;
    out->v = pq_alloc(e, (cap ? cap : 1) * sizeof *out->v);
    if (n->op == PQ_AND || n->op == PQ_UNLESS || n->op == PQ_OR) {
        if (n->op == PQ_OR && (l->n == 0 || r->n == 0)) {
            const pq_val *src = l->n ? l : r;
            memcpy(out->v, src->v, src->n * sizeof *out->v);
            out->n = src->n;
            return 0;
        }
        if (l->n == 0 || r->n == 0) {
            if (n->op == PQ_UNLESS) { memcpy(out->v, l->v, l->n * sizeof *out->v); out->n = l->n; }
            return 0;
        }
        const pq_val *a = n->op == PQ_OR ? l : r;   /* the side whose signatures are collected */
        hset s;
        pq_hset_init(e, &s, a->n);
        for (size_t i = 0; i < a->n; i++) {
            hent *h = match_entry(e, n, &s, &a->v[i], NULL, NULL);
            if (h->idx < 0) h->idx = (long)i;
            if (n->op == PQ_OR) out->v[out->n++] = l->v[i];
        }
        const pq_val *b = n->op == PQ_OR ? r : l;
        for (size_t i = 0; i < b->n; i++) {
            hent *h = match_entry(e, n, &s, &b->v[i], NULL, NULL);
            int found = h->idx >= 0;
            if (!found) h->idx = -1;          /* leave the set unchanged */
            if ((n->op == PQ_AND && found) || (n->op != PQ_AND && !found)) out->v[out->n++] = b->v[i];
        }
        return pq_check_unique(e, out->v, out->n);
    }

    return vector_match(e, n, l, r, out);
}

/* VectorBinop: one-to-one, or many-to-one with group_left/group_right (for
 * group_right the sides are swapped, and swapped back for the values). */
static int vector_match(ev *e, const pq_node *n, const pq_val *l, const pq_val *r, pq_val *out)
{
    int one_to_many = n->card == PQ_CARD_ONE_TO_MANY;
    if (one_to_many) { const pq_val *t = l; l = r; r = t; }
    out->v = pq_alloc(e, (l->n ? l->n : 1) * sizeof *out->v);
    out->n = 0;
    hset rs;
    pq_hset_init(e, &rs, r->n);
    for (size_t i = 0; i < r->n; i++) {
        size_t ns;
        const asim_label *sig;
        hent *h = match_entry(e, n, &rs, &r->v[i], &sig, &ns);
        if (h->idx >= 0) {
            char a[256], b[256], m[256];
            const asim_label *ml = n->matching && !n->without ? sig
                : pq_filter_labels(e, r->v[i].lab, r->v[i].nlab, n->labels, n->nlabels, 0, 1, &ns);
            pq_labels_str(ml, ns, m, sizeof m);
            pq_labels_str(r->v[i].lab, r->v[i].nlab, a, sizeof a);
            pq_labels_str(r->v[h->idx].lab, r->v[h->idx].nlab, b, sizeof b);
            return pq_ev_fail(e, "found duplicate series for the match group %s on the %s hand-side "
                              "of the operation: [%s, %s];many-to-many matching not allowed: matching "
                              "labels must be unique on one side", m, one_to_many ? "left" : "right", a, b);
        }
        h->idx = (long)i;
    }
    hset matched;                   /* one-to-one: by signature; else by result labels */
    pq_hset_init(e, &matched, l->n);
    const asim_label **sigs = pq_alloc(e, (l->n ? l->n : 1) * sizeof *sigs);
    size_t *nsigs = pq_alloc(e, (l->n ? l->n : 1) * sizeof *nsigs);
    for (size_t i = 0; i < l->n; i++) {
        size_t ns;
        const asim_label *sig;
        hent *h = match_entry(e, n, &rs, &l->v[i], &sig, &ns);
        if (h->idx < 0) continue;
        const pq_sample *rv = &r->v[h->idx];
        double vl = l->v[i].v, vr = rv->v;
        if (one_to_many) { vl = rv->v; vr = l->v[i].v; }
        int keep;
        double value = elem_op(n->op, vl, vr, &keep);
        if (n->ret_bool) value = keep ? 1.0 : 0.0;
        else if (!keep) continue;
        /* resultMetric */
        const asim_label *lab = l->v[i].lab;
        size_t nlab = l->v[i].nlab;
        if (drops_name(n->op)) lab = pq_drop_name(e, lab, nlab, &nlab);
        if (n->card == PQ_CARD_ONE_TO_ONE) {
            if (n->matching && !n->without) lab = pq_filter_labels(e, lab, nlab, n->labels, n->nlabels, 1, 0, &nlab);
            else if (n->matching) lab = pq_filter_labels(e, lab, nlab, n->labels, n->nlabels, 0, 0, &nlab);
        }
        for (size_t j = 0; j < n->ninclude; j++) {
            const asim_label *x = pq_find_label(rv->lab, rv->nlab, n->include[j]);
            lab = pq_set_label(e, lab, nlab, n->include[j], x ? x->value : NULL, &nlab);
        }
        if (n->ret_bool) lab = pq_drop_name(e, lab, nlab, &nlab);
        if (n->card == PQ_CARD_ONE_TO_ONE) {
            hent *m = pq_hset_get(&matched, sig, ns);
            if (m->idx >= 0)
                return pq_ev_fail(e, "multiple matches for labels: many-to-one matching must be explicit "
                                  "(group_left/group_right)");
            m->idx = (long)out->n;
        } else {
            hent *m = pq_hset_get(&matched, lab, nlab);
            if (m->idx >= 0 && pq_same_labels(sigs[m->idx], nsigs[m->idx], sig, ns))
                return pq_ev_fail(e, "multiple matches for labels: grouping labels must ensure unique matches");
            if (m->idx < 0) m->idx = (long)out->n;
        }
        sigs[out->n] = sig;
        nsigs[out->n] = ns;
        out->v[out->n++] = (pq_sample){ lab, nlab, value };
    }
    return pq_check_unique(e, out->v, out->n);
}

int pq_eval_bin(ev *e, const pq_node *n, pq_val *out)
{
    pq_val l, r;
    if (pq_eval(e, n->lhs, &l) != 0 || pq_eval(e, n->rhs, &r) != 0) return -1;
    if (l.type == ASIM_PROMQL_SCALAR && r.type == ASIM_PROMQL_SCALAR) {
        int keep;
        double v = elem_op(n->op, l.scalar, r.scalar, &keep);
        if (is_comparison(n->op)) v = keep ? 1.0 : 0.0;   /* the parser demands bool here */
        out->type = ASIM_PROMQL_SCALAR;
        out->scalar = v;
        return 0;
    }
    if (l.type == ASIM_PROMQL_VECTOR && r.type == ASIM_PROMQL_SCALAR) return vector_scalar(e, n, &l, r.scalar, 0, out);
    if (l.type == ASIM_PROMQL_SCALAR) return vector_scalar(e, n, &r, l.scalar, 1, out);
    return vector_vector(e, n, &l, &r, out);
}

int pq_eval_unary(ev *e, const pq_node *n, pq_val *out)
{
    if (pq_eval(e, n->lhs, out) != 0) return -1;
    if (n->op != PQ_SUB) return 0;
    if (out->type == ASIM_PROMQL_SCALAR) { out->scalar = -out->scalar; return 0; }
    pq_sample *v = pq_alloc(e, (out->n ? out->n : 1) * sizeof *v);
    for (size_t i = 0; i < out->n; i++) {
        v[i].v = -out->v[i].v;
        v[i].lab = pq_drop_name(e, out->v[i].lab, out->v[i].nlab, &v[i].nlab);
    }
    out->v = v;
    return pq_check_unique(e, out->v, out->n);
}

/* A subquery: the inner expression at every multiple of the step in
 * [T - offset - range, T - offset] (T the evaluation time or the @ time),
 * gathered into one series per label set, as engine.go does for
 * SubqueryExpr (the first step is the first multiple of step at or after
 * the window start, with Go's truncating division). */
