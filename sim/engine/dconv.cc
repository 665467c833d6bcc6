// dconv.cc -- the C wrapper around double-conversion (see dconv.h).
#include "sim/engine/dconv.h"

#include <double-conversion/double-to-string.h>

using double_conversion::DoubleToStringConverter;

extern "C" int asim_dconv_digits(double v, int ndigits, char *digits, int *point)
{
    bool sign;
    int len;
    DoubleToStringConverter::DoubleToAscii(
        v, ndigits ? DoubleToStringConverter::PRECISION : DoubleToStringConverter::SHORTEST,
        ndigits, digits, ASIM_DCONV_DIGITS_LEN, &sign, &len, point);
    while (len > 1 && digits[len - 1] == '0')   // PRECISION pads with zeros
        digits[--len] = '\0';
    return len;
}
