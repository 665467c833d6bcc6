/* test_series_io.c -- reading recorded samples: CSV series,timestamp,value
 * and Prometheus query API JSON into series sets and a tsdb, and the error
 * messages that name the file and line or JSON path. */
#include "models/prometheus/series_io.h"

#include <string.h>
#include "check.h"

static int parse_csv(const char *text, asim_series_set *s, asim_err *e)
{
    return asim_series_parse_csv(text, strlen(text), "m.csv", s, e);
}

static int parse_json(const char *text, asim_series_set *s, asim_err *e)
{
    return asim_series_parse_json(text, strlen(text), "m.json", s, e);
}

static void test_labels(void)
{
    asim_label *l;
    size_t n;
    asim_err e;
    CHECK(asim_series_parse_labels("up{job=\"a\\\"b\",instance=\"x\\\\y\\n\"}", &l, &n, &e) == 0);
    CHECK(n == 3);
    if (n == 3) {
        CHECK_STR(l[0].name, "__name__");
        CHECK_STR(l[1].name, "instance");
        CHECK_STR(l[1].value, "x\\y\n");
        CHECK_STR(l[2].value, "a\"b");
    }
    asim_series_free_labels(l, n);
    CHECK(asim_series_parse_labels("{__name__=\"a:b\", z=\"\"}", &l, &n, &e) == 0);
    CHECK(n == 1);                                   /* empty value dropped */
    asim_series_free_labels(l, n);
    CHECK(asim_series_parse_labels("a{x=\"1\",x=\"\"}", &l, &n, &e) == ASIM_EINPUT);
    CHECK(strstr(e.msg, "duplicate label name \"x\"") != NULL);
    CHECK(asim_series_parse_labels("a{x=1}", &l, &n, &e) == ASIM_EINPUT);
    CHECK(strstr(e.msg, "column 5") != NULL);
    CHECK(asim_series_parse_labels("", &l, &n, &e) == ASIM_EINPUT);
    asim_label a[2] = { { "a", "1" }, { "b", "2" } }, b[2] = { { "a", "1" }, { "c", "0" } };
    CHECK(asim_labels_compare(a, 2, b, 2) < 0);
    CHECK(asim_labels_compare(a, 1, a, 2) < 0);      /* shorter first */
    CHECK(asim_labels_compare(b, 2, b, 2) == 0);
}

static void test_csv(void)
{
    asim_series_set s;
    asim_err e;
    const char *text =
        "series,timestamp,value\n"
        "\"g{i=\"\"b\"\"}\",2.5,1\n"
        "g{i=\"a\",j=\"x\"},1.0006,NaN\n"          /* unquoted, comma inside braces */
        "\"g{i=\"\"b\"\"}\",1,+Inf\n"                /* out of order: sorted */
        "g{i=\"b\"},3,stale\n"
        "\n"
        "# a comment\n";
    CHECK(parse_csv(text, &s, &e) == 0);
    CHECK(s.n == 2);
    asim_series_sort(&s);
    if (s.n == 2) {
        CHECK(s.s[0].nlabels == 3 && s.s[0].n == 1 && s.s[0].t[0] == 1001 && isnan(s.s[0].v[0]));
        CHECK(s.s[1].n == 3 && s.s[1].t[0] == 1000 && s.s[1].t[1] == 2500 && s.s[1].v[0] == INFINITY);
        CHECK(s.s[1].n == 3 && asim_is_stale_nan(s.s[1].v[2]));
    }
    asim_tsdb *db = asim_tsdb_create(0);
    CHECK(asim_series_to_tsdb(&s, db, &e) == 0);
    CHECK(asim_tsdb_nseries(db) == 2);
    CHECK_STR(asim_tsdb_label(db, 0, "j"), "x");     /* created in set order */
    asim_tsdb_destroy(db);
    asim_series_set_free(&s);

    CHECK(parse_csv("x,1,1\nx,2,oops\n", &s, &e) == ASIM_EINPUT);
    CHECK_STR(e.msg, "m.csv:2: value: cannot parse \"oops\" (a number, NaN, +Inf, -Inf or stale)");
    CHECK(parse_csv("x,1,1\nx,1,2\n", &s, &e) == ASIM_EINPUT);
    CHECK(strstr(e.msg, "m.csv:2: duplicate timestamp") != NULL);
    CHECK(parse_csv("x,1\n", &s, &e) == ASIM_EINPUT);
    CHECK(strstr(e.msg, "m.csv:1: expected 3 fields") != NULL);
    CHECK(parse_csv("x,1,1\ny{a=\"\",a=\"1\"},1,1\n", &s, &e) == ASIM_EINPUT);
    CHECK(strstr(e.msg, "m.csv:2: series: duplicate label name") != NULL);
    CHECK(parse_csv("x,1e400,1\n", &s, &e) == ASIM_EINPUT);
    CHECK(parse_csv("x,1,1e400\n", &s, &e) == ASIM_EINPUT);
    CHECK(parse_csv("series,timestamp,value\n", &s, &e) == ASIM_EINPUT);
    CHECK(strstr(e.msg, "no samples") != NULL);
    CHECK(s.n == 0);
}

static void test_json(void)
{
    asim_series_set s;
    asim_err e;
    CHECK(parse_json("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                     "{\"metric\":{\"__name__\":\"up\",\"job\":\"a\"},\"values\":[[1.5,\"1\"],[3,\"NaN\"]]},"
                     "{\"metric\":{},\"values\":[[0.001,\"-Inf\"]]}]}}", &s, &e) == 0);
    CHECK(s.n == 2);
    if (s.n == 2) {
        CHECK(s.s[0].nlabels == 2 && s.s[0].n == 2 && s.s[0].t[0] == 1500 && isnan(s.s[0].v[1]));
        CHECK(s.s[1].nlabels == 0 && s.s[1].t[0] == 1 && s.s[1].v[0] == -INFINITY);
    }
    asim_series_set_free(&s);
    CHECK(parse_json("{\"resultType\":\"scalar\",\"result\":[7,\"0.5\"]}", &s, &e) == 0);
    CHECK(s.n == 1 && s.s[0].v[0] == 0.5 && s.s[0].t[0] == 7000);
    asim_series_set_free(&s);
    CHECK(parse_json("{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"a\":\"b\"},\"value\":[2,\"3\"]}]}", &s, &e) == 0);
    CHECK(s.n == 1 && s.s[0].v[0] == 3);
    asim_series_set_free(&s);
    CHECK(parse_json("{\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":[[1,2]]}]},"
                     "\"status\":\"success\"}", &s, &e) == ASIM_EINPUT);
    CHECK_STR(e.msg, "m.json: $.data.result[0].values[0][1]: expected a number in a string, e.g. \"0.5\"");
    CHECK(parse_json("{\"status\":\"error\",\"error\":\"bad query\"}", &s, &e) == ASIM_EINPUT);
    CHECK(strstr(e.msg, "bad query") != NULL);
    CHECK(parse_json("{\"resultType\":\"string\",\"result\":[1,\"x\"]}", &s, &e) == ASIM_EINPUT);
    CHECK(parse_json("{\n\"data\": [", &s, &e) == ASIM_EINPUT);
    CHECK(strstr(e.msg, "m.json:2: invalid JSON") != NULL);
    CHECK(parse_json("{\"resultType\":\"matrix\",\"result\":[{\"metric\":{\"1x\":\"b\"},\"values\":[]}]}", &s, &e) == ASIM_EINPUT);
    CHECK(s.n == 0);
}

int main(void)
{
    RUN(test_labels);
    RUN(test_csv);
    RUN(test_json);
    return check_report();
}
