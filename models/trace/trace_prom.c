/* trace_prom.c -- Prometheus query_range JSON, series summed (see trace.h; the reader's core is trace.c). */
#include "models/trace/trace_reader.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

/* ---------------------------------------------------------------------
 * Prometheus query_range JSON
 * --------------------------------------------------------------------- */

static int cmp_point(const void *a, const void *b)
{
    const prom_point *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

static int prom_timestamp(const cJSON *t, int64_t *ns)
{
    double v;
    if (cJSON_IsNumber(t)) v = t->valuedouble;
    else if (cJSON_IsString(t)) {
        char *e;
        v = strtod(t->valuestring, &e);
        if (*e || e == t->valuestring) return -1;
    } else return -1;
    if (!isfinite(v) || fabs(v) * 1e9 > (double)ASIM_TRACE_TMAX) return -1;
    *ns = (int64_t)llround(v * 1e3) * ASIM_NS_PER_MS;   /* Prometheus keeps ms */
    return 0;
}

int trace_prom_load(asim_trace_reader *r)
{
    cJSON *root = trace_read_json(r, PROM_MAX_BYTES);
    if (!root) return -1;
    const cJSON *result = NULL;
    const char *rpath = "$";
    if (cJSON_IsArray(root)) {
        result = root;                  /* promtool's bare matrix */
    } else if (cJSON_IsObject(root)) {
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(root, "status");
        if (status && !(cJSON_IsString(status) && strcmp(status->valuestring, "success") == 0)) {
            const cJSON *et = cJSON_GetObjectItemCaseSensitive(root, "errorType");
            const cJSON *em = cJSON_GetObjectItemCaseSensitive(root, "error");
            int rc = trace_fail_rc(r, ASIM_EINPUT, 0, "$.status: the query failed (%s): %s: %s",
                             cJSON_IsString(status) ? status->valuestring : "?",
                             cJSON_IsString(et) ? et->valuestring : "unknown error type",
                             cJSON_IsString(em) ? em->valuestring : "no message");
            cJSON_Delete(root);
            return rc;
        }
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
        if (!cJSON_IsObject(data)) {
            cJSON_Delete(root);
            return trace_fail_rc(r, ASIM_EINPUT, 0, "$.data: missing (not a Prometheus query_range response)");
        }
        const cJSON *rt = cJSON_GetObjectItemCaseSensitive(data, "resultType");
        if (rt && !(cJSON_IsString(rt) && strcmp(rt->valuestring, "matrix") == 0)) {
            int rc = trace_fail_rc(r, ASIM_EINPUT, 0, "$.data.resultType: expected \"matrix\" "
                             "(a query_range response), got %s%s%s",
                             cJSON_IsString(rt) ? "\"" : "", cJSON_IsString(rt) ? rt->valuestring : "a non-string",
                             cJSON_IsString(rt) ? "\"" : "");
            cJSON_Delete(root);
            return rc;
        }
        result = cJSON_GetObjectItemCaseSensitive(data, "result");
        rpath = "$.data.result";
    }
    if (!cJSON_IsArray(result)) {
        cJSON_Delete(root);
        return trace_fail_rc(r, ASIM_EINPUT, 0, "%s: expected an array of series", rpath);
    }
    size_t cap = 0, np = 0;
    prom_point *pts = NULL;
    int si = 0;
    for (const cJSON *series = result->child; series; series = series->next, si++) {
        const cJSON *values = cJSON_IsObject(series) ?
            cJSON_GetObjectItemCaseSensitive(series, "values") : NULL;
        if (!cJSON_IsArray(values)) {
            if (cJSON_IsObject(series) && cJSON_GetObjectItemCaseSensitive(series, "value")) {
                asim_free(pts);
                cJSON_Delete(root);
                return trace_fail_rc(r, ASIM_EINPUT, 0, "%s[%d]: has \"value\", not \"values\": "
                               "this is an instant query; export with query_range", rpath, si);
            }
            if (trace_bad(r, 0, "%s[%d].values: missing or not an array", rpath, si) < 0) {
                asim_free(pts);
                cJSON_Delete(root);
                return -1;
            }
            continue;
        }
        int vi = 0;
        int64_t prev = 0;
        int have_prev = 0;
        for (const cJSON *pt = values->child; pt; pt = pt->next, vi++) {
            int64_t t;
            double v = NAN;
            const cJSON *tv = cJSON_IsArray(pt) ? cJSON_GetArrayItem(pt, 0) : NULL;
            const cJSON *vv = cJSON_IsArray(pt) ? cJSON_GetArrayItem(pt, 1) : NULL;
            const char *problem = NULL;
            if (!tv || !vv || cJSON_GetArraySize(pt) != 2) problem = "expected [timestamp, \"value\"]";
            else if (prom_timestamp(tv, &t) != 0) problem = "bad timestamp";
            else {
                if (cJSON_IsString(vv)) {
                    char *e;
                    v = strtod(vv->valuestring, &e);
                    if (*e || e == vv->valuestring) problem = "value is not a number";
                } else if (cJSON_IsNumber(vv)) v = vv->valuedouble;
                else problem = "value is not a number";
                if (!problem && !isfinite(v)) problem = "value is NaN or infinite";
                else if (!problem && v < 0) problem = "negative rate";
                else if (!problem && have_prev && t <= prev) problem = "timestamp not after the previous point";
            }
            if (problem) {
                if (trace_bad(r, 0, "%s[%d].values[%d]: %s", rpath, si, vi, problem) < 0) {
                    asim_free(pts);
                    cJSON_Delete(root);
                    return -1;
                }
                continue;
            }
            prev = t;
            have_prev = 1;
            ASIM_GROW(pts, cap, np + 1, 256);
            pts[np].t = t;
            pts[np].v = v;
            np++;
        }
    }
    cJSON_Delete(root);
    if (np == 0) {
        asim_free(pts);
        return trace_fail_rc(r, ASIM_EINPUT, 0, "%s: no data points (the query returned no series%s)", rpath,
                       r->skipped ? ", or every point was skipped" : "");
    }
    /* sum the series: query_range evaluates every series at the same steps */
    qsort(pts, np, sizeof *pts, cmp_point);
    size_t m = 0;
    for (size_t i = 0; i < np; i++) {
        if (m && pts[m - 1].t == pts[i].t) pts[m - 1].v += pts[i].v;
        else pts[m++] = pts[i];
    }
    r->pts = pts;
    r->npts = m;
    return 0;
}
