/* test_alerts.c -- alert rules: the state machine on the examples of
 * semantics.md A5 (worked by hand below), keep_firing_for, multiple
 * instances, duplicate label sets, ALERTS series, summary metrics, and the
 * settings (defaults, override, replace, ${} substitution, error paths).
 *
 * The series for the A5 examples: x = 0.2 every 5 s, 1.0 from 45 s to 100 s.
 * avg_over_time(x[30s]) holds 7 samples (both ends inclusive), k of them
 * 1.0: (1.4 + 0.8 k) / 7 > 0.5 iff k >= 3.  k >= 3 from t = 55 (45,50,55)
 * to t = 120 (90,95,100); at 125 only 95,100 remain.  So with for 10s every
 * 5 s: pending 55, firing 65, resolved 125; for 30s every 5 s: firing 85;
 * every 10 s (grid 0,10,..): first true at 60, firing at 90. */
#define _GNU_SOURCE
#include "check.h"

#include <stdlib.h>
#include "models/scenario/config.h"
#include "sim/config/settings.h"
#include "models/prometheus/alerts.h"
#include "models/promql/promql.h"
#include "models/prometheus/tsdb.h"

/* asim_alerts_create's result, NULL on error (the class is checked where it
 * matters: bad rules are ASIM_EINPUT). */
static asim_alerts *alerts_of(const asim_config *cfg, asim_err *err)
{
    asim_alerts *a = (asim_alerts *)1;
    int rc = asim_alerts_create(cfg, &a, err);
    CHECK((rc == 0) == (a != NULL));
    CHECK(rc == 0 || rc == ASIM_EINPUT);
    return a;
}

static asim_config cfg;

/* A config with exactly the given rules (JSON array text). */
static int load(const char *rules, const char *extra, asim_err *err)
{
    asim_config_free(&cfg);
    asim_config_defaults(&cfg);
    char text[4096];
    snprintf(text, sizeof text, "{\"alerts\": {\"rules\": %s, \"replace_defaults\": true}%s%s}",
             rules, extra ? ", " : "", extra ? extra : "");
    int rc = asim_config_load_text(&cfg, text, "t.json", err);
    if (rc == 0) rc = asim_config_validate(&cfg, err);
    return rc;
}

static asim_tsdb *series_x(void)
{
    asim_tsdb *db = asim_tsdb_create(0);
    asim_label l[] = { { "__name__", "x" }, { "job", "webapp" } };
    int s = asim_tsdb_series(db, l, 2);
    for (int t = 0; t <= 300; t += 5)
        asim_tsdb_append(db, s, t * 1000, (t >= 45 && t <= 100) ? 1.0 : 0.2);
    return db;
}

/* Evaluate every step seconds from 0 to end; the CSV text (caller frees). */
static char *run(asim_alerts *a, asim_tsdb *db, int step, int end)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    for (int t = 0; t <= end; t += step) asim_alerts_eval(a, db, (int64_t)t * 1000, f);
    fclose(f);
    return buf;
}

/* The time of the first row with this state, or -1. */
static double first(const char *csv, const char *state)
{
    char pat[64];
    snprintf(pat, sizeof pat, ",%s,", state);
    const char *p = strstr(csv, pat);
    if (!p) return -1;
    while (p > csv && p[-1] != '\n') p--;
    return atof(p);
}

static int count_rows(const char *csv)
{
    int n = 0;
    for (const char *p = csv; *p; p++) n += *p == '\n';
    return n;
}

static void test_for_10s_every_5s(void)
{
    asim_err err;
    CHECK(load("[{\"alert\": \"High\", \"expr\": \"avg(avg_over_time(x[30s])) > 0.5\", \"for\": 10}]", NULL, &err) == 0);
    asim_alerts *a = alerts_of(&cfg, &err);
    CHECK(a != NULL);
    asim_tsdb *db = series_x();
    char *csv = run(a, db, 5, 200);
    CHECK(first(csv, "pending") == 55);
    CHECK(first(csv, "firing") == 65);
    CHECK(first(csv, "resolved") == 125);
    CHECK_MSG(count_rows(csv) == 3, "%s", csv);
    /* The value is the expression's value at that instant (bit-equal). */
    char msg[200];
    asim_promql *e = asim_promql_parse("avg(avg_over_time(x[30s]))", msg, sizeof msg);
    asim_promql_result r = {0};
    CHECK(asim_promql_eval(e, db, 55000, 300000, &r, msg, sizeof msg) == 0 && r.n == 1);
    char want[128];
    snprintf(want, sizeof want, "55,High,\"{alertname=\"\"High\"\"}\",pending,");
    CHECK_MSG(strncmp(csv, want, strlen(want)) == 0, "%s", csv);
    CHECK(r.n == 1 && strtod(csv + strlen(want), NULL) == r.v[0].value);
    asim_promql_result_free(&r);
    asim_promql_free(e);
    free(csv);
    asim_summary sum;
    asim_summary_init(&sum, "t", 1);
    asim_alerts_finish(a, 200000, &sum);
    CHECK(asim_summary_get(&sum, "alert_firing_seconds.High", NULL) == 60);   /* 65 .. 125 */
    CHECK(asim_summary_get(&sum, "alert_fired_count.High", NULL) == 1);
    int found = 1;
    asim_summary_get(&sum, "alert_eval_errors", &found);
    CHECK(!found);
    asim_alerts_destroy(a);
    asim_tsdb_destroy(db);
}

static void test_for_30s_every_5s_and_10s(void)
{
    asim_err err;
    CHECK(load("[{\"alert\": \"High\", \"expr\": \"avg(avg_over_time(x[30s])) > 0.5\", \"for\": \"30s\"}]", NULL, &err) == 0);
    asim_alerts *a = alerts_of(&cfg, &err);
    asim_tsdb *db = series_x();
    char *csv = run(a, db, 5, 200);
    CHECK(first(csv, "pending") == 55);
    CHECK(first(csv, "firing") == 85);
    free(csv);
    asim_alerts_destroy(a);
    a = alerts_of(&cfg, &err);
    csv = run(a, db, 10, 200);
    CHECK(first(csv, "pending") == 60);
    CHECK(first(csv, "firing") == 90);
    CHECK(first(csv, "resolved") == 130);
    free(csv);
    asim_alerts_destroy(a);
    asim_tsdb_destroy(db);
}

static void test_for_zero_fires_at_once(void)
{
    asim_err err;
    CHECK(load("[{\"alert\": \"Now\", \"expr\": \"avg(avg_over_time(x[30s])) > 0.5\", \"for\": 0}]", NULL, &err) == 0);
    asim_alerts *a = alerts_of(&cfg, &err);
    asim_tsdb *db = series_x();
    char *csv = run(a, db, 5, 200);
    CHECK(first(csv, "pending") == -1);        /* never observable as pending */
    CHECK(first(csv, "firing") == 55);
    CHECK(first(csv, "resolved") == 125);
    free(csv);
    asim_summary sum;
    asim_summary_init(&sum, "t", 1);
    asim_alerts_finish(a, 200000, &sum);
    CHECK(asim_summary_get(&sum, "alert_firing_seconds.Now", NULL) == 70);
    asim_alerts_destroy(a);
    asim_tsdb_destroy(db);
}

/* A condition shorter than `for`: the pending alert is deleted ("inactive")
 * and a later one starts its own clock. */
static void test_pending_deleted_then_restarts(void)
{
    asim_err err;
    CHECK(load("[{\"alert\": \"Blip\", \"expr\": \"y > 1\", \"for\": 20}]", NULL, &err) == 0);
    asim_alerts *a = alerts_of(&cfg, &err);
    asim_tsdb *db = asim_tsdb_create(0);
    asim_label l[] = { { "__name__", "y" } };
    int s = asim_tsdb_series(db, l, 1);
    /* high at 10,15 (blip), low 20..35, high from 40 on */
    for (int t = 0; t <= 120; t += 5)
        asim_tsdb_append(db, s, t * 1000, ((t >= 10 && t <= 15) || t >= 40) ? 2 : 0);
    char *csv = run(a, db, 5, 120);
    CHECK(first(csv, "pending") == 10);
    CHECK(first(csv, "inactive") == 20);
    CHECK(first(csv, "firing") == 60);          /* 40 + 20, not 10 + 20 */
    const char *second = strstr(strstr(csv, ",pending,") + 1, ",pending,");
    CHECK(second != NULL);
    free(csv);
    asim_alerts_destroy(a);
    asim_tsdb_destroy(db);
}

/* semantics.md A5: cleared at 80 s, keep_firing_for 20 s: still firing at
 * 95 s, resolved at 100 s; a condition back within the window resets it. */
static void test_keep_firing_for(void)
{
    asim_err err;
    CHECK(load("[{\"alert\": \"K\", \"expr\": \"y > 1\", \"for\": 0, \"keep_firing_for\": \"20s\"}]", NULL, &err) == 0);
    asim_alerts *a = alerts_of(&cfg, &err);
    asim_tsdb *db = asim_tsdb_create(0);
    asim_label l[] = { { "__name__", "y" } };
    int s = asim_tsdb_series(db, l, 1);
    for (int t = 0; t <= 300; t += 5) {
        int high = (t >= 50 && t < 80) || (t >= 150 && t < 170) || t == 185;
        asim_tsdb_append(db, s, t * 1000, high ? 2 : 0);
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    for (int t = 0; t <= 300; t += 5) {
        asim_alerts_eval(a, db, t * 1000, f);
        if (t == 95) CHECK(asim_alerts_nfiring(a, 0) == 1);
        if (t == 100) CHECK(asim_alerts_nfiring(a, 0) == 0);
    }
    fclose(f);
    CHECK(first(buf, "firing") == 50);
    CHECK(first(buf, "resolved") == 100);
    /* second episode: 150..165 high, cleared 170, back at 185 (15 s < 20 s:
     * the timer resets), cleared 190, resolved at 210 */
    const char *p = strstr(buf, "\n150,");
    CHECK(p && strstr(p, "firing"));
    CHECK_MSG(p && strstr(p, "\n210,K,") && !strstr(p, "\n190,K,"), "%s", buf);
    free(buf);
    asim_alerts_destroy(a);
    asim_tsdb_destroy(db);
}

/* One alert per result element, labels = element's minus __name__ plus the
 * rule's plus alertname; __name__-only differences would collide. */
static void test_instances_and_labels(void)
{
    asim_err err;
    CHECK(load("[{\"alert\": \"Down\", \"expr\": \"up == 0\", \"for\": 10, \"labels\": {\"severity\": \"page\", \"team\": \"\"}}]",
               NULL, &err) == 0);
    asim_alerts *a = alerts_of(&cfg, &err);
    asim_tsdb *db = asim_tsdb_create(0);
    asim_label l1[] = { { "__name__", "up" }, { "instance", "b:1" }, { "job", "w" }, { "team", "x" } };
    asim_label l2[] = { { "__name__", "up" }, { "instance", "a:1" }, { "job", "w" } };
    int s1 = asim_tsdb_series(db, l1, 4), s2 = asim_tsdb_series(db, l2, 3);
    for (int t = 0; t <= 60; t += 5) {
        asim_tsdb_append(db, s1, t * 1000, t >= 20 ? 0 : 1);
        asim_tsdb_append(db, s2, t * 1000, t >= 25 ? 0 : 1);
    }
    char *csv = run(a, db, 5, 60);
    const char *want =
        "20,Down,\"{alertname=\"\"Down\"\",instance=\"\"b:1\"\",job=\"\"w\"\",severity=\"\"page\"\"}\",pending,0\n"
        "25,Down,\"{alertname=\"\"Down\"\",instance=\"\"a:1\"\",job=\"\"w\"\",severity=\"\"page\"\"}\",pending,0\n"
        "30,Down,\"{alertname=\"\"Down\"\",instance=\"\"b:1\"\",job=\"\"w\"\",severity=\"\"page\"\"}\",firing,0\n"
        "35,Down,\"{alertname=\"\"Down\"\",instance=\"\"a:1\"\",job=\"\"w\"\",severity=\"\"page\"\"}\",firing,0\n";
    CHECK_MSG(strcmp(csv, want) == 0, "%s", csv);
    CHECK(asim_alerts_nfiring(a, 0) == 2);
    free(csv);
    asim_summary sum;
    asim_summary_init(&sum, "t", 1);
    asim_alerts_finish(a, 60000, &sum);
    CHECK(asim_summary_get(&sum, "alert_firing_seconds.Down", NULL) == 30);   /* union: 30..60 */
    CHECK(asim_summary_get(&sum, "alert_fired_count.Down", NULL) == 2);
    asim_alerts_destroy(a);
    asim_tsdb_destroy(db);
}

/* Two elements that become one label set after the rule's labels: an
 * evaluation error; the alerts keep their state (Prometheus returns early). */
static void test_duplicate_labelset_is_an_error(void)
{
    asim_err err;
    CHECK(load("[{\"alert\": \"Dup\", \"expr\": \"z > 0\", \"for\": 0, \"labels\": {\"k\": \"same\"}}]", NULL, &err) == 0);
    asim_alerts *a = alerts_of(&cfg, &err);
    asim_tsdb *db = asim_tsdb_create(0);
    asim_label l1[] = { { "__name__", "z" }, { "k", "1" } };
    asim_label l2[] = { { "__name__", "z" }, { "k", "2" } };
    int s1 = asim_tsdb_series(db, l1, 2), s2 = asim_tsdb_series(db, l2, 2);
    asim_tsdb_append(db, s1, 0, 1);
    asim_tsdb_append(db, s2, 10000, 1);
    char *csv = run(a, db, 5, 5);               /* t=0, 5: one element: fires */
    CHECK(first(csv, "firing") == 0);
    free(csv);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    asim_alerts_eval(a, db, 10000, f);          /* t=10: two elements, one label set */
    fclose(f);
    csv = buf;
    CHECK(asim_alerts_errors(a) == 1);
    CHECK(asim_alerts_nfiring(a, 0) == 1);      /* unchanged */
    CHECK(count_rows(csv) == 0);
    free(csv);
    asim_summary sum;
    asim_summary_init(&sum, "t", 1);
    asim_alerts_finish(a, 10000, &sum);
    CHECK(asim_summary_get(&sum, "alert_eval_errors", NULL) == 1);
    asim_alerts_destroy(a);
    asim_tsdb_destroy(db);
}

/* ALERTS{alertstate} = 1 while pending/firing, with a marker when the state
 * changes; ALERTS_FOR_STATE = ActiveAt in Unix seconds. */
static void test_alerts_series(void)
{
    asim_err err;
    CHECK(load("[{\"alert\": \"High\", \"expr\": \"avg(avg_over_time(x[30s])) > 0.5\", \"for\": 10}]",
               "\"start_time\": \"2024-01-15T10:00:00Z\"", &err) == 0);
    asim_alerts *a = alerts_of(&cfg, &err);
    asim_tsdb *db = series_x();
    char *csv = run(a, db, 5, 200);
    free(csv);
    asim_label pl[] = { { "__name__", "ALERTS" }, { "alertname", "High" }, { "alertstate", "pending" } };
    asim_label fl[] = { { "__name__", "ALERTS" }, { "alertname", "High" }, { "alertstate", "firing" } };
    asim_label sl[] = { { "__name__", "ALERTS_FOR_STATE" }, { "alertname", "High" } };
    int ps = asim_tsdb_find(db, pl, 3), fs = asim_tsdb_find(db, fl, 3), ss = asim_tsdb_find(db, sl, 2);
    CHECK(ps >= 0 && fs >= 0 && ss >= 0);
    const asim_sample *v;
    size_t n = asim_tsdb_range(db, ps, 0, 1000000, &v);
    CHECK(n == 3);                               /* 55, 60 = 1; marker at 65 */
    CHECK(n == 3 && v[0].t == 55000 && v[1].t == 60000 && v[0].v == 1 && v[1].v == 1 &&
          asim_is_stale_nan(v[2].v) && v[2].t == 65000);
    n = asim_tsdb_range(db, fs, 0, 1000000, &v);
    CHECK(n == 13 && v[0].t == 65000 && asim_is_stale_nan(v[12].v) && v[12].t == 125000);
    n = asim_tsdb_range(db, ss, 0, 1000000, &v);
    CHECK(n >= 1 && v[0].v == 1705312800.0 + 55);
    asim_alerts_destroy(a);
    asim_tsdb_destroy(db);
}

static void test_defaults_and_substitution(void)
{
    asim_err err;
    asim_config_free(&cfg);
    asim_config_defaults(&cfg);
    CHECK(asim_config_load_text(&cfg, "{\"scaler\": {\"max_replicas\": 9}, \"alerts\": {\"rules\": ["
                                "{\"alert\": \"ServiceDown\", \"expr\": \"up == 0\", \"for\": 60},"
                                "{\"alert\": \"Extra\", \"expr\": \"vector(1)\"}]}}", "t.json", &err) == 0);
    CHECK(asim_config_validate(&cfg, &err) == 0);
    asim_alerts *a = alerts_of(&cfg, &err);
    CHECK(a && asim_alerts_nrules(a) == 5);
    CHECK_STR(asim_alerts_rule_name(a, 0), "HighResponseTime");
    CHECK_STR(asim_alerts_rule_name(a, 2), "ServiceDown");
    CHECK_STR(asim_alerts_rule_expr(a, 2), "up == 0");             /* overridden in place */
    CHECK_STR(asim_alerts_rule_expr(a, 3), "count(up{job=\"webapp\"}) >= 9");
    CHECK_STR(asim_alerts_rule_name(a, 4), "Extra");
    asim_alerts_destroy(a);

    /* a copy owns its rules */
    asim_config c2;
    asim_config_copy(&c2, &cfg);
    asim_config_free(&cfg);
    asim_config_defaults(&cfg);
    a = alerts_of(&c2, &err);
    CHECK(a && asim_alerts_nrules(a) == 5);
    asim_alerts_destroy(a);
    asim_config_free(&c2);

    /* replace_defaults with no rules: nothing to evaluate */
    CHECK(load("[]", NULL, &err) == 0);
    a = alerts_of(&cfg, &err);
    CHECK(a && asim_alerts_nrules(a) == 0);
    asim_alerts_destroy(a);
}

static void expect_error(const char *rules, const char *needle)
{
    asim_err err;
    err.msg[0] = 0;
    int rc = load(rules, NULL, &err);
    CHECK_MSG(rc == ASIM_EINPUT && strstr(err.msg, needle), "rc=%d msg=%s (wanted %s)", rc, err.msg, needle);
}

static void test_errors(void)
{
    expect_error("[{\"alert\": \"A\", \"expr\": \"up ==\"}]", "t.json: $.alerts.rules[0].expr: position");
    /* positions point into the text as written, before substitution */
    expect_error("[{\"alert\": \"A\", \"expr\": \"x\"}, {\"alert\": \"B\", \"expr\": \"count(${prometheus.job} ) >= ${scaler.max_replicas} +\"}]",
                 "$.alerts.rules[1].expr: position");
    expect_error("[{\"alert\": \"A\", \"expr\": \"x > ${scaler.nope}\"}]", "$.alerts.rules[0].expr: position 5: unknown setting ${scaler.nope}");
    expect_error("[{\"alert\": \"A\", \"expr\": \"x[5m]\"}]", "range vector");
    expect_error("[{\"alert\": \"A\"}]", "$.alerts.rules[0]: missing \"expr\"");
    expect_error("[{\"alert\": \"1A\", \"expr\": \"x\"}]", "not a valid alert name");
    expect_error("[{\"alert\": \"A\", \"expr\": \"x\", \"fro\": 1}]", "$.alerts.rules[0].fro");
    expect_error("[{\"alert\": \"A\", \"expr\": \"x\", \"for\": \"10q\"}]", "$.alerts.rules[0].for: '10q' is not a duration");
    expect_error("[{\"alert\": \"A\", \"expr\": \"x\", \"for\": -1}]", "$.alerts.rules[0].for");
    expect_error("[{\"alert\": \"A\", \"expr\": \"x\", \"labels\": {\"__x\": \"1\"}}]", "$.alerts.rules[0].labels.__x");
    expect_error("[{\"alert\": \"A\", \"expr\": \"x\"}, {\"alert\": \"A\", \"expr\": \"y\"}]", "$.alerts.rules[1].alert");
    expect_error("{}", "$.alerts.rules: expected an array");

    /* The position maps back through the substitution: "6 > )" has its ')'
     * at 5, the text as written at 26. */
    asim_err err;
    int rc = load("[{\"alert\": \"A\", \"expr\": \"${scaler.max_replicas} > )\"}]", NULL, &err);
    CHECK_MSG(rc == ASIM_EINPUT && strstr(err.msg, "position 26:"), "%s", err.msg);
}

static void test_durations(void)
{
    asim_err err;
    CHECK(load("[{\"alert\": \"A\", \"expr\": \"x\", \"for\": \"1m30s\", \"keep_firing_for\": \"1500ms\"}]", NULL, &err) == 0);
    CHECK(cfg.ext.alerts.nrules == 1 && cfg.ext.alerts.rules[0].for_s == 90 &&
          cfg.ext.alerts.rules[0].keep_firing_for == 1.5);
    expect_error("[{\"alert\": \"A\", \"expr\": \"x\", \"for\": \"30s1m\"}]", "not a duration");
}

int main(void)
{
    asim_config_defaults(&cfg);
    RUN(test_for_10s_every_5s);
    RUN(test_for_30s_every_5s_and_10s);
    RUN(test_for_zero_fires_at_once);
    RUN(test_pending_deleted_then_restarts);
    RUN(test_keep_firing_for);
    RUN(test_instances_and_labels);
    RUN(test_duplicate_labelset_is_an_error);
    RUN(test_alerts_series);
    RUN(test_defaults_and_substitution);
    RUN(test_errors);
    RUN(test_durations);
    asim_config_free(&cfg);
    return check_report();
}
