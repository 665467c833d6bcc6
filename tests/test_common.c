/* test_common.c -- the growable-array helper of sim/engine/common.h. */
#include "sim/engine/common.h"
#include "check.h"

static void test_grow_cap(void)
{
    CHECK(asim_grow_cap(0, 1, 16) == 16);
    CHECK(asim_grow_cap(0, 17, 16) == 32);
    CHECK(asim_grow_cap(16, 16, 8) == 16);        /* enough: unchanged */
    CHECK(asim_grow_cap(16, 17, 8) == 32);
    CHECK(asim_grow_cap(3, 100, 8) == 192);       /* doubles from the current capacity */
    CHECK(asim_grow_cap(0, 0, 16) == 0);
}

static void test_grow_keeps_contents(void)
{
    int *a = NULL;
    int cap = 0;                                  /* an int capacity, as some structs have */
    for (int i = 0; i < 1000; i++) {
        ASIM_GROW(a, cap, i + 1, 4);
        CHECK(cap >= i + 1);
        a[i] = i * 7;
    }
    CHECK(cap == 1024);
    int ok = 1;
    for (int i = 0; i < 1000; i++) ok &= a[i] == i * 7;
    CHECK(ok);
    size_t scap = 4, need = 3;
    double *d = NULL;
    ASIM_GROW(d, scap, need, 8);                  /* enough already: no allocation */
    CHECK(d == NULL && scap == 4);
    asim_free(a);
}

/* A FIFO that wraps, then grows while wrapped: order is kept. */
static void test_ring_reserve(void)
{
    int *q = NULL;
    size_t cap = 0, head = 0, n = 0;
    int next_in = 0, next_out = 0, ok = 1;
    for (int round = 0; round < 200; round++) {
        for (int k = 0; k < 3; k++) {                 /* push 3 */
            q = asim_ring_reserve(q, sizeof *q, &cap, &head, n, 4);
            q[(head + n) % cap] = next_in++;
            n++;
        }
        for (int k = 0; k < 2; k++) {                 /* pop 2 */
            ok &= q[head] == next_out++;
            head = (head + 1) % cap;
            n--;
        }
    }
    CHECK(ok);
    CHECK(n == 200 && cap == 256);
    while (n) {
        ok &= q[head] == next_out++;
        head = (head + 1) % cap;
        n--;
    }
    CHECK(ok && next_out == next_in);
    asim_free(q);
}

int main(void)
{
    RUN(test_grow_cap);
    RUN(test_grow_keeps_contents);
    RUN(test_ring_reserve);
    return check_report();
}
