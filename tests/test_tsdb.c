/* test_tsdb.c -- the simulated Prometheus's sample storage: label sets,
 * series ids, closed range reads, staleness markers, the append observer,
 * and memory bounded by retention rather than by simulated duration. */
#include "models/prometheus/tsdb.h"

#include <stdint.h>
#include <string.h>
#include "check.h"

static int series2(asim_tsdb *db, const char *name, const char *inst)
{
    asim_label l[2] = { { "instance", inst }, { "__name__", name } };
    return asim_tsdb_series(db, l, 2);
}

static void test_stale_nan_bits(void)
{
    double s = asim_stale_nan();
    uint64_t b;
    memcpy(&b, &s, sizeof b);
    CHECK(b == UINT64_C(0x7ff0000000000002));       /* Prometheus's value.StaleNaN */
    CHECK(isnan(s));
    CHECK(asim_is_stale_nan(s));
    CHECK(!asim_is_stale_nan(NAN));
    CHECK(!asim_is_stale_nan(0.0));
}

static void test_series_ids_and_labels(void)
{
    asim_tsdb *db = asim_tsdb_create(0);
    int a = series2(db, "up", "a"), b = series2(db, "up", "b");
    CHECK(a == 0 && b == 1);                         /* dense, creation order */
    asim_label rev[2] = { { "__name__", "up" }, { "instance", "a" } };
    CHECK(asim_tsdb_series(db, rev, 2) == a);        /* order of pairs irrelevant */
    CHECK(asim_tsdb_find(db, rev, 2) == a);
    asim_label other[1] = { { "__name__", "nope" } };
    CHECK(asim_tsdb_find(db, other, 1) == -1);
    CHECK(asim_tsdb_nseries(db) == 2);               /* find never creates */
    asim_labels l = asim_tsdb_labels(db, b);
    CHECK(l.n == 2);
    CHECK_STR(l.v[0].name, "__name__");              /* sorted by name */
    CHECK_STR(l.v[1].name, "instance");
    CHECK_STR(l.v[1].value, "b");
    CHECK_STR(asim_tsdb_label(db, b, "instance"), "b");
    CHECK(asim_tsdb_label(db, b, "job") == NULL);
    /* an empty value is an absent label */
    asim_label withempty[3] = { { "__name__", "up" }, { "instance", "a" }, { "job", "" } };
    CHECK(asim_tsdb_series(db, withempty, 3) == a);
    /* invalid label sets */
    asim_label dup[2] = { { "x", "1" }, { "x", "2" } };
    CHECK(asim_tsdb_series(db, dup, 2) == -1);
    asim_label badname[1] = { { "1abc", "v" } };
    CHECK(asim_tsdb_series(db, badname, 1) == -1);
    asim_label emptyname[1] = { { "", "v" } };
    CHECK(asim_tsdb_series(db, emptyname, 1) == -1);
    CHECK(asim_tsdb_nseries(db) == 2);
    /* many series: the hash table grows and ids stay right */
    char name[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "m%d", i);
        asim_label x[1] = { { "__name__", name } };
        CHECK(asim_tsdb_series(db, x, 1) == 2 + i);
    }
    for (int i = 0; i < 1000; i += 97) {
        snprintf(name, sizeof name, "m%d", i);
        asim_label x[1] = { { "__name__", name } };
        CHECK(asim_tsdb_find(db, x, 1) == 2 + i);
    }
    asim_tsdb_destroy(db);
    asim_tsdb_destroy(NULL);
}

static void test_range_closed_and_latest(void)
{
    asim_tsdb *db = asim_tsdb_create(0);
    int s = series2(db, "g", "a");
    for (int i = 0; i <= 12; i++) asim_tsdb_append(db, s, 5000 * i, i);
    const asim_sample *p;
    /* [30s, 60s] holds 30,35,...,60: both ends included, as in Prometheus 2.x */
    size_t n = asim_tsdb_range(db, s, 30000, 60000, &p);
    CHECK(n == 7);
    CHECK(n == 7 && p[0].t == 30000 && p[6].t == 60000);
    CHECK(asim_tsdb_range(db, s, 30001, 34999, &p) == 0 && p == NULL);
    CHECK(asim_tsdb_range(db, s, 70000, 60000, &p) == 0);
    asim_sample x;
    CHECK(asim_tsdb_latest(db, s, 12499, &x) && x.t == 10000 && x.v == 2);
    CHECK(asim_tsdb_latest(db, s, 15000, &x) && x.t == 15000);
    CHECK(!asim_tsdb_latest(db, s, -1, &x));
    /* equal or older timestamps are ignored, like Prometheus's duplicates */
    asim_tsdb_append(db, s, 60000, 99);
    asim_tsdb_append(db, s, 1000, 99);
    CHECK(asim_tsdb_nsamples(db, s) == 13);
    CHECK(asim_tsdb_latest(db, s, 60000, &x) && x.v == 12);
    /* a marker is stored like a sample */
    asim_tsdb_append_stale(db, s, 65000);
    CHECK(asim_tsdb_latest(db, s, 70000, &x) && asim_is_stale_nan(x.v));
    CHECK(asim_tsdb_range(db, s, 0, 70000, &p) == 14);
    asim_tsdb_destroy(db);
}

typedef struct obs { int calls, stale; int64_t last_t; int last_series; } obs;

static void on_append(void *ctx, int series, int64_t t, double v)
{
    obs *o = ctx;
    o->calls++;
    o->stale += asim_is_stale_nan(v);
    o->last_t = t;
    o->last_series = series;
}

static void test_observer(void)
{
    asim_tsdb *db = asim_tsdb_create(0);
    obs o = { 0 };
    asim_tsdb_on_append(db, on_append, &o);
    int a = series2(db, "g", "a"), b = series2(db, "g", "b");
    asim_tsdb_append(db, a, 1000, 1);
    asim_tsdb_append(db, b, 1000, 2);
    asim_tsdb_append(db, a, 1000, 3);        /* ignored: not reported */
    asim_tsdb_append_stale(db, a, 2000);
    CHECK(o.calls == 3);
    CHECK(o.stale == 1);
    CHECK(o.last_t == 2000 && o.last_series == a);
    asim_tsdb_on_append(db, NULL, NULL);
    asim_tsdb_append(db, a, 3000, 1);
    CHECK(o.calls == 3);
    asim_tsdb_destroy(db);
}

static void test_memory_bounded_by_retention(void)
{
    /* 25 series scraped every 5 s with 10 min retention: the live window is
     * 121 samples; the rings stop growing, however long the run */
    asim_tsdb *db = asim_tsdb_create(600000);
    int ids[25];
    char inst[16];
    for (int i = 0; i < 25; i++) {
        snprintf(inst, sizeof inst, "i%d", i);
        ids[i] = series2(db, "g", inst);
    }
    int64_t t = 0;
    size_t cap_early = 0;
    for (int step = 0; step < 200000; step++, t += 5000) {
        for (int i = 0; i < 25; i++) asim_tsdb_append(db, ids[i], t + i, step);
        if (step == 2000) cap_early = asim_tsdb_capacity(db);
    }
    CHECK(asim_tsdb_nsamples(db, ids[0]) == 121);
    CHECK(asim_tsdb_capacity(db) == cap_early);       /* no growth over 11 days */
    CHECK(asim_tsdb_capacity(db) <= 25 * 2 * 256);
    /* the retained window is still fully readable and contiguous */
    const asim_sample *p;
    int64_t last = t - 5000;
    size_t n = asim_tsdb_range(db, ids[3], last - 600000, last + 3, &p);
    CHECK(n == 121);
    for (size_t k = 1; k < n; k++) CHECK(p[k].t - p[k - 1].t == 5000);
    asim_tsdb_destroy(db);
}

int main(void)
{
    RUN(test_stale_nan_bits);
    RUN(test_series_ids_and_labels);
    RUN(test_range_closed_and_latest);
    RUN(test_observer);
    RUN(test_memory_bounded_by_retention);
    return check_report();
}
