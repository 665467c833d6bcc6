/* trace_time.c -- time text: RFC 3339, access-log dates, numbers, times of day (see trace.h; the reader's core is trace.c). */
#include "models/trace/trace_reader.h"
#include "sim/engine/timefmt.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------
 * Time text
 * --------------------------------------------------------------------- */


/* n digits at s -> *v; 0 or -1. */
static int digits(const char *s, size_t n, int *v)
{
    int x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

static int make_time(int y, int mo, int d, int h, int mi, int s, int64_t frac_ns, int tz,
                     int64_t *ns)
{
    if (y < 1843 || y > 2096 || mo < 1 || mo > 12 || d < 1 || d > asim_days_in_month(y, mo) ||
        h > 23 || mi > 59 || s > 60)   /* 60: a leap second, read as :59 + 1 s */
        return -1;
    int64_t secs = asim_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - tz;
    if (secs > ASIM_TRACE_TMAX / ASIM_NS_PER_SEC - 1 || secs < -ASIM_TRACE_TMAX / ASIM_NS_PER_SEC + 1)
        return -1;
    *ns = secs * ASIM_NS_PER_SEC + frac_ns;
    return 0;
}

void trace_trim(const char **s, size_t *len)
{
    while (*len && isspace((unsigned char)**s)) { (*s)++; (*len)--; }
    while (*len && isspace((unsigned char)(*s)[*len - 1])) (*len)--;
}

/* ".123" at s (the dot included) -> ns; returns chars used. */
static size_t frac_part(const char *s, size_t len, int64_t *ns)
{
    *ns = 0;
    if (len < 2 || s[0] != '.' || !isdigit((unsigned char)s[1])) return 0;
    size_t i = 1;
    int64_t scale = 100000000;
    while (i < len && isdigit((unsigned char)s[i])) {
        *ns += (s[i] - '0') * scale;
        scale /= 10;
        i++;
    }
    return i;
}

int asim_time_parse_rfc3339(const char *s, size_t len, int64_t *ns, int *tz)
{
    asim_instant t;
    if (asim_rfc3339_parse(s, len, ASIM_RFC3339_ISO, &t) != 0) return -1;
    if (t.sec > ASIM_TRACE_TMAX / ASIM_NS_PER_SEC - 1 || t.sec < -ASIM_TRACE_TMAX / ASIM_NS_PER_SEC + 1)
        return -1;
    if (tz) *tz = t.tz;
    *ns = t.sec * ASIM_NS_PER_SEC + t.nsec;
    return 0;
}

static int month_index(const char *s)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    for (int i = 0; i < 12; i++)
        if (strncmp(s, months + 3 * i, 3) == 0) return i + 1;
    return -1;
}

int asim_time_parse_clf(const char *s, size_t len, int64_t *ns, int *tz)
{
    /* dd/Mon/yyyy:HH:MM:SS[.frac] +zzzz */
    int d, mo, y, h, mi, sec, oh, om;
    int64_t frac = 0;
    if (len < 20 || digits(s, 2, &d) || s[2] != '/' || (mo = month_index(s + 3)) < 0 ||
        s[6] != '/' || digits(s + 7, 4, &y) || s[11] != ':' || digits(s + 12, 2, &h) ||
        s[14] != ':' || digits(s + 15, 2, &mi) || s[17] != ':' || digits(s + 18, 2, &sec))
        return -1;
    size_t i = 20;
    i += frac_part(s + i, len - i, &frac);
    int off = 0;
    if (i < len) {
        if (s[i] != ' ' || len != i + 6 || (s[i + 1] != '+' && s[i + 1] != '-') ||
            digits(s + i + 2, 2, &oh) || digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        off = (s[i + 1] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    }
    if (tz) *tz = off;
    return make_time(y, mo, d, h, mi, sec, frac, off, ns);
}

int asim_time_parse_number(const char *s, size_t len, int64_t unit, int64_t *ns)
{
    trace_trim(&s, &len);
    if (len == 0 || len > 64 || unit <= 0) return -1;
    size_t i = 0;
    int neg = 0;
    if (s[i] == '+' || s[i] == '-') neg = s[i++] == '-';
    int64_t ip = 0, fp = 0, fscale = 1;
    size_t nd = 0;
    int exact = 1;
    while (i < len && isdigit((unsigned char)s[i])) {
        if (ip > (INT64_MAX - 9) / 10) return -1;
        ip = ip * 10 + (s[i++] - '0');
        nd++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && isdigit((unsigned char)s[i])) {
            if (fscale < INT64_C(1000000000)) { fp = fp * 10 + (s[i] - '0'); fscale *= 10; }
            i++;
            nd++;
        }
    }
    if (nd == 0) return -1;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) exact = 0;
    else if (i != len) return -1;
    if (exact) {
        if (ip > ASIM_TRACE_TMAX / unit - 1) return -1;
        int64_t v = ip * unit + (int64_t)((double)fp * (double)unit / (double)fscale + 0.5);
        *ns = neg ? -v : v;
        return 0;
    }
    char tmp[72];
    memcpy(tmp, s, len);
    tmp[len] = 0;
    char *e;
    errno = 0;
    double v = strtod(tmp, &e);
    if (*e || errno || !isfinite(v)) return -1;
    double t = v * (double)unit;
    if (!(fabs(t) <= (double)ASIM_TRACE_TMAX)) return -1;
    *ns = (int64_t)llround(t);
    return 0;
}

int asim_time_parse_any(const char *s, size_t len, int64_t unit, int64_t *ns, int *tz)
{
    trace_trim(&s, &len);
    if (tz) *tz = 0;
    if (len >= 10 && s[4] == '-' && isdigit((unsigned char)s[0]))
        return asim_time_parse_rfc3339(s, len, ns, tz);
    return asim_time_parse_number(s, len, unit, ns);
}

int asim_time_parse_tod(const char *s, double *sec)
{
    int h, m, x = 0;
    size_t n = strlen(s);
    if ((n != 5 && n != 8) || digits(s, 2, &h) || s[2] != ':' || digits(s + 3, 2, &m) ||
        (n == 8 && (s[5] != ':' || digits(s + 6, 2, &x))) || h > 24 || m > 59 || x > 59 ||
        (h == 24 && (m || x)))
        return -1;
    *sec = h * 3600.0 + m * 60.0 + x;
    return 0;
}

static void split_time(int64_t ns, int tz, int *y, int *mo, int *d, int *h, int *mi, int *s,
                       int *ms)
{
    int64_t secs = ns >= 0 ? ns / ASIM_NS_PER_SEC : -((-ns + ASIM_NS_PER_SEC - 1) / ASIM_NS_PER_SEC);
    asim_civil c;
    asim_civil_from_unix(secs + tz, &c);
    *y = c.year; *mo = c.month; *d = c.day; *h = c.hour; *mi = c.min; *s = c.sec;
    *ms = (int)((ns - secs * ASIM_NS_PER_SEC) / ASIM_NS_PER_MS);
}

void asim_time_format_rfc3339(int64_t ns, int tz, char *buf, size_t len)
{
    asim_rfc3339_format(ns, tz, buf, len);
}

void asim_time_format_clf(int64_t ns, int tz, char *buf, size_t len)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int y, mo, d, h, mi, s, ms;
    split_time(ns, tz, &y, &mo, &d, &h, &mi, &s, &ms);
    snprintf(buf, len, "%02d/%.3s/%04d:%02d:%02d:%02d %c%02d%02d", d, months + 3 * (mo - 1), y,
             h, mi, s, tz < 0 ? '-' : '+', abs(tz) / 3600, abs(tz) / 60 % 60);
}

int trace_parse_double(const char *s, size_t len, double *v)
{
    trace_trim(&s, &len);
    if (len == 0 || len > 64) return -1;
    char tmp[72];
    memcpy(tmp, s, len);
    tmp[len] = 0;
    char *e;
    errno = 0;
    *v = strtod(tmp, &e);
    return *e || errno == ERANGE ? -1 : 0;
}
