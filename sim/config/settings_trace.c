/* settings_trace.c -- the trace feature's settings (trace_cfg.h):
 *   traces        [{"path": ..., "format": ..., transformations...}]
 *   classes       [{"name", "path_regex", "share", "service_time"}]
 *   trace.*       a one-trace shortcut (trace.path, trace.format) and
 *                 factors applied to every trace (multiplier, speedup, ...),
 *                 so `--set trace.multiplier=3` works on any trace scenario
 *   load.*        the seed's /load/... endpoints as events, and their factors
 *
 * Structured values are parsed here into fixed-size structs (a config copies
 * with one memcpy per array).  The validate hook checks what needs more than
 * one value or the file system: class names, regexes, shares summing to at
 * most 1, and that every trace file exists and has a recognisable format, so
 * a typo in a path fails when the scenario loads, not mid-run. */
#include "sim/config/settings.h"

#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "models/stack/sources.h"
#include "models/trace/trace_transform.h"

_Static_assert(sizeof(asim_trace_format) == sizeof(int), "ENUM settings store an int");

#define FSIZE(fld) sizeof(((asim_config *)0)->fld)

static const char *const trace_keys[] = {
    "name", "path", "format", "on_error", "delimiter", "header", "time_column", "value_column",
    "class_column", "time_unit", "log_format", "interpolation", "interval", "resolution",
    "reorder_window", "max_skip_fraction", "copy_shift", "window", "speedup", "speedup_rate", "offset",
    "multiplier", "thin", "loop", "duration", "class", "filter", "latency_field", "latency_unit", "user_rate", NULL
};
static const char *const filter_keys[] = { "status", "path", "method", "user_agent", NULL };
static const char *const class_keys[] = { "name", "path_regex", "share", "service_time", NULL };
static const char *const event_keys[] = { "at", "action", NULL };

static const char *const format_names[] = {
    "auto", "timestamps", "counts", "rates", "access_log", "prometheus",
    "nginx_json", "gcp_lb", "alb", "jtl", "k6", "locust", NULL
};
static const char *const latu_names[] = { "auto", "s", "ms", "us", NULL };
static const char *const on_error_names[] = { "fail", "skip", NULL };
static const char *const profile_names[] = { "replace", "add", NULL };
static const char *const align_names[] = { "absolute", "start", NULL };
static const char *const interp_names[] = { "constant", "linear", NULL };
static const char *const logfmt_names[] = { "auto", "common", "combined", NULL };
static const char *const speedup_names[] = { "keep_rate", "scale_rate", NULL };
static const char *const action_names[] = { "increase", "decrease", "reset", "spike", NULL };
static const char *const unit_names[] = { "s", "ms", "us", "ns", NULL };
static const int64_t unit_ns[] = { 1000000000, 1000000, 1000, 1 };

static size_t count_names(const char *const *names)
{
    size_t n = 0;
    while (names[n]) n++;
    return n;
}

static void names_list(const char *const *names, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; names[i] && used + 2 < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
}

/* ---- typed getters: each optional key keeps its default when absent ---- */

static int get_string(const asim_config *cfg, const cJSON *o, const char *key, char *dst, size_t cap,
                      const char *jp, asim_err *err)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!n) return 0;
    char kp[600];
    asim_jpath_key(kp, sizeof kp, jp, key);
    if (!cJSON_IsString(n)) return asim_config_errf(cfg, err, kp, "expected a string");
    if (strlen(n->valuestring) >= cap)
        return asim_config_errf(cfg, err, kp, "too long (at most %zu characters)", cap - 1);
    memcpy(dst, n->valuestring, strlen(n->valuestring) + 1);
    return 0;
}

static int get_number(const asim_config *cfg, const cJSON *o, const char *key, double *dst,
                      double lo, double hi, int lo_open, const char *jp, asim_err *err)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!n) return 0;
    char kp[600];
    asim_jpath_key(kp, sizeof kp, jp, key);
    if (!cJSON_IsNumber(n) || !isfinite(n->valuedouble))
        return asim_config_errf(cfg, err, kp, "expected a finite number");
    double v = n->valuedouble;
    if ((lo_open ? !(v > lo) : !(v >= lo)) || v > hi)
        return asim_config_errf(cfg, err, kp, "%g is out of range (must be %s %g and <= %g)", v,
                                lo_open ? ">" : ">=", lo, hi);
    *dst = v;
    return 0;
}

static int get_bool(const asim_config *cfg, const cJSON *o, const char *key, int *dst,
                    const char *jp, asim_err *err)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!n) return 0;
    char kp[600];
    asim_jpath_key(kp, sizeof kp, jp, key);
    if (!cJSON_IsBool(n)) return asim_config_errf(cfg, err, kp, "expected true or false");
    *dst = cJSON_IsTrue(n);
    return 0;
}

static int enum_value(const asim_config *cfg, const char *v, const char *const *names, int *dst,
                      const char *kp, asim_err *err)
{
    for (size_t i = 0; names[i]; i++)
        if (strcmp(names[i], v) == 0) { *dst = (int)i; return 0; }
    char list[300];
    names_list(names, list, sizeof list);
    const char *sug = asim_suggest(v, names, count_names(names));
    return asim_config_errf(cfg, err, kp, "unknown value '%s' (%s%s%schoices: %s)", v,
                            sug ? "did you mean " : "", sug ? sug : "", sug ? "? " : "", list);
}

static int get_enum(const asim_config *cfg, const cJSON *o, const char *key, const char *const *names,
                    int *dst, const char *jp, asim_err *err)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!n) return 0;
    char kp[600];
    asim_jpath_key(kp, sizeof kp, jp, key);
    if (!cJSON_IsString(n)) {
        char list[300];
        names_list(names, list, sizeof list);
        return asim_config_errf(cfg, err, kp, "expected a string (one of: %s)", list);
    }
    return enum_value(cfg, n->valuestring, names, dst, kp, err);
}

/* A column: a header name, or a 1-based number. */
static int get_column(const asim_config *cfg, const cJSON *o, const char *key, char *dst, size_t cap,
                      const char *jp, asim_err *err)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!n) return 0;
    char kp[600];
    asim_jpath_key(kp, sizeof kp, jp, key);
    if (cJSON_IsNumber(n)) {
        double v = n->valuedouble;
        if (!(v >= 1 && v <= 64 && v == floor(v)))
            return asim_config_errf(cfg, err, kp, "a column number goes from 1 to 64");
        snprintf(dst, cap, "%d", (int)v);
        return 0;
    }
    if (!cJSON_IsString(n) || !n->valuestring[0])
        return asim_config_errf(cfg, err, kp, "expected a header name or a column number (from 1)");
    return get_string(cfg, o, key, dst, cap, jp, err);
}

static int parse_when(const asim_config *cfg, const cJSON *n, asim_trace_when *w, const char *kp,
                      asim_err *err)
{
    if (!n || cJSON_IsNull(n)) { w->kind = ASIM_WHEN_NONE; return 0; }
    if (cJSON_IsNumber(n) && isfinite(n->valuedouble)) {
        w->kind = ASIM_WHEN_REL;
        w->sec = n->valuedouble;
        return 0;
    }
    if (cJSON_IsString(n) && asim_trace_when_parse(n->valuestring, w) == 0) return 0;
    return asim_config_errf(cfg, err, kp, "expected seconds from the trace's first record, an RFC 3339 "
                            "time (\"2024-01-15T14:00:00Z\"), a time of day (\"14:00\") or null");
}

static int get_window(const asim_config *cfg, const cJSON *o, asim_trace_spec *s, const char *jp,
                      asim_err *err)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "window");
    if (!n) return 0;
    char kp[600], ip[640];
    asim_jpath_key(kp, sizeof kp, jp, "window");
    if (cJSON_IsString(n)) {
        asim_trace_cfg one;
        memset(&one, 0, sizeof one);
        snprintf(one.window, sizeof one.window, "%s", n->valuestring);
        asim_trace_spec tmp;
        asim_trace_spec_defaults(&tmp);
        one.traces = &tmp;
        one.ntraces = 1;
        one.multiplier = 1;
        asim_err e;
        if (asim_trace_effective(&one, &tmp, 1, &e) < 0)
            return asim_config_errf(cfg, err, kp, "expected \"FROM,TO\" or [FROM, TO]");
        s->window_from = tmp.window_from;
        s->window_to = tmp.window_to;
        return 0;
    }
    if (!cJSON_IsArray(n) || cJSON_GetArraySize(n) != 2)
        return asim_config_errf(cfg, err, kp, "expected [FROM, TO] (seconds from the start, RFC 3339, "
                                "\"HH:MM\" or null) or \"FROM,TO\"");
    asim_jpath_index(ip, sizeof ip, kp, 0);
    int rc = parse_when(cfg, cJSON_GetArrayItem(n, 0), &s->window_from, ip, err);
    if (rc) return rc;
    asim_jpath_index(ip, sizeof ip, kp, 1);
    rc = parse_when(cfg, cJSON_GetArrayItem(n, 1), &s->window_to, ip, err);
    if (rc) return rc;
    if (s->window_from.kind == ASIM_WHEN_REL && s->window_to.kind == ASIM_WHEN_REL &&
        s->window_to.sec <= s->window_from.sec)
        return asim_config_errf(cfg, err, kp, "the window ends before it starts");
    if (s->window_from.kind == ASIM_WHEN_ABS && s->window_to.kind == ASIM_WHEN_ABS &&
        s->window_to.abs_ns <= s->window_from.abs_ns)
        return asim_config_errf(cfg, err, kp, "the window ends before it starts");
    return 0;
}

/* "filter": {"status": "2xx,3xx", "path": RE2, "method": "GET,POST", "user_agent": RE2} */
static int get_filter(const asim_config *cfg, const cJSON *o, asim_trace_filter *f, const char *jp,
                      asim_err *err)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "filter");
    if (!n) return 0;
    char kp[600];
    asim_jpath_key(kp, sizeof kp, jp, "filter");
    if (!cJSON_IsObject(n))
        return asim_config_errf(cfg, err, kp, "expected {\"status\": \"2xx,3xx\", \"path\": REGEX, "
                                "\"method\": \"GET,POST\", \"user_agent\": REGEX}");
    int rc = asim_json_check_keys(cfg, n, filter_keys, kp, err);
    if (rc || (rc = get_string(cfg, n, "status", f->status, sizeof f->status, kp, err)) ||
        (rc = get_string(cfg, n, "path", f->path, sizeof f->path, kp, err)) ||
        (rc = get_string(cfg, n, "method", f->method, sizeof f->method, kp, err)) ||
        (rc = get_string(cfg, n, "user_agent", f->user_agent, sizeof f->user_agent, kp, err)))
        return rc;
    asim_err e;
    if (asim_trace_filter_check(f, &e) != 0) return asim_config_errf(cfg, err, kp, "%s", e.msg);
    return 0;
}

/* ---- traces ----------------------------------------------------------------- */

static void base_name(const char *path, char *out, size_t len)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strcspn(b, ".");
    if (n == 0) n = strlen(b);
    if (n >= len) n = len - 1;
    memcpy(out, b, n);
    out[n] = 0;
}

static int parse_trace(const asim_config *cfg, const cJSON *o, asim_trace_spec *s, size_t idx,
                       const char *jp, asim_err *err)
{
    asim_trace_spec_defaults(s);
    if (!cJSON_IsObject(o))
        return asim_config_errf(cfg, err, jp, "expected a trace object {\"path\": FILE, \"format\": ...}");
    int rc = asim_json_check_keys(cfg, o, trace_keys, jp, err);
    if (rc) return rc;
    char kp[600];
    int fmt = ASIM_TRACE_AUTO, onerr = -2, unit = 0, lf = 0, interp = 0, sr = 0;
    if (!cJSON_GetObjectItemCaseSensitive(o, "path"))
        return asim_config_errf(cfg, err, jp, "missing \"path\" (the trace file, relative to the scenario)");
    if ((rc = get_string(cfg, o, "path", s->path, sizeof s->path, jp, err))) return rc;
    if (!s->path[0]) {
        asim_jpath_key(kp, sizeof kp, jp, "path");
        return asim_config_errf(cfg, err, kp, "empty path");
    }
    base_name(s->path, s->name, sizeof s->name);
    if (!s->name[0]) snprintf(s->name, sizeof s->name, "trace%zu", idx);
    if ((rc = get_string(cfg, o, "name", s->name, sizeof s->name, jp, err)) ||
        (rc = get_enum(cfg, o, "format", format_names, &fmt, jp, err)) ||
        (rc = get_enum(cfg, o, "on_error", on_error_names, &onerr, jp, err)) ||
        (rc = get_column(cfg, o, "time_column", s->time_column, sizeof s->time_column, jp, err)) ||
        (rc = get_column(cfg, o, "value_column", s->value_column, sizeof s->value_column, jp, err)) ||
        (rc = get_column(cfg, o, "class_column", s->class_column, sizeof s->class_column, jp, err)) ||
        (rc = get_enum(cfg, o, "time_unit", unit_names, &unit, jp, err)) ||
        (rc = get_enum(cfg, o, "log_format", logfmt_names, &lf, jp, err)) ||
        (rc = get_enum(cfg, o, "interpolation", interp_names, &interp, jp, err)) ||
        (rc = get_number(cfg, o, "interval", &s->interval, 0, 1e9, 0, jp, err)) ||
        (rc = get_number(cfg, o, "resolution", &s->resolution, 0, 86400, 0, jp, err)) ||
        (rc = get_number(cfg, o, "reorder_window", &s->reorder_window, 0, 86400, 0, jp, err)) ||
        (rc = get_number(cfg, o, "max_skip_fraction", &s->max_skip_fraction, 0, 1, 0, jp, err)) ||
        (rc = get_number(cfg, o, "copy_shift", &s->copy_shift, 0, 86400, 1, jp, err)) ||
        (rc = get_window(cfg, o, s, jp, err)) ||
        (rc = get_number(cfg, o, "speedup", &s->speedup, 0, 1e6, 1, jp, err)) ||
        (rc = get_enum(cfg, o, "speedup_rate", speedup_names, &sr, jp, err)) ||
        (rc = get_number(cfg, o, "offset", &s->offset, -1e9, 1e9, 0, jp, err)) ||
        (rc = get_number(cfg, o, "multiplier", &s->multiplier, 0, 1e6, 0, jp, err)) ||
        (rc = get_number(cfg, o, "thin", &s->thin, 0, 1, 1, jp, err)) ||
        (rc = get_bool(cfg, o, "loop", &s->loop, jp, err)) ||
        (rc = get_number(cfg, o, "duration", &s->duration, 0, 1e9, 0, jp, err)) ||
        (rc = get_string(cfg, o, "class", s->cls, sizeof s->cls, jp, err)) ||
        (rc = get_filter(cfg, o, &s->filter, jp, err)) ||
        (rc = get_string(cfg, o, "latency_field", s->latency_field, sizeof s->latency_field, jp, err)) ||
        (rc = get_enum(cfg, o, "latency_unit", latu_names, &s->latency_unit, jp, err)) ||
        (rc = get_number(cfg, o, "user_rate", &s->user_rate, 0, 1e6, 1, jp, err)))
        return rc;
    s->format = (asim_trace_format)fmt;
    s->on_error = onerr == -2 ? ASIM_ONERR_INHERIT : onerr;
    s->time_unit_ns = unit_ns[unit];
    s->log_format = lf;
    s->interpolation = interp;
    s->speedup_rate = sr;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "delimiter");
    if (d) {
        asim_jpath_key(kp, sizeof kp, jp, "delimiter");
        const char *v = cJSON_IsString(d) ? d->valuestring : NULL;
        if (v && strcmp(v, "tab") == 0) s->delimiter = '\t';
        else if (v && strcmp(v, "\\t") == 0) s->delimiter = '\t';
        else if (v && strlen(v) == 1 && v[0] != '"' && v[0] != '\n' && v[0] != '\r') s->delimiter = v[0];
        else return asim_config_errf(cfg, err, kp, "expected one character (\",\", \";\", \"|\") or \"tab\"");
    }
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "header");
    if (h) {
        asim_jpath_key(kp, sizeof kp, jp, "header");
        if (cJSON_IsBool(h)) s->header = cJSON_IsTrue(h) ? ASIM_HEADER_YES : ASIM_HEADER_NO;
        else if (cJSON_IsString(h) && strcmp(h->valuestring, "auto") == 0) s->header = ASIM_HEADER_AUTO;
        else return asim_config_errf(cfg, err, kp, "expected true, false or \"auto\"");
    }
    return 0;
}

static int traces_parse(asim_config *cfg, const cJSON *node, const char *jpath, asim_err *err)
{
    if (!cJSON_IsArray(node))
        return asim_config_errf(cfg, err, jpath, "expected an array of traces like "
                                "[{\"path\": \"traces/day.csv\", \"format\": \"counts\"}]");
    size_t n = (size_t)cJSON_GetArraySize(node), i = 0;
    if (n > ASIM_TRACE_MAX)
        return asim_config_errf(cfg, err, jpath, "too many traces (at most %d)", ASIM_TRACE_MAX);
    asim_trace_spec *t = asim_calloc(n ? n : 1, sizeof *t);
    for (const cJSON *o = node->child; o; o = o->next, i++) {
        char jp[600];
        asim_jpath_index(jp, sizeof jp, jpath, i);
        int rc = parse_trace(cfg, o, &t[i], i, jp, err);
        for (size_t k = 0; rc == 0 && k < i; k++)
            if (strcmp(t[k].name, t[i].name) == 0) {
                char kp[640];
                asim_jpath_key(kp, sizeof kp, jp, "name");
                rc = asim_config_errf(cfg, err, kp, "'%s' is also the name of traces[%zu]: give each "
                                      "trace its own \"name\" (it names its random streams)", t[i].name, k);
            }
        if (rc) {
            asim_free(t);
            return rc;
        }
    }
    asim_free(cfg->ext.trace.traces);
    cfg->ext.trace.traces = t;
    cfg->ext.trace.ntraces = n;
    return 0;
}

static void add_str_if(cJSON *o, const char *key, const char *v)
{
    if (v[0]) cJSON_AddStringToObject(o, key, v);
}

static cJSON *column_json(const char *v)
{
    int all_digits = v[0] != 0;
    for (const char *p = v; *p; p++)
        if (*p < '0' || *p > '9') all_digits = 0;
    return all_digits ? cJSON_CreateNumber(atoi(v)) : cJSON_CreateString(v);
}

static cJSON *when_json(const asim_trace_when *w)
{
    if (w->kind == ASIM_WHEN_NONE) return cJSON_CreateNull();
    if (w->kind == ASIM_WHEN_REL) return cJSON_CreateNumber(w->sec);
    char buf[64];
    asim_trace_when_format(w, buf, sizeof buf);
    return cJSON_CreateString(buf);
}

static cJSON *traces_json(const asim_config *cfg)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < cfg->ext.trace.ntraces; i++) {
        const asim_trace_spec *s = &cfg->ext.trace.traces[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", s->name);
        cJSON_AddStringToObject(o, "path", s->path);
        cJSON_AddStringToObject(o, "format", format_names[s->format]);
        if (s->on_error != ASIM_ONERR_INHERIT) cJSON_AddStringToObject(o, "on_error", on_error_names[s->on_error]);
        if (s->delimiter != ',') {
            char d[2] = { s->delimiter, 0 };
            cJSON_AddStringToObject(o, "delimiter", s->delimiter == '\t' ? "tab" : d);
        }
        if (s->header != ASIM_HEADER_AUTO) cJSON_AddBoolToObject(o, "header", s->header == ASIM_HEADER_YES);
        if (s->time_column[0]) cJSON_AddItemToObject(o, "time_column", column_json(s->time_column));
        if (s->value_column[0]) cJSON_AddItemToObject(o, "value_column", column_json(s->value_column));
        if (s->class_column[0]) cJSON_AddItemToObject(o, "class_column", column_json(s->class_column));
        for (size_t u = 0; u < ASIM_ARRAY_LEN(unit_ns); u++)
            if (unit_ns[u] == s->time_unit_ns && u) cJSON_AddStringToObject(o, "time_unit", unit_names[u]);
        cJSON_AddStringToObject(o, "log_format", logfmt_names[s->log_format]);
        cJSON_AddStringToObject(o, "interpolation", interp_names[s->interpolation]);
        cJSON_AddNumberToObject(o, "interval", s->interval);
        if (s->resolution >= 0) cJSON_AddNumberToObject(o, "resolution", s->resolution);
        if (s->reorder_window >= 0) cJSON_AddNumberToObject(o, "reorder_window", s->reorder_window);
        if (s->max_skip_fraction >= 0) cJSON_AddNumberToObject(o, "max_skip_fraction", s->max_skip_fraction);
        cJSON_AddNumberToObject(o, "copy_shift", s->copy_shift);
        cJSON *w = cJSON_AddArrayToObject(o, "window");
        cJSON_AddItemToArray(w, when_json(&s->window_from));
        cJSON_AddItemToArray(w, when_json(&s->window_to));
        cJSON_AddNumberToObject(o, "speedup", s->speedup);
        cJSON_AddStringToObject(o, "speedup_rate", speedup_names[s->speedup_rate]);
        cJSON_AddNumberToObject(o, "offset", s->offset);
        cJSON_AddNumberToObject(o, "multiplier", s->multiplier);
        cJSON_AddNumberToObject(o, "thin", s->thin);
        cJSON_AddBoolToObject(o, "loop", s->loop);
        cJSON_AddNumberToObject(o, "duration", s->duration);
        add_str_if(o, "class", s->cls);
        if (s->filter.status[0] || s->filter.path[0] || s->filter.method[0] || s->filter.user_agent[0]) {
            cJSON *f = cJSON_AddObjectToObject(o, "filter");
            add_str_if(f, "status", s->filter.status);
            add_str_if(f, "path", s->filter.path);
            add_str_if(f, "method", s->filter.method);
            add_str_if(f, "user_agent", s->filter.user_agent);
        }
        add_str_if(o, "latency_field", s->latency_field);
        if (s->latency_unit) cJSON_AddStringToObject(o, "latency_unit", latu_names[s->latency_unit]);
        if (s->user_rate > 0) cJSON_AddNumberToObject(o, "user_rate", s->user_rate);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* ---- classes ------------------------------------------------------------------ */

static int parse_share(const asim_config *cfg, const cJSON *n, asim_class_spec *c, const char *kp,
                       asim_err *err)
{
    if (cJSON_IsNumber(n)) {
        double v = n->valuedouble;
        if (!(v >= 0 && v <= 1)) return asim_config_errf(cfg, err, kp, "%g is out of range (a share is from 0 to 1)", v);
        c->share = asim_malloc(sizeof *c->share);
        c->share[0] = (asim_share_point){ 0, v };
        c->nshare = 1;
        return 0;
    }
    if (!cJSON_IsArray(n) || cJSON_GetArraySize(n) == 0)
        return asim_config_errf(cfg, err, kp, "expected a share from 0 to 1, or [[t, share], ...] "
                                "(sim seconds, linear in between)");
    size_t m = (size_t)cJSON_GetArraySize(n), i = 0;
    c->share = asim_calloc(m, sizeof *c->share);
    for (const cJSON *p = n->child; p; p = p->next, i++) {
        char ip[700];
        asim_jpath_index(ip, sizeof ip, kp, i);
        const cJSON *t = cJSON_GetArrayItem(p, 0), *v = cJSON_GetArrayItem(p, 1);
        if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != 2 || !cJSON_IsNumber(t) || !cJSON_IsNumber(v))
            return asim_config_errf(cfg, err, ip, "expected [t, share]");
        if (!(t->valuedouble >= 0 && t->valuedouble <= 1e9) || (i && t->valuedouble <= c->share[i - 1].t))
            return asim_config_errf(cfg, err, ip, "times must be >= 0 and increasing");
        if (!(v->valuedouble >= 0 && v->valuedouble <= 1))
            return asim_config_errf(cfg, err, ip, "%g is out of range (a share is from 0 to 1)", v->valuedouble);
        c->share[i] = (asim_share_point){ t->valuedouble, v->valuedouble };
    }
    c->nshare = m;
    return 0;
}

static int parse_service(const asim_config *cfg, const cJSON *n, asim_dist *d, const char *kp,
                         asim_err *err)
{
    static const char *const dkeys[] = { "distribution", "mean", "cv", NULL };
    memset(d, 0, sizeof *d);
    if (cJSON_IsNumber(n)) {
        d->kind = ASIM_DIST_DETERMINISTIC;
        d->mean = n->valuedouble;
        return 0;
    }
    if (!cJSON_IsObject(n))
        return asim_config_errf(cfg, err, kp, "expected {\"distribution\": NAME, \"mean\": s, \"cv\": x} or a number of seconds");
    int rc = asim_json_check_keys(cfg, n, dkeys, kp, err);
    if (rc) return rc;
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(n, "distribution");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(n, "mean");
    const cJSON *cv = cJSON_GetObjectItemCaseSensitive(n, "cv");
    char sp[700];
    d->kind = ASIM_DIST_LOGNORMAL;
    if (k) {
        asim_jpath_key(sp, sizeof sp, kp, "distribution");
        if (!cJSON_IsString(k) || asim_dist_parse(k->valuestring, &d->kind) != 0)
            return asim_config_errf(cfg, err, sp, "unknown distribution (choices: %s)", asim_dist_names());
    }
    if (!cJSON_IsNumber(m)) return asim_config_errf(cfg, err, kp, "missing \"mean\" (seconds)");
    d->mean = m->valuedouble;
    d->cv = d->kind == ASIM_DIST_DETERMINISTIC ? 0 : d->kind == ASIM_DIST_UNIFORM ? 0.5 : 1;
    if (cv) {
        asim_jpath_key(sp, sizeof sp, kp, "cv");
        if (!cJSON_IsNumber(cv)) return asim_config_errf(cfg, err, sp, "expected a number");
        d->cv = cv->valuedouble;
    }
    return 0;
}

static void classes_free_arr(asim_class_spec *c, size_t n)
{
    for (size_t i = 0; i < n; i++) asim_free(c[i].share);
    asim_free(c);
}

static int parse_class(const asim_config *cfg, const cJSON *o, asim_class_spec *c, const char *jp,
                       asim_err *err)
{
    if (!cJSON_IsObject(o))
        return asim_config_errf(cfg, err, jp, "expected a class {\"name\", \"path_regex\", \"share\", \"service_time\"}");
    int rc = asim_json_check_keys(cfg, o, class_keys, jp, err);
    if (rc) return rc;
    char kp[640];
    if (!cJSON_GetObjectItemCaseSensitive(o, "name"))
        return asim_config_errf(cfg, err, jp, "missing \"name\"");
    if ((rc = get_string(cfg, o, "name", c->name, sizeof c->name, jp, err)) ||
        (rc = get_string(cfg, o, "path_regex", c->path_regex, sizeof c->path_regex, jp, err)))
        return rc;
    asim_jpath_key(kp, sizeof kp, jp, "name");
    if (!c->name[0] || strcmp(c->name, "default") == 0)
        return asim_config_errf(cfg, err, kp, "a class needs a name other than \"default\" (class 0, app.service_time)");
    if (c->path_regex[0]) {
        regex_t re;
        int e = regcomp(&re, c->path_regex, REG_EXTENDED | REG_NOSUB);
        asim_jpath_key(kp, sizeof kp, jp, "path_regex");
        if (e) {
            char msg[200];
            regerror(e, &re, msg, sizeof msg);
            return asim_config_errf(cfg, err, kp, "invalid regular expression: %s", msg);
        }
        regfree(&re);
    }
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(o, "share");
    if (sh) {
        asim_jpath_key(kp, sizeof kp, jp, "share");
        if ((rc = parse_share(cfg, sh, c, kp, err))) return rc;
    }
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(o, "service_time");
    if (sv) {
        asim_jpath_key(kp, sizeof kp, jp, "service_time");
        if ((rc = parse_service(cfg, sv, &c->service, kp, err))) return rc;
        c->has_service = 1;
    }
    return 0;
}

static int classes_parse(asim_config *cfg, const cJSON *node, const char *jpath, asim_err *err)
{
    if (!cJSON_IsArray(node))
        return asim_config_errf(cfg, err, jpath, "expected an array of classes like [{\"name\": \"report\", "
                                "\"path_regex\": \"^/api/report\", \"share\": 0.1, \"service_time\": "
                                "{\"distribution\": \"lognormal\", \"mean\": 0.8, \"cv\": 1}}]");
    size_t n = (size_t)cJSON_GetArraySize(node), i = 0;
    if (n > ASIM_CLASS_MAX)
        return asim_config_errf(cfg, err, jpath, "too many classes (at most %d)", ASIM_CLASS_MAX);
    asim_class_spec *c = asim_calloc(n ? n : 1, sizeof *c);
    for (const cJSON *o = node->child; o; o = o->next, i++) {
        char jp[600];
        asim_jpath_index(jp, sizeof jp, jpath, i);
        int rc = parse_class(cfg, o, &c[i], jp, err);
        for (size_t k = 0; rc == 0 && k < i; k++)
            if (strcmp(c[k].name, c[i].name) == 0) {
                char kp[640];
                asim_jpath_key(kp, sizeof kp, jp, "name");
                rc = asim_config_errf(cfg, err, kp, "'%s' is also the name of classes[%zu]", c[i].name, k);
            }
        if (rc) {
            classes_free_arr(c, n);
            return rc;
        }
    }
    classes_free_arr(cfg->ext.trace.classes, cfg->ext.trace.nclasses);
    cfg->ext.trace.classes = c;
    cfg->ext.trace.nclasses = n;
    return 0;
}

static cJSON *classes_json(const asim_config *cfg)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < cfg->ext.trace.nclasses; i++) {
        const asim_class_spec *c = &cfg->ext.trace.classes[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", c->name);
        add_str_if(o, "path_regex", c->path_regex);
        if (c->nshare == 1 && c->share[0].t == 0) cJSON_AddNumberToObject(o, "share", c->share[0].share);
        else if (c->nshare) {
            cJSON *s = cJSON_AddArrayToObject(o, "share");
            for (size_t k = 0; k < c->nshare; k++) {
                cJSON *p = cJSON_CreateArray();
                cJSON_AddItemToArray(p, cJSON_CreateNumber(c->share[k].t));
                cJSON_AddItemToArray(p, cJSON_CreateNumber(c->share[k].share));
                cJSON_AddItemToArray(s, p);
            }
        }
        if (c->has_service) {
            cJSON *d = cJSON_AddObjectToObject(o, "service_time");
            cJSON_AddStringToObject(d, "distribution", asim_dist_name(c->service.kind));
            cJSON_AddNumberToObject(d, "mean", c->service.mean);
            cJSON_AddNumberToObject(d, "cv", c->service.cv);
        }
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* ---- load events ---------------------------------------------------------------- */

static int events_parse(asim_config *cfg, const cJSON *node, const char *jpath, asim_err *err)
{
    if (!cJSON_IsArray(node))
        return asim_config_errf(cfg, err, jpath, "expected an array like [{\"at\": 60, \"action\": \"spike\"}]");
    size_t n = (size_t)cJSON_GetArraySize(node), i = 0;
    if (n > ASIM_LOAD_EVENTS_MAX)
        return asim_config_errf(cfg, err, jpath, "too many events (at most %d)", ASIM_LOAD_EVENTS_MAX);
    asim_load_event *ev = asim_calloc(n ? n : 1, sizeof *ev);
    for (const cJSON *o = node->child; o; o = o->next, i++) {
        char jp[600], kp[640];
        asim_jpath_index(jp, sizeof jp, jpath, i);
        int rc = 0;
        if (!cJSON_IsObject(o))
            rc = asim_config_errf(cfg, err, jp, "expected {\"at\": s, \"action\": \"increase\"|\"decrease\"|\"reset\"|\"spike\"}");
        if (!rc) rc = asim_json_check_keys(cfg, o, event_keys, jp, err);
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(o, "at");
        const cJSON *ac = cJSON_GetObjectItemCaseSensitive(o, "action");
        if (!rc && (!at || !ac)) rc = asim_config_errf(cfg, err, jp, "missing \"%s\"", at ? "action" : "at");
        if (!rc) rc = get_number(cfg, o, "at", &ev[i].at, 0, 1e9, 0, jp, err);
        if (!rc) {
            asim_jpath_key(kp, sizeof kp, jp, "action");
            if (!cJSON_IsString(ac)) rc = asim_config_errf(cfg, err, kp, "expected a string");
            else {
                /* the endpoint itself ("/load/spike") is accepted too */
                const char *v = ac->valuestring;
                if (strncmp(v, "/load/", 6) == 0) v += 6;
                int a = 0;
                rc = enum_value(cfg, v, action_names, &a, kp, err);
                ev[i].action = (asim_load_action)a;
            }
        }
        if (rc) {
            asim_free(ev);
            return rc;
        }
    }
    /* stable sort by time: events at one instant apply in file order */
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0 && ev[b].at < ev[b - 1].at; b--) {
            asim_load_event t = ev[b]; ev[b] = ev[b - 1]; ev[b - 1] = t;
        }
    asim_free(cfg->ext.trace.load_events);
    cfg->ext.trace.load_events = ev;
    cfg->ext.trace.nload_events = n;
    return 0;
}

static cJSON *events_json(const asim_config *cfg)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < cfg->ext.trace.nload_events; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "at", cfg->ext.trace.load_events[i].at);
        cJSON_AddStringToObject(o, "action", action_names[cfg->ext.trace.load_events[i].action]);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* ---- group hooks ------------------------------------------------------------------- */

static void trace_free(asim_config *cfg)
{
    asim_trace_cfg *t = &cfg->ext.trace;
    asim_free(t->traces);
    classes_free_arr(t->classes, t->nclasses);
    asim_free(t->load_events);
    t->traces = NULL;
    t->classes = NULL;
    t->load_events = NULL;
    t->ntraces = t->nclasses = t->nload_events = 0;
}

static void *dup(const void *p, size_t size)
{
    void *d = asim_malloc(size ? size : 1);
    if (size) memcpy(d, p, size);
    return d;
}

static void trace_copy(asim_config *dst, const asim_config *src)
{
    const asim_trace_cfg *s = &src->ext.trace;
    asim_trace_cfg *d = &dst->ext.trace;
    d->traces = dup(s->traces, s->ntraces * sizeof *s->traces);
    d->load_events = dup(s->load_events, s->nload_events * sizeof *s->load_events);
    d->classes = dup(s->classes, s->nclasses * sizeof *s->classes);
    for (size_t i = 0; i < s->nclasses; i++)
        d->classes[i].share = s->classes[i].nshare ?
            dup(s->classes[i].share, s->classes[i].nshare * sizeof *s->classes[i].share) : NULL;
}

/* The shares' sum at t. */
static double share_sum(const asim_trace_cfg *t, double at)
{
    double sum = 0;
    for (size_t i = 0; i < t->nclasses; i++) {
        const asim_class_spec *c = &t->classes[i];
        if (!c->nshare) continue;
        const asim_share_point *p = c->share;
        size_t n = c->nshare, k = 0;
        if (at <= p[0].t) { sum += p[0].share; continue; }
        while (k + 1 < n && p[k + 1].t <= at) k++;
        if (k + 1 == n) sum += p[n - 1].share;
        else sum += p[k].share + (at - p[k].t) / (p[k + 1].t - p[k].t) * (p[k + 1].share - p[k].share);
    }
    return sum;
}

/* Filters, latency field and user rate against the trace's (resolved) format. */
static int check_inputs(const asim_config *cfg, const asim_trace_spec *s, asim_trace_format f,
                        const char *base, asim_err *err)
{
    char jp[160];
    const char *fv[4] = { s->filter.status, s->filter.method, s->filter.path, s->filter.user_agent };
    static const char *const fk[4] = { "status", "method", "path", "user_agent" };
    asim_err e;
    snprintf(jp, sizeof jp, "%s.filter", base);
    if (asim_trace_filter_check(&s->filter, &e) != 0) return asim_config_errf(cfg, err, jp, "%s", e.msg);
    for (int k = 0; k < 4; k++)
        if (fv[k][0] && !asim_trace_has_field(f, fk[k])) {
            snprintf(jp, sizeof jp, "%s.filter.%s", base, fk[k]);
            return asim_config_errf(cfg, err, jp, "the trace's format (%s) has no %s field",
                                    asim_trace_format_name(f), fk[k]);
        }
    if (s->latency_field[0] && (!asim_trace_has_field(f, "latency") || f == ASIM_TRACE_GCP_LB || f == ASIM_TRACE_ALB)) {
        snprintf(jp, sizeof jp, "%s.latency_field", base);
        return asim_config_errf(cfg, err, jp, "the trace's format (%s) %s", asim_trace_format_name(f),
                                asim_trace_has_field(f, "latency") ? "has a fixed latency field" : "carries no latency");
    }
    if (s->user_rate > 0 && !asim_trace_is_stages(f) && s->user_rate != cfg->ext.trace.user_rate) {
        snprintf(jp, sizeof jp, "%s.user_rate", base);
        return asim_config_errf(cfg, err, jp, "user_rate applies to k6 and locust stage lists only "
                                "(the trace's format is %s)", asim_trace_format_name(f));
    }
    return 0;
}

static int trace_validate(asim_config *cfg, asim_err *err)
{
    asim_trace_cfg *t = &cfg->ext.trace;
    char jp[128];
    for (size_t i = 0; i < t->nclasses; i++) {
        asim_class_spec *c = &t->classes[i];
        if (c->has_service) {
            asim_err derr;
            if (asim_dist_prepare(&c->service, &derr) != 0) {
                snprintf(jp, sizeof jp, "$.classes[%zu].service_time", i);
                return asim_config_errf(cfg, err, jp, "%s", derr.msg);
            }
        }
        /* the sum is piecewise linear: checking every breakpoint suffices */
        for (size_t k = 0; k < c->nshare; k++) {
            double s = share_sum(t, c->share[k].t);
            if (s > 1 + 1e-9) {
                snprintf(jp, sizeof jp, "$.classes[%zu].share", i);
                return asim_config_errf(cfg, err, jp, "the classes' shares add up to %g at t=%g s "
                                        "(at most 1; the rest is the default class)", s, c->share[k].t);
            }
        }
    }
    if (t->load_min > 1 || t->load_max < 1)
        return asim_config_errf(cfg, err, "$.load", "load.min (%g) must be <= 1 <= load.max (%g)",
                                t->load_min, t->load_max);
    asim_trace_spec specs[ASIM_TRACE_MAX + 1];
    int n = asim_trace_effective(t, specs, ASIM_ARRAY_LEN(specs), err);
    if (n < 0) return asim_config_errf(cfg, err, "$.trace.window", "%s", err->msg);
    if (t->nload_events > 0 && cfg->traffic.nsegments > 0 && cfg->traffic.arrivals != ASIM_ARRIVALS_CLOSED &&
        (n == 0 || t->profile == ASIM_PROFILE_ADD)) {
        /* the profile is thinned from one copy per unit of the highest load
         * factor (sources.c): say which settings make it too high */
        asim_load_schedule ls;
        asim_load_schedule_build(t, &ls);
        double fmax = asim_load_max(&ls);
        asim_load_schedule_free(&ls);
        if (ceil(fmax - 1e-12) + n > ASIM_SOURCES_MAX)
            return asim_config_errf(cfg, err, "$.load.events", "the load events raise the offered load to %g times "
                                    "the profile (load.spike %g, load.increase %g up to load.max %g); at most %d "
                                    "is supported: lower load.spike or load.max", fmax, t->load_spike,
                                    t->load_increase, t->load_max, ASIM_SOURCES_MAX - n);
    }
    if (t->path[0] && t->ntraces == ASIM_TRACE_MAX)
        return asim_config_errf(cfg, err, "$.trace.path", "too many traces (at most %d)", ASIM_TRACE_MAX);
    for (int i = 0; i < n; i++) {
        const asim_trace_spec *s = &specs[i];
        int shortcut = (size_t)i == t->ntraces;
        char base[64];
        if (shortcut) snprintf(base, sizeof base, "$.trace");
        else snprintf(base, sizeof base, "$.traces[%d]", i);
        if (s->cls[0] && strcmp(s->cls, "default") != 0) {
            size_t k;
            for (k = 0; k < t->nclasses && strcmp(t->classes[k].name, s->cls) != 0; k++)
                ;
            if (k == t->nclasses) {
                snprintf(jp, sizeof jp, "%s.class", base);
                return asim_config_errf(cfg, err, jp, "no class named '%s' in classes", s->cls);
            }
        }
        if (shortcut)
            for (size_t k = 0; k < t->ntraces; k++)
                if (strcmp(t->traces[k].name, "trace") == 0)
                    return asim_config_errf(cfg, err, "$.trace.path", "traces[%zu] is already named "
                                            "\"trace\", the name trace.path's trace takes", k);
        char path[ASIM_TRACE_PATH_MAX + 1100];
        snprintf(jp, sizeof jp, "%s.path", base);
        if (!asim_trace_resolve_path(cfg->source_file, s->path, path, sizeof path))
            return asim_config_errf(cfg, err, jp, "cannot open trace '%s'", path);
        asim_trace_format f = s->format;
        if (s->format == ASIM_TRACE_AUTO) {
            asim_err derr;
            if (asim_trace_detect(path, &f, &derr) != 0) {
                snprintf(jp, sizeof jp, "%s.format", base);
                return asim_config_errf(cfg, err, jp, "%s", derr.msg);
            }
        }
        int rc = check_inputs(cfg, s, f, base, err);
        if (rc) return rc;
    }
    return 0;
}

#define NUMT(p, fld, d, lo, hi, u, h) { .path = p, .type = ASIM_SET_DOUBLE, \
    .offset = offsetof(asim_config, fld), .size = FSIZE(fld), .def = d, .min = lo, .max = hi, .unit = u, .help = h }
#define ENUMT(p, fld, d, nm, h) { .path = p, .type = ASIM_SET_ENUM, \
    .offset = offsetof(asim_config, fld), .size = FSIZE(fld), .def = d, .names = nm, .unit = "", .help = h }

static const asim_setting trace_table[] = {
    { .path = "traces", .type = ASIM_SET_CUSTOM, .def = "[]", .unit = "",
      .parse = traces_parse, .to_json = traces_json,
      .help = "Recorded traffic to replay: [{\"path\": FILE (relative to the scenario), \"format\": "
              "auto|timestamps|counts|rates|access_log|prometheus|nginx_json|gcp_lb|alb|jtl|k6|locust, \"window\": [FROM, TO], \"speedup\", "
              "\"speedup_rate\": keep_rate|scale_rate, \"offset\", \"multiplier\", \"thin\", \"loop\", "
              "\"duration\", \"interpolation\": constant|linear, \"class\", \"reorder_window\", "
              "\"max_skip_fraction\", ...}] (doc/traces.md)" },
    { .path = "classes", .type = ASIM_SET_CUSTOM, .def = "[]", .unit = "",
      .parse = classes_parse, .to_json = classes_json,
      .help = "Request classes 1, 2, ... (class 0 is app.service_time): [{\"name\", \"path_regex\" "
              "(access-log paths), \"share\" (0..1, or [[t, share], ...]), \"service_time\"}]" },
    { .path = "trace.path", .type = ASIM_SET_STRING, .offset = offsetof(asim_config, ext.trace.path),
      .size = FSIZE(ext.trace.path), .def = "", .unit = "",
      .help = "One more trace, named \"trace\", without a traces list (--set trace.path=export.json)" },
    ENUMT("trace.format", ext.trace.format, "auto", format_names, "Format of trace.path"),
    ENUMT("trace.on_error", ext.trace.on_error, "fail", on_error_names,
          "A bad trace line: fail with file:line, or skip it (counted as trace_skipped_lines in summary.json)"),
    ENUMT("trace.profile", ext.trace.profile, "replace", profile_names,
          "With traces, traffic.profile is replaced by them, or added to them"),
    NUMT("trace.multiplier", ext.trace.multiplier, "1", 0, 1e6, "",
         "Multiplies the rate of every trace (3 = three times the recorded traffic)"),
    NUMT("trace.speedup", ext.trace.speedup, "1", ASIM_SET_POSITIVE, 1e6, "",
         "Multiplies every trace's speedup (time compression)"),
    NUMT("trace.offset", ext.trace.offset, "0", -1e9, 1e9, "s", "Added to every trace's offset"),
    NUMT("trace.thin", ext.trace.thin, "1", ASIM_SET_POSITIVE, 1, "",
         "Multiplies every trace's keep probability (random thinning)"),
    { .path = "trace.loop", .type = ASIM_SET_BOOL, .offset = offsetof(asim_config, ext.trace.loop),
      .size = sizeof(int), .def = "false", .unit = "", .help = "Loop every trace until the run's duration" },
    { .path = "trace.window", .type = ASIM_SET_STRING, .offset = offsetof(asim_config, ext.trace.window),
      .size = FSIZE(ext.trace.window), .def = "", .unit = "",
      .help = "\"FROM,TO\" replacing every trace's window (seconds from its start, RFC 3339 or HH:MM)" },
    { .path = "trace.filter.status", .type = ASIM_SET_STRING, .offset = offsetof(asim_config, ext.trace.filter.status),
      .size = FSIZE(ext.trace.filter.status), .def = "", .unit = "",
      .help = "Replay only requests with these statuses: \"2xx,3xx\", \"200-399,404\", \"!5xx\" (request "
              "traces that log a status; for every trace without its own filter)" },
    { .path = "trace.filter.path", .type = ASIM_SET_STRING, .offset = offsetof(asim_config, ext.trace.filter.path),
      .size = FSIZE(ext.trace.filter.path), .def = "", .unit = "",
      .help = "Replay only requests whose whole path (query included) matches this RE2 regex (\"/api/.*\")" },
    { .path = "trace.filter.method", .type = ASIM_SET_STRING, .offset = offsetof(asim_config, ext.trace.filter.method),
      .size = FSIZE(ext.trace.filter.method), .def = "", .unit = "",
      .help = "Replay only requests with these methods (\"GET,POST\")" },
    { .path = "trace.filter.user_agent", .type = ASIM_SET_STRING,
      .offset = offsetof(asim_config, ext.trace.filter.user_agent), .size = FSIZE(ext.trace.filter.user_agent),
      .def = "", .unit = "",
      .help = "Replay only requests whose whole user agent matches this RE2 regex (\"(?i:.*bot.*)\" keeps bots; "
              "negate with a regex of the others)" },
    { .path = "trace.latency_field", .type = ASIM_SET_STRING, .offset = offsetof(asim_config, ext.trace.latency_field),
      .size = FSIZE(ext.trace.latency_field), .def = "", .unit = "",
      .help = "Where a request trace logs its latency: access_log: the number of the field after the "
              "Common/Combined ones (1 = the first); nginx_json: a key (default request_time); jtl: a column "
              "(default elapsed).  Read into summary.json's trace_latency_* beside the simulated latency" },
    ENUMT("trace.latency_unit", ext.trace.latency_unit, "auto", latu_names,
          "Unit of the logged latency: auto (s; jtl ms), s (nginx $request_time), ms, us (Apache %D)"),
    NUMT("trace.user_rate", ext.trace.user_rate, "0", 0, 1e6, "1/s",
         "k6 VUs and Locust users -> requests per second per user (0 = 1: one request per second per user)"),
    NUMT("trace.reorder_window", ext.trace.reorder_window, "60", 0, 86400, "s",
         "Every trace (unless it sets its own): records up to this late are put back in time order "
         "(Apache logs each request at completion with its start time; 60 s is Apache's default Timeout); "
         "0 = records must be in order"),
    NUMT("trace.max_skip_fraction", ext.trace.max_skip_fraction, "0.01", 0, 1, "",
         "With on_error=skip, a trace that skips more than this share of its lines is an error "
         "(unless the trace sets its own)"),
    ENUMT("trace.align", ext.trace.align, "absolute", align_names,
          "Several traces: on their absolute timestamps (a log that began later plays later), "
          "or each from its own start"),
    { .path = "load.events", .type = ASIM_SET_CUSTOM, .def = "[]", .unit = "",
      .parse = events_parse, .to_json = events_json,
      .help = "The seed app's /load/<action> calls at sim times: [{\"at\": s, \"action\": "
              "increase|decrease|reset|spike}]; they scale the offered load of every source" },
    NUMT("load.increase", ext.trace.load_increase, "2", 1, 1000, "",
         "/load/increase multiplies the load factor by this (the seed's ramp doubles: 10, 20, 40, 80, 160 req/s)"),
    NUMT("load.decrease", ext.trace.load_decrease, "2", 1, 1000, "",
         "/load/decrease divides the load factor by this"),
    NUMT("load.spike", ext.trace.load_spike, "10", ASIM_SET_POSITIVE, 1000, "",
         "/load/spike multiplies the load by this while it lasts (the seed's spike test: 20 -> 200 req/s)"),
    NUMT("load.spike_duration", ext.trace.load_spike_duration, "10", 0, 1e9, "s",
         "How long a spike lasts (the seed's spike test: 10 s); 0 = until /load/reset"),
    NUMT("load.min", ext.trace.load_min, "0.0625", ASIM_SET_POSITIVE, 1, "",
         "Lowest load factor decrease reaches"),
    NUMT("load.max", ext.trace.load_max, "16", 1, 1000, "",
         "Highest load factor increase reaches (the seed's ramp spans 16x)"),
    { .path = NULL },
};

const asim_settings_group asim_settings_trace = {
    .table = trace_table,
    .count = ASIM_ARRAY_LEN(trace_table) - 1,
    .validate = trace_validate,
    .free_owned = trace_free,
    .copy_owned = trace_copy,
};
