/* check.h -- the tiny unit-test harness every tests/test_*.c uses.
 *
 *   static void test_something(void) { CHECK(x == 1); CHECK_NEAR(a, b, 1e-9); }
 *   int main(void) { RUN(test_something); return check_report(); }
 *
 * Each RUN prints "ok NAME" or "FAIL NAME" with the failing checks; the binary
 * ends with "RESULT passed=N failed=M" for tests/run.sh and exits 1 if any
 * test failed. */
#ifndef ASIM_TEST_CHECK_H
#define ASIM_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failed_in_test, check_passed, check_failed;

#define CHECK(cond) do { if (!(cond)) { check_failed_in_test++; \
    fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_MSG(cond, ...) do { if (!(cond)) { check_failed_in_test++; \
    fprintf(stderr, "  %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)
#define CHECK_NEAR(a, b, tol) do { double a_ = (a), b_ = (b); \
    if (!(fabs(a_ - b_) <= (tol))) { check_failed_in_test++; \
    fprintf(stderr, "  %s:%d: %s = %.17g, %s = %.17g, |diff| > %g\n", __FILE__, __LINE__, \
            #a, a_, #b, b_, (double)(tol)); } } while (0)
#define CHECK_REL(a, b, rel) CHECK_NEAR(a, b, fabs(b) * (rel))
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
    if (!a_ || !b_ || strcmp(a_, b_) != 0) { check_failed_in_test++; \
    fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } } while (0)

#define RUN(fn) do { check_failed_in_test = 0; fn(); \
    if (check_failed_in_test) { check_failed++; printf("FAIL %s\n", #fn); } \
    else { check_passed++; printf("ok %s\n", #fn); } fflush(stdout); } while (0)

static inline int check_report(void)
{
    printf("RESULT passed=%d failed=%d\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
