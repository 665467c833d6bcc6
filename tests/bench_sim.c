/* bench_sim.c -- end-to-end speed of one simulation (make bench).
 *
 *   bench_sim SCENARIO [--duration S] [--set k=v ...] [--reps N] [--files DIR]
 *
 * Runs asim_simulate N times (default 5) with monitoring and scaling on and
 * prints the median wall time, engine events per second, simulated requests
 * per wall second, speed-up over real time and the process's peak RSS.
 * Without --files no output files are written (what a sweep worker does);
 * with it, every run writes its files into DIR (what `run` does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "../sim/settings.h"
#include "../sim/simulate.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
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
    int reps = 5;
    const char *files = NULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--duration") && i + 1 < argc) cfg.duration = atof(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--files") && i + 1 < argc) files = argv[++i];
        else if (!strcmp(argv[i], "--set") && i + 1 < argc) {
            if (asim_config_set(&cfg, argv[++i], &err)) { fprintf(stderr, "%s\n", err.msg); return 2; }
        } else { fprintf(stderr, "bench_sim: unknown argument %s\n", argv[i]); return 2; }
    }
    if (asim_config_validate(&cfg, &err)) { fprintf(stderr, "%s\n", err.msg); return 2; }
    if (reps < 1) reps = 1;
    double *wall = calloc((size_t)reps, sizeof *wall);
    asim_run_stats st = { 0 };
    for (int r = 0; r < reps; r++) {
        asim_summary sum;
        double t0 = now_s();
        if (asim_simulate(&cfg, cfg.seed, files, 0, &sum, &st, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
        wall[r] = now_s() - t0;
    }
    qsort(wall, (size_t)reps, sizeof *wall, cmp_double);
    double med = wall[reps / 2];
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%-28s sim %7.0f s  wall %8.4f s (median of %d, min %.4f max %.4f)  "
           "%6.2f M events/s  %6.2f M requests/s  x%.0f real time  peak RSS %ld KiB\n",
           cfg.name, st.simulated_seconds, med, reps, wall[0], wall[reps - 1],
           st.events / med / 1e6, st.requests / med / 1e6, st.simulated_seconds / med, ru.ru_maxrss);
    free(wall);
    asim_config_free(&cfg);
    return 0;
}
