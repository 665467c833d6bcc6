/* fuzz_trace_log.c -- libFuzzer harness for the access-log reader (Common/Combined Log Format, reorder window).
 * Build and run: make fuzz (Makefile); crashers go to tests/fuzz/regress/. */
#include "fuzz_trace_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_trace_read(data, size, ASIM_TRACE_ACCESS_LOG);
    return 0;
}
