/* tsdb.c -- the simulated Prometheus's sample storage (see tsdb.h).
 *
 * Each series keeps its samples in one array used as a sliding window:
 * live samples are buf[head .. head+n).  Appends go at the end; expiry moves
 * head forward.  When the end of the array is reached the live part is moved
 * back to the front if it fills at most half of the array, else the array
 * doubles.  Both cost O(n) at most once per n appends, so append is O(1)
 * amortised, memory is at most twice the live window, and the samples of a
 * series are always contiguous (range reads return pointers, no copies).
 * Once a series' array has grown to twice its steady window, appends
 * allocate nothing.
 *
 * Invariants: timestamps in buf[head..head+n) strictly increase; with a
 * retention r > 0, every live sample has t >= newest.t - r; series ids are
 * dense in creation order; a series' label array is sorted by name, has no
 * duplicate names and no empty values, and neither it nor its strings ever
 * move.  Series are found by label set through an open-addressing hash table
 * of ids.  Label strings are stored once per db (intern) and label arrays
 * carved from chunks (lab_alloc): a series costs no allocation of its own
 * but its sample array. */
#include "models/prometheus/tsdb.h"

#include <stdlib.h>
#include <string.h>
#include "sim/engine/common.h"
#include "sim/engine/hash.h"

#define STALE_BITS UINT64_C(0x7ff0000000000002)

typedef struct tseries {
    asim_label *lab;          /* sorted; strings owned */
    size_t nlab;
    uint64_t hash;
    asim_sample *buf;
    size_t cap, head, n;
} tseries;

/* Label arrays are carved from chunks that live as long as the db. */
#define LAB_CHUNK 4096
typedef struct lab_chunk {
    struct lab_chunk *next;
    size_t used, cap;
    asim_label v[];
} lab_chunk;

struct asim_tsdb {
    int64_t retention;
    /* label strings, each stored once: an open-addressing set (power-of-2
     * size, at most half full) of pointers to the owned copies */
    char **strs;
    size_t nstrs, strcap;
    lab_chunk *chunks;              /* newest first */
    tseries *s;
    size_t ns, caps;
    int *table;               /* series ids, -1 = empty; size tcap (power of 2) */
    size_t tcap;
    asim_label *scratch;      /* sorted copy of the pairs being looked up */
    size_t scratch_cap;
    void (*obs)(void *ctx, int series, int64_t t_ms, double v);
    void *obs_ctx;
};

double asim_stale_nan(void)
{
    uint64_t b = STALE_BITS;
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

int asim_is_stale_nan(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b == STALE_BITS;
}

asim_tsdb *asim_tsdb_create(int64_t retention_ms)
{
    asim_tsdb *db = asim_calloc(1, sizeof *db);
    db->retention = retention_ms > 0 ? retention_ms : 0;
    db->tcap = 64;
    db->table = asim_malloc(db->tcap * sizeof *db->table);
    for (size_t i = 0; i < db->tcap; i++) db->table[i] = -1;
    return db;
}

void asim_tsdb_destroy(asim_tsdb *db)
{
    if (!db) return;
    for (size_t i = 0; i < db->ns; i++)
        asim_free(db->s[i].buf);
    for (size_t i = 0; i < db->strcap; i++)
        asim_free(db->strs[i]);
    asim_free(db->strs);
    while (db->chunks) {
        lab_chunk *c = db->chunks;
        db->chunks = c->next;
        asim_free(c);
    }
    asim_free(db->s);
    asim_free(db->table);
    asim_free(db->scratch);
    asim_free(db);
}

/* --- label strings and arrays ------------------------------------------- */

/* The db's copy of s, made on first use.  The same few names (__name__,
 * instance, job, le) and values (metric names, le bounds, one instance per
 * replica) recur in every series: at 10,000 replicas 240,000 series held
 * 1.9 million copies, now ~10,000 strings. */
static const char *intern(asim_tsdb *db, const char *s)
{
    if (2 * (db->nstrs + 1) > db->strcap) {
        size_t ncap = db->strcap ? 2 * db->strcap : 256;
        char **n = asim_calloc(ncap, sizeof *n);
        for (size_t i = 0; i < db->strcap; i++) {
            if (!db->strs[i]) continue;
            size_t j = (size_t)asim_fnv1a64_str(ASIM_FNV64_OFFSET, db->strs[i]) & (ncap - 1);
            while (n[j]) j = (j + 1) & (ncap - 1);
            n[j] = db->strs[i];
        }
        asim_free(db->strs);
        db->strs = n;
        db->strcap = ncap;
    }
    size_t mask = db->strcap - 1;
    size_t j = (size_t)asim_fnv1a64_str(ASIM_FNV64_OFFSET, s) & mask;
    while (db->strs[j]) {
        if (strcmp(db->strs[j], s) == 0) return db->strs[j];
        j = (j + 1) & mask;
    }
    db->nstrs++;
    return db->strs[j] = asim_strdup(s);
}

/* Room for n labels that stay put for the life of the db. */
static asim_label *lab_alloc(asim_tsdb *db, size_t n)
{
    if (!db->chunks || db->chunks->cap - db->chunks->used < n) {
        size_t cap = n > LAB_CHUNK ? n : LAB_CHUNK;
        lab_chunk *c = asim_malloc(sizeof *c + cap * sizeof(asim_label));
        c->next = db->chunks;
        c->used = 0;
        c->cap = cap;
        db->chunks = c;
    }
    asim_label *v = db->chunks->v + db->chunks->used;
    db->chunks->used += n;
    return v;
}

/* --- label sets ---------------------------------------------------------- */

static int label_name_ok(const char *s)
{
    if (!s || !*s) return 0;
    for (const char *p = s; *p; p++) {
        int c = (unsigned char)*p;
        int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(p > s && c >= '0' && c <= '9')) return 0;
    }
    return 1;
}

static int cmp_label(const void *a, const void *b)
{
    return strcmp(((const asim_label *)a)->name, ((const asim_label *)b)->name);
}

/* Sorts pairs into db->scratch, drops empty values; returns the count or -1. */
static long canonical(asim_tsdb *db, const asim_label *pairs, size_t n)
{
    if (n > db->scratch_cap) {
        db->scratch_cap = n < 16 ? 16 : 2 * n;
        db->scratch = asim_realloc(db->scratch, db->scratch_cap * sizeof *db->scratch);
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!label_name_ok(pairs[i].name) || !pairs[i].value) return -1;
        if (pairs[i].value[0]) db->scratch[k++] = pairs[i];
    }
    /* insertion sort: label sets are short, and this keeps lookups allocation-free */
    for (size_t i = 1; i < k; i++) {
        asim_label x = db->scratch[i];
        size_t j = i;
        while (j > 0 && cmp_label(&db->scratch[j - 1], &x) > 0) {
            db->scratch[j] = db->scratch[j - 1];
            j--;
        }
        db->scratch[j] = x;
    }
    for (size_t i = 1; i < k; i++)
        if (strcmp(db->scratch[i - 1].name, db->scratch[i].name) == 0) return -1;
    return (long)k;
}

uint64_t asim_labels_hash(const asim_label *l, size_t n)
{
    uint64_t h = ASIM_FNV64_OFFSET;
    for (size_t i = 0; i < n; i++) {
        h = asim_fnv1a64_byte(asim_fnv1a64_str(h, l[i].name), 0xff);
        h = asim_fnv1a64_byte(asim_fnv1a64_str(h, l[i].value), 0xfe);
    }
    return h;
}

static int same_labels(const tseries *s, const asim_label *l, size_t n)
{
    if (s->nlab != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(s->lab[i].name, l[i].name) || strcmp(s->lab[i].value, l[i].value)) return 0;
    return 1;
}

/* Slot holding the series with these (canonical) labels, or the empty slot
 * where it would go. */
static size_t slot_of(const asim_tsdb *db, uint64_t h, const asim_label *l, size_t n)
{
    size_t mask = db->tcap - 1, i = (size_t)h & mask;
    while (db->table[i] >= 0) {
        const tseries *s = &db->s[db->table[i]];
        if (s->hash == h && same_labels(s, l, n)) return i;
        i = (i + 1) & mask;
    }
    return i;
}

static void grow_table(asim_tsdb *db)
{
    asim_free(db->table);
    db->tcap *= 2;
    db->table = asim_malloc(db->tcap * sizeof *db->table);
    for (size_t i = 0; i < db->tcap; i++) db->table[i] = -1;
    for (size_t id = 0; id < db->ns; id++) {
        size_t mask = db->tcap - 1, i = (size_t)db->s[id].hash & mask;
        while (db->table[i] >= 0) i = (i + 1) & mask;
        db->table[i] = (int)id;
    }
}

int asim_tsdb_find(asim_tsdb *db, const asim_label *pairs, size_t n)
{
    long k = canonical(db, pairs, n);
    if (k < 0) return -1;
    uint64_t h = asim_labels_hash(db->scratch, (size_t)k);
    return db->table[slot_of(db, h, db->scratch, (size_t)k)];
}

int asim_tsdb_series(asim_tsdb *db, const asim_label *pairs, size_t n)
{
    long k = canonical(db, pairs, n);
    if (k < 0) return -1;
    uint64_t h = asim_labels_hash(db->scratch, (size_t)k);
    size_t slot = slot_of(db, h, db->scratch, (size_t)k);
    if (db->table[slot] >= 0) return db->table[slot];
    if (db->ns == (size_t)INT32_MAX) return -1;

    ASIM_GROW(db->s, db->caps, db->ns + 1, 64);
    tseries *s = &db->s[db->ns];
    memset(s, 0, sizeof *s);
    s->nlab = (size_t)k;
    s->lab = lab_alloc(db, k ? (size_t)k : 1);
    for (long i = 0; i < k; i++) {
        s->lab[i].name = intern(db, db->scratch[i].name);
        s->lab[i].value = intern(db, db->scratch[i].value);
    }
    s->hash = h;
    int id = (int)db->ns++;
    db->table[slot] = id;
    if (2 * db->ns > db->tcap) grow_table(db);
    return id;
}

/* --- samples ------------------------------------------------------------- */

static void store(asim_tsdb *db, int id, int64_t t, double v)
{
    tseries *s = &db->s[id];
    if (s->n > 0 && t <= s->buf[s->head + s->n - 1].t) return;   /* duplicate / out of order */
    if (db->retention > 0) {
        int64_t cut = t - db->retention;
        while (s->n > 0 && s->buf[s->head].t < cut) { s->head++; s->n--; }
    }
    if (s->n == 0) s->head = 0;
    if (s->head + s->n == s->cap) {
        if (s->head > 0 && 2 * s->n <= s->cap) {
            memmove(s->buf, s->buf + s->head, s->n * sizeof *s->buf);
        } else {
            size_t cap = asim_grow_cap(s->cap, s->cap + 1, 8);   /* full at its end: double */
            asim_sample *nb = asim_malloc(cap * sizeof *nb);
            if (s->n) memcpy(nb, s->buf + s->head, s->n * sizeof *nb);
            asim_free(s->buf);
            s->buf = nb;
            s->cap = cap;
        }
        s->head = 0;
    }
    s->buf[s->head + s->n].t = t;
    s->buf[s->head + s->n].v = v;
    s->n++;
    if (db->obs) db->obs(db->obs_ctx, id, t, v);
}

void asim_tsdb_append(asim_tsdb *db, int series, int64_t t_ms, double v)
{
    if (series < 0 || (size_t)series >= db->ns) return;
    store(db, series, t_ms, v);
}

void asim_tsdb_append_stale(asim_tsdb *db, int series, int64_t t_ms)
{
    asim_tsdb_append(db, series, t_ms, asim_stale_nan());
}

void asim_tsdb_on_append(asim_tsdb *db, void (*fn)(void *ctx, int series, int64_t t_ms, double v),
                         void *ctx)
{
    db->obs = fn;
    db->obs_ctx = fn ? ctx : NULL;
}

/* --- read side ----------------------------------------------------------- */

size_t asim_tsdb_nseries(const asim_tsdb *db) { return db->ns; }

asim_labels asim_tsdb_labels(const asim_tsdb *db, int series)
{
    asim_labels l = { NULL, 0 };
    if (series >= 0 && (size_t)series < db->ns) {
        l.v = db->s[series].lab;
        l.n = db->s[series].nlab;
    }
    return l;
}

const char *asim_tsdb_label(const asim_tsdb *db, int series, const char *name)
{
    if (series < 0 || (size_t)series >= db->ns) return NULL;
    const tseries *s = &db->s[series];
    size_t lo = 0, hi = s->nlab;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(s->lab[mid].name, name);
        if (c == 0) return s->lab[mid].value;
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

/* Index (relative to head) of the first live sample with t > x. */
static size_t upper(const tseries *s, int64_t x)
{
    const asim_sample *b = s->buf + s->head;
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (b[mid].t <= x) lo = mid + 1; else hi = mid;
    }
    return lo;
}

size_t asim_tsdb_range(asim_tsdb *db, int series, int64_t mint, int64_t maxt,
                       const asim_sample **out)
{
    *out = NULL;
    if (series < 0 || (size_t)series >= db->ns || maxt < mint) return 0;
    const tseries *s = &db->s[series];
    size_t from = mint == INT64_MIN ? 0 : upper(s, mint - 1);
    size_t to = upper(s, maxt);
    if (to <= from) return 0;
    *out = s->buf + s->head + from;
    return to - from;
}

int asim_tsdb_latest(const asim_tsdb *db, int series, int64_t maxt, asim_sample *out)
{
    if (series < 0 || (size_t)series >= db->ns) return 0;
    const tseries *s = &db->s[series];
    size_t k = upper(s, maxt);
    if (k == 0) return 0;
    *out = s->buf[s->head + k - 1];
    return 1;
}

size_t asim_tsdb_nsamples(const asim_tsdb *db, int series)
{
    if (series < 0 || (size_t)series >= db->ns) return 0;
    return db->s[series].n;
}

size_t asim_tsdb_capacity(const asim_tsdb *db)
{
    size_t c = 0;
    for (size_t i = 0; i < db->ns; i++) c += db->s[i].cap;
    return c;
}
