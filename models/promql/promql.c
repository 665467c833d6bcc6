/* promql.c -- the PromQL engine's lifecycle and helpers (see promql.h): the
 * per-result arena, retention reach, result release, and number/time
 * formatting exactly as Prometheus's HTTP API writes them.  Parsing lives in
 * promql_parse.c, evaluation in promql_eval.c, shared types in promql_int.h.
 *
 * Arena invariant: after asim_pq_arena_reset there is at most one chunk,
 * large enough for everything the previous evaluation needed, so an
 * evaluation no bigger than the previous one allocates nothing. */
#include "models/promql/promql_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/engine/common.h"

/* --- arena ------------------------------------------------------------------ */

void *asim_pq_alloc(pq_arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (n == 0) n = sizeof(max_align_t);
    if (!a->cur || a->cur->cap - a->cur->used < n) {
        if (a->cur && a->cur->next && a->cur->next->cap >= n) {
            a->cur = a->cur->next;
        } else {
            size_t cap = a->cur ? 2 * a->cur->cap : 16384;
            if (cap < n) cap = n;
            pq_chunk *c = asim_malloc(sizeof *c + cap);
            c->cap = cap;
            c->used = 0;
            c->next = a->cur ? a->cur->next : NULL;
            if (a->cur) a->cur->next = c; else a->first = c;
            a->cur = c;
        }
    }
    void *p = (char *)a->cur->data + a->cur->used;
    a->cur->used += n;
    return p;
}

void asim_pq_arena_reset(pq_arena *a)
{
    if (a->first && a->first->next) {      /* coalesce into one chunk of the total size */
        size_t total = 0;
        for (pq_chunk *c = a->first; c; ) {
            pq_chunk *nx = c->next;
            total += c->cap;
            asim_free(c);
            c = nx;
        }
        pq_chunk *c = asim_malloc(sizeof *c + total);
        c->cap = total;
        c->next = NULL;
        a->first = c;
    }
    if (a->first) a->first->used = 0;
    a->cur = a->first;
}

void asim_pq_arena_free(pq_arena *a)
{
    for (pq_chunk *c = a->first; c; ) {
        pq_chunk *nx = c->next;
        asim_free(c);
        c = nx;
    }
    a->first = a->cur = NULL;
}

/* --- lifecycle ----------------------------------------------------------- */

void asim_promql_free(asim_promql *e)
{
    if (!e || --e->refs > 0) return;          /* still held (promql_memo.h) */
    asim_pq_node_free(e->root);
    asim_free(e);
}

static int64_t reach(const pq_node *n, int64_t lookback)
{
    if (!n) return 0;
    int64_t r = 0;
    if (n->kind == PQ_VSEL) r = n->offset_ms + lookback;
    if (n->kind == PQ_MSEL) r = n->offset_ms + n->range_ms;
    if (n->kind == PQ_SUBQ) r = n->offset_ms + n->range_ms + reach(n->lhs, lookback);
    if (n->at_kind == PQ_AT_TIME) return INT64_MAX / 4;     /* a fixed time: keep everything */
    for (int i = 0; i < n->nargs; i++) {
        int64_t a = reach(n->args[i], lookback);
        if (a > r) r = a;
    }
    int64_t l = reach(n->lhs, lookback), rr = reach(n->rhs, lookback);
    if (l > r) r = l;
    if (rr > r) r = rr;
    return r;
}

int64_t asim_promql_reach_ms(const asim_promql *e, int64_t lookback_ms)
{
    int64_t r = e ? reach(e->root, lookback_ms) : 0;
    return r > 0 ? r : 0;
}

asim_promql_type asim_promql_result_type(const asim_promql *e)
{
    return e->root->type;
}

void asim_promql_result_free(asim_promql_result *r)
{
    if (!r) return;
    pq_priv *pv = r->priv;
    if (pv) {
        asim_pq_arena_free(&pv->arena);
        for (int i = 0; i < pv->nsel; i++) asim_free(pv->sel[i].ids);
        asim_free(pv->sel);
        asim_free(pv);
    }
    memset(r, 0, sizeof *r);
}

/* --- formatting ---------------------------------------------------------- */

size_t asim_promql_format_value(double v, char *buf, size_t len)
{
    char tmp[ASIM_PROMQL_FMT_MAX];
    if (isnan(v)) return (size_t)snprintf(buf, len, "NaN");
    if (isinf(v)) return (size_t)snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
    /* shortest digits that read back as v (Go's 'f', -1): the first %.*e
     * precision that round-trips is the shortest, and it is correctly
     * rounded, hence the closest such string, which is what Go picks */
    char e[40];
    int prec;
    for (prec = 0; prec < 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec, v);
        if (strtod(e, NULL) == v) break;
    }
    snprintf(e, sizeof e, "%.*e", prec, v);
    /* e = [-]d[.ddd]e[+-]xx -> digits and decimal exponent */
    const char *p = e;
    int neg = *p == '-';
    if (neg) p++;
    char digits[24];
    int nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.') digits[nd++] = *p;
    int exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;   /* %.0e of 0 gives "0" */
    /* value = 0.d1d2...dn x 10^(exp10+1) */
    int point = exp10 + 1;                  /* digits before the decimal point */
    size_t o = 0;
    if (neg) tmp[o++] = '-';
    if (point <= 0) {
        tmp[o++] = '0';
        tmp[o++] = '.';
        for (int i = 0; i < -point; i++) tmp[o++] = '0';
        for (int i = 0; i < nd; i++) tmp[o++] = digits[i];
    } else {
        for (int i = 0; i < point; i++) tmp[o++] = i < nd ? digits[i] : '0';
        if (nd > point) {
            tmp[o++] = '.';
            for (int i = point; i < nd; i++) tmp[o++] = digits[i];
        }
    }
    tmp[o] = '\0';
    return (size_t)snprintf(buf, len, "%s", tmp);
}

size_t asim_promql_format_time(int64_t ms, char *buf, size_t len)
{
    /* jsonutil.MarshalTimestamp: seconds, then "." and the milliseconds
     * zero-padded to 3 digits only when there are any */
    const char *sign = "";
    uint64_t u = (uint64_t)ms;
    if (ms < 0) { sign = "-"; u = (uint64_t)0 - u; }
    uint64_t frac = u % 1000;
    if (frac == 0) return (size_t)snprintf(buf, len, "%s%llu", sign, (unsigned long long)(u / 1000));
    return (size_t)snprintf(buf, len, "%s%llu.%03llu", sign, (unsigned long long)(u / 1000),
                            (unsigned long long)frac);
}

