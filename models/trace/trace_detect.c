/* trace_detect.c -- guessing a trace file's format from its first line (see trace.h; the reader's core is trace.c). */
#include "models/trace/trace_reader.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

/* ---------------------------------------------------------------------
 * Format detection
 * --------------------------------------------------------------------- */

typedef struct sniff { int nf; char f[2][64]; } sniff;

static void sniff_field(void *data, size_t len, void *ctx)
{
    sniff *s = ctx;
    if (s->nf < 2) snprintf(s->f[s->nf], sizeof s->f[0], "%.*s", (int)(len < 63 ? len : 63),
                            data ? (const char *)data : "");
    s->nf++;
}

static void sniff_row(int c, void *ctx) { ASIM_UNUSED(c); ASIM_UNUSED(ctx); }

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0) return 1;
    return 0;
}

#define HEAD_MAX (64 << 10)

/* A JSON start: NDJSON logs (a whole object on the first line), k6 or Locust
 * stages, else a Prometheus response. */
static asim_trace_format detect_json(const char *line, size_t len, const char *head)
{
    cJSON *o = line[0] == '{' ? cJSON_ParseWithLength(line, len) : NULL;
    int one_line_object = cJSON_IsObject(o);
    int logs = one_line_object && !cJSON_GetObjectItemCaseSensitive(o, "stages") &&
               !cJSON_GetObjectItemCaseSensitive(o, "scenarios") && !cJSON_GetObjectItemCaseSensitive(o, "data") &&
               !cJSON_GetObjectItemCaseSensitive(o, "errorType");
    int gcp = one_line_object && cJSON_GetObjectItemCaseSensitive(o, "httpRequest");
    cJSON_Delete(o);
    if (gcp) return ASIM_TRACE_GCP_LB;
    if (logs) return ASIM_TRACE_NGINX_JSON;
    if (strstr(head, "\"resultType\"") || strstr(head, "\"metric\"")) return ASIM_TRACE_PROMETHEUS;
    if (strstr(head, "\"scenarios\"") || (strstr(head, "\"stages\"") && strstr(head, "\"target\"")))
        return ASIM_TRACE_K6;
    if (strstr(head, "\"spawn_rate\"") || strstr(head, "\"users\"")) return ASIM_TRACE_LOCUST;
    return ASIM_TRACE_PROMETHEUS;
}

/* An ALB line: its type, then an RFC 3339 time. */
static int is_alb(const char *line)
{
    static const char *const types[] = { "http ", "https ", "h2 ", "grpcs ", "ws ", "wss " };
    for (size_t i = 0; i < ASIM_ARRAY_LEN(types); i++) {
        size_t n = strlen(types[i]);
        if (strncmp(line, types[i], n) == 0) {
            const char *t = line + n, *e = strchr(t, ' ');
            int64_t ns;
            int tz;
            return e && asim_time_parse_rfc3339(t, (size_t)(e - t), &ns, &tz) == 0;
        }
    }
    return 0;
}

int asim_trace_detect(const char *path, asim_trace_format *fmt, asim_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return asim_err_set(err, ASIM_EINPUT, "%s: cannot open trace: %s", path, strerror(errno));
    /* Detection reads the first line and the reader opens the file again:
     * from a pipe or FIFO the second open would miss what detection read
     * (the first ~64 KiB).  Refuse clearly rather than lose records. */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
        fclose(f);
        return asim_err_set(err, ASIM_EINPUT, "%s: not a regular file (a pipe, FIFO or device); the format "
                            "cannot be detected without consuming it: save it to a file first, or name the "
                            "format (trace.format / --format)", path);
    }
    fclose(f);
    /* gzopen reads plain files as they are and inflates gzip ones (magic bytes) */
    gzFile gz = gzopen(path, "rb");
    if (!gz) return asim_err_set(err, ASIM_EINPUT, "%s: cannot open trace: %s", path, strerror(errno));
    char *head = asim_malloc(HEAD_MAX + 1);
    int got = gzread(gz, head, HEAD_MAX);
    int zerr = 0;
    const char *zmsg = got < 0 ? gzerror(gz, &zerr) : NULL;
    gzclose(gz);
    if (got < 0) {
        int rc = asim_err_set(err, ASIM_EINPUT, "%s: cannot read the trace (%s)", path, zmsg ? zmsg : "zlib error");
        asim_free(head);
        return rc;
    }
    head[got] = 0;
    char line[8192];
    size_t len = 0;
    int found = 0;
    for (const char *p = head; *p && !found;) {
        size_t n = strcspn(p, "\n");
        size_t m = n < sizeof line - 1 ? n : sizeof line - 1;
        memcpy(line, p, m);
        line[m] = 0;
        p += n + (p[n] == '\n');
        len = m;
        char *s = line;
        if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) { s += 3; len -= 3; }
        while (len && isspace((unsigned char)s[len - 1])) s[--len] = 0;
        while (*s == ' ' || *s == '\t') { s++; len--; }
        if (len) { memmove(line, s, len + 1); found = 1; }
    }
    if (!found) {
        asim_free(head);
        return asim_err_set(err, ASIM_EINPUT, "%s: empty trace (no records)", path);
    }
    if (line[0] == '{' || line[0] == '[') {
        *fmt = detect_json(line, len, head);
        asim_free(head);
        return 0;
    }
    asim_free(head);
    if (is_alb(line)) { *fmt = ASIM_TRACE_ALB; return 0; }
    if (strncmp(line, "timeStamp,", 10) == 0 || (strstr(line, "timeStamp") && strstr(line, "elapsed"))) {
        *fmt = ASIM_TRACE_JTL;
        return 0;
    }
    const char *lb = strchr(line, '['), *rb = lb ? strchr(lb, ']') : NULL;
    int64_t ns;
    int tz;
    if (lb && rb && strstr(rb, "\"") &&
        asim_time_parse_clf(lb + 1, (size_t)(rb - lb - 1), &ns, &tz) == 0) {
        *fmt = ASIM_TRACE_ACCESS_LOG;
        return 0;
    }
    struct csv_parser p;
    sniff s = { 0, { "", "" } };
    csv_init(&p, CSV_APPEND_NULL);
    csv_parse(&p, line, len, sniff_field, sniff_row, &s);
    csv_fini(&p, sniff_field, sniff_row, &s);
    csv_free(&p);
    if (s.nf == 1) { *fmt = ASIM_TRACE_TIMESTAMPS; return 0; }
    if (s.nf >= 2 && asim_time_parse_any(s.f[0], strlen(s.f[0]), ASIM_NS_PER_SEC, &ns, &tz) != 0) {
        /* a header: name the second column */
        if (contains_ci(s.f[1], "count") || contains_ci(s.f[1], "requests") || strcasecmp(s.f[1], "n") == 0) {
            *fmt = ASIM_TRACE_COUNTS;
            return 0;
        }
        if (contains_ci(s.f[1], "rate") || contains_ci(s.f[1], "rps") || contains_ci(s.f[1], "qps") ||
            contains_ci(s.f[1], "value")) {
            *fmt = ASIM_TRACE_RATES;
            return 0;
        }
        if (contains_ci(s.f[1], "path") || contains_ci(s.f[1], "url") || contains_ci(s.f[1], "class") ||
            contains_ci(s.f[1], "endpoint")) {
            *fmt = ASIM_TRACE_TIMESTAMPS;
            return 0;
        }
    }
    return asim_err_set(err, ASIM_EINPUT, "%s: cannot tell the trace format from its first line "
                        "(set format to one of: timestamps, counts, rates, access_log, prometheus, nginx_json, gcp_lb, alb, jtl, k6, locust; "
                        "a CSV header with a column named count or rate also tells)", path);
}
