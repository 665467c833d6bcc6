/* trace_csv.c -- the CSV formats (timestamps, counts, rates) through libcsv (see trace.h; the reader's core is trace.c). */
#include "models/trace/trace_reader.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------
 * CSV formats
 * --------------------------------------------------------------------- */

static int is_index(const char *s)
{
    if (!*s) return 0;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p)) return 0;
    return 1;
}


static int name_eq(const char *a, size_t alen, const char *b)
{
    trace_trim(&a, &alen);
    return strlen(b) == alen && strncasecmp(a, b, alen) == 0;
}

/* Resolve a column option against the header row (or without one).
 * def is the 0-based default, -1 for none.  0 or -1 (fatal). */
int trace_resolve_col(asim_trace_reader *r, const char *opt, const char *what, int def,
                       int have_header, long line, int *out)
{
    if (!opt[0]) { *out = def; return 0; }
    if (is_index(opt)) {
        long v = strtol(opt, NULL, 10);
        if (v < 1 || v > ASIM_TRACE_FIELDS_MAX)
            return trace_fail_rc(r, ASIM_EINPUT, 0, "%s %s: column numbers go from 1 to %d",
                           what, opt, ASIM_TRACE_FIELDS_MAX);
        *out = (int)v - 1;
        return 0;
    }
    if (!have_header)
        return trace_fail_rc(r, ASIM_EINPUT, line, "%s '%s' names a column, but the file has no header row "
                       "(use a column number, or header=yes)", what, opt);
    char cols[200] = "";
    for (int i = 0; i < r->nf; i++) {
        size_t len;
        const char *f = trace_field(r, i, &len);
        if (name_eq(f, len, opt)) { *out = i; return 0; }
        char ex[40];
        size_t used = strlen(cols);
        snprintf(cols + used, sizeof cols - used, "%s%s", i ? ", " : "", trace_excerpt(f, len, ex, sizeof ex));
    }
    return trace_fail_rc(r, ASIM_EINPUT, line, "%s '%s' is not in the header (columns: %s)", what, opt, cols);
}

static void handle_row(asim_trace_reader *r)
{
    long line = r->row_line ? r->row_line : r->lineno;
    int rate = asim_trace_is_rate(r->o.format);
    size_t len;
    const char *f;
    if (r->o.format == ASIM_TRACE_JTL) {
        if (!r->header_seen) {
            r->header_seen = 1;
            trace_jtl_header(r, line);
        } else {
            trace_jtl_row(r, line);
        }
        return;
    }
    if (!r->header_seen) {
        r->header_seen = 1;
        int header = r->o.header == ASIM_HEADER_YES;
        int def_t = 0;
        if (r->o.header == ASIM_HEADER_AUTO) {
            if (r->tcol[0] && !is_index(r->tcol)) header = 1;
            else {
                int ti = r->tcol[0] ? atoi(r->tcol) - 1 : def_t;
                int64_t ns;
                int tz;
                header = ti >= r->nf || (f = trace_field(r, ti, &len),
                          asim_time_parse_any(f, len, r->o.time_unit_ns, &ns, &tz) != 0);
                if (!header && rate) {     /* "t,count" rows always have a number in column 2 */
                    int vi = r->vcol[0] && is_index(r->vcol) ? atoi(r->vcol) - 1 : 1;
                    double v;
                    header = vi < r->nf && (f = trace_field(r, vi, &len), trace_parse_double(f, len, &v) != 0);
                }
            }
        }
        if (trace_resolve_col(r, r->tcol, "time_column", def_t, header, line, &r->tcol_i) < 0 ||
            trace_resolve_col(r, r->vcol, "value_column", rate ? 1 : -1, header, line, &r->vcol_i) < 0 ||
            trace_resolve_col(r, r->ccol, "class_column", -1, header, line, &r->ccol_i) < 0)
            return;
        if (!rate) r->vcol_i = -1;
        if (header) return;
    }
    int need = r->tcol_i;
    if (r->vcol_i > need) need = r->vcol_i;
    if (r->ccol_i > need) need = r->ccol_i;
    if (r->nf <= need) {
        trace_bad(r, line, "expected at least %d columns, found %d%s", need + 1, r->nf,
            r->nf == 1 && r->o.delimiter != ',' ? "" :
            r->nf == 1 ? " (is the delimiter right?)" : "");
        return;
    }
    asim_trace_rec rec = { 0, 1.0, -1, 0, line, NAN };
    f = trace_field(r, r->tcol_i, &len);
    if (asim_time_parse_any(f, len, r->o.time_unit_ns, &rec.t, &rec.tz_offset) != 0) {
        char ex[48];
        trace_bad(r, line, "cannot read the timestamp '%s' (expected seconds or RFC 3339)",
            trace_excerpt(f, len, ex, sizeof ex));
        return;
    }
    if (rate) {
        f = trace_field(r, r->vcol_i, &len);
        char ex[48];
        if (trace_parse_double(f, len, &rec.value) != 0 || !isfinite(rec.value)) {
            trace_bad(r, line, "cannot read the %s '%s' (expected a finite number)",
                r->o.format == ASIM_TRACE_COUNTS ? "count" : "rate", trace_excerpt(f, len, ex, sizeof ex));
            return;
        }
        if (rec.value < 0) {
            trace_bad(r, line, "negative %s %s", r->o.format == ASIM_TRACE_COUNTS ? "count" : "rate",
                trace_excerpt(f, len, ex, sizeof ex));
            return;
        }
    }
    if (r->o.classify) {
        if (r->ccol_i >= 0) {
            f = trace_field(r, r->ccol_i, &len);
            rec.cls = r->o.classify(r->o.classify_ctx, f, len);
        }
    }
    trace_order_push(r, &rec);
}

static void csv_field_cb(void *data, size_t len, void *ctx)
{
    asim_trace_reader *r = ctx;
    if (r->nf >= ASIM_TRACE_FIELDS_MAX) { r->extra_fields++; return; }
    if (!data) len = 0;
    ASIM_GROW(r->row, r->rowcap, r->rowlen + len + 1, 256);
    if (len) memcpy(r->row + r->rowlen, data, len);
    r->row[r->rowlen + len] = 0;
    r->foff[r->nf] = r->rowlen;
    r->flen[r->nf] = len;
    r->rowlen += len + 1;
    r->nf++;
}

static void csv_row_cb(int c, void *ctx)
{
    asim_trace_reader *r = ctx;
    ASIM_UNUSED(c);
    if (r->nf > 0 && !r->rc) handle_row(r);
    r->nf = 0;
    r->rowlen = 0;
    r->extra_fields = 0;
    r->row_line = 0;
    r->row_bytes = 0;
}

void trace_csv_reset(asim_trace_reader *r)
{
    if (r->csv_on) csv_free(&r->csv);
    csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL);
    csv_set_delim(&r->csv, (unsigned char)r->o.delimiter);
    r->csv_on = 1;
    r->nf = 0;
    r->rowlen = 0;
    r->row_line = 0;
    r->row_bytes = 0;
}

int trace_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != '\r' && s[i] != '\n' && s[i] != ' ' && s[i] != '\t') return 0;
    return 1;
}

/* Feed one line to libcsv; rows it completes are handled by csv_row_cb. */
int trace_csv_feed(asim_trace_reader *r, const char *line, size_t len)
{
    if (r->lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) { line += 3; len -= 3; }
    if (!r->row_line && !trace_blank(line, len)) r->row_line = r->lineno;
    r->row_bytes += len;
    if (r->row_bytes > ASIM_TRACE_LINE_MAX) {
        long at = r->row_line;
        trace_csv_reset(r);
        return trace_bad(r, at, "CSV row longer than %u bytes (an unterminated quote?)", ASIM_TRACE_LINE_MAX);
    }
    size_t used = csv_parse(&r->csv, line, len, csv_field_cb, csv_row_cb, r);
    if (r->rc) return -1;
    if (used != len) {
        long at = r->row_line ? r->row_line : r->lineno;
        trace_csv_reset(r);
        return trace_bad(r, at, "malformed CSV (a quote inside an unquoted field, or text after a closing quote)");
    }
    return 0;
}

int trace_csv_finish(asim_trace_reader *r)
{
    long at = r->row_line ? r->row_line : r->lineno;
    if (csv_fini(&r->csv, csv_field_cb, csv_row_cb, r) != 0) {
        trace_csv_reset(r);
        return trace_bad(r, at, "unterminated quoted field at the end of the file");
    }
    return r->rc ? -1 : 0;
}
