/* test_timefmt.c -- the one RFC 3339 parser/formatter and the one duration
 * parser (sim/engine/timefmt.h).
 *
 * Expected instants were computed with Python 3's datetime.fromisoformat
 * (an implementation nobody here wrote), e.g.
 *     datetime.fromisoformat("2024-02-29T23:59:59.250+01:00").timestamp()
 * and the durations follow Prometheus's model.ParseDuration documentation
 * (units y w d h m s ms, each at most once, largest first; "0" is zero). */
#include "sim/engine/timefmt.h"
#include "check.h"

#include <string.h>

static int64_t ms_of(const char *s)
{
    int64_t ms = -7777;
    return asim_rfc3339_ms(s, &ms) == 0 ? ms : -7777;
}

static void test_rfc3339_valid(void)
{
    CHECK(ms_of("2024-01-15T10:00:00Z") == INT64_C(1705312800000));
    CHECK(ms_of("2024-02-29T23:59:59.250+01:00") == INT64_C(1709247599250));
    CHECK(ms_of("1969-12-31T23:59:59Z") == -1000);
    CHECK(ms_of("2096-12-31T00:00:00-05:30") == INT64_C(4007770200000));
    CHECK(ms_of("2000-03-01T00:00:00Z") == INT64_C(951868800000));
    CHECK(ms_of("2024-01-15t10:00:00z") == INT64_C(1705312800000));   /* RFC 3339 5.6 NOTE */
    CHECK(ms_of("2024-01-15 10:00:00Z") == INT64_C(1705312800000));
    /* fraction truncated to the ms, extra digits ignored */
    CHECK(ms_of("2024-01-15T10:00:00.123999999Z") == INT64_C(1705312800123));
    asim_instant t;
    CHECK(asim_rfc3339_parse("2024-01-15T10:00:00.5-02:30", 27, 0, &t) == 0);
    CHECK(t.nsec == 500000000 && t.tz == -(2 * 3600 + 30 * 60));
    CHECK(t.sec == INT64_C(1705312800) + 2 * 3600 + 30 * 60);
}

static void test_rfc3339_strict(void)
{
    const char *bad[] = {
        "2024-02-30T00:00:00Z",       /* no such day */
        "2023-02-29T00:00:00Z",       /* not a leap year */
        "1900-02-29T00:00:00Z",       /* century rule */
        "2024-04-31T00:00:00Z",
        "2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z", "2024-01-00T00:00:00Z",
        "2024-01-15T24:00:00Z", "2024-01-15T10:60:00Z", "2024-01-15T10:00:61Z",
        "2024-01-15T10:00:00",        /* zone required */
        "2024-01-15T10:00Z",          /* seconds required */
        "2024-01-15",                 /* time required */
        "2024-01-15T10:00:00+0100",   /* offset needs the colon */
        "2024-01-15T10:00:00+24:00",
        "2024-01-15T10:00:00.Z",      /* fraction needs a digit */
        "2024-01-15T10:00:00Z ",      /* trailing text */
        " 2024-01-15T10:00:00Z",
        "24-01-15T10:00:00Z", "", "2024-1-15T10:00:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(ms_of(bad[i]) == -7777, "accepted \"%s\"", bad[i]);
    CHECK(ms_of("2000-02-29T00:00:00Z") == INT64_C(951782400000));   /* 400-year rule */
}

static void test_rfc3339_iso_forms(void)
{
    asim_instant t;
    CHECK(asim_rfc3339_parse(" 2024-01-15T10:00 ", 18, ASIM_RFC3339_ISO, &t) == 0);
    CHECK(t.sec == INT64_C(1705312800) && t.tz == 0);
    CHECK(asim_rfc3339_parse("2024-01-15T11:00:00+0100", 24, ASIM_RFC3339_ISO, &t) == 0);
    CHECK(t.sec == INT64_C(1705312800) && t.tz == 3600);
    CHECK(asim_rfc3339_parse("2024-01-15", 10, ASIM_RFC3339_ISO, &t) == 0);
    CHECK(t.sec == INT64_C(1705276800));
    /* ISO leniency is about form, never about calendar validity */
    CHECK(asim_rfc3339_parse("2024-02-30", 10, ASIM_RFC3339_ISO, &t) != 0);
}

static void test_rfc3339_format_round_trip(void)
{
    char buf[40];
    asim_rfc3339_format(INT64_C(1709247599250) * 1000000, 3600, buf, sizeof buf);
    CHECK_STR(buf, "2024-02-29T23:59:59.250+01:00");
    asim_rfc3339_format(-INT64_C(1000000), 0, buf, sizeof buf);
    CHECK_STR(buf, "1969-12-31T23:59:59.999Z");
    CHECK(ms_of(buf) == -1);
    asim_civil c;
    asim_civil_from_unix(INT64_C(1705312800), &c);
    CHECK(c.year == 2024 && c.month == 1 && c.day == 15 && c.hour == 10 && c.weekday == 1);
    asim_civil_from_unix(-1, &c);
    CHECK(c.year == 1969 && c.month == 12 && c.day == 31 && c.sec == 59 && c.weekday == 3);
}

/* moved from test_openmetrics.c with the parser */
static void test_rfc3339_ms_cases(void)
{
    int64_t ms = 0;
    CHECK(asim_rfc3339_ms("2024-01-15T10:00:00Z", &ms) == 0 && ms == 1705312800000);
    CHECK(asim_rfc3339_ms("2024-01-15T11:00:00.25+01:00", &ms) == 0 && ms == 1705312800250);
    CHECK(asim_rfc3339_ms("2024-01-15T09:30:00-00:30", &ms) == 0 && ms == 1705312800000);
    CHECK(asim_rfc3339_ms("1970-01-01T00:00:01.5Z", &ms) == 0 && ms == 1500);
    CHECK(asim_rfc3339_ms("2024-01-15 10:00:00Z", &ms) == 0 && ms == 1705312800000);
    CHECK(asim_rfc3339_ms("2024-01-15T10:00:00", &ms) == -1);          /* no zone */
    CHECK(asim_rfc3339_ms("2024-13-15T10:00:00Z", &ms) == -1);
    CHECK(asim_rfc3339_ms("2024-01-15T10:00Z", &ms) == -1);
    CHECK(asim_rfc3339_ms("2024-01-15T10:00:00.Z", &ms) == -1);
    CHECK(asim_rfc3339_ms("", &ms) == -1);
}

static int64_t dur(const char *s)
{
    int64_t ms = -7777;
    int rc = asim_duration_parse(s, strlen(s), &ms);
    return rc == 0 ? ms : rc;
}

static void test_duration(void)
{
    CHECK(dur("30s") == 30000);
    CHECK(dur("2m") == 120000);
    CHECK(dur("1h30m") == 5400000);
    CHECK(dur("500ms") == 500);
    CHECK(dur("1y2w3d") == INT64_C(31536000000) + 2 * INT64_C(604800000) + 3 * INT64_C(86400000));
    CHECK(dur("0") == 0);
    CHECK(dur("0s") == 0);
    CHECK(dur("1m1m") == -1);        /* a unit once */
    CHECK(dur("30m1h") == -1);       /* largest first */
    CHECK(dur("1.5h") == -1);        /* integers only */
    CHECK(dur("10") == -1);          /* a unit is required */
    CHECK(dur("") == -1);
    CHECK(dur("5x") == -1);
    CHECK(dur("-5s") == -1);
    CHECK(dur("99999999999999999999s") == -2);
    CHECK(dur("9999999999y") == -2);
}

/* Prometheus's parseTime (web/api/v1): seconds with the fraction rounded
 * to the ms, else RFC 3339. */
static void test_api_time(void)
{
    int64_t ms = 0;
    CHECK(asim_api_time_ms("1705312800", &ms) == 0 && ms == INT64_C(1705312800000));
    CHECK(asim_api_time_ms("1.0006", &ms) == 0 && ms == 1001);       /* rounded, not truncated */
    CHECK(asim_api_time_ms("1.0004", &ms) == 0 && ms == 1000);
    CHECK(asim_api_time_ms("-1.5", &ms) == 0 && ms == -1500);
    CHECK(asim_api_time_ms("2024-01-15T10:00:00.25Z", &ms) == 0 && ms == INT64_C(1705312800250));
    CHECK(asim_api_time_ms("2024-02-30T10:00:00Z", &ms) == -1);
    CHECK(asim_api_time_ms("", &ms) == -1);
    CHECK(asim_api_time_ms("1e300", &ms) == -1);
}

static void test_seconds(void)
{
    double s = -1;
    CHECK(asim_seconds_parse("30", &s) == 0 && s == 30);
    CHECK(asim_seconds_parse("0.25", &s) == 0 && s == 0.25);
    CHECK(asim_seconds_parse("1e3", &s) == 0 && s == 1000);
    CHECK(asim_seconds_parse("1h30m", &s) == 0 && s == 5400);
    CHECK(asim_seconds_parse("500ms", &s) == 0 && s == 0.5);
    CHECK(asim_seconds_parse("", &s) != 0);
    CHECK(asim_seconds_parse(" 30", &s) != 0);
    CHECK(asim_seconds_parse("30 s", &s) != 0);
    CHECK(asim_seconds_parse("inf", &s) != 0);
}

int main(void)
{
    RUN(test_rfc3339_valid);
    RUN(test_rfc3339_strict);
    RUN(test_rfc3339_iso_forms);
    RUN(test_rfc3339_format_round_trip);
    RUN(test_rfc3339_ms_cases);
    RUN(test_duration);
    RUN(test_api_time);
    RUN(test_seconds);
    return check_report();
}
