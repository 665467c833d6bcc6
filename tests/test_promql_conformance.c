/* test_promql_conformance.c -- runs Prometheus 2.42's own PromQL test files
 * (the .test files in tests/promql-conformance/, vendored unchanged) through the engine,
 * the way Prometheus's harness (promql/test.go at v2.42.0) does:
 *
 *   load <interval>        series in expanding notation (0+10x5, 1x3, _x2,
 *                          stale, Inf, NaN) at 0, interval, 2*interval, ...
 *   clear                  empty the storage
 *   eval instant at <dur> <expr>      followed by the expected elements
 *   eval_ordered ...                  ... in this order
 *   eval_fail ...                     the query must fail (parse or execution)
 *
 * Values are compared as Prometheus's almostEqual (1e-6 relative; NaN equals
 * NaN); a vector must have exactly the expected label sets; a range-vector
 * result of an instant eval fails, as in the harness.  Each unordered eval
 * that passes is repeated as the middle step of a range query from t-1m to
 * t+1m, as the harness does (the @-rewritten variants of the harness, which
 * need an expression printer, are not run).  An expression the
 * engine refuses as "not supported" is a failed eval even under eval_fail.
 *
 * Prints one line per file ("file: passed/total") and fails when a file
 * passes fewer evals than tests/promql-conformance/expected.txt says: a
 * regression.  ASIM_CONFORMANCE_VERBOSE=1 prints every failing eval. */
#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "models/promql/promql.h"
#include "models/prometheus/tsdb.h"
#include "sim/engine/common.h"
#include "models/prometheus/series_io.h"
#include "sim/engine/timefmt.h"

#define MAX_EXPECT 256

typedef struct expect {
    asim_label *labels;   /* NULL for a scalar */
    size_t nlabels;
    double value;
    int is_scalar;
} expect;

typedef struct file_stats {
    int passed, total;
} file_stats;

static int verbose;

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Split "metric{a="b, c"} rest" after the series description; returns rest. */
static char *split_series(char *s)
{
    int depth = 0, quote = 0;
    char *p = s;
    for (; *p; p++) {
        if (quote) {
            if (*p == '\\' && p[1]) p++;
            else if (*p == quote) quote = 0;
        } else if (*p == '"' || *p == '\'') quote = *p;
        else if (*p == '{') depth++;
        else if (*p == '}') depth--;
        else if ((*p == ' ' || *p == '\t') && depth == 0) break;
    }
    if (*p) *p++ = '\0';
    return trim(p);
}

/* Parse a duration as model.ParseDuration: "50m", "1h30m", "0". */
static int parse_dur(const char *s, int64_t *ms)
{
    /* "0", "0s", "0m": zero, which the range-duration lexer refuses */
    size_t z = strspn(s, "0");
    if (z > 0 && (s[z] == '\0' || strspn(s + z, "smhdwy") == strlen(s + z))) { *ms = 0; return 0; }
    return asim_duration_parse(s, strlen(s), ms);
}

static int parse_num(const char *s, double *v)
{
    char *end;
    if (strcmp(s, "stale") == 0) { *v = asim_stale_nan(); return 0; }
    *v = strtod(s, &end);
    return (end == s || *end) ? -1 : 0;
}

/* A load block's lines, buffered: a series given twice in one block takes
 * its last line's values (the harness keeps them in a map). */
#define MAX_LOAD 512
typedef struct load_buf {
    char *series[MAX_LOAD], *vals[MAX_LOAD];
    asim_label *l[MAX_LOAD];
    size_t nl[MAX_LOAD], n;
} load_buf;

static int load_series(asim_tsdb *db, const asim_label *l, size_t nl, char *vals, int64_t interval);

static int load_add(load_buf *b, const char *text)
{
    if (b->n == MAX_LOAD) return -1;
    char *line = asim_strdup(text);
    char *vals = split_series(line);
    asim_err err = { { 0 } };
    if (asim_series_parse_labels(line, &b->l[b->n], &b->nl[b->n], &err) != 0) {
        fprintf(stderr, "  bad series %s: %s\n", line, err.msg);
        free(line);
        return -1;
    }
    b->series[b->n] = line;
    b->vals[b->n++] = vals;
    return 0;
}

static int load_flush(load_buf *b, asim_tsdb *db, int64_t interval)
{
    int rc = 0;
    for (size_t i = 0; i < b->n; i++) {
        int later = 0;
        for (size_t j = i + 1; j < b->n; j++)
            later |= asim_labels_compare(b->l[i], b->nl[i], b->l[j], b->nl[j]) == 0;
        if (!later && load_series(db, b->l[i], b->nl[i], b->vals[i], interval) != 0) rc = -1;
    }
    for (size_t i = 0; i < b->n; i++) {
        asim_series_free_labels(b->l[i], b->nl[i]);
        free(b->series[i]);
    }
    b->n = 0;
    return rc;
}

/* Load one series: its space-separated items in expanding notation. */
static int load_series(asim_tsdb *db, const asim_label *l, size_t nl, char *vals, int64_t interval)
{
    int id = asim_tsdb_series(db, l, nl);
    int64_t step = 0;
    for (char *tok = strtok(vals, " \t"); tok; tok = strtok(NULL, " \t")) {
        char *x = strchr(tok, 'x');
        long times = 0;
        if (x) { times = strtol(x + 1, NULL, 10); *x = '\0'; }
        if (tok[0] == '_') { step += x ? times : 1; continue; }
        /* value, value+delta or value-delta (the sign after the first char). */
        double base, delta = 0;
        char *sep = NULL;
        for (char *q = tok + 1; *q; q++)
            if ((*q == '+' || *q == '-') && q[-1] != 'e' && q[-1] != 'E') { sep = q; break; }
        if (sep && x) {
            char save = *sep;
            *sep = '\0';
            if (parse_num(tok, &base) != 0) return -1;
            *sep = save;
            if (parse_num(sep, &delta) != 0) return -1;
            for (long i = 0; i <= times; i++) {
                asim_tsdb_append(db, id, step++ * interval, base);
                base += delta;
            }
            continue;
        }
        if (parse_num(tok, &base) != 0) { fprintf(stderr, "  bad value %s\n", tok); return -1; }
        long n = x ? times + 1 : 1;       /* "v x n": n+1 values, as the 2.42 grammar */
        for (long i = 0; i < n; i++) {
            if (asim_is_stale_nan(base)) asim_tsdb_append_stale(db, id, step++ * interval);
            else asim_tsdb_append(db, id, step++ * interval, base);
        }
    }
    return 0;
}

static int almost_equal(double a, double b)
{
    const double eps = 0.000001, min_normal = 2.2250738585072014e-308;
    if (a == b) return 1;
    if (isnan(a) && isnan(b)) return 1;
    double diff = fabs(a - b);
    if (a == 0 || b == 0 || diff < min_normal) return diff < eps * min_normal;
    return diff / (fabs(a) + fabs(b)) < eps;
}

/* 1 when the result matches the expectation; else 0 with a reason in why. */
static int compare(const asim_promql_result *r, const expect *ex, size_t nex, int ordered,
                   char *why, size_t wlen)
{
    if (r->type == ASIM_PROMQL_MATRIX) { snprintf(why, wlen, "range result on instant eval"); return 0; }
    if (r->type == ASIM_PROMQL_STRING) { snprintf(why, wlen, "string result"); return 0; }
    if (r->type == ASIM_PROMQL_SCALAR) {
        if (nex != 1 || !ex[0].is_scalar) { snprintf(why, wlen, "unexpected scalar %g", r->scalar); return 0; }
        if (!almost_equal(ex[0].value, r->scalar)) {
            snprintf(why, wlen, "scalar %.17g, expected %.17g", r->scalar, ex[0].value);
            return 0;
        }
        return 1;
    }
    if (r->n != nex) { snprintf(why, wlen, "%zu elements, expected %zu", r->n, nex); return 0; }
    for (size_t i = 0; i < r->n; i++) {
        size_t j = 0;
        for (; j < nex; j++)
            if (!ex[j].is_scalar &&
                asim_labels_compare(ex[j].labels, ex[j].nlabels, r->v[i].labels, r->v[i].nlabels) == 0)
                break;
        if (j == nex) { snprintf(why, wlen, "unexpected element %zu", i); return 0; }
        if (ordered && j != i) { snprintf(why, wlen, "element %zu out of order", i); return 0; }
        if (!almost_equal(ex[j].value, r->v[i].value)) {
            snprintf(why, wlen, "element %zu: %.17g, expected %.17g", i, r->v[i].value, ex[j].value);
            return 0;
        }
    }
    return 1;
}

static void free_expect(expect *ex, size_t n)
{
    for (size_t i = 0; i < n; i++) asim_series_free_labels(ex[i].labels, ex[i].nlabels);
}

/* Run one eval command against db; 1 = pass. */
static int run_eval(asim_tsdb *db, const char *file, int lineno, const char *expr, int64_t at,
                    int mode, expect *ex, size_t nex)
{
    char err[512] = "", why[1200] = "", sub[600];
    asim_promql *e = asim_promql_parse(expr, err, sizeof err);
    int pass = 0;
    if (!e) {
        if (mode == 'f' && !strstr(err, "not supported")) pass = 1;
        else snprintf(why, sizeof why, "parse: %s", err);
    } else {
        asim_promql_result r = { 0 };
        int rc = asim_promql_eval(e, db, at, 300000, &r, err, sizeof err);
        if (mode == 'f') {
            pass = rc != 0;
            if (!pass) snprintf(why, sizeof why, "expected an error");
        } else if (rc != 0) {
            snprintf(why, sizeof why, "execution: %s", err);
        } else {
            pass = compare(&r, ex, nex, mode == 'o', why, sizeof why);
            /* as the harness: the same at the middle step of a range query
             * from t-1m to t+1m (where @ start()/end() differ); unordered */
            if (pass && mode != 'o' && r.type != ASIM_PROMQL_MATRIX) {
                if (asim_promql_eval_in(e, db, at, at - 60000, at + 60000, 300000, &r, err, sizeof err) != 0) {
                    pass = 0;
                    snprintf(why, sizeof why, "range query: execution: %s", err);
                } else if (!compare(&r, ex, nex, 0, sub, sizeof sub)) {
                    pass = 0;
                    snprintf(why, sizeof why, "range query: %s", sub);
                }
            }
        }
        asim_promql_result_free(&r);
        asim_promql_free(e);
    }
    if (!pass && verbose) printf("  %s:%d: %s -- %s\n", file, lineno, expr, why);
    return pass;
}

static int parse_expect(char *line, expect *ex)
{
    memset(ex, 0, sizeof *ex);
    double v;
    if (parse_num(line, &v) == 0) { ex->is_scalar = 1; ex->value = v; return 0; }
    char *val = split_series(line);
    asim_err err = { { 0 } };
    if (strcmp(line, "{}") == 0) {
        ex->labels = NULL;
        ex->nlabels = 0;
    } else if (asim_series_parse_labels(line, &ex->labels, &ex->nlabels, &err) != 0) {
        fprintf(stderr, "  bad expected series %s: %s\n", line, err.msg);
        return -1;
    }
    return parse_num(val, &ex->value);
}

static file_stats run_file(const char *dir, const char *name)
{
    file_stats st = { 0, 0 };
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    CHECK_MSG(f != NULL, "cannot open %s", path);
    if (!f) return st;
    asim_tsdb *db = asim_tsdb_create(0);
    char buf[8192];
    int lineno = 0, in_load = 0, in_eval = 0, mode = 0, eval_line = 0;
    int64_t interval = 0, at = 0;
    char expr[4096] = "";
    expect ex[MAX_EXPECT];
    size_t nex = 0;
    static load_buf lb;
    for (;;) {
        char *got = fgets(buf, sizeof buf, f);
        if (got) lineno++;
        char *line = got ? trim(buf) : NULL;
        int indented = got && (buf[0] == ' ' || buf[0] == '\t');
        int blank = !got || line[0] == '\0' || line[0] == '#';
        if (in_eval && (!got || !indented || blank)) {
            st.total++;
            st.passed += run_eval(db, name, eval_line, expr, at, mode, ex, nex);
            free_expect(ex, nex);
            nex = 0;
            in_eval = 0;
        }
        if (!got) break;
        if (in_load && (blank || !(indented || !strchr("ec", line[0])))) {
            CHECK_MSG(load_flush(&lb, db, interval) == 0, "%s: load block before line %d", name, lineno);
            if (blank) in_load = 0;
        }
        if (blank) { in_load = 0; continue; }
        if (indented || (in_load && !strchr("ec", line[0]))) {
            if (in_load) {
                CHECK_MSG(load_add(&lb, line) == 0, "%s:%d", name, lineno);
            } else if (in_eval && nex < MAX_EXPECT) {
                CHECK_MSG(parse_expect(line, &ex[nex]) == 0, "%s:%d", name, lineno);
                nex++;
            }
            continue;
        }
        in_load = 0;
        if (strncmp(line, "load ", 5) == 0) {
            CHECK_MSG(parse_dur(trim(line + 5), &interval) == 0, "%s:%d", name, lineno);
            in_load = 1;
        } else if (strcmp(line, "clear") == 0) {
            asim_tsdb_destroy(db);
            db = asim_tsdb_create(0);
        } else if (strncmp(line, "eval", 4) == 0) {
            char *rest = line + 4;
            mode = 'i';
            if (strncmp(rest, "_ordered", 8) == 0) { mode = 'o'; rest += 8; }
            else if (strncmp(rest, "_fail", 5) == 0) { mode = 'f'; rest += 5; }
            rest = trim(rest);
            CHECK_MSG(strncmp(rest, "instant at ", 11) == 0, "%s:%d: %s", name, lineno, line);
            rest += 11;
            char *sp = strpbrk(rest, " \t");
            if (!sp) continue;
            *sp = '\0';
            CHECK_MSG(parse_dur(rest, &at) == 0, "%s:%d: time %s", name, lineno, rest);
            snprintf(expr, sizeof expr, "%s", trim(sp + 1));
            in_eval = 1;
            eval_line = lineno;
        } else {
            CHECK_MSG(0, "%s:%d: unknown command %s", name, lineno, line);
        }
    }
    fclose(f);
    asim_tsdb_destroy(db);
    return st;
}

static void test_conformance(void)
{
    const char *root = getenv("ASIM_ROOT");
    char dir[1024], path[1100];
    snprintf(dir, sizeof dir, "%s/tests/promql-conformance", root ? root : ".");
    snprintf(path, sizeof path, "%s/expected.txt", dir);
    FILE *f = fopen(path, "r");
    CHECK_MSG(f != NULL, "cannot open %s", path);
    if (!f) return;
    char name[256];
    int want, files = 0, passed = 0, total = 0, want_total = 0;
    while (fscanf(f, "%255s %d", name, &want) == 2) {
        if (name[0] == '#') { int c; while ((c = fgetc(f)) != '\n' && c != EOF) {} continue; }
        file_stats st = run_file(dir, name);
        printf("  %-22s %3d/%3d passed (expected at least %d)\n", name, st.passed, st.total, want);
        CHECK_MSG(st.passed >= want, "%s: %d evals pass, expected at least %d", name, st.passed, want);
        CHECK(st.total > 0);
        files++;
        passed += st.passed;
        total += st.total;
        want_total += want;
    }
    fclose(f);
    printf("  conformance: %d/%d evals pass in %d files (floor %d)\n", passed, total, files, want_total);
    CHECK(files == 11);
}

int main(void)
{
    verbose = getenv("ASIM_CONFORMANCE_VERBOSE") != NULL;
    RUN(test_conformance);
    return check_report();
}
