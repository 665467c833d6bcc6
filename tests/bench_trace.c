/* bench_trace.c -- how fast a big access log replays, and in how much memory.
 *
 *   bench_trace [--lines N] [--rate R] [--file PATH] [--keep] [--phase P]
 *
 * Writes a Combined Log Format access log of N lines (default 10 million,
 * R requests per second, default 1000, paths from a small realistic mix) to
 * PATH (default a temporary file, removed afterwards unless --keep), then
 * times, each on a fresh reader:
 *   read    the reader alone (parse every line)
 *   source  the transformed trace source (spreading within each second,
 *           multiplier 1): what a simulation pulls
 *   sim     a whole simulation replaying it with a request class chosen by
 *           path regex (asim_simulate, no output files; 20 replicas, so the
 *           loop stays stable) -- for the share of run time the trace takes
 * and prints lines/s and the process's peak RSS after each phase.  --phase
 * runs one phase only (so /usr/bin/time -v sees its memory alone). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "models/trace/trace_transform.h"
#include "sim/config/settings.h"
#include "sim/run/simulate.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void generate(const char *path, long lines, double rate)
{
    static const char *const paths[] = {
        "/", "/product/123", "/product/77?ref=home", "/static/app.js", "/static/app.css",
        "/api/cart", "/api/report?month=3", "/login", "/product/9", "/search?q=shoes",
    };
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); exit(1); }
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    int64_t t0 = INT64_C(1705320000) * ASIM_NS_PER_SEC, last = -1;
    char date[48] = "";
    uint64_t x = 88172645463325252u;                /* xorshift: fast and fixed */
    for (long i = 0; i < lines; i++) {
        int64_t t = t0 + (int64_t)((double)i / rate * 1e9);
        int64_t s = t / ASIM_NS_PER_SEC;
        if (s != last) {
            asim_time_format_clf(s * ASIM_NS_PER_SEC, 3600, date, sizeof date);
            last = s;
        }
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        fprintf(f, "10.%u.%u.%u - - [%s] \"GET %s HTTP/1.1\" 200 %u \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"\n",
                (unsigned)(x & 255), (unsigned)(x >> 8 & 255), (unsigned)(x >> 16 & 255), date,
                paths[x >> 24 & 7 ? (x >> 24) % 10 : 6], (unsigned)(x >> 32 & 65535));
    }
    if (fclose(f) != 0) { perror(path); exit(1); }
}


static void phase_read(const char *path, long lines)
{
    asim_trace_opts o;
    asim_trace_opts_init(&o, ASIM_TRACE_ACCESS_LOG);
    asim_err err;
    double t = now_s();
    asim_trace_reader *r = asim_trace_open(path, &o, NULL, &err);
    if (!r) { fprintf(stderr, "%s\n", err.msg); exit(1); }
    asim_trace_rec rec;
    long n = 0;
    int k;
    while ((k = asim_trace_next(r, &rec, &err)) == 1) n++;
    if (k < 0) { fprintf(stderr, "%s\n", err.msg); exit(1); }
    asim_trace_close(r);
    t = now_s() - t;
    printf("read    %ld lines in %.2f s: %.3g lines/s, %.0f ns/line; peak RSS %ld KiB\n",
           n, t, n / t, t / n * 1e9, peak_rss_kib());
    if (n != lines) { fprintf(stderr, "bench_trace: read %ld of %ld lines\n", n, lines); exit(1); }
}

static void phase_source(const char *path, long lines)
{
    asim_trace_spec sp;
    asim_trace_spec_defaults(&sp);
    snprintf(sp.name, sizeof sp.name, "bench");
    snprintf(sp.path, sizeof sp.path, "%s", path);
    sp.format = ASIM_TRACE_ACCESS_LOG;
    sp.on_error = ASIM_ONERR_FAIL;
    asim_trace_source_params p;
    memset(&p, 0, sizeof p);
    p.spec = &sp;
    p.path = path;
    p.seed = 1;
    p.fixed_class = -1;
    int rc;
    asim_err err;
    double t = now_s();
    asim_source *s = asim_trace_source_create(&p, &rc, &err);
    if (!s) { fprintf(stderr, "%s\n", err.msg); exit(1); }
    long n = 0;
    int cls;
    asim_time last = 0, a;
    while ((a = asim_source_next(s, last, &cls)) != ASIM_TIME_MAX) { last = a; n++; }
    if (asim_trace_source_error(s, &err)) { fprintf(stderr, "%s\n", err.msg); exit(1); }
    asim_source_destroy(s);
    t = now_s() - t;
    printf("source  %ld requests in %.2f s: %.3g requests/s, %.0f ns/request; peak RSS %ld KiB\n",
           n, t, n / t, t / n * 1e9, peak_rss_kib());
    if (n != lines) { fprintf(stderr, "bench_trace: replayed %ld of %ld requests\n", n, lines); exit(1); }
}

static void phase_sim(const char *path, long lines, double rate)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"name\": \"bench_trace\", \"duration\": %.0f,"
             " \"container\": {\"initial_replicas\": 20}, \"scaler\": {\"max_replicas\": 40},"
             " \"classes\": [{\"name\": \"report\", \"path_regex\": \"^/api/report\"}],"
             " \"traces\": [{\"name\": \"bench\", \"path\": \"%s\", \"format\": \"access_log\"}]}",
             (double)lines / rate + 1, path);
    asim_config cfg;
    asim_err err;
    asim_config_defaults(&cfg);
    if (asim_config_load_text(&cfg, json, "bench_trace.json", &err) || asim_config_validate(&cfg, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    asim_summary sum;
    asim_run_stats st = { 0 };
    double t = now_s();
    if (asim_simulate(&cfg, 1, NULL, 0, &sum, &st, &err)) { fprintf(stderr, "%s\n", err.msg); exit(1); }
    t = now_s() - t;
    printf("sim     %llu requests, %llu events in %.2f s: %.3g requests/s, %.3g events/s; peak RSS %ld KiB\n",
           (unsigned long long)st.requests, (unsigned long long)st.events, t, st.requests / t,
           st.events / t, peak_rss_kib());
    asim_config_free(&cfg);
}

int main(int argc, char **argv)
{
    long lines = 10000000;
    double rate = 1000;
    const char *file = NULL, *phase = NULL;
    int keep = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--lines") && i + 1 < argc) lines = atol(argv[++i]);
        else if (!strcmp(argv[i], "--rate") && i + 1 < argc) rate = atof(argv[++i]);
        else if (!strcmp(argv[i], "--file") && i + 1 < argc) file = argv[++i];
        else if (!strcmp(argv[i], "--phase") && i + 1 < argc) phase = argv[++i];
        else if (!strcmp(argv[i], "--keep")) keep = 1;
        else {
            fprintf(stderr, "usage: bench_trace [--lines N] [--rate R] [--file PATH] [--keep] "
                            "[--phase gen|read|source|sim]\n");
            return 2;
        }
    }
    if (lines < 1 || !(rate > 0)) return 2;
    char tmp[] = "/tmp/asim-bench-trace-XXXXXX";
    if (!file) {
        int fd = mkstemp(tmp);
        if (fd < 0) { perror("mkstemp"); return 1; }
        close(fd);
        file = tmp;
    }
    int want = !phase;
    if (want || !strcmp(phase, "gen") || access(file, R_OK) != 0) {
        double t = now_s();
        generate(file, lines, rate);
        printf("gen     %ld lines in %.2f s\n", lines, now_s() - t);
    }
    if (want || !strcmp(phase, "read")) phase_read(file, lines);
    if (want || !strcmp(phase, "source")) phase_source(file, lines);
    if (want || !strcmp(phase, "sim")) phase_sim(file, lines, rate);
    if (file == tmp && !keep) unlink(tmp);
    return 0;
}
