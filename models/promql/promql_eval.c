/* promql_eval.c -- the evaluator of parsed PromQL (see promql.h), following
 * Prometheus 2.42's promql/engine.go and functions.go operation by operation
 * so that results are bit-equal (../shared/reference/semantics.md, A2-A3):
 *
 *  - instant selector: newest sample with t <= T-offset, dropped if older
 *    than T-offset-lookback (closed: exactly lookback old still counts) or if
 *    it is a staleness marker;
 *  - range selector: samples with T-offset-range <= t <= T-offset (closed on
 *    both ends), markers skipped; a series with none yields nothing;
 *  - avg_over_time / sum_over_time: Kahan-compensated (2.42 kahanSumInc);
 *    rate/increase/delta: extrapolatedRate with the zero-point clamp before
 *    the 1.1x threshold test (the 2.42 order);
 *  - avg(): incremental mean in vector order (= series creation order for
 *    selectors); sum(): plain +=; the order of output elements follows
 *    Prometheus (first-seen group order, lhs order for binary operators);
 *  - every function, aggregation and operator result is checked for
 *    duplicate label sets, as rangeEval does.
 *
 * Memory: everything an evaluation builds lives in the result's arena,
 * reset at the start of each evaluation; label strings are never copied (they
 * point into the tsdb or the parsed expression).  Selector matches are cached
 * per result and only new series are tested, so a steady-state evaluation
 * allocates nothing and costs O(matched series x log samples).
 *
 * This file is the evaluator core: selectors, range-vector functions and
 * histogram_quantile, the other functions, subqueries and dispatch.
 * Aggregations are in promql_agg.c, binary/unary operators and vector
 * matching in promql_binop.c; shared state and helpers in promql_int.h. */
#include "models/promql/promql_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sim/engine/common.h"

static const char NAME[] = "__name__";

int pq_ev_fail(ev *e, const char *fmt, ...)
{
    if (e->err && e->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->err, e->errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}


/* --- Go math where it differs from C ------------------------------------- */

double pq_go_nan(void)
{
    uint64_t b = UINT64_C(0x7FF8000000000001);
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static double go_max(double x, double y)
{
    if (isinf(x) && x > 0) return x;
    if (isinf(y) && y > 0) return y;
    if (isnan(x) || isnan(y)) return pq_go_nan();
    if (x == 0 && x == y) return signbit(x) ? y : x;
    return x > y ? x : y;
}

static double go_min(double x, double y)
{
    if (isinf(x) && x < 0) return x;
    if (isinf(y) && y < 0) return y;
    if (isnan(x) || isnan(y)) return pq_go_nan();
    if (x == 0 && x == y) return signbit(x) ? x : y;
    return x < y ? x : y;
}

static int go_is_odd_int(double x)
{
    if (fabs(x) >= 9007199254740992.0) return 0;
    double xi, xf = modf(x, &xi);
    return xf == 0 && ((int64_t)xi & 1) == 1;
}

/* Go's math.Pow (pow.go): integer powers by repeated squaring of the
 * frexp mantissa, which is not what C's pow does; ported so x^n matches
 * bit for bit.  The fractional part uses C's exp(log), which may differ
 * from Go's assembly exp/log in the last bit (doc/promql.md). */
double pq_go_pow(double x, double y)
{
    if (y == 0 || x == 1) return 1;
    if (y == 1) return x;
    if (isnan(x) || isnan(y)) return pq_go_nan();
    if (x == 0) {
        if (y < 0) return signbit(x) && go_is_odd_int(y) ? -INFINITY : INFINITY;
        if (y > 0) return signbit(x) && go_is_odd_int(y) ? x : 0;
    }
    if (isinf(y)) {
        if (x == -1) return 1;
        if ((fabs(x) < 1) == (y > 0)) return 0;
        return INFINITY;
    }
    if (isinf(x)) {
        if (x < 0) return pq_go_pow(1 / x, -y);
        if (y < 0) return 0;
        if (y > 0) return INFINITY;
    }
    if (y == 0.5) return sqrt(x);
    if (y == -0.5) return 1 / sqrt(x);

    double yi, yf = modf(fabs(y), &yi);
    if (yf != 0 && x < 0) return pq_go_nan();
    if (yi >= 9223372036854775808.0) {
        if (x == -1) return 1;
        if ((fabs(x) < 1) == (y > 0)) return 0;
        return INFINITY;
    }
    double a1 = 1.0;
    int ae = 0;
    if (yf != 0) {
        if (yf > 0.5) { yf--; yi++; }
        a1 = exp(yf * log(x));
    }
    int xe;
    double x1 = frexp(x, &xe);
    for (int64_t i = (int64_t)yi; i != 0; i >>= 1) {
        if (xe < -(1 << 12) || (1 << 12) < xe) {
            ae += xe;
            break;
        }
        if ((i & 1) == 1) { a1 *= x1; ae += xe; }
        x1 *= x1;
        xe *= 2;                        /* Go: xe <<= 1, defined for negatives */
        if (x1 < .5) { x1 += x1; xe--; }
    }
    if (y < 0) { a1 = 1 / a1; ae = -ae; }
    return ldexp(a1, ae);
}

/* Go's strconv.ParseFloat for le label values: no surrounding space, no
 * nan(...) payloads, hex only with a p exponent, overflow is an error. */
static int go_parse_float(const char *s, double *out)
{
    if (!*s || isspace((unsigned char)*s)) return -1;
    if (strchr(s, '(')) return -1;
    const char *x = strpbrk(s, "xX");
    if (x && !strpbrk(s, "pP")) return -1;
    char *end;
    double v = strtod(s, &end);
    if (*end || end == s) return -1;
    if (isinf(v)) {
        const char *d = s + (*s == '+' || *s == '-');
        if (strncasecmp(d, "inf", 3) != 0) return -1;  /* out of range */
    }
    *out = v;
    return 0;
}

/* --- labels --------------------------------------------------------------- */

const asim_label *pq_find_label(const asim_label *l, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(l[mid].name, name);
        if (c == 0) return &l[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

/* model.LabelName.IsValid: [a-zA-Z_][a-zA-Z0-9_]* */
int pq_valid_label_name(const char *s)
{
    if (!s[0] || isdigit((unsigned char)s[0])) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_') return 0;
    return 1;
}

static int in_sorted(char *const *names, size_t n, const char *s)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(names[mid], s);
        if (c == 0) return 1;
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return 0;
}

/* Labels kept (keep=1) or removed (keep=0) by names; drop_name also removes
 * __name__.  Returns the input when nothing changes. */
const asim_label *pq_filter_labels(ev *e, const asim_label *l, size_t n, char *const *names,
                                     size_t nn, int keep, int drop_name, size_t *nout)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int listed = in_sorted(names, nn, l[i].name);
        int stays = keep ? listed : !listed && !(drop_name && strcmp(l[i].name, NAME) == 0);
        k += stays;
    }
    if (k == n) { *nout = n; return l; }
    asim_label *o = pq_alloc(e, (k ? k : 1) * sizeof *o);
    k = 0;
    for (size_t i = 0; i < n; i++) {
        int listed = in_sorted(names, nn, l[i].name);
        int stays = keep ? listed : !listed && !(drop_name && strcmp(l[i].name, NAME) == 0);
        if (stays) o[k++] = l[i];
    }
    *nout = k;
    return o;
}

const asim_label *pq_drop_name(ev *e, const asim_label *l, size_t n, size_t *nout)
{
    return pq_filter_labels(e, l, n, NULL, 0, 0, 1, nout);
}

/* l with label name set to value (removed when value is NULL or ""), as
 * labels.Builder.Set does; a new sorted array in the arena. */
const asim_label *pq_set_label(ev *e, const asim_label *l, size_t n, const char *name,
                                 const char *value, size_t *nout)
{
    asim_label *o = pq_alloc(e, (n + 1) * sizeof *o);
    size_t k = 0, i = 0;
    int del = !value || !value[0];
    while (i < n && strcmp(l[i].name, name) < 0) o[k++] = l[i++];
    if (i < n && strcmp(l[i].name, name) == 0) i++;
    if (!del) o[k++] = (asim_label){ name, value };
    while (i < n) o[k++] = l[i++];
    *nout = k;
    return o;
}

int pq_same_labels(const asim_label *a, size_t na, const asim_label *b, size_t nb)
{
    if (na != nb) return 0;
    if (a == b) return 1;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i].name, b[i].name) || strcmp(a[i].value, b[i].value)) return 0;
    return 1;
}

/* Prometheus's Labels.String(), for error messages. */
void pq_labels_str(const asim_label *l, size_t n, char *buf, size_t len)
{
    size_t o = 0;
    o += (size_t)snprintf(buf + o, len - o, "{");
    for (size_t i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s=\"%s\"", i ? ", " : "", l[i].name, l[i].value);
    if (o < len) snprintf(buf + o, len - o, "}");
}


void pq_hset_init(ev *e, hset *s, size_t n)
{
    size_t cap = asim_grow_cap(0, n ? 2 * n : 1, 8);    /* >= 8 and >= 2n: load <= 1/2 */
    s->e = pq_alloc(e, cap * sizeof *s->e);
    for (size_t i = 0; i < cap; i++) s->e[i].idx = -1;
    s->mask = cap - 1;
}

/* The entry for this label set: found (idx >= 0) or the empty one to fill. */
hent *pq_hset_get(hset *s, const asim_label *l, size_t n)
{
    uint64_t h = asim_labels_hash(l, n);
    size_t i = (size_t)h & s->mask;
    while (s->e[i].idx >= 0) {
        if (s->e[i].h == h && pq_same_labels(s->e[i].lab, s->e[i].nlab, l, n)) return &s->e[i];
        i = (i + 1) & s->mask;
    }
    s->e[i].h = h;
    s->e[i].lab = l;
    s->e[i].nlab = n;
    return &s->e[i];
}

int pq_check_unique(ev *e, const pq_sample *v, size_t n)
{
    if (n < 2) return 0;
    hset s;
    pq_hset_init(e, &s, n);
    for (size_t i = 0; i < n; i++) {
        hent *h = pq_hset_get(&s, v[i].lab, v[i].nlab);
        if (h->idx >= 0) return pq_ev_fail(e, "vector cannot contain metrics with the same labelset");
        h->idx = (long)i;
    }
    return 0;
}

/* --- selectors ----------------------------------------------------------- */

static int matches(const asim_tsdb *db, int id, const pq_node *n)
{
    for (size_t i = 0; i < n->nm; i++) {
        const pq_matcher *m = &n->m[i];
        const char *v = asim_tsdb_label(db, id, m->name);
        if (!v) v = "";
        int ok;
        switch (m->type) {
        case PQ_M_EQ: ok = strcmp(v, m->value) == 0; break;
        case PQ_M_NE: ok = strcmp(v, m->value) != 0; break;
        case PQ_M_RE: ok = asim_regex_match(m->re, v, strlen(v)); break;
        default: ok = !asim_regex_match(m->re, v, strlen(v)); break;
        }
        if (!ok) return 0;
    }
    return 1;
}

static const pq_selcache *selected(ev *e, const pq_node *n)
{
    pq_selcache *c = &e->pv->sel[n->sel];
    size_t ns = asim_tsdb_nseries(e->db);
    for (size_t id = c->checked; id < ns; id++) {
        if (!matches(e->db, (int)id, n)) continue;
        ASIM_GROW(c->ids, c->cap, c->n + 1, 16);
        c->ids[c->n++] = (int)id;
    }
    c->checked = ns;
    return c;
}

/* The time a selector or subquery is evaluated at before its offset: the
 * evaluation time, or what its @ modifier fixes (start()/end() of the query). */
static int64_t node_time(const ev *e, const pq_node *n)
{
    switch (n->at_kind) {
    case PQ_AT_TIME: return n->at_ms;
    case PQ_AT_START: return e->start;
    case PQ_AT_END: return e->end;
    default: return e->t;
    }
}

static int eval_vsel(ev *e, const pq_node *n, pq_val *out)
{
    const pq_selcache *c = selected(e, n);
    int64_t ref = node_time(e, n) - n->offset_ms;
    out->type = ASIM_PROMQL_VECTOR;
    out->v = pq_alloc(e, (c->n ? c->n : 1) * sizeof *out->v);
    out->n = 0;
    for (size_t i = 0; i < c->n; i++) {
        asim_sample s;
        if (!asim_tsdb_latest(e->db, c->ids[i], ref, &s)) continue;
        if (s.t < ref - e->lookback || asim_is_stale_nan(s.v)) continue;
        asim_labels l = asim_tsdb_labels(e->db, c->ids[i]);
        /* timestamp() of a selector reads the sample's own time */
        out->v[out->n++] = (pq_sample){ l.v, l.n, e->want_ts ? (double)s.t / 1000 : s.v };
    }
    return 0;
}

static int eval_msel(ev *e, const pq_node *n, pq_val *out)
{
    const pq_selcache *c = selected(e, n);
    int64_t maxt = node_time(e, n) - n->offset_ms, mint = maxt - n->range_ms;
    out->type = ASIM_PROMQL_MATRIX;
    out->m = pq_alloc(e, (c->n ? c->n : 1) * sizeof *out->m);
    out->n = 0;
    for (size_t i = 0; i < c->n; i++) {
        const asim_sample *pts;
        size_t k = asim_tsdb_range(e->db, c->ids[i], mint, maxt, &pts), stale = 0;
        for (size_t j = 0; j < k; j++) stale += (size_t)asim_is_stale_nan(pts[j].v);
        if (stale) {                       /* rare: copy without the markers */
            asim_sample *cp = pq_alloc(e, (k - stale ? k - stale : 1) * sizeof *cp);
            size_t m = 0;
            for (size_t j = 0; j < k; j++)
                if (!asim_is_stale_nan(pts[j].v)) cp[m++] = pts[j];
            pts = cp;
            k = m;
        }
        if (k == 0) continue;
        asim_labels l = asim_tsdb_labels(e->db, c->ids[i]);
        out->m[out->n++] = (pq_series){ l.v, l.n, pts, k };
    }
    return 0;
}

/* --- range-vector functions ----------------------------------------------- */

static void kahan_inc(double inc, double *sum, double *c)
{
    double t = *sum + inc;
    if (fabs(*sum) >= fabs(inc)) *c += (*sum - t) + inc;
    else *c += (inc - t) + *sum;
    *sum = t;
}

static double avg_over_time(const asim_sample *p, size_t n)
{
    double mean = 0, count = 0, c = 0;
    for (size_t i = 0; i < n; i++) {
        double v = p[i].v;
        count++;
        if (isinf(mean)) {
            if (isinf(v) && (mean > 0) == (v > 0)) continue;
            if (!isinf(v) && !isnan(v)) continue;
        }
        kahan_inc(v / count - mean / count, &mean, &c);
    }
    if (isinf(mean)) return mean;
    return mean + c;
}

static double sum_over_time(const asim_sample *p, size_t n)
{
    double sum = 0, c = 0;
    for (size_t i = 0; i < n; i++) kahan_inc(p[i].v, &sum, &c);
    if (isinf(sum)) return sum;
    return sum + c;
}

/* vectorByValueHeap's order: NaN first, then ascending. */
static int before(double x, double y)
{
    if (isnan(x)) return !isnan(y);
    return x < y;
}

/* In-place heapsorts: qsort may call malloc for larger arrays, and an
 * evaluation must not allocate in steady state.  Any correct sort gives the
 * same result here (equal keys are equal values, or get summed). */
static void sift_values(double *v, size_t root, size_t n)
{
    for (;;) {
        size_t c = 2 * root + 1;
        if (c >= n) return;
        if (c + 1 < n && before(v[c], v[c + 1])) c++;
        if (!before(v[root], v[c])) return;
        double t = v[root]; v[root] = v[c]; v[c] = t;
        root = c;
    }
}

static void sort_values(double *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0; ) sift_values(v, i, n);
    for (size_t end = n; end > 1; end--) {
        double t = v[0]; v[0] = v[end - 1]; v[end - 1] = t;
        sift_values(v, 0, end - 1);
    }
}

double pq_quantile_values(double q, double *v, size_t n)
{
    if (n == 0) return pq_go_nan();
    if (q < 0) return -INFINITY;
    if (q > 1) return INFINITY;
    if (isnan(q)) return pq_go_nan();            /* Go would index with int(NaN) */
    sort_values(v, n);
    double N = (double)n, rank = q * (N - 1);
    double lower = fmax(0, floor(rank)), upper = fmin(N - 1, lower + 1);
    double weight = rank - floor(rank);
    return v[(size_t)lower] * (1 - weight) + v[(size_t)upper] * weight;
}

/* functions.go extrapolatedRate, 2.42 order: zero clamp, then threshold. */
static int extrapolated_rate(const pq_node *sel, int64_t t, const asim_sample *p, size_t n,
                             int counter, int is_rate, double *out)
{
    if (n < 2) return 0;
    int64_t range_start = t - (sel->range_ms + sel->offset_ms);
    int64_t range_end = t - sel->offset_ms;
    double result = p[n - 1].v - p[0].v;
    if (counter) {
        double prev = p[0].v;
        for (size_t i = 1; i < n; i++) {
            if (p[i].v < prev) result += prev;
            prev = p[i].v;
        }
    }
    double to_start = (double)(p[0].t - range_start) / 1000;
    double to_end = (double)(range_end - p[n - 1].t) / 1000;
    double sampled = (double)(p[n - 1].t - p[0].t) / 1000;
    double avg_step = sampled / (double)(n - 1);
    if (counter && result > 0 && p[0].v >= 0) {
        double to_zero = sampled * (p[0].v / result);
        if (to_zero < to_start) to_start = to_zero;
    }
    double threshold = avg_step * 1.1;
    double ext = sampled;
    ext += to_start < threshold ? to_start : avg_step / 2;
    ext += to_end < threshold ? to_end : avg_step / 2;
    double factor = ext / sampled;
    if (is_rate) factor /= (double)(sel->range_ms / 1000) + (double)(sel->range_ms % 1000 * 1000000) / 1e9;
    *out = result * factor;
    return 1;
}

static int irate(const asim_sample *p, size_t n, double *out)
{
    if (n < 2) return 0;
    asim_sample last = p[n - 1], prev = p[n - 2];
    double r = last.v < prev.v ? last.v : last.v - prev.v;
    int64_t dt = last.t - prev.t;
    if (dt == 0) return 0;
    *out = r / ((double)dt / 1000);
    return 1;
}

const pq_node *pq_unparen(const pq_node *n)
{
    while (n->kind == PQ_PAREN) n = n->lhs;
    return n;
}


int pq_eval_scalar_arg(ev *e, const pq_node *n, double *v)
{
    pq_val a;
    if (pq_eval(e, n, &a) != 0) return -1;
    *v = a.scalar;
    return 0;
}

/* absent()/absent_over_time() output: the equality matchers of a selector
 * argument as labels (a label matched twice, or not by =, is left out), as
 * createLabelsForAbsentFunction does; no labels for any other argument. */
static int absent_result(ev *e, const pq_node *arg, pq_val *out)
{
    arg = pq_unparen(arg);
    out->type = ASIM_PROMQL_VECTOR;
    out->v = pq_alloc(e, sizeof *out->v);
    out->n = 1;
    asim_label *l = pq_alloc(e, (arg->nm ? arg->nm : 1) * sizeof *l);
    size_t nl = 0;
    if (arg->kind == PQ_VSEL || arg->kind == PQ_MSEL) {
        for (size_t i = 0; i < arg->nm; i++) {
            const pq_matcher *m = &arg->m[i];
            if (strcmp(m->name, NAME) == 0) continue;
            size_t uses = 0;
            for (size_t j = 0; j < arg->nm; j++) uses += strcmp(arg->m[j].name, m->name) == 0;
            if (m->type == PQ_M_EQ && uses == 1) l[nl++] = (asim_label){ m->name, m->value };
        }
    }
    for (size_t i = 1; i < nl; i++)        /* sort by name (few labels) */
        for (size_t j = i; j > 0 && strcmp(l[j - 1].name, l[j].name) > 0; j--) {
            asim_label t = l[j]; l[j] = l[j - 1]; l[j - 1] = t;
        }
    out->v[0] = (pq_sample){ l, nl, 1 };
    return 0;
}

static int eval_range_fn(ev *e, const pq_node *n, pq_val *out)
{
    pq_fn id = n->fn->id;
    double q = 0, a[3] = { 0, 0, 0 };
    int marg = 0;
    while (n->args[marg]->type != ASIM_PROMQL_MATRIX) marg++;
    for (int i = 0; i < n->nargs; i++)
        if (i != marg && pq_eval_scalar_arg(e, n->args[i], &a[i]) != 0) return -1;
    q = a[0];
    pq_val m;
    if (pq_eval(e, n->args[marg], &m) != 0) return -1;
    const pq_node *sel = pq_unparen(n->args[marg]);
    if (id == PQ_FN_ABSENT_OVER_TIME) {
        if (m.n) { out->type = ASIM_PROMQL_VECTOR; out->n = 0; return 0; }
        return absent_result(e, sel, out);
    }
    if (id == PQ_FN_HOLT_WINTERS) {
        if (a[1] <= 0 || a[1] >= 1)
            return pq_ev_fail(e, "invalid smoothing factor. Expected: 0 < sf < 1, got: %f", a[1]);
        if (a[2] <= 0 || a[2] >= 1)
            return pq_ev_fail(e, "invalid trend factor. Expected: 0 < tf < 1, got: %f", a[2]);
    }
    int64_t now = node_time(e, sel);
    out->type = ASIM_PROMQL_VECTOR;
    out->v = pq_alloc(e, (m.n ? m.n : 1) * sizeof *out->v);
    out->n = 0;
    double *scratch = NULL;
    for (size_t i = 0; i < m.n; i++) {
        const asim_sample *p = m.m[i].pts;
        size_t k = m.m[i].n;
        double v = 0;
        int have = 1;
        switch (id) {
        case PQ_FN_AVG_OVER_TIME: v = avg_over_time(p, k); break;
        case PQ_FN_SUM_OVER_TIME: v = sum_over_time(p, k); break;
        case PQ_FN_COUNT_OVER_TIME: v = (double)k; break;
        case PQ_FN_PRESENT_OVER_TIME: v = 1; break;
        case PQ_FN_LAST_OVER_TIME: v = p[k - 1].v; break;
        case PQ_FN_MAX_OVER_TIME:
            v = p[0].v;
            for (size_t j = 0; j < k; j++) if (p[j].v > v || isnan(v)) v = p[j].v;
            break;
        case PQ_FN_MIN_OVER_TIME:
            v = p[0].v;
            for (size_t j = 0; j < k; j++) if (p[j].v < v || isnan(v)) v = p[j].v;
            break;
        case PQ_FN_QUANTILE_OVER_TIME:
            if (!scratch) {
                size_t mx = 0;
                for (size_t j = 0; j < m.n; j++) if (m.m[j].n > mx) mx = m.m[j].n;
                scratch = pq_alloc(e, mx * sizeof *scratch);
            }
            for (size_t j = 0; j < k; j++) scratch[j] = p[j].v;
            v = pq_quantile_values(q, scratch, k);
            break;
        case PQ_FN_CHANGES: {
            double prev = p[0].v, c = 0;
            for (size_t j = 1; j < k; j++) {
                if (p[j].v != prev && !(isnan(p[j].v) && isnan(prev))) c++;
                prev = p[j].v;
            }
            v = c;
            break;
        }
        case PQ_FN_RESETS: {
            double prev = p[0].v, c = 0;
            for (size_t j = 1; j < k; j++) {
                if (p[j].v < prev) c++;
                prev = p[j].v;
            }
            v = c;
            break;
        }
        case PQ_FN_RATE: have = extrapolated_rate(sel, now, p, k, 1, 1, &v); break;
        case PQ_FN_INCREASE: have = extrapolated_rate(sel, now, p, k, 1, 0, &v); break;
        case PQ_FN_DELTA: have = extrapolated_rate(sel, now, p, k, 0, 0, &v); break;
        case PQ_FN_IRATE: have = irate(p, k, &v); break;
        case PQ_FN_IDELTA:
            have = k >= 2;
            if (have) v = p[k - 1].v - p[k - 2].v;
            break;
        case PQ_FN_STDVAR_OVER_TIME: v = asim_pq_variance(p, k); break;
        case PQ_FN_STDDEV_OVER_TIME: v = sqrt(asim_pq_variance(p, k)); break;
        case PQ_FN_DERIV: {
            double icpt;
            have = k >= 2;
            if (have) asim_pq_linreg(p, k, p[0].t, &v, &icpt);
            break;
        }
        case PQ_FN_PREDICT_LINEAR: {
            double slope, icpt;
            have = k >= 2;
            if (have) {
                /* the intercept is at the evaluation step, whatever the offset or @ */
                asim_pq_linreg(p, k, e->t, &slope, &icpt);
                v = slope * a[1] + icpt;
            }
            break;
        }
        case PQ_FN_HOLT_WINTERS: have = asim_pq_holt_winters(p, k, a[1], a[2], &v) == 0; break;
        default: return pq_ev_fail(e, "internal error: not a range function");
        }
        if (!have) continue;
        pq_sample *s = &out->v[out->n++];
        s->v = v;
        if (id == PQ_FN_LAST_OVER_TIME) { s->lab = m.m[i].lab; s->nlab = m.m[i].nlab; }
        else s->lab = pq_drop_name(e, m.m[i].lab, m.m[i].nlab, &s->nlab);
    }
    return pq_check_unique(e, out->v, out->n);
}

/* --- histogram_quantile (functions.go + quantile.go bucketQuantile) -------- */

typedef struct bucket { double upper, count; } bucket;

typedef struct hgroup {
    const asim_label *lab;    /* output labels: without le and __name__ */
    size_t nlab;
    bucket *b;
    size_t n;
} hgroup;

static void sift_buckets(bucket *b, size_t root, size_t n)
{
    for (;;) {
        size_t c = 2 * root + 1;
        if (c >= n) return;
        if (c + 1 < n && b[c].upper < b[c + 1].upper) c++;
        if (!(b[root].upper < b[c].upper)) return;
        bucket t = b[root]; b[root] = b[c]; b[c] = t;
        root = c;
    }
}

static void sort_buckets(bucket *b, size_t n)
{
    for (size_t i = n / 2; i-- > 0; ) sift_buckets(b, i, n);
    for (size_t end = n; end > 1; end--) {
        bucket t = b[0]; b[0] = b[end - 1]; b[end - 1] = t;
        sift_buckets(b, 0, end - 1);
    }
}

static double bucket_quantile(double q, bucket *b, size_t n)
{
    if (isnan(q)) return pq_go_nan();
    if (q < 0) return -INFINITY;
    if (q > 1) return INFINITY;
    sort_buckets(b, n);
    if (!(isinf(b[n - 1].upper) && b[n - 1].upper > 0)) return pq_go_nan();
    /* coalesceBuckets */
    size_t k = 0;
    bucket last = b[0];
    for (size_t i = 1; i < n; i++) {
        if (b[i].upper == last.upper) last.count += b[i].count;
        else { b[k++] = last; last = b[i]; }
    }
    b[k++] = last;
    n = k;
    /* ensureMonotonic */
    double max = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (b[i].count > max) max = b[i].count;
        else if (b[i].count < max) b[i].count = max;
    }
    if (n < 2) return pq_go_nan();
    double obs = b[n - 1].count;
    if (obs == 0) return pq_go_nan();
    double rank = q * obs;
    size_t lo = 0, hi = n - 1;              /* sort.Search(n-1, count >= rank) */
    while (lo < hi) {
        size_t h = (lo + hi) / 2;
        if (!(b[h].count >= rank)) lo = h + 1; else hi = h;
    }
    size_t i = lo;
    if (i == n - 1) return b[n - 2].upper;
    if (i == 0 && b[0].upper <= 0) return b[0].upper;
    double start = 0, end = b[i].upper, count = b[i].count;
    if (i > 0) {
        start = b[i - 1].upper;
        count -= b[i - 1].count;
        rank -= b[i - 1].count;
    }
    return start + (end - start) * (rank / count);
}

static int eval_histogram_quantile(ev *e, const pq_node *n, pq_val *out)
{
    double q;
    if (pq_eval_scalar_arg(e, n->args[0], &q) != 0) return -1;
    pq_val in;
    if (pq_eval(e, n->args[1], &in) != 0) return -1;
    static char *const le[] = { (char *)"le" };
    hgroup *g = pq_alloc(e, (in.n ? in.n : 1) * sizeof *g);
    size_t *which = pq_alloc(e, (in.n ? in.n : 1) * sizeof *which);
    double *upper = pq_alloc(e, (in.n ? in.n : 1) * sizeof *upper);
    size_t ng = 0;
    hset s;
    pq_hset_init(e, &s, in.n);
    /* first pass: group (by all labels but le, name included) and count */
    for (size_t i = 0; i < in.n; i++) {
        const asim_label *l = pq_find_label(in.v[i].lab, in.v[i].nlab, "le");
        if (!l || go_parse_float(l->value, &upper[i]) != 0) { which[i] = SIZE_MAX; continue; }
        size_t nk;
        const asim_label *key = pq_filter_labels(e, in.v[i].lab, in.v[i].nlab, le, 1, 0, 0, &nk);
        hent *h = pq_hset_get(&s, key, nk);
        if (h->idx < 0) {
            h->idx = (long)ng;
            g[ng].lab = pq_drop_name(e, key, nk, &g[ng].nlab);
            g[ng].n = 0;
            g[ng].b = NULL;
            ng++;
        }
        which[i] = (size_t)h->idx;
        g[h->idx].n++;
    }
    for (size_t j = 0; j < ng; j++) { g[j].b = pq_alloc(e, g[j].n * sizeof *g[j].b); g[j].n = 0; }
    for (size_t i = 0; i < in.n; i++) {
        if (which[i] == SIZE_MAX) continue;
        hgroup *gr = &g[which[i]];
        gr->b[gr->n++] = (bucket){ upper[i], in.v[i].v };
    }
    out->type = ASIM_PROMQL_VECTOR;
    out->v = pq_alloc(e, (ng ? ng : 1) * sizeof *out->v);
    out->n = 0;
    for (size_t j = 0; j < ng; j++)
        out->v[out->n++] = (pq_sample){ g[j].lab, g[j].nlab, bucket_quantile(q, g[j].b, g[j].n) };
    return pq_check_unique(e, out->v, out->n);
}

/* --- other functions ----------------------------------------------------- */

static const char *str_arg(const pq_node *n, int i) { return pq_unparen(n->args[i])->str; }

/* label_replace(v, dst, replacement, src, regex) and
 * label_join(v, dst, separator, src...): funcLabelReplace/funcLabelJoin.
 * The metric name is kept; an empty result deletes dst. */
static int eval_label_fn(ev *e, const pq_node *n, pq_val *out)
{
    pq_val in;
    if (pq_eval(e, n->args[0], &in) != 0) return -1;
    out->type = ASIM_PROMQL_VECTOR;
    out->v = pq_alloc(e, (in.n ? in.n : 1) * sizeof *out->v);
    out->n = in.n;
    const char *dst = str_arg(n, 1);
    for (size_t i = 0; i < in.n; i++) {
        out->v[i] = in.v[i];
        char *res = NULL;
        if (n->fn->id == PQ_FN_LABEL_REPLACE) {
            const asim_label *src = pq_find_label(in.v[i].lab, in.v[i].nlab, str_arg(n, 3));
            char *tmp;
            int rc = asim_regex_expand(n->re, src ? src->value : "", str_arg(n, 2), &tmp);
            if (rc < 0) return pq_ev_fail(e, "out of memory");
            if (rc == 0) continue;                    /* no match: unchanged */
            res = pq_alloc(e, strlen(tmp) + 1);
            strcpy(res, tmp);
            free(tmp);
        } else {
            const char *sep = str_arg(n, 2);
            size_t len = 1;
            for (int j = 3; j < n->nargs; j++) {
                const asim_label *x = pq_find_label(in.v[i].lab, in.v[i].nlab, str_arg(n, j));
                len += (x ? strlen(x->value) : 0) + strlen(sep);
            }
            res = pq_alloc(e, len);
            res[0] = '\0';
            for (int j = 3; j < n->nargs; j++) {
                const asim_label *x = pq_find_label(in.v[i].lab, in.v[i].nlab, str_arg(n, j));
                if (j > 3) strcat(res, sep);
                if (x) strcat(res, x->value);
            }
        }
        out->v[i].lab = pq_set_label(e, in.v[i].lab, in.v[i].nlab, dst, res, &out->v[i].nlab);
    }
    return pq_check_unique(e, out->v, out->n);
}

static int arg_not_sel(const pq_node *n) { return pq_unparen(n->args[0])->kind != PQ_VSEL; }

/* sort() / sort_desc(): by value, NaN last (funcSort's ordering); ties keep
 * input order, where Go's unstable sort may not. */
static int sort_cmp_asc(const void *x, const void *y)
{
    const pq_sample *a = x, *b = y;
    if (isnan(a->v) || isnan(b->v)) return isnan(a->v) - isnan(b->v);
    return (a->v > b->v) - (a->v < b->v);
}

static int sort_cmp_desc(const void *x, const void *y)
{
    const pq_sample *a = x, *b = y;
    if (isnan(a->v) || isnan(b->v)) return isnan(a->v) - isnan(b->v);
    return (a->v < b->v) - (a->v > b->v);
}

static int sort_vector(ev *e, const pq_val *in, int desc, pq_val *out)
{
    *out = *in;
    out->v = pq_alloc(e, (in->n ? in->n : 1) * sizeof *out->v);
    /* insertion into place keeps it stable; vectors here are small */
    for (size_t i = 0; i < in->n; i++) {
        size_t j = i;
        while (j > 0 && (desc ? sort_cmp_desc : sort_cmp_asc)(&out->v[j - 1], &in->v[i]) > 0) {
            out->v[j] = out->v[j - 1];
            j--;
        }
        out->v[j] = in->v[i];
    }
    return 0;
}

static int eval_call(ev *e, const pq_node *n, pq_val *out)
{
    const pq_func *f = n->fn;
    for (int i = 0; i < f->nargs; i++)
        if (f->arg[i] == ASIM_PROMQL_MATRIX) return eval_range_fn(e, n, out);
    if (f->id == PQ_FN_HISTOGRAM_QUANTILE) return eval_histogram_quantile(e, n, out);
    if (f->id == PQ_FN_TIME) {
        out->type = ASIM_PROMQL_SCALAR;
        out->scalar = (double)e->t / 1000;
        return 0;
    }
    if (f->id == PQ_FN_VECTOR) {
        double v;
        if (pq_eval_scalar_arg(e, n->args[0], &v) != 0) return -1;
        out->type = ASIM_PROMQL_VECTOR;
        out->v = pq_alloc(e, sizeof *out->v);
        out->v[0] = (pq_sample){ NULL, 0, v };
        out->n = 1;
        return 0;
    }
    if (f->id == PQ_FN_PI) {
        out->type = ASIM_PROMQL_SCALAR;
        out->scalar = M_PI;
        return 0;
    }
    if (asim_pq_is_date(f->id) && n->nargs == 0) {     /* default: vector(time()) */
        out->type = ASIM_PROMQL_VECTOR;
        out->v = pq_alloc(e, sizeof *out->v);
        out->v[0] = (pq_sample){ NULL, 0, asim_pq_date(f->id, (double)(e->t / 1000)) };
        out->n = 1;
        return 0;
    }
    pq_val in;
    if (f->id == PQ_FN_LABEL_REPLACE || f->id == PQ_FN_LABEL_JOIN) return eval_label_fn(e, n, out);
    if (f->id == PQ_FN_TIMESTAMP) {
        const pq_node *arg = pq_unparen(n->args[0]);
        e->want_ts = arg->kind == PQ_VSEL;
        int rc = pq_eval(e, arg, &in);
        e->want_ts = 0;
        if (rc != 0) return -1;
    } else if (pq_eval(e, n->args[0], &in) != 0) {
        return -1;
    }
    if (f->id == PQ_FN_SCALAR) {
        out->type = ASIM_PROMQL_SCALAR;
        out->scalar = in.n == 1 ? in.v[0].v : pq_go_nan();
        return 0;
    }
    if (f->id == PQ_FN_ABSENT) {
        if (in.n) { *out = in; out->n = 0; return 0; }
        return absent_result(e, n->args[0], out);
    }
    if (f->id == PQ_FN_SORT || f->id == PQ_FN_SORT_DESC) return sort_vector(e, &in, f->id == PQ_FN_SORT_DESC, out);
    double a = 1, b = 0;
    if (n->nargs >= 2 && pq_eval_scalar_arg(e, n->args[1], &a) != 0) return -1;
    if (n->nargs >= 3 && pq_eval_scalar_arg(e, n->args[2], &b) != 0) return -1;
    out->type = ASIM_PROMQL_VECTOR;
    out->v = pq_alloc(e, (in.n ? in.n : 1) * sizeof *out->v);
    out->n = 0;
    if (f->id == PQ_FN_CLAMP && b < a) return 0;
    for (size_t i = 0; i < in.n; i++) {
        double v = in.v[i].v;
        switch (f->id) {
        case PQ_FN_ABS: v = fabs(v); break;
        case PQ_FN_CEIL: v = ceil(v); break;
        case PQ_FN_FLOOR: v = floor(v); break;
        case PQ_FN_SQRT: v = sqrt(v); break;
        case PQ_FN_CLAMP_MIN: v = go_max(a, v); break;
        case PQ_FN_CLAMP_MAX: v = go_min(a, v); break;
        case PQ_FN_CLAMP: v = go_max(a, go_min(b, v)); break;
        case PQ_FN_TIMESTAMP: if (!e->want_ts && arg_not_sel(n)) v = (double)e->t / 1000; break;
        default:
            if (asim_pq_is_math(f->id)) v = asim_pq_math(f->id, v, a);
            else if (asim_pq_is_date(f->id)) v = asim_pq_date(f->id, v);
            else return pq_ev_fail(e, "internal error: unknown function");
        }
        pq_sample *s = &out->v[out->n++];
        s->v = v;
        s->lab = pq_drop_name(e, in.v[i].lab, in.v[i].nlab, &s->nlab);
    }
    return pq_check_unique(e, out->v, out->n);
}

static int eval_subquery(ev *e, const pq_node *n, pq_val *out)
{
    int64_t step = n->step_ms > 0 ? n->step_ms : 60000;
    int64_t end = node_time(e, n) - n->offset_ms, lo = end - n->range_ms;
    int64_t start = step * (lo / step);
    if (start < lo) start += step;
    size_t nsteps = start <= end ? (size_t)((end - start) / step + 1) : 0;
    pq_val *vals = pq_alloc(e, (nsteps ? nsteps : 1) * sizeof *vals);
    int64_t saved = e->t;
    size_t total = 0;
    for (size_t k = 0; k < nsteps; k++) {
        e->t = start + (int64_t)k * step;
        int rc = pq_eval(e, n->lhs, &vals[k]);
        if (rc != 0) { e->t = saved; return -1; }
        total += vals[k].n;
    }
    e->t = saved;
    hset s;
    pq_hset_init(e, &s, total);
    pq_series *m = pq_alloc(e, (total ? total : 1) * sizeof *m);
    size_t nm = 0;
    for (int pass = 0; pass < 2; pass++) {      /* count, then fill */
        for (size_t k = 0; k < nsteps; k++)
            for (size_t i = 0; i < vals[k].n; i++) {
                const pq_sample *x = &vals[k].v[i];
                hent *h = pq_hset_get(&s, x->lab, x->nlab);
                if (h->idx < 0) { h->idx = (long)nm; m[nm++] = (pq_series){ x->lab, x->nlab, NULL, 0 }; }
                pq_series *ser = &m[h->idx];
                if (pass == 0) { ser->n++; continue; }
                asim_sample *pts = (asim_sample *)ser->pts;
                pts[ser->n++] = (asim_sample){ start + (int64_t)k * step, x->v };
            }
        if (pass == 0)
            for (size_t j = 0; j < nm; j++) { m[j].pts = pq_alloc(e, m[j].n * sizeof(asim_sample)); m[j].n = 0; }
    }
    out->type = ASIM_PROMQL_MATRIX;
    out->m = m;
    out->n = nm;
    return 0;
}

int pq_eval(ev *e, const pq_node *n, pq_val *out)
{
    memset(out, 0, sizeof *out);
    switch (n->kind) {
    case PQ_NUM:
        out->type = ASIM_PROMQL_SCALAR;
        out->scalar = n->num;
        return 0;
    case PQ_PAREN: return pq_eval(e, n->lhs, out);
    case PQ_VSEL: return eval_vsel(e, n, out);
    case PQ_MSEL: return eval_msel(e, n, out);
    case PQ_CALL: return eval_call(e, n, out);
    case PQ_AGGR: return pq_eval_aggr(e, n, out);
    case PQ_BIN: return pq_eval_bin(e, n, out);
    case PQ_UNARY: return pq_eval_unary(e, n, out);
    case PQ_SUBQ: return eval_subquery(e, n, out);
    case PQ_STR: out->type = ASIM_PROMQL_STRING; return 0;   /* read from the node by its user */
    }
    return pq_ev_fail(e, "internal error: bad node");
}

/* --- public ---------------------------------------------------------------- */

static pq_priv *priv_for(asim_promql_result *r, const asim_promql *expr, const asim_tsdb *db)
{
    pq_priv *pv = r->priv;
    if (!pv) {
        pv = asim_calloc(1, sizeof *pv);
        r->priv = pv;
    }
    if (pv->expr != expr || pv->db != db || pv->nsel != expr->nsel) {
        for (int i = 0; i < pv->nsel; i++) asim_free(pv->sel[i].ids);
        asim_free(pv->sel);
        pv->nsel = expr->nsel;
        pv->sel = asim_calloc(pv->nsel ? (size_t)pv->nsel : 1, sizeof *pv->sel);
        pv->expr = expr;
        pv->db = db;
    }
    return pv;
}

static asim_label *copy_labels(ev *e, const asim_label *l, size_t n)
{
    asim_label *o = pq_alloc(e, (n ? n : 1) * sizeof *o);
    if (n) memcpy(o, l, n * sizeof *o);
    return o;
}

int asim_promql_eval(const asim_promql *expr, asim_tsdb *db, int64_t t_ms,
                     int64_t lookback_ms, asim_promql_result *out,
                     char *err, size_t errlen)
{
    return asim_promql_eval_in(expr, db, t_ms, t_ms, t_ms, lookback_ms, out, err, errlen);
}

int asim_promql_eval_in(const asim_promql *expr, asim_tsdb *db, int64_t t_ms, int64_t start_ms,
                        int64_t end_ms, int64_t lookback_ms, asim_promql_result *out,
                        char *err, size_t errlen)
{
    pq_priv *pv = priv_for(out, expr, db);
    asim_pq_arena_reset(&pv->arena);
    ev e = { db, t_ms, lookback_ms, start_ms, end_ms, 0, pv, &pv->arena, err, errlen };
    if (err && errlen) err[0] = '\0';
    out->type = expr->root->type;
    out->scalar = 0;
    out->v = NULL;
    out->n = 0;
    pq_val v;
    if (pq_eval(&e, expr->root, &v) != 0) {
        out->n = 0;
        return -1;
    }
    out->type = v.type;
    if (v.type == ASIM_PROMQL_SCALAR) {
        out->scalar = v.scalar;
        return 0;
    }
    out->v = pq_alloc(&e, (v.n ? v.n : 1) * sizeof *out->v);
    out->n = v.n;
    for (size_t i = 0; i < v.n; i++) {
        asim_promql_elem *o = &out->v[i];
        memset(o, 0, sizeof *o);
        if (v.type == ASIM_PROMQL_VECTOR) {
            o->labels = copy_labels(&e, v.v[i].lab, v.v[i].nlab);
            o->nlabels = v.v[i].nlab;
            o->value = v.v[i].v;
        } else {
            o->labels = copy_labels(&e, v.m[i].lab, v.m[i].nlab);
            o->nlabels = v.m[i].nlab;
            o->value = v.m[i].pts[v.m[i].n - 1].v;
            o->samples = v.m[i].pts;
            o->nsamples = v.m[i].n;
        }
    }
    return 0;
}