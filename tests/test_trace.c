/* test_trace.c -- trace readers, transformations, sources, settings.
 *
 * Expected values come from outside the code under test: epoch seconds of
 * dates (computed independently, e.g. Apache's documented example line),
 * sums of the counts written, and Poisson/binomial standard deviations for
 * random counts (checked at 4 sigma with fixed seeds, so a failure means a
 * real bias, not bad luck). */
#include "check.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "models/stack/sources.h"
#include "models/trace/trace_transform.h"
#include "sim/engine/rng.h"
#include "sim/config/settings.h"
#include "sim/cli/cli.h"
#include "fuzz/fuzz_trace_body.h"

static char tmpdir[256];

static const char *tpath(const char *name)
{
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static const char *write_file(const char *name, const char *text)
{
    const char *p = tpath(name);
    FILE *f = fopen(p, "wb");
    if (!f) { perror(p); exit(2); }
    fputs(text, f);
    fclose(f);
    return p;
}

static int has(const char *msg, const char *part)
{
    if (strstr(msg, part)) return 1;
    fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", msg, part);
    return 0;
}

/* Read a whole file as format f; *n records; returns the final rc (0 ok). */
static int read_all(const char *path, asim_trace_opts *o, asim_trace_rec *out, size_t cap, size_t *n,
                    asim_err *err)
{
    int rc = 0;
    *n = 0;
    err->msg[0] = 0;
    asim_trace_reader *r = asim_trace_open(path, o, &rc, err);
    if (!r) return rc;
    asim_trace_rec rec;
    int k;
    while ((k = asim_trace_next(r, &rec, err)) == 1) {
        if (*n < cap) out[*n] = rec;
        (*n)++;
    }
    asim_trace_close(r);
    return k < 0 ? -k : 0;
}

static int classify_api(void *ctx, const char *p, size_t len)
{
    (void)ctx;
    return len >= 11 && memcmp(p, "/api/report", 11) == 0 ? 1 : 0;
}

/* ---- time text ------------------------------------------------------------ */

static void test_time_parse(void)
{
    int64_t ns;
    int tz;
    CHECK(asim_time_parse_rfc3339("2000-01-01T00:00:00Z", 20, &ns, &tz) == 0 && ns == INT64_C(946684800) * ASIM_NS_PER_SEC);
    CHECK(asim_time_parse_rfc3339("2024-02-29T12:00:00Z", 20, &ns, &tz) == 0 && ns == INT64_C(1709208000) * ASIM_NS_PER_SEC);
    const char *s = "2024-01-15T10:00:00+01:00";
    CHECK(asim_time_parse_rfc3339(s, strlen(s), &ns, &tz) == 0 && ns == INT64_C(1705309200) * ASIM_NS_PER_SEC && tz == 3600);
    s = "2024-01-15 10:00:00.250";
    CHECK(asim_time_parse_rfc3339(s, strlen(s), &ns, &tz) == 0 && ns == INT64_C(1705312800250) * ASIM_NS_PER_MS);
    s = "2023-02-29T00:00:00Z";
    CHECK(asim_time_parse_rfc3339(s, strlen(s), &ns, &tz) == -1);
    s = "2024-01-15T25:00:00Z";
    CHECK(asim_time_parse_rfc3339(s, strlen(s), &ns, &tz) == -1);
    /* Apache's documented example: 13:55:36 -0700 is 20:55:36 UTC */
    s = "10/Oct/2000:13:55:36 -0700";
    CHECK(asim_time_parse_clf(s, strlen(s), &ns, &tz) == 0 && ns == INT64_C(971211336) * ASIM_NS_PER_SEC && tz == -25200);
    s = "10/Foo/2000:13:55:36 -0700";
    CHECK(asim_time_parse_clf(s, strlen(s), &ns, &tz) == -1);
    s = "1700000000.123456789";
    CHECK(asim_time_parse_number(s, strlen(s), ASIM_NS_PER_SEC, &ns) == 0 && ns == INT64_C(1700000000123456789));
    CHECK(asim_time_parse_number("-1.5", 4, ASIM_NS_PER_SEC, &ns) == 0 && ns == -1500000000);
    CHECK(asim_time_parse_number("1e3", 3, ASIM_NS_PER_SEC, &ns) == 0 && ns == INT64_C(1000000000000));
    CHECK(asim_time_parse_number("1500", 4, ASIM_NS_PER_MS, &ns) == 0 && ns == 1500000000);
    CHECK(asim_time_parse_number("12abc", 5, ASIM_NS_PER_SEC, &ns) == -1);
    CHECK(asim_time_parse_number("", 0, ASIM_NS_PER_SEC, &ns) == -1);
    CHECK(asim_time_parse_number("9e18", 4, ASIM_NS_PER_SEC, &ns) == -1);   /* out of range */
    double sec;
    CHECK(asim_time_parse_tod("14:30", &sec) == 0 && sec == 52200);
    CHECK(asim_time_parse_tod("24:01", &sec) == -1);
    /* writers read back */
    char buf[64];
    int64_t v[] = { 0, INT64_C(1705312800250000000), INT64_C(-86400000000000) };
    int tzs[] = { 0, 3600, -25200 };
    for (int i = 0; i < 3; i++) {
        asim_time_format_rfc3339(v[i], tzs[i], buf, sizeof buf);
        CHECK_MSG(asim_time_parse_rfc3339(buf, strlen(buf), &ns, &tz) == 0 && ns == v[i] && tz == tzs[i], "%s", buf);
        asim_time_format_clf(v[i] - v[i] % ASIM_NS_PER_SEC, tzs[i], buf, sizeof buf);
        CHECK_MSG(asim_time_parse_clf(buf, strlen(buf), &ns, &tz) == 0 && ns == v[i] - v[i] % ASIM_NS_PER_SEC, "%s", buf);
    }
}

/* ---- readers ---------------------------------------------------------------- */

static void test_csv_reader(void)
{
    asim_trace_rec rec[16];
    size_t n;
    asim_err err;
    asim_trace_opts o;
    /* BOM, header, quotes, CRLF, a blank line, a delimiter inside quotes */
    const char *p = write_file("a.csv", "\xEF\xBB\xBFtime,path\r\n1.5,/a\r\n\"2.25\",\"/api/report?x=1\"\r\n\r\n3,\"/b,c\"\r\n");
    asim_trace_opts_init(&o, ASIM_TRACE_TIMESTAMPS);
    o.class_column = "path";
    o.classify = classify_api;
    CHECK(read_all(p, &o, rec, 16, &n, &err) == 0);
    CHECK(n == 3);
    CHECK(rec[0].t == 1500000000 && rec[1].t == 2250000000 && rec[2].t == 3000000000);
    CHECK(rec[0].line == 2 && rec[1].line == 3 && rec[2].line == 5);
    CHECK(rec[0].cls == 0 && rec[1].cls == 1 && rec[2].cls == 0);
    /* a quoted field spanning lines: the next record's line number stays right */
    p = write_file("b.csv", "t,note\n1,\"x\ny\"\n2,z\n");
    asim_trace_opts_init(&o, ASIM_TRACE_TIMESTAMPS);
    CHECK(read_all(p, &o, rec, 16, &n, &err) == 0 && n == 2 && rec[0].line == 2 && rec[1].line == 4);
    /* semicolons, counts, RFC 3339 */
    p = write_file("c.csv", "ts;count\n2024-01-15T00:00:00Z;5\n2024-01-15T00:01:00Z;7.5\n");
    asim_trace_opts_init(&o, ASIM_TRACE_COUNTS);
    o.delimiter = ';';
    CHECK(read_all(p, &o, rec, 16, &n, &err) == 0 && n == 2);
    CHECK(rec[0].t == INT64_C(1705276800) * ASIM_NS_PER_SEC && rec[0].value == 5 && rec[1].value == 7.5);
    /* tabs, no header, the time in column 2 */
    p = write_file("d.tsv", "x\t10\ny\t20\n");
    asim_trace_opts_init(&o, ASIM_TRACE_TIMESTAMPS);
    o.delimiter = '\t';
    o.time_column = "2";
    CHECK(read_all(p, &o, rec, 16, &n, &err) == 0 && n == 2 && rec[1].t == 20 * ASIM_NS_PER_SEC);
    /* milliseconds */
    p = write_file("e.csv", "1500\n2500\n");
    asim_trace_opts_init(&o, ASIM_TRACE_TIMESTAMPS);
    o.time_unit_ns = ASIM_NS_PER_MS;
    CHECK(read_all(p, &o, rec, 16, &n, &err) == 0 && n == 2 && rec[0].t == 1500000000);
}

static void expect_error(const char *name, const char *text, asim_trace_format f, const char *part)
{
    asim_trace_rec rec[4];
    size_t n;
    asim_err err;
    asim_trace_opts o;
    asim_trace_opts_init(&o, f);
    const char *p = write_file(name, text);
    int rc = read_all(p, &o, rec, 4, &n, &err);
    CHECK_MSG(rc == ASIM_EINPUT, "%s: rc %d", name, rc);
    CHECK(has(err.msg, part));
    CHECK(has(err.msg, name));
}

static void test_reader_errors(void)
{
    expect_error("ooo.csv", "t\n1\n3\n2\n", ASIM_TRACE_TIMESTAMPS, "ooo.csv:4: timestamp 2 s is 1.000 s before");
    expect_error("neg.csv", "t,count\n0,5\n60,-3\n", ASIM_TRACE_COUNTS, "neg.csv:3: negative count -3");
    expect_error("dup.csv", "t,rate\n0,1\n0,2\n", ASIM_TRACE_RATES, "dup.csv:3: timestamp 0 s is not after");
    expect_error("empty.csv", "", ASIM_TRACE_TIMESTAMPS, "empty trace");
    expect_error("hdr.csv", "t,count\n", ASIM_TRACE_COUNTS, "empty trace");
    expect_error("bad.log", "this is not a log line\n", ASIM_TRACE_ACCESS_LOG, "bad.log:1: not an access-log line");
    expect_error("date.log", "h - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1\n"
                 "h - - [32/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1\n",
                 ASIM_TRACE_ACCESS_LOG, "date.log:2: cannot read the date '32/Oct/2000:13:55:36 -0700'");
    expect_error("ts.csv", "1\nabc\n", ASIM_TRACE_TIMESTAMPS, "ts.csv:2: cannot read the timestamp 'abc'");
    expect_error("cols.csv", "0,1\n60\n", ASIM_TRACE_COUNTS, "cols.csv:2: expected at least 2 columns, found 1");
    expect_error("quote.csv", "t\n1\n2\"x\n", ASIM_TRACE_TIMESTAMPS, "quote.csv:3: malformed CSV");
    expect_error("err.json", "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 5\"}",
                 ASIM_TRACE_PROMETHEUS, "err.json: $.status: the query failed (error): bad_data: parse error at char 5");
    expect_error("vec.json", "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
                 ASIM_TRACE_PROMETHEUS, "$.data.resultType: expected \"matrix\"");
    expect_error("nan.json", "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":"
                 "[{\"metric\":{},\"values\":[[1,\"1\"],[2,\"NaN\"]]}]}}",
                 ASIM_TRACE_PROMETHEUS, "$.data.result[0].values[1]: value is NaN");
    expect_error("none.json", "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}",
                 ASIM_TRACE_PROMETHEUS, "no data points");
    expect_error("broken.json", "{\"status\":\n\"success\",", ASIM_TRACE_PROMETHEUS, "not valid JSON");
    /* a column the header lacks */
    asim_trace_rec rec[4];
    size_t n;
    asim_err err;
    asim_trace_opts o;
    asim_trace_opts_init(&o, ASIM_TRACE_COUNTS);
    o.time_column = "ts";
    CHECK(read_all(write_file("col.csv", "time,count\n0,1\n"), &o, rec, 4, &n, &err) == ASIM_EINPUT);
    CHECK(has(err.msg, "col.csv:1: time_column 'ts' is not in the header (columns: time, count)"));
    /* a line longer than the limit */
    char *big = malloc(ASIM_TRACE_LINE_MAX + 16);
    memset(big, '1', ASIM_TRACE_LINE_MAX + 10);
    strcpy(big + ASIM_TRACE_LINE_MAX + 10, "\n");
    asim_trace_opts_init(&o, ASIM_TRACE_TIMESTAMPS);
    CHECK(read_all(write_file("long.csv", big), &o, rec, 4, &n, &err) == ASIM_EINPUT);
    CHECK(has(err.msg, "long.csv:1: line longer than"));
    free(big);
    /* format detection */
    asim_trace_format f;
    CHECK(asim_trace_detect(tpath("err.json"), &f, &err) == 0 && f == ASIM_TRACE_PROMETHEUS);
    CHECK(asim_trace_detect(tpath("date.log"), &f, &err) == 0 && f == ASIM_TRACE_ACCESS_LOG);
    CHECK(asim_trace_detect(write_file("dc.csv", "time,requests\n0,5\n"), &f, &err) == 0 && f == ASIM_TRACE_COUNTS);
    CHECK(asim_trace_detect(write_file("dr.csv", "time,rps\n0,5\n"), &f, &err) == 0 && f == ASIM_TRACE_RATES);
    CHECK(asim_trace_detect(write_file("dt.csv", "0.5\n1\n"), &f, &err) == 0 && f == ASIM_TRACE_TIMESTAMPS);
    CHECK(asim_trace_detect(write_file("dx.csv", "0,5\n1,6\n"), &f, &err) == ASIM_EINPUT && has(err.msg, "cannot tell"));
}

static void test_skip_and_reorder(void)
{
    asim_trace_rec rec[16];
    size_t n;
    asim_err err;
    asim_trace_opts o;
    const char *good = "h - - [10/Oct/2000:13:55:3%d +0000] \"GET /x HTTP/1.1\" 200 1\n";
    char text[2048] = "";
    for (int i = 0; i < 10; i++) {
        char line[200];
        if (i == 1 || i == 4 || i == 8) snprintf(line, sizeof line, "garbage %d\n", i);
        else snprintf(line, sizeof line, good, i);
        strcat(text, line);
    }
    const char *p = write_file("skip.log", text);
    asim_trace_opts_init(&o, ASIM_TRACE_ACCESS_LOG);
    o.on_error = ASIM_ONERR_SKIP;
    asim_trace_reader *r = asim_trace_open(p, &o, NULL, &err);
    CHECK(r != NULL);
    asim_trace_rec x;
    n = 0;
    while (asim_trace_next(r, &x, &err) == 1) n++;
    CHECK(n == 7 && asim_trace_records(r) == 7 && asim_trace_skipped(r) == 3);
    CHECK(has(asim_trace_first_skip(r), "skip.log:2: not an access-log line"));
    /* looping does not count the skips twice */
    CHECK(asim_trace_rewind(r, &err) == 0);
    while (asim_trace_next(r, &x, &err) == 1) n++;
    CHECK(n == 14 && asim_trace_skipped(r) == 3);
    asim_trace_close(r);

    /* apache-style lines a little out of order: sorted within the window */
    p = write_file("ooo.log",
                   "h - - [10/Oct/2000:13:55:32 +0000] \"GET / HTTP/1.1\" 200 1\n"
                   "h - - [10/Oct/2000:13:55:30 +0000] \"GET / HTTP/1.1\" 200 1\n"
                   "h - - [10/Oct/2000:13:55:35 +0000] \"GET / HTTP/1.1\" 200 1\n"
                   "h - - [10/Oct/2000:13:55:31 +0000] \"GET / HTTP/1.1\" 200 1\n"
                   "h - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1\n");
    asim_trace_opts_init(&o, ASIM_TRACE_ACCESS_LOG);
    o.reorder_window = 5;
    CHECK(read_all(p, &o, rec, 16, &n, &err) == 0 && n == 5);
    for (size_t i = 1; i < n; i++) CHECK(rec[i].t >= rec[i - 1].t);
    CHECK(rec[0].line == 2 && rec[1].line == 4 && rec[2].line == 1);
    o.reorder_window = 1;      /* line 4 is 4 s late: beyond the window */
    CHECK(read_all(p, &o, rec, 16, &n, &err) == ASIM_EINPUT && has(err.msg, "ooo.log:4:") &&
          has(err.msg, "beyond reorder_window"));
    o.reorder_window = 0;
    CHECK(read_all(p, &o, rec, 16, &n, &err) == ASIM_EINPUT && has(err.msg, "ooo.log:2:") &&
          has(err.msg, "set reorder_window"));
}

static void test_access_log_formats(void)
{
    asim_trace_rec rec[8];
    size_t n;
    asim_err err;
    asim_trace_opts o;
    const char *common = "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326\n";
    const char *combined = "127.0.0.1 - - [10/Oct/2000:13:55:37 -0700] \"GET /api/report?m=1 HTTP/1.1\" 200 - "
                           "\"http://x/\" \"Mozilla/4.08 [en] (Win98; \\\"I\\\" ;Nav)\"\n";
    const char *odd = "::1 - - [10/Oct/2000:13:55:38 -0700] \"-\" 400 0 \"-\" \"-\" 0.001\n";
    char text[1024];
    snprintf(text, sizeof text, "%s%s%s", common, combined, odd);
    const char *p = write_file("mix.log", text);
    asim_trace_opts_init(&o, ASIM_TRACE_ACCESS_LOG);
    o.classify = classify_api;
    CHECK(read_all(p, &o, rec, 8, &n, &err) == 0 && n == 3);
    CHECK(rec[0].t == INT64_C(971211336) * ASIM_NS_PER_SEC && rec[0].tz_offset == -25200);
    CHECK(rec[0].cls == 0 && rec[1].cls == 1 && rec[2].cls == 0);
    o.log_format = ASIM_LOGFMT_COMMON;
    CHECK(read_all(p, &o, rec, 8, &n, &err) == ASIM_EINPUT && has(err.msg, "mix.log:2:") && has(err.msg, "log_format is common"));
    o.log_format = ASIM_LOGFMT_COMBINED;
    CHECK(read_all(p, &o, rec, 8, &n, &err) == ASIM_EINPUT && has(err.msg, "mix.log:1:") && has(err.msg, "log_format is combined"));
}

static void test_prometheus_sum(void)
{
    asim_trace_rec rec[8];
    size_t n;
    asim_err err;
    asim_trace_opts o;
    const char *p = write_file("sum.json",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
        "{\"metric\":{\"instance\":\"a\"},\"values\":[[1700000000,\"1.5\"],[1700000015,\"2\"]]},"
        "{\"metric\":{\"instance\":\"b\"},\"values\":[[1700000000,\"3\"],[1700000030.5,\"4\"]]}]}}");
    asim_trace_opts_init(&o, ASIM_TRACE_PROMETHEUS);
    CHECK(read_all(p, &o, rec, 8, &n, &err) == 0 && n == 3);
    CHECK(rec[0].t == INT64_C(1700000000) * ASIM_NS_PER_SEC && rec[0].value == 4.5);
    CHECK(rec[1].t == INT64_C(1700000015) * ASIM_NS_PER_SEC && rec[1].value == 2);
    CHECK(rec[2].t == INT64_C(1700000030500) * ASIM_NS_PER_MS && rec[2].value == 4);
    /* promtool's bare matrix */
    p = write_file("bare.json", "[{\"metric\":{},\"values\":[[10,\"1\"],[20,\"2\"]]}]");
    CHECK(read_all(p, &o, rec, 8, &n, &err) == 0 && n == 2 && rec[1].value == 2);
}

/* ---- sources ---------------------------------------------------------------- */

typedef struct pulled { long n; asim_time first, last; int back; long same; long cls[4]; } pulled;

static pulled pull(asim_source *s, asim_time until)
{
    pulled r;
    memset(&r, 0, sizeof r);
    r.first = -1;
    asim_time t, prev = -1;
    int cls;
    while ((t = asim_source_next(s, prev < 0 ? 0 : prev, &cls)) != ASIM_TIME_MAX && t < until) {
        if (r.first < 0) r.first = t;
        if (t < prev) r.back = 1;
        if (t == prev) r.same++;
        if (cls >= 0 && cls < 4) r.cls[cls]++;
        prev = t;
        r.last = t;
        r.n++;
    }
    return r;
}

static asim_source *make_source(asim_trace_spec *sp, const char *path, asim_trace_format f,
                                const asim_load_schedule *load)
{
    snprintf(sp->path, sizeof sp->path, "%s", path);
    if (!sp->name[0]) snprintf(sp->name, sizeof sp->name, "t");
    sp->format = f;
    if (sp->on_error == ASIM_ONERR_INHERIT) sp->on_error = ASIM_ONERR_FAIL;
    asim_trace_source_params p;
    memset(&p, 0, sizeof p);
    p.spec = sp;
    p.path = path;
    p.seed = 42;
    p.fixed_class = -1;
    p.load = load;
    int rc;
    asim_err err;
    asim_source *s = asim_trace_source_create(&p, &rc, &err);
    if (!s) fprintf(stderr, "  create: %s\n", err.msg);
    return s;
}

static void test_rate_counts_constant(void)
{
    char text[8192] = "t,count\n";
    for (int i = 0; i < 100; i++) {
        char l[64];
        snprintf(l, sizeof l, "%d,600\n", i * 60);
        strcat(text, l);
    }
    const char *p = write_file("flat.csv", text);
    asim_trace_spec sp;
    asim_trace_spec_defaults(&sp);
    asim_source *s = make_source(&sp, p, ASIM_TRACE_COUNTS, NULL);
    CHECK(s != NULL);
    if (!s) return;
    CHECK_NEAR(asim_source_rate(s, ASIM_SEC(1234.5)), 10, 1e-12);   /* 600 per 60 s */
    pulled r = pull(s, ASIM_TIME_MAX);
    CHECK(!r.back);
    CHECK_NEAR(r.n, 60000, 4 * sqrt(60000.0));
    CHECK(r.last < ASIM_SEC(6000));           /* the last interval lasts 60 s, like the others */
    CHECK(asim_source_rate(s, ASIM_SEC(6000.5)) == 0);
    asim_source_destroy(s);
}

static void test_rate_linear(void)
{
    /* rates: 0 at t=0, 100 at t=100, held for one more spacing */
    const char *p = write_file("lin.csv", "t,rate\n0,0\n100,100\n");
    asim_trace_spec sp;
    asim_trace_spec_defaults(&sp);
    sp.interpolation = ASIM_INTERP_LINEAR;
    asim_source *s = make_source(&sp, p, ASIM_TRACE_RATES, NULL);
    CHECK(s != NULL);
    if (!s) return;
    CHECK_NEAR(asim_source_rate(s, ASIM_SEC(50)), 50, 1e-9);
    pulled a = pull(s, ASIM_SEC(100));
    CHECK_NEAR(a.n, 5000, 4 * sqrt(5000.0));
    pulled b = pull(s, ASIM_TIME_MAX);
    CHECK_NEAR(b.n, 10000, 4 * sqrt(10000.0));
    asim_source_destroy(s);
    /* counts, linear: rates at interval midpoints (10 at 30 s, 20 at 90 s) */
    p = write_file("clin.csv", "t,count\n0,600\n60,1200\n");
    asim_trace_spec_defaults(&sp);
    sp.interpolation = ASIM_INTERP_LINEAR;
    s = make_source(&sp, p, ASIM_TRACE_COUNTS, NULL);
    CHECK(s != NULL);
    if (!s) return;
    CHECK_NEAR(asim_source_rate(s, ASIM_SEC(15)), 10, 1e-9);
    CHECK_NEAR(asim_source_rate(s, ASIM_SEC(60)), 15, 1e-9);
    CHECK_NEAR(asim_source_rate(s, ASIM_SEC(100)), 20, 1e-9);
    asim_source_destroy(s);
    /* the total is kept: 1800 requests expected */
    s = make_source(&sp, p, ASIM_TRACE_COUNTS, NULL);
    pulled c = pull(s, ASIM_TIME_MAX);
    CHECK_NEAR(c.n, 1800, 4 * sqrt(1800.0));
    asim_source_destroy(s);
}

/* Two hours of per-minute counts: 1 req/s in the first hour, 4 in the second. */
static const char *two_hours(void)
{
    static char text[8192];
    strcpy(text, "time,count\n");
    for (int m = 0; m < 120; m++) {
        char l[64], d[40];
        asim_time_format_rfc3339((INT64_C(1705320000) + m * 60) * ASIM_NS_PER_SEC, 0, d, sizeof d);
        snprintf(l, sizeof l, "%s,%d\n", d, m < 60 ? 60 : 240);   /* from 12:00Z */
        strcat(text, l);
    }
    return write_file("two.csv", text);
}

static void test_window_speedup(void)
{
    const char *p = two_hours();
    asim_trace_spec sp;
    /* the second hour, twice as fast, keeping the rate: 1800 s at 4 req/s */
    asim_trace_spec_defaults(&sp);
    sp.window_from = (asim_trace_when){ ASIM_WHEN_REL, 3600, 0 };
    sp.window_to = (asim_trace_when){ ASIM_WHEN_REL, 7200, 0 };
    sp.speedup = 2;
    asim_source *s = make_source(&sp, p, ASIM_TRACE_COUNTS, NULL);
    CHECK(s != NULL);
    if (!s) return;
    CHECK_NEAR(asim_source_rate(s, ASIM_SEC(10)), 4, 1e-9);
    pulled r = pull(s, ASIM_TIME_MAX);
    CHECK_NEAR(r.n, 7200, 4 * sqrt(7200.0));
    CHECK(r.last < ASIM_SEC(1800));
    asim_source_destroy(s);
    /* scaling the rate instead: 8 req/s */
    sp.speedup_rate = ASIM_SPEEDUP_SCALE_RATE;
    s = make_source(&sp, p, ASIM_TRACE_COUNTS, NULL);
    r = pull(s, ASIM_TIME_MAX);
    CHECK_NEAR(r.n, 14400, 4 * sqrt(14400.0));
    asim_source_destroy(s);
    /* the same hour by RFC 3339 and by time of day, played from t=100 s */
    asim_trace_spec_defaults(&sp);
    CHECK(asim_trace_when_parse("2024-01-15T13:00:00Z", &sp.window_from) == 0);
    CHECK(asim_trace_when_parse("13:30", &sp.window_to) == 0 && sp.window_to.kind == ASIM_WHEN_TOD);
    sp.offset = 100;
    s = make_source(&sp, p, ASIM_TRACE_COUNTS, NULL);
    CHECK(asim_source_rate(s, ASIM_SEC(50)) == 0 && asim_source_rate(s, ASIM_SEC(150)) == 4);
    r = pull(s, ASIM_TIME_MAX);
    CHECK(r.first >= ASIM_SEC(100) && r.last < ASIM_SEC(1900));
    CHECK_NEAR(r.n, 7200, 4 * sqrt(7200.0));
    asim_source_destroy(s);
}

static const char *regular_timestamps(int n)
{
    static char text[65536];
    strcpy(text, "timestamp\n");
    for (int i = 0; i < n; i++) {
        char l[32];
        snprintf(l, sizeof l, "%d\n", i);
        strcat(text, l);
    }
    return write_file("reg.csv", text);
}

static void test_event_multiplier(void)
{
    const char *p = regular_timestamps(1000);
    asim_trace_spec sp;
    asim_trace_spec_defaults(&sp);
    sp.multiplier = 3;            /* three copies, every request kept */
    asim_source *s = make_source(&sp, p, ASIM_TRACE_TIMESTAMPS, NULL);
    pulled r = pull(s, ASIM_TIME_MAX);
    CHECK(r.n == 3000 && !r.back && r.same == 0);
    asim_source_destroy(s);
    sp.multiplier = 2.5;          /* 3 copies kept with p = 5/6 */
    s = make_source(&sp, p, ASIM_TRACE_TIMESTAMPS, NULL);
    r = pull(s, ASIM_TIME_MAX);
    CHECK_NEAR(r.n, 2500, 4 * sqrt(3000 * (5.0 / 6) * (1.0 / 6)));
    CHECK(!r.back);
    asim_source_destroy(s);
    sp.multiplier = 1;
    sp.thin = 0.5;
    s = make_source(&sp, p, ASIM_TRACE_TIMESTAMPS, NULL);
    r = pull(s, ASIM_TIME_MAX);
    CHECK_NEAR(r.n, 500, 4 * sqrt(1000 * 0.25));
    asim_source_destroy(s);
    /* the event trace's rate_at counts the requests of each second */
    sp.thin = 1;
    sp.multiplier = 2;
    s = make_source(&sp, p, ASIM_TRACE_TIMESTAMPS, NULL);
    CHECK(asim_source_rate(s, ASIM_SEC(10)) == 2 && asim_source_rate(s, ASIM_SEC(2000)) == 0);
    pulled half = pull(s, ASIM_SEC(500));             /* now from the stream's own counts */
    CHECK(half.n > 900 && asim_source_rate(s, ASIM_SEC(450)) == 2 && asim_source_rate(s, ASIM_SEC(10)) == 2);
    asim_source_destroy(s);
}

static void test_event_loop_and_spread(void)
{
    const char *p = regular_timestamps(10);    /* 0..9 s: the period is 10 s */
    asim_trace_spec sp;
    asim_trace_spec_defaults(&sp);
    sp.loop = 1;
    sp.duration = 100;
    asim_source *s = make_source(&sp, p, ASIM_TRACE_TIMESTAMPS, NULL);
    int cls;
    long n = 0;
    asim_time t, want_ok = 1;
    while ((t = asim_source_next(s, 0, &cls)) != ASIM_TIME_MAX) {
        if (t != n * ASIM_NS_PER_SEC) want_ok = 0;
        n++;
    }
    CHECK(n == 100 && want_ok);
    asim_source_destroy(s);
    /* access-log seconds: 5 requests in one second, 3 two seconds later */
    char text[2048] = "";
    for (int i = 0; i < 8; i++) {
        char l[200];
        snprintf(l, sizeof l, "h - - [10/Oct/2000:13:55:%02d +0000] \"GET / HTTP/1.1\" 200 1\n", i < 5 ? 30 : 32);
        strcat(text, l);
    }
    p = write_file("spread.log", text);
    asim_trace_spec_defaults(&sp);
    s = make_source(&sp, p, ASIM_TRACE_ACCESS_LOG, NULL);
    asim_time v[8], prev = 0;
    n = 0;
    while ((t = asim_source_next(s, 0, &cls)) != ASIM_TIME_MAX && n < 8) v[n++] = t;
    CHECK(n == 8);
    for (int i = 0; i < 8 && i < n; i++) {
        CHECK(v[i] >= prev);
        prev = v[i];
        if (i < 5) CHECK(v[i] >= 0 && v[i] < ASIM_NS_PER_SEC);
        else CHECK(v[i] >= 2 * ASIM_NS_PER_SEC && v[i] < 3 * ASIM_NS_PER_SEC);
    }
    asim_source_destroy(s);
}

static void default_load(asim_trace_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->load_increase = 2;
    c->load_decrease = 2;
    c->load_spike = 10;
    c->load_spike_duration = 10;
    c->load_min = 0.0625;
    c->load_max = 16;
}

static void test_load_schedule(void)
{
    asim_trace_cfg c;
    default_load(&c);
    asim_load_event ev[] = {
        { 10, ASIM_LOAD_INCREASE }, { 20, ASIM_LOAD_INCREASE }, { 30, ASIM_LOAD_DECREASE },
        { 40, ASIM_LOAD_SPIKE }, { 60, ASIM_LOAD_INCREASE }, { 61, ASIM_LOAD_INCREASE },
        { 62, ASIM_LOAD_INCREASE }, { 63, ASIM_LOAD_INCREASE }, { 100, ASIM_LOAD_RESET },
        { 110, ASIM_LOAD_DECREASE }, { 111, ASIM_LOAD_DECREASE }, { 112, ASIM_LOAD_DECREASE },
        { 113, ASIM_LOAD_DECREASE }, { 114, ASIM_LOAD_DECREASE },
    };
    c.load_events = ev;
    c.nload_events = ASIM_ARRAY_LEN(ev);
    asim_load_schedule s;
    asim_load_schedule_build(&c, &s);
    double want[][2] = {
        { 0, 1 }, { 10, 2 }, { 19.9, 2 }, { 20, 4 }, { 30, 2 }, { 40, 20 }, { 49.9, 20 }, { 50, 2 },
        { 60, 4 }, { 62, 16 }, { 63, 16 } /* clamped at load.max */, { 100, 1 }, { 114, 0.0625 },
    };
    for (size_t i = 0; i < ASIM_ARRAY_LEN(want); i++)
        CHECK_MSG(asim_load_factor(&s, want[i][0]) == want[i][1], "t=%g: %g", want[i][0],
                  asim_load_factor(&s, want[i][0]));
    CHECK(asim_load_max(&s) == 20);
    CHECK(asim_load_next_change(&s, 10) == 20 && isinf(asim_load_next_change(&s, 200)));
    asim_load_schedule_free(&s);
}

static void test_load_on_sources(void)
{
    asim_trace_cfg c;
    default_load(&c);
    asim_load_event ev[] = { { 40, ASIM_LOAD_SPIKE } };
    c.load_events = ev;
    c.nload_events = 1;
    asim_load_schedule s;
    asim_load_schedule_build(&c, &s);
    /* a rate trace: 10 req/s for 100 s, x10 over [40, 50): 900 + 1000 */
    const char *p = write_file("ten.csv", "t,rate\n0,10\n100,10\n");
    asim_trace_spec sp;
    asim_trace_spec_defaults(&sp);
    asim_source *src = make_source(&sp, p, ASIM_TRACE_RATES, &s);
    CHECK(asim_source_rate(src, ASIM_SEC(45)) == 100 && asim_source_rate(src, ASIM_SEC(55)) == 10);
    pulled r = pull(src, ASIM_SEC(100));
    CHECK_NEAR(r.n, 1900, 4 * sqrt(1900.0));
    asim_source_destroy(src);
    /* a request trace: 1 req/s; the spike makes 10 copies of [40, 50) */
    p = regular_timestamps(100);
    asim_trace_spec_defaults(&sp);
    src = make_source(&sp, p, ASIM_TRACE_TIMESTAMPS, &s);
    r = pull(src, ASIM_TIME_MAX);
    /* 90 requests outside the spike kept w.p. 1/10 from each of 10 copies
     * (binomial, n=900, p=0.1) plus all 10 copies of the 10 inside */
    CHECK_NEAR(r.n, 190, 4 * sqrt(900 * 0.1 * 0.9) + 2);
    CHECK(!r.back);
    asim_source_destroy(src);
    asim_load_schedule_free(&s);
}

/* ---- the scenario level: settings and sources ----------------------------------- */

static int load_scenario(asim_config *cfg, const char *json, asim_err *err)
{
    const char *p = write_file("scenario.json", json);
    asim_config_defaults(cfg);
    int rc = asim_config_load(cfg, p, err);
    if (rc == 0) rc = asim_config_validate(cfg, err);
    return rc;
}

static void expect_scenario_error(const char *json, const char *part)
{
    asim_config cfg;
    asim_err err;
    err.msg[0] = 0;
    CHECK(load_scenario(&cfg, json, &err) == ASIM_EINPUT);
    CHECK(has(err.msg, part));
    asim_config_free(&cfg);
}

static void test_settings(void)
{
    write_file("ok.csv", "t,count\n0,60\n60,60\n");
    asim_config cfg;
    asim_err err;
    CHECK(load_scenario(&cfg, "{\"traces\": [{\"path\": \"ok.csv\", \"format\": \"counts\", \"window\": [0, 60], "
                              "\"multiplier\": 2, \"loop\": true}], \"trace\": {\"multiplier\": 1.5}}", &err) == 0);
    CHECK(cfg.ext.trace.ntraces == 1 && cfg.ext.trace.traces[0].multiplier == 2 && cfg.ext.trace.multiplier == 1.5);
    CHECK(strcmp(cfg.ext.trace.traces[0].name, "ok") == 0);       /* named after the file */
    CHECK(asim_config_set(&cfg, "trace.multiplier=3", &err) == 0 && cfg.ext.trace.multiplier == 3);
    CHECK(asim_config_set(&cfg, "load.spike=4", &err) == 0 && cfg.ext.trace.load_spike == 4);
    asim_trace_spec eff[4];
    CHECK(asim_trace_effective(&cfg.ext.trace, eff, 4, &err) == 1 && eff[0].multiplier == 6);
    /* the export reads back the same */
    cJSON *j = asim_config_to_json(&cfg);
    char *txt = cJSON_Print(j);
    cJSON_Delete(j);
    asim_config again;
    asim_config_defaults(&again);
    snprintf(again.source_file, sizeof again.source_file, "%s", tpath("x.json"));
    CHECK(asim_config_load_text(&again, txt, tpath("again.json"), &err) == 0);
    free(txt);
    CHECK(again.ext.trace.ntraces == 1 && again.ext.trace.traces[0].window_to.kind == ASIM_WHEN_REL &&
          again.ext.trace.traces[0].window_to.sec == 60 && again.ext.trace.traces[0].loop == 1 &&
          again.ext.trace.multiplier == 3);
    asim_config_free(&again);
    asim_config_free(&cfg);

    expect_scenario_error("{\"traces\": [{\"path\": \"ok.csv\", \"format\": \"count\"}]}",
                          "$.traces[0].format: unknown value 'count' (did you mean counts?");
    expect_scenario_error("{\"traces\": [{\"path\": \"ok.csv\", \"multipler\": 3}]}",
                          "$.traces[0].multipler: unknown key (did you mean multiplier?)");
    expect_scenario_error("{\"traces\": [{\"path\": \"missing.csv\"}]}",
                          "$.traces[0].path: cannot open trace");
    expect_scenario_error("{\"traces\": [{\"path\": \"ok.csv\", \"class\": \"nope\"}]}",
                          "$.traces[0].class: no class named 'nope'");
    expect_scenario_error("{\"classes\": [{\"name\": \"a\", \"share\": 0.7}, {\"name\": \"b\", \"share\": [[0, 0.1], [60, 0.5]]}]}",
                          "add up to 1.2 at t=60");
    expect_scenario_error("{\"classes\": [{\"name\": \"a\", \"path_regex\": \"([\"}]}",
                          "$.classes[0].path_regex: invalid regular expression");
    expect_scenario_error("{\"load\": {\"events\": [{\"at\": 5, \"action\": \"spiek\"}]}}",
                          "$.load.events[0].action: unknown value 'spiek' (did you mean spike?");
    expect_scenario_error("{\"traces\": [{\"path\": \"ok.csv\", \"window\": [60, 10]}]}",
                          "the window ends before it starts");
    expect_scenario_error("{\"trace\": {\"window\": \"10-20\"}, \"traces\": [{\"path\": \"ok.csv\"}]}",
                          "$.trace.window");
}

static asim_sources *scenario_sources(const char *json, asim_config *cfg)
{
    asim_err err;
    if (load_scenario(cfg, json, &err) != 0) {
        fprintf(stderr, "  scenario: %s\n", err.msg);
        return NULL;
    }
    asim_sources *s;
    int rc = asim_sources_create(cfg, 9, &s, &err);
    CHECK((rc == 0) == (s != NULL));
    if (rc) fprintf(stderr, "  sources: %s\n", err.msg);
    return s;
}

static void test_sources_classes(void)
{
    /* 1000 requests in 100 s, every fourth a report */
    FILE *f = fopen(tpath("shop.log"), "w");
    for (int i = 0; i < 1000; i++)
        fprintf(f, "h - - [15/Jan/2024:14:%02d:%02d +0100] \"GET %s HTTP/1.1\" 200 1\n",
                i / 10 / 60, i / 10 % 60, i % 4 == 0 ? "/api/report?x" : "/");
    fclose(f);
    asim_config cfg;
    asim_sources *s = scenario_sources(
        "{\"classes\": [{\"name\": \"report\", \"path_regex\": \"^/api/report\", \"service_time\": "
        "{\"distribution\": \"exponential\", \"mean\": 2}}, {\"name\": \"other\", \"share\": 0.5}],"
        " \"traces\": [{\"path\": \"shop.log\"}]}", &cfg);
    CHECK(s != NULL);
    if (!s) { asim_config_free(&cfg); return; }
    size_t nc;
    const asim_dist *d = asim_sources_classes(s, &nc);
    CHECK(nc == 3 && d[1].kind == ASIM_DIST_EXPONENTIAL && d[1].mean == 2 && d[2].mean == cfg.app.service.mean);
    CHECK(asim_sources_count(s) == 1);        /* the trace replaced the profile */
    pulled r = pull(asim_sources_get(s, 0), ASIM_TIME_MAX);
    CHECK(r.n == 1000 && r.cls[1] == 250 && r.cls[0] == 750 && r.cls[2] == 0);
    asim_sources_destroy(s);
    asim_config_free(&cfg);

    /* shares for the profile: 100 req/s for 100 s, 20% class 1 */
    s = scenario_sources("{\"classes\": [{\"name\": \"heavy\", \"share\": 0.2}], \"traffic\": {\"profile\": "
                         "[{\"type\": \"constant\", \"duration\": 100, \"rate\": 100}]}}", &cfg);
    CHECK(s != NULL);
    if (!s) { asim_config_free(&cfg); return; }
    r = pull(asim_sources_get(s, 0), ASIM_TIME_MAX);
    CHECK_NEAR((double)r.cls[1] / (double)r.n, 0.2, 4 * sqrt(0.2 * 0.8 / 10000));
    asim_sources_destroy(s);
    asim_config_free(&cfg);
}

static void test_sources_profile_untouched(void)
{
    /* without traces, classes or load events the profile source is the
     * lead's own on the "arrivals" stream: the very same arrivals */
    asim_config cfg;
    asim_sources *s = scenario_sources("{\"traffic\": {\"profile\": [{\"type\": \"ramp\", \"duration\": 60, "
                                       "\"from\": 10, \"to\": 50}]}}", &cfg);
    CHECK(s != NULL);
    if (!s) { asim_config_free(&cfg); return; }
    gsl_rng *r = asim_rng_stream(9, "arrivals");
    asim_source *ref = asim_profile_source(&cfg.traffic, r);
    int c1, c2, same = 1;
    for (int i = 0; i < 500; i++)
        if (asim_source_next(asim_sources_get(s, 0), 0, &c1) != asim_source_next(ref, 0, &c2)) same = 0;
    CHECK(same);
    asim_source_destroy(ref);
    asim_rng_free(r);
    asim_sources_destroy(s);
    asim_config_free(&cfg);
    /* load events on the profile: 20 req/s, x2 from 10 s: 20*10 + 40*90 */
    s = scenario_sources("{\"traffic\": {\"profile\": [{\"type\": \"constant\", \"duration\": 100, \"rate\": 20}]},"
                         " \"load\": {\"events\": [{\"at\": 10, \"action\": \"/load/increase\"}]}}", &cfg);
    CHECK(s != NULL && asim_sources_count(s) == 2);
    if (!s) { asim_config_free(&cfg); return; }
    CHECK_NEAR(asim_sources_rate(s, ASIM_SEC(5)), 20, 1e-9);
    CHECK_NEAR(asim_sources_rate(s, ASIM_SEC(50)), 40, 1e-9);
    long n = 0;
    for (size_t i = 0; i < asim_sources_count(s); i++) n += pull(asim_sources_get(s, i), ASIM_TIME_MAX).n;
    CHECK_NEAR(n, 3800, 4 * sqrt(3800.0));
    asim_sources_destroy(s);
    asim_config_free(&cfg);
}

static void test_sources_errors_and_summary(void)
{
    FILE *f = fopen(tpath("bad.log"), "w");
    for (int i = 0; i < 600; i++) {
        if (i == 100 || i == 499) fputs("truncated line\n", f);
        else fprintf(f, "h - - [15/Jan/2024:14:%02d:%02d +0000] \"GET / HTTP/1.1\" 200 1\n", i / 60, i % 60);
    }
    fclose(f);
    asim_config cfg;
    asim_err err;
    /* skip: two lines counted in the summary */
    asim_sources *s = scenario_sources("{\"trace\": {\"on_error\": \"skip\"}, \"traces\": [{\"path\": \"bad.log\"}]}", &cfg);
    CHECK(s != NULL);
    if (s) {
        pulled r = pull(asim_sources_get(s, 0), ASIM_TIME_MAX);
        CHECK(r.n == 598 && asim_sources_error(s, &err) == 0);
        asim_summary sum;
        asim_summary_init(&sum, "x", 1);
        asim_sources_summarize(s, &sum);
        CHECK(asim_summary_get(&sum, "trace_skipped_lines", NULL) == 2);
        CHECK(asim_summary_get(&sum, "trace_records", NULL) == 598);
        asim_sources_destroy(s);
    }
    asim_config_free(&cfg);
    /* fail: the run stops at line 101 and the error names it */
    s = scenario_sources("{\"traces\": [{\"path\": \"bad.log\"}]}", &cfg);
    CHECK(s != NULL);
    if (s) {
        pulled r = pull(asim_sources_get(s, 0), ASIM_TIME_MAX);
        CHECK(r.n <= 100);
        CHECK(asim_sources_error(s, &err) == ASIM_EINPUT && has(err.msg, "bad.log:101: not an access-log line"));
        asim_sources_destroy(s);
    }
    asim_config_free(&cfg);
}


/* ---- honest replays (issue 13) ---------------------------------------------------- */

/* A log of one request per second from 14:MM:SS of `start` s to `end` s. */
static void write_seconds_log(const char *name, int start, int end)
{
    FILE *f = fopen(tpath(name), "w");
    for (int i = start; i < end; i++)
        fprintf(f, "h - - [15/Jan/2024:14:%02d:%02d +0000] \"GET / HTTP/1.1\" 200 1\n", i / 60, i % 60);
    fclose(f);
}

static void test_time_text(void)
{
    char buf[96];
    int64_t t0 = INT64_C(1705327200) * ASIM_NS_PER_SEC;       /* 2024-01-15T14:00:00Z */
    asim_trace_time_text(t0 + 200 * ASIM_NS_PER_SEC, 0, t0, buf, sizeof buf);
    CHECK_STR(buf, "2024-01-15T14:03:20.000Z (+200 s)");
    asim_trace_time_text(t0 + 1500 * ASIM_NS_PER_MS, 3600, t0, buf, sizeof buf);
    CHECK_STR(buf, "2024-01-15T15:00:01.500+01:00 (+1.500 s)");
    asim_trace_time_text(2 * ASIM_NS_PER_SEC, 0, 0, buf, sizeof buf);     /* relative: no date */
    CHECK_STR(buf, "2 s");
    CHECK(asim_trace_time_is_absolute(t0) && !asim_trace_time_is_absolute(86400 * ASIM_NS_PER_SEC));
    /* the reader's out-of-order message: RFC 3339 and offsets, never 1.7e+09 */
    write_seconds_log("late.log", 0, 200);
    FILE *f = fopen(tpath("late.log"), "a");
    fputs("h - - [15/Jan/2024:14:00:10 +0000] \"GET / HTTP/1.1\" 200 1\n", f);
    fclose(f);
    asim_trace_opts o;
    asim_trace_opts_init(&o, ASIM_TRACE_ACCESS_LOG);
    o.reorder_window = 60;
    asim_trace_rec rec[256];
    size_t n;
    asim_err err;
    CHECK(read_all(tpath("late.log"), &o, rec, 256, &n, &err) == ASIM_EINPUT);
    CHECK_MSG(has(err.msg, "late.log:201: timestamp 2024-01-15T14:00:10.000Z (+10 s) is") &&
              has(err.msg, "(+") && strstr(err.msg, "e+09") == NULL, "%s", err.msg);
}

static void test_skip_fraction(void)
{
    /* 3 bad lines of 200: 1.5 % */
    FILE *f = fopen(tpath("some_bad.log"), "w");
    for (int i = 0; i < 200; i++) {
        if (i % 70 == 5) fputs("garbage\n", f);
        else fprintf(f, "h - - [15/Jan/2024:14:%02d:%02d +0000] \"GET / HTTP/1.1\" 200 1\n", i / 60, i % 60);
    }
    fclose(f);
    asim_trace_opts o;
    asim_trace_opts_init(&o, ASIM_TRACE_ACCESS_LOG);
    o.on_error = ASIM_ONERR_SKIP;
    asim_err err;
    asim_trace_reader *r = asim_trace_open(tpath("some_bad.log"), &o, NULL, &err);
    asim_trace_rec x;
    while (asim_trace_next(r, &x, &err) == 1)
        ;
    CHECK(asim_trace_skipped(r) == 3);
    CHECK(asim_trace_check_skips(r, 0.02, &err) == 0);
    CHECK(asim_trace_check_skips(r, 0.01, &err) == ASIM_EINPUT && has(err.msg, "3 of 200 lines (1.5 %)") &&
          has(err.msg, "some_bad.log:6:"));
    asim_trace_close(r);
    /* in a scenario: the default (1 %) stops the run, a setting lets it through */
    asim_config cfg;
    asim_sources *s = scenario_sources("{\"trace\": {\"on_error\": \"skip\"}, \"traces\": [{\"path\": "
                                       "\"some_bad.log\"}]}", &cfg);
    CHECK(s != NULL);
    if (s) {
        pull(asim_sources_get(s, 0), ASIM_TIME_MAX);
        CHECK(asim_sources_error(s, &err) == ASIM_EINPUT && has(err.msg, "max_skip_fraction"));
        asim_sources_destroy(s);
    }
    asim_config_free(&cfg);
    s = scenario_sources("{\"trace\": {\"on_error\": \"skip\", \"max_skip_fraction\": 0.05}, "
                         "\"traces\": [{\"path\": \"some_bad.log\"}]}", &cfg);
    CHECK(s != NULL);
    if (s) {
        pull(asim_sources_get(s, 0), ASIM_TIME_MAX);
        CHECK(asim_sources_error(s, &err) == 0);
        asim_sources_destroy(s);
    }
    asim_config_free(&cfg);
}

static void test_align_and_coverage(void)
{
    write_seconds_log("early.log", 0, 300);     /* 14:00:00 .. 14:04:59 */
    write_seconds_log("later.log", 210, 510);   /* 14:03:30 .. 14:08:29 */
    asim_config cfg;
    asim_err err;
    const char *both = "{\"traces\": [{\"path\": \"early.log\"}, {\"path\": \"later.log\"}]}";
    asim_sources *s = scenario_sources(both, &cfg);
    CHECK(s != NULL && asim_sources_ntraces(s) == 2);
    if (s) {
        /* absolute (default): the later log starts 210 s into the run */
        pulled a = pull(asim_sources_get(s, 0), ASIM_TIME_MAX), b = pull(asim_sources_get(s, 1), ASIM_TIME_MAX);
        CHECK(a.first >= 0 && a.first < ASIM_NS_PER_SEC && a.n == 300);
        CHECK_MSG(b.first >= 210 * ASIM_NS_PER_SEC && b.first < 211 * ASIM_NS_PER_SEC, "%lld", (long long)b.first);
        asim_sources_trace t;
        CHECK(asim_sources_trace_info(s, 1, ASIM_SEC(300), &t, &err) == 0);
        CHECK(t.cov.records == 300 && t.cov.played == 90 && t.cov.cut);
        CHECK_NEAR(t.cov.sim_from, 210, 1e-9);
        CHECK_NEAR(t.cov.sim_to, 510, 1e-9);
        CHECK(asim_sources_trace_info(s, 0, ASIM_SEC(300), &t, &err) == 0);
        CHECK(t.cov.records == 300 && t.cov.played == 300 && !t.cov.cut && t.cov.absolute);
        CHECK_NEAR(t.cov.sim_to, 300, 1e-9);     /* one-second log lines: the last one lasts 1 s */
        asim_sources_destroy(s);
    }
    asim_config_free(&cfg);
    /* align starts: both from 0 */
    s = scenario_sources("{\"trace\": {\"align\": \"start\"}, \"traces\": [{\"path\": \"early.log\"}, "
                         "{\"path\": \"later.log\"}]}", &cfg);
    CHECK(s != NULL);
    if (s) {
        pulled b = pull(asim_sources_get(s, 1), ASIM_TIME_MAX);
        CHECK(b.first >= 0 && b.first < ASIM_NS_PER_SEC);
        asim_sources_destroy(s);
    }
    asim_config_free(&cfg);
    /* a window in seconds counts from the common origin: both cut at the same instants */
    s = scenario_sources("{\"trace\": {\"window\": \"240,360\"}, \"traces\": [{\"path\": \"early.log\"}, "
                         "{\"path\": \"later.log\"}]}", &cfg);
    CHECK(s != NULL);
    if (s) {
        pulled a = pull(asim_sources_get(s, 0), ASIM_TIME_MAX), b = pull(asim_sources_get(s, 1), ASIM_TIME_MAX);
        CHECK_MSG(a.n == 60 && b.n == 120, "%ld %ld", a.n, b.n);
        CHECK(a.first < ASIM_NS_PER_SEC && b.first < ASIM_NS_PER_SEC);
        asim_sources_destroy(s);
    }
    asim_config_free(&cfg);
}

static void test_cli_trace_option(void)
{
    asim_config cfg;
    asim_err err;
    asim_config_defaults(&cfg);
    char *set = asim_cli_trace_set(&cfg, "dir/a.log:window=14:01,14:03,multiplier=2,name=x", &err);
    CHECK(set != NULL);
    if (set) {
        CHECK_MSG(asim_config_set(&cfg, set, &err) == 0, "%s: %s", set, err.msg);
        CHECK(cfg.ext.trace.ntraces == 1);
        if (cfg.ext.trace.ntraces == 1) {
            const asim_trace_spec *t = &cfg.ext.trace.traces[0];
            CHECK_STR(t->path, "dir/a.log");
            CHECK_STR(t->name, "x");
            CHECK(t->multiplier == 2 && t->window_from.kind == ASIM_WHEN_TOD && t->window_to.kind == ASIM_WHEN_TOD);
            CHECK_NEAR(t->window_to.sec, 14 * 3600 + 180, 1e-9);
        }
        asim_free(set);
    }
    set = asim_cli_trace_set(&cfg, "b.log", &err);      /* a second one keeps the first */
    CHECK(set && asim_config_set(&cfg, set, &err) == 0 && cfg.ext.trace.ntraces == 2);
    asim_free(set);
    set = asim_cli_trace_set(&cfg, "c.log:bogus_key=1", &err);
    CHECK(set && asim_config_set(&cfg, set, &err) == ASIM_EINPUT && has(err.msg, "bogus_key"));
    asim_free(set);
    asim_config_free(&cfg);
}

/* ---- fuzz regressions ------------------------------------------------------------- */

static void test_fuzz_regressions(void)
{
    const char *root = getenv("ASIM_ROOT");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/fuzz/regress", root ? root : ".");
    DIR *d = opendir(dir);
    CHECK_MSG(d != NULL, "%s: run from the repository root", dir);
    if (!d) return;
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[2048];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        FILE *f = fopen(p, "rb");
        if (!f) continue;
        static uint8_t buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        for (int fmt = ASIM_TRACE_TIMESTAMPS; fmt <= ASIM_TRACE_LOCUST; fmt++) {
            fuzz_trace_read(buf, n, (asim_trace_format)fmt);
            fuzz_trace_source(buf, n, (asim_trace_format)fmt);
        }
        fuzz_trace_inputs(buf, n);
        files++;
    }
    closedir(d);
    CHECK(files > 0);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/asim-test-trace-XXXXXX");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 2; }
    RUN(test_time_parse);
    RUN(test_time_text);
    RUN(test_csv_reader);
    RUN(test_reader_errors);
    RUN(test_skip_and_reorder);
    RUN(test_access_log_formats);
    RUN(test_prometheus_sum);
    RUN(test_rate_counts_constant);
    RUN(test_rate_linear);
    RUN(test_window_speedup);
    RUN(test_event_multiplier);
    RUN(test_event_loop_and_spread);
    RUN(test_load_schedule);
    RUN(test_load_on_sources);
    RUN(test_settings);
    RUN(test_sources_classes);
    RUN(test_sources_profile_untouched);
    RUN(test_sources_errors_and_summary);
    RUN(test_skip_fraction);
    RUN(test_align_and_coverage);
    RUN(test_cli_trace_option);
    RUN(test_fuzz_regressions);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_report();
}
