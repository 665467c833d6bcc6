/* dconv.h -- decimal digits of a double, from Google's double-conversion
 * library (Debian libdouble-conversion-dev; a thin C++ wrapper in dconv.cc).
 *
 * Why a library: asim_fmt_double must stay byte-identical to its original
 * snprintf("%.Ng") + strtod definition while costing a fraction of it; that
 * needs exact shortest and exact fixed-precision digit generation, which
 * double-conversion provides (Grisu with a bignum fallback, used by V8 and
 * Firefox, packaged and maintained in Debian).  Ryu would need vendoring a
 * few thousand lines of tables here; its printf-%e part is not in Debian. */
#ifndef ASIM_DCONV_H
#define ASIM_DCONV_H

#ifdef __cplusplus
extern "C" {
#endif

#define ASIM_DCONV_DIGITS_LEN 24

/* The decimal digits of |v| (v finite, nonzero), without trailing zeros:
 * |v| ~= 0.<digits> * 10^point.  ndigits 0: the shortest digits that read
 * back to v (the closest such when several); 1..17: v correctly rounded to
 * that many significant digits (exact, like glibc's printf).  digits gets
 * the NUL-terminated digits (>= ASIM_DCONV_DIGITS_LEN bytes); returns their
 * count. */
int asim_dconv_digits(double v, int ndigits, char *digits, int *point);

#ifdef __cplusplus
}
#endif

#endif
