/* test_rules.c -- rule groups and recording rules (models/prometheus/rules.h):
 * the group hash and first evaluation against values a real Prometheus 2.42
 * produced, recording (name, rule labels, a label removed by an empty value,
 * scalars), a later rule seeing an earlier rule's output of the same
 * evaluation, staleness markers for vanished series, duplicate label sets
 * as an evaluation error that writes nothing, and the settings' errors. */
#define _GNU_SOURCE
#include "check.h"

#include <stdlib.h>
#include "models/scenario/config.h"
#include "sim/config/settings.h"
#include "models/prometheus/alerts.h"
#include "models/prometheus/rules.h"
#include "models/prometheus/tsdb.h"

static asim_config cfg;

static int load(const char *groups, asim_err *err)
{
    asim_config_free(&cfg);
    asim_config_defaults(&cfg);
    char text[4096];
    snprintf(text, sizeof text, "{\"prometheus\": {\"rule_groups\": %s}}", groups);
    int rc = asim_config_load_text(&cfg, text, "t.json", err);
    if (rc == 0) rc = asim_config_validate(&cfg, err);
    return rc;
}

/* Offsets measured on a real Prometheus 2.42 (tests/cli/test_import.sh
 * does this live): groups of /tmp/pt/rules/r.yml recorded at Unix times
 * .414 s mod 2 s ("aggregations"), .861 s mod 3 s ("second") and 3.098 s
 * mod 5 s ("third"). */
static void test_hash_matches_prometheus(void)
{
    const char *f = "/tmp/pt/rules/r.yml";
    CHECK((asim_rule_group_hash("aggregations", f) % 2000000000ULL) / 1000000 == 414);
    CHECK((asim_rule_group_hash("second", f) % 3000000000ULL) / 1000000 == 861);
    CHECK((asim_rule_group_hash("third", f) % 5000000000ULL) / 1000000 == 3098);
    CHECK(asim_rule_group_hash("a", "b") != asim_rule_group_hash("b", "a"));
}

static void test_first_evaluation(void)
{
    asim_err err;
    CHECK(load("[{\"name\": \"aggregations\", \"file\": \"/tmp/pt/rules/r.yml\", \"interval\": \"2s\", "
               "\"rules\": [{\"record\": \"r\", \"expr\": \"vector(1)\"}]}]", &err) == 0);
    asim_alerts *a;
    asim_rules *r;
    CHECK(asim_alerts_create(&cfg, &a, &err) == 0);
    CHECK(asim_rules_create(&cfg, a, &r, &err) == 0);
    CHECK(asim_rules_interval_ns(r, 0) == 2000000000LL);
    CHECK(asim_rules_offset_ns(r, 0) / 1000000 == 414);
    /* start at a whole 2 s: first slot .414 s later; start on the slot
     * itself: one interval later (Group.run waits for EvalTimestamp + interval) */
    CHECK(asim_rules_first_ns(r, 0, 1700000000000000000LL) == asim_rules_offset_ns(r, 0));
    CHECK(asim_rules_first_ns(r, 0, 1700000000000000000LL + asim_rules_offset_ns(r, 0)) == 2000000000LL);
    CHECK(asim_rules_first_ns(r, 0, 1700000000000000000LL + asim_rules_offset_ns(r, 0) + 1) == 2000000000LL - 1);
    asim_rules_destroy(r);
    asim_alerts_destroy(a);
}

static double latest(asim_tsdb *db, const asim_label *l, size_t n, int64_t t, int *found)
{
    int s = asim_tsdb_find(db, l, n);
    asim_sample x;
    *found = s >= 0 && asim_tsdb_latest(db, s, t, &x) && x.t == t;
    return *found ? x.v : NAN;
}

static void test_recording(void)
{
    asim_err err;
    CHECK_MSG(load("[{\"name\": \"g\", \"interval\": 10, \"rules\": ["
                   "{\"record\": \"rec:x\", \"expr\": \"x\", \"labels\": {\"src\": \"r\", \"zone\": \"\"}},"
                   "{\"record\": \"rec:sum\", \"expr\": \"sum(rec:x)\"},"
                   "{\"record\": \"rec:scalar\", \"expr\": \"scalar(sum(x)) * 2\"},"
                   "{\"record\": \"rec:dup\", \"expr\": \"x\", \"labels\": {\"instance\": \"same\"}}]}]", &err) == 0,
              "%s", err.msg);
    asim_tsdb *db = asim_tsdb_create(0);
    asim_label a[] = { { "__name__", "x" }, { "instance", "a" }, { "zone", "z1" } };
    asim_label b[] = { { "__name__", "x" }, { "instance", "b" }, { "zone", "z1" } };
    int sa = asim_tsdb_series(db, a, 3), sb = asim_tsdb_series(db, b, 3);
    asim_tsdb_append(db, sa, 5000, 1.5);
    asim_tsdb_append(db, sb, 5000, 2.0);
    asim_alerts *al;
    asim_rules *r;
    CHECK(asim_alerts_create(&cfg, &al, &err) == 0);
    CHECK(asim_rules_create(&cfg, al, &r, &err) == 0);
    asim_rules_eval_group(r, 0, db, 10000, 300000, NULL);
    int f;
    asim_label ra[] = { { "__name__", "rec:x" }, { "instance", "a" }, { "src", "r" } };
    CHECK(latest(db, ra, 3, 10000, &f) == 1.5 && f);          /* zone removed by the empty value */
    asim_label rs[] = { { "__name__", "rec:sum" } };
    CHECK(latest(db, rs, 1, 10000, &f) == 3.5 && f);          /* saw rec:x of this evaluation */
    asim_label rsc[] = { { "__name__", "rec:scalar" } };
    CHECK(latest(db, rsc, 1, 10000, &f) == 7.0 && f);
    asim_label rd[] = { { "__name__", "rec:dup" }, { "instance", "same" }, { "zone", "z1" } };
    latest(db, rd, 3, 10000, &f);
    CHECK(!f);                                                /* same label set twice: nothing written */
    CHECK(asim_rules_errors(r) == 1);

    /* b disappears (a marker on x): its recorded series gets a marker at the next evaluation */
    asim_tsdb_append(db, sa, 15000, 1.0);
    asim_tsdb_append_stale(db, sb, 15000);
    asim_rules_eval_group(r, 0, db, 20000, 300000, NULL);
    asim_label rb[] = { { "__name__", "rec:x" }, { "instance", "b" }, { "src", "r" } };
    int s_rb = asim_tsdb_find(db, rb, 3);
    asim_sample x;
    CHECK(s_rb >= 0 && asim_tsdb_latest(db, s_rb, 20000, &x) && x.t == 20000 && asim_is_stale_nan(x.v));
    CHECK(latest(db, rs, 1, 20000, &f) == 1.0 && f);
    CHECK(asim_rules_errors(r) == 1);                         /* rec:dup has one element now: fine */
    asim_rules_destroy(r);
    asim_alerts_destroy(al);
    asim_tsdb_destroy(db);
}

static void test_group_alert_replaces_default(void)
{
    asim_err err;
    CHECK(load("[{\"name\": \"g\", \"rules\": [{\"alert\": \"HighResponseTime\", \"expr\": \"vector(1)\", \"for\": 0}]}]",
               &err) == 0);
    asim_alerts *a;
    CHECK(asim_alerts_create(&cfg, &a, &err) == 0);
    CHECK(asim_alerts_nrules(a) == 4);
    long i = asim_alerts_find(a, 0, 0);
    CHECK(i == 0 && strcmp(asim_alerts_rule_name(a, (size_t)i), "HighResponseTime") == 0);
    CHECK(asim_alerts_has_default_group(a));
    asim_alerts_destroy(a);
}

static void test_errors(void)
{
    asim_err err;
    CHECK(load("[{\"name\": \"g\", \"rules\": [{\"record\": \"bad name\", \"expr\": \"x\"}]}]", &err) == ASIM_EINPUT);
    CHECK_MSG(strstr(err.msg, "$.prometheus.rule_groups[0].rules[0].record") != NULL, "%s", err.msg);
    CHECK(load("[{\"name\": \"g\", \"rules\": [{\"record\": \"r\", \"expr\": \"x[1m]\"}]}]", &err) == ASIM_EINPUT);
    CHECK_MSG(strstr(err.msg, "range vector") != NULL, "%s", err.msg);
    CHECK(load("[{\"name\": \"g\", \"rules\": [{\"record\": \"r\", \"expr\": \"x\", \"for\": 5}]}]", &err) == ASIM_EINPUT);
    CHECK_MSG(strstr(err.msg, "rules[0].for") != NULL, "%s", err.msg);
    CHECK(load("[{\"name\": \"g\", \"rules\": []}, {\"name\": \"g\", \"rules\": []}]", &err) == ASIM_EINPUT);
    CHECK_MSG(strstr(err.msg, "repeated") != NULL, "%s", err.msg);
    CHECK(load("[{\"name\": \"g\", \"limit\": 3, \"rules\": []}]", &err) == ASIM_EINPUT);
    CHECK(load("[{\"name\": \"a\", \"rules\": [{\"alert\": \"A\", \"expr\": \"x\"}]}, "
               "{\"name\": \"b\", \"rules\": [{\"alert\": \"A\", \"expr\": \"y\"}]}]", &err) == ASIM_EINPUT);
    CHECK_MSG(strstr(err.msg, "also defined") != NULL, "%s", err.msg);
}

int main(void)
{
    RUN(test_hash_matches_prometheus);
    RUN(test_first_evaluation);
    RUN(test_recording);
    RUN(test_group_alert_replaces_default);
    RUN(test_errors);
    asim_config_free(&cfg);
    return check_report();
}
