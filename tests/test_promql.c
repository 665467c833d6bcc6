/* test_promql.c -- the PromQL engine on the worked examples of
 * ../shared/reference/semantics.md (A2, A3) and on hand-computed cases:
 * Kahan means, closed windows, the 5 m lookback and staleness, rate/increase
 * extrapolation in the 2.42 order, histogram_quantile's edge rules, parse
 * errors with positions, retention reach, and allocation-free steady-state
 * evaluation.  The bulk comparison with real Prometheus is the CLI test
 * tests/cli/test_promql_vs_prometheus.sh. */
#include "models/promql/promql.h"
#include "models/prometheus/tsdb.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "check.h"

/* --- counting allocations (not under ASan, which owns malloc) ----------- */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0
#else
#define COUNT_ALLOCS 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static long n_allocs;
void *malloc(size_t n) { n_allocs++; return __libc_malloc(n); }
void *calloc(size_t c, size_t n) { n_allocs++; return __libc_calloc(c, n); }
void *realloc(void *p, size_t n) { n_allocs++; return __libc_realloc(p, n); }
#endif

static const int64_t LOOKBACK = 300000;

static int sid(asim_tsdb *db, const char *name, const char *k1, const char *v1,
               const char *k2, const char *v2)
{
    asim_label l[3] = { { "__name__", name }, { k1 ? k1 : "x", v1 ? v1 : "" }, { k2 ? k2 : "y", v2 ? v2 : "" } };
    return asim_tsdb_series(db, l, 3);
}

/* Evaluate q at t (ms); returns the result type or -1 (with the message printed). */
static int eval_at(asim_tsdb *db, const char *q, int64_t t, asim_promql_result *r)
{
    char err[256];
    asim_promql *e = asim_promql_parse(q, err, sizeof err);
    if (!e) { fprintf(stderr, "  parse %s: %s\n", q, err); return -1; }
    int rc = asim_promql_eval(e, db, t, LOOKBACK, r, err, sizeof err);
    asim_promql_free(e);
    if (rc != 0) { fprintf(stderr, "  eval %s: %s\n", q, err); return -1; }
    return (int)r->type;
}

/* The single value of q at t: the scalar, or the only vector element; NAN
 * (and a failed check) otherwise. */
static double one(asim_tsdb *db, const char *q, int64_t t)
{
    asim_promql_result r = { 0 };
    double v = -12345;
    int type = eval_at(db, q, t, &r);
    if (type == ASIM_PROMQL_SCALAR) v = r.scalar;
    else if (type == ASIM_PROMQL_VECTOR && r.n == 1) v = r.v[0].value;
    else CHECK_MSG(0, "%s at %lld: type %d with %zu elements", q, (long long)t, type, r.n);
    asim_promql_result_free(&r);
    return v;
}

static size_t count(asim_tsdb *db, const char *q, int64_t t)
{
    asim_promql_result r = { 0 };
    size_t n = eval_at(db, q, t, &r) >= 0 ? r.n : (size_t)-1;
    asim_promql_result_free(&r);
    return n;
}

static int bits_equal(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* --- semantics.md A3: avg_over_time's compensated mean --------------------- */

static void test_avg_over_time_kahan(void)
{
    asim_tsdb *db = asim_tsdb_create(0);
    const double v[] = { 0.12, 0.15, 0.11, 0.18, 0.22, 0.19, 0.25 };
    int a = sid(db, "m", "case", "list", NULL, NULL);
    int b = sid(db, "m", "case", "seven_07", NULL, NULL);
    int c = sid(db, "m", "case", "seven_01", NULL, NULL);
    for (int i = 0; i < 7; i++) {
        asim_tsdb_append(db, a, 5000 * i, v[i]);
        asim_tsdb_append(db, b, 5000 * i, 0.7);
        asim_tsdb_append(db, c, 5000 * i, 0.1);
    }
    double list = one(db, "avg_over_time(m{case=\"list\"}[30s])", 30000);
    CHECK(bits_equal(list, 0.17428571428571427));        /* naive sum/n: 0.1742857142857143 */
    CHECK(!bits_equal(list, (0.12 + 0.15 + 0.11 + 0.18 + 0.22 + 0.19 + 0.25) / 7));
    CHECK(bits_equal(one(db, "avg_over_time(m{case=\"seven_07\"}[30s])", 30000), 0.7));
    CHECK(count(db, "avg_over_time(m{case=\"seven_07\"}[30s]) > 0.7", 30000) == 0);
    CHECK(bits_equal(one(db, "avg_over_time(m{case=\"seven_01\"}[30s])", 30000), 0.1));
    /* sum_over_time is Kahan-compensated too: it rounds the exact sum of the
     * seven binary values (0.7 is 0.69999999999999995559...), where a plain
     * running sum gives 4.9 and 0.7 (promtool 2.42 agrees) */
    CHECK(bits_equal(one(db, "sum_over_time(m{case=\"seven_07\"}[30s])", 30000), 4.8999999999999995));
    CHECK(bits_equal(one(db, "sum_over_time(m{case=\"seven_01\"}[30s])", 30000), 0.7000000000000001));
    asim_tsdb_destroy(db);
}

/* --- A2/A3: windows, lookback, staleness ---------------------------------- */

static void test_windows_lookback_staleness(void)
{
    asim_tsdb *db = asim_tsdb_create(0);
    int g = sid(db, "g", "instance", "a", NULL, NULL);
    for (int i = 0; i <= 20; i++) asim_tsdb_append(db, g, 5000 * i, i);
    /* aligned 5 s scrapes in [30s]: both ends count, 7 samples (3.x: 6) */
    CHECK(one(db, "count_over_time(g[30s])", 60000) == 7);
    CHECK(one(db, "count_over_time(g[30s])", 62500) == 6);

    asim_tsdb *db2 = asim_tsdb_create(0);
    int f = sid(db2, "f", NULL, NULL, NULL, NULL);
    asim_tsdb_append(db2, f, 10000, 1);
    /* closed lookback: a sample exactly 5 m old is still returned */
    CHECK(count(db2, "f", 310000) == 1);
    CHECK(count(db2, "f", 310001) == 0);
    CHECK(count(db2, "f", 9999) == 0);               /* nothing before the first sample */
    asim_tsdb_destroy(db2);

    /* a marker hides the series from instant selectors at once, but range
     * functions keep averaging the real samples before it */
    asim_tsdb_append_stale(db, g, 105000);
    CHECK(count(db, "g", 104999) == 1);
    CHECK(count(db, "g", 105000) == 0);
    CHECK(count(db, "g", 200000) == 0);
    CHECK(one(db, "avg_over_time(g[30s])", 110000) == 18);   /* 80..100 s: 16..20 */
    CHECK(one(db, "count_over_time(g[30s])", 110000) == 5);
    CHECK(count(db, "avg_over_time(g[30s])", 131000) == 0);  /* window after the last sample: nothing */
    CHECK(one(db, "last_over_time(g[1m])", 110000) == 20);
    /* offset moves both the instant and the range reference */
    CHECK(one(db, "g offset 10s", 60000) == 10);
    CHECK(one(db, "count_over_time(g[30s] offset 1m)", 120000) == 7);
    asim_tsdb_destroy(db);
}

/* --- A3: rate, increase, delta, irate -------------------------------------- */

static void test_rate_extrapolation(void)
{
    asim_tsdb *db = asim_tsdb_create(0);
    int full = sid(db, "c", "case", "full", NULL, NULL);
    int reset = sid(db, "c", "case", "reset", NULL, NULL);
    int late = sid(db, "c", "case", "late", NULL, NULL);
    int neg = sid(db, "c", "case", "neg", NULL, NULL);
    for (int i = 0; i <= 6; i++) asim_tsdb_append(db, full, 10000 * i, 10 * i);
    const double rv[] = { 10, 20, 5, 15 };
    for (int i = 0; i < 4; i++) asim_tsdb_append(db, reset, 10000 * i, rv[i]);
    for (int i = 0; i < 4; i++) asim_tsdb_append(db, late, 30000 + 10000 * i, 10 * (i + 1));
    for (int i = 0; i < 3; i++) asim_tsdb_append(db, neg, 40000 + 10000 * i, 5 - 2 * i);

    /* samples cover the window exactly: no extrapolation */
    CHECK(one(db, "increase(c{case=\"full\"}[1m])", 60000) == 60);
    CHECK(one(db, "rate(c{case=\"full\"}[1m])", 60000) == 1);
    /* a reset adds the value before the drop: 15-10 + 20 = 25 */
    CHECK(one(db, "increase(c{case=\"reset\"}[30s])", 30000) == 25);
    CHECK(one(db, "resets(c{case=\"reset\"}[30s])", 30000) == 1);
    /* counter starting inside the window (30,40,50,60 s: 10..40): sampled 30 s,
     * avgStep 10, threshold 11, durationToStart 30, durationToZero 30*10/30 = 10.
     * 2.42 clamps first (10 < 11: extrapolate 10 s) -> 30*40/30 = 40;
     * >= 2.51 tests the threshold first (30 >= 11: 5 s) -> 35 */
    CHECK(one(db, "increase(c{case=\"late\"}[1m])", 60000) == 40);
    /* window [10,70] s, samples 30..60 s: start gap 20 clamped to the zero
     * point 10 (< 11), end gap 10 (< 11): 30 s extended to 50 s -> 30*50/30 */
    CHECK(one(db, "increase(c{case=\"late\"}[1m])", 70000) == 50);
    /* delta has no counter logic: 5,3,1 over [40,60] in [1m] at 60 s:
     * result -4, sampled 20, start gap 40 >= 11 -> +5, end 0 -> -4*25/20 */
    CHECK(one(db, "delta(c{case=\"neg\"}[1m])", 60000) == -5);
    /* fewer than 2 samples: no output */
    CHECK(count(db, "rate(c{case=\"full\"}[5s])", 62000) == 0);
    /* irate: last two samples; a drop counts as a reset */
    CHECK(one(db, "irate(c{case=\"full\"}[1m])", 60000) == 1);
    CHECK(one(db, "irate(c{case=\"reset\"}[25s])", 30000) == 1);     /* 5 -> 15 in 10 s */
    CHECK(one(db, "irate(c{case=\"reset\"}[15s])", 20000) == 0.5);   /* 5 after 20: 5/10 */
    asim_tsdb_destroy(db);
}

/* --- A3: histogram_quantile ---------------------------------------------------- */

static void hist(asim_tsdb *db, const char *c, const char *const *le, const double *n, int k)
{
    for (int i = 0; i < k; i++) asim_tsdb_append(db, sid(db, "h_bucket", "case", c, "le", le[i]), 0, n[i]);
}

static void test_histogram_quantile(void)
{
    asim_tsdb *db = asim_tsdb_create(0);
    hist(db, "p55", (const char *const[]){ "0.2", "0.3", "+Inf" }, (const double[]){ 50, 60, 100 }, 3);
    hist(db, "inf", (const char *const[]){ "0.1", "2.5", "+Inf" }, (const double[]){ 0, 90, 100 }, 3);
    hist(db, "zero", (const char *const[]){ "0.1", "1", "+Inf" }, (const double[]){ 0, 0, 0 }, 3);
    hist(db, "noinf", (const char *const[]){ "0.1", "0.5", "1" }, (const double[]){ 3, 7, 10 }, 3);
    hist(db, "lone", (const char *const[]){ "+Inf" }, (const double[]){ 10 }, 1);
    hist(db, "nonmono", (const char *const[]){ "1", "2", "+Inf" }, (const double[]){ 10, 5, 20 }, 3);
    hist(db, "neg", (const char *const[]){ "-1", "0", "+Inf" }, (const double[]){ 5, 8, 10 }, 3);
    /* 0.55*100 = 55.00000000000001, so not 0.25 */
    CHECK(bits_equal(one(db, "histogram_quantile(0.55, h_bucket{case=\"p55\"})", 0), 0.25000000000000006));
    /* landing in the +Inf bucket returns the second-highest bound */
    CHECK(one(db, "histogram_quantile(0.99, h_bucket{case=\"inf\"})", 0) == 2.5);
    CHECK(isnan(one(db, "histogram_quantile(0.5, h_bucket{case=\"zero\"})", 0)));
    CHECK(isnan(one(db, "histogram_quantile(0.5, h_bucket{case=\"noinf\"})", 0)));
    CHECK(isnan(one(db, "histogram_quantile(0.5, h_bucket{case=\"lone\"})", 0)));
    /* q = 0 with an empty lowest bucket: 0/0 */
    CHECK(isnan(one(db, "histogram_quantile(0, h_bucket{case=\"inf\"})", 0)));
    CHECK(one(db, "histogram_quantile(-0.5, h_bucket{case=\"inf\"})", 0) == -INFINITY);
    CHECK(one(db, "histogram_quantile(1.5, h_bucket{case=\"inf\"})", 0) == INFINITY);
    /* non-monotonic counts are flattened: 10,10,20 -> rank 15 in (2,+Inf] -> 2 */
    CHECK(one(db, "histogram_quantile(0.75, h_bucket{case=\"nonmono\"})", 0) == 2);
    CHECK(one(db, "histogram_quantile(0.5, h_bucket{case=\"nonmono\"})", 0) == 1);
    /* lowest bucket with a bound <= 0 returns that bound */
    CHECK(one(db, "histogram_quantile(0.2, h_bucket{case=\"neg\"})", 0) == -1);
    /* one output per group, without le and __name__ */
    asim_promql_result r = { 0 };
    CHECK(eval_at(db, "histogram_quantile(0.5, h_bucket)", 0, &r) == ASIM_PROMQL_VECTOR);
    CHECK(r.n == 7);
    CHECK(r.n > 0 && r.v[0].nlabels == 1 && strcmp(r.v[0].labels[0].name, "case") == 0);
    asim_promql_result_free(&r);
    asim_tsdb_destroy(db);
}

/* --- aggregation and operators ----------------------------------------------- */

static void test_aggregation_and_names(void)
{
    asim_tsdb *db = asim_tsdb_create(0);
    asim_tsdb_append(db, sid(db, "rt", "instance", "a", "job", "w"), 0, 0.1);
    asim_tsdb_append(db, sid(db, "rt", "instance", "b", "job", "w"), 0, 0.2);
    asim_tsdb_append(db, sid(db, "rt", "instance", "c", "job", "v"), 0, 0.4);
    /* avg(): incremental mean in storage order, no compensation */
    double m = 0.1;
    m += 0.2 / 2 - m / 2;
    m += 0.4 / 3 - m / 3;
    CHECK(bits_equal(one(db, "avg(rt)", 0), m));
    CHECK(bits_equal(one(db, "sum(rt)", 0), 0.1 + 0.2 + 0.4));
    CHECK(one(db, "count(rt)", 0) == 3);
    CHECK(one(db, "max(rt)", 0) == 0.4);
    asim_promql_result r = { 0 };
    CHECK(eval_at(db, "sum by (job) (rt)", 0, &r) == ASIM_PROMQL_VECTOR);
    CHECK(r.n == 2);                                 /* first-seen order: w, then v */
    if (r.n == 2) {
        CHECK(r.v[0].nlabels == 1 && strcmp(r.v[0].labels[0].value, "w") == 0);
        CHECK(bits_equal(r.v[0].value, 0.1 + 0.2));
    }
    CHECK(eval_at(db, "sum(rt) without (instance)", 0, &r) == ASIM_PROMQL_VECTOR);
    CHECK(r.n == 2 && r.v[0].nlabels == 1);          /* without drops __name__ too */
    /* arithmetic drops the metric name, comparisons keep it, bool drops it */
    CHECK(eval_at(db, "rt * 2", 0, &r) == ASIM_PROMQL_VECTOR && r.n == 3 && r.v[0].nlabels == 2);
    CHECK(eval_at(db, "rt > 0.15", 0, &r) == ASIM_PROMQL_VECTOR && r.n == 2 && r.v[0].nlabels == 3);
    CHECK(r.n == 2 && r.v[0].value == 0.2);          /* filtered, value kept */
    CHECK(eval_at(db, "rt > bool 0.15", 0, &r) == ASIM_PROMQL_VECTOR && r.n == 3 && r.v[0].value == 0);
    CHECK(r.v[0].nlabels == 2);
    CHECK(eval_at(db, "0.15 < rt", 0, &r) == ASIM_PROMQL_VECTOR && r.n == 2 && r.v[0].value == 0.2);
    /* one-to-one matching with on(): result keeps only the on labels */
    CHECK(eval_at(db, "rt / on(instance) rt", 0, &r) == ASIM_PROMQL_VECTOR && r.n == 3);
    CHECK(r.n == 3 && r.v[0].nlabels == 1 && r.v[0].value == 1);
    CHECK(eval_at(db, "last_over_time(rt[1m])", 0, &r) == ASIM_PROMQL_VECTOR && r.v[0].nlabels == 3);
    CHECK(eval_at(db, "-rt", 0, &r) == ASIM_PROMQL_VECTOR && r.v[0].nlabels == 2 && r.v[0].value == -0.1);
    asim_promql_result_free(&r);
    /* scalar arithmetic and precedence */
    CHECK(one(db, "2 ^ 3 ^ 2", 0) == 512);
    CHECK(one(db, "-2 ^ 2", 0) == -4);
    CHECK(one(db, "1 + 2 * 3 - 4 / 2", 0) == 5);
    CHECK(one(db, "7 % 4", 0) == 3);
    CHECK(one(db, "010 + 0x10", 0) == 24);           /* Go ParseInt base 0: octal, hex */
    CHECK(one(db, "2 > bool 1", 0) == 1);
    CHECK(one(db, "time()", 90500) == 90.5);
    CHECK(one(db, "scalar(rt)", 0) != one(db, "scalar(rt)", 0));      /* 3 elements: NaN */
    CHECK(one(db, "scalar(rt{instance=\"c\"})", 0) == 0.4);
    CHECK(one(db, "clamp_max(rt{instance=\"c\"}, 0.3)", 0) == 0.3);
    CHECK(one(db, "clamp_min(rt{instance=\"a\"}, 0.3)", 0) == 0.3);
    CHECK(one(db, "vector(3) + 1", 0) == 4);
    CHECK(count(db, "rt and rt{job=\"v\"}", 0) == 1);
    CHECK(count(db, "rt unless rt{job=\"v\"}", 0) == 2);
    CHECK(count(db, "rt{job=\"v\"} or rt", 0) == 3);
    /* regex matchers are fully anchored */
    CHECK(count(db, "rt{instance=~\"a|b\"}", 0) == 2);
    CHECK(count(db, "rt{instance=~\"a.*\"}", 0) == 1);
    CHECK(count(db, "rt{instance=~\"\"}", 0) == 0);
    CHECK(count(db, "rt{instance!~\"[ab]\"}", 0) == 1);
    CHECK(count(db, "rt{job=~\"(?:w)\"}", 0) == 2);
    /* RE2 syntax: flag groups, Unicode classes, UTF-8 characters as one '.' */
    CHECK(count(db, "rt{instance=~\"(?i:A)|b\"}", 0) == 2);
    CHECK(count(db, "rt{instance=~\"\\\\pL\"}", 0) == 3);
    CHECK(count(db, "rt{instance=~\"\\\\d\"}", 0) == 0);
    CHECK(count(db, "rt{zone=\"\"}", 0) == 3);       /* absent label matches "" */
    asim_tsdb_destroy(db);
}

static void test_runtime_errors(void)
{
    asim_tsdb *db = asim_tsdb_create(0);
    asim_tsdb_append(db, sid(db, "a", "instance", "x", "job", "j"), 0, 1);
    asim_tsdb_append(db, sid(db, "b", "instance", "x", "job", "j"), 0, 2);
    asim_tsdb_append(db, sid(db, "b", "instance", "y", "job", "j"), 0, 3);
    char err[512];
    asim_promql_result r = { 0 };
    asim_promql *e = asim_promql_parse("abs({__name__=~\"a|b\", instance=\"x\"})", err, sizeof err);
    CHECK(e != NULL);
    CHECK(asim_promql_eval(e, db, 0, LOOKBACK, &r, err, sizeof err) == -1);
    CHECK_STR(err, "vector cannot contain metrics with the same labelset");
    asim_promql_free(e);
    asim_promql_result_free(&r);
    e = asim_promql_parse("a + on(job) b", err, sizeof err);
    CHECK(asim_promql_eval(e, db, 0, LOOKBACK, &r, err, sizeof err) == -1);
    CHECK(strstr(err, "found duplicate series for the match group {job=\"j\"} on the right hand-side") != NULL);
    asim_promql_free(e);
    asim_promql_result_free(&r);
    asim_tsdb_destroy(db);
}

/* --- parsing ---------------------------------------------------------------------- */

static void parse_err(const char *q, const char *want)
{
    char err[256];
    asim_promql *e = asim_promql_parse(q, err, sizeof err);
    CHECK_MSG(e == NULL, "%s parsed", q);
    asim_promql_free(e);
    CHECK_MSG(strcmp(err, want) == 0, "%s: got \"%s\", want \"%s\"", q, err, want);
}

static void test_parse_errors(void)
{
    parse_err("rate(x)", "position 6: expected type range vector in call to function \"rate\", got instant vector");
    parse_err("x{a=\"b\"", "position 8: unexpected end of input; expected \",\" or \"}\"");
    parse_err("sum(x[5m])", "position 5: expected type instant vector in aggregation expression, got range vector");
    parse_err("1 > 2", "position 3: comparisons between scalars must use BOOL modifier");
    parse_err("{}", "position 1: vector selector must contain at least one non-empty matcher");
    parse_err("x[1.5m]", "position 3: not a valid duration string: \"1.5m\"");
    parse_err("foo(x)", "position 1: unknown function with name \"foo\"");
    parse_err("topk(x, 3)", "position 6: expected type scalar in aggregation parameter, got instant vector");
    parse_err("count_values(1, x)", "position 14: expected type string in aggregation parameter, got scalar");
    parse_err("label_replace(x, \"a\", \"b\", \"c\", \"(\")",
              "position 1: invalid regular expression in label_replace(): (");
    parse_err("label_join(x, \"1a\", \",\")", "position 1: invalid destination label name in label_join(): 1a");
    parse_err("\"a string\"", "position 1: string-valued expressions are not supported by this engine "
              "(strings are accepted as function arguments)");
    parse_err("sum(x) @ 100", "position 8: @ modifier must be preceded by an instant vector selector "
              "or range vector selector or a subquery");
    parse_err("x @ 1 @ 2", "position 7: @ <timestamp> may not be set multiple times");
    parse_err("x[5m][5m:1m]", "position 6: subquery is only allowed on instant vector, got range vector instead");
    parse_err("", "position 1: no expression found in input");
    parse_err("x{l=\"é\"} + ", "position 12: unexpected end of input; expected an expression");  /* characters, not bytes */
    parse_err("x and on(a) group_left y", "position 13: no grouping allowed for \"and\" operation");
    parse_err("x * on(a) group_left(a) y", "position 11: label \"a\" must not occur in ON and GROUP clause at once");
    /* and a few that must parse */
    const char *good[] = {
        "histogram_quantile(0.95, sum by (le) (rate(webapp_request_duration_seconds_bucket[1m])))",
        "avg(avg_over_time(webapp_response_time_seconds[30s])) > 0.5",
        "sum(rate(x[1m30s] offset -1m)) by (instance,)",
        "SUM BY (a) (x) # a comment",
        "x{a=~'b', c!~`d\\.e`, e!=\"\\u00e9\\x41\"}",
        "-(x) + +1 - -Inf * NaN",
        "count without () (x) or on() vector(1)",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char err[256];
        asim_promql *e = asim_promql_parse(good[i], err, sizeof err);
        CHECK_MSG(e != NULL, "%s: %s", good[i], err);
        asim_promql_free(e);
    }
}

static void test_reach(void)
{
    char err[128];
    struct { const char *q; int64_t want; } c[] = {
        { "x", 300000 },
        { "avg_over_time(x[30s])", 30000 },
        { "avg_over_time(x[30s] offset 1m) + y", 300000 },
        { "rate(x[10m] offset 5m)", 900000 },
        { "time()", 0 },
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        asim_promql *e = asim_promql_parse(c[i].q, err, sizeof err);
        CHECK(e != NULL);
        CHECK_MSG(asim_promql_reach_ms(e, 300000) == c[i].want, "%s", c[i].q);
        asim_promql_free(e);
    }
}

static void test_format(void)
{
    char b[ASIM_PROMQL_FMT_MAX];
    struct { double v; const char *s; } c[] = {
        { 0.17428571428571427, "0.17428571428571427" }, { 0.1 + 0.2, "0.30000000000000004" },
        { 1e21, "1000000000000000000000" }, { 1e-7, "0.0000001" }, { 123456789, "123456789" },
        { -0.0, "-0" }, { 0, "0" }, { 2.5, "2.5" }, { NAN, "NaN" }, { INFINITY, "+Inf" },
        { -INFINITY, "-Inf" }, { 5e-324, NULL },
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        asim_promql_format_value(c[i].v, b, sizeof b);
        if (c[i].s) CHECK_STR(b, c[i].s);
        else CHECK(strlen(b) == 326 && strtod(b, NULL) == c[i].v);
    }
    asim_promql_format_time(60000, b, sizeof b); CHECK_STR(b, "60");
    asim_promql_format_time(1500, b, sizeof b); CHECK_STR(b, "1.500");
    asim_promql_format_time(1, b, sizeof b); CHECK_STR(b, "0.001");
    asim_promql_format_time(-1500, b, sizeof b); CHECK_STR(b, "-1.500");
}

/* --- steady state: the scaler's queries, every 10 s, while scrapes append ---- */

static void test_steady_state_no_allocation(void)
{
    static const char *const le[] = { "0.05", "0.1", "0.25", "0.5", "1", "+Inf" };
    enum { R = 10, B = 6 };
    asim_tsdb *db = asim_tsdb_create(0);
    char err[256];
    asim_promql *q1 = asim_promql_parse(
        "histogram_quantile(0.95, sum by (le) (rate(webapp_request_duration_seconds_bucket[1m])))", err, sizeof err);
    asim_promql *q2 = asim_promql_parse("avg(avg_over_time(webapp_response_time_seconds{job=~\"web.*\"}[30s]))",
                                        err, sizeof err);
    CHECK(q1 && q2);
    if (!q1 || !q2) return;
    asim_tsdb_destroy(db);
    db = asim_tsdb_create(asim_promql_reach_ms(q1, LOOKBACK) > asim_promql_reach_ms(q2, LOOKBACK)
                              ? asim_promql_reach_ms(q1, LOOKBACK) : asim_promql_reach_ms(q2, LOOKBACK));
    int hb[R][B], rt[R];
    char inst[16];
    for (int r = 0; r < R; r++) {
        snprintf(inst, sizeof inst, "app-%d", r);
        for (int b = 0; b < B; b++)
            hb[r][b] = sid(db, "webapp_request_duration_seconds_bucket", "instance", inst, "le", le[b]);
        rt[r] = sid(db, "webapp_response_time_seconds", "instance", inst, "job", "webapp");
    }
    asim_promql_result r1 = { 0 }, r2 = { 0 };
    double cnt[R][B] = { { 0 } };
    long allocs_before = 0;
    double ns = 0;
    int evals = 0;
    const int steps = getenv("ASIM_SANITIZED") ? 1000 : 5000;
    for (int step = 0; step < steps; step++) {            /* 5 s scrapes */
        int64_t t = 5000 * (int64_t)step;
        for (int r = 0; r < R; r++) {
            for (int b = 0; b < B; b++) {
                cnt[r][b] += b + (step + r) % 3;
                asim_tsdb_append(db, hb[r][b], t + r, cnt[r][b] * (b + 1));
            }
            asim_tsdb_append(db, rt[r], t + r, 0.1 + 0.01 * ((step * 7 + r) % 13));
        }
        if (step % 2) continue;                           /* 10 s checks */
        if (step == 200) {
#if COUNT_ALLOCS
            allocs_before = n_allocs;
#endif
        }
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        CHECK(asim_promql_eval(q1, db, t + 50, LOOKBACK, &r1, err, sizeof err) == 0);
        CHECK(asim_promql_eval(q2, db, t + 50, LOOKBACK, &r2, err, sizeof err) == 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (step >= 200) { ns += (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec); evals++; }
    }
    (void)allocs_before;
#if COUNT_ALLOCS
    CHECK_MSG(n_allocs == allocs_before, "%ld allocations after warm-up", n_allocs - allocs_before);
#endif
    CHECK(r1.type == ASIM_PROMQL_VECTOR && r1.n == 1 && r1.v[0].value > 0);
    CHECK(r2.type == ASIM_PROMQL_VECTOR && r2.n == 1);
    printf("  steady state: %d evaluations of the two scaler queries over %d series, %.1f us each pair\n",
           evals, R * (B + 1), ns / evals / 1000);
    asim_promql_result_free(&r1);
    asim_promql_result_free(&r2);
    asim_promql_free(q1);
    asim_promql_free(q2);
    asim_tsdb_destroy(db);
}

/* --- robustness: mutated queries parse or fail with a position, never crash -- */

static void test_mutations_never_crash(void)
{
    static const char *const seeds[] = {
        "histogram_quantile(0.95, sum by (le) (rate(h_bucket[1m])))",
        "avg(avg_over_time(x{job=~\"j.*\"}[30s] offset 1m)) > bool 0.5",
        "sum without (instance) (x) / on(job) group(x) by (job) or vector(time())",
        "clamp(-x ^ 2 % 3, 0.1, +Inf) unless x{instance!~'i[12]'} and x != NaN",
        "quantile_over_time(0.9, x[1m30s]) - irate(x[5m]) * delta(x[2m]) + scalar(count(x))",
    };
    static const char alphabet[] = "()[]{},+-*/%^=!~<>@:\"'`#\\ abxyz019.emsInfNaN_byonbool";
    asim_tsdb *db = asim_tsdb_create(0);
    const char *le[] = { "0.1", "0.5", "+Inf" };
    char inst[16];
    for (int i = 0; i < 3; i++) {
        snprintf(inst, sizeof inst, "i%d", i);
        int x = sid(db, "x", "instance", inst, "job", "j");
        int h = sid(db, "h_bucket", "instance", inst, "le", le[i]);
        for (int t = 0; t < 60; t++) {
            asim_tsdb_append(db, x, 5000 * t + i, ((t * 7 + i) % 13) * 0.1);
            asim_tsdb_append(db, h, 5000 * t, t * (i + 1));
        }
    }
    uint32_t rng = 12345;
#define NEXT() (rng = rng * 1103515245u + 12345u, (rng >> 8))
    int iters = getenv("ASIM_SANITIZED") ? 4000 : 20000, parsed = 0;
    asim_promql_result r = { 0 };
    for (int it = 0; it < iters; it++) {
        char q[300], err[256];
        snprintf(q, sizeof q, "%s", seeds[NEXT() % 5]);
        int len = (int)strlen(q), muts = 1 + (int)(NEXT() % 4);
        for (int m = 0; m < muts && len > 0 && len < 290; m++) {
            int pos = (int)(NEXT() % (uint32_t)len), op = (int)(NEXT() % 3);
            char c = alphabet[NEXT() % (sizeof alphabet - 1)];
            if (op == 0) q[pos] = c;
            else if (op == 1) { memmove(q + pos, q + pos + 1, (size_t)(len - pos)); len--; }
            else { memmove(q + pos + 1, q + pos, (size_t)(len - pos + 1)); q[pos] = c; len++; }
        }
        asim_promql *e = asim_promql_parse(q, err, sizeof err);
        if (!e) {
            CHECK_MSG(strncmp(err, "position ", 9) == 0, "%s -> %s", q, err);
            continue;
        }
        parsed++;
        (void)asim_promql_reach_ms(e, LOOKBACK);
        for (int k = 0; k < 2; k++) (void)asim_promql_eval(e, db, 200000 + 7000 * k, LOOKBACK, &r, err, sizeof err);
        asim_promql_result_free(&r);
        asim_promql_free(e);
    }
#undef NEXT
    printf("  %d of %d mutants parsed and were evaluated\n", parsed, iters);
    CHECK_MSG(parsed > iters / 50, "only %d of %d parsed", parsed, iters);   /* mutants do reach the evaluator */
    asim_tsdb_destroy(db);
}

int main(void)
{
    RUN(test_avg_over_time_kahan);
    RUN(test_windows_lookback_staleness);
    RUN(test_rate_extrapolation);
    RUN(test_histogram_quantile);
    RUN(test_aggregation_and_names);
    RUN(test_runtime_errors);
    RUN(test_parse_errors);
    RUN(test_reach);
    RUN(test_format);
    RUN(test_steady_state_no_allocation);
    RUN(test_mutations_never_crash);
    return check_report();
}
