/* test_openmetrics.c -- the OpenMetrics exporter: file layout (families
 * sorted and contiguous, series contiguous, HELP/TYPE, # EOF), markers and
 * duplicates skipped, spilling gives the same bytes as buffering, timestamps
 * that Prometheus's parser reads back to the exact millisecond, RFC 3339.
 * The round trip through real promtool/prometheus is
 * tests/cli/test_openmetrics.sh. */
#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "models/prometheus/openmetrics.h"
#include "models/prometheus/tsdb.h"

static char dir[] = "/tmp/asim_om_XXXXXX";

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n) n = 0;
    b[n] = 0;
    fclose(f);
    return b;
}

/* Prometheus's reading of a timestamp: int64(ParseFloat(text) * 1000). */
static int64_t prom_ts(const char *text) { return (int64_t)(strtod(text, NULL) * 1000.0); }

static void test_timestamps_read_back_exactly(void)
{
    char buf[64];
    /* 1001 ms written as "1.001" reads back as 1000 (checked with promtool
     * 2.42: block min time 1000) -- the reason for asim_om_format_ts. */
    CHECK(prom_ts("1.001") == 1000);
    static const int64_t ms[] = { 0, 1, 999, 1000, 1001, 1003, 1024003, 123456789, 1705312800000,
                                  1705312800123, 1705312804999, 4102444800001 };
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        asim_om_format_ts(buf, sizeof buf, ms[i]);
        CHECK_MSG(prom_ts(buf) == ms[i], "%lld -> %s", (long long)ms[i], buf);
        CHECK(!strchr(buf, 'e'));
    }
    int bad = 0;
    for (int64_t m = 0; m < 200000; m += 7) {
        asim_om_format_ts(buf, sizeof buf, m);
        bad += prom_ts(buf) != m;
    }
    CHECK(bad == 0);
    asim_om_format_ts(buf, sizeof buf, 1705312800123);
    CHECK_STR(buf, "1705312800.123");
    asim_om_format_ts(buf, sizeof buf, 1705312800000);
    CHECK_STR(buf, "1705312800");
    asim_om_format_ts(buf, sizeof buf, 1705312800100);
    CHECK_STR(buf, "1705312800.1");
    asim_om_format_ts(buf, sizeof buf, 1001);            /* "1.001" would read as 1000 */
    CHECK(strcmp(buf, "1.001") != 0 && prom_ts(buf) == 1001);
}

/* Two scrapes' worth of interleaved appends; returns the file text. */
static char *export(size_t budget, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    asim_err err;
    asim_om *om;
    CHECK(asim_om_create(path, 1705312800000, &om, &err) == 0);
    CHECK(om != NULL);
    if (budget) asim_om_set_budget(om, budget);
    asim_tsdb *db = asim_tsdb_create(0);
    asim_om_attach(om, db);
    asim_label up_b[] = { { "__name__", "up" }, { "instance", "b:1" }, { "job", "w" } };
    asim_label up_a[] = { { "__name__", "up" }, { "instance", "a:1" }, { "job", "w" } };
    asim_label cpu[] = { { "__name__", "container_cpu_usage_seconds_total" }, { "instance", "a:1" } };
    asim_label odd[] = { { "__name__", "zz_custom" }, { "path", "q\"x\\y\nz" } };
    int sb = asim_tsdb_series(db, up_b, 3), sa = asim_tsdb_series(db, up_a, 3);
    int sc = asim_tsdb_series(db, cpu, 2), so = asim_tsdb_series(db, odd, 2);
    for (int k = 0; k < 40; k++) {
        int64_t t = k * 5000;
        asim_tsdb_append(db, sb, t + 1250, 1);
        asim_tsdb_append(db, sa, t + 3001, k == 3 ? 0 : 1);
        asim_tsdb_append(db, sa, t + 3001, 7);             /* duplicate: ignored */
        asim_tsdb_append(db, sc, t + 3001, 0.1 * k);
        if (k == 20) asim_tsdb_append_stale(db, sc, t + 4000);
    }
    asim_tsdb_append(db, so, 0, 1.5);
    asim_tsdb_append(db, so, 10, INFINITY);
    CHECK(asim_om_count(om) == 40 * 3 + 2);
    CHECK(asim_om_finish(om, &err) == 0);
    asim_tsdb_append(db, so, 20, 3);                        /* detached: no crash */
    asim_tsdb_destroy(db);
    char *text = slurp(path);
    CHECK(text != NULL);
    return text;
}

static void test_layout(void)
{
    char *t = export(0, "a.om");
    if (!t) return;
    /* families sorted by name, each with HELP and TYPE once */
    const char *cpu = strstr(t, "# HELP container_cpu_usage_seconds ");
    const char *cput = strstr(t, "# TYPE container_cpu_usage_seconds counter\n");
    const char *up = strstr(t, "# TYPE up gauge\n");
    const char *zz = strstr(t, "# TYPE zz_custom unknown\n");
    CHECK(t == cpu && cput && up && zz && cput < up && up < zz);
    /* series contiguous and sorted: all of a:1 before b:1 */
    const char *last_a = NULL, *first_b = strstr(t, "up{instance=\"b:1\"");
    for (const char *p = strstr(t, "up{instance=\"a:1\""); p; p = strstr(p + 1, "up{instance=\"a:1\"")) last_a = p;
    CHECK(last_a && first_b && last_a < first_b);
    /* a sample line: value, then Unix seconds with milliseconds */
    CHECK(strstr(t, "\nup{instance=\"a:1\",job=\"w\"} 0 1705312818.001\n") != NULL);
    CHECK(strstr(t, "\nup{instance=\"b:1\",job=\"w\"} 1 1705312801.25\n") != NULL);
    CHECK(strstr(t, "\ncontainer_cpu_usage_seconds_total{instance=\"a:1\"} 0.30000000000000004 1705312818.001\n") != NULL);
    CHECK(strstr(t, " 7 ") == NULL);                      /* the duplicate */
    CHECK(strstr(t, "NaN") == NULL);                       /* the marker */
    CHECK(strstr(t, "zz_custom{path=\"q\\\"x\\\\y\\nz\"} +Inf 1705312800.01\n") != NULL);
    /* 40 samples per series, 2 for zz, 3 x 2 metadata lines, # EOF last */
    int lines = 0;
    for (const char *p = t; *p; p++) lines += *p == '\n';
    CHECK(lines == 40 * 3 + 2 + 6 + 1);
    size_t n = strlen(t);
    CHECK(n > 6 && strcmp(t + n - 6, "# EOF\n") == 0);
    char *t2 = export(100, "b.om");                        /* spills every few samples */
    CHECK(t2 && strcmp(t, t2) == 0);
    free(t2);
    free(t);
    /* nothing else left in the directory (temporaries and spill files) */
    char cmd[300];
    snprintf(cmd, sizeof cmd, "test $(ls %s | wc -l) -eq 2", dir);
    CHECK(system(cmd) == 0);
}

static void test_abort_and_bad_dir(void)
{
    asim_err err;
    asim_om *none;
    CHECK(asim_om_create("/nonexistent/dir/x.om", 0, &none, &err) == ASIM_ERUNTIME && none == NULL);
    CHECK(strstr(err.msg, "/nonexistent/dir/x.om") != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/c.om", dir);
    asim_om *om;
    CHECK(asim_om_create(path, 0, &om, &err) == 0);
    asim_tsdb *db = asim_tsdb_create(0);
    asim_om_attach(om, db);
    asim_label l[] = { { "__name__", "x" } };
    asim_tsdb_append(db, asim_tsdb_series(db, l, 1), 5, 1);
    asim_om_abort(om);
    asim_om_abort(NULL);
    asim_tsdb_append(db, 0, 6, 1);
    asim_tsdb_destroy(db);
    CHECK(access(path, F_OK) != 0);
}

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    RUN(test_timestamps_read_back_exactly);
    RUN(test_layout);
    RUN(test_abort_and_bad_dir);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    return check_report();
}
