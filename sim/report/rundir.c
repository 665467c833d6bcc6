/* rundir.c -- reading a run directory back (see rundir.h).
 *
 * The CSV reader is a libcsv push parser whose callbacks fill the table cell
 * by cell; the first row becomes the header.  Invariants while parsing: the
 * row being built has `col` cells so far; a row shorter than the header gets
 * NaN / "" in its missing cells, a longer one is an error (it means the file
 * is not the format we think it is).  The first error stops the parse: later
 * callbacks see `failed` and do nothing. */
#include "sim/report/rundir.h"
#include "sim/config/settings.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <csv.h>

#include "sim/engine/output.h"

typedef struct reader {
    asim_table *t;
    const char *path;
    const char *const *text_cols;
    int header_done;
    size_t col;                 /* cells seen in the current row */
    size_t line;                /* 1-based line of the current row */
    int failed;
    asim_err *err;
} reader;

static int in_list(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

static void header_cell(reader *r, const char *s)
{
    asim_table *t = r->t;
    t->cols = asim_realloc(t->cols, (t->ncol + 1) * sizeof *t->cols);
    t->is_text = asim_realloc(t->is_text, t->ncol + 1);
    t->cols[t->ncol] = asim_strdup(s);
    t->is_text[t->ncol] = (unsigned char)in_list(r->text_cols, s);
    t->ncol++;
}

/* Make room for row t->nrow and fill it with "empty". */
static void start_row(asim_table *t)
{
    if (t->nrow == t->cap) {
        t->cap = asim_grow_cap(t->cap, t->nrow + 1, 256);
        t->num = asim_realloc(t->num, t->cap * t->ncol * sizeof *t->num);
        t->txt = asim_realloc(t->txt, t->cap * t->ncol * sizeof *t->txt);
    }
    for (size_t c = 0; c < t->ncol; c++) {
        t->num[t->nrow * t->ncol + c] = NAN;
        t->txt[t->nrow * t->ncol + c] = NULL;
    }
}

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    const char *f = s ? s : "";
    (void)len;
    if (r->failed)
        return;
    if (!r->header_done) {
        header_cell(r, f);
        return;
    }
    asim_table *t = r->t;
    if (r->col == 0)
        start_row(t);
    if (r->col >= t->ncol) {
        r->failed = 1;
        asim_err_set(r->err, ASIM_EINPUT, "%s:%zu: more fields than the header's %zu",
                     r->path, r->line, t->ncol);
        return;
    }
    size_t i = t->nrow * t->ncol + r->col;
    if (t->is_text[r->col]) {
        t->txt[i] = asim_strdup(f);
    } else if (*f) {
        char *end;
        errno = 0;
        double v = strtod(f, &end);
        if (end == f || *end) {
            r->failed = 1;
            asim_err_set(r->err, ASIM_EINPUT, "%s:%zu: column '%s': '%.40s' is not a number",
                         r->path, r->line, t->cols[r->col], f);
            return;
        }
        t->num[i] = v;
    }
    r->col++;
}

static void on_row(int c, void *data)
{
    reader *r = data;
    (void)c;
    if (r->failed)
        return;
    if (!r->header_done) {
        r->header_done = 1;
    } else {
        asim_table *t = r->t;
        if (r->col == 0) {               /* nothing to add (libcsv skips blank lines anyway) */
            r->line++;
            return;
        }
        for (size_t k = r->col; k < t->ncol; k++)
            if (t->is_text[k])
                t->txt[t->nrow * t->ncol + k] = asim_strdup("");
        t->nrow++;
    }
    r->col = 0;
    r->line++;
}

int asim_table_read(asim_table *t, const char *path, const char *const *text_cols,
                    const char *const *required, asim_err *err)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "rb");
    if (!f)
        return asim_err_set(err, ASIM_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        fclose(f);
        return asim_err_set(err, ASIM_ERUNTIME, "%s: cannot initialise the CSV parser", path);
    }
    reader r = { t, path, text_cols, 0, 0, 1, 0, err };
    char buf[65536];
    size_t n;
    int rc = ASIM_OK;
    while (!r.failed && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (csv_parse(&p, buf, n, on_field, on_row, &r) != n && !r.failed) {
            rc = asim_err_set(err, ASIM_EINPUT, "%s:%zu: %s", path, r.line, csv_strerror(csv_error(&p)));
            r.failed = 1;
        }
    }
    if (!r.failed && ferror(f))
        rc = asim_err_set(err, ASIM_EINPUT, "%s: read error: %s", path, strerror(errno));
    else if (!r.failed)
        csv_fini(&p, on_field, on_row, &r);
    csv_free(&p);
    fclose(f);
    if (r.failed && rc == ASIM_OK)
        rc = ASIM_EINPUT;
    if (r.failed && r.col > 0)
        t->nrow++;                        /* the partial row's cells are initialised: free them */
    if (rc == ASIM_OK && !r.header_done)
        rc = asim_err_set(err, ASIM_EINPUT, "%s: empty file (no header row)", path);
    for (; rc == ASIM_OK && required && *required; required++)
        if (asim_table_col(t, *required) < 0)
            rc = asim_err_set(err, ASIM_EINPUT, "%s:1: missing column '%s'", path, *required);
    if (rc != ASIM_OK)
        asim_table_free(t);
    return rc;
}

int asim_table_col(const asim_table *t, const char *name)
{
    for (size_t c = 0; c < t->ncol; c++)
        if (strcmp(t->cols[c], name) == 0)
            return (int)c;
    return -1;
}

double asim_table_num(const asim_table *t, size_t row, int col)
{
    if (col < 0 || row >= t->nrow)
        return NAN;
    return t->num[row * t->ncol + (size_t)col];
}

const char *asim_table_txt(const asim_table *t, size_t row, int col)
{
    if (col < 0 || row >= t->nrow)
        return "";
    const char *s = t->txt[row * t->ncol + (size_t)col];
    return s ? s : "";
}

void asim_table_free(asim_table *t)
{
    if (t->txt) {
        /* Rows past nrow were never started, so only the first nrow rows hold strings. */
        for (size_t i = 0; i < t->nrow * t->ncol; i++)
            asim_free(t->txt[i]);
    }
    for (size_t c = 0; c < t->ncol; c++)
        asim_free(t->cols[c]);
    asim_free(t->cols);
    asim_free(t->is_text);
    asim_free(t->num);
    asim_free(t->txt);
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------------ */

char *asim_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = asim_malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static char *slurp(const char *path, asim_err *err)
{
    char *text;
    int r = asim_read_file(path, &text, NULL);
    if (r == -1)
        asim_err_set(err, ASIM_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    else if (r != 0)
        asim_err_set(err, ASIM_EINPUT, "%s: read error", path);
    return text;
}

static int read_table(asim_table *t, const char *dir, const char *name, const char *const *text,
                      const char *const *req, asim_err *err)
{
    char *p = asim_path_join(dir, name);
    int rc = asim_table_read(t, p, text, req, err);
    asim_free(p);
    return rc;
}

/* A run directory may come from anyone (shards received for merge, a report
 * of someone else's run): its settings go through the scenario loader and
 * validation, so every value the readers use (the duration, intervals,
 * names) is within the ranges the settings table allows; "duration": 1e999
 * is an error here, not an endless loop later. */
static int check_settings(const asim_rundir *r, const char *path, asim_err *err)
{
    /* Trace sources name files relative to the scenario, which is not here;
     * the readers never open them, so they are left out of the check. */
    cJSON *copy = cJSON_Duplicate(r->settings, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "traces");
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "trace");
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "classes");
    char *text = copy ? cJSON_PrintUnformatted(copy) : NULL;
    cJSON_Delete(copy);
    if (!text)
        return asim_err_set(err, ASIM_EINPUT, "%s: $.settings: cannot be read", path);
    char name[PATH_MAX + 32];
    snprintf(name, sizeof name, "%s (settings)", path);
    asim_config cfg;
    asim_config_defaults(&cfg);
    int rc = asim_config_load_text(&cfg, text, name, err);
    if (rc == 0)
        rc = asim_config_validate(&cfg, err);
    asim_config_free(&cfg);
    cJSON_free(text);
    if (rc == 0 && !isfinite(r->seed))
        rc = asim_err_set(err, ASIM_EINPUT, "%s: $.seed: not a finite number", path);
    return rc ? ASIM_EINPUT : 0;
}

int asim_rundir_load(asim_rundir *r, const char *dir, unsigned what, asim_err *err)
{
    memset(r, 0, sizeof *r);
    r->dir = asim_strdup(dir);
    for (size_t n = strlen(r->dir); n > 1 && r->dir[n - 1] == '/'; n--)
        r->dir[n - 1] = '\0';
    char *p = asim_path_join(r->dir, "summary.json");
    char *text = slurp(p, err);
    int rc = ASIM_OK;
    if (!text) {
        rc = ASIM_EINPUT;
        goto out;
    }
    r->summary = cJSON_Parse(text);
    asim_free(text);
    if (!r->summary || !cJSON_IsObject(r->summary)) {
        rc = asim_err_set(err, ASIM_EINPUT, "%s: not a JSON object (is this a run directory?)", p);
        goto out;
    }
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(r->summary, "scenario");
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(r->summary, "seed");
    r->metrics = cJSON_GetObjectItemCaseSensitive(r->summary, "metrics");
    r->settings = cJSON_GetObjectItemCaseSensitive(r->summary, "settings");
    if (!cJSON_IsString(sc) || !cJSON_IsNumber(seed) || !cJSON_IsObject(r->metrics) ||
        !cJSON_IsObject(r->settings)) {
        rc = asim_err_set(err, ASIM_EINPUT, "%s: $: expected \"scenario\" (string), \"seed\" (number), "
                          "\"metrics\" and \"settings\" (objects)", p);
        goto out;
    }
    r->scenario = sc->valuestring;
    r->seed = seed->valuedouble;
    if ((rc = check_settings(r, p, err)) != 0)
        goto out;

    static const char *const ts_req[] = {"time", "replicas_ready", "latency_p50", "latency_p95",
                                         "latency_p99", "metric", "desired_replicas", NULL};
    static const char *const sc_text[] = {"instance", "error", NULL};
    static const char *const sc_req[] = {"time", "instance", "up", "response_time", NULL};
    static const char *const ev_text[] = {"kind", "decision", "reason", NULL};
    static const char *const ev_req[] = {"time", "kind", "metric", "decision", "desired", NULL};
    static const char *const al_text[] = {"alert", "labels", "state", NULL};
    static const char *const al_req[] = {"time", "alert", "state", NULL};
    if ((what & ASIM_RD_TIMESERIES) && (rc = read_table(&r->ts, r->dir, "timeseries.csv", NULL, ts_req, err)))
        goto out;
    if ((what & ASIM_RD_SCRAPES) && (rc = read_table(&r->scrapes, r->dir, "scrapes.csv", sc_text, sc_req, err)))
        goto out;
    if ((what & ASIM_RD_EVENTS) && (rc = read_table(&r->events, r->dir, "events.csv", ev_text, ev_req, err)))
        goto out;
    if (what & ASIM_RD_ALERTS) {
        char *ap = asim_path_join(r->dir, "alerts.csv");
        FILE *f = fopen(ap, "rb");
        asim_free(ap);
        if (f) {
            fclose(f);
            if ((rc = read_table(&r->alerts, r->dir, "alerts.csv", al_text, al_req, err)))
                goto out;
        }
    }
out:
    asim_free(p);
    if (rc)
        asim_rundir_free(r);
    return rc;
}

void asim_rundir_free(asim_rundir *r)
{
    asim_free(r->dir);
    cJSON_Delete(r->summary);
    asim_table_free(&r->ts);
    asim_table_free(&r->scrapes);
    asim_table_free(&r->events);
    asim_table_free(&r->alerts);
    memset(r, 0, sizeof *r);
}

static const cJSON *setting(const asim_rundir *r, const char *path)
{
    const cJSON *node = r->settings;
    char key[128];
    while (node && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof key)
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        node = cJSON_GetObjectItemCaseSensitive(node, key);
        path += n + (path[n] == '.');
    }
    return node;
}

double asim_rundir_setting_num(const asim_rundir *r, const char *path, double dflt)
{
    const cJSON *v = setting(r, path);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

const char *asim_rundir_setting_str(const asim_rundir *r, const char *path, const char *dflt)
{
    const cJSON *v = setting(r, path);
    return cJSON_IsString(v) ? v->valuestring : dflt;
}

double asim_rundir_metric(const asim_rundir *r, const char *name)
{
    const cJSON *v = r->metrics ? cJSON_GetObjectItemCaseSensitive(r->metrics, name) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* One trace of summary.json's "replays" as text. */
static size_t replay_one(const cJSON *o, int brief, char *buf, size_t len)
{
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(o, "file");
    const cJSON *from = cJSON_GetObjectItemCaseSensitive(o, "from");
    const cJSON *to = cJSON_GetObjectItemCaseSensitive(o, "to");
    double secs = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "trace_seconds"));
    double a = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "plays_from"));
    double b = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "plays_to"));
    double n = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "records"));
    double in = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "records_in_run"));
    int cut = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "cut"));
    int loop = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "loop"));
    char f[48] = "?", t[48] = "?";
    if (cJSON_IsString(from)) snprintf(f, sizeof f, "%s", from->valuestring);
    else if (cJSON_IsNumber(from)) snprintf(f, sizeof f, "%g s", from->valuedouble);
    if (cJSON_IsString(to)) snprintf(t, sizeof t, "%s", to->valuestring);
    else if (cJSON_IsNumber(to)) snprintf(t, sizeof t, "%g s", to->valuedouble);
    int k;
    if (brief)
        k = snprintf(buf, len, "%s %s to %s%s", cJSON_IsString(file) ? file->valuestring : "?", f, t,
                     cut ? " (cut)" : loop ? " (looped)" : "");
    else
        k = snprintf(buf, len, "%s, %s to %s (%g s of trace) at %g..%g s of the run%s: %.0f of its %.0f "
                     "records within the run%s", cJSON_IsString(file) ? file->valuestring : "?", f, t, secs, a, b,
                     loop ? ", looped" : "", in, n, cut ? " (the run ends before the trace)" : "");
    return k < 0 ? 0 : (size_t)k < len ? (size_t)k : len - 1;
}

int asim_rundir_replays_text(const asim_rundir *r, int brief, char *buf, size_t len)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(r->summary, "replays");
    buf[0] = 0;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0 || len < 2) return 0;
    size_t used = 0;
    int n = 0;
    const cJSON *o;
    int several = cJSON_GetArraySize(a) > 1;
    cJSON_ArrayForEach(o, a) {
        if (used + 3 >= len) break;
        if (n++) used += (size_t)snprintf(buf + used, len - used, brief ? ", " : "; ");
        if (brief && several) {          /* a title line: the file names only */
            const cJSON *file = cJSON_GetObjectItemCaseSensitive(o, "file");
            int k = snprintf(buf + used, len - used, "%s", cJSON_IsString(file) ? file->valuestring : "?");
            used += k < 0 ? 0 : (size_t)k < len - used ? (size_t)k : len - used - 1;
        } else {
            used += replay_one(o, brief, buf + used, len - used);
        }
    }
    return n;
}
