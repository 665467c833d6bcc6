/* common.h -- types and helpers every module of autoscale-sim shares.
 *
 * Simulated time is an int64 count of nanoseconds from the start of the run
 * (asim_time).  Integer time makes scrape, check and cooldown instants compare
 * exactly; doubles would make "is the cooldown over at t=30s?" depend on
 * rounding.  Prometheus stores milliseconds, so models convert with
 * ASIM_TO_MS when they stamp samples.
 *
 * Errors for bad input travel as an int rc plus an asim_err filled with a
 * message naming the file, the location and the problem.  Only main() exits. */
#ifndef ASIM_COMMON_H
#define ASIM_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

typedef int64_t asim_time;                 /* nanoseconds of simulated time */

#define ASIM_NS_PER_SEC  INT64_C(1000000000)
#define ASIM_NS_PER_MS   INT64_C(1000000)
#define ASIM_TIME_MAX    INT64_MAX
#define ASIM_SEC(s)      ((asim_time)((s) * 1e9 + ((s) >= 0 ? 0.5 : -0.5)))  /* seconds (double) -> ns, rounded */
#define ASIM_TO_SEC(t)   ((double)(t) / 1e9)
#define ASIM_TO_MS(t)    ((int64_t)((t) / ASIM_NS_PER_MS))                    /* truncates toward zero */

/* Return codes.  ASIM_EINPUT maps to exit status 2 (bad input / usage),
 * ASIM_ERUNTIME to exit status 1 (environment: I/O, missing tool). */
enum { ASIM_OK = 0, ASIM_EINPUT = 2, ASIM_ERUNTIME = 1 };

/* An error message buffer.  Functions that can fail on bad input take an
 * asim_err* and fill it with "file:line: problem" or "file: $.json.path: problem". */
typedef struct asim_err {
    char msg[512];
} asim_err;

/* printf-style fill of err (NULL err is allowed and ignored).  Returns rc so
 * callers can write: return asim_err_set(err, ASIM_EINPUT, "...", ...); */
int asim_err_set(asim_err *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Allocation wrappers: abort with a message on out-of-memory (the simulator
 * cannot continue meaningfully); every allocation goes through here. */
void *asim_malloc(size_t n);
void *asim_calloc(size_t count, size_t size);
void *asim_realloc(void *p, size_t n);
char *asim_strdup(const char *s);
void  asim_free(void *p);

/* Growable arrays: the one capacity rule (double, starting at `first`) and
 * the one reallocation, instead of a hand-written "if full, double" per site.
 *
 *   ASIM_GROW(v->a, v->cap, v->n + 1, 16);    then v->a[v->n++] = x;
 *
 * asim_grow_cap returns the capacity (elements) to hold `need`: cap itself
 * when it is enough, else cap (or `first` if cap is 0) doubled until it
 * is.  For parallel arrays and tables rebuilt on growth (hash tables, ring
 * buffers), call it and reallocate each array.  asim_grow reallocates p to
 * that capacity (contents kept) and stores it in *cap.  Both abort on a size
 * overflow, as the allocation wrappers do on out-of-memory.  ASIM_GROW
 * takes any integer type of capacity. */
size_t asim_grow_cap(size_t cap, size_t need, size_t first);
void *asim_grow(void *p, size_t elem_size, size_t *cap, size_t need, size_t first);
#define ASIM_GROW(ptr, cap, need, first) do {                                        \
        size_t asim_cap_ = (size_t)(cap);                                             \
        if ((size_t)(need) > asim_cap_) {                                             \
            (ptr) = asim_grow((ptr), sizeof *(ptr), &asim_cap_, (size_t)(need), (first)); \
            (cap) = asim_cap_;                                                        \
        }                                                                             \
    } while (0)

/* Growable ring buffer (FIFO) of elements of elem_size bytes at buf:
 * capacity *cap, oldest element at *head, n held.  When full (n == *cap),
 * returns a new buffer of asim_grow_cap(*cap, n + 1, first) elements with
 * the n elements in order from index 0 (*head = 0, the old buffer freed);
 * else returns buf unchanged. */
void *asim_ring_reserve(void *buf, size_t elem_size, size_t *cap, size_t *head, size_t n, size_t first);

#define ASIM_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ASIM_UNUSED(x) ((void)(x))

#endif
