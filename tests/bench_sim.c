/* bench_sim.c -- end-to-end speed of one simulation (make bench), as a
 * ratio to a bare M/M/1 loop built here, so the machine's speed cancels out.
 *
 *   bench_sim SCENARIO [--duration S] [--set k=v ...] [--reps N] [--files DIR]
 *   bench_sim SCENARIO --setup [--set k=v ...] [--reps N]
 *
 * --setup prints the median CPU time of whole runs with no traffic
 * (a profile of rate 0, 1 simulated second): creating and destroying the
 * replicas, their Prometheus targets and the rest of the model.
 * Each of N rounds (default 5) runs, back to back (interleaved, so a noisy
 * neighbour hits all alike): the bare loop, asim_simulate without files (what
 * a sweep worker does) and, with --files, asim_simulate writing every file
 * into DIR (what `run` does).  Times are CPU time of this process; the
 * medians are printed per simulated request, with the ratio
 * bare-ns-per-request / sim-ns-per-request (1.0: as fast as the bare loop),
 * plus the engine's events/s, speed-up over real time and peak RSS.
 *
 * The bare loop is the textbook next-event M/M/1 simulation (Law & Kelton):
 * GSL MT19937 -- the generator the simulator uses -- with -log(U) exponential
 * gaps and service times, a FIFO ring of arrival times, the response time of
 * every request summed.  It is what a minimal hand-written C program of the
 * same request stream does; it has no monitoring, scaling or output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <gsl/gsl_rng.h>

#include "sim/config/settings.h"
#include "sim/run/simulate.h"

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* n requests through an M/M/1 queue at rho = lambda/mu; the sum of response
 * times (returned so the compiler cannot drop the work). */
static double bare_mm1(long n, double lambda, double mu, gsl_rng *r)
{
    enum { RING = 1 << 16 };                 /* queue length never near this at rho 0.7 */
    static double ring[RING];
    size_t head = 0, tail = 0;
    double t_arr = -log(1 - gsl_rng_uniform(r)) / lambda, t_dep = INFINITY, sum = 0;
    long done = 0;
    while (done < n) {
        if (t_arr < t_dep) {                 /* arrival */
            if (head == tail) t_dep = t_arr - log(1 - gsl_rng_uniform(r)) / mu;
            ring[tail++ & (RING - 1)] = t_arr;
            t_arr += -log(1 - gsl_rng_uniform(r)) / lambda;
        } else {                             /* departure */
            sum += t_dep - ring[head++ & (RING - 1)];
            done++;
            t_dep = head == tail ? INFINITY : t_dep - log(1 - gsl_rng_uniform(r)) / mu;
        }
    }
    return sum;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_sim SCENARIO [--duration S] [--set k=v ...] [--reps N] [--files DIR]\n");
        return 2;
    }
    asim_config cfg;
    asim_err err;
    asim_config_defaults(&cfg);
    if (asim_config_load(&cfg, argv[1], &err)) { fprintf(stderr, "%s\n", err.msg); return 2; }
    int reps = 5, setup = 0;
    const char *files = NULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--duration") && i + 1 < argc) cfg.duration = atof(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--files") && i + 1 < argc) files = argv[++i];
        else if (!strcmp(argv[i], "--setup")) setup = 1;
        else if (!strcmp(argv[i], "--set") && i + 1 < argc) {
            if (asim_config_set(&cfg, argv[++i], &err)) { fprintf(stderr, "%s\n", err.msg); return 2; }
        } else { fprintf(stderr, "bench_sim: unknown argument %s\n", argv[i]); return 2; }
    }
    if (setup) {
        /* no traffic: a profile of rate 0 (a rate_multiplier of 0 means 1,
         * traffic.c, so it left a --set profile's traffic running: with the
         * replicas table's profile the "set-up" carried 466,670 requests) */
        cfg.duration = 1;
        if (asim_config_set(&cfg, "traffic.profile=[{\"type\":\"constant\",\"duration\":1,\"rate\":0}]", &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 2;
        }
    }
    if (asim_config_validate(&cfg, &err)) { fprintf(stderr, "%s\n", err.msg); return 2; }
    if (reps < 1) reps = 1;
    if (setup) {
        double *t = calloc((size_t)reps, sizeof *t);
        for (int k = 0; k < reps; k++) {
            asim_summary sum;
            asim_run_stats st = { 0 };
            double t0 = cpu_s();
            if (asim_simulate(&cfg, cfg.seed, NULL, 0, &sum, &st, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
            t[k] = cpu_s() - t0;
        }
        printf("set-up of %d replicas: %.1f ms CPU (median of %d)\n", cfg.container.initial_replicas,
               median(t, reps) * 1e3, reps);
        free(t);
        asim_config_free(&cfg);
        return 0;
    }
    double *bare = calloc((size_t)reps, sizeof *bare), *nofiles = calloc((size_t)reps, sizeof *nofiles);
    double *withfiles = calloc((size_t)reps, sizeof *withfiles);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 1);
    asim_run_stats st = { 0 };
    double sink = 0;
    for (int k = 0; k < reps; k++) {
        asim_summary sum;
        double t0 = cpu_s();
        if (asim_simulate(&cfg, cfg.seed, NULL, 0, &sum, &st, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
        nofiles[k] = (cpu_s() - t0) / (double)(st.requests ? st.requests : 1);
        if (files) {
            t0 = cpu_s();
            if (asim_simulate(&cfg, cfg.seed, files, 0, &sum, &st, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
            withfiles[k] = (cpu_s() - t0) / (double)(st.requests ? st.requests : 1);
        }
        /* as many requests as the simulation, at most 5 M (the cost per
         * request of the bare loop does not depend on n) */
        long n = st.requests < 5000000 ? (long)st.requests : 5000000;
        if (n < 100000) n = 100000;
        t0 = cpu_s();
        sink += bare_mm1(n, 0.7, 1.0, r);
        bare[k] = (cpu_s() - t0) / (double)n;
    }
    double b = median(bare, reps), s0 = median(nofiles, reps);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%-12s sim %8.0f s %10llu req  bare %5.1f ns/req  no files %6.1f ns/req (x%.2f of bare)",
           cfg.name, st.simulated_seconds, (unsigned long long)st.requests, b * 1e9, s0 * 1e9, b / s0);
    if (files) {
        double s1 = median(withfiles, reps);
        printf("  files %6.1f ns/req (x%.2f of bare; output %.0f %% of run)", s1 * 1e9, b / s1,
               100 * (s1 - s0) / s1);
    }
    printf("  %.2f M events/s  x%.0f real time  peak RSS %ld KiB  [median of %d, CPU time]%s\n",
           (double)st.events / (s0 * (double)st.requests) / 1e6, st.simulated_seconds / (s0 * (double)st.requests),
           ru.ru_maxrss, reps, sink == 42 ? " " : "");
    gsl_rng_free(r);
    free(bare);
    free(nofiles);
    free(withfiles);
    asim_config_free(&cfg);
    return 0;
}
