/* test_simulate.c -- the run loop (sim/run/simulate.c): determinism, request
 * accounting, the per-second rows against the summary, the error classes.
 *
 * The expectations are conservation laws and the contract in simulate.h,
 * not recorded outputs (those are the golden tests, tests/cli/test_golden.sh). */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sim/config/settings.h"
#include "sim/run/simulate.h"

/* 60 s at 20 req/s, then nothing until 120 s: every request has ended by
 * the horizon. */
static void scenario(asim_config *cfg)
{
    asim_err err;
    asim_config_defaults(cfg);
    CHECK(asim_config_set(cfg, "traffic.profile=[{\"type\":\"constant\",\"duration\":60,\"rate\":20}]", &err) == 0);
    CHECK(asim_config_set(cfg, "duration=2m", &err) == 0);
    CHECK_MSG(asim_config_validate(cfg, &err) == 0, "%s", err.msg);
}

static double get(const asim_summary *s, const char *name)
{
    int found = 0;
    double v = asim_summary_get(s, name, &found);
    CHECK_MSG(found, "summary lacks %s", name);
    return v;
}

static void test_deterministic(void)
{
    asim_config cfg;
    scenario(&cfg);
    asim_summary a, b, c;
    asim_err err;
    asim_summary_init(&a, "t", 3);
    asim_summary_init(&b, "t", 3);
    asim_summary_init(&c, "t", 4);
    CHECK(asim_simulate(&cfg, 3, NULL, 0, &a, NULL, &err) == 0);
    CHECK(asim_simulate(&cfg, 3, NULL, 0, &b, NULL, &err) == 0);
    CHECK(asim_simulate(&cfg, 4, NULL, 0, &c, NULL, &err) == 0);
    CHECK(a.n == b.n && a.n > 10);
    int same = 1;
    for (size_t i = 0; i < a.n; i++)
        same &= strcmp(a.m[i].name, b.m[i].name) == 0 &&
                memcmp(&a.m[i].value, &b.m[i].value, sizeof(double)) == 0;
    CHECK(same);
    CHECK(get(&a, "requests") != get(&c, "requests"));   /* independent streams per seed */
    asim_config_free(&cfg);
}

static void test_accounting(void)
{
    asim_config cfg;
    scenario(&cfg);
    asim_summary s;
    asim_run_stats st;
    asim_err err;
    asim_summary_init(&s, "t", 1);
    CHECK(asim_simulate(&cfg, 1, NULL, 0, &s, &st, &err) == 0);
    double req = get(&s, "requests");
    /* Poisson arrivals at 20/s for 60 s: mean 1200, sd ~34.6; 5 sd. */
    CHECK_MSG(fabs(req - 1200) < 5 * sqrt(1200), "requests %g", req);
    /* every request ends one way */
    CHECK(req == get(&s, "completed") + get(&s, "rejected") + get(&s, "timeouts"));
    CHECK(st.requests == (uint64_t)req);
    CHECK(st.simulated_seconds == 120);
    CHECK(st.events > st.requests);
    asim_config_free(&cfg);
}

/* The per-second rows add up to the summary's totals. */
static void test_rows_match_summary(void)
{
    asim_config cfg;
    scenario(&cfg);
    char dir[] = "/tmp/asim_test_simulate_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    asim_summary s;
    asim_err err;
    asim_summary_init(&s, "t", 5);
    CHECK_MSG(asim_simulate(&cfg, 5, dir, 0, &s, NULL, &err) == 0, "%s", err.msg);
    char path[256], line[1024];
    snprintf(path, sizeof path, "%s/timeseries.csv", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    long rows = 0;
    double arrivals = 0, completions = 0;
    if (f) {
        CHECK(fgets(line, sizeof line, f) && strncmp(line, "time,arrivals,completions,", 26) == 0);
        while (fgets(line, sizeof line, f)) {
            long t;
            double a, c;
            if (sscanf(line, "%ld,%lf,%lf", &t, &a, &c) == 3) {
                CHECK(t == rows);               /* one row a second, from 0 */
                arrivals += a;
                completions += c;
            }
            rows++;
        }
        fclose(f);
    }
    CHECK(rows == 120);
    CHECK(arrivals == get(&s, "requests"));
    CHECK(completions == get(&s, "completed"));
    static const char *const files[] = { "timeseries.csv", "events.csv", "scaler.log", "alerts.csv",
                                         "summary.json" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        CHECK_MSG(access(path, R_OK) == 0, "%s missing", files[i]);
        unlink(path);
    }
    rmdir(dir);
    asim_config_free(&cfg);
}

/* An unwritable output directory is a runtime error (exit 1), never bad
 * input (exit 2). */
static void test_runtime_error_class(void)
{
    asim_config cfg;
    scenario(&cfg);
    asim_summary s;
    asim_err err = { "" };
    asim_summary_init(&s, "t", 1);
    int rc = asim_simulate(&cfg, 1, "/nonexistent/asim/dir", 0, &s, NULL, &err);
    CHECK(rc == ASIM_ERUNTIME);
    CHECK(strstr(err.msg, "/nonexistent/asim/dir") != NULL);
    asim_config_free(&cfg);
}

int main(void)
{
    RUN(test_deterministic);
    RUN(test_accounting);
    RUN(test_rows_match_summary);
    RUN(test_runtime_error_class);
    return check_report();
}
