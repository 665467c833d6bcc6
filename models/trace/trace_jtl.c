/* trace_jtl.c -- JMeter results in CSV (a .jtl file), one request per row.
 *
 * JMeter writes a header naming its columns (jmeter.save.saveservice.
 * print_field_names=true, the default); the default set is
 *   timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,
 *   success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,
 *   IdleTime,Connect
 * and columns are found by name, so a file saved with fewer or more works.
 * timeStamp is milliseconds since the epoch (timestamp_format=ms, the
 * default) or a date "yyyy-MM-dd HH:mm:ss[.SSS]"; it is the sample's START
 * (sampleresult.timestamp.start=true in jmeter.properties since 2.1.1), which
 * is the arrival we replay.  elapsed (ms, the whole sample) is the latency;
 * latency_field can name another column (Latency: time to first byte).
 * The path for filters and classes is URL's path when the file has URL, else
 * the label.  Rows come in completion order across threads: a reorder window
 * of a few seconds (more than the longest elapsed) sorts them. */
#include "models/trace/trace_reader.h"

#include <math.h>
#include <string.h>

static const char *jtl_expect = "a JMeter results file starts with its header row (timeStamp,elapsed,label,"
                                "responseCode,...): save it with jmeter.save.saveservice.print_field_names=true";

int trace_jtl_header(asim_trace_reader *r, long line)
{
    size_t len;
    const char *f = trace_field(r, 0, &len);
    int64_t ns;
    int tz;
    if (r->nf < 2 || asim_time_parse_any(f, len, ASIM_NS_PER_MS, &ns, &tz) == 0)
        return trace_fail_rc(r, ASIM_EINPUT, line, "no header row: %s", jtl_expect);
    int lat;
    if (trace_resolve_col(r, r->tcol[0] ? r->tcol : "timeStamp", "time_column", 0, 1, line, &r->tcol_i) < 0 ||
        trace_resolve_col(r, r->lfield, "latency_field", -1, 1, line, &lat) < 0)
        return -1;
    r->lat_i = lat;
    r->jtl_code_i = r->jtl_path_i = r->jtl_label_i = -1;
    for (int i = 0; i < r->nf; i++) {
        f = trace_field(r, i, &len);
        if (len == 12 && memcmp(f, "responseCode", 12) == 0) r->jtl_code_i = i;
        else if (len == 3 && memcmp(f, "URL", 3) == 0) r->jtl_path_i = i;
        else if (len == 5 && memcmp(f, "label", 5) == 0) r->jtl_label_i = i;
    }
    if (r->ccol[0] && trace_resolve_col(r, r->ccol, "class_column", -1, 1, line, &r->ccol_i) < 0) return -1;
    return 0;
}

void trace_jtl_row(asim_trace_reader *r, long line)
{
    int need = r->tcol_i > r->lat_i ? r->tcol_i : r->lat_i;
    if (r->nf <= need) {
        trace_bad(r, line, "expected at least %d columns, found %d", need + 1, r->nf);
        return;
    }
    asim_trace_rec rec = { 0, 1.0, -1, 0, line, NAN };
    size_t len;
    const char *f = trace_field(r, r->tcol_i, &len);
    char ex[48];
    if (asim_time_parse_any(f, len, ASIM_NS_PER_MS, &rec.t, &rec.tz_offset) != 0) {
        trace_bad(r, line, "cannot read the timeStamp '%s' (expected milliseconds since the epoch, "
                  "JMeter's timestamp_format=ms, or yyyy-MM-dd HH:mm:ss)", trace_excerpt(f, len, ex, sizeof ex));
        return;
    }
    if (r->lat_i >= 0) {
        f = trace_field(r, r->lat_i, &len);
        if (trace_latency_parse(r, f, len, &rec.latency) != 0) {
            trace_bad(r, line, "cannot read the %s '%s' (expected milliseconds)", r->lfield,
                      trace_excerpt(f, len, ex, sizeof ex));
            return;
        }
    }
    trace_req q = TRACE_REQ_NONE;
    if (r->jtl_code_i >= 0 && r->jtl_code_i < r->nf) {
        f = trace_field(r, r->jtl_code_i, &len);
        if (len == 3 && f[0] >= '0' && f[0] <= '9' && f[1] >= '0' && f[1] <= '9' && f[2] >= '0' && f[2] <= '9')
            q.status = (f[0] - '0') * 100 + (f[1] - '0') * 10 + (f[2] - '0');
    }
    if (r->jtl_path_i >= 0 && r->jtl_path_i < r->nf) {
        f = trace_field(r, r->jtl_path_i, &len);
        if (len && !(len == 4 && memcmp(f, "null", 4) == 0)) trace_url_path(f, len, &q.path, &q.path_len);
    }
    if (!q.path && r->jtl_label_i >= 0 && r->jtl_label_i < r->nf) {
        q.path = trace_field(r, r->jtl_label_i, &len);
        q.path_len = len;
    }
    if (r->o.classify && r->ccol_i >= 0 && r->ccol_i < r->nf) {   /* the class column decides */
        f = trace_field(r, r->ccol_i, &len);
        rec.cls = r->o.classify(r->o.classify_ctx, f, len);
    }
    trace_emit(r, &rec, &q);
}
