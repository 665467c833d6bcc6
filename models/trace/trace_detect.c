/* trace_detect.c -- guessing a trace file's format from its first line (see trace.h; the reader's core is trace.c). */
#include "models/trace/trace_reader.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

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
    char line[8192];
    size_t len = 0;
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        len = strlen(line);
        char *s = line;
        if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) { s += 3; len -= 3; }
        while (len && isspace((unsigned char)s[len - 1])) s[--len] = 0;
        while (*s == ' ' || *s == '\t') { s++; len--; }
        if (len) { memmove(line, s, len + 1); found = 1; break; }
    }
    fclose(f);
    if (!found) return asim_err_set(err, ASIM_EINPUT, "%s: empty trace (no records)", path);
    if (line[0] == '{' || line[0] == '[') { *fmt = ASIM_TRACE_PROMETHEUS; return 0; }
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
                        "(set format to one of: timestamps, counts, rates, access_log, prometheus; "
                        "a CSV header with a column named count or rate also tells)", path);
}
