/* fuzz_trace_prom.c -- libFuzzer harness for the Prometheus query_range reader.
 * Build and run: make fuzz (Makefile); crashers go to tests/fuzz/regress/. */
#include "fuzz_trace_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_trace_read(data, size, ASIM_TRACE_PROMETHEUS);
    return 0;
}
