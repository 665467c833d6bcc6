/* trace_filter.c -- request filters and logged latencies of request traces.
 *
 * Filters keep the requests a user wants to replay (drop health checks,
 * bots, errors): status ranges, a method list, RE2 regexes on the path and
 * the user agent (models/promql/regex.h: the same syntax as Prometheus's
 * matchers, anchored the same way: the whole path must match, so "/api/.*",
 * not "/api").  A request the filters drop is counted (asim_trace_filtered)
 * and never reaches the ordering stage; a record that lacks a field a filter
 * tests (a Common Log Format line has no user agent) does not pass it.
 *
 * Which fields each format carries is one table (fields[] below), used to
 * refuse a filter the format cannot honour when the reader opens. */
#include "models/trace/trace_reader.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* What each request format carries (S status, M method, P path, U user agent, L latency). */
static const struct { asim_trace_format f; const char *has; } fields[] = {
    { ASIM_TRACE_ACCESS_LOG, "SMPUL" },   /* U: combined only; L: with latency_field */
    { ASIM_TRACE_NGINX_JSON, "SMPUL" },
    { ASIM_TRACE_GCP_LB, "SMPUL" },
    { ASIM_TRACE_ALB, "SMPUL" },
    { ASIM_TRACE_JTL, "SPL" },            /* responseCode, URL (or label), elapsed */
};

int asim_trace_has_field(asim_trace_format f, const char *field)
{
    char c = strcmp(field, "status") == 0 ? 'S' : strcmp(field, "method") == 0 ? 'M' :
             strcmp(field, "path") == 0 ? 'P' : strcmp(field, "user_agent") == 0 ? 'U' :
             strcmp(field, "latency") == 0 ? 'L' : 0;
    for (size_t i = 0; c && i < ASIM_ARRAY_LEN(fields); i++)
        if (fields[i].f == f) return strchr(fields[i].has, c) != NULL;
    return 0;
}

/* "200", "200-299", "2xx", each optionally after '!'.  0 or -1 with why. */
static int status_item(const char *s, size_t n, int *lo, int *hi, int *neg, const char **why)
{
    *neg = 0;
    while (n && isspace((unsigned char)*s)) { s++; n--; }
    while (n && isspace((unsigned char)s[n - 1])) n--;
    if (n && *s == '!') { *neg = 1; s++; n--; }
    *why = "expected a status (404), a range (200-399) or a class (5xx), optionally after '!'";
    if (n == 3 && isdigit((unsigned char)s[0]) && (s[1] == 'x' || s[1] == 'X') && (s[2] == 'x' || s[2] == 'X')) {
        *lo = (s[0] - '0') * 100;
        *hi = *lo + 99;
        return 0;
    }
    int v[2] = { 0, 0 }, k = 0;
    size_t i = 0, digits = 0;
    for (; i <= n; i++) {
        if (i < n && isdigit((unsigned char)s[i])) {
            if (++digits > 3) return -1;
            v[k] = v[k] * 10 + (s[i] - '0');
        } else if (digits == 3 && (i == n || (s[i] == '-' && k == 0))) {
            if (i < n) { k = 1; digits = 0; }
        } else {
            return -1;
        }
    }
    *lo = v[0];
    *hi = k ? v[1] : v[0];
    if (*hi < *lo) { *why = "a range must not end before it starts"; return -1; }
    return 0;
}

static int status_compile(trace_filter_c *c, const char *text, asim_err *err)
{
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, ",");
        int lo, hi, neg;
        const char *why;
        if (c->nst == TRACE_STATUS_MAX)
            return asim_err_set(err, ASIM_EINPUT, "filter.status: at most %d items", TRACE_STATUS_MAX);
        if (status_item(p, n, &lo, &hi, &neg, &why) != 0)
            return asim_err_set(err, ASIM_EINPUT, "filter.status '%.*s': %s", (int)n, p, why);
        c->st[c->nst].lo = lo;
        c->st[c->nst].hi = hi;
        c->st[c->nst].neg = neg;
        c->npos += !neg;
        c->nst++;
        p += n;
        if (*p == ',') p++;
    }
    return 0;
}

static int regex_compile(asim_regex **out, const char *what, const char *pat, asim_err *err)
{
    char msg[200];
    *out = asim_regex_compile(pat, msg, sizeof msg);
    return *out ? 0 : asim_err_set(err, ASIM_EINPUT, "filter.%s '%s': invalid regular expression (RE2): %s",
                                   what, pat, msg);
}

/* Compile f into c (c zeroed first).  0 or ASIM_EINPUT with err. */
static int filter_compile(trace_filter_c *c, const asim_trace_filter *f, asim_err *err)
{
    memset(c, 0, sizeof *c);
    if (!f) return 0;
    int rc = 0;
    if (f->status[0]) rc = status_compile(c, f->status, err);
    if (!rc && f->path[0]) rc = regex_compile(&c->path, "path", f->path, err);
    if (!rc && f->user_agent[0]) rc = regex_compile(&c->ua, "user_agent", f->user_agent, err);
    if (!rc && f->method[0]) {
        size_t n = 0;
        c->method[n++] = ',';
        for (const char *p = f->method; *p && n + 2 < sizeof c->method; p++)
            if (*p != ' ') c->method[n++] = *p;
        c->method[n++] = ',';
        c->method[n] = 0;
    }
    c->on = f->status[0] || f->path[0] || f->user_agent[0] || f->method[0];
    return rc;
}

static void filter_free(trace_filter_c *c)
{
    asim_regex_free(c->path);
    asim_regex_free(c->ua);
    c->path = c->ua = NULL;
}

int asim_trace_filter_check(const asim_trace_filter *f, asim_err *err)
{
    trace_filter_c c;
    int rc = filter_compile(&c, f, err);
    filter_free(&c);
    return rc;
}

static const char *default_latency_field(asim_trace_format f)
{
    switch (f) {
    case ASIM_TRACE_NGINX_JSON: return "request_time";
    case ASIM_TRACE_GCP_LB: return "httpRequest.latency";
    case ASIM_TRACE_JTL: return "elapsed";
    default: return "";
    }
}

int trace_filter_open(asim_trace_reader *r)
{
    asim_trace_format fmt = r->o.format;
    const asim_trace_filter *f = r->o.filter;
    r->o.filter = NULL;                  /* not kept: compiled below */
    static const char *const names[] = { "status", "method", "path", "user_agent" };
    for (int i = 0; f && i < 4; i++) {
        const char *v = i == 0 ? f->status : i == 1 ? f->method : i == 2 ? f->path : f->user_agent;
        if (v[0] && !asim_trace_has_field(fmt, names[i]))
            return trace_fail_rc(r, ASIM_EINPUT, 0, "filter.%s: the %s format has no %s field "
                                 "(formats with one: access_log, nginx_json, gcp_lb, alb%s)", names[i],
                                 asim_trace_format_name(fmt), names[i],
                                 i == 0 || i == 2 ? ", jtl" : "");
    }
    asim_err e;
    if (filter_compile(&r->flt, f, &e) != 0) return trace_fail_rc(r, ASIM_EINPUT, 0, "%s", e.msg);
    const char *lf = r->o.latency_field && r->o.latency_field[0] ? r->o.latency_field : default_latency_field(fmt);
    if (r->o.latency_field && r->o.latency_field[0] &&
        (!asim_trace_has_field(fmt, "latency") || fmt == ASIM_TRACE_GCP_LB || fmt == ASIM_TRACE_ALB))
        return trace_fail_rc(r, ASIM_EINPUT, 0, "latency_field: the %s format %s", asim_trace_format_name(fmt),
                             asim_trace_has_field(fmt, "latency") ? "has a fixed latency field (doc/traces.md)" :
                             "carries no latency");
    snprintf(r->lfield, sizeof r->lfield, "%s", lf);
    r->o.latency_field = r->lfield;
    r->lat_i = -1;
    if (fmt == ASIM_TRACE_ACCESS_LOG && r->lfield[0]) {
        char *e2;
        long v = strtol(r->lfield, &e2, 10);
        if (*e2 || v < 1 || v > 64)
            return trace_fail_rc(r, ASIM_EINPUT, 0, "latency_field '%s': for access logs, the number (1 to 64) "
                                 "of the field after the Common/Combined fields (1 = the first one after "
                                 "the user agent)", r->lfield);
        r->lat_i = (int)v;
    }
    int u = r->o.latency_unit;
    if (u == ASIM_LATU_AUTO) u = fmt == ASIM_TRACE_JTL ? ASIM_LATU_MS : ASIM_LATU_S;
    r->lscale = u == ASIM_LATU_MS ? 1e-3 : u == ASIM_LATU_US ? 1e-6 : 1;
    return 0;
}

void trace_filter_close(asim_trace_reader *r)
{
    filter_free(&r->flt);
    asim_hist_destroy(r->lat);
    r->lat = NULL;
}

int trace_latency_parse(const asim_trace_reader *r, const char *s, size_t len, double *sec)
{
    trace_trim(&s, &len);
    if (r->o.format == ASIM_TRACE_GCP_LB && len && s[len - 1] == 's') len--;   /* "0.123s" */
    double v;
    if ((len == 1 && s[0] == '-') || trace_parse_double(s, len, &v) != 0 || !isfinite(v) || v < 0) return -1;
    *sec = v * r->lscale;
    return 0;
}

static int passes(const trace_filter_c *c, const trace_req *q)
{
    if (c->nst) {
        if (q->status < 0) return 0;
        int in = c->npos == 0;
        for (int i = 0; i < c->nst; i++) {
            int hit = q->status >= c->st[i].lo && q->status <= c->st[i].hi;
            if (hit && c->st[i].neg) return 0;
            if (hit) in = 1;
        }
        if (!in) return 0;
    }
    if (c->method[0]) {
        if (!q->method || q->method_len == 0 || q->method_len > 32) return 0;
        char m[36];
        m[0] = ',';
        memcpy(m + 1, q->method, q->method_len);
        m[q->method_len + 1] = ',';
        m[q->method_len + 2] = 0;
        if (!strstr(c->method, m)) return 0;
    }
    if (c->path && (!q->path || !asim_regex_match(c->path, q->path, q->path_len))) return 0;
    if (c->ua && (!q->ua || !asim_regex_match(c->ua, q->ua, q->ua_len))) return 0;
    return 1;
}

int trace_emit(asim_trace_reader *r, asim_trace_rec *rec, const trace_req *q)
{
    if (r->flt.on && !passes(&r->flt, q)) {
        if (r->pass == 0) r->filtered++;
        return 0;
    }
    if (r->o.classify && q->path && rec->cls < 0) rec->cls = r->o.classify(r->o.classify_ctx, q->path, q->path_len);
    return trace_order_push(r, rec);
}

void trace_url_path(const char *s, size_t len, const char **path, size_t *plen)
{
    const char *e = s + len, *p = s;
    for (const char *c = s; c + 2 < e && c < s + 16; c++)
        if (c[0] == ':' && c[1] == '/' && c[2] == '/') {
            const char *h = c + 3;
            p = memchr(h, '/', (size_t)(e - h));
            if (!p) { *path = "/"; *plen = 1; return; }
            break;
        }
    *path = p;
    *plen = (size_t)(e - p);
}

static void fill_if_empty(char *dst, const char *src, size_t cap)
{
    if (!dst[0] && src[0]) snprintf(dst, cap, "%s", src);
}

void asim_trace_fold_inputs(const asim_trace_cfg *tc, asim_trace_spec *s)
{
    fill_if_empty(s->filter.status, tc->filter.status, sizeof s->filter.status);
    fill_if_empty(s->filter.path, tc->filter.path, sizeof s->filter.path);
    fill_if_empty(s->filter.method, tc->filter.method, sizeof s->filter.method);
    fill_if_empty(s->filter.user_agent, tc->filter.user_agent, sizeof s->filter.user_agent);
    fill_if_empty(s->latency_field, tc->latency_field, sizeof s->latency_field);
    if (s->latency_unit == ASIM_LATU_AUTO) s->latency_unit = tc->latency_unit;
    if (!(s->user_rate > 0) && tc->user_rate > 0) s->user_rate = tc->user_rate;
}
