/* bench_stats.c -- cost of the per-request and per-second statistics
 * primitives: asim_hist_add (runs twice per request), the per-second
 * reset + p50/p95/p99, and asim_fmt_double (every number written).
 * Figures are medians of 5 runs.  Usage: bench_stats [--quick] */
#include "sim/engine/output.h"
#include "sim/engine/stats.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median5(double *t)
{
    qsort(t, 5, sizeof t[0], cmp_double);
    return t[2];
}

#define NV 65536

int main(int argc, char **argv)
{
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    static double v[NV];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 1);
    for (int i = 0; i < NV; i++)
        v[i] = gsl_ran_lognormal(r, -2.5, 0.8);     /* latencies around 80 ms */
    gsl_rng_free(r);
    asim_hist *h = asim_hist_create();
    double t[5], sink = 0;
    size_t n = quick ? 1000000 : 5000000;

    for (int k = 0; k < 5; k++) {
        asim_hist_reset(h);
        double t0 = now_ns();
        for (size_t i = 0; i < n; i++)
            asim_hist_add(h, v[i & (NV - 1)]);
        t[k] = (now_ns() - t0) / (double)n;
        sink += asim_hist_mean(h);
    }
    printf("hist_add                     %8.2f ns\n", median5(t));

    /* One simulated second: m requests, then p50/p95/p99 and a reset. */
    static const double qs[3] = { 0.5, 0.95, 0.99 };
    int sizes[] = { 50, 1000, 20000 };
    for (size_t s = 0; s < 3; s++) {
        int m = sizes[s], reps = (quick ? 400000 : 3000000) / (m + 200);
        double tq[5], tq3[5], tr[5];
        for (int k = 0; k < 5; k++) {
            double a = 0, b = 0, c = 0, out[3];
            for (int rep = 0; rep < reps; rep++) {
                for (int i = 0; i < m; i++)
                    asim_hist_add(h, v[(rep * 7919 + i) & (NV - 1)]);
                double t0 = now_ns();
                asim_hist_quantiles(h, qs, 3, out);
                double t1 = now_ns();
                for (int j = 0; j < 3; j++)
                    out[j] += asim_hist_quantile(h, qs[j]);
                double t2 = now_ns();
                asim_hist_reset(h);
                double t3 = now_ns();
                a += t1 - t0;
                b += t2 - t1;
                c += t3 - t2;
                sink += out[0];
            }
            tq[k] = a / reps;
            tq3[k] = b / reps;
            tr[k] = c / reps;
        }
        printf("second of %5d: quantiles(3) %8.0f ns, 3 x quantile %8.0f ns, reset %6.0f ns\n",
               m, median5(tq), median5(tq3), median5(tr));
    }

    /* For comparison: clearing every bucket (4672 x 8 bytes) each second. */
    static uint64_t all[4672];
    for (int k = 0; k < 5; k++) {
        double t0 = now_ns();
        for (int i = 0; i < 10000; i++) {
            memset(all, 0, sizeof all);
            __asm__ volatile("" : : "r"(all) : "memory");
        }
        t[k] = (now_ns() - t0) / 10000;
    }
    printf("memset of all buckets        %8.0f ns\n", median5(t));

    char buf[ASIM_FMT_DOUBLE_LEN];
    size_t nf = quick ? 50000 : 300000;
    for (int k = 0; k < 5; k++) {
        double t0 = now_ns();
        for (size_t i = 0; i < nf; i++) {
            asim_fmt_double(buf, sizeof buf, v[i & (NV - 1)]);
            sink += buf[0];
        }
        t[k] = (now_ns() - t0) / (double)nf;
    }
    printf("fmt_double (random latency)  %8.0f ns\n", median5(t));
    for (int k = 0; k < 5; k++) {
        double t0 = now_ns();
        for (size_t i = 0; i < nf; i++) {
            asim_fmt_double(buf, sizeof buf, (double)(i % 1000) / 100);
            sink += buf[0];
        }
        t[k] = (now_ns() - t0) / (double)nf;
    }
    printf("fmt_double (2 decimals)      %8.0f ns\n", median5(t));
    asim_hist_destroy(h);
    return sink == 42.0;       /* keeps the work observable */
}
