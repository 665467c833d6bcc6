/* fuzz_trace_csv.c -- libFuzzer harness for the CSV readers (timestamps, counts, rates: quoting, headers, delimiters, CRLF).
 * Build and run: make fuzz (Makefile); crashers go to tests/fuzz/regress/. */
#include "fuzz_trace_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_trace_read(data, size, ASIM_TRACE_TIMESTAMPS);
    fuzz_trace_read(data, size, ASIM_TRACE_COUNTS);
    fuzz_trace_read(data, size, ASIM_TRACE_RATES);
    return 0;
}
