/* fuzz_trace_source.c -- libFuzzer harness for a transformed trace source (window, speed-up, multiplier, loop, load events) over any format.
 * Build and run: make fuzz (Makefile); crashers go to tests/fuzz/regress/. */
#include "fuzz_trace_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 2) fuzz_trace_source(data, size, (asim_trace_format)((data[0] ^ data[1]) % 5 + 1));
    return 0;
}
