/* timefmt.c -- RFC 3339 instants, Prometheus durations, the calendar. */
#include "sim/engine/timefmt.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t asim_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int asim_days_in_month(int y, int m)
{
    static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

void asim_civil_from_unix(int64_t unix_s, asim_civil *c)
{
    int64_t days = unix_s >= 0 ? unix_s / 86400 : -((-unix_s + 86399) / 86400);
    int64_t sod = unix_s - days * 86400;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    c->year = (int)(yoe + era * 400 + (c->month <= 2));
    c->hour = (int)(sod / 3600);
    c->min = (int)(sod / 60 % 60);
    c->sec = (int)(sod % 60);
    int64_t wd = (days + 4) % 7;                 /* 1970-01-01 was a Thursday */
    c->weekday = (int)(wd < 0 ? wd + 7 : wd);
}

/* n digits at s (within len) -> *v; 0 or -1. */
static int digits(const char *s, size_t len, size_t n, int *v)
{
    if (len < n) return -1;
    int x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

/* UTC offset at s: "+HH:MM" (ISO also "+HHMM", "+HH"); chars used or 0. */
static size_t offset_part(const char *s, size_t len, unsigned flags, int32_t *tz)
{
    int oh, om = 0;
    size_t i = 3;
    if (len < 3 || (s[0] != '+' && s[0] != '-') || digits(s + 1, len - 1, 2, &oh)) return 0;
    if (i < len && s[i] == ':') {
        if (digits(s + i + 1, len - i - 1, 2, &om)) return 0;
        i += 3;
    } else if (!(flags & ASIM_RFC3339_ISO)) {
        return 0;
    } else if (digits(s + i, len - i, 2, &om) == 0) {
        i += 2;
    }
    if (oh > 23 || om > 59) return 0;
    *tz = (s[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    return i;
}

int asim_rfc3339_parse(const char *s, size_t len, unsigned flags, asim_instant *out)
{
    int iso = (flags & ASIM_RFC3339_ISO) != 0;
    if (iso) {
        while (len && isspace((unsigned char)*s)) { s++; len--; }
        while (len && isspace((unsigned char)s[len - 1])) len--;
    }
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int32_t tz = 0, nsec = 0;
    if (digits(s, len, 4, &y) || len < 10 || s[4] != '-' || digits(s + 5, len - 5, 2, &mo) ||
        s[7] != '-' || digits(s + 8, len - 8, 2, &d))
        return -1;
    size_t i = 10;
    int has_time = i < len && (s[i] == 'T' || s[i] == 't' || s[i] == ' ');
    if (!has_time && !iso) return -1;
    if (has_time) {
        if (digits(s + i + 1, len - i - 1, 2, &h) || len < i + 6 || s[i + 3] != ':' ||
            digits(s + i + 4, len - i - 4, 2, &mi))
            return -1;
        i += 6;
        if (i < len && s[i] == ':') {
            if (digits(s + i + 1, len - i - 1, 2, &sec)) return -1;
            i += 3;
            if (i < len && s[i] == '.') {
                size_t nd = 0;
                int32_t scale = 100000000;
                for (i++; i < len && isdigit((unsigned char)s[i]); i++, nd++) {
                    nsec += (s[i] - '0') * scale;
                    scale /= 10;
                }
                if (nd == 0) return -1;
            }
        } else if (!iso) {
            return -1;
        }
        if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else {
            size_t n = offset_part(s + i, len - i, flags, &tz);
            if (n == 0 && !iso) return -1;
            i += n;
        }
    }
    if (i != len) return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > asim_days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
        return -1;
    out->sec = asim_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - tz;
    out->nsec = nsec;
    out->tz = tz;
    return 0;
}

int asim_rfc3339_ms(const char *s, int64_t *ms)
{
    asim_instant t;
    if (asim_rfc3339_parse(s, strlen(s), 0, &t) != 0) return -1;
    *ms = t.sec * 1000 + t.nsec / 1000000;
    return 0;
}

int asim_api_time_ms(const char *s, int64_t *ms)
{
    char *end;
    double d = strtod(s, &end);
    if (*s && !*end && isfinite(d)) {
        if (!(fabs(d) < 9.2e15)) return -1;
        double ip, fp = modf(d, &ip);
        *ms = (int64_t)ip * 1000 + (int64_t)llround(round(fp * 1000) / 1000 * 1000);
        return 0;
    }
    return asim_rfc3339_ms(s, ms);
}

void asim_rfc3339_format(int64_t ns, int tz, char *buf, size_t len)
{
    int64_t secs = ns >= 0 ? ns / 1000000000 : -((-ns + 999999999) / 1000000000);
    int ms = (int)((ns - secs * 1000000000) / 1000000);
    asim_civil c;
    asim_civil_from_unix(secs + tz, &c);
    char zone[16] = "Z";
    if (tz) snprintf(zone, sizeof zone, "%c%02d:%02d", tz < 0 ? '-' : '+', abs(tz) / 3600, abs(tz) / 60 % 60);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s", c.year, c.month, c.day, c.hour, c.min,
             c.sec, ms, zone);
}

int asim_duration_parse(const char *s, size_t len, int64_t *out)
{
    static const struct { const char *unit; int64_t ms; } units[] = {
        { "y", INT64_C(31536000000) }, { "w", INT64_C(604800000) }, { "d", INT64_C(86400000) },
        { "h", INT64_C(3600000) }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 },
    };
    const size_t nunits = sizeof units / sizeof units[0];
    if (len == 1 && s[0] == '0') { *out = 0; return 0; }
    size_t i = 0, u = 0;
    int64_t total = 0;
    int any = 0;
    while (i < len) {
        if (!isdigit((unsigned char)s[i])) return -1;
        int64_t n = 0;
        while (i < len && isdigit((unsigned char)s[i])) {
            if (n > INT64_MAX / 10) return -2;
            n = n * 10 + (s[i++] - '0');
        }
        size_t ul = 0;
        while (i + ul < len && !isdigit((unsigned char)s[i + ul])) ul++;
        while (u < nunits && (strlen(units[u].unit) != ul || memcmp(units[u].unit, s + i, ul))) u++;
        if (u == nunits) return -1;
        if (n > INT64_MAX / units[u].ms || total > INT64_MAX - n * units[u].ms) return -2;
        total += n * units[u].ms;
        u++;
        i += ul;
        any = 1;
    }
    if (!any) return -1;
    *out = total;
    return 0;
}

int asim_seconds_parse(const char *s, double *sec)
{
    if (!*s || isspace((unsigned char)*s)) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end != s && !*end) {
        if (!isfinite(v)) return -1;
        *sec = v;
        return 0;
    }
    int64_t ms;
    if (asim_duration_parse(s, strlen(s), &ms) != 0) return -1;
    *sec = (double)ms / 1000.0;
    return 0;
}
