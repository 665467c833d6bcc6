/* trace_clf.c -- Common / Combined Log Format access logs (see trace.h; the reader's core is trace.c). */
#include "models/trace/trace_reader.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------------
 * Access logs
 * --------------------------------------------------------------------- */

/* End of a quoted string starting after the opening quote at s[0]; handles
 * Apache's \" escape.  Returns the index of the closing quote or -1. */
long trace_quoted_end(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {                  /* memchr is vectorised: find quotes, then */
        const char *q = memchr(s + i, '"', len - i);
        if (!q) return -1;
        size_t j = (size_t)(q - s), bs = 0;
        while (bs < j && s[j - 1 - bs] == '\\') bs++;   /* ... count the backslashes before */
        if (bs % 2 == 0) return (long)j;
        i = j + 1;
    }
    return -1;
}

static const char *clf_expect =
    "not an access-log line in Common or Combined Log Format "
    "(expected: host ident user [dd/Mon/yyyy:HH:MM:SS +zzzz] \"METHOD /path HTTP/x\" status bytes";

/* The latency_field-th field after the standard ones (a field is a word, a
 * "quoted string" or a [bracketed] one, as ingress-nginx writes
 * [$proxy_upstream_name]).  0 (*lat set), or -1 when the line is bad
 * (counted or failed by trace_bad). */
static int clf_latency(asim_trace_reader *r, const char *p, const char *end, double *lat)
{
    for (int k = 1;; k++) {
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        if (p >= end)
        {
            trace_bad(r, r->lineno, "no field %d after the standard fields (latency_field=%d)",
                      r->lat_i, r->lat_i);
            return -1;
        }
        const char *b = p;
        if (*p == '"') {
            long e = trace_quoted_end(p + 1, (size_t)(end - p - 1));
            p = e < 0 ? end : p + 1 + e + 1;
        } else if (*p == '[') {
            const char *e = memchr(p, ']', (size_t)(end - p));
            p = e ? e + 1 : end;
        } else {
            while (p < end && *p != ' ' && *p != '\t') p++;
        }
        if (k == r->lat_i) {
            if (trace_latency_parse(r, b, (size_t)(p - b), lat) == 0) return 0;
            if ((size_t)(p - b) == 1 && *b == '-') return 0;     /* "-": no latency (NaN) */
            char ex[48];
            trace_bad(r, r->lineno, "cannot read the latency '%s' (field %d after the standard fields: "
                      "expected a number)", trace_excerpt(b, (size_t)(p - b), ex, sizeof ex), r->lat_i);
            return -1;
        }
    }
}

void trace_clf_line(asim_trace_reader *r, const char *s, size_t len)
{
    long line = r->lineno;
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r')) len--;
    if (trace_blank(s, len)) return;
    const char *lb = memchr(s, '[', len);
    /* host, ident and user before the date: at least "h - - " */
    if (!lb || lb - s < 6 || lb[-1] != ' ') {
        trace_bad(r, line, "%s)", clf_expect);
        return;
    }
    size_t rest = len - (size_t)(lb - s) - 1;
    const char *rb = memchr(lb + 1, ']', rest);
    if (!rb) { trace_bad(r, line, "%s): no ']' closing the date)", clf_expect); return; }
    size_t dlen = (size_t)(rb - lb - 1);
    asim_trace_rec rec = { 0, 1.0, -1, 0, line, NAN };
    if (dlen < sizeof r->dcache && dlen == r->dcache_len && memcmp(lb + 1, r->dcache, dlen) == 0) {
        rec.t = r->dcache_ns;
        rec.tz_offset = r->dcache_tz;
    } else {
        if (asim_time_parse_clf(lb + 1, dlen, &rec.t, &rec.tz_offset) != 0) {
            char ex[48];
            trace_bad(r, line, "cannot read the date '%s' (expected dd/Mon/yyyy:HH:MM:SS +zzzz)",
                trace_excerpt(lb + 1, dlen, ex, sizeof ex));
            return;
        }
        if (dlen < sizeof r->dcache) {
            memcpy(r->dcache, lb + 1, dlen);
            r->dcache_len = dlen;
            r->dcache_ns = rec.t;
            r->dcache_tz = rec.tz_offset;
        }
    }
    const char *p = rb + 1, *end = s + len;
    if (end - p < 3 || p[0] != ' ' || p[1] != '"') {
        trace_bad(r, line, "%s): no quoted request after the date)", clf_expect);
        return;
    }
    const char *req = p + 2;
    long qe = trace_quoted_end(req, (size_t)(end - req));
    if (qe < 0) { trace_bad(r, line, "%s): unterminated request string)", clf_expect); return; }
    const char *req_end = req + qe;
    p = req_end + 1;
    /* status and bytes: digits or '-' */
    trace_req q = TRACE_REQ_NONE;
    for (int k = 0; k < 2; k++) {
        if (p >= end || *p != ' ' || p + 1 >= end) {
            trace_bad(r, line, "%s): missing %s)", clf_expect, k ? "byte count" : "status");
            return;
        }
        p++;
        const char *d = p;
        while (p < end && ((*p >= '0' && *p <= '9') || *p == '-')) p++;
        if (p == d || (p < end && *p != ' ')) {
            trace_bad(r, line, "%s): bad %s)", clf_expect, k ? "byte count" : "status");
            return;
        }
        if (k == 0 && p - d == 3 && d[0] != '-' && d[1] != '-' && d[2] != '-')
            q.status = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
    }
    /* the rest: "referer" "agent" [more], or (common) nothing or the extra fields */
    int combined = 0;
    const char *ua = NULL, *ua_end = NULL, *extra = p;
    int want_rest = r->o.log_format != ASIM_LOGFMT_AUTO || r->flt.ua || r->lat_i > 0;
    if (p < end && want_rest) {
        if (end - p >= 3 && p[0] == ' ' && p[1] == '"') {
            long e1 = trace_quoted_end(p + 2, (size_t)(end - p - 2));
            const char *a = e1 >= 0 ? p + 2 + e1 + 1 : NULL;
            long e2 = a && end - a >= 2 && a[0] == ' ' && a[1] == '"' ?
                      trace_quoted_end(a + 2, (size_t)(end - a - 2)) : -1;
            combined = e2 >= 0;
            if (combined) {
                ua = a + 2;
                ua_end = ua + e2;
                extra = ua_end + 1;
            }
        }
        if (!combined && r->o.log_format != ASIM_LOGFMT_AUTO && r->lat_i <= 0) {
            /* common: only whitespace may follow */
            for (const char *c = p; c < end; c++)
                if (*c != ' ' && *c != '\t') {
                    trace_bad(r, line, "unexpected text after the byte count (log_format is %s)",
                        r->o.log_format == ASIM_LOGFMT_COMMON ? "common" : "combined");
                    return;
                }
        }
        if (combined && r->o.log_format == ASIM_LOGFMT_COMMON) {
            trace_bad(r, line, "referer and user agent after the byte count: this is Combined Log Format, "
                "but log_format is common");
            return;
        }
    }
    if (!combined && r->o.log_format == ASIM_LOGFMT_COMBINED) {
        trace_bad(r, line, "no \"referer\" \"user-agent\" after the byte count (log_format is combined)");
        return;
    }
    if (r->lat_i > 0 && clf_latency(r, extra, end, &rec.latency) < 0) return;
    /* method and path: the request's first two words ("GET /x HTTP/1.1"); path "" if malformed */
    const char *sp = r->o.classify || r->flt.on ? memchr(req, ' ', (size_t)(req_end - req)) : NULL;
    q.path = req_end;
    q.path_len = 0;
    if (sp) {                          /* (only looked for when something uses them) */
        q.method = req;
        q.method_len = (size_t)(sp - req);
        q.path = sp + 1;
        const char *pend = memchr(q.path, ' ', (size_t)(req_end - q.path));
        q.path_len = (size_t)((pend ? pend : req_end) - q.path);
    }
    if (ua) {
        q.ua = ua;
        q.ua_len = (size_t)(ua_end - ua);
    }
    trace_emit(r, &rec, &q);
}
