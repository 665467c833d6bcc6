/* test_trace_inputs.c -- the real-world trace inputs: gzip, JSON access logs
 * (nginx escape=json, Google Cloud load balancer), AWS ALB logs, JMeter JTL,
 * k6 and Locust stage lists, request filters and logged latencies.
 *
 * Expected values come from outside the code under test: AWS's documented
 * example ALB line, epoch seconds of its dates (computed with Python's
 * calendar.timegm), stage-list integrals worked by hand (trapezoids, written
 * out next to each check), and latency values written into the inputs. */
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "models/stack/sources.h"
#include "models/trace/trace_transform.h"
#include "sim/config/settings.h"
#include "sim/engine/stats.h"
#include "fuzz/fuzz_trace_body.h"

static char dir[256];

/* dir/name with text in it; returns the path (static, 4 in rotation). */
static const char *put(const char *name, const char *text)
{
    static char paths[4][512];
    static int slot;
    char *p = paths[slot++ % 4];
    snprintf(p, 512, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) { perror(p); exit(2); }
    return p;
}

/* The same text gzip-compressed in `members` gzip members (split evenly). */
static const char *put_gz(const char *name, const char *text, int members)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *out = fopen(p, "wb");
    size_t n = strlen(text), per = n / (size_t)members + 1;
    for (int m = 0; m < members; m++) {
        size_t a = (size_t)m * per, b = a + per < n ? a + per : n;
        if (a >= b) break;
        char tmp[600];
        snprintf(tmp, sizeof tmp, "%s.part", p);
        gzFile g = gzopen(tmp, "wb");
        gzwrite(g, text + a, (unsigned)(b - a));
        gzclose(g);
        FILE *in = fopen(tmp, "rb");
        char buf[4096];
        size_t k;
        while ((k = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, k, out);
        fclose(in);
        unlink(tmp);
    }
    fclose(out);
    return p;
}

typedef struct got {
    int rc;
    size_t n;
    asim_trace_rec rec[64];
    uint64_t filtered;
    uint64_t lat_n;
    double lat_mean, lat_max;
    char msg[512];
} got;

/* Every record of path read as format f with the options adjusted by fix. */
static got read_as(const char *path, asim_trace_format f, const asim_trace_filter *flt, const char *lat_field,
                   int lat_unit, double reorder)
{
    got g;
    memset(&g, 0, sizeof g);
    asim_trace_opts o;
    asim_trace_opts_init(&o, f);
    o.filter = flt;
    o.latency_field = lat_field;
    o.latency_unit = lat_unit;
    o.reorder_window = reorder;
    asim_err err;
    err.msg[0] = 0;
    asim_trace_reader *r = asim_trace_open(path, &o, &g.rc, &err);
    if (r) {
        asim_trace_rec rec;
        int k;
        while ((k = asim_trace_next(r, &rec, &err)) == 1)
            if (g.n < 64) g.rec[g.n++] = rec;
        g.rc = k < 0 ? -k : 0;
        g.filtered = asim_trace_filtered(r);
        const asim_hist *h = asim_trace_latency(r);
        if (h) {
            g.lat_n = asim_hist_count(h);
            g.lat_mean = asim_hist_mean(h);
            g.lat_max = asim_hist_max(h);
        }
        asim_trace_close(r);
    }
    snprintf(g.msg, sizeof g.msg, "%s", err.msg);
    return g;
}

static int said(const got *g, const char *part)
{
    if (strstr(g->msg, part)) return 1;
    fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", g->msg, part);
    return 0;
}

static asim_trace_format detected(const char *path)
{
    asim_trace_format f = ASIM_TRACE_AUTO;
    asim_err err;
    if (asim_trace_detect(path, &f, &err) != 0) fprintf(stderr, "  detect: %s\n", err.msg);
    return f;
}

#define SEC(s) ((int64_t)(s) * 1000000000)

/* text written as name must be detected as f and read into n records. */
static got sample(const char *name, const char *text, asim_trace_format f, size_t n)
{
    const char *p = put(name, text);
    CHECK_MSG(detected(p) == f, "%s", name);
    got g = read_as(p, f, NULL, NULL, 0, 0);
    CHECK_MSG(g.rc == 0 && g.n == n, "%s: rc %d, %zu records: %s", name, g.rc, g.n, g.msg);
    return g;
}

/* ---- gzip ------------------------------------------------------------------- */

static const char clf[] =
    "10.0.0.1 - - [15/Jan/2024:14:00:00 +0000] \"GET /a HTTP/1.1\" 200 5 \"-\" \"curl/8.4.0\"\n"
    "10.0.0.2 - - [15/Jan/2024:14:00:01 +0000] \"POST /api/cart HTTP/1.1\" 500 5 \"-\" \"Mozilla/5.0\"\n"
    "10.0.0.3 - - [15/Jan/2024:14:00:02 +0000] \"GET /healthz HTTP/1.1\" 200 2 \"-\" \"kube-probe/1.28\"\n";

static void test_gzip(void)
{
    got plain = read_as(put("a.log", clf), ASIM_TRACE_ACCESS_LOG, NULL, NULL, 0, 0);
    CHECK(plain.rc == 0 && plain.n == 3);
    /* one member and three members (cat a.gz b.gz c.gz), named without .gz: the magic bytes decide */
    for (int members = 1; members <= 3; members += 2) {
        const char *p = put_gz("rotated.log.1", clf, members);
        CHECK(detected(p) == ASIM_TRACE_ACCESS_LOG);
        got z = read_as(p, ASIM_TRACE_ACCESS_LOG, NULL, NULL, 0, 0);
        CHECK(z.rc == 0 && z.n == 3);
        for (size_t i = 0; i < 3 && i < z.n; i++) CHECK(z.rec[i].t == plain.rec[i].t);
    }
    /* truncated and corrupt files are errors, not short traces */
    const char *p = put_gz("t.gz", clf, 1);
    FILE *f = fopen(p, "rb");
    unsigned char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    f = fopen(p, "wb");
    fwrite(buf, 1, n - 12, f);
    fclose(f);
    got t = read_as(p, ASIM_TRACE_ACCESS_LOG, NULL, NULL, 0, 0);
    CHECK(t.rc == ASIM_EINPUT && said(&t, "gzip data ends early"));
    buf[n / 2] ^= 0x55;
    f = fopen(p, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
    got c = read_as(p, ASIM_TRACE_ACCESS_LOG, NULL, NULL, 0, 0);
    CHECK(c.rc == ASIM_EINPUT && (said(&c, "not valid gzip data") || said(&c, "not an access-log line")));
}

/* ---- filters on an access log -------------------------------------------------- */

static void test_filters_access_log(void)
{
    const char *p = put("f.log", clf);
    asim_trace_filter flt;
    memset(&flt, 0, sizeof flt);
    snprintf(flt.status, sizeof flt.status, "2xx");
    got g = read_as(p, ASIM_TRACE_ACCESS_LOG, &flt, NULL, 0, 0);
    CHECK(g.rc == 0 && g.n == 2 && g.filtered == 1);
    snprintf(flt.status, sizeof flt.status, "!5xx,404");   /* a positive item: only 404 passes */
    g = read_as(p, ASIM_TRACE_ACCESS_LOG, &flt, NULL, 0, 0);
    CHECK(g.rc == ASIM_EINPUT && said(&g, "the filters dropped all 3 requests"));
    snprintf(flt.status, sizeof flt.status, "!500");
    snprintf(flt.user_agent, sizeof flt.user_agent, "kube-probe/.*");   /* anchored: the whole agent */
    g = read_as(p, ASIM_TRACE_ACCESS_LOG, &flt, NULL, 0, 0);
    CHECK(g.rc == 0 && g.n == 1 && g.rec[0].t == SEC(1705327202));
    memset(&flt, 0, sizeof flt);
    snprintf(flt.path, sizeof flt.path, "/api");                        /* anchored: /api/cart does not match */
    g = read_as(p, ASIM_TRACE_ACCESS_LOG, &flt, NULL, 0, 0);
    CHECK(g.rc == ASIM_EINPUT);
    snprintf(flt.path, sizeof flt.path, "/api/.*|/a");
    snprintf(flt.method, sizeof flt.method, "GET, POST");
    g = read_as(p, ASIM_TRACE_ACCESS_LOG, &flt, NULL, 0, 0);
    CHECK(g.rc == 0 && g.n == 2 && g.filtered == 1);
    /* bad filters */
    asim_err err;
    memset(&flt, 0, sizeof flt);
    snprintf(flt.status, sizeof flt.status, "2x5");
    CHECK(asim_trace_filter_check(&flt, &err) == ASIM_EINPUT && strstr(err.msg, "filter.status '2x5'"));
    snprintf(flt.status, sizeof flt.status, "300-200");
    CHECK(asim_trace_filter_check(&flt, &err) == ASIM_EINPUT && strstr(err.msg, "end before it starts"));
    memset(&flt, 0, sizeof flt);
    snprintf(flt.path, sizeof flt.path, "(");
    CHECK(asim_trace_filter_check(&flt, &err) == ASIM_EINPUT && strstr(err.msg, "filter.path '(': invalid"));
    /* a filter the format cannot honour */
    memset(&flt, 0, sizeof flt);
    snprintf(flt.method, sizeof flt.method, "GET");
    got j = read_as(put("m.jtl", "timeStamp,elapsed,label,responseCode\n1705330800000,5,x,200\n"),
                    ASIM_TRACE_JTL, &flt, NULL, 0, 0);
    CHECK(j.rc == ASIM_EINPUT && said(&j, "filter.method: the jtl format has no method field"));
}

/* ---- latency fields in text logs ------------------------------------------------- */

static void test_access_log_latency(void)
{
    /* nginx combined + $request_time (s) */
    const char *p = put("timed.log",
        "h - - [15/Jan/2024:14:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\" 0.250\n"
        "h - - [15/Jan/2024:14:00:01 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\" 0.050\n"
        "h - - [15/Jan/2024:14:00:02 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\" -\n");
    got g = read_as(p, ASIM_TRACE_ACCESS_LOG, NULL, "1", ASIM_LATU_AUTO, 0);
    CHECK(g.rc == 0 && g.n == 3 && g.lat_n == 2);
    CHECK_NEAR(g.lat_mean, 0.15, 1e-12);
    CHECK(isnan(g.rec[2].latency));
    /* Apache %D (microseconds) after Common Log Format */
    p = put("apache.log", "h - - [15/Jan/2024:14:00:00 +0000] \"GET / HTTP/1.1\" 200 5 125000\n");
    g = read_as(p, ASIM_TRACE_ACCESS_LOG, NULL, "1", ASIM_LATU_US, 0);
    CHECK(g.rc == 0 && g.lat_n == 1);
    CHECK_NEAR(g.lat_mean, 0.125, 1e-12);
    /* ingress-nginx's default layout: $request_length then $request_time after the agent */
    p = put("ingress.log", "192.168.49.1 - - [15/Jan/2024:14:00:00 +0000] \"GET /api/cart HTTP/1.1\" 200 615 \"-\" "
            "\"curl/8.4.0\" 84 0.010 [default-shop-80] [] 10.244.0.7:80 615 0.009 200 9f0e7a2b\n");
    g = read_as(p, ASIM_TRACE_ACCESS_LOG, NULL, "2", ASIM_LATU_S, 0);
    CHECK(g.rc == 0 && g.lat_n == 1);
    CHECK_NEAR(g.lat_mean, 0.010, 1e-12);
    g = read_as(p, ASIM_TRACE_ACCESS_LOG, NULL, "3", ASIM_LATU_S, 0);       /* [default-shop-80] is no number */
    CHECK(g.rc == ASIM_EINPUT && said(&g, "ingress.log:1: cannot read the latency '[default-shop-80]'"));
    g = read_as(p, ASIM_TRACE_ACCESS_LOG, NULL, "x", ASIM_LATU_S, 0);
    CHECK(g.rc == ASIM_EINPUT && said(&g, "latency_field 'x'"));
}

/* ---- nginx escape=json and GCP ------------------------------------------------- */

static void test_nginx_json(void)
{
    static const char text[] =
        "{\"msec\":\"1705323600.200\",\"request\":\"GET /api/report?x=1 HTTP/1.1\",\"status\":\"200\","
        "\"request_time\":\"0.364\",\"http_user_agent\":\"curl/8.4.0\"}\n"
        "\n"
        "{\"time_iso8601\":\"2024-01-15T14:00:01+01:00\",\"request_method\":\"POST\",\"uri\":\"/api/cart\","
        "\"status\":500,\"request_time\":0.1,\"http_user_agent\":\"Mozilla/5.0\"}\n";
    got g = sample("n.log", text, ASIM_TRACE_NGINX_JSON, 2);
    const char *p = put("n.log", text);
    /* nginx logs at completion: the arrival is msec - request_time */
    CHECK(g.rec[0].t == SEC(1705323600) + 200000000 - 364000000);
    CHECK(g.rec[1].t == SEC(1705323601) - 100000000 && g.rec[1].tz_offset == 3600);   /* 13:00:01Z */
    CHECK(g.rec[1].line == 3);
    CHECK(g.lat_n == 2);
    CHECK_NEAR(g.lat_mean, (0.364 + 0.1) / 2, 1e-12);
    asim_trace_filter flt;
    memset(&flt, 0, sizeof flt);
    snprintf(flt.method, sizeof flt.method, "GET");          /* the method from "request" */
    snprintf(flt.path, sizeof flt.path, "/api/report\\?.*");
    g = read_as(p, ASIM_TRACE_NGINX_JSON, &flt, NULL, 0, 0);
    CHECK(g.rc == 0 && g.n == 1 && g.filtered == 1);
    /* a key of the user's choice */
    g = read_as(p, ASIM_TRACE_NGINX_JSON, NULL, "upstream_time", 0, 0);
    CHECK(g.rc == 0 && g.lat_n == 0);
    got b = read_as(put("bad.log", "{\"msec\":\"1\"}\nnot json\n"), ASIM_TRACE_NGINX_JSON, NULL, NULL, 0, 0);
    CHECK(b.rc == ASIM_EINPUT && said(&b, "bad.log:2: not a JSON object"));
    b = read_as(put("bad2.log", "{\"when\":\"x\"}\n"), ASIM_TRACE_NGINX_JSON, NULL, NULL, 0, 0);
    CHECK(b.rc == ASIM_EINPUT && said(&b, "bad2.log:1: no time key"));
}

static void test_gcp_lb(void)
{
    static const char text[] =
        "{\"httpRequest\":{\"requestMethod\":\"GET\",\"requestUrl\":\"https://shop.example.com/api/x?y=1\","
        "\"status\":200,\"userAgent\":\"curl/8\",\"latency\":\"0.053s\"},\"timestamp\":\"2024-01-15T09:00:00.123456789Z\"}\n"
        "{\"httpRequest\":{\"requestMethod\":\"GET\",\"requestUrl\":\"https://shop.example.com\",\"status\":503,"
        "\"latency\":\"1.5s\"},\"timestamp\":\"2024-01-15T09:00:01Z\"}\n";
    got g = sample("gcp.jsonl", text, ASIM_TRACE_GCP_LB, 2);
    const char *p = put("gcp.jsonl", text);
    CHECK(g.rec[0].t == SEC(1705309200) + 123456789);          /* 2024-01-15T09:00:00Z = 1705309200 */
    CHECK_NEAR(g.lat_mean, (0.053 + 1.5) / 2, 1e-12);
    asim_trace_filter flt;
    memset(&flt, 0, sizeof flt);
    snprintf(flt.path, sizeof flt.path, "/");                  /* a URL without a path is "/" */
    g = read_as(p, ASIM_TRACE_GCP_LB, &flt, NULL, 0, 0);
    CHECK(g.rc == 0 && g.n == 1 && g.rec[0].t == SEC(1705309201));
    g = read_as(p, ASIM_TRACE_GCP_LB, NULL, "latency", 0, 0);
    CHECK(g.rc == ASIM_EINPUT && said(&g, "has a fixed latency field"));
}

/* ---- AWS ALB ------------------------------------------------------------------- */

/* The example of AWS's "Access log entries" page (Application Load Balancers). */
static const char alb_doc[] =
    "http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 "
    "0.000 0.001 0.000 200 200 34 366 \"GET http://www.example.com:80/ HTTP/1.1\" \"curl/7.46.0\" - - "
    "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "
    "\"Root=1-58337262-36d228ad5d99923122bbe354\" \"-\" \"-\" 0 2018-07-02T22:22:48.364000Z \"forward\" \"-\" \"-\" "
    "\"10.0.0.1:80\" \"200\" \"-\" \"-\"\n";

static void test_alb(void)
{
    const char *p = put("alb.log", alb_doc);
    CHECK(detected(p) == ASIM_TRACE_ALB);
    asim_trace_filter flt;
    memset(&flt, 0, sizeof flt);
    snprintf(flt.user_agent, sizeof flt.user_agent, "curl/.*");
    snprintf(flt.path, sizeof flt.path, "/");
    snprintf(flt.method, sizeof flt.method, "GET");
    snprintf(flt.status, sizeof flt.status, "200");
    got g = read_as(p, ASIM_TRACE_ALB, &flt, NULL, 0, 0);
    CHECK(g.rc == 0 && g.n == 1);
    CHECK(g.rec[0].t == SEC(1530570168) + 364000000);          /* request_creation_time */
    CHECK(g.lat_n == 1);
    CHECK_NEAR(g.lat_mean, 0.001, 1e-12);
    /* -1: the request never reached a target: no latency, still a request; gzipped like S3 stores them */
    char two[4096];
    snprintf(two, sizeof two, "%s%s", alb_doc, alb_doc);
    char *second = strstr(two + 10, "0.000 0.001 0.000 200");
    memcpy(second, "0.000 -1    0.000 502", 21);
    const char *z = put_gz("alb.gz", two, 1);
    CHECK(detected(z) == ASIM_TRACE_ALB);
    g = read_as(z, ASIM_TRACE_ALB, NULL, NULL, 0, 0);
    CHECK(g.rc == 0 && g.n == 2 && g.lat_n == 1);
    got b = read_as(put("alb_bad.log", "https 2018-07-02T22:23:00Z app/x 1:1 2:2 0.1\n"), ASIM_TRACE_ALB, NULL, NULL, 0, 0);
    CHECK(b.rc == ASIM_EINPUT && said(&b, "alb_bad.log:1: not an ALB access-log line"));
}

/* ---- JMeter -------------------------------------------------------------------- */

static void test_jtl(void)
{
    /* written at completion: the second row started first */
    const char *p = put("r.jtl",
        "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,"
        "bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect\n"
        "1705330800250,128,GET /api/report,200,OK,Thread Group 1-3,text,true,,4813,150,5,5,"
        "http://shop.example.com/api/report,126,0,3\n"
        "1705330800100,400,home,500,Internal Server Error,Thread Group 1-1,text,false,,10,150,5,5,"
        "http://shop.example.com/,390,0,3\n");
    CHECK(detected(p) == ASIM_TRACE_JTL);
    got g = read_as(p, ASIM_TRACE_JTL, NULL, NULL, 0, 0);
    CHECK(g.rc == ASIM_EINPUT && said(&g, "r.jtl:3: timestamp"));
    g = read_as(p, ASIM_TRACE_JTL, NULL, NULL, 0, 1);
    CHECK(g.rc == 0 && g.n == 2);
    CHECK(g.rec[0].t == SEC(1705330800) + 100000000 && g.rec[1].t == SEC(1705330800) + 250000000);
    CHECK_NEAR(g.lat_mean, (0.128 + 0.4) / 2, 1e-12);
    g = read_as(p, ASIM_TRACE_JTL, NULL, "Latency", 0, 1);      /* time to first byte instead */
    CHECK_NEAR(g.lat_mean, (0.126 + 0.39) / 2, 1e-12);
    asim_trace_filter flt;
    memset(&flt, 0, sizeof flt);
    snprintf(flt.status, sizeof flt.status, "2xx");
    snprintf(flt.path, sizeof flt.path, "/api/.*");              /* URL's path */
    g = read_as(p, ASIM_TRACE_JTL, &flt, NULL, 0, 1);
    CHECK(g.rc == 0 && g.n == 1 && g.filtered == 1 && g.rec[0].t == SEC(1705330800) + 250000000);
    got b = read_as(put("nohead.jtl", "1705330800250,128,x,200\n"), ASIM_TRACE_JTL, NULL, NULL, 0, 0);
    CHECK(b.rc == ASIM_EINPUT && said(&b, "nohead.jtl:1: no header row"));
    b = read_as(put("nolat.jtl", "timeStamp,label\n1705330800250,x\n"), ASIM_TRACE_JTL, NULL, NULL, 0, 0);
    CHECK(b.rc == ASIM_EINPUT && said(&b, "latency_field 'elapsed' is not in the header"));
}

/* ---- k6 and Locust ------------------------------------------------------------- */

/* The expected number of requests of a stage file: the integral of its rate. */
static double stage_requests(const char *path, asim_trace_format f, double user_rate, double *end)
{
    asim_trace_spec sp;
    asim_trace_spec_defaults(&sp);
    sp.format = f;
    sp.on_error = ASIM_ONERR_FAIL;
    sp.user_rate = user_rate;
    int rc;
    asim_err err;
    asim_rate_iter *it = asim_rate_iter_open(&sp, path, NULL, NULL, &rc, &err);
    if (!it) { fprintf(stderr, "  %s\n", err.msg); return NAN; }
    asim_rate_piece pc;
    double sum = 0;
    *end = 0;
    while (asim_rate_iter_next(it, &pc, &err) == 1) {
        sum += (pc.ra + pc.rb) / 2 * (pc.b - pc.a);
        *end = pc.b;
    }
    asim_rate_iter_close(it);
    return sum;
}

static void test_k6(void)
{
    /* 1 -> 20 VUs over 30 s (10.5 * 30 = 315), 20 for 60 s (1200), 20 -> 0 over 30 s (300): 1815 */
    const char *p = put("k6.json", "{\"stages\": [{\"duration\": \"30s\", \"target\": 20}, {\"duration\": \"1m\", "
                        "\"target\": 20}, {\"duration\": \"30s\", \"target\": 0}], \"thresholds\": {}}");
    CHECK(detected(p) == ASIM_TRACE_K6);
    double end;
    CHECK_NEAR(stage_requests(p, ASIM_TRACE_K6, 0, &end), 1815, 1e-6);
    CHECK_NEAR(end, 120, 1e-9);                               /* ends with the last stage */
    CHECK_NEAR(stage_requests(p, ASIM_TRACE_K6, 0.5, &end), 1815 / 2.0, 1e-6);
    /* ramping-arrival-rate 10 -> 50 /s over 1 m (1800), 50 for 2 m (6000), 50 -> 0 over 30 s (750);
     * plus constant-arrival-rate 300 per minute for 3.5 min (1050): 9600; "1.5m" is Go's 90 s */
    p = put("k6s.json", "{\"scenarios\": {\"a\": {\"executor\": \"ramping-arrival-rate\", \"startRate\": 10, "
            "\"timeUnit\": \"1s\", \"preAllocatedVUs\": 50, \"stages\": [{\"target\": 50, \"duration\": \"1m\"}, "
            "{\"target\": 50, \"duration\": \"2m\"}, {\"target\": 0, \"duration\": \"30s\"}]}, "
            "\"b\": {\"executor\": \"constant-arrival-rate\", \"rate\": 300, \"timeUnit\": \"1m\", "
            "\"duration\": \"1.5m\", \"startTime\": \"2m\"}}}");
    /* b: 5/s over [120 s, 210 s): 450 */
    CHECK_NEAR(stage_requests(p, ASIM_TRACE_K6, 0, &end), 8550 + 450, 1e-3);
    CHECK_NEAR(end, 210, 1e-6);
    got g = read_as(put("k6bad.json", "{\"stages\": [{\"duration\": \"30s\", \"target\": 5, \"foo\": 1}]}"),
                    ASIM_TRACE_K6, NULL, NULL, 0, 0);
    CHECK(g.rc == ASIM_EINPUT && said(&g, "$.stages[0].foo: unknown or unsupported key"));
    g = read_as(put("k6bad2.json", "{\"duration\": \"30s\", \"vus\": 10}"), ASIM_TRACE_K6, NULL, NULL, 0, 0);
    CHECK(g.rc == ASIM_EINPUT && said(&g, "$.duration: unknown or unsupported key"));
    g = read_as(put("k6bad3.json", "{\"stages\": [{\"duration\": \"30 s\", \"target\": 5}]}"), ASIM_TRACE_K6, NULL, NULL, 0, 0);
    CHECK(g.rc == ASIM_EINPUT && said(&g, "$.stages[0].duration: expected a duration"));
    g = read_as(put("k6bad4.json", "{\"scenarios\": {\"x\": {\"executor\": \"shared-iterations\"}}}"),
                ASIM_TRACE_K6, NULL, NULL, 0, 0);
    CHECK(g.rc == ASIM_EINPUT && said(&g, "$.scenarios.x.executor: unsupported executor"));
}

static void test_locust(void)
{
    /* 0 -> 10 users at 1/s: 10 s ramp (50) + 50 s at 10 (500); 10 -> 50 at 2/s: 20 s (600) + 40 s at 50
     * (2000); 50 -> 10 at 5/s: 8 s (240) + 52 s at 10 (520): 3910 user-seconds */
    const char *p = put("locust.json", "{\"stages\": [{\"duration\": 60, \"users\": 10, \"spawn_rate\": 1}, "
                        "{\"duration\": 120, \"users\": 50, \"spawn_rate\": 2}, "
                        "{\"duration\": 180, \"users\": 10, \"spawn_rate\": 5}]}");
    CHECK(detected(p) == ASIM_TRACE_LOCUST);
    double end;
    CHECK_NEAR(stage_requests(p, ASIM_TRACE_LOCUST, 0, &end), 3910, 1e-6);
    CHECK_NEAR(end, 180, 1e-9);
    /* a stage too short to reach its target: 0 -> 10 at 1/s for 5 s (12.5), then 5 -> 0 at 10/s (0.5 s: 1.25) */
    p = put("locust2.json", "[{\"duration\": 5, \"users\": 10, \"spawn_rate\": 1}, "
            "{\"duration\": 10, \"users\": 0, \"spawn_rate\": 10}]");
    CHECK_NEAR(stage_requests(p, ASIM_TRACE_LOCUST, 2, &end), 2 * (12.5 + 1.25), 1e-6);
    got g = read_as(put("lbad.json", "[{\"duration\": 60, \"users\": 1, \"spawn_rate\": 1}, "
                        "{\"duration\": 30, \"users\": 2, \"spawn_rate\": 1}]"), ASIM_TRACE_LOCUST, NULL, NULL, 0, 0);
    CHECK(g.rc == ASIM_EINPUT && said(&g, "$[1]: \"duration\" is the stage's end"));
}

/* ---- scenarios: settings, summary -------------------------------------------------- */

static int load(asim_config *cfg, const char *json, asim_err *err)
{
    const char *p = put("s.json", json);
    asim_config_defaults(cfg);
    int rc = asim_config_load(cfg, p, err);
    return rc ? rc : asim_config_validate(cfg, err);
}

static void test_scenario(void)
{
    put("shop.log", clf);
    put("t.log", "h - - [15/Jan/2024:14:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\" 0.250\n"
                 "h - - [15/Jan/2024:14:00:01 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\" 0.050\n"
                 "h - - [15/Jan/2024:14:00:02 +0000] \"GET /x HTTP/1.1\" 404 5 \"-\" \"curl/8\" 0.010\n");
    asim_config cfg;
    asim_err err;
    CHECK(load(&cfg, "{\"traces\": [{\"path\": \"t.log\", \"filter\": {\"status\": \"200\"}, "
               "\"latency_field\": \"1\", \"latency_unit\": \"s\"}]}", &err) == 0);
    asim_sources *s = NULL;
    CHECK(asim_sources_create(&cfg, 3, &s, &err) == 0);
    if (s) {
        asim_time t = 0;
        int cls, n = 0;
        while ((t = asim_source_next(asim_sources_get(s, 0), t, &cls)) != ASIM_TIME_MAX) n++;
        CHECK(n == 2);
        asim_summary sum;
        asim_summary_init(&sum, "x", 1);
        asim_sources_summarize(s, &sum);
        CHECK(asim_summary_get(&sum, "trace_filtered_requests", NULL) == 1);
        CHECK(asim_summary_get(&sum, "trace_latency_count", NULL) == 2);
        CHECK_NEAR(asim_summary_get(&sum, "trace_latency_mean", NULL), 0.15, 1e-12);
        CHECK_NEAR(asim_summary_get(&sum, "trace_latency_max", NULL), 0.25, 0.25 * 0.01);
        asim_sources_destroy(s);
    }
    /* --set fills every trace's empty filter; the trace's own wins */
    CHECK(asim_config_set(&cfg, "trace.filter.status=4xx", &err) == 0);
    CHECK(asim_config_set(&cfg, "trace.filter.method=GET", &err) == 0);
    asim_trace_spec eff[2];
    CHECK(asim_trace_effective(&cfg.ext.trace, eff, 2, &err) == 1);
    CHECK(strcmp(eff[0].filter.status, "200") == 0 && strcmp(eff[0].filter.method, "GET") == 0);
    asim_config_free(&cfg);
    static const struct { const char *json, *part; } bad[] = {
        { "{\"traces\": [{\"path\": \"shop.log\", \"filter\": {\"stauts\": \"2xx\"}}]}",
          "$.traces[0].filter.stauts: unknown key" },
        { "{\"traces\": [{\"path\": \"shop.log\", \"filter\": {\"status\": \"20x\"}}]}",
          "$.traces[0].filter: filter.status '20x'" },
        { "{\"trace\": {\"path\": \"shop.log\", \"filter\": {\"user_agent\": \"[\"}}}", "invalid regular expression" },
        { "{\"traces\": [{\"path\": \"shop.log\", \"user_rate\": 2}]}", "$.traces[0].user_rate: user_rate applies to k6" },
        { "{\"traces\": [{\"path\": \"shop.log\", \"format\": \"prometheus\", \"filter\": {\"status\": \"2xx\"}}]}",
          "$.traces[0].filter.status: the trace's format (prometheus) has no status field" },
        { "{\"traces\": [{\"path\": \"shop.log\", \"latency_unit\": \"min\"}]}", "$.traces[0].latency_unit: unknown value" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.msg[0] = 0;
        CHECK(load(&cfg, bad[i].json, &err) == ASIM_EINPUT);
        CHECK_MSG(strstr(err.msg, bad[i].part) != NULL, "\"%s\" lacks \"%s\"", err.msg, bad[i].part);
        asim_config_free(&cfg);
    }
}

/* ---- the bundled sample files ------------------------------------------------------ */

static void test_sample_files(void)
{
    static const struct { const char *file; asim_trace_format f; size_t n; } samples[] = {
        { "nginx_json.log", ASIM_TRACE_NGINX_JSON, 40 }, { "gcp_lb.jsonl", ASIM_TRACE_GCP_LB, 30 },
        { "alb.log", ASIM_TRACE_ALB, 30 }, { "jmeter.jtl", ASIM_TRACE_JTL, 40 },
        { "access_timed.log", ASIM_TRACE_ACCESS_LOG, 30 }, { "ingress_nginx.log", ASIM_TRACE_ACCESS_LOG, 10 },
        { "k6_stages.json", ASIM_TRACE_K6, 4 }, { "k6_scenarios.json", ASIM_TRACE_K6, 0 },
        { "locust_stages.json", ASIM_TRACE_LOCUST, 0 },
    };
    const char *root = getenv("ASIM_ROOT");
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/tests/data/traces/%s", root ? root : ".", samples[i].file);
        CHECK_MSG(detected(p) == samples[i].f, "%s", samples[i].file);
        got g = read_as(p, samples[i].f, NULL, NULL, 0, 1);
        CHECK_MSG(g.rc == 0, "%s: %s", samples[i].file, g.msg);
        if (samples[i].n) CHECK_MSG(g.n == samples[i].n, "%s: %zu records", samples[i].file, g.n);
    }
}

static void test_fuzz_inputs_regressions(void)
{
    const char *root = getenv("ASIM_ROOT");
    char p[1024];
    snprintf(p, sizeof p, "%s/tests/data/traces/alb.log", root ? root : ".");
    FILE *f = fopen(p, "rb");
    CHECK(f != NULL);
    if (!f) return;
    static uint8_t buf[1 << 16];
    size_t n = fread(buf + 2, 1, sizeof buf - 2, f);
    fclose(f);
    long best = 0;
    for (int sel = 0; sel < 256; sel += 17) {     /* every new reader, several option sets: no crash */
        buf[0] = (uint8_t)sel;
        buf[1] = (uint8_t)(255 - sel);
        long k = fuzz_trace_inputs(buf, n + 2);
        if (k > best) best = k;
    }
    CHECK(best > 0);                              /* the ALB selections read records */
}

static void remove_dir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/asim-test-inputs-XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 2; }
    atexit(remove_dir);
    RUN(test_gzip);
    RUN(test_filters_access_log);
    RUN(test_access_log_latency);
    RUN(test_nginx_json);
    RUN(test_gcp_lb);
    RUN(test_alb);
    RUN(test_jtl);
    RUN(test_k6);
    RUN(test_locust);
    RUN(test_scenario);
    RUN(test_sample_files);
    RUN(test_fuzz_inputs_regressions);
    return check_report();      /* remove_dir runs at exit */
}
