/* test_summary.c -- the ordered metric list: insertion order, overwrite, lookup. */
#include "sim/engine/summary.h"
#include "check.h"

#include <stdio.h>

static void test_order_overwrite_get(void)
{
    static asim_summary s;
    asim_summary_init(&s, "spike", 42);
    CHECK_STR(s.scenario, "spike");
    CHECK(s.seed == 42 && s.n == 0);
    asim_summary_set(&s, "requests", 100);
    asim_summary_set(&s, "latency_p99", 0.5);
    asim_summary_set(&s, "alert_firing_seconds.HighResponseTime", NAN);
    asim_summary_set(&s, "requests", 101);          /* overwrite keeps the position */
    CHECK(s.n == 3);
    CHECK_STR(s.m[0].name, "requests");
    CHECK_STR(s.m[1].name, "latency_p99");
    CHECK(s.m[0].value == 101);
    int found = -1;
    CHECK(asim_summary_get(&s, "latency_p99", &found) == 0.5 && found == 1);
    CHECK(isnan(asim_summary_get(&s, "alert_firing_seconds.HighResponseTime", &found)) && found == 1);
    CHECK(isnan(asim_summary_get(&s, "nope", &found)) && found == 0);
    CHECK(isnan(asim_summary_get(&s, "nope", NULL)));
}

static void test_capacity_and_long_scenario(void)
{
    static asim_summary s;
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    asim_summary_init(&s, longname, 1);
    CHECK(strlen(s.scenario) == sizeof s.scenario - 1);
    char name[32];
    for (int i = 0; i < ASIM_SUMMARY_MAX; i++) {
        snprintf(name, sizeof name, "m%d", i);
        asim_summary_set(&s, name, i);
    }
    CHECK(s.n == ASIM_SUMMARY_MAX);
    CHECK(asim_summary_get(&s, "m159", NULL) == 159);
    /* Re-initialising clears everything. */
    asim_summary_init(&s, NULL, 2);
    CHECK(s.n == 0 && s.scenario[0] == '\0');
}

int main(void)
{
    RUN(test_order_overwrite_get);
    RUN(test_capacity_and_long_scenario);
    return check_report();
}
