/* trace_clf.c -- Common / Combined Log Format access logs (see trace.h; the reader's core is trace.c). */
#include "models/trace/trace_reader.h"

#include <string.h>

/* ---------------------------------------------------------------------
 * Access logs
 * --------------------------------------------------------------------- */

/* End of a quoted string starting after the opening quote at s[0]; handles
 * Apache's \" escape.  Returns the index of the closing quote or -1. */
static long quoted_end(const char *s, size_t len)
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
    asim_trace_rec rec = { 0, 1.0, -1, 0, line };
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
    long qe = quoted_end(req, (size_t)(end - req));
    if (qe < 0) { trace_bad(r, line, "%s): unterminated request string)", clf_expect); return; }
    const char *req_end = req + qe;
    p = req_end + 1;
    /* status and bytes: digits or '-' */
    for (int k = 0; k < 2; k++) {
        if (p >= end || *p != ' ' || p + 1 >= end) {
            trace_bad(r, line, "%s): missing %s)", clf_expect, k ? "byte count" : "status");
            return;
        }
        p++;
        const char *q = p;
        while (p < end && ((*p >= '0' && *p <= '9') || *p == '-')) p++;
        if (p == q || (p < end && *p != ' ')) {
            trace_bad(r, line, "%s): bad %s)", clf_expect, k ? "byte count" : "status");
            return;
        }
    }
    int combined = 0;
    if (p < end && r->o.log_format != ASIM_LOGFMT_AUTO) {   /* the rest: "referer" "agent" [more] */
        if (end - p >= 3 && p[0] == ' ' && p[1] == '"') {
            long e1 = quoted_end(p + 2, (size_t)(end - p - 2));
            const char *a = e1 >= 0 ? p + 2 + e1 + 1 : NULL;
            combined = a && end - a >= 2 && a[0] == ' ' && a[1] == '"' &&
                       quoted_end(a + 2, (size_t)(end - a - 2)) >= 0;
        }
        if (!combined && r->o.log_format != ASIM_LOGFMT_AUTO) {
            /* common: only whitespace may follow */
            for (const char *q = p; q < end; q++)
                if (*q != ' ' && *q != '\t') {
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
    if (r->o.classify) {
        /* the path: the request's second word ("GET /x HTTP/1.1"); "" if malformed */
        const char *sp = memchr(req, ' ', (size_t)(req_end - req));
        const char *path = req_end, *pend = req_end;
        if (sp) {
            path = sp + 1;
            pend = memchr(path, ' ', (size_t)(req_end - path));
            if (!pend) pend = req_end;
        }
        rec.cls = r->o.classify(r->o.classify_ctx, path, (size_t)(pend - path));
    }
    trace_order_push(r, &rec);
}
