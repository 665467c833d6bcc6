/* timefmt.h -- the one implementation of time text: RFC 3339 instants,
 * Prometheus duration strings and the proleptic Gregorian calendar.
 *
 * Every module that reads or writes a wall-clock instant or a duration goes
 * through here, so "2024-02-30T00:00:00Z" is rejected everywhere and "1h30m"
 * is accepted everywhere a number of seconds is. */
#ifndef ASIM_TIMEFMT_H
#define ASIM_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* A parsed instant: Unix seconds (UTC), nanoseconds into that second, and
 * the text's own UTC offset in seconds (local = UTC + tz). */
typedef struct asim_instant {
    int64_t sec;
    int32_t nsec;
    int32_t tz;
} asim_instant;

/* Flags for asim_rfc3339_parse. */
enum {
    /* ISO 8601 forms found in real logs, beyond RFC 3339: no zone (UTC), no
     * seconds ("2024-01-15T10:00"), a date alone, "+0100" and "+01"
     * offsets, leading/trailing blanks.  The trace readers pass it. */
    ASIM_RFC3339_ISO = 1
};

/* RFC 3339 (section 5.6): "YYYY-MM-DD(T|t| )HH:MM:SS[.frac](Z|z|+HH:MM|-HH:MM)".
 * The date must exist (2024-02-30 and 2023-02-29 are errors); second 60 (a
 * leap second) is read as :59 + 1 s; fraction digits past the ninth are
 * ignored.  len is the text's length (strlen for a C string).  0, or -1 if
 * the text is not such an instant. */
int asim_rfc3339_parse(const char *s, size_t len, unsigned flags, asim_instant *out);

/* The instant at Unix milliseconds (the fraction truncated to ms, as
 * Prometheus reads API times).  0 or -1. */
int asim_rfc3339_ms(const char *s, int64_t *ms);

/* A time argument as Prometheus's HTTP API reads one (parseTime): float
 * Unix seconds, the fraction rounded to the ms, or RFC 3339.  0 or -1. */
int asim_api_time_ms(const char *s, int64_t *ms);

/* Write Unix ns in the zone tz (seconds east of UTC) with ms precision:
 * "2024-01-15T10:00:00.250Z" or "...+01:00".  buf should hold 40 bytes. */
void asim_rfc3339_format(int64_t unix_ns, int tz, char *buf, size_t len);

/* Broken-down civil time of Unix seconds (already shifted to local time). */
typedef struct asim_civil {
    int year, month, day;          /* month 1..12, day 1..31 */
    int hour, min, sec;
    int weekday;                   /* 0 = Sunday */
} asim_civil;
void asim_civil_from_unix(int64_t unix_s, asim_civil *c);
/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil); no range check. */
int64_t asim_days_from_civil(int64_t y, int m, int d);
/* Days in month m (1..12) of year y. */
int asim_days_in_month(int y, int m);

/* Prometheus's model.ParseDuration: "[Ny][Nw][Nd][Nh][Nm][Ns][Nms]", each
 * unit at most once, in this order, at least one; "0" alone is zero.  Gives
 * milliseconds.  0, -1 (not a duration) or -2 (overflows int64 ms). */
int asim_duration_parse(const char *s, size_t len, int64_t *ms);

/* Seconds as users write them in settings and options: a plain number
 * ("30", "0.25", "1e3") or a duration ("30s", "2m", "1h30m", "500ms").
 * 0 or -1. */
int asim_seconds_parse(const char *s, double *sec);

#endif
