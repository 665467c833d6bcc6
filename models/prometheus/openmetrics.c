/* openmetrics.c -- the OpenMetrics exporter (see openmetrics.h).
 *
 * Why buffer at all: samples arrive interleaved across series (every scrape
 * appends ~25 series at one instant), but the text format wants each family
 * (and, to be safe with every reader, each series) contiguous.  So each
 * series collects "value timestamp\n" lines in its own buffer; the
 * "name{labels} " prefix is rendered once per series and put back in front
 * of every line at the end.  When all buffers together exceed
 * ASIM_OM_BUDGET they are appended to one spill file as chunks, and a series
 * remembers its chunks' offsets in order.
 *
 * Invariants: s[i].prefix != NULL iff series i has had a sample; a series'
 * lines (spilled chunks in order, then its buffer) are in increasing
 * timestamp order; `buffered` is the sum of the buffers' lengths.  The spill
 * file is unlinked as soon as it is created, so nothing stays behind. */
#include "models/prometheus/openmetrics.h"
#include "sim/engine/cleanup.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "sim/engine/output.h"

typedef struct chunk {
    long long off;
    size_t len;
} chunk;

typedef struct om_series {
    char *prefix;                 /* "name{labels} " */
    char *name;                   /* the metric name */
    char *buf;
    size_t n, cap;
    int64_t last_t;
    chunk *ch;
    size_t nch, capch;
} om_series;

struct asim_om {
    char *path;
    int64_t epoch_ms;
    asim_tsdb *db;
    om_series *s;
    size_t ns;
    size_t buffered;
    size_t budget;
    FILE *spill;
    char *spill_path;
    long long spill_end;
    int io_error;
    uint64_t count;
    asim_label extra[ASIM_OM_EXTRA_MAX];   /* labels added to every series (asim_om_add_label) */
    size_t nextra;
};



/* Shortest "%.*g" text that reads back as x. */
static int shortest(char *buf, size_t len, double x)
{
    int n = 0;
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(buf, len, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    return n;
}

int asim_om_format_ts(char *buf, size_t len, int64_t unix_ms)
{
    long long sec = (long long)(unix_ms / 1000), ms = (long long)(unix_ms % 1000);
    if (ms == 0) return snprintf(buf, len, "%lld", sec);
    double x = (double)unix_ms / 1000.0;      /* what "sec.mmm" parses to (both correctly rounded) */
    if ((int64_t)(x * 1000.0) == unix_ms) {   /* the usual case: the plain text reads back right */
        int n = snprintf(buf, len, "%lld.%03lld", sec, ms);
        while (n > 0 && (size_t)n < len && buf[n - 1] == '0') buf[--n] = 0;
        return n;
    }
    /* Prometheus: p.ts = int64(ts * 1000); walk to the neighbouring double
     * that truncates to unix_ms (a step or two; the bound is defensive). */
    for (int i = 0; i < 8 && (int64_t)(x * 1000.0) != unix_ms; i++)
        x = nextafter(x, (int64_t)(x * 1000.0) < unix_ms ? INFINITY : -INFINITY);
    /* %g uses an exponent only when the precision does not exceed the
     * exponent; a non-integer needs more digits than that, so this is plain
     * decimal (and Go's ParseFloat would read an exponent anyway). */
    return shortest(buf, len, x);
}

/* ------------------------------------------------------------------ */
/* collecting                                                           */

int asim_om_create(const char *path, int64_t epoch_ms, asim_om **out, asim_err *err)
{
    *out = NULL;
    /* Check now that the directory takes files, rather than after the run. */
    char *probe;
    asim_err perr;
    int fd = asim_tmp_create(path, &probe, &perr);      /* mkstemp: never follows a planted name */
    if (fd < 0) return asim_err_set(err, ASIM_ERUNTIME, "%s: cannot write here", path);
    close(fd);
    unlink(probe);
    asim_cleanup_drop(probe);
    asim_free(probe);
    asim_om *om = asim_calloc(1, sizeof *om);
    om->path = asim_strdup(path);
    om->epoch_ms = epoch_ms;
    om->budget = ASIM_OM_BUDGET;
    *out = om;
    return 0;
}

void asim_om_attach(asim_om *om, asim_tsdb *db)
{
    om->db = db;
    asim_tsdb_on_append(db, asim_om_sample, om);
}

static int cmp_label_ptr(const void *a, const void *b)
{
    const asim_label *x = *(const asim_label *const *)a, *y = *(const asim_label *const *)b;
    return strcmp(x->name, y->name);
}

static void render_prefix(asim_om *om, om_series *s, int series)
{
    asim_labels l = asim_tsdb_labels(om->db, series);
    const char *name = "";
    size_t len = 4, n = 0;
    const asim_label **v = asim_malloc((l.n + ASIM_OM_EXTRA_MAX) * sizeof *v);
    for (size_t i = 0; i < l.n; i++) {
        if (strcmp(l.v[i].name, "__name__") == 0) name = l.v[i].value;
        else v[n++] = &l.v[i];
    }
    /* the run's own labels, unless the series has that label already (an
     * alert rule's labels may name one) */
    for (size_t k = 0; k < om->nextra; k++) {
        size_t i = 0;
        while (i < l.n && strcmp(l.v[i].name, om->extra[k].name) != 0) i++;
        if (i == l.n) v[n++] = &om->extra[k];
    }
    qsort(v, n, sizeof *v, cmp_label_ptr);
    for (size_t i = 0; i < n; i++)
        len += strlen(v[i]->name) + 2 * strlen(v[i]->value) + 5;
    len += strlen(name);
    char *p = asim_malloc(len), *q = p;
    q += sprintf(q, "%s", name);
    for (size_t i = 0; i < n; i++) {
        *q++ = i == 0 ? '{' : ',';
        q += sprintf(q, "%s=\"", v[i]->name);
        for (const char *c = v[i]->value; *c; c++) {
            if (*c == '\\' || *c == '"') { *q++ = '\\'; *q++ = *c; }
            else if (*c == '\n') { *q++ = '\\'; *q++ = 'n'; }
            else *q++ = *c;
        }
        *q++ = '"';
    }
    if (n) *q++ = '}';
    *q++ = ' ';
    *q = 0;
    asim_free(v);
    s->prefix = p;
    s->name = asim_strdup(name);
}

int asim_om_add_label(asim_om *om, const char *name, const char *value)
{
    if (om->nextra == ASIM_OM_EXTRA_MAX || om->ns > 0) return -1;
    om->extra[om->nextra].name = asim_strdup(name);
    om->extra[om->nextra].value = asim_strdup(value);
    om->nextra++;
    return 0;
}

/* Move every buffer into the spill file. */
static void spill(asim_om *om)
{
    if (!om->spill && !om->io_error) {
        asim_err serr;
        int fd = asim_tmp_create(om->path, &om->spill_path, &serr);   /* mkstemp */
        om->spill = fd >= 0 ? fdopen(fd, "w+") : NULL;
        if (fd >= 0 && !om->spill) close(fd);
        if (fd >= 0) {
            unlink(om->spill_path);            /* lives on while open */
            asim_cleanup_drop(om->spill_path);
        }
        if (!om->spill) om->io_error = 1;
    }
    for (size_t i = 0; i < om->ns; i++) {
        om_series *s = &om->s[i];
        if (!s->n) continue;
        if (!om->io_error) {
            if (fwrite(s->buf, 1, s->n, om->spill) != s->n) om->io_error = 1;
            if (s->nch == s->capch) {
                s->capch = s->capch ? s->capch * 2 : 8;
                s->ch = asim_realloc(s->ch, s->capch * sizeof *s->ch);
            }
            s->ch[s->nch++] = (chunk){ om->spill_end, s->n };
            om->spill_end += (long long)s->n;
        }
        om->buffered -= s->n;
        s->n = 0;
        if (s->cap > 65536) {                /* keep steady-state buffers small */
            asim_free(s->buf);
            s->buf = NULL;
            s->cap = 0;
        }
    }
}

void asim_om_sample(void *ctx, int series, int64_t t_ms, double v)
{
    asim_om *om = ctx;
    if (series < 0 || asim_is_stale_nan(v)) return;
    if ((size_t)series >= om->ns) {
        size_t ns = om->ns ? om->ns : 64;
        while (ns <= (size_t)series) ns *= 2;
        om->s = asim_realloc(om->s, ns * sizeof *om->s);
        memset(om->s + om->ns, 0, (ns - om->ns) * sizeof *om->s);
        om->ns = ns;
    }
    om_series *s = &om->s[series];
    if (!s->prefix) {
        render_prefix(om, s, series);
    } else if (t_ms <= s->last_t) {
        return;
    }
    s->last_t = t_ms;
    char line[96];
    size_t n = 0;
    asim_fmt_double(line, 40, v);
    n = strlen(line);
    line[n++] = ' ';
    n += (size_t)asim_om_format_ts(line + n, sizeof line - n - 1, om->epoch_ms + t_ms);
    line[n++] = '\n';
    ASIM_GROW(s->buf, s->cap, s->n + n, 1024);
    memcpy(s->buf + s->n, line, n);
    s->n += n;
    om->buffered += n;
    om->count++;
    if (om->buffered > om->budget) spill(om);
}

uint64_t asim_om_count(const asim_om *om) { return om->count; }
void asim_om_set_budget(asim_om *om, size_t bytes) { om->budget = bytes; }

/* ------------------------------------------------------------------ */
/* writing                                                              */

/* Family name, type and help of a metric name.  Known names are the
 * simulated stack's (the seed's metrics table); a name ending in _total is
 * an OpenMetrics counter whose family drops the suffix. */
static void family_of(const char *name, char *fam, size_t len, const char **type, const char **help)
{
    static const struct { const char *name, *type, *help; } known[] = {
        { "up", "gauge", "Target scrape status (1=up, 0=down)" },
        { "webapp_response_time_seconds", "gauge", "Current simulated response time" },
        { "webapp_request_count", "gauge", "Current simulated request count" },
        { "webapp_health_status", "gauge", "Health status (1=healthy, 0=unhealthy)" },
        { "webapp_info", "gauge", "Application metadata" },
        { "webapp_total_requests", "unknown", "Total requests processed (a counter)" },
        { "webapp_request_duration_seconds_bucket", "unknown", "Request duration distribution: cumulative buckets" },
        { "webapp_request_duration_seconds_sum", "unknown", "Request duration distribution: sum" },
        { "webapp_request_duration_seconds_count", "unknown", "Request duration distribution: count" },
        { "container_cpu_usage_seconds_total", "counter", "CPU seconds used by the container" },
        { "ALERTS", "gauge", "Alerting rules: 1 for every pending or firing alert" },
        { "ALERTS_FOR_STATE", "gauge", "Alerting rules: Unix time each active alert became active" },
    };
    snprintf(fam, len, "%s", name);
    *type = "unknown";
    *help = "Simulated by autoscale-sim";
    for (size_t i = 0; i < ASIM_ARRAY_LEN(known); i++)
        if (strcmp(known[i].name, name) == 0) {
            *type = known[i].type;
            *help = known[i].help;
        }
    size_t n = strlen(name);
    if (strcmp(*type, "counter") == 0 && n > 6 && n - 6 < len)
        fam[n - 6] = 0;                       /* OpenMetrics: family foo, samples foo_total */
}

typedef struct order {
    const char *name, *prefix;
    size_t idx;
} order;

static int cmp_order(const void *x, const void *y)
{
    const order *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->prefix, b->prefix);
}

/* Write lines of text (each "value ts\n") with the series prefix in front. */
static void put_lines(FILE *f, const char *prefix, const char *text, size_t n)
{
    const char *p = text, *end = text + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        fputs(prefix, f);
        fwrite(p, 1, len, f);
        p += len;
    }
}

static int write_series(asim_om *om, FILE *f, om_series *s, char **scratch, size_t *scap)
{
    for (size_t c = 0; c < s->nch; c++) {
        if (s->ch[c].len > *scap) {
            *scap = s->ch[c].len;
            *scratch = asim_realloc(*scratch, *scap);
        }
        if (fseeko(om->spill, (off_t)s->ch[c].off, SEEK_SET) != 0 ||
            fread(*scratch, 1, s->ch[c].len, om->spill) != s->ch[c].len)
            return -1;
        put_lines(f, s->prefix, *scratch, s->ch[c].len);
    }
    put_lines(f, s->prefix, s->buf, s->n);
    return 0;
}

static void free_om(asim_om *om)
{
    for (size_t i = 0; i < om->ns; i++) {
        asim_free(om->s[i].prefix);
        asim_free(om->s[i].name);
        asim_free(om->s[i].buf);
        asim_free(om->s[i].ch);
    }
    asim_free(om->s);
    if (om->spill) fclose(om->spill);
    asim_free(om->spill_path);
    asim_free(om->path);
    for (size_t k = 0; k < om->nextra; k++) {
        asim_free((char *)om->extra[k].name);
        asim_free((char *)om->extra[k].value);
    }
    asim_free(om);
}

static void detach(asim_om *om)
{
    if (om->db) asim_tsdb_on_append(om->db, NULL, NULL);
    om->db = NULL;
}

int asim_om_finish(asim_om *om, asim_err *err)
{
    detach(om);
    if (om->io_error || (om->spill && fflush(om->spill) != 0)) {
        asim_err_set(err, ASIM_ERUNTIME, "%s: cannot write the temporary spill file", om->path);
        free_om(om);
        return ASIM_ERUNTIME;
    }
    order *o = asim_calloc(om->ns + 1, sizeof *o);
    size_t n = 0;
    for (size_t i = 0; i < om->ns; i++)
        if (om->s[i].prefix) o[n++] = (order){ om->s[i].name, om->s[i].prefix, i };
    if (n > 1) qsort(o, n, sizeof *o, cmp_order);

    asim_afile af;
    memset(&af, 0, sizeof af);
    int rc = asim_afile_open(&af, om->path, err);
    char *scratch = NULL;
    size_t scap = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i == 0 || strcmp(o[i].name, o[i - 1].name) != 0) {
            char fam[512];
            const char *type, *help;
            family_of(o[i].name, fam, sizeof fam, &type, &help);
            fprintf(af.f, "# HELP %s %s\n# TYPE %s %s\n", fam, help, fam, type);
        }
        if (write_series(om, af.f, &om->s[o[i].idx], &scratch, &scap) != 0) {
            asim_err_set(err, ASIM_ERUNTIME, "%s: cannot read back the temporary spill file", om->path);
            rc = ASIM_ERUNTIME;
        }
    }
    asim_free(scratch);
    asim_free(o);
    if (rc == 0) {
        fputs("# EOF\n", af.f);
        rc = asim_afile_commit(&af, err);
    } else if (af.f) {
        asim_afile_abort(&af);
    }
    free_om(om);
    return rc;
}

void asim_om_abort(asim_om *om)
{
    if (!om) return;
    detach(om);
    free_om(om);
}
