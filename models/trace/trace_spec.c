/* trace_spec.c -- a scenario's traces as specs: window bounds, defaults,
 * the trace.* factors folded in, path resolution (see trace_spec.h). */
#include "models/trace/trace_spec.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------------
 * Scenario helpers
 * --------------------------------------------------------------------- */

int asim_trace_when_parse(const char *text, asim_trace_when *w)
{
    memset(w, 0, sizeof *w);
    while (*text == ' ') text++;
    size_t n = strlen(text);
    while (n && text[n - 1] == ' ') n--;
    if (n == 0 || (n == 4 && strncmp(text, "null", 4) == 0)) { w->kind = ASIM_WHEN_NONE; return 0; }
    char buf[64];
    if (n >= sizeof buf) return -1;
    memcpy(buf, text, n);
    buf[n] = 0;
    double sec;
    if (asim_time_parse_tod(buf, &sec) == 0) {
        w->kind = ASIM_WHEN_TOD;
        w->sec = sec;
        return 0;
    }
    int64_t ns;
    int tz;
    if (n >= 10 && buf[4] == '-' && asim_time_parse_rfc3339(buf, n, &ns, &tz) == 0) {
        w->kind = ASIM_WHEN_ABS;
        w->abs_ns = ns;
        return 0;
    }
    char *e;
    double v = strtod(buf, &e);
    if (*e || e == buf || !isfinite(v) || fabs(v) > 1e12) return -1;
    w->kind = ASIM_WHEN_REL;
    w->sec = v;
    return 0;
}

void asim_trace_when_format(const asim_trace_when *w, char *buf, size_t len)
{
    switch (w->kind) {
    case ASIM_WHEN_REL: snprintf(buf, len, "%.17g", w->sec); break;
    case ASIM_WHEN_ABS: asim_time_format_rfc3339(w->abs_ns, 0, buf, len); break;
    case ASIM_WHEN_TOD: {
        int s = (int)w->sec;
        if (s % 60) snprintf(buf, len, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
        else snprintf(buf, len, "%02d:%02d", s / 3600, s / 60 % 60);
        break;
    }
    default: snprintf(buf, len, "%s", ""); break;
    }
}

void asim_trace_spec_defaults(asim_trace_spec *s)
{
    memset(s, 0, sizeof *s);
    s->format = ASIM_TRACE_AUTO;
    s->on_error = ASIM_ONERR_INHERIT;
    s->delimiter = ',';
    s->header = ASIM_HEADER_AUTO;
    s->time_unit_ns = ASIM_NS_PER_SEC;
    s->resolution = -1;
    s->reorder_window = -1;
    s->max_skip_fraction = -1;
    s->copy_shift = 1;
    s->speedup = 1;
    s->multiplier = 1;
    s->thin = 1;
}

int asim_trace_effective(const asim_trace_cfg *tc, asim_trace_spec *out, size_t cap, asim_err *err)
{
    asim_trace_when wf = { ASIM_WHEN_NONE, 0, 0 }, wt = wf;
    if (tc->window[0]) {
        char a[96];
        snprintf(a, sizeof a, "%s", tc->window);
        char *comma = strchr(a, ',');
        if (!comma || asim_trace_when_parse(comma + 1, &wt) != 0 ||
            (*comma = 0, asim_trace_when_parse(a, &wf) != 0)) {
            asim_err_set(err, ASIM_EINPUT, "trace.window '%s': expected FROM,TO with each "
                         "seconds from the trace's start, RFC 3339 or HH:MM[:SS] (either may be empty)",
                         tc->window);
            return -1;
        }
    }
    size_t n = 0;
    for (size_t i = 0; i <= tc->ntraces && n < cap; i++) {
        asim_trace_spec *s = &out[n];
        if (i < tc->ntraces) *s = tc->traces[i];
        else if (tc->path[0]) {
            asim_trace_spec_defaults(s);
            snprintf(s->name, sizeof s->name, "trace");
            snprintf(s->path, sizeof s->path, "%s", tc->path);
            s->format = tc->format;
        } else break;
        if (s->on_error == ASIM_ONERR_INHERIT) s->on_error = tc->on_error;
        if (s->reorder_window < 0) s->reorder_window = tc->reorder_window > 0 ? tc->reorder_window : 0;
        if (s->max_skip_fraction < 0) s->max_skip_fraction = tc->max_skip_fraction;
        s->multiplier *= tc->multiplier;
        s->speedup *= tc->speedup > 0 ? tc->speedup : 1;
        s->thin *= tc->thin > 0 ? tc->thin : 1;
        s->offset += tc->offset;
        s->loop = s->loop || tc->loop;
        if (tc->window[0]) { s->window_from = wf; s->window_to = wt; }
        asim_trace_fold_inputs(tc, s);
        n++;
    }
    return (int)n;
}

int asim_trace_resolve_path(const char *scenario_file, const char *path, char *out, size_t len)
{
    if (path[0] == '/' || !scenario_file || !scenario_file[0] || !strchr(scenario_file, '/')) {
        snprintf(out, len, "%s", path);
        return access(out, R_OK) == 0;
    }
    const char *slash = strrchr(scenario_file, '/');
    snprintf(out, len, "%.*s/%s", (int)(slash - scenario_file), scenario_file, path);
    if (access(out, R_OK) == 0) return 1;
    if (access(path, R_OK) == 0) {
        snprintf(out, len, "%s", path);
        return 1;
    }
    return 0;
}


/* ---------------------------------------------------------------------
 * Times in messages
 * --------------------------------------------------------------------- */

/* Numbers below 1e8 s (1973-03-03) are read as relative seconds: no real
 * log is that old, and a relative trace rarely spans three years. */
#define ABSOLUTE_MIN_NS (INT64_C(100000000) * ASIM_NS_PER_SEC)

int asim_trace_time_is_absolute(int64_t ns)
{
    return ns >= ABSOLUTE_MIN_NS || ns <= -ABSOLUTE_MIN_NS;
}

void asim_trace_offset_text(double sec, char *buf, size_t len)
{
    if (sec == floor(sec) && fabs(sec) < 1e15) snprintf(buf, len, "%s%.0f s", sec < 0 ? "-" : "+", fabs(sec));
    else snprintf(buf, len, "%s%.3f s", sec < 0 ? "-" : "+", fabs(sec));
}

void asim_trace_time_text(int64_t ns, int tz, int64_t origin, char *buf, size_t len)
{
    if (!asim_trace_time_is_absolute(ns)) {
        snprintf(buf, len, "%.9g s", ASIM_TO_SEC(ns));
        return;
    }
    char when[48], off[48];
    asim_time_format_rfc3339(ns, tz, when, sizeof when);
    asim_trace_offset_text(ASIM_TO_SEC(ns - origin), off, sizeof off);
    snprintf(buf, len, "%s (%s)", when, off);
}

/* ---------------------------------------------------------------------
 * Skipped lines
 * --------------------------------------------------------------------- */

int asim_trace_check_skips(const asim_trace_reader *r, double max_fraction, asim_err *err)
{
    uint64_t skipped = asim_trace_skipped(r), read = skipped + asim_trace_records(r);
    if (skipped == 0 || read == 0 || !(max_fraction >= 0)) return 0;
    double share = (double)skipped / (double)read;
    if (share <= max_fraction) return 0;
    return asim_err_set(err, ASIM_EINPUT, "%s: %llu of %llu lines (%.1f %%) were skipped, more than "
                        "max_skip_fraction (%g %%) allows: this is not the trace it claims to be "
                        "(set trace.max_skip_fraction to accept it); the first: %s", asim_trace_name(r),
                        (unsigned long long)skipped, (unsigned long long)read, 100 * share,
                        100 * max_fraction, asim_trace_first_skip(r));
}
