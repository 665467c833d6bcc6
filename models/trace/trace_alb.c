/* trace_alb.c -- AWS Application Load Balancer access logs.
 *
 * Chosen as the cloud load balancer layout because ALB is the most used
 * managed HTTP load balancer and its logs are what an AWS user has (S3,
 * gzipped: the reader inflates them).  One request per line, space-separated,
 * quoted fields where text may hold spaces (AWS, "Access log entries" of
 * Application Load Balancers):
 *   1 type  2 time  3 elb  4 client:port  5 target:port
 *   6 request_processing_time  7 target_processing_time  8 response_processing_time
 *   9 elb_status_code  10 target_status_code  11 received_bytes  12 sent_bytes
 *   13 "request"  14 "user_agent"  15 ssl_cipher  16 ssl_protocol  17 target_group_arn
 *   18 "trace_id"  19 "domain_name"  20 "chosen_cert_arn"  21 matched_rule_priority
 *   22 request_creation_time  23 "actions_executed" ... (later fields ignored)
 * The arrival is request_creation_time (when the LB received the request);
 * `time` (when it sent the response) only when a line stops before field 22.
 * The latency is the sum of the three processing times (-1 in any of them:
 * the request never reached a target or the connection broke: no latency).
 * The status is elb_status_code (what the client saw); method and path come
 * from "request" ("GET https://host:443/path?q HTTP/1.1").  Lines are written
 * when responses complete, so arrivals are out of order by up to the longest
 * request: use a reorder window. */
#include "models/trace/trace_reader.h"

#include <math.h>
#include <string.h>

#define ALB_FIELDS 22

static const char *alb_expect = "not an ALB access-log line (expected: type time elb client:port target:port "
                                "request_processing_time target_processing_time response_processing_time "
                                "elb_status_code target_status_code received_bytes sent_bytes \"request\" "
                                "\"user_agent\" ...)";

/* Split into up to ALB_FIELDS fields (quotes removed).  Returns the count, or -1. */
static int alb_split(const char *s, size_t len, const char **f, size_t *fl)
{
    const char *p = s, *end = s + len;
    int n = 0;
    while (n < ALB_FIELDS) {
        while (p < end && *p == ' ') p++;
        if (p >= end) break;
        if (*p == '"') {
            long e = trace_quoted_end(p + 1, (size_t)(end - p - 1));
            if (e < 0) return -1;
            f[n] = p + 1;
            fl[n] = (size_t)e;
            p = p + 1 + e + 1;
            if (p < end && *p != ' ') return -1;
        } else {
            f[n] = p;
            while (p < end && *p != ' ') p++;
            fl[n] = (size_t)(p - f[n]);
        }
        n++;
    }
    return n;
}

void trace_alb_line(asim_trace_reader *r, const char *s, size_t len)
{
    long line = r->lineno;
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r')) len--;
    if (trace_blank(s, len)) return;
    const char *f[ALB_FIELDS];
    size_t fl[ALB_FIELDS];
    int n = alb_split(s, len, f, fl);
    if (n < 14) {
        trace_bad(r, line, "%s", alb_expect);
        return;
    }
    asim_trace_rec rec = { 0, 1.0, -1, 0, line, NAN };
    char ex[48];
    int tz;
    int64_t created;
    if (n >= 22 && asim_time_parse_rfc3339(f[21], fl[21], &created, &tz) == 0) {
        rec.t = created;
    } else if (asim_time_parse_rfc3339(f[1], fl[1], &rec.t, &tz) != 0) {
        trace_bad(r, line, "cannot read the time '%s' (expected RFC 3339, 2024-01-15T10:00:00.123456Z)",
                  trace_excerpt(f[1], fl[1], ex, sizeof ex));
        return;
    }
    double sum = 0;
    for (int k = 5; k < 8; k++) {
        double v;
        if (fl[k] == 2 && memcmp(f[k], "-1", 2) == 0) { sum = NAN; continue; }
        if (trace_latency_parse(r, f[k], fl[k], &v) != 0) {
            trace_bad(r, line, "cannot read the processing time '%s' (field %d: seconds or -1)",
                      trace_excerpt(f[k], fl[k], ex, sizeof ex), k + 1);
            return;
        }
        sum += v;
    }
    rec.latency = sum;
    trace_req q = TRACE_REQ_NONE;
    const char *st = f[8];
    if (fl[8] == 3 && st[0] >= '0' && st[0] <= '9' && st[1] >= '0' && st[1] <= '9' && st[2] >= '0' && st[2] <= '9')
        q.status = (st[0] - '0') * 100 + (st[1] - '0') * 10 + (st[2] - '0');
    const char *rq = f[12], *rend = f[12] + fl[12];
    const char *sp = memchr(rq, ' ', fl[12]);
    q.path = "";
    if (sp) {
        q.method = rq;
        q.method_len = (size_t)(sp - rq);
        const char *u = sp + 1, *ue = memchr(u, ' ', (size_t)(rend - u));
        trace_url_path(u, (size_t)((ue ? ue : rend) - u), &q.path, &q.path_len);
    }
    q.ua = f[13];
    q.ua_len = fl[13];
    trace_emit(r, &rec, &q);
}
