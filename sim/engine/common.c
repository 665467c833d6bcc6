/* common.c -- error buffer and allocation wrappers (see common.h). */
#include "sim/engine/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int asim_err_set(asim_err *err, int rc, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static void *check(void *p, size_t n)
{
    if (!p && n) {
        fprintf(stderr, "autoscale-sim: error: out of memory (%zu bytes)\n", n);
        abort();
    }
    return p;
}

void *asim_malloc(size_t n) { return check(malloc(n ? n : 1), n); }
void *asim_calloc(size_t c, size_t s) { return check(calloc(c ? c : 1, s ? s : 1), c * s); }
void *asim_realloc(void *p, size_t n) { return check(realloc(p, n ? n : 1), n); }
void asim_free(void *p) { free(p); }

size_t asim_grow_cap(size_t cap, size_t need, size_t first)
{
    if (need <= cap) return cap;
    size_t c = cap ? cap : (first ? first : 1);
    while (c < need) {
        if (c > SIZE_MAX / 2) {
            fprintf(stderr, "autoscale-sim: array of %zu elements: size overflow\n", need);
            abort();
        }
        c *= 2;
    }
    return c;
}

void *asim_ring_reserve(void *buf, size_t elem_size, size_t *cap, size_t *head, size_t n, size_t first)
{
    if (n < *cap) return buf;
    size_t c = asim_grow_cap(*cap, n + 1, first);
    if (elem_size && c > SIZE_MAX / elem_size) {
        fprintf(stderr, "autoscale-sim: ring of %zu x %zu bytes: size overflow\n", c, elem_size);
        abort();
    }
    char *nb = asim_malloc(c * elem_size);
    if (n) {
        size_t first_part = *cap - *head < n ? *cap - *head : n;     /* up to the end */
        memcpy(nb, (char *)buf + *head * elem_size, first_part * elem_size);
        memcpy(nb + first_part * elem_size, buf, (n - first_part) * elem_size);
    }
    asim_free(buf);
    *cap = c;
    *head = 0;
    return nb;
}

void *asim_grow(void *p, size_t elem_size, size_t *cap, size_t need, size_t first)
{
    size_t c = asim_grow_cap(*cap, need, first);
    if (elem_size && c > SIZE_MAX / elem_size) {
        fprintf(stderr, "autoscale-sim: array of %zu x %zu bytes: size overflow\n", c, elem_size);
        abort();
    }
    p = asim_realloc(p, c * elem_size);
    *cap = c;
    return p;
}

char *asim_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = asim_malloc(n);
    memcpy(d, s, n);
    return d;
}
