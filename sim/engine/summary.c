/* summary.c -- an ordered list of named metrics (see summary.h).
 *
 * A linear search on set/get: a run ends with at most ASIM_SUMMARY_MAX
 * metrics and sets each once, so a hash would buy nothing.  Invariant:
 * m[0..n) hold distinct NUL-terminated names in first-set order. */
#include "sim/engine/summary.h"

#include <assert.h>
#include <math.h>
#include <string.h>

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void asim_summary_init(asim_summary *s, const char *scenario, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    copy_str(s->scenario, sizeof s->scenario, scenario ? scenario : "");
    s->seed = seed;
}

static long find(const asim_summary *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->m[i].name, name) == 0)
            return (long)i;
    return -1;
}

void asim_summary_set(asim_summary *s, const char *name, double value)
{
    assert(strlen(name) < ASIM_METRIC_NAME_MAX && "asim_summary: metric name too long");
    long i = find(s, name);
    if (i >= 0) {
        s->m[i].value = value;
        return;
    }
    assert(s->n < ASIM_SUMMARY_MAX && "asim_summary: too many metrics");
    if (s->n >= ASIM_SUMMARY_MAX)
        return;
    copy_str(s->m[s->n].name, ASIM_METRIC_NAME_MAX, name);
    s->m[s->n].value = value;
    s->n++;
}

double asim_summary_get(const asim_summary *s, const char *name, int *found)
{
    long i = find(s, name);
    if (found)
        *found = i >= 0;
    return i >= 0 ? s->m[i].value : NAN;
}
