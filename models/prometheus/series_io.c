/* series_io.c -- reading recorded samples (see series_io.h).
 *
 * Both readers fill a builder: series are found by their canonical label
 * key through a hash table, samples are appended with the source line (CSV)
 * or JSON index, then each series is sorted by time and checked for
 * duplicate timestamps, so rows may arrive in any order while errors still
 * point at the offending input.  CSV fields are split by libcsv (fed line by
 * line to know the line number); JSON is parsed by cJSON. */
#include "models/prometheus/series_io.h"

#include <cjson/cJSON.h>
#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <strings.h>

#include "sim/engine/output.h"
#include "sim/engine/hash.h"

/* --- labels ----------------------------------------------------------------- */

int asim_labels_compare(const asim_label *a, size_t na, const asim_label *b, size_t nb)
{
    size_t n = na < nb ? na : nb;
    for (size_t i = 0; i < n; i++) {
        int c = strcmp(a[i].name, b[i].name);
        if (c) return c;
        c = strcmp(a[i].value, b[i].value);
        if (c) return c;
    }
    return na < nb ? -1 : na > nb ? 1 : 0;
}

void asim_series_free_labels(asim_label *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        asim_free((char *)l[i].name);
        asim_free((char *)l[i].value);
    }
    asim_free(l);
}

static int cmp_label_name(const void *a, const void *b)
{
    return strcmp(((const asim_label *)a)->name, ((const asim_label *)b)->name);
}

/* Sort, reject duplicates and bad names, drop empty values. */
static int canonical_labels(asim_label *l, size_t *n, asim_err *err)
{
    qsort(l, *n, sizeof *l, cmp_label_name);
    for (size_t i = 1; i < *n; i++)
        if (strcmp(l[i].name, l[i - 1].name) == 0)
            return asim_err_set(err, ASIM_EINPUT, "duplicate label name \"%s\"", l[i].name);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (l[i].value[0] == '\0') {
            asim_free((char *)l[i].name);
            asim_free((char *)l[i].value);
            continue;
        }
        l[k++] = l[i];
    }
    *n = k;
    return 0;
}

static int name_char(int c, int first, int colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

int asim_series_parse_labels(const char *text, asim_label **out, size_t *nout, asim_err *err)
{
    const char *p = text;
    asim_label *l = NULL;
    size_t n = 0;
    *out = NULL;
    *nout = 0;
#define FAIL(...) do { asim_err_set(err, ASIM_EINPUT, __VA_ARGS__); goto fail; } while (0)
#define COL ((int)(p - text) + 1)
    while (*p == ' ') p++;
    if (name_char((unsigned char)*p, 1, 1)) {
        const char *s = p;
        while (name_char((unsigned char)*p, 0, 1)) p++;
        l = asim_realloc(l, (n + 1) * sizeof *l);
        l[n].name = asim_strdup("__name__");
        char *v = asim_malloc((size_t)(p - s) + 1);
        memcpy(v, s, (size_t)(p - s));
        v[p - s] = '\0';
        l[n++].value = v;
    }
    while (*p == ' ') p++;
    if (*p == '{') {
        p++;
        for (;;) {
            while (*p == ' ') p++;
            if (*p == '}') { p++; break; }
            if (!name_char((unsigned char)*p, 1, 0)) FAIL("column %d: expected a label name", COL);
            const char *s = p;
            while (name_char((unsigned char)*p, 0, 0)) p++;
            size_t nl = (size_t)(p - s);
            while (*p == ' ') p++;
            if (*p != '=') FAIL("column %d: expected '=' after the label name", COL);
            p++;
            while (*p == ' ') p++;
            if (*p != '"') FAIL("column %d: expected a double-quoted label value", COL);
            p++;
            char *v = asim_malloc(strlen(p) + 1), *o = v;
            while (*p && *p != '"') {
                if (*p == '\\') {
                    p++;
                    if (*p == 'n') *o++ = '\n';
                    else if (*p == '\\' || *p == '"') *o++ = *p;
                    else { asim_free(v); FAIL("column %d: unknown escape in a label value (use \\\\, \\\" or \\n)", COL); }
                    p++;
                } else *o++ = *p++;
            }
            *o = '\0';
            if (*p != '"') { asim_free(v); FAIL("column %d: unterminated label value", COL); }
            p++;
            char *name = asim_malloc(nl + 1);
            memcpy(name, s, nl);
            name[nl] = '\0';
            l = asim_realloc(l, (n + 1) * sizeof *l);
            l[n].name = name;
            l[n++].value = v;
            while (*p == ' ') p++;
            if (*p == ',') { p++; continue; }
            if (*p == '}') { p++; break; }
            FAIL("column %d: expected ',' or '}'", COL);
        }
    }
    while (*p == ' ') p++;
    if (*p) FAIL("column %d: unexpected '%c' after the series", COL, *p);
    if (n == 0) FAIL("column 1: expected a metric name or {labels}");
    {
        asim_err e2;
        if (canonical_labels(l, &n, &e2) != 0) FAIL("%s", e2.msg);
    }
    *out = l;
    *nout = n;
    return 0;
fail:
    asim_series_free_labels(l, n);
    return ASIM_EINPUT;
#undef FAIL
#undef COL
}

/* --- builder ---------------------------------------------------------------- */

typedef struct bseries {
    asim_label *lab;
    size_t nlab;
    char *key;
    int64_t *t;
    double *v;
    long *src;                /* line number or JSON index of each sample */
    size_t n, cap;
} bseries;

typedef struct builder {
    bseries *s;
    size_t n, cap;
    long *table;              /* indices into s, -1 empty */
    size_t tcap;
    /* CSV: series text as written -> index, so a series' text is parsed once */
    char **raw;
    size_t *raw_idx;
    size_t nraw, rawcap;
} builder;

static char *label_key(const asim_label *l, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++) len += strlen(l[i].name) + strlen(l[i].value) + 2;
    char *k = asim_malloc(len), *o = k;
    for (size_t i = 0; i < n; i++) {
        o += sprintf(o, "%s", l[i].name);
        *o++ = '\x01';
        o += sprintf(o, "%s", l[i].value);
        *o++ = '\x02';
    }
    *o = '\0';
    return k;
}

static uint64_t hash_str(const char *s)
{
    return asim_fnv1a64_str(ASIM_FNV64_OFFSET, s);
}

/* Index of the series with these labels; takes ownership of lab. */
static size_t builder_series(builder *b, asim_label *lab, size_t nlab)
{
    char *key = label_key(lab, nlab);
    if (2 * (b->n + 1) > b->tcap) {
        size_t cap = asim_grow_cap(b->tcap, 2 * (b->n + 1), 64);
        long *t = asim_malloc(cap * sizeof *t);
        for (size_t i = 0; i < cap; i++) t[i] = -1;
        for (size_t i = 0; i < b->n; i++) {
            size_t j = (size_t)hash_str(b->s[i].key) & (cap - 1);
            while (t[j] >= 0) j = (j + 1) & (cap - 1);
            t[j] = (long)i;
        }
        asim_free(b->table);
        b->table = t;
        b->tcap = cap;
    }
    size_t j = (size_t)hash_str(key) & (b->tcap - 1);
    while (b->table[j] >= 0) {
        if (strcmp(b->s[b->table[j]].key, key) == 0) {
            asim_free(key);
            asim_series_free_labels(lab, nlab);
            return (size_t)b->table[j];
        }
        j = (j + 1) & (b->tcap - 1);
    }
    ASIM_GROW(b->s, b->cap, b->n + 1, 16);
    bseries *s = &b->s[b->n];
    memset(s, 0, sizeof *s);
    s->lab = lab;
    s->nlab = nlab;
    s->key = key;
    b->table[j] = (long)b->n;
    return b->n++;
}

static void builder_add(builder *b, size_t i, int64_t t, double v, long src)
{
    bseries *s = &b->s[i];
    if (s->n == s->cap) {
        size_t grown = asim_grow_cap(s->cap, s->n + 1, 16);
        s->t = asim_realloc(s->t, grown * sizeof *s->t);
        s->v = asim_realloc(s->v, grown * sizeof *s->v);
        s->src = asim_realloc(s->src, grown * sizeof *s->src);
        s->cap = grown;
    }
    s->t[s->n] = t;
    s->v[s->n] = v;
    s->src[s->n++] = src;
}

/* Index of a series by the exact text of its CSV field, or -1. */
static long raw_find(const builder *b, const char *text, size_t *slot)
{
    size_t mask = b->rawcap - 1, j = (size_t)hash_str(text) & mask;
    while (b->raw[j]) {
        if (strcmp(b->raw[j], text) == 0) return (long)b->raw_idx[j];
        j = (j + 1) & mask;
    }
    *slot = j;
    return -1;
}

static void raw_grow(builder *b)
{
    if (2 * (b->nraw + 1) <= b->rawcap) return;
    size_t cap = asim_grow_cap(b->rawcap, 2 * (b->nraw + 1), 64);
    char **raw = asim_calloc(cap, sizeof *raw);
    size_t *idx = asim_malloc(cap * sizeof *idx);
    for (size_t i = 0; i < b->rawcap; i++) {
        if (!b->raw[i]) continue;
        size_t j = (size_t)hash_str(b->raw[i]) & (cap - 1);
        while (raw[j]) j = (j + 1) & (cap - 1);
        raw[j] = b->raw[i];
        idx[j] = b->raw_idx[i];
    }
    asim_free(b->raw);
    asim_free(b->raw_idx);
    b->raw = raw;
    b->raw_idx = idx;
    b->rawcap = cap;
}

static void builder_free(builder *b)
{
    for (size_t i = 0; i < b->rawcap; i++) asim_free(b->raw[i]);
    asim_free(b->raw);
    asim_free(b->raw_idx);
    for (size_t i = 0; i < b->n; i++) {
        asim_series_free_labels(b->s[i].lab, b->s[i].nlab);
        asim_free(b->s[i].key);
        asim_free(b->s[i].t);
        asim_free(b->s[i].v);
        asim_free(b->s[i].src);
    }
    asim_free(b->s);
    asim_free(b->table);
    memset(b, 0, sizeof *b);
}

typedef struct tsort { int64_t t; double v; long src; } tsort;

static int cmp_tsort(const void *a, const void *b)
{
    const tsort *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return x->src < y->src ? -1 : x->src > y->src;
}

/* Sort each series by time, reject duplicate timestamps, move into out.
 * src_fmt formats a sample's origin for messages. */
static int builder_finish(builder *b, const char *name, int json, asim_series_set *out, asim_err *err)
{
    for (size_t i = 0; i < b->n; i++) {
        bseries *s = &b->s[i];
        tsort *ts = asim_malloc((s->n ? s->n : 1) * sizeof *ts);
        for (size_t j = 0; j < s->n; j++) ts[j] = (tsort){ s->t[j], s->v[j], s->src[j] };
        qsort(ts, s->n, sizeof *ts, cmp_tsort);
        for (size_t j = 0; j < s->n; j++) {
            if (j > 0 && ts[j].t == ts[j - 1].t) {
                if (json)
                    asim_err_set(err, ASIM_EINPUT, "%s: $.data.result[%zu]: duplicate timestamp %lld ms",
                                 name, i, (long long)ts[j].t);
                else
                    asim_err_set(err, ASIM_EINPUT, "%s:%ld: duplicate timestamp for this series (also on line %ld)",
                                 name, ts[j].src, ts[j - 1].src);
                asim_free(ts);
                return ASIM_EINPUT;
            }
            s->t[j] = ts[j].t;
            s->v[j] = ts[j].v;
        }
        asim_free(ts);
    }
    out->s = asim_calloc(b->n ? b->n : 1, sizeof *out->s);
    out->n = b->n;
    for (size_t i = 0; i < b->n; i++) {
        bseries *s = &b->s[i];
        out->s[i] = (asim_series){ s->lab, s->nlab, s->t, s->v, s->n };
        asim_free(s->key);
        asim_free(s->src);
    }
    asim_free(b->s);
    asim_free(b->table);
    for (size_t i = 0; i < b->rawcap; i++) asim_free(b->raw[i]);
    asim_free(b->raw);
    asim_free(b->raw_idx);
    memset(b, 0, sizeof *b);
    return 0;
}

/* --- numbers ------------------------------------------------------------- */

/* A sample value: number, NaN, [+-]Inf, or `stale`. */
static int parse_value(const char *s, int allow_stale, double *v)
{
    while (isspace((unsigned char)*s)) s++;
    if (allow_stale && strcmp(s, "stale") == 0) { *v = asim_stale_nan(); return 0; }
    if (!*s || strchr(s, '(')) return -1;
    char *end;
    double d = strtod(s, &end);
    while (isspace((unsigned char)*end)) end++;
    if (*end || end == s) return -1;
    if (isinf(d)) {
        const char *p = s + (*s == '+' || *s == '-');
        if (strncasecmp(p, "inf", 3) != 0) return -1;     /* overflow */
    }
    *v = d;
    return 0;
}

/* Seconds (fractional) -> milliseconds, rounded to the nearest. */
static int seconds_to_ms(double sec, int64_t *ms)
{
    if (!isfinite(sec) || fabs(sec) > 9.2e15) return -1;
    *ms = llround(sec * 1000.0);
    return 0;
}

/* --- CSV --------------------------------------------------------------------- */

typedef struct csvstate {
    builder *b;
    const char *name;
    long line;
    char **field;
    size_t nf, cap;
    int rows;
    int failed;
    asim_err *err;
} csvstate;

static void csv_field(void *data, size_t len, void *ctx)
{
    csvstate *st = ctx;
    if (st->failed) return;
    ASIM_GROW(st->field, st->cap, st->nf + 1, 8);
    char *f = asim_malloc(len + 1);
    if (len) memcpy(f, data, len);
    f[len] = '\0';
    st->field[st->nf++] = f;
}

static void csv_row_reset(csvstate *st)
{
    for (size_t i = 0; i < st->nf; i++) asim_free(st->field[i]);
    st->nf = 0;
}

/* An unquoted series such as x{a="1",b="2"} was split at its commas: the
 * last two fields are timestamp and value, everything before is the series. */
static void csv_join_series(csvstate *st)
{
    size_t len = 0;
    for (size_t i = 0; i + 2 < st->nf; i++) len += strlen(st->field[i]) + 1;
    char *s = asim_malloc(len + 1), *o = s;
    for (size_t i = 0; i + 2 < st->nf; i++) {
        if (i) *o++ = ',';
        size_t k = strlen(st->field[i]);
        memcpy(o, st->field[i], k);
        o += k;
        asim_free(st->field[i]);
    }
    *o = '\0';
    st->field[0] = s;
    st->field[1] = st->field[st->nf - 2];
    st->field[2] = st->field[st->nf - 1];
    st->nf = 3;
}

static void csv_row(int term, void *ctx)
{
    csvstate *st = ctx;
    (void)term;
    if (st->failed) { csv_row_reset(st); return; }
    int first = st->rows++ == 0;
    if (st->nf == 0 || (st->nf == 1 && st->field[0][0] == '\0')) { csv_row_reset(st); return; }
    if (st->field[0][0] == '#') { csv_row_reset(st); return; }
    if (first && strcmp(st->field[0], "series") == 0) { csv_row_reset(st); return; }
    if (st->nf > 3 && strchr(st->field[0], '{')) csv_join_series(st);
    if (st->nf != 3) {
        asim_err_set(st->err, ASIM_EINPUT, "%s:%ld: expected 3 fields (series,timestamp,value), got %zu",
                     st->name, st->line, st->nf);
        st->failed = 1;
        csv_row_reset(st);
        return;
    }
    double ts, v;
    int64_t ms;
    if (parse_value(st->field[1], 0, &ts) != 0 || seconds_to_ms(ts, &ms) != 0) {
        asim_err_set(st->err, ASIM_EINPUT, "%s:%ld: timestamp: cannot parse \"%s\" as seconds",
                     st->name, st->line, st->field[1]);
        st->failed = 1;
    } else if (parse_value(st->field[2], 1, &v) != 0) {
        asim_err_set(st->err, ASIM_EINPUT, "%s:%ld: value: cannot parse \"%s\" (a number, NaN, "
                     "+Inf, -Inf or stale)", st->name, st->line, st->field[2]);
        st->failed = 1;
    } else {
        builder *b = st->b;
        raw_grow(b);
        size_t slot = 0;
        long si = raw_find(b, st->field[0], &slot);
        if (si < 0) {
            asim_label *l;
            size_t n;
            asim_err e2;
            if (asim_series_parse_labels(st->field[0], &l, &n, &e2) != 0) {
                asim_err_set(st->err, ASIM_EINPUT, "%s:%ld: series: %s", st->name, st->line, e2.msg);
                st->failed = 1;
                csv_row_reset(st);
                return;
            }
            si = (long)builder_series(b, l, n);
            b->raw[slot] = st->field[0];       /* the cache takes the field */
            b->raw_idx[slot] = (size_t)si;
            b->nraw++;
            st->field[0] = asim_strdup("");
        }
        builder_add(b, (size_t)si, ms, v, st->line);
    }
    csv_row_reset(st);
}

static int parse_csv(const char *text, size_t len, const char *name, int allow_empty,
                     asim_series_set *out, asim_err *err)
{
    memset(out, 0, sizeof *out);
    builder b = { 0 };
    csvstate st = { &b, name, 0, NULL, 0, 0, 0, 0, err };
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT_FINI) != 0)
        return asim_err_set(err, ASIM_ERUNTIME, "%s: cannot initialise the CSV parser", name);
    size_t i = 0;
    while (i < len && !st.failed) {
        size_t j = i;
        while (j < len && text[j] != '\n') j++;
        if (j < len) j++;
        st.line++;
        if (csv_parse(&p, text + i, j - i, csv_field, csv_row, &st) != j - i) {
            asim_err_set(err, ASIM_EINPUT, "%s:%ld: %s", name, st.line, csv_strerror(csv_error(&p)));
            st.failed = 1;
        }
        i = j;
    }
    if (!st.failed && csv_fini(&p, csv_field, csv_row, &st) != 0) {
        asim_err_set(err, ASIM_EINPUT, "%s:%ld: %s", name, st.line, csv_strerror(csv_error(&p)));
        st.failed = 1;
    }
    csv_free(&p);
    csv_row_reset(&st);
    asim_free(st.field);
    if (st.failed) { builder_free(&b); return ASIM_EINPUT; }
    if (b.n == 0) {
        builder_free(&b);
        if (allow_empty) return 0;
        return asim_err_set(err, ASIM_EINPUT, "%s: no samples (expected rows series,timestamp,value)", name);
    }
    int rc = builder_finish(&b, name, 0, out, err);
    if (rc) builder_free(&b);
    return rc;
}

/* --- JSON -------------------------------------------------------------------- */

/* [t, "v"] at path -> ms and value. */
static int json_point(const cJSON *p, const char *name, const char *path, int64_t *ms, double *v, asim_err *err)
{
    if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != 2)
        return asim_err_set(err, ASIM_EINPUT, "%s: %s: expected [timestamp, \"value\"]", name, path);
    const cJSON *t = cJSON_GetArrayItem(p, 0), *s = cJSON_GetArrayItem(p, 1);
    if (!cJSON_IsNumber(t) || seconds_to_ms(t->valuedouble, ms) != 0)
        return asim_err_set(err, ASIM_EINPUT, "%s: %s[0]: expected a timestamp in seconds", name, path);
    if (!cJSON_IsString(s) || parse_value(s->valuestring, 0, v) != 0)
        return asim_err_set(err, ASIM_EINPUT, "%s: %s[1]: expected a number in a string, e.g. \"0.5\"",
                            name, path);
    return 0;
}

static int json_metric(const cJSON *m, const char *name, const char *path, asim_label **out,
                       size_t *nout, asim_err *err)
{
    *out = NULL;
    *nout = 0;
    if (!m) { *out = asim_malloc(sizeof **out); return 0; }
    if (!cJSON_IsObject(m)) return asim_err_set(err, ASIM_EINPUT, "%s: %s: expected an object", name, path);
    size_t n = (size_t)cJSON_GetArraySize(m), k = 0;
    asim_label *l = asim_malloc((n ? n : 1) * sizeof *l);
    for (const cJSON *c = m->child; c; c = c->next) {
        if (!cJSON_IsString(c) || !c->string || !name_char((unsigned char)c->string[0], 1, 0)) {
            asim_series_free_labels(l, k);
            return asim_err_set(err, ASIM_EINPUT, "%s: %s.%s: expected a label with a string value",
                                name, path, c->string ? c->string : "?");
        }
        for (const char *q = c->string; *q; q++)
            if (!name_char((unsigned char)*q, 0, 0)) {
                asim_series_free_labels(l, k);
                return asim_err_set(err, ASIM_EINPUT, "%s: %s: invalid label name \"%s\"", name, path, c->string);
            }
        l[k].name = asim_strdup(c->string);
        l[k++].value = asim_strdup(c->valuestring);
    }
    asim_err e2;
    if (canonical_labels(l, &k, &e2) != 0) {
        asim_series_free_labels(l, k);
        return asim_err_set(err, ASIM_EINPUT, "%s: %s: %s", name, path, e2.msg);
    }
    *out = l;
    *nout = k;
    return 0;
}

int asim_series_parse_json(const char *text, size_t len, const char *name,
                           asim_series_set *out, asim_err *err)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        long line = 1;
        if (at && at >= text && at <= text + len)
            for (const char *q = text; q < at; q++) line += *q == '\n';
        return asim_err_set(err, ASIM_EINPUT, "%s:%ld: invalid JSON", name, line);
    }
    builder b = { 0 };
    int rc = ASIM_EINPUT;
    char path[160];
    const char *base = "$";
    const cJSON *data = root;
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(root, "status");
    if (status) {
        if (!cJSON_IsString(status) || strcmp(status->valuestring, "success") != 0) {
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
            asim_err_set(err, ASIM_EINPUT, "%s: $.status: the response is not a success%s%s", name,
                         cJSON_IsString(e) ? ": " : "", cJSON_IsString(e) ? e->valuestring : "");
            goto done;
        }
        data = cJSON_GetObjectItemCaseSensitive(root, "data");
        base = "$.data";
        if (!cJSON_IsObject(data)) { asim_err_set(err, ASIM_EINPUT, "%s: $.data: expected an object", name); goto done; }
    }
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(data, "resultType");
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(data, "result");
    if (!cJSON_IsString(rt)) {
        asim_err_set(err, ASIM_EINPUT, "%s: %s.resultType: expected \"matrix\", \"vector\" or \"scalar\"", name, base);
        goto done;
    }
    if (strcmp(rt->valuestring, "scalar") == 0) {
        int64_t ms;
        double v;
        snprintf(path, sizeof path, "%s.result", base);
        if (json_point(res, name, path, &ms, &v, err) != 0) goto done;
        asim_label *l = asim_malloc(sizeof *l);
        builder_add(&b, builder_series(&b, l, 0), ms, v, 0);
    } else if (strcmp(rt->valuestring, "matrix") == 0 || strcmp(rt->valuestring, "vector") == 0) {
        int matrix = rt->valuestring[0] == 'm';
        if (!cJSON_IsArray(res)) { asim_err_set(err, ASIM_EINPUT, "%s: %s.result: expected an array", name, base); goto done; }
        size_t i = 0;
        for (const cJSON *r = res->child; r; r = r->next, i++) {
            asim_label *l;
            size_t n;
            snprintf(path, sizeof path, "%s.result[%zu].metric", base, i);
            if (json_metric(cJSON_GetObjectItemCaseSensitive(r, "metric"), name, path, &l, &n, err) != 0) goto done;
            size_t si = builder_series(&b, l, n);
            const cJSON *pts = cJSON_GetObjectItemCaseSensitive(r, matrix ? "values" : "value");
            if (matrix) {
                if (!cJSON_IsArray(pts)) {
                    asim_err_set(err, ASIM_EINPUT, "%s: %s.result[%zu].values: expected an array", name, base, i);
                    goto done;
                }
                size_t j = 0;
                for (const cJSON *p = pts->child; p; p = p->next, j++) {
                    int64_t ms;
                    double v;
                    snprintf(path, sizeof path, "%s.result[%zu].values[%zu]", base, i, j);
                    if (json_point(p, name, path, &ms, &v, err) != 0) goto done;
                    builder_add(&b, si, ms, v, (long)j);
                }
            } else {
                int64_t ms;
                double v;
                snprintf(path, sizeof path, "%s.result[%zu].value", base, i);
                if (json_point(pts, name, path, &ms, &v, err) != 0) goto done;
                builder_add(&b, si, ms, v, 0);
            }
        }
    } else {
        asim_err_set(err, ASIM_EINPUT, "%s: %s.resultType: \"%s\" is not matrix, vector or scalar",
                     name, base, rt->valuestring);
        goto done;
    }
    rc = builder_finish(&b, name, 1, out, err);
done:
    builder_free(&b);
    cJSON_Delete(root);
    return rc;
}

/* --- files, sets ------------------------------------------------------------- */

int asim_series_parse_csv(const char *text, size_t len, const char *name,
                          asim_series_set *out, asim_err *err)
{
    return parse_csv(text, len, name, 0, out, err);
}

/* --- OpenMetrics text (a run's metrics.om) ----------------------------------- */

/* Where a sample line's series text ends: after the name, or after the
 * closing brace of its labels (quoted values may hold spaces and braces). */
static size_t om_series_end(const char *l, size_t n)
{
    size_t i = 0;
    while (i < n && l[i] != '{' && l[i] != ' ') i++;
    if (i == n || l[i] == ' ') return i;
    int quoted = 0;
    for (; i < n; i++) {
        if (quoted && l[i] == '\\') { i++; continue; }
        if (l[i] == '"') quoted = !quoted;
        else if (!quoted && l[i] == '}') return i + 1;
    }
    return n + 1;                           /* unterminated */
}

/* Lines "series value timestamp" (timestamp in Unix seconds, as
 * openmetrics.c writes and promtool reads); # lines (HELP, TYPE, UNIT, EOF)
 * and blank lines skipped.  A sample without a timestamp is an error: a
 * file of history needs its times. */
static int parse_om(const char *text, size_t len, const char *name, int allow_empty,
                    asim_series_set *out, asim_err *err)
{
    memset(out, 0, sizeof *out);
    builder b = { 0 };
    long line = 0;
    int rc = 0;
    char *lb = NULL;
    size_t lcap = 0;
    for (size_t i = 0; i < len && rc == 0;) {
        size_t j = i;
        while (j < len && text[j] != '\n') j++;
        size_t n = j - i;
        const char *l = text + i;
        line++;
        i = j + (j < len);
        if (n == 0 || l[0] == '#') continue;
        ASIM_GROW(lb, lcap, n + 1, 256);
        memcpy(lb, l, n);
        lb[n] = '\0';
        size_t se = om_series_end(lb, n);
        if (se > n || se == 0 || lb[se] != ' ') {
            rc = asim_err_set(err, ASIM_EINPUT, "%s:%ld: expected 'series value timestamp'", name, line);
            break;
        }
        lb[se] = '\0';
        char *val = lb + se + 1, *ts = strchr(val, ' ');
        if (!ts) {
            rc = asim_err_set(err, ASIM_EINPUT, "%s:%ld: no timestamp (a file of samples needs the time of each)",
                              name, line);
            break;
        }
        *ts++ = '\0';
        char *extra = strchr(ts, ' ');
        if (extra && extra[1] == '#') *extra = '\0';      /* an exemplar: not a sample */
        double v, sec;
        int64_t ms;
        if (parse_value(val, 0, &v) != 0) {
            rc = asim_err_set(err, ASIM_EINPUT, "%s:%ld: value: cannot parse \"%s\"", name, line, val);
            break;
        }
        if (parse_value(ts, 0, &sec) != 0 || seconds_to_ms(sec, &ms) != 0) {
            rc = asim_err_set(err, ASIM_EINPUT, "%s:%ld: timestamp: cannot parse \"%s\" as seconds", name, line, ts);
            break;
        }
        raw_grow(&b);
        size_t slot = 0;
        long si = raw_find(&b, lb, &slot);
        if (si < 0) {
            asim_label *lab;
            size_t nl;
            asim_err e2;
            if (asim_series_parse_labels(lb, &lab, &nl, &e2) != 0) {
                rc = asim_err_set(err, ASIM_EINPUT, "%s:%ld: series: %s", name, line, e2.msg);
                break;
            }
            si = (long)builder_series(&b, lab, nl);
            b.raw[slot] = asim_strdup(lb);
            b.raw_idx[slot] = (size_t)si;
            b.nraw++;
        }
        builder_add(&b, (size_t)si, ms, v, line);
    }
    asim_free(lb);
    if (rc) { builder_free(&b); return rc; }
    if (b.n == 0) {
        builder_free(&b);
        if (allow_empty) return 0;
        return asim_err_set(err, ASIM_EINPUT, "%s: no samples", name);
    }
    rc = builder_finish(&b, name, 0, out, err);
    if (rc) builder_free(&b);
    return rc;
}

int asim_series_parse_om(const char *text, size_t len, const char *name, asim_series_set *out, asim_err *err)
{
    return parse_om(text, len, name, 0, out, err);
}

/* OpenMetrics when the text starts with a # HELP/TYPE/UNIT/EOF line (the
 * first line openmetrics.c writes); CSV files have a header or data first. */
static int looks_om(const char *t, size_t len, size_t i)
{
    static const char *const heads[] = { "# HELP ", "# TYPE ", "# UNIT ", "# EOF" };
    for (size_t k = 0; k < 4; k++) {
        size_t hl = strlen(heads[k]);
        if (len - i >= hl && memcmp(t + i, heads[k], hl) == 0) return 1;
    }
    return 0;
}

int asim_series_read_file(const char *path, asim_series_set *out, asim_err *err)
{
    return asim_series_read_file_ex(path, 0, out, err);
}

int asim_series_read_file_ex(const char *path, int allow_empty, asim_series_set *out, asim_err *err)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        /* a run directory: its samples are its OpenMetrics export */
        size_t pl = strlen(path) + sizeof "/metrics.om";
        char *om = asim_malloc(pl);
        snprintf(om, pl, "%s/metrics.om", path);
        int rc = 0;
        if (access(om, F_OK) != 0)
            rc = asim_err_set(err, ASIM_EINPUT, "%s: Is a directory without metrics.om (a run directory holds its "
                              "samples there when run with --export openmetrics)", path);
        else
            rc = asim_series_read_file_ex(om, allow_empty, out, err);
        asim_free(om);
        return rc;
    }
    char *buf;
    size_t len;
    int r = asim_read_file(path, &buf, &len);
    if (r == -1) return asim_err_set(err, ASIM_EINPUT, "%s: %s", path, strerror(errno));
    if (r != 0) return asim_err_set(err, ASIM_ERUNTIME, "%s: read error", path);
    size_t i = 0;
    while (i < len && isspace((unsigned char)buf[i])) i++;
    int rc = i < len && buf[i] == '{' ? asim_series_parse_json(buf, len, path, out, err)
             : looks_om(buf, len, i)  ? parse_om(buf, len, path, allow_empty, out, err)
                                      : parse_csv(buf, len, path, allow_empty, out, err);
    asim_free(buf);
    return rc;
}

static int cmp_series(const void *a, const void *b)
{
    const asim_series *x = a, *y = b;
    return asim_labels_compare(x->labels, x->nlabels, y->labels, y->nlabels);
}

void asim_series_sort(asim_series_set *s)
{
    if (s->n > 1) qsort(s->s, s->n, sizeof *s->s, cmp_series);
}

int asim_series_to_tsdb(const asim_series_set *s, asim_tsdb *db, asim_err *err)
{
    for (size_t i = 0; i < s->n; i++) {
        int id = asim_tsdb_series(db, s->s[i].labels, s->s[i].nlabels);
        if (id < 0) return asim_err_set(err, ASIM_EINPUT, "series %zu: invalid label set", i);
        for (size_t j = 0; j < s->s[i].n; j++) asim_tsdb_append(db, id, s->s[i].t[j], s->s[i].v[j]);
    }
    return 0;
}

void asim_series_set_free(asim_series_set *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) {
        asim_series_free_labels(s->s[i].labels, s->s[i].nlabels);
        asim_free(s->s[i].t);
        asim_free(s->s[i].v);
    }
    asim_free(s->s);
    s->s = NULL;
    s->n = 0;
}
