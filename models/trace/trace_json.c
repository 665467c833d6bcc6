/* trace_json.c -- JSON access logs, one object per line (NDJSON).
 *
 * nginx_json: nginx's `log_format NAME escape=json '{...}'` (nginx >= 1.11.8),
 * the layout ingress-nginx writes with `log-format-escape-json: "true"` and a
 * JSON `log-format-upstream`.  Key names are the user's choice, so each field
 * is the first key present from a list of the names in common use (the nginx
 * variable's name without '$', and ingress-nginx's documented example):
 *   time     time_column if set, else msec, time_iso8601, time_local,
 *            @timestamp, timestamp, time  (epoch seconds such as $msec, RFC
 *            3339, or an access-log date); nginx writes these when the
 *            request completes, so the arrival replayed is that time minus
 *            the logged latency when the line has one
 *   status   status
 *   method   request_method, method
 *   path     request_uri, uri, path, url; else the second word of request
 *   agent    http_user_agent, user_agent, agent
 *   latency  latency_field (default request_time, seconds; "duration" in the
 *            ingress-nginx example)
 * escape=json writes every variable as a string; numbers are accepted too.
 *
 * gcp_lb: a Google Cloud HTTP(S) load balancer request log as Cloud Logging
 * stores it (a LogEntry with an httpRequest object, one per line as a log
 * sink writes them; `gcloud logging read --format=json` prints an array:
 * `jq -c '.[]'` turns it into lines).  timestamp (RFC 3339), httpRequest.
 * requestMethod, .requestUrl (its path is used), .status, .userAgent and
 * .latency ("0.053s", a protobuf Duration).
 *
 * Keys a format does not use are ignored (a log line carries many); a line
 * that is not a JSON object, or lacks the time, is bad (file:line). */
#include "models/trace/trace_reader.h"

#include <math.h>
#include <string.h>

/* Object member by a dotted path ("httpRequest.latency"). */
static const cJSON *member(const cJSON *o, const char *path)
{
    char key[ASIM_TRACE_COL_MAX];
    while (o && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof key) return NULL;
        memcpy(key, path, n);
        key[n] = 0;
        o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
        path += n;
        if (*path == '.') path++;
    }
    return o;
}

/* The first of the keys present with a non-empty string or a number. */
static const cJSON *first_of(const cJSON *o, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++) {
        const cJSON *v = member(o, keys[i]);
        if ((cJSON_IsString(v) && v->valuestring[0] && strcmp(v->valuestring, "-") != 0) || cJSON_IsNumber(v))
            return v;
    }
    return NULL;
}

static void str_of(const cJSON *v, const char **s, size_t *len)
{
    if (cJSON_IsString(v)) { *s = v->valuestring; *len = strlen(v->valuestring); }
}

static int status_of(const cJSON *v)
{
    if (cJSON_IsNumber(v)) return v->valuedouble >= 100 && v->valuedouble <= 999 ? (int)v->valuedouble : -1;
    if (cJSON_IsString(v) && strlen(v->valuestring) == 3) {
        const char *s = v->valuestring;
        int ok = s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9';
        return ok ? (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0') : -1;
    }
    return -1;
}

/* Time text or number -> rec; 0 or -1. */
static int time_of(const asim_trace_reader *r, const cJSON *v, asim_trace_rec *rec)
{
    if (cJSON_IsNumber(v)) {
        double t = v->valuedouble * (double)r->o.time_unit_ns;
        if (!(fabs(t) <= (double)ASIM_TRACE_TMAX)) return -1;
        rec->t = (int64_t)llround(t);
        return 0;
    }
    if (!cJSON_IsString(v)) return -1;
    const char *s = v->valuestring;
    size_t n = strlen(s);
    if (n >= 20 && s[2] == '/' && asim_time_parse_clf(s, n, &rec->t, &rec->tz_offset) == 0) return 0;
    return asim_time_parse_any(s, n, r->o.time_unit_ns, &rec->t, &rec->tz_offset);
}

static const char *const nginx_time[] = { "msec", "time_iso8601", "time_local", "@timestamp", "timestamp",
                                          "time", NULL };
static const char *const nginx_status[] = { "status", NULL };
static const char *const nginx_method[] = { "request_method", "method", NULL };
static const char *const nginx_path[] = { "request_uri", "uri", "path", "url", NULL };
static const char *const nginx_ua[] = { "http_user_agent", "user_agent", "agent", NULL };
static const char *const gcp_time[] = { "timestamp", NULL };
static const char *const gcp_status[] = { "httpRequest.status", NULL };
static const char *const gcp_method[] = { "httpRequest.requestMethod", NULL };
static const char *const gcp_path[] = { "httpRequest.requestUrl", NULL };
static const char *const gcp_ua[] = { "httpRequest.userAgent", NULL };

void trace_json_line(asim_trace_reader *r, const char *s, size_t len)
{
    long line = r->lineno;
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r')) len--;
    if (trace_blank(s, len)) return;
    if (r->lineno == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) { s += 3; len -= 3; }
    cJSON *o = cJSON_ParseWithLength(s, len);
    int gcp = r->o.format == ASIM_TRACE_GCP_LB;
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        trace_bad(r, line, "not a JSON object (%s expects one JSON object per line%s)",
                  asim_trace_format_name(r->o.format),
                  gcp ? "; `gcloud logging read --format=json` prints an array: pipe it through `jq -c '.[]'`" : "");
        return;
    }
    asim_trace_rec rec = { 0, 1.0, -1, 0, line, NAN };
    const char *const one_time[] = { r->tcol, NULL };
    const cJSON *tv = first_of(o, gcp ? gcp_time : r->tcol[0] ? one_time : nginx_time);
    char ex[64];
    if (!tv) {
        trace_bad(r, line, "no time key (looked for %s)", gcp ? "timestamp" : r->tcol[0] ? r->tcol :
                  "msec, time_iso8601, time_local, @timestamp, timestamp, time; time_column names another");
        cJSON_Delete(o);
        return;
    }
    if (time_of(r, tv, &rec) != 0) {
        if (cJSON_IsString(tv)) trace_excerpt(tv->valuestring, strlen(tv->valuestring), ex, sizeof ex);
        else snprintf(ex, sizeof ex, "%g", tv->valuedouble);
        trace_bad(r, line, "cannot read the time '%s' (expected RFC 3339, dd/Mon/yyyy:HH:MM:SS +zzzz or "
                  "epoch seconds)", ex);
        cJSON_Delete(o);
        return;
    }
    const cJSON *lv = member(o, r->lfield);
    if ((cJSON_IsString(lv) && lv->valuestring[0] && strcmp(lv->valuestring, "-") != 0) || cJSON_IsNumber(lv)) {
        int bad_lat = 0;
        if (cJSON_IsNumber(lv)) {
            rec.latency = lv->valuedouble * r->lscale;
            bad_lat = !(rec.latency >= 0) || !isfinite(rec.latency);
        } else {
            bad_lat = trace_latency_parse(r, lv->valuestring, strlen(lv->valuestring), &rec.latency) != 0;
        }
        if (bad_lat) {
            trace_bad(r, line, "cannot read the latency %s (expected a number of %s)", r->lfield,
                      gcp ? "seconds like \"0.05s\"" : r->lscale == 1 ? "seconds" : r->lscale == 1e-3 ? "ms" : "us");
            cJSON_Delete(o);
            return;
        }
    }
    if (!gcp && isfinite(rec.latency)) rec.t -= (int64_t)llround(rec.latency * 1e9);   /* completion -> arrival */
    trace_req q = TRACE_REQ_NONE;
    q.status = status_of(first_of(o, gcp ? gcp_status : nginx_status));
    str_of(first_of(o, gcp ? gcp_method : nginx_method), &q.method, &q.method_len);
    str_of(first_of(o, gcp ? gcp_ua : nginx_ua), &q.ua, &q.ua_len);
    const cJSON *pv = first_of(o, gcp ? gcp_path : nginx_path);
    if (cJSON_IsString(pv)) {
        trace_url_path(pv->valuestring, strlen(pv->valuestring), &q.path, &q.path_len);
    } else {
        const cJSON *rq = gcp ? NULL : member(o, "request");      /* "GET /x HTTP/1.1" */
        if (cJSON_IsString(rq)) {
            const char *a = rq->valuestring, *sp = strchr(a, ' ');
            if (sp) {
                if (!q.method) { q.method = a; q.method_len = (size_t)(sp - a); }
                q.path = sp + 1;
                const char *e = strchr(q.path, ' ');
                q.path_len = e ? (size_t)(e - q.path) : strlen(q.path);
            }
        }
    }
    if (!q.path) { q.path = ""; q.path_len = 0; }
    trace_emit(r, &rec, &q);
    cJSON_Delete(o);
}
